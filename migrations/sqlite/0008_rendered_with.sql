-- Which version of the Markdown rules (`vaern_core::markdown::VERSION`) made each stored
-- HTML. At start the server renders again what an older version made, so a fix to the
-- rules (issue 15: images, labelled task lists) reaches posts written before it.
-- 1 is the first renderer, which made every row stored before this migration.
alter table forum_posts add column rendered_with integer not null default 1;
alter table post_revisions add column rendered_with integer not null default 1;

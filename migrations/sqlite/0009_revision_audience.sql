-- The audience of each earlier version of a post (issue 15). An earlier version is shown
-- only to a reader who may see it both under its own label and recipients and under the
-- newest version's, so each revision keeps the recipients it was written for.
-- Revisions stored before this migration did not record them (`audience_known` 0): an
-- AMBER+STRICT or RED one of those is shown to its author alone.
alter table post_revisions add column audience_known integer not null default 0;

create table revision_recipient_orgs (
    item_id integer not null references post_revisions (id) on delete cascade,
    org_id integer not null references organisations (id),
    primary key (item_id, org_id)
);

create table revision_recipient_users (
    item_id integer not null references post_revisions (id) on delete cascade,
    user_id integer not null references users (id),
    primary key (item_id, user_id)
);

-- Which posts link which documents (a link written exactly as `/documents/{id}`), so
-- that a document's page lists the threads that mention it. Written from the post's
-- Markdown in the transaction that stores the post, replaced when it is edited, and
-- dropped when the post is deleted or removed. Posts stored before this migration get
-- theirs when the server renders them again at start (`markdown::VERSION` 4).
--
-- No foreign key on the document: a post may link an id that does not exist (yet), and
-- the document's page reads the rows only for a document its reader may see.
create table post_document_links (
    post_id integer not null references forum_posts (id) on delete cascade,
    document_id integer not null,
    primary key (document_id, post_id)
);
create index post_document_links_post on post_document_links (post_id);

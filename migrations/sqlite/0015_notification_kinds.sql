-- Notifications beyond the forum, and watched folders.
--
-- One `kind` column says what a notification is about, and the ids it needs are
-- required by kind: a mention or a reply names its thread and post; a new document in a
-- watched folder names the document; a new version names the document and the version.
-- SQLite cannot change a CHECK, so the table is made anew, every row copied (the ids
-- kept), the old table dropped and the new one renamed, all in this migration's
-- transaction. What a notification points at is still checked against the policy each
-- time it is listed or counted.

create table notifications_new (
    id integer primary key,
    user_id integer not null references users (id) on delete cascade,
    kind text not null
        check (kind in ('mention', 'reply', 'new_document', 'new_version')),
    thread_id integer references forum_threads (id) on delete cascade,
    post_id integer references forum_posts (id) on delete cascade,
    document_id integer references documents (id) on delete cascade,
    -- A removed document's versions are deleted: their notifications go with them.
    version_id integer references document_versions (id) on delete cascade,
    actor_id integer not null references users (id),
    created_at integer not null,
    read_at integer,
    check (
        (kind in ('mention', 'reply')
            and thread_id is not null and post_id is not null
            and document_id is null and version_id is null)
        or (kind = 'new_document'
            and document_id is not null
            and thread_id is null and post_id is null and version_id is null)
        or (kind = 'new_version'
            and document_id is not null and version_id is not null
            and thread_id is null and post_id is null)
    )
);

insert into notifications_new (id, user_id, kind, thread_id, post_id, actor_id, created_at, read_at)
select id, user_id, kind, thread_id, post_id, actor_id, created_at, read_at from notifications;

drop table notifications;
alter table notifications_new rename to notifications;
create index notifications_user on notifications (user_id, read_at, id);
-- Removing a document deletes its versions: the cascade finds their notifications here.
create index notifications_version on notifications (version_id) where version_id is not null;

-- Who watches which part of a library. A folder is watched with every folder inside it
-- (as the tree is when something happens there); no folder means the whole library.
-- A watch is a wish, not access: whoever is told must still be allowed to see what
-- happened, checked when the notification is written and again whenever it is shown.
create table library_watches (
    user_id integer not null references users (id) on delete cascade,
    group_id integer not null references user_groups (id) on delete cascade,
    -- Deleting a folder ends its watches; it is never blocked by them.
    folder_id integer references library_folders (id) on delete cascade,
    created_at integer not null
);
-- One watch per person and place; the whole library counts as folder 0.
create unique index library_watches_one
    on library_watches (user_id, group_id, coalesce(folder_id, 0));
create index library_watches_place on library_watches (group_id, folder_id);

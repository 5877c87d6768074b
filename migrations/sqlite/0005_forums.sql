-- Group forums: threads, posts with their revisions, who watches and who has read
-- what, and the in-app notifications they cause. Times are unix seconds (UTC).
--
-- Every thread and post carries its own TLP label and recipients, in the shape the
-- access policy's SQL condition reads (`policy::GroupContentSql`): `id`, `group_id`,
-- `tlp`, `author_id`, and one side table per recipient kind. A post is shown only to
-- those who may see both it and its thread.

create table forum_threads (
    id integer primary key,
    group_id integer not null references user_groups (id),
    title text not null check (length(title) between 1 and 200),
    tlp text not null check (tlp in ('clear', 'green', 'amber', 'amber+strict', 'red')),
    author_id integer not null references users (id),
    -- Readers see "a participant" instead of each author (moderators still see them).
    chatham_house integer not null default 0 check (chatham_house in (0, 1)),
    pinned_at integer,
    locked_at integer,
    created_at integer not null
);
create index forum_threads_group on forum_threads (group_id);

create table thread_recipient_orgs (
    item_id integer not null references forum_threads (id) on delete cascade,
    org_id integer not null references organisations (id),
    primary key (item_id, org_id)
);

create table thread_recipient_users (
    item_id integer not null references forum_threads (id) on delete cascade,
    user_id integer not null references users (id),
    primary key (item_id, user_id)
);

create table forum_posts (
    id integer primary key,
    thread_id integer not null references forum_threads (id),
    -- The thread's group, copied so that the policy condition needs no join; moving a
    -- thread updates both in one transaction.
    group_id integer not null references user_groups (id),
    author_id integer not null references users (id),
    tlp text not null check (tlp in ('clear', 'green', 'amber', 'amber+strict', 'red')),
    -- The Markdown as written, and the sanitised HTML rendered from it once.
    body_source text not null,
    body_html text not null,
    quoted_post_id integer references forum_posts (id),
    created_at integer not null,
    edited_at integer,
    -- Deleted by its author: shown as a placeholder, its text never sent again.
    deleted_at integer,
    -- Removed by a moderator, with a reason (audited).
    removed_at integer,
    removed_by integer references users (id),
    removed_reason text
);
create index forum_posts_thread on forum_posts (thread_id, id);
create index forum_posts_group on forum_posts (group_id, thread_id);

create table post_recipient_orgs (
    item_id integer not null references forum_posts (id) on delete cascade,
    org_id integer not null references organisations (id),
    primary key (item_id, org_id)
);

create table post_recipient_users (
    item_id integer not null references forum_posts (id) on delete cascade,
    user_id integer not null references users (id),
    primary key (item_id, user_id)
);

-- Earlier versions of a post: one row per edit, holding what the edit replaced.
create table post_revisions (
    id integer primary key,
    post_id integer not null references forum_posts (id) on delete cascade,
    tlp text not null check (tlp in ('clear', 'green', 'amber', 'amber+strict', 'red')),
    body_source text not null,
    body_html text not null,
    -- When this version was written (the post's creation or an earlier edit).
    written_at integer not null
);
create index post_revisions_post on post_revisions (post_id, id);

-- Who is told about replies. Authors and repliers are added automatically.
create table thread_watches (
    thread_id integer not null references forum_threads (id) on delete cascade,
    user_id integer not null references users (id) on delete cascade,
    primary key (thread_id, user_id)
);

-- The newest post each person has seen in a thread ("new since your last visit").
create table thread_reads (
    thread_id integer not null references forum_threads (id) on delete cascade,
    user_id integer not null references users (id) on delete cascade,
    last_read_post_id integer not null,
    primary key (user_id, thread_id)
);

-- In-app notifications. What they point at is checked against the policy again each
-- time they are listed or counted, so a notification never outlives access.
create table notifications (
    id integer primary key,
    user_id integer not null references users (id) on delete cascade,
    kind text not null check (kind in ('mention', 'reply')),
    thread_id integer not null references forum_threads (id) on delete cascade,
    post_id integer not null references forum_posts (id) on delete cascade,
    actor_id integer not null references users (id),
    created_at integer not null,
    read_at integer
);
create index notifications_user on notifications (user_id, read_at, id);

-- Deadline notifications (the incidents issue): 6 hours before and at each NIS2 or GDPR
-- deadline of a significant incident, to the people who manage it. The table is made
-- anew as in 0015 (SQLite cannot change a CHECK), every row copied with its id. What a
-- notification points at is still checked against the policy each time it is listed.

create table notifications_new (
    id integer primary key,
    user_id integer not null references users (id) on delete cascade,
    kind text not null
        check (kind in ('mention', 'reply', 'new_document', 'new_version', 'deadline')),
    thread_id integer references forum_threads (id) on delete cascade,
    post_id integer references forum_posts (id) on delete cascade,
    document_id integer references documents (id) on delete cascade,
    version_id integer references document_versions (id) on delete cascade,
    incident_id integer references incidents (id) on delete cascade,
    -- The report a deadline notification is about, and whether it is the reminder before
    -- the deadline or the one at it.
    report text check (report in ('early_warning', 'notification', 'final_report', 'gdpr')),
    due_at integer,
    actor_id integer not null references users (id),
    created_at integer not null,
    read_at integer,
    check (
        (kind in ('mention', 'reply')
            and thread_id is not null and post_id is not null
            and document_id is null and version_id is null and incident_id is null)
        or (kind = 'new_document'
            and document_id is not null
            and thread_id is null and post_id is null and version_id is null
            and incident_id is null)
        or (kind = 'new_version'
            and document_id is not null and version_id is not null
            and thread_id is null and post_id is null and incident_id is null)
        or (kind = 'deadline'
            and incident_id is not null and report is not null and due_at is not null
            and thread_id is null and post_id is null and document_id is null
            and version_id is null)
    )
);

insert into notifications_new
    (id, user_id, kind, thread_id, post_id, document_id, version_id, actor_id, created_at,
     read_at)
select id, user_id, kind, thread_id, post_id, document_id, version_id, actor_id, created_at,
    read_at
from notifications;

drop table notifications;
alter table notifications_new rename to notifications;
create index notifications_user on notifications (user_id, read_at, id);
create index notifications_version on notifications (version_id) where version_id is not null;
create index notifications_incident on notifications (incident_id) where incident_id is not null;

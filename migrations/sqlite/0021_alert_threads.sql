-- Forum threads an organisation started about one of its alerts ("Discuss in forum"),
-- linked both ways: the alert page lists them (as far as the reader may see each), the
-- thread names the alert to the people of its organisation.
create table alert_threads (
    alert_id integer not null references alerts (id),
    thread_id integer not null references forum_threads (id),
    created_at integer not null,
    primary key (alert_id, thread_id)
) without rowid;
create index alert_threads_thread on alert_threads (thread_id);

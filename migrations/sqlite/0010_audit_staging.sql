-- Audit rows staged by the transaction of the change or read they record. A row here
-- commits (or rolls back) with what it records; the appender then links staged rows into
-- the hash chain (audit_log) in staging order and deletes them here, in one transaction,
-- so a crash between the two loses nothing: the next appender run chains what is left.
create table audit_staged (
    seq integer primary key autoincrement,
    at integer not null,
    actor_user_id integer,
    actor_token_id integer,
    actor_org_id integer,
    action text not null,
    subject_kind text,
    subject_id integer,
    subject_org_id integer,
    address text not null,
    outcome text not null check (outcome in ('success', 'failure')),
    detail text not null
);

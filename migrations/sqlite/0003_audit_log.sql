-- The append-only audit log. Each row carries the SHA-256 of its own canonical form and
-- of the previous row's, so that editing or removing a row breaks the chain; the newest
-- hash is also written to <data-dir>/audit.head after each commit. Rows name people,
-- organisations, groups and tokens by id only (no foreign keys: rows outlive them) and
-- never hold content titles.
create table audit_log (
    id integer primary key,
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
    detail text not null,
    prev_hash text not null,
    hash text not null
);
create index audit_log_at on audit_log (at);
create index audit_log_actor on audit_log (actor_user_id);
create index audit_log_actor_org on audit_log (actor_org_id);
create index audit_log_subject_org on audit_log (subject_org_id);

create trigger audit_log_no_update before update on audit_log
begin
    select raise(abort, 'the audit log is append-only');
end;

create trigger audit_log_no_delete before delete on audit_log
begin
    select raise(abort, 'the audit log is append-only');
end;

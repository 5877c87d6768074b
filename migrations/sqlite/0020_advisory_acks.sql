-- An organisation's acknowledgement of an advisory (DESIGN §3.F, the acknowledgement
-- view): one state per advisory (by STIX id, so across its versions) and organisation,
-- who set it and when it was first and last set. Time to acknowledge counts from the
-- advisory's publication to `created_at`.
create table advisory_acks (
    stix_id text not null,
    org_id integer not null references organisations (id),
    state text not null check (state in ('read', 'relevant', 'not_relevant', 'handled')),
    user_id integer not null references users (id),
    created_at integer not null,
    updated_at integer not null,
    primary key (stix_id, org_id)
) without rowid;
create index advisory_acks_org on advisory_acks (org_id);

-- Feedback (DESIGN §2, §3.F "share with the centre"): an organisation's response to an
-- alert or advisory, published back to the centre that published the item as a STIX
-- note, `created_by_ref` the organisation's identity. One note id per organisation and
-- item; each share is a new version, every version kept. Seen by the authoring
-- organisation and the centre alone (policy::can_see_feedback over org_id,
-- centre_org_id and tlp), served to the centre's tokens in the TAXII collection
-- `feedback`. Feedback never routes alerts: it is not a STIX object of the inbound
-- collection and nothing reads its references for targets.
create table feedback (
    id integer primary key,
    stix_id text not null,
    org_id integer not null references organisations (id),
    centre_org_id integer not null references organisations (id),
    -- What it answers: a sighting (the organisation's alert) or a report (an advisory).
    subject_ref text not null,
    subject_kind text not null check (subject_kind in ('alert', 'advisory')),
    -- The state shared: the alert's status or the advisory's acknowledgement.
    state text not null,
    -- The organisation's own words to the centre; may be empty.
    message text not null default '',
    tlp text not null check (tlp in ('clear', 'green', 'amber', 'amber+strict', 'red')),
    -- The note's `modified`, microseconds.
    version_us integer not null,
    -- TAXII date_added of the collection, microseconds; strictly increasing.
    date_added_us integer not null unique,
    -- The note as served.
    content text not null,
    is_latest integer not null default 1,
    shared_by integer not null references users (id),
    unique (stix_id, version_us)
);
create index feedback_subject on feedback (subject_ref, org_id);
create index feedback_centre on feedback (centre_org_id, date_added_us);
create index feedback_org on feedback (org_id, date_added_us);

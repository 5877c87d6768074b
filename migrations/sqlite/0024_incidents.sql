-- An organisation's own incidents (the incidents issue): platform records under their own
-- rule (policy::can_see_incident, SQL twin push_incident_visible), never STIX objects and
-- never in the TAXII feed. The centre's incidents stay STIX objects under the intel policy.
create table incidents (
    id integer primary key,
    -- The registering organisation: the affected one.
    org_id integer not null references organisations (id),
    registered_by integer not null references users (id),
    title text not null check (length(title) between 1 and 200),
    summary text not null default '',
    severity text not null check (severity in ('low', 'medium', 'high', 'critical')),
    status text not null default 'open' check (status in ('open', 'contained', 'closed')),
    tlp text not null check (tlp in ('clear', 'green', 'amber', 'amber+strict', 'red')),
    -- What the NIS2 reports ask for (Art. 23(4)); plain text, empty until known.
    suspected_malicious text not null default 'unknown'
        check (suspected_malicious in ('unknown', 'yes', 'no')),
    cross_border text not null default 'unknown'
        check (cross_border in ('unknown', 'yes', 'no')),
    impact text not null default '',
    indicators text not null default '',
    root_cause text not null default '',
    mitigation text not null default '',
    -- Shared with the centre's analysts (never a RED incident).
    shared_at integer,
    shared_by integer references users (id),
    created_at integer not null,
    updated_at integer not null
);
create index incidents_org on incidents (org_id, created_at);
create index incidents_shared on incidents (shared_at) where shared_at is not null;

-- The people named for a RED incident (the registrant among them).
create table incident_named (
    incident_id integer not null references incidents (id),
    user_id integer not null references users (id),
    primary key (incident_id, user_id)
);

-- The timeline: events the organisation or the centre's analysts enter, and what the
-- platform records itself (status changes, significance, submitted reports, sharing).
create table incident_entries (
    id integer primary key,
    incident_id integer not null references incidents (id),
    author_id integer not null references users (id),
    kind text not null
        check (kind in ('event', 'comment', 'status', 'significance', 'submitted', 'shared')),
    body text not null check (length(body) <= 20000),
    -- When it happened, as entered (an event); else when it was written.
    occurred_at integer not null,
    created_at integer not null
);
create index incident_entries_incident on incident_entries (incident_id, occurred_at, id);

-- Alerts, documents and threads linked to an incident. Each is shown only to a reader
-- who may also see the linked item.
create table incident_links (
    incident_id integer not null references incidents (id),
    kind text not null check (kind in ('alert', 'document', 'thread')),
    target_id integer not null,
    linked_by integer not null references users (id),
    linked_at integer not null,
    primary key (incident_id, kind, target_id)
);

-- NIS2 Article 23 and GDPR Article 33 clocks of an incident marked significant, for its
-- organisation. Times are unix seconds (UTC); references as the authority gave them.
create table incident_significance (
    incident_id integer primary key references incidents (id),
    aware_at integer not null,
    marked_by integer not null references users (id),
    marked_at integer not null,
    personal_data_aware_at integer,
    early_warning_at integer,
    early_warning_ref text not null default '',
    notification_at integer,
    notification_ref text not null default '',
    final_report_at integer,
    final_report_ref text not null default '',
    gdpr_at integer,
    gdpr_ref text not null default ''
);

-- Deadline reminders sent (6 hours before and at each deadline), so that a restart sends
-- none twice and a moved deadline gets its own.
create table incident_reminders (
    incident_id integer not null references incidents (id),
    report text not null
        check (report in ('early_warning', 'notification', 'final_report', 'gdpr')),
    due_at integer not null,
    remind_at integer not null,
    sent_at integer not null,
    primary key (incident_id, report, due_at, remind_at)
);

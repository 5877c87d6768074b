-- STIX 2.1 from the analysis centre (DESIGN §3.F). Every version of every object is kept
-- as it came; the newest version of an id is the one shown (`is_latest`). Who may see a
-- row is decided by the access policy over `tlp`, `publisher_org_id`,
-- `has_unlinked_targets` and the side tables `stix_object_targets` and
-- `stix_object_recipients` (vaern_core::policy::IntelSql).

-- One accepted request (TAXII POST or plain bundle): its TAXII status resource. Refused
-- requests store nothing, so every stored status is complete.
create table stix_ingests (
    id integer primary key,
    -- The status resource's id (a UUID), as in …/status/{id}/.
    status_id text not null unique,
    token_id integer not null references api_tokens (id),
    org_id integer not null references organisations (id),
    -- Microseconds since the epoch.
    request_timestamp_us integer not null,
    total_count integer not null,
    -- JSON array of {"id", "version"} for every object of the request.
    successes text not null,
    created_at integer not null
);

-- One row per stored version of an object.
create table stix_objects (
    id integer primary key,
    stix_id text not null,
    type text not null,
    -- What the platform made of it: advisory (report), sighting (alerts), indicator,
    -- incident, vulnerability, note, relationship, identity, marking_definition,
    -- opinion, other.
    kind text not null,
    -- How the access policy treats the kind (policy::StixClass): item, dependent,
    -- analysts_only.
    class text not null check (class in ('item', 'dependent', 'analysts_only')),
    -- The version: `modified`, else `created`, else `date_added`, in microseconds.
    version_us integer not null,
    -- TAXII date_added, microseconds; strictly increasing across all rows.
    date_added_us integer not null unique,
    -- The object exactly as received (JSON).
    content text not null,
    -- A title for people: name, else a short form of the content.
    name text not null default '',
    severity text check (severity in ('low', 'medium', 'high', 'critical')),
    -- Effective TLP (policy::Tlp::as_str); null while unmarked.
    tlp text,
    -- The analyst who set the label of an unmarked object, and when.
    tlp_set_by integer references users (id),
    tlp_set_at integer,
    publisher_org_id integer not null references organisations (id),
    has_unlinked_targets integer not null default 0,
    is_latest integer not null default 1,
    ingest_id integer not null references stix_ingests (id),
    unique (stix_id, version_us)
);
-- No more indexes: each one costs every insert (ingestion is measured in objects per
-- second). Lookups by id use the unique (stix_id, version_us); lists walk date_added_us.

-- Every reference an object makes (`created_by_ref`, `object_refs`, `where_sighted_refs`,
-- …), whether or not the target is stored yet; one not stored is "unresolved".
create table stix_refs (
    item_id integer not null references stix_objects (id),
    property text not null,
    ref text not null
);
create index stix_refs_item on stix_refs (item_id);
create index stix_refs_ref on stix_refs (ref);

-- The items (by STIX id) a dependent object hangs on: items that refer to it, and items
-- it refers to (a note's or relationship's objects). Only stored items are listed.
create table stix_object_anchors (
    item_id integer not null references stix_objects (id),
    anchor_ref text not null,
    primary key (item_id, anchor_ref)
) without rowid;
create index stix_object_anchors_ref on stix_object_anchors (anchor_ref);

-- Identities the objects name as targets; a target is linked when an organisation
-- carries its identity id or the identity names the organisation's kommunekode.
create table stix_object_target_identities (
    item_id integer not null references stix_objects (id),
    identity_ref text not null,
    primary key (item_id, identity_ref)
) without rowid;
create index stix_object_target_identities_ref on stix_object_target_identities (identity_ref);

-- The linked target organisations of each row (policy: IntelSql targets).
create table stix_object_targets (
    item_id integer not null references stix_objects (id),
    org_id integer not null references organisations (id),
    primary key (item_id, org_id)
) without rowid;
create index stix_object_targets_org on stix_object_targets (org_id);

-- TLP:RED recipients named by an analyst (policy: IntelSql recipient_users).
create table stix_object_recipients (
    item_id integer not null references stix_objects (id),
    user_id integer not null references users (id),
    primary key (item_id, user_id)
) without rowid;

-- Every identity received and the organisation it was matched to (null: unmatched, for
-- the linking page).
create table stix_identities (
    stix_id text primary key,
    org_id integer references organisations (id),
    name text not null default '',
    kommunekode text,
    first_seen_us integer not null
);

-- One alert per sighting and organisation sighted at.
create table alerts (
    id integer primary key,
    sighting_ref text not null,
    org_id integer not null references organisations (id),
    severity text not null check (severity in ('low', 'medium', 'high', 'critical')),
    status text not null default 'new'
        check (status in ('new', 'acknowledged', 'investigating', 'resolved', 'false_positive')),
    created_at integer not null,
    unique (sighting_ref, org_id)
);
create index alerts_org on alerts (org_id, created_at);

-- What changed, for the live stream: one row per stored object version.
create table intel_events (
    id integer primary key,
    object_id integer not null references stix_objects (id),
    operation text not null check (operation in ('added', 'updated')),
    created_at integer not null
);

-- What the search index must pick up; consumed (and deleted) by the indexer.
create table search_outbox (
    id integer primary key,
    kind text not null,
    entity_id integer not null,
    operation text not null check (operation in ('upsert', 'delete')),
    created_at integer not null
);

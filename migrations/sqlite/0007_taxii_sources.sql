-- Remote TAXII 2.1 collections that Værn pulls STIX from (the analysis centre's server),
-- configured by admins (vaern_core::stix::sources). Each source owns an API token with
-- `stix:write` of its publishing organisation: what it fetches is stored as if that
-- token had posted it (stix_ingests.token_id), and deleting the source revokes it.
create table taxii_sources (
    id integer primary key,
    -- The remote API root, ending in '/', e.g. https://taxii.example.dk/api1/.
    url text not null check (length(url) between 1 and 2000),
    collection_id text not null check (length(collection_id) between 1 and 100),
    -- HTTP Basic credentials for the remote server. The password is stored as given, not
    -- hashed, because the poller must send it; it is never shown back (the page says only
    -- whether one is set) and never written to logs or the audit log.
    username text check (username is null or length(username) <= 200),
    password text check (password is null or length(password) <= 1024),
    -- Seconds between successful polls: 30 s to 24 h.
    interval_secs integer not null check (interval_secs between 30 and 86400),
    enabled integer not null default 1 check (enabled in (0, 1)),
    -- The publishing organisation (an analysis centre) and the token the objects are
    -- stored under.
    org_id integer not null references organisations (id),
    token_id integer not null references api_tokens (id),
    -- The last X-TAXII-Date-Added-Last the remote server answered, as it was written; the
    -- next poll asks for objects added after it.
    checkpoint text check (checkpoint is null or length(checkpoint) <= 64),
    -- Unix seconds.
    last_success_at integer,
    last_error_at integer,
    -- Readable by an admin; never holds the password.
    last_error text check (last_error is null or length(last_error) <= 500),
    -- Object versions actually stored from this source (re-sent ones are not counted).
    objects_received integer not null default 0,
    consecutive_failures integer not null default 0,
    -- When the poller next polls it: after the interval, or later after failures.
    next_attempt_at integer not null,
    created_by integer references users (id) on delete set null,
    created_at integer not null
);
create index taxii_sources_due on taxii_sources (enabled, next_attempt_at);

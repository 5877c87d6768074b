-- API tokens: machines of an organisation (its SIEM, the analysis centre's publisher)
-- authenticate on /taxii2/ and /api/v1/ with a secret that is shown once. Only the
-- SHA-256 hex of the secret is stored (256-bit random, so a slow hash buys nothing).
-- Rows are never deleted: revoking sets `revoked_at`, so the audit log's token ids
-- keep naming something.
create table api_tokens (
    id integer primary key,
    org_id integer not null references organisations (id),
    name text not null default '' check (length(name) <= 100),
    -- Space-separated, from the known set ('stix:write', 'taxii:read').
    scopes text not null,
    secret_hash text not null unique,
    created_by integer references users (id) on delete set null,
    created_at integer not null,
    -- Unix seconds after which the token is refused; null: it does not expire.
    expires_at integer,
    revoked_at integer,
    -- Written at most once a minute, so that a busy feed does not write on every request.
    last_used_at integer,
    -- The last use recorded in the audit log (at most one row an hour per token).
    last_audited_use_at integer
);
create index api_tokens_org on api_tokens (org_id);

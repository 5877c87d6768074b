-- Organisations, people, groups and sessions: the foundation every later table hangs on.
-- Times are unix seconds (UTC).

create table organisations (
    id integer primary key,
    code text not null unique,
    name text not null,
    kind text not null check (kind in ('municipality', 'region', 'state', 'association', 'analysis_centre')),
    region_id integer references organisations (id),
    stix_identity_id text unique,
    created_at integer not null
);

create table users (
    id integer primary key,
    org_id integer not null references organisations (id),
    email text not null unique,
    name text not null,
    platform_role text not null check (platform_role in ('admin', 'analyst', 'coordinator', 'member')),
    org_admin integer not null default 0 check (org_admin in (0, 1)),
    status text not null check (status in ('invited', 'active', 'disabled')),
    password_hash text,
    created_at integer not null,
    updated_at integer not null
);
create index users_org on users (org_id);

create table user_groups (
    id integer primary key,
    slug text not null unique,
    name text not null,
    description text not null default '',
    default_tlp text not null check (default_tlp in ('clear', 'green', 'amber', 'amber+strict', 'red')),
    archived_at integer,
    created_at integer not null
);

create table group_members (
    group_id integer not null references user_groups (id) on delete cascade,
    user_id integer not null references users (id) on delete cascade,
    role text not null check (role in ('owner', 'moderator', 'member', 'reader')),
    added_at integer not null,
    primary key (group_id, user_id)
);
create index group_members_user on group_members (user_id);

-- One row per signed-in browser session. The tower-sessions record only carries this
-- row's id; ending a session is deleting its row.
create table user_sessions (
    id text primary key,
    user_id integer not null references users (id) on delete cascade,
    created_at integer not null,
    last_seen_at integer not null,
    user_agent text not null default '',
    address text not null default ''
);
create index user_sessions_user on user_sessions (user_id);

-- Failed sign-ins per account e-mail and per client address, for growing delays.
create table sign_in_throttle (
    key text primary key,
    failures integer not null,
    last_failure_at integer not null
);

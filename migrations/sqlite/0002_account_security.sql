-- Account security: second factor, recovery codes, one-time account links, the
-- language mail is written in, and the per-organisation second-factor requirement.

alter table organisations add column require_second_factor integer not null default 0
    check (require_second_factor in (0, 1));

-- The language of mail sent to the person ('da' or 'en').
alter table users add column locale text not null default 'da' check (locale in ('da', 'en'));
-- Base32 TOTP secret; null while the person has no second factor.
alter table users add column totp_secret text;
-- The last TOTP time step accepted, so that a code is accepted once.
alter table users add column totp_last_step integer;

-- Single-use recovery codes, stored as SHA-256 hex of the normalised code (the codes
-- are 50-bit random, so a slow hash buys nothing).
create table recovery_codes (
    id integer primary key,
    user_id integer not null references users (id) on delete cascade,
    code_hash text not null,
    used_at integer
);
create index recovery_codes_user on recovery_codes (user_id);

-- One-time links for invitations and password resets, stored as SHA-256 hex of the
-- 256-bit token that only the link carries.
create table account_links (
    token_hash text primary key,
    user_id integer not null references users (id) on delete cascade,
    purpose text not null check (purpose in ('invitation', 'password_reset')),
    created_by integer references users (id) on delete set null,
    created_at integer not null,
    expires_at integer not null,
    used_at integer
);
create index account_links_user on account_links (user_id);

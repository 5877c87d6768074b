-- Group libraries: folders, documents with their versions, and the content-addressed
-- files behind them. Times are unix seconds (UTC).
--
-- Folders are organisational: no label, their names visible to every member of the
-- group. Documents are group content in the shape the access policy's SQL condition
-- reads (`policy::GroupContentSql`): `id`, `group_id`, `tlp`, `author_id`, and one side
-- table per recipient kind. Each version keeps the label and recipients it was written
-- under, so an earlier version is shown only to readers both it and the newest admit.

create table library_folders (
    id integer primary key,
    group_id integer not null references user_groups (id),
    -- Null at the top of the library.
    parent_id integer references library_folders (id),
    name text not null check (length(name) between 1 and 200),
    created_by integer not null references users (id),
    created_at integer not null
);
-- One name per place; the top of the library counts as parent 0.
create unique index library_folders_name on library_folders (group_id, coalesce(parent_id, 0), name);

-- A stored file, named by the SHA-256 of its bytes (`blobs/ab/cdef…`). Stored once
-- whatever the number of versions naming it; removed by the sweep once no version does.
create table blobs (
    sha256 text primary key check (length(sha256) = 64),
    size integer not null check (size >= 0),
    created_at integer not null
);

create table documents (
    id integer primary key,
    group_id integer not null references user_groups (id),
    folder_id integer references library_folders (id),
    -- The newest version's label and metadata; earlier ones are in document_versions.
    title text not null check (length(title) between 1 and 200),
    description text not null default '',
    -- Comma-separated, each trimmed, lower-cased and unique.
    tags text not null default '',
    tlp text not null check (tlp in ('clear', 'green', 'amber', 'amber+strict', 'red')),
    author_id integer not null references users (id),
    created_at integer not null,
    updated_at integer not null,
    -- Removed by its author or a moderator (with a reason, audited): out of every list,
    -- answered as missing, and its files go once no other version names them.
    removed_at integer,
    removed_by integer references users (id),
    removed_reason text
);
create index documents_group on documents (group_id, folder_id);

create table document_recipient_orgs (
    item_id integer not null references documents (id) on delete cascade,
    org_id integer not null references organisations (id),
    primary key (item_id, org_id)
);

create table document_recipient_users (
    item_id integer not null references documents (id) on delete cascade,
    user_id integer not null references users (id),
    primary key (item_id, user_id)
);

-- Every version of a document, the newest included, with the label it was written under.
create table document_versions (
    id integer primary key,
    document_id integer not null references documents (id) on delete cascade,
    version integer not null check (version >= 1),
    -- Copied from the document so that the policy condition needs no join.
    group_id integer not null references user_groups (id),
    tlp text not null check (tlp in ('clear', 'green', 'amber', 'amber+strict', 'red')),
    author_id integer not null references users (id),
    sha256 text not null references blobs (sha256),
    size integer not null check (size >= 0),
    -- Our type, from the bytes: never the client's.
    media_type text not null,
    -- The name it was uploaded with, made safe (no path, no control or bidi characters).
    file_name text not null check (length(file_name) between 1 and 255),
    change_note text not null default '',
    created_at integer not null,
    unique (document_id, version)
);
create index document_versions_blob on document_versions (sha256);

create table version_recipient_orgs (
    item_id integer not null references document_versions (id) on delete cascade,
    org_id integer not null references organisations (id),
    primary key (item_id, org_id)
);

create table version_recipient_users (
    item_id integer not null references document_versions (id) on delete cascade,
    user_id integer not null references users (id),
    primary key (item_id, user_id)
);

-- The downloads panel of a document reads its rows by subject, not by a scan.
create index audit_log_subject on audit_log (subject_kind, subject_id, action);

-- A document's metadata edits, each with who, when and why: the page shows them with
-- its versions as the document's history. Each row holds the values the edit set.

create table document_edits (
    id integer primary key,
    document_id integer not null references documents (id) on delete cascade,
    editor_id integer not null references users (id),
    title text not null,
    description text not null,
    tags text not null,
    tlp text not null check (tlp in ('clear', 'green', 'amber', 'amber+strict', 'red')),
    change_note text not null default '',
    created_at integer not null
);
create index document_edits_document on document_edits (document_id);

-- A version that brought back an earlier one's file names it (the history says so).
alter table document_versions add column restored_from integer;

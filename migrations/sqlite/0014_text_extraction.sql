-- The text of library files for search, read by a child process under limits
-- (`vaern extract`) and kept here, so that rebuilding the index never reads a file again.
-- Keyed by the file's hash: identical bytes are read once, and the row goes with the
-- file when the sweep or a removal deletes its `blobs` row.
create table blob_texts (
    sha256 text primary key references blobs (sha256) on delete cascade,
    -- 'text': read (the text may be empty: a scan); 'not_text': a type whose contents are
    -- not searched (images, ZIP); 'failed': not searchable, `reason` says why.
    outcome text not null check (outcome in ('text', 'not_text', 'failed')),
    text text not null default '',
    -- Only the start of a very long text was kept.
    cut integer not null default 0 check (cut in (0, 1)),
    -- For 'failed' only: a stable code the pages translate ('too_large', 'too_slow', …).
    reason text check ((outcome = 'failed') = (reason is not null)),
    extracted_at integer not null
);

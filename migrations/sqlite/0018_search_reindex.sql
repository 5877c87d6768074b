-- `vaern reindex` while the server runs: the index's writer belongs to the server, so the
-- command asks it through a row here, which the server's indexer picks up, and waits for
-- the row to be finished. One request is worked at a time; requests made while one runs
-- are all answered by the next rebuild.
create table search_reindex_requests (
    id integer primary key,
    requested_at integer not null,
    started_at integer,
    finished_at integer,
    -- Entries in the new index, and an error text if the rebuild failed.
    entries integer,
    error text
);

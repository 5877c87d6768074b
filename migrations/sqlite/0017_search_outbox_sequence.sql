-- The search outbox becomes a strictly increasing sequence. The indexer applies rows in
-- id order, stores the last applied id with its index commit and deletes rows only once
-- applied. With a plain `integer primary key` SQLite may hand out an id again once the
-- rows holding the largest ids are deleted (it takes max(id) + 1), so a row written after
-- the indexer emptied the table could get an id at or below the one it stored as
-- applied, and be skipped. `autoincrement` keeps the largest id ever used in
-- `sqlite_sequence`, so an id is never reused and a later row always sorts after every
-- earlier one.
--
-- What each `kind` means for the indexer is documented in core/src/search/outbox.rs.
create table search_outbox_sequenced (
    id integer primary key autoincrement,
    kind text not null,
    entity_id integer not null,
    operation text not null check (operation in ('upsert', 'delete')),
    created_at integer not null
);

-- Existing rows keep their ids (and their order); the sequence continues after them.
insert into search_outbox_sequenced (id, kind, entity_id, operation, created_at)
select id, kind, entity_id, operation, created_at from search_outbox order by id;

drop table search_outbox;
alter table search_outbox_sequenced rename to search_outbox;

-- No further index: the indexer reads pending rows as `where id > $last order by id
-- limit $batch`, which the primary key (the rowid) serves, and coalesces rows of the same
-- item within a batch in memory. A second index would only slow the STIX poller's bursts.

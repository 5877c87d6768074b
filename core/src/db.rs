//! The database: pool, pragmas and embedded migrations. SQLite by default; the SQL in
//! the domain modules stays portable so that a PostgreSQL backend is a contained change.

use crate::error::CoreResult;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::time::Duration;

pub type Db = sqlx::SqlitePool;
/// A write transaction. Every one in core is opened with `begin_with("BEGIN IMMEDIATE")`,
/// which takes SQLite's write lock at once (waiting out `busy_timeout`): a deferred
/// transaction that reads and then writes cannot wait for the lock, and fails with
/// "database is locked" when another writer (the search indexer, the audit appender)
/// committed in between — seen in CI as flaky forum and group writes.
pub type Tx<'a> = sqlx::Transaction<'a, sqlx::Sqlite>;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");

/// Opens (creating if missing) `<data_dir>/vaern.db`, applies pending migrations and
/// seeds the reference organisations.
pub async fn open(data_dir: &Path) -> CoreResult<Db> {
    std::fs::create_dir_all(data_dir)
        .map_err(|e| crate::CoreError::Internal(format!("create {}: {e}", data_dir.display())))?;
    let db = SqlitePoolOptions::new()
        .max_connections(8)
        // A file on this machine does not go away between queries: the default ping before
        // each acquire was a round trip to the connection's thread per query.
        .test_before_acquire(false)
        .connect_with(connect_options(data_dir))
        .await?;
    MIGRATOR.run(&db).await?;
    crate::orgs::seed(&db).await?;
    Ok(db)
}

/// How every connection to `<data_dir>/vaern.db` is made (tests open a second pool on
/// the same file with the same settings).
fn connect_options(data_dir: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(data_dir.join("vaern.db"))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // NORMAL under WAL keeps every committed transaction across a process crash;
        // FULL would add an fsync per commit for power-loss durability only.
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        // 64 MiB of page cache per connection instead of SQLite's 2 MiB: with the default,
        // bulk STIX ingestion spent a third of its time re-reading index pages from the
        // OS (pread) — see the ingestion benchmark.
        .pragma("cache_size", "-65536")
        // Reads through a memory map of up to 1 GiB, shared by every connection through the
        // OS page cache, instead of a pread per page into each connection's own cache: the
        // policy-joined counts of the dashboard and the alert list read scattered pages
        // (bench-dashboard at 1,000,000 alerts: Copenhagen's dashboard p99 225 → 147 ms).
        .pragma("mmap_size", "1073741824")
        .pragma("temp_store", "memory")
}

#[cfg(test)]
pub(crate) mod statements;

//! Test-only: counts the SQL statements a test's own pool runs, so that a test can show
//! that a page costs the same number of queries whatever its size.
//!
//! sqlx reports every statement it runs as a `sqlx::query` tracing event, sent from the
//! worker thread of the connection. [`Counted::open`] names those threads after its
//! pool, and one process-wide subscriber counts the events per pool, so that tests
//! running side by side in one process (`cargo test`) never count each other's
//! statements. `BEGIN` and `COMMIT` are not statements to sqlx and are not counted.

use super::{Db, connect_options};
use sqlx::sqlite::SqlitePoolOptions;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, Once, PoisonError};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Worker threads of counted pools are named `{PREFIX}{pool}-{connection}`.
const PREFIX: &str = "vaern-counted-";

/// Statements run, by pool.
static COUNTS: Mutex<BTreeMap<u64, u64>> = Mutex::new(BTreeMap::new());
static NEXT_POOL: AtomicU64 = AtomicU64::new(1);
static INSTALL: Once = Once::new();

/// Wants sqlx's statement events only, and counts them by the pool that ran them.
struct PerPool;

impl Subscriber for PerPool {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target() == "sqlx::query"
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, _: &Event<'_>) {
        let Some(pool) = std::thread::current().name().and_then(pool_of) else {
            return;
        };
        *COUNTS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(pool)
            .or_default() += 1;
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

fn pool_of(thread: &str) -> Option<u64> {
    thread.strip_prefix(PREFIX)?.split_once('-')?.0.parse().ok()
}

/// A pool whose statements are counted.
pub(crate) struct Counted {
    pub db: Db,
    pool: u64,
}

impl Counted {
    /// A second pool on the database in `data_dir` (opened and migrated by
    /// [`super::open`] first), with one connection, made before this returns so that
    /// connecting is not counted.
    pub async fn open(data_dir: &Path) -> Self {
        INSTALL.call_once(|| {
            tracing::subscriber::set_global_default(PerPool)
                .expect("BUG: another global tracing subscriber in core's unit tests");
        });
        let pool = NEXT_POOL.fetch_add(1, Ordering::Relaxed);
        let options = connect_options(data_dir)
            .thread_name(move |connection| format!("{PREFIX}{pool}-{connection}"));
        let db = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .connect_with(options)
            .await
            .expect("counted pool");
        Self { db, pool }
    }

    fn statements(&self) -> u64 {
        COUNTS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&self.pool)
            .copied()
            .unwrap_or(0)
    }

    /// Awaits `work` and returns its output with the number of statements it ran.
    pub async fn count<T>(&self, work: impl Future<Output = T>) -> (T, u64) {
        let before = self.statements();
        let output = work.await;
        (output, self.statements() - before)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn statements_of_one_pool_are_counted_and_others_are_not() {
        let dir = tempfile::tempdir().expect("temp dir");
        let plain = super::super::open(dir.path()).await.expect("db");
        let counted = Counted::open(dir.path()).await;
        let (_, none) = counted.count(sqlx::query("select 1").execute(&plain)).await;
        assert_eq!(none, 0);
        let (_, two) = counted
            .count(async {
                sqlx::query("select 1").execute(&counted.db).await?;
                sqlx::query_scalar::<_, i64>("select count(*) from organisations")
                    .fetch_one(&counted.db)
                    .await
            })
            .await;
        assert_eq!(two, 2);
    }
}

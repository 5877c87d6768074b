//! The index a server searches, and rebuilding it without downtime (`vaern reindex`).
//!
//! Indexes live in generations under `<data_dir>/index/`: `gen-1/`, `gen-2/`, … and the
//! file `CURRENT` names the one in use. A rebuild builds the next generation aside from a
//! snapshot of the database taken at outbox id N, while the generation in use keeps
//! following the outbox but deletes no row above N; then it swaps between two rounds of
//! the indexer: searches move to the new generation (those under way finish on the old
//! one), `CURRENT` is replaced atomically, the new generation applies the outbox from N
//! on, and the old generation's files are removed. So new posts stay searchable during a
//! rebuild, and no change is lost across the swap. A crash during a rebuild leaves
//! `CURRENT` naming the old generation, and the half-built one is removed at the next
//! start.
//!
//! Only one process can hold an index's writer. While the server runs, `vaern reindex`
//! therefore asks it through a `search_reindex_requests` row (see [`request`]); when it
//! does not run, the command rebuilds by itself.

use super::SearchIndex;
use super::indexer;
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

const CURRENT: &str = "CURRENT";

/// The index in use, swappable.
pub struct LiveIndex {
    root: PathBuf,
    current: RwLock<(u64, Arc<SearchIndex>)>,
    /// While a rebuild runs: the snapshot it started from, above which no outbox row may
    /// be deleted; `i64::MAX` otherwise.
    hold: AtomicI64,
    /// Held by each round of applying the outbox, and by the swap: a round never runs on
    /// a generation that is being swapped out.
    round: tokio::sync::Mutex<()>,
    /// One rebuild at a time.
    rebuilding: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for LiveIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveIndex")
            .field("root", &self.root)
            .finish()
    }
}

fn generation_dir(root: &Path, generation: u64) -> PathBuf {
    root.join(format!("gen-{generation}"))
}

fn io(what: &str, path: &Path, e: std::io::Error) -> CoreError {
    CoreError::Internal(format!("search index: {what} {}: {e}", path.display()))
}

impl LiveIndex {
    /// Opens the generation `CURRENT` names under `root` (the first one if none),
    /// removing any other generation (a rebuild cut off by a crash). `Conflict("busy")`
    /// if another process holds its writer (a running server).
    pub fn open(root: &Path) -> CoreResult<Self> {
        std::fs::create_dir_all(root).map_err(|e| io("create", root, e))?;
        let generation = match std::fs::read_to_string(root.join(CURRENT)) {
            Ok(text) => text.trim().parse::<u64>().map_err(|_| {
                CoreError::Internal(format!(
                    "search index: {} is damaged",
                    root.join(CURRENT).display()
                ))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                write_current(root, 1)?;
                1
            }
            Err(e) => return Err(io("read", &root.join(CURRENT), e)),
        };
        let index = SearchIndex::open(&generation_dir(root, generation))?;
        remove_other_generations(root, generation);
        Ok(Self {
            root: root.to_path_buf(),
            current: RwLock::new((generation, Arc::new(index))),
            hold: AtomicI64::new(i64::MAX),
            round: tokio::sync::Mutex::new(()),
            rebuilding: tokio::sync::Mutex::new(()),
        })
    }

    /// Applies up to a batch of the outbox to the generation in use (see
    /// [`indexer::apply_pending`]); returns how many rows were applied.
    pub async fn apply_round(&self, db: &Db) -> CoreResult<usize> {
        let _round = self.round.lock().await;
        let index = self.current();
        indexer::apply_pending_holding(db, &index, self.hold.load(Ordering::SeqCst)).await
    }

    /// The index to search or apply the outbox to now.
    pub fn current(&self) -> Arc<SearchIndex> {
        match self.current.read() {
            Ok(guard) => Arc::clone(&guard.1),
            Err(poisoned) => Arc::clone(&poisoned.into_inner().1),
        }
    }

    /// Builds a new generation from the database, swaps it in and removes the old one;
    /// returns the number of entries built. Meant to run beside [`Self::apply_round`]
    /// (the server runs it in a task of its own).
    pub async fn rebuild(&self, db: &Db) -> CoreResult<u64> {
        let _one = self.rebuilding.lock().await;
        let old = match self.current.read() {
            Ok(guard) => guard.0,
            Err(poisoned) => poisoned.into_inner().0,
        };
        let next = old + 1;
        let dir = generation_dir(&self.root, next);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| io("remove", &dir, e))?;
        }
        let fresh = Arc::new(SearchIndex::open(&dir)?);
        // Held before the snapshot is read: no row above it is deleted from now on.
        let round = self.round.lock().await;
        let snapshot = indexer::snapshot(db).await?;
        self.hold.store(snapshot, Ordering::SeqCst);
        drop(round);
        let built = indexer::build_from(db, &fresh, snapshot).await;
        let entries = fresh.len();
        let round = self.round.lock().await;
        self.hold.store(i64::MAX, Ordering::SeqCst);
        if let Err(err) = built {
            drop(round);
            let _ = std::fs::remove_dir_all(&dir);
            return Err(err);
        }
        write_current(&self.root, next)?;
        let previous = {
            let mut guard = match self.current.write() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            std::mem::replace(&mut *guard, (next, fresh))
        };
        drop(round);
        drop(previous);
        // Searches still under way on the old generation keep its files open; on Unix
        // removing them is safe, the space returns when they finish.
        let old_dir = generation_dir(&self.root, old);
        if let Err(err) = std::fs::remove_dir_all(&old_dir) {
            tracing::warn!(%err, dir = %old_dir.display(), "removing the previous search index");
        }
        Ok(entries)
    }
}

fn write_current(root: &Path, generation: u64) -> CoreResult<()> {
    use std::io::Write;
    let tmp = root.join("CURRENT.tmp");
    let mut file = std::fs::File::create(&tmp).map_err(|e| io("write", &tmp, e))?;
    file.write_all(generation.to_string().as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| io("write", &tmp, e))?;
    std::fs::rename(&tmp, root.join(CURRENT)).map_err(|e| io("replace", &root.join(CURRENT), e))?;
    if let Ok(dir) = std::fs::File::open(root) {
        let _ = dir.sync_all();
    }
    Ok(())
}

fn remove_other_generations(root: &Path, keep: u64) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Some(generation) = name
            .strip_prefix("gen-")
            .and_then(|g| g.parse::<u64>().ok())
        else {
            continue;
        };
        if generation != keep
            && let Err(err) = std::fs::remove_dir_all(entry.path())
        {
            tracing::warn!(%err, dir = %entry.path().display(), "removing an unused search index");
        }
    }
}

/// A `vaern reindex` request for the running server; returns its id.
pub async fn request(db: &Db, now: i64) -> CoreResult<i64> {
    Ok(sqlx::query_scalar(
        "insert into search_reindex_requests (requested_at) values ($1) returning id",
    )
    .bind(now)
    .fetch_one(db)
    .await?)
}

/// The outcome of a request: `None` while it waits or runs; entries or the error once
/// finished.
pub async fn outcome(db: &Db, id: i64) -> CoreResult<Option<Result<u64, String>>> {
    let row: Option<(Option<i64>, Option<i64>, Option<String>)> = sqlx::query_as(
        "select finished_at, entries, error from search_reindex_requests where id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(match row {
        Some((Some(_), _, Some(error))) => Some(Err(error)),
        Some((Some(_), entries, None)) => Some(Ok(entries.unwrap_or_default().max(0) as u64)),
        Some((None, _, _)) => None,
        None => Some(Err("the request is gone".into())),
    })
}

/// Works the waiting requests, if any, with one rebuild (the server runs this beside its
/// rounds of applying the outbox). Returns whether there were any.
pub async fn work_requests(db: &Db, live: &LiveIndex, now: impl Fn() -> i64) -> CoreResult<bool> {
    let waiting: Vec<i64> = sqlx::query_scalar(
        "select id from search_reindex_requests where finished_at is null order by id",
    )
    .fetch_all(db)
    .await?;
    let Some(&last) = waiting.last() else {
        return Ok(false);
    };
    sqlx::query(
        "update search_reindex_requests set started_at = $1 where finished_at is null and id <= $2",
    )
    .bind(now())
    .bind(last)
    .execute(db)
    .await?;
    let (entries, error) = match live.rebuild(db).await {
        Ok(entries) => (Some(i64::try_from(entries).unwrap_or(i64::MAX)), None),
        Err(err) => {
            tracing::error!(%err, "rebuilding the search index");
            (None, Some(err.to_string()))
        }
    };
    sqlx::query(
        "update search_reindex_requests set finished_at = $1, entries = $2, error = $3 \
         where finished_at is null and id <= $4",
    )
    .bind(now())
    .bind(entries)
    .bind(error)
    .bind(last)
    .execute(db)
    .await?;
    Ok(true)
}

//! The search indexer: applies the search outbox to the index for as long as the server
//! runs. It starts with the server (building the index from the database on the very
//! first start, and catching up on whatever was written while it was stopped), works
//! through a backlog batch after batch, and otherwise looks for new rows several times a
//! second, so that a new post is searchable well within two seconds; when idle, it merges
//! the small segments that batch commits leave, in the background. Beside it a second
//! task works `vaern reindex` requests (`vaern_core::search::live`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::task::JoinHandle;
use vaern_core::db::Db;
use vaern_core::error::CoreError;
use vaern_core::search::{LiveIndex, SearchIndex, live};

/// How often an idle indexer looks for new outbox rows.
const IDLE_POLL: Duration = Duration::from_millis(200);
/// How long it waits after a failure before trying again.
const AFTER_FAILURE: Duration = Duration::from_secs(5);

/// Opens the index in `<data_dir>/index`. An index that cannot be opened (a schema from
/// another version, damaged files) is moved aside and built again from the database:
/// everything in it is derived data. One held by another process is an error: two
/// servers on one data directory would each apply and delete the other's outbox rows.
pub fn open(data_dir: &std::path::Path) -> Result<Arc<LiveIndex>, String> {
    let dir = data_dir.join("index");
    match LiveIndex::open(&dir) {
        Ok(index) => Ok(Arc::new(index)),
        Err(CoreError::Conflict(_)) => Err(format!(
            "the search index in {} is in use by another vaern process",
            dir.display()
        )),
        Err(err) => {
            let aside = data_dir.join(format!("index.unreadable-{}", vaern_core::clock::now()));
            tracing::error!(%err, aside = %aside.display(), "search index unreadable: moved aside, rebuilding");
            std::fs::rename(&dir, &aside)
                .map_err(|e| format!("moving the search index aside: {e}"))?;
            LiveIndex::open(&dir)
                .map(Arc::new)
                .map_err(|e| format!("creating the search index: {e}"))
        }
    }
}

/// Starts merging the index's segments in the background if it needs it and no merge
/// runs ([`SearchIndex::merge_when_idle`]); the applier goes on meanwhile, so a merge
/// never delays a new post's indexing.
fn merge_when_idle(index: Arc<SearchIndex>, merging: &Arc<AtomicBool>) {
    if merging.swap(true, Ordering::SeqCst) {
        return;
    }
    let merging = Arc::clone(merging);
    tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        match index.merge_when_idle() {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                segments = n,
                secs = started.elapsed().as_secs_f64(),
                "merged search index segments"
            ),
            // Not fatal: the index stays as it was, and the next idle round tries again.
            Err(err) => tracing::warn!(%err, "merging search index segments"),
        }
        merging.store(false, Ordering::SeqCst);
    });
}

/// How often the server looks for `vaern reindex` requests.
const REQUEST_POLL: Duration = Duration::from_secs(1);

/// The indexer's two tasks: one applies the outbox, the other works `vaern reindex`
/// requests beside it (a rebuild builds aside while the first keeps the index in use
/// fresh). Both run until aborted. An abort between the index commit and the deletion
/// of the applied rows is harmless: the next start finds them applied.
pub fn spawn(db: Db, index: Arc<LiveIndex>) -> [JoinHandle<()>; 2] {
    let applier = {
        let (db, index) = (db.clone(), Arc::clone(&index));
        let merging = Arc::new(AtomicBool::new(false));
        tokio::spawn(async move {
            loop {
                match index.apply_round(&db).await {
                    Ok(0) => {
                        merge_when_idle(index.current(), &merging);
                        tokio::time::sleep(IDLE_POLL).await;
                    }
                    Ok(_) => {}
                    Err(err) => {
                        tracing::error!(%err, "applying the search outbox");
                        tokio::time::sleep(AFTER_FAILURE).await;
                    }
                }
            }
        })
    };
    let rebuilder = tokio::spawn(async move {
        loop {
            if let Err(err) = live::work_requests(&db, &index, vaern_core::clock::now).await {
                tracing::error!(%err, "working search reindex requests");
            }
            tokio::time::sleep(REQUEST_POLL).await;
        }
    });
    [applier, rebuilder]
}

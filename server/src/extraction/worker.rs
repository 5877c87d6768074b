//! The extraction worker: reads the text of every file that waits for it, one child at a
//! time, and records each outcome with its search outbox rows. It starts with the server
//! (so files added before, or while it was stopped, are read at the first start), wakes
//! when an upload commits, and looks again now and then. A file whose child could not be
//! run is left for a later round; a hostile file ends as not searchable and the worker
//! goes on with the next.

use super::{Settings, read_file};
use std::time::Instant;
use tokio::task::JoinHandle;
use vaern_core::db::Db;
use vaern_core::library::store::BlobStore;
use vaern_core::library::text::stored::{self, Outcome, Waiting};

/// Files asked for at a time.
const BATCH: i64 = 32;

/// Reads the files of one database.
#[derive(Debug, Clone)]
pub struct Worker {
    db: Db,
    files: BlobStore,
    settings: Settings,
}

impl Worker {
    pub fn new(db: Db, files: BlobStore, settings: Settings) -> Self {
        Self {
            db,
            files,
            settings,
        }
    }

    /// Runs until the task is aborted (which kills a child under way).
    pub fn spawn(self) -> JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                self.run_round().await;
                tokio::select! {
                    () = self.files.placed() => {}
                    () = tokio::time::sleep(self.settings.poll) => {}
                }
            }
        })
    }

    /// Reads every file waiting now, in the order its versions were added; answers how
    /// many outcomes were recorded.
    pub async fn run_round(&self) -> usize {
        let mut after = 0;
        let mut recorded = 0;
        loop {
            let batch = match stored::waiting(&self.db, after, BATCH).await {
                Ok(batch) => batch,
                Err(err) => {
                    tracing::error!(%err, "listing files waiting for text extraction");
                    return recorded;
                }
            };
            if batch.is_empty() {
                return recorded;
            }
            for file in batch {
                after = file.version_id;
                if self.read(&file).await {
                    recorded += 1;
                }
            }
        }
    }

    /// Reads one file and records the outcome; false when nothing was recorded.
    async fn read(&self, file: &Waiting) -> bool {
        let started = Instant::now();
        let outcome = match self.files.path_of(&file.sha256) {
            Some(path) => read_file(&self.settings, &file.media_type, &path).await,
            None => Err("the stored hash names no file".into()),
        };
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(err) => {
                tracing::warn!(file = %file.sha256, %err, "text extraction failed; tried again later");
                return false;
            }
        };
        let ms = started.elapsed().as_millis() as u64;
        match &outcome {
            Outcome::Failed(reason) => {
                tracing::warn!(file = %file.sha256, reason = reason.code(), ms, "a file is not searchable");
            }
            Outcome::Text { text, cut } => {
                tracing::debug!(file = %file.sha256, bytes = text.len(), cut, ms, "text extracted");
            }
            Outcome::NotText => {}
        }
        match stored::record(&self.db, &file.sha256, &outcome).await {
            Ok(_) => true,
            Err(err) => {
                tracing::error!(file = %file.sha256, %err, "recording extracted text");
                false
            }
        }
    }
}

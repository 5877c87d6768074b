//! The content-addressed file store: every file the libraries hold, once, under
//! `<data-dir>/blobs/ab/cdef…` (its SHA-256), whatever the number of versions naming it.
//!
//! An upload streams into a temporary file in `<data-dir>/incoming` while its hash and
//! size are taken ([`Incoming`]); nothing of it is held in memory beyond the head kept
//! for typing. It then moves into place ([`BlobStore::place`]) before the transaction
//! that names it commits, under a shared gate that the sweep takes exclusively, so a
//! sweep never removes a file an upload is about to name. A crash leaves at most a
//! temporary file or a file no row names; [`BlobStore::sweep`] removes both at start.
//! When an upload's transaction has ended, the store wakes whoever waits for new files
//! ([`BlobStore::placed`]: the text extraction worker).

use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

/// Bytes kept from the start of an upload, for telling its type.
pub const HEAD_BYTES: usize = 64 * 1024;

/// Where the library's files live, and the gate between uploads and the sweep.
#[derive(Clone, Debug)]
pub struct BlobStore {
    blobs: PathBuf,
    incoming: PathBuf,
    gate: Arc<tokio::sync::RwLock<()>>,
    /// Told when a placed file's upload has committed (or rolled back).
    placed: Arc<tokio::sync::Notify>,
}

/// Why an upload stopped.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("the file is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl From<std::io::Error> for UploadError {
    fn from(err: std::io::Error) -> Self {
        Self::Core(io_error(err))
    }
}

fn io_error(err: std::io::Error) -> CoreError {
    CoreError::Internal(format!("file store: {err}"))
}

impl BlobStore {
    /// The store of the data directory `data_dir`.
    pub fn new(data_dir: &Path) -> Self {
        Self {
            blobs: data_dir.join("blobs"),
            incoming: data_dir.join("incoming"),
            gate: Arc::default(),
            placed: Arc::default(),
        }
    }

    /// Waits until a file placed in this store has had its transaction end: at once if
    /// one has since the last wait. A wake-up when nothing new was committed (a rolled
    /// back upload) is harmless to the waiter, which looks in the database.
    pub async fn placed(&self) {
        self.placed.notified().await;
    }

    /// Tells [`Self::placed`]'s waiter that a committed version names a file it did not
    /// place (a restored earlier version).
    pub fn named_again(&self) {
        self.placed.notify_one();
    }

    /// Where the file with this hash lives. `None` for anything but 64 lowercase hex
    /// digits, so no stored value can name a path outside the store.
    pub fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        let valid = sha256.len() == 64
            && sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        valid.then(|| self.blobs.join(&sha256[..2]).join(&sha256[2..]))
    }

    /// Starts receiving a file of at most `limit` bytes.
    pub async fn incoming(&self, limit: u64) -> CoreResult<Incoming> {
        tokio::fs::create_dir_all(&self.incoming)
            .await
            .map_err(io_error)?;
        let dir = self.incoming.clone();
        let temp = tokio::task::spawn_blocking(move || tempfile::NamedTempFile::new_in(dir))
            .await
            .map_err(|e| CoreError::Internal(format!("temp file task: {e}")))?
            .map_err(io_error)?;
        let (file, path) = temp.into_parts();
        Ok(Incoming {
            file: tokio::io::BufWriter::with_capacity(
                WRITE_BUFFER,
                tokio::fs::File::from_std(file),
            ),
            path,
            hasher: Sha256::new(),
            size: 0,
            limit,
            head: Vec::new(),
            utf8: Utf8Check::default(),
        })
    }

    /// Moves a received file into the store (where identical bytes may already be, in
    /// which case the copy is dropped: the caller cannot tell, and nor can anyone it
    /// answers). Hold the returned gate until the transaction naming the file has
    /// committed or rolled back.
    pub async fn place(&self, received: Received) -> CoreResult<Placed> {
        let gate = self.gate.clone().read_owned().await;
        let target = self
            .path_of(&received.sha256)
            .ok_or_else(|| CoreError::Internal("a computed hash is not hex".into()))?;
        let path = received.path;
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            if target.exists() {
                // Dropping the temporary path removes the copy.
                return Ok(());
            }
            let dir = target.parent().expect("a blob path has a parent");
            std::fs::create_dir_all(dir)?;
            path.persist(&target).map_err(|e| e.error)?;
            // The rename itself must survive a crash once the row naming it commits.
            std::fs::File::open(dir)?.sync_all()
        })
        .await
        .map_err(|e| CoreError::Internal(format!("placing a file: {e}")))?
        .map_err(io_error)?;
        Ok(Placed {
            _gate: gate,
            placed: self.placed.clone(),
        })
    }

    /// Removes the files of `hashes` that no version names any more (after a document's
    /// removal), with their rows. Waits for uploads under way to commit, so a file an
    /// upload has just placed again is kept for it.
    pub async fn release(&self, db: &Db, hashes: &[String]) -> CoreResult<usize> {
        let _exclusive = self.gate.write().await;
        let mut removed = 0;
        for hash in hashes {
            let gone = sqlx::query(
                "delete from blobs where sha256 = $1 and not exists \
                 (select 1 from document_versions v where v.sha256 = $1)",
            )
            .bind(hash)
            .execute(db)
            .await?
            .rows_affected();
            if gone == 0 {
                continue;
            }
            if let Some(path) = self.path_of(hash) {
                match tokio::fs::remove_file(&path).await {
                    Ok(()) => removed += 1,
                    // Already gone (a sweep got there first): nothing left to do.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(io_error(e)),
                }
            }
        }
        Ok(removed)
    }

    /// Removes temporary files and every stored file no version names. Run at start only,
    /// before uploads (it removes uploads under way); waits for placed uploads to commit.
    pub async fn sweep(&self, db: &Db) -> CoreResult<Swept> {
        let _exclusive = self.gate.write().await;
        let mut swept = Swept::default();
        if let Ok(mut entries) = tokio::fs::read_dir(&self.incoming).await {
            while let Some(entry) = entries.next_entry().await.map_err(io_error)? {
                tokio::fs::remove_file(entry.path())
                    .await
                    .map_err(io_error)?;
                swept.temporary += 1;
            }
        }
        // Rows first: a blob row no version names goes, then every file without a row.
        sqlx::query(
            "delete from blobs where not exists \
             (select 1 from document_versions v where v.sha256 = blobs.sha256)",
        )
        .execute(db)
        .await?;
        let known: std::collections::HashSet<String> =
            sqlx::query_scalar("select sha256 from blobs")
                .fetch_all(db)
                .await?
                .into_iter()
                .collect();
        let Ok(mut prefixes) = tokio::fs::read_dir(&self.blobs).await else {
            return Ok(swept);
        };
        while let Some(prefix) = prefixes.next_entry().await.map_err(io_error)? {
            let Ok(mut files) = tokio::fs::read_dir(prefix.path()).await else {
                continue;
            };
            let prefix_name = prefix.file_name().to_string_lossy().into_owned();
            while let Some(file) = files.next_entry().await.map_err(io_error)? {
                let name = format!("{prefix_name}{}", file.file_name().to_string_lossy());
                if !known.contains(&name) {
                    tokio::fs::remove_file(file.path())
                        .await
                        .map_err(io_error)?;
                    swept.unreferenced += 1;
                }
            }
        }
        Ok(swept)
    }
}

/// What a sweep removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub temporary: usize,
    pub unreferenced: usize,
}

/// Keeps the sweep out until the upload that placed a file has committed; dropped after
/// the commit, it tells the store's waiters that a new file may be named.
#[derive(Debug)]
pub struct Placed {
    _gate: tokio::sync::OwnedRwLockReadGuard<()>,
    placed: Arc<tokio::sync::Notify>,
}

impl Drop for Placed {
    fn drop(&mut self) {
        // One stored permit: a waiter busy now looks again when it next waits.
        self.placed.notify_one();
    }
}

/// Bytes gathered before one write to the temporary file. Each write of a tokio file is a
/// hand-off to a blocking thread, and a request body arrives in chunks of a few KiB:
/// written one by one, a 1 GB upload ran at 44 % of `cp` (`make bench-upload`).
const WRITE_BUFFER: usize = 1024 * 1024;

/// A file being received: written to a temporary file as it arrives.
#[derive(Debug)]
pub struct Incoming {
    file: tokio::io::BufWriter<tokio::fs::File>,
    path: tempfile::TempPath,
    hasher: Sha256,
    size: u64,
    limit: u64,
    head: Vec<u8>,
    utf8: Utf8Check,
}

impl Incoming {
    /// Appends a chunk. Past the limit the upload stops with `TooLarge`, and dropping
    /// it removes what was written.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), UploadError> {
        let size = self.size + chunk.len() as u64;
        if size > self.limit {
            return Err(UploadError::TooLarge { limit: self.limit });
        }
        self.size = size;
        if self.head.len() < HEAD_BYTES {
            let room = HEAD_BYTES - self.head.len();
            self.head.extend_from_slice(&chunk[..chunk.len().min(room)]);
        }
        self.hasher.update(chunk);
        self.utf8.feed(chunk);
        self.file.write_all(chunk).await?;
        Ok(())
    }

    /// The whole file has arrived: flushed to disk, hashed and measured.
    pub async fn finish(mut self) -> CoreResult<Received> {
        self.file.flush().await.map_err(io_error)?;
        self.file.get_mut().sync_all().await.map_err(io_error)?;
        Ok(Received {
            sha256: hex::encode(self.hasher.finalize()),
            size: self.size,
            valid_utf8: self.utf8.finish(),
            head: self.head,
            path: self.path,
        })
    }
}

/// A file received whole, not yet in the store. Dropping it removes the temporary file.
#[derive(Debug)]
pub struct Received {
    pub sha256: String,
    pub size: u64,
    /// The first bytes, for telling the type.
    pub head: Vec<u8>,
    /// The whole file is UTF-8 (text types are accepted only then).
    pub valid_utf8: bool,
    path: tempfile::TempPath,
}

/// Checks that a stream of chunks is UTF-8 as it passes, carrying a character split
/// between two chunks over to the next.
#[derive(Debug, Default)]
struct Utf8Check {
    carry: Vec<u8>,
    invalid: bool,
}

impl Utf8Check {
    fn feed(&mut self, chunk: &[u8]) {
        if self.invalid {
            return;
        }
        // Only a character split over the last chunk's end is copied, with this chunk.
        let joined;
        let bytes = if self.carry.is_empty() {
            chunk
        } else {
            let mut carried = std::mem::take(&mut self.carry);
            carried.extend_from_slice(chunk);
            joined = carried;
            &joined[..]
        };
        match std::str::from_utf8(bytes) {
            Ok(_) => {}
            // Cut off mid-character: wait for the rest.
            Err(err) if err.error_len().is_none() => {
                self.carry = bytes[err.valid_up_to()..].to_vec();
            }
            Err(_) => self.invalid = true,
        }
    }

    fn finish(self) -> bool {
        !self.invalid && self.carry.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn receive(
        store: &BlobStore,
        chunks: &[&[u8]],
        limit: u64,
    ) -> Result<Received, UploadError> {
        let mut incoming = store.incoming(limit).await?;
        for chunk in chunks {
            incoming.write(chunk).await?;
        }
        Ok(incoming.finish().await?)
    }

    fn files_under(dir: &Path) -> usize {
        walk(dir).len()
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        entries
            .flatten()
            .flat_map(|e| {
                let path = e.path();
                if path.is_dir() {
                    walk(&path)
                } else {
                    vec![path]
                }
            })
            .collect()
    }

    #[tokio::test]
    async fn a_file_is_stored_under_its_hash_and_identical_bytes_once() {
        let dir = tempfile::tempdir().expect("dir");
        let store = BlobStore::new(dir.path());
        let first = receive(&store, &[b"hello ", b"world"], 100)
            .await
            .expect("first");
        let sha = first.sha256.clone();
        assert_eq!(sha, hex::encode(Sha256::digest(b"hello world")));
        assert_eq!(first.size, 11);
        drop(store.place(first).await.expect("place"));
        let second = receive(&store, &[b"hello world"], 100)
            .await
            .expect("second");
        drop(store.place(second).await.expect("place again"));
        let path = store.path_of(&sha).expect("path");
        assert_eq!(std::fs::read(path).expect("read"), b"hello world");
        assert_eq!(files_under(&dir.path().join("blobs")), 1);
        assert_eq!(files_under(&dir.path().join("incoming")), 0);
    }

    #[tokio::test]
    async fn an_upload_past_the_limit_stops_and_leaves_nothing() {
        let dir = tempfile::tempdir().expect("dir");
        let store = BlobStore::new(dir.path());
        let result = receive(&store, &[b"12345", b"678"], 7).await;
        assert!(matches!(result, Err(UploadError::TooLarge { limit: 7 })));
        assert_eq!(files_under(&dir.path().join("incoming")), 0);
        assert_eq!(files_under(&dir.path().join("blobs")), 0);
    }

    #[tokio::test]
    async fn the_sweep_removes_temporary_and_unnamed_files() {
        let dir = tempfile::tempdir().expect("dir");
        let db = crate::db::open(dir.path()).await.expect("db");
        let store = BlobStore::new(dir.path());
        // An upload cut off mid-body by a crash, and a file placed whose row never
        // committed.
        let cut_off = store.incoming(100).await.expect("incoming");
        std::mem::forget(cut_off);
        let orphan = receive(&store, &[b"orphan"], 100).await.expect("orphan");
        let orphan_sha = orphan.sha256.clone();
        drop(store.place(orphan).await.expect("place"));
        let swept = store.sweep(&db).await.expect("sweep");
        assert_eq!(
            swept,
            Swept {
                temporary: 1,
                unreferenced: 1
            }
        );
        assert!(!store.path_of(&orphan_sha).expect("path").exists());
    }

    #[test]
    fn only_a_hex_hash_names_a_path() {
        let store = BlobStore::new(Path::new("/data"));
        assert!(store.path_of(&"a".repeat(64)).is_some());
        assert!(store.path_of("../../etc/passwd").is_none());
        assert!(store.path_of(&"A".repeat(64)).is_none());
        assert!(store.path_of(&format!("{}/", "a".repeat(63))).is_none());
    }

    #[test]
    fn utf8_split_across_chunks_is_valid_and_a_stray_byte_is_not() {
        let text = "Kø på Ærø".as_bytes();
        let mut check = Utf8Check::default();
        for byte in text {
            check.feed(std::slice::from_ref(byte));
        }
        assert!(check.finish());
        let mut cut = Utf8Check::default();
        cut.feed(&text[..2]);
        assert!(!cut.finish(), "a file ending mid-character is not text");
        let mut bad = Utf8Check::default();
        bad.feed(b"ok \xff ok");
        assert!(!bad.finish());
    }
}

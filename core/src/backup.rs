//! Online backup and restore of a data directory: the database, the audit head and the
//! library's files, taken while the server runs.
//!
//! The database is copied with `VACUUM INTO`, one consistent snapshot however many
//! writers are busy. `audit.head` is written from that snapshot's last chained row, so
//! the copy verifies on its own (rows staged but not yet chained are in the snapshot too;
//! the restored server chains them at start). Then every file a version in the snapshot
//! names is copied. A file may vanish between the snapshot and its copy (its document was
//! removed meanwhile); the backup then takes a fresh snapshot, since the copy must hold
//! every file its database names.

use crate::db::{self, Db};
use crate::error::{CoreError, CoreResult};
use crate::library::store::BlobStore;
use std::path::{Path, PathBuf};

/// The database file and the audit head inside a data directory (and a backup).
const DATABASE: &str = "vaern.db";
const HEAD: &str = "audit.head";
/// Snapshots tried before giving up while documents keep being removed.
const ATTEMPTS: usize = 3;

/// What a backup or restore copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Copied {
    pub database_bytes: u64,
    pub files: usize,
    pub file_bytes: u64,
    /// The audit rows chained in the copy.
    pub audit_rows: i64,
}

fn io(what: &str, path: &Path, err: std::io::Error) -> CoreError {
    CoreError::Internal(format!("{what} {}: {err}", path.display()))
}

/// Checks that `dir` can be made into a new copy: missing (it is created) or empty, and
/// writable. Never writes into a directory that holds anything.
fn fresh_directory(dir: &Path) -> CoreResult<()> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(CoreError::Internal(format!(
                    "{} is not empty: give a new or empty directory",
                    dir.display()
                )));
            }
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(|e| io("cannot create", dir, e))?;
        }
        Err(err) => return Err(io("cannot read", dir, err)),
    }
    // Fail now, not after copying gigabytes, if the directory cannot be written.
    let probe = dir.join(".vaern-write-check");
    std::fs::write(&probe, b"").map_err(|e| io("cannot write into", dir, e))?;
    std::fs::remove_file(&probe).map_err(|e| io("cannot write into", dir, e))?;
    Ok(())
}

/// Backs up the data directory `data_dir` (whose database is `db`) into `to`, which
/// must be new or empty.
pub async fn backup(db: &Db, data_dir: &Path, to: &Path) -> CoreResult<Copied> {
    fresh_directory(to)?;
    let store = BlobStore::new(data_dir);
    for _ in 0..ATTEMPTS {
        let snapshot = to.join(DATABASE);
        sqlx::query("vacuum into $1")
            .bind(snapshot.to_string_lossy().into_owned())
            .execute(db)
            .await?;
        match copy_files(&store, &snapshot, to).await? {
            Some((files, file_bytes)) => {
                let audit_rows = write_head_of(&snapshot, &to.join(HEAD)).await?;
                sync_dir(to)?;
                return Ok(Copied {
                    database_bytes: size_of(&snapshot)?,
                    files,
                    file_bytes,
                    audit_rows,
                });
            }
            // A file went with a removal after the snapshot: start again from scratch.
            None => {
                std::fs::remove_file(&snapshot).map_err(|e| io("cannot remove", &snapshot, e))?;
                let blobs = to.join("blobs");
                if blobs.exists() {
                    std::fs::remove_dir_all(&blobs).map_err(|e| io("cannot remove", &blobs, e))?;
                }
            }
        }
    }
    Err(CoreError::Internal(format!(
        "documents were removed during each of {ATTEMPTS} attempts; try again"
    )))
}

/// Lays the backup in `from` out as the new data directory `to` (new or empty), and
/// checks its audit chain.
pub async fn restore(from: &Path, to: &Path) -> CoreResult<Copied> {
    let database = from.join(DATABASE);
    if !database.is_file() {
        return Err(CoreError::Internal(format!(
            "{} holds no backup ({DATABASE} is missing)",
            from.display()
        )));
    }
    fresh_directory(to)?;
    std::fs::copy(&database, to.join(DATABASE)).map_err(|e| io("cannot copy", &database, e))?;
    let head = from.join(HEAD);
    if head.is_file() {
        std::fs::copy(&head, to.join(HEAD)).map_err(|e| io("cannot copy", &head, e))?;
    }
    let (files, file_bytes) = copy_tree(&from.join("blobs"), &to.join("blobs"))?;
    sync_dir(to)?;
    let db = db::open(to).await?;
    let audit_rows = match crate::audit::verify(&db, to).await? {
        crate::audit::Verdict::Intact { rows } => rows,
        other => {
            return Err(CoreError::Internal(format!(
                "the restored audit log does not verify: {other:?}"
            )));
        }
    };
    let store = BlobStore::new(to);
    let named: Vec<String> = sqlx::query_scalar("select distinct sha256 from document_versions")
        .fetch_all(&db)
        .await?;
    db.close().await;
    let missing = named
        .iter()
        .filter(|hash| !store.path_of(hash).is_some_and(|p| p.is_file()))
        .count();
    if missing > 0 {
        return Err(CoreError::Internal(format!(
            "the backup lacks {missing} of the files its documents name"
        )));
    }
    Ok(Copied {
        database_bytes: size_of(&to.join(DATABASE))?,
        files,
        file_bytes,
        audit_rows,
    })
}

/// Copies every file the snapshot's versions name into the backup `to`; `None` if one
/// is gone from the store.
async fn copy_files(
    store: &BlobStore,
    snapshot: &Path,
    to: &Path,
) -> CoreResult<Option<(usize, u64)>> {
    let snapshot_db = open_file(snapshot).await?;
    let hashes: Vec<String> = sqlx::query_scalar("select distinct sha256 from document_versions")
        .fetch_all(&snapshot_db)
        .await?;
    snapshot_db.close().await;
    let target = BlobStore::new(to);
    let (mut files, mut bytes) = (0, 0);
    for hash in hashes {
        let (Some(source), Some(copy)) = (store.path_of(&hash), target.path_of(&hash)) else {
            return Err(CoreError::Internal(format!(
                "a version names a bad hash {hash:?}"
            )));
        };
        if let Some(dir) = copy.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io("cannot create", dir, e))?;
        }
        match std::fs::copy(&source, &copy) {
            Ok(n) => {
                files += 1;
                bytes += n;
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(io("cannot copy", &source, err)),
        }
        std::fs::File::open(&copy)
            .and_then(|f| f.sync_all())
            .map_err(|e| io("cannot sync", &copy, e))?;
    }
    Ok(Some((files, bytes)))
}

/// The snapshot as a database of its own (read only).
async fn open_file(path: &Path) -> CoreResult<Db> {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .read_only(true);
    Ok(sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?)
}

/// Writes the head file for the snapshot: its last chained row. Answers the row count.
async fn write_head_of(snapshot: &Path, head: &Path) -> CoreResult<i64> {
    let snapshot_db = open_file(snapshot).await?;
    let last: Option<(i64, String)> =
        sqlx::query_as("select id, hash from audit_log order by id desc limit 1")
            .fetch_optional(&snapshot_db)
            .await?;
    let rows: i64 = sqlx::query_scalar("select count(*) from audit_log")
        .fetch_one(&snapshot_db)
        .await?;
    snapshot_db.close().await;
    if let Some((id, hash)) = last {
        std::fs::write(head, format!("{id} {hash}\n")).map_err(|e| io("cannot write", head, e))?;
        std::fs::File::open(head)
            .and_then(|f| f.sync_all())
            .map_err(|e| io("cannot sync", head, e))?;
    }
    Ok(rows)
}

/// Copies a directory tree of files; missing source: nothing to copy.
fn copy_tree(from: &Path, to: &Path) -> CoreResult<(usize, u64)> {
    let (mut files, mut bytes) = (0, 0);
    let mut stack: Vec<(PathBuf, PathBuf)> = vec![(from.to_path_buf(), to.to_path_buf())];
    while let Some((source, target)) = stack.pop() {
        let entries = match std::fs::read_dir(&source) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
            Err(err) => return Err(io("cannot read", &source, err)),
        };
        std::fs::create_dir_all(&target).map_err(|e| io("cannot create", &target, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| io("cannot read", &source, e))?;
            let (path, copy) = (entry.path(), target.join(entry.file_name()));
            if entry
                .file_type()
                .map_err(|e| io("cannot read", &path, e))?
                .is_dir()
            {
                stack.push((path, copy));
            } else {
                bytes += std::fs::copy(&path, &copy).map_err(|e| io("cannot copy", &path, e))?;
                files += 1;
            }
        }
    }
    Ok((files, bytes))
}

fn size_of(path: &Path) -> CoreResult<u64> {
    Ok(std::fs::metadata(path)
        .map_err(|e| io("cannot read", path, e))?
        .len())
}

/// Makes the new directory entries themselves durable.
fn sync_dir(dir: &Path) -> CoreResult<()> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io("cannot sync", dir, e))
}

#[cfg(test)]
mod tests;

//! The text read from each library file, kept in the database (`blob_texts`) by the
//! file's hash: identical bytes are read once, and rebuilding the search index reads no
//! file again. A file's row goes with the file (`on delete cascade` from `blobs`), so a
//! removed document's text goes when its file does.
//!
//! Only the newest version of a document is read: that is what search finds it by. Each
//! outcome is recorded in one transaction with a search outbox row for every document
//! whose newest version is that file, so the index learns of the text as it is stored.

use super::Reason;
use crate::clock;
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::search::outbox::{Item, Operation};

/// What reading a file came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Its text (empty for a file that holds none, such as a scan); `cut` when only the
    /// start was kept.
    Text { text: String, cut: bool },
    /// A type whose contents are not searched (images, ZIP archives).
    NotText,
    /// Not searchable, and why.
    Failed(Reason),
}

/// A file waiting to be read: the newest version of at least one document names it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Waiting {
    /// The first version naming it, for walking the list in order.
    pub version_id: i64,
    pub sha256: String,
    /// Our type, from its bytes.
    pub media_type: String,
}

/// Up to `limit` files waiting to be read, after the version row `after` (0 for the
/// start), in the order their versions were added.
pub async fn waiting(db: &Db, after: i64, limit: i64) -> CoreResult<Vec<Waiting>> {
    Ok(sqlx::query_as(
        "select min(v.id) as version_id, v.sha256, min(v.media_type) as media_type \
         from document_versions v join documents d on d.id = v.document_id \
         where d.removed_at is null and v.id > $1 \
         and v.version = (select max(n.version) from document_versions n \
                          where n.document_id = v.document_id) \
         and not exists (select 1 from blob_texts t where t.sha256 = v.sha256) \
         group by v.sha256 order by version_id limit $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// Records what reading file `sha256` came to, with a search outbox row for each
/// document whose newest version it is, in one transaction. Nothing is recorded for a
/// file that went meanwhile (its document removed) or was recorded already. Answers how
/// many documents the index is told of.
pub async fn record(db: &Db, sha256: &str, outcome: &Outcome) -> CoreResult<u64> {
    let (kind, text, cut, reason) = match outcome {
        Outcome::Text { text, cut } => ("text", text.as_str(), *cut, None),
        Outcome::NotText => ("not_text", "", false, None),
        Outcome::Failed(reason) => ("failed", "", false, Some(reason.code())),
    };
    let now = clock::now();
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let stored = sqlx::query(
        "insert into blob_texts (sha256, outcome, text, cut, reason, extracted_at) \
         select $1, $2, $3, $4, $5, $6 where exists (select 1 from blobs where sha256 = $1) \
         on conflict (sha256) do nothing",
    )
    .bind(sha256)
    .bind(kind)
    .bind(text)
    .bind(cut)
    .bind(reason)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if stored == 0 {
        return Ok(0);
    }
    // One `document` row for every document whose newest version has this text (the
    // same rows `outbox::stage` writes, as one insert-select).
    let announced = sqlx::query(
        "insert into search_outbox (kind, entity_id, operation, created_at) \
         select $3, v.document_id, $4, $2 from document_versions v \
         join documents d on d.id = v.document_id \
         where v.sha256 = $1 and d.removed_at is null \
         and v.version = (select max(n.version) from document_versions n \
                          where n.document_id = v.document_id)",
    )
    .bind(sha256)
    .bind(now)
    .bind(Item::Document(0).kind())
    .bind(Operation::Upsert.as_str())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(announced)
}

/// Where the newest version's text stands, as a document's page says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextState {
    /// Not read yet: the worker will.
    Waiting,
    /// Its text is searchable; `cut` when only the start of a very long text is.
    Searchable {
        cut: bool,
    },
    /// Read, and it holds no text (a scanned PDF, an empty sheet).
    NoText,
    /// A type whose contents are not searched (images, ZIP archives).
    NotText,
    NotSearchable(Reason),
}

/// The text state of document `id`'s newest version. The caller has checked that the
/// viewer may see the document (the newest version carries the document's own label).
pub async fn newest_state(db: &Db, id: i64) -> CoreResult<TextState> {
    /// The newest version's row of `blob_texts`, all null while it waits.
    #[derive(sqlx::FromRow)]
    struct Row {
        outcome: Option<String>,
        empty: Option<bool>,
        cut: Option<bool>,
        reason: Option<String>,
    }
    let row: Option<Row> = sqlx::query_as(
        "select t.outcome, t.text = '' as empty, t.cut, t.reason from document_versions v \
         left join blob_texts t on t.sha256 = v.sha256 where v.document_id = $1 \
         and v.version = (select max(n.version) from document_versions n \
                          where n.document_id = $1)",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    let Some(Row {
        outcome,
        empty,
        cut,
        reason,
    }) = row
    else {
        return Err(CoreError::NotFound);
    };
    Ok(match outcome.as_deref() {
        None => TextState::Waiting,
        Some("text") if empty == Some(true) => TextState::NoText,
        Some("text") => TextState::Searchable {
            cut: cut.unwrap_or(false),
        },
        Some("not_text") => TextState::NotText,
        Some(_) => {
            let code = reason.unwrap_or_default();
            TextState::NotSearchable(Reason::from_code(&code).ok_or_else(|| {
                CoreError::Internal(format!("unknown extraction reason {code:?}"))
            })?)
        }
    })
}

//! The tantivy index: its schema, what one entry holds, and the single writer. Everything
//! in it can be rebuilt from the database ([`super::indexer`]); the last outbox row an
//! index has applied is the payload of its newest commit, so it is never ahead of or
//! behind what it says.

use super::access_filter::{self, AccessCache};
use super::analysis;
use crate::error::{CoreError, CoreResult};
use crate::policy::Tlp;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use tantivy::index::SegmentId;
use tantivy::schema::{
    Facet, FacetOptions, Field, IndexRecordOption, NumericOptions, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// What a search result is, as `type:` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Kind {
    Thread,
    Post,
    Document,
    Page,
    Advisory,
    Indicator,
    Vulnerability,
    Incident,
    Alert,
    /// A comment on an organisation's alert.
    Comment,
    /// An organisation's feedback to the centre.
    Feedback,
    /// An organisation's own incident (the centre's are [`Kind::Incident`]).
    OwnIncident,
    /// An event or comment on an own incident's timeline.
    IncidentEntry,
}

impl Kind {
    pub const ALL: [Kind; 13] = [
        Self::Thread,
        Self::Post,
        Self::Document,
        Self::Page,
        Self::Advisory,
        Self::Indicator,
        Self::Vulnerability,
        Self::Incident,
        Self::Alert,
        Self::Comment,
        Self::Feedback,
        Self::OwnIncident,
        Self::IncidentEntry,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Thread => "thread",
            Self::Post => "post",
            Self::Document => "document",
            Self::Page => "page",
            Self::Advisory => "advisory",
            Self::Indicator => "indicator",
            Self::Vulnerability => "vulnerability",
            Self::Incident => "incident",
            Self::Alert => "alert",
            Self::Comment => "comment",
            Self::Feedback => "feedback",
            Self::OwnIncident => "own_incident",
            Self::IncidentEntry => "incident_entry",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The kind of a stored STIX object (`stix_objects.kind`) that search covers.
    pub fn of_stix(kind: &str) -> Option<Self> {
        match kind {
            "advisory" => Some(Self::Advisory),
            "indicator" => Some(Self::Indicator),
            "vulnerability" => Some(Self::Vulnerability),
            "incident" => Some(Self::Incident),
            "sighting" => Some(Self::Alert),
            _ => None,
        }
    }

    /// A STIX object (loaded back from `stix_objects`).
    pub(crate) fn is_intel(self) -> bool {
        !matches!(
            self,
            Self::Thread
                | Self::Post
                | Self::Document
                | Self::Page
                | Self::Comment
                | Self::Feedback
                | Self::OwnIncident
                | Self::IncidentEntry
        )
    }
}

/// One entry of the index: a thread (its title), a post, a document or page, an intel
/// object's newest version, a comment on an alert, or feedback's newest version.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub kind: Kind,
    /// The row the entry is loaded back from: `forum_threads.id`, `forum_posts.id`,
    /// `documents.id`, `stix_objects.id` of the newest version, `alert_comments.id`, or
    /// `feedback.id` of the newest version.
    pub row: i64,
    /// What names the entry for replacing or removing it: `post:12`, `stix:indicator--…`.
    pub key: String,
    /// Indexed for every kind but posts, which show their thread's title but are found
    /// by their own text.
    pub title: String,
    pub body: String,
    pub group: Option<i64>,
    /// `None`: an unmarked intel object.
    pub tlp: Option<Tlp>,
    /// Unix seconds: when it was written (or the intel object stored).
    pub date: i64,
    /// The author's name words and organisation code, as `author:` and `org:` match
    /// them; in a Chatham House thread they go to the moderators' fields instead.
    pub author: Option<AuthorTerms>,
    /// The policy's principals ([`crate::policy::group_item_terms`] and friends).
    pub access: Vec<String>,
    /// The principals of the item this one is seen through; [`crate::policy::FREE`] for
    /// none.
    pub anchor: Vec<String>,
    /// Every outbox item whose change may alter this entry (`post:12`, `user:3`,
    /// `group:2`, …): a search leaves out entries with a change still pending.
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuthorTerms {
    pub name: String,
    pub org_code: String,
    pub chatham_house: bool,
}

/// The fields of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub key: Field,
    pub kind: Field,
    pub row: Field,
    /// Title and body, stemmed Danish.
    pub text: Field,
    /// Title and body, unstemmed.
    pub exact: Field,
    /// Technical tokens of title and body.
    pub ids: Field,
    /// The title alone, unstemmed, for search-as-you-type and ranking.
    pub title: Field,
    /// `/type/post`, `/group/12`, `/tlp/amber`: filters and facet counts.
    pub facets: Field,
    /// Type, group and label packed for counting ([`super::tally`]).
    pub tally: Field,
    pub date: Field,
    pub author: Field,
    pub org: Field,
    /// `12|anne`: an author of group 12's Chatham House threads, for its moderators.
    pub hidden_author: Field,
    pub hidden_org: Field,
    pub access: Field,
    pub anchor: Field,
    pub sources: Field,
}

impl Fields {
    fn schema() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let positions = |analyzer: &str| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(analyzer)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            )
        };
        let fields = Fields {
            key: b.add_text_field("key", STRING | STORED),
            kind: b.add_text_field("kind", STRING | STORED),
            row: b.add_i64_field("row", STORED),
            text: b.add_text_field("text", positions(analysis::DANISH)),
            exact: b.add_text_field("exact", positions(analysis::EXACT)),
            ids: b.add_text_field(
                "ids",
                TextOptions::default().set_indexing_options(
                    TextFieldIndexing::default()
                        .set_tokenizer(analysis::IDS)
                        .set_index_option(IndexRecordOption::WithFreqs),
                ),
            ),
            title: b.add_text_field("title", positions(analysis::EXACT)),
            facets: b.add_facet_field("facets", FacetOptions::default()),
            tally: b.add_u64_field(super::tally::FIELD, NumericOptions::default().set_fast()),
            date: b.add_i64_field("date", NumericOptions::default().set_indexed().set_fast()),
            author: b.add_text_field("author", STRING),
            org: b.add_text_field("org", STRING),
            hidden_author: b.add_text_field("hidden_author", STRING),
            hidden_org: b.add_text_field("hidden_org", STRING),
            access: b.add_text_field("access", STRING),
            anchor: b.add_text_field("anchor", STRING),
            sources: b.add_text_field("sources", STRING),
        };
        (b.build(), fields)
    }
}

/// The facet of an entry's kind, group or label.
pub fn kind_facet(kind: Kind) -> Facet {
    Facet::from_path(["type", kind.as_str()])
}

pub fn group_facet(group: i64) -> Facet {
    Facet::from_path(["group", &group.to_string()])
}

/// Unmarked intel is `/tlp/none`.
pub fn tlp_facet(tlp: Option<Tlp>) -> Facet {
    Facet::from_path(["tlp", tlp.map_or("none", Tlp::as_str)])
}

/// A name as `author:` matches it: lower-cased, whole and word by word.
pub fn author_terms(name: &str) -> Vec<String> {
    let lower = name.to_lowercase();
    let mut out = vec![lower.split_whitespace().collect::<Vec<_>>().join(" ")];
    out.extend(lower.split_whitespace().map(str::to_string));
    out.sort_unstable();
    out.dedup();
    out
}

/// An open index with its reader and its one writer.
pub struct SearchIndex {
    pub(crate) index: Index,
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    pub(crate) writer: Mutex<IndexWriter>,
    /// The payload of the newest commit (`-1`: never built), kept for searches, which
    /// leave out entries with changes after it.
    applied: AtomicI64,
    /// Each recent viewer's access filter per segment ([`access_filter::AccessFilter`]).
    pub(crate) access_cache: Arc<AccessCache>,
}

/// Segments an idle index may keep without merging.
pub const IDLE_SEGMENTS: usize = 3;

/// Which of `segments` (id, entries) to merge when idle: none while there are at most
/// [`IDLE_SEGMENTS`]; else the smaller ones together, leaving the largest as it is, so
/// that a few new posts do not rewrite the whole index; and all of them once the smaller
/// ones hold a tenth of the largest, so that the work stays in proportion to what was
/// added since.
pub fn idle_merge(segments: &[(SegmentId, u32)]) -> Option<Vec<SegmentId>> {
    if segments.len() <= IDLE_SEGMENTS {
        return None;
    }
    let mut by_size = segments.to_vec();
    by_size.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    let largest = u64::from(by_size[0].1);
    let rest: u64 = by_size[1..].iter().map(|(_, n)| u64::from(*n)).sum();
    let chosen = if rest * 10 >= largest {
        &by_size[..]
    } else {
        &by_size[1..]
    };
    Some(chosen.iter().map(|(id, _)| *id).collect())
}

/// Memory for the writer's buffer: more is faster bulk indexing, but a server holds it
/// for good.
const WRITER_HEAP_BYTES: usize = 64 * 1024 * 1024;

impl SearchIndex {
    /// Opens the index in `dir`, creating an empty one if there is none. An index whose
    /// schema is not this version's (after an upgrade) is an error: rebuild it.
    pub fn open(dir: &Path) -> CoreResult<Self> {
        std::fs::create_dir_all(dir).map_err(|e| internal("create index directory", e))?;
        let (schema, fields) = Fields::schema();
        let directory =
            tantivy::directory::MmapDirectory::open(dir).map_err(|e| internal("open index", e))?;
        let index =
            Index::open_or_create(directory, schema).map_err(|e| internal("open index", e))?;
        Self::with_index(index, fields)
    }

    /// An index in memory, for tests and benchmarks.
    pub fn in_memory() -> CoreResult<Self> {
        let (schema, fields) = Fields::schema();
        Self::with_index(Index::create_in_ram(schema), fields)
    }

    fn with_index(index: Index, fields: Fields) -> CoreResult<Self> {
        analysis::register(&index);
        let writer = index
            .writer_with_num_threads(1, WRITER_HEAP_BYTES)
            .map_err(|e| match e {
                // Another process (a running server) holds the writer.
                tantivy::TantivyError::LockFailure(..) => CoreError::Conflict("busy"),
                other => internal("open index writer", other),
            })?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| internal("open index reader", e))?;
        let built = Self {
            index,
            reader,
            fields,
            writer: Mutex::new(writer),
            applied: AtomicI64::new(-1),
            access_cache: Arc::new(AccessCache::new(access_filter::CACHE_BYTES)),
        };
        built
            .applied
            .store(built.applied()?.unwrap_or(-1), Ordering::SeqCst);
        Ok(built)
    }

    /// The last outbox row applied, from the newest commit's payload; `None` for an index
    /// never built.
    pub fn applied(&self) -> CoreResult<Option<i64>> {
        let metas = self
            .index
            .load_metas()
            .map_err(|e| internal("read index", e))?;
        Ok(metas.payload.as_deref().and_then(|p| p.parse().ok()))
    }

    /// [`Self::applied`] as of the last commit this process made or found, without reading
    /// the index's files: `-1` for an index never built.
    pub fn applied_cached(&self) -> i64 {
        self.applied.load(Ordering::SeqCst)
    }

    /// Merges segments when the indexer has nothing else to do: each segment costs every
    /// query a lookup of each of its words, so a few large segments answer several times
    /// faster than the many small ones that batch commits leave behind (0.33 → 0.12 ms
    /// median at 200,000 posts, `make bench-search`). See [`idle_merge`] for which.
    /// Waits for the merge; the index stays searchable, and commits may go on, while it
    /// runs. The merge keeps the commit's payload (the last outbox row applied). Returns
    /// how many segments were merged (0: none needed, or a merge already running).
    pub fn merge_when_idle(&self) -> CoreResult<usize> {
        let segments: Vec<(SegmentId, u32)> = self
            .index
            .searchable_segment_metas()
            .map_err(|e| internal("list index segments", e))?
            .iter()
            .map(|meta| (meta.id(), meta.num_docs()))
            .collect();
        let Some(ids) = idle_merge(&segments) else {
            return Ok(0);
        };
        let merging = self
            .writer
            .lock()
            .map_err(|_| CoreError::Internal("index writer poisoned".into()))?
            .merge(&ids);
        match merging.wait() {
            Ok(_) => {}
            // The writer's own merge policy is merging some of them already.
            Err(tantivy::TantivyError::InvalidArgument(why)) => {
                tracing::debug!(%why, "search index merge not started");
                return Ok(0);
            }
            Err(e) => return Err(internal("merge index", e)),
        }
        self.reader
            .reload()
            .map_err(|e| internal("reload index", e))?;
        Ok(ids.len())
    }

    /// Entries in the index (as last committed and reloaded).
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Replaces the entries with any of the `remove` sources (`post:12`, `user:3`: see
    /// [`Entry::sources`]) with `add`, and commits with
    /// `applied` as the payload, all or nothing: a crash before the commit leaves the
    /// index as it was, at its previous payload.
    pub fn write(&self, remove: &[String], add: &[Entry], applied: i64) -> CoreResult<()> {
        let f = self.fields;
        self.commit_changes(applied, |writer| {
            for source in remove {
                writer.delete_term(Term::from_field_text(f.sources, source));
            }
            for entry in add {
                writer
                    .add_document(document(&f, entry))
                    .map_err(|e| internal("add to index", e))?;
            }
            Ok(())
        })
    }

    /// Replaces everything with the entries `batches` brings, committed once with payload
    /// `applied` when the channel closes: until then searches see the old index whole.
    pub fn rebuild(
        &self,
        batches: std::sync::mpsc::Receiver<Vec<Entry>>,
        applied: i64,
    ) -> CoreResult<()> {
        let f = self.fields;
        self.commit_changes(applied, |writer| {
            writer
                .delete_all_documents()
                .map_err(|e| internal("clear index", e))?;
            for batch in batches {
                for entry in &batch {
                    writer
                        .add_document(document(&f, entry))
                        .map_err(|e| internal("add to index", e))?;
                }
            }
            Ok(())
        })
    }

    /// Makes `changes` with the writer and commits them with payload `applied`, or, if
    /// they fail, rolls them back so that the next commit cannot carry half of them.
    fn commit_changes(
        &self,
        applied: i64,
        changes: impl FnOnce(&mut IndexWriter) -> CoreResult<()>,
    ) -> CoreResult<()> {
        let mut writer = self
            .writer
            .lock()
            .map_err(|_| CoreError::Internal("index writer poisoned".into()))?;
        let committed = changes(&mut writer).and_then(|()| {
            let mut commit = writer
                .prepare_commit()
                .map_err(|e| internal("commit index", e))?;
            commit.set_payload(&applied.to_string());
            commit.commit().map_err(|e| internal("commit index", e))?;
            Ok(())
        });
        if let Err(err) = committed {
            if let Err(rollback) = writer.rollback() {
                tracing::error!(%rollback, "rolling back the search index writer");
            }
            return Err(err);
        }
        drop(writer);
        self.reader
            .reload()
            .map_err(|e| internal("reload index", e))?;
        self.applied.store(applied, Ordering::SeqCst);
        Ok(())
    }
}

fn document(f: &Fields, e: &Entry) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(f.key, &e.key);
    doc.add_text(f.kind, e.kind.as_str());
    doc.add_i64(f.row, e.row);
    // A post is found by its own words; its thread's title finds the thread (else one
    // title word would list every post of the thread).
    let title = if e.kind == Kind::Post {
        ""
    } else {
        e.title.as_str()
    };
    for field in [f.text, f.exact, f.ids] {
        doc.add_text(field, title);
        doc.add_text(field, &e.body);
    }
    doc.add_text(f.title, title);
    doc.add_facet(f.facets, kind_facet(e.kind));
    if let Some(group) = e.group {
        doc.add_facet(f.facets, group_facet(group));
    }
    doc.add_facet(f.facets, tlp_facet(e.tlp));
    doc.add_u64(f.tally, super::tally::pack(e.kind, e.group, e.tlp));
    doc.add_i64(f.date, e.date);
    if let Some(author) = &e.author {
        let org = author.org_code.to_lowercase();
        if author.chatham_house {
            let group = e.group.unwrap_or_default();
            for term in author_terms(&author.name) {
                doc.add_text(f.hidden_author, format!("{group}|{term}"));
            }
            doc.add_text(f.hidden_org, format!("{group}|{org}"));
        } else {
            for term in author_terms(&author.name) {
                doc.add_text(f.author, term);
            }
            doc.add_text(f.org, org);
        }
    }
    for term in &e.access {
        doc.add_text(f.access, term);
    }
    for term in &e.anchor {
        doc.add_text(f.anchor, term);
    }
    for source in &e.sources {
        doc.add_text(f.sources, source);
    }
    doc
}

pub(crate) fn internal(what: &str, e: impl std::fmt::Display) -> CoreError {
    CoreError::Internal(format!("search index: {what}: {e}"))
}

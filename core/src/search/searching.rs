//! Running a query for a viewer. The access filter is part of the index query itself (the
//! viewer's principals against each entry's, [`crate::policy::viewer_terms`]), so the
//! total, every facet count and every hit are computed over what the viewer may see
//! only. Entries with a change still waiting in the outbox are left out until it is
//! applied, so an item whose audience just narrowed is never counted for its old one.
//! The hits of the page are then loaded back from the database through the policy's
//! SQL form, which checks again.

use super::access_filter::{AccessFilter, VisibleMatches};
use super::analysis;
use super::index::{Kind, SearchIndex, group_facet, internal, kind_facet, tlp_facet};
use super::query::{self, Either, Hint, Parsed, Text};
use super::tally::TallyCollector;
use crate::db::Db;
use crate::error::CoreResult;
use crate::ids::{GroupId, OrgId, UserId};
use crate::policy::{
    FeedbackSql, GroupContentSql, IncidentSql, Tlp, Viewer, can_read_alert_work, can_work_alert,
    push_feedback_visible, push_group_content_visible, push_incident_visible, push_stix_visible,
    sees_chatham_house_authors, viewer_terms,
};
use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Sqlite};
use std::ops::Bound;
use tantivy::collector::TopDocs;
use tantivy::query::{
    BooleanQuery, BoostQuery, EmptyQuery, EnableScoring, Occur, PhraseQuery, Query, RangeQuery,
    TermQuery, TermSetQuery,
};
use tantivy::schema::{Facet, Field, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, DocSet, Order, Score, Searcher, TantivyDocument, Term};

/// Results per page.
pub const PER_PAGE: usize = 20;
/// The deepest page served: past it, refine the query (the collector would otherwise hold
/// every result before the page in memory).
pub const MAX_PAGE: usize = 50;
/// Changes waiting for the index from which a search says it is catching up.
const CATCHING_UP: usize = 1000;
/// Characters of a snippet.
const SNIPPET_CHARS: usize = 220;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sort {
    #[default]
    Relevance,
    Newest,
}

impl Sort {
    pub fn parse(s: &str) -> Self {
        if s == "newest" {
            Self::Newest
        } else {
            Self::Relevance
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Relevance => "relevance",
            Self::Newest => "newest",
        }
    }
}

/// A group as results name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRef {
    pub id: GroupId,
    pub slug: String,
    pub name: String,
}

/// Where a hit opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Target {
    Thread(i64),
    Post {
        thread: i64,
        post: i64,
    },
    Document(i64),
    /// A STIX object's newest version (`stix_objects.id`).
    Intel(i64),
    /// The reader's organisation's alert (`alerts.id`).
    Alert(i64),
    /// The dashboard, where the reader's organisation acknowledges advisories.
    Dashboard,
    /// An organisation's own incident (`incidents.id`).
    Incident(i64),
}

/// A piece of a snippet; the highlighted ones matched the query. Plain text: the page
/// escapes it like any other text, so a snippet never carries markup from the content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fragment {
    pub text: String,
    pub highlighted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum HitAuthor {
    Named {
        name: String,
        org: String,
    },
    /// A Chatham House thread, for a reader who is not one of its moderators.
    Participant,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hit {
    pub kind: Kind,
    pub title: String,
    pub target: Target,
    pub group: Option<GroupRef>,
    pub author: Option<HitAuthor>,
    /// Unix seconds.
    pub date: i64,
    /// `None`: unmarked intel (analysts only).
    pub tlp: Option<Tlp>,
    pub snippet: Vec<Fragment>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facets {
    pub kinds: Vec<(Kind, u64)>,
    pub groups: Vec<(GroupRef, u64)>,
    pub tlps: Vec<(Option<Tlp>, u64)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Results {
    pub hints: Vec<Hint>,
    /// Whether there was anything to look for.
    pub searched: bool,
    pub total: u64,
    /// 1-based, as served (a page past the last is served as the last).
    pub page: usize,
    pub pages: usize,
    pub hits: Vec<Hit>,
    pub facets: Facets,
    /// Some hit on any page is TLP:RED (the search is audited).
    pub found_red: bool,
}

/// What the viewer brings to a query besides its words.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The viewer's principals ([`viewer_terms`]).
    pub terms: Vec<String>,
    /// The viewer's groups that are not archived.
    pub groups: Vec<GroupRef>,
    /// Groups whose Chatham House authors the viewer may see (moderator or owner).
    pub moderated: Vec<GroupId>,
}

impl Scope {
    /// The scope of `viewer`, whose organisation is of `org_kind` and whose groups that
    /// are not archived are `groups`.
    pub fn of(viewer: &Viewer, org_kind: crate::policy::OrgKind, groups: Vec<GroupRef>) -> Self {
        let open: Vec<GroupId> = groups.iter().map(|g| g.id).collect();
        let terms = viewer_terms(viewer, org_kind, |g| open.contains(&g));
        let moderated = open
            .iter()
            .copied()
            .filter(|g| sees_chatham_house_authors(viewer, *g))
            .collect();
        Self {
            terms,
            groups,
            moderated,
        }
    }
}

type Context = Scope;

async fn context(db: &Db, viewer: &Viewer) -> CoreResult<Context> {
    let org_kind = crate::stix::browse::org_kind(db, viewer.org_id).await?;
    let mut groups = Vec::new();
    if !viewer.groups.is_empty() {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "select id, slug, name from user_groups where archived_at is null and id in (",
        );
        let mut list = qb.separated(", ");
        for (group, _) in &viewer.groups {
            list.push_bind(*group);
        }
        qb.push(") order by name");
        let rows: Vec<(GroupId, String, String)> = qb.build_query_as().fetch_all(db).await?;
        groups = rows
            .into_iter()
            .map(|(id, slug, name)| GroupRef { id, slug, name })
            .collect();
    }
    Ok(Scope::of(viewer, org_kind, groups))
}

/// Searches for `viewer`: the page `page` (1-based) of what `q` finds, sorted by `sort`,
/// with the total and facet counts. Never an error for what the user typed: what cannot
/// be read comes back as hints.
pub async fn search(
    db: &Db,
    index: &SearchIndex,
    viewer: &Viewer,
    q: &str,
    sort: Sort,
    page: usize,
) -> CoreResult<Results> {
    let parsed = query::parse(q);
    let mut results = Results {
        hints: parsed.hints.clone(),
        searched: parsed.is_searchable(),
        page: 1,
        ..Results::default()
    };
    if !results.searched {
        return Ok(results);
    }
    let ctx = context(db, viewer).await?;
    let pending = pending_sources(db, index).await?;
    if index.applied_cached() < 0 || pending.len() >= CATCHING_UP {
        results.hints.push(Hint::Indexing);
    }
    let built = build_query(index, &parsed, &ctx, &pending);
    let searcher = index.reader.searcher();
    let page = page.clamp(1, MAX_PAGE);
    let (total, facets, mut addresses) = collect(&searcher, &built, sort, page)?;
    let pages = (total as usize).div_ceil(PER_PAGE).clamp(1, MAX_PAGE);
    results.total = total;
    results.pages = pages;
    results.page = page;
    if page > pages && total > 0 {
        results.page = pages;
        addresses = collect(&searcher, &built, sort, pages)?.2;
    }
    results.found_red = facets
        .tlps
        .iter()
        .any(|(tlp, n)| *tlp == Some(Tlp::Red) && *n > 0);
    results.facets = name_groups(facets, &ctx.groups);
    let mut snippets = SnippetGenerator::create(&searcher, built.text.as_ref(), index.fields.text)
        .map_err(|e| internal("snippet", e))?;
    snippets.set_max_num_chars(SNIPPET_CHARS);
    for address in addresses {
        let doc: TantivyDocument = searcher.doc(address).map_err(|e| internal("read hit", e))?;
        let Some((kind, row)) = kind_and_row(index, &doc) else {
            continue;
        };
        if let Some(hit) = load_hit(db, viewer, &ctx, &snippets, kind, row).await? {
            results.hits.push(hit);
        }
    }
    Ok(results)
}

/// One page of what the index finds, before the hits are loaded back.
#[derive(Debug, Clone)]
pub struct IndexPage {
    pub total: u64,
    pub facets: Facets,
    /// Kind and row of each hit of the page, in order.
    pub hits: Vec<(Kind, i64)>,
}

/// The index part of a search, without the database: the total, facets and one page of
/// hits that `parsed` finds within `scope`, leaving out entries with `pending` sources.
/// (The benchmark measures this; [`search`] adds the hints, the outbox and the loading.)
pub fn query_index(
    index: &SearchIndex,
    parsed: &Parsed,
    scope: &Scope,
    pending: &[String],
    sort: Sort,
    page: usize,
) -> CoreResult<IndexPage> {
    let built = build_query(index, parsed, scope, pending);
    let searcher = index.reader.searcher();
    let (total, counted, addresses) = collect(&searcher, &built, sort, page.clamp(1, MAX_PAGE))?;
    let mut hits = Vec::with_capacity(addresses.len());
    for address in addresses {
        let doc: TantivyDocument = searcher.doc(address).map_err(|e| internal("read hit", e))?;
        if let Some(hit) = kind_and_row(index, &doc) {
            hits.push(hit);
        }
    }
    Ok(IndexPage {
        total,
        facets: name_groups(counted, &scope.groups),
        hits,
    })
}

fn kind_and_row(index: &SearchIndex, doc: &TantivyDocument) -> Option<(Kind, i64)> {
    let kind = doc
        .get_first(index.fields.kind)
        .and_then(|v| v.as_str())
        .and_then(Kind::parse)?;
    let row = doc.get_first(index.fields.row).and_then(|v| v.as_i64())?;
    Some((kind, row))
}

/// The best matches of a search by relevance that the exact and title forms re-rank (ten
/// pages); further pages keep the order of the stemmed form.
const RERANK: usize = 200;

/// Titles offered while typing in the search box, at most this many.
pub const SUGGESTIONS: usize = 8;

/// What the header's search box offers as the viewer types: titles of threads,
/// documents, pages and intel whose words start with what was typed (the last word may
/// be unfinished), best first, each loaded back through the policy like a hit. Never a
/// TLP:RED title: finding those is a search, and searches finding them are audited.
pub async fn suggest(
    db: &Db,
    index: &SearchIndex,
    viewer: &Viewer,
    typed: &str,
) -> CoreResult<Vec<Hit>> {
    let typed: String = typed.chars().take(200).collect();
    let words = analysis::terms(&mut analysis::exact(), &typed);
    let Some((last, complete)) = words.split_last() else {
        return Ok(Vec::new());
    };
    let f = index.fields;
    let ctx = context(db, viewer).await?;
    let pending = pending_sources(db, index).await?;
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = complete
        .iter()
        .map(|w| -> (Occur, Box<dyn Query>) {
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.title, w),
                    IndexRecordOption::WithFreqs,
                )),
            )
        })
        .collect();
    // The analyzer's terms are letters and digits only, so the pattern is the prefix as
    // written: nothing in it is a regex operator.
    let prefix = tantivy::query::RegexQuery::from_pattern(&format!("{last}.*"), f.title)
        .map_err(|e| internal("suggest", e))?;
    clauses.push((Occur::Must, Box::new(prefix)));
    clauses.push((Occur::Must, access_filter(index, &ctx.terms)));
    if !pending.is_empty() {
        clauses.push((
            Occur::MustNot,
            Box::new(TermSetQuery::new(
                pending.iter().map(|v| Term::from_field_text(f.sources, v)),
            )),
        ));
    }
    // TLP:RED titles are found by a search, which is audited, never offered while typing.
    clauses.push((
        Occur::MustNot,
        Box::new(TermQuery::new(
            Term::from_facet(f.facets, &tlp_facet(Some(Tlp::Red))),
            IndexRecordOption::Basic,
        )),
    ));
    let query = BooleanQuery::new(clauses);
    let searcher = index.reader.searcher();
    let top = searcher
        .search(&query, &TopDocs::with_limit(SUGGESTIONS))
        .map_err(|e| internal("suggest", e))?;
    let no_snippets = SnippetGenerator::new(Default::default(), analysis::exact(), f.title, 0);
    let mut hits = Vec::new();
    for (_, address) in top {
        let doc: TantivyDocument = searcher.doc(address).map_err(|e| internal("read hit", e))?;
        let Some((kind, row)) = kind_and_row(index, &doc) else {
            continue;
        };
        if let Some(mut hit) = load_hit(db, viewer, &ctx, &no_snippets, kind, row).await? {
            hit.snippet.clear();
            hits.push(hit);
        }
    }
    Ok(hits)
}

/// Facet counts as collected, groups by id.
struct Counted {
    kinds: Vec<(Kind, u64)>,
    groups: Vec<(GroupId, u64)>,
    tlps: Vec<(Option<Tlp>, u64)>,
}

fn collect(
    searcher: &Searcher,
    built: &Built,
    sort: Sort,
    page: usize,
) -> CoreResult<(u64, Counted, Vec<DocAddress>)> {
    let query = built.matching.as_ref();
    let offset = (page - 1) * PER_PAGE;
    let top = TopDocs::with_limit(PER_PAGE).and_offset(offset);
    let (tally, addresses) = match sort {
        Sort::Relevance if !built.boosts.is_empty() => {
            // The best matches by the stemmed form, re-ranked with the exact and title
            // forms; past them, the order of the stemmed form.
            let best = TopDocs::with_limit(RERANK.max(offset + PER_PAGE));
            let (tally, mut best) = searcher
                .search(query, &(TallyCollector, best))
                .map_err(|e| internal("search", e))?;
            let rest = best.split_off(RERANK.min(best.len()));
            let mut ranked = rerank(searcher, built, best)?;
            ranked.extend(rest.into_iter().map(|(_, a)| a));
            let page = ranked.into_iter().skip(offset).take(PER_PAGE).collect();
            (tally, page)
        }
        Sort::Relevance => {
            let (tally, top) = searcher
                .search(query, &(TallyCollector, top))
                .map_err(|e| internal("search", e))?;
            (tally, top.into_iter().map(|(_, a)| a).collect())
        }
        Sort::Newest => {
            let (tally, top) = searcher
                .search(
                    query,
                    &(
                        TallyCollector,
                        top.order_by_fast_field::<i64>("date", Order::Desc),
                    ),
                )
                .map_err(|e| internal("search", e))?;
            (tally, top.into_iter().map(|(_, a)| a).collect())
        }
    };
    Ok((
        tally.total,
        Counted {
            kinds: tally.kinds(),
            groups: tally.groups(),
            tlps: tally.tlps(),
        },
        addresses,
    ))
}

/// `candidates` (with their score for what matched) ordered by their whole score: that
/// plus the score of each boost they match, best first (ties by address, as tantivy's own
/// top documents). A boolean query's score is the sum of its matching clauses', so adding
/// the boosts' scores gives what the query with the boosts as optional clauses would; but
/// each boost's scorer seeks only to the candidates, and what matched is not run again.
fn rerank(
    searcher: &Searcher,
    built: &Built,
    mut candidates: Vec<(Score, DocAddress)>,
) -> CoreResult<Vec<DocAddress>> {
    let scoring = EnableScoring::enabled_from_searcher(searcher);
    let weights = built
        .boosts
        .iter()
        .map(|boost| boost.weight(scoring))
        .collect::<tantivy::Result<Vec<_>>>()
        .map_err(|e| internal("rank", e))?;
    candidates.sort_by_key(|(_, address)| *address);
    for segment in candidates.chunk_by_mut(|a, b| a.1.segment_ord == b.1.segment_ord) {
        let reader = searcher.segment_reader(segment[0].1.segment_ord);
        for weight in &weights {
            let mut scorer = weight
                .scorer(reader, 1.0)
                .map_err(|e| internal("rank", e))?;
            for (score, address) in segment.iter_mut() {
                if scorer.doc() < address.doc_id {
                    scorer.seek(address.doc_id);
                }
                if scorer.doc() == address.doc_id {
                    *score += scorer.score();
                }
            }
        }
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    Ok(candidates.into_iter().map(|(_, a)| a).collect())
}

fn name_groups(counted: Counted, groups: &[GroupRef]) -> Facets {
    let mut kinds = counted.kinds;
    kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut named: Vec<(GroupRef, u64)> = counted
        .groups
        .into_iter()
        .filter_map(|(id, n)| groups.iter().find(|g| g.id == id).map(|g| (g.clone(), n)))
        .collect();
    named.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.name.cmp(&b.0.name)));
    let mut tlps = counted.tlps;
    tlps.sort_by_key(|(tlp, _)| *tlp);
    Facets {
        kinds,
        groups: named,
        tlps,
    }
}

/// The outbox items waiting to be applied, as entry sources (`post:12`): entries listing
/// one are left out of every result and count until the change is applied.
pub async fn pending_sources(db: &Db, index: &SearchIndex) -> CoreResult<Vec<String>> {
    let applied = index.applied_cached();
    Ok(sqlx::query_scalar(
        "select distinct case kind when 'stix_object' then 'stix_object:' || entity_id \
         else kind || ':' || entity_id end from search_outbox where id > $1",
    )
    .bind(applied)
    .fetch_all(db)
    .await?)
}

/// The index query: the text part (for snippets) and the whole, with filters and the
/// access terms.
/// A search's queries: `text` for snippets, `matching` for what matches (its count,
/// facets and order of the best), `boosts` to add to the score of the best ([`RERANK`]).
struct Built {
    text: Box<dyn Query>,
    matching: Box<dyn Query>,
    boosts: Vec<Box<dyn Query>>,
}

fn build_query(index: &SearchIndex, parsed: &Parsed, ctx: &Context, pending: &[String]) -> Built {
    let f = index.fields;
    let mut boosts = Vec::new();
    let mut required: Vec<Box<dyn Query>> = Vec::new();
    for Either(alternatives) in &parsed.required {
        let any: Vec<(Occur, Box<dyn Query>)> = alternatives
            .iter()
            .filter_map(|t| text_query(index, t, &mut boosts))
            .map(|q| (Occur::Should, q))
            .collect();
        // A word with nothing searchable in it (longer than any indexed word) matches
        // nothing, rather than dropping out and leaving a query that matches everything.
        required.push(if any.is_empty() {
            Box::new(EmptyQuery)
        } else {
            Box::new(BooleanQuery::new(any))
        });
    }
    let text_only: Box<dyn Query> = Box::new(BooleanQuery::new(
        required
            .iter()
            .map(|q| (Occur::Must, q.box_clone()))
            .collect(),
    ));
    // The words, intersected with the access filter (one of the viewer's principals, for
    // the item and its anchor) in one pass that asks the filter first.
    let words: Box<dyn Query> = Box::new(VisibleMatches::new(
        AccessFilter::new(f.access, f.anchor, &ctx.terms, index.access_cache.clone()),
        required,
    ));
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, words)];
    for excluded in &parsed.excluded {
        // What the stemmed form excludes is all there is to exclude; no score to add.
        if let Some(q) = text_query(index, excluded, &mut Vec::new()) {
            clauses.push((Occur::MustNot, q));
        }
    }
    let terms = |field: Field, values: &[String]| -> Box<dyn Query> {
        Box::new(TermSetQuery::new(
            values.iter().map(|v| Term::from_field_text(field, v)),
        ))
    };
    if !pending.is_empty() {
        clauses.push((Occur::MustNot, terms(f.sources, pending)));
    }
    let facet_any = |facets: Vec<Facet>| -> Box<dyn Query> {
        Box::new(TermSetQuery::new(
            facets.iter().map(|facet| Term::from_facet(f.facets, facet)),
        ))
    };
    let filters = &parsed.filters;
    if !filters.kinds.is_empty() {
        clauses.push((
            Occur::Must,
            facet_any(filters.kinds.iter().map(|k| kind_facet(*k)).collect()),
        ));
    }
    if !filters.tlps.is_empty() {
        clauses.push((
            Occur::Must,
            facet_any(filters.tlps.iter().map(|t| tlp_facet(Some(*t))).collect()),
        ));
    }
    if !filters.groups.is_empty() {
        // Only the viewer's own groups: any other slug, existing or not, matches nothing.
        let ids: Vec<Facet> = ctx
            .groups
            .iter()
            .filter(|g| filters.groups.contains(&g.slug.to_lowercase()))
            .map(|g| group_facet(g.id.0))
            .collect();
        let q: Box<dyn Query> = if ids.is_empty() {
            Box::new(EmptyQuery)
        } else {
            facet_any(ids)
        };
        clauses.push((Occur::Must, q));
    }
    for (values, open, hidden) in [
        (&filters.authors, f.author, f.hidden_author),
        (&filters.orgs, f.org, f.hidden_org),
    ] {
        if values.is_empty() {
            continue;
        }
        let mut any: Vec<String> = values.clone();
        let mut hidden_any: Vec<String> = Vec::new();
        for value in values {
            for group in &ctx.moderated {
                hidden_any.push(format!("{group}|{value}"));
            }
        }
        any.dedup();
        let mut should: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, terms(open, &any))];
        if !hidden_any.is_empty() {
            should.push((Occur::Should, terms(hidden, &hidden_any)));
        }
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(should))));
    }
    if filters.after.is_some() || filters.before.is_some() {
        let lower = filters.after.map_or(Bound::Unbounded, |d| {
            Bound::Included(Term::from_field_i64(
                f.date,
                crate::clock::copenhagen_day_start(d),
            ))
        });
        let upper = filters.before.map_or(Bound::Unbounded, |d| {
            let next = d
                .next_day()
                .map_or(i64::MAX, crate::clock::copenhagen_day_start);
            Bound::Excluded(Term::from_field_i64(f.date, next))
        });
        clauses.push((Occur::Must, Box::new(RangeQuery::new(lower, upper))));
    }
    Built {
        text: text_only,
        matching: Box::new(BooleanQuery::new(clauses)),
        boosts,
    }
}

/// The entries the viewer may see: one of its principals among the item's terms and one
/// among its anchor's ([`AccessFilter`]).
fn access_filter(index: &SearchIndex, principals: &[String]) -> Box<dyn Query> {
    let f = index.fields;
    Box::new(AccessFilter::new(
        f.access,
        f.anchor,
        principals,
        index.access_cache.clone(),
    ))
}

/// A word or phrase: its stemmed Danish form, its exact form, and the technical token it
/// is (if it is one), any of which may match; exact and title matches rank higher.
///
/// The exact form and the title are indexed with the same words as the stemmed form, so
/// whatever they match the stemmed form matches too: the stemmed form alone decides what
/// matches, and the exact and title forms only add to the score. They are handed to
/// `boosts`, which re-rank the best matches ([`RERANK`]) instead of being seeked for every
/// match while counting (p99 at 1M posts); then a query's words intersect on the stemmed
/// terms' postings alone. A technical token can match where its parts do not form the
/// stemmed phrase (a parent domain, an address within a range), so with one the
/// alternatives stay a union, scored as a whole.
fn text_query(
    index: &SearchIndex,
    text: &Text,
    boosts: &mut Vec<Box<dyn Query>>,
) -> Option<Box<dyn Query>> {
    let f = index.fields;
    let source = match text {
        Text::Word(w) | Text::Phrase(w) => w.as_str(),
    };
    let stemmed = analysis::terms(&mut analysis::danish(), source);
    let exact = analysis::terms(&mut analysis::exact(), source);
    let id = match text {
        Text::Word(_) => analysis::terms(&mut analysis::ids(), source)
            .into_iter()
            .next(),
        Text::Phrase(_) => None,
    };
    let required = sequence(f.text, &stemmed, 1.0);
    let mut rank: Vec<Box<dyn Query>> = Vec::new();
    rank.extend(sequence(f.exact, &exact, 1.5));
    rank.extend(sequence(f.title, &exact, 2.0));
    match (required, id) {
        (Some(required), None) => {
            boosts.extend(rank);
            Some(required)
        }
        (required, id) => {
            let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            any.extend(required.map(|q| (Occur::Should, q)));
            any.extend(rank.into_iter().map(|q| (Occur::Should, q)));
            if let Some(id) = id {
                let q = TermQuery::new(
                    Term::from_field_text(f.ids, &id),
                    IndexRecordOption::WithFreqs,
                );
                any.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), 2.0))));
            }
            (!any.is_empty()).then(|| Box::new(BooleanQuery::new(any)) as Box<dyn Query>)
        }
    }
}

/// One term, or the terms as a phrase.
fn sequence(field: Field, words: &[String], boost: f32) -> Option<Box<dyn Query>> {
    let terms: Vec<Term> = words
        .iter()
        .map(|w| Term::from_field_text(field, w))
        .collect();
    let q: Box<dyn Query> = match terms.len() {
        0 => return None,
        1 => Box::new(TermQuery::new(
            terms.into_iter().next()?,
            IndexRecordOption::WithFreqs,
        )),
        _ => Box::new(PhraseQuery::new(terms)),
    };
    Some(if boost == 1.0 {
        q
    } else {
        Box::new(BoostQuery::new(q, boost))
    })
}

pub(crate) const THREADS: GroupContentSql =
    GroupContentSql::new("t", "thread_recipient_orgs", "thread_recipient_users");
const POSTS: GroupContentSql =
    GroupContentSql::new("p", "post_recipient_orgs", "post_recipient_users");
const DOCUMENTS: GroupContentSql =
    GroupContentSql::new("d", "document_recipient_orgs", "document_recipient_users");

/// What a hit shows, loaded from the database through the policy's SQL form.
#[derive(sqlx::FromRow)]
struct Loaded {
    title: String,
    text: String,
    group_id: Option<i64>,
    author_id: Option<i64>,
    author_name: Option<String>,
    org_name: Option<String>,
    chatham_house: bool,
    date: i64,
    tlp: Option<Tlp>,
    thread_id: Option<i64>,
}

/// Loads one hit back, if the viewer may still see it (else `None`: the index was a step
/// behind a change).
async fn load_hit(
    db: &Db,
    viewer: &Viewer,
    ctx: &Context,
    snippets: &SnippetGenerator,
    kind: Kind,
    row: i64,
) -> CoreResult<Option<Hit>> {
    match kind {
        Kind::Comment => return comment_hit(db, viewer, snippets, row).await,
        Kind::Feedback => return feedback_hit(db, viewer, snippets, row).await,
        Kind::OwnIncident | Kind::IncidentEntry => {
            return incident_hit(db, viewer, snippets, kind, row).await;
        }
        _ => {}
    }
    let mut qb = QueryBuilder::<Sqlite>::new("");
    match kind {
        Kind::Thread => {
            qb.push(
                "select t.title, '' as text, t.group_id, t.author_id, u.name as author_name, \
                 o.name as org_name, t.chatham_house, t.created_at as date, t.tlp, t.id as thread_id \
                 from forum_threads t join users u on u.id = t.author_id \
                 join organisations o on o.id = u.org_id where t.id = ",
            )
            .push_bind(row)
            .push(" and ");
            push_group_content_visible(&mut qb, viewer, &THREADS);
        }
        Kind::Post => {
            qb.push(
                "select t.title, p.body_source as text, p.group_id, p.author_id, \
                 u.name as author_name, o.name as org_name, t.chatham_house, p.created_at as date, \
                 p.tlp, t.id as thread_id from forum_posts p join forum_threads t on t.id = p.thread_id \
                 join users u on u.id = p.author_id join organisations o on o.id = u.org_id \
                 where p.deleted_at is null and p.removed_at is null and p.id = ",
            )
            .push_bind(row)
            .push(" and ");
            push_group_content_visible(&mut qb, viewer, &POSTS);
            qb.push(" and ");
            push_group_content_visible(&mut qb, viewer, &THREADS);
        }
        Kind::Document | Kind::Page => {
            qb.push(
                "select d.title, d.description || char(10) || coalesce((select bt.text from \
                 document_versions v join blob_texts bt on bt.sha256 = v.sha256 and bt.outcome = 'text' \
                 where v.document_id = d.id order by v.version desc limit 1), '') as text, \
                 d.group_id, d.author_id, u.name as author_name, o.name as org_name, \
                 0 as chatham_house, d.updated_at as date, d.tlp, null as thread_id \
                 from documents d join users u on u.id = d.author_id \
                 join organisations o on o.id = u.org_id where d.removed_at is null and d.id = ",
            )
            .push_bind(row)
            .push(" and ");
            push_group_content_visible(&mut qb, viewer, &DOCUMENTS);
        }
        _ => {
            let org_kind = crate::stix::browse::org_kind(db, viewer.org_id).await?;
            qb.push(
                "select o.name as title, o.content as text, null as group_id, null as author_id, \
                 null as author_name, null as org_name, 0 as chatham_house, \
                 o.date_added_us / 1000000 as date, o.tlp, null as thread_id \
                 from stix_objects o where o.is_latest and o.id = ",
            )
            .push_bind(row)
            .push(" and ");
            push_stix_visible(&mut qb, viewer, org_kind, &crate::stix::browse::OBJECTS);
        }
    }
    let Some(found): Option<Loaded> = qb.build_query_as().fetch_optional(db).await? else {
        return Ok(None);
    };
    let group = match found.group_id {
        // An archived group is not in the viewer's open groups: not shown.
        Some(id) => match ctx.groups.iter().find(|g| g.id.0 == id) {
            Some(g) => Some(g.clone()),
            None => return Ok(None),
        },
        None => None,
    };
    let author = match (found.author_name, found.org_name) {
        (Some(name), Some(org)) => {
            let own = found.author_id.map(UserId) == viewer.user_id && viewer.user_id.is_some();
            let hidden = found.chatham_house
                && !own
                && !group
                    .as_ref()
                    .is_some_and(|g| sees_chatham_house_authors(viewer, g.id));
            Some(if hidden {
                HitAuthor::Participant
            } else {
                HitAuthor::Named { name, org }
            })
        }
        _ => None,
    };
    let text = match kind {
        Kind::Post | Kind::Page => crate::markdown::plain_text(&found.text),
        k if k.is_intel() => super::indexer::stix_text(&found.text),
        _ => found.text,
    };
    let target = match kind {
        Kind::Thread => Target::Thread(row),
        Kind::Post => Target::Post {
            thread: found.thread_id.unwrap_or_default(),
            post: row,
        },
        Kind::Document | Kind::Page => Target::Document(row),
        // A sighting the reader may see leads to their organisation's alert of it, where
        // there is one: its page says what was sighted and is where it is worked.
        Kind::Alert => {
            let alert: Option<i64> =
                sqlx::query_scalar("select id from alerts where sighting_row = $1 and org_id = $2")
                    .bind(row)
                    .bind(viewer.org_id)
                    .fetch_optional(db)
                    .await?;
            alert.map_or(Target::Intel(row), Target::Alert)
        }
        _ => Target::Intel(row),
    };
    Ok(Some(Hit {
        kind,
        title: found.title,
        target,
        group,
        author,
        date: found.date,
        tlp: found.tlp,
        snippet: snippet(snippets, &text),
    }))
}

/// A comment on an alert, if the viewer may still see its sighting and works the alert
/// ([`can_work_alert`]) or reads the work as the publishing centre's analyst
/// ([`can_read_alert_work`]); it opens the alert, or for the analyst the sighting.
async fn comment_hit(
    db: &Db,
    viewer: &Viewer,
    snippets: &SnippetGenerator,
    row: i64,
) -> CoreResult<Option<Hit>> {
    let org_kind = crate::stix::browse::org_kind(db, viewer.org_id).await?;
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select c.body, c.tlp, c.created_at, u.name, g.name, a.id, a.org_id, o.id, o.name, \
         o.publisher_org_id from alert_comments c join alerts a on a.id = c.alert_id \
         cross join stix_objects o on o.id = a.sighting_row and o.is_latest \
         join users u on u.id = c.author_id join organisations g on g.id = u.org_id \
         where c.id = ",
    );
    qb.push_bind(row).push(" and ");
    push_stix_visible(&mut qb, viewer, org_kind, &crate::stix::browse::OBJECTS);
    type Row = (
        String,
        Tlp,
        i64,
        String,
        String,
        i64,
        OrgId,
        i64,
        String,
        OrgId,
    );
    let Some((body, tlp, at, author, org, alert, alert_org, sighting, title, publisher)): Option<
        Row,
    > = qb.build_query_as().fetch_optional(db).await?
    else {
        return Ok(None);
    };
    let target = if can_work_alert(viewer, alert_org) {
        Target::Alert(alert)
    } else if can_read_alert_work(viewer, publisher) {
        Target::Intel(sighting)
    } else {
        return Ok(None);
    };
    Ok(Some(Hit {
        kind: Kind::Comment,
        title,
        target,
        group: None,
        author: Some(HitAuthor::Named { name: author, org }),
        date: at,
        tlp: Some(tlp),
        snippet: snippet(snippets, &body),
    }))
}

/// Feedback's newest version, if the viewer may see it ([`push_feedback_visible`]): for
/// its organisation it opens the alert it answers (or the dashboard, for an advisory),
/// for the centre the item's page.
async fn feedback_hit(
    db: &Db,
    viewer: &Viewer,
    snippets: &SnippetGenerator,
    row: i64,
) -> CoreResult<Option<Hit>> {
    const FEEDBACK: FeedbackSql = FeedbackSql::new("f");
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select f.message, f.tlp, f.version_us, g.name, coalesce(u.name, ''), f.org_id, \
         f.subject_ref, f.subject_kind, \
         (select a.id from alerts a where a.sighting_ref = f.subject_ref and a.org_id = f.org_id), \
         (select o.id from stix_objects o where o.stix_id = f.subject_ref and o.is_latest) \
         from feedback f join organisations g on g.id = f.org_id \
         left join users u on u.id = f.shared_by where f.is_latest and f.id = ",
    );
    qb.push_bind(row).push(" and ");
    push_feedback_visible(&mut qb, viewer, &FEEDBACK);
    type Row = (
        String,
        Tlp,
        i64,
        String,
        String,
        OrgId,
        String,
        String,
        Option<i64>,
        Option<i64>,
    );
    let Some((message, tlp, version, org, by, author_org, _, kind, alert, subject)): Option<Row> =
        qb.build_query_as().fetch_optional(db).await?
    else {
        return Ok(None);
    };
    let target = match (viewer.org_id == author_org, kind.as_str(), alert, subject) {
        (true, "alert", Some(alert), _) => Target::Alert(alert),
        (true, _, _, _) => Target::Dashboard,
        (false, _, _, Some(subject)) => Target::Intel(subject),
        (false, _, _, None) => return Ok(None),
    };
    Ok(Some(Hit {
        kind: Kind::Feedback,
        title: org.clone(),
        target,
        group: None,
        author: Some(HitAuthor::Named { name: by, org }),
        date: version.div_euclid(1_000_000),
        tlp: Some(tlp),
        snippet: snippet(snippets, &message),
    }))
}

/// An own incident, or an entry of its timeline, if the viewer may see the incident
/// ([`push_incident_visible`]); both open the incident's page.
async fn incident_hit(
    db: &Db,
    viewer: &Viewer,
    snippets: &SnippetGenerator,
    kind: Kind,
    row: i64,
) -> CoreResult<Option<Hit>> {
    const INCIDENTS: IncidentSql = IncidentSql::new("n", "incident_named");
    let mut qb = QueryBuilder::<Sqlite>::new(if kind == Kind::OwnIncident {
        "select n.id, n.title, n.summary, n.tlp, n.created_at, u.name, g.name \
         from incidents n join users u on u.id = n.registered_by \
         join organisations g on g.id = u.org_id where n.id = "
    } else {
        "select n.id, n.title, e.body, n.tlp, e.created_at, u.name, g.name \
         from incident_entries e join incidents n on n.id = e.incident_id \
         join users u on u.id = e.author_id join organisations g on g.id = u.org_id \
         where e.kind in ('event', 'comment') and e.id = "
    });
    qb.push_bind(row).push(" and ");
    push_incident_visible(&mut qb, viewer, &INCIDENTS);
    type Row = (i64, String, String, Tlp, i64, String, String);
    let Some((incident, title, text, tlp, at, name, org)): Option<Row> =
        qb.build_query_as().fetch_optional(db).await?
    else {
        return Ok(None);
    };
    Ok(Some(Hit {
        kind,
        title,
        target: Target::Incident(incident),
        group: None,
        author: Some(HitAuthor::Named { name, org }),
        date: at,
        tlp: Some(tlp),
        snippet: snippet(snippets, &text),
    }))
}

/// The best fragment of `text` for the query, split into plain and highlighted pieces;
/// the text's start when nothing in it matched (a hit by its title).
fn snippet(generator: &SnippetGenerator, text: &str) -> Vec<Fragment> {
    let found = generator.snippet(text);
    if found.is_empty() {
        let start: String = text.chars().take(SNIPPET_CHARS).collect();
        let start = start.split_whitespace().collect::<Vec<_>>().join(" ");
        return if start.is_empty() {
            Vec::new()
        } else {
            vec![Fragment {
                text: start,
                highlighted: false,
            }]
        };
    }
    let fragment = found.fragment();
    let mut pieces = Vec::new();
    let mut at = 0;
    for range in found.highlighted() {
        if range.start > at {
            pieces.push(Fragment {
                text: fragment[at..range.start].to_string(),
                highlighted: false,
            });
        }
        pieces.push(Fragment {
            text: fragment[range.clone()].to_string(),
            highlighted: true,
        });
        at = range.end;
    }
    if at < fragment.len() {
        pieces.push(Fragment {
            text: fragment[at..].to_string(),
            highlighted: false,
        });
    }
    pieces
}

//! The outbound feed (TAXII collection `feed`): what one reader's organisation may see,
//! page by page in `date_added` order, each object **re-issued for that reader**
//! (DESIGN §2, "what leaves the platform is cut to the reader"):
//!
//! - only rows the policy lets the reader see ([`push_stix_visible`]): never TLP:RED for
//!   a token, no other organisation's identity;
//! - every reference (`*_ref`, `*_refs`, at any depth) to an object the reader may not
//!   see is removed, so `where_sighted_refs` keeps only the reader's own identities and
//!   no other organisation's identity id or hidden sighting appears anywhere; markings
//!   are left as they are (they name no organisation);
//! - an object that loses a reference STIX requires (a relationship's ends, a
//!   sighting's `sighting_of_ref`, the `object_refs` of a report, note, opinion or
//!   grouping) is not served at all: a relationship pointing at a hidden object is
//!   dropped, never served broken;
//! - an object created by another organisation on the platform (its feedback) is not
//!   served;
//! - the TLP 2.0 marking definitions a reader's objects can carry are served first,
//!   as the standard objects (they are never stored, see [`super::markings`]).
//!
//! Paging is by `date_added`, which ingestion assigns strictly increasing under the
//! write lock ([`super::ingest`]): `next` is the `date_added` of the last row a page
//! looked at, so a reader never gets a row twice or misses one, also while rows
//! arrive. A row whose visibility widens later (a label set, a target linked) is given
//! a new `date_added` ([`super::ingest::readd`]) and so reaches readers past it.

use super::browse::{OBJECTS, org_kind};
use super::markings;
use super::object::{self, parse_timestamp};
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::ids::OrgId;
use crate::policy::{
    IdentityOf, OrgKind, Tlp, Viewer, ViewerKind, is_identity_shared, push_stix_visible,
};
use serde_json::Value;
use sqlx::{QueryBuilder, Sqlite};
use std::collections::HashSet;

/// Objects per page when the reader asks for no `limit`.
pub const DEFAULT_LIMIT: usize = 100;
/// Most objects per page; a larger `limit` is served as this many.
pub const MAX_LIMIT: usize = 1_000;
/// Rounds of reading a page takes at most to fill up after cuts dropped objects.
const FILL_ROUNDS: usize = 4;

/// The media type of every object the feed serves.
pub const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";

/// Which versions of an object to serve (`match[version]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionMatch {
    First,
    Last,
    All,
    /// Exactly this version (microseconds).
    At(i64),
}

/// One request to the feed; build it with [`Query::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Only rows added after this (microseconds).
    pub added_after: Option<i64>,
    pub limit: usize,
    /// Only rows after this position (a page's `next`).
    pub next: Option<i64>,
    /// `match[id]`; empty: any.
    pub ids: Vec<String>,
    /// `match[type]`; empty: any.
    pub types: Vec<String>,
    /// `match[version]`; never empty (the default is the last version).
    pub versions: Vec<VersionMatch>,
    /// `match[spec_version]`; empty: any.
    pub spec_versions: Vec<String>,
}

impl Default for Query {
    fn default() -> Self {
        Self {
            added_after: None,
            limit: DEFAULT_LIMIT,
            next: None,
            ids: Vec::new(),
            types: Vec::new(),
            versions: vec![VersionMatch::Last],
            spec_versions: Vec::new(),
        }
    }
}

/// Why a request's parameters were refused, for a TAXII 400 description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadQuery(pub String);

impl Query {
    /// Reads the URL query parameters of a TAXII request. A parameter may be repeated or
    /// hold a comma-separated list (`match[type]=indicator,sighting`). Unknown plain
    /// parameters are ignored, as TAXII allows; an unknown `match[…]` filter is
    /// refused, so that nobody takes an unfiltered answer for a filtered one.
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, BadQuery> {
        let mut q = Self::default();
        let mut versions = Vec::new();
        let bad = |s: String| Err(BadQuery(s));
        for (name, value) in pairs {
            let values = || value.split(',').map(str::trim);
            match name.as_str() {
                "added_after" => match parse_timestamp(value) {
                    Some(at) => q.added_after = Some(at),
                    None => {
                        return bad(format!(
                            "added_after must be a timestamp like 2026-11-27T10:00:00.000Z, not {value:?}."
                        ));
                    }
                },
                "limit" => match value.parse::<usize>() {
                    Ok(0) | Err(_) => {
                        return bad(format!(
                            "limit must be a whole number from 1 (pages hold at most {MAX_LIMIT}), not {value:?}."
                        ));
                    }
                    Ok(n) => q.limit = n.min(MAX_LIMIT),
                },
                "next" => match value.parse::<i64>() {
                    Ok(n) if n >= 0 => q.next = Some(n),
                    _ => {
                        return bad(
                            "next is not a page of this collection; start again without it.".into(),
                        );
                    }
                },
                "match[id]" => {
                    for id in values() {
                        if !object::is_identifier(id) {
                            return bad(format!("match[id]: {id:?} is not a STIX identifier."));
                        }
                        q.ids.push(id.to_string());
                    }
                }
                "match[type]" => {
                    for t in values() {
                        if !is_type_name(t) {
                            return bad(format!("match[type]: {t:?} is not a STIX type name."));
                        }
                        q.types.push(t.to_string());
                    }
                }
                "match[version]" => {
                    for v in values() {
                        versions.push(match v {
                            "first" => VersionMatch::First,
                            "last" => VersionMatch::Last,
                            "all" => VersionMatch::All,
                            _ => match parse_timestamp(v) {
                                Some(at) => VersionMatch::At(at),
                                None => {
                                    return bad(format!(
                                        "match[version] takes first, last, all or a timestamp, not {v:?}."
                                    ));
                                }
                            },
                        });
                    }
                }
                "match[spec_version]" => {
                    for v in values() {
                        if !matches!(v, "2.0" | "2.1") {
                            return bad(format!(
                                "match[spec_version] takes 2.0 or 2.1, not {v:?}."
                            ));
                        }
                        q.spec_versions.push(v.to_string());
                    }
                }
                other if other.starts_with("match[") => {
                    return bad(format!("The filter {other} is not supported here."));
                }
                _ => {}
            }
        }
        if !versions.is_empty() {
            q.versions = versions;
        }
        Ok(q)
    }
}

/// A STIX type name: lowercase letters, digits and hyphens, 3 to 250 characters.
fn is_type_name(t: &str) -> bool {
    (3..=250).contains(&t.len())
        && t.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// One served object version.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub stix_id: String,
    pub date_added_us: i64,
    pub version_us: i64,
    /// The object as re-issued for the reader.
    pub object: Value,
}

/// One page of the feed.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub records: Vec<Record>,
    /// More rows follow; ask again with `next`.
    pub more: bool,
    /// The `next` to ask with, when `more`.
    pub next: Option<String>,
}

/// One page of what `reader` may see, cut to it.
pub async fn page(db: &Db, reader: &Viewer, query: &Query) -> CoreResult<Page> {
    let kind = org_kind(db, reader.org_id).await?;
    let limit = query.limit.clamp(1, MAX_LIMIT);
    let mut after = query.added_after.max(query.next).unwrap_or(i64::MIN);
    let mut records = Vec::new();
    let mut more = false;

    let spec_ok = query.spec_versions.is_empty() || query.spec_versions.iter().any(|v| v == "2.1");
    if !spec_ok {
        return Ok(Page {
            records,
            more,
            next: None,
        });
    }
    for definition in tlp_definitions(reader) {
        if definition.date_added_us <= after || !query.admits(&definition) {
            continue;
        }
        if records.len() == limit {
            more = true;
            break;
        }
        after = definition.date_added_us;
        records.push(definition);
    }
    if !more {
        let mut rounds = 0;
        while records.len() < limit {
            rounds += 1;
            let want = limit - records.len();
            let rows = rows_after(db, reader, kind, query, after, want + 1).await?;
            let has_more = rows.len() > want;
            let rows: Vec<Row> = rows.into_iter().take(want).collect();
            if let Some(last) = rows.last() {
                after = last.date_added_us;
            }
            records.extend(cut(db, reader, kind, rows).await?);
            if !has_more {
                break;
            }
            if rounds == FILL_ROUNDS {
                more = true;
                break;
            }
        }
        if records.len() == limit && !more {
            more = !rows_after(db, reader, kind, query, after, 1)
                .await?
                .is_empty();
        }
    }
    Ok(Page {
        records,
        more,
        next: more.then(|| after.to_string()),
    })
}

impl Query {
    /// The filters, applied to a record that does not come from the table.
    fn admits(&self, r: &Record) -> bool {
        let t = r.stix_id.split("--").next().unwrap_or_default();
        (self.ids.is_empty() || self.ids.contains(&r.stix_id))
            && (self.types.is_empty() || self.types.iter().any(|x| x == t))
            && self.versions.iter().any(|v| match v {
                VersionMatch::First | VersionMatch::Last | VersionMatch::All => true,
                VersionMatch::At(at) => *at == r.version_us,
            })
    }
}

/// A stored row as the page query reads it.
struct Row {
    stix_id: String,
    date_added_us: i64,
    version_us: i64,
    content: String,
}

/// Up to `n` rows the reader may see, added after `after`, matching the filters.
async fn rows_after(
    db: &Db,
    reader: &Viewer,
    kind: OrgKind,
    query: &Query,
    after: i64,
    n: usize,
) -> CoreResult<Vec<Row>> {
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select o.stix_id, o.date_added_us, o.version_us, o.content from stix_objects o \
         where o.date_added_us > ",
    );
    qb.push_bind(after);
    push_matches(&mut qb, query, "o", "stix_objects", "o.type");
    qb.push(" and ");
    push_stix_visible(&mut qb, reader, kind, &OBJECTS);
    qb.push(" order by o.date_added_us limit ")
        .push_bind(i64::try_from(n).unwrap_or(i64::MAX));
    let rows: Vec<(String, i64, i64, String)> = qb.build_query_as().fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(|(stix_id, date_added_us, version_us, content)| Row {
            stix_id,
            date_added_us,
            version_us,
            content,
        })
        .collect())
}

/// ANDs the `match[…]` filters of `query` onto `qb`, over rows `alias` of `table` (which
/// has `stix_id`, `version_us` and `is_latest`); `type_expr` is the SQL of a row's STIX
/// type.
pub(super) fn push_matches(
    qb: &mut QueryBuilder<'_, Sqlite>,
    query: &Query,
    alias: &str,
    table: &str,
    type_expr: &str,
) {
    if !query.ids.is_empty() {
        qb.push(format!(
            " and {alias}.stix_id in (select value from json_each("
        ))
        .push_bind(json_list(&query.ids))
        .push("))");
    }
    if !query.types.is_empty() {
        qb.push(format!(" and {type_expr} in (select value from json_each("))
            .push_bind(json_list(&query.types))
            .push("))");
    }
    qb.push(" and (");
    for (i, v) in query.versions.iter().enumerate() {
        if i > 0 {
            qb.push(" or ");
        }
        match v {
            VersionMatch::Last => {
                qb.push(format!("{alias}.is_latest"));
            }
            VersionMatch::All => {
                qb.push("1");
            }
            VersionMatch::First => {
                qb.push(format!(
                    "{alias}.version_us = (select min(v.version_us) from {table} v \
                     where v.stix_id = {alias}.stix_id)"
                ));
            }
            VersionMatch::At(at) => {
                qb.push(format!("{alias}.version_us = ")).push_bind(*at);
            }
        }
    }
    qb.push(")");
}

pub(super) fn json_list<T: serde::Serialize + ?Sized>(items: &T) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

/// References whose loss makes an object invalid STIX: (type, property).
const REQUIRED_REFS: [(&str, &str); 8] = [
    ("relationship", "source_ref"),
    ("relationship", "target_ref"),
    ("sighting", "sighting_of_ref"),
    ("report", "object_refs"),
    ("note", "object_refs"),
    ("opinion", "object_refs"),
    ("grouping", "object_refs"),
    ("observed-data", "object_refs"),
];

/// Reference properties left as they are: they point at marking definitions.
fn is_marking_property(name: &str) -> bool {
    name == "object_marking_refs" || name == "marking_ref"
}

fn is_ref_property(name: &str) -> bool {
    name.ends_with("_ref") || name.ends_with("_refs")
}

/// Every STIX id `value` refers to (outside marking properties), at any depth.
fn collect_refs(value: &Value, into: &mut HashSet<String>) {
    match value {
        Value::Object(map) => {
            for (name, v) in map {
                if is_marking_property(name) {
                    continue;
                }
                if is_ref_property(name) {
                    match v {
                        Value::String(s) => {
                            into.insert(s.clone());
                        }
                        Value::Array(items) => {
                            into.extend(items.iter().filter_map(Value::as_str).map(String::from));
                        }
                        _ => {}
                    }
                } else {
                    collect_refs(v, into);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, into)),
        _ => {}
    }
}

/// Removes every reference outside `keep` (outside marking properties), at any depth:
/// from lists, and single references with their property; an emptied list goes too.
fn remove_refs(value: &mut Value, keep: &HashSet<String>) {
    match value {
        Value::Object(map) => {
            map.retain(|name, v| {
                if is_marking_property(name) {
                    return true;
                }
                if !is_ref_property(name) {
                    remove_refs(v, keep);
                    return true;
                }
                match v {
                    Value::String(s) => keep.contains(s.as_str()),
                    Value::Array(items) => {
                        items.retain(|i| i.as_str().is_some_and(|s| keep.contains(s)));
                        !items.is_empty()
                    }
                    _ => true,
                }
            });
        }
        Value::Array(items) => items.iter_mut().for_each(|v| remove_refs(v, keep)),
        _ => {}
    }
}

/// Re-issues `rows` for `reader` (see the module documentation); drops the ones that
/// cannot be served.
async fn cut(db: &Db, reader: &Viewer, kind: OrgKind, rows: Vec<Row>) -> CoreResult<Vec<Record>> {
    let mut objects = Vec::with_capacity(rows.len());
    let mut refs = HashSet::new();
    for row in rows {
        let object: Value = serde_json::from_str(&row.content)
            .map_err(|e| CoreError::Internal(format!("stored STIX {}: {e}", row.stix_id)))?;
        collect_refs(&object, &mut refs);
        objects.push((row, object));
    }
    let mut keep = visible_among(db, reader, kind, &refs).await?;
    // Identities the platform links to an organisation, received or not: the reader's
    // own and the centres' may be named; what another organisation created is its
    // feedback, which this reader does not receive.
    let mut foreign = HashSet::new();
    for (id, of) in linked_identities(db, &refs).await? {
        if is_identity_shared(reader, of) {
            keep.insert(id);
        } else {
            foreign.insert(id);
        }
    }
    let mut records = Vec::with_capacity(objects.len());
    for (row, mut object) in objects {
        let creator = object.get("created_by_ref").and_then(Value::as_str);
        if creator.is_some_and(|c| foreign.contains(c)) {
            continue;
        }
        remove_refs(&mut object, &keep);
        let stix_type = object
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let broken = REQUIRED_REFS
            .iter()
            .any(|(t, property)| *t == stix_type && object.get(*property).is_none());
        if broken {
            continue;
        }
        records.push(Record {
            stix_id: row.stix_id,
            date_added_us: row.date_added_us,
            version_us: row.version_us,
            object,
        });
    }
    Ok(records)
}

/// The stored objects among `refs` that `reader` may see, through the policy.
async fn visible_among(
    db: &Db,
    reader: &Viewer,
    kind: OrgKind,
    refs: &HashSet<String>,
) -> CoreResult<HashSet<String>> {
    if refs.is_empty() {
        return Ok(HashSet::new());
    }
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select o.stix_id from stix_objects o where o.is_latest \
         and o.stix_id in (select value from json_each(",
    );
    qb.push_bind(json_list(refs)).push(")) and ");
    push_stix_visible(&mut qb, reader, kind, &OBJECTS);
    Ok(qb
        .build_query_scalar::<String>()
        .fetch_all(db)
        .await?
        .into_iter()
        .collect())
}

/// The identities among `refs` linked to an organisation (by `stix_identities` or by
/// the organisation's own `stix_identity_id`), whether or not the identity object was
/// ever received.
async fn linked_identities(
    db: &Db,
    refs: &HashSet<String>,
) -> CoreResult<Vec<(String, IdentityOf)>> {
    let identities: Vec<&String> = refs
        .iter()
        .filter(|r| r.starts_with("identity--"))
        .collect();
    if identities.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(String, OrgId, String)> = sqlx::query_as(
        "select i.stix_id, g.id, g.kind from stix_identities i \
         join organisations g on g.id = i.org_id \
         where i.stix_id in (select value from json_each($1)) \
         union select g.stix_identity_id, g.id, g.kind from organisations g \
         where g.stix_identity_id in (select value from json_each($1))",
    )
    .bind(json_list(&identities))
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, org, kind)| {
            let analysis_centre = kind == OrgKind::AnalysisCentre.as_str();
            (
                id,
                IdentityOf {
                    org,
                    analysis_centre,
                },
            )
        })
        .collect())
}

/// The TLP 2.0 marking definitions a reader's objects can carry (RED only for people:
/// tokens never see it), as records placed before every stored row: one microsecond
/// apart from their `created` time, so that paging can tell them apart.
fn tlp_definitions(reader: &Viewer) -> Vec<Record> {
    let created = parse_timestamp(markings::TLP2_CREATED).unwrap_or_default();
    Tlp::ALL
        .into_iter()
        .filter(|tlp| *tlp != Tlp::Red || reader.kind == ViewerKind::User)
        .zip(0..)
        .map(|(tlp, n)| Record {
            stix_id: markings::tlp2_id(tlp).to_string(),
            date_added_us: created + n,
            version_us: created,
            object: markings::tlp2_definition(tlp),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_limit_of_zero_or_not_a_number_is_refused_and_a_huge_one_is_capped() {
        assert!(Query::parse(&pairs(&[("limit", "0")])).is_err());
        assert!(Query::parse(&pairs(&[("limit", "-3")])).is_err());
        assert!(Query::parse(&pairs(&[("limit", "ten")])).is_err());
        let q = Query::parse(&pairs(&[("limit", "1000000")])).unwrap();
        assert_eq!(q.limit, MAX_LIMIT);
    }

    #[test]
    fn malformed_timestamps_next_and_filters_are_refused() {
        for bad in [
            ("added_after", "yesterday"),
            ("added_after", "2026-11-27"),
            ("next", "abc"),
            ("next", "-1"),
            ("match[id]", "indicator--not-a-uuid"),
            ("match[type]", "Indicator"),
            ("match[type]", "x"),
            ("match[version]", "newest"),
            ("match[spec_version]", "3.0"),
            ("match[color]", "red"),
        ] {
            assert!(Query::parse(&pairs(&[bad])).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn filters_take_lists_and_repeats_and_version_defaults_to_last() {
        let q = Query::parse(&pairs(&[
            ("match[type]", "indicator,sighting"),
            ("match[type]", "report"),
            ("added_after", "2026-11-27T10:00:00.000Z"),
            ("unknown", "ignored"),
        ]))
        .unwrap();
        assert_eq!(q.types, vec!["indicator", "sighting", "report"]);
        assert_eq!(q.versions, vec![VersionMatch::Last]);
        assert!(q.added_after.is_some());
        let q = Query::parse(&pairs(&[("match[version]", "first,2026-11-01T10:00:00Z")])).unwrap();
        assert_eq!(q.versions.len(), 2);
    }

    #[test]
    fn references_to_hidden_objects_are_removed_at_any_depth_but_markings_stay() {
        let mut object = json!({
            "type": "sighting",
            "id": "sighting--1",
            "created_by_ref": "identity--centre",
            "sighting_of_ref": "indicator--1",
            "where_sighted_refs": ["identity--aarhus", "identity--odense"],
            "object_marking_refs": ["marking-definition--x"],
            "extensions": {"x": {"observer_ref": "identity--odense", "note": "kept"}}
        });
        let mut refs = HashSet::new();
        collect_refs(&object, &mut refs);
        assert!(refs.contains("identity--odense") && !refs.contains("marking-definition--x"));
        let keep: HashSet<String> = ["identity--centre", "indicator--1", "identity--aarhus"]
            .into_iter()
            .map(String::from)
            .collect();
        remove_refs(&mut object, &keep);
        assert_eq!(object["where_sighted_refs"], json!(["identity--aarhus"]));
        assert_eq!(
            object["object_marking_refs"],
            json!(["marking-definition--x"])
        );
        assert_eq!(object["extensions"]["x"], json!({"note": "kept"}));
        assert!(!object.to_string().contains("odense"));

        let mut only_others = json!({"where_sighted_refs": ["identity--odense"]});
        remove_refs(&mut only_others, &keep);
        assert_eq!(only_others, json!({}));
    }
}

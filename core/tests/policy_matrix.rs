//! The policy's three forms agree: for every viewer of the matrix (platform role × group
//! role or none × organisation × recipient or not × token), over the whole matrix of
//! group content and intel items in a temporary SQLite database,
//!
//! - the SQL conditions of `vaern_core::policy` return exactly the item ids its Rust
//!   predicates allow;
//! - the search index's terms (the principals an item is indexed with against those a
//!   viewer's query is filtered by, `viewer_terms` and `terms_admit`) admit exactly the
//!   same ids, also for STIX dependents seen only where one of their anchors is, and for
//!   nobody in an archived group;
//! - feedback (its own class) has its predicate, its SQL condition and, for people, its
//!   index terms agree on every author organisation × centre × label; and the index admits
//!   a comment on an alert exactly to the people who work the alert or read it as the
//!   publishing centre's analysts, where they may see the sighting;
//! - own incidents (their own class) have their predicate, SQL condition and index terms
//!   agree on every organisation × label × shared or not × named people, for every viewer
//!   also as an organisation admin.

use sqlx::{Connection, QueryBuilder, Sqlite, SqliteConnection};
use std::collections::{BTreeMap, BTreeSet};
use vaern_core::ids::{GroupId, OrgId, UserId};
use vaern_core::policy::{
    FREE, GroupContentSql, GroupItem, GroupRole, IntelItem, IntelSql, OrgKind, PlatformRole,
    StixClass, Tlp, Viewer, can_see_group_item, can_see_intel_item, can_see_response_status,
    can_see_stix_object, group_item_terms, intel_item_terms, push_group_content_visible,
    push_intel_visible, push_response_visible, terms_admit, viewer_terms,
};
use vaern_core::policy::{
    FeedbackItem, FeedbackSql, ViewerKind, alert_work_terms, can_read_alert_work, can_see_feedback,
    can_work_alert, feedback_terms, push_feedback_visible,
};
use vaern_core::policy::{
    IncidentItem, IncidentSql, can_see_incident, incident_terms, push_incident_visible,
};

const CONTENT: GroupContentSql =
    GroupContentSql::new("c", "content_recipient_orgs", "content_recipient_users");
const INTEL: IntelSql = IntelSql::new("i", "intel_targets", "intel_recipients");

/// The columns and side tables documented on `GroupContentSql` and `IntelSql`.
const SCHEMA: &str = "
create table group_content (
    id integer primary key,
    group_id integer not null,
    tlp text not null,
    author_id integer not null
);
create table content_recipient_orgs (
    item_id integer not null references group_content (id),
    org_id integer not null,
    primary key (item_id, org_id)
);
create table content_recipient_users (
    item_id integer not null references group_content (id),
    user_id integer not null,
    primary key (item_id, user_id)
);
create table intel (
    id integer primary key,
    tlp text,
    publisher_org_id integer not null,
    has_unlinked_targets integer not null check (has_unlinked_targets in (0, 1))
);
create table intel_targets (
    item_id integer not null references intel (id),
    org_id integer not null,
    primary key (item_id, org_id)
);
create table intel_recipients (
    item_id integer not null references intel (id),
    user_id integer not null,
    primary key (item_id, user_id)
);
";

const AARHUS: OrgId = OrgId(1);
const ODENSE: OrgId = OrgId(2);
const REGION: OrgId = OrgId(3);
const CENTRE: OrgId = OrgId(4);
const ORGS: [(OrgId, OrgKind); 4] = [
    (AARHUS, OrgKind::Municipality),
    (ODENSE, OrgKind::Municipality),
    (REGION, OrgKind::Region),
    (CENTRE, OrgKind::AnalysisCentre),
];

const G1: GroupId = GroupId(1);
const G2: GroupId = GroupId(2);
/// A group none of the viewers belongs to.
const G3: GroupId = GroupId(3);

/// Each organisation has three people: one who writes, one who is named as a recipient,
/// and one who is neither.
fn author(org: OrgId) -> UserId {
    UserId(org.0 * 10 + 1)
}
fn recipient(org: OrgId) -> UserId {
    UserId(org.0 * 10 + 2)
}
fn plain(org: OrgId) -> UserId {
    UserId(org.0 * 10 + 3)
}

fn org_kind(org: OrgId) -> OrgKind {
    ORGS.iter()
        .find(|(id, _)| *id == org)
        .map(|(_, kind)| *kind)
        .unwrap()
}

struct GroupRow {
    id: i64,
    group_id: GroupId,
    tlp: Tlp,
    author_id: UserId,
    recipient_orgs: Vec<OrgId>,
    recipient_users: Vec<UserId>,
}

impl GroupRow {
    fn item(&self) -> GroupItem<'_> {
        GroupItem {
            group_id: self.group_id,
            tlp: self.tlp,
            author_id: self.author_id,
            recipient_orgs: &self.recipient_orgs,
            recipient_users: &self.recipient_users,
        }
    }
}

struct IntelRow {
    id: i64,
    tlp: Option<Tlp>,
    publisher_org_id: OrgId,
    has_unlinked_targets: bool,
    targets: Vec<OrgId>,
    recipient_users: Vec<UserId>,
}

impl IntelRow {
    fn item(&self) -> IntelItem<'_> {
        IntelItem {
            tlp: self.tlp,
            publisher_org_id: self.publisher_org_id,
            targets: &self.targets,
            has_unlinked_targets: self.has_unlinked_targets,
            recipient_users: &self.recipient_users,
        }
    }
}

/// Every label × three groups × authors in two organisations × four sets of recipient
/// organisations × three sets of recipient users. Recipients are stored for every label,
/// so that a stray side-table row cannot widen a label that ignores it.
async fn insert_group_content(conn: &mut SqliteConnection) {
    let org_sets: [&[OrgId]; 4] = [&[], &[AARHUS], &[ODENSE, REGION], &[CENTRE]];
    let user_sets: [&[UserId]; 3] = [
        &[],
        &[recipient(AARHUS)],
        &[recipient(ODENSE), recipient(CENTRE)],
    ];
    let mut tx = conn.begin().await.unwrap();
    for group in [G1, G2, G3] {
        for tlp in Tlp::ALL {
            for writer in [author(AARHUS), author(REGION)] {
                for orgs in org_sets {
                    for users in user_sets {
                        let id: i64 = sqlx::query_scalar(
                            "insert into group_content (group_id, tlp, author_id) \
                             values ($1, $2, $3) returning id",
                        )
                        .bind(group)
                        .bind(tlp)
                        .bind(writer)
                        .fetch_one(&mut *tx)
                        .await
                        .unwrap();
                        for org in orgs {
                            sqlx::query(
                                "insert into content_recipient_orgs (item_id, org_id) values ($1, $2)",
                            )
                            .bind(id)
                            .bind(org)
                            .execute(&mut *tx)
                            .await
                            .unwrap();
                        }
                        for user in users {
                            sqlx::query(
                                "insert into content_recipient_users (item_id, user_id) values ($1, $2)",
                            )
                            .bind(id)
                            .bind(user)
                            .execute(&mut *tx)
                            .await
                            .unwrap();
                        }
                    }
                }
            }
        }
    }
    tx.commit().await.unwrap();
}

/// Unmarked and every label × two publishers × targets none / one / two × linked or not
/// × three sets of RED recipients (stored for every label, as above).
async fn insert_intel(conn: &mut SqliteConnection) {
    let target_sets: [&[OrgId]; 3] = [&[], &[AARHUS], &[ODENSE, REGION]];
    let user_sets: [&[UserId]; 3] = [
        &[],
        &[recipient(AARHUS)],
        &[recipient(ODENSE), recipient(CENTRE)],
    ];
    let labels = std::iter::once(None).chain(Tlp::ALL.into_iter().map(Some));
    let mut tx = conn.begin().await.unwrap();
    for tlp in labels {
        for publisher in [CENTRE, REGION] {
            for targets in target_sets {
                for unlinked in [false, true] {
                    for users in user_sets {
                        let id: i64 = sqlx::query_scalar(
                            "insert into intel (tlp, publisher_org_id, has_unlinked_targets) \
                             values ($1, $2, $3) returning id",
                        )
                        .bind(tlp)
                        .bind(publisher)
                        .bind(unlinked)
                        .fetch_one(&mut *tx)
                        .await
                        .unwrap();
                        for org in targets {
                            sqlx::query(
                                "insert into intel_targets (item_id, org_id) values ($1, $2)",
                            )
                            .bind(id)
                            .bind(org)
                            .execute(&mut *tx)
                            .await
                            .unwrap();
                        }
                        for user in users {
                            sqlx::query(
                                "insert into intel_recipients (item_id, user_id) values ($1, $2)",
                            )
                            .bind(id)
                            .bind(user)
                            .execute(&mut *tx)
                            .await
                            .unwrap();
                        }
                    }
                }
            }
        }
    }
    tx.commit().await.unwrap();
}

/// Reads the items back through sqlx, so that `Tlp`'s decoding is part of the proof.
async fn load_group_content(conn: &mut SqliteConnection) -> Vec<GroupRow> {
    let orgs: Vec<(i64, OrgId)> =
        sqlx::query_as("select item_id, org_id from content_recipient_orgs")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    let users: Vec<(i64, UserId)> =
        sqlx::query_as("select item_id, user_id from content_recipient_users")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    let orgs = group_by_item(orgs);
    let users = group_by_item(users);
    let rows: Vec<(i64, GroupId, Tlp, UserId)> =
        sqlx::query_as("select id, group_id, tlp, author_id from group_content order by id")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    rows.into_iter()
        .map(|(id, group_id, tlp, author_id)| GroupRow {
            id,
            group_id,
            tlp,
            author_id,
            recipient_orgs: orgs.get(&id).cloned().unwrap_or_default(),
            recipient_users: users.get(&id).cloned().unwrap_or_default(),
        })
        .collect()
}

async fn load_intel(conn: &mut SqliteConnection) -> Vec<IntelRow> {
    let targets: Vec<(i64, OrgId)> = sqlx::query_as("select item_id, org_id from intel_targets")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    let users: Vec<(i64, UserId)> = sqlx::query_as("select item_id, user_id from intel_recipients")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    let targets = group_by_item(targets);
    let users = group_by_item(users);
    let rows: Vec<(i64, Option<Tlp>, OrgId, bool)> = sqlx::query_as(
        "select id, tlp, publisher_org_id, has_unlinked_targets from intel order by id",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    rows.into_iter()
        .map(
            |(id, tlp, publisher_org_id, has_unlinked_targets)| IntelRow {
                id,
                tlp,
                publisher_org_id,
                has_unlinked_targets,
                targets: targets.get(&id).cloned().unwrap_or_default(),
                recipient_users: users.get(&id).cloned().unwrap_or_default(),
            },
        )
        .collect()
}

fn group_by_item<T>(pairs: Vec<(i64, T)>) -> BTreeMap<i64, Vec<T>> {
    let mut map: BTreeMap<i64, Vec<T>> = BTreeMap::new();
    for (item, value) in pairs {
        map.entry(item).or_default().push(value);
    }
    map
}

/// Every person in every platform role with every kind of membership, and a token per
/// organisation.
fn viewers() -> Vec<Viewer> {
    let memberships: Vec<Vec<(GroupId, GroupRole)>> = std::iter::once(vec![])
        .chain(GroupRole::ALL.into_iter().map(|role| vec![(G1, role)]))
        .chain(std::iter::once(vec![
            (G1, GroupRole::Member),
            (G2, GroupRole::Reader),
        ]))
        .collect();
    let mut viewers = Vec::new();
    for (org, _) in ORGS {
        for person in [author(org), recipient(org), plain(org)] {
            for role in PlatformRole::ALL {
                for groups in &memberships {
                    viewers.push(Viewer::user(person, org, role, false, groups.clone()));
                }
            }
        }
        viewers.push(Viewer::api_token(org));
    }
    viewers
}

/// The ids the SQL condition admits, optionally after another condition (`c.id > $n`),
/// so that a condition that does not bind as one expression shows up.
async fn group_content_sql(
    conn: &mut SqliteConnection,
    viewer: &Viewer,
    above: Option<i64>,
) -> BTreeSet<i64> {
    let mut qb = QueryBuilder::<Sqlite>::new("select c.id from group_content c where ");
    if let Some(min) = above {
        qb.push("c.id > ").push_bind(min).push(" and ");
    }
    push_group_content_visible(&mut qb, viewer, &CONTENT);
    qb.push(" order by c.id");
    qb.build_query_scalar::<i64>()
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

/// The intel whose responses the acknowledgement view's SQL shows `viewer`.
async fn response_sql(conn: &mut SqliteConnection, viewer: &Viewer) -> BTreeSet<i64> {
    let mut qb = QueryBuilder::<Sqlite>::new("select i.id from intel i where i.id > 0 and ");
    push_response_visible(&mut qb, viewer, org_kind(viewer.org_id), &INTEL);
    qb.push(" order by i.id");
    qb.build_query_scalar::<i64>()
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

async fn intel_sql(
    conn: &mut SqliteConnection,
    viewer: &Viewer,
    above: Option<i64>,
) -> BTreeSet<i64> {
    let mut qb = QueryBuilder::<Sqlite>::new("select i.id from intel i where ");
    if let Some(min) = above {
        qb.push("i.id > ").push_bind(min).push(" and ");
    }
    push_intel_visible(&mut qb, viewer, org_kind(viewer.org_id), &INTEL);
    qb.push(" order by i.id");
    qb.build_query_scalar::<i64>()
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

fn describe_differences(rust: &BTreeSet<i64>, sql: &BTreeSet<i64>) -> String {
    let only_rust: Vec<_> = rust.difference(sql).collect();
    let only_sql: Vec<_> = sql.difference(rust).collect();
    format!("allowed by Rust only: {only_rust:?}; returned by SQL only: {only_sql:?}")
}

/// The anchor terms of an item seen on its own: the one every viewer holds.
fn free() -> Vec<String> {
    vec![FREE.to_string()]
}

/// The group content ids the search index admits for a viewer holding `held`.
fn group_content_index(held: &[String], content: &[GroupRow]) -> BTreeSet<i64> {
    content
        .iter()
        .filter(|row| terms_admit(held, &group_item_terms(&row.item()), &free()))
        .map(|row| row.id)
        .collect()
}

/// The intel ids the search index admits for a viewer holding `held`.
fn intel_index(held: &[String], intel: &[IntelRow]) -> BTreeSet<i64> {
    intel
        .iter()
        .filter(|row| terms_admit(held, &intel_item_terms(&row.item()), &free()))
        .map(|row| row.id)
        .collect()
}

/// Where the index terms and the predicate disagree, with the first few items in
/// question and the terms on both sides, so that the broken rule can be read off.
fn describe_index_differences(
    rust: &BTreeSet<i64>,
    index: &BTreeSet<i64>,
    held: &[String],
    item: impl Fn(i64) -> (String, Vec<String>),
) -> String {
    let only_rust: Vec<_> = rust.difference(index).collect();
    let only_index: Vec<_> = index.difference(rust).collect();
    let examples: String = only_rust
        .iter()
        .chain(&only_index)
        .take(3)
        .map(|id| {
            let (described, terms) = item(**id);
            format!("\n  item {id}: {described}, indexed with {terms:?}")
        })
        .collect();
    format!(
        "allowed by Rust only: {only_rust:?}; admitted by the index terms only: {only_index:?}; \
         the viewer holds {held:?}{examples}"
    )
}

fn describe_content(content: &[GroupRow]) -> impl Fn(i64) -> (String, Vec<String>) + '_ {
    move |id| {
        let row = content.iter().find(|row| row.id == id).unwrap();
        (format!("{:?}", row.item()), group_item_terms(&row.item()))
    }
}

fn describe_intel(intel: &[IntelRow]) -> impl Fn(i64) -> (String, Vec<String>) + '_ {
    move |id| {
        let row = intel.iter().find(|row| row.id == id).unwrap();
        (format!("{:?}", row.item()), intel_item_terms(&row.item()))
    }
}

async fn matrix_db() -> (SqliteConnection, Vec<GroupRow>, Vec<IntelRow>) {
    let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
    sqlx::raw_sql(SCHEMA).execute(&mut conn).await.unwrap();
    insert_group_content(&mut conn).await;
    insert_intel(&mut conn).await;
    let content = load_group_content(&mut conn).await;
    let intel = load_intel(&mut conn).await;
    (conn, content, intel)
}

#[tokio::test]
async fn sql_conditions_return_exactly_what_the_predicates_allow_for_every_viewer() {
    let (mut conn, content, intel) = matrix_db().await;
    assert_eq!(content.len(), 3 * 5 * 2 * 4 * 3);
    assert_eq!(intel.len(), 6 * 2 * 3 * 2 * 3);
    let content_middle = content[content.len() / 2].id;
    let intel_middle = intel[intel.len() / 2].id;

    let viewers = viewers();
    assert_eq!(viewers.len(), 4 * 3 * 4 * 6 + 4);
    let mut content_views = BTreeSet::new();
    let mut intel_views = BTreeSet::new();
    let mut response_views = BTreeSet::new();
    for viewer in &viewers {
        let kind = org_kind(viewer.org_id);

        let rust: BTreeSet<i64> = content
            .iter()
            .filter(|row| can_see_group_item(viewer, &row.item()))
            .map(|row| row.id)
            .collect();
        let sql = group_content_sql(&mut conn, viewer, None).await;
        assert!(
            rust == sql,
            "group content, {viewer:?}: {}",
            describe_differences(&rust, &sql)
        );
        let rust_above: BTreeSet<i64> = rust
            .iter()
            .copied()
            .filter(|id| *id > content_middle)
            .collect();
        let sql_above = group_content_sql(&mut conn, viewer, Some(content_middle)).await;
        assert!(
            rust_above == sql_above,
            "group content after `and`, {viewer:?}: {}",
            describe_differences(&rust_above, &sql_above)
        );
        content_views.insert(rust.into_iter().collect::<Vec<_>>());

        let rust: BTreeSet<i64> = intel
            .iter()
            .filter(|row| can_see_intel_item(viewer, kind, &row.item()))
            .map(|row| row.id)
            .collect();
        let sql = intel_sql(&mut conn, viewer, None).await;
        assert!(
            rust == sql,
            "intel, {viewer:?} ({kind:?}): {}",
            describe_differences(&rust, &sql)
        );
        let rust_above: BTreeSet<i64> = rust
            .iter()
            .copied()
            .filter(|id| *id > intel_middle)
            .collect();
        let sql_above = intel_sql(&mut conn, viewer, Some(intel_middle)).await;
        assert!(
            rust_above == sql_above,
            "intel after `and`, {viewer:?}: {}",
            describe_differences(&rust_above, &sql_above)
        );
        intel_views.insert(rust.into_iter().collect::<Vec<_>>());

        let rust: BTreeSet<i64> = intel
            .iter()
            .filter(|row| can_see_response_status(viewer, kind, &row.item()))
            .map(|row| row.id)
            .collect();
        let sql = response_sql(&mut conn, viewer).await;
        assert!(
            rust == sql,
            "response status, {viewer:?} ({kind:?}): {}",
            describe_differences(&rust, &sql)
        );
        response_views.insert(rust.into_iter().collect::<Vec<_>>());
    }
    // Analysts each see what they may see; coordinators the same for every one of them;
    // members and tokens nothing.
    assert!(
        response_views.len() >= 3,
        "only {} distinct response views",
        response_views.len()
    );
    assert!(
        response_views.contains(&Vec::new()),
        "someone sees no responses"
    );

    // The matrix tells viewers apart: an all-or-nothing policy would give two views.
    assert!(
        content_views.len() >= 10,
        "only {} distinct group content views",
        content_views.len()
    );
    assert!(
        intel_views.len() >= 10,
        "only {} distinct intel views",
        intel_views.len()
    );
    assert!(
        !content_views.iter().any(|ids| ids.len() == content.len()),
        "someone sees all group content"
    );
}

#[tokio::test]
async fn index_terms_admit_exactly_what_the_predicates_and_the_sql_allow_for_every_viewer() {
    let (mut conn, content, intel) = matrix_db().await;
    for viewer in &viewers() {
        let kind = org_kind(viewer.org_id);
        let held = viewer_terms(viewer, kind, |_| true);

        let rust: BTreeSet<i64> = content
            .iter()
            .filter(|row| can_see_group_item(viewer, &row.item()))
            .map(|row| row.id)
            .collect();
        let sql = group_content_sql(&mut conn, viewer, None).await;
        let index = group_content_index(&held, &content);
        assert!(
            rust == sql,
            "group content, {viewer:?}: {}",
            describe_differences(&rust, &sql)
        );
        assert!(
            rust == index,
            "group content in the index, {viewer:?}: {}",
            describe_index_differences(&rust, &index, &held, describe_content(&content))
        );

        let rust: BTreeSet<i64> = intel
            .iter()
            .filter(|row| can_see_intel_item(viewer, kind, &row.item()))
            .map(|row| row.id)
            .collect();
        let sql = intel_sql(&mut conn, viewer, None).await;
        let index = intel_index(&held, &intel);
        assert!(
            rust == sql,
            "intel, {viewer:?} ({kind:?}): {}",
            describe_differences(&rust, &sql)
        );
        assert!(
            rust == index,
            "intel in the index, {viewer:?} ({kind:?}): {}",
            describe_index_differences(&rust, &index, &held, describe_intel(&intel))
        );
    }
}

#[tokio::test]
async fn the_index_admits_no_content_of_an_archived_group_and_the_rest_as_before() {
    let (_, content, intel) = matrix_db().await;
    let mut members_of_g1 = 0;
    for viewer in &viewers() {
        let kind = org_kind(viewer.org_id);
        let open = viewer_terms(viewer, kind, |_| true);
        let all_archived = viewer_terms(viewer, kind, |_| false);
        let g1_archived = viewer_terms(viewer, kind, |group| group != G1);

        let none = group_content_index(&all_archived, &content);
        assert!(
            none.is_empty(),
            "group content with every group archived, {viewer:?}: admitted {none:?}; \
             the viewer holds {all_archived:?}"
        );

        let rust: BTreeSet<i64> = content
            .iter()
            .filter(|row| row.group_id != G1 && can_see_group_item(viewer, &row.item()))
            .map(|row| row.id)
            .collect();
        let index = group_content_index(&g1_archived, &content);
        assert!(
            rust == index,
            "group content with G1 archived, {viewer:?}: {}",
            describe_index_differences(&rust, &index, &g1_archived, describe_content(&content))
        );
        if group_content_index(&open, &content) != index {
            members_of_g1 += 1;
        }

        // Intel belongs to no group: archiving one changes nothing there.
        assert_eq!(
            intel_index(&all_archived, &intel),
            intel_index(&open, &intel),
            "intel with every group archived, {viewer:?}"
        );
    }
    assert!(members_of_g1 > 0, "archiving G1 hid nothing from anyone");
}

/// One intel row of the matrix for each audience (who may see it, over every viewer) and
/// each set of index terms: the predicate depends on an anchor only through its
/// audience, the index only through its terms, so pairs of these stand for every pair.
fn one_of_each_audience_and_terms<'a>(
    intel: &'a [IntelRow],
    viewers: &[Viewer],
) -> Vec<&'a IntelRow> {
    let mut audiences = BTreeSet::new();
    let mut term_sets = BTreeSet::new();
    intel
        .iter()
        .filter(|row| {
            let audience: Vec<bool> = viewers
                .iter()
                .map(|v| can_see_intel_item(v, org_kind(v.org_id), &row.item()))
                .collect();
            let terms: BTreeSet<String> = intel_item_terms(&row.item()).into_iter().collect();
            // Both inserts must run: no short-circuit.
            audiences.insert(audience) | term_sets.insert(terms)
        })
        .collect()
}

#[tokio::test]
async fn a_dependent_is_admitted_by_the_index_exactly_where_its_label_and_an_anchor_admit_it() {
    let (_, _, intel) = matrix_db().await;
    let viewers = viewers();
    let kinds = one_of_each_audience_and_terms(&intel, &viewers);
    assert!(kinds.len() >= 10, "only {} kinds of intel", kinds.len());

    // No anchor, each row alone, and every pair of the rows standing for the others.
    let mut anchor_sets: Vec<Vec<&IntelRow>> = vec![Vec::new()];
    anchor_sets.extend(intel.iter().map(|row| vec![row]));
    for (i, first) in kinds.iter().enumerate() {
        for second in &kinds[i + 1..] {
            anchor_sets.push(vec![*first, *second]);
        }
    }
    let anchor_terms: Vec<Vec<String>> = anchor_sets
        .iter()
        .map(|set| {
            if set.is_empty() {
                free()
            } else {
                set.iter()
                    .flat_map(|row| intel_item_terms(&row.item()))
                    .collect()
            }
        })
        .collect();
    // The dependent's own label, targets and recipients: every row of the matrix.
    let own: Vec<(&IntelRow, Vec<String>)> = intel
        .iter()
        .map(|row| (row, intel_item_terms(&row.item())))
        .collect();

    let (mut hidden_by_anchors, mut shown_by_second_anchor) = (0u64, 0u64);
    for viewer in &viewers {
        let kind = org_kind(viewer.org_id);
        let held = viewer_terms(viewer, kind, |_| true);
        for (set, anchor) in anchor_sets.iter().zip(&anchor_terms) {
            let anchors: Vec<IntelItem<'_>> = set.iter().map(|row| row.item()).collect();
            let seen: Vec<bool> = anchors
                .iter()
                .map(|a| can_see_intel_item(viewer, kind, a))
                .collect();
            for (row, own_terms) in &own {
                let item = row.item();
                let rust =
                    can_see_stix_object(viewer, kind, StixClass::Dependent, &item, &anchors, None);
                let index = terms_admit(&held, own_terms, anchor);
                assert!(
                    rust == index,
                    "dependent {item:?} (indexed with {own_terms:?}) on anchors {anchors:?} \
                     (anchor terms {anchor:?}), {viewer:?} ({kind:?}) holding {held:?}: \
                     Rust says {rust}, the index terms say {index}"
                );
                let own_seen = can_see_intel_item(viewer, kind, &item);
                if own_seen && !seen.is_empty() && !seen.contains(&true) {
                    hidden_by_anchors += 1;
                }
                if own_seen && seen == [false, true] {
                    shown_by_second_anchor += 1;
                }
            }
        }
    }
    // The anchors decide: some dependents are hidden by them alone, and one anchor the
    // viewer may see is enough.
    assert!(
        hidden_by_anchors > 0,
        "no dependent was hidden by its anchors"
    );
    assert!(
        shown_by_second_anchor > 0,
        "no dependent was shown through its second anchor only"
    );
}

#[tokio::test]
async fn hand_counted_views_match_the_design() {
    let (mut conn, _, _) = matrix_db().await;

    // A plain member of G1 in Aarhus: G1's CLEAR/GREEN/AMBER (3 labels × 2 authors × 4
    // recipient-org sets × 3 recipient-user sets = 72) and AMBER+STRICT naming Aarhus
    // (2 × 1 × 3 = 6); no RED, being neither author nor recipient.
    let aarhus = Viewer::user(
        plain(AARHUS),
        AARHUS,
        PlatformRole::Member,
        false,
        vec![(G1, GroupRole::Member)],
    );
    assert_eq!(group_content_sql(&mut conn, &aarhus, None).await.len(), 78);

    // The same person as platform admin with no membership sees no group content.
    let admin = Viewer::user(plain(AARHUS), AARHUS, PlatformRole::Admin, false, vec![]);
    assert!(group_content_sql(&mut conn, &admin, None).await.is_empty());

    // The Aarhus author, a reader of G1, also sees its own RED items there (4 × 3 = 12),
    // whoever they name; it is named in no one else's.
    let writer = Viewer::user(
        author(AARHUS),
        AARHUS,
        PlatformRole::Member,
        false,
        vec![(G1, GroupRole::Reader)],
    );
    assert_eq!(
        group_content_sql(&mut conn, &writer, None).await.len(),
        78 + 12
    );

    // A plain Odense member, no groups, sees of intel (only linked-or-untargeted items,
    // 108): CLEAR/GREEN 2 × 2 publishers × 3 target sets × 3 recipient sets = 36, AMBER
    // aimed at Odense 2 × 1 × 3 = 6 plus untargeted AMBER (a municipality) 6, and
    // AMBER+STRICT aimed at Odense 6; no RED, no unmarked.
    let odense = Viewer::user(plain(ODENSE), ODENSE, PlatformRole::Member, false, vec![]);
    assert_eq!(intel_sql(&mut conn, &odense, None).await.len(), 54);

    // An Odense token sees the same: the person above is named in no RED item either.
    assert_eq!(
        intel_sql(&mut conn, &Viewer::api_token(ODENSE), None)
            .await
            .len(),
        54
    );

    // A region member loses the untargeted AMBER the municipalities get, and gains the
    // items aimed at the region (AMBER and AMBER+STRICT: 2 × 2 × 1 × 3 = 12).
    let region = Viewer::user(plain(REGION), REGION, PlatformRole::Member, false, vec![]);
    assert_eq!(intel_sql(&mut conn, &region, None).await.len(), 36 + 12);

    // A coordinator follows the responses to every CLEAR, GREEN and AMBER item (3 labels
    // × 2 publishers × 3 target sets × 2 linkings × 3 recipient sets = 108), none of
    // AMBER+STRICT, RED or unmarked ones; a member of the same organisation, none.
    let coordinator = Viewer::user(
        plain(REGION),
        REGION,
        PlatformRole::Coordinator,
        false,
        vec![],
    );
    assert_eq!(response_sql(&mut conn, &coordinator).await.len(), 108);
    assert!(response_sql(&mut conn, &region).await.is_empty());
}

#[tokio::test]
async fn token_never_sees_red_or_group_content_in_sql() {
    let (mut conn, _, _) = matrix_db().await;
    for (org, _) in ORGS {
        let token = Viewer::api_token(org);
        assert!(group_content_sql(&mut conn, &token, None).await.is_empty());
        let mut qb =
            QueryBuilder::<Sqlite>::new("select count(*) from intel i where i.tlp = 'red' and ");
        push_intel_visible(&mut qb, &token, org_kind(org), &INTEL);
        let red: i64 = qb.build_query_scalar().fetch_one(&mut conn).await.unwrap();
        assert_eq!(red, 0, "{org:?}");
    }
}

#[tokio::test]
async fn labels_are_stored_in_their_documented_form() {
    let (mut conn, _, _) = matrix_db().await;
    let stored: Vec<String> =
        sqlx::query_scalar("select distinct tlp from group_content order by tlp")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(stored, ["amber", "amber+strict", "clear", "green", "red"]);
    let unmarked: i64 = sqlx::query_scalar("select count(*) from intel where tlp is null")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(unmarked, 2 * 3 * 2 * 3);
}

const FEEDBACK: FeedbackSql = FeedbackSql::new("f");

/// Feedback from every organisation to every organisation as its centre, under every
/// label: `(id, item)`, stored in a `feedback` table with the documented columns.
async fn feedback_db() -> (SqliteConnection, Vec<(i64, FeedbackItem)>) {
    let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
    sqlx::raw_sql(
        "create table feedback (id integer primary key, org_id integer not null, \
         centre_org_id integer not null, tlp text not null)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let mut rows = Vec::new();
    for (author, _) in ORGS {
        for (centre, _) in ORGS {
            for tlp in Tlp::ALL {
                let id: i64 = sqlx::query_scalar(
                    "insert into feedback (org_id, centre_org_id, tlp) values ($1, $2, $3) \
                     returning id",
                )
                .bind(author)
                .bind(centre)
                .bind(tlp)
                .fetch_one(&mut conn)
                .await
                .unwrap();
                let item = FeedbackItem {
                    author_org_id: author,
                    centre_org_id: centre,
                    tlp,
                };
                rows.push((id, item));
            }
        }
    }
    (conn, rows)
}

/// The feedback ids the SQL condition admits, after another condition so that one that
/// does not bind as one expression shows up.
async fn feedback_sql(conn: &mut SqliteConnection, viewer: &Viewer) -> BTreeSet<i64> {
    let mut qb = QueryBuilder::<Sqlite>::new("select f.id from feedback f where f.id > 0 and ");
    push_feedback_visible(&mut qb, viewer, &FEEDBACK);
    qb.push(" order by f.id");
    qb.build_query_scalar::<i64>()
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

#[tokio::test]
async fn the_feedback_condition_returns_exactly_what_the_predicate_allows_for_every_viewer() {
    let (mut conn, rows) = feedback_db().await;
    assert_eq!(rows.len(), 4 * 4 * 5);
    let mut views = BTreeSet::new();
    for viewer in viewers() {
        let rust: BTreeSet<i64> = rows
            .iter()
            .filter(|(_, item)| can_see_feedback(&viewer, item))
            .map(|(id, _)| *id)
            .collect();
        let sql = feedback_sql(&mut conn, &viewer).await;
        assert!(
            rust == sql,
            "feedback, {viewer:?}: {}",
            describe_differences(&rust, &sql)
        );
        views.insert(rust.into_iter().collect::<Vec<_>>());
    }
    // The index, for people (tokens never search): the same.
    for viewer in viewers().iter().filter(|v| v.kind == ViewerKind::User) {
        let held = viewer_terms(viewer, org_kind(viewer.org_id), |_| true);
        for (id, item) in &rows {
            assert_eq!(
                terms_admit(&held, &feedback_terms(item), &free()),
                can_see_feedback(viewer, item),
                "feedback {id} {item:?} in the index, {viewer:?}"
            );
        }
    }
    // Per organisation: its people, its analysts (who also read what was shared with
    // it), its tokens (no RED): at least three views each.
    assert!(
        views.len() >= 12,
        "only {} distinct feedback views",
        views.len()
    );
}

#[tokio::test]
async fn hand_counted_feedback_views_match_the_design() {
    let (mut conn, _) = feedback_db().await;
    // An Odense member: Odense's own feedback to every centre, every label (4 × 5).
    let odense = Viewer::user(plain(ODENSE), ODENSE, PlatformRole::Member, false, vec![]);
    assert_eq!(feedback_sql(&mut conn, &odense).await.len(), 20);
    // The centre's analyst: its own (20) and everything shared with it (20), the 5 it
    // shared with itself counted once.
    let analyst = Viewer::user(plain(CENTRE), CENTRE, PlatformRole::Analyst, false, vec![]);
    assert_eq!(feedback_sql(&mut conn, &analyst).await.len(), 35);
    // Its token: the same without RED (7 of 35).
    assert_eq!(
        feedback_sql(&mut conn, &Viewer::api_token(CENTRE))
            .await
            .len(),
        28
    );
    // A coordinator or admin of the centre reads only what the centre wrote itself.
    for role in [PlatformRole::Coordinator, PlatformRole::Admin] {
        let viewer = Viewer::user(plain(CENTRE), CENTRE, role, false, vec![]);
        assert_eq!(feedback_sql(&mut conn, &viewer).await.len(), 20, "{role:?}");
    }
}

#[tokio::test]
async fn the_index_admits_a_comment_exactly_to_who_works_the_alert_or_reads_it_as_its_centre() {
    let (_, _, intel) = matrix_db().await;
    let mut admitted = 0;
    for viewer in viewers().iter().filter(|v| v.kind == ViewerKind::User) {
        let kind = org_kind(viewer.org_id);
        let held = viewer_terms(viewer, kind, |_| true);
        for sighting in &intel {
            for (alert_org, _) in ORGS {
                let item = sighting.item();
                let rust = can_see_intel_item(viewer, kind, &item)
                    && (can_work_alert(viewer, alert_org)
                        || can_read_alert_work(viewer, item.publisher_org_id));
                let index = terms_admit(
                    &held,
                    &alert_work_terms(alert_org, item.publisher_org_id),
                    &intel_item_terms(&item),
                );
                assert_eq!(
                    index, rust,
                    "a comment of {alert_org:?} on sighting {}, {viewer:?}",
                    sighting.id
                );
                admitted += usize::from(rust);
            }
        }
    }
    assert!(admitted > 0, "nobody reads any comment");
}

const INCIDENTS: IncidentSql = IncidentSql::new("n", "incident_named");

/// Own incidents of every organisation under every label, shared or not, with no one,
/// the organisation's recipient, or another organisation's person named:
/// `(id, org, tlp, shared, named)`, stored with the documented columns.
async fn incident_db() -> (SqliteConnection, Vec<(i64, OrgId, Tlp, bool, Vec<UserId>)>) {
    let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
    sqlx::raw_sql(
        "create table incidents (id integer primary key, org_id integer not null, \
         tlp text not null, shared_at integer); \
         create table incident_named (incident_id integer not null, user_id integer not null)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let mut rows = Vec::new();
    for (org, _) in ORGS {
        let other = ORGS.iter().map(|(o, _)| *o).find(|o| *o != org).unwrap();
        for tlp in Tlp::ALL {
            for shared in [false, true] {
                for named in [vec![], vec![recipient(org)], vec![recipient(other)]] {
                    let id: i64 = sqlx::query_scalar(
                        "insert into incidents (org_id, tlp, shared_at) values ($1, $2, $3) \
                         returning id",
                    )
                    .bind(org)
                    .bind(tlp)
                    .bind(shared.then_some(1_800_000_000_i64))
                    .fetch_one(&mut conn)
                    .await
                    .unwrap();
                    for user in &named {
                        sqlx::query("insert into incident_named values ($1, $2)")
                            .bind(id)
                            .bind(user)
                            .execute(&mut conn)
                            .await
                            .unwrap();
                    }
                    rows.push((id, org, tlp, shared, named));
                }
            }
        }
    }
    (conn, rows)
}

/// The matrix's viewers, and each person once more as an admin of their organisation.
fn viewers_with_org_admins() -> Vec<Viewer> {
    let mut all = viewers();
    let admins: Vec<Viewer> = all
        .iter()
        .filter(|v| v.kind == ViewerKind::User)
        .map(|v| Viewer {
            org_admin: true,
            ..v.clone()
        })
        .collect();
    all.extend(admins);
    all
}

#[tokio::test]
async fn own_incidents_agree_in_predicate_sql_and_index_for_every_viewer() {
    let (mut conn, rows) = incident_db().await;
    let mut views = BTreeSet::new();
    for viewer in viewers_with_org_admins() {
        let rust: BTreeSet<i64> = rows
            .iter()
            .filter(|(_, org, tlp, shared, named)| {
                let item = IncidentItem {
                    org_id: *org,
                    tlp: *tlp,
                    shared: *shared,
                    named,
                };
                can_see_incident(&viewer, &item)
            })
            .map(|(id, ..)| *id)
            .collect();
        let mut qb =
            QueryBuilder::<Sqlite>::new("select n.id from incidents n where n.id > 0 and ");
        push_incident_visible(&mut qb, &viewer, &INCIDENTS);
        let sql: BTreeSet<i64> = qb
            .build_query_scalar::<i64>()
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .into_iter()
            .collect();
        assert!(
            rust == sql,
            "incidents, {viewer:?}: {}",
            describe_differences(&rust, &sql)
        );
        if viewer.kind == ViewerKind::User {
            let held = viewer_terms(&viewer, org_kind(viewer.org_id), |_| true);
            for (id, org, tlp, shared, named) in &rows {
                let item = IncidentItem {
                    org_id: *org,
                    tlp: *tlp,
                    shared: *shared,
                    named,
                };
                assert_eq!(
                    terms_admit(&held, &incident_terms(&item), &free()),
                    can_see_incident(&viewer, &item),
                    "incident {id} {item:?} in the index, {viewer:?}"
                );
            }
        }
        views.insert(rust.into_iter().collect::<Vec<_>>());
    }
    // Tokens and other organisations see nothing; per organisation its people, its named
    // recipient, its admins, and the analysts reading what was shared.
    assert!(
        views.len() >= 10,
        "only {} distinct incident views",
        views.len()
    );
}

async fn incident_count(conn: &mut SqliteConnection, viewer: &Viewer) -> i64 {
    let mut qb = QueryBuilder::<Sqlite>::new("select count(*) from incidents n where ");
    push_incident_visible(&mut qb, viewer, &INCIDENTS);
    qb.build_query_scalar::<i64>()
        .fetch_one(conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn hand_counted_incident_views_match_the_design() {
    let (mut conn, _) = incident_db().await;
    let conn = &mut conn;
    // Per organisation: 4 labels below RED × 2 × 3 = 24 rows, and 6 RED ones.
    let odense = |user, admin| Viewer::user(user, ODENSE, PlatformRole::Member, admin, vec![]);
    assert_eq!(
        incident_count(conn, &odense(plain(ODENSE), false)).await,
        24
    );
    // Named on the 2 RED incidents (shared or not) that name Odense's recipient.
    assert_eq!(
        incident_count(conn, &odense(recipient(ODENSE), false)).await,
        26
    );
    // The admin sees all 6 RED ones.
    assert_eq!(incident_count(conn, &odense(plain(ODENSE), true)).await, 30);
    // A centre analyst: the centre's own 24, and the shared non-RED ones of the other
    // three organisations (4 labels × 3 named sets each).
    let analyst = Viewer::user(plain(CENTRE), CENTRE, PlatformRole::Analyst, false, vec![]);
    assert_eq!(incident_count(conn, &analyst).await, 24 + 3 * 12);
    // A token: none.
    assert_eq!(incident_count(conn, &Viewer::api_token(ODENSE)).await, 0);
}

//! The policy's two forms agree: for every viewer of the matrix (platform role × group
//! role or none × organisation × recipient or not × token), the SQL conditions of
//! `vaern_core::policy` return exactly the item ids its Rust predicates allow, over the
//! whole matrix of group content and intel items in a temporary SQLite database.

use sqlx::{Connection, QueryBuilder, Sqlite, SqliteConnection};
use std::collections::{BTreeMap, BTreeSet};
use vaern_core::ids::{GroupId, OrgId, UserId};
use vaern_core::policy::{
    GroupContentSql, GroupItem, GroupRole, IntelItem, IntelSql, OrgKind, PlatformRole, Tlp, Viewer,
    can_see_group_item, can_see_intel_item, push_group_content_visible, push_intel_visible,
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
    }

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

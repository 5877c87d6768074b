//! The policy as SQL: the conditions list queries AND into their `where` clause, so that
//! a row the viewer may not see is never loaded. They say exactly what the predicates in
//! `group` and `intel` say (proved by `tests/policy_matrix.rs`).
//!
//! Values are always bound, never spliced into the SQL text: the only names written into
//! the text are the fixed columns documented below and the table names and alias of a
//! [`GroupContentSql`] / [`IntelSql`], which are checked to be plain identifiers when
//! they are made. The SQL is portable (`exists`, `in`, `not`, no SQLite-only
//! functions), and the push functions are generic over the database, so a PostgreSQL
//! backend changes nothing here. Each condition is one parenthesised expression, and a
//! viewer that may see nothing gets the constant false `(1 = 0)`, never `in ()`.

use super::{OrgKind, StixClass};
use super::{PlatformRole, Tlp, Viewer, ViewerKind, is_analyst, member_groups, person};
use sqlx::{Database, Encode, QueryBuilder, Type};

/// Aliases of the correlated subqueries. Caller names may not start with `policy_`, so
/// a caller alias can never shadow them.
const RESERVED_PREFIX: &[u8] = b"policy_";

/// Where a list query finds one kind of group content (threads, posts, folders,
/// documents, pages), for [`push_group_content_visible`].
///
/// The row, under `alias` in the query, must have these columns:
///
/// - `id`: the item's id (integer);
/// - `group_id`: the group that holds it (integer, `user_groups.id`);
/// - `tlp`: its effective label, not null, as [`Tlp::as_str`] (any other text hides it);
/// - `author_id`: who wrote it (integer, `users.id`).
///
/// And two side tables, one row per recipient:
///
/// - `recipient_orgs (item_id, org_id)`: the AMBER+STRICT recipient organisations, the
///   author's organisation included when it is one (it is not implied);
/// - `recipient_users (item_id, user_id)`: the RED recipients (the author is implied).
///
/// Make it a `const` so that a bad name fails the build:
///
/// ```
/// use vaern_core::policy::GroupContentSql;
/// const THREADS: GroupContentSql =
///     GroupContentSql::new("t", "thread_recipient_orgs", "thread_recipient_users");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupContentSql {
    alias: &'static str,
    recipient_orgs: &'static str,
    recipient_users: &'static str,
}

impl GroupContentSql {
    /// Names the item's alias and its two recipient tables.
    ///
    /// # Panics
    ///
    /// If a name is not a lowercase SQL identifier (`[a-z_][a-z0-9_]*`, at most 63
    /// bytes) or starts with `policy_`: a bug in the caller, caught at compile time when
    /// used in a `const`.
    pub const fn new(
        alias: &'static str,
        recipient_orgs: &'static str,
        recipient_users: &'static str,
    ) -> Self {
        assert!(
            is_identifier(alias) && is_identifier(recipient_orgs) && is_identifier(recipient_users),
            "BUG: GroupContentSql names must be lowercase identifiers not starting with policy_"
        );
        Self {
            alias,
            recipient_orgs,
            recipient_users,
        }
    }
}

/// Where a list query finds one kind of intel (alerts, advisories, incidents, STIX
/// objects), for [`push_intel_visible`].
///
/// The row, under `alias` in the query, must have these columns:
///
/// - `id`: the item's id (integer);
/// - `tlp`: its effective label as [`Tlp::as_str`], or null when unmarked (any other
///   text hides it);
/// - `publisher_org_id`: the publishing organisation (integer, `organisations.id`);
/// - `has_unlinked_targets`: boolean, not null (`integer` 0/1 in SQLite): some named
///   target identity is not linked to an organisation yet.
///
/// And two side tables, one row per entry:
///
/// - `targets (item_id, org_id)`: the linked target organisations;
/// - `recipient_users (item_id, user_id)`: the RED recipients.
///
/// Make it a `const` so that a bad name fails the build:
///
/// ```
/// use vaern_core::policy::IntelSql;
/// const ALERTS: IntelSql = IntelSql::new("a", "alert_targets", "alert_recipients");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntelSql {
    alias: &'static str,
    targets: &'static str,
    recipient_users: &'static str,
}

impl IntelSql {
    /// Names the item's alias, its targets table and its RED recipients table.
    ///
    /// # Panics
    ///
    /// If a name is not a lowercase SQL identifier (`[a-z_][a-z0-9_]*`, at most 63
    /// bytes) or starts with `policy_`: a bug in the caller, caught at compile time when
    /// used in a `const`.
    pub const fn new(
        alias: &'static str,
        targets: &'static str,
        recipient_users: &'static str,
    ) -> Self {
        assert!(
            is_identifier(alias) && is_identifier(targets) && is_identifier(recipient_users),
            "BUG: IntelSql names must be lowercase identifiers not starting with policy_"
        );
        Self {
            alias,
            targets,
            recipient_users,
        }
    }
}

/// Where a list query finds STIX objects of every kind, for [`push_stix_visible`].
///
/// The row, under the alias of `item`, has the columns documented on [`IntelSql`] and:
///
/// - `class`: [`StixClass::as_str`] of its kind (any other text hides it);
/// - `stix_id`: its STIX id;
/// - `is_latest`: boolean, whether it is the object's newest version (an earlier one is
///   seen only where the newest is too);
///
/// and `anchors (item_id, anchor_ref)` lists, for a dependent object, the STIX ids of
/// the items it hangs on; an anchor is the row of `objects` with that `stix_id` and
/// `is_latest` true, itself an `item`-class row with targets and recipients in the same
/// side tables. `identities (stix_id, org_id)` links identities to organisations
/// ([`super::IdentityOf`]); whether that organisation is an analysis centre is read from
/// `organisations.kind`.
///
/// ```
/// use vaern_core::policy::{IntelSql, StixSql};
/// const OBJECTS: StixSql = StixSql::new(
///     IntelSql::new("o", "stix_object_targets", "stix_object_recipients"),
///     "stix_objects",
///     "stix_object_anchors",
///     "stix_identities",
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StixSql {
    item: IntelSql,
    objects: &'static str,
    anchors: &'static str,
    identities: &'static str,
}

impl StixSql {
    /// # Panics
    ///
    /// Like [`IntelSql::new`], if a name is not a plain identifier.
    pub const fn new(
        item: IntelSql,
        objects: &'static str,
        anchors: &'static str,
        identities: &'static str,
    ) -> Self {
        assert!(
            is_identifier(objects) && is_identifier(anchors) && is_identifier(identities),
            "BUG: StixSql names must be lowercase identifiers not starting with policy_"
        );
        Self {
            item,
            objects,
            anchors,
            identities,
        }
    }
}

/// Appends the SQL form of [`super::can_see_stix_object`] to `qb`, over the columns
/// documented on [`StixSql`].
pub fn push_stix_visible<'args, DB>(
    qb: &mut QueryBuilder<'args, DB>,
    viewer: &Viewer,
    viewer_org_kind: OrgKind,
    table: &StixSql,
) where
    DB: Database,
    i64: Encode<'args, DB> + Type<DB>,
    Tlp: Encode<'args, DB> + Type<DB>,
{
    stix_condition(viewer, viewer_org_kind, table).push_to(qb);
}

/// [`super::can_see_stix_object`] for the row, and for an earlier version
/// ([`super::can_see_earlier_version`]) the same for the object's newest version.
fn stix_condition(viewer: &Viewer, viewer_org_kind: OrgKind, t: &StixSql) -> Condition {
    let a = t.item.alias;
    let mut c = Condition::default();
    c.text("(");
    c.append(stix_class_condition(viewer, viewer_org_kind, t));
    c.text(format!(
        " and ({a}.is_latest or exists (select 1 from {objects} policy_newest \
         where policy_newest.stix_id = {a}.stix_id and policy_newest.is_latest and ",
        objects = t.objects,
    ));
    let newest = StixSql {
        item: IntelSql {
            alias: "policy_newest",
            ..t.item
        },
        ..*t
    };
    c.append(stix_class_condition(viewer, viewer_org_kind, &newest));
    c.text(")))");
    c
}

/// [`super::can_see_stix_object`] for the row alone, whichever version it is.
fn stix_class_condition(viewer: &Viewer, viewer_org_kind: OrgKind, t: &StixSql) -> Condition {
    let a = t.item.alias;
    let own = intel_condition(viewer, viewer_org_kind, &t.item);
    let mut c = Condition::default();
    c.text(format!("(({a}.class = '{}' and ", StixClass::Item.as_str()));
    c.append(intel_condition(viewer, viewer_org_kind, &t.item));

    c.text(format!(
        ") or ({a}.class = '{}' and ",
        StixClass::Dependent.as_str()
    ));
    c.append(own);
    c.text(format!(
        " and (not exists (select 1 from {anchors} policy_anchors where policy_anchors.item_id = {a}.id) \
         or exists (select 1 from {anchors} policy_anchors join {objects} policy_anchor \
         on policy_anchor.stix_id = policy_anchors.anchor_ref and policy_anchor.is_latest \
         where policy_anchors.item_id = {a}.id and ",
        anchors = t.anchors,
        objects = t.objects,
    ));
    let anchor = IntelSql {
        alias: "policy_anchor",
        ..t.item
    };
    c.append(intel_condition(viewer, viewer_org_kind, &anchor));
    c.text("))");

    c.text(format!(
        ") or ({a}.class = '{}' and (",
        StixClass::AnalystsOnly.as_str()
    ));
    if is_analyst(viewer) {
        c.append(intel_condition(viewer, viewer_org_kind, &t.item));
        c.text(" or ");
    }
    // The reader's own organisation's identity and the analysis centres' ones.
    c.text(format!(
        "(({a}.tlp is null or {a}.tlp <> '{red}') and exists (select 1 from {identities} \
         policy_identity join organisations policy_identity_org \
         on policy_identity_org.id = policy_identity.org_id \
         where policy_identity.stix_id = {a}.stix_id and \
         (policy_identity_org.kind = '{centre}' or policy_identity.org_id = ",
        red = Tlp::Red.as_str(),
        identities = t.identities,
        centre = OrgKind::AnalysisCentre.as_str(),
    ));
    c.bind_id(viewer.org_id.0);
    c.text("))))))");
    c
}

/// Appends the SQL form of [`super::can_see_group_item`] to `qb`: one parenthesised
/// boolean expression over the columns documented on [`GroupContentSql`], with every
/// value bound. Typical use: `qb.push(" and "); push_group_content_visible(..)`.
pub fn push_group_content_visible<'args, DB>(
    qb: &mut QueryBuilder<'args, DB>,
    viewer: &Viewer,
    table: &GroupContentSql,
) where
    DB: Database,
    i64: Encode<'args, DB> + Type<DB>,
    Tlp: Encode<'args, DB> + Type<DB>,
{
    group_content_condition(viewer, table).push_to(qb);
}

/// Appends the SQL form of [`super::can_see_intel_item`] to `qb`: one parenthesised
/// boolean expression over the columns documented on [`IntelSql`], with every value
/// bound. `viewer_org_kind` is the kind of `viewer.org_id`'s organisation.
pub fn push_intel_visible<'args, DB>(
    qb: &mut QueryBuilder<'args, DB>,
    viewer: &Viewer,
    viewer_org_kind: OrgKind,
    table: &IntelSql,
) where
    DB: Database,
    i64: Encode<'args, DB> + Type<DB>,
    Tlp: Encode<'args, DB> + Type<DB>,
{
    intel_condition(viewer, viewer_org_kind, table).push_to(qb);
}

/// Appends the SQL form of [`super::can_see_response_status`] to `qb`, over the columns
/// documented on [`IntelSql`], as one parenthesised boolean expression with every value
/// bound.
pub fn push_response_visible<'args, DB>(
    qb: &mut QueryBuilder<'args, DB>,
    viewer: &Viewer,
    viewer_org_kind: OrgKind,
    table: &IntelSql,
) where
    DB: Database,
    i64: Encode<'args, DB> + Type<DB>,
    Tlp: Encode<'args, DB> + Type<DB>,
{
    if is_analyst(viewer) {
        return intel_condition(viewer, viewer_org_kind, table).push_to(qb);
    }
    let mut c = Condition::default();
    if person(viewer).is_some() && viewer.role == PlatformRole::Coordinator {
        c.text("(");
        c.tlp_in(table.alias, &[Tlp::Clear, Tlp::Green, Tlp::Amber]);
        c.text(")");
    } else {
        c.text(FALSE);
    }
    c.push_to(qb);
}

/// Where a list query finds feedback, for [`push_feedback_visible`]: the row, under
/// `alias`, has `org_id` (the authoring organisation), `centre_org_id` (the centre it is
/// shared with) and `tlp` (not null, as [`Tlp::as_str`]).
///
/// ```
/// use vaern_core::policy::FeedbackSql;
/// const FEEDBACK: FeedbackSql = FeedbackSql::new("f");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedbackSql {
    alias: &'static str,
}

impl FeedbackSql {
    /// # Panics
    ///
    /// If `alias` is not a lowercase SQL identifier or starts with `policy_`.
    pub const fn new(alias: &'static str) -> Self {
        assert!(
            is_identifier(alias),
            "BUG: FeedbackSql alias must be a lowercase identifier not starting with policy_"
        );
        Self { alias }
    }
}

/// Appends the SQL form of [`super::can_see_feedback`] to `qb`, over the columns
/// documented on [`FeedbackSql`], as one parenthesised boolean expression with every
/// value bound.
pub fn push_feedback_visible<'args, DB>(
    qb: &mut QueryBuilder<'args, DB>,
    viewer: &Viewer,
    table: &FeedbackSql,
) where
    DB: Database,
    i64: Encode<'args, DB> + Type<DB>,
    Tlp: Encode<'args, DB> + Type<DB>,
{
    let a = table.alias;
    let token = viewer.kind == ViewerKind::ApiToken;
    let mut c = Condition::default();
    if !token && person(viewer).is_none() {
        c.text(FALSE);
        return c.push_to(qb);
    }
    c.text(format!("(({a}.org_id = "));
    c.bind_id(viewer.org_id.0);
    if token || is_analyst(viewer) {
        c.text(format!(" or {a}.centre_org_id = "));
        c.bind_id(viewer.org_id.0);
    }
    c.text(")");
    if token {
        c.text(" and ");
        c.tlp_in(a, &[Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::AmberStrict]);
    }
    c.text(")");
    c.push_to(qb);
}

/// Where a list query finds own incidents, for [`push_incident_visible`]: the row, under
/// `alias`, has `id`, `org_id` (the registering organisation), `tlp` (not null, as
/// [`Tlp::as_str`]) and `shared_at` (null until shared); `named` is a table of
/// `(incident_id, user_id)`, the people named for a RED incident.
///
/// ```
/// use vaern_core::policy::IncidentSql;
/// const INCIDENTS: IncidentSql = IncidentSql::new("n", "incident_named");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncidentSql {
    alias: &'static str,
    named: &'static str,
}

impl IncidentSql {
    /// # Panics
    ///
    /// If a name is not a lowercase SQL identifier or starts with `policy_`.
    pub const fn new(alias: &'static str, named: &'static str) -> Self {
        assert!(
            is_identifier(alias) && is_identifier(named),
            "BUG: IncidentSql names must be lowercase identifiers not starting with policy_"
        );
        Self { alias, named }
    }
}

/// Appends the SQL form of [`super::can_see_incident`] to `qb`, over the columns
/// documented on [`IncidentSql`], as one parenthesised boolean expression with every
/// value bound.
pub fn push_incident_visible<'args, DB>(
    qb: &mut QueryBuilder<'args, DB>,
    viewer: &Viewer,
    table: &IncidentSql,
) where
    DB: Database,
    i64: Encode<'args, DB> + Type<DB>,
    Tlp: Encode<'args, DB> + Type<DB>,
{
    let a = table.alias;
    let mut c = Condition::default();
    let Some(user) = person(viewer) else {
        c.text(FALSE);
        return c.push_to(qb);
    };
    c.text("((not ");
    c.tlp_in(a, &[Tlp::Red]);
    c.text(format!(" and ({a}.org_id = "));
    c.bind_id(viewer.org_id.0);
    if is_analyst(viewer) {
        c.text(format!(" or {a}.shared_at is not null"));
    }
    c.text(")) or (");
    c.tlp_in(a, &[Tlp::Red]);
    c.text(format!(" and {a}.org_id = "));
    c.bind_id(viewer.org_id.0);
    if viewer.org_admin {
        c.text(")");
    } else {
        c.text(format!(
            " and exists (select 1 from {named} policy_named where policy_named.incident_id = \
             {a}.id and policy_named.user_id = ",
            named = table.named
        ));
        c.bind_id(user.0);
        c.text("))");
    }
    c.text(")");
    c.push_to(qb);
}

/// The constant false, for a viewer that may see nothing.
const FALSE: &str = "(1 = 0)";

fn group_content_condition(viewer: &Viewer, t: &GroupContentSql) -> Condition {
    let mut c = Condition::default();
    let groups = member_groups(viewer);
    let Some(user) = person(viewer).filter(|_| !groups.is_empty()) else {
        c.text(FALSE);
        return c;
    };
    let a = t.alias;

    c.text(format!("({a}.group_id in ("));
    for (i, group) in groups.iter().enumerate() {
        if i > 0 {
            c.text(", ");
        }
        c.bind_id(group.0);
    }
    c.text(") and (");
    c.tlp_in(a, &[Tlp::Clear, Tlp::Green, Tlp::Amber]);

    c.text(" or (");
    c.tlp_in(a, &[Tlp::AmberStrict]);
    c.text(format!(
        " and exists (select 1 from {} policy_orgs where policy_orgs.item_id = {a}.id \
         and policy_orgs.org_id = ",
        t.recipient_orgs
    ));
    c.bind_id(viewer.org_id.0);
    c.text("))");

    c.text(" or (");
    c.tlp_in(a, &[Tlp::Red]);
    c.text(format!(" and ({a}.author_id = "));
    c.bind_id(user.0);
    c.text(format!(
        " or exists (select 1 from {} policy_users where policy_users.item_id = {a}.id \
         and policy_users.user_id = ",
        t.recipient_users
    ));
    c.bind_id(user.0);
    c.text(")))))");
    c
}

fn intel_condition(viewer: &Viewer, viewer_org_kind: OrgKind, t: &IntelSql) -> Condition {
    let mut c = Condition::default();
    let a = t.alias;
    // Left open, so that the user condition can be added before it is closed.
    let recipients_exist = format!(
        "exists (select 1 from {} policy_recipients where policy_recipients.item_id = {a}.id",
        t.recipient_users
    );

    if let Some(analyst) = person(viewer).filter(|_| is_analyst(viewer)) {
        // Analysts see every label below RED, and unmarked items; targets do not matter.
        c.text(format!("({a}.tlp is null or "));
        c.tlp_in(a, &[Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::AmberStrict]);
        c.text(" or (");
        c.tlp_in(a, &[Tlp::Red]);
        c.text(format!(
            " and ({recipients_exist} and policy_recipients.user_id = "
        ));
        c.bind_id(analyst.0);
        c.text(format!(") or ({a}.publisher_org_id = "));
        c.bind_id(viewer.org_id.0);
        c.text(format!(" and not {recipients_exist})))))"));
        return c;
    }

    // Everyone else: nothing with unlinked targets, whatever the label.
    c.text(format!("(not {a}.has_unlinked_targets and ("));
    c.tlp_in(a, &[Tlp::Clear, Tlp::Green]);

    c.text(" or (");
    c.tlp_in(a, &[Tlp::Amber, Tlp::AmberStrict]);
    c.text(format!(
        " and exists (select 1 from {} policy_targets where policy_targets.item_id = {a}.id \
         and policy_targets.org_id = ",
        t.targets
    ));
    c.bind_id(viewer.org_id.0);
    c.text("))");

    if viewer_org_kind == OrgKind::Municipality {
        // Untargeted AMBER is aimed at every municipality; the outer `not
        // has_unlinked_targets` makes "no target rows" mean "no targets at all".
        c.text(" or (");
        c.tlp_in(a, &[Tlp::Amber]);
        c.text(format!(
            " and not exists (select 1 from {} policy_targets \
             where policy_targets.item_id = {a}.id))",
            t.targets
        ));
    }

    if let Some(user) = person(viewer) {
        c.text(" or (");
        c.tlp_in(a, &[Tlp::Red]);
        c.text(format!(
            " and {recipients_exist} and policy_recipients.user_id = "
        ));
        c.bind_id(user.0);
        c.text("))");
    }
    c.text("))");
    c
}

/// A condition under construction: SQL text from fixed fragments and checked
/// identifiers only, with every value kept apart as a bind.
#[derive(Debug, Default)]
struct Condition {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Id(i64),
    Tlp(Tlp),
}

impl Condition {
    fn text(&mut self, sql: impl Into<String>) {
        self.parts.push(Part::Text(sql.into()));
    }

    fn append(&mut self, other: Condition) {
        self.parts.extend(other.parts);
    }

    fn bind_id(&mut self, id: i64) {
        self.parts.push(Part::Id(id));
    }

    /// `{alias}.tlp = ?` or `{alias}.tlp in (?, …)`, each label bound.
    fn tlp_in(&mut self, alias: &str, labels: &[Tlp]) {
        if let [only] = labels {
            self.text(format!("{alias}.tlp = "));
            self.parts.push(Part::Tlp(*only));
            return;
        }
        self.text(format!("{alias}.tlp in ("));
        for (i, tlp) in labels.iter().enumerate() {
            if i > 0 {
                self.text(", ");
            }
            self.parts.push(Part::Tlp(*tlp));
        }
        self.text(")");
    }

    fn push_to<'args, DB>(self, qb: &mut QueryBuilder<'args, DB>)
    where
        DB: Database,
        i64: Encode<'args, DB> + Type<DB>,
        Tlp: Encode<'args, DB> + Type<DB>,
    {
        for part in self.parts {
            match part {
                Part::Text(sql) => {
                    qb.push(sql);
                }
                Part::Id(id) => {
                    qb.push_bind(id);
                }
                Part::Tlp(tlp) => {
                    qb.push_bind(tlp);
                }
            }
        }
    }
}

/// A lowercase SQL identifier that needs no quoting and cannot shadow the subquery
/// aliases: `[a-z_][a-z0-9_]*`, at most 63 bytes (PostgreSQL's limit), not `policy_…`.
const fn is_identifier(name: &str) -> bool {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() > 63 || bytes[0].is_ascii_digit() {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !(b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            return false;
        }
        i += 1;
    }
    if bytes.len() < RESERVED_PREFIX.len() {
        return true;
    }
    let mut j = 0;
    while j < RESERVED_PREFIX.len() {
        if bytes[j] != RESERVED_PREFIX[j] {
            return true;
        }
        j += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::super::{GroupRole, PlatformRole};
    use super::*;
    use crate::ids::{GroupId, OrgId, UserId};
    use sqlx::Sqlite;

    const THREADS: GroupContentSql =
        GroupContentSql::new("t", "thread_recipient_orgs", "thread_recipient_users");
    const ALERTS: IntelSql = IntelSql::new("a", "alert_targets", "alert_recipients");

    fn texts(c: &Condition) -> String {
        c.parts
            .iter()
            .map(|p| match p {
                Part::Text(s) => s.as_str(),
                Part::Id(_) | Part::Tlp(_) => "?",
            })
            .collect()
    }

    #[test]
    fn viewer_without_groups_gets_a_false_condition_not_an_empty_list() {
        let lonely = Viewer::user(UserId(1), OrgId(1), PlatformRole::Admin, false, vec![]);
        let c = group_content_condition(&lonely, &THREADS);
        assert_eq!(c.parts, vec![Part::Text(FALSE.to_owned())]);
    }

    #[test]
    fn token_gets_a_false_group_content_condition_even_with_forged_groups() {
        let mut token = Viewer::api_token(OrgId(1));
        token.groups = vec![(GroupId(1), GroupRole::Owner)];
        let c = group_content_condition(&token, &THREADS);
        assert_eq!(texts(&c), FALSE);
    }

    #[test]
    fn sql_text_never_contains_viewer_values() {
        let viewer = Viewer::user(
            UserId(987_651),
            OrgId(987_652),
            PlatformRole::Member,
            false,
            vec![
                (GroupId(987_653), GroupRole::Member),
                (GroupId(987_654), GroupRole::Reader),
            ],
        );
        let mut qb = QueryBuilder::<Sqlite>::new("select t.id from threads t where ");
        push_group_content_visible(&mut qb, &viewer, &THREADS);
        qb.push(" and ");
        push_intel_visible(&mut qb, &viewer, OrgKind::Municipality, &ALERTS);
        let sql = qb.sql();
        assert!(!sql.contains("98765"), "{sql}");
        for tlp in Tlp::ALL {
            assert!(!sql.contains(&format!("'{}'", tlp.as_str())), "{sql}");
        }
        assert!(sql.contains("t.group_id in (?, ?)"), "{sql}");
    }

    #[test]
    fn tokens_intel_condition_has_no_red_branch() {
        let token = Viewer::api_token(OrgId(1));
        let c = intel_condition(&token, OrgKind::Municipality, &ALERTS);
        assert!(!c.parts.contains(&Part::Tlp(Tlp::Red)), "{}", texts(&c));
    }

    #[test]
    fn conditions_are_one_parenthesised_expression() {
        let viewers = [
            Viewer::user(UserId(1), OrgId(1), PlatformRole::Analyst, false, vec![]),
            Viewer::user(
                UserId(1),
                OrgId(1),
                PlatformRole::Member,
                false,
                vec![(GroupId(1), GroupRole::Reader)],
            ),
            Viewer::api_token(OrgId(1)),
        ];
        for viewer in &viewers {
            for kind in OrgKind::ALL {
                let sql = texts(&intel_condition(viewer, kind, &ALERTS));
                assert!(is_one_parenthesised_expression(&sql), "{sql}");
            }
            let sql = texts(&group_content_condition(viewer, &THREADS));
            assert!(is_one_parenthesised_expression(&sql), "{sql}");
        }
    }

    /// Starts with `(` whose matching `)` is the last character.
    fn is_one_parenthesised_expression(sql: &str) -> bool {
        let mut depth = 0_i32;
        for (i, ch) in sql.char_indices() {
            match ch {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                return i == sql.len() - 1 && sql.starts_with('(');
            }
        }
        false
    }

    #[test]
    fn identifiers_are_plain_lowercase_names() {
        for good in ["t", "forum_threads", "_x", "a1", "policyx", "policy"] {
            assert!(is_identifier(good), "{good}");
        }
        for bad in [
            "",
            "1t",
            "T",
            "t.id",
            "t id",
            "t;drop",
            "t--",
            "\"t\"",
            "policy_orgs",
            "æ",
        ] {
            assert!(!is_identifier(bad), "{bad}");
        }
        assert!(!is_identifier(&"a".repeat(64)));
        assert!(
            is_identifier(&"a".repeat(63)),
            "63 bytes is PostgreSQL's limit, still allowed"
        );
        assert!(
            !is_identifier("policy_"),
            "the reserved prefix alone is reserved too"
        );
    }

    #[test]
    #[should_panic(expected = "BUG")]
    fn a_table_name_with_sql_in_it_is_refused() {
        let name: &'static str = "x where 1 = 1 or";
        let _ = std::hint::black_box(GroupContentSql::new("t", name, "u"));
    }
}

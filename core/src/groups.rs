//! Groups: closed spaces with members in a group role; each later gets a forum and a
//! library. Creating groups is for admins (`&Admin`); renaming, describing, archiving
//! and managing members is for admins and the group's owners (`&GroupManager`, from
//! `policy::require_group_manager`). An archived group is read-only and hidden from its
//! members (their memberships no longer count, see `accounts::sessions`); only admins
//! see it, and only admins restore it. Every change stages its audit row, by ids only,
//! in its own transaction.

use crate::accounts::normalise_email;
use crate::audit::{self, Actor, AuditLog, Entry, Subject, action};
use crate::clock;
use crate::db::{Db, Tx};
use crate::error::{CoreError, CoreResult};
use crate::ids::{GroupId, UserId};
use crate::policy::{Admin, GroupManager, GroupRole, Tlp, Viewer, can_see_group_members};
use crate::search::outbox::{self, Item, Operation};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// Longest group description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 4_000;
/// Most addresses in one pasted list.
pub const MAX_PASTED_ADDRESSES: usize = 10_000;
/// Rows per statement in bulk queries, well under SQLite's limit on bound values.
const CHUNK: usize = 500;

/// A group as listed for one of its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyGroup {
    pub id: GroupId,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub role: GroupRole,
}

/// The groups the viewer is a member of, by name.
pub async fn mine(db: &Db, viewer: &Viewer) -> CoreResult<Vec<MyGroup>> {
    let Some(user_id) = viewer.user_id else {
        return Ok(Vec::new());
    };
    let rows: Vec<(GroupId, String, String, String, String)> = sqlx::query_as(
        "select g.id, g.slug, g.name, g.description, m.role from user_groups g \
         join group_members m on m.group_id = g.id \
         where m.user_id = $1 and g.archived_at is null order by g.name",
    )
    .bind(user_id)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(id, slug, name, description, role)| {
            let role = GroupRole::from_stored(&role)?;
            Ok(MyGroup {
                id,
                slug,
                name,
                description,
                role,
            })
        })
        .collect()
}

/// A group to create.
#[derive(Debug, Clone)]
pub struct NewGroup {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub default_tlp: Tlp,
}

fn validate_slug(slug: &str) -> CoreResult<()> {
    let ok = (2..=64).contains(&slug.len())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(CoreError::invalid("slug", "malformed"))
    }
}

fn validate_description(description: &str) -> CoreResult<String> {
    let description = description.trim();
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        Err(CoreError::invalid("description", "too_long"))
    } else {
        Ok(description.to_string())
    }
}

/// Stages the audit row of a change to `group` by `viewer`, in the change's transaction.
async fn stage(
    tx: &mut Tx<'_>,
    viewer: &Viewer,
    action: &'static str,
    group: GroupId,
    detail: String,
    address: &str,
) -> CoreResult<()> {
    audit::stage(
        tx,
        Entry::new(Actor::of(viewer), action)
            .subject(Subject::group(group))
            .address(address)
            .detail(detail),
    )
    .await
}

/// Creates a group. `Invalid { field: "slug", reason: "taken" }` if the slug is taken.
pub async fn create(
    db: &Db,
    audit: &AuditLog,
    admin: &Admin,
    new: NewGroup,
    address: &str,
) -> CoreResult<GroupId> {
    let slug = new.slug.trim();
    validate_slug(slug)?;
    let name = crate::names::validate(&new.name)?;
    let description = validate_description(&new.description)?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let id = sqlx::query_scalar::<_, GroupId>(
        "insert into user_groups (slug, name, description, default_tlp, created_at) \
         values ($1, $2, $3, $4, $5) on conflict (slug) do nothing returning id",
    )
    .bind(slug)
    .bind(&name)
    .bind(&description)
    .bind(new.default_tlp.as_str())
    .bind(clock::now())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(CoreError::invalid("slug", "taken"))?;
    let detail = format!("tlp={}", new.default_tlp.as_str());
    stage(
        &mut tx,
        admin.viewer(),
        action::GROUP_CREATE,
        id,
        detail,
        address,
    )
    .await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(id)
}

/// Adds a member or changes a member's role (demo data and other admin tooling).
pub async fn set_member(
    db: &Db,
    _admin: &Admin,
    group: GroupId,
    user: UserId,
    role: GroupRole,
) -> CoreResult<()> {
    sqlx::query(
        "insert into group_members (group_id, user_id, role, added_at) values ($1, $2, $3, $4) \
         on conflict (group_id, user_id) do update set role = excluded.role",
    )
    .bind(group)
    .bind(user)
    .bind(role.as_str())
    .bind(clock::now())
    .execute(db)
    .await?;
    Ok(())
}

/// A group as the admins' list shows it, archived ones included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct GroupSummary {
    pub id: GroupId,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub default_tlp: Tlp,
    pub archived: bool,
    pub members: i64,
}

/// Every group, live ones first, by name.
pub async fn all(db: &Db, _admin: &Admin) -> CoreResult<Vec<GroupSummary>> {
    Ok(sqlx::query_as::<_, GroupSummary>(
        "select g.id, g.slug, g.name, g.description, g.default_tlp, \
         g.archived_at is not null as archived, \
         (select count(*) from group_members m where m.group_id = g.id) as members \
         from user_groups g order by g.archived_at is not null, g.name, g.id",
    )
    .fetch_all(db)
    .await?)
}

/// One member as the group page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMember {
    pub user_id: UserId,
    pub name: String,
    /// Only for those who manage the group; `None` for the other members.
    pub email: Option<String>,
    pub org_name: String,
    pub role: GroupRole,
}

/// A group's page: what it is, and who is in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupDetail {
    pub id: GroupId,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub default_tlp: Tlp,
    pub archived: bool,
    /// Whether the viewer may manage it (admin, or owner of the group).
    pub manageable: bool,
    pub members: Vec<GroupMember>,
}

#[derive(sqlx::FromRow)]
struct GroupRow {
    id: GroupId,
    slug: String,
    name: String,
    description: String,
    default_tlp: Tlp,
    archived_at: Option<i64>,
}

async fn row_by_slug(db: &Db, slug: &str) -> CoreResult<GroupRow> {
    sqlx::query_as::<_, GroupRow>(
        "select id, slug, name, description, default_tlp, archived_at from user_groups \
         where slug = $1",
    )
    .bind(slug.trim())
    .fetch_optional(db)
    .await?
    .ok_or(CoreError::NotFound)
}

/// The group page for `viewer`: its members (any role) and admins see it; for anyone
/// else the group is `NotFound`, exactly like a missing one. An archived group is seen
/// by admins only (its members' memberships no longer count).
pub async fn find(db: &Db, viewer: &Viewer, slug: &str) -> CoreResult<GroupDetail> {
    let row = row_by_slug(db, slug).await?;
    if !can_see_group_members(viewer, row.id) {
        return Err(CoreError::NotFound);
    }
    let manageable = crate::policy::require_group_manager(viewer, row.id).is_ok();
    let members: Vec<(UserId, String, String, String, String)> = sqlx::query_as(
        "select u.id, u.name, u.email, o.name, m.role from group_members m \
         join users u on u.id = m.user_id join organisations o on o.id = u.org_id \
         where m.group_id = $1 order by u.name, u.id",
    )
    .bind(row.id)
    .fetch_all(db)
    .await?;
    let members = members
        .into_iter()
        .map(|(user_id, name, email, org_name, role)| {
            Ok(GroupMember {
                user_id,
                name,
                email: manageable.then_some(email),
                org_name,
                role: GroupRole::from_stored(&role)?,
            })
        })
        .collect::<CoreResult<Vec<_>>>()?;
    Ok(GroupDetail {
        id: row.id,
        slug: row.slug,
        name: row.name,
        description: row.description,
        default_tlp: row.default_tlp,
        archived: row.archived_at.is_some(),
        manageable,
        members,
    })
}

/// Resolves a slug and checks that the viewer may manage that group: `NotFound` for a
/// missing group and for one the viewer may not see, `Forbidden` for a member that is
/// not an owner.
pub async fn manage(db: &Db, viewer: &Viewer, slug: &str) -> CoreResult<GroupManager> {
    let id: GroupId = sqlx::query_scalar("select id from user_groups where slug = $1")
        .bind(slug.trim())
        .fetch_optional(db)
        .await?
        .ok_or(CoreError::NotFound)?;
    crate::policy::require_group_manager(viewer, id)
}

/// Refuses writes to an archived group: `Invalid { field: "group", reason: "archived" }`.
async fn require_live<'c, E>(conn: E, group: GroupId) -> CoreResult<()>
where
    E: sqlx::Executor<'c, Database = sqlx::Sqlite>,
{
    let archived: Option<Option<i64>> =
        sqlx::query_scalar("select archived_at from user_groups where id = $1")
            .bind(group)
            .fetch_optional(conn)
            .await?;
    match archived {
        None => Err(CoreError::NotFound),
        Some(Some(_)) => Err(CoreError::invalid("group", "archived")),
        Some(None) => Ok(()),
    }
}

/// What a manager may change about a group.
#[derive(Debug, Clone)]
pub struct GroupEdit {
    pub name: String,
    pub description: String,
    pub default_tlp: Tlp,
}

/// Renames, describes and sets the default TLP of a live group.
pub async fn edit(
    db: &Db,
    audit: &AuditLog,
    manager: &GroupManager,
    edit: GroupEdit,
    address: &str,
) -> CoreResult<()> {
    let name = crate::names::validate(&edit.name)?;
    let description = validate_description(&edit.description)?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let done = sqlx::query(
        "update user_groups set name = $1, description = $2, default_tlp = $3 \
         where id = $4 and archived_at is null",
    )
    .bind(&name)
    .bind(&description)
    .bind(edit.default_tlp.as_str())
    .bind(manager.group())
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        require_live(&mut *tx, manager.group()).await?;
    }
    let detail = format!("tlp={}", edit.default_tlp.as_str());
    let (viewer, group) = (manager.viewer(), manager.group());
    stage(&mut tx, viewer, action::GROUP_EDIT, group, detail, address).await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(())
}

/// Archives a live group: it disappears from its members' lists and becomes read-only.
pub async fn archive(
    db: &Db,
    audit: &AuditLog,
    manager: &GroupManager,
    address: &str,
) -> CoreResult<()> {
    let now = clock::now();
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let done = sqlx::query(
        "update user_groups set archived_at = $1 where id = $2 and archived_at is null",
    )
    .bind(now)
    .bind(manager.group())
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        require_live(&mut *tx, manager.group()).await?;
    }
    let (viewer, group) = (manager.viewer(), manager.group());
    // Its content is now shown to nobody but admins.
    outbox::stage(&mut tx, Item::Group(group), Operation::Upsert, now).await?;
    stage(
        &mut tx,
        viewer,
        action::GROUP_ARCHIVE,
        group,
        String::new(),
        address,
    )
    .await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(())
}

/// Restores an archived group (admins only). `Invalid { field: "group", reason:
/// "not_archived" }` for a live one.
pub async fn restore(
    db: &Db,
    audit: &AuditLog,
    admin: &Admin,
    slug: &str,
    address: &str,
) -> CoreResult<GroupId> {
    let row = row_by_slug(db, slug).await?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let done = sqlx::query(
        "update user_groups set archived_at = null where id = $1 and archived_at is not null",
    )
    .bind(row.id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(CoreError::invalid("group", "not_archived"));
    }
    outbox::stage(
        &mut tx,
        Item::Group(row.id),
        Operation::Upsert,
        clock::now(),
    )
    .await?;
    let viewer = admin.viewer();
    stage(
        &mut tx,
        viewer,
        action::GROUP_RESTORE,
        row.id,
        String::new(),
        address,
    )
    .await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(row.id)
}

/// The outcome of adding a list of addresses: who was added, and every address that
/// was not, with the reason. Nobody is invited.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedMembers {
    /// Added, in the order given: account and normalised address.
    pub added: Vec<(UserId, String)>,
    /// Already members (their role is left alone).
    pub already_members: Vec<String>,
    /// Well-formed, but no account has the address.
    pub unknown: Vec<String>,
    /// Not an e-mail address, as written.
    pub malformed: Vec<String>,
}

/// Splits a pasted list into addresses: one or more per line, separated by commas,
/// semicolons or spaces between addresses; `Name <address>` gives the address.
fn pasted_addresses(pasted: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for piece in pasted.split(['\n', '\r', ',', ';']) {
        let piece = piece.trim();
        if piece.is_empty() {
            continue;
        }
        match (piece.rfind('<'), piece.rfind('>')) {
            (Some(open), Some(close)) if open < close => out.push(piece[open + 1..close].trim()),
            // "a@x.dk b@x.dk" is two addresses; "not an address" is one bad entry.
            _ if piece.split_whitespace().all(|part| part.contains('@')) => {
                out.extend(piece.split_whitespace());
            }
            _ => out.push(piece),
        }
    }
    out
}

/// Adds the accounts behind a pasted list of addresses (or a single one) in `role`, in
/// one transaction. Unknown and malformed addresses are listed back, never invited.
/// `Invalid` on `emails` when the list is empty (`required`) or longer than
/// [`MAX_PASTED_ADDRESSES`] (`too_many`).
pub async fn add_members(
    db: &Db,
    audit: &AuditLog,
    manager: &GroupManager,
    pasted: &str,
    role: GroupRole,
    address: &str,
) -> CoreResult<AddedMembers> {
    let entries = pasted_addresses(pasted);
    if entries.is_empty() {
        return Err(CoreError::invalid("emails", "required"));
    }
    if entries.len() > MAX_PASTED_ADDRESSES {
        return Err(CoreError::invalid("emails", "too_many"));
    }
    let mut outcome = AddedMembers::default();
    let mut wanted: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    for entry in entries {
        match normalise_email(entry) {
            Ok(email) => {
                if seen.insert(email.clone()) {
                    wanted.push(email);
                }
            }
            // Shown back as written, cut so that a pasted novel is not echoed whole.
            Err(_) => outcome.malformed.push(entry.chars().take(254).collect()),
        }
    }
    let group = manager.group();
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    require_live(&mut *tx, group).await?;
    let mut accounts: HashMap<String, UserId> = HashMap::new();
    for chunk in wanted.chunks(CHUNK) {
        let mut query =
            sqlx::QueryBuilder::<sqlx::Sqlite>::new("select id, email from users where email in (");
        let mut list = query.separated(", ");
        for email in chunk {
            list.push_bind(email);
        }
        query.push(")");
        let found: Vec<(UserId, String)> = query.build_query_as().fetch_all(&mut *tx).await?;
        accounts.extend(found.into_iter().map(|(id, email)| (email, id)));
    }
    let members: HashSet<UserId> =
        sqlx::query_scalar::<_, UserId>("select user_id from group_members where group_id = $1")
            .bind(group)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .collect();
    for email in wanted {
        match accounts.get(&email) {
            None => outcome.unknown.push(email),
            Some(id) if members.contains(id) => outcome.already_members.push(email),
            Some(id) => outcome.added.push((*id, email)),
        }
    }
    let now = clock::now();
    for chunk in outcome.added.chunks(CHUNK) {
        let mut query = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "insert into group_members (group_id, user_id, role, added_at) ",
        );
        query.push_values(chunk, |mut row, (user, _)| {
            row.push_bind(group)
                .push_bind(*user)
                .push_bind(role.as_str())
                .push_bind(now);
        });
        query.push(" on conflict (group_id, user_id) do nothing");
        query.build().execute(&mut *tx).await?;
    }
    let added: Vec<UserId> = outcome.added.iter().map(|(user, _)| *user).collect();
    for detail in member_add_details(manager.viewer(), &added, role) {
        let viewer = manager.viewer();
        stage(&mut tx, viewer, action::MEMBER_ADD, group, detail, address).await?;
    }
    tx.commit().await?;
    audit.chain_soon();
    Ok(outcome)
}

/// The details of the audit rows of an addition: one row for the viewer adding
/// themselves, one for a single other person, and a long list in rows of many ids each.
fn member_add_details(viewer: &Viewer, added: &[UserId], role: GroupRole) -> Vec<String> {
    let (mine, others): (Vec<UserId>, Vec<UserId>) = added
        .iter()
        .partition(|user| viewer.user_id == Some(**user));
    let mut details: Vec<String> = mine
        .iter()
        .map(|user| format!("user={} role={} self", user.0, role.as_str()))
        .collect();
    if let [user] = others.as_slice() {
        details.push(format!("user={} role={}", user.0, role.as_str()));
    } else {
        for chunk in others.chunks(60) {
            let ids: Vec<String> = chunk.iter().map(|u| u.0.to_string()).collect();
            details.push(format!("role={} users={}", role.as_str(), ids.join(",")));
        }
    }
    details
}

/// The member's current role, or `NotFound` if the person is not a member.
async fn member_role<'c, E>(conn: E, group: GroupId, user: UserId) -> CoreResult<GroupRole>
where
    E: sqlx::Executor<'c, Database = sqlx::Sqlite>,
{
    let role: String =
        sqlx::query_scalar("select role from group_members where group_id = $1 and user_id = $2")
            .bind(group)
            .bind(user)
            .fetch_optional(conn)
            .await?
            .ok_or(CoreError::NotFound)?;
    GroupRole::from_stored(&role)
}

/// An owner may not leave the group without owners (admins may: they manage it anyway).
async fn keep_an_owner(
    tx: &mut sqlx::SqliteConnection,
    manager: &GroupManager,
    current: GroupRole,
    field: &'static str,
) -> CoreResult<()> {
    if manager.by_admin() || current != GroupRole::Owner {
        return Ok(());
    }
    let owners: i64 = sqlx::query_scalar(
        "select count(*) from group_members where group_id = $1 and role = 'owner'",
    )
    .bind(manager.group())
    .fetch_one(&mut *tx)
    .await?;
    if owners <= 1 {
        Err(CoreError::invalid(field, "last_owner"))
    } else {
        Ok(())
    }
}

/// Changes a member's role; returns the earlier one. `NotFound` for a non-member.
pub async fn set_role(
    db: &Db,
    audit: &AuditLog,
    manager: &GroupManager,
    user: UserId,
    role: GroupRole,
    address: &str,
) -> CoreResult<GroupRole> {
    let group = manager.group();
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    require_live(&mut *tx, group).await?;
    let current = member_role(&mut *tx, group, user).await?;
    if role != GroupRole::Owner {
        keep_an_owner(&mut tx, manager, current, "group_role").await?;
    }
    sqlx::query("update group_members set role = $1 where group_id = $2 and user_id = $3")
        .bind(role.as_str())
        .bind(group)
        .bind(user)
        .execute(&mut *tx)
        .await?;
    let detail = format!(
        "user={} role={} was={}",
        user.0,
        role.as_str(),
        current.as_str()
    );
    let viewer = manager.viewer();
    stage(&mut tx, viewer, action::MEMBER_ROLE, group, detail, address).await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(current)
}

/// Removes a member; returns the role they had. `NotFound` for a non-member.
pub async fn remove_member(
    db: &Db,
    audit: &AuditLog,
    manager: &GroupManager,
    user: UserId,
    address: &str,
) -> CoreResult<GroupRole> {
    let group = manager.group();
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    require_live(&mut *tx, group).await?;
    let current = member_role(&mut *tx, group, user).await?;
    keep_an_owner(&mut tx, manager, current, "user").await?;
    sqlx::query("delete from group_members where group_id = $1 and user_id = $2")
        .bind(group)
        .bind(user)
        .execute(&mut *tx)
        .await?;
    let detail = format!("user={} was={}", user.0, current.as_str());
    let viewer = manager.viewer();
    stage(
        &mut tx,
        viewer,
        action::MEMBER_REMOVE,
        group,
        detail,
        address,
    )
    .await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::OrgId;
    use crate::policy::{PlatformRole, require_admin};

    struct World {
        db: Db,
        audit: AuditLog,
        admin: Admin,
        _dir: tempfile::TempDir,
    }

    async fn world() -> World {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = crate::db::open(dir.path()).await.expect("db");
        let audit = AuditLog::new(db.clone(), dir.path());
        let org: OrgId = sqlx::query_scalar("select id from organisations order by id limit 1")
            .fetch_one(&db)
            .await
            .expect("org");
        let admin = Viewer::user(UserId(1), org, PlatformRole::Admin, false, vec![]);
        World {
            admin: require_admin(&admin).expect("admin"),
            db,
            audit,
            _dir: dir,
        }
    }

    async fn nis2(w: &World) -> GroupId {
        let new = NewGroup {
            slug: "nis2".into(),
            name: "NIS2".into(),
            description: String::new(),
            default_tlp: Tlp::Amber,
        };
        super::create(&w.db, &w.audit, &w.admin, new, "10.0.0.1")
            .await
            .expect("created")
    }

    /// The audit rows staged and not yet chained: action, group, address, detail.
    async fn staged(db: &Db) -> Vec<(String, Option<i64>, String, String)> {
        sqlx::query_as("select action, subject_id, address, detail from audit_staged order by seq")
            .fetch_all(db)
            .await
            .expect("staged rows")
    }

    async fn name_of(db: &Db, group: GroupId) -> String {
        sqlx::query_scalar("select name from user_groups where id = $1")
            .bind(group)
            .fetch_one(db)
            .await
            .expect("name")
    }

    fn edit_to(name: &str) -> GroupEdit {
        GroupEdit {
            name: name.into(),
            description: String::new(),
            default_tlp: Tlp::Green,
        }
    }

    #[tokio::test]
    async fn a_change_commits_with_its_audit_row_staged_in_the_same_transaction() {
        let w = world().await;
        let group = nis2(&w).await;
        let manager =
            crate::policy::require_group_manager(w.admin.viewer(), group).expect("manager");
        edit(
            &w.db,
            &w.audit,
            &manager,
            edit_to("NIS2-gruppen"),
            "10.0.0.1",
        )
        .await
        .expect("edited");
        assert_eq!(name_of(&w.db, group).await, "NIS2-gruppen");
        assert_eq!(
            staged(&w.db).await,
            [
                (
                    "group_create".to_string(),
                    Some(group.0),
                    "10.0.0.1".to_string(),
                    "tlp=amber".to_string()
                ),
                (
                    "group_edit".to_string(),
                    Some(group.0),
                    "10.0.0.1".to_string(),
                    "tlp=green".to_string()
                ),
            ]
        );
    }

    #[tokio::test]
    async fn a_change_whose_audit_row_cannot_be_staged_rolls_back_whole() {
        let w = world().await;
        let group = nis2(&w).await;
        let manager =
            crate::policy::require_group_manager(w.admin.viewer(), group).expect("manager");
        // The audit row fails after the change's own update has run in the transaction.
        sqlx::query(
            "create trigger refuse_audit before insert on audit_staged \
             begin select raise(abort, 'audit refused'); end",
        )
        .execute(&w.db)
        .await
        .expect("trigger");
        let refused = edit(&w.db, &w.audit, &manager, edit_to("Skjult"), "").await;
        assert!(refused.is_err(), "{refused:?}");
        assert_eq!(
            name_of(&w.db, group).await,
            "NIS2",
            "the change rolled back"
        );
        assert_eq!(staged(&w.db).await.len(), 1, "only the creation's row");
    }

    #[tokio::test]
    async fn a_refused_change_stages_no_audit_row() {
        let w = world().await;
        nis2(&w).await;
        let live = restore(&w.db, &w.audit, &w.admin, "nis2", "").await;
        assert!(
            matches!(
                live,
                Err(CoreError::Invalid {
                    field: "group",
                    reason: "not_archived"
                })
            ),
            "{live:?}"
        );
        let actions: Vec<String> = staged(&w.db).await.into_iter().map(|r| r.0).collect();
        assert_eq!(actions, ["group_create"]);
    }

    #[tokio::test]
    async fn an_addition_is_audited_one_row_per_person_or_in_rows_of_sixty_ids() {
        let admin_id = UserId(7);
        let admin = Viewer::user(
            admin_id,
            crate::ids::OrgId(1),
            PlatformRole::Admin,
            false,
            vec![],
        );
        let one = member_add_details(&admin, &[admin_id, UserId(8)], GroupRole::Member);
        assert_eq!(one, ["user=7 role=member self", "user=8 role=member"]);
        let many: Vec<UserId> = (100..221).map(UserId).collect();
        let rows = member_add_details(&admin, &many, GroupRole::Reader);
        assert_eq!(rows.len(), 3);
        assert!(
            rows[0].starts_with("role=reader users=100,101,"),
            "{}",
            rows[0]
        );
        assert!(rows[2].ends_with("users=220"), "{}", rows[2]);
    }

    #[test]
    fn slugs_are_short_lowercase_words_with_dashes() {
        assert!(validate_slug("referencegruppen").is_ok());
        assert!(validate_slug("nis2-arbejdsgruppe").is_ok());
        for bad in ["", "a", "Ref", "-ref", "ref-", "ref gruppe", "æøå"] {
            assert!(validate_slug(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn names_are_required_and_at_most_two_hundred_characters() {
        assert_eq!(
            crate::names::validate("  Referencegruppen ")
                .ok()
                .as_deref(),
            Some("Referencegruppen")
        );
        assert!(matches!(
            crate::names::validate("   "),
            Err(CoreError::Invalid {
                field: "name",
                reason: "required"
            })
        ));
        assert!(crate::names::validate(&"æ".repeat(crate::names::MAX_CHARS)).is_ok());
        assert!(matches!(
            crate::names::validate(&"x".repeat(10_000)),
            Err(CoreError::Invalid {
                field: "name",
                reason: "too_long"
            })
        ));
    }

    #[test]
    fn a_pasted_list_is_split_on_lines_commas_semicolons_and_spaces() {
        let pasted =
            "a@x.dk\r\nb@x.dk, c@x.dk;d@x.dk e@x.dk\n\n  Mette Lund <f@x.dk>\nnot an address";
        assert_eq!(
            pasted_addresses(pasted),
            vec![
                "a@x.dk",
                "b@x.dk",
                "c@x.dk",
                "d@x.dk",
                "e@x.dk",
                "f@x.dk",
                "not an address"
            ]
        );
        assert!(pasted_addresses(" \n ,; ").is_empty());
    }
}

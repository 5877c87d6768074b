//! Managing other people's accounts: inviting, listing, issuing reset links,
//! disabling and re-enabling, resetting a second factor, ending sessions, and an
//! organisation's second-factor requirement. Every operation asks the policy first
//! (`policy::require_manage_account` and friends); accounts a viewer may not manage
//! in an organisation it cannot see are answered as missing.
//!
//! Each operation stages its audit row (`crate::audit`), naming the account and its
//! organisation, in the transaction that makes the change.

use super::links::{self, Purpose};
use super::{MailLocale, UserStatus, normalise_email, second_factor};
use crate::audit::{self, Actor, AuditLog, Entry, Subject, action};
use crate::clock;
use crate::db::{Db, Tx};
use crate::error::{CoreError, CoreResult};
use crate::ids::{OrgId, UserId};
use crate::names;
use crate::policy::{
    AccountSubject, Admin, PlatformRole, Viewer, can_manage_account, can_manage_org_people,
    require_admin, require_manage_account,
};
use crate::search::outbox::{self, Item, Operation};
use serde::{Deserialize, Serialize};

/// A person invited to the platform. Their account is `invited` until they choose a
/// password through the link.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub email: String,
    pub name: String,
    pub org_id: OrgId,
    pub role: PlatformRole,
    pub org_admin: bool,
    pub locale: MailLocale,
}

/// The new account and the token of its invitation link (shown once).
#[derive(Debug, Clone)]
pub struct Invited {
    pub user_id: UserId,
    pub token: String,
}

/// Creates an invited account and its link. Refusals name the field: `email` (malformed
/// or `taken`), `name`, `org` (`unknown`, or `not_allowed` for an organisation admin
/// inviting elsewhere) and `role` (`not_allowed`: a role the inviter may not grant).
/// `inviter` is `None` only for the command line run by the operator. The account, its
/// link and the audit row commit together.
pub async fn invite(
    db: &Db,
    audit: &AuditLog,
    inviter: Option<&Viewer>,
    new: Invitation,
    address: &str,
) -> CoreResult<Invited> {
    let email = normalise_email(&new.email)?;
    let name = names::validate(&new.name)?;
    let org_exists: Option<i64> = sqlx::query_scalar("select id from organisations where id = $1")
        .bind(new.org_id)
        .fetch_optional(db)
        .await?;
    if org_exists.is_none() {
        return Err(CoreError::invalid("org", "unknown"));
    }
    if let Some(viewer) = inviter {
        let subject = AccountSubject {
            org_id: new.org_id,
            role: new.role,
            org_admin: new.org_admin,
        };
        if !can_manage_org_people(viewer, viewer.org_id) {
            return Err(CoreError::NotFound);
        }
        if !can_manage_org_people(viewer, new.org_id) {
            return Err(CoreError::invalid("org", "not_allowed"));
        }
        if !can_manage_account(viewer, subject) {
            return Err(CoreError::invalid("role", "not_allowed"));
        }
    }
    let now = clock::now();
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let inserted: Option<UserId> = sqlx::query_scalar(
        "insert into users (org_id, email, name, platform_role, org_admin, status, locale, \
         created_at, updated_at) values ($1, $2, $3, $4, $5, 'invited', $6, $7, $7) \
         on conflict (email) do nothing returning id",
    )
    .bind(new.org_id)
    .bind(&email)
    .bind(&name)
    .bind(new.role.as_str())
    .bind(new.org_admin)
    .bind(new.locale.as_str())
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let user_id = inserted.ok_or(CoreError::invalid("email", "taken"))?;
    let created_by = inviter.and_then(|v| v.user_id);
    let token = links::issue(&mut tx, user_id, Purpose::Invitation, created_by).await?;
    let actor = inviter.map_or_else(Actor::nobody, Actor::of);
    let detail = format!("role={} org_admin={}", new.role.as_str(), new.org_admin);
    let entry = Entry::new(actor, action::INVITE).detail(detail);
    stage(&mut tx, entry, user_id, new.org_id, address).await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(Invited { user_id, token })
}

/// Stages `entry`, about the account `user_id` of `org`, in the change's transaction.
async fn stage(
    tx: &mut Tx<'_>,
    entry: Entry,
    user_id: UserId,
    org: OrgId,
    address: &str,
) -> CoreResult<()> {
    audit::stage(
        tx,
        entry.subject(Subject::user(user_id, org)).address(address),
    )
    .await
}

/// One account as the people list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Person {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub org_id: OrgId,
    pub org_name: String,
    pub platform_role: String,
    pub org_admin: bool,
    pub status: String,
    pub second_factor: bool,
    pub sessions: i64,
    /// Has ever chosen a password: new links for this account are only mailed.
    pub ever_active: bool,
}

/// The people the viewer may manage the organisation of: everyone for admins (or one
/// organisation with `org`), the viewer's own organisation for organisation admins.
pub async fn people(db: &Db, viewer: &Viewer, org: Option<OrgId>) -> CoreResult<Vec<Person>> {
    let org = match org {
        Some(org) if can_manage_org_people(viewer, org) => Some(org),
        Some(_) => return Err(CoreError::NotFound),
        None if require_admin(viewer).is_ok() => None,
        None if can_manage_org_people(viewer, viewer.org_id) => Some(viewer.org_id),
        None => return Err(CoreError::NotFound),
    };
    let rows = sqlx::query_as::<_, Person>(
        "select u.id, u.name, u.email, u.org_id, o.name as org_name, u.platform_role, \
         u.org_admin, u.status, u.totp_secret is not null as second_factor, \
         (select count(*) from user_sessions s where s.user_id = u.id) as sessions, \
         (u.password_hash is not null or u.status = 'active') as ever_active \
         from users u join organisations o on o.id = u.org_id \
         where $1 is null or u.org_id = $1 order by o.name, u.name, u.id",
    )
    .bind(org)
    .fetch_all(db)
    .await?;
    Ok(rows)
}

#[derive(sqlx::FromRow)]
struct SubjectRow {
    org_id: OrgId,
    platform_role: String,
    org_admin: bool,
    status: String,
    password_hash: Option<String>,
}

/// Whether the person has ever chosen a password (an invitation redeemed, or an account
/// created with one); disabling and re-enabling does not change it.
fn ever_active(status: &str, password_hash: Option<&str>) -> bool {
    password_hash.is_some() || status == UserStatus::Active.as_str()
}

/// Loads the account and checks that the viewer may manage it.
async fn managed(db: &Db, viewer: &Viewer, user_id: UserId) -> CoreResult<SubjectRow> {
    let row = sqlx::query_as::<_, SubjectRow>(
        "select org_id, platform_role, org_admin, status, password_hash from users where id = $1",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await?
    .ok_or(CoreError::NotFound)?;
    let role = PlatformRole::from_stored(&row.platform_role)?;
    require_manage_account(
        viewer,
        AccountSubject {
            org_id: row.org_id,
            role,
            org_admin: row.org_admin,
        },
    )?;
    Ok(row)
}

/// How a newly issued link may reach its person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The account has been active: the link goes by mail to the account's own address
    /// only and is never shown or returned to anyone, so that no manager can sign in as
    /// the person (a link never passes the second factor, but not everyone has one).
    MailOnly,
    /// An invitation never redeemed: the issuer may pass the link on (and it is mailed
    /// where mail is configured).
    Shown,
}

/// A link just issued by a manager.
#[derive(Debug, Clone)]
pub struct IssuedLink {
    pub purpose: Purpose,
    pub token: String,
    pub delivery: Delivery,
    pub org_id: OrgId,
}

/// Issues a new link for the account: an invitation while it is invited, else a
/// password reset. An account that has ever been active gets a link only when it can be
/// mailed (`mail_configured`), and then only by mail; without mail that is refused
/// (`user` / `mail_only`) before any link exists, and the operator resets the password
/// on the host instead (`operator_link`).
pub async fn issue_link(
    db: &Db,
    audit: &AuditLog,
    viewer: &Viewer,
    user_id: UserId,
    mail_configured: bool,
    address: &str,
) -> CoreResult<IssuedLink> {
    let row = managed(db, viewer, user_id).await?;
    if row.status == UserStatus::Disabled.as_str() {
        return Err(CoreError::invalid("user", "disabled"));
    }
    let (purpose, delivery) = if ever_active(&row.status, row.password_hash.as_deref()) {
        if !mail_configured {
            return Err(CoreError::invalid("user", "mail_only"));
        }
        (Purpose::PasswordReset, Delivery::MailOnly)
    } else {
        (Purpose::Invitation, Delivery::Shown)
    };
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let token = links::issue(&mut tx, user_id, purpose, viewer.user_id).await?;
    let entry = Entry::new(Actor::of(viewer), action::LINK_ISSUE).detail(purpose.as_str());
    stage(&mut tx, entry, user_id, row.org_id, address).await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(IssuedLink {
        purpose,
        token,
        delivery,
        org_id: row.org_id,
    })
}

/// The operator's reset on the host (`vaern admin reset-password`): a link for the
/// account with this address, printed to whoever runs the command. An account never
/// activated gets a fresh invitation instead. Refusals: `email` / `unknown` (no such
/// account) and `user` / `disabled`.
pub async fn operator_link(
    db: &Db,
    audit: &AuditLog,
    email: &str,
    address: &str,
) -> CoreResult<(UserId, IssuedLink)> {
    let email = normalise_email(email)?;
    let (user_id, status, password_hash, org_id) =
        sqlx::query_as::<_, (UserId, String, Option<String>, OrgId)>(
            "select id, status, password_hash, org_id from users where email = $1",
        )
        .bind(&email)
        .fetch_optional(db)
        .await?
        .ok_or(CoreError::invalid("email", "unknown"))?;
    if status == UserStatus::Disabled.as_str() {
        return Err(CoreError::invalid("user", "disabled"));
    }
    let purpose = if ever_active(&status, password_hash.as_deref()) {
        Purpose::PasswordReset
    } else {
        Purpose::Invitation
    };
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let token = links::issue(&mut tx, user_id, purpose, None).await?;
    let entry = Entry::new(Actor::nobody(), action::LINK_ISSUE).detail(purpose.as_str());
    stage(&mut tx, entry, user_id, org_id, address).await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok((
        user_id,
        IssuedLink {
            purpose,
            token,
            delivery: Delivery::Shown,
            org_id,
        },
    ))
}

/// A change to an existing account: its name, and (admins only) its platform role and
/// organisation-admin flag. `None` leaves a field as it is.
#[derive(Debug, Clone)]
pub struct AccountEdit {
    pub name: String,
    pub role: Option<PlatformRole>,
    pub org_admin: Option<bool>,
}

/// Edits an account. Only admins change roles or the organisation-admin flag (`role` /
/// `not_allowed` otherwise), and nobody changes their own (`user` / `self`), so that the
/// last admin cannot demote themselves by accident. A change of privileges ends the
/// person's sessions, so the new role (and any second-factor requirement it brings)
/// applies from their next sign-in. The audit row names what changed.
pub async fn edit(
    db: &Db,
    audit: &AuditLog,
    viewer: &Viewer,
    user_id: UserId,
    change: AccountEdit,
    address: &str,
) -> CoreResult<()> {
    let row = managed(db, viewer, user_id).await?;
    let name = names::validate(&change.name)?;
    let current_role = PlatformRole::from_stored(&row.platform_role)?;
    let role = change.role.unwrap_or(current_role);
    let org_admin = change.org_admin.unwrap_or(row.org_admin);
    let privileges_change = role != current_role || org_admin != row.org_admin;
    if privileges_change {
        if require_admin(viewer).is_err() {
            return Err(CoreError::invalid("role", "not_allowed"));
        }
        if viewer.user_id == Some(user_id) {
            return Err(CoreError::invalid("user", "self"));
        }
    }
    let now = clock::now();
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let name_before: String = sqlx::query_scalar("select name from users where id = $1")
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query(
        "update users set name = $1, platform_role = $2, org_admin = $3, updated_at = $4 \
         where id = $5",
    )
    .bind(&name)
    .bind(role.as_str())
    .bind(org_admin)
    .bind(now)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    if name != name_before {
        // Everything the person wrote shows their name.
        outbox::stage(&mut tx, Item::User(user_id), Operation::Upsert, now).await?;
    }
    if privileges_change {
        sqlx::query("delete from user_sessions where user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
    }
    let detail = if privileges_change {
        format!(
            "role={}->{} org_admin={}->{}",
            current_role.as_str(),
            role.as_str(),
            row.org_admin,
            org_admin
        )
    } else {
        "name".to_string()
    };
    let entry = Entry::new(Actor::of(viewer), action::USER_EDIT).detail(detail);
    stage(&mut tx, entry, user_id, row.org_id, address).await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(())
}

/// Disables an account (ending its sessions at once) or re-enables it. Nobody disables
/// themselves, so that the last admin cannot lock the platform by accident.
pub async fn set_disabled(
    db: &Db,
    audit: &AuditLog,
    viewer: &Viewer,
    user_id: UserId,
    disabled: bool,
    address: &str,
) -> CoreResult<()> {
    let row = managed(db, viewer, user_id).await?;
    if viewer.user_id == Some(user_id) {
        return Err(CoreError::invalid("user", "self"));
    }
    let status = if disabled {
        UserStatus::Disabled
    } else if row.password_hash.is_some() {
        UserStatus::Active
    } else {
        UserStatus::Invited
    };
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query("update users set status = $1, updated_at = $2 where id = $3")
        .bind(status.as_str())
        .bind(clock::now())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    if disabled {
        sqlx::query("delete from user_sessions where user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
    }
    let done = if disabled {
        action::USER_DISABLE
    } else {
        action::USER_ENABLE
    };
    let entry = Entry::new(Actor::of(viewer), done);
    stage(&mut tx, entry, user_id, row.org_id, address).await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(())
}

/// An admin removes a person's second factor (e.g. a lost phone) and ends their
/// sessions; the person enrols again at the next sign-in where it is required.
pub async fn reset_second_factor(
    db: &Db,
    audit: &AuditLog,
    admin: &Admin,
    user_id: UserId,
    address: &str,
) -> CoreResult<()> {
    let row = managed(db, admin.viewer(), user_id).await?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    second_factor::remove(&mut tx, user_id).await?;
    end_all_sessions(&mut tx, user_id).await?;
    let entry = Entry::new(Actor::of(admin.viewer()), action::SECOND_FACTOR_RESET);
    stage(&mut tx, entry, user_id, row.org_id, address).await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(())
}

/// An admin ends every session of a person; returns how many there were.
pub async fn end_sessions(
    db: &Db,
    audit: &AuditLog,
    admin: &Admin,
    user_id: UserId,
    address: &str,
) -> CoreResult<u64> {
    let row = managed(db, admin.viewer(), user_id).await?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let ended = end_all_sessions(&mut tx, user_id).await?;
    let entry = Entry::new(Actor::of(admin.viewer()), action::SESSIONS_END_ALL)
        .detail(format!("sessions={ended}"));
    stage(&mut tx, entry, user_id, row.org_id, address).await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(ended)
}

async fn end_all_sessions(tx: &mut Tx<'_>, user_id: UserId) -> CoreResult<u64> {
    let done = sqlx::query("delete from user_sessions where user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}

/// An organisation as its settings page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct OrgSettings {
    pub id: OrgId,
    pub code: String,
    pub name: String,
    pub require_second_factor: bool,
}

/// The organisations whose people the viewer manages: all for admins, its own for an
/// organisation admin, none otherwise.
pub async fn manageable_orgs(db: &Db, viewer: &Viewer) -> CoreResult<Vec<OrgSettings>> {
    let all = sqlx::query_as::<_, OrgSettings>(
        "select id, code, name, require_second_factor from organisations order by name",
    )
    .fetch_all(db)
    .await?;
    Ok(all
        .into_iter()
        .filter(|org| can_manage_org_people(viewer, org.id))
        .collect())
}

/// Requires (or stops requiring) a second factor of everyone in the organisation.
/// Turning it on signs out at once the members who have none; they enrol at their next
/// sign-in.
pub async fn set_org_second_factor(
    db: &Db,
    audit: &AuditLog,
    viewer: &Viewer,
    org_id: OrgId,
    required: bool,
    address: &str,
) -> CoreResult<()> {
    if !can_manage_org_people(viewer, org_id) {
        return Err(CoreError::NotFound);
    }
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let was: bool =
        sqlx::query_scalar("select require_second_factor from organisations where id = $1")
            .bind(org_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(CoreError::NotFound)?;
    sqlx::query("update organisations set require_second_factor = $1 where id = $2")
        .bind(required)
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
    if required && !was {
        // A session that passed no second factor would outlive the new rule: it ends,
        // and the person enrols at the next sign-in.
        sqlx::query(
            "delete from user_sessions where user_id in \
             (select id from users where org_id = $1 and totp_secret is null)",
        )
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
    }
    audit::stage(
        &mut tx,
        Entry::new(Actor::of(viewer), action::ORG_SECOND_FACTOR)
            .subject(Subject::organisation(org_id))
            .address(address)
            .detail(format!("required={required}")),
    )
    .await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(())
}

//! Groups: the viewer's own, the admins' list, a group's page, and managing a group and
//! its members (admins and the group's owners; the policy in `vaern_core` decides).
//! Every management action is recorded in the audit log, by ids only, by core.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupEntry {
    pub slug: String,
    pub name: String,
    pub description: String,
    /// "owner", "moderator", "member" or "reader".
    pub role: String,
}

#[server(prefix = "/rpc", endpoint = "my_groups")]
pub async fn my_groups() -> Result<Vec<GroupEntry>, AppError> {
    use crate::request;
    let signed_in = request::signed_in()?;
    let backend = request::backend()?;
    let groups = vaern_core::groups::mine(&backend.db, &signed_in.viewer).await?;
    Ok(groups
        .into_iter()
        .map(|g| GroupEntry {
            slug: g.slug,
            name: g.name,
            description: g.description,
            role: g.role.as_str().to_string(),
        })
        .collect())
}

/// A group in the admins' list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminGroupEntry {
    pub slug: String,
    pub name: String,
    pub description: String,
    /// Stored form, e.g. "amber+strict".
    pub default_tlp: String,
    pub archived: bool,
    pub members: i64,
}

/// One member on a group page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub id: i64,
    pub name: String,
    /// Only for those who manage the group.
    pub email: Option<String>,
    pub org_name: String,
    /// "owner", "moderator", "member" or "reader".
    pub role: String,
}

/// A group page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupView {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub default_tlp: String,
    pub archived: bool,
    /// The viewer may rename, describe, archive and manage members.
    pub manageable: bool,
    /// The viewer is a platform admin (who may also restore an archived group).
    pub is_admin: bool,
    /// The viewer is a member, and so reads the group's forum.
    pub is_member: bool,
    pub members: Vec<MemberView>,
}

/// What adding a list of addresses did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedView {
    pub added: Vec<String>,
    pub already_members: Vec<String>,
    pub unknown: Vec<String>,
    pub malformed: Vec<String>,
}

#[cfg(feature = "ssr")]
mod ssr {
    use crate::error::AppError;
    use vaern_core::policy::{Admin, GroupRole, Tlp, Viewer};

    /// Admin-only pages and actions are answered as missing for everyone else.
    pub fn admin(viewer: &Viewer) -> Result<Admin, AppError> {
        vaern_core::policy::require_admin(viewer).map_err(|_| AppError::NotFound)
    }

    pub fn tlp(value: &str) -> Result<Tlp, AppError> {
        Tlp::parse(value.trim()).ok_or(AppError::invalid("default_tlp", "unknown"))
    }

    pub fn role(value: &str) -> Result<GroupRole, AppError> {
        GroupRole::parse(value.trim()).ok_or(AppError::invalid("group_role", "unknown"))
    }
}

/// Every group, archived ones included: admins only.
#[server(prefix = "/rpc", endpoint = "admin_groups")]
pub async fn admin_groups() -> Result<Vec<AdminGroupEntry>, AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let admin = ssr::admin(&viewer)?;
    let groups = vaern_core::groups::all(&request::backend()?.db, &admin).await?;
    Ok(groups
        .into_iter()
        .map(|g| AdminGroupEntry {
            slug: g.slug,
            name: g.name,
            description: g.description,
            default_tlp: g.default_tlp.as_str().to_string(),
            archived: g.archived,
            members: g.members,
        })
        .collect())
}

#[server(prefix = "/rpc", endpoint = "create_group")]
pub async fn create_group(
    slug: String,
    name: String,
    description: String,
    default_tlp: String,
) -> Result<String, AppError> {
    use crate::request;
    use vaern_core::groups::{self, NewGroup};
    let viewer = request::signed_in()?.viewer;
    let admin = ssr::admin(&viewer)?;
    let backend = request::backend()?;
    let default_tlp = ssr::tlp(&default_tlp)?;
    let slug = slug.trim().to_string();
    groups::create(
        &backend.db,
        &backend.audit,
        &admin,
        NewGroup {
            slug: slug.clone(),
            name,
            description,
            default_tlp,
        },
        &request::context()?.address,
    )
    .await?;
    Ok(slug)
}

#[server(prefix = "/rpc", endpoint = "group")]
pub async fn load_group(slug: String) -> Result<GroupView, AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let group = vaern_core::groups::find(&backend.db, &viewer, &slug).await?;
    Ok(GroupView {
        slug: group.slug,
        name: group.name,
        description: group.description,
        default_tlp: group.default_tlp.as_str().to_string(),
        archived: group.archived,
        manageable: group.manageable,
        is_admin: vaern_core::policy::require_admin(&viewer).is_ok(),
        is_member: viewer.group_role(group.id).is_some(),
        members: group
            .members
            .into_iter()
            .map(|m| MemberView {
                id: m.user_id.0,
                name: m.name,
                email: m.email,
                org_name: m.org_name,
                role: m.role.as_str().to_string(),
            })
            .collect(),
    })
}

#[server(prefix = "/rpc", endpoint = "edit_group")]
pub async fn edit_group(
    slug: String,
    name: String,
    description: String,
    default_tlp: String,
) -> Result<(), AppError> {
    use crate::request;
    use vaern_core::groups::{self, GroupEdit};
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let manager = groups::manage(&backend.db, &viewer, &slug).await?;
    let default_tlp = ssr::tlp(&default_tlp)?;
    groups::edit(
        &backend.db,
        &backend.audit,
        &manager,
        GroupEdit {
            name,
            description,
            default_tlp,
        },
        &request::context()?.address,
    )
    .await?;
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "archive_group")]
pub async fn archive_group(slug: String) -> Result<(), AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let manager = vaern_core::groups::manage(&backend.db, &viewer, &slug).await?;
    let address = request::context()?.address;
    vaern_core::groups::archive(&backend.db, &backend.audit, &manager, &address).await?;
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "restore_group")]
pub async fn restore_group(slug: String) -> Result<(), AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let admin = ssr::admin(&viewer)?;
    let backend = request::backend()?;
    let address = request::context()?.address;
    vaern_core::groups::restore(&backend.db, &backend.audit, &admin, &slug, &address).await?;
    Ok(())
}

/// Adds the accounts behind one address or a pasted list; the others are listed back.
#[server(prefix = "/rpc", endpoint = "add_group_members")]
pub async fn add_group_members(
    slug: String,
    emails: String,
    role: String,
) -> Result<AddedView, AppError> {
    use crate::request;
    use vaern_core::groups;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let manager = groups::manage(&backend.db, &viewer, &slug).await?;
    let role = ssr::role(&role)?;
    let address = request::context()?.address;
    let outcome = groups::add_members(
        &backend.db,
        &backend.audit,
        &manager,
        &emails,
        role,
        &address,
    )
    .await?;
    Ok(AddedView {
        added: outcome.added.into_iter().map(|(_, email)| email).collect(),
        already_members: outcome.already_members,
        unknown: outcome.unknown,
        malformed: outcome.malformed,
    })
}

#[server(prefix = "/rpc", endpoint = "set_group_member_role")]
pub async fn set_group_member_role(slug: String, user: i64, role: String) -> Result<(), AppError> {
    use crate::request;
    use vaern_core::groups;
    use vaern_core::ids::UserId;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let manager = groups::manage(&backend.db, &viewer, &slug).await?;
    let role = ssr::role(&role)?;
    let address = request::context()?.address;
    groups::set_role(
        &backend.db,
        &backend.audit,
        &manager,
        UserId(user),
        role,
        &address,
    )
    .await?;
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "remove_group_member")]
pub async fn remove_group_member(slug: String, user: i64) -> Result<(), AppError> {
    use crate::request;
    use vaern_core::groups;
    use vaern_core::ids::UserId;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let manager = groups::manage(&backend.db, &viewer, &slug).await?;
    let address = request::context()?.address;
    groups::remove_member(
        &backend.db,
        &backend.audit,
        &manager,
        UserId(user),
        &address,
    )
    .await?;
    Ok(())
}

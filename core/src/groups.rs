//! Groups: closed spaces with members in a group role; each later gets a forum and a
//! library. Creating groups is for admins (`&Admin`).

use crate::clock;
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::ids::{GroupId, UserId};
use crate::policy::{Admin, GroupRole, Tlp, Viewer};
use serde::{Deserialize, Serialize};

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
            let role = GroupRole::parse(&role)
                .ok_or_else(|| CoreError::Internal(format!("unknown group role {role}")))?;
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

/// Creates a group. `Conflict` if the slug is taken.
pub async fn create(db: &Db, _admin: &Admin, new: NewGroup) -> CoreResult<GroupId> {
    validate_slug(&new.slug)?;
    let name = new.name.trim();
    if name.is_empty() {
        return Err(CoreError::invalid("name", "required"));
    }
    let id = sqlx::query_scalar::<_, i64>(
        "insert into user_groups (slug, name, description, default_tlp, created_at) \
         values ($1, $2, $3, $4, $5) on conflict (slug) do nothing returning id",
    )
    .bind(&new.slug)
    .bind(name)
    .bind(new.description.trim())
    .bind(new.default_tlp.as_str())
    .bind(clock::now())
    .fetch_optional(db)
    .await?;
    id.map(GroupId).ok_or(CoreError::Conflict("slug_taken"))
}

/// Adds a member or changes a member's role.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_short_lowercase_words_with_dashes() {
        assert!(validate_slug("referencegruppen").is_ok());
        assert!(validate_slug("nis2-arbejdsgruppe").is_ok());
        for bad in ["", "a", "Ref", "-ref", "ref-", "ref gruppe", "æøå"] {
            assert!(validate_slug(bad).is_err(), "{bad:?} should be refused");
        }
    }
}

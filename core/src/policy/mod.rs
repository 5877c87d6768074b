//! THE access policy: who a `Viewer` is, and what it may see and do. Every content
//! read or write in core asks this module, either through a predicate, through the
//! SQL condition that list queries put in their `where` clause, or through the terms
//! the search index filters by.
//!
//! The invariant it guards: the rules of DESIGN §2 ("Who may see what") exist once,
//! here, in three forms that agree on every case (proved by `tests/policy_matrix.rs`):
//!
//! - Rust predicates over a plain description of an item: [`can_see_group_item`] for
//!   group content (threads, posts, folders, documents, pages) and
//!   [`can_see_intel_item`] for alerts, advisories, incidents and STIX objects;
//! - SQL conditions for list queries: [`push_group_content_visible`] and
//!   [`push_intel_visible`], over the columns documented on [`GroupContentSql`] and
//!   [`IntelSql`];
//! - index terms for search: the principals each item is indexed with
//!   ([`group_item_terms`], [`intel_item_terms`]) and those a viewer holds
//!   ([`viewer_terms`]); an item is found only by a viewer sharing one ([`terms_admit`]).
//!
//! Nothing here bypasses the rules: platform admins read group content only as members,
//! and API tokens have no groups and never see TLP:RED. A hidden item must be answered
//! exactly like a missing one (`CoreError::NotFound`); the `require_*` helpers do so.

use crate::error::{CoreError, CoreResult};
use crate::ids::{GroupId, OrgId, UserId};
use serde::{Deserialize, Serialize};

/// Implements `sqlx::Type`, `Encode` and `Decode` for an enum stored as its `as_str`
/// text, for any database whose text type is `str`, so that a PostgreSQL backend needs
/// no change here. Decoding unknown text is an error, never a default.
macro_rules! stored_as_text {
    ($ty:ty, $what:literal) => {
        impl<DB: sqlx::Database> sqlx::Type<DB> for $ty
        where
            str: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as sqlx::Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $ty
        where
            &'q str: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&'q str as sqlx::Encode<'q, DB>>::encode(self.as_str(), buf)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $ty
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(
                value: <DB as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <&'r str as sqlx::Decode<'r, DB>>::decode(value)?;
                Self::parse(text).ok_or_else(|| format!("unknown {} {text:?}", $what).into())
            }
        }
    };
}

mod accounts;
mod feedback;
mod group;
mod incidents;
mod index_terms;
mod intel;
mod sql;
mod tlp;
mod tokens;

pub use accounts::{
    AccountSubject, can_manage_account, can_manage_org_people, require_manage_account,
};
pub use feedback::{FeedbackItem, can_see_feedback};
pub use group::{
    GroupItem, GroupManager, can_manage_group, can_manage_item, can_moderate, can_post_in,
    can_read_in, can_reply_to, can_see_group_item, can_see_group_members,
    recipient_orgs_or_default, require_group_manager, require_manage_group, require_manage_item,
    require_moderate, require_post_in, require_reply_to, sees_chatham_house_authors,
};
pub use incidents::{
    IncidentItem, can_add_entry, can_manage_incident, can_see_incident, can_undo_significance,
};
pub use index_terms::{
    FREE, alert_work_terms, feedback_terms, group_item_terms, incident_terms, intel_item_terms,
    terms_admit, viewer_terms,
};
pub use intel::{
    IdentityOf, IntelItem, OrgKind, StixClass, can_label_intel, can_read_alert_work,
    can_see_earlier_version, can_see_intel_item, can_see_response_status, can_see_stix_object,
    can_work_alert, is_identity_shared,
};
pub use sql::{
    FeedbackSql, GroupContentSql, IncidentSql, IntelSql, StixSql, push_feedback_visible,
    push_group_content_visible, push_incident_visible, push_intel_visible, push_response_visible,
    push_stix_visible,
};
pub use tlp::Tlp;
pub use tokens::{
    Scope, TokenGrant, can_manage_tokens, can_revoke_token, grantable_scopes, require_grant,
    require_revoke_token,
};

/// Platform-wide role of an account (DESIGN §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PlatformRole {
    /// Manages organisations, people, groups and tokens; reads no group content by role.
    Admin,
    /// Analysis-centre staff: sees all intel up to AMBER+STRICT and unmarked intel.
    Analyst,
    /// Programme staff; sees content as a member of its own organisation.
    Coordinator,
    /// Everyone else.
    Member,
}

impl PlatformRole {
    /// Every role, strongest first.
    pub const ALL: [PlatformRole; 4] =
        [Self::Admin, Self::Analyst, Self::Coordinator, Self::Member];

    /// The stored form (`users.platform_role`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Analyst => "analyst",
            Self::Coordinator => "coordinator",
            Self::Member => "member",
        }
    }

    /// Reads the stored form; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Reads a role read back from the database, where anything unknown is a bug.
    pub fn from_stored(s: &str) -> CoreResult<Self> {
        Self::parse(s).ok_or_else(|| CoreError::Internal(format!("unknown platform role {s:?}")))
    }
}

/// A member's role inside one group, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum GroupRole {
    /// Also manages the group.
    Owner,
    /// Also pins, locks, moves and removes items it can see.
    Moderator,
    /// Reads, posts, replies and uploads.
    Member,
    /// Reads only.
    Reader,
}

impl GroupRole {
    /// Every role, strongest first.
    pub const ALL: [GroupRole; 4] = [Self::Owner, Self::Moderator, Self::Member, Self::Reader];

    /// The stored form (`group_members.role`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Moderator => "moderator",
            Self::Member => "member",
            Self::Reader => "reader",
        }
    }

    /// Reads the stored form; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Reads a role read back from the database, where anything unknown is a bug.
    pub fn from_stored(s: &str) -> CoreResult<Self> {
        Self::parse(s).ok_or_else(|| CoreError::Internal(format!("unknown group role {s:?}")))
    }
}

/// Who is asking: a signed-in person, or an API token acting for its organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ViewerKind {
    /// A signed-in, active person.
    User,
    /// Acts as a plain member of its organisation with no group memberships, and never
    /// sees TLP:RED.
    ApiToken,
}

/// The principal every content operation takes first. Only active users and valid
/// tokens become viewers (the HTTP layer's job), so "every active user" in DESIGN §2
/// means "every viewer" here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    /// The person; `None` for API tokens.
    pub user_id: Option<UserId>,
    /// The person's (or token's) organisation.
    pub org_id: OrgId,
    /// Platform role; `Member` for API tokens.
    pub role: PlatformRole,
    /// Administers the members of its own organisation.
    pub org_admin: bool,
    /// Person or token.
    pub kind: ViewerKind,
    /// The viewer's group memberships; empty for API tokens.
    pub groups: Vec<(GroupId, GroupRole)>,
}

impl Viewer {
    /// A signed-in person.
    pub fn user(
        user_id: UserId,
        org_id: OrgId,
        role: PlatformRole,
        org_admin: bool,
        groups: Vec<(GroupId, GroupRole)>,
    ) -> Self {
        Self {
            user_id: Some(user_id),
            org_id,
            role,
            org_admin,
            kind: ViewerKind::User,
            groups,
        }
    }

    /// An API token of `org_id`: a plain member with no groups.
    pub fn api_token(org_id: OrgId) -> Self {
        Self {
            user_id: None,
            org_id,
            role: PlatformRole::Member,
            org_admin: false,
            kind: ViewerKind::ApiToken,
            groups: Vec::new(),
        }
    }

    /// The viewer's role in `group`, if it is a member.
    pub fn group_role(&self, group: GroupId) -> Option<GroupRole> {
        self.groups
            .iter()
            .find(|(g, _)| *g == group)
            .map(|(_, r)| *r)
    }
}

/// The person behind the viewer; `None` for tokens, so that nothing a person is granted
/// by name (RED recipients, authorship, group membership) ever reaches a token, even a
/// malformed one.
fn person(viewer: &Viewer) -> Option<UserId> {
    match viewer.kind {
        ViewerKind::User => viewer.user_id,
        ViewerKind::ApiToken => None,
    }
}

/// The viewer's role in `group` as a person; tokens are members of nothing.
fn member_role(viewer: &Viewer, group: GroupId) -> Option<GroupRole> {
    person(viewer).and_then(|_| viewer.group_role(group))
}

/// The groups whose content the viewer may open at all; empty for tokens.
fn member_groups(viewer: &Viewer) -> Vec<GroupId> {
    if person(viewer).is_none() {
        return Vec::new();
    }
    let mut groups: Vec<GroupId> = viewer.groups.iter().map(|(g, _)| *g).collect();
    groups.sort_unstable();
    groups.dedup();
    groups
}

/// A signed-in analyst; tokens are never analysts whatever their role field says.
fn is_analyst(viewer: &Viewer) -> bool {
    person(viewer).is_some() && viewer.role == PlatformRole::Analyst
}

/// Proof that the viewer is a platform admin. Only this module constructs it, so an
/// admin-only operation that takes `&Admin` cannot be called without the check.
#[derive(Debug, Clone)]
pub struct Admin {
    viewer: Viewer,
}

impl Admin {
    /// The admin behind the proof.
    pub fn viewer(&self) -> &Viewer {
        &self.viewer
    }
}

/// The admin guard: `Forbidden` for anyone but a signed-in platform admin.
pub fn require_admin(viewer: &Viewer) -> CoreResult<Admin> {
    if viewer.kind == ViewerKind::User && viewer.role == PlatformRole::Admin {
        Ok(Admin {
            viewer: viewer.clone(),
        })
    } else {
        Err(CoreError::Forbidden)
    }
}

/// The analysts' guard (the received-objects view): `Forbidden` for anyone but a
/// signed-in analyst; tokens never are one.
pub fn require_analyst(viewer: &Viewer) -> CoreResult<()> {
    if is_analyst(viewer) {
        Ok(())
    } else {
        Err(CoreError::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_signed_in_analyst_passes_the_analyst_guard() {
        let analyst = Viewer::user(UserId(1), OrgId(1), PlatformRole::Analyst, false, vec![]);
        assert!(require_analyst(&analyst).is_ok());
        let admin = Viewer::user(UserId(1), OrgId(1), PlatformRole::Admin, false, vec![]);
        assert!(matches!(require_analyst(&admin), Err(CoreError::Forbidden)));
        let mut token = Viewer::api_token(OrgId(1));
        token.role = PlatformRole::Analyst;
        assert!(matches!(require_analyst(&token), Err(CoreError::Forbidden)));
    }

    #[test]
    fn roles_round_trip_through_their_stored_form() {
        for role in PlatformRole::ALL {
            assert_eq!(PlatformRole::parse(role.as_str()), Some(role));
        }
        for role in GroupRole::ALL {
            assert_eq!(GroupRole::parse(role.as_str()), Some(role));
        }
        assert_eq!(PlatformRole::parse("root"), None);
        assert_eq!(GroupRole::parse("Owner"), None);
    }

    #[test]
    fn only_a_signed_in_admin_passes_the_admin_guard() {
        let admin = Viewer::user(UserId(1), OrgId(1), PlatformRole::Admin, false, vec![]);
        assert!(require_admin(&admin).is_ok());
        for role in [
            PlatformRole::Analyst,
            PlatformRole::Coordinator,
            PlatformRole::Member,
        ] {
            let other = Viewer::user(UserId(1), OrgId(1), role, true, vec![]);
            assert!(matches!(require_admin(&other), Err(CoreError::Forbidden)));
        }
        let mut token = Viewer::api_token(OrgId(1));
        token.role = PlatformRole::Admin;
        assert!(matches!(require_admin(&token), Err(CoreError::Forbidden)));
    }

    #[test]
    fn token_with_forged_groups_is_still_a_member_of_nothing() {
        let mut token = Viewer::api_token(OrgId(1));
        token.groups = vec![(GroupId(1), GroupRole::Owner)];
        token.role = PlatformRole::Analyst;
        assert_eq!(member_role(&token, GroupId(1)), None);
        assert!(member_groups(&token).is_empty());
        assert!(!is_analyst(&token));
    }
}

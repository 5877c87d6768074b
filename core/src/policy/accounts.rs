//! Who may manage whose account (DESIGN §3 B): platform admins manage everyone;
//! an organisation admin invites, resets, disables and re-enables the plain members
//! of its own organisation, and nobody else. API tokens manage nothing.

use super::{PlatformRole, Viewer, ViewerKind};
use crate::error::{CoreError, CoreResult};
use crate::ids::OrgId;

/// The account being managed, or about to be created by an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountSubject {
    pub org_id: OrgId,
    pub role: PlatformRole,
    pub org_admin: bool,
}

fn is_admin(viewer: &Viewer) -> bool {
    viewer.kind == ViewerKind::User && viewer.role == PlatformRole::Admin
}

/// May the viewer see the people of `org` and manage the organisation's settings
/// (such as requiring a second factor)?
pub fn can_manage_org_people(viewer: &Viewer, org: OrgId) -> bool {
    is_admin(viewer)
        || (viewer.kind == ViewerKind::User && viewer.org_admin && viewer.org_id == org)
}

/// May the viewer invite, reset, disable or re-enable this account?
pub fn can_manage_account(viewer: &Viewer, subject: AccountSubject) -> bool {
    is_admin(viewer)
        || (can_manage_org_people(viewer, subject.org_id)
            && subject.role == PlatformRole::Member
            && !subject.org_admin)
}

/// The guard for account management: anything the viewer may not do is answered as
/// not found (issue 4's rule for every admin operation), so refusals never confirm that
/// an account exists.
pub fn require_manage_account(viewer: &Viewer, subject: AccountSubject) -> CoreResult<()> {
    if can_manage_account(viewer, subject) {
        Ok(())
    } else {
        Err(CoreError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;

    const HOME: OrgId = OrgId(1);
    const ELSEWHERE: OrgId = OrgId(2);

    fn subject(org_id: OrgId, role: PlatformRole, org_admin: bool) -> AccountSubject {
        AccountSubject {
            org_id,
            role,
            org_admin,
        }
    }

    #[test]
    fn admins_manage_every_account() {
        let admin = Viewer::user(UserId(1), HOME, PlatformRole::Admin, false, vec![]);
        for org in [HOME, ELSEWHERE] {
            for role in PlatformRole::ALL {
                for org_admin in [false, true] {
                    assert!(can_manage_account(&admin, subject(org, role, org_admin)));
                }
            }
        }
    }

    #[test]
    fn org_admins_manage_only_plain_members_of_their_own_organisation() {
        let org_admin = Viewer::user(UserId(1), HOME, PlatformRole::Member, true, vec![]);
        assert!(can_manage_account(
            &org_admin,
            subject(HOME, PlatformRole::Member, false)
        ));
        assert!(!can_manage_account(
            &org_admin,
            subject(HOME, PlatformRole::Member, true)
        ));
        assert!(!can_manage_account(
            &org_admin,
            subject(HOME, PlatformRole::Analyst, false)
        ));
        assert!(!can_manage_account(
            &org_admin,
            subject(HOME, PlatformRole::Admin, false)
        ));
        assert!(!can_manage_account(
            &org_admin,
            subject(ELSEWHERE, PlatformRole::Member, false)
        ));
        assert!(matches!(
            require_manage_account(&org_admin, subject(ELSEWHERE, PlatformRole::Member, false)),
            Err(CoreError::NotFound)
        ));
        assert!(matches!(
            require_manage_account(&org_admin, subject(HOME, PlatformRole::Coordinator, false)),
            Err(CoreError::NotFound)
        ));
    }

    #[test]
    fn plain_members_and_tokens_manage_nobody() {
        let member = Viewer::user(UserId(1), HOME, PlatformRole::Member, false, vec![]);
        let mut token = Viewer::api_token(HOME);
        token.org_admin = true;
        token.role = PlatformRole::Admin;
        for viewer in [member, token] {
            assert!(!can_manage_org_people(&viewer, HOME));
            assert!(!can_manage_account(
                &viewer,
                subject(HOME, PlatformRole::Member, false)
            ));
        }
    }
}

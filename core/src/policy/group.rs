//! Group content (threads, posts, folders, documents, pages): who may see an item, and
//! what each group role may do with what it sees. Membership is the only way in:
//! platform admins get no bypass and tokens are members of nothing.

use super::{GroupRole, Tlp, Viewer, member_role, person};
use crate::error::{CoreError, CoreResult};
use crate::ids::{GroupId, OrgId, UserId};

/// What the policy needs to know about one piece of group content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupItem<'a> {
    /// The group whose forum or library holds the item.
    pub group_id: GroupId,
    /// The item's effective label.
    pub tlp: Tlp,
    /// Who wrote or uploaded it.
    pub author_id: UserId,
    /// AMBER+STRICT audience. Stored explicitly at write time, defaulting to the
    /// author's organisation (see [`recipient_orgs_or_default`]); ignored for other labels.
    pub recipient_orgs: &'a [OrgId],
    /// RED audience besides the author; ignored for other labels.
    pub recipient_users: &'a [UserId],
}

/// Whether `viewer` may see `item` (DESIGN §2, group content):
///
/// - CLEAR / GREEN / AMBER: members of the group, any group role;
/// - AMBER+STRICT: members whose organisation is a recipient organisation;
/// - RED: members who are named recipients, and the author while a member.
pub fn can_see_group_item(viewer: &Viewer, item: &GroupItem<'_>) -> bool {
    let Some(user) = person(viewer) else {
        return false;
    };
    if member_role(viewer, item.group_id).is_none() {
        return false;
    }
    match item.tlp {
        Tlp::Clear | Tlp::Green | Tlp::Amber => true,
        Tlp::AmberStrict => item.recipient_orgs.contains(&viewer.org_id),
        Tlp::Red => item.author_id == user || item.recipient_users.contains(&user),
    }
}

impl GroupRole {
    /// Reads the group's content (subject to its labels): every role.
    pub fn can_read(self) -> bool {
        true
    }

    /// Posts threads, replies, uploads documents and writes pages: member and up.
    pub fn can_post(self) -> bool {
        matches!(self, Self::Owner | Self::Moderator | Self::Member)
    }

    /// Pins, locks, moves and removes items it can see: moderator and up.
    pub fn can_moderate(self) -> bool {
        matches!(self, Self::Owner | Self::Moderator)
    }

    /// Manages the group (name, default TLP, members): owner only.
    pub fn can_manage(self) -> bool {
        matches!(self, Self::Owner)
    }
}

/// Whether `viewer` may open `group`'s forum and library at all: its members, any role
/// (each item is then checked by [`can_see_group_item`]). Admins manage groups but read
/// no content.
pub fn can_read_in(viewer: &Viewer, group: GroupId) -> bool {
    member_role(viewer, group).is_some_and(GroupRole::can_read)
}

/// Whether `viewer` sees who wrote what in a Chatham House thread of `group` that it can
/// see: the group's moderators and owners do; everyone else reads "a participant" (an
/// author always knows their own posts).
pub fn sees_chatham_house_authors(viewer: &Viewer, group: GroupId) -> bool {
    member_role(viewer, group).is_some_and(GroupRole::can_moderate)
}

/// Whether `viewer` may start threads, upload or write pages in `group`.
pub fn can_post_in(viewer: &Viewer, group: GroupId) -> bool {
    member_role(viewer, group).is_some_and(GroupRole::can_post)
}

/// Whether `viewer` may reply to, or quote, `parent`: it must see the parent and post in
/// its group. The reply's label is then `parent.tlp.raise(..)` or checked with
/// [`Tlp::check_change`].
pub fn can_reply_to(viewer: &Viewer, parent: &GroupItem<'_>) -> bool {
    can_see_group_item(viewer, parent) && can_post_in(viewer, parent.group_id)
}

/// Whether `viewer` may pin, lock, move or remove `item`: a moderator or owner of its
/// group who can see it. A moderator never acts on what it cannot read.
pub fn can_moderate(viewer: &Viewer, item: &GroupItem<'_>) -> bool {
    can_see_group_item(viewer, item)
        && member_role(viewer, item.group_id).is_some_and(GroupRole::can_moderate)
}

/// Whether `viewer` may change or remove `item` as a whole (a library document's
/// title, label or existence): its author, or a moderator, who can see it.
pub fn can_manage_item(viewer: &Viewer, item: &GroupItem<'_>) -> bool {
    can_see_group_item(viewer, item)
        && (person(viewer) == Some(item.author_id) || can_moderate(viewer, item))
}

/// [`can_manage_item`] as a result: `NotFound` for an item the viewer cannot see,
/// `Forbidden` for one it sees but may not manage.
pub fn require_manage_item(viewer: &Viewer, item: &GroupItem<'_>) -> CoreResult<()> {
    if !can_see_group_item(viewer, item) {
        Err(CoreError::NotFound)
    } else if can_manage_item(viewer, item) {
        Ok(())
    } else {
        Err(CoreError::Forbidden)
    }
}

/// Whether `viewer` may manage `group` as its owner. Platform admins manage groups
/// through the [`super::Admin`] guard instead, which gives them no content access.
pub fn can_manage_group(viewer: &Viewer, group: GroupId) -> bool {
    member_role(viewer, group).is_some_and(GroupRole::can_manage)
}

/// [`can_post_in`] as a result: `NotFound` for a non-member (the group stays hidden),
/// `Forbidden` for a reader.
pub fn require_post_in(viewer: &Viewer, group: GroupId) -> CoreResult<()> {
    match member_role(viewer, group) {
        None => Err(CoreError::NotFound),
        Some(role) if role.can_post() => Ok(()),
        Some(_) => Err(CoreError::Forbidden),
    }
}

/// [`can_reply_to`] as a result: `NotFound` if the parent is hidden, `Forbidden` for a
/// reader who can see it.
pub fn require_reply_to(viewer: &Viewer, parent: &GroupItem<'_>) -> CoreResult<()> {
    if !can_see_group_item(viewer, parent) {
        return Err(CoreError::NotFound);
    }
    require_post_in(viewer, parent.group_id)
}

/// [`can_moderate`] as a result: `NotFound` if the item is hidden, `Forbidden` for a
/// member or reader who can see it.
pub fn require_moderate(viewer: &Viewer, item: &GroupItem<'_>) -> CoreResult<()> {
    if !can_see_group_item(viewer, item) {
        return Err(CoreError::NotFound);
    }
    if can_moderate(viewer, item) {
        Ok(())
    } else {
        Err(CoreError::Forbidden)
    }
}

/// [`can_manage_group`] as a result: `NotFound` for a non-member, `Forbidden` for a
/// member that is not an owner.
pub fn require_manage_group(viewer: &Viewer, group: GroupId) -> CoreResult<()> {
    match member_role(viewer, group) {
        None => Err(CoreError::NotFound),
        Some(role) if role.can_manage() => Ok(()),
        Some(_) => Err(CoreError::Forbidden),
    }
}

/// Proof that the viewer may manage one group (name, description, default TLP, archive,
/// members): a platform admin, for any group, or an owner of this group. Only this
/// module constructs it, so a management operation that takes `&GroupManager` cannot
/// skip the check. It grants no content access: admins read content only as members.
#[derive(Debug, Clone)]
pub struct GroupManager {
    viewer: Viewer,
    group: GroupId,
    by_admin: bool,
}

impl GroupManager {
    /// Who manages.
    pub fn viewer(&self) -> &Viewer {
        &self.viewer
    }

    /// The group the proof is for.
    pub fn group(&self) -> GroupId {
        self.group
    }

    /// Whether the proof rests on the platform-admin role rather than ownership.
    pub fn by_admin(&self) -> bool {
        self.by_admin
    }
}

/// The guard for group management: platform admins manage every group, owners their
/// own; anyone else is answered `NotFound`, even a member who can see the group.
pub fn require_group_manager(viewer: &Viewer, group: GroupId) -> CoreResult<GroupManager> {
    let by_admin = super::require_admin(viewer).is_ok();
    if !by_admin {
        // Group administration follows issue 4's rule: whatever one may not do is
        // answered as not found, even for members who can see the group.
        require_manage_group(viewer, group).map_err(|_| CoreError::NotFound)?;
    }
    Ok(GroupManager {
        viewer: viewer.clone(),
        group,
        by_admin,
    })
}

/// Whether `viewer` may open the group's page and read its member list: its members
/// (any role) and platform admins, who manage groups (the page shows no content).
pub fn can_see_group_members(viewer: &Viewer, group: GroupId) -> bool {
    member_role(viewer, group).is_some() || super::require_admin(viewer).is_ok()
}

/// The AMBER+STRICT recipient organisations to store for a new item: the ones chosen,
/// or the author's organisation when none are. Sorted and without duplicates.
pub fn recipient_orgs_or_default(author_org: OrgId, chosen: &[OrgId]) -> Vec<OrgId> {
    let mut orgs = if chosen.is_empty() {
        vec![author_org]
    } else {
        chosen.to_vec()
    };
    orgs.sort_unstable();
    orgs.dedup();
    orgs
}

#[cfg(test)]
mod tests {
    use super::super::PlatformRole;
    use super::*;

    const GROUP: GroupId = GroupId(10);
    const OTHER_GROUP: GroupId = GroupId(11);
    const OUR_ORG: OrgId = OrgId(1);
    const OTHER_ORG: OrgId = OrgId(2);
    const AUTHOR: UserId = UserId(100);
    const RECIPIENT: UserId = UserId(101);
    const BYSTANDER: UserId = UserId(102);

    fn member(user: UserId, org: OrgId, role: GroupRole) -> Viewer {
        Viewer::user(user, org, PlatformRole::Member, false, vec![(GROUP, role)])
    }

    fn item(tlp: Tlp) -> GroupItem<'static> {
        GroupItem {
            group_id: GROUP,
            tlp,
            author_id: AUTHOR,
            recipient_orgs: &[OUR_ORG],
            recipient_users: &[RECIPIENT],
        }
    }

    #[test]
    fn every_member_reads_in_the_group_but_admins_and_tokens_do_not() {
        for role in GroupRole::ALL {
            assert!(can_read_in(&member(BYSTANDER, OUR_ORG, role), GROUP));
            assert!(!can_read_in(&member(BYSTANDER, OUR_ORG, role), OTHER_GROUP));
        }
        let admin = Viewer::user(BYSTANDER, OUR_ORG, PlatformRole::Admin, false, vec![]);
        assert!(!can_read_in(&admin, GROUP));
        assert!(!can_read_in(&Viewer::api_token(OUR_ORG), GROUP));
    }

    #[test]
    fn only_moderators_and_owners_see_chatham_house_authors() {
        let sees = |role| sees_chatham_house_authors(&member(BYSTANDER, OUR_ORG, role), GROUP);
        assert!(sees(GroupRole::Owner) && sees(GroupRole::Moderator));
        assert!(!sees(GroupRole::Member) && !sees(GroupRole::Reader));
        let moderator_elsewhere = member(BYSTANDER, OUR_ORG, GroupRole::Moderator);
        assert!(!sees_chatham_house_authors(
            &moderator_elsewhere,
            OTHER_GROUP
        ));
    }

    #[test]
    fn member_with_any_role_can_read_clear_green_and_amber() {
        for role in GroupRole::ALL {
            let viewer = member(BYSTANDER, OTHER_ORG, role);
            for tlp in [Tlp::Clear, Tlp::Green, Tlp::Amber] {
                assert!(can_see_group_item(&viewer, &item(tlp)), "{role:?} {tlp:?}");
            }
        }
    }

    #[test]
    fn non_member_cannot_see_even_clear_group_content() {
        let viewer = Viewer::user(
            BYSTANDER,
            OUR_ORG,
            PlatformRole::Member,
            false,
            vec![(OTHER_GROUP, GroupRole::Owner)],
        );
        assert!(!can_see_group_item(&viewer, &item(Tlp::Clear)));
    }

    #[test]
    fn admin_without_membership_cannot_read_group_content() {
        let admin = Viewer::user(BYSTANDER, OUR_ORG, PlatformRole::Admin, true, vec![]);
        for tlp in Tlp::ALL {
            assert!(!can_see_group_item(&admin, &item(tlp)), "{tlp:?}");
        }
    }

    #[test]
    fn analyst_without_membership_cannot_read_group_content() {
        let analyst = Viewer::user(BYSTANDER, OUR_ORG, PlatformRole::Analyst, false, vec![]);
        assert!(!can_see_group_item(&analyst, &item(Tlp::Green)));
    }

    #[test]
    fn member_of_other_org_cannot_see_amber_strict_document() {
        let viewer = member(BYSTANDER, OTHER_ORG, GroupRole::Owner);
        assert!(!can_see_group_item(&viewer, &item(Tlp::AmberStrict)));
    }

    #[test]
    fn member_of_recipient_org_can_see_amber_strict_document() {
        let viewer = member(BYSTANDER, OUR_ORG, GroupRole::Reader);
        assert!(can_see_group_item(&viewer, &item(Tlp::AmberStrict)));
    }

    #[test]
    fn red_is_visible_to_named_recipients_and_the_author_only() {
        let red = item(Tlp::Red);
        assert!(can_see_group_item(
            &member(RECIPIENT, OTHER_ORG, GroupRole::Reader),
            &red
        ));
        assert!(can_see_group_item(
            &member(AUTHOR, OUR_ORG, GroupRole::Member),
            &red
        ));
        // Same organisation as the author is not enough, nor is being the owner.
        assert!(!can_see_group_item(
            &member(BYSTANDER, OUR_ORG, GroupRole::Owner),
            &red
        ));
    }

    #[test]
    fn author_who_left_the_group_cannot_see_own_red_post() {
        let former = Viewer::user(AUTHOR, OUR_ORG, PlatformRole::Member, false, vec![]);
        assert!(!can_see_group_item(&former, &item(Tlp::Red)));
    }

    #[test]
    fn named_recipient_who_is_not_a_member_cannot_see_red() {
        let outsider = Viewer::user(
            RECIPIENT,
            OUR_ORG,
            PlatformRole::Member,
            false,
            vec![(OTHER_GROUP, GroupRole::Member)],
        );
        assert!(!can_see_group_item(&outsider, &item(Tlp::Red)));
    }

    #[test]
    fn token_sees_no_group_content() {
        let token = Viewer::api_token(OUR_ORG);
        for tlp in Tlp::ALL {
            assert!(!can_see_group_item(&token, &item(tlp)), "{tlp:?}");
        }
    }

    #[test]
    fn reader_reads_only() {
        let reader = member(BYSTANDER, OUR_ORG, GroupRole::Reader);
        assert!(GroupRole::Reader.can_read());
        assert!(!can_post_in(&reader, GROUP));
        assert!(!can_reply_to(&reader, &item(Tlp::Green)));
        assert!(!can_moderate(&reader, &item(Tlp::Green)));
        assert!(!can_manage_group(&reader, GROUP));
    }

    #[test]
    fn member_posts_and_replies_but_does_not_moderate() {
        let viewer = member(BYSTANDER, OUR_ORG, GroupRole::Member);
        assert!(can_post_in(&viewer, GROUP));
        assert!(can_reply_to(&viewer, &item(Tlp::Amber)));
        assert!(!can_moderate(&viewer, &item(Tlp::Amber)));
        assert!(!can_post_in(&viewer, OTHER_GROUP));
    }

    #[test]
    fn member_cannot_reply_to_what_it_cannot_see() {
        let viewer = member(BYSTANDER, OTHER_ORG, GroupRole::Member);
        assert!(!can_reply_to(&viewer, &item(Tlp::AmberStrict)));
        assert!(matches!(
            require_reply_to(&viewer, &item(Tlp::AmberStrict)),
            Err(CoreError::NotFound)
        ));
    }

    #[test]
    fn moderator_moderates_only_items_it_can_see() {
        let moderator = member(BYSTANDER, OTHER_ORG, GroupRole::Moderator);
        assert!(can_moderate(&moderator, &item(Tlp::Amber)));
        assert!(!can_moderate(&moderator, &item(Tlp::AmberStrict)));
        assert!(!can_moderate(&moderator, &item(Tlp::Red)));
        assert!(!can_manage_group(&moderator, GROUP));
    }

    #[test]
    fn only_the_owner_manages_the_group() {
        for role in GroupRole::ALL {
            let viewer = member(BYSTANDER, OUR_ORG, role);
            assert_eq!(
                can_manage_group(&viewer, GROUP),
                role == GroupRole::Owner,
                "{role:?}"
            );
        }
        let admin = Viewer::user(BYSTANDER, OUR_ORG, PlatformRole::Admin, false, vec![]);
        assert!(!can_manage_group(&admin, GROUP));
    }

    #[test]
    fn hidden_items_answer_not_found_and_visible_ones_forbidden() {
        let stranger = Viewer::user(BYSTANDER, OUR_ORG, PlatformRole::Admin, false, vec![]);
        assert!(matches!(
            require_post_in(&stranger, GROUP),
            Err(CoreError::NotFound)
        ));
        assert!(matches!(
            require_manage_group(&stranger, GROUP),
            Err(CoreError::NotFound)
        ));
        assert!(matches!(
            require_moderate(&stranger, &item(Tlp::Clear)),
            Err(CoreError::NotFound)
        ));

        let reader = member(BYSTANDER, OUR_ORG, GroupRole::Reader);
        assert!(matches!(
            require_post_in(&reader, GROUP),
            Err(CoreError::Forbidden)
        ));
        assert!(matches!(
            require_reply_to(&reader, &item(Tlp::Clear)),
            Err(CoreError::Forbidden)
        ));
        assert!(matches!(
            require_moderate(&reader, &item(Tlp::Clear)),
            Err(CoreError::Forbidden)
        ));
        assert!(matches!(
            require_manage_group(&reader, GROUP),
            Err(CoreError::Forbidden)
        ));

        let owner = member(BYSTANDER, OUR_ORG, GroupRole::Owner);
        assert!(require_post_in(&owner, GROUP).is_ok());
        assert!(require_reply_to(&owner, &item(Tlp::AmberStrict)).is_ok());
        assert!(require_moderate(&owner, &item(Tlp::AmberStrict)).is_ok());
        assert!(require_manage_group(&owner, GROUP).is_ok());
    }

    #[test]
    fn admins_and_owners_manage_a_group_members_and_strangers_do_not() {
        let admin = Viewer::user(BYSTANDER, OUR_ORG, PlatformRole::Admin, false, vec![]);
        let by_admin = require_group_manager(&admin, GROUP).expect("admin manages");
        assert!(by_admin.by_admin());
        assert_eq!(by_admin.group(), GROUP);
        assert!(can_see_group_members(&admin, GROUP));
        assert!(!can_see_group_item(&admin, &item(Tlp::Clear)));

        let owner = member(BYSTANDER, OUR_ORG, GroupRole::Owner);
        assert!(
            !require_group_manager(&owner, GROUP)
                .expect("owner")
                .by_admin()
        );
        assert!(matches!(
            require_group_manager(&owner, OTHER_GROUP),
            Err(CoreError::NotFound)
        ));
        for role in [GroupRole::Moderator, GroupRole::Member, GroupRole::Reader] {
            let viewer = member(BYSTANDER, OUR_ORG, role);
            assert!(matches!(
                require_group_manager(&viewer, GROUP),
                Err(CoreError::NotFound)
            ));
            assert!(can_see_group_members(&viewer, GROUP));
            assert!(!can_see_group_members(&viewer, OTHER_GROUP));
        }
        let org_admin = Viewer::user(BYSTANDER, OUR_ORG, PlatformRole::Member, true, vec![]);
        assert!(matches!(
            require_group_manager(&org_admin, GROUP),
            Err(CoreError::NotFound)
        ));
        assert!(!can_see_group_members(&org_admin, GROUP));
        let mut token = Viewer::api_token(OUR_ORG);
        token.role = PlatformRole::Admin;
        token.groups = vec![(GROUP, GroupRole::Owner)];
        assert!(require_group_manager(&token, GROUP).is_err());
        assert!(!can_see_group_members(&token, GROUP));
    }

    #[test]
    fn amber_strict_recipients_default_to_the_authors_organisation() {
        assert_eq!(recipient_orgs_or_default(OUR_ORG, &[]), vec![OUR_ORG]);
        assert_eq!(
            recipient_orgs_or_default(OUR_ORG, &[OTHER_ORG, OTHER_ORG]),
            vec![OTHER_ORG]
        );
    }
}

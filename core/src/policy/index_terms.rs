//! The policy's third form: the search index. Every indexed item carries the
//! *principals* that may see it, as plain terms; every search carries the principals the
//! viewer holds, and matches only items sharing at least one. So the index itself answers
//! "may this viewer see it", and counts and facets never include a hidden item.
//!
//! The rule is the one [`can_see_group_item`](super::can_see_group_item) and
//! [`can_see_intel_item`](super::can_see_intel_item) state; `tests/policy_matrix.rs`
//! proves that the three forms agree on the whole matrix. Where the rule is a
//! conjunction ("a member of the group **and** a recipient") the term is compound
//! (`g:12:o:5`), so one shared term is always enough.
//!
//! Some items are visible only where another item is too: a post only where its thread
//! is, a dependent STIX object only where an item it hangs on is. Those carry a second
//! set, their *anchor* terms, which must match as well; an item with no such condition
//! carries [`FREE`] there, which every viewer holds.

use super::{
    FeedbackItem, GroupItem, IncidentItem, IntelItem, OrgKind, Tlp, Viewer, is_analyst,
    member_groups, person,
};
use crate::ids::OrgId;

/// The anchor term of an item that needs no other item to be visible.
pub const FREE: &str = "free";

/// The terms a viewer holds: every search is filtered to items sharing one with its
/// access terms and one with its anchor terms ([`FREE`] included).
///
/// `groups_in_use` are the viewer's groups that are not archived: content of an archived
/// group is shown to nobody, so its terms are not handed out.
pub fn viewer_terms(
    viewer: &Viewer,
    org_kind: OrgKind,
    groups_in_use: impl Fn(super::GroupId) -> bool,
) -> Vec<String> {
    let mut terms = vec![FREE.to_string(), "i:all".to_string()];
    terms.push(format!("i:o:{}", viewer.org_id));
    if org_kind == OrgKind::Municipality {
        terms.push("i:muni".to_string());
    }
    if let Some(user) = person(viewer) {
        terms.push(format!("i:u:{user}"));
        terms.push(format!("i:o:{}:u:{user}", viewer.org_id));
        if viewer.org_admin {
            terms.push(format!("i:oa:{}", viewer.org_id));
        }
        if is_analyst(viewer) {
            terms.push("i:analyst".to_string());
            terms.push(format!("i:ao:{}", viewer.org_id));
            terms.push(format!("i:au:{user}"));
        }
        for group in member_groups(viewer)
            .into_iter()
            .filter(|g| groups_in_use(*g))
        {
            terms.push(format!("g:{group}"));
            terms.push(format!("g:{group}:o:{}", viewer.org_id));
            terms.push(format!("g:{group}:u:{user}"));
        }
    }
    terms
}

/// The terms of the principals that may see a piece of group content (DESIGN §2):
/// the group's members for CLEAR, GREEN and AMBER; its members of each recipient
/// organisation for AMBER+STRICT; its members who are the author or a named recipient
/// for RED.
pub fn group_item_terms(item: &GroupItem<'_>) -> Vec<String> {
    let g = item.group_id;
    match item.tlp {
        Tlp::Clear | Tlp::Green | Tlp::Amber => vec![format!("g:{g}")],
        Tlp::AmberStrict => item
            .recipient_orgs
            .iter()
            .map(|org| format!("g:{g}:o:{org}"))
            .collect(),
        Tlp::Red => std::iter::once(item.author_id)
            .chain(item.recipient_users.iter().copied())
            .map(|user| format!("g:{g}:u:{user}"))
            .collect(),
    }
}

/// The terms of the principals that may see an intel item (DESIGN §2): everyone for
/// CLEAR and GREEN; the target organisations and the analysts for AMBER and
/// AMBER+STRICT (an untargeted AMBER item: every municipality too); the named recipients
/// for RED, and until there are any, the publishing organisation's analysts; analysts
/// only for an unmarked item or one with unlinked targets.
pub fn intel_item_terms(item: &IntelItem<'_>) -> Vec<String> {
    let red = |analysts_only: bool| -> Vec<String> {
        if item.recipient_users.is_empty() {
            vec![format!("i:ao:{}", item.publisher_org_id)]
        } else {
            let prefix = if analysts_only { "i:au" } else { "i:u" };
            item.recipient_users
                .iter()
                .map(|user| format!("{prefix}:{user}"))
                .collect()
        }
    };
    if item.has_unlinked_targets {
        return match item.tlp {
            Some(Tlp::Red) => red(true),
            _ => vec!["i:analyst".to_string()],
        };
    }
    let targets = || item.targets.iter().map(|org| format!("i:o:{org}"));
    match item.tlp {
        None => vec!["i:analyst".to_string()],
        Some(Tlp::Clear | Tlp::Green) => vec!["i:all".to_string()],
        Some(Tlp::Amber) => {
            let mut terms: Vec<String> = std::iter::once("i:analyst".to_string())
                .chain(targets())
                .collect();
            if item.is_untargeted() {
                terms.push("i:muni".to_string());
            }
            terms
        }
        Some(Tlp::AmberStrict) => std::iter::once("i:analyst".to_string())
            .chain(targets())
            .collect(),
        Some(Tlp::Red) => red(false),
    }
}

/// The terms of the principals that read an organisation's work on its alert (comments):
/// its people ([`super::can_work_alert`]) and the analysts of the centre that published
/// the sighting ([`super::can_read_alert_work`]). Both only where they may see the
/// sighting: its [`intel_item_terms`] are the entry's anchor terms. (Search is for people;
/// a token, which holds its organisation's term too, never searches.)
pub fn alert_work_terms(alert_org: OrgId, publisher: OrgId) -> Vec<String> {
    vec![format!("i:o:{alert_org}"), format!("i:ao:{publisher}")]
}

/// The terms of the principals that may see feedback ([`super::can_see_feedback`]): the
/// authoring organisation's people and the centre's analysts (for people, whatever its
/// label; tokens never search).
pub fn feedback_terms(item: &FeedbackItem) -> Vec<String> {
    vec![
        format!("i:o:{}", item.author_org_id),
        format!("i:ao:{}", item.centre_org_id),
    ]
}

/// The terms of the principals that may see an own incident ([`super::can_see_incident`]):
/// the registering organisation's people, and analysts once shared; for RED the named
/// people while in that organisation, and its admins. Tokens never search.
pub fn incident_terms(item: &IncidentItem<'_>) -> Vec<String> {
    let org = item.org_id;
    if item.tlp == Tlp::Red {
        let mut terms: Vec<String> = item
            .named
            .iter()
            .map(|user| format!("i:o:{org}:u:{user}"))
            .collect();
        terms.push(format!("i:oa:{org}"));
        return terms;
    }
    let mut terms = vec![format!("i:o:{org}")];
    if item.shared {
        terms.push("i:analyst".to_string());
    }
    terms
}

/// Whether a viewer holding `viewer` terms may see an item indexed with `access` and
/// `anchor` terms: what the index computes, for tests that compare it with the
/// predicates.
pub fn terms_admit(viewer: &[String], access: &[String], anchor: &[String]) -> bool {
    let holds = |terms: &[String]| terms.iter().any(|t| viewer.contains(t));
    holds(access) && holds(anchor)
}

#[cfg(test)]
mod tests {
    use super::super::{GroupId, GroupRole, PlatformRole, can_see_group_item, can_see_intel_item};
    use super::*;
    use crate::ids::{OrgId, UserId};

    fn member(org: OrgId, user: UserId, role: PlatformRole) -> Viewer {
        Viewer::user(
            user,
            org,
            role,
            false,
            vec![(GroupId(1), GroupRole::Reader)],
        )
    }

    #[test]
    fn an_archived_group_hands_out_no_terms_for_its_content() {
        let viewer = member(OrgId(1), UserId(2), PlatformRole::Member);
        let item = GroupItem {
            group_id: GroupId(1),
            tlp: Tlp::Green,
            author_id: UserId(3),
            recipient_orgs: &[],
            recipient_users: &[],
        };
        let open = viewer_terms(&viewer, OrgKind::Municipality, |_| true);
        let archived = viewer_terms(&viewer, OrgKind::Municipality, |_| false);
        let terms = group_item_terms(&item);
        assert!(can_see_group_item(&viewer, &item));
        assert!(terms_admit(&open, &terms, &[FREE.to_string()]));
        assert!(!terms_admit(&archived, &terms, &[FREE.to_string()]));
    }

    #[test]
    fn a_red_recipient_who_is_not_an_analyst_does_not_see_it_while_targets_are_unlinked() {
        let recipient = member(OrgId(1), UserId(2), PlatformRole::Member);
        let analyst = member(OrgId(1), UserId(2), PlatformRole::Analyst);
        let item = IntelItem {
            tlp: Some(Tlp::Red),
            publisher_org_id: OrgId(9),
            targets: &[],
            has_unlinked_targets: true,
            recipient_users: &[UserId(2)],
        };
        let terms = intel_item_terms(&item);
        let free = [FREE.to_string()];
        for viewer in [recipient, analyst] {
            let held = viewer_terms(&viewer, OrgKind::Municipality, |_| true);
            assert_eq!(
                terms_admit(&held, &terms, &free),
                can_see_intel_item(&viewer, OrgKind::Municipality, &item)
            );
        }
    }

    #[test]
    fn a_token_holds_no_person_or_group_terms() {
        let mut token = Viewer::api_token(OrgId(4));
        token.groups = vec![(GroupId(1), GroupRole::Owner)];
        token.role = PlatformRole::Analyst;
        let terms = viewer_terms(&token, OrgKind::Municipality, |_| true);
        assert!(terms.iter().all(|t| {
            !t.starts_with("g:")
                && !t.starts_with("i:u:")
                && !["i:analyst", "i:ao:", "i:au:"]
                    .iter()
                    .any(|p| t.starts_with(p))
        }));
    }
}

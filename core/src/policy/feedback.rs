//! Feedback (DESIGN §2): an organisation's response to an alert or advisory, shared with
//! the centre that published it. Its own class of item: whatever its label, it is seen
//! by the organisation that wrote it (its people and its tokens) and by the centre (its
//! analysts and its tokens), by nobody else — not other analysts, not coordinators, not
//! the other organisations the item reached — and it never routes alerts. Tokens never
//! see TLP:RED here either.

use super::{Tlp, Viewer, ViewerKind, is_analyst, person};
use crate::ids::OrgId;

/// What the policy needs to know about one piece of feedback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedbackItem {
    /// The organisation that wrote it.
    pub author_org_id: OrgId,
    /// The centre it is shared with: the publisher of the item it answers.
    pub centre_org_id: OrgId,
    pub tlp: Tlp,
}

/// Whether `viewer` may see `item`: the authoring organisation's people and tokens, the
/// centre's analysts and tokens; never a token for TLP:RED.
pub fn can_see_feedback(viewer: &Viewer, item: &FeedbackItem) -> bool {
    let token = viewer.kind == ViewerKind::ApiToken;
    if token && item.tlp == Tlp::Red {
        return false;
    }
    let person_or_token = token || person(viewer).is_some();
    (person_or_token && viewer.org_id == item.author_org_id)
        || (viewer.org_id == item.centre_org_id && (token || is_analyst(viewer)))
}

#[cfg(test)]
mod tests {
    use super::super::PlatformRole;
    use super::*;
    use crate::ids::UserId;

    const CENTRE: OrgId = OrgId(1);
    const AARHUS: OrgId = OrgId(2);
    const ODENSE: OrgId = OrgId(3);

    fn item(tlp: Tlp) -> FeedbackItem {
        FeedbackItem {
            author_org_id: AARHUS,
            centre_org_id: CENTRE,
            tlp,
        }
    }

    fn person_of(org: OrgId, role: PlatformRole) -> Viewer {
        Viewer::user(UserId(7), org, role, false, vec![])
    }

    #[test]
    fn feedback_is_seen_by_its_organisation_and_the_centres_analysts_and_tokens_whatever_its_label()
    {
        for tlp in Tlp::ALL {
            let it = item(tlp);
            for role in PlatformRole::ALL {
                assert!(can_see_feedback(&person_of(AARHUS, role), &it), "{role:?}");
            }
            assert!(can_see_feedback(
                &person_of(CENTRE, PlatformRole::Analyst),
                &it
            ));
            assert_eq!(
                can_see_feedback(&Viewer::api_token(CENTRE), &it),
                tlp != Tlp::Red
            );
            assert_eq!(
                can_see_feedback(&Viewer::api_token(AARHUS), &it),
                tlp != Tlp::Red
            );
        }
    }

    #[test]
    fn nobody_else_sees_feedback_not_even_other_analysts_or_the_centres_other_people() {
        for tlp in [Tlp::Clear, Tlp::Green] {
            let it = item(tlp);
            for role in PlatformRole::ALL {
                assert!(!can_see_feedback(&person_of(ODENSE, role), &it), "{role:?}");
            }
            for role in [
                PlatformRole::Admin,
                PlatformRole::Coordinator,
                PlatformRole::Member,
            ] {
                assert!(!can_see_feedback(&person_of(CENTRE, role), &it), "{role:?}");
            }
            assert!(!can_see_feedback(&Viewer::api_token(ODENSE), &it));
        }
    }
}

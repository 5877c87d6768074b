//! An organisation's own incidents (DESIGN §3.F, the incidents issue): platform records,
//! not STIX objects. The centre's incidents stay STIX objects under the intel policy.
//!
//! Whatever its label, an own incident is seen by the people of the organisation that
//! registered it, and by the centre's analysts once that organisation shares it; never by
//! another organisation (platform admins and coordinators included), never by a token,
//! so never in the TAXII feed. TLP:RED narrows it to the people its registrant or an
//! organisation admin names (the registrant is named when registering) and the
//! organisation's admins, who name them; a RED incident is not shared.

use super::{Tlp, Viewer, is_analyst, person};
use crate::ids::{OrgId, UserId};

/// What the policy needs to know about one own incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncidentItem<'a> {
    /// The organisation that registered it.
    pub org_id: OrgId,
    pub tlp: Tlp,
    /// The organisation shared it with the centre.
    pub shared: bool,
    /// The people named for a RED incident (ignored below RED).
    pub named: &'a [UserId],
}

/// Whether `viewer` may see `item` (and so its timeline, links and clocks).
pub fn can_see_incident(viewer: &Viewer, item: &IncidentItem<'_>) -> bool {
    let Some(user) = person(viewer) else {
        return false;
    };
    if item.tlp == Tlp::Red {
        return viewer.org_id == item.org_id && (viewer.org_admin || item.named.contains(&user));
    }
    viewer.org_id == item.org_id || (item.shared && is_analyst(viewer))
}

/// Whether `viewer` may mark the incident significant, record what was submitted, link
/// to it and change it: the registering organisation's people who may see it. The
/// centre's analysts add timeline entries to a shared incident ([`can_add_entry`]), no
/// more.
pub fn can_manage_incident(viewer: &Viewer, item: &IncidentItem<'_>) -> bool {
    viewer.org_id == item.org_id && can_see_incident(viewer, item)
}

/// Whether `viewer` may add to the incident's timeline: whoever may see it.
pub fn can_add_entry(viewer: &Viewer, item: &IncidentItem<'_>) -> bool {
    can_see_incident(viewer, item)
}

/// Whether `viewer` may undo a significance marking: an admin of the organisation.
pub fn can_undo_significance(viewer: &Viewer, item: &IncidentItem<'_>) -> bool {
    viewer.org_admin && can_manage_incident(viewer, item)
}

#[cfg(test)]
mod tests {
    use super::super::PlatformRole;
    use super::*;

    const AARHUS: OrgId = OrgId(2);
    const ODENSE: OrgId = OrgId(3);
    const CENTRE: OrgId = OrgId(1);
    const NAMED: UserId = UserId(21);
    const OTHER: UserId = UserId(22);

    fn item(tlp: Tlp, shared: bool) -> IncidentItem<'static> {
        IncidentItem {
            org_id: AARHUS,
            tlp,
            shared,
            named: &[NAMED],
        }
    }

    fn of(user: UserId, org: OrgId, role: PlatformRole, org_admin: bool) -> Viewer {
        Viewer::user(user, org, role, org_admin, vec![])
    }

    #[test]
    fn an_own_incident_is_seen_by_its_organisation_and_by_analysts_only_once_shared() {
        for tlp in [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::AmberStrict] {
            for role in PlatformRole::ALL {
                assert!(can_see_incident(
                    &of(OTHER, AARHUS, role, false),
                    &item(tlp, false)
                ));
                // Analysts are the centre's people, wherever an account says they work.
                let shared_to_them = role == PlatformRole::Analyst;
                assert_eq!(
                    can_see_incident(&of(OTHER, ODENSE, role, true), &item(tlp, true)),
                    shared_to_them
                );
                assert!(!can_see_incident(
                    &of(OTHER, ODENSE, role, true),
                    &item(tlp, false)
                ));
            }
            let analyst = of(OTHER, CENTRE, PlatformRole::Analyst, false);
            assert!(!can_see_incident(&analyst, &item(tlp, false)));
            assert!(can_see_incident(&analyst, &item(tlp, true)));
            assert!(!can_manage_incident(&analyst, &item(tlp, true)));
            assert!(can_add_entry(&analyst, &item(tlp, true)));
            let coordinator = of(OTHER, CENTRE, PlatformRole::Coordinator, false);
            assert!(!can_see_incident(&coordinator, &item(tlp, true)));
            assert!(!can_see_incident(
                &Viewer::api_token(AARHUS),
                &item(tlp, true)
            ));
        }
    }

    #[test]
    fn a_red_own_incident_is_seen_only_by_its_named_people_and_the_organisations_admins() {
        let red = item(Tlp::Red, true);
        assert!(can_see_incident(
            &of(NAMED, AARHUS, PlatformRole::Member, false),
            &red
        ));
        assert!(can_see_incident(
            &of(OTHER, AARHUS, PlatformRole::Member, true),
            &red
        ));
        assert!(!can_see_incident(
            &of(OTHER, AARHUS, PlatformRole::Member, false),
            &red
        ));
        assert!(!can_see_incident(
            &of(OTHER, AARHUS, PlatformRole::Admin, false),
            &red
        ));
        assert!(!can_see_incident(
            &of(NAMED, CENTRE, PlatformRole::Analyst, false),
            &red
        ));
        assert!(!can_see_incident(
            &of(NAMED, ODENSE, PlatformRole::Member, true),
            &red
        ));
    }

    #[test]
    fn only_an_organisation_admin_who_may_see_it_undoes_a_significance_marking() {
        let amber = item(Tlp::Amber, false);
        assert!(can_undo_significance(
            &of(OTHER, AARHUS, PlatformRole::Member, true),
            &amber
        ));
        assert!(!can_undo_significance(
            &of(OTHER, AARHUS, PlatformRole::Member, false),
            &amber
        ));
        assert!(!can_undo_significance(
            &of(OTHER, ODENSE, PlatformRole::Member, true),
            &amber
        ));
    }
}

//! Intel (alerts, advisories, incidents and the STIX objects behind them): who may see an
//! item, by its label, its target organisations and its RED recipients. Analysts see
//! everything up to AMBER+STRICT; nobody but named recipients (or, until they are named,
//! the publishing analysts) sees RED; tokens never do.
//!
//! Coordinators are treated as members of their organisation here. Their cross-sector
//! view of response status (up to AMBER, never AMBER+STRICT or RED) is a separate rule,
//! [`can_see_response_status`], that does not open the content itself.

use super::{PlatformRole, Tlp, Viewer, is_analyst, person};
use crate::ids::{OrgId, UserId};
use serde::{Deserialize, Serialize};

/// The kind of an organisation (`organisations.kind`). Untargeted AMBER intel is aimed at
/// every municipality, so visibility depends on the viewer's organisation kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// One of the 98 municipalities.
    Municipality,
    /// One of the five regions.
    Region,
    /// A state body.
    State,
    /// The municipalities' association (KL).
    Association,
    /// The national monitoring and analysis centre.
    AnalysisCentre,
}

impl OrgKind {
    /// Every kind.
    pub const ALL: [OrgKind; 5] = [
        Self::Municipality,
        Self::Region,
        Self::State,
        Self::Association,
        Self::AnalysisCentre,
    ];

    /// The stored form: `municipality`, `region`, `state`, `association`,
    /// `analysis_centre`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Municipality => "municipality",
            Self::Region => "region",
            Self::State => "state",
            Self::Association => "association",
            Self::AnalysisCentre => "analysis_centre",
        }
    }

    /// Reads the stored form; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

stored_as_text!(OrgKind, "organisation kind");

/// What the policy needs to know about one intel item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntelItem<'a> {
    /// The effective label ([`Tlp::strictest`] of its markings); `None` when unmarked.
    pub tlp: Option<Tlp>,
    /// The organisation that published it (the analysis centre, usually).
    pub publisher_org_id: OrgId,
    /// Target organisations that are linked to an organisation on the platform.
    pub targets: &'a [OrgId],
    /// Whether some named target identity is not linked to an organisation yet.
    pub has_unlinked_targets: bool,
    /// RED recipients, named by an analyst; ignored for other labels.
    pub recipient_users: &'a [UserId],
}

impl IntelItem<'_> {
    /// Names no targets at all, linked or not: aimed at every municipality.
    pub fn is_untargeted(&self) -> bool {
        self.targets.is_empty() && !self.has_unlinked_targets
    }
}

/// Whether `viewer`, whose organisation is of kind `viewer_org_kind`, may see `item`
/// (DESIGN §2, alerts, advisories and incidents):
///
/// - CLEAR / GREEN: everyone, tokens included;
/// - AMBER / AMBER+STRICT: the target organisations, and analysts; an untargeted AMBER
///   item is aimed at every municipality, an untargeted AMBER+STRICT one at analysts only;
/// - RED: the named recipients; while there are none, the analysts of the publishing
///   organisation; never a token;
/// - unmarked: analysts only, so that they set a label.
///
/// An item with unlinked targets is hidden from everyone but analysts until the targets
/// are linked. This only narrows: it never shows RED to an analyst the RED rule excludes.
pub fn can_see_intel_item(viewer: &Viewer, viewer_org_kind: OrgKind, item: &IntelItem<'_>) -> bool {
    let analyst = is_analyst(viewer);
    if item.has_unlinked_targets && !analyst {
        return false;
    }
    let targeted_at_viewer = item.targets.contains(&viewer.org_id);
    match item.tlp {
        None => analyst,
        Some(Tlp::Clear | Tlp::Green) => true,
        Some(Tlp::Amber) => {
            analyst
                || targeted_at_viewer
                || (item.is_untargeted() && viewer_org_kind == OrgKind::Municipality)
        }
        Some(Tlp::AmberStrict) => analyst || targeted_at_viewer,
        Some(Tlp::Red) => match person(viewer) {
            None => false,
            Some(_) if item.recipient_users.is_empty() => {
                analyst && viewer.org_id == item.publisher_org_id
            }
            Some(user) => item.recipient_users.contains(&user),
        },
    }
}

/// Whether `viewer` may label an unmarked object published by `publisher`, or name or
/// change the RED recipients of one: analysts of the publishing organisation only, who
/// answer for what it published. Another analyst who can see the object (every analyst
/// sees unmarked ones; a named RED recipient sees that one) reads it but is answered
/// as if it were missing.
pub fn can_label_intel(viewer: &Viewer, publisher: OrgId) -> bool {
    is_analyst(viewer) && person(viewer).is_some() && viewer.org_id == publisher
}

/// Whether `viewer` may see how every organisation responded to `item` (alert status,
/// advisory acknowledgement, their times) in the acknowledgement view: analysts for the
/// items they may see; coordinators for items labelled up to AMBER, never AMBER+STRICT,
/// RED or unmarked ones, whether or not they may read the item itself (they read content
/// as members of their own organisation); nobody else (an organisation follows its own
/// responses on its own pages). Tokens never.
pub fn can_see_response_status(
    viewer: &Viewer,
    viewer_org_kind: OrgKind,
    item: &IntelItem<'_>,
) -> bool {
    if is_analyst(viewer) {
        return can_see_intel_item(viewer, viewer_org_kind, item);
    }
    person(viewer).is_some()
        && viewer.role == PlatformRole::Coordinator
        && matches!(item.tlp, Some(Tlp::Clear | Tlp::Green | Tlp::Amber))
}

/// Whether `viewer`, who may see a sighting published by `publisher`, may read how each
/// alerted organisation is working its alert: status, assignee and comments. The
/// analysts of the publishing centre, to whom the organisations write; other analysts
/// and everyone else are answered as if there were none.
pub fn can_read_alert_work(viewer: &Viewer, publisher: OrgId) -> bool {
    is_analyst(viewer) && person(viewer).is_some() && viewer.org_id == publisher
}

/// Whether `viewer`, who may see the sighting of an alert raised for `alert_org`, may
/// work it (status, assignee, comments): people of the alerted organisation. Its alerts
/// are its own business; an alert of another organisation is answered as missing.
pub fn can_work_alert(viewer: &Viewer, alert_org: OrgId) -> bool {
    person(viewer).is_some() && viewer.org_id == alert_org
}

/// How the policy treats a kind of STIX object (DESIGN §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StixClass {
    /// Alerts (sightings), advisories (reports) and incidents: [`can_see_intel_item`].
    Item,
    /// Indicators, vulnerabilities, notes and relationships: seen through the items they
    /// hang on, and only if their own label admits the viewer too.
    Dependent,
    /// Identities, marking definitions and types the platform does not map.
    AnalystsOnly,
}

impl StixClass {
    pub const ALL: [StixClass; 3] = [Self::Item, Self::Dependent, Self::AnalystsOnly];

    /// The stored form (`stix_objects.class`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Item => "item",
            Self::Dependent => "dependent",
            Self::AnalystsOnly => "analysts_only",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

stored_as_text!(StixClass, "STIX class");

/// The organisation a STIX identity stands for, once linked (`stix_identities.org_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdentityOf {
    pub org: OrgId,
    /// The organisation is an analysis centre (a publisher of intel).
    pub analysis_centre: bool,
}

/// Whether `viewer` may see a STIX object of class `class` (DESIGN §2):
///
/// - an item by [`can_see_intel_item`];
/// - a dependent object (indicator, vulnerability, note, relationship) if its own label
///   admits the viewer, with `own.targets` being the targets of the items it hangs on,
///   **and**, when it hangs on any item (`anchors`), the viewer may see one of them; a
///   reference never lowers a marking;
/// - identities, marking definitions and unmapped types: analysts only, by their label;
///   except that an identity linked to the viewer's own organisation or to an analysis
///   centre (`identity`) is seen by everyone in that organisation, or by everyone, unless
///   it is TLP:RED. Those two name nobody the reader does not know already; every other
///   organisation's identity stays with the analysts.
///
/// (DESIGN also lets readers see them only "when they may see an object referring to
/// them"; that condition is dropped on purpose: it would make an identity appear in a
/// reader's TAXII feed later than its `date_added`, behind the reader's checkpoint.)
pub fn can_see_stix_object(
    viewer: &Viewer,
    viewer_org_kind: OrgKind,
    class: StixClass,
    own: &IntelItem<'_>,
    anchors: &[IntelItem<'_>],
    identity: Option<IdentityOf>,
) -> bool {
    let visible = |item: &IntelItem<'_>| can_see_intel_item(viewer, viewer_org_kind, item);
    match class {
        StixClass::Item => visible(own),
        StixClass::Dependent => visible(own) && (anchors.is_empty() || anchors.iter().any(visible)),
        StixClass::AnalystsOnly => {
            (is_analyst(viewer) && visible(own))
                || identity
                    .is_some_and(|of| own.tlp != Some(Tlp::Red) && is_identity_shared(viewer, of))
        }
    }
}

/// Whether a reader may see an earlier version of a versioned thing (a STIX object's,
/// a post's revision, later a document's): only one who may see it under its own label
/// and audience (`own`) **and** may see the newest version under its own (`newest`).
/// Re-issuing an object under a stricter label so hides its looser past; its SQL twin
/// is part of [`super::push_stix_visible`].
pub fn can_see_earlier_version(own: bool, newest: bool) -> bool {
    own && newest
}

/// Whether an identity is one `viewer` may know of: its own organisation's or an
/// analysis centre's. Every other organisation's identity is for analysts only; what
/// leaves the platform never names it (DESIGN §2).
pub fn is_identity_shared(viewer: &Viewer, of: IdentityOf) -> bool {
    of.analysis_centre || of.org == viewer.org_id
}

#[cfg(test)]
mod tests {
    use super::super::{GroupId, GroupRole, PlatformRole};
    use super::*;

    const CENTRE: OrgId = OrgId(1);
    const AARHUS: OrgId = OrgId(2);
    const ODENSE: OrgId = OrgId(3);
    const REGION: OrgId = OrgId(4);
    const RECIPIENT: UserId = UserId(10);

    fn user(role: PlatformRole, org: OrgId) -> Viewer {
        Viewer::user(
            UserId(20),
            org,
            role,
            false,
            vec![(GroupId(1), GroupRole::Owner)],
        )
    }

    fn item(tlp: Option<Tlp>, targets: &'static [OrgId]) -> IntelItem<'static> {
        IntelItem {
            tlp,
            publisher_org_id: CENTRE,
            targets,
            has_unlinked_targets: false,
            recipient_users: &[],
        }
    }

    #[test]
    fn an_earlier_version_needs_both_its_own_and_the_newest_versions_audience() {
        assert!(can_see_earlier_version(true, true));
        assert!(!can_see_earlier_version(true, false));
        assert!(!can_see_earlier_version(false, true));
        assert!(!can_see_earlier_version(false, false));
    }

    #[test]
    fn only_analysts_of_the_publisher_label_its_objects() {
        assert!(can_label_intel(
            &user(PlatformRole::Analyst, CENTRE),
            CENTRE
        ));
        assert!(!can_label_intel(
            &user(PlatformRole::Analyst, AARHUS),
            CENTRE
        ));
        assert!(!can_label_intel(
            &user(PlatformRole::Member, CENTRE),
            CENTRE
        ));
        assert!(!can_label_intel(&user(PlatformRole::Admin, CENTRE), CENTRE));
        assert!(!can_label_intel(&Viewer::api_token(CENTRE), CENTRE));
    }

    #[test]
    fn org_kind_round_trips_through_its_stored_form() {
        for kind in OrgKind::ALL {
            assert_eq!(OrgKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(OrgKind::AnalysisCentre.as_str(), "analysis_centre");
        assert_eq!(OrgKind::parse("kommune"), None);
    }

    #[test]
    fn clear_and_green_intel_is_visible_to_everyone_including_tokens() {
        let token = Viewer::api_token(REGION);
        let member = user(PlatformRole::Member, REGION);
        for tlp in [Tlp::Clear, Tlp::Green] {
            for targets in [&[][..], &[AARHUS][..]] {
                let it = IntelItem {
                    targets,
                    ..item(Some(tlp), &[])
                };
                assert!(can_see_intel_item(&token, OrgKind::Region, &it));
                assert!(can_see_intel_item(&member, OrgKind::Region, &it));
            }
        }
    }

    #[test]
    fn amber_intel_is_visible_to_the_targeted_organisation_and_analysts_only() {
        for tlp in [Tlp::Amber, Tlp::AmberStrict] {
            let it = item(Some(tlp), &[AARHUS]);
            let muni = OrgKind::Municipality;
            assert!(can_see_intel_item(
                &user(PlatformRole::Member, AARHUS),
                muni,
                &it
            ));
            assert!(can_see_intel_item(&Viewer::api_token(AARHUS), muni, &it));
            assert!(!can_see_intel_item(
                &user(PlatformRole::Member, ODENSE),
                muni,
                &it
            ));
            assert!(can_see_intel_item(
                &user(PlatformRole::Analyst, REGION),
                OrgKind::Region,
                &it
            ));
        }
    }

    #[test]
    fn only_the_publishing_centres_analysts_read_how_organisations_work_their_alerts() {
        let publisher = OrgId(9);
        let analyst = Viewer::user(UserId(1), publisher, PlatformRole::Analyst, false, vec![]);
        assert!(can_read_alert_work(&analyst, publisher));
        let elsewhere = Viewer::user(UserId(2), OrgId(8), PlatformRole::Analyst, false, vec![]);
        assert!(!can_read_alert_work(&elsewhere, publisher));
        for role in [
            PlatformRole::Member,
            PlatformRole::Coordinator,
            PlatformRole::Admin,
        ] {
            let viewer = Viewer::user(UserId(3), publisher, role, false, vec![]);
            assert!(!can_read_alert_work(&viewer, publisher), "{role:?}");
        }
        assert!(!can_read_alert_work(
            &Viewer::api_token(publisher),
            publisher
        ));
    }

    #[test]
    fn admin_and_coordinator_see_amber_intel_only_when_targeted() {
        let it = item(Some(Tlp::Amber), &[AARHUS]);
        for role in [PlatformRole::Admin, PlatformRole::Coordinator] {
            assert!(!can_see_intel_item(
                &user(role, ODENSE),
                OrgKind::Municipality,
                &it
            ));
            assert!(can_see_intel_item(
                &user(role, AARHUS),
                OrgKind::Municipality,
                &it
            ));
        }
    }

    #[test]
    fn untargeted_amber_is_visible_to_every_municipality() {
        let it = item(Some(Tlp::Amber), &[]);
        assert!(can_see_intel_item(
            &user(PlatformRole::Member, ODENSE),
            OrgKind::Municipality,
            &it
        ));
        assert!(can_see_intel_item(
            &Viewer::api_token(ODENSE),
            OrgKind::Municipality,
            &it
        ));
    }

    #[test]
    fn untargeted_amber_is_hidden_from_other_kinds_of_organisation() {
        let it = item(Some(Tlp::Amber), &[]);
        for kind in [
            OrgKind::Region,
            OrgKind::State,
            OrgKind::Association,
            OrgKind::AnalysisCentre,
        ] {
            assert!(
                !can_see_intel_item(&user(PlatformRole::Member, REGION), kind, &it),
                "{kind:?}"
            );
        }
        assert!(can_see_intel_item(
            &user(PlatformRole::Analyst, CENTRE),
            OrgKind::AnalysisCentre,
            &it
        ));
    }

    #[test]
    fn untargeted_amber_strict_is_visible_to_analysts_only() {
        let it = item(Some(Tlp::AmberStrict), &[]);
        assert!(!can_see_intel_item(
            &user(PlatformRole::Member, ODENSE),
            OrgKind::Municipality,
            &it
        ));
        assert!(can_see_intel_item(
            &user(PlatformRole::Analyst, CENTRE),
            OrgKind::AnalysisCentre,
            &it
        ));
    }

    #[test]
    fn unlinked_targets_hide_the_item_from_everyone_but_analysts() {
        for tlp in [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::AmberStrict] {
            let it = IntelItem {
                has_unlinked_targets: true,
                ..item(Some(tlp), &[AARHUS])
            };
            assert!(!can_see_intel_item(
                &user(PlatformRole::Member, AARHUS),
                OrgKind::Municipality,
                &it
            ));
            assert!(!can_see_intel_item(
                &Viewer::api_token(AARHUS),
                OrgKind::Municipality,
                &it
            ));
            assert!(can_see_intel_item(
                &user(PlatformRole::Analyst, REGION),
                OrgKind::Region,
                &it
            ));
        }
    }

    #[test]
    fn item_with_only_unlinked_targets_is_not_untargeted() {
        let it = IntelItem {
            has_unlinked_targets: true,
            ..item(Some(Tlp::Amber), &[])
        };
        assert!(!it.is_untargeted());
        assert!(!can_see_intel_item(
            &user(PlatformRole::Member, ODENSE),
            OrgKind::Municipality,
            &it
        ));
    }

    #[test]
    fn red_intel_without_recipients_is_visible_to_publishing_analysts_only() {
        let it = item(Some(Tlp::Red), &[AARHUS]);
        assert!(can_see_intel_item(
            &user(PlatformRole::Analyst, CENTRE),
            OrgKind::AnalysisCentre,
            &it
        ));
        assert!(!can_see_intel_item(
            &user(PlatformRole::Analyst, REGION),
            OrgKind::Region,
            &it
        ));
        assert!(!can_see_intel_item(
            &user(PlatformRole::Member, AARHUS),
            OrgKind::Municipality,
            &it
        ));
        assert!(!can_see_intel_item(
            &user(PlatformRole::Admin, CENTRE),
            OrgKind::AnalysisCentre,
            &it
        ));
    }

    #[test]
    fn red_intel_with_recipients_is_visible_to_them_only() {
        let it = IntelItem {
            recipient_users: &[RECIPIENT],
            ..item(Some(Tlp::Red), &[AARHUS])
        };
        let recipient = Viewer::user(RECIPIENT, ODENSE, PlatformRole::Member, false, vec![]);
        assert!(can_see_intel_item(&recipient, OrgKind::Municipality, &it));
        assert!(!can_see_intel_item(
            &user(PlatformRole::Member, AARHUS),
            OrgKind::Municipality,
            &it
        ));
        assert!(!can_see_intel_item(
            &user(PlatformRole::Analyst, CENTRE),
            OrgKind::AnalysisCentre,
            &it
        ));
    }

    #[test]
    fn token_never_sees_red() {
        let token = Viewer::api_token(CENTRE);
        let mut forged = Viewer::api_token(CENTRE);
        forged.user_id = Some(RECIPIENT);
        forged.role = PlatformRole::Analyst;
        for recipients in [&[][..], &[RECIPIENT][..]] {
            let it = IntelItem {
                recipient_users: recipients,
                ..item(Some(Tlp::Red), &[CENTRE])
            };
            assert!(!can_see_intel_item(&token, OrgKind::AnalysisCentre, &it));
            assert!(!can_see_intel_item(&forged, OrgKind::AnalysisCentre, &it));
        }
    }

    #[test]
    fn unmarked_intel_is_visible_to_analysts_only() {
        let it = item(None, &[AARHUS]);
        assert!(can_see_intel_item(
            &user(PlatformRole::Analyst, REGION),
            OrgKind::Region,
            &it
        ));
        assert!(!can_see_intel_item(
            &user(PlatformRole::Member, AARHUS),
            OrgKind::Municipality,
            &it
        ));
        assert!(!can_see_intel_item(
            &user(PlatformRole::Admin, AARHUS),
            OrgKind::Municipality,
            &it
        ));
    }
}

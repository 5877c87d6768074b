//! The TLP marking definitions every STIX producer uses, known from the start: TLP 2.0
//! (an extension definition) and TLP 1.0 (the `tlp` definition type). They are never
//! stored from a bundle; a marking reference to anything else must resolve to a marking
//! definition the platform has stored, or the bundle is refused.

use crate::policy::Tlp;

/// The TLP 2.0 extension that the TLP 2.0 marking definitions carry.
pub const TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// TLP 2.0 marking definitions.
pub const TLP2_CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
pub const TLP2_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
pub const TLP2_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
pub const TLP2_AMBER_STRICT: &str = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
pub const TLP2_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

/// When the TLP 2.0 marking definitions were created (their one version).
pub const TLP2_CREATED: &str = "2022-10-01T00:00:00.000Z";

/// The TLP 2.0 marking definition of a label, as the TLP 2.0 extension publishes it.
pub fn tlp2_definition(tlp: Tlp) -> serde_json::Value {
    serde_json::json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": tlp2_id(tlp),
        "created": TLP2_CREATED,
        "name": format!("TLP:{}", tlp.as_str().to_uppercase()),
        "extensions": {
            TLP2_EXTENSION: {
                "extension_type": "property-extension",
                "tlp_2_0": tlp.as_str(),
            }
        }
    })
}

/// TLP 1.0 marking definitions; WHITE is read as CLEAR.
pub const TLP1_WHITE: &str = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9";
pub const TLP1_GREEN: &str = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da";
pub const TLP1_AMBER: &str = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82";
pub const TLP1_RED: &str = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed";

/// Every known TLP marking definition and the label it stands for.
pub const KNOWN: [(&str, Tlp); 9] = [
    (TLP2_CLEAR, Tlp::Clear),
    (TLP2_GREEN, Tlp::Green),
    (TLP2_AMBER, Tlp::Amber),
    (TLP2_AMBER_STRICT, Tlp::AmberStrict),
    (TLP2_RED, Tlp::Red),
    (TLP1_WHITE, Tlp::Clear),
    (TLP1_GREEN, Tlp::Green),
    (TLP1_AMBER, Tlp::Amber),
    (TLP1_RED, Tlp::Red),
];

/// The label of a known TLP marking definition id; `None` for any other id.
pub fn tlp_of(marking_id: &str) -> Option<Tlp> {
    KNOWN
        .iter()
        .find(|(id, _)| *id == marking_id)
        .map(|(_, tlp)| *tlp)
}

/// The TLP 2.0 marking definition of a label, as a producer should reference it.
pub fn tlp2_id(tlp: Tlp) -> &'static str {
    match tlp {
        Tlp::Clear => TLP2_CLEAR,
        Tlp::Green => TLP2_GREEN,
        Tlp::Amber => TLP2_AMBER,
        Tlp::AmberStrict => TLP2_AMBER_STRICT,
        Tlp::Red => TLP2_RED,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tlp2_label_round_trips_through_its_marking_definition() {
        for tlp in Tlp::ALL {
            assert_eq!(tlp_of(tlp2_id(tlp)), Some(tlp));
        }
    }

    #[test]
    fn the_tlp2_definitions_are_the_published_objects() {
        let amber_strict = tlp2_definition(Tlp::AmberStrict);
        assert_eq!(amber_strict["id"], TLP2_AMBER_STRICT);
        assert_eq!(amber_strict["name"], "TLP:AMBER+STRICT");
        assert_eq!(
            amber_strict["extensions"][TLP2_EXTENSION]["tlp_2_0"],
            "amber+strict"
        );
    }

    #[test]
    fn tlp1_white_is_read_as_clear_and_unknown_ids_as_nothing() {
        assert_eq!(tlp_of(TLP1_WHITE), Some(Tlp::Clear));
        assert_eq!(tlp_of(TLP1_AMBER), Some(Tlp::Amber));
        assert_eq!(
            tlp_of("marking-definition--00000000-0000-4000-8000-000000000000"),
            None
        );
    }
}

//! TLP 2.0 labels and the effective-TLP rule: the strictest marking wins, and a reply,
//! quote or edit may raise a label but never lower it.

use crate::error::{CoreError, CoreResult};
use serde::{Deserialize, Serialize};

/// A TLP 2.0 label, ordered by strictness: `Clear < Green < Amber < AmberStrict < Red`.
/// Stored (and serialised) as [`Tlp::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Tlp {
    /// TLP:CLEAR, no limit on disclosure.
    #[serde(rename = "clear")]
    Clear,
    /// TLP:GREEN, the community.
    #[serde(rename = "green")]
    Green,
    /// TLP:AMBER, the recipients' organisations and their clients.
    #[serde(rename = "amber")]
    Amber,
    /// TLP:AMBER+STRICT, the recipients' organisations only.
    #[serde(rename = "amber+strict")]
    AmberStrict,
    /// TLP:RED, the named recipients only.
    #[serde(rename = "red")]
    Red,
}

impl Tlp {
    /// Every label, least strict first.
    pub const ALL: [Tlp; 5] = [
        Self::Clear,
        Self::Green,
        Self::Amber,
        Self::AmberStrict,
        Self::Red,
    ];

    /// The stored form: `clear`, `green`, `amber`, `amber+strict`, `red`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Clear => "clear",
            Self::Green => "green",
            Self::Amber => "amber",
            Self::AmberStrict => "amber+strict",
            Self::Red => "red",
        }
    }

    /// Reads the stored form; `None` for anything else (TLP 1.0 `white` included).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The effective TLP of an item: the strictest of its `object_marking_refs` and
    /// `granular_markings`, or `None` when nothing is marked.
    pub fn strictest(labels: impl IntoIterator<Item = Tlp>) -> Option<Tlp> {
        labels.into_iter().max()
    }

    /// The label of a reply or quote of an item labelled `self`: the requested label,
    /// raised to `self` if it is less strict. Use this where the label is derived;
    /// use [`Tlp::check_change`] where a person chose it.
    pub fn raise(self, requested: Tlp) -> Tlp {
        self.max(requested)
    }

    /// Accepts `requested` as the new label of an item (or of a reply to one) labelled
    /// `self` only if it is at least as strict; otherwise `Invalid { field: "tlp",
    /// reason: "cannot_lower" }`.
    pub fn check_change(self, requested: Tlp) -> CoreResult<Tlp> {
        if requested < self {
            Err(CoreError::invalid("tlp", "cannot_lower"))
        } else {
            Ok(requested)
        }
    }
}

stored_as_text!(Tlp, "TLP");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlp_is_ordered_from_clear_to_red() {
        let mut shuffled = [
            Tlp::Red,
            Tlp::Clear,
            Tlp::AmberStrict,
            Tlp::Green,
            Tlp::Amber,
        ];
        shuffled.sort();
        assert_eq!(shuffled, Tlp::ALL);
        assert!(Tlp::Amber < Tlp::AmberStrict);
    }

    #[test]
    fn tlp_round_trips_through_its_stored_form() {
        let stored: Vec<&str> = Tlp::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(stored, ["clear", "green", "amber", "amber+strict", "red"]);
        for tlp in Tlp::ALL {
            assert_eq!(Tlp::parse(tlp.as_str()), Some(tlp));
        }
    }

    #[test]
    fn tlp_parse_rejects_anything_but_the_stored_form() {
        for text in [
            "white",
            "AMBER",
            "TLP:RED",
            "amber strict",
            "amber_strict",
            "",
        ] {
            assert_eq!(Tlp::parse(text), None, "{text}");
        }
    }

    #[test]
    fn strictest_of_no_markings_is_none() {
        assert_eq!(Tlp::strictest([]), None);
    }

    #[test]
    fn strictest_marking_wins_over_object_marking() {
        // object_marking_refs say GREEN, one granular marking says RED.
        assert_eq!(
            Tlp::strictest([Tlp::Green, Tlp::Red, Tlp::Amber]),
            Some(Tlp::Red)
        );
        assert_eq!(Tlp::strictest([Tlp::Clear]), Some(Tlp::Clear));
    }

    #[test]
    fn reply_can_raise_but_never_lower_the_label() {
        assert_eq!(Tlp::Amber.raise(Tlp::Green), Tlp::Amber);
        assert_eq!(Tlp::Amber.raise(Tlp::Red), Tlp::Red);
        assert_eq!(Tlp::Green.raise(Tlp::Green), Tlp::Green);
    }

    #[test]
    fn edit_that_lowers_the_label_is_invalid() {
        assert!(matches!(
            Tlp::AmberStrict.check_change(Tlp::Amber),
            Err(CoreError::Invalid {
                field: "tlp",
                reason: "cannot_lower"
            })
        ));
        assert!(matches!(
            Tlp::AmberStrict.check_change(Tlp::AmberStrict),
            Ok(Tlp::AmberStrict)
        ));
        assert!(matches!(Tlp::Green.check_change(Tlp::Red), Ok(Tlp::Red)));
    }
}

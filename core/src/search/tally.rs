//! Counting matches by type, group and label for the facets of a results page.
//!
//! Every entry carries its type, group and label packed into one `u64` fast field
//! (`tally`), so counting a match is one column read and three array or map increments.
//! tantivy's `FacetCollector` reads the same three facets from the facet column and maps
//! each back through the term dictionary, which at a thousand matches was a large part of
//! a query's time. The `facets` field stays: filters (`type:`, `group:`, `tlp:`) are term
//! queries on it.

use super::index::Kind;
use crate::ids::GroupId;
use crate::policy::Tlp;
use std::collections::HashMap;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// The fast field holding [`pack`]ed counts.
pub const FIELD: &str = "tally";

const KIND_SHIFT: u32 = 56;
const TLP_SHIFT: u32 = 48;
const GROUP_MASK: u64 = (1 << TLP_SHIFT) - 1;
/// Label codes: 0 unmarked, then [`Tlp::ALL`]'s order from 1.
const TLP_CODES: usize = Tlp::ALL.len() + 1;

/// An entry's type, group and label as one number: the type's place in [`Kind::ALL`] in
/// the top byte, the label's code in the next, the group id (0: none) below. Group ids
/// are SQLite row ids, far below 2^48.
pub fn pack(kind: Kind, group: Option<i64>, tlp: Option<Tlp>) -> u64 {
    let kind = Kind::ALL.iter().position(|k| *k == kind).unwrap_or(0) as u64;
    let tlp = tlp.map_or(0, |t| {
        Tlp::ALL.iter().position(|a| *a == t).unwrap_or(0) + 1
    }) as u64;
    let group = group.and_then(|g| u64::try_from(g).ok()).unwrap_or(0) & GROUP_MASK;
    (kind << KIND_SHIFT) | (tlp << TLP_SHIFT) | group
}

/// What a query matched, counted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    pub total: u64,
    kinds: [u64; Kind::ALL.len()],
    tlps: [u64; TLP_CODES],
    groups: HashMap<u64, u64>,
}

impl Tally {
    fn add(&mut self, packed: u64) {
        self.total += 1;
        if let Some(n) = self.kinds.get_mut((packed >> KIND_SHIFT) as usize) {
            *n += 1;
        }
        if let Some(n) = self.tlps.get_mut(((packed >> TLP_SHIFT) & 0xff) as usize) {
            *n += 1;
        }
        let group = packed & GROUP_MASK;
        if group != 0 {
            *self.groups.entry(group).or_insert(0) += 1;
        }
    }

    fn merge(&mut self, other: Tally) {
        self.total += other.total;
        for (a, b) in self.kinds.iter_mut().zip(other.kinds) {
            *a += b;
        }
        for (a, b) in self.tlps.iter_mut().zip(other.tlps) {
            *a += b;
        }
        for (group, n) in other.groups {
            *self.groups.entry(group).or_insert(0) += n;
        }
    }

    /// The types counted, each with its number of matches (types without any left out).
    pub fn kinds(&self) -> Vec<(Kind, u64)> {
        Kind::ALL
            .iter()
            .zip(self.kinds)
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| (*k, n))
            .collect()
    }

    /// The labels counted; `None` is unmarked intel.
    pub fn tlps(&self) -> Vec<(Option<Tlp>, u64)> {
        std::iter::once(None)
            .chain(Tlp::ALL.iter().copied().map(Some))
            .zip(self.tlps)
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// The groups counted (entries outside groups left out).
    pub fn groups(&self) -> Vec<(GroupId, u64)> {
        self.groups
            .iter()
            .filter_map(|(g, n)| i64::try_from(*g).ok().map(|g| (GroupId(g), *n)))
            .collect()
    }
}

/// Counts every match into a [`Tally`]; needs no scores.
pub struct TallyCollector;

pub struct SegmentTally {
    column: Column<u64>,
    tally: Tally,
}

impl Collector for TallyCollector {
    type Fruit = Tally;
    type Child = SegmentTally;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentTally> {
        Ok(SegmentTally {
            column: segment.fast_fields().u64(FIELD)?,
            tally: Tally::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Tally>) -> tantivy::Result<Tally> {
        let mut all = Tally::default();
        for fruit in fruits {
            all.merge(fruit);
        }
        Ok(all)
    }
}

impl SegmentCollector for SegmentTally {
    type Fruit = Tally;

    fn collect(&mut self, doc: DocId, _: Score) {
        // Every entry has the field; one without would still count towards the total.
        match self.column.first(doc) {
            Some(packed) => self.tally.add(packed),
            None => self.tally.total += 1,
        }
    }

    fn harvest(self) -> Tally {
        self.tally
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_group_and_label_comes_back_out_of_its_packing() {
        let mut tally = Tally::default();
        for kind in Kind::ALL {
            for tlp in std::iter::once(None).chain(Tlp::ALL.map(Some)) {
                for group in [None, Some(1), Some(7), Some(GROUP_MASK as i64)] {
                    tally.add(pack(kind, group, tlp));
                }
            }
        }
        let per_kind = (Tlp::ALL.len() as u64 + 1) * 4;
        assert_eq!(tally.kinds(), Kind::ALL.map(|k| (k, per_kind)).to_vec());
        let per_tlp = Kind::ALL.len() as u64 * 4;
        let mut tlps = vec![(None, per_tlp)];
        tlps.extend(Tlp::ALL.map(|t| (Some(t), per_tlp)));
        assert_eq!(tally.tlps(), tlps);
        let mut groups = tally.groups();
        groups.sort();
        let per_group = Kind::ALL.len() as u64 * (Tlp::ALL.len() as u64 + 1);
        assert_eq!(
            groups,
            vec![
                (GroupId(1), per_group),
                (GroupId(7), per_group),
                (GroupId(GROUP_MASK as i64), per_group)
            ]
        );
        assert_eq!(tally.total, per_kind * Kind::ALL.len() as u64);
    }

    #[test]
    fn merged_tallies_add_up() {
        let mut a = Tally::default();
        a.add(pack(Kind::Post, Some(3), Some(Tlp::Green)));
        let mut b = Tally::default();
        b.add(pack(Kind::Post, Some(3), Some(Tlp::Amber)));
        b.add(pack(Kind::Alert, None, None));
        a.merge(b);
        assert_eq!(a.total, 3);
        assert_eq!(a.kinds(), vec![(Kind::Post, 2), (Kind::Alert, 1)]);
        assert_eq!(
            a.tlps(),
            vec![(None, 1), (Some(Tlp::Green), 1), (Some(Tlp::Amber), 1)]
        );
        assert_eq!(a.groups(), vec![(GroupId(3), 2)]);
    }
}

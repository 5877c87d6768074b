//! The access filter inside each query: the entries a viewer may see, as one bitset per
//! segment, kept between queries.
//!
//! An entry may be seen when one of the viewer's principals is among its `access` terms
//! and one is among its `anchor` terms ([`crate::policy::index_terms`]). Looking those
//! terms up in every segment for every query cost more than the words themselves (about
//! 20 terms × 2 fields × each segment). A segment never changes once written (an edit
//! is a deletion plus a new entry in a new segment, and deletions are left out by tantivy
//! after the filter), so the set of entries a given list of principals admits in a given
//! segment never changes either: it is worked out once and kept, keyed by the segment
//! and the whole list of principals, until the memory budget pushes it out.

use std::sync::{Arc, Mutex};

use lru::LruCache;
use tantivy::index::SegmentId;
use tantivy::query::{ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, Term};

/// Memory the cached filters may take in all: about 500 viewers' filters at a million
/// entries (125 KB each), far more at today's sizes.
pub const CACHE_BYTES: usize = 64 * 1024 * 1024;

/// The entries of one segment that a list of principals admits, one bit per entry.
#[derive(Debug)]
struct Admitted {
    words: Box<[u64]>,
    len: u32,
}

impl Admitted {
    fn bytes(&self) -> usize {
        self.words.len() * 8
    }

    fn contains(&self, doc: DocId) -> bool {
        self.words
            .get((doc / 64) as usize)
            .is_some_and(|word| word & (1 << (doc % 64)) != 0)
    }

    /// The first admitted entry after `doc`, or [`TERMINATED`].
    fn next_from(&self, doc: DocId) -> DocId {
        let Some(from) = doc.checked_add(1) else {
            return TERMINATED;
        };
        let mut at = (from / 64) as usize;
        let Some(first) = self.words.get(at) else {
            return TERMINATED;
        };
        let mut word = first & (u64::MAX << (from % 64));
        loop {
            if word != 0 {
                return at as DocId * 64 + word.trailing_zeros();
            }
            at += 1;
            match self.words.get(at) {
                Some(next) => word = *next,
                None => return TERMINATED,
            }
        }
    }
}

type Key = (SegmentId, Arc<[String]>);

/// The filters worked out so far, least recently used first out.
pub struct AccessCache {
    entries: Mutex<(LruCache<Key, Arc<Admitted>>, usize)>,
    budget: usize,
}

impl std::fmt::Debug for AccessCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessCache")
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}

impl AccessCache {
    pub fn new(budget: usize) -> Self {
        Self {
            entries: Mutex::new((LruCache::unbounded(), 0)),
            budget,
        }
    }

    /// Filters kept now (for tests).
    pub fn len(&self) -> usize {
        self.lock().0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (LruCache<Key, Arc<Admitted>>, usize)> {
        // A panic elsewhere while holding the lock leaves a consistent cache behind:
        // every change below is a whole insertion or removal.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self, key: &Key) -> Option<Arc<Admitted>> {
        self.lock().0.get(key).cloned()
    }

    fn put(&self, key: Key, admitted: Arc<Admitted>) {
        let mut guard = self.lock();
        let (entries, bytes) = &mut *guard;
        *bytes += admitted.bytes();
        if let Some(old) = entries.put(key, admitted) {
            *bytes -= old.bytes();
        }
        while *bytes > self.budget {
            match entries.pop_lru() {
                Some((_, old)) => *bytes -= old.bytes(),
                None => break,
            }
        }
    }
}

/// Entries with one of `principals` in `access` and one in `anchor`, without a score.
#[derive(Clone, Debug)]
pub struct AccessFilter {
    access: Field,
    anchor: Field,
    principals: Arc<[String]>,
    cache: Arc<AccessCache>,
}

impl AccessFilter {
    pub fn new(
        access: Field,
        anchor: Field,
        principals: &[String],
        cache: Arc<AccessCache>,
    ) -> Self {
        let mut sorted = principals.to_vec();
        sorted.sort();
        sorted.dedup();
        Self {
            access,
            anchor,
            principals: sorted.into(),
            cache,
        }
    }

    fn admitted(&self, reader: &SegmentReader) -> tantivy::Result<Arc<Admitted>> {
        let key = (reader.segment_id(), self.principals.clone());
        if let Some(found) = self.cache.get(&key) {
            return Ok(found);
        }
        let max_doc = reader.max_doc();
        let mut access = vec![0u64; (max_doc as usize).div_ceil(64)];
        let mut anchor = access.clone();
        for (field, bits) in [(self.access, &mut access), (self.anchor, &mut anchor)] {
            let inverted = reader.inverted_index(field)?;
            for principal in self.principals.iter() {
                let term = Term::from_field_text(field, principal);
                let Some(mut postings) = inverted.read_postings(&term, IndexRecordOption::Basic)?
                else {
                    continue;
                };
                let mut doc = postings.doc();
                while doc != TERMINATED {
                    bits[(doc / 64) as usize] |= 1 << (doc % 64);
                    doc = postings.advance();
                }
            }
        }
        let mut len = 0u32;
        for (a, b) in access.iter_mut().zip(&anchor) {
            *a &= b;
            len += a.count_ones();
        }
        let admitted = Arc::new(Admitted {
            words: access.into_boxed_slice(),
            len,
        });
        self.cache.put(key, admitted.clone());
        Ok(admitted)
    }
}

impl Query for AccessFilter {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for AccessFilter {
    fn scorer(&self, reader: &SegmentReader, _boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let docs = AdmittedDocs::new(self.admitted(reader)?);
        Ok(Box::new(ConstScorer::new(docs, 0.0)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let admitted = self.admitted(reader)?;
        let word = admitted
            .words
            .get((doc / 64) as usize)
            .copied()
            .unwrap_or(0);
        if word & (1 << (doc % 64)) == 0 {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "entry {doc} is not admitted by the access filter"
            )));
        }
        Ok(Explanation::new("access filter", 0.0))
    }
}

/// The admitted entries of a segment as a doc set: `seek` jumps straight to the word
/// holding the target, so intersecting with a few matching words costs a few lookups.
struct AdmittedDocs {
    admitted: Arc<Admitted>,
    /// Index of the word being read, and its bits not yet returned.
    word: usize,
    rest: u64,
    doc: DocId,
}

impl AdmittedDocs {
    fn new(admitted: Arc<Admitted>) -> Self {
        let rest = admitted.words.first().copied().unwrap_or(0);
        let mut docs = Self {
            admitted,
            word: 0,
            rest,
            doc: 0,
        };
        docs.advance();
        docs
    }
}

impl DocSet for AdmittedDocs {
    fn advance(&mut self) -> DocId {
        loop {
            if self.rest != 0 {
                let bit = self.rest.trailing_zeros();
                self.rest &= self.rest - 1;
                self.doc = self.word as DocId * 64 + bit;
                return self.doc;
            }
            self.word += 1;
            match self.admitted.words.get(self.word) {
                Some(bits) => self.rest = *bits,
                None => {
                    self.word = self.admitted.words.len();
                    self.doc = TERMINATED;
                    return TERMINATED;
                }
            }
        }
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        let word = (target / 64) as usize;
        if word >= self.admitted.words.len() {
            self.word = self.admitted.words.len();
            self.rest = 0;
            self.doc = TERMINATED;
            return TERMINATED;
        }
        if word > self.word {
            self.word = word;
            self.rest = self.admitted.words[word];
        }
        // Drop the bits below the target in its word (the word may be the current one).
        let below = target % 64;
        self.rest &= u64::MAX << below;
        self.advance()
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.admitted.len
    }
}

/// The entries the viewer may see that match every one of `required` (a query's words),
/// scored as the sum of their scores: the access filter and the words intersected in one
/// pass that asks the filter first.
///
/// As a plain clause beside the words, the filter was asked only after the two rarest
/// words had agreed on an entry: every common entry of two frequent words cost a seek in
/// each, whether the viewer could see it or not. Asked first, the filter lets the rarest
/// word skip what the viewer cannot see (a bit test) before the others seek to it.
#[derive(Debug)]
pub struct VisibleMatches {
    filter: AccessFilter,
    required: Vec<Box<dyn Query>>,
}

impl Clone for VisibleMatches {
    fn clone(&self) -> Self {
        Self {
            filter: self.filter.clone(),
            required: self.required.iter().map(|q| q.box_clone()).collect(),
        }
    }
}

impl VisibleMatches {
    pub fn new(filter: AccessFilter, required: Vec<Box<dyn Query>>) -> Self {
        Self { filter, required }
    }
}

impl Query for VisibleMatches {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let required = self
            .required
            .iter()
            .map(|q| q.weight(scoring))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(VisibleMatchesWeight {
            filter: self.filter.clone(),
            required,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for q in &self.required {
            q.query_terms(visitor);
        }
    }
}

struct VisibleMatchesWeight {
    filter: AccessFilter,
    required: Vec<Box<dyn Weight>>,
}

impl Weight for VisibleMatchesWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let admitted = self.filter.admitted(reader)?;
        let mut scorers = self
            .required
            .iter()
            .map(|w| w.scorer(reader, boost))
            .collect::<tantivy::Result<Vec<_>>>()?;
        if scorers.is_empty() {
            return Ok(Box::new(ConstScorer::new(AdmittedDocs::new(admitted), 0.0)));
        }
        // The rarest word leads; the others are asked in order of how common they are.
        scorers.sort_by_key(|s| s.size_hint());
        Ok(Box::new(Leapfrog::new(admitted, scorers)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "entry {doc} is not a visible match"
            )));
        }
        let mut explanation = Explanation::new("visible matches, sum of", scorer.score());
        for weight in &self.required {
            if let Ok(part) = weight.explain(reader, doc) {
                explanation.add_detail(part);
            }
        }
        Ok(explanation)
    }
}

/// The intersection of the admitted entries and `scorers` (at least one, rarest first).
///
/// The rarest word leads: each of its entries is first tested against the filter (one
/// bit), and only an admitted one is sought in the other words. Past an entry the filter
/// refuses, the lead steps to its next entry, or seeks when the next admitted entry is
/// far ahead ([`FAR`]): a step within a decoded block is a few nanoseconds, a seek
/// several times that. Each scorer's current entry is kept in `docs` so that standing
/// still costs no call.
struct Leapfrog {
    admitted: Arc<Admitted>,
    scorers: Vec<Box<dyn Scorer>>,
    /// `scorers[i].doc()`.
    docs: Vec<DocId>,
    doc: DocId,
}

/// Entries ahead beyond which the lead seeks to the next admitted entry instead of
/// stepping: about one block of postings of a word in 1 entry of 8.
const FAR: DocId = 1_024;

impl Leapfrog {
    fn new(admitted: Arc<Admitted>, scorers: Vec<Box<dyn Scorer>>) -> Self {
        let docs: Vec<DocId> = scorers.iter().map(|s| s.doc()).collect();
        let first = docs.iter().copied().max().unwrap_or(TERMINATED);
        let mut leapfrog = Self {
            admitted,
            scorers,
            docs,
            doc: 0,
        };
        leapfrog.doc = leapfrog.settle(first);
        leapfrog
    }

    /// The first entry at or after `candidate` that the filter admits and every scorer
    /// holds. Every scorer stands at or before `candidate` when called.
    fn settle(&mut self, mut candidate: DocId) -> DocId {
        'next: loop {
            if candidate == TERMINATED || self.scorers.is_empty() {
                return TERMINATED;
            }
            // The lead to its first admitted entry at or after the candidate.
            let mut lead = self.docs[0];
            if lead < candidate {
                lead = self.scorers[0].seek(candidate);
            }
            while lead != TERMINATED && !self.admitted.contains(lead) {
                let admitted = self.admitted.next_from(lead);
                lead = if admitted == TERMINATED {
                    TERMINATED
                } else if admitted - lead > FAR {
                    self.scorers[0].seek(admitted)
                } else {
                    self.scorers[0].advance()
                };
            }
            self.docs[0] = lead;
            candidate = lead;
            if candidate == TERMINATED {
                return TERMINATED;
            }
            for i in 1..self.scorers.len() {
                if self.docs[i] < candidate {
                    self.docs[i] = self.scorers[i].seek(candidate);
                }
                if self.docs[i] > candidate {
                    candidate = self.docs[i];
                    continue 'next;
                }
            }
            return candidate;
        }
    }
}

impl DocSet for Leapfrog {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        let next = match self.scorers.first_mut() {
            Some(lead) => lead.advance(),
            None => TERMINATED,
        };
        if let Some(lead) = self.docs.first_mut() {
            *lead = next;
        }
        self.doc = self.settle(next);
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc < target {
            self.doc = self.settle(target);
        }
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.scorers
            .first()
            .map_or(0, |s| s.size_hint())
            .min(self.admitted.len)
    }
}

impl Scorer for Leapfrog {
    fn score(&mut self) -> Score {
        self.scorers.iter_mut().map(|s| s.score()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admitted_of(bits: &[u32], max_doc: u32) -> Arc<Admitted> {
        let mut words = vec![0u64; (max_doc as usize).div_ceil(64)];
        for &b in bits {
            words[(b / 64) as usize] |= 1 << (b % 64);
        }
        Arc::new(Admitted {
            words: words.into_boxed_slice(),
            len: bits.len() as u32,
        })
    }

    fn docs_of(bits: &[u32], max_doc: u32) -> AdmittedDocs {
        AdmittedDocs::new(admitted_of(bits, max_doc))
    }

    fn drain(docs: &mut AdmittedDocs) -> Vec<DocId> {
        let mut out = Vec::new();
        while docs.doc() != TERMINATED {
            out.push(docs.doc());
            docs.advance();
        }
        out
    }

    #[test]
    fn advancing_yields_every_admitted_entry_in_order() {
        let bits = [0, 1, 63, 64, 65, 127, 128, 300];
        assert_eq!(drain(&mut docs_of(&bits, 301)), bits);
    }

    #[test]
    fn an_empty_segment_or_filter_admits_nothing() {
        assert_eq!(docs_of(&[], 0).doc(), TERMINATED);
        assert_eq!(docs_of(&[], 500).doc(), TERMINATED);
    }

    #[test]
    fn seeking_lands_on_the_first_admitted_entry_at_or_after_the_target() {
        let mut docs = docs_of(&[3, 70, 71, 200], 256);
        assert_eq!(docs.seek(0), 3);
        assert_eq!(docs.seek(3), 3, "a seek to the current entry stays");
        assert_eq!(docs.seek(4), 70);
        assert_eq!(docs.seek(71), 71);
        assert_eq!(docs.seek(72), 200);
        assert_eq!(docs.seek(201), TERMINATED);
        let mut docs = docs_of(&[3, 70, 71, 200], 256);
        assert_eq!(docs.seek(1000), TERMINATED, "past the segment");
    }

    #[test]
    fn seeking_within_the_current_word_skips_the_bits_below_the_target() {
        let mut docs = docs_of(&[64, 66, 90, 127], 128);
        assert_eq!(docs.seek(65), 66);
        assert_eq!(docs.seek(91), 127);
        assert_eq!(docs.advance(), TERMINATED);
    }

    /// A word's entries, each scored 1.
    struct Listed {
        docs: Vec<DocId>,
        at: usize,
    }

    impl Listed {
        fn boxed(mut docs: Vec<DocId>) -> Box<dyn Scorer> {
            docs.sort_unstable();
            docs.dedup();
            Box::new(Self { docs, at: 0 })
        }
    }

    impl DocSet for Listed {
        fn advance(&mut self) -> DocId {
            self.at = (self.at + 1).min(self.docs.len());
            self.doc()
        }

        fn doc(&self) -> DocId {
            self.docs.get(self.at).copied().unwrap_or(TERMINATED)
        }

        fn size_hint(&self) -> u32 {
            self.docs.len() as u32
        }
    }

    impl Scorer for Listed {
        fn score(&mut self) -> Score {
            1.0
        }
    }

    /// Room for gaps in the filter both nearer and farther than [`FAR`].
    const MAX_DOC: u32 = 8 * FAR;

    fn leapfrog(admitted: &[u32], words: &[Vec<DocId>]) -> Leapfrog {
        let scorers = words.iter().map(|w| Listed::boxed(w.clone())).collect();
        Leapfrog::new(admitted_of(admitted, MAX_DOC), scorers)
    }

    proptest::proptest! {
        #[test]
        fn the_leapfrog_yields_exactly_the_admitted_entries_every_word_has(
            admitted in proptest::collection::btree_set(0u32..MAX_DOC, 0..300),
            words in proptest::collection::vec(
                proptest::collection::vec(0u32..MAX_DOC, 0..400), 1..4),
            targets in proptest::collection::vec(0u32..MAX_DOC + 100, 0..20),
        ) {
            let admitted: Vec<u32> = admitted.into_iter().collect();
            let expected: Vec<DocId> = admitted
                .iter()
                .copied()
                .filter(|d| words.iter().all(|w| w.contains(d)))
                .collect();
            let mut all = leapfrog(&admitted, &words);
            let mut found = Vec::new();
            while all.doc() != TERMINATED {
                found.push(all.doc());
                proptest::prop_assert_eq!(all.score(), words.len() as Score);
                all.advance();
            }
            proptest::prop_assert_eq!(&found, &expected);
            proptest::prop_assert_eq!(all.advance(), TERMINATED);

            // Seeking to increasing targets lands on the first match at or after each.
            let mut targets = targets;
            targets.sort_unstable();
            let mut sought = leapfrog(&admitted, &words);
            for target in targets {
                let first = expected.iter().copied().find(|&d| d >= target);
                proptest::prop_assert_eq!(sought.seek(target), first.unwrap_or(TERMINATED));
            }
        }
    }

    #[test]
    fn the_lead_seeks_across_a_long_stretch_the_filter_refuses() {
        let every: Vec<DocId> = (0..4_000).collect();
        let mut all = leapfrog(&[10, 3_000, 3_001], &[every, vec![10, 3_001]]);
        assert_eq!(all.doc(), 10);
        assert_eq!(all.advance(), 3_001);
        assert_eq!(all.advance(), TERMINATED);
    }

    #[test]
    fn a_word_missing_from_the_segment_matches_nothing_even_where_the_filter_admits_all() {
        let all: Vec<u32> = (0..MAX_DOC).collect();
        let mut none = leapfrog(&all, &[vec![5, 9], vec![]]);
        assert_eq!(none.doc(), TERMINATED);
        assert_eq!(none.advance(), TERMINATED);
    }

    #[test]
    fn the_cache_keeps_within_its_budget_dropping_the_least_recently_used() {
        let cache = AccessCache::new(3 * 8);
        let one = |n: u64| {
            Arc::new(Admitted {
                words: vec![n].into_boxed_slice(),
                len: n.count_ones(),
            })
        };
        let key = |s: &str| {
            (
                SegmentId::generate_random(),
                Arc::<[String]>::from(vec![s.to_string()]),
            )
        };
        let (a, b, c, d) = (key("a"), key("b"), key("c"), key("d"));
        cache.put(a.clone(), one(1));
        cache.put(b.clone(), one(2));
        cache.put(c.clone(), one(3));
        assert!(cache.get(&a).is_some(), "a is now the most recently used");
        cache.put(d.clone(), one(4));
        assert_eq!(cache.len(), 3);
        assert!(cache.get(&b).is_none(), "b was the least recently used");
        assert!(cache.get(&a).is_some() && cache.get(&c).is_some() && cache.get(&d).is_some());
    }
}

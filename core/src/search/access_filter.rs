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

#[cfg(test)]
mod tests {
    use super::*;

    fn docs_of(bits: &[u32], max_doc: u32) -> AdmittedDocs {
        let mut words = vec![0u64; (max_doc as usize).div_ceil(64)];
        for &b in bits {
            words[(b / 64) as usize] |= 1 << (b % 64);
        }
        AdmittedDocs::new(Arc::new(Admitted {
            words: words.into_boxed_slice(),
            len: bits.len() as u32,
        }))
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

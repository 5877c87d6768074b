//! The access filter inside the search index as a property (issue 18, "Bad input"): over
//! random indexes holding every kind of entry, random viewers and random, often hostile,
//! query strings, the index part of a search ([`query_index`]) never panics or fails,
//! never returns an entry the viewer may not see, and never counts one in its total or
//! in a facet. What "may see" means is asked of the policy twice: its Rust predicates and
//! its index terms ([`terms_admit`]), which must agree on every random entry too.

use super::index::{AuthorTerms, Entry, Kind, SearchIndex};
use super::query;
use super::searching::{GroupRef, IndexPage, PER_PAGE, Scope, Sort, query_index};
use crate::ids::{GroupId, OrgId, UserId};
use crate::policy::{
    FREE, GroupItem, GroupRole, IntelItem, OrgKind, PlatformRole, StixClass, Tlp, Viewer,
    can_see_group_item, can_see_intel_item, can_see_stix_object, group_item_terms,
    intel_item_terms, terms_admit,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::collections::BTreeMap;

/// Two municipalities and the analysis centre, with the codes `org:` matches.
const ORGS: [(OrgId, OrgKind, &str); 3] = [
    (OrgId(1), OrgKind::Municipality, "AAR"),
    (OrgId(2), OrgKind::Municipality, "ODE"),
    (OrgId(3), OrgKind::AnalysisCentre, "CFCS"),
];
/// Person `i` is `UserId(i + 1)` of `ORGS[i % 3]`.
const PEOPLE: [&str; 6] = [
    "Anne Hansen",
    "Bo Ærø",
    "Søren Østergård",
    "Åse Lund",
    "Mads Nielsen",
    "Karen Holm",
];
const GROUPS: [(GroupId, &str, &str); 3] = [
    (GroupId(1), "soc", "SOC-netværket"),
    (GroupId(2), "net", "Netværk"),
    (GroupId(3), "ledelse", "Ledelse"),
];
/// Danish words with their inflections (the stemmer meets them), words that differ only
/// in æ, ø and å, English and product names, and the technical tokens of security text.
const WORDS: [&str; 28] = [
    "sårbarhed",
    "sårbarheden",
    "sårbarhederne",
    "kommune",
    "kommunerne",
    "angreb",
    "angrebet",
    "får",
    "far",
    "øl",
    "ol",
    "ærø",
    "åben",
    "aben",
    "phishing",
    "Exchange",
    "servers",
    "ransomware",
    "hændelse",
    "CVE-2024-21762",
    "cve-2023-4966",
    "10.0.0.1",
    "192.168.1.0/24",
    "login.evil.example.com",
    "example.com",
    "soc@kl.dk",
    "https://evil.example.com/x?y=1",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
];
/// 2023-01-01 to 2026-12-31, UTC.
const DATES: std::ops::Range<i64> = 1_672_531_200..1_798_675_200;

fn person(i: usize) -> UserId {
    UserId(i as i64 + 1)
}

fn org_of(i: usize) -> (OrgId, OrgKind, &'static str) {
    ORGS[i % ORGS.len()]
}

/// Who may see an item: its label and the people and organisations it names. Group
/// content reads `tlp` modulo five, `who` as its author, `orgs` and `users` as its
/// recipients; intel reads a sixth `tlp` as unmarked, `who` as its publisher's
/// organisation, `orgs` as its targets and `users` as its RED recipients.
#[derive(Debug, Clone)]
struct Label {
    tlp: usize,
    who: usize,
    orgs: Vec<bool>,
    users: Vec<bool>,
    unlinked: bool,
}

fn label() -> impl Strategy<Value = Label> {
    (
        0..6usize,
        0..PEOPLE.len(),
        vec(any::<bool>(), ORGS.len()),
        vec(prop::bool::weighted(0.25), PEOPLE.len()),
        prop::bool::weighted(0.15),
    )
        .prop_map(|(tlp, who, orgs, users, unlinked)| Label {
            tlp,
            who,
            orgs,
            users,
            unlinked,
        })
}

/// The recipients a label names, kept for the items that borrow them.
struct Named {
    orgs: Vec<OrgId>,
    users: Vec<UserId>,
}

impl Label {
    fn named(&self) -> Named {
        Named {
            orgs: (0..ORGS.len())
                .filter(|i| self.orgs[*i])
                .map(|i| ORGS[i].0)
                .collect(),
            users: (0..PEOPLE.len())
                .filter(|i| self.users[*i])
                .map(person)
                .collect(),
        }
    }

    fn group_tlp(&self) -> Tlp {
        Tlp::ALL[self.tlp % Tlp::ALL.len()]
    }

    fn group_item<'a>(&self, group: GroupId, named: &'a Named) -> GroupItem<'a> {
        GroupItem {
            group_id: group,
            tlp: self.group_tlp(),
            author_id: person(self.who),
            recipient_orgs: &named.orgs,
            recipient_users: &named.users,
        }
    }

    fn intel_tlp(&self) -> Option<Tlp> {
        Tlp::ALL.get(self.tlp).copied()
    }

    fn intel_item<'a>(&self, named: &'a Named) -> IntelItem<'a> {
        IntelItem {
            tlp: self.intel_tlp(),
            publisher_org_id: org_of(self.who).0,
            targets: &named.orgs,
            has_unlinked_targets: self.unlinked,
            recipient_users: &named.users,
        }
    }
}

/// One entry to index: a post's first anchor is its thread, a dependent's anchors the
/// items it hangs on (`dangling`: it names one that is not stored, so nobody sees it).
#[derive(Debug, Clone)]
struct Spec {
    kind: Kind,
    group: usize,
    label: Label,
    anchors: Vec<Label>,
    dangling: bool,
    chatham_house: bool,
    title: Vec<usize>,
    body: Vec<usize>,
    date: i64,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        select(Kind::ALL.to_vec()),
        0..GROUPS.len(),
        label(),
        vec(label(), 0..3),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.3),
        vec(0..WORDS.len(), 1..4),
        vec(0..WORDS.len(), 0..12),
        DATES,
    )
        .prop_map(
            |(kind, group, label, anchors, dangling, chatham_house, title, body, date)| Spec {
                kind,
                group,
                label,
                anchors,
                dangling,
                chatham_house,
                title,
                body,
                date,
            },
        )
}

#[derive(Debug, Clone)]
struct World {
    /// Per group: archived, so that nobody sees its content.
    archived: Vec<bool>,
    specs: Vec<Spec>,
}

fn world() -> impl Strategy<Value = World> {
    (
        vec(prop::bool::weighted(0.2), GROUPS.len()),
        vec(spec(), 0..40),
    )
        .prop_map(|(archived, specs)| World { archived, specs })
}

fn is_group_content(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Thread | Kind::Post | Kind::Document | Kind::Page
    )
}

fn is_dependent(kind: Kind) -> bool {
    matches!(kind, Kind::Indicator | Kind::Vulnerability)
}

fn words(picks: &[usize]) -> String {
    picks
        .iter()
        .map(|i| WORDS[*i])
        .collect::<Vec<_>>()
        .join(" ")
}

impl Spec {
    /// The thread a post is seen through: its first anchor, or a thread with its own label.
    fn thread(&self) -> &Label {
        self.anchors.first().unwrap_or(&self.label)
    }

    /// The entry as the indexer makes it: the access terms of the policy, and none at all
    /// for content of an archived group.
    fn entry(&self, row: usize, archived: &[bool]) -> Entry {
        let (group, _, _) = GROUPS[self.group];
        let group_terms = |label: &Label| {
            if archived[self.group] {
                Vec::new()
            } else {
                group_item_terms(&label.group_item(group, &label.named()))
            }
        };
        let (access, anchor) = if is_group_content(self.kind) {
            let anchor = if self.kind == Kind::Post {
                group_terms(self.thread())
            } else {
                vec![FREE.to_string()]
            };
            (group_terms(&self.label), anchor)
        } else {
            let own = intel_item_terms(&self.label.intel_item(&self.label.named()));
            let anchor = if !is_dependent(self.kind) {
                vec![FREE.to_string()]
            } else if self.dangling {
                Vec::new()
            } else if self.anchors.is_empty() {
                vec![FREE.to_string()]
            } else {
                self.anchors
                    .iter()
                    .flat_map(|a| intel_item_terms(&a.intel_item(&a.named())))
                    .collect()
            };
            (own, anchor)
        };
        let key = format!("{}:{row}", self.kind.as_str());
        let group_content = is_group_content(self.kind);
        Entry {
            kind: self.kind,
            row: row as i64,
            key: key.clone(),
            title: words(&self.title),
            body: words(&self.body),
            group: group_content.then_some(group.0),
            tlp: if group_content {
                Some(self.label.group_tlp())
            } else {
                self.label.intel_tlp()
            },
            date: self.date,
            author: group_content.then(|| AuthorTerms {
                name: PEOPLE[self.label.who].to_string(),
                org_code: org_of(self.label.who).2.to_string(),
                chatham_house: self.chatham_house && matches!(self.kind, Kind::Thread | Kind::Post),
            }),
            access,
            anchor,
            sources: vec![key],
        }
    }

    /// Whether the policy's Rust predicates let `viewer` see the entry.
    fn visible_to(&self, viewer: &Viewer, org_kind: OrgKind, archived: &[bool]) -> bool {
        let (group, _, _) = GROUPS[self.group];
        if is_group_content(self.kind) {
            let named = self.label.named();
            let sees_own = can_see_group_item(viewer, &self.label.group_item(group, &named));
            let thread = self.thread();
            let thread_named = thread.named();
            let sees_thread = self.kind != Kind::Post
                || can_see_group_item(viewer, &thread.group_item(group, &thread_named));
            !archived[self.group] && sees_own && sees_thread
        } else {
            let named = self.label.named();
            let own = self.label.intel_item(&named);
            if !is_dependent(self.kind) {
                return can_see_intel_item(viewer, org_kind, &own);
            }
            let anchor_named: Vec<Named> = self.anchors.iter().map(Label::named).collect();
            let anchors: Vec<IntelItem<'_>> = self
                .anchors
                .iter()
                .zip(&anchor_named)
                .map(|(a, named)| a.intel_item(named))
                .collect();
            !self.dangling
                && can_see_stix_object(viewer, org_kind, StixClass::Dependent, &own, &anchors, None)
        }
    }
}

/// A person of any platform role in any groups with any role, or a token.
#[derive(Debug, Clone)]
struct Asker {
    token: bool,
    who: usize,
    role: PlatformRole,
    memberships: Vec<Option<GroupRole>>,
}

fn asker() -> impl Strategy<Value = Asker> {
    let membership = prop_oneof![
        2 => Just(None),
        3 => select(GroupRole::ALL.to_vec()).prop_map(Some),
    ];
    (
        prop::bool::weighted(0.15),
        0..PEOPLE.len(),
        select(PlatformRole::ALL.to_vec()),
        vec(membership, GROUPS.len()),
    )
        .prop_map(|(token, who, role, memberships)| Asker {
            token,
            who,
            role,
            memberships,
        })
}

impl Asker {
    fn viewer(&self) -> Viewer {
        let (org, _, _) = org_of(self.who);
        if self.token {
            return Viewer::api_token(org);
        }
        let groups = self
            .memberships
            .iter()
            .enumerate()
            .filter_map(|(i, role)| role.map(|r| (GROUPS[i].0, r)))
            .collect();
        Viewer::user(person(self.who), org, self.role, false, groups)
    }

    fn org_kind(&self) -> OrgKind {
        org_of(self.who).1
    }

    /// The viewer's groups that are not archived, as the search reads them per query.
    fn open_groups(&self, archived: &[bool]) -> Vec<GroupRef> {
        if self.token {
            return Vec::new();
        }
        (0..GROUPS.len())
            .filter(|i| self.memberships[*i].is_some() && !archived[*i])
            .map(|i| {
                let (id, slug, name) = GROUPS[i];
                GroupRef {
                    id,
                    slug: slug.to_string(),
                    name: name.to_string(),
                }
            })
            .collect()
    }

    /// Groups whose Chatham House authors the viewer may see: it moderates or owns them.
    fn moderates(&self, group: i64) -> bool {
        !self.token
            && GROUPS
                .iter()
                .zip(&self.memberships)
                .any(|((id, _, _), role)| {
                    id.0 == group && matches!(role, Some(GroupRole::Owner | GroupRole::Moderator))
                })
    }
}

/// Pieces of hostile and ordinary queries: words of the index, operators, every filter
/// with good and bad values, regex-like text, control characters, percent-encoded
/// invalid UTF-8 and a word too long to be indexed.
fn pieces() -> Vec<String> {
    let mut pieces: Vec<String> = WORDS.iter().map(|w| w.to_string()).collect();
    pieces.extend(WORDS.iter().map(|w| format!("-{w}")));
    pieces.extend(WORDS.iter().take(6).map(|w| format!("\"{w} {w}\"")));
    pieces.extend(
        [
            "OR",
            "or",
            "-",
            "--",
            "*",
            "**",
            "\"",
            "\"\"",
            "-\"",
            "-\"sårbarhed kommune\"",
            "\"åben angreb",
            "sårbarhed*",
            "type:thread",
            "type:post",
            "type:document",
            "type:page",
            "type:advisory",
            "type:indicator",
            "type:vulnerability",
            "type:incident",
            "type:alert",
            "TYPE:Post",
            "type:",
            "type:posts",
            "type:*",
            "tlp:clear",
            "tlp:green",
            "tlp:amber",
            "tlp:amber+strict",
            "tlp:red",
            "tlp:TLP:RED",
            "tlp:AMBER+STRICT",
            "tlp:",
            "tlp:purple",
            "tlp:white",
            "author:anne",
            "author:\"Anne Hansen\"",
            "author:søren",
            "author:ærø",
            "author:\"\"",
            "author:",
            "org:aar",
            "org:ODE",
            "org:cfcs",
            "org:xyz",
            "org:",
            "group:soc",
            "group:net",
            "group:ledelse",
            "group:SOC",
            "group:nope",
            "group:",
            "-group:soc",
            "after:2024-01-01",
            "after:2026-06-30",
            "before:2025-03-30",
            "before:2024-10-27",
            "after:2024-13-45",
            "after:2023-02-29",
            "before:9999-12-31",
            "after:9999-12-31",
            "after:0000-01-01",
            "before:0000-01-01",
            "after:99999-01-01",
            "before:-1-01-01",
            "before:yesterday",
            "after:",
            "foo:bar",
            "http://x",
            "c:/windows",
            ":",
            "::",
            "a:b:c",
            ".*",
            "[a-z]+",
            "(?i)x",
            "^$",
            "\\",
            "\\\"",
            "(",
            ")",
            "%FF%FE",
            "%C3%28",
            "%00",
            "\u{FFFD}",
            "\u{0}",
            "\t",
            "\r\n",
            "\u{7f}",
            "\u{1b}[31m",
            "\u{200b}",
            "\u{202e}",
            "é",
            "'",
            "`",
            "<b>",
            "<script>alert(1)</script>",
            "&amp;",
        ]
        .map(str::to_string),
    );
    pieces.push("a".repeat(70));
    pieces.push("æ".repeat(40));
    pieces
}

/// Every printable ASCII character, in order.
fn printable_ascii() -> String {
    (0x20u8..0x7f).map(char::from).collect()
}

fn query_text() -> impl Strategy<Value = String> {
    let piece = || select(pieces());
    prop_oneof![
        6 => vec(piece(), 0..12).prop_map(|p| p.join(" ")),
        1 => vec(piece(), 0..400).prop_map(|p| p.concat()),
        1 => vec(piece(), 0..400).prop_map(|p| p.join(" ")),
        2 => vec(any::<char>(), 0..2_000).prop_map(String::from_iter),
        1 => "\\PC{0,300}",
        1 => Just(printable_ascii()),
    ]
    .prop_map(|q| q.chars().take(2_000).collect())
}

#[derive(Debug, Clone)]
struct Search {
    q: String,
    sort: Sort,
    page: usize,
    /// Entries (by index) with a change still waiting in the outbox.
    pending: Vec<usize>,
}

fn search() -> impl Strategy<Value = Search> {
    (
        query_text(),
        prop_oneof![Just(Sort::Relevance), Just(Sort::Newest)],
        select(vec![0, 1, 2, 3, 50, 51, 1_000_000_000, usize::MAX]),
        prop_oneof![3 => Just(Vec::new()), 1 => vec(0..40usize, 0..5)],
    )
        .prop_map(|(q, sort, page, pending)| Search {
            q,
            sort,
            page,
            pending,
        })
}

/// The entries indexed in up to five commits, so that the index has several segments
/// (each with its own kept access filter); the last commit's payload is 5 at most.
fn index_of(entries: &[Entry]) -> SearchIndex {
    let index = SearchIndex::in_memory().expect("an index in memory");
    let mut applied = 0;
    for chunk in entries.chunks(entries.len().div_ceil(5).max(1)) {
        applied += 1;
        index
            .write(&[], chunk, applied)
            .expect("the entries are indexed");
    }
    if applied == 0 {
        index.write(&[], &[], 1).expect("an empty commit");
    }
    index
}

/// Counts of what the viewer may see, by facet.
#[derive(Default)]
struct Visible {
    total: u64,
    kinds: BTreeMap<Kind, u64>,
    groups: BTreeMap<i64, u64>,
    tlps: BTreeMap<Option<Tlp>, u64>,
}

impl Visible {
    fn count(&mut self, entry: &Entry) {
        self.total += 1;
        *self.kinds.entry(entry.kind).or_default() += 1;
        if let Some(group) = entry.group {
            *self.groups.entry(group).or_default() += 1;
        }
        *self.tlps.entry(entry.tlp).or_default() += 1;
    }
}

/// Searches `world`, indexed as `entries`, as `asker` for each of `searches`, and checks
/// every answer against what the viewer may see. Returns how many searches found
/// something.
fn check(
    world: &World,
    entries: &[Entry],
    index: &SearchIndex,
    asker: &Asker,
    searches: &[Search],
) -> Result<usize, TestCaseError> {
    let mut found = 0;
    let viewer = asker.viewer();
    let open = asker.open_groups(&world.archived);
    let scope = Scope::of(&viewer, asker.org_kind(), open.clone());

    // The third form agrees with the predicates on every random entry.
    let mut admitted = Vec::with_capacity(entries.len());
    for (spec, entry) in world.specs.iter().zip(entries) {
        let by_terms = terms_admit(&scope.terms, &entry.access, &entry.anchor);
        let by_rust = spec.visible_to(&viewer, asker.org_kind(), &world.archived);
        prop_assert_eq!(
            by_terms,
            by_rust,
            "{:?} indexed with {:?} / anchor {:?}; {:?} holds {:?}",
            spec,
            entry.access,
            entry.anchor,
            viewer,
            scope.terms
        );
        admitted.push(by_terms);
    }

    for search in searches {
        let pending: Vec<String> = search
            .pending
            .iter()
            .filter_map(|i| entries.get(*i).map(|e| e.key.clone()))
            .collect();
        let mut visible = Visible::default();
        for (entry, _) in entries
            .iter()
            .zip(&admitted)
            .filter(|(e, seen)| **seen && !pending.contains(&e.key))
        {
            visible.count(entry);
        }
        let parsed = query::parse(&search.q);
        let context = format!("query {:?} ({:?}) for {viewer:?}", search.q, parsed);
        let page: IndexPage =
            match query_index(index, &parsed, &scope, &pending, search.sort, search.page) {
                Ok(page) => page,
                Err(e) => return Err(TestCaseError::fail(format!("{context}: error {e}"))),
            };

        prop_assert!(
            page.total <= visible.total,
            "{context}: total {} of {} visible",
            page.total,
            visible.total
        );
        prop_assert!(page.hits.len() <= PER_PAGE, "{context}: a page too long");
        prop_assert!(
            page.hits.len() as u64 <= page.total,
            "{context}: more hits than the total"
        );
        for (kind, row) in &page.hits {
            let entry = usize::try_from(*row).ok().and_then(|r| entries.get(r));
            let Some(entry) = entry.filter(|e| e.kind == *kind) else {
                return Err(TestCaseError::fail(format!(
                    "{context}: a hit that was never indexed: {kind:?} {row}"
                )));
            };
            prop_assert!(
                terms_admit(&scope.terms, &entry.access, &entry.anchor),
                "{context}: returned a hidden entry {entry:?}"
            );
            prop_assert!(
                !pending.contains(&entry.key),
                "{context}: returned {} with a change pending",
                entry.key
            );
            let by_author = !parsed.filters.authors.is_empty() || !parsed.filters.orgs.is_empty();
            let chatham_house = entry.author.as_ref().is_some_and(|a| a.chatham_house);
            prop_assert!(
                !(by_author && chatham_house && !asker.moderates(entry.group.unwrap_or_default())),
                "{context}: `author:`/`org:` found a Chatham House author for a non-moderator: \
                 {entry:?}"
            );
        }

        let facets = &page.facets;
        for (kind, n) in &facets.kinds {
            let seen = visible.kinds.get(kind).copied().unwrap_or(0);
            prop_assert!(
                *n <= seen,
                "{context}: {n} of type {kind:?}, {seen} visible"
            );
        }
        for (group, n) in &facets.groups {
            prop_assert!(
                open.contains(group),
                "{context}: a facet names {group:?}, not one of the viewer's open groups"
            );
            let seen = visible.groups.get(&group.id.0).copied().unwrap_or(0);
            prop_assert!(*n <= seen, "{context}: {n} in {group:?}, {seen} visible");
        }
        for (tlp, n) in &facets.tlps {
            let seen = visible.tlps.get(tlp).copied().unwrap_or(0);
            prop_assert!(*n <= seen, "{context}: {n} at {tlp:?}, {seen} visible");
        }
        // Every entry has one type and one label: their facets add up to the total.
        let kinds: u64 = facets.kinds.iter().map(|(_, n)| n).sum();
        let tlps: u64 = facets.tlps.iter().map(|(_, n)| n).sum();
        prop_assert_eq!(
            kinds,
            page.total,
            "{}: type facets against the total",
            context
        );
        prop_assert_eq!(
            tlps,
            page.total,
            "{}: label facets against the total",
            context
        );
        if !page.hits.is_empty() {
            found += 1;
        }
    }

    // Listing every type is a search with no words: it finds exactly what the viewer may
    // see, so the filter inside the index is neither wider nor narrower than the policy.
    let every_type = Kind::ALL
        .iter()
        .map(|k| format!("type:{}", k.as_str()))
        .collect::<Vec<_>>()
        .join(" ");
    let mut visible = Visible::default();
    for (entry, _) in entries.iter().zip(&admitted).filter(|(_, seen)| **seen) {
        visible.count(entry);
    }
    let page = query_index(
        index,
        &query::parse(&every_type),
        &scope,
        &[],
        Sort::Newest,
        1,
    )
    .map_err(|e| TestCaseError::fail(format!("every type: {e}")))?;
    prop_assert_eq!(page.total, visible.total, "every type, {:?}", viewer);
    let kinds: BTreeMap<Kind, u64> = page.facets.kinds.iter().copied().collect();
    prop_assert_eq!(kinds, visible.kinds, "type facets, {:?}", viewer);
    let groups: BTreeMap<i64, u64> = page
        .facets
        .groups
        .iter()
        .map(|(g, n)| (g.id.0, *n))
        .collect();
    prop_assert_eq!(groups, visible.groups, "group facets, {:?}", viewer);
    let tlps: BTreeMap<Option<Tlp>, u64> = page.facets.tlps.iter().copied().collect();
    prop_assert_eq!(tlps, visible.tlps, "label facets, {:?}", viewer);
    Ok(found)
}

#[test]
fn no_query_returns_or_counts_an_entry_the_viewer_may_not_see() {
    let mut runner = TestRunner::new(Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    });
    let found = std::cell::Cell::new(0);
    runner
        .run(
            &(world(), vec(asker(), 1..4), vec(search(), 1..6)),
            |(world, askers, searches)| {
                let entries: Vec<Entry> = world
                    .specs
                    .iter()
                    .enumerate()
                    .map(|(row, spec)| spec.entry(row, &world.archived))
                    .collect();
                let index = index_of(&entries);
                for asker in &askers {
                    found.set(found.get() + check(&world, &entries, &index, asker, &searches)?);
                }
                // Merged as an idle server merges: the same answers from the new segments.
                let applied = index.applied().expect("payload");
                while index.merge_when_idle().expect("merge") > 0 {}
                prop_assert_eq!(index.applied().expect("payload"), applied);
                for asker in &askers {
                    check(&world, &entries, &index, asker, &searches)?;
                }
                Ok(())
            },
        )
        .expect("the property holds");
    // The random queries do find things: the property is not only about empty answers.
    assert!(found.get() > 0, "no random query found anything");
}

/// An index of two entries in group 1: a GREEN thread anyone in the group sees, and an
/// AMBER+STRICT post for Aarhus only, by an Aarhus author, whose word is nowhere else.
fn shared_group() -> SearchIndex {
    let green = Label {
        tlp: 1,
        who: 0,
        orgs: vec![true, false, false],
        users: vec![false; PEOPLE.len()],
        unlinked: false,
    };
    let strict = Label {
        tlp: 3,
        ..green.clone()
    };
    assert_eq!(strict.group_tlp(), Tlp::AmberStrict);
    let spec = |kind, label: &Label| Spec {
        kind,
        group: 0,
        label: label.clone(),
        anchors: vec![green.clone()],
        dangling: false,
        chatham_house: false,
        title: Vec::new(),
        body: Vec::new(),
        date: DATES.start,
    };
    let mut thread = spec(Kind::Thread, &green).entry(0, &[false; 3]);
    thread.title = "Fælles tråd om phishing".to_string();
    let mut post = spec(Kind::Post, &strict).entry(1, &[false; 3]);
    post.body = "Kun for Aarhus: hemmeligordet står her, og sårbarheder med".to_string();
    index_of(&[thread, post])
}

fn member_of_group_1(who: usize) -> Asker {
    Asker {
        token: false,
        who,
        role: PlatformRole::Member,
        memberships: vec![Some(GroupRole::Member), None, None],
    }
}

fn search_as(index: &SearchIndex, asker: &Asker, q: &str) -> IndexPage {
    let scope = Scope::of(
        &asker.viewer(),
        asker.org_kind(),
        asker.open_groups(&[false; 3]),
    );
    query_index(index, &query::parse(q), &scope, &[], Sort::Relevance, 1).expect("searched")
}

#[test]
fn a_word_only_a_hidden_item_holds_finds_nothing_and_counts_nothing() {
    let index = shared_group();
    let aarhus = member_of_group_1(0);
    let odense = member_of_group_1(1);
    assert_eq!(org_of(odense.who).0, OrgId(2));

    // The Aarhus member finds the post, by the word and by another inflection of one.
    for q in [
        "hemmeligordet",
        "sårbarhed",
        "hemmeligordet type:post tlp:amber+strict",
    ] {
        let page = search_as(&index, &aarhus, q);
        assert_eq!(page.total, 1, "{q}");
        assert_eq!(page.hits, [(Kind::Post, 1)], "{q}");
    }

    // The Odense member of the same group finds nothing and is told no count anywhere.
    for q in [
        "hemmeligordet",
        "sårbarhed",
        "\"hemmeligordet står\"",
        "hemmeligordet type:post",
        "hemmeligordet group:soc",
        "hemmeligordet tlp:amber+strict",
        "hemmeligordet author:anne",
        "hemmeligordet org:aar",
    ] {
        let page = search_as(&index, &odense, q);
        assert_eq!(page.total, 0, "{q}");
        assert!(page.hits.is_empty(), "{q}");
        assert!(page.facets.kinds.is_empty(), "{q}: {:?}", page.facets);
        assert!(page.facets.groups.is_empty(), "{q}: {:?}", page.facets);
        assert!(page.facets.tlps.is_empty(), "{q}: {:?}", page.facets);
    }

    // With a word it may see as an alternative, only that one is found and counted.
    let page = search_as(&index, &odense, "hemmeligordet OR phishing");
    assert_eq!(page.total, 1);
    assert_eq!(page.hits, [(Kind::Thread, 0)]);
    assert_eq!(page.facets.kinds, [(Kind::Thread, 1)]);
    assert_eq!(page.facets.tlps, [(Some(Tlp::Green), 1)]);
    assert_eq!(page.facets.groups.len(), 1);
    assert_eq!(page.facets.groups[0].1, 1);
}

/// Words of 64 bytes or more are not indexed (`analysis::MAX_WORD_BYTES`), and one that
/// is no technical token either makes no clause of the index query: the rest of the
/// query, here nothing but the access filter, then matches every entry the viewer may
/// see. All words must match, so such a word must find nothing (or the query be
/// answered with a hint, as [`super::searching::search`] does for one with nothing to
/// search).
#[test]
fn a_word_too_long_to_be_indexed_finds_nothing_rather_than_everything() {
    let index = shared_group();
    let aarhus = member_of_group_1(0);
    for q in [
        "a".repeat(70),
        "æ".repeat(32),
        format!("phishing {}", "x".repeat(64)),
        format!("\"{} {}\"", "c".repeat(80), "d".repeat(80)),
    ] {
        let parsed = query::parse(&q);
        if !parsed.is_searchable() {
            assert!(!parsed.hints.is_empty(), "{q}: dropped without a hint");
            continue;
        }
        let page = search_as(&index, &aarhus, &q);
        assert_eq!(page.total, 0, "{q}: {parsed:?} found {:?}", page.hits);
    }
}

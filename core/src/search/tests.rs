//! Search over a real database: what the outbox brings into the index is found by the
//! people who may see it, by inflected Danish words, and by nobody else — not in the
//! hits, not in the total, not in a facet.

use super::SearchIndex;
use super::index::Kind;
use super::indexer::apply_pending;
use super::searching::{HitAuthor, Results, Sort, search};
use crate::audit::AuditLog;
use crate::db::{self, Db};
use crate::forums::Audience;
use crate::forums::writing::{self, NewThread, PostEdit};
use crate::groups::{self, NewGroup};
use crate::ids::{GroupId, OrgId, UserId};
use crate::policy::{GroupRole, PlatformRole, Tlp, Viewer, require_admin, require_group_manager};
use std::sync::Arc;

struct World {
    db: Db,
    audit: AuditLog,
    index: Arc<SearchIndex>,
    group: GroupId,
    /// Aarhus; moderates the group.
    moderator: Viewer,
    /// Aarhus; a plain member.
    colleague: Viewer,
    /// Odense; a plain member of the same group.
    other_org: Viewer,
    /// Odense; not in the group.
    outsider: Viewer,
    _dir: tempfile::TempDir,
}

async fn person(db: &Db, org: OrgId, email: &str, name: &str) -> UserId {
    sqlx::query_scalar(
        "insert into users (org_id, email, name, platform_role, status, created_at, updated_at) \
         values ($1, $2, $3, 'member', 'active', 0, 0) returning id",
    )
    .bind(org)
    .bind(email)
    .bind(name)
    .fetch_one(db)
    .await
    .expect("person")
}

async fn org(db: &Db, code: &str) -> OrgId {
    sqlx::query_scalar("select id from organisations where code = $1")
        .bind(code)
        .fetch_one(db)
        .await
        .expect("organisation")
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = db::open(dir.path()).await.expect("db");
    let audit = AuditLog::new(db.clone(), dir.path());
    let aarhus = org(&db, "751").await;
    let odense = org(&db, "461").await;
    let admin = Viewer::user(UserId(0), aarhus, PlatformRole::Admin, false, vec![]);
    let admin = require_admin(&admin).expect("admin");
    let new = NewGroup {
        slug: "referencegruppen".into(),
        name: "Referencegruppen".into(),
        description: String::new(),
        default_tlp: Tlp::Green,
    };
    let group = groups::create(&db, &audit, &admin, new, "")
        .await
        .expect("group");
    let member = async |org, email, name, role| {
        let id = person(&db, org, email, name).await;
        let groups = match role {
            Some(role) => {
                groups::set_member(&db, &admin, group, id, role)
                    .await
                    .expect("member");
                vec![(group, role)]
            }
            None => vec![],
        };
        Viewer::user(id, org, PlatformRole::Member, false, groups)
    };
    let moderator = member(
        aarhus,
        "mona@aarhus.dk",
        "Mona Mortensen",
        Some(GroupRole::Moderator),
    )
    .await;
    let colleague = member(
        aarhus,
        "carl@aarhus.dk",
        "Carl Clausen",
        Some(GroupRole::Member),
    )
    .await;
    let other_org = member(
        odense,
        "olga@odense.dk",
        "Olga Olsen",
        Some(GroupRole::Member),
    )
    .await;
    let outsider = member(odense, "uffe@odense.dk", "Uffe Ude", None).await;
    let index = Arc::new(SearchIndex::in_memory().expect("index"));
    World {
        db,
        audit,
        index,
        group,
        moderator,
        colleague,
        other_org,
        outsider,
        _dir: dir,
    }
}

impl World {
    async fn post(
        &self,
        by: &Viewer,
        title: &str,
        body: &str,
        tlp: Tlp,
        chatham_house: bool,
    ) -> writing::Posted {
        writing::create_thread(
            &self.db,
            by,
            NewThread {
                group_slug: "referencegruppen".into(),
                title: title.into(),
                body: body.into(),
                tlp: Some(tlp),
                audience: Audience::default(),
                chatham_house,
            },
        )
        .await
        .expect("thread")
    }

    async fn catch_up(&self) {
        while apply_pending(&self.db, &self.index).await.expect("applied") > 0 {}
    }

    async fn find(&self, viewer: &Viewer, q: &str) -> Results {
        search(&self.db, &self.index, viewer, q, Sort::Relevance, 1)
            .await
            .expect("searched")
    }
}

fn kinds(results: &Results) -> Vec<Kind> {
    results.hits.iter().map(|h| h.kind).collect()
}

#[tokio::test]
async fn a_post_is_found_by_an_inflected_danish_form_of_its_words() {
    let w = world().await;
    w.post(
        &w.moderator,
        "Sårbarheder i printere",
        "Vi har fundet sårbarheder i kommunernes printere.",
        Tlp::Green,
        false,
    )
    .await;
    w.catch_up().await;
    for q in ["sårbarhed", "Sårbarheden", "printer", "kommune"] {
        let found = w.find(&w.other_org, q).await;
        assert!(found.total >= 1, "{q:?} found nothing");
        assert!(
            kinds(&found).contains(&Kind::Post),
            "{q:?}: {:?}",
            kinds(&found)
        );
    }
    let snippet = &w.find(&w.colleague, "sårbarhed").await.hits;
    let post = snippet
        .iter()
        .find(|h| h.kind == Kind::Post)
        .expect("post hit");
    assert!(
        post.snippet
            .iter()
            .any(|f| f.highlighted && f.text.to_lowercase().starts_with("sårbarhed")),
        "{:?}",
        post.snippet
    );
    assert_eq!(w.find(&w.outsider, "sårbarhed").await.total, 0);
}

#[tokio::test]
async fn an_amber_strict_post_is_not_found_or_counted_in_another_organisation() {
    let w = world().await;
    w.post(
        &w.moderator,
        "Hemmelig sag",
        "Ransomwareangrebet ramte kommunens servere.",
        Tlp::AmberStrict,
        false,
    )
    .await;
    w.post(
        &w.moderator,
        "Åben sag",
        "Et almindeligt indlæg om servere.",
        Tlp::Green,
        false,
    )
    .await;
    w.catch_up().await;
    let same_org = w.find(&w.colleague, "ransomwareangreb").await;
    assert_eq!(kinds(&same_org), vec![Kind::Post]);
    let other = w.find(&w.other_org, "ransomwareangreb").await;
    assert_eq!(other.total, 0);
    assert!(other.hits.is_empty());
    assert!(
        other.facets.kinds.is_empty()
            && other.facets.groups.is_empty()
            && other.facets.tlps.is_empty()
    );
    let servers = w.find(&w.other_org, "servere").await;
    assert!(
        servers
            .facets
            .tlps
            .iter()
            .all(|(tlp, _)| *tlp != Some(Tlp::AmberStrict))
    );
    assert_eq!(
        servers.facets.groups.iter().map(|(_, n)| n).sum::<u64>(),
        servers.total
    );
}

#[tokio::test]
async fn chatham_house_authors_are_participants_and_matched_by_author_only_for_moderators() {
    let w = world().await;
    w.post(
        &w.colleague,
        "Fortroligt møde",
        "Referat fra mødet om backup.",
        Tlp::Green,
        true,
    )
    .await;
    w.catch_up().await;
    let member = w.find(&w.other_org, "backup").await;
    let hit = member
        .hits
        .iter()
        .find(|h| h.kind == Kind::Post)
        .expect("post");
    assert_eq!(hit.author, Some(HitAuthor::Participant));
    assert_eq!(w.find(&w.other_org, "backup author:carl").await.total, 0);
    assert_eq!(w.find(&w.other_org, "backup org:751").await.total, 0);
    let moderator = w.find(&w.moderator, "backup author:carl").await;
    assert_eq!(moderator.total, 1);
    assert!(
        matches!(&moderator.hits[0].author, Some(HitAuthor::Named { name, .. }) if name == "Carl Clausen")
    );
    assert_eq!(
        w.find(&w.moderator, "author:\"Carl Clausen\" type:post")
            .await
            .total,
        1
    );
}

#[tokio::test]
async fn an_archived_group_is_not_searched_until_restored() {
    let w = world().await;
    w.post(
        &w.moderator,
        "Arkivsag",
        "Netværkssegmentering i praksis.",
        Tlp::Green,
        false,
    )
    .await;
    w.catch_up().await;
    assert!(w.find(&w.colleague, "netværkssegmentering").await.total > 0);
    let admin = Viewer::user(
        UserId(0),
        w.colleague.org_id,
        PlatformRole::Admin,
        false,
        vec![],
    );
    let manager = require_group_manager(&admin, w.group).expect("manager");
    groups::archive(&w.db, &w.audit, &manager, "")
        .await
        .expect("archived");
    assert_eq!(
        w.find(&w.colleague, "netværkssegmentering").await.total,
        0,
        "while pending"
    );
    w.catch_up().await;
    assert_eq!(
        w.find(&w.colleague, "netværkssegmentering").await.total,
        0,
        "once applied"
    );
    let admin = require_admin(&admin).expect("admin");
    groups::restore(&w.db, &w.audit, &admin, "referencegruppen", "")
        .await
        .expect("restored");
    w.catch_up().await;
    assert!(w.find(&w.colleague, "netværkssegmentering").await.total > 0);
}

#[tokio::test]
async fn a_label_raised_but_not_yet_indexed_is_left_out_of_results_and_counts() {
    let w = world().await;
    let posted = w
        .post(
            &w.moderator,
            "Skifter label",
            "Logningspolitik for kommunen.",
            Tlp::Green,
            false,
        )
        .await;
    w.catch_up().await;
    assert_eq!(w.find(&w.other_org, "logningspolitik").await.total, 1);
    writing::edit(
        &w.db,
        &w.moderator,
        PostEdit {
            post_id: posted.post_id,
            title: Some("Skifter label".into()),
            body: "Logningspolitik for kommunen.".into(),
            tlp: Some(Tlp::AmberStrict),
            audience: Audience::default(),
        },
    )
    .await
    .expect("raised");
    let pending = w.find(&w.other_org, "logningspolitik").await;
    assert_eq!(
        pending.total, 0,
        "the old audience must not see it while the change waits"
    );
    assert!(pending.facets.tlps.is_empty());
    w.catch_up().await;
    assert_eq!(w.find(&w.other_org, "logningspolitik").await.total, 0);
    assert_eq!(w.find(&w.colleague, "logningspolitik").await.total, 1);
}

#[tokio::test]
async fn content_written_before_the_index_existed_is_indexed_at_first_start() {
    let w = world().await;
    w.post(
        &w.moderator,
        "Gammel tråd",
        "Beredskabsplanen skal opdateres.",
        Tlp::Green,
        false,
    )
    .await;
    sqlx::query("delete from search_outbox")
        .execute(&w.db)
        .await
        .expect("outbox emptied");
    assert_eq!(w.index.applied().expect("payload"), None);
    w.catch_up().await;
    assert!(w.index.applied().expect("payload").is_some());
    assert!(w.find(&w.colleague, "beredskabsplan").await.total > 0);
}

#[tokio::test]
async fn applying_the_same_changes_again_duplicates_nothing() {
    let w = world().await;
    let posted = w
        .post(
            &w.moderator,
            "Gentaget",
            "Phishingkampagne mod skoler.",
            Tlp::Green,
            false,
        )
        .await;
    w.catch_up().await;
    let before = w.find(&w.colleague, "phishingkampagne").await.total;
    for _ in 0..3 {
        sqlx::query(
            "insert into search_outbox (kind, entity_id, operation, created_at) \
             values ('post', $1, 'upsert', 0), ('thread', $2, 'upsert', 0)",
        )
        .bind(posted.post_id)
        .bind(posted.thread_id)
        .execute(&w.db)
        .await
        .expect("staged again");
    }
    w.catch_up().await;
    assert_eq!(w.find(&w.colleague, "phishingkampagne").await.total, before);
    let left: i64 = sqlx::query_scalar("select count(*) from search_outbox")
        .fetch_one(&w.db)
        .await
        .expect("count");
    assert_eq!(left, 0, "applied rows are deleted");
}

#[tokio::test]
async fn a_deleted_post_leaves_the_index() {
    let w = world().await;
    let posted = w
        .post(
            &w.moderator,
            "Slettes",
            "Kodeordspolitikken er forældet.",
            Tlp::Green,
            false,
        )
        .await;
    let reply = writing::reply(
        &w.db,
        &w.colleague,
        writing::NewReply {
            thread_id: posted.thread_id,
            body: "Enig, kodeordspolitikken skal skrives om.".into(),
            tlp: None,
            audience: Audience::default(),
            quoted_post_id: None,
        },
    )
    .await
    .expect("reply");
    w.catch_up().await;
    assert_eq!(
        w.find(&w.other_org, "kodeordspolitik type:post")
            .await
            .total,
        2
    );
    writing::delete(&w.db, &w.colleague, reply.post_id)
        .await
        .expect("deleted");
    w.catch_up().await;
    assert_eq!(
        w.find(&w.other_org, "kodeordspolitik type:post")
            .await
            .total,
        1
    );
}

#[tokio::test]
async fn hostile_queries_get_results_or_hints_never_errors() {
    let w = world().await;
    w.post(
        &w.moderator,
        "Tekst",
        "Almindelig tekst om firewall.",
        Tlp::Green,
        false,
    )
    .await;
    w.catch_up().await;
    let printable: String = (0x20u8..0x7f).map(char::from).collect();
    let long = "firewall ".repeat(1200);
    for q in [
        "",
        "-",
        "OR",
        "\"",
        "\"\"",
        "-\"\"",
        "* ? [a-z]+ .* \\",
        "type:",
        "tlp:purple",
        "after:2026-13-45",
        "\u{0}\u{1b}[31m firewall",
        &printable,
        &long,
        "-firewall",
        "group:unknown firewall",
        "før:2024 firewall",
        "author:",
    ] {
        let found = w.find(&w.colleague, q).await;
        assert!(found.page >= 1, "{q:?}");
    }
    let unsearchable = "x".repeat(500);
    assert_eq!(
        w.find(&w.colleague, &unsearchable).await.total,
        0,
        "not everything"
    );
    let capped = w.find(&w.colleague, &long).await;
    assert!(capped.hints.contains(&super::query::Hint::TooLong));
    let far = search(
        &w.db,
        &w.index,
        &w.colleague,
        "firewall",
        Sort::Newest,
        1_000_000_000,
    )
    .await
    .expect("far page");
    assert_eq!(far.page, far.pages);
    assert!(!far.hits.is_empty());
}

#[tokio::test]
async fn titles_are_suggested_by_their_first_letters_only_to_those_who_may_see_them() {
    let w = world().await;
    w.post(
        &w.moderator,
        "Beredskabsplan for vandværket",
        "Tekst.",
        Tlp::Green,
        false,
    )
    .await;
    w.post(
        &w.moderator,
        "Beredskabsøvelse i Aarhus",
        "Tekst.",
        Tlp::AmberStrict,
        false,
    )
    .await;
    w.catch_up().await;
    let titles = |hits: Vec<super::searching::Hit>| -> Vec<String> {
        hits.into_iter().map(|h| h.title).collect()
    };
    let same_org = super::searching::suggest(&w.db, &w.index, &w.colleague, "bered")
        .await
        .expect("suggested");
    assert_eq!(titles(same_org).len(), 2);
    let other = super::searching::suggest(&w.db, &w.index, &w.other_org, "Bered")
        .await
        .expect("suggested");
    assert_eq!(
        titles(other),
        vec!["Beredskabsplan for vandværket".to_string()]
    );
    let two_words =
        super::searching::suggest(&w.db, &w.index, &w.colleague, "beredskabsplan for vand")
            .await
            .expect("suggested");
    assert_eq!(two_words.len(), 1);
    assert!(
        super::searching::suggest(&w.db, &w.index, &w.outsider, "bered")
            .await
            .expect("suggested")
            .is_empty()
    );
    assert!(
        super::searching::suggest(&w.db, &w.index, &w.colleague, ".* (")
            .await
            .expect("suggested")
            .is_empty()
    );
}

mod idle_merging {
    use super::super::index::{IDLE_SEGMENTS, idle_merge};
    use tantivy::index::SegmentId;

    fn segments(sizes: &[u32]) -> Vec<(SegmentId, u32)> {
        sizes
            .iter()
            .map(|n| (SegmentId::generate_random(), *n))
            .collect()
    }

    #[test]
    fn an_index_of_a_few_segments_is_left_as_it_is() {
        for n in 0..=IDLE_SEGMENTS {
            assert_eq!(idle_merge(&segments(&vec![1_000; n])), None);
        }
    }

    #[test]
    fn the_small_segments_are_merged_together_and_the_largest_left_alone() {
        let all = segments(&[900_000, 1_000, 2_000, 500, 1_000]);
        let chosen = idle_merge(&all).expect("a merge");
        assert_eq!(chosen.len(), 4);
        assert!(!chosen.contains(&all[0].0), "the largest is not rewritten");
    }

    #[test]
    fn everything_is_merged_once_the_small_ones_hold_a_tenth_of_the_largest() {
        let all = segments(&[100_000, 4_000, 3_000, 3_000]);
        assert_eq!(idle_merge(&all).map(|c| c.len()), Some(4));
        let just_below = segments(&[100_001, 4_000, 3_000, 3_000]);
        assert_eq!(idle_merge(&just_below).map(|c| c.len()), Some(3));
    }
}

#[tokio::test]
async fn the_exact_word_and_a_title_rank_above_an_inflected_match_in_a_shorter_text() {
    let w = world().await;
    // Without the exact form's boost the shortest text would win: it only has an
    // inflection of the word.
    w.post(
        &w.moderator,
        "Møde om printere",
        "Sårbarheder i printerne.",
        Tlp::Green,
        false,
    )
    .await;
    w.post(
        &w.moderator,
        "Notits",
        "En ny sårbarhed blev fundet i går hos os.",
        Tlp::Green,
        false,
    )
    .await;
    w.post(&w.moderator, "Sårbarhed", "Kort notits.", Tlp::Green, false)
        .await;
    w.catch_up().await;
    let found = w.find(&w.colleague, "sårbarhed").await;
    let order: Vec<(Kind, &str)> = found
        .hits
        .iter()
        .map(|h| (h.kind, h.title.as_str()))
        .collect();
    assert_eq!(
        order.first(),
        Some(&(Kind::Thread, "Sårbarhed")),
        "{order:?}"
    );
    let posts: Vec<&str> = order
        .iter()
        .filter(|(k, _)| *k == Kind::Post)
        .map(|(_, t)| *t)
        .collect();
    let exact = posts.iter().position(|t| *t == "Notits");
    let inflected = posts.iter().position(|t| *t == "Møde om printere");
    assert!(
        exact.is_some() && inflected.is_some() && exact < inflected,
        "{order:?}"
    );
}

#[tokio::test]
async fn every_match_is_on_exactly_one_page_past_the_reranked_best() {
    let w = world().await;
    for i in 0..230 {
        let body = if i % 3 == 0 {
            format!("Printeren nummer {i} er sårbar.")
        } else {
            format!("Printer nummer {i}, og lidt mere tekst om printere {i}.")
        };
        w.post(
            &w.moderator,
            &format!("Indlæg {i}"),
            &body,
            Tlp::Green,
            false,
        )
        .await;
    }
    w.catch_up().await;
    let first = w.find(&w.colleague, "printer").await;
    assert!(first.total >= 230, "{}", first.total);
    let mut seen = std::collections::HashSet::new();
    for page in 1..=first.pages {
        let results = search(
            &w.db,
            &w.index,
            &w.colleague,
            "printer",
            Sort::Relevance,
            page,
        )
        .await
        .expect("searched");
        for hit in results.hits {
            assert!(
                seen.insert(format!("{:?}", hit.target)),
                "page {page} repeats {:?}",
                hit.title
            );
        }
    }
    assert_eq!(seen.len() as u64, first.total);
}

#[tokio::test]
async fn an_own_incident_and_its_timeline_are_found_by_its_organisation_and_once_shared_by_analysts()
 {
    use crate::incidents::{self, Answer, Fields};
    use crate::stix::object::Severity;
    let w = world().await;
    let fields = Fields {
        title: "Krypteringsangreb på lønsystemet".into(),
        summary: "Filerne blev krypteret natten til mandag.".into(),
        severity: Severity::Critical,
        suspected_malicious: Answer::Yes,
        cross_border: Answer::Unknown,
        impact: String::new(),
        indicators: "203.0.113.9".into(),
        root_cause: String::new(),
        mitigation: String::new(),
    };
    let id = incidents::register(&w.db, &w.colleague, &fields, Tlp::Amber, &[])
        .await
        .expect("registered");
    incidents::add_entry(&w.db, &w.colleague, id, "Backupserveren er isoleret.", None)
        .await
        .expect("entry");
    let analyst_id = person(&w.db, org(&w.db, "soc").await, "ida@soc.dk", "Ida").await;
    let analyst = Viewer::user(
        analyst_id,
        org(&w.db, "soc").await,
        PlatformRole::Analyst,
        false,
        vec![],
    );
    w.catch_up().await;
    let found = w.find(&w.moderator, "krypteret").await;
    assert_eq!(kinds(&found), vec![Kind::OwnIncident]);
    let found = w.find(&w.moderator, "backupserveren").await;
    assert_eq!(kinds(&found), vec![Kind::IncidentEntry]);
    assert_eq!(
        w.find(&w.moderator, "type:incident 203.0.113.9")
            .await
            .total,
        1
    );
    for viewer in [&w.other_org, &w.outsider, &analyst] {
        assert_eq!(w.find(viewer, "krypteret").await.total, 0);
        assert_eq!(w.find(viewer, "backupserveren").await.total, 0);
    }
    // Shared: the analyst finds both; another municipality still nothing.
    incidents::share(&w.db, &w.colleague, id)
        .await
        .expect("shared");
    w.catch_up().await;
    assert_eq!(w.find(&analyst, "krypteret").await.total, 1);
    assert_eq!(w.find(&analyst, "backupserveren").await.total, 1);
    assert_eq!(w.find(&w.other_org, "backupserveren").await.total, 0);
}

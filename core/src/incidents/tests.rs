//! Own incidents through core with a real (temporary) database: who sees and changes
//! them, the clocks' inputs and their bad input, and that a hidden incident answers
//! exactly as a missing one.

use super::deadlines::Report;
use super::*;
use crate::audit::AuditLog;
use crate::db;
use crate::policy::PlatformRole;

struct World {
    db: Db,
    audit: AuditLog,
    _dir: tempfile::TempDir,
    /// A member of Aarhus, who registers.
    anne: Viewer,
    /// Another member of Aarhus.
    bo: Viewer,
    /// An organisation admin of Aarhus.
    admin: Viewer,
    /// A member of Odense.
    odense: Viewer,
    /// An analyst of the centre.
    analyst: Viewer,
    /// A platform admin of Odense.
    platform_admin: Viewer,
}

async fn org(db: &Db, code: &str) -> OrgId {
    sqlx::query_scalar("select id from organisations where code = $1")
        .bind(code)
        .fetch_one(db)
        .await
        .expect("organisation")
}

async fn person(db: &Db, org: OrgId, name: &str, role: PlatformRole, org_admin: bool) -> Viewer {
    let id: UserId = sqlx::query_scalar(
        "insert into users (org_id, email, name, platform_role, org_admin, status, created_at, \
         updated_at) values ($1, $2, $3, $4, $5, 'active', 0, 0) returning id",
    )
    .bind(org)
    .bind(format!("{}@example.dk", name.to_lowercase()))
    .bind(name)
    .bind(role.as_str())
    .bind(org_admin)
    .fetch_one(db)
    .await
    .expect("person");
    Viewer::user(id, org, role, org_admin, vec![])
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = db::open(dir.path()).await.expect("db");
    let audit = AuditLog::new(db.clone(), dir.path());
    let (aarhus, odense, soc) = (
        org(&db, "751").await,
        org(&db, "461").await,
        org(&db, "soc").await,
    );
    World {
        anne: person(&db, aarhus, "Anne", PlatformRole::Member, false).await,
        bo: person(&db, aarhus, "Bo", PlatformRole::Member, false).await,
        admin: person(&db, aarhus, "Alma", PlatformRole::Member, true).await,
        odense: person(&db, odense, "Ole", PlatformRole::Member, false).await,
        analyst: person(&db, soc, "Ida", PlatformRole::Analyst, false).await,
        platform_admin: person(&db, odense, "Per", PlatformRole::Admin, false).await,
        db,
        audit,
        _dir: dir,
    }
}

fn fields(title: &str) -> Fields {
    Fields {
        title: title.into(),
        summary: "Krypterede drev på filserveren.".into(),
        severity: Severity::High,
        suspected_malicious: Answer::Yes,
        cross_border: Answer::No,
        impact: String::new(),
        indicators: String::new(),
        root_cause: String::new(),
        mitigation: String::new(),
    }
}

impl World {
    async fn register(&self, tlp: Tlp) -> i64 {
        register(&self.db, &self.anne, &fields("Ransomware"), tlp, &[])
            .await
            .expect("register")
    }

    async fn listed(&self, viewer: &Viewer) -> Vec<i64> {
        list(&self.db, viewer, 1)
            .await
            .expect("list")
            .incidents
            .iter()
            .map(|i| i.id)
            .collect()
    }
}

fn now() -> i64 {
    clock::now()
}

#[tokio::test]
async fn an_incident_is_seen_by_its_organisation_and_by_nobody_else_until_shared() {
    let w = world().await;
    let id = w.register(Tlp::Amber).await;
    for viewer in [&w.anne, &w.bo, &w.admin] {
        assert_eq!(w.listed(viewer).await, vec![id]);
        assert!(get(&w.db, viewer, id).await.is_ok());
    }
    for viewer in [&w.odense, &w.analyst, &w.platform_admin] {
        assert!(w.listed(viewer).await.is_empty());
        assert!(matches!(
            get(&w.db, viewer, id).await,
            Err(CoreError::NotFound)
        ));
        assert!(matches!(
            add_entry(&w.db, viewer, id, "Set", None).await,
            Err(CoreError::NotFound)
        ));
    }
    // Hidden answers exactly as missing.
    assert!(matches!(
        get(&w.db, &w.odense, id + 1000).await,
        Err(CoreError::NotFound)
    ));

    share(&w.db, &w.bo, id).await.expect("share");
    assert_eq!(w.listed(&w.analyst).await, vec![id]);
    let seen = get(&w.db, &w.analyst, id).await.expect("analyst reads");
    assert!(seen.can_add_entry && !seen.can_manage);
    add_entry(&w.db, &w.analyst, id, "Vi ser samme IP hos andre.", None)
        .await
        .expect("analyst adds an entry");
    let entries = get(&w.db, &w.anne, id).await.unwrap().entries;
    let last = entries.last().unwrap();
    assert_eq!(
        (last.kind, last.author.as_str()),
        (EntryKind::Comment, "Ida")
    );
    // Still never another municipality, nor a platform admin elsewhere.
    assert!(w.listed(&w.odense).await.is_empty());
    assert!(w.listed(&w.platform_admin).await.is_empty());
    // The analyst reads, but does not manage.
    assert!(matches!(
        set_status(&w.db, &w.analyst, id, Status::Closed).await,
        Err(CoreError::Forbidden)
    ));
}

#[tokio::test]
async fn a_red_incident_is_seen_by_its_named_people_and_the_organisations_admins_only() {
    let w = world().await;
    let id = register(&w.db, &w.anne, &fields("Mistænkt insider"), Tlp::Red, &[])
        .await
        .unwrap();
    assert_eq!(w.listed(&w.anne).await, vec![id]);
    assert_eq!(w.listed(&w.admin).await, vec![id]);
    assert!(w.listed(&w.bo).await.is_empty());
    assert!(matches!(
        get(&w.db, &w.bo, id).await,
        Err(CoreError::NotFound)
    ));
    // The admin names Bo; Anne stays named.
    let bo = w.bo.user_id.unwrap();
    name_people(&w.db, &w.admin, id, &[bo]).await.unwrap();
    assert_eq!(w.listed(&w.bo).await, vec![id]);
    assert_eq!(w.listed(&w.anne).await, vec![id]);
    // Nobody of another organisation can be named, and a RED incident is not shared.
    let ole = w.odense.user_id.unwrap();
    assert!(matches!(
        name_people(&w.db, &w.admin, id, &[ole]).await,
        Err(CoreError::Invalid { field: "named", .. })
    ));
    assert!(matches!(
        share(&w.db, &w.anne, id).await,
        Err(CoreError::Invalid {
            field: "incident_share",
            ..
        })
    ));
    assert!(w.listed(&w.analyst).await.is_empty());
}

#[tokio::test]
async fn the_label_is_raised_never_lowered_and_a_shared_incident_never_becomes_red() {
    let w = world().await;
    let id = w.register(Tlp::Green).await;
    edit(&w.db, &w.anne, id, &fields("Ransomware"), Tlp::Amber)
        .await
        .unwrap();
    assert!(matches!(
        edit(&w.db, &w.anne, id, &fields("Ransomware"), Tlp::Green).await,
        Err(CoreError::Invalid {
            field: "tlp",
            reason: "lowered"
        })
    ));
    share(&w.db, &w.anne, id).await.unwrap();
    assert!(matches!(
        edit(&w.db, &w.anne, id, &fields("Ransomware"), Tlp::Red).await,
        Err(CoreError::Invalid {
            field: "tlp",
            reason: "red_shared"
        })
    ));
}

#[tokio::test]
async fn bad_input_is_refused_with_the_field_and_stores_nothing() {
    let w = world().await;
    let mut empty = fields("  ");
    assert!(matches!(
        register(&w.db, &w.anne, &empty, Tlp::Amber, &[]).await,
        Err(CoreError::Invalid { field: "title", .. })
    ));
    empty.title = "x".repeat(TITLE_MAX_CHARS + 1);
    assert!(matches!(
        register(&w.db, &w.anne, &empty, Tlp::Amber, &[]).await,
        Err(CoreError::Invalid { field: "title", .. })
    ));
    assert!(w.listed(&w.anne).await.is_empty());
    let id = w.register(Tlp::Amber).await;
    let long = "å".repeat(TEXT_MAX_CHARS + 1);
    assert!(matches!(
        add_entry(&w.db, &w.anne, id, &long, None).await,
        Err(CoreError::Invalid {
            field: "body",
            reason: "too_long_20000"
        })
    ));
    assert!(
        add_entry(&w.db, &w.anne, id, &"å".repeat(TEXT_MAX_CHARS), None)
            .await
            .is_ok()
    );
    assert!(matches!(
        add_entry(&w.db, &w.anne, id, "Senere", Some(now() + 3600)).await,
        Err(CoreError::Invalid {
            field: "occurred_at",
            ..
        })
    ));
    assert_eq!(get(&w.db, &w.anne, id).await.unwrap().entries.len(), 1);
}

#[tokio::test]
async fn significance_starts_the_clocks_and_refuses_times_that_cannot_be() {
    let w = world().await;
    let id = w.register(Tlp::Amber).await;
    let aware = now() - 2 * 3600;
    // Awareness in the future; another organisation's incident.
    assert!(matches!(
        mark_significant(&w.db, &w.audit, &w.anne, id, now() + 3600, None).await,
        Err(CoreError::Invalid {
            field: "aware_at",
            reason: "future"
        })
    ));
    assert!(matches!(
        mark_significant(&w.db, &w.audit, &w.odense, id, aware, None).await,
        Err(CoreError::NotFound)
    ));
    // Nothing to submit before it is marked.
    assert!(matches!(
        mark_submitted(&w.db, &w.anne, id, Report::EarlyWarning, now(), "").await,
        Err(CoreError::Invalid {
            field: "significance",
            ..
        })
    ));
    mark_significant(&w.db, &w.audit, &w.anne, id, aware, None)
        .await
        .unwrap();
    let s = get(&w.db, &w.bo, id).await.unwrap().significance.unwrap();
    assert_eq!(
        s.recorded.due(Report::EarlyWarning),
        Some(aware + 24 * 3600)
    );
    assert_eq!(
        s.next_deadline(now()),
        Some((Report::EarlyWarning, aware + 24 * 3600))
    );
    // Submitted before awareness; the final report before the notification; GDPR
    // without a personal-data awareness time.
    assert!(matches!(
        mark_submitted(&w.db, &w.anne, id, Report::EarlyWarning, aware - 60, "").await,
        Err(CoreError::Invalid {
            field: "submitted_at",
            reason: "before_awareness"
        })
    ));
    assert!(matches!(
        mark_submitted(&w.db, &w.anne, id, Report::FinalReport, now(), "").await,
        Err(CoreError::Invalid {
            field: "submitted_at",
            reason: "not_owed"
        })
    ));
    assert!(matches!(
        mark_submitted(&w.db, &w.anne, id, Report::Gdpr, now(), "").await,
        Err(CoreError::Invalid {
            field: "submitted_at",
            reason: "not_owed"
        })
    ));
    mark_submitted(
        &w.db,
        &w.anne,
        id,
        Report::EarlyWarning,
        now() - 60,
        "CFCS-1",
    )
    .await
    .unwrap();
    let detail = get(&w.db, &w.anne, id).await.unwrap();
    let s = detail.significance.unwrap();
    assert_eq!(s.reference(Report::EarlyWarning), "CFCS-1");
    assert_eq!(
        s.next_deadline(now()),
        Some((Report::Notification, aware + 72 * 3600))
    );
    // Awareness cannot move after what was already submitted.
    assert!(matches!(
        mark_significant(&w.db, &w.audit, &w.anne, id, now(), None).await,
        Err(CoreError::Invalid {
            field: "aware_at",
            reason: "after_submitted"
        })
    ));
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_staged where action = 'incident_significant'",
    )
    .fetch_one(&w.db)
    .await
    .unwrap_or(0);
    let chained: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action = 'incident_significant'")
            .fetch_one(&w.db)
            .await
            .unwrap_or(0);
    assert_eq!(audited + chained, 1, "marking significant is audited once");
}

#[tokio::test]
async fn only_an_organisation_admin_undoes_a_significance_marking() {
    let w = world().await;
    let id = w.register(Tlp::Amber).await;
    mark_significant(&w.db, &w.audit, &w.anne, id, now() - 60, None)
        .await
        .unwrap();
    assert!(matches!(
        undo_significance(&w.db, &w.audit, &w.bo, id).await,
        Err(CoreError::Forbidden)
    ));
    assert!(
        get(&w.db, &w.anne, id)
            .await
            .unwrap()
            .significance
            .is_some()
    );
    undo_significance(&w.db, &w.audit, &w.admin, id)
        .await
        .unwrap();
    let detail = get(&w.db, &w.anne, id).await.unwrap();
    assert!(detail.significance.is_none());
    assert_eq!(detail.entries.last().unwrap().body, "undone");
}

#[tokio::test]
async fn the_dashboard_counts_the_reports_owed_by_the_organisations_significant_incidents() {
    let w = world().await;
    let overdue = w.register(Tlp::Amber).await;
    let running = w.register(Tlp::Green).await;
    let quiet = w.register(Tlp::Green).await;
    mark_significant(&w.db, &w.audit, &w.anne, overdue, now() - 30 * 3600, None)
        .await
        .unwrap();
    mark_significant(
        &w.db,
        &w.audit,
        &w.anne,
        running,
        now() - 3600,
        Some(now() - 600),
    )
    .await
    .unwrap();
    let _ = quiet;
    // Overdue: its early warning; running: its notification, and both of the other's
    // (early warning, notification, GDPR).
    let due = deadlines_due(&w.db, &w.bo, now()).await.unwrap();
    assert_eq!(
        due,
        DeadlinesDue {
            running: 4,
            overdue: 1
        }
    );
    assert_eq!(
        deadlines_due(&w.db, &w.odense, now()).await.unwrap(),
        DeadlinesDue::default()
    );
}

#[tokio::test]
async fn reminders_go_to_the_people_who_manage_it_six_hours_before_and_at_each_deadline_once() {
    use crate::notifications::{self, About};
    let w = world().await;
    let id = w.register(Tlp::Amber).await;
    // Aware 19 hours ago: the early warning is due in 5 hours, its first reminder is due.
    let aware = now() - 19 * 3600;
    mark_significant(&w.db, &w.audit, &w.anne, id, aware, None)
        .await
        .unwrap();
    let notified = reminders::send_due(&w.db, now()).await.unwrap();
    let mut expected = vec![
        w.anne.user_id.unwrap(),
        w.bo.user_id.unwrap(),
        w.admin.user_id.unwrap(),
    ];
    expected.sort();
    assert_eq!(notified, expected);
    // Once: a second run sends nothing.
    assert!(reminders::send_due(&w.db, now()).await.unwrap().is_empty());
    let page = notifications::list(&w.db, &w.bo, 1).await.unwrap();
    assert_eq!(page.notifications.len(), 1);
    assert!(matches!(
        &page.notifications[0].about,
        About::Deadline { incident_id, report, .. } if *incident_id == id && report == "early_warning"
    ));
    // At the deadline: the second reminder; nobody elsewhere is told.
    let at_deadline = aware + 24 * 3600;
    assert_eq!(
        reminders::send_due(&w.db, at_deadline).await.unwrap(),
        expected
    );
    assert_eq!(
        notifications::list(&w.db, &w.bo, 1)
            .await
            .unwrap()
            .notifications
            .len(),
        2
    );
    assert!(
        notifications::list(&w.db, &w.odense, 1)
            .await
            .unwrap()
            .notifications
            .is_empty()
    );
    // Submitted: no more reminders for it, though the notification's comes 6 hours before
    // its own deadline.
    mark_submitted(&w.db, &w.anne, id, Report::EarlyWarning, now(), "")
        .await
        .unwrap();
    let before_notification = aware + 66 * 3600;
    assert_eq!(
        reminders::send_due(&w.db, before_notification)
            .await
            .unwrap(),
        expected
    );
    let stored: i64 = sqlx::query_scalar(
        "select count(*) from incident_reminders where report = 'early_warning'",
    )
    .fetch_one(&w.db)
    .await
    .unwrap();
    assert_eq!(stored, 2);
}

#[tokio::test]
async fn a_new_timeline_entry_is_live_news_only_for_those_who_may_see_the_incident() {
    use crate::stix::live::{self, Topic};
    let w = world().await;
    let id = w.register(Tlp::Amber).await;
    let before_bo = live::mark(&w.db, &w.bo).await.unwrap();
    let before_odense = live::mark(&w.db, &w.odense).await.unwrap();
    let before_analyst = live::mark(&w.db, &w.analyst).await.unwrap();
    add_entry(&w.db, &w.anne, id, "Serveren er isoleret.", None)
        .await
        .unwrap();
    let (_, news) = live::compare(&w.db, &w.bo, &before_bo).await.unwrap();
    assert_eq!(news, vec![(Topic::Timeline, 1)]);
    let (_, news) = live::compare(&w.db, &w.odense, &before_odense)
        .await
        .unwrap();
    assert!(news.is_empty());
    // Not shared: the analyst is not told either.
    let (_, news) = live::compare(&w.db, &w.analyst, &before_analyst)
        .await
        .unwrap();
    assert!(news.is_empty());
}

mod linking {
    use super::*;
    use crate::ids::GroupId;
    use crate::incidents::links::{self, LinkKind, Target};
    use crate::policy::GroupRole;

    /// A group whose members are Anne and Ole (of Odense), with an AMBER document and
    /// thread by Anne; Bo, of Anne's organisation, is not a member.
    struct Group {
        document: Target,
        thread: Target,
        anne: Viewer,
        ole: Viewer,
    }

    async fn group(w: &World) -> Group {
        let group: GroupId = sqlx::query_scalar(
            "insert into user_groups (slug, name, default_tlp, created_at) \
             values ('beredskab', 'Beredskab', 'amber', 0) returning id",
        )
        .fetch_one(&w.db)
        .await
        .unwrap();
        let member = |v: &Viewer| {
            Viewer::user(
                v.user_id.unwrap(),
                v.org_id,
                PlatformRole::Member,
                false,
                vec![(group, GroupRole::Member)],
            )
        };
        for v in [&w.anne, &w.odense] {
            sqlx::query(
                "insert into group_members (group_id, user_id, role, added_at) \
                 values ($1, $2, 'member', 0)",
            )
            .bind(group)
            .bind(v.user_id.unwrap())
            .execute(&w.db)
            .await
            .unwrap();
        }
        let document: i64 = sqlx::query_scalar(
            "insert into documents (group_id, title, tlp, author_id, created_at, updated_at) \
             values ($1, 'Beredskabsplan', 'amber', $2, 0, 0) returning id",
        )
        .bind(group)
        .bind(w.anne.user_id.unwrap())
        .fetch_one(&w.db)
        .await
        .unwrap();
        let thread: i64 = sqlx::query_scalar(
            "insert into forum_threads (group_id, title, tlp, author_id, created_at) \
             values ($1, 'Erfaringer med gendannelse', 'amber', $2, 0) returning id",
        )
        .bind(group)
        .bind(w.anne.user_id.unwrap())
        .fetch_one(&w.db)
        .await
        .unwrap();
        Group {
            document: Target {
                kind: LinkKind::Document,
                id: document,
            },
            thread: Target {
                kind: LinkKind::Thread,
                id: thread,
            },
            anne: member(&w.anne),
            ole: member(&w.odense),
        }
    }

    fn titles(links: &links::Links) -> Vec<&str> {
        links
            .documents
            .iter()
            .chain(&links.threads)
            .map(|l| l.title.as_str())
            .collect()
    }

    #[tokio::test]
    async fn each_reader_sees_only_the_links_to_what_they_may_open_themselves() {
        let w = world().await;
        let g = group(&w).await;
        let id = w.register(Tlp::Amber).await;
        links::link(&w.db, &g.anne, id, g.document).await.unwrap();
        links::link(&w.db, &g.anne, id, g.thread).await.unwrap();
        // Linking twice is one link.
        links::link(&w.db, &g.anne, id, g.thread).await.unwrap();
        let seen = get(&w.db, &g.anne, id).await.unwrap().links;
        assert_eq!(
            titles(&seen),
            ["Beredskabsplan", "Erfaringer med gendannelse"]
        );
        // Bo reads the incident, but is no member of the group: no trace of either.
        assert_eq!(
            get(&w.db, &w.bo, id).await.unwrap().links,
            links::Links::default()
        );
        // Shared, the analyst reads the incident but not the group's items.
        share(&w.db, &w.anne, id).await.unwrap();
        assert_eq!(
            get(&w.db, &w.analyst, id).await.unwrap().links,
            links::Links::default()
        );
        // The item's page links back for readers of the incident only: Ole, of Odense,
        // reads the document but not Aarhus's incident.
        assert_eq!(
            links::linking(&w.db, &g.anne, g.document).await.unwrap(),
            vec![(id, "Ransomware".to_string())]
        );
        assert!(
            links::linking(&w.db, &g.ole, g.document)
                .await
                .unwrap()
                .is_empty()
        );
        // Removed, it is gone for everyone.
        links::unlink(&w.db, &g.anne, id, g.document).await.unwrap();
        assert_eq!(
            titles(&get(&w.db, &g.anne, id).await.unwrap().links),
            ["Erfaringer med gendannelse"]
        );
    }

    #[tokio::test]
    async fn a_link_to_a_hidden_item_is_refused_exactly_like_one_to_a_missing_item() {
        let w = world().await;
        let g = group(&w).await;
        let id = w.register(Tlp::Amber).await;
        let missing = Target {
            kind: LinkKind::Document,
            id: g.document.id + 1000,
        };
        // Bo manages the incident but may not see the group's document or thread.
        for target in [g.document, g.thread, missing] {
            assert!(
                matches!(
                    links::link(&w.db, &w.bo, id, target).await,
                    Err(CoreError::Invalid {
                        field: "incident_link",
                        reason: "not_found"
                    })
                ),
                "{target:?}"
            );
        }
        // Ole sees the document but not the incident: missing, like any hidden incident,
        // whatever the target.
        for target in [g.document, missing] {
            assert!(matches!(
                links::link(&w.db, &g.ole, id, target).await,
                Err(CoreError::NotFound)
            ));
        }
        share(&w.db, &w.anne, id).await.unwrap();
        // The analyst who reads a shared incident adds entries; links are for its managers.
        let analyst_member = Viewer::user(
            w.analyst.user_id.unwrap(),
            w.analyst.org_id,
            PlatformRole::Analyst,
            false,
            g.anne.groups.clone(),
        );
        assert!(matches!(
            links::link(&w.db, &analyst_member, id, g.document).await,
            Err(CoreError::Forbidden)
        ));
        let stored: i64 = sqlx::query_scalar("select count(*) from incident_links")
            .fetch_one(&w.db)
            .await
            .unwrap();
        assert_eq!(stored, 0);
        // Only the open and contained incidents one manages are offered to link to.
        assert_eq!(
            links::linkable(&w.db, &w.bo).await.unwrap(),
            vec![(id, "Ransomware".to_string())]
        );
        set_status(&w.db, &w.anne, id, Status::Closed)
            .await
            .unwrap();
        assert!(links::linkable(&w.db, &w.bo).await.unwrap().is_empty());
        assert!(links::linkable(&w.db, &w.analyst).await.unwrap().is_empty());
    }

    #[test]
    fn an_address_pasted_from_the_browser_names_the_item_and_anything_else_names_none() {
        let doc = |id| {
            Some(Target {
                kind: LinkKind::Document,
                id,
            })
        };
        assert_eq!(
            Target::from_address(" https://vaern.example.dk/documents/12?v=3#top "),
            doc(12)
        );
        assert_eq!(Target::from_address("/documents/12/"), doc(12));
        assert_eq!(Target::from_address("documents/12"), doc(12));
        assert_eq!(
            Target::from_address("http://localhost:3000/alerts/7"),
            Some(Target {
                kind: LinkKind::Alert,
                id: 7
            })
        );
        assert_eq!(
            Target::from_address("/threads/4"),
            Some(Target {
                kind: LinkKind::Thread,
                id: 4
            })
        );
        for bad in [
            "",
            "12",
            "/documents/",
            "/documents/+12",
            "/documents/-1",
            "/documents/12/edit",
            "/groups/beredskab",
            "/documents/99999999999999999999",
            "https://vaern.example.dk",
            "javascript:alert(1)",
        ] {
            assert_eq!(Target::from_address(bad), None, "{bad}");
        }
    }
}

//! The access table of issue 4, walked whole: every server function and every admin or
//! group page, as each kind of person (nobody, a plain member, the organisation admin of
//! the subject's organisation, an organisation admin elsewhere, the owner of the group,
//! the owner of another group, a platform admin), checking the status of each answer.
//!
//! The lists of operations come from the server-function registry and the app's route
//! list, so a new server function or admin page without a row here fails the first
//! test: whoever adds one must decide who may use it.

use crate::helpers::*;
use reqwest::{Client, StatusCode};
use std::sync::atomic::{AtomicU32, Ordering};
use vaern_core::ids::{GroupId, UserId};
use vaern_core::policy::{PlatformRole, Tlp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Nobody,
    Member,
    OrgAdmin,
    OtherOrgAdmin,
    Owner,
    OtherOwner,
    Admin,
}

const EVERYONE: [Who; 7] = [
    Who::Nobody,
    Who::Member,
    Who::OrgAdmin,
    Who::OtherOrgAdmin,
    Who::Owner,
    Who::OtherOwner,
    Who::Admin,
];

/// Statuses in the order of `EVERYONE`.
type Expect = [u16; 7];

/// Admins only; the rest are told it does not exist.
const ADMINS: Expect = [401, 404, 404, 404, 404, 404, 200];
/// Admins and organisation admins (each for their own organisation).
const PEOPLE_MANAGERS: Expect = [401, 404, 200, 200, 404, 404, 200];
/// Admins and the organisation admin of the subject's organisation.
const SUBJECT_MANAGERS: Expect = [401, 404, 200, 404, 404, 404, 200];
/// Admins and the group's owners.
const GROUP_MANAGERS: Expect = [401, 404, 404, 404, 200, 404, 200];
/// The group's members (the plain member and the owner) and admins.
const GROUP_READERS: Expect = [401, 200, 404, 404, 200, 404, 200];
/// The group's members (the plain member and the owner); admins read no content.
const FORUM_MEMBERS: Expect = [401, 200, 404, 404, 200, 404, 404];
/// The post's author (the owner) alone: another's post is not found.
const POST_AUTHOR: Expect = [401, 404, 404, 404, 200, 404, 404];
/// The group's moderators (the owner); a member who sees the thread is refused.
const FORUM_MODERATORS: Expect = [401, 403, 404, 404, 200, 404, 404];
/// Everyone signed in, each for their own things.
const SIGNED_IN: Expect = [401, 200, 200, 200, 200, 200, 200];
/// Nobody but the subject, who is not among the callers.
const ONLY_THE_SUBJECT: Expect = [401, 404, 404, 404, 404, 404, 404];
/// People of the alerted organisation (Aarhus: the member and its organisation admin);
/// anyone else, admins included, is told the alert does not exist.
const ALERTED_ORG: Expect = [401, 200, 200, 404, 404, 404, 404];
/// People of the incident's organisation (Aarhus: the member and its organisation
/// admin); anyone else, platform admins included, is told it does not exist.
const INCIDENT_ORG: Expect = ALERTED_ORG;
/// Analysts and coordinators, and none of the callers is one: told it does not exist.
const RESPONSE_FOLLOWERS: Expect = [401, 404, 404, 404, 404, 404, 404];
/// The municipalities an untargeted AMBER advisory is aimed at (Aarhus, Copenhagen and
/// Odense here); the admin of KL, an association, is told it does not exist.
const MUNICIPALITIES: Expect = [401, 200, 200, 200, 200, 200, 404];
/// Analysts only, and none of the callers is one: the core refuses (403) before it
/// looks for the object.
const ANALYSTS: Expect = [401, 403, 403, 403, 403, 403, 403];

/// Server functions that are not administration: signing in and out and one's own
/// account, each covered by the account-security tests.
const NOT_ADMINISTRATION: &[&str] = &[
    "whoami",
    "sign_in_state",
    "sign_in",
    "submit_code",
    "enrolment",
    "enrol",
    "fresh_recovery_codes",
    "link_info",
    "use_link",
    "mail_configured",
    "forgot_password",
    "sign_out",
    "change_password",
    "security",
    "end_session",
    "end_other_sessions",
    "renew_recovery_codes",
    "turn_off_second_factor",
    "my_groups",
];

/// Every administrative server function and who may call it.
const ADMINISTRATION: &[(&str, Expect)] = &[
    ("people", PEOPLE_MANAGERS),
    // An organisation admin elsewhere is told the organisation is not theirs (400).
    ("invite", [401, 404, 200, 400, 404, 404, 200]),
    ("new_link", SUBJECT_MANAGERS),
    ("set_disabled", SUBJECT_MANAGERS),
    ("edit_user", SUBJECT_MANAGERS),
    ("reset_second_factor", ADMINS),
    ("end_user_sessions", ADMINS),
    ("set_org_second_factor", SUBJECT_MANAGERS),
    ("audit", PEOPLE_MANAGERS),
    ("tokens", PEOPLE_MANAGERS),
    ("create_token", SUBJECT_MANAGERS),
    ("revoke_token", SUBJECT_MANAGERS),
    ("admin_groups", ADMINS),
    ("create_group", ADMINS),
    ("group", GROUP_READERS),
    ("edit_group", GROUP_MANAGERS),
    ("archive_group", GROUP_MANAGERS),
    ("restore_group", ADMINS),
    ("add_group_members", GROUP_MANAGERS),
    ("set_group_member_role", GROUP_MANAGERS),
    ("remove_group_member", GROUP_MANAGERS),
    ("organisations", PEOPLE_MANAGERS),
    ("create_organisation", ADMINS),
    ("edit_organisation", ADMINS),
    // Forums: a thread by the owner in the group, fresh for each call.
    ("forum", FORUM_MEMBERS),
    ("new_thread", FORUM_MEMBERS),
    ("start_thread", FORUM_MEMBERS),
    ("thread", FORUM_MEMBERS),
    ("post_reply", FORUM_MEMBERS),
    ("post_history", FORUM_MEMBERS),
    ("watch_thread", FORUM_MEMBERS),
    ("post_edit", POST_AUTHOR),
    ("edit_post", POST_AUTHOR),
    ("delete_post", POST_AUTHOR),
    ("moderate_thread", FORUM_MODERATORS),
    ("move_thread", FORUM_MODERATORS),
    ("remove_post", FORUM_MODERATORS),
    ("preview_post", [401, 200, 200, 200, 200, 200, 200]),
    // Libraries: the group's page, and an AMBER document the owner added to it.
    ("library", FORUM_MEMBERS),
    ("document", FORUM_MEMBERS),
    ("create_folder", FORUM_MEMBERS),
    ("restore_version", FORUM_MEMBERS),
    // Pages: written and edited by the group's members, compared by whoever sees them.
    ("new_page", FORUM_MEMBERS),
    ("write_page", FORUM_MEMBERS),
    ("page_edit", FORUM_MEMBERS),
    ("edit_page", FORUM_MEMBERS),
    ("compare_versions", FORUM_MEMBERS),
    // Documents a composer offers to link: everyone signed in, each the documents they
    // may see (`document_links.rs` checks what each is offered).
    ("document_suggestions", SIGNED_IN),
    // A folder or document of the owner's: its creator or a moderator changes it; a
    // member who sees it is refused.
    ("rename_folder", FORUM_MODERATORS),
    ("move_folder", FORUM_MODERATORS),
    ("delete_folder", FORUM_MODERATORS),
    ("edit_document", FORUM_MODERATORS),
    ("remove_document", FORUM_MODERATORS),
    // One's own notifications: the subject's notification is not found for anyone else,
    // admins included.
    ("load_notifications", SIGNED_IN),
    ("mark_notification_read", ONLY_THE_SUBJECT),
    ("mark_all_notifications_read", SIGNED_IN),
    // Watching a folder of the group's library: its members (any role); the list of
    // watched places is one's own.
    ("watch_folder", FORUM_MEMBERS),
    ("watched_folders", SIGNED_IN),
    // Received STIX objects (the analysts' view).
    ("received_objects", ANALYSTS),
    ("received_object", ANALYSTS),
    ("set_object_label", ANALYSTS),
    // One's own organisation's alerts; linking STIX identities (admins).
    ("alerts", SIGNED_IN),
    // The dashboard: everyone signed in, each counting what they may see (dashboard.rs).
    ("dashboard", SIGNED_IN),
    // An alert of Aarhus's (fresh for each call), and working it.
    ("alert", ALERTED_ORG),
    ("alert_status", ALERTED_ORG),
    ("alert_assign", ALERTED_ORG),
    ("alert_comment", ALERTED_ORG),
    // Sharing an alert's status with the centre (feedback).
    ("alert_share", ALERTED_ORG),
    // The acknowledgement view and an organisation's acknowledgement of an advisory.
    // Discussing an alert: its organisation's people who may post in the group (the
    // Aarhus member; Aarhus's organisation admin is in no group).
    ("alert_discuss", [401, 200, 404, 404, 404, 404, 404]),
    ("acknowledgements", RESPONSE_FOLLOWERS),
    ("acknowledge_advisory", MUNICIPALITIES),
    ("unmatched_identities", ADMINS),
    ("link_identity", ADMINS),
    // The analysis centre's TAXII server, polled for STIX (admins).
    ("taxii_sources", ADMINS),
    ("add_taxii_source", ADMINS),
    ("set_taxii_source_enabled", ADMINS),
    ("delete_taxii_source", ADMINS),
    // Own incidents: everyone signed in lists and registers their organisation's; one of
    // Aarhus's (fresh for each call, registered by the subject) is read and changed by
    // Aarhus's people. A RED one is seen only by its named people (the subject) and the
    // organisation admin, who alone undoes a significance marking (the member sees it:
    // 403).
    ("incidents_load", SIGNED_IN),
    ("incident_register", SIGNED_IN),
    ("incident_load", INCIDENT_ORG),
    ("incident_edit", INCIDENT_ORG),
    ("incident_status", INCIDENT_ORG),
    ("incident_entry", INCIDENT_ORG),
    ("incident_share", INCIDENT_ORG),
    ("incident_significant", INCIDENT_ORG),
    ("incident_submitted", INCIDENT_ORG),
    ("incident_name", [401, 404, 200, 404, 404, 404, 404]),
    // The centre's AMBER+STRICT incident that targets Aarhus: Aarhus's people only.
    ("centre_incident_load", ALERTED_ORG),
    // Linking one of Aarhus's alerts: Aarhus's people, who see both.
    ("incident_link", INCIDENT_ORG),
    ("incident_unlink", INCIDENT_ORG),
    (
        "incident_significance_undo",
        [401, 403, 200, 404, 404, 404, 404],
    ),
    // Search: everyone signed in, each finding only what they may see (`search.rs`
    // checks what each finds).
    ("search", SIGNED_IN),
    ("search_suggestions", SIGNED_IN),
];

/// Pages for a signed-in person answer nobody with a redirect to sign-in (302).
const ADMIN_PAGES: &[(&str, &str, Expect)] = &[
    (
        "/admin/people",
        "/admin/people",
        [302, 404, 200, 200, 404, 404, 200],
    ),
    (
        "/admin/audit",
        "/admin/audit",
        [302, 404, 200, 200, 404, 404, 200],
    ),
    (
        "/admin/tokens",
        "/admin/tokens",
        [302, 404, 200, 200, 404, 404, 200],
    ),
    (
        "/admin/organisations",
        "/admin/organisations",
        [302, 404, 200, 200, 404, 404, 200],
    ),
    (
        "/admin/groups",
        "/admin/groups",
        [302, 404, 404, 404, 404, 404, 200],
    ),
    (
        "/groups/{slug}",
        "/groups/tilgang",
        [302, 200, 404, 404, 200, 404, 200],
    ),
    // Thread 1 and its post 1, by the owner, are written by `stage`.
    (
        "/groups/{slug}/forum",
        "/groups/tilgang/forum",
        [302, 200, 404, 404, 200, 404, 404],
    ),
    (
        "/groups/{slug}/forum/new",
        "/groups/tilgang/forum/new",
        [302, 200, 404, 404, 200, 404, 404],
    ),
    (
        "/groups/{slug}/library",
        "/groups/tilgang/library",
        [302, 200, 404, 404, 200, 404, 404],
    ),
    (
        "/documents/{id}",
        "/documents/1",
        [302, 200, 404, 404, 200, 404, 404],
    ),
    // Document 3 is a page (Markdown written in the browser).
    (
        "/groups/{slug}/library/new-page",
        "/groups/tilgang/library/new-page",
        [302, 200, 404, 404, 200, 404, 404],
    ),
    (
        "/documents/{id}/edit",
        "/documents/3/edit",
        [302, 200, 404, 404, 200, 404, 404],
    ),
    (
        "/documents/{id}/compare",
        "/documents/3/compare",
        [302, 200, 404, 404, 200, 404, 404],
    ),
    // The file routes are not pages: nobody signed in is told nothing exists.
    (
        "/documents/{id}/download",
        "/documents/1/download",
        [404, 200, 404, 404, 200, 404, 404],
    ),
    (
        "/documents/{id}/versions/{version}/download",
        "/documents/1/versions/1/download",
        [404, 200, 404, 404, 200, 404, 404],
    ),
    (
        "/documents/{id}/raw",
        "/documents/1/raw",
        [404, 200, 404, 404, 200, 404, 404],
    ),
    // Document 2 is an image.
    (
        "/files/{id}",
        "/files/2",
        [404, 200, 404, 404, 200, 404, 404],
    ),
    (
        "/threads/{id}",
        "/threads/1",
        [302, 200, 404, 404, 200, 404, 404],
    ),
    (
        "/posts/{id}/edit",
        "/posts/1/edit",
        [302, 404, 404, 404, 200, 404, 404],
    ),
    (
        "/posts/{id}/history",
        "/posts/1/history",
        [302, 200, 404, 404, 200, 404, 404],
    ),
    (
        "/notifications",
        "/notifications",
        [302, 200, 200, 200, 200, 200, 200],
    ),
    // Received STIX objects: analysts only; anyone else is told the page does not exist.
    (
        "/intel/received",
        "/intel/received",
        [302, 404, 404, 404, 404, 404, 404],
    ),
    (
        "/intel/received/{row}",
        "/intel/received/1",
        [302, 404, 404, 404, 404, 404, 404],
    ),
    (
        "/admin/identities",
        "/admin/identities",
        [302, 404, 404, 404, 404, 404, 200],
    ),
    ("/alerts", "/alerts", [302, 200, 200, 200, 200, 200, 200]),
    // The export and the live panels are no pages: signed out, they do not exist.
    (
        "/alerts.csv",
        "/alerts.csv",
        [404, 200, 200, 200, 200, 200, 200],
    ),
    (
        "/intel/acknowledgements",
        "/intel/acknowledgements",
        [302, 404, 404, 404, 404, 404, 404],
    ),
    (
        "/intel/acknowledgements.csv",
        "/intel/acknowledgements.csv",
        [404, 404, 404, 404, 404, 404, 404],
    ),
    (
        "/live/alerts",
        "/live/alerts",
        [404, 200, 200, 200, 200, 200, 200],
    ),
    (
        "/live/dashboard",
        "/live/dashboard",
        [404, 200, 200, 200, 200, 200, 200],
    ),
    // The first alert the operations above made: Aarhus's.
    (
        "/alerts/{id}",
        "/alerts/1",
        [302, 200, 200, 404, 404, 404, 404],
    ),
    (
        "/admin/taxii-sources",
        "/admin/taxii-sources",
        [302, 404, 404, 404, 404, 404, 200],
    ),
    // The live count (server-sent events) is not a page: nobody gets a bare 204, which
    // stops a browser's EventSource for good instead of sending it round a redirect.
    ("/events", "/events", [204, 200, 200, 200, 200, 200, 200]),
    (
        "/search",
        "/search?q=tr%C3%A5d",
        [302, 200, 200, 200, 200, 200, 200],
    ),
];

/// The people, the subject account in Aarhus (751) and the groups of the walk.
struct Stage {
    clients: Vec<(Who, Client)>,
    subject: UserId,
    group: GroupId,
    owner: UserId,
    admin: UserId,
    serial: AtomicU32,
}

async fn stage(app: &TestApp) -> Stage {
    let (admin, admin_id, _) = app
        .signed_in_with_second_factor("kl", "admin@kl.dk", PlatformRole::Admin, false)
        .await;
    let (member, member_id) = app
        .signed_in("751", "medlem@aarhus.dk", PlatformRole::Member, false)
        .await;
    let (org_admin, _) = app
        .signed_in("751", "leder@aarhus.dk", PlatformRole::Member, true)
        .await;
    let (other_org_admin, _) = app
        .signed_in("101", "leder@kk.dk", PlatformRole::Member, true)
        .await;
    let (owner, owner_id) = app
        .signed_in("461", "ejer@odense.dk", PlatformRole::Member, false)
        .await;
    let (other_owner, other_owner_id) = app
        .signed_in("101", "ejer@kk.dk", PlatformRole::Member, false)
        .await;
    let subject = app
        .create_user_in("751", "emne@aarhus.dk", PlatformRole::Member, false)
        .await;
    let group = app.group("tilgang").await;
    let other = app.group("andre").await;
    app.add_to_group(group, owner_id, "owner").await;
    app.add_to_group(group, member_id, "member").await;
    app.add_to_group(other, other_owner_id, "owner").await;
    forum_thread(app, group, owner_id).await;
    // Documents 1 (text), 2 (an image) and 3 (a page), by the owner, in the group's
    // library.
    library_document(app, owner_id).await;
    library_file(app, owner_id, "logo.png", PNG).await;
    library_page(app, owner_id).await;
    Stage {
        clients: vec![
            (Who::Nobody, browser()),
            (Who::Member, member),
            (Who::OrgAdmin, org_admin),
            (Who::OtherOrgAdmin, other_org_admin),
            (Who::Owner, owner),
            (Who::OtherOwner, other_owner),
            (Who::Admin, admin),
        ],
        subject,
        group,
        owner: owner_id,
        admin: admin_id,
        serial: AtomicU32::new(0),
    }
}

/// A fresh Aarhus token for each call of `revoke_token`, so every caller revokes a live one.
async fn live_token(app: &TestApp, stage: &Stage) -> String {
    use vaern_core::tokens::{self, Manager, NewToken};
    let created = tokens::create(
        &app.db,
        &vaern_core::audit::AuditLog::new(app.db.clone(), app.data_dir()),
        Manager::Operator,
        "test",
        NewToken {
            org: "751".into(),
            scopes: vec!["taxii:read".into()],
            expires: None,
            name: format!("nøgle {}", stage.serial.fetch_add(1, Ordering::SeqCst)),
        },
    )
    .await
    .expect("token created");
    created.id.0.to_string()
}

/// A notification of the subject's about a post by the group's owner.
async fn subject_notification(app: &TestApp, stage: &Stage) -> String {
    let thread: i64 = sqlx::query_scalar(
        "insert into forum_threads (group_id, title, tlp, author_id, created_at) \
         values ($1, 'Tilgang', 'amber', $2, 0) returning id",
    )
    .bind(stage.group)
    .bind(stage.owner)
    .fetch_one(&app.db)
    .await
    .expect("thread stored");
    let post: i64 = sqlx::query_scalar(
        "insert into forum_posts (thread_id, group_id, author_id, tlp, body_source, body_html, \
         created_at) values ($1, $2, $3, 'amber', 'Hej', '<p>Hej</p>', 0) returning id",
    )
    .bind(thread)
    .bind(stage.group)
    .bind(stage.owner)
    .fetch_one(&app.db)
    .await
    .expect("post stored");
    let id: i64 = sqlx::query_scalar(
        "insert into notifications (user_id, kind, thread_id, post_id, actor_id, created_at) \
         values ($1, 'mention', $2, $3, $4, 0) returning id",
    )
    .bind(stage.subject)
    .bind(thread)
    .bind(post)
    .bind(stage.owner)
    .fetch_one(&app.db)
    .await
    .expect("notification stored");
    id.to_string()
}

/// A thread by `author` with its opening post, stored directly: (thread, post).
async fn forum_thread(app: &TestApp, group: GroupId, author: UserId) -> (String, String) {
    let thread: i64 = sqlx::query_scalar(
        "insert into forum_threads (group_id, title, tlp, author_id, created_at) \
         values ($1, 'Tråd', 'amber', $2, 0) returning id",
    )
    .bind(group)
    .bind(author)
    .fetch_one(&app.db)
    .await
    .expect("thread stored");
    let post: i64 = sqlx::query_scalar(
        "insert into forum_posts (thread_id, group_id, author_id, tlp, body_source, body_html, \
         created_at) values ($1, $2, $3, 'amber', 'Hej', '<p>Hej</p>', 0) returning id",
    )
    .bind(thread)
    .bind(group)
    .bind(author)
    .fetch_one(&app.db)
    .await
    .expect("post stored");
    (thread.to_string(), post.to_string())
}

/// The first bytes of a PNG image: enough for its type to be recognised.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";

fn libraries(app: &TestApp) -> vaern_core::library::Libraries {
    vaern_core::library::Libraries {
        db: app.db.clone(),
        files: vaern_core::library::store::BlobStore::new(app.data_dir()),
        audit: vaern_core::audit::AuditLog::new(app.db.clone(), app.data_dir()),
        hub: vaern_core::notifications::Hub::new(),
    }
}

async fn viewer_of(app: &TestApp, id: UserId) -> vaern_core::policy::Viewer {
    vaern_core::accounts::sessions::load_viewer(&app.db, id)
        .await
        .expect("viewer")
}

/// A text document the owner added to the group's library (TLP:AMBER, the members).
async fn library_document(app: &TestApp, author: UserId) -> String {
    library_file(app, author, "referat.txt", b"Referat").await
}

/// A page the owner wrote in the group's library (TLP:AMBER, the members).
async fn library_page(app: &TestApp, author: UserId) -> String {
    use vaern_core::library::pages::{NewPage, write_page};
    let page = NewPage {
        title: "Tjekliste".into(),
        body: "- [ ] Backup\n".into(),
        ..NewPage::default()
    };
    write_page(
        &libraries(app),
        &viewer_of(app, author).await,
        "tilgang",
        page,
        "test",
    )
    .await
    .expect("page written")
    .document_id
    .to_string()
}

/// A folder the owner made in the group's library.
async fn library_folder(app: &TestApp, author: UserId, n: u32) -> String {
    let viewer = viewer_of(app, author).await;
    vaern_core::library::folders::create(
        &libraries(app),
        &viewer,
        "tilgang",
        None,
        &format!("Mappe {n}"),
        "test",
    )
    .await
    .expect("folder created")
    .to_string()
}

/// A document of `bytes` the owner added to the group's library (TLP:AMBER).
async fn library_file(app: &TestApp, author: UserId, name: &str, bytes: &[u8]) -> String {
    use vaern_core::library::{self, Upload};
    let libraries = libraries(app);
    let viewer = viewer_of(app, author).await;
    let mut incoming = libraries.files.incoming(1024).await.expect("incoming");
    incoming.write(bytes).await.expect("write");
    let received = incoming.finish().await.expect("finish");
    let upload = Upload {
        tlp: Some(vaern_core::policy::Tlp::Amber),
        file_name: name.into(),
        ..Upload::default()
    };
    library::add_document(&libraries, &viewer, "tilgang", upload, received, "test")
        .await
        .expect("document added")
        .document_id
        .to_string()
}

/// The form each operation is called with; operations that change what later callers
/// see get fresh subjects each time.
async fn args(app: &TestApp, stage: &Stage, op: &str) -> Vec<(String, String)> {
    let n = stage.serial.fetch_add(1, Ordering::SeqCst);
    let subject = stage.subject.0.to_string();
    let pairs: Vec<(&str, String)> = match op {
        "people"
        | "audit"
        | "tokens"
        | "admin_groups"
        | "organisations"
        | "load_notifications"
        | "mark_all_notifications_read"
        | "watched_folders"
        | "received_objects"
        | "alerts"
        | "dashboard"
        | "acknowledgements"
        | "unmatched_identities"
        | "incidents_load"
        | "taxii_sources" => vec![],
        "incident_register" => vec![
            ("title", format!("Hændelse {n}")),
            ("severity", "high".into()),
            ("tlp", "amber".into()),
        ],
        "incident_load" | "incident_share" => {
            vec![("id", aarhus_incident(app, stage, Tlp::Amber, false).await)]
        }
        "incident_edit" => vec![
            ("id", aarhus_incident(app, stage, Tlp::Amber, false).await),
            ("title", format!("Rettet {n}")),
            ("severity", "critical".into()),
            ("tlp", "amber+strict".into()),
        ],
        "incident_status" => vec![
            ("id", aarhus_incident(app, stage, Tlp::Amber, false).await),
            ("status", "contained".into()),
        ],
        "incident_entry" => vec![
            ("id", aarhus_incident(app, stage, Tlp::Amber, false).await),
            ("body", "Serveren er isoleret".into()),
        ],
        "incident_name" => vec![("id", aarhus_incident(app, stage, Tlp::Red, false).await)],
        "incident_significant" => vec![
            ("id", aarhus_incident(app, stage, Tlp::Amber, false).await),
            ("aware_at", copenhagen_value(3600)),
        ],
        "incident_significance_undo" => {
            vec![("id", aarhus_incident(app, stage, Tlp::Amber, true).await)]
        }
        "incident_submitted" => vec![
            ("id", aarhus_incident(app, stage, Tlp::Amber, true).await),
            ("report", "early_warning".into()),
            ("submitted_at", copenhagen_value(0)),
            ("reference", "CFCS-1".into()),
        ],
        "centre_incident_load" => {
            vec![(
                "row",
                crate::incidents::centre_incidents(app).await.0.to_string(),
            )]
        }
        "incident_link" | "incident_unlink" => vec![
            ("id", aarhus_incident(app, stage, Tlp::Amber, false).await),
            (
                "address",
                format!(
                    "https://vaern.example/alerts/{}",
                    aarhus_alert(app, n).await
                ),
            ),
        ],
        "add_taxii_source" => vec![
            ("url", format!("http://127.0.0.1:9/api{n}/")),
            ("collection", "inbound".into()),
            ("username", String::new()),
            ("password", String::new()),
            ("interval_secs", "300".into()),
            ("org", "soc".into()),
        ],
        "set_taxii_source_enabled" => {
            vec![
                ("id", taxii_source(app, n).await),
                ("enabled", "false".into()),
            ]
        }
        "delete_taxii_source" => vec![("id", taxii_source(app, n).await)],
        "link_identity" => {
            // A fresh identity that matched no organisation, for each call.
            let identity = format!("identity--00000000-0000-4000-8000-{n:012x}");
            sqlx::query(
                "insert into stix_identities (stix_id, name, first_seen_us) values ($1, 'Prøve', 0)",
            )
            .bind(&identity)
            .execute(&app.db)
            .await
            .unwrap();
            vec![("identity", identity), ("org", "751".into())]
        }
        "alert" => vec![("id", aarhus_alert(app, n).await)],
        "alert_discuss" => vec![
            ("id", aarhus_alert(app, n).await),
            ("group", "tilgang".into()),
            ("title", format!("Varsel {n}")),
            ("body", "Har andre set det?".into()),
            ("tlp", "amber".into()),
        ],
        "acknowledge_advisory" => vec![
            ("row", untargeted_advisory(app, n).await),
            ("state", "relevant".into()),
        ],
        "alert_status" => vec![
            ("id", aarhus_alert(app, n).await),
            ("status", "acknowledged".into()),
        ],
        "alert_assign" => vec![
            ("id", aarhus_alert(app, n).await),
            ("assignee", String::new()),
        ],
        "alert_comment" => vec![
            ("id", aarhus_alert(app, n).await),
            ("body", "Set hos os".into()),
            ("tlp", "amber".into()),
        ],
        "alert_share" => vec![
            ("id", aarhus_alert(app, n).await),
            ("message", "Vi undersøger".into()),
            ("tlp", "amber".into()),
        ],
        "search" => vec![("q", "tråd".into())],
        "search_suggestions" => vec![("q", "tr".into())],
        "received_object" => vec![("row", "1".into())],
        "set_object_label" => vec![("row", "1".into()), ("tlp", "amber".into())],
        "mark_notification_read" => vec![("id", subject_notification(app, stage).await)],
        "invite" => vec![
            ("name", "Ny Kollega".into()),
            ("email", format!("ny{n}@aarhus.dk")),
            ("org", "751".into()),
            ("role", "member".into()),
            ("language", "da".into()),
        ],
        "new_link" | "reset_second_factor" | "end_user_sessions" => vec![("user", subject)],
        "set_disabled" => vec![("user", subject), ("disabled", "false".into())],
        "edit_user" => vec![("user", subject), ("name", "Emne Person".into())],
        "set_org_second_factor" => vec![("org", "751".into())],
        "create_token" => vec![("org", "751".into()), ("taxii_read", "on".into())],
        "revoke_token" => vec![("id", live_token(app, stage).await)],
        "create_group" => vec![
            ("slug", format!("ny-gruppe-{n}")),
            ("name", format!("Ny gruppe {n}")),
            ("description", String::new()),
            ("default_tlp", "amber".into()),
        ],
        "group" => vec![("slug", "tilgang".into())],
        "edit_group" => vec![
            ("slug", "tilgang".into()),
            ("name", "tilgang".into()),
            ("description", "Tilgangsprøve".into()),
            ("default_tlp", "amber".into()),
        ],
        "archive_group" => {
            let slug = format!("arkiv-{n}");
            let group = app.group(&slug).await;
            app.add_to_group(group, stage.owner, "owner").await;
            vec![("slug", slug)]
        }
        "restore_group" => {
            let slug = format!("arkiveret-{n}");
            let group = app.group(&slug).await;
            sqlx::query("update user_groups set archived_at = 1 where id = $1")
                .bind(group)
                .execute(&app.db)
                .await
                .unwrap();
            vec![("slug", slug)]
        }
        "add_group_members" => vec![
            ("slug", "tilgang".into()),
            ("emails", "emne@aarhus.dk".into()),
            ("role", "reader".into()),
        ],
        "set_group_member_role" | "remove_group_member" => {
            let target = app
                .create_user_in(
                    "751",
                    &format!("maal{n}@aarhus.dk"),
                    PlatformRole::Member,
                    false,
                )
                .await;
            app.add_to_group(stage.group, target, "member").await;
            let mut pairs = vec![
                ("slug", "tilgang".to_string()),
                ("user", target.0.to_string()),
            ];
            if op == "set_group_member_role" {
                pairs.push(("role", "reader".into()));
            }
            pairs
        }
        "create_organisation" => vec![
            ("code", format!("ny-{n}")),
            ("name", format!("Ny organisation {n}")),
            ("kind", "state".into()),
        ],
        "edit_organisation" => vec![
            ("org", "751".into()),
            ("name", "Aarhus Kommune".into()),
            ("kind", "municipality".into()),
        ],
        "forum" | "new_thread" | "library" => vec![("slug", "tilgang".into())],
        "watch_folder" => vec![
            ("slug", "tilgang".into()),
            ("folder_id", library_folder(app, stage.owner, n).await),
            ("watch", "on".into()),
        ],
        "document" => vec![("id", library_document(app, stage.owner).await)],
        "document_suggestions" => vec![("query", "referat".into()), ("group", "tilgang".into())],
        "create_folder" => vec![
            ("slug", "tilgang".into()),
            ("name", format!("Ny mappe {n}")),
        ],
        "rename_folder" | "move_folder" | "delete_folder" => {
            let folder = library_folder(app, stage.owner, n).await;
            match op {
                "rename_folder" => vec![("folder_id", folder), ("name", format!("Omdøbt {n}"))],
                "move_folder" => vec![("folder_id", folder), ("parent_id", String::new())],
                _ => vec![("folder_id", folder)],
            }
        }
        "new_page" => vec![("slug", "tilgang".into())],
        "write_page" => vec![
            ("slug", "tilgang".into()),
            ("title", format!("Side {n}")),
            ("body", "Hej".into()),
            ("intent", "save".into()),
        ],
        "page_edit" | "edit_page" | "compare_versions" => {
            let page = library_page(app, stage.owner).await;
            match op {
                "page_edit" => vec![("id", page)],
                "edit_page" => vec![
                    ("document_id", page),
                    ("based_on", "1".into()),
                    ("body", "- [x] Backup".into()),
                    ("intent", "save".into()),
                ],
                _ => vec![("id", page), ("from", "1".into()), ("to", "1".into())],
            }
        }
        "edit_document" | "remove_document" | "restore_version" => {
            let document = library_document(app, stage.owner).await;
            match op {
                "edit_document" => vec![
                    ("document_id", document),
                    ("title", format!("Referat {n}")),
                    ("description", String::new()),
                    ("tags", "nis2".into()),
                    ("change_note", String::new()),
                ],
                "remove_document" => vec![("document_id", document), ("reason", "Forældet".into())],
                _ => vec![("document_id", document), ("version", "1".into())],
            }
        }
        "start_thread" => vec![
            ("slug", "tilgang".into()),
            ("title", format!("Tråd {n}")),
            ("body", "Hej".into()),
        ],
        "preview_post" => vec![("body", "**Hej**".into())],
        "thread" | "post_reply" | "post_history" | "watch_thread" | "post_edit" | "edit_post"
        | "delete_post" | "moderate_thread" | "move_thread" | "remove_post" => {
            let (thread, post) = forum_thread(app, stage.group, stage.owner).await;
            match op {
                "thread" => vec![("id", thread)],
                "post_reply" => vec![("thread_id", thread), ("body", "Svar".into())],
                "watch_thread" => vec![("thread_id", thread), ("watch", "on".into())],
                "moderate_thread" => vec![("thread_id", thread), ("action", "pin".into())],
                "move_thread" => {
                    // A group the owner also moderates, so that the owner may move there.
                    let slug = format!("flyt-{n}");
                    let target = app.group(&slug).await;
                    app.add_to_group(target, stage.owner, "owner").await;
                    vec![("thread_id", thread), ("target", slug)]
                }
                "edit_post" => vec![("post_id", post), ("body", "Rettet".into())],
                "remove_post" => vec![("post_id", post), ("reason", "Tone".into())],
                _ => vec![("post_id", post)],
            }
        }
        other => panic!("no arguments for {other}"),
    };
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn registered_server_functions() -> Vec<String> {
    let mut names: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/rpc/").to_string())
        .collect();
    names.sort();
    names.dedup();
    names
}

fn admin_pages() -> Vec<String> {
    let routes: Vec<String> =
        serde_json::from_str(&vaern_server::page_routes_json()).expect("route list is JSON");
    routes
        .into_iter()
        .filter(|r| {
            [
                "/admin",
                "/groups",
                "/threads",
                "/posts",
                "/intel",
                "/documents",
            ]
            .iter()
            .any(|prefix| r.starts_with(prefix))
        })
        .collect()
}

// Listing the routes renders the app's route tree, which needs a runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_server_function_and_admin_page_has_a_row_in_the_access_table() {
    let functions = registered_server_functions();
    assert!(functions.len() > 20, "the registry lists {functions:?}");
    let missing: Vec<&String> = functions
        .iter()
        .filter(|f| {
            !NOT_ADMINISTRATION.contains(&f.as_str())
                && !ADMINISTRATION.iter().any(|(name, _)| name == f)
        })
        .collect();
    assert!(
        missing.is_empty(),
        "server functions without a row: {missing:?}"
    );
    let stale: Vec<&str> = ADMINISTRATION
        .iter()
        .map(|(name, _)| *name)
        .chain(NOT_ADMINISTRATION.iter().copied())
        .filter(|name| !functions.iter().any(|f| f == name))
        .collect();
    assert!(
        stale.is_empty(),
        "rows for server functions that do not exist: {stale:?}"
    );

    let pages = admin_pages();
    let unlisted: Vec<&String> = pages
        .iter()
        .filter(|p| !ADMIN_PAGES.iter().any(|(route, _, _)| route == p))
        .collect();
    assert!(
        unlisted.is_empty(),
        "admin pages without a row: {unlisted:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_person_gets_the_answer_the_access_table_gives_for_every_operation() {
    // With mail, as a manager's new link for an active account is only ever mailed.
    let app = spawn_app_with(Options::with_mail()).await;
    let stage = stage(&app).await;
    let _ = stage.admin;
    let mut wrong = Vec::new();
    for (op, expect) in ADMINISTRATION {
        for (who, client) in &stage.clients {
            let form = args(&app, &stage, op).await;
            let form: Vec<(&str, &str)> =
                form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let res = app.rpc(client, op, &form).await;
            let index = EVERYONE.iter().position(|w| w == who).unwrap();
            let status = res.status().as_u16();
            if status != expect[index] {
                let body = res.text().await.unwrap_or_default();
                wrong.push(format!(
                    "{op} as {who:?}: {status}, expected {} ({body})",
                    expect[index]
                ));
            }
        }
    }
    for (_, url, expect) in ADMIN_PAGES {
        for (who, client) in &stage.clients {
            let status = app.get(client, url).await.status();
            let index = EVERYONE.iter().position(|w| w == who).unwrap();
            if status != StatusCode::from_u16(expect[index]).unwrap() {
                wrong.push(format!(
                    "GET {url} as {who:?}: {status}, expected {}",
                    expect[index]
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "answers that differ from the table:\n{}",
        wrong.join("\n")
    );
}

/// A fresh alert of Aarhus's, for one call.
async fn aarhus_alert(app: &TestApp, n: u32) -> String {
    crate::alerts::sighting_at(app, 0xacce_5500 + n, &["751"]).await[0].to_string()
}

/// A fresh incident of Aarhus labelled `tlp`, registered by the subject (no caller), for
/// one call; marked significant an hour before the call when `significant`.
async fn aarhus_incident(app: &TestApp, stage: &Stage, tlp: Tlp, significant: bool) -> String {
    use vaern_core::incidents;
    let subject = vaern_core::accounts::sessions::load_viewer(&app.db, stage.subject)
        .await
        .expect("the subject");
    let fields = crate::incidents::fields("Prøvehændelse");
    let id = incidents::register(&app.db, &subject, &fields, tlp, &[])
        .await
        .expect("registered");
    if significant {
        let audit = vaern_core::audit::AuditLog::new(app.db.clone(), app.data_dir());
        let aware = vaern_core::clock::now() - 3600;
        incidents::mark_significant(&app.db, &audit, &subject, id, aware, None)
            .await
            .expect("significant");
    }
    id.to_string()
}

/// `secs_ago` before now as a `datetime-local` value on the Copenhagen wall clock.
fn copenhagen_value(secs_ago: i64) -> String {
    vaern_core::clock::copenhagen_datetime_value(vaern_core::clock::now() - secs_ago)
        .expect("a time")
}

/// The untargeted AMBER advisory that comes with a fresh alert at Aarhus.
async fn untargeted_advisory(app: &TestApp, n: u32) -> String {
    aarhus_alert(app, n).await;
    let row: i64 = sqlx::query_scalar(
        "select id from stix_objects where kind = 'advisory' and is_latest order by id desc",
    )
    .fetch_one(&app.db)
    .await
    .expect("the advisory");
    row.to_string()
}

/// A fresh TAXII source, added as the operator would, for one call.
async fn taxii_source(app: &TestApp, n: u32) -> String {
    use vaern_core::stix::sources::{self, Manager, NewSource};
    let audit = vaern_core::audit::AuditLog::new(app.db.clone(), app.data_dir());
    let id = sources::create(
        &app.db,
        &audit,
        Manager::Operator,
        "",
        NewSource {
            url: format!("http://127.0.0.1:9/source{n}/"),
            collection: "inbound".into(),
            username: String::new(),
            password: String::new(),
            interval_secs: "300".into(),
            org: "soc".into(),
        },
    )
    .await
    .expect("source");
    id.0.to_string()
}

//! Adding files to a library and reading them back: who may, what is stored, what is
//! audited, and that a hidden document answers exactly as a missing one.

use super::store::{BlobStore, Received};
use super::*;
use crate::audit::AuditLog;
use crate::db;
use crate::groups::{self, NewGroup};
use crate::ids::OrgId;
use crate::policy::{GroupRole, PlatformRole, require_admin};

struct Library {
    db: Db,
    files: BlobStore,
    audit: AuditLog,
    libraries: Libraries,
    dir: tempfile::TempDir,
    /// A member of the first organisation.
    author: Viewer,
    /// A member of the same organisation.
    colleague: Viewer,
    /// A member of another organisation.
    outsider: Viewer,
    /// A reader of the group (reads, never writes).
    reader: Viewer,
    /// Not in the group.
    stranger: Viewer,
    /// A moderator of the group, of the first organisation.
    moderator: Viewer,
}

async fn person(db: &Db, org: OrgId, name: &str) -> UserId {
    sqlx::query_scalar(
        "insert into users (org_id, email, name, platform_role, status, created_at, updated_at) \
         values ($1, $2, $3, 'member', 'active', 0, 0) returning id",
    )
    .bind(org)
    .bind(format!("{}@example.dk", name.to_lowercase()))
    .bind(name)
    .fetch_one(db)
    .await
    .expect("person")
}

async fn library() -> Library {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = db::open(dir.path()).await.expect("db");
    let orgs: Vec<OrgId> = sqlx::query_scalar("select id from organisations order by id limit 2")
        .fetch_all(&db)
        .await
        .expect("orgs");
    let (ours, theirs) = (orgs[0], orgs[1]);
    let admin = Viewer::user(UserId(0), ours, PlatformRole::Admin, false, vec![]);
    let admin = require_admin(&admin).expect("admin");
    let audit = AuditLog::new(db.clone(), dir.path());
    let group = groups::create(
        &db,
        &audit,
        &admin,
        NewGroup {
            slug: "nis2".into(),
            name: "NIS2".into(),
            description: String::new(),
            default_tlp: Tlp::Amber,
        },
        "",
    )
    .await
    .expect("group");
    let mut members = Vec::new();
    for (name, org, role) in [
        ("Anne", ours, GroupRole::Member),
        ("Bo", ours, GroupRole::Member),
        ("Carl", theirs, GroupRole::Member),
        ("Dorte", ours, GroupRole::Reader),
        ("Frida", ours, GroupRole::Moderator),
    ] {
        let id = person(&db, org, name).await;
        groups::set_member(&db, &admin, group, id, role)
            .await
            .expect("member");
        members.push(Viewer::user(
            id,
            org,
            PlatformRole::Member,
            false,
            vec![(group, role)],
        ));
    }
    let stranger_id = person(&db, ours, "Erik").await;
    let stranger = Viewer::user(stranger_id, ours, PlatformRole::Member, false, vec![]);
    let mut members = members.into_iter();
    let libraries = Libraries {
        db: db.clone(),
        files: BlobStore::new(dir.path()),
        audit,
        hub: crate::notifications::Hub::new(),
    };
    Library {
        files: libraries.files.clone(),
        audit: libraries.audit.clone(),
        libraries,
        db,
        dir,
        author: members.next().expect("author"),
        colleague: members.next().expect("colleague"),
        outsider: members.next().expect("outsider"),
        reader: members.next().expect("reader"),
        moderator: members.next().expect("moderator"),
        stranger,
    }
}

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

async fn received(lib: &Library, bytes: &[u8]) -> Received {
    let mut incoming = lib.files.incoming(1 << 20).await.expect("incoming");
    incoming.write(bytes).await.expect("write");
    incoming.finish().await.expect("finish")
}

async fn add(lib: &Library, who: &Viewer, upload: Upload, bytes: &[u8]) -> Result<Added, AddError> {
    let file = received(lib, bytes).await;
    add_document(&lib.libraries, who, "nis2", upload, file, "10.0.0.1").await
}

fn upload(name: &str, tlp: Option<Tlp>) -> Upload {
    Upload {
        file_name: name.into(),
        tlp,
        ..Upload::default()
    }
}

async fn open(lib: &Library, who: &Viewer, id: i64) -> CoreResult<OpenedFile> {
    open_file(&lib.libraries, who, id, None, Reading::Download, "10.0.0.2").await
}

#[tokio::test]
async fn a_member_adds_a_pdf_that_colleagues_list_and_download_byte_for_byte() {
    let lib = library().await;
    let added = add(
        &lib,
        &lib.author,
        upload("C:\\Temp\\Beredskab.pdf", None),
        PDF,
    )
    .await
    .expect("added");
    assert_eq!(added.version, 1);
    let listed = library_page(&lib.db, &lib.colleague, "nis2", &LibraryQuery::default())
        .await
        .expect("list")
        .documents;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].title, "Beredskab.pdf");
    assert_eq!(listed[0].tlp, Tlp::Amber, "the group's default label");
    assert_eq!(listed[0].media_type, "application/pdf");
    let opened = open(&lib, &lib.colleague, added.document_id)
        .await
        .expect("open");
    assert_eq!(std::fs::read(&opened.path).expect("read"), PDF);
    assert_eq!(opened.file_name, "Beredskab.pdf");
    assert_eq!(opened.file_type, Some(FileType::Pdf));
}

#[tokio::test]
async fn the_add_and_every_read_are_audited_by_document_id() {
    let lib = library().await;
    let added = add(&lib, &lib.author, upload("a.pdf", None), PDF)
        .await
        .expect("added");
    open(&lib, &lib.colleague, added.document_id)
        .await
        .expect("open");
    lib.audit.chain().await.expect("chain");
    type Audited = (String, Option<String>, Option<i64>, Option<i64>);
    let rows: Vec<Audited> = sqlx::query_as(
        "select action, subject_kind, subject_id, actor_user_id from audit_log \
         where subject_kind = 'document' order by id",
    )
    .fetch_all(&lib.db)
    .await
    .expect("rows");
    assert_eq!(
        rows,
        [
            (
                "document_upload".to_string(),
                Some("document".to_string()),
                Some(added.document_id),
                lib.author.user_id.map(|u| u.0)
            ),
            (
                "document_download".to_string(),
                Some("document".to_string()),
                Some(added.document_id),
                lib.colleague.user_id.map(|u| u.0)
            ),
        ]
    );
    let outbox: i64 =
        sqlx::query_scalar("select count(*) from search_outbox where kind = 'document'")
            .fetch_one(&lib.db)
            .await
            .expect("outbox");
    assert_eq!(outbox, 1);
}

#[tokio::test]
async fn an_amber_strict_document_is_missing_for_another_organisation_and_a_stranger() {
    let lib = library().await;
    let added = add(
        &lib,
        &lib.author,
        upload("plan.pdf", Some(Tlp::AmberStrict)),
        PDF,
    )
    .await
    .expect("added");
    for who in [&lib.outsider, &lib.stranger] {
        assert!(matches!(
            open(&lib, who, added.document_id).await,
            Err(CoreError::NotFound)
        ));
        let missing = open(&lib, who, added.document_id + 1000).await;
        assert!(matches!(missing, Err(CoreError::NotFound)));
    }
    assert!(
        library_page(&lib.db, &lib.outsider, "nis2", &LibraryQuery::default())
            .await
            .expect("list")
            .documents
            .is_empty()
    );
    assert!(matches!(
        library_page(&lib.db, &lib.stranger, "nis2", &LibraryQuery::default()).await,
        Err(CoreError::NotFound)
    ));
    assert!(
        open(&lib, &lib.reader, added.document_id).await.is_ok(),
        "same organisation"
    );
    // A refused read leaves no audit row.
    lib.audit.chain().await.expect("chain");
    let downloads: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action = 'document_download'")
            .fetch_one(&lib.db)
            .await
            .expect("count");
    assert_eq!(downloads, 1);
}

#[tokio::test]
async fn a_red_document_is_for_its_named_recipients_and_its_author() {
    let lib = library().await;
    let mut red = upload("hemmelig.pdf", Some(Tlp::Red));
    red.audience.users = vec![lib.outsider.user_id.expect("id")];
    let added = add(&lib, &lib.author, red, PDF).await.expect("added");
    assert!(open(&lib, &lib.author, added.document_id).await.is_ok());
    assert!(open(&lib, &lib.outsider, added.document_id).await.is_ok());
    assert!(matches!(
        open(&lib, &lib.colleague, added.document_id).await,
        Err(CoreError::NotFound)
    ));
}

#[tokio::test]
async fn readers_and_strangers_cannot_add_and_nothing_is_stored() {
    let lib = library().await;
    assert!(matches!(
        add(&lib, &lib.reader, upload("a.pdf", None), PDF).await,
        Err(AddError::Core(CoreError::Forbidden))
    ));
    assert!(matches!(
        add(&lib, &lib.stranger, upload("a.pdf", None), PDF).await,
        Err(AddError::Core(CoreError::NotFound))
    ));
    let documents: i64 = sqlx::query_scalar("select count(*) from documents")
        .fetch_one(&lib.db)
        .await
        .expect("count");
    assert_eq!(documents, 0);
    let swept = lib.files.sweep(&lib.db).await.expect("sweep");
    assert_eq!(
        swept.unreferenced, 0,
        "a refused upload never reaches the store"
    );
}

#[tokio::test]
async fn a_refused_type_names_what_was_found_and_stores_nothing() {
    let lib = library().await;
    let mut elf = b"\x7fELF\x02\x01\x01".to_vec();
    elf.resize(64, 0);
    match add(&lib, &lib.author, upload("manual.pdf", None), &elf).await {
        Err(AddError::Refused { file_name, found }) => {
            assert_eq!(file_name, "manual.pdf");
            assert_eq!(found, Refused::Type("application/x-executable".into()));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let blobs: i64 = sqlx::query_scalar("select count(*) from blobs")
        .fetch_one(&lib.db)
        .await
        .expect("count");
    assert_eq!(blobs, 0);
    let files = std::fs::read_dir(lib.dir.path().join("incoming"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(files, 0, "the temporary file went with the refusal");
}

#[tokio::test]
async fn identical_bytes_are_stored_once_and_kept_while_any_version_names_them() {
    let lib = library().await;
    let first = add(&lib, &lib.author, upload("a.pdf", None), PDF)
        .await
        .expect("first");
    let second = add(&lib, &lib.colleague, upload("b.pdf", None), PDF)
        .await
        .expect("second");
    assert_ne!(first.document_id, second.document_id);
    let blobs: i64 = sqlx::query_scalar("select count(*) from blobs")
        .fetch_one(&lib.db)
        .await
        .expect("count");
    assert_eq!(blobs, 1);
    let swept = lib.files.sweep(&lib.db).await.expect("sweep");
    assert_eq!(swept.unreferenced, 0);
    assert!(open(&lib, &lib.author, second.document_id).await.is_ok());
}

#[tokio::test]
async fn concurrent_downloads_while_the_appender_runs_are_each_audited() {
    let lib = library().await;
    let added = add(&lib, &lib.author, upload("a.pdf", None), PDF)
        .await
        .expect("added");
    let appender = tokio::spawn(lib.audit.clone().run_appender());
    let mut reads = Vec::new();
    for _ in 0..20 {
        let (libraries, who) = (lib.libraries.clone(), lib.colleague.clone());
        reads.push(tokio::spawn(async move {
            open_file(
                &libraries,
                &who,
                added.document_id,
                None,
                Reading::Download,
                "x",
            )
            .await
        }));
    }
    for read in reads {
        read.await.expect("task").expect("every download is served");
    }
    // Wait for the appender to chain them; aborting it mid-transaction would leave its
    // write lock to be released only when its connection is cleaned up.
    let mut downloads = 0;
    for _ in 0..200 {
        downloads =
            sqlx::query_scalar("select count(*) from audit_log where action = 'document_download'")
                .fetch_one(&lib.db)
                .await
                .expect("count");
        if downloads == 20 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    appender.abort();
    assert_eq!(downloads, 20);
}

#[tokio::test]
async fn a_new_version_raises_the_label_never_lowers_it_and_the_old_one_stays_downloadable() {
    let lib = library().await;
    let added = add(&lib, &lib.author, upload("plan.pdf", None), PDF)
        .await
        .expect("added");
    let second = b"%PDF-1.7\nversion 2\n%%EOF\n";
    let lower = NewVersion {
        tlp: Some(Tlp::Green),
        file_name: "plan.pdf".into(),
        ..NewVersion::default()
    };
    let file = received(&lib, second).await;
    assert!(matches!(
        add_version(
            &lib.libraries,
            &lib.colleague,
            added.document_id,
            lower,
            file,
            "x"
        )
        .await,
        Err(AddError::Core(CoreError::Invalid { field: "tlp", .. }))
    ));
    let raised = NewVersion {
        tlp: Some(Tlp::AmberStrict),
        change_note: "Opdateret efter øvelsen".into(),
        file_name: "plan v2.pdf".into(),
        ..NewVersion::default()
    };
    let file = received(&lib, second).await;
    let v2 = add_version(
        &lib.libraries,
        &lib.colleague,
        added.document_id,
        raised,
        file,
        "x",
    )
    .await
    .expect("version 2");
    assert_eq!(v2.version, 2);
    let newest = open(&lib, &lib.author, added.document_id)
        .await
        .expect("newest");
    assert_eq!(std::fs::read(&newest.path).expect("read"), second);
    assert_eq!(newest.tlp, Tlp::AmberStrict);
    let first = open_file(
        &lib.libraries,
        &lib.author,
        added.document_id,
        Some(1),
        Reading::Download,
        "x",
    )
    .await
    .expect("version 1");
    assert_eq!(std::fs::read(&first.path).expect("read"), PDF);
    // The other organisation saw version 1 under AMBER; the newest is AMBER+STRICT for
    // the colleague's organisation, so neither version is theirs now.
    assert!(matches!(
        open_file(
            &lib.libraries,
            &lib.outsider,
            added.document_id,
            Some(1),
            Reading::Download,
            "x"
        )
        .await,
        Err(CoreError::NotFound)
    ));
    let page = document_page(&lib.db, &lib.author, added.document_id)
        .await
        .expect("page");
    assert_eq!(
        page.versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [2, 1]
    );
    assert_eq!(page.versions[0].change_note, "Opdateret efter øvelsen");
    // A reader sees it but cannot add versions.
    let file = received(&lib, second).await;
    assert!(matches!(
        add_version(
            &lib.libraries,
            &lib.reader,
            added.document_id,
            NewVersion::default(),
            file,
            "x"
        )
        .await,
        Err(AddError::Core(CoreError::Forbidden))
    ));
}

#[tokio::test]
async fn the_author_sees_who_downloaded_and_other_members_do_not() {
    let lib = library().await;
    let added = add(&lib, &lib.author, upload("a.pdf", None), PDF)
        .await
        .expect("added");
    open(&lib, &lib.colleague, added.document_id)
        .await
        .expect("download");
    lib.audit.chain().await.expect("chain");
    let page = document_page(&lib.db, &lib.author, added.document_id)
        .await
        .expect("page");
    let downloads = page.downloads.expect("the author sees the panel");
    assert_eq!(downloads.len(), 1);
    assert_eq!(downloads[0].name, "Bo");
    let page = document_page(&lib.db, &lib.colleague, added.document_id)
        .await
        .expect("page");
    assert_eq!(
        page.downloads, None,
        "a member who is not the author sees no panel"
    );
}

mod changes;
mod folders;
mod pages;
mod watching;

#[tokio::test]
async fn a_truncated_pdf_is_kept_exactly_as_sent_for_its_readers_to_judge() {
    // Only the type is checked, from the first bytes: a PDF cut off mid-file is still
    // a PDF, stored and served byte for byte (the viewer, not the server, reports it).
    let lib = library().await;
    let truncated = &PDF[..PDF.len() / 2];
    let added = add(&lib, &lib.author, upload("afbrudt.pdf", None), truncated)
        .await
        .expect("added");
    let opened = open(&lib, &lib.colleague, added.document_id)
        .await
        .expect("opened");
    assert_eq!(opened.file_type, Some(file_type::FileType::Pdf));
    assert_eq!(std::fs::read(&opened.path).expect("read"), truncated);
}

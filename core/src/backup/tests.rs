//! Backups taken while documents are added and removed and posts written, and restored into a new data
//! directory: every committed document is there with its file, and the audit log
//! verifies. A backup or restore never writes into a directory that holds anything.

use super::*;
use crate::audit::AuditLog;
use crate::groups::{self, NewGroup};
use crate::ids::{OrgId, UserId};
use crate::library::{Libraries, Upload, add_document, remove_document};
use crate::policy::{GroupRole, PlatformRole, Tlp, Viewer, require_admin};

struct Live {
    dir: tempfile::TempDir,
    libraries: Libraries,
    author: Viewer,
}

async fn live() -> Live {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = db::open(dir.path()).await.expect("db");
    let org: OrgId = sqlx::query_scalar("select id from organisations order by id limit 1")
        .fetch_one(&db)
        .await
        .expect("org");
    let admin = Viewer::user(UserId(0), org, PlatformRole::Admin, false, vec![]);
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
    let author: UserId = sqlx::query_scalar(
        "insert into users (org_id, email, name, platform_role, status, created_at, updated_at) \
         values ($1, 'anne@example.dk', 'Anne', 'member', 'active', 0, 0) returning id",
    )
    .bind(org)
    .fetch_one(&db)
    .await
    .expect("person");
    groups::set_member(&db, &admin, group, author, GroupRole::Member)
        .await
        .expect("member");
    audit.chain().await.expect("chained");
    let libraries = Libraries {
        db: db.clone(),
        files: crate::library::store::BlobStore::new(dir.path()),
        audit,
        hub: crate::notifications::Hub::new(),
    };
    let author = Viewer::user(
        author,
        org,
        PlatformRole::Member,
        false,
        vec![(group, GroupRole::Member)],
    );
    Live {
        dir,
        libraries,
        author,
    }
}

/// Adds a PDF titled `title` whose bytes are its own.
async fn add(libraries: &Libraries, author: &Viewer, title: &str) -> i64 {
    let mut incoming = libraries.files.incoming(1 << 20).await.expect("incoming");
    incoming
        .write(format!("%PDF-1.7\n% {title}\n").as_bytes())
        .await
        .expect("write");
    let received = incoming.finish().await.expect("finish");
    let upload = Upload {
        title: Some(title.into()),
        file_name: format!("{title}.pdf"),
        ..Upload::default()
    };
    add_document(libraries, author, "nis2", upload, received, "test")
        .await
        .expect("added")
        .document_id
}

/// Starts a thread titled `title` in the group, as its forum's form would.
async fn post(db: &Db, author: &Viewer, title: &str) {
    let new = crate::forums::writing::NewThread {
        group_slug: "nis2".into(),
        title: title.into(),
        body: format!("Indlæg: {title}"),
        tlp: None,
        audience: Default::default(),
        chatham_house: false,
    };
    crate::forums::writing::create_thread(db, author, new)
        .await
        .expect("posted");
}

async fn thread_titles(db: &Db) -> Vec<String> {
    sqlx::query_scalar("select title from forum_threads order by title")
        .fetch_all(db)
        .await
        .expect("thread titles")
}

async fn titles(db: &Db) -> Vec<String> {
    sqlx::query_scalar("select title from documents where removed_at is null order by title")
        .fetch_all(db)
        .await
        .expect("titles")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_documents_come_and_go_restores_to_a_copy_that_verifies() {
    let live = live().await;
    let mut before = Vec::new();
    for n in 0..5 {
        before.push(format!("Før {n}"));
        add(&live.libraries, &live.author, &format!("Før {n}")).await;
    }
    let gone = add(&live.libraries, &live.author, "Fjernes").await;
    let mut threads_before = Vec::new();
    for n in 0..3 {
        threads_before.push(format!("Tråd før {n}"));
        post(&live.libraries.db, &live.author, &format!("Tråd før {n}")).await;
    }
    // Writers keep going while the backup runs: new documents, a removal and posts.
    let posting = {
        let (db, author) = (live.libraries.db.clone(), live.author.clone());
        tokio::spawn(async move {
            for n in 0..20 {
                post(&db, &author, &format!("Tråd under {n}")).await;
            }
        })
    };
    let busy = {
        let (libraries, author) = (live.libraries.clone(), live.author.clone());
        tokio::spawn(async move {
            for n in 0..20 {
                add(&libraries, &author, &format!("Under {n}")).await;
                if n == 5 {
                    remove_document(&libraries, &author, gone, "Forældet", "test")
                        .await
                        .expect("removed");
                }
            }
        })
    };
    let copy = tempfile::tempdir().expect("backup dir");
    let backed_up = backup(&live.libraries.db, live.dir.path(), copy.path())
        .await
        .expect("backup");
    busy.await.expect("writers");
    posting.await.expect("posters");
    assert!(backed_up.database_bytes > 0);

    let restored_dir = tempfile::tempdir().expect("restore dir");
    let target = restored_dir.path().join("data");
    let restored = restore(copy.path(), &target).await.expect("restore");
    assert_eq!(restored.files, backed_up.files);
    let db = db::open(&target).await.expect("restored db");
    let present = titles(&db).await;
    for title in &before {
        assert!(
            present.contains(title),
            "{title} is missing from {present:?}"
        );
    }
    let threads = thread_titles(&db).await;
    for title in &threads_before {
        assert!(
            threads.contains(title),
            "{title} is missing from {threads:?}"
        );
    }
    // Whatever the copy holds, it holds whole: each version's file is in its store.
    let hashes: Vec<String> = sqlx::query_scalar("select sha256 from document_versions")
        .fetch_all(&db)
        .await
        .expect("versions");
    let store = crate::library::store::BlobStore::new(&target);
    for hash in hashes {
        assert!(store.path_of(&hash).is_some_and(|p| p.is_file()), "{hash}");
    }
    assert!(matches!(
        crate::audit::verify(&db, &target).await.expect("verify"),
        crate::audit::Verdict::Intact { .. }
    ));
}

#[tokio::test]
async fn a_backup_refuses_a_directory_that_holds_anything_or_cannot_be_written() {
    let live = live().await;
    let full = tempfile::tempdir().expect("dir");
    std::fs::write(full.path().join("old.txt"), b"keep").expect("file");
    let err = backup(&live.libraries.db, live.dir.path(), full.path())
        .await
        .expect_err("not empty");
    assert!(err.to_string().contains("is not empty"), "{err}");
    assert_eq!(
        std::fs::read(full.path().join("old.txt")).expect("untouched"),
        b"keep"
    );
    // Below a plain file nothing can be created, even by root.
    let blocked = full.path().join("old.txt").join("backup");
    let err = backup(&live.libraries.db, live.dir.path(), &blocked)
        .await
        .expect_err("not writable");
    assert!(err.to_string().contains("cannot read"), "{err}");
}

#[tokio::test]
async fn a_restore_never_lays_a_backup_over_an_existing_data_directory() {
    let live = live().await;
    add(&live.libraries, &live.author, "Plan").await;
    let copy = tempfile::tempdir().expect("backup dir");
    backup(&live.libraries.db, live.dir.path(), copy.path())
        .await
        .expect("backup");
    let err = restore(copy.path(), live.dir.path())
        .await
        .expect_err("existing data");
    assert!(err.to_string().contains("is not empty"), "{err}");
    assert_eq!(titles(&live.libraries.db).await, vec!["Plan".to_string()]);
    let empty = tempfile::tempdir().expect("dir");
    let err = restore(empty.path(), &empty.path().join("data"))
        .await
        .expect_err("no backup");
    assert!(err.to_string().contains("holds no backup"), "{err}");
}

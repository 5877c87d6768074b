//! The `vaern` command line, run as the built binary on a temporary data directory.

use crate::helpers::link_token;
use std::process::Command;
use vaern_core::accounts::links::{self, Purpose};

fn vaern(data_dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vaern"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("VAERN_LOG", "error")
        .output()
        .expect("the vaern binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_create_without_a_password_prints_a_one_time_invitation_link() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, stdout, stderr) = vaern(
        dir.path(),
        &[
            "admin",
            "create",
            "--email",
            "Chef@KL.dk",
            "--name",
            "Karen Skov",
            "--org",
            "kl",
            "--public-url",
            "https://vaern.example.dk/",
        ],
    );
    assert!(ok, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("https://vaern.example.dk/link/"),
        "{stdout}"
    );
    let token = link_token(&stdout);
    let db = vaern_core::db::open(dir.path()).await.unwrap();
    let info = links::inspect(&db, &token).await.unwrap();
    assert_eq!(info.purpose, Purpose::Invitation);
    assert_eq!(info.email, "chef@kl.dk");
    // Admins must use a second factor, so twelve characters are enough.
    assert_eq!(info.min_password_len, 12);

    let (again, _, stderr) = vaern(
        dir.path(),
        &[
            "admin",
            "create",
            "--email",
            "chef@kl.dk",
            "--name",
            "Karen",
            "--org",
            "kl",
        ],
    );
    assert!(!again);
    assert!(stderr.contains("email: taken"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_prints_each_password_and_the_second_factor_of_those_who_need_one() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, stdout, stderr) = vaern(dir.path(), &["demo"]);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("admin@kl.demo"), "{stdout}");
    assert!(stdout.contains("demo-kl-adgangskode"));
    assert!(stdout.contains(
        "otpauth://totp/V%C3%A6rn:admin%40kl.demo?secret=VAERNDEMOADMINKLTOTPSECRET234567"
    ));
    assert!(stdout.contains("secret=VAERNDEMOANALYSTSOCTOTPSECRET234"));
    assert!(stdout.contains("secret=VAERNDEMOCOORDINATORKLTOTPSECRET"));
    // Members have no second factor, so no secret is printed for them.
    assert_eq!(stdout.matches("TOTP secret").count(), 3, "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_reset_password_prints_a_working_reset_link_for_an_existing_account_and_audits_it() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, stdout, stderr) = vaern(
        dir.path(),
        &[
            "admin",
            "create",
            "--email",
            "ane@kl.dk",
            "--name",
            "Ane Holm",
            "--org",
            "kl",
        ],
    );
    assert!(ok, "{stdout}\n{stderr}");
    let db = vaern_core::db::open(dir.path()).await.unwrap();
    let invitation = link_token(&stdout);
    let audit = vaern_core::audit::AuditLog::new(db.clone(), dir.path());
    vaern_core::accounts::links::redeem(&db, &audit, &invitation, "violet harbour lantern", "")
        .await
        .unwrap();
    drop(db);

    let (ok, stdout, stderr) = vaern(
        dir.path(),
        &[
            "admin",
            "reset-password",
            "--email",
            "Ane@KL.dk",
            "--public-url",
            "https://vaern.example.dk",
        ],
    );
    assert!(ok, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("https://vaern.example.dk/link/"),
        "{stdout}"
    );
    let db = vaern_core::db::open(dir.path()).await.unwrap();
    let info = links::inspect(&db, &link_token(&stdout)).await.unwrap();
    assert_eq!(info.purpose, Purpose::PasswordReset);
    assert_eq!(info.email, "ane@kl.dk");
    let audited: Vec<(String, String)> = sqlx::query_as(
        "select action, coalesce(detail, '') from audit_log order by id desc limit 1",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(
        audited,
        [("link_issue".to_string(), "password_reset".to_string())]
    );

    let (ok, _, stderr) = vaern(
        dir.path(),
        &["admin", "reset-password", "--email", "nobody@kl.dk"],
    );
    assert!(!ok);
    assert!(stderr.contains("no account"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_restores_into_a_new_data_directory_whose_audit_log_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (ok, _, stderr) = vaern(&data, &["demo"]);
    assert!(ok, "{stderr}");
    let copy = dir.path().join("backup");
    let copy_arg = copy.to_string_lossy().into_owned();
    let (ok, stdout, stderr) = vaern(&data, &["backup", "--to", &copy_arg]);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("Backed up into"), "{stdout}");

    // Never over anything: a second backup into the same directory is refused.
    let (ok, _, stderr) = vaern(&data, &["backup", "--to", &copy_arg]);
    assert!(!ok);
    assert!(stderr.contains("is not empty"), "{stderr}");

    let restored = dir.path().join("restored");
    let (ok, stdout, stderr) = vaern(&restored, &["restore", "--from", &copy_arg]);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("the audit log verifies"), "{stdout}");
    let (ok, stdout, stderr) = vaern(&restored, &["audit", "verify"]);
    assert!(ok, "{stdout}\n{stderr}");
    let count = |path: std::path::PathBuf| async move {
        let db = vaern_core::db::open(&path).await.unwrap();
        let n: i64 = sqlx::query_scalar("select count(*) from documents")
            .fetch_one(&db)
            .await
            .unwrap();
        db.close().await;
        n
    };
    assert_eq!(count(data.clone()).await, count(restored.clone()).await);

    // Nor over an existing data directory.
    let (ok, _, stderr) = vaern(&data, &["restore", "--from", &copy_arg]);
    assert!(!ok);
    assert!(stderr.contains("is not empty"), "{stderr}");
}

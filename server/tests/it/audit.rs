//! The audit log: what is recorded, the hash chain and its head, who reads which rows,
//! and the CSV export.

use crate::helpers::*;
use reqwest::StatusCode;
use std::process::Command;
use vaern_core::audit::{self, Verdict};
use vaern_core::policy::PlatformRole;

async fn actions(app: &TestApp) -> Vec<(String, String)> {
    app.audit_chained().await;
    sqlx::query_as("select action, outcome from audit_log order by id")
        .fetch_all(&app.db)
        .await
        .unwrap()
}

fn verify_with_the_cli(app: &TestApp) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vaern"))
        .arg("--data-dir")
        .arg(app.data_dir())
        .args(["audit", "verify"])
        .env("VAERN_LOG", "error")
        .output()
        .expect("vaern runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Sign-ins that work and fail, an invitation, a disabled and re-enabled account, a
/// password change and a sign-out: the admin's and the member's everyday.
async fn busy_sequence(app: &TestApp) -> (reqwest::Client, String) {
    let (admin, _, _) = app
        .signed_in_with_second_factor("kl", "admin@kl.dk", PlatformRole::Admin, false)
        .await;
    let (member, member_id) = app
        .signed_in("751", "mette@aarhus.dk", PlatformRole::Member, false)
        .await;
    let refused = app
        .sign_in(
            &reqwest::Client::new(),
            "mette@aarhus.dk",
            "not the password",
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let invited = app
        .rpc(
            &admin,
            "invite",
            &[
                ("name", "=HYPERLINK(\"http://evil\")"),
                ("email", "ny@aarhus.dk"),
                ("org", "751"),
                ("role", "member"),
                ("language", "da"),
            ],
        )
        .await;
    assert_eq!(invited.status(), StatusCode::OK);
    let id = member_id.0.to_string();
    for disabled in ["true", "false"] {
        let res = app
            .rpc(
                &admin,
                "set_disabled",
                &[("user", id.as_str()), ("disabled", disabled)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let (member, _) = (
        {
            let again = browser();
            let res = app.sign_in(&again, "mette@aarhus.dk", PASSWORD).await;
            assert_eq!(location(&res).as_deref(), Some("/"));
            again
        },
        member,
    );
    let changed = app
        .rpc(
            &member,
            "change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "violet harbour lantern morning"),
                ("confirm_password", "violet harbour lantern morning"),
            ],
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let out = app.rpc(&member, "sign_out", &[]).await;
    assert!(out.status().is_success());
    app.audit_chained().await;
    (admin, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_day_is_recorded_in_order_and_the_chain_verifies() {
    let app = spawn_app().await;
    busy_sequence(&app).await;
    let recorded = actions(&app).await;
    let expected = [
        ("sign_in", "success"),
        ("sign_in", "success"),
        ("sign_in", "failure"),
        ("invite", "success"),
        ("user_disable", "success"),
        ("user_enable", "success"),
        ("sign_in", "success"),
        ("password_change", "success"),
        ("sign_out", "success"),
    ];
    let recorded_pairs: Vec<(&str, &str)> = recorded
        .iter()
        .map(|(a, o)| (a.as_str(), o.as_str()))
        .collect();
    assert_eq!(recorded_pairs, expected);
    assert_eq!(
        audit::verify(&app.db, app.data_dir()).await.unwrap(),
        Verdict::Intact { rows: 9 }
    );
    let (ok, text) = verify_with_the_cli(&app);
    assert!(ok, "{text}");
    assert!(text.contains("9 rows"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_refuses_to_change_or_remove_audit_rows() {
    let app = spawn_app().await;
    busy_sequence(&app).await;
    let update = sqlx::query("update audit_log set outcome = 'success' where id = 3")
        .execute(&app.db)
        .await;
    assert!(update.is_err(), "an update went through");
    let delete = sqlx::query("delete from audit_log where id = 1")
        .execute(&app.db)
        .await;
    assert!(delete.is_err(), "a delete went through");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_row_breaks_the_chain_at_that_row() {
    let app = spawn_app().await;
    busy_sequence(&app).await;
    sqlx::query("drop trigger audit_log_no_update")
        .execute(&app.db)
        .await
        .unwrap();
    // Someone hides a failed sign-in.
    sqlx::query("update audit_log set outcome = 'success' where id = 3")
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(
        audit::verify(&app.db, app.data_dir()).await.unwrap(),
        Verdict::BrokenAt { id: 3 }
    );
    let (ok, text) = verify_with_the_cli(&app);
    assert!(!ok);
    assert!(text.contains("broken at row 3"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_the_newest_rows_is_caught_by_the_head() {
    let app = spawn_app().await;
    busy_sequence(&app).await;
    sqlx::query("drop trigger audit_log_no_delete")
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("delete from audit_log where id = (select max(id) from audit_log)")
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(
        audit::verify(&app.db, app.data_dir()).await.unwrap(),
        Verdict::RowsRemovedFromEnd {
            head_id: 9,
            last_id: 8
        }
    );
    let (ok, text) = verify_with_the_cli(&app);
    assert!(!ok);
    assert!(text.contains("rows removed from the end"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_head_that_names_an_earlier_row_is_a_crash_not_tampering() {
    let app = spawn_app().await;
    busy_sequence(&app).await;
    let (id, hash): (i64, String) = sqlx::query_as("select id, hash from audit_log where id = 7")
        .fetch_one(&app.db)
        .await
        .unwrap();
    std::fs::write(app.data_dir().join("audit.head"), format!("{id} {hash}\n")).unwrap();
    assert_eq!(
        audit::verify(&app.db, app.data_dir()).await.unwrap(),
        Verdict::Intact { rows: 9 }
    );
    std::fs::write(
        app.data_dir().join("audit.head"),
        format!("7 {}\n", "0".repeat(64)),
    )
    .unwrap();
    assert!(matches!(
        audit::verify(&app.db, app.data_dir()).await.unwrap(),
        Verdict::RowsRemovedFromEnd { .. }
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_read_every_row_org_admins_their_organisations_and_members_nothing() {
    let app = spawn_app().await;
    let (admin, _) = busy_sequence(&app).await;
    // An organisation admin elsewhere (Copenhagen) and one in Aarhus.
    let (copenhagen, _) = app
        .signed_in("101", "chef@kk.dk", PlatformRole::Member, true)
        .await;
    let (aarhus, _) = app
        .signed_in("751", "chef@aarhus.dk", PlatformRole::Member, true)
        .await;
    let (plain, _) = app
        .signed_in("751", "menig@aarhus.dk", PlatformRole::Member, false)
        .await;
    app.audit_chained().await;

    let rows = |body: serde_json::Value| body["rows"].as_array().unwrap().len();
    let all = json(app.rpc(&admin, "audit", &[]).await).await;
    // 9 from the busy day plus the three sign-ins above.
    assert_eq!(rows(all), 12);
    let aarhus_rows = json(app.rpc(&aarhus, "audit", &[]).await).await;
    // The rows about Aarhus people, whoever acted; not the KL admin's own sign-in.
    assert_eq!(rows(aarhus_rows), 10);
    let copenhagen_rows = json(app.rpc(&copenhagen, "audit", &[]).await).await;
    assert_eq!(rows(copenhagen_rows), 1, "only its own sign-in");
    assert_eq!(
        app.rpc(&plain, "audit", &[]).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&plain, "/admin/audit.csv").await.status(),
        StatusCode::NOT_FOUND
    );

    let sign_ins = json(
        app.rpc(
            &admin,
            "audit",
            &[("action", "sign_in"), ("actor", ""), ("from", "2020-01-01")],
        )
        .await,
    )
    .await;
    assert_eq!(rows(sign_ins), 7);
    assert_invalid(
        app.rpc(&admin, "audit", &[("from", "1. januar")]).await,
        "from",
        "date_malformed",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_csv_export_defuses_cells_a_spreadsheet_would_run() {
    let app = spawn_app().await;
    let (admin, _) = busy_sequence(&app).await;
    let res = app.get(&admin, "/admin/audit.csv?action=invite").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = res.text().await.unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("id,time_utc,actor"));
    let row = lines.next().expect("the invitation row");
    assert!(row.contains("'=HYPERLINK"), "{row}");
    assert!(lines.next().is_none(), "only the invitation: {text}");
}

/// The Rust files under `dir`, read as they are on disk now: (path, text).
fn rust_files(dir: &std::path::Path) -> Vec<(std::path::PathBuf, String)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir:?}: {e}")) {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let text = std::fs::read_to_string(&path).expect("source file");
                found.push((path, text));
            }
        }
    }
    found
}

#[test]
fn no_handler_in_the_app_or_the_server_writes_audit_rows_itself() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    // The names searched for are core's: renaming them must not make this pass silently.
    let core = std::fs::read_to_string(root.join("../core/src/audit.rs")).expect("audit.rs");
    assert!(core.contains("pub async fn stage("));
    assert!(core.contains("pub async fn record_event("));
    let forbidden = [
        "audit::stage",
        "record_event",
        "Entry::new(",
        "audit_staged",
        "into audit_log",
    ];
    let files: Vec<_> = [root.join("src"), root.join("../app/src")]
        .iter()
        .flat_map(|dir| rust_files(dir))
        .collect();
    assert!(files.len() > 40, "only {} files found", files.len());
    let mut offenders = Vec::new();
    for (path, text) in &files {
        for (n, line) in text.lines().enumerate() {
            let imports_stage = line.contains("vaern_core::audit::") && line.contains("stage");
            if imports_stage || forbidden.iter().any(|f| line.contains(f)) {
                offenders.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "audit rows are staged by core, in the transaction of the change, or recorded \
         there as events; these lines do it in a handler:\n{}",
        offenders.join("\n")
    );
}

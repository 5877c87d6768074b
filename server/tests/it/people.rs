//! Editing accounts: names by their managers, roles and the organisation-admin flag by
//! admins only, never one's own, and a change of privileges takes effect at once.

use crate::helpers::*;
use reqwest::StatusCode;
use vaern_core::policy::PlatformRole;

async fn role_of(app: &TestApp, email: &str) -> (String, bool, String) {
    sqlx::query_as("select platform_role, org_admin, name from users where email = $1")
        .bind(email)
        .fetch_one(&app.db)
        .await
        .expect("account")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_makes_a_member_an_analyst_who_must_then_enrol_a_second_factor() {
    let app = spawn_app().await;
    let (admin, _, _) = app
        .signed_in_with_second_factor("kl", "admin@kl.dk", PlatformRole::Admin, false)
        .await;
    let (member, member_id) = app
        .signed_in("751", "mette@aarhus.dk", PlatformRole::Member, false)
        .await;
    let id = member_id.0.to_string();
    let res = app
        .rpc(
            &admin,
            "edit_user",
            &[
                ("user", id.as_str()),
                ("name", "Mette Lund"),
                ("role", "analyst"),
                ("admin_fields", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        role_of(&app, "mette@aarhus.dk").await,
        ("analyst".to_string(), false, "Mette Lund".to_string())
    );
    // The new role applies at once: the old session is gone, and the next sign-in
    // asks for a second factor first.
    assert!(!app.is_signed_in(&member).await);
    let res = app.sign_in(&browser(), "mette@aarhus.dk", PASSWORD).await;
    assert_eq!(location(&res).as_deref(), Some("/sign-in/enrol"));
    app.audit_chained().await;
    let edits: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action = 'user_edit'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(edits, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organisation_admin_renames_a_member_but_grants_no_role() {
    let app = spawn_app().await;
    let (org_admin, _) = app
        .signed_in("751", "leder@aarhus.dk", PlatformRole::Member, true)
        .await;
    let (member, member_id) = app
        .signed_in("751", "mette@aarhus.dk", PlatformRole::Member, false)
        .await;
    let id = member_id.0.to_string();
    let renamed = app
        .rpc(
            &org_admin,
            "edit_user",
            &[("user", id.as_str()), ("name", "Mette Bjerre Lund")],
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    assert_eq!(
        role_of(&app, "mette@aarhus.dk").await.2,
        "Mette Bjerre Lund"
    );
    // A rename leaves the person signed in.
    assert!(app.is_signed_in(&member).await);
    for (role, org_admin_flag) in [("admin", None), ("member", Some("on"))] {
        let mut form = vec![
            ("user", id.as_str()),
            ("name", "Mette Lund"),
            ("role", role),
            ("admin_fields", "1"),
        ];
        if let Some(flag) = org_admin_flag {
            form.push(("org_admin", flag));
        }
        assert_invalid(
            app.rpc(&org_admin, "edit_user", &form).await,
            "role",
            "not_allowed",
        )
        .await;
    }
    assert_eq!(
        role_of(&app, "mette@aarhus.dk").await,
        ("member".to_string(), false, "Mette Bjerre Lund".to_string())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_changes_their_own_role_and_bad_names_are_refused() {
    let app = spawn_app().await;
    let (admin, admin_id, _) = app
        .signed_in_with_second_factor("kl", "admin@kl.dk", PlatformRole::Admin, false)
        .await;
    let id = admin_id.0.to_string();
    let demote = app
        .rpc(
            &admin,
            "edit_user",
            &[
                ("user", id.as_str()),
                ("name", "Astrid Holm"),
                ("role", "member"),
                ("admin_fields", "1"),
            ],
        )
        .await;
    assert_invalid(demote, "user", "self").await;
    let long = "x".repeat(10_000);
    for (name, reason) in [("", "required"), (long.as_str(), "too_long")] {
        let res = app
            .rpc(
                &admin,
                "edit_user",
                &[("user", id.as_str()), ("name", name)],
            )
            .await;
        assert_invalid(res, "name", reason).await;
    }
    let unknown_role = app
        .rpc(
            &admin,
            "edit_user",
            &[
                ("user", id.as_str()),
                ("name", "Astrid Holm"),
                ("role", "root"),
                ("admin_fields", "1"),
            ],
        )
        .await;
    assert_eq!(unknown_role.status(), StatusCode::BAD_REQUEST);
    assert_eq!(role_of(&app, "admin@kl.dk").await.0, "admin");
}

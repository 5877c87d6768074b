//! Groups and memberships (issue 4, point 2): who may manage a group, pasted lists of
//! addresses, archiving and restoring, the audit rows, and bad input.

use crate::helpers::*;
use reqwest::{Client, StatusCode};
use vaern_core::ids::{GroupId, UserId};
use vaern_core::policy::PlatformRole;

/// A server function, its form, and the status each person gets.
type Case<'a, const N: usize> = (&'a str, Vec<(&'a str, &'a str)>, [StatusCode; N]);
impl TestApp {
    async fn role_in(&self, group: GroupId, user: UserId) -> Option<String> {
        sqlx::query_scalar("select role from group_members where group_id = $1 and user_id = $2")
            .bind(group)
            .bind(user)
            .fetch_optional(&self.db)
            .await
            .expect("query")
    }

    async fn audit_details(&self, action: &str) -> Vec<String> {
        self.audit_chained().await;
        sqlx::query_scalar("select detail from audit_log where action = $1 order by id")
            .bind(action)
            .fetch_all(&self.db)
            .await
            .expect("audit rows")
    }
}

/// The people of the access table, each in their own browser.
struct Cast {
    admin: (Client, UserId),
    org_admin: (Client, UserId),
    owner: (Client, UserId),
    other_owner: (Client, UserId),
    member: (Client, UserId),
    group: GroupId,
}

async fn cast(app: &TestApp) -> Cast {
    let (admin, admin_id, _) = app
        .signed_in_with_second_factor("kl", "admin@kl.dk", PlatformRole::Admin, false)
        .await;
    let org_admin = app
        .signed_in("751", "leder@aarhus.dk", PlatformRole::Member, true)
        .await;
    let owner = app
        .signed_in("751", "ejer@aarhus.dk", PlatformRole::Member, false)
        .await;
    let other_owner = app
        .signed_in("101", "ejer@kk.dk", PlatformRole::Member, false)
        .await;
    let member = app
        .signed_in("101", "medlem@kk.dk", PlatformRole::Member, false)
        .await;
    let group = app.group("referencegruppen").await;
    let other = app.group("andre").await;
    app.add_to_group(group, owner.1, "owner").await;
    app.add_to_group(group, member.1, "member").await;
    app.add_to_group(other, other_owner.1, "owner").await;
    Cast {
        admin: (admin, admin_id),
        org_admin,
        owner,
        other_owner,
        member,
        group,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_gets_the_answer_the_access_table_gives_for_groups_and_memberships() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    app.create_user_in("751", "ny@aarhus.dk", PlatformRole::Member, false)
        .await;
    let who = [
        ("admin", &cast.admin.0),
        ("org admin", &cast.org_admin.0),
        ("owner", &cast.owner.0),
        ("owner of another group", &cast.other_owner.0),
        ("member", &cast.member.0),
    ];
    let ok = StatusCode::OK;
    let missing = StatusCode::NOT_FOUND;
    // Whatever one may not do is answered as not found, even to members of the group.
    let forbidden = StatusCode::NOT_FOUND;
    let member_id = cast.member.1.0.to_string();
    let cases: Vec<Case<'_, 5>> = vec![
        (
            "admin_groups",
            vec![],
            [ok, missing, missing, missing, missing],
        ),
        (
            "group",
            vec![("slug", "referencegruppen")],
            [ok, missing, ok, missing, ok],
        ),
        (
            "edit_group",
            vec![
                ("slug", "referencegruppen"),
                ("name", "Referencegruppen"),
                ("description", "Udkast"),
                ("default_tlp", "green"),
            ],
            [ok, missing, ok, missing, forbidden],
        ),
        (
            "set_group_member_role",
            vec![
                ("slug", "referencegruppen"),
                ("user", &member_id),
                ("role", "reader"),
            ],
            [ok, missing, ok, missing, forbidden],
        ),
        (
            "add_group_members",
            vec![
                ("slug", "referencegruppen"),
                ("emails", "ny@aarhus.dk"),
                ("role", "member"),
            ],
            [ok, missing, ok, missing, forbidden],
        ),
        (
            "create_group",
            vec![
                ("slug", "ny-gruppe"),
                ("name", "Ny gruppe"),
                ("description", ""),
                ("default_tlp", "amber"),
            ],
            [ok, missing, missing, missing, missing],
        ),
        (
            "restore_group",
            vec![("slug", "referencegruppen")],
            [
                StatusCode::BAD_REQUEST, // live: nothing to restore, but the admin may try
                missing,
                missing,
                missing,
                missing,
            ],
        ),
    ];
    // Run each case for the non-admins first, so the admin's success is not what the
    // others see.
    for (name, form, expected) in &cases {
        for (i, (label, client)) in who.iter().enumerate().rev() {
            let res = app.rpc(client, name, form).await;
            let status = res.status();
            let body = res.text().await.unwrap_or_default();
            assert_eq!(status, expected[i], "{name} as {label}: {body}");
        }
    }
    // Removal last: the member is removed by the owner, an admin removes the owner.
    let owner_id = cast.owner.1.0.to_string();
    for (label, client) in [
        ("org admin", &cast.org_admin.0),
        ("owner of another group", &cast.other_owner.0),
    ] {
        let res = app
            .rpc(
                client,
                "remove_group_member",
                &[("slug", "referencegruppen"), ("user", &member_id)],
            )
            .await;
        assert_eq!(res.status(), missing, "remove as {label}");
    }
    let res = app
        .rpc(
            &cast.member.0,
            "remove_group_member",
            &[("slug", "referencegruppen"), ("user", &owner_id)],
        )
        .await;
    assert_eq!(res.status(), forbidden, "remove as member");
    let res = app
        .rpc(
            &cast.owner.0,
            "remove_group_member",
            &[("slug", "referencegruppen"), ("user", &member_id)],
        )
        .await;
    assert_eq!(res.status(), ok, "remove as owner");
    assert_eq!(app.role_in(cast.group, cast.member.1).await, None);
    // The only owner may not leave the group ownerless; an admin may.
    let res = app
        .rpc(
            &cast.owner.0,
            "remove_group_member",
            &[("slug", "referencegruppen"), ("user", &owner_id)],
        )
        .await;
    assert_invalid(res, "user", "last_owner").await;
    let res = app
        .rpc(
            &cast.admin.0,
            "remove_group_member",
            &[("slug", "referencegruppen"), ("user", &owner_id)],
        )
        .await;
    assert_eq!(res.status(), ok, "remove as admin");

    // Every management action left an audit row naming the group by id, never by name.
    for action in [
        "group_edit",
        "member_role",
        "member_add",
        "group_create",
        "member_remove",
    ] {
        assert!(
            !app.audit_details(action).await.is_empty(),
            "{action} audited"
        );
    }
    app.audit_chained().await;
    let names: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where detail like '%Referencegruppen%' or detail like '%Udkast%'",
    )
    .fetch_one(&app.db)
    .await
    .expect("query");
    assert_eq!(names, 0, "audit rows hold ids, not titles");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_see_the_member_list_and_owners_change_roles_an_admin_adding_themselves_is_audited()
{
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let page = json(
        app.rpc(&cast.member.0, "group", &[("slug", "referencegruppen")])
            .await,
    )
    .await;
    let members = page["members"].as_array().expect("members");
    assert_eq!(members.len(), 2);
    assert_eq!(page["manageable"], false);
    // Members see names, organisations and roles; addresses are for managers only.
    assert!(members.iter().all(|m| m["email"].is_null()));
    let owner_page = json(
        app.rpc(&cast.owner.0, "group", &[("slug", "referencegruppen")])
            .await,
    )
    .await;
    assert_eq!(owner_page["manageable"], true);
    assert!(
        owner_page["members"]
            .as_array()
            .expect("members")
            .iter()
            .any(|m| m["email"] == "medlem@kk.dk")
    );

    let member_id = cast.member.1.0.to_string();
    let res = app
        .rpc(
            &cast.owner.0,
            "set_group_member_role",
            &[
                ("slug", "referencegruppen"),
                ("user", &member_id),
                ("role", "moderator"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        app.role_in(cast.group, cast.member.1).await.as_deref(),
        Some("moderator")
    );

    // An admin reads no group as a member until added; adding oneself is marked "self".
    let res = app
        .rpc(
            &cast.admin.0,
            "add_group_members",
            &[
                ("slug", "referencegruppen"),
                ("emails", "admin@kl.dk"),
                ("role", "reader"),
            ],
        )
        .await;
    let added = json(res).await;
    assert_eq!(added["added"], serde_json::json!(["admin@kl.dk"]));
    let details = app.audit_details("member_add").await;
    assert!(
        details
            .iter()
            .any(|d| d == &format!("user={} role=reader self", cast.admin.1.0)),
        "{details:?}"
    );
    // The home page links each group to its page.
    let home = app
        .get(&cast.member.0, "/")
        .await
        .text()
        .await
        .expect("body");
    assert!(
        home.contains("href=\"/groups/referencegruppen\""),
        "home links the group"
    );
    // The group page renders for members, and is a 404 for strangers, like a missing one.
    let res = app.get(&cast.member.0, "/groups/referencegruppen").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!res.text().await.expect("body").contains("ejer@aarhus.dk"));
    for path in ["/groups/referencegruppen", "/groups/findes-ikke"] {
        let res = app.get(&cast.other_owner.0, path).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_list_of_five_thousand_lines_adds_the_known_and_lists_the_unknown_and_malformed() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    // 4,000 accounts, inserted directly (hashing 4,000 passwords would take minutes).
    let org: i64 = sqlx::query_scalar("select id from organisations where code = '751'")
        .fetch_one(&app.db)
        .await
        .expect("org");
    let mut tx = app.db.begin().await.expect("tx");
    for i in 0..4_000 {
        sqlx::query(
            "insert into users (org_id, email, name, platform_role, org_admin, status, created_at, updated_at) \
             values ($1, $2, 'Kollega', 'member', 0, 'active', 0, 0)",
        )
        .bind(org)
        .bind(format!("kollega{i}@aarhus.dk"))
        .execute(&mut *tx)
        .await
        .expect("user");
    }
    tx.commit().await.expect("commit");
    let mut lines: Vec<String> = (0..4_000)
        .map(|i| format!("Kollega{i}@Aarhus.dk"))
        .collect();
    lines.extend((0..900).map(|i| format!("ukendt{i}@aarhus.dk")));
    lines.extend((0..95).map(|i| format!("ikke en adresse {i}")));
    lines.push("medlem@kk.dk".into()); // already a member
    lines.extend([
        "@aarhus.dk".into(),
        "a@b".into(),
        "x@y@z.dk".into(),
        "".into(),
    ]);
    assert!(lines.len() >= 5_000);
    let pasted = lines.join("\r\n");
    let started = std::time::Instant::now();
    let res = app
        .rpc(
            &cast.owner.0,
            "add_group_members",
            &[
                ("slug", "referencegruppen"),
                ("emails", &pasted),
                ("role", "reader"),
            ],
        )
        .await;
    let status = res.status();
    let outcome = json(res).await;
    eprintln!("pasting {} lines took {:?}", lines.len(), started.elapsed());
    assert_eq!(status, StatusCode::OK, "{outcome}");
    assert_eq!(outcome["added"].as_array().expect("added").len(), 4_000);
    assert_eq!(outcome["added"][0], "kollega0@aarhus.dk");
    assert_eq!(outcome["unknown"].as_array().expect("unknown").len(), 900);
    assert_eq!(
        outcome["already_members"],
        serde_json::json!(["medlem@kk.dk"])
    );
    let malformed = outcome["malformed"].as_array().expect("malformed");
    assert_eq!(malformed.len(), 98);
    assert!(malformed.iter().any(|m| m == "ikke en adresse 7"));
    let readers: i64 = sqlx::query_scalar(
        "select count(*) from group_members where group_id = $1 and role = 'reader'",
    )
    .bind(cast.group)
    .fetch_one(&app.db)
    .await
    .expect("count");
    assert_eq!(readers, 4_000);
    // Nobody was invited.
    let users: i64 = sqlx::query_scalar("select count(*) from users")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(users, 4_005);
    // The audit rows name every account added.
    let audited: usize = app
        .audit_details("member_add")
        .await
        .iter()
        .map(|d| {
            d.split_once("users=")
                .map_or(0, |(_, ids)| ids.split(',').count())
        })
        .sum();
    assert_eq!(audited, 4_000);

    // Pasting the same list again adds nobody and changes no role.
    let again = json(
        app.rpc(
            &cast.owner.0,
            "add_group_members",
            &[
                ("slug", "referencegruppen"),
                ("emails", &pasted),
                ("role", "owner"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(again["added"].as_array().expect("added").len(), 0);
    assert_eq!(
        again["already_members"].as_array().expect("already").len(),
        4_001
    );
    assert_eq!(
        app.role_in(cast.group, cast.member.1).await.as_deref(),
        Some("member")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_archived_group_is_hidden_and_read_only_until_an_admin_restores_it() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let res = app
        .rpc(
            &cast.member.0,
            "archive_group",
            &[("slug", "referencegruppen")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app
        .rpc(
            &cast.owner.0,
            "archive_group",
            &[("slug", "referencegruppen")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    // Hidden from its members' lists and pages.
    for client in [&cast.owner.0, &cast.member.0] {
        let mine = json(app.rpc(client, "my_groups", &[]).await).await;
        assert_eq!(mine, serde_json::json!([]));
        let res = app
            .rpc(client, "group", &[("slug", "referencegruppen")])
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let res = app.get(client, "/groups/referencegruppen").await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
    // Its owner can no longer change it, nor restore it.
    for (name, form) in [
        (
            "edit_group",
            vec![
                ("slug", "referencegruppen"),
                ("name", "X"),
                ("description", ""),
                ("default_tlp", "amber"),
            ],
        ),
        (
            "add_group_members",
            vec![
                ("slug", "referencegruppen"),
                ("emails", "leder@aarhus.dk"),
                ("role", "member"),
            ],
        ),
        ("restore_group", vec![("slug", "referencegruppen")]),
    ] {
        let res = app.rpc(&cast.owner.0, name, &form).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{name} by the owner");
    }
    // Admins see it in their list and on its page, but cannot change it while archived.
    let all = json(app.rpc(&cast.admin.0, "admin_groups", &[]).await).await;
    let listed = all
        .as_array()
        .expect("list")
        .iter()
        .find(|g| g["slug"] == "referencegruppen")
        .expect("listed")
        .clone();
    assert_eq!(listed["archived"], true);
    let page = json(
        app.rpc(&cast.admin.0, "group", &[("slug", "referencegruppen")])
            .await,
    )
    .await;
    assert_eq!(page["archived"], true);
    let res = app
        .rpc(
            &cast.admin.0,
            "edit_group",
            &[
                ("slug", "referencegruppen"),
                ("name", "X"),
                ("description", ""),
                ("default_tlp", "amber"),
            ],
        )
        .await;
    assert_invalid(res, "group", "archived").await;
    let member_id = cast.member.1.0.to_string();
    for (name, form) in [
        (
            "add_group_members",
            vec![
                ("slug", "referencegruppen"),
                ("emails", "leder@aarhus.dk"),
                ("role", "member"),
            ],
        ),
        (
            "set_group_member_role",
            vec![
                ("slug", "referencegruppen"),
                ("user", member_id.as_str()),
                ("role", "owner"),
            ],
        ),
        (
            "remove_group_member",
            vec![("slug", "referencegruppen"), ("user", member_id.as_str())],
        ),
        ("archive_group", vec![("slug", "referencegruppen")]),
    ] {
        let res = app.rpc(&cast.admin.0, name, &form).await;
        assert_invalid(res, "group", "archived").await;
    }
    assert_eq!(
        app.role_in(cast.group, cast.member.1).await.as_deref(),
        Some("member")
    );

    let res = app
        .rpc(
            &cast.admin.0,
            "restore_group",
            &[("slug", "referencegruppen")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let mine = json(app.rpc(&cast.member.0, "my_groups", &[]).await).await;
    assert_eq!(mine[0]["slug"], "referencegruppen");
    assert_eq!(app.audit_details("group_archive").await.len(), 1);
    assert_eq!(app.audit_details("group_restore").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_group_input_is_refused_field_by_field_never_with_a_500() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let long = "x".repeat(10_000);
    let create = |slug: &'static str, name: String, tlp: &'static str| {
        vec![
            ("slug", slug.to_string()),
            ("name", name),
            ("description", String::new()),
            ("default_tlp", tlp.to_string()),
        ]
    };
    let as_refs =
        |form: &Vec<(&'static str, String)>| -> Vec<(&'static str, String)> { form.clone() };
    for (form, field, reason) in [
        (create("ny", long.clone(), "amber"), "name", "too_long"),
        (create("ny", "  ".into(), "amber"), "name", "required"),
        (
            create("ny", "Gruppe\u{202E}nepo".into(), "amber"),
            "name",
            "hidden_characters",
        ),
        (
            create("referencegruppen", "Igen".into(), "amber"),
            "slug",
            "taken",
        ),
        (
            create("Ny Gruppe", "Ny".into(), "amber"),
            "slug",
            "malformed",
        ),
        (create("ny", "Ny".into(), "white"), "default_tlp", "unknown"),
    ] {
        let form = as_refs(&form);
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = app.rpc(&cast.admin.0, "create_group", &pairs).await;
        assert_invalid(res, field, reason).await;
    }
    let res = app
        .rpc(
            &cast.owner.0,
            "edit_group",
            &[
                ("slug", "referencegruppen"),
                ("name", &long),
                ("description", ""),
                ("default_tlp", "amber"),
            ],
        )
        .await;
    assert_invalid(res, "name", "too_long").await;
    let res = app
        .rpc(
            &cast.owner.0,
            "edit_group",
            &[
                ("slug", "referencegruppen"),
                ("name", "Ok"),
                ("description", &"d".repeat(5_000)),
                ("default_tlp", "amber"),
            ],
        )
        .await;
    assert_invalid(res, "description", "too_long").await;
    for emails in ["", " \n ;, "] {
        let res = app
            .rpc(
                &cast.owner.0,
                "add_group_members",
                &[
                    ("slug", "referencegruppen"),
                    ("emails", emails),
                    ("role", "member"),
                ],
            )
            .await;
        assert_invalid(res, "emails", "required").await;
    }
    let res = app
        .rpc(
            &cast.owner.0,
            "add_group_members",
            &[
                ("slug", "referencegruppen"),
                ("emails", "leder@aarhus.dk"),
                ("role", "boss"),
            ],
        )
        .await;
    assert_invalid(res, "group_role", "unknown").await;
    let res = app
        .rpc(
            &cast.owner.0,
            "set_group_member_role",
            &[
                ("slug", "referencegruppen"),
                ("user", "not-a-number"),
                ("role", "member"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // A person who is not a member is not found, whatever their id.
    let res = app
        .rpc(
            &cast.owner.0,
            "set_group_member_role",
            &[
                ("slug", "referencegruppen"),
                ("user", "999999"),
                ("role", "member"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // The owner cannot demote themselves when they are the only owner.
    let owner_id = cast.owner.1.0.to_string();
    let res = app
        .rpc(
            &cast.owner.0,
            "set_group_member_role",
            &[
                ("slug", "referencegruppen"),
                ("user", &owner_id),
                ("role", "member"),
            ],
        )
        .await;
    assert_invalid(res, "group_role", "last_owner").await;
    // One malformed or unknown address is listed back, not an error.
    let outcome = json(
        app.rpc(
            &cast.owner.0,
            "add_group_members",
            &[
                ("slug", "referencegruppen"),
                ("emails", "ikke-en-adresse"),
                ("role", "member"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(outcome["malformed"], serde_json::json!(["ikke-en-adresse"]));
}

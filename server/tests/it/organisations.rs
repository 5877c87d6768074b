//! Organisations (issue 4, point 1): the searchable list for admins and organisation
//! admins, editing and adding organisations (admins), and bad input.

use crate::helpers::*;
use reqwest::StatusCode;
use vaern_core::policy::PlatformRole;

const STIX: &str = "identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";

/// A server function, its form, and the status each person gets.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, [StatusCode; 3]);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_gets_the_answer_the_access_table_gives_for_organisations() {
    let app = spawn_app().await;
    let (admin, _, _) = app
        .signed_in_with_second_factor("kl", "admin@kl.dk", PlatformRole::Admin, false)
        .await;
    let (org_admin, _, _) = app
        .signed_in_with_second_factor("751", "leder@aarhus.dk", PlatformRole::Member, true)
        .await;
    // With a second factor: requiring one of Aarhus signs out those who have none.
    let (member, _, _) = app
        .signed_in_with_second_factor("751", "bo@aarhus.dk", PlatformRole::Member, false)
        .await;
    let ok = StatusCode::OK;
    let missing = StatusCode::NOT_FOUND;
    let cases: Vec<Case<'_>> = vec![
        ("organisations", vec![], [ok, ok, missing]),
        ("organisations", vec![("org", "751")], [ok, ok, missing]),
        // An organisation admin opens only its own organisation for editing.
        (
            "organisations",
            vec![("org", "101")],
            [ok, missing, missing],
        ),
        (
            "set_org_second_factor",
            vec![("org", "751"), ("required", "on")],
            [ok, ok, missing],
        ),
        (
            "set_org_second_factor",
            vec![("org", "101"), ("required", "on")],
            [ok, missing, missing],
        ),
        (
            "edit_organisation",
            vec![
                ("org", "751"),
                ("name", "Aarhus Kommune"),
                ("kind", "municipality"),
                ("stix_identity_id", STIX),
            ],
            [ok, missing, missing],
        ),
        (
            "create_organisation",
            vec![
                ("code", "cfcs"),
                ("name", "Center for Cybersikkerhed"),
                ("kind", "state"),
                ("region", ""),
                ("stix_identity_id", ""),
            ],
            [ok, missing, missing],
        ),
    ];
    for (name, form, expected) in &cases {
        for (i, (label, client)) in [
            ("admin", &admin),
            ("org admin", &org_admin),
            ("member", &member),
        ]
        .iter()
        .enumerate()
        .rev()
        {
            let res = app.rpc(client, name, form).await;
            let status = res.status();
            let body = res.text().await.unwrap_or_default();
            assert_eq!(status, expected[i], "{name} {form:?} as {label}: {body}");
        }
    }
    let res = app.get(&member, "/admin/organisations").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app.get(&org_admin, "/admin/organisations").await;
    assert_eq!(res.status(), StatusCode::OK);

    // The edit and the new organisation are stored and audited by id.
    let stix: Option<String> =
        sqlx::query_scalar("select stix_identity_id from organisations where code = '751'")
            .fetch_one(&app.db)
            .await
            .expect("query");
    assert_eq!(stix.as_deref(), Some(STIX));
    let kind: String = sqlx::query_scalar("select kind from organisations where code = 'cfcs'")
        .fetch_one(&app.db)
        .await
        .expect("created");
    assert_eq!(kind, "state");
    app.audit_chained().await;
    for action in ["org_edit", "org_create"] {
        let rows: i64 = sqlx::query_scalar(
            "select count(*) from audit_log where action = $1 and subject_kind = 'organisation'",
        )
        .bind(action)
        .fetch_one(&app.db)
        .await
        .expect("count");
        assert_eq!(rows, 1, "{action}");
    }

    // Organisation admins see the list, but no other organisation's STIX identity.
    let list = json(
        app.rpc(&org_admin, "organisations", &[("q", "aarhus")])
            .await,
    )
    .await;
    assert_eq!(list["is_admin"], false);
    assert_eq!(list["orgs"][0]["stix_identity_id"], STIX);
    let res = app
        .rpc(
            &admin,
            "edit_organisation",
            &[
                ("org", "101"),
                ("name", "Københavns Kommune"),
                ("kind", "municipality"),
                (
                    "stix_identity_id",
                    "identity--00000000-0000-4000-8000-000000000101",
                ),
            ],
        )
        .await;
    assert_eq!(res.status(), ok);
    let list = json(
        app.rpc(&org_admin, "organisations", &[("q", "københavn")])
            .await,
    )
    .await;
    assert_eq!(list["orgs"][0]["code"], "101");
    assert!(list["orgs"][0]["stix_identity_id"].is_null());
    let list = json(
        app.rpc(&admin, "organisations", &[("q", "københavn")])
            .await,
    )
    .await;
    assert_eq!(
        list["orgs"][0]["stix_identity_id"],
        "identity--00000000-0000-4000-8000-000000000101"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seeded_organisations_are_searchable_by_name_code_region_and_kind() {
    let app = spawn_app().await;
    let (admin, _, _) = app
        .signed_in_with_second_factor("kl", "admin@kl.dk", PlatformRole::Admin, false)
        .await;
    let codes = |v: &serde_json::Value| -> Vec<String> {
        v["orgs"]
            .as_array()
            .expect("orgs")
            .iter()
            .map(|o| o["code"].as_str().expect("code").to_string())
            .collect()
    };
    let all = json(app.rpc(&admin, "organisations", &[]).await).await;
    assert_eq!(codes(&all).len(), 98 + 5 + 2);
    let regions = json(
        app.rpc(&admin, "organisations", &[("kind", "region")])
            .await,
    )
    .await;
    assert_eq!(codes(&regions).len(), 5);
    assert_eq!(all["regions"].as_array().expect("regions").len(), 5);
    let by_name = json(app.rpc(&admin, "organisations", &[("q", "ÅRHUS")]).await).await;
    assert!(codes(&by_name).is_empty(), "no such spelling");
    let by_name = json(app.rpc(&admin, "organisations", &[("q", "AARHUS")]).await).await;
    assert_eq!(codes(&by_name), vec!["751"]);
    let by_code = json(app.rpc(&admin, "organisations", &[("q", "soc")]).await).await;
    assert!(codes(&by_code).contains(&"soc".to_string()));
    let by_region = json(
        app.rpc(
            &admin,
            "organisations",
            &[("q", "nordjylland"), ("kind", "municipality")],
        )
        .await,
    )
    .await;
    assert_eq!(
        codes(&by_region).len(),
        11,
        "the municipalities of Region Nordjylland"
    );
    assert!(
        by_region["orgs"]
            .as_array()
            .expect("orgs")
            .iter()
            .all(|o| o["region_name"] == "Region Nordjylland")
    );
    let by_kind = json(
        app.rpc(&admin, "organisations", &[("q", "analysis_centre")])
            .await,
    )
    .await;
    assert_eq!(codes(&by_kind), vec!["soc"]);
    let res = app
        .rpc(&admin, "organisations", &[("kind", "planet")])
        .await;
    assert_invalid(res, "kind", "unknown").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_organisation_input_is_refused_field_by_field_never_with_a_500() {
    let app = spawn_app().await;
    let (admin, _, _) = app
        .signed_in_with_second_factor("kl", "admin@kl.dk", PlatformRole::Admin, false)
        .await;
    let long = "x".repeat(10_000);
    let create = |code: &'static str,
                  name: &str,
                  kind: &'static str,
                  region: &'static str,
                  stix: &'static str| {
        vec![
            ("code", code.to_string()),
            ("name", name.to_string()),
            ("kind", kind.to_string()),
            ("region", region.to_string()),
            ("stix_identity_id", stix.to_string()),
        ]
    };
    let res = app
        .rpc(
            &admin,
            "edit_organisation",
            &[
                ("org", "751"),
                ("name", "Aarhus Kommune"),
                ("kind", "municipality"),
                ("stix_identity_id", STIX),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    for (form, field, reason) in [
        (
            create("kl", "KL igen", "association", "", ""),
            "org_code",
            "taken",
        ),
        (create("", "Ny", "state", "", ""), "org_code", "required"),
        (
            create("Ny Kode", "Ny", "state", "", ""),
            "org_code",
            "malformed",
        ),
        (create("ny", &long, "state", "", ""), "name", "too_long"),
        (create("ny", " ", "state", "", ""), "name", "required"),
        (create("ny", "Ny", "planet", "", ""), "kind", "unknown"),
        (
            create("ny", "Ny", "municipality", "9999", ""),
            "region",
            "unknown",
        ),
        (
            create("ny", "Ny", "municipality", "751", ""),
            "region",
            "unknown",
        ),
        (
            create("ny", "Ny", "state", "", "identity--123"),
            "stix_identity_id",
            "malformed",
        ),
        (
            create("ny", "Ny", "state", "", STIX),
            "stix_identity_id",
            "taken",
        ),
    ] {
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = app.rpc(&admin, "create_organisation", &pairs).await;
        assert_invalid(res, field, reason).await;
    }
    for (form, field, reason) in [
        (
            vec![("org", "9999"), ("name", "X"), ("kind", "state")],
            "org",
            "unknown",
        ),
        (
            vec![
                ("org", "101"),
                ("name", long.as_str()),
                ("kind", "municipality"),
            ],
            "name",
            "too_long",
        ),
        (
            vec![
                ("org", "101"),
                ("name", "X"),
                ("kind", "municipality"),
                ("stix_identity_id", "not-stix"),
            ],
            "stix_identity_id",
            "malformed",
        ),
        (
            vec![
                ("org", "101"),
                ("name", "X"),
                ("kind", "municipality"),
                ("stix_identity_id", STIX),
            ],
            "stix_identity_id",
            "taken",
        ),
    ] {
        let res = app.rpc(&admin, "edit_organisation", &form).await;
        assert_invalid(res, field, reason).await;
    }
    let organisations: i64 = sqlx::query_scalar("select count(*) from organisations")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(organisations, 105, "nothing was added");
}

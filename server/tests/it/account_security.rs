//! Account security (issue 3): invitations and reset links, password rules, the second
//! factor and its throttle, the session list, and managing other people's accounts.

use crate::helpers::*;
use reqwest::{Client, StatusCode};
use std::time::Duration;
use vaern_core::accounts::MailLocale;
use vaern_core::accounts::management::{self, Invitation};
use vaern_core::ids::UserId;
use vaern_core::orgs;
use vaern_core::policy::PlatformRole;

/// A password that breaks none of the rules for anyone in these tests.
const GOOD_PASSWORD: &str = "violet harbour lantern";

impl TestApp {
    /// Invites a person the way the operator's command line does, and returns the
    /// account and the link's token.
    async fn invite_directly(
        &self,
        email: &str,
        name: &str,
        role: PlatformRole,
    ) -> (UserId, String) {
        let org = orgs::find_by_code(&self.db, "751").await.expect("Aarhus");
        let invited = management::invite(
            &self.db,
            &self.audit(),
            None,
            Invitation {
                email: email.into(),
                name: name.into(),
                org_id: org.id,
                role,
                org_admin: false,
                locale: MailLocale::Da,
            },
            "command line",
        )
        .await
        .expect("invited");
        (invited.user_id, invited.token)
    }

    async fn use_link(&self, client: &Client, token: &str, password: &str) -> reqwest::Response {
        self.rpc(
            client,
            "use_link",
            &[
                ("token", token),
                ("new_password", password),
                ("confirm_password", password),
            ],
        )
        .await
    }

    async fn invite(&self, client: &Client, form: &[(&str, &str)]) -> reqwest::Response {
        self.rpc(client, "invite", form).await
    }

    async fn user_count(&self) -> i64 {
        sqlx::query_scalar("select count(*) from users")
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    async fn status_of(&self, user: UserId) -> String {
        sqlx::query_scalar("select status from users where id = $1")
            .bind(user)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    async fn user_id(&self, email: &str) -> Option<UserId> {
        sqlx::query_scalar("select id from users where email = $1")
            .bind(email)
            .fetch_optional(&self.db)
            .await
            .unwrap()
    }

    /// The sessions listed on the account page of `client`.
    async fn sessions_of(&self, client: &Client) -> Vec<serde_json::Value> {
        let res = self.rpc(client, "security", &[]).await;
        assert_eq!(res.status(), StatusCode::OK);
        json(res).await["sessions"]
            .as_array()
            .expect("a session list")
            .clone()
    }
}

fn invitation<'a>(
    name: &'a str,
    email: &'a str,
    org: &'a str,
    role: &'a str,
) -> Vec<(&'static str, &'a str)> {
    vec![
        ("name", name),
        ("email", email),
        ("org", org),
        ("role", role),
        ("language", "da"),
    ]
}

/// Sleeps until just after the next whole second, so that the next few quick requests
/// fall within one second of the server's clock (the throttle counts whole seconds).
async fn start_of_a_second() {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let to_next = Duration::from_nanos(1_000_000_000 - u64::from(since_epoch.subsec_nanos()));
    tokio::time::sleep(to_next + Duration::from_millis(20)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_invites_a_member_who_chooses_a_password_through_the_mailed_link_and_is_signed_in()
{
    let app = spawn_app_with(Options::with_mail()).await;
    let (admin, _, _) = app
        .signed_in_with_second_factor("751", "admin@aarhus.dk", PlatformRole::Admin, false)
        .await;
    let res = app
        .invite(
            &admin,
            &invitation("Mette Lund", "Mette.Lund@Aarhus.dk", "751", "member"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let issued = json(res).await;
    assert_eq!(issued["mailed"], true);
    let shown_link = issued["link"].as_str().unwrap().to_string();
    assert!(
        shown_link.starts_with(&format!("{}/link/", app.url)),
        "{shown_link}"
    );

    let mails = app.mails();
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert!(mail.contains("To: mette.lund@aarhus.dk"), "{mail}");
    assert!(mail.contains("Hej Mette Lund"), "{mail}");
    let token = link_token(mail);
    assert_eq!(token.len(), 43, "{mail}");
    assert!(
        mail.contains(&format!("{}/link/{token}", app.url)),
        "{mail}"
    );
    assert_eq!(link_token(&shown_link), token);

    let invitee = browser();
    let page = app.get(&invitee, &format!("/link/{token}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("Mette Lund, vælg en adgangskode til din konto mette.lund@aarhus.dk."),
        "the page greets the invitee"
    );
    assert!(!app.is_signed_in(&invitee).await);

    let res = app.use_link(&invitee, &token, GOOD_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(location(&res).as_deref(), Some("/"));
    assert!(app.is_signed_in(&invitee).await);
    let member = app.user_id("mette.lund@aarhus.dk").await.unwrap();
    assert_eq!(app.status_of(member).await, "active");
    // The chosen password is the account's password from now on.
    let later = browser();
    let res = app
        .sign_in(&later, "mette.lund@aarhus.dk", GOOD_PASSWORD)
        .await;
    assert_eq!(location(&res).as_deref(), Some("/"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invited_analyst_must_enrol_a_second_factor_before_the_first_session_and_sees_the_recovery_codes_once()
 {
    let app = spawn_app_with(Options::with_mail()).await;
    let (admin, _, _) = app
        .signed_in_with_second_factor("751", "admin@aarhus.dk", PlatformRole::Admin, false)
        .await;
    let res = app
        .invite(
            &admin,
            &invitation("Ane Analytiker", "ane@aarhus.dk", "751", "analyst"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let token = link_token(&app.newest_mail());

    let analyst = browser();
    let res = app.use_link(&analyst, &token, GOOD_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(location(&res).as_deref(), Some("/sign-in/enrol"));
    assert!(
        !app.is_signed_in(&analyst).await,
        "a link never passes the second factor"
    );
    // Nothing that needs a session works yet.
    assert_eq!(
        app.rpc(&analyst, "fresh_recovery_codes", &[])
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );

    let res = app.rpc(&analyst, "enrolment", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let enrolment = json(res).await;
    let secret = enrolment["secret"].as_str().unwrap().to_string();
    assert_eq!(enrolment["required"], true);
    assert_eq!(enrolment["needs_password"], false);
    assert!(enrolment["qr_svg"].as_str().unwrap().contains("<svg"));
    // Reloading the page shows the same secret.
    let again = json(app.rpc(&analyst, "enrolment", &[]).await).await;
    assert_eq!(again["secret"].as_str(), Some(secret.as_str()));

    assert_invalid(
        app.rpc(&analyst, "enrol", &[("code", &wrong_code(&secret))])
            .await,
        "code",
        "wrong",
    )
    .await;
    assert!(!app.is_signed_in(&analyst).await);
    let res = app
        .rpc(&analyst, "enrol", &[("code", &totp_now(&secret))])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(location(&res).as_deref(), Some("/account/recovery-codes"));
    assert!(app.is_signed_in(&analyst).await);

    let res = app.rpc(&analyst, "fresh_recovery_codes", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let codes = json(res).await;
    let codes = codes.as_array().unwrap();
    assert_eq!(codes.len(), 10);
    for code in codes {
        let code = code.as_str().unwrap();
        assert_eq!(code.len(), 11, "{code}");
        assert_eq!(&code[5..6], "-", "{code}");
    }
    let res = app.rpc(&analyst, "fresh_recovery_codes", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(json(res).await, serde_json::json!([]));

    // From now on signing in asks for a code.
    let res = app
        .sign_in(&browser(), "ane@aarhus.dk", GOOD_PASSWORD)
        .await;
    assert_eq!(location(&res).as_deref(), Some("/sign-in/code"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_used_tampered_and_truncated_links_are_refused_each_with_its_reason() {
    let app = spawn_app().await;
    let (expired_user, expired) = app
        .invite_directly("udloebet@aarhus.dk", "Ulla Udløbet", PlatformRole::Member)
        .await;
    let (_, token) = app
        .invite_directly("brugt@aarhus.dk", "Bent Brugt", PlatformRole::Member)
        .await;

    sqlx::query("update account_links set expires_at = $1 where user_id = $2")
        .bind(vaern_core::clock::now() - 1)
        .bind(expired_user)
        .execute(&app.db)
        .await
        .unwrap();
    assert_invalid(
        app.use_link(&browser(), &expired, GOOD_PASSWORD).await,
        "link",
        "expired",
    )
    .await;
    assert_invalid(
        app.rpc(&browser(), "link_info", &[("token", &expired)])
            .await,
        "link",
        "expired",
    )
    .await;
    let page = app.get(&browser(), &format!("/link/{expired}")).await;
    assert!(page.text().await.unwrap().contains("Linket er udløbet."));
    assert_eq!(app.status_of(expired_user).await, "invited");

    // One character changed, one cut off, one too many, and rubbish: never issued.
    let mut tampered: Vec<char> = token.chars().collect();
    tampered[20] = if tampered[20] == 'A' { 'B' } else { 'A' };
    let tampered: String = tampered.into_iter().collect();
    let truncated = &token[..token.len() - 1];
    let extended = format!("{token}A");
    let huge = "A".repeat(10_000);
    for bad in [
        tampered.as_str(),
        truncated,
        extended.as_str(),
        "",
        "../../etc/passwd",
        huge.as_str(),
    ] {
        assert_invalid(
            app.use_link(&browser(), bad, GOOD_PASSWORD).await,
            "link",
            "unknown",
        )
        .await;
    }

    // None of that used the real link up.
    let first = browser();
    let res = app.use_link(&first, &token, GOOD_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(location(&res).as_deref(), Some("/"));

    let reuse = app
        .use_link(&browser(), &token, "another good passphrase")
        .await;
    assert_invalid(reuse, "link", "used").await;
    assert_invalid(
        app.rpc(&browser(), "link_info", &[("token", &token)]).await,
        "link",
        "used",
    )
    .await;
    // The password chosen first is still the one that works.
    let res = app
        .sign_in(&browser(), "brugt@aarhus.dk", "another good passphrase")
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = app
        .sign_in(&browser(), "brugt@aarhus.dk", GOOD_PASSWORD)
        .await;
    assert_eq!(location(&res).as_deref(), Some("/"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_link_for_the_same_person_ends_the_earlier_one() {
    let app = spawn_app().await;
    let (user, first) = app
        .invite_directly("mette@aarhus.dk", "Mette Lund", PlatformRole::Member)
        .await;
    // The operator's new link for an account never activated is a fresh invitation.
    let (again, issued) =
        management::operator_link(&app.db, &app.audit(), "mette@aarhus.dk", "command line")
            .await
            .unwrap();
    assert_eq!(again, user);
    assert_eq!(
        issued.purpose,
        vaern_core::accounts::links::Purpose::Invitation
    );
    let admin_like = issued.token;
    assert_invalid(
        app.use_link(&browser(), &first, GOOD_PASSWORD).await,
        "link",
        "used",
    )
    .await;
    let res = app.use_link(&browser(), &admin_like, GOOD_PASSWORD).await;
    assert_eq!(location(&res).as_deref(), Some("/"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_passwords_that_are_short_common_or_built_from_the_email_or_name_are_refused_with_the_reason()
 {
    let app = spawn_app().await;
    let (_, token) = app
        .invite_directly(
            "mette.lund@aarhus.dk",
            "Mette Bo Lundgaard",
            PlatformRole::Member,
        )
        .await;
    let client = browser();
    // A member without a second factor needs 15 characters.
    for (password, reason) in [
        ("violet harbour", "too_short_15"),
        ("123456789987654321", "common"),
        ("xx-Mette.Lund-violet", "contains_email"),
        ("violet LUNDGAARD harbour", "contains_name"),
        ("violet harbour mette", "contains_name"),
    ] {
        assert_invalid(
            app.use_link(&client, &token, password).await,
            "new_password",
            reason,
        )
        .await;
    }
    let res = app
        .rpc(
            &client,
            "use_link",
            &[
                ("token", &token),
                ("new_password", GOOD_PASSWORD),
                ("confirm_password", "violet harbour lanterns"),
            ],
        )
        .await;
    assert_invalid(res, "confirm_password", "mismatch").await;
    assert!(!app.is_signed_in(&client).await);

    // A name part shorter than four letters may appear; the refusals kept the link.
    let res = app
        .use_link(&client, &token, "violet bo harbour lantern")
        .await;
    assert_eq!(location(&res).as_deref(), Some("/"));
    assert!(app.is_signed_in(&client).await);

    let change = |current: &'static str, new: &'static str| {
        let client = client.clone();
        let app = &app;
        async move {
            app.rpc(
                &client,
                "change_password",
                &[
                    ("current_password", current),
                    ("new_password", new),
                    ("confirm_password", new),
                ],
            )
            .await
        }
    };
    let current = "violet bo harbour lantern";
    assert_invalid(
        change(current, "fourteen chars").await,
        "new_password",
        "too_short_15",
    )
    .await;
    assert_invalid(
        change(current, "123456789987654321").await,
        "new_password",
        "common",
    )
    .await;
    assert_invalid(
        change(current, "my mette.lund password").await,
        "new_password",
        "contains_email",
    )
    .await;
    assert_invalid(
        change(current, "lundgaard violet harbour").await,
        "new_password",
        "contains_name",
    )
    .await;
    let ok = change(current, GOOD_PASSWORD).await;
    assert_eq!(ok.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_with_a_second_factor_need_twelve_characters_and_no_common_password() {
    let app = spawn_app().await;
    let (client, _, _) = app
        .signed_in_with_second_factor("751", "ane@aarhus.dk", PlatformRole::Analyst, false)
        .await;
    let change = |new: &'static str| {
        let client = client.clone();
        let app = &app;
        async move {
            app.rpc(
                &client,
                "change_password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", new),
                    ("confirm_password", new),
                ],
            )
            .await
        }
    };
    assert_invalid(change("elevenchars").await, "new_password", "too_short_12").await;
    assert_invalid(change("qwertyqwerty").await, "new_password", "common").await;
    assert_invalid(
        change("xx ane 2026 yy").await,
        "new_password",
        "contains_email",
    )
    .await;
    let res = change("twelve chars").await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_totp_code_signs_in_once_and_a_recovery_code_works_once() {
    let app = spawn_app().await;
    let user = app
        .create_user("ane@aarhus.dk", PlatformRole::Analyst)
        .await;
    let secret = app.give_second_factor(user).await;

    // Spaces as an authenticator app shows them are fine.
    let first = browser();
    let res = app.sign_in(&first, "ane@aarhus.dk", PASSWORD).await;
    assert_eq!(location(&res).as_deref(), Some("/sign-in/code"));
    assert!(!app.is_signed_in(&first).await, "not before the code");
    let code = totp_now(&secret);
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let res = app.rpc(&first, "submit_code", &[("code", &spaced)]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(location(&res).as_deref(), Some("/"));
    assert!(app.is_signed_in(&first).await);

    // The same code again, in another browser: a replay.
    let second = browser();
    let res = app.sign_in(&second, "ane@aarhus.dk", PASSWORD).await;
    assert_eq!(location(&res).as_deref(), Some("/sign-in/code"));
    assert_invalid(
        app.rpc(&second, "submit_code", &[("code", &code)]).await,
        "code",
        "wrong",
    )
    .await;
    assert!(!app.is_signed_in(&second).await);
    // Codes of the wrong shape are refused as such, not as a server error.
    for malformed in ["12345", "1234567", "12345a", "abc", &"9".repeat(5000)] {
        assert_invalid(
            app.rpc(&second, "submit_code", &[("code", malformed)])
                .await,
            "code",
            "malformed",
        )
        .await;
    }
    assert_invalid(
        app.rpc(&second, "submit_code", &[("code", "  ")]).await,
        "code",
        "required",
    )
    .await;
    // A later code still works.
    let res = app
        .rpc(&second, "submit_code", &[("code", &totp_next(&secret))])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(app.is_signed_in(&second).await);

    // Recovery codes, made fresh by the signed-in person.
    let res = app
        .rpc(
            &second,
            "renew_recovery_codes",
            &[("current_password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let codes = json(app.rpc(&second, "fresh_recovery_codes", &[]).await).await;
    let recovery = codes[0].as_str().unwrap().to_uppercase();

    let third = browser();
    app.sign_in(&third, "ane@aarhus.dk", PASSWORD).await;
    let res = app.rpc(&third, "submit_code", &[("code", &recovery)]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(app.is_signed_in(&third).await);

    let fourth = browser();
    app.sign_in(&fourth, "ane@aarhus.dk", PASSWORD).await;
    assert_invalid(
        app.rpc(&fourth, "submit_code", &[("code", &recovery)])
            .await,
        "code",
        "wrong",
    )
    .await;
    assert!(!app.is_signed_in(&fourth).await);
    let security = json(app.rpc(&third, "security", &[]).await).await;
    assert_eq!(security["recovery_codes_left"], 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_without_a_proven_password_is_refused() {
    let app = spawn_app().await;
    let user = app
        .create_user("ane@aarhus.dk", PlatformRole::Analyst)
        .await;
    let secret = app.give_second_factor(user).await;
    let client = browser();
    assert_invalid(
        app.rpc(&client, "submit_code", &[("code", &totp_now(&secret))])
            .await,
        "code",
        "expired",
    )
    .await;
    assert!(!app.is_signed_in(&client).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_and_wrong_codes_together_throttle_the_account_even_for_the_right_code() {
    let app = spawn_app().await;
    let user = app
        .create_user("ane@aarhus.dk", PlatformRole::Analyst)
        .await;
    let secret = app.give_second_factor(user).await;
    let client = browser();
    for _ in 0..2 {
        let res = app
            .sign_in(&client, "ane@aarhus.dk", "not my password at all")
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = app.sign_in(&client, "ane@aarhus.dk", PASSWORD).await;
    assert_eq!(location(&res).as_deref(), Some("/sign-in/code"));
    let wrong = wrong_code(&secret);
    for _ in 0..2 {
        assert_invalid(
            app.rpc(&client, "submit_code", &[("code", &wrong)]).await,
            "code",
            "wrong",
        )
        .await;
    }
    // The fifth failure and what follows happen within one second, inside the first
    // (one-second) delay.
    start_of_a_second().await;
    assert_invalid(
        app.rpc(&client, "submit_code", &[("code", &wrong)]).await,
        "code",
        "wrong",
    )
    .await;
    let res = app
        .rpc(&client, "submit_code", &[("code", &totp_now(&secret))])
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.text().await.unwrap().contains("Throttled"));
    assert!(!app.is_signed_in(&client).await);
    let res = app.sign_in(&browser(), "ane@aarhus.dk", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_wrong_codes_after_the_right_password_throttle_the_account() {
    let app = spawn_app().await;
    let user = app
        .create_user("ane@aarhus.dk", PlatformRole::Analyst)
        .await;
    let secret = app.give_second_factor(user).await;
    let client = browser();
    app.sign_in(&client, "ane@aarhus.dk", PASSWORD).await;
    let wrong = wrong_code(&secret);
    for _ in 0..4 {
        assert_invalid(
            app.rpc(&client, "submit_code", &[("code", &wrong)]).await,
            "code",
            "wrong",
        )
        .await;
    }
    start_of_a_second().await;
    assert_invalid(
        app.rpc(&client, "submit_code", &[("code", &wrong)]).await,
        "code",
        "wrong",
    )
    .await;
    let res = app
        .rpc(&client, "submit_code", &[("code", &totp_now(&secret))])
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let res = app.sign_in(&browser(), "ane@aarhus.dk", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(!app.is_signed_in(&client).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_lists_their_sessions_and_ends_one_or_all_the_others() {
    let app = spawn_app().await;
    app.create_user("anne@aarhus.dk", PlatformRole::Member)
        .await;
    let a = browser();
    let b = browser();
    for client in [&a, &b] {
        let res = app.sign_in(client, "anne@aarhus.dk", PASSWORD).await;
        assert_eq!(location(&res).as_deref(), Some("/"));
    }
    let sessions = app.sessions_of(&a).await;
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    let current: Vec<_> = sessions.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1, "{sessions:?}");
    let other = sessions.iter().find(|s| s["current"] == false).unwrap()["handle"]
        .as_str()
        .unwrap()
        .to_string();
    // A handle names a session without being its id, which is a bearer secret.
    assert_eq!(other.len(), 32, "{other}");
    let ids: Vec<String> = sqlx::query_scalar("select id from user_sessions")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert!(ids.iter().all(|id| !id.contains(&other)));

    let res = app.rpc(&a, "end_session", &[("handle", &other)]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        !app.is_signed_in(&b).await,
        "the ended session is signed out"
    );
    assert!(app.is_signed_in(&a).await);
    assert_eq!(app.sessions_of(&a).await.len(), 1);
    // Ending it again: it is gone.
    assert_eq!(
        app.rpc(&a, "end_session", &[("handle", &other)])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    let c = browser();
    let d = browser();
    for client in [&c, &d] {
        app.sign_in(client, "anne@aarhus.dk", PASSWORD).await;
        assert!(app.is_signed_in(client).await);
    }
    assert_eq!(app.sessions_of(&a).await.len(), 3);
    let res = app.rpc(&a, "end_other_sessions", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!app.is_signed_in(&c).await);
    assert!(!app.is_signed_in(&d).await);
    assert!(app.is_signed_in(&a).await);
    assert_eq!(app.sessions_of(&a).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_of_another_person_cannot_be_ended_by_its_handle() {
    let app = spawn_app().await;
    let (anne, _) = app
        .signed_in("751", "anne@aarhus.dk", PlatformRole::Member, false)
        .await;
    let (bo, _) = app
        .signed_in("751", "bo@aarhus.dk", PlatformRole::Member, false)
        .await;
    let bos = app.sessions_of(&bo).await;
    let handle = bos[0]["handle"].as_str().unwrap().to_string();
    let res = app.rpc(&anne, "end_session", &[("handle", &handle)]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(app.is_signed_in(&bo).await);
    for bad in ["", "not a handle", &"f".repeat(10_000)] {
        assert_eq!(
            app.rpc(&anne, "end_session", &[("handle", bad)])
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        app.rpc(&browser(), "end_session", &[("handle", &handle)])
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert!(app.is_signed_in(&bo).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_a_person_ends_their_sessions_at_once_and_only_their_managers_may() {
    let app = spawn_app().await;
    let (org_admin, _) = app
        .signed_in("751", "leder@aarhus.dk", PlatformRole::Member, true)
        .await;
    let (member, member_id) = app
        .signed_in("751", "anne@aarhus.dk", PlatformRole::Member, false)
        .await;
    let (plain, _) = app
        .signed_in("751", "bo@aarhus.dk", PlatformRole::Member, false)
        .await;
    let (elsewhere, elsewhere_id) = app
        .signed_in("101", "karl@kk.dk", PlatformRole::Member, false)
        .await;
    let analyst_id = app
        .create_user("ane@aarhus.dk", PlatformRole::Analyst)
        .await;
    let set_disabled = |client: Client, user: UserId, disabled: &'static str| {
        let app = &app;
        async move {
            app.rpc(
                &client,
                "set_disabled",
                &[("user", &user.0.to_string()), ("disabled", disabled)],
            )
            .await
            .status()
        }
    };

    // A plain member manages nobody.
    let status = set_disabled(plain.clone(), member_id, "true").await;
    assert!(
        status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN,
        "{status}"
    );
    assert!(app.is_signed_in(&member).await);

    // The organisation admin: not elsewhere, not an analyst.
    assert_eq!(
        set_disabled(org_admin.clone(), elsewhere_id, "true").await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.status_of(elsewhere_id).await, "active");
    assert!(app.is_signed_in(&elsewhere).await);
    assert_eq!(
        set_disabled(org_admin.clone(), analyst_id, "true").await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.status_of(analyst_id).await, "active");
    // Nor someone who does not exist.
    assert_eq!(
        set_disabled(org_admin.clone(), UserId(999_999), "true").await,
        StatusCode::NOT_FOUND
    );

    // But a plain member of their own organisation, at once.
    assert_eq!(
        set_disabled(org_admin.clone(), member_id, "true").await,
        StatusCode::OK
    );
    assert_eq!(app.status_of(member_id).await, "disabled");
    assert!(
        !app.is_signed_in(&member).await,
        "signed out at the next request"
    );
    assert_eq!(
        app.sign_in(&browser(), "anne@aarhus.dk", PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let people = json(app.rpc(&org_admin, "people", &[]).await).await;
    let anne = people["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["email"] == "anne@aarhus.dk")
        .unwrap()
        .clone();
    assert_eq!(anne["status"], "disabled");
    assert_eq!(anne["sessions"], 0);

    // Re-enabled, the person signs in again.
    assert_eq!(
        set_disabled(org_admin.clone(), member_id, "false").await,
        StatusCode::OK
    );
    let res = app.sign_in(&browser(), "anne@aarhus.dk", PASSWORD).await;
    assert_eq!(location(&res).as_deref(), Some("/"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_disables_anyone_but_themselves() {
    let app = spawn_app().await;
    let (admin, admin_id, _) = app
        .signed_in_with_second_factor("751", "admin@aarhus.dk", PlatformRole::Admin, false)
        .await;
    let (elsewhere, elsewhere_id) = app
        .signed_in("101", "karl@kk.dk", PlatformRole::Member, false)
        .await;
    let res = app
        .rpc(
            &admin,
            "set_disabled",
            &[("user", &elsewhere_id.0.to_string()), ("disabled", "true")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!app.is_signed_in(&elsewhere).await);
    let res = app
        .rpc(
            &admin,
            "set_disabled",
            &[("user", &admin_id.0.to_string()), ("disabled", "true")],
        )
        .await;
    assert_invalid(res, "user", "self").await;
    assert!(app.is_signed_in(&admin).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_invitations_are_refused_with_the_reason_and_store_nothing() {
    let app = spawn_app_with(Options::with_mail()).await;
    let (admin, _, _) = app
        .signed_in_with_second_factor("751", "admin@aarhus.dk", PlatformRole::Admin, false)
        .await;
    let (org_admin, _) = app
        .signed_in("751", "leder@aarhus.dk", PlatformRole::Member, true)
        .await;
    let (member, _) = app
        .signed_in("751", "anne@aarhus.dk", PlatformRole::Member, false)
        .await;
    let users_before = app.user_count().await;
    let long_name = "x".repeat(10_000);
    let long_email = format!("{}@aarhus.dk", "x".repeat(10_000));

    for (client, form, field, reason) in [
        (
            &admin,
            invitation("Anne Igen", "Anne@Aarhus.dk", "751", "member"),
            "email",
            "taken",
        ),
        (
            &admin,
            invitation("Anne Igen", "anne.aarhus.dk", "751", "member"),
            "email",
            "malformed",
        ),
        (
            &admin,
            invitation("Anne Igen", &long_email, "751", "member"),
            "email",
            "malformed",
        ),
        (
            &admin,
            invitation("Ny Person", "ny@aarhus.dk", "9999", "member"),
            "org",
            "unknown",
        ),
        (
            &admin,
            invitation("Ny Person", "ny@aarhus.dk", "751", "superuser"),
            "role",
            "unknown",
        ),
        (
            &admin,
            invitation(&long_name, "ny@aarhus.dk", "751", "member"),
            "name",
            "too_long",
        ),
        (
            &admin,
            invitation("   ", "ny@aarhus.dk", "751", "member"),
            "name",
            "required",
        ),
        (
            &org_admin,
            invitation("Ny Person", "ny@aarhus.dk", "751", "analyst"),
            "role",
            "not_allowed",
        ),
        (
            &org_admin,
            invitation("Ny Person", "ny@aarhus.dk", "751", "admin"),
            "role",
            "not_allowed",
        ),
        (
            &org_admin,
            invitation("Ny Person", "ny@kk.dk", "101", "member"),
            "org",
            "not_allowed",
        ),
    ] {
        let res = app.invite(client, &form).await;
        assert_invalid(res, field, reason).await;
    }
    // An organisation admin may not make another organisation admin either.
    let mut form = invitation("Ny Person", "ny@aarhus.dk", "751", "member");
    form.push(("org_admin", "on"));
    assert_invalid(app.invite(&org_admin, &form).await, "role", "not_allowed").await;
    // Plain members and strangers invite nobody.
    let form = invitation("Ny Person", "ny@aarhus.dk", "751", "member");
    assert_eq!(
        app.invite(&member, &form).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.invite(&browser(), &form).await.status(),
        StatusCode::UNAUTHORIZED
    );

    assert_eq!(app.user_count().await, users_before, "nothing half-stored");
    let links: i64 = sqlx::query_scalar("select count(*) from account_links")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(links, 0);
    assert!(app.mails().is_empty());

    // The same invitation from the organisation admin, done right, works.
    let res = app.invite(&org_admin, &form).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.user_count().await, users_before + 1);
    assert_eq!(app.mails().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_resets_a_lost_second_factor_and_the_person_enrols_again() {
    let app = spawn_app().await;
    let (admin, _, _) = app
        .signed_in_with_second_factor("751", "admin@aarhus.dk", PlatformRole::Admin, false)
        .await;
    let (analyst, analyst_id, _) = app
        .signed_in_with_second_factor("751", "ane@aarhus.dk", PlatformRole::Analyst, false)
        .await;
    let (org_admin, _) = app
        .signed_in("751", "leder@aarhus.dk", PlatformRole::Member, true)
        .await;
    let member_id = app
        .create_user("anne@aarhus.dk", PlatformRole::Member)
        .await;
    let member_secret = app.give_second_factor(member_id).await;

    // An organisation admin may not, even for a member of their own organisation.
    let res = app
        .rpc(
            &org_admin,
            "reset_second_factor",
            &[("user", &member_id.0.to_string())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let still: Option<String> = sqlx::query_scalar("select totp_secret from users where id = $1")
        .bind(member_id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(still.as_deref(), Some(member_secret.as_str()));

    let res = app
        .rpc(
            &admin,
            "reset_second_factor",
            &[("user", &analyst_id.0.to_string())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!app.is_signed_in(&analyst).await, "sessions ended");
    let client = browser();
    let res = app.sign_in(&client, "ane@aarhus.dk", PASSWORD).await;
    assert_eq!(location(&res).as_deref(), Some("/sign-in/enrol"));
    assert!(!app.is_signed_in(&client).await);
    let res = app.rpc(&client, "enrolment", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);

    assert_eq!(
        app.rpc(&admin, "reset_second_factor", &[("user", "999999")])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_password_ends_the_other_sessions_only_when_asked_and_needs_the_current_one() {
    let app = spawn_app().await;
    app.create_user("anne@aarhus.dk", PlatformRole::Member)
        .await;
    let a = browser();
    let b = browser();
    for client in [&a, &b] {
        app.sign_in(client, "anne@aarhus.dk", PASSWORD).await;
        assert!(app.is_signed_in(client).await);
    }
    let first = "violet harbour lantern one";
    let second = "violet harbour lantern two";

    assert_invalid(
        app.rpc(
            &a,
            "change_password",
            &[
                ("current_password", "not my password at all"),
                ("new_password", first),
                ("confirm_password", first),
            ],
        )
        .await,
        "current_password",
        "wrong",
    )
    .await;
    assert_invalid(
        app.rpc(
            &a,
            "change_password",
            &[
                ("current_password", ""),
                ("new_password", first),
                ("confirm_password", first),
            ],
        )
        .await,
        "current_password",
        "required",
    )
    .await;

    let res = app
        .rpc(
            &a,
            "change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", first),
                ("confirm_password", first),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(app.is_signed_in(&a).await);
    assert!(app.is_signed_in(&b).await, "kept without the box ticked");

    let res = app
        .rpc(
            &a,
            "change_password",
            &[
                ("current_password", first),
                ("new_password", second),
                ("confirm_password", second),
                ("end_other_sessions", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        app.is_signed_in(&a).await,
        "the session making the change stays"
    );
    assert!(!app.is_signed_in(&b).await, "the others end");
    let res = app.sign_in(&browser(), "anne@aarhus.dk", second).await;
    assert_eq!(location(&res).as_deref(), Some("/"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_an_organisation_requires_a_second_factor_its_members_without_one_are_signed_out_and_enrol_at_the_next_sign_in()
 {
    let app = spawn_app().await;
    let (org_admin, _, _) = app
        .signed_in_with_second_factor("751", "leder@aarhus.dk", PlatformRole::Member, true)
        .await;
    let (plain, _) = app
        .signed_in("751", "bo@aarhus.dk", PlatformRole::Member, false)
        .await;
    let (enrolled, _, _) = app
        .signed_in_with_second_factor("751", "eva@aarhus.dk", PlatformRole::Member, false)
        .await;
    let (elsewhere, _) = app
        .signed_in("101", "kim@kk.dk", PlatformRole::Member, false)
        .await;
    app.create_user("anne@aarhus.dk", PlatformRole::Member)
        .await;
    app.create_user_in("101", "karl@kk.dk", PlatformRole::Member, false)
        .await;

    // Only the organisation's own admin may set it.
    for (client, org) in [(&org_admin, "101"), (&plain, "751"), (&org_admin, "9999")] {
        let res = app
            .rpc(
                client,
                "set_org_second_factor",
                &[("org", org), ("required", "on")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{org}");
    }
    let res = app.sign_in(&browser(), "anne@aarhus.dk", PASSWORD).await;
    assert_eq!(location(&res).as_deref(), Some("/"));

    let res = app
        .rpc(
            &org_admin,
            "set_org_second_factor",
            &[("org", "751"), ("required", "on")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // A session without a second factor ends at once; the others go on.
    assert!(!app.is_signed_in(&plain).await);
    assert!(app.is_signed_in(&enrolled).await);
    assert!(app.is_signed_in(&org_admin).await);
    assert!(app.is_signed_in(&elsewhere).await);
    let client = browser();
    let res = app.sign_in(&client, "anne@aarhus.dk", PASSWORD).await;
    assert_eq!(location(&res).as_deref(), Some("/sign-in/enrol"));
    assert!(!app.is_signed_in(&client).await);
    let enrolment = json(app.rpc(&client, "enrolment", &[]).await).await;
    assert_eq!(enrolment["required"], true);
    // Other organisations are unaffected.
    let res = app.sign_in(&browser(), "karl@kk.dk", PASSWORD).await;
    assert_eq!(location(&res).as_deref(), Some("/"));

    // Lifting the requirement lets the member in with the password again.
    let res = app
        .rpc(&org_admin, "set_org_second_factor", &[("org", "751")])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.sign_in(&browser(), "anne@aarhus.dk", PASSWORD).await;
    assert_eq!(location(&res).as_deref(), Some("/"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_code_that_enrolled_an_authenticator_cannot_be_used_again_to_sign_in() {
    let app = spawn_app().await;
    app.create_user("ane@aarhus.dk", PlatformRole::Analyst)
        .await;
    let client = browser();
    let res = app.sign_in(&client, "ane@aarhus.dk", PASSWORD).await;
    assert_eq!(location(&res).as_deref(), Some("/sign-in/enrol"));
    let secret = json(app.rpc(&client, "enrolment", &[]).await).await["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let code = totp_now(&secret);
    let res = app.rpc(&client, "enrol", &[("code", &code)]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(app.is_signed_in(&client).await);

    let later = browser();
    let res = app.sign_in(&later, "ane@aarhus.dk", PASSWORD).await;
    assert_eq!(location(&res).as_deref(), Some("/sign-in/code"));
    assert_invalid(
        app.rpc(&later, "submit_code", &[("code", &code)]).await,
        "code",
        "wrong",
    )
    .await;
    let res = app
        .rpc(&later, "submit_code", &[("code", &totp_next(&secret))])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(app.is_signed_in(&later).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn someone_halfway_through_signing_in_cannot_enrol_a_new_authenticator_instead_of_giving_the_code()
 {
    let app = spawn_app().await;
    let user = app
        .create_user("ane@aarhus.dk", PlatformRole::Analyst)
        .await;
    let secret = app.give_second_factor(user).await;
    let client = browser();
    let res = app.sign_in(&client, "ane@aarhus.dk", PASSWORD).await;
    assert_eq!(location(&res).as_deref(), Some("/sign-in/code"));
    assert_eq!(
        app.rpc(&client, "enrolment", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let own = vaern_core::accounts::second_factor::new_secret();
    let res = app
        .rpc(&client, "enrol", &[("code", &totp_now(&own))])
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(!app.is_signed_in(&client).await);
    let stored: Option<String> = sqlx::query_scalar("select totp_secret from users where id = $1")
        .bind(user)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored.as_deref(), Some(secret.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_in_member_turns_a_second_factor_on_with_the_current_password_and_off_again() {
    let app = spawn_app().await;
    let (client, _) = app
        .signed_in("751", "anne@aarhus.dk", PlatformRole::Member, false)
        .await;
    let enrolment = json(app.rpc(&client, "enrolment", &[]).await).await;
    assert_eq!(enrolment["needs_password"], true);
    assert_eq!(enrolment["required"], false);
    let secret = enrolment["secret"].as_str().unwrap().to_string();
    let code = totp_now(&secret);
    assert_invalid(
        app.rpc(&client, "enrol", &[("code", &code)]).await,
        "current_password",
        "required",
    )
    .await;
    assert_invalid(
        app.rpc(
            &client,
            "enrol",
            &[
                ("code", &code),
                ("current_password", "not my password at all"),
            ],
        )
        .await,
        "current_password",
        "wrong",
    )
    .await;
    let res = app
        .rpc(
            &client,
            "enrol",
            &[("code", &code), ("current_password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(location(&res).as_deref(), Some("/account/recovery-codes"));
    let codes = json(app.rpc(&client, "fresh_recovery_codes", &[]).await).await;
    assert_eq!(codes.as_array().unwrap().len(), 10);
    let security = json(app.rpc(&client, "security", &[]).await).await;
    assert_eq!(security["second_factor_enrolled"], true);
    assert_eq!(security["recovery_codes_left"], 10);
    let res = app.sign_in(&browser(), "anne@aarhus.dk", PASSWORD).await;
    assert_eq!(location(&res).as_deref(), Some("/sign-in/code"));

    let res = app
        .rpc(
            &client,
            "turn_off_second_factor",
            &[("current_password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.sign_in(&browser(), "anne@aarhus.dk", PASSWORD).await;
    assert_eq!(location(&res).as_deref(), Some("/"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_who_must_use_a_second_factor_cannot_turn_it_off() {
    let app = spawn_app().await;
    let (client, user, _) = app
        .signed_in_with_second_factor("751", "ane@aarhus.dk", PlatformRole::Analyst, false)
        .await;
    assert_invalid(
        app.rpc(
            &client,
            "turn_off_second_factor",
            &[("current_password", PASSWORD)],
        )
        .await,
        "second_factor",
        "required",
    )
    .await;
    let stored: Option<String> = sqlx::query_scalar("select totp_secret from users where id = $1")
        .bind(user)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(stored.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_link_from_an_admin_ends_every_session_and_still_asks_for_the_code() {
    let app = spawn_app_with(Options::with_mail()).await;
    let (admin, _, _) = app
        .signed_in_with_second_factor("751", "admin@aarhus.dk", PlatformRole::Admin, false)
        .await;
    let (analyst, analyst_id, secret) = app
        .signed_in_with_second_factor("751", "ane@aarhus.dk", PlatformRole::Analyst, false)
        .await;
    let res = app
        .rpc(&admin, "new_link", &[("user", &analyst_id.0.to_string())])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(json(res).await["mailed"], true);
    let mail = app.newest_mail();
    assert!(mail.contains("To: ane@aarhus.dk"), "{mail}");
    let token = link_token(&mail);

    let phone = browser();
    let res = app.use_link(&phone, &token, GOOD_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(location(&res).as_deref(), Some("/sign-in/code"));
    assert!(
        !app.is_signed_in(&phone).await,
        "a link never passes the code"
    );
    assert!(!app.is_signed_in(&analyst).await, "earlier sessions end");
    let res = app
        .rpc(&phone, "submit_code", &[("code", &totp_next(&secret))])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(app.is_signed_in(&phone).await);
    assert_eq!(
        app.sign_in(&browser(), "ane@aarhus.dk", PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_password_mail_goes_only_to_a_known_account_and_the_answer_is_the_same_either_way()
 {
    let app = spawn_app_with(Options::with_mail()).await;
    let (old_browser, _) = app
        .signed_in("751", "anne@aarhus.dk", PlatformRole::Member, false)
        .await;
    let known = app
        .rpc(
            &browser(),
            "forgot_password",
            &[("email", "Anne@Aarhus.dk")],
        )
        .await;
    let unknown = app
        .rpc(
            &browser(),
            "forgot_password",
            &[("email", "nobody@aarhus.dk")],
        )
        .await;
    assert_eq!(known.status(), unknown.status());
    assert_eq!(location(&known), location(&unknown));
    assert_eq!(location(&known).as_deref(), Some("/forgot-password?sent=1"));
    assert_eq!(known.text().await.unwrap(), unknown.text().await.unwrap());

    // Mail is sent in the background.
    let mut mails = Vec::new();
    for _ in 0..50 {
        mails = app.mails();
        if !mails.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mails_now = app.mails();
    assert_eq!(mails_now.len(), 1, "one mail, to the known account only");
    assert_eq!(mails, mails_now);
    assert!(mails[0].contains("To: anne@aarhus.dk"));

    // Asking again at once sends nothing more.
    let again = app
        .rpc(
            &browser(),
            "forgot_password",
            &[("email", "anne@aarhus.dk")],
        )
        .await;
    assert_eq!(location(&again).as_deref(), Some("/forgot-password?sent=1"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.mails().len(), 1);

    let client = browser();
    let res = app
        .use_link(&client, &link_token(&mails[0]), GOOD_PASSWORD)
        .await;
    assert_eq!(location(&res).as_deref(), Some("/"));
    assert!(app.is_signed_in(&client).await);
    assert!(!app.is_signed_in(&old_browser).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_mail_a_forgotten_password_cannot_be_reset_by_oneself() {
    let app = spawn_app().await;
    app.create_user("anne@aarhus.dk", PlatformRole::Member)
        .await;
    let res = app
        .rpc(
            &browser(),
            "forgot_password",
            &[("email", "anne@aarhus.dk")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let links: i64 = sqlx::query_scalar("select count(*) from account_links")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(links, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_browsers_racing_with_one_code_sign_in_only_once() {
    let app = spawn_app().await;
    let user = app
        .create_user("ane@aarhus.dk", PlatformRole::Analyst)
        .await;
    let secret = app.give_second_factor(user).await;
    let (a, b) = (browser(), browser());
    for client in [&a, &b] {
        let res = app.sign_in(client, "ane@aarhus.dk", PASSWORD).await;
        assert_eq!(location(&res).as_deref(), Some("/sign-in/code"));
    }
    let code = totp_now(&secret);
    let form = [("code", code.as_str())];
    let (ra, rb) = tokio::join!(
        app.rpc(&a, "submit_code", &form),
        app.rpc(&b, "submit_code", &form),
    );
    let mut statuses = [ra.status(), rb.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::BAD_REQUEST]);
    let signed_in = [app.is_signed_in(&a).await, app.is_signed_in(&b).await];
    assert_eq!(signed_in.iter().filter(|s| **s).count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tabs_racing_with_one_link_succeed_only_once() {
    let app = spawn_app().await;
    let (_, token) = app
        .invite_directly("mette@aarhus.dk", "Mette Lund", PlatformRole::Member)
        .await;
    let (a, b) = (browser(), browser());
    let (ra, rb) = tokio::join!(
        app.use_link(&a, &token, "violet harbour lantern one"),
        app.use_link(&b, &token, "violet harbour lantern two"),
    );
    let (ok, refused) = if ra.status() == StatusCode::OK {
        (("violet harbour lantern one", &a), rb)
    } else {
        (("violet harbour lantern two", &b), ra)
    };
    assert_invalid(refused, "link", "used").await;
    assert!(app.is_signed_in(ok.1).await);
    let res = app.sign_in(&browser(), "mette@aarhus.dk", ok.0).await;
    assert_eq!(location(&res).as_deref(), Some("/"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_with_markup_is_shown_as_text_on_the_link_page() {
    let app = spawn_app().await;
    let (_, token) = app
        .invite_directly(
            "mette@aarhus.dk",
            "<script>alert(1)</script> Mette",
            PlatformRole::Member,
        )
        .await;
    let page = app.get(&browser(), &format!("/link/{token}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(!page.contains("<script>alert(1)"));
    assert!(page.contains("&lt;script&gt;alert(1)"), "shown as text");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proving_another_persons_password_in_a_signed_in_browser_signs_the_first_person_out() {
    let app = spawn_app().await;
    let (client, _, _) = app
        .signed_in_with_second_factor("751", "admin@aarhus.dk", PlatformRole::Admin, false)
        .await;
    // An analyst who must still enrol signs in on the admin's computer.
    app.create_user("ane@aarhus.dk", PlatformRole::Analyst)
        .await;
    let res = app.sign_in(&client, "ane@aarhus.dk", PASSWORD).await;
    assert_eq!(location(&res).as_deref(), Some("/sign-in/enrol"));
    let state = json(app.rpc(&client, "sign_in_state", &[]).await).await;
    let enrolment = json(app.rpc(&client, "enrolment", &[]).await).await;
    assert_eq!(
        (state, enrolment["needs_password"].clone()),
        (
            serde_json::json!("EnrolmentNeeded"),
            serde_json::json!(false)
        ),
        "the browser is halfway through the analyst's sign-in, and the enrolment is theirs"
    );
    assert!(
        !app.is_signed_in(&client).await,
        "the admin's session does not carry on under the analyst's sign-in"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_for_an_account_that_was_ever_active_is_only_mailed_to_its_own_address_never_shown()
{
    let app = spawn_app_with(Options::with_mail()).await;
    let (chief, _, _) = app
        .signed_in_with_second_factor("751", "chef@aarhus.dk", PlatformRole::Member, true)
        .await;
    let (_, member) = app
        .signed_in("751", "anne@aarhus.dk", PlatformRole::Member, false)
        .await;
    let res = app
        .rpc(&chief, "new_link", &[("user", &member.0.to_string())])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.text().await.unwrap();
    assert!(!body.contains("/link/"), "the issuer never sees it: {body}");
    let issued: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(issued["mailed"], true);
    assert!(issued["link"].is_null(), "{body}");
    let mail = app.newest_mail();
    assert!(mail.contains("To: anne@aarhus.dk"), "{mail}");
    assert_eq!(link_token(&mail).len(), 43);

    // A disabled and re-enabled account has still been active.
    for disabled in ["true", "false"] {
        let res = app
            .rpc(
                &chief,
                "set_disabled",
                &[("user", &member.0.to_string()), ("disabled", disabled)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let res = app
        .rpc(&chief, "new_link", &[("user", &member.0.to_string())])
        .await;
    assert!(!res.text().await.unwrap().contains("/link/"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_mail_managers_get_links_only_for_invitations_never_redeemed() {
    let app = spawn_app().await;
    let (admin, _, _) = app
        .signed_in_with_second_factor("751", "admin@aarhus.dk", PlatformRole::Admin, false)
        .await;
    let (_, analyst, _) = app
        .signed_in_with_second_factor("751", "ane@aarhus.dk", PlatformRole::Analyst, false)
        .await;
    let links_of = |user: UserId| {
        sqlx::query_scalar::<_, i64>("select count(*) from account_links where user_id = $1")
            .bind(user)
            .fetch_one(&app.db)
    };
    let before = links_of(analyst).await.unwrap();
    // Resetting the second factor first changes nothing: the link is still refused.
    let res = app
        .rpc(
            &admin,
            "reset_second_factor",
            &[("user", &analyst.0.to_string())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_invalid(
        app.rpc(&admin, "new_link", &[("user", &analyst.0.to_string())])
            .await,
        "user",
        "mail_only",
    )
    .await;
    assert_eq!(links_of(analyst).await.unwrap(), before, "no link issued");

    let (invited, first) = app
        .invite_directly("mette@aarhus.dk", "Mette Lund", PlatformRole::Member)
        .await;
    let res = app
        .rpc(&admin, "new_link", &[("user", &invited.0.to_string())])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let issued = json(res).await;
    assert_eq!(issued["mailed"], false);
    let shown = link_token(issued["link"].as_str().unwrap());
    assert_invalid(
        app.use_link(&browser(), &first, GOOD_PASSWORD).await,
        "link",
        "used",
    )
    .await;
    let res = app.use_link(&browser(), &shown, GOOD_PASSWORD).await;
    assert_eq!(location(&res).as_deref(), Some("/"));
    // Once redeemed, the account is active: no more shown links.
    assert_invalid(
        app.rpc(&admin, "new_link", &[("user", &invited.0.to_string())])
            .await,
        "user",
        "mail_only",
    )
    .await;
}

//! Signing in and out, who is signed in, and changing one's own password.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What a one-time link's page shows (mirrors `vaern_core::accounts::links::LinkInfo`,
/// which the browser build cannot depend on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkInfo {
    pub invitation: bool,
    pub name: String,
    pub email: String,
    pub min_password_len: usize,
}

/// The signed-in person as the pages show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub name: String,
    pub email: String,
    pub org_name: String,
    /// Minimum length of a new password for this account.
    pub min_password_len: usize,
    /// Admins and organisation admins manage people.
    pub manages_people: bool,
    /// A platform admin (manages groups and organisations).
    pub is_admin: bool,
    /// An analyst (reads the received STIX objects).
    pub is_analyst: bool,
    /// An analyst or a coordinator (follows how organisations respond to alerts).
    pub follows_responses: bool,
}

/// What the page header shows for the signed-in person: who, and the bell's count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub me: Me,
    /// Unread notifications the person may still see, for the bell.
    pub unread_notifications: i64,
}

/// The person signed in on this request, read from the request as the page renders.
/// Pages render on the server only, so a page needs no resource (and no `Suspense`)
/// to know who is reading it.
#[cfg(feature = "ssr")]
pub fn signed_in_person() -> Option<Me> {
    use vaern_core::{accounts, policy};
    let s = crate::request::context().ok()?.signed_in?;
    Some(Me {
        min_password_len: accounts::min_password_len(s.second_factor_required),
        manages_people: policy::can_manage_org_people(&s.viewer, s.viewer.org_id),
        is_admin: policy::require_admin(&s.viewer).is_ok(),
        is_analyst: s.viewer.role == policy::PlatformRole::Analyst,
        follows_responses: matches!(
            s.viewer.role,
            policy::PlatformRole::Analyst | policy::PlatformRole::Coordinator
        ),
        name: s.name,
        email: s.email,
        org_name: s.org_name,
    })
}

/// Pages are never rendered in the browser (only islands are), where nobody is known.
#[cfg(not(feature = "ssr"))]
pub fn signed_in_person() -> Option<Me> {
    None
}

/// The header's view of the current person, or `None` when nobody is signed in.
#[server(prefix = "/rpc", endpoint = "whoami")]
pub async fn whoami() -> Result<Option<Header>, AppError> {
    use crate::request;
    use vaern_core::notifications;
    let Some(me) = signed_in_person() else {
        return Ok(None);
    };
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    // The bell is secondary: a failed count must not make every page look signed out.
    let unread_notifications = notifications::unread_count(&backend.db, &viewer)
        .await
        .unwrap_or_else(|err| {
            tracing::error!(%err, "counting unread notifications");
            0
        });
    Ok(Some(Header {
        me,
        unread_notifications,
    }))
}

/// Where this browser stands in signing in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignInState {
    SignedIn,
    /// Password proven; a code is needed.
    CodeNeeded,
    /// Password proven; a second factor must be set up first.
    EnrolmentNeeded,
    SignedOut,
}

#[server(prefix = "/rpc", endpoint = "sign_in_state")]
pub async fn current_sign_in_state() -> Result<SignInState, AppError> {
    use crate::request;
    use crate::session_state::{self, PendingStep};
    if request::context()?.signed_in.is_some() {
        return Ok(SignInState::SignedIn);
    }
    Ok(match session_state::pending().await? {
        Some((_, PendingStep::Code)) => SignInState::CodeNeeded,
        Some((_, PendingStep::Enrol)) => SignInState::EnrolmentNeeded,
        None => SignInState::SignedOut,
    })
}

/// Sends a person on after a proven password (at sign-in or through a link): signed in,
/// or on to the code or enrolment step.
#[cfg(feature = "ssr")]
async fn continue_sign_in(outcome: vaern_core::accounts::SignInOutcome) -> Result<(), AppError> {
    use crate::request;
    use crate::session_state::{self, PendingStep};
    use vaern_core::accounts::SignInOutcome;
    match outcome {
        SignInOutcome::SignedIn(user_id) => {
            let backend = request::backend()?;
            session_state::start_session(&backend, &request::context()?, user_id).await?;
            leptos_axum::redirect("/");
            Ok(())
        }
        SignInOutcome::CodeNeeded(user_id) => {
            let (backend, context) = (request::backend()?, request::context()?);
            session_state::set_pending(&backend, &context, user_id, PendingStep::Code).await?;
            leptos_axum::redirect("/sign-in/code");
            Ok(())
        }
        SignInOutcome::EnrolmentNeeded(user_id) => {
            let (backend, context) = (request::backend()?, request::context()?);
            session_state::set_pending(&backend, &context, user_id, PendingStep::Enrol).await?;
            leptos_axum::redirect("/sign-in/enrol");
            Ok(())
        }
        SignInOutcome::Refused => Err(AppError::SignInRefused),
        SignInOutcome::Throttled { wait_secs } => Err(AppError::Throttled { wait_secs }),
    }
}

#[server(prefix = "/rpc", endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    use crate::request;
    use vaern_core::accounts;

    if email.trim().is_empty() {
        return Err(AppError::invalid("email", "required"));
    }
    if password.is_empty() {
        return Err(AppError::invalid("password", "required"));
    }
    let backend = request::backend()?;
    let context = request::context()?;
    let outcome = accounts::sign_in(
        &backend.db,
        &backend.audit,
        &email,
        &password,
        &context.address,
    )
    .await?;
    continue_sign_in(outcome).await
}

/// The second step of signing in: a TOTP code or a recovery code.
#[server(prefix = "/rpc", endpoint = "submit_code")]
pub async fn submit_code(code: String) -> Result<(), AppError> {
    use crate::request;
    use crate::session_state::{self, PendingStep};
    use vaern_core::accounts::second_factor::{self, CodeOutcome};

    let Some((user_id, PendingStep::Code)) = session_state::pending().await? else {
        return Err(AppError::invalid("code", "expired"));
    };
    let backend = request::backend()?;
    let context = request::context()?;
    let checked = second_factor::verify_sign_in_code(
        &backend.db,
        &backend.audit,
        user_id,
        &code,
        &context.address,
    )
    .await?;
    match checked {
        CodeOutcome::Accepted => {
            session_state::start_session(&backend, &context, user_id).await?;
            leptos_axum::redirect("/");
            Ok(())
        }
        CodeOutcome::Throttled { wait_secs } => Err(AppError::Throttled { wait_secs }),
        CodeOutcome::Refused => Err(AppError::invalid("code", "wrong")),
    }
}

/// What the enrolment page shows: the secret as a QR code and as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    pub secret: String,
    pub qr_svg: String,
    /// Signed-in people confirm with their current password; a half-done sign-in has
    /// just proven it.
    pub needs_password: bool,
    pub required: bool,
}

/// The person enrolling: the signed-in person, or one halfway through signing in who
/// must enrol before the session starts.
#[cfg(feature = "ssr")]
async fn enrolling() -> Result<(vaern_core::ids::UserId, bool), AppError> {
    use crate::request;
    use crate::session_state::{self, PendingStep};
    if let Some(signed_in) = request::context()?.signed_in {
        let user_id = signed_in.viewer.user_id.ok_or(AppError::Unauthenticated)?;
        return Ok((user_id, true));
    }
    match session_state::pending().await? {
        Some((user_id, PendingStep::Enrol)) => Ok((user_id, false)),
        _ => Err(AppError::Unauthenticated),
    }
}

#[server(prefix = "/rpc", endpoint = "enrolment")]
pub async fn load_enrolment() -> Result<Enrolment, AppError> {
    use crate::request;
    use crate::session_state;
    use vaern_core::accounts::second_factor;

    let (user_id, signed_in) = enrolling().await?;
    let backend = request::backend()?;
    let email = vaern_core::accounts::contact(&backend.db, user_id)
        .await?
        .email;
    let secret = session_state::enrol_secret(user_id).await?;
    let uri = second_factor::otpauth_uri(&secret, &email)?;
    let status = second_factor::status(&backend.db, user_id).await?;
    Ok(Enrolment {
        qr_svg: second_factor::qr_svg(&uri)?,
        secret,
        needs_password: signed_in,
        required: status.required,
    })
}

/// Turns the second factor on (or moves it to a new app) once a code proves the app
/// has the secret; the fresh recovery codes are shown on the next page.
#[server(prefix = "/rpc", endpoint = "enrol")]
pub async fn enrol(
    code: String,
    current_password: Option<String>,
    end_other_sessions: Option<String>,
) -> Result<(), AppError> {
    use crate::request;
    use crate::session_state;
    use vaern_core::accounts::{self, second_factor};

    let (user_id, signed_in) = enrolling().await?;
    let backend = request::backend()?;
    let context = request::context()?;
    if signed_in {
        accounts::verify_current_password(
            &backend.db,
            user_id,
            &context.address,
            current_password.as_deref().unwrap_or_default(),
        )
        .await?;
    }
    let secret = session_state::enrol_secret(user_id).await?;
    let enrolment = second_factor::Enrolment {
        user_id,
        secret: &secret,
        code: &code,
        keep_only: context
            .signed_in
            .as_ref()
            .filter(|_| end_other_sessions.is_some())
            .map(|current| current.session_id.as_str()),
    };
    let codes =
        second_factor::enrol(&backend.db, &backend.audit, enrolment, &context.address).await?;
    session_state::clear_enrol_secret().await?;
    if context.signed_in.is_none() {
        // The sign-in is complete: clear the failures counted on the way, as a
        // successful code would.
        let email = accounts::contact(&backend.db, user_id).await?.email;
        accounts::throttle::record_success(&backend.db, &email, &context.address).await?;
        session_state::start_session(&backend, &context, user_id).await?;
    }
    session_state::put_fresh_codes(codes).await?;
    leptos_axum::redirect("/account/recovery-codes");
    Ok(())
}

/// The recovery codes just made, once; empty afterwards.
#[server(prefix = "/rpc", endpoint = "fresh_recovery_codes")]
pub async fn fresh_recovery_codes() -> Result<Vec<String>, AppError> {
    crate::request::signed_in()?;
    crate::session_state::take_fresh_codes().await
}

/// What a one-time link's page shows.
#[server(prefix = "/rpc", endpoint = "link_info")]
pub async fn load_link(token: String) -> Result<LinkInfo, AppError> {
    use crate::request;
    use vaern_core::accounts::links::{self, Purpose};
    let backend = request::backend()?;
    let info = links::inspect(&backend.db, &token).await?;
    Ok(LinkInfo {
        invitation: info.purpose == Purpose::Invitation,
        name: info.name,
        email: info.email,
        min_password_len: info.min_password_len,
    })
}

/// Uses a one-time link: sets the password, then continues like a sign-in (a code or
/// enrolment may still be needed; a link never passes the second factor).
#[server(prefix = "/rpc", endpoint = "use_link")]
pub async fn use_link(
    token: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    use crate::request;
    use vaern_core::accounts::{self, links};

    if new_password != confirm_password {
        return Err(AppError::invalid("confirm_password", "mismatch"));
    }
    let backend = request::backend()?;
    let address = request::context()?.address;
    let user_id = links::redeem(&backend.db, &backend.audit, &token, &new_password, &address)
        .await
        .map_err(|err| match err {
            vaern_core::CoreError::Invalid {
                field: "password",
                reason,
            } => AppError::invalid("new_password", reason),
            other => other.into(),
        })?;
    continue_sign_in(accounts::next_step(&backend.db, user_id).await?).await
}

/// Whether mail goes anywhere, so that self-service password reset is offered.
#[server(prefix = "/rpc", endpoint = "mail_configured")]
pub async fn mail_configured() -> Result<bool, AppError> {
    Ok(crate::request::backend()?.mailer.is_configured())
}

/// Self-service password reset. Answers the same whether or not the address has an
/// account, and mails in the background so that the time taken tells nothing either.
#[server(prefix = "/rpc", endpoint = "forgot_password")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    use crate::request;
    use vaern_core::accounts::links::{self, Purpose};

    let backend = request::backend()?;
    if !backend.mailer.is_configured() {
        return Err(AppError::Forbidden);
    }
    vaern_core::accounts::normalise_email(&email)?;
    let address = request::context()?.address;
    let issued = links::request_reset(&backend.db, &backend.audit, &email, &address).await?;
    if let Some((user_id, token)) = issued {
        tokio::spawn(async move {
            if let Err(err) =
                crate::mail::send_link(&backend, user_id, Purpose::PasswordReset, &token).await
            {
                tracing::error!(%err, "sending a password reset mail");
            }
        });
    }
    // Back to the form with a note, which also works without wasm.
    leptos_axum::redirect("/forgot-password?sent=1");
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::request;
    use vaern_core::accounts::sessions;

    let backend = request::backend()?;
    let context = request::context()?;
    if let Some(signed_in) = &context.signed_in {
        sessions::sign_out(&backend.db, &backend.audit, signed_in, &context.address).await?;
    }
    request::session()?
        .flush()
        .await
        .map_err(request::session_error)?;
    leptos_axum::redirect("/sign-in");
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
    end_other_sessions: Option<String>,
) -> Result<(), AppError> {
    use crate::request;
    use vaern_core::accounts::{self, CredentialChange};

    let signed_in = request::signed_in()?;
    if new_password != confirm_password {
        return Err(AppError::invalid("confirm_password", "mismatch"));
    }
    let backend = request::backend()?;
    let context = request::context()?;
    let user_id = signed_in.viewer.user_id.ok_or(AppError::Unauthenticated)?;
    let change = CredentialChange {
        user_id,
        session_id: &signed_in.session_id,
        address: &context.address,
        current_password: &current_password,
        end_other_sessions: end_other_sessions.is_some(),
    };
    accounts::change_password(&backend.db, &backend.audit, change, &new_password)
        .await
        .map_err(|err| match err {
            vaern_core::CoreError::Invalid {
                field: "password",
                reason,
            } => AppError::invalid("new_password", reason),
            other => other.into(),
        })
}

/// The signed-in person, loaded once per page (pages render on the server only, so a
/// sign-in or sign-out is followed by a fresh page load), and the sign-in flow's forms.
#[derive(Clone, Copy)]
pub struct Auth {
    /// The header's part (who, and the bell); pages use [`signed_in_person`].
    pub me: Resource<Result<Option<Header>, AppError>>,
    pub sign_in: ServerAction<SignIn>,
    pub sign_out: ServerAction<SignOut>,
    pub submit_code: ServerAction<SubmitCode>,
    pub enrol: ServerAction<Enrol>,
    pub use_link: ServerAction<UseLink>,
}

pub fn provide_auth() {
    let sign_in = ServerAction::<SignIn>::new();
    let sign_out = ServerAction::<SignOut>::new();
    let submit_code = ServerAction::<SubmitCode>::new();
    let enrol = ServerAction::<Enrol>::new();
    let use_link = ServerAction::<UseLink>::new();
    let me = Resource::new_blocking(|| (), |_| whoami());
    provide_context(Auth {
        me,
        sign_in,
        sign_out,
        submit_code,
        enrol,
        use_link,
    });
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

//! Signing in and out, who is signed in, and changing one's own password.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The signed-in person as the pages show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub name: String,
    pub email: String,
    pub org_name: String,
    /// Minimum length of a new password for this account.
    pub min_password_len: usize,
}

/// The current person, or `None` when nobody is signed in.
#[server(prefix = "/rpc", endpoint = "whoami")]
pub async fn whoami() -> Result<Option<Me>, AppError> {
    use crate::request;
    use vaern_core::accounts;
    Ok(request::context()?.signed_in.map(|s| Me {
        min_password_len: accounts::min_password_len(s.viewer.role),
        name: s.name,
        email: s.email,
        org_name: s.org_name,
    }))
}

#[server(prefix = "/rpc", endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    use crate::request::{self, SESSION_KEY};
    use vaern_core::accounts::{self, SignInOutcome, sessions};

    if email.trim().is_empty() {
        return Err(AppError::invalid("email", "required"));
    }
    if password.is_empty() {
        return Err(AppError::invalid("password", "required"));
    }
    let backend = request::backend()?;
    let context = request::context()?;
    match accounts::sign_in(&backend.db, &email, &password, &context.address).await? {
        SignInOutcome::SignedIn(user_id) => {
            let session = request::session()?;
            if let Some(previous) = context.signed_in {
                sessions::end(&backend.db, &previous.session_id).await?;
            }
            // A new id at sign-in, so that an id planted before sign-in is worthless.
            session.cycle_id().await.map_err(request::session_error)?;
            let id = sessions::start(&backend.db, user_id, &context.user_agent, &context.address)
                .await?;
            session
                .insert(SESSION_KEY, id)
                .await
                .map_err(request::session_error)?;
            leptos_axum::redirect("/");
            Ok(())
        }
        SignInOutcome::Refused => Err(AppError::SignInRefused),
        SignInOutcome::Throttled { wait_secs } => Err(AppError::Throttled { wait_secs }),
    }
}

#[server(prefix = "/rpc", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::request;
    use vaern_core::accounts::sessions;

    let backend = request::backend()?;
    if let Some(signed_in) = request::context()?.signed_in {
        sessions::end(&backend.db, &signed_in.session_id).await?;
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
) -> Result<(), AppError> {
    use crate::request;
    use vaern_core::accounts;

    let signed_in = request::signed_in()?;
    if new_password != confirm_password {
        return Err(AppError::invalid("confirm_password", "mismatch"));
    }
    let backend = request::backend()?;
    let context = request::context()?;
    let user_id = signed_in.viewer.user_id.ok_or(AppError::Unauthenticated)?;
    accounts::change_password(
        &backend.db,
        user_id,
        &signed_in.session_id,
        &context.address,
        &current_password,
        &new_password,
    )
    .await
    .map_err(|err| match err {
        vaern_core::CoreError::Invalid {
            field: "password",
            reason,
        } => AppError::invalid("new_password", reason),
        other => other.into(),
    })
}

/// The signed-in person, loaded once per page and refetched whenever someone signs in
/// or out through these actions.
#[derive(Clone, Copy)]
pub struct Auth {
    pub me: Resource<Result<Option<Me>, AppError>>,
    pub sign_in: ServerAction<SignIn>,
    pub sign_out: ServerAction<SignOut>,
}

pub fn provide_auth() {
    let sign_in = ServerAction::<SignIn>::new();
    let sign_out = ServerAction::<SignOut>::new();
    let me = Resource::new_blocking(
        move || (sign_in.version().get(), sign_out.version().get()),
        |_| whoami(),
    );
    provide_context(Auth {
        me,
        sign_in,
        sign_out,
    });
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

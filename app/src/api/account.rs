//! The signed-in person's own security: their sessions and their second factor.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One of the person's sessions, with times already written in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub handle: String,
    pub device: String,
    pub address: String,
    pub started: String,
    pub last_seen: String,
    pub current: bool,
}

/// The security part of the account page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Security {
    pub second_factor_enrolled: bool,
    pub second_factor_required: bool,
    pub recovery_codes_left: i64,
    pub sessions: Vec<SessionView>,
}

#[server(prefix = "/rpc", endpoint = "security")]
pub async fn load_security() -> Result<Security, AppError> {
    use crate::format::format_time;
    use crate::request;
    use vaern_core::accounts::{second_factor, sessions};

    let signed_in = request::signed_in()?;
    let backend = request::backend()?;
    let user_id = signed_in.viewer.user_id.ok_or(AppError::Unauthenticated)?;
    let locale = crate::locale::current();
    let status = second_factor::status(&backend.db, user_id).await?;
    let sessions =
        sessions::list_for_user(&backend.db, user_id, &signed_in.session_id, backend.limits)
            .await?
            .into_iter()
            .map(|s| SessionView {
                started: format_time(s.started_at, locale),
                last_seen: format_time(s.last_seen_at, locale),
                handle: s.handle,
                device: s.device,
                address: s.address,
                current: s.current,
            })
            .collect();
    Ok(Security {
        second_factor_enrolled: status.enrolled,
        second_factor_required: status.required,
        recovery_codes_left: status.recovery_codes_left,
        sessions,
    })
}

/// Ends one of the person's own sessions.
#[server(prefix = "/rpc", endpoint = "end_session")]
pub async fn end_session(handle: String) -> Result<(), AppError> {
    use crate::request;
    let signed_in = request::signed_in()?;
    let user_id = signed_in.viewer.user_id.ok_or(AppError::Unauthenticated)?;
    let (backend, address) = (request::backend()?, request::context()?.address);
    vaern_core::accounts::sessions::end_by_handle(
        &backend.db,
        &backend.audit,
        user_id,
        &handle,
        &address,
    )
    .await?;
    Ok(())
}

/// Ends all the person's sessions but this one.
#[server(prefix = "/rpc", endpoint = "end_other_sessions")]
pub async fn end_other_sessions() -> Result<(), AppError> {
    use crate::request;
    let signed_in = request::signed_in()?;
    let user_id = signed_in.viewer.user_id.ok_or(AppError::Unauthenticated)?;
    let (backend, address) = (request::backend()?, request::context()?.address);
    vaern_core::accounts::end_other_sessions(
        &backend.db,
        &backend.audit,
        user_id,
        &signed_in.session_id,
        &address,
    )
    .await?;
    Ok(())
}

/// New recovery codes (the old ones stop working), shown on the next page.
#[server(prefix = "/rpc", endpoint = "renew_recovery_codes")]
pub async fn renew_recovery_codes(current_password: String) -> Result<(), AppError> {
    use crate::request;
    use vaern_core::accounts::{self, second_factor};

    let signed_in = request::signed_in()?;
    let user_id = signed_in.viewer.user_id.ok_or(AppError::Unauthenticated)?;
    let backend = request::backend()?;
    let address = request::context()?.address;
    accounts::verify_current_password(&backend.db, user_id, &address, &current_password).await?;
    let codes =
        second_factor::renew_recovery_codes(&backend.db, &backend.audit, user_id, &address).await?;
    crate::session_state::put_fresh_codes(codes).await?;
    leptos_axum::redirect("/account/recovery-codes");
    Ok(())
}

/// Turns the person's own second factor off, where it is not required.
#[server(prefix = "/rpc", endpoint = "turn_off_second_factor")]
pub async fn turn_off_second_factor(
    current_password: String,
    end_other_sessions: Option<String>,
) -> Result<(), AppError> {
    use crate::request;
    use vaern_core::accounts::{self, second_factor};

    let signed_in = request::signed_in()?;
    let user_id = signed_in.viewer.user_id.ok_or(AppError::Unauthenticated)?;
    let backend = request::backend()?;
    let address = request::context()?.address;
    accounts::verify_current_password(&backend.db, user_id, &address, &current_password).await?;
    let keep_only = end_other_sessions.map(|_| signed_in.session_id.as_str());
    second_factor::turn_off(&backend.db, &backend.audit, user_id, keep_only, &address).await?;
    Ok(())
}

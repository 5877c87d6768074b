//! `CoreError`: the few ways a domain operation can fail. A hidden item is `NotFound`,
//! exactly like a missing one; internal causes stay opaque to callers.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum CoreError {
    /// Missing, or hidden from this viewer: the two are never told apart.
    #[error("not found")]
    NotFound,
    /// The viewer may see the item but not do this to it.
    #[error("forbidden")]
    Forbidden,
    /// Input that breaks a rule; `field` names the form field, `reason` is a stable
    /// key the UI translates.
    #[error("invalid {field}: {reason}")]
    Invalid {
        field: &'static str,
        reason: &'static str,
    },
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// Anything the caller cannot act on; logged with its cause, shown as opaque.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type CoreResult<T> = Result<T, CoreError>;

impl CoreError {
    pub fn invalid(field: &'static str, reason: &'static str) -> Self {
        Self::Invalid { field, reason }
    }
}

impl From<sqlx::Error> for CoreError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::RowNotFound => Self::NotFound,
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for CoreError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        Self::Internal(err.to_string())
    }
}

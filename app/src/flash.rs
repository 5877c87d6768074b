//! What the last form did, for the page rendered right after it. Pages are rendered on
//! the server only, so after a form is accepted the browser loads the page afresh (a
//! plain post is redirected back; the form island reloads or follows the redirect). The
//! server middleware keeps the accepted submission's answer in the session as the flash
//! and hands it to the next page load, which shows it here: "saved", the created
//! group's link, a new token's secret. A flash is shown once.

use serde::{Deserialize, Serialize};

/// The answer of one accepted form submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    /// The server function's path (`/rpc/...`).
    pub path: String,
    /// Its JSON answer.
    pub output: String,
}

/// Key of the flash inside the session record.
pub const SESSION_KEY: &str = "flash";

/// The flash handed to this page load, if it came from the server function at `path`.
#[cfg(feature = "ssr")]
fn current(path: &str) -> Option<Flash> {
    leptos::prelude::use_context::<http::request::Parts>()?
        .extensions
        .get::<Flash>()
        .filter(|flash| flash.path == path)
        .cloned()
}

/// Whether the form posting to `path` was just accepted.
pub fn done(path: &str) -> bool {
    #[cfg(feature = "ssr")]
    {
        current(path).is_some()
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = path;
        false
    }
}

/// The answer of the form posting to `path`, if it was just accepted.
pub fn output<T: serde::de::DeserializeOwned>(path: &str) -> Option<T> {
    #[cfg(feature = "ssr")]
    {
        current(path).and_then(|flash| serde_json::from_str(&flash.output).ok())
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = path;
        None
    }
}

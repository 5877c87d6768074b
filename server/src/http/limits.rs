//! Request body limits: forms and server-function calls are small; uploads get their own
//! limits where they are added.

use tower_http::limit::RequestBodyLimitLayer;

/// Largest body accepted on ordinary routes.
pub const MAX_BODY: usize = 64 * 1024;

pub fn body_limit() -> RequestBodyLimitLayer {
    RequestBodyLimitLayer::new(MAX_BODY)
}

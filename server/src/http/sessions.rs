//! The session cookie: HttpOnly, SameSite=Lax, Secure behind https, expiring with the
//! idle timeout. What a session means is decided in `vaern_core::accounts::sessions`.

use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::SqliteStore;

pub const COOKIE_NAME: &str = "vaern_session";

pub fn layer(store: SqliteStore, https: bool, idle_secs: i64) -> SessionManagerLayer<SqliteStore> {
    SessionManagerLayer::new(store)
        .with_name(COOKIE_NAME)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(https)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::seconds(idle_secs)))
}

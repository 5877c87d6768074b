//! The one middleware that turns a session cookie into the signed-in person. Nothing
//! else reads the session: pages and server functions get a `RequestContext`, plain
//! handlers a [`Reader`].

use crate::AppState;
use crate::http::security::is_machine_route;
use app::request::{RequestContext, SESSION_KEY};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::StatusCode;
use http::request::Parts;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
use tower_sessions::Session;
use vaern_core::accounts::sessions;

pub async fn attach(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    session: Session,
    mut req: Request,
    next: Next,
) -> Response {
    let address = client_address(peer.ip(), req.headers(), &state.trusted_proxies).to_string();
    let user_agent = req
        .headers()
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    // Machine routes authenticate by token only; a cookie there means nothing.
    let signed_in = if is_machine_route(req.uri().path()) {
        None
    } else {
        resume(&state, &session).await
    };
    let navigation = is_navigation(req.headers());
    req.extensions_mut().insert(RequestContext {
        signed_in,
        address,
        user_agent,
        navigation,
    });
    next.run(req).await
}

/// The signed-in person a plain handler (an export, a live panel, a download) answers,
/// and the language they read the platform in. Signed out, such a route does not exist:
/// it answers 404, as for a missing one.
pub struct Reader {
    pub signed_in: sessions::SignedIn,
    pub locale: app::i18n::Locale,
}

impl<S: Send + Sync> FromRequestParts<S> for Reader {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let signed_in = parts
            .extensions
            .get::<RequestContext>()
            .and_then(|context| context.signed_in.clone())
            .ok_or(StatusCode::NOT_FOUND)?;
        Ok(Self {
            signed_in,
            locale: super::lang::of_request(&parts.headers),
        })
    }
}

/// A top-level navigation: `Sec-Fetch-Dest: document`, or no fetch metadata at all
/// (older browsers, command-line clients). Anything else (`image`, `iframe`, `empty` for
/// `fetch`, ...) is a resource a page asked for.
pub fn is_navigation(headers: &http::HeaderMap) -> bool {
    headers
        .get("sec-fetch-dest")
        .is_none_or(|dest| dest.as_bytes().eq_ignore_ascii_case(b"document"))
}

async fn resume(state: &AppState, session: &Session) -> Option<sessions::SignedIn> {
    let id = match session.get::<String>(SESSION_KEY).await {
        Ok(id) => id?,
        Err(err) => {
            tracing::warn!(%err, "unreadable session record");
            let _ = session.flush().await;
            return None;
        }
    };
    match sessions::resume(&state.backend.db, &id, state.backend.limits).await {
        Ok(Some(signed_in)) => Some(signed_in),
        Ok(None) => {
            // Ended, expired or disabled: drop the browser's record too.
            let _ = session.flush().await;
            None
        }
        Err(err) => {
            tracing::error!(%err, "resuming a session");
            None
        }
    }
}

/// The client's address: the peer, or, when the peer is a trusted proxy, the nearest
/// untrusted address in `X-Forwarded-For`.
pub fn client_address(peer: IpAddr, headers: &http::HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    #[test]
    fn forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
        let peer: IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(client_address(peer, &headers("198.51.100.1"), &[]), peer);
    }

    #[test]
    fn the_nearest_untrusted_forwarded_address_is_the_client() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let peer: IpAddr = "10.0.0.2".parse().unwrap();
        let got = client_address(peer, &headers("1.2.3.4, 198.51.100.1, 10.0.0.7"), &trusted);
        assert_eq!(got, "198.51.100.1".parse::<IpAddr>().unwrap());
    }
}

//! Web security for every response and every state-changing request: the strict header
//! set (CSP with the page's nonce), and the same-origin rule that stands in for CSRF
//! tokens. Only the machine routes, which authenticate by token and refuse form
//! content, are exempt from the origin rule.

use crate::AppState;
use app::request::PageNonce;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, Method, StatusCode, header};

#[derive(Debug)]
pub struct Policy {
    /// `scheme://host[:port]` of the public URL, lower-case.
    pub public_origin: String,
    pub https: bool,
}

/// Routes for machines (TAXII, REST): token-authenticated, never cookie-authenticated.
pub fn is_machine_route(path: &str) -> bool {
    path.starts_with("/taxii2/") || path.starts_with("/api/v1/")
}

fn is_safe_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Content types a browser can send cross-site without a preflight (HTML forms).
/// Machine routes refuse them, so a page elsewhere can never post to them.
fn is_form_content_type(headers: &http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|v| {
            matches!(
                v.as_str(),
                "application/x-www-form-urlencoded" | "multipart/form-data" | "text/plain"
            )
        })
}

/// Refuses a state-changing request that does not come from our own origin, and form
/// content on the machine routes.
pub async fn origin_check(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if is_machine_route(req.uri().path()) {
        if is_form_content_type(req.headers()) {
            return (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Form content is not accepted here; send JSON.",
            )
                .into_response();
        }
        return next.run(req).await;
    }
    if is_safe_method(req.method()) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let same_origin_fetch = headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"same-origin"));
    let origin_matches = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|origin| origin.eq_ignore_ascii_case(&state.security.public_origin));
    if same_origin_fetch || origin_matches {
        next.run(req).await
    } else {
        tracing::warn!(path = req.uri().path(), "cross-site request refused");
        (
            StatusCode::FORBIDDEN,
            "Forespørgsler fra andre websteder afvises. / Cross-site requests are refused.",
        )
            .into_response()
    }
}

/// The Content-Security-Policy for a response whose inline scripts carry `nonce`.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let script_src = match nonce {
        Some(nonce) => format!("'self' 'nonce-{nonce}' 'wasm-unsafe-eval'"),
        None => "'self' 'wasm-unsafe-eval'".to_string(),
    };
    format!(
        "default-src 'self'; script-src {script_src}; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// Adds the security headers to every response.
pub async fn headers(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    // A file shown inline brings its own policy (`library::RAW_CONTENT_SECURITY_POLICY`).
    let own_policy = super::library::is_inline_file_route(req.uri().path());
    // The nonce is chosen here, before the page renders with it (`provide_page_nonce`),
    // so the policy below always names the one the page's scripts carry.
    let nonce = leptos::nonce::Nonce::new().to_string();
    req.extensions_mut().insert(PageNonce(nonce.clone()));
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    let keep = own_policy && headers.contains_key(header::CONTENT_SECURITY_POLICY);
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/html"));
    // Only a page has scripts to name; other answers get the policy without a nonce.
    let named = is_html.then_some(nonce.as_str());
    if !keep && let Ok(csp) = HeaderValue::from_str(&content_security_policy(named)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // A page carries what its reader may see: no browser or proxy keeps a copy (the back
    // button after sign-out, a shared machine).
    if is_html {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if state.security.https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_the_nonce_and_forbids_framing() {
        let csp = content_security_policy(Some("abc"));
        assert!(csp.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!content_security_policy(None).contains("nonce"));
    }

    #[test]
    fn html_form_content_types_are_recognised_with_parameters() {
        let mut headers = http::HeaderMap::new();
        for (value, form) in [
            ("application/x-www-form-urlencoded", true),
            ("multipart/form-data; boundary=x", true),
            ("Text/Plain;charset=UTF-8", true),
            ("application/json", false),
            ("application/taxii+json;version=2.1", false),
        ] {
            headers.insert(header::CONTENT_TYPE, value.parse().unwrap());
            assert_eq!(is_form_content_type(&headers), form, "{value}");
        }
    }

    #[test]
    fn only_taxii_and_the_rest_api_are_machine_routes() {
        assert!(is_machine_route("/taxii2/"));
        assert!(is_machine_route("/api/v1/stix/bundles"));
        assert!(!is_machine_route("/rpc/sign_in"));
        assert!(!is_machine_route("/api/v1"));
    }
}

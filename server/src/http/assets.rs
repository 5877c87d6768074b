//! The compiled wasm, JS and CSS under `/pkg`: served precompressed when available, and
//! cached for a year when their names carry content hashes.

use http::{HeaderValue, header};
use leptos::config::LeptosOptions;
use std::path::Path;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeader;

pub fn pkg_service(
    options: &LeptosOptions,
    hashed: bool,
) -> SetResponseHeader<ServeDir, HeaderValue> {
    let dir = Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let cache = if hashed {
        HeaderValue::from_static("public, max-age=31536000, immutable")
    } else {
        HeaderValue::from_static("no-cache")
    };
    SetResponseHeader::overriding(
        ServeDir::new(dir).precompressed_br().precompressed_gzip(),
        header::CACHE_CONTROL,
        cache,
    )
}

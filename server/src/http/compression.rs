//! Response compression by `Accept-Encoding`: a thread page is about 15 times smaller
//! gzipped. The fastest level, since pages are rendered per request and CPU is what the
//! server runs out of first. tower-http's default predicate leaves out the event stream
//! (each event must reach the browser at once), images and tiny bodies; files under
//! `/pkg` that a release build precompressed already carry their encoding and pass.

use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;

pub fn layer() -> CompressionLayer {
    CompressionLayer::new()
        .gzip(true)
        .br(true)
        .quality(CompressionLevel::Fastest)
}

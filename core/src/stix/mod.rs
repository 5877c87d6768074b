//! STIX 2.1 from the analysis centre: validation, TLP markings, mapping to alerts,
//! advisories and incidents, and storage in one transaction per request.

pub mod acknowledgements;
pub mod alerts;
pub mod browse;
pub mod dashboard;
pub mod feed;
pub mod feedback;
pub mod identities;
pub mod ingest;
pub mod live;
pub mod markings;
pub mod object;
pub mod pattern;
pub mod simulate;
pub mod sources;

/// The TAXII collection the analysis centre writes into (alias `inbound`). Fixed, so that
/// the centre configures it once; documented in README.md.
pub const INBOUND_COLLECTION_ID: &str = "5f0a3c0e-2a4b-4c7e-9a51-6b3e1d2c4f01";

/// The TAXII collection that serves each reader what its organisation may see (alias
/// `feed`). Fixed and documented like the inbound one.
pub const FEED_COLLECTION_ID: &str = "8c1d6f2a-4e3b-4b9a-8f07-2d5c9e1a7b42";

/// Sixteen bytes as a lowercase UUID with the version 4 and RFC 4122 variant bits: the
/// version STIX recommends for ids, and the form of TAXII status ids.
pub(crate) fn uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let h = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

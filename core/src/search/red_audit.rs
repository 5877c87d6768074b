//! Searches that find TLP:RED items are audited: who searched and when, with an HMAC of
//! the query under a key only this server holds. Not the text (the audit log is read by
//! organisation admins, and a query can itself be sensitive), and not a plain hash, which
//! anyone can reverse for a two-word query by hashing a dictionary; with the key an
//! investigator can still tell whether a given query was made.

use crate::audit::{Actor, AuditLog, Entry, action};
use crate::error::{CoreError, CoreResult};
use crate::policy::Viewer;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::path::Path;

/// Where the key lives in the data directory.
pub const KEY_FILE: &str = "search-query.key";

/// The server's key for query HMACs.
pub struct QueryKey([u8; 32]);

impl std::fmt::Debug for QueryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("QueryKey(…)")
    }
}

impl QueryKey {
    /// Reads the key from `<data_dir>/search-query.key`, creating it (readable by the
    /// server's user only) on the first start.
    pub fn load_or_create(data_dir: &Path) -> CoreResult<Self> {
        let path = data_dir.join(KEY_FILE);
        let fail = |what: &str, e: std::io::Error| {
            CoreError::Internal(format!("{what} {}: {e}", path.display()))
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let bytes = hex::decode(text.trim())
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or_else(|| {
                        CoreError::Internal(format!("{} is not a key", path.display()))
                    })?;
                Ok(Self(bytes))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut key);
                write_private(&path, &hex::encode(key)).map_err(|e| fail("write", e))?;
                Ok(Self(key))
            }
            Err(e) => Err(fail("read", e)),
        }
    }

    /// A key for tests.
    pub fn from_bytes(key: [u8; 32]) -> Self {
        Self(key)
    }

    /// HMAC-SHA-256 of the query in lower case with its spacing collapsed, in hex: the
    /// same search typed as "Ransomware  Aarhus" or "ransomware aarhus" finds the same
    /// items, and its rows should say so.
    pub fn hmac(&self, query: &str) -> String {
        let normalised = query
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("any key length");
        mac.update(normalised.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// Records that `viewer` made a search that found TLP:RED items.
pub async fn record(
    audit: &AuditLog,
    key: &QueryKey,
    viewer: &Viewer,
    query: &str,
    address: &str,
) -> CoreResult<()> {
    audit
        .record_event(
            Entry::new(Actor::of(viewer), action::SEARCH_RED)
                .address(address)
                .detail(format!("query_hmac={}", key.hmac(query))),
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_hmac_depends_on_the_key_and_is_not_the_plain_hash() {
        let a = QueryKey::from_bytes([1; 32]);
        let b = QueryKey::from_bytes([2; 32]);
        assert_eq!(a.hmac("ransomware aarhus"), a.hmac("ransomware aarhus"));
        assert_ne!(a.hmac("ransomware aarhus"), b.hmac("ransomware aarhus"));
        assert_ne!(a.hmac("ransomware aarhus"), a.hmac("ransomware odense"));
        use sha2::Digest;
        let plain = hex::encode(Sha256::digest("ransomware aarhus"));
        assert_ne!(a.hmac("ransomware aarhus"), plain);
    }

    #[test]
    fn the_same_search_typed_in_other_case_or_spacing_has_the_same_hmac() {
        let key = QueryKey::from_bytes([1; 32]);
        assert_eq!(
            key.hmac("Ransomware  Aarhus "),
            key.hmac("ransomware aarhus")
        );
        assert_eq!(key.hmac("SÅRBARHED\tØst"), key.hmac("sårbarhed øst"));
        assert_ne!(key.hmac("ransomware aarhus"), key.hmac("ransomwareaarhus"));
    }

    #[test]
    fn the_key_is_created_once_and_read_back() {
        let dir = tempfile::tempdir().expect("dir");
        let first = QueryKey::load_or_create(dir.path()).expect("created");
        let again = QueryKey::load_or_create(dir.path()).expect("read");
        assert_eq!(first.hmac("x"), again.hmac("x"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .expect("file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "readable by the server's user only");
        }
    }
}

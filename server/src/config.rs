//! Serving configuration, built from `vaern serve` flags and `VAERN_*` variables.

use ipnet::IpNet;
use std::path::PathBuf;
use vaern_core::accounts::sessions::SessionLimits;
use vaern_core::mail::Mailer;

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    /// The URL people reach Værn at; `None` means `http://<bound address>`. An https URL
    /// turns on Secure cookies and HSTS.
    pub public_url: Option<String>,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
    /// Where cargo-leptos put the compiled site (`pkg/`, CSS, assets).
    pub site_root: PathBuf,
    pub limits: SessionLimits,
    /// Where invitation and reset mail goes; off by default.
    pub mailer: Mailer,
    /// Largest file a library accepts, in bytes.
    pub max_upload_bytes: u64,
    /// How files' text is read for search; `None`: not at all. `vaern serve` runs its own
    /// binary; tests name the built `vaern` (their own executable is a test harness).
    pub extraction: Option<crate::extraction::Settings>,
}

/// The default of `--max-upload-mb`.
pub const DEFAULT_MAX_UPLOAD_MB: u64 = 256;

impl Config {
    /// A config with defaults for everything but the data directory.
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            public_url: None,
            trusted_proxies: Vec::new(),
            site_root: default_site_root(),
            limits: SessionLimits::default(),
            mailer: Mailer::off(),
            max_upload_bytes: DEFAULT_MAX_UPLOAD_MB * 1024 * 1024,
            extraction: None,
        }
    }
}

/// `target/site` as laid out by cargo-leptos next to `target/<profile>/vaern`, else
/// `./target/site`; so the binary finds its assets from any working directory.
pub fn default_site_root() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent()?.parent().map(|target| target.join("site")))
        .filter(|site| site.join("pkg").is_dir())
        .unwrap_or_else(|| PathBuf::from("target/site"))
}

/// The scheme, host and port of a URL, as browsers send it in `Origin`.
pub fn origin_of(url: &str) -> String {
    let url = url.trim_end_matches('/');
    match url.find("://") {
        Some(scheme_end) => {
            let rest = &url[scheme_end + 3..];
            let host_end = rest.find('/').unwrap_or(rest.len());
            format!("{}{}", &url[..scheme_end + 3], &rest[..host_end]).to_lowercase()
        }
        None => url.to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn the_origin_is_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://Vaern.example.dk/"),
            "https://vaern.example.dk"
        );
        assert_eq!(
            origin_of("http://127.0.0.1:3000/app/x"),
            "http://127.0.0.1:3000"
        );
    }
}

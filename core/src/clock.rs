//! Time as the domain sees it: unix seconds, UTC.

/// Seconds since the unix epoch, now.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

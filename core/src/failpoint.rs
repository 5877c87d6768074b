//! Crash points for the crash tests: places no signal can hit reliably (between placing a
//! file and committing the row that names it; between the index commit and the deletion
//! of the outbox rows it applied). `VAERN_FAILPOINT=<name>` makes the process abort
//! there; unset, a point costs one lookup.

/// Ends the process on the spot when `VAERN_FAILPOINT` names `point`.
pub(crate) fn crash_here(point: &str) {
    static FAILPOINT: std::sync::LazyLock<Option<String>> =
        std::sync::LazyLock::new(|| std::env::var("VAERN_FAILPOINT").ok());
    if FAILPOINT.as_deref() == Some(point) {
        eprintln!("failpoint {point}: aborting");
        std::process::abort();
    }
}

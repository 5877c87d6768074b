//! Text extraction for search, one file at a time in a child process: the server runs
//! `vaern extract` ([`child`]) on a stored file and judges how it ended ([`read_file`]);
//! the [`worker`] picks the files and records each outcome.
//!
//! The child limits its own CPU time, address space, files and processes before it
//! reads a byte, so a hostile file can only end that process. The parent adds what a
//! process cannot do to itself: a wall-clock limit (a reading that blocks uses no CPU),
//! a cap on what it reads of the child's output (its own memory stays bounded whatever
//! the child prints), and an empty environment for the child (no secret of the server's
//! configuration reaches a process that parses hostile input).
//!
//! How a child ends says what happened: exit 0 with the text on standard output, 3 with
//! only its start ([`CUT`]), 4 for a type with no text, 10 and up for each
//! [`Reason`] the readers find themselves; a signal for what the limits stopped (SIGXCPU:
//! too slow; an abort after a failed allocation: too much memory; an abort after a stack
//! overflow: too deep). Exit 1 is a failure of the machine, not of the file (the file
//! could not be opened, the limits could not be set): that file is tried again later.

pub mod child;
pub mod worker;

use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};
use vaern_core::library::text::stored::Outcome;
use vaern_core::library::text::{Limits, Reason};

/// The whole text is on standard output.
pub const TEXT: u8 = 0;
/// The file could not be read for a reason that is not the file's (tried again later).
pub const NOT_READ: u8 = 1;
/// Only the text's start is on standard output ([`Limits::text_bytes`]).
pub const CUT: u8 = 3;
/// The type holds no text to search.
pub const NOT_TEXT: u8 = 4;
/// The first of the codes for each [`Reason`], in the order of [`Reason::ALL`].
const FIRST_REASON: u8 = 10;

/// The exit code of a file that is not searchable for `reason`.
pub fn exit_code(reason: Reason) -> u8 {
    let index = Reason::ALL
        .iter()
        .position(|r| *r == reason)
        .expect("BUG: every reason is in Reason::ALL");
    FIRST_REASON + index as u8
}

/// The reason an exit code stands for, if it stands for one.
fn reason_of_exit(code: i32) -> Option<Reason> {
    let index = usize::try_from(code.checked_sub(i32::from(FIRST_REASON))?).ok()?;
    Reason::ALL.get(index).copied()
}

/// CPU seconds a child may use; an ordinary document needs well under one.
pub const DEFAULT_CPU_SECONDS: u64 = 20;
/// Address space a child may map beyond what its binary maps at start, in MiB. A PDF
/// near the largest read (a 250 MiB file, parsed whole) peaked at 540 MB resident; an
/// ordinary document at about 30 MB.
pub const DEFAULT_MEMORY_MIB: u64 = 1024;

/// How the server runs its children.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The `vaern` binary (the server's own, found when it starts).
    pub program: PathBuf,
    pub cpu_seconds: u64,
    pub memory_mib: u64,
    /// Wall-clock time a child may run before it is killed (it may block without using
    /// CPU).
    pub wall: Duration,
    /// How often the worker looks for files when nothing wakes it (a version added by
    /// another process, such as `vaern demo`, or a file tried again).
    pub poll: Duration,
}

impl Settings {
    /// The defaults, running `program`.
    pub fn new(program: PathBuf) -> Self {
        Self {
            program,
            cpu_seconds: DEFAULT_CPU_SECONDS,
            memory_mib: DEFAULT_MEMORY_MIB,
            wall: Duration::from_secs(DEFAULT_CPU_SECONDS + 10),
            poll: Duration::from_secs(300),
        }
    }
}

/// Most of a child's standard error kept, for the log and for telling its aborts apart.
const STDERR_KEPT: usize = 8 * 1024;

/// Reads the text of the file at `path`, of our type `media_type`, in a child process.
/// `Err` when the reading failed for a reason that is not the file's (the child could not
/// start or open the file): try again later.
pub async fn read_file(
    settings: &Settings,
    media_type: &str,
    path: &Path,
) -> Result<Outcome, String> {
    let mut child = tokio::process::Command::new(&settings.program)
        .arg("extract")
        .arg("--media-type")
        .arg(media_type)
        .arg("--cpu-seconds")
        .arg(settings.cpu_seconds.to_string())
        .arg("--memory-mib")
        .arg(settings.memory_mib.to_string())
        .arg("--")
        .arg(path)
        .env_clear()
        // The allocator reserves no 1 GiB arena ahead, which the child's address-space
        // limit would otherwise count from its first instruction (see `child`).
        .env("MIMALLOC_ARENA_RESERVE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("starting {}: {e}", settings.program.display()))?;
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err("BUG: the child's output is not piped".into());
    };
    let text_limit = Limits::default().text_bytes;
    let ran = tokio::time::timeout(settings.wall, async {
        // Standard error is drained to its end (the child must never block on it) and
        // only its start kept.
        let stderr = tokio::spawn(read_capped(stderr, STDERR_KEPT, Past::Drain));
        let (text, more) = read_capped(stdout, text_limit, Past::Stop).await;
        if more {
            // More than the child's own limit: it is not keeping to the protocol.
            let _ = child.start_kill();
        }
        let status = child.wait().await;
        let stderr = stderr.await.map(|(kept, _)| kept).unwrap_or_default();
        (status, text, more, stderr)
    })
    .await;
    let Ok((status, text, more, stderr)) = ran else {
        let _ = child.start_kill();
        let _ = child.wait().await;
        return Ok(Outcome::Failed(Reason::TooSlow));
    };
    let status = status.map_err(|e| format!("waiting for the child: {e}"))?;
    if more {
        return Ok(Outcome::Failed(Reason::Crashed));
    }
    judge(status, text, &stderr)
}

/// What to do with a stream past the bytes kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Past {
    /// Read on to its end, keeping nothing more.
    Drain,
    Stop,
}

/// Reads `source`, keeping at most `limit` bytes; says whether there was more.
async fn read_capped<R: AsyncRead + Unpin>(
    mut source: R,
    limit: usize,
    past: Past,
) -> (Vec<u8>, bool) {
    let mut kept = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut more = false;
    loop {
        match source.read(&mut chunk).await {
            Ok(0) | Err(_) => return (kept, more),
            Ok(n) => {
                let room = limit - kept.len();
                kept.extend_from_slice(&chunk[..n.min(room)]);
                if n > room {
                    more = true;
                    if past == Past::Stop {
                        return (kept, more);
                    }
                }
            }
        }
    }
}

/// What a child's end says about the file.
fn judge(status: ExitStatus, text: Vec<u8>, stderr: &[u8]) -> Result<Outcome, String> {
    use std::os::unix::process::ExitStatusExt;
    let said = String::from_utf8_lossy(stderr);
    let Some(code) = status.code() else {
        let signal = status.signal().unwrap_or_default();
        return Ok(Outcome::Failed(match signal {
            libc::SIGXCPU => Reason::TooSlow,
            // A failed allocation (the address-space limit) aborts after saying so, as
            // does a stack overflow (unbounded recursion on a self-referring file).
            libc::SIGABRT if said.contains("memory allocation of") => Reason::TooMuchMemory,
            libc::SIGABRT | libc::SIGSEGV if said.contains("overflowed its stack") => {
                Reason::TooDeep
            }
            // Not ours (the wall-clock kill is judged before): the kernel's memory killer.
            libc::SIGKILL => Reason::TooMuchMemory,
            _ => Reason::Crashed,
        }));
    };
    match code {
        0 | 3 => Ok(Outcome::Text {
            text: String::from_utf8_lossy(&text).into_owned(),
            cut: code == i32::from(CUT),
        }),
        4 => Ok(Outcome::NotText),
        // A panic outside the readers' own guard.
        101 => Ok(Outcome::Failed(Reason::Crashed)),
        code => match reason_of_exit(code) {
            Some(reason) => Ok(Outcome::Failed(reason)),
            None => Err(format!("the child exited with {code}: {}", said.trim())),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_has_its_own_exit_code_above_the_others() {
        let mut codes: Vec<u8> = Reason::ALL.into_iter().map(exit_code).collect();
        for reason in Reason::ALL {
            assert_eq!(reason_of_exit(i32::from(exit_code(reason))), Some(reason));
        }
        codes.dedup();
        assert_eq!(codes.len(), Reason::ALL.len());
        assert!(codes.iter().all(|c| *c > NOT_TEXT && *c < 101));
        for code in [0, 1, 2, 3, 4, 9, 101] {
            assert_eq!(reason_of_exit(code), None, "{code}");
        }
    }
}

//! `vaern extract` (hidden): reads one library file's text for search and writes it to
//! standard output, run by the server's extraction worker. It first limits itself: CPU
//! seconds (SIGXCPU at the limit), address space (an allocation past it fails and aborts),
//! no file may be written (file size 0), few files open, no process started, no core
//! dump. Only then does it open the file. The exit code says how the reading ended (see
//! the parent module). No tokio runtime is started for it: one thread, nothing else
//! mapped.

use super::{CUT, NOT_READ, NOT_TEXT, TEXT, exit_code};
use clap::Args;
use rlimit::Resource;
use std::fs::File;
use std::io::{Cursor, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use vaern_core::library::file_type::FileType;
use vaern_core::library::text::{self, Limits};

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// Our type of the file, as stored with its version (never the uploader's word).
    #[arg(long)]
    pub media_type: String,
    /// CPU seconds allowed.
    #[arg(long, default_value_t = super::DEFAULT_CPU_SECONDS)]
    pub cpu_seconds: u64,
    /// Memory allowed beyond what the binary maps at start, in MiB (address space).
    #[arg(long, default_value_t = super::DEFAULT_MEMORY_MIB)]
    pub memory_mib: u64,
    /// The file; standard input when missing.
    pub path: Option<PathBuf>,
}

/// Files a child may have open: its three standard streams and the one it reads, with
/// room for what the runtime opens by itself.
const OPEN_FILES: u64 = 16;

/// Runs the child and says how it ended.
pub fn run(args: &ExtractArgs) -> ExitCode {
    if let Err(err) = limit_self(args) {
        // Never read hostile input without the limits.
        eprintln!("vaern extract: cannot set the limits: {err}");
        return ExitCode::from(NOT_READ);
    }
    let Some(file_type) = FileType::from_media_type(&args.media_type) else {
        return ExitCode::from(NOT_TEXT);
    };
    if !text::holds_text(file_type) {
        return ExitCode::from(NOT_TEXT);
    }
    let limits = Limits::default();
    let read = match &args.path {
        Some(path) => match File::open(path) {
            Ok(file) => text::extract(file_type, file, &limits),
            Err(err) => {
                eprintln!("vaern extract: cannot open {}: {err}", path.display());
                return ExitCode::from(NOT_READ);
            }
        },
        None => {
            let mut bytes = Vec::new();
            let taken = std::io::stdin()
                .lock()
                .take(limits.input_bytes.saturating_add(1))
                .read_to_end(&mut bytes);
            if let Err(err) = taken {
                eprintln!("vaern extract: cannot read standard input: {err}");
                return ExitCode::from(NOT_READ);
            }
            if bytes.len() as u64 > limits.input_bytes {
                return ExitCode::from(exit_code(text::Reason::TooLarge));
            }
            text::extract(file_type, Cursor::new(bytes), &limits)
        }
    };
    match read {
        Ok(extracted) => {
            let mut out = std::io::stdout().lock();
            if let Err(err) = out
                .write_all(extracted.text.as_bytes())
                .and_then(|()| out.flush())
            {
                eprintln!("vaern extract: cannot write the text: {err}");
                return ExitCode::from(NOT_READ);
            }
            ExitCode::from(if extracted.cut { CUT } else { TEXT })
        }
        Err(reason) => {
            eprintln!("vaern extract: not searchable: {}", reason.code());
            ExitCode::from(exit_code(reason))
        }
    }
}

/// Lowers this process's limits, soft and hard (so nothing in it can raise them again).
///
/// The address-space limit is what is mapped now plus the memory allowed: the binary's
/// own mappings (about 110 MB for a debug build) are not the reading's. The allocator
/// must not have reserved its usual 1 GiB arena ahead (the parent starts the child with
/// `MIMALLOC_ARENA_RESERVE=0`): with it, the process would be past the limit from the
/// start and not even its stack could grow.
fn limit_self(args: &ExtractArgs) -> std::io::Result<()> {
    let memory = mapped_now()
        .unwrap_or(0)
        .saturating_add(args.memory_mib.saturating_mul(1024 * 1024));
    // SIGXCPU at the soft limit; SIGKILL a second later should it be ignored.
    rlimit::setrlimit(
        Resource::CPU,
        args.cpu_seconds,
        args.cpu_seconds.saturating_add(1),
    )?;
    rlimit::setrlimit(Resource::AS, memory, memory)?;
    rlimit::setrlimit(Resource::FSIZE, 0, 0)?;
    rlimit::setrlimit(Resource::CORE, 0, 0)?;
    rlimit::setrlimit(Resource::NOFILE, OPEN_FILES, OPEN_FILES)?;
    // Ignored for root, which may always start processes; the readers start none.
    rlimit::setrlimit(Resource::NPROC, 0, 0)?;
    Ok(())
}

/// Bytes of address space this process maps now (`VmSize`), where the system says.
fn mapped_now() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmSize:"))?;
    let kib: u64 = line
        .trim_start_matches("VmSize:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

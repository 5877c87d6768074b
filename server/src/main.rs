//! The `vaern` binary: parse the command line and hand over to the library.

use clap::Parser;
use vaern_server::cli::{Cli, Command};

// See the workspace Cargo.toml: glibc's allocator was a quarter of a page's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // The extraction child limits the process it runs in: one thread, no runtime.
    if let Command::Extract(args) = &cli.command {
        return vaern_server::extraction::child::run(args);
    }
    vaern_server::telemetry::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("vaern: cannot start the runtime: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(vaern_server::cli::execute(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("vaern: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

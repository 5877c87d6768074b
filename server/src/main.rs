//! The `vaern` binary: parse the command line and hand over to the library.

use clap::Parser;

// See the workspace Cargo.toml: glibc's allocator was a quarter of a page's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    vaern_server::telemetry::init();
    let cli = vaern_server::cli::Cli::parse();
    match vaern_server::cli::execute(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("vaern: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

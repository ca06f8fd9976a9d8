//! The `netsuite-discovery` binary: parses the command line and hands over to the library.

use std::process::ExitCode;

use clap::Parser;
use netsuite_discovery::cli::{run, Cli};

fn main() -> ExitCode {
    netsuite_discovery::sys::release_large_blocks();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "fatal");
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

//! The `kf` binary: parse arguments, set up logging, run the command, map the outcome to an exit
//! code (0 ok, 1 failure, 2 usage error, 130 interrupted).

use std::process::ExitCode;

use clap::Parser;
use kf::cli::Cli;
use kf::commands::{self, Interrupted, UsageError};

fn main() -> ExitCode {
    let cli = Cli::parse();
    kf::diagnostics::init(use_color());
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("kf: error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(commands::run(cli));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) if e.downcast_ref::<Interrupted>().is_some() => ExitCode::from(130),
        Err(e) if e.downcast_ref::<UsageError>().is_some() => {
            eprintln!("kf: error: {}", commands::error_text(&e));
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("kf: error: {}", commands::error_text(&e));
            ExitCode::FAILURE
        }
    }
}

/// Colour only on a terminal, and never when `NO_COLOR` is set (no-color.org).
fn use_color() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// A closed stdout (`kf consume t | head`) ends kf quietly, as it does other Unix tools.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

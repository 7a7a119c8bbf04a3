//! One file per `kf` subcommand: each turns parsed arguments into calls on the library and
//! output on stdout (data) and stderr (diagnostics).

pub mod bench;
pub mod cluster;
pub mod connect;
pub mod generate;

use thiserror::Error;

use crate::cli::{Cli, Command};

/// A mistake in how kf was called: reported like clap's own errors, with exit code 2.
#[derive(Debug, Error)]
#[error("{0}")]
pub struct UsageError(pub String);

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Cluster(command) => cluster::run(command).await,
        Command::Bench(command) => bench::run(command).await,
        Command::Generate(args) => generate::run(&args),
    }
}

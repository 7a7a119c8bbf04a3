//! One file per `kf` subcommand: each turns parsed arguments into calls on the library and
//! output on stdout (data) and stderr (diagnostics).

pub mod bench;
pub mod cluster;
pub mod cluster_info;
pub mod connect;
pub mod consume;
pub mod format;
pub mod generate;
pub mod produce;
pub mod top;
pub mod topic;

use thiserror::Error;

use crate::cli::{Cli, Command};

/// A mistake in how kf was called: reported like clap's own errors, with exit code 2.
#[derive(Debug, Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The user pressed Ctrl-C: main exits with 130, as a shell does for SIGINT.
#[derive(Debug, Error)]
#[error("interrupted")]
pub struct Interrupted;

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Cluster(command) => cluster::run(command).await,
        Command::Topic(command) => topic::run(command).await,
        Command::Produce(args) => produce::run(args).await,
        Command::Consume(args) => consume::run(args).await,
        Command::Top(args) => top::run(args).await,
        Command::Bench(command) => bench::run(command).await,
        Command::Generate(args) => generate::run(&args),
    }
}

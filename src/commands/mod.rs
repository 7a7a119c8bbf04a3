//! One file per `kf` subcommand: each turns parsed arguments into calls on the library and
//! output on stdout (data) and stderr (diagnostics).

pub mod bench;
pub mod cluster;
pub mod cluster_faults;
pub mod cluster_info;
pub mod connect;
pub mod consume;
pub mod format;
pub mod generate;
pub mod group;
pub mod pipe;
pub mod produce;
pub mod top;
pub mod topic;
pub mod topic_reassign;
pub mod txn;

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

/// Ctrl-C (SIGINT), listened for from this call on. tokio's `ctrl_c()` installs its handler
/// only when first polled, which inside a `select!` may come after the other branch already
/// printed: a Ctrl-C answering that output would then kill kf instead of ending it cleanly.
pub fn interrupt_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        interrupt.recv().await;
    })
}

/// The one line kf prints for a failure: each cause in the chain once. A cause whose text its
/// parent already includes (thiserror's `"...: {source}"` with `#[source]`) is not repeated.
pub fn error_text(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    let mut parent = text.clone();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !parent.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
        parent = cause;
    }
    text
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Cluster(command) => cluster::run(command).await,
        Command::Topic(command) => topic::run(command).await,
        Command::Group(command) => group::run(command).await,
        Command::Txn(command) => txn::run(command).await,
        Command::Produce(args) => produce::run(args).await,
        Command::Consume(args) => consume::run(args).await,
        Command::Pipe(args) => pipe::run(args).await,
        Command::Top(args) => top::run(args).await,
        Command::Bench(command) => bench::run(command).await,
        Command::Generate(args) => generate::run(&args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Error)]
    #[error("cannot listen on {addr}: {source}")]
    struct Listen {
        addr: String,
        source: std::io::Error,
    }

    #[test]
    fn each_cause_is_printed_once() {
        let io = std::io::Error::new(std::io::ErrorKind::AddrInUse, "Address already in use");
        let error = anyhow::Error::new(Listen {
            addr: "127.0.0.1:9092".into(),
            source: io,
        })
        .context("cannot start the cluster");
        assert_eq!(
            error_text(&error),
            "cannot start the cluster: cannot listen on 127.0.0.1:9092: Address already in use"
        );
        let plain = anyhow::anyhow!("inner").context("outer");
        assert_eq!(error_text(&plain), "outer: inner");
    }
}

//! `kf bench produce|consume`: throughput and latency of kf's own client, reported in the
//! format of Kafka's perf-test tools so numbers compare side by side.

mod consume;
mod produce;
mod progress;
mod stats;
mod throttle;

use crate::cli::bench::BenchCommand;

pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Produce(args) => produce::run(args).await,
        BenchCommand::Consume(args) => consume::run(args).await,
    }
}

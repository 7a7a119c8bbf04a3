//! The command line, as clap types only: the one source of `--help`, shell completions and man
//! pages (`kf generate`). Behaviour lives in `commands/`.

pub mod bench;
pub mod cluster;
pub mod consume;
pub mod group;
pub mod pipe;
pub mod produce;
pub mod top;
pub mod topic;
pub mod txn;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "kf",
    version,
    about = "A local Apache Kafka cluster and the toolkit to drive it",
    long_about = "kf is one binary that is both a local multi-broker Apache Kafka cluster and the \
                  client to drive it. `kf cluster up` starts a cluster that speaks the real Kafka \
                  protocol; the other commands work against it or against any Kafka cluster.",
    after_help = "Examples:\n  kf cluster up                      start a 3-broker cluster on 9092-9094\n  kf topic create orders -p 6        create a topic\n  seq 1 10 | kf produce orders       produce ten records\n  kf consume orders -o beginning -e  read them back\n\nExit codes: 0 ok, 1 failure, 2 usage error, 130 interrupted."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run and inspect a local Kafka cluster
    #[command(subcommand)]
    Cluster(cluster::ClusterCommand),
    /// Create, list, describe, change and delete topics
    #[command(subcommand)]
    Topic(topic::TopicCommand),
    /// Inspect consumer groups, reset and delete their offsets
    #[command(subcommand)]
    Group(group::GroupCommand),
    /// Inspect transactions and producers, find and abort hanging transactions
    #[command(subcommand)]
    Txn(txn::TxnCommand),
    /// Produce records from stdin or a file
    Produce(produce::ProduceArgs),
    /// Print records of one or more topics
    Consume(consume::ConsumeArgs),
    /// Consume, transform and produce exactly once
    Pipe(pipe::PipeArgs),
    /// A live dashboard of brokers, topics, partitions, groups and transactions
    #[command(
        after_help = "Examples:\n  kf top                          watch the running local cluster\n  kf top -b kafka1:9092 --interval 2s\n  kf top --once -o json           one snapshot of every view, then exit\n\nKeys: 1-4 or Tab switch views, Enter opens a topic or group, / filters, p pauses,\n? shows every key, q or Ctrl-C quits. On a local kf cluster the Cluster view's k, s, i, h\nkill, start, isolate and heal the selected broker (H heals every link)."
    )]
    Top(top::TopArgs),
    /// Measure produce and consume throughput and latency
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Write shell completions and man pages (for packagers and the repository)
    #[command(hide = true)]
    Generate(GenerateArgs),
}

/// Where a client command connects.
#[derive(Debug, Clone, Args)]
pub struct ConnectArgs {
    /// Bootstrap servers, comma separated (default: --profile, else $KF_BOOTSTRAP, else the
    /// default-profile of ~/.config/kf/config.yaml, else the running `kf cluster up`)
    #[arg(short = 'b', long = "bootstrap-server", value_name = "HOST:PORT[,...]")]
    pub bootstrap_server: Option<String>,
    /// A named profile from ~/.config/kf/config.yaml (bootstrap servers and client properties)
    #[arg(long = "profile", value_name = "NAME")]
    pub profile: Option<String>,
    /// A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable)
    #[arg(
        short = 'X',
        value_name = "KEY=VALUE",
        long_help = "A Kafka client property, e.g. -X request.timeout.ms=5000 (repeatable). \
                     Names are the Java client's; these librdkafka names are accepted for the \
                     Java name they equal: metadata.broker.list (bootstrap.servers), \
                     message.max.bytes (max.request.size), queue.buffering.max.ms (linger.ms), \
                     message.send.max.retries (retries), message.timeout.ms \
                     (delivery.timeout.ms), request.required.acks (acks), compression.codec \
                     (compression.type), max.in.flight \
                     (max.in.flight.requests.per.connection), fetch.wait.max.ms \
                     (fetch.max.wait.ms), fetch.message.max.bytes (max.partition.fetch.bytes). \
                     allow.auto.create.topics (both clients' name) decides whether a missing \
                     topic is created on use: on for producing, off for consuming by default."
    )]
    pub client_properties: Vec<String>,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The directory to write `completions/` and `man/` under
    #[arg(long, default_value = ".")]
    pub out_dir: PathBuf,
}

/// Output format of inspect commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
    Yaml,
}

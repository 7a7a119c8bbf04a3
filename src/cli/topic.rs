//! `kf topic ...`

use clap::{Args, Subcommand};

use super::{ConnectArgs, OutputFormat};

#[derive(Debug, Subcommand)]
pub enum TopicCommand {
    /// Create a topic
    #[command(
        after_help = "Examples:\n  kf topic create orders\n  kf topic create orders -p 6 -c retention.ms=3600000"
    )]
    Create(CreateArgs),
    /// List topics
    #[command(after_help = "Examples:\n  kf topic list\n  kf topic list -o json")]
    List(ListArgs),
    /// Describe topics: partitions, leaders, replicas, ISR
    #[command(
        after_help = "Examples:\n  kf topic describe orders\n  kf topic describe orders payments -o yaml"
    )]
    Describe(DescribeArgs),
    /// Delete topics
    #[command(after_help = "Examples:\n  kf topic delete orders")]
    Delete(DeleteArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Topic name
    pub name: String,
    /// Number of partitions (default: the broker's num.partitions)
    #[arg(short = 'p', long = "partitions")]
    pub partitions: Option<i32>,
    /// Replication factor (default: the broker's default.replication.factor)
    #[arg(short = 'r', long = "replication-factor")]
    pub replication_factor: Option<i16>,
    /// A topic config, e.g. -c cleanup.policy=compact (repeatable)
    #[arg(short = 'c', long = "config", value_name = "KEY=VALUE")]
    pub configs: Vec<String>,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Include internal topics (__consumer_offsets, ...)
    #[arg(short = 'i', long = "internal")]
    pub internal: bool,
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// Topic names
    #[arg(required = true)]
    pub names: Vec<String>,
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// Topic names
    #[arg(required = true)]
    pub names: Vec<String>,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

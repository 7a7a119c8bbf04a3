//! `kf topic ...`

use clap::{ArgGroup, Args, Subcommand};

use super::{ConnectArgs, OutputFormat};

#[derive(Debug, Subcommand)]
pub enum TopicCommand {
    /// Create a topic
    #[command(
        after_help = "Examples:\n  kf topic create orders\n  kf topic create orders -p 6 -c retention.ms=3600000\n  kf topic create orders -p 6 -r 3 --if-not-exists"
    )]
    Create(CreateArgs),
    /// List topics with their partition count and replication factor
    #[command(
        after_help = "Examples:\n  kf topic list\n  kf topic list -i -o json\n  kf topic list --profile prod\n\nProfiles live in ~/.config/kf/config.yaml:\n  default-profile: dev\n  profiles:\n    dev:\n      bootstrap: localhost:9092\n    prod:\n      bootstrap: kafka1:9092,kafka2:9092\n      properties:\n        request.timeout.ms: \"5000\""
    )]
    List(ListArgs),
    /// Describe topics: config overrides, partitions, leaders, replicas, ISR
    #[command(
        after_help = "Examples:\n  kf topic describe orders\n  kf topic describe orders payments -o yaml\n  kf topic describe orders --all-configs\n  kf topic describe --under-replicated      partitions of any topic whose ISR lacks a replica\n  kf topic describe --unavailable -o json   partitions of any topic without a leader"
    )]
    Describe(DescribeArgs),
    /// Delete topics
    #[command(
        after_help = "Examples:\n  kf topic delete orders\n  kf topic delete orders payments --if-exists"
    )]
    Delete(DeleteArgs),
    /// Change a topic's config overrides (IncrementalAlterConfigs)
    #[command(
        after_help = "Examples:\n  kf topic alter-config orders -s retention.ms=86400000\n  kf topic alter-config orders -s cleanup.policy=compact -d retention.ms\n  kf topic alter-config orders --append cleanup.policy=delete"
    )]
    AlterConfig(AlterConfigArgs),
    /// Add partitions to a topic (existing partitions keep their data)
    #[command(
        after_help = "Examples:\n  kf topic add-partitions orders -n 2        two more partitions\n  kf topic add-partitions orders --total 12  grow to 12 partitions\n\nKeys map to partitions by their hash modulo the partition count, so adding partitions\nmoves keys to other partitions from then on."
    )]
    AddPartitions(AddPartitionsArgs),
    /// Move a partition's replicas to other brokers, list or cancel moves (KIP-455)
    #[command(
        after_help = "Examples:\n  kf topic reassign orders:0 --replicas 2,1       move orders-0 to brokers 2 and 1 (2 its preferred leader)\n  kf topic reassign --list                      every reassignment under way\n  kf topic reassign orders:0 --list -o json     that partition's, if under way\n\nThe added replicas catch up with the leader first; once they are all in sync, the removed\nreplicas leave and delete their copies. `kf topic reassign orders:0 --cancel` stops a move\nunder way and goes back to the replicas it started from."
    )]
    Reassign(ReassignArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Topic name
    pub name: String,
    /// Number of partitions (default: the broker's num.partitions)
    #[arg(short = 'p', long = "partitions", value_parser = clap::value_parser!(i32).range(1..))]
    pub partitions: Option<i32>,
    /// Replication factor (default: the broker's default.replication.factor)
    #[arg(short = 'r', long = "replication-factor", value_parser = clap::value_parser!(i16).range(1..))]
    pub replication_factor: Option<i16>,
    /// A topic config, e.g. -c cleanup.policy=compact (repeatable)
    #[arg(short = 'c', long = "config", value_name = "KEY=VALUE")]
    pub configs: Vec<String>,
    /// Succeed quietly when the topic already exists
    #[arg(long = "if-not-exists")]
    pub if_not_exists: bool,
    /// Ask the broker to check the request without creating the topic
    #[arg(long = "validate-only")]
    pub validate_only: bool,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Include internal topics (__consumer_offsets, ...)
    #[arg(short = 'i', long = "internal")]
    pub internal: bool,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// Topic names (every topic with --under-replicated or --unavailable)
    #[arg(required_unless_present_any = ["under_replicated", "unavailable"])]
    pub names: Vec<String>,
    /// Show every config with its source, not only the topic's overrides
    #[arg(short = 'a', long = "all-configs")]
    pub all_configs: bool,
    /// Only partitions whose ISR is smaller than their replica set
    #[arg(long = "under-replicated", conflicts_with = "all_configs")]
    pub under_replicated: bool,
    /// Only partitions without a leader
    #[arg(long = "unavailable", conflicts_with = "all_configs")]
    pub unavailable: bool,
    /// Output format
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
    /// Succeed quietly for topics that do not exist
    #[arg(long = "if-exists")]
    pub if_exists: bool,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("change").required(true).multiple(true)
    .args(["set", "delete", "append", "subtract"])))]
pub struct AlterConfigArgs {
    /// Topic name
    pub name: String,
    /// Set a config override (repeatable)
    #[arg(short = 's', long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Remove a config override, back to the broker default (repeatable)
    #[arg(short = 'd', long = "delete", value_name = "KEY")]
    pub delete: Vec<String>,
    /// Add a value to a list config, e.g. cleanup.policy (repeatable)
    #[arg(long = "append", value_name = "KEY=VALUE")]
    pub append: Vec<String>,
    /// Remove a value from a list config (repeatable)
    #[arg(long = "subtract", value_name = "KEY=VALUE")]
    pub subtract: Vec<String>,
    /// Ask the broker to check the change without applying it
    #[arg(long = "validate-only")]
    pub validate_only: bool,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("count").required(true).args(["num", "total"])))]
pub struct AddPartitionsArgs {
    /// Topic name
    pub name: String,
    /// How many partitions to add
    #[arg(short = 'n', long = "num", value_parser = clap::value_parser!(i32).range(1..))]
    pub num: Option<i32>,
    /// The partition count to grow to (must exceed the current count)
    #[arg(long = "total", value_parser = clap::value_parser!(i32).range(1..))]
    pub total: Option<i32>,
    /// Ask the broker to check the change without applying it
    #[arg(long = "validate-only")]
    pub validate_only: bool,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct ReassignArgs {
    /// The partition, as TOPIC:PARTITION (optional with --list)
    #[arg(value_name = "TOPIC:PARTITION", required_unless_present = "list")]
    pub partition: Option<String>,
    /// The brokers the partition moves to, its preferred leader first
    #[arg(
        long = "replicas",
        value_name = "ID,...",
        value_delimiter = ',',
        required_unless_present_any = ["list", "cancel"],
        conflicts_with_all = ["list", "cancel"]
    )]
    pub replicas: Vec<i32>,
    /// List the reassignments under way (of TOPIC:PARTITION when given)
    #[arg(long = "list", conflicts_with = "cancel")]
    pub list: bool,
    /// Cancel the partition's reassignment
    #[arg(long = "cancel")]
    pub cancel: bool,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

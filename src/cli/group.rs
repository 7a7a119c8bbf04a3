//! `kf group ...`

use clap::{ArgGroup, Args, Subcommand};

use super::{ConnectArgs, OutputFormat};

#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// List consumer groups on every broker
    #[command(
        after_help = "Examples:\n  kf group list\n  kf group list --state Stable -o json\n  kf group list --type consumer"
    )]
    List(ListArgs),
    /// Describe groups: state, assignor, coordinator, members and per-partition offsets and lag
    #[command(
        after_help = "Examples:\n  kf group describe audit\n  kf group describe audit billing -o yaml\n  kf group describe audit --read-committed\n\nLAG is LOG-END-OFFSET minus CURRENT-OFFSET (the committed offset). With --read-committed\nthe log end offset is the last stable offset, what a read_committed consumer can reach."
    )]
    Describe(DescribeArgs),
    /// Show the total and per-partition lag of groups
    #[command(
        after_help = "Examples:\n  kf group lag audit\n  kf group lag audit billing -o json\n  kf group lag audit --watch --interval 1s"
    )]
    Lag(LagArgs),
    /// Move a group's committed offsets (prints the plan; changes nothing without --execute)
    #[command(
        group(ArgGroup::new("scope").required(true).args(["topics", "all_topics"])),
        group(ArgGroup::new("target").required(true).args([
            "to_earliest", "to_latest", "to_offset", "shift_by", "to_datetime", "by_duration"
        ])),
        after_help = "Examples:\n  kf group reset-offsets audit --topic orders --to-earliest\n  kf group reset-offsets audit --topic orders:0,1 --shift-by -10 --execute\n  kf group reset-offsets audit --all-topics --to-datetime 2026-01-31T12:00:00Z --execute\n  kf group reset-offsets audit --topic orders --by-duration 1h\n\nOffsets can only be reset while the group has no active members: stop its consumers\nfirst. Targets outside [earliest, latest] are clamped to the nearest end, as Kafka does."
    )]
    ResetOffsets(ResetOffsetsArgs),
    /// Delete groups that have no active members, with their committed offsets
    #[command(after_help = "Examples:\n  kf group delete audit\n  kf group delete audit billing")]
    Delete(DeleteArgs),
    /// Delete a group's committed offsets of some topics or partitions
    #[command(
        after_help = "Examples:\n  kf group delete-offsets audit --topic orders\n  kf group delete-offsets audit --topic orders:0,1 --topic payments\n\nThe group may be active, but not consuming the topics whose offsets are deleted."
    )]
    DeleteOffsets(DeleteOffsetsArgs),
}

/// A group's type filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GroupType {
    /// Groups on the classic protocol (JoinGroup/SyncGroup)
    Classic,
    /// Groups on the consumer protocol (KIP-848, ConsumerGroupHeartbeat)
    Consumer,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only groups in this state, e.g. Stable, Empty, PreparingRebalance (repeatable)
    #[arg(long = "state", value_name = "STATE")]
    pub states: Vec<String>,
    /// Only groups of this type (repeatable)
    #[arg(long = "type", value_enum, value_name = "TYPE")]
    pub types: Vec<GroupType>,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// Group ids
    #[arg(required = true)]
    pub groups: Vec<String>,
    /// Compute lag against the last stable offset, as a read_committed consumer sees the log
    #[arg(long = "read-committed")]
    pub read_committed: bool,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct LagArgs {
    /// Group ids
    #[arg(required = true)]
    pub groups: Vec<String>,
    /// Compute lag against the last stable offset, as a read_committed consumer sees the log
    #[arg(long = "read-committed")]
    pub read_committed: bool,
    /// Refresh in place until interrupted
    #[arg(short = 'w', long = "watch")]
    pub watch: bool,
    /// Time between refreshes with --watch, e.g. 500ms, 2s
    #[arg(
        long = "interval",
        value_name = "DURATION",
        default_value = "2s",
        requires = "watch"
    )]
    pub interval: String,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct ResetOffsetsArgs {
    /// Group id
    pub group: String,
    /// A topic, or some of its partitions as TOPIC:P,P,... (repeatable)
    #[arg(long = "topic", value_name = "TOPIC[:P,...]")]
    pub topics: Vec<String>,
    /// Every topic the group has committed offsets for
    #[arg(long = "all-topics")]
    pub all_topics: bool,
    /// To each partition's log start offset
    #[arg(long = "to-earliest")]
    pub to_earliest: bool,
    /// To each partition's log end offset
    #[arg(long = "to-latest")]
    pub to_latest: bool,
    /// To this offset
    #[arg(long = "to-offset", value_name = "N", allow_negative_numbers = true)]
    pub to_offset: Option<i64>,
    /// Move the committed offset by N (negative: back)
    #[arg(long = "shift-by", value_name = "N", allow_negative_numbers = true)]
    pub shift_by: Option<i64>,
    /// To the first offset at or after this time: RFC 3339 (2026-01-31T12:00:00Z),
    /// local YYYY-MM-DDTHH:MM:SS[.mmm], or milliseconds since the epoch
    #[arg(long = "to-datetime", value_name = "TS")]
    pub to_datetime: Option<String>,
    /// To the first offset at or after now minus this duration: 30m, 2h, 1d or ISO 8601
    /// (PT1H30M, P1DT2H)
    #[arg(long = "by-duration", value_name = "D")]
    pub by_duration: Option<String>,
    /// Commit the new offsets (without it only the plan is printed)
    #[arg(long = "execute")]
    pub execute: bool,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// Group ids
    #[arg(required = true)]
    pub groups: Vec<String>,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct DeleteOffsetsArgs {
    /// Group id
    pub group: String,
    /// A topic, or some of its partitions as TOPIC:P,P,... (repeatable)
    #[arg(long = "topic", value_name = "TOPIC[:P,...]", required = true)]
    pub topics: Vec<String>,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

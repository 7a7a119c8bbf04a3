//! `kf txn ...`

use clap::{ArgGroup, Args, Subcommand};

use super::{ConnectArgs, OutputFormat};

#[derive(Debug, Subcommand)]
pub enum TxnCommand {
    /// List transactional ids on every broker, with their state and producer id
    #[command(
        after_help = "Examples:\n  kf txn list\n  kf txn list --state Ongoing --state PrepareCommit -o json\n  kf txn list --min-duration 5m\n\nStates are Kafka's: Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit,\nCompleteAbort, Dead, PrepareEpochFence."
    )]
    List(ListArgs),
    /// Describe transactional ids: state, producer id and epoch, coordinator, timeout, start
    /// time, duration and partitions
    #[command(
        after_help = "Examples:\n  kf txn describe payments-writer\n  kf txn describe payments-writer orders-writer -o yaml"
    )]
    Describe(DescribeArgs),
    /// Show a partition's active producers: epoch, last sequence, open transaction start offset
    #[command(
        after_help = "Examples:\n  kf txn producers orders\n  kf txn producers orders --partition 0 -o json"
    )]
    Producers(ProducersArgs),
    /// Find open transactions older than the maximum transaction timeout that their
    /// coordinator does not know of (hanging transactions)
    #[command(
        group(ArgGroup::new("scope").args(["broker", "topic"])),
        after_help = "Examples:\n  kf txn find-hanging\n  kf txn find-hanging --topic orders --max-transaction-timeout 1\n  kf txn find-hanging --broker 0 -o json\n\nA transaction is a candidate when it has been open in a partition longer than\n--max-transaction-timeout (minutes, 15 by default as Kafka's transaction.max.timeout.ms);\nit is hanging when its coordinator no longer counts that partition in it. Abort one with\n`kf txn abort`."
    )]
    FindHanging(FindHangingArgs),
    /// Abort a hanging transaction in one partition (writes an abort marker at its leader)
    #[command(
        group(ArgGroup::new("which").required(true).args(["start_offset", "producer_id"])),
        after_help = "Examples:\n  kf txn abort --topic orders --partition 0 --start-offset 60\n  kf txn abort --topic orders --partition 0 --producer-id 7000 --producer-epoch 0 --coordinator-epoch 0\n\nWith --start-offset the producer is the one whose open transaction starts there\n(`kf txn producers` shows it); the producer id, epoch and coordinator epoch can be given\ninstead. Only for transactions their coordinator lost: a live one is ended by its producer."
    )]
    Abort(AbortArgs),
    /// Watch transactions change state live: one line per transition and per marker
    #[command(
        after_help = "Examples:\n  kf txn trace\n  kf txn trace payments-writer orders-writer\n  kf txn trace --from-beginning -o json -c 8\n\nFollows __transaction_state from its end (or its beginning) and decodes Kafka's records, so\nit works against any cluster that lets you read that topic; the commit and abort markers\nare read from the transactions' partitions as each receives them. -o json prints one\nobject per line: event (transition or marker), timestamp, transactional_id, producer_id,\nproducer_epoch, state, previous_state, partitions (and marker, offset for markers)."
    )]
    Trace(TraceArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only transactions in this state (Kafka's names, repeatable)
    #[arg(long = "state", value_name = "STATE")]
    pub states: Vec<String>,
    /// Only transactions of this producer id (repeatable)
    #[arg(long = "producer-id", value_name = "N")]
    pub producer_ids: Vec<i64>,
    /// Only transactions open longer than this, e.g. 30s, 5m, PT1H (ListTransactions v1);
    /// completed ones are left out
    #[arg(long = "min-duration", value_name = "D")]
    pub min_duration: Option<String>,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// Transactional ids
    #[arg(required = true, value_name = "TXN_ID")]
    pub transactional_ids: Vec<String>,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct ProducersArgs {
    /// Topic
    pub topic: String,
    /// Only this partition (default: every partition)
    #[arg(long = "partition", short = 'p', value_name = "P")]
    pub partition: Option<i32>,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct FindHangingArgs {
    /// Only partitions with a replica on this broker, asked of this broker
    #[arg(long = "broker", value_name = "ID")]
    pub broker: Option<i32>,
    /// Only this topic (default: every topic)
    #[arg(long = "topic", value_name = "T")]
    pub topic: Option<String>,
    /// Only this partition of --topic
    #[arg(long = "partition", value_name = "P", requires = "topic")]
    pub partition: Option<i32>,
    /// The cluster's transaction.max.timeout.ms, in minutes: only transactions open longer
    /// are candidates
    #[arg(
        long = "max-transaction-timeout",
        value_name = "MINUTES",
        default_value_t = 15
    )]
    pub max_transaction_timeout: u32,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct AbortArgs {
    /// Topic of the partition
    #[arg(long = "topic", value_name = "T", required = true)]
    pub topic: String,
    /// Partition
    #[arg(long = "partition", value_name = "P", required = true)]
    pub partition: i32,
    /// The first offset of the open transaction to abort
    #[arg(long = "start-offset", value_name = "N")]
    pub start_offset: Option<i64>,
    /// The producer id of the transaction (with --producer-epoch and --coordinator-epoch)
    #[arg(
        long = "producer-id",
        value_name = "N",
        requires_all = ["producer_epoch", "coordinator_epoch"]
    )]
    pub producer_id: Option<i64>,
    /// The producer's epoch
    #[arg(long = "producer-epoch", value_name = "N", requires = "producer_id")]
    pub producer_epoch: Option<i16>,
    /// The coordinator epoch (`kf txn producers` shows it; negative means 0)
    #[arg(
        long = "coordinator-epoch",
        value_name = "N",
        requires = "producer_id",
        allow_negative_numbers = true
    )]
    pub coordinator_epoch: Option<i32>,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// Only these transactional ids (default: all)
    #[arg(value_name = "TXN_ID")]
    pub transactional_ids: Vec<String>,
    /// Replay every transition still in __transaction_state before following new ones
    #[arg(long = "from-beginning")]
    pub from_beginning: bool,
    /// Exit after this many events
    #[arg(short = 'c', long = "count", value_name = "N")]
    pub count: Option<u64>,
    /// Output format: text lines, or one JSON object per line
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: TraceFormat,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// How `kf txn trace` prints events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum TraceFormat {
    #[default]
    Text,
    /// One JSON object per line
    Json,
}

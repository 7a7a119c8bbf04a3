//! `kf bench produce|consume`

use clap::{Args, Subcommand};

use super::consume::GroupProtocolArg;
use super::ConnectArgs;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Produce generated records as fast as allowed and report throughput and latency, like
    /// Kafka's kafka-producer-perf-test
    #[command(
        after_help = "Examples:\n  kf bench produce perf -n 1000000 -s 100\n  kf bench produce perf -n 100000 -s 1024 -t 20000 --acks 1\n  kf bench produce perf -z lz4 -X linger.ms=20 -X batch.size=131072\n  kf bench produce perf --transactional-id bench --transaction-size 1000\n\nWith --transactional-id the records go in transactions of --transaction-size records (1000\nby default), each committed once its records are acknowledged; the end adds the commit\nlatency (EndTxn request to response) percentiles.\nEvery --reporting-interval it prints Kafka's window line:\n  N records sent, X records/sec (Y MB/sec), Z ms avg latency, W ms max latency.\nand at the end the totals with the 50th, 95th, 99th and 99.9th latency percentiles.\nLatency is the time from handing a record to the producer until its acknowledgement.\nPayloads are random upper-case letters, new for every record, as in Kafka's tool."
    )]
    Produce(BenchProduceArgs),
    /// Read a topic as fast as possible and report throughput and fetch latency, like Kafka's
    /// kafka-consumer-perf-test
    #[command(
        after_help = "Examples:\n  kf bench consume perf                 read every partition from the beginning to its end\n  kf bench consume perf -n 1000000      stop after a million records\n  kf bench consume perf -X fetch.max.bytes=104857600\n  kf bench consume perf -G bench --group-protocol consumer   as a KIP-848 group member\n\nWith -G it subscribes as a member of GROUP (from the beginning when the group has no\ncommitted offset; nothing is committed) and first prints how long the first assignment took.\n\nEvery --reporting-interval it prints the window line\n  N records received, X records/sec (Y MB/sec), Z ms avg latency, W ms max latency.\nand at the end the totals with latency percentiles. A record's latency is how long the\nfetch round that brought it took. MB counts key and value bytes."
    )]
    Consume(BenchConsumeArgs),
}

#[derive(Debug, Args)]
pub struct BenchProduceArgs {
    /// Topic to produce to (must exist, or the cluster must create topics on use)
    pub topic: String,
    /// Number of records to produce
    #[arg(short = 'n', long = "num-records", value_name = "N", default_value_t = 1_000_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub num_records: u64,
    /// Size of each record's value in bytes
    #[arg(short = 's', long = "record-size", value_name = "BYTES", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub record_size: u32,
    /// Cap on records per second; -1 for no cap
    #[arg(short = 't', long = "throughput", value_name = "RECORDS_PER_SEC", default_value_t = -1.0,
          allow_negative_numbers = true)]
    pub throughput: f64,
    /// Acknowledgements to wait for (default: the client's, all)
    #[arg(long = "acks", value_parser = ["0", "1", "all", "-1"])]
    pub acks: Option<String>,
    /// Compression codec (default: the client's, none)
    #[arg(short = 'z', long = "compression",
          value_parser = ["none", "gzip", "snappy", "lz4", "zstd"])]
    pub compression: Option<String>,
    /// Produce every record to this partition (default: the sticky partitioner)
    #[arg(short = 'p', long = "partition")]
    pub partition: Option<i32>,
    /// Milliseconds between the periodic report lines
    #[arg(long = "reporting-interval", value_name = "MS", default_value_t = 5000)]
    pub reporting_interval_ms: u64,
    /// Produce in transactions with this transactional.id (as Kafka's perf test)
    #[arg(long = "transactional-id", value_name = "ID")]
    pub transactional_id: Option<String>,
    /// Records per transaction [default: 1000 with --transactional-id]
    #[arg(long = "transaction-size", value_name = "N", requires = "transactional_id",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub transaction_size: Option<u64>,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct BenchConsumeArgs {
    /// Topic to read
    pub topic: String,
    /// Stop after this many records (default: at the end offsets seen at the start)
    #[arg(short = 'n', long = "num-records", value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub num_records: Option<u64>,
    /// Partitions to read, comma separated (default: all; not with -G)
    #[arg(
        short = 'p',
        long = "partitions",
        value_delimiter = ',',
        conflicts_with = "group"
    )]
    pub partitions: Vec<i32>,
    /// Read as a member of this consumer group (subscribe) instead of assigning partitions
    #[arg(short = 'G', long = "group", value_name = "GROUP")]
    pub group: Option<String>,
    /// The group protocol (with -G): classic works with every broker; consumer (KIP-848)
    /// needs Kafka 4.0+ or kf and rebalances without stopping the other members [default:
    /// classic]
    #[arg(
        long = "group-protocol",
        value_enum,
        value_name = "PROTOCOL",
        requires = "group"
    )]
    pub group_protocol: Option<GroupProtocolArg>,
    /// Give up when no record arrives for this many milliseconds
    #[arg(long = "timeout", value_name = "MS", default_value_t = 10_000)]
    pub timeout_ms: u64,
    /// Milliseconds between the periodic report lines
    #[arg(long = "reporting-interval", value_name = "MS", default_value_t = 5000)]
    pub reporting_interval_ms: u64,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

//! `kf consume`

use clap::{Args, ValueEnum};

use super::ConnectArgs;

#[derive(Debug, Args)]
#[command(
    about = "Print records of one or more topics",
    long_about = "Print the records of TOPIC... on stdout: by default each value and a newline, \
                  as kcat does; -f for a format of your own, -J for one JSON object per record. \
                  Without -G, kf reads the partitions itself (all, or those of -p); with -G it \
                  joins a consumer group and reads what the group assigns it.",
    after_help = "Offsets (-o):\n  \
                  beginning | end          the log start, or only new records\n  \
                  N | +N | -N              offset N; N after the start; N before the end\n  \
                  @TIME                    the first record at or after TIME\n  \
                  @-1h                     relative to now: ms, s, m, h, d (e.g. @-30m)\n  \
                  @T1:T2                   from T1 up to (not including) T2, then exit\n  \
                  TIME is ms since the epoch, RFC 3339 (2024-05-01T12:00:00Z) or a date \
                  (2024-05-01, UTC midnight).\n  \
                  With -G, -o only says where to start when the group has no committed offset \
                  (beginning or end).\n\n\
                  Format (-f) escapes:\n  \
                  %t topic          %p partition        %o offset\n  \
                  %k key            %K key size (bytes, -1 if null)\n  \
                  %s value          %S value size (bytes, -1 if null)\n  \
                  %h headers as name=value,name=value (a null value: name alone)\n  \
                  %T timestamp (ms since the epoch)   %y timestamp type (CreateTime, LogAppendTime)\n  \
                  %d timestamp as RFC 3339 (UTC)      %d{STRFTIME} timestamp formatted, e.g. %d{%F %T}\n  \
                  %E leader epoch   %P producer id      %Q producer epoch\n  \
                  %% a percent sign; \\n \\t \\r \\\\ \\0 \\xHH are escapes.\n  \
                  Keys and values are printed per --key-encoding / --value-encoding; a null \
                  prints as nothing (text) or null (JSON).\n\n\
                  Examples:\n  \
                  kf consume orders -o beginning -e               print every value, then exit\n  \
                  kf consume orders                               follow new records\n  \
                  kf consume orders -p 0 -o 42 -c 10              ten records of partition 0 from offset 42\n  \
                  kf consume orders -o -5 -e                      the last five records of each partition\n  \
                  kf consume orders -o @-1h -e -f '%d{%T} %k=%s\\n'\n  \
                  kf consume orders -o @2024-05-01:2024-05-02     one day of records\n  \
                  kf consume orders -o beginning -e -J --key-encoding base64\n  \
                  kf consume orders other -G audit -o beginning -e  as a group member\n  \
                  kf consume orders -G audit --group-protocol consumer  as a KIP-848 member"
)]
pub struct ConsumeArgs {
    /// Topics to consume
    #[arg(required = true)]
    pub topics: Vec<String>,
    /// Where to start (see Offsets below) [default: end]
    #[arg(
        short = 'o',
        long = "offset",
        value_name = "OFFSET",
        allow_hyphen_values = true
    )]
    pub offset: Option<String>,
    /// Only these partitions (repeatable; not with -G)
    #[arg(short = 'p', long = "partition", conflicts_with = "group")]
    pub partitions: Vec<i32>,
    /// Exit once every partition has been read to its end as it was when assigned: its high
    /// watermark, or with --isolation read_committed its last stable offset (a transaction
    /// still open is not waited for, as kcat and Kafka's console consumer do)
    #[arg(short = 'e', long = "exit")]
    pub exit_at_end: bool,
    /// Exit after this many records
    #[arg(short = 'c', long = "count", value_name = "N")]
    pub count: Option<u64>,
    /// Join this consumer group; offsets are committed as records are read
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
    /// Which records to read: read_uncommitted sees aborted transactions' records too
    #[arg(long = "isolation", value_enum, value_name = "LEVEL")]
    pub isolation: Option<Isolation>,
    /// Also print transaction markers (control records)
    #[arg(long = "print-control-records")]
    pub print_control_records: bool,
    /// Print each record with this format (see below)
    #[arg(
        short = 'f',
        long = "format",
        value_name = "FORMAT",
        conflicts_with = "json"
    )]
    pub format: Option<String>,
    /// Print one JSON object per record, with kcat's field names
    #[arg(short = 'J', long = "json")]
    pub json: bool,
    /// How keys are printed
    #[arg(long = "key-encoding", value_enum, default_value_t = BytesEncoding::Text)]
    pub key_encoding: BytesEncoding,
    /// How values are printed
    #[arg(long = "value-encoding", value_enum, default_value_t = BytesEncoding::Text)]
    pub value_encoding: BytesEncoding,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// How record keys and values are written as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum BytesEncoding {
    /// The bytes as they are
    #[default]
    Text,
    /// Lowercase hexadecimal
    Hex,
    /// Standard base64 with padding
    Base64,
}

/// `group.protocol`: how a group member gets its partitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum GroupProtocolArg {
    /// JoinGroup/SyncGroup, a member assigns: every Kafka version (Kafka's clients' default)
    #[default]
    Classic,
    /// KIP-848: the coordinator assigns, incrementally (Kafka 4.0+ and kf)
    Consumer,
}

impl GroupProtocolArg {
    /// The `group.protocol` value.
    pub fn config_value(self) -> &'static str {
        match self {
            GroupProtocolArg::Classic => "classic",
            GroupProtocolArg::Consumer => "consumer",
        }
    }
}

/// `isolation.level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Isolation {
    /// Only records of committed transactions (up to the last stable offset)
    #[value(name = "read_committed")]
    ReadCommitted,
    /// Every record up to the high watermark (Kafka's default)
    #[value(name = "read_uncommitted")]
    ReadUncommitted,
}

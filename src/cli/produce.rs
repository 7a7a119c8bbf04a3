//! `kf produce`

use std::path::PathBuf;

use clap::Args;

use super::consume::BytesEncoding;
use super::ConnectArgs;

#[derive(Debug, Args)]
#[command(
    about = "Produce records from stdin or a file, one per line",
    long_about = "Produce records to TOPIC from stdin (or --file): one record per line, or per \
                  -D delimiter. Keys come from -k or from an input format (-f). Every record is \
                  acknowledged before kf exits; if any fails, kf names it and exits with 1.",
    after_help = "Input format (-f): the escapes of `kf consume -f` that make sense for input:\n  \
                  %k key   %s value   %p partition   %T timestamp (ms since the epoch)\n  \
                  %h headers as name=value,name=value\n  \
                  A field ends where the next literal text of the format begins (or at the end \
                  of the record); \\n \\t \\r \\\\ \\0 \\xHH are escapes.\n\n\
                  Examples:\n  \
                  seq 1 100 | kf produce orders\n  \
                  echo 'user-1:hello' | kf produce orders -k :\n  \
                  kf produce orders --file events.txt -z zstd --acks 1\n  \
                  printf 'k1:v1\\nk1:\\n' | kf produce compacted -k : -Z  (empty value = tombstone)\n  \
                  echo 'user-1|2|hi' | kf produce orders -f '%k|%p|%s'\n  \
                  echo '6b6579' | kf produce orders -f '%k' --key-encoding hex -Z\n  \
                  kf produce orders -H source=cli -H trace-id=42 < lines.txt\n  \
                  kf produce orders --transactional-id loader < lines.txt  (all or nothing)\n  \
                  kf produce orders --transactional-id loader --transaction-size 100 --file events.txt\n\n\
                  With a transactional id (--transactional-id or -X transactional.id) the records \
                  are written in transactions: all of the input in one, or one per \
                  --transaction-size records. A failed record aborts its transaction and ends kf \
                  with 1; transactions committed before it stay."
)]
pub struct ProduceArgs {
    /// Topic to produce to
    pub topic: String,
    /// Read records from this file instead of stdin
    #[arg(long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Record delimiter (escapes such as \n, \t, \0 and \xHH allowed)
    #[arg(
        short = 'D',
        long = "delimiter",
        value_name = "DELIM",
        default_value = "\\n"
    )]
    pub delimiter: String,
    /// Split each record at the first DELIM into key and value (no DELIM: no key)
    #[arg(
        short = 'k',
        long = "key-delimiter",
        value_name = "DELIM",
        conflicts_with = "format"
    )]
    pub key_delimiter: Option<String>,
    /// Parse each record with this format (see below), e.g. '%k|%s'
    #[arg(short = 'f', long = "format", value_name = "FORMAT")]
    pub format: Option<String>,
    /// Add a header NAME=VALUE to every record (repeatable; NAME alone: a null value)
    #[arg(short = 'H', long = "header", value_name = "NAME=VALUE")]
    pub headers: Vec<String>,
    /// Produce every record to this partition (default: by key, murmur2 as Kafka's clients)
    #[arg(short = 'p', long = "partition")]
    pub partition: Option<i32>,
    /// Acknowledgements to wait for: 0, 1, all or -1 [default: all, or -X acks]
    #[arg(long = "acks", value_parser = ["0", "1", "all", "-1"], allow_hyphen_values = true)]
    pub acks: Option<String>,
    /// Compression codec: none, gzip, snappy, lz4, zstd [default: none, or -X compression.type]
    #[arg(short = 'z', long = "compression",
          value_parser = ["none", "gzip", "snappy", "lz4", "zstd"])]
    pub compression: Option<String>,
    /// An empty value is a tombstone (null value) rather than an empty one
    #[arg(short = 'Z', long = "null-empty")]
    pub null_empty: bool,
    /// How input keys are written: as is, or hex / base64 to decode
    #[arg(long = "key-encoding", value_enum, default_value_t = BytesEncoding::Text)]
    pub key_encoding: BytesEncoding,
    /// How input values are written: as is, or hex / base64 to decode
    #[arg(long = "value-encoding", value_enum, default_value_t = BytesEncoding::Text)]
    pub value_encoding: BytesEncoding,
    /// Write the input in transactions with this transactional.id (fencing any older
    /// producer with it)
    #[arg(long = "transactional-id", value_name = "ID")]
    pub transactional_id: Option<String>,
    /// Commit a transaction every N records [default: one transaction for all the input]
    #[arg(long = "transaction-size", value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub transaction_size: Option<u64>,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

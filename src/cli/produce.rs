//! `kf produce`

use std::path::PathBuf;

use clap::Args;

use super::ConnectArgs;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  seq 1 100 | kf produce orders\n  echo 'user-1:hello' | kf produce orders -k :\n  kf produce orders --file events.txt -z zstd"
)]
pub struct ProduceArgs {
    /// Topic to produce to
    pub topic: String,
    /// Split each line at the first DELIM into key and value
    #[arg(short = 'k', long = "key-delimiter", value_name = "DELIM")]
    pub key_delimiter: Option<String>,
    /// Read records from this file instead of stdin
    #[arg(long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Produce every record to this partition
    #[arg(short = 'p', long = "partition")]
    pub partition: Option<i32>,
    /// Acknowledgements to wait for: 0, 1 or all (-1)
    #[arg(long = "acks", default_value = "all")]
    pub acks: String,
    /// Compression codec: none, gzip, snappy, lz4, zstd
    #[arg(short = 'z', long = "compression", default_value = "none")]
    pub compression: String,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

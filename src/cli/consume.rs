//! `kf consume`

use clap::Args;

use super::ConnectArgs;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kf consume orders -o beginning -e     print every record, then exit\n  kf consume orders -o end              follow new records\n  kf consume orders -p 0 -o 42 -c 10    ten records of partition 0 from offset 42"
)]
pub struct ConsumeArgs {
    /// Topics to consume
    #[arg(required = true)]
    pub topics: Vec<String>,
    /// Where to start: beginning, end, or an offset N
    #[arg(short = 'o', long = "offset", default_value = "end")]
    pub offset: String,
    /// Only these partitions (repeatable)
    #[arg(short = 'p', long = "partition")]
    pub partitions: Vec<i32>,
    /// Exit once every partition has been read to its end
    #[arg(short = 'e', long = "exit")]
    pub exit_at_end: bool,
    /// Exit after this many records
    #[arg(short = 'c', long = "count")]
    pub count: Option<u64>,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

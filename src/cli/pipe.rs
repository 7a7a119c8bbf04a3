//! `kf pipe`

use clap::Args;

use super::ConnectArgs;

#[derive(Debug, Args)]
#[command(
    about = "Consume, transform and produce exactly once (a transactional consume-transform-produce loop)",
    after_help = "Examples:\n  kf pipe orders other --group copier --transactional-id copier-1 -c 10\n  kf pipe orders other --group upper --transactional-id upper-1 --exec 'sed -u s/order/ORDER/' -c 10\n\nReads IN_TOPIC as a member of --group (read_committed, from the committed offsets, else\nthe beginning) and writes each record's output, with its key, to OUT_TOPIC. Each fetched\nround is one transaction: the outputs and the group's offsets after them commit together\n(KIP-447), so kf pipe killed at any moment and started again writes every input's output\nexactly once for read_committed readers. With --exec, CMD runs once under sh and gets each\nrecord's value as a line on stdin; its next line on stdout is the output (CMD must not\nbuffer its output: one line in, one line out). Without --exec values are copied."
)]
pub struct PipeArgs {
    /// Topic to read
    pub input_topic: String,
    /// Topic to write (created on first use where the cluster allows it, as `kf produce` does)
    pub output_topic: String,
    /// Consumer group whose committed offsets say where to resume
    #[arg(long = "group", short = 'g', value_name = "G")]
    pub group: String,
    /// The producer's transactional.id: one per running pipe (a second one fences the first)
    #[arg(long = "transactional-id", value_name = "ID")]
    pub transactional_id: String,
    /// Transform each value with this shell command, one line in and one line out
    #[arg(long = "exec", value_name = "CMD")]
    pub exec: Option<String>,
    /// Exit after this many records were committed
    #[arg(short = 'c', long = "count", value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

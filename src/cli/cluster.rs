//! `kf cluster ...`

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// Start a local cluster (foreground; Ctrl-C stops it)
    #[command(
        after_help = "Examples:\n  kf cluster up                         3 brokers on 127.0.0.1:9092-9094\n  kf cluster up -n 1 -p 0               one broker on a free port\n  kf cluster up -c num.partitions=4 -c auto.create.topics.enable=false\n  kf cluster up --config cluster.yaml --detach\n  kf cluster up -n 6 --racks a,b,c          two brokers per rack, replicas spread over racks\n  kf cluster up --advertise 192.168.1.20     reachable from other hosts and containers\n  kf cluster up -c listeners=INTERNAL://127.0.0.1:9092,EXTERNAL://:9192 \\\n    -c advertised.listeners=INTERNAL://127.0.0.1:9092,EXTERNAL://host.docker.internal:9192 \\\n    -c listener.security.protocol.map=INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT \\\n    -c inter.broker.listener.name=INTERNAL\n\nWith N brokers, each port in listeners is broker 0's and broker i adds i (as -p does).\n\nThe YAML file holds broker properties, e.g.\n  brokers: 3\n  port: 9092\n  broker-config:\n    num.partitions: 4\n    log.segment.bytes: 1048576"
    )]
    Up(UpArgs),
    /// Stop the running local cluster
    #[command(
        after_help = "Examples:\n  kf cluster down                   stop the cluster last started\n  kf cluster down --data-dir /tmp/kf"
    )]
    Down(StateArgs),
    /// Show the running local cluster: brokers (up, down, isolated, fenced), controller, partition health
    #[command(after_help = "Examples:\n  kf cluster status\n  kf cluster status -o json")]
    Status(StateArgs),
    /// Crash one broker of the running local cluster (its data stays; `kf cluster start` brings it back)
    #[command(
        after_help = "Examples:\n  kf cluster kill 1                   broker 1 stops at once, as a crash\n  kf cluster kill 2 --data-dir /tmp/kf\n\nThe controller fences the broker once broker.session.timeout.ms passes without its heartbeat;\nits partitions elect new leaders from their ISR."
    )]
    Kill(BrokerIdArgs),
    /// Start a killed broker again, on its old ports and data
    #[command(
        after_help = "Examples:\n  kf cluster start 1\n  kf cluster start 2 --data-dir /tmp/kf"
    )]
    Start(BrokerIdArgs),
    /// Cut one broker off from the other brokers and the metadata quorum (clients still reach it)
    #[command(
        after_help = "Examples:\n  kf cluster isolate 1                a network partition around broker 1\n  kf cluster heal 1                   and back"
    )]
    Isolate(BrokerIdArgs),
    /// Restore the links of one broker, or of every broker
    #[command(
        after_help = "Examples:\n  kf cluster heal 1\n  kf cluster heal                     every link of the cluster"
    )]
    Heal(HealArgs),
    /// Describe any Kafka cluster: id, brokers, controller, metadata quorum, API versions
    #[command(
        after_help = "Examples:\n  kf cluster info\n  kf cluster info -b kafka1:9092 -o json"
    )]
    Info(InfoArgs),
}

#[derive(Debug, Args)]
pub struct UpArgs {
    /// Number of brokers
    #[arg(short = 'n', long = "brokers", value_name = "N")]
    pub brokers: Option<usize>,
    /// Base port: broker i listens on BASE+i; 0 picks free ports
    #[arg(short = 'p', long = "port", value_name = "BASE")]
    pub port: Option<u16>,
    /// Data directory (default: kf/cluster under the user's data directory)
    #[arg(long = "data-dir", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// A Kafka broker property, e.g. -c num.partitions=4 (repeatable)
    #[arg(short = 'c', long = "broker-config", value_name = "KEY=VALUE")]
    pub broker_config: Vec<String>,
    /// A YAML file with the same settings (brokers, port, data-dir, bind, broker-config)
    #[arg(long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address the listeners bind to
    #[arg(long = "bind", value_name = "ADDR")]
    pub bind: Option<IpAddr>,
    /// Bind every interface and tell clients to connect to HOST (a name or address other
    /// hosts and containers reach this machine by); short for listeners=PLAINTEXT://:BASE and
    /// advertised.listeners=PLAINTEXT://HOST:BASE
    #[arg(long = "advertise", value_name = "HOST", conflicts_with = "bind")]
    pub advertise: Option<String>,
    /// Racks assigned to the brokers in turn (broker.rack), e.g. --racks a,b,c: replicas of a
    /// partition are spread over racks
    #[arg(long = "racks", value_name = "RACK,...", value_delimiter = ',')]
    pub racks: Vec<String>,
    /// Start in the background and return once the cluster is ready
    #[arg(long)]
    pub detach: bool,
}

#[derive(Debug, Args)]
pub struct StateArgs {
    /// Data directory of the cluster (default: the one last started)
    #[arg(long = "data-dir", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: super::OutputFormat,
}

#[derive(Debug, Args)]
pub struct BrokerIdArgs {
    /// The broker's id
    #[arg(value_name = "BROKER_ID")]
    pub broker_id: i32,
    /// Data directory of the cluster (default: the one last started)
    #[arg(long = "data-dir", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct HealArgs {
    /// The broker whose links to restore (default: every broker's)
    #[arg(value_name = "BROKER_ID")]
    pub broker_id: Option<i32>,
    /// Data directory of the cluster (default: the one last started)
    #[arg(long = "data-dir", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: super::OutputFormat,
    #[command(flatten)]
    pub connect: super::ConnectArgs,
}

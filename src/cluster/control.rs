//! The control socket of a running `kf cluster up` (`<data-dir>/control.sock`): one JSON request
//! line, one JSON answer line. `kf cluster status|down|kill|start|isolate|heal` and `kf top`'s
//! fault keys use it.

use super::listeners::ListenerInfo;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case", tag = "command")]
pub enum ControlRequest {
    Status,
    Down,
    /// Crash a broker (its data stays).
    Kill {
        broker_id: i32,
    },
    /// Start a killed broker on its old ports and data.
    Start {
        broker_id: i32,
    },
    /// Cut a broker's links to every other broker and to the quorum.
    Isolate {
        broker_id: i32,
    },
    /// Restore a broker's links, or every link when `None`.
    Heal {
        broker_id: Option<i32>,
    },
}

/// A broker's state in `kf cluster status`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum BrokerState {
    Up,
    /// Not running (killed or stopped).
    Down,
    /// Running, with its links to the other brokers and to the quorum cut.
    Isolated,
    /// Running, but fenced by the controller (its session expired and no heartbeat came since).
    Fenced,
}

impl BrokerState {
    pub fn as_str(self) -> &'static str {
        match self {
            BrokerState::Up => "up",
            BrokerState::Down => "down",
            BrokerState::Isolated => "isolated",
            BrokerState::Fenced => "fenced",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BrokerStatus {
    pub id: i32,
    /// What the broker advertises on its first listener.
    pub address: String,
    pub running: bool,
    #[serde(default)]
    pub listeners: Vec<ListenerInfo>,
    /// Up, down, isolated or fenced.
    pub state: BrokerState,
    /// Whether the controller has fenced it (an isolated broker is fenced once its session
    /// expires).
    #[serde(default)]
    pub fenced: bool,
    /// `broker.rack`, when set.
    #[serde(default)]
    pub rack: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ClusterStatus {
    pub pid: u32,
    pub data_dir: String,
    pub bootstrap_servers: String,
    pub controller: Option<i32>,
    pub brokers: Vec<BrokerStatus>,
    #[serde(default)]
    pub open_files: Option<OpenFilesStatus>,
    #[serde(default)]
    pub offline_partitions: Vec<OfflinePartitionStatus>,
    /// Partitions whose ISR is smaller than their replica set.
    #[serde(default)]
    pub under_replicated_partitions: u64,
    /// Partitions without a leader (Kafka's OfflinePartitionsCount).
    #[serde(default)]
    pub offline_partitions_count: u64,
}

/// The process's descriptors: its limit, how many are open, and the log files among them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OpenFilesStatus {
    /// The soft limit in force (raised to the hard limit at start where allowed).
    pub limit: Option<u64>,
    pub hard_limit: Option<u64>,
    /// Descriptors open now, of every kind.
    pub in_use: Option<u64>,
    /// Log files (segments and indexes) open now, and the most that are kept open.
    pub log_files_open: u64,
    pub log_files_max: u64,
}

/// A partition a broker cannot serve (KAFKA_STORAGE_ERROR), and why.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OfflinePartitionStatus {
    pub broker: i32,
    pub topic: String,
    pub partition: i32,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case", tag = "answer")]
pub enum ControlResponse {
    Status(ClusterStatus),
    Stopping,
    /// A fault command was carried out; `message` says what was done.
    Done {
        message: String,
    },
    /// A fault command was refused (unknown broker, already running, ...).
    Refused {
        message: String,
    },
}

#[derive(Debug, Error)]
pub enum ControlError {
    #[error("the cluster does not answer on {0} (is it running?)")]
    Unreachable(String),
    #[error("the cluster's control socket: {0}")]
    Io(#[from] std::io::Error),
    #[error("unexpected control answer: {0}")]
    Protocol(String),
}

/// Starting a broker waits for its registration, which can take a while on a loaded machine.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the cluster waits for a connected client's request line.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Sends one request to the cluster listening on `socket` and returns its answer.
pub async fn call(
    socket: &Path,
    request: &ControlRequest,
) -> Result<ControlResponse, ControlError> {
    let stream = UnixStream::connect(socket)
        .await
        .map_err(|_| ControlError::Unreachable(socket.display().to_string()))?;
    let (reader, mut writer) = stream.into_split();
    let mut line =
        serde_json::to_string(request).map_err(|e| ControlError::Protocol(e.to_string()))?;
    line.push('\n');
    writer.write_all(line.as_bytes()).await?;
    let mut answer = String::new();
    tokio::time::timeout(
        ANSWER_TIMEOUT,
        BufReader::new(reader).read_line(&mut answer),
    )
    .await
    .map_err(|_| ControlError::Unreachable(socket.display().to_string()))??;
    serde_json::from_str(&answer).map_err(|e| ControlError::Protocol(e.to_string()))
}

/// Binds the control socket, replacing a stale one left by a cluster that did not stop cleanly.
pub async fn bind(socket: &Path) -> Result<UnixListener, ControlError> {
    if socket.exists() {
        if UnixStream::connect(socket).await.is_ok() {
            return Err(ControlError::Io(std::io::Error::new(
                std::io::ErrorKind::AddrInUse,
                format!("another kf cluster is running on {}", socket.display()),
            )));
        }
        std::fs::remove_file(socket)?;
    }
    Ok(UnixListener::bind(socket)?)
}

/// Reads one request from an accepted control connection.
pub async fn read_request(stream: &mut UnixStream) -> Option<ControlRequest> {
    let mut line = String::new();
    let mut reader = BufReader::new(stream);
    tokio::time::timeout(REQUEST_TIMEOUT, reader.read_line(&mut line))
        .await
        .ok()?
        .ok()?;
    serde_json::from_str(&line).ok()
}

pub async fn write_response(stream: &mut UnixStream, response: &ControlResponse) {
    if let Ok(mut line) = serde_json::to_string(response) {
        line.push('\n');
        let _ = stream.write_all(line.as_bytes()).await;
    }
}

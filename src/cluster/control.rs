//! The control socket of a running `kf cluster up` (`<data-dir>/control.sock`): one JSON request
//! line, one JSON answer line. `kf cluster status` and `kf cluster down` use it.

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
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BrokerStatus {
    pub id: i32,
    /// What the broker advertises on its first listener.
    pub address: String,
    pub running: bool,
    #[serde(default)]
    pub listeners: Vec<ListenerInfo>,
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

const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

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
    tokio::time::timeout(ANSWER_TIMEOUT, reader.read_line(&mut line))
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

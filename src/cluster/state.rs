//! The state file of a running `kf cluster up` (`<data-dir>/cluster.json`) and the pointer to the
//! last started one under the user's state directory, so that other `kf` commands given no
//! bootstrap servers find it.

use super::listeners::ListenerInfo;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

const STATE_FILE: &str = "cluster.json";
const CONTROL_SOCKET: &str = "control.sock";

#[derive(Debug, Error)]
pub enum StateError {
    #[error("no local cluster is running (start one with `kf cluster up`)")]
    NotRunning,
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is damaged: {source}")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BrokerState {
    pub id: i32,
    /// What the broker advertises on its first listener.
    pub address: String,
    #[serde(default)]
    pub listeners: Vec<ListenerInfo>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ClusterState {
    pub pid: u32,
    pub data_dir: PathBuf,
    pub bootstrap_servers: String,
    pub brokers: Vec<BrokerState>,
    pub control_socket: PathBuf,
}

pub fn control_socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join(CONTROL_SOCKET)
}

/// The data directory `kf cluster up` uses when given none.
pub fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("kf")
        .join("cluster")
}

/// Where the pointer to the last started cluster lives.
fn pointer_path() -> PathBuf {
    dirs::state_dir()
        .or_else(dirs::data_dir)
        .unwrap_or_else(std::env::temp_dir)
        .join("kf")
        .join("current-cluster")
}

impl ClusterState {
    /// Writes the state file and points the user's pointer at it.
    pub fn save(&self) -> Result<(), StateError> {
        let path = self.data_dir.join(STATE_FILE);
        let json = serde_json::to_vec_pretty(self).map_err(|source| StateError::Parse {
            path: path.clone(),
            source,
        })?;
        write_file(&path, &json)?;
        let pointer = pointer_path();
        if let Some(parent) = pointer.parent() {
            std::fs::create_dir_all(parent).map_err(|source| StateError::Write {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        write_file(&pointer, self.data_dir.to_string_lossy().as_bytes())
    }

    /// Reads the state file of the cluster in `data_dir`, or of the last started one.
    pub fn load(data_dir: Option<&Path>) -> Result<ClusterState, StateError> {
        let data_dir = match data_dir {
            Some(dir) => dir.to_path_buf(),
            None => {
                let pointer = pointer_path();
                match std::fs::read_to_string(&pointer) {
                    Ok(dir) => PathBuf::from(dir.trim()),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        return Err(StateError::NotRunning)
                    }
                    Err(source) => {
                        return Err(StateError::Read {
                            path: pointer,
                            source,
                        })
                    }
                }
            }
        };
        let path = data_dir.join(STATE_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StateError::NotRunning)
            }
            Err(source) => return Err(StateError::Read { path, source }),
        };
        serde_json::from_slice(&bytes).map_err(|source| StateError::Parse { path, source })
    }

    /// Removes the state file once the cluster stopped.
    pub fn remove(data_dir: &Path) {
        let _ = std::fs::remove_file(data_dir.join(STATE_FILE));
        let _ = std::fs::remove_file(control_socket_path(data_dir));
    }
}

/// Writes through a temporary file and a rename, so readers never see half a file.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), StateError> {
    let tmp = path.with_extension("tmp");
    let err = |source| StateError::Write {
        path: path.to_path_buf(),
        source,
    };
    std::fs::write(&tmp, bytes).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

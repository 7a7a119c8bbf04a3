//! The state machine (`RaftStateMachine`): each node's [`MetadataImage`], built by applying
//! committed [`MetadataBatch`](super::MetadataBatch)es in log order and published through a
//! `watch` channel after every apply. The image itself is not written to disk: on restart Raft
//! replays the log from the last snapshot (which is durable) up to the saved committed index.

use std::io::{self, Cursor};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use openraft::storage::RaftStateMachine;
use openraft::{EntryPayload, RaftSnapshotBuilder, Snapshot, SnapshotMeta, StorageIOError};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::disk_full::DiskFull;
use super::durable_file;
use super::types::{
    MetadataEntry, MetadataLogId, MetadataMembership, MetadataStorageError, MetadataTypeConfig,
};
use crate::metadata::image::MetadataImage;

const SNAPSHOT_FILE: &str = "snapshot.json";

/// Records from which an apply runs off the runtime's workers (see [`crate::blocking`]).
const LARGE_APPLY_RECORDS: usize = 1000;

/// What a snapshot holds: the image and the Raft position it reflects.
#[derive(Serialize, Deserialize, Clone, Debug)]
struct SnapshotContent {
    meta: SnapshotMeta<u64, openraft::EmptyNode>,
    image: MetadataImage,
}

/// A snapshot's meta alone, read from `snapshot.json` without building its image.
#[derive(Deserialize)]
struct SnapshotHead {
    meta: SnapshotMeta<u64, openraft::EmptyNode>,
}

/// The images of the snapshots decoded while a process starts its nodes, by the log id each
/// reflects. The nodes of one process (one per broker) hold snapshots of one log, and an image
/// is a function of the log up to its last id (records apply deterministically), so a node
/// whose snapshot reflects the same id takes a clone of that image (topics shared, not copied)
/// instead of decoding the same JSON again: 14.5 MB and 0.55 s per node at 100,000
/// partitions. Kept only while the process starts its nodes: kept longer, it would pin the
/// topics the nodes replace as they apply records.
#[derive(Clone, Default)]
pub struct SharedSnapshot(Arc<Mutex<Vec<(MetadataLogId, MetadataImage)>>>);

impl SharedSnapshot {
    fn lock(&self) -> MutexGuard<'_, Vec<(MetadataLogId, MetadataImage)>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Reads the snapshot at `path` (`None` when there is none), taking its image from the one
    /// already decoded when it reflects the same log id.
    fn load(&self, path: &Path) -> io::Result<Option<SnapshotContent>> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let started = std::time::Instant::now();
        let invalid = |e| io::Error::new(io::ErrorKind::InvalidData, e);
        if !self.lock().is_empty() {
            let head: SnapshotHead = serde_json::from_slice(&bytes).map_err(invalid)?;
            let decoded = self.lock();
            let same = decoded
                .iter()
                .find(|(id, _)| head.meta.last_log_id == Some(*id));
            if let Some((_, image)) = same {
                tracing::info!(path = %path.display(), bytes = bytes.len(), elapsed_ms = started.elapsed().as_millis(), "metadata snapshot loaded, its image shared with a node started before");
                return Ok(Some(SnapshotContent {
                    meta: head.meta,
                    image: image.clone(),
                }));
            }
        }
        let content: SnapshotContent = serde_json::from_slice(&bytes).map_err(invalid)?;
        if let Some(id) = content.meta.last_log_id {
            self.lock().push((id, content.image.clone()));
        }
        tracing::info!(path = %path.display(), bytes = bytes.len(), elapsed_ms = started.elapsed().as_millis(), "metadata snapshot loaded");
        Ok(Some(content))
    }
}

struct AppliedState {
    image: MetadataImage,
    last_applied: Option<MetadataLogId>,
    last_membership: MetadataMembership,
    /// The durable snapshot's meta; its bytes are `snapshot.json`'s, read when asked for (the
    /// image it holds is not kept twice in memory).
    current_snapshot: Option<SnapshotMeta<u64, openraft::EmptyNode>>,
    snapshots_built: u64,
}

/// The publishing side of a node's image; clones share the same state.
#[derive(Clone)]
pub struct StateMachine {
    dir: PathBuf,
    /// Snapshot writes that meet a full disk wait for space (see `disk_full`).
    disk_full: DiskFull,
    state: Arc<Mutex<AppliedState>>,
    /// Held while `snapshot.json` is replaced: a snapshot built here and one installed from the
    /// leader may be written at the same time, and must neither share the temporary file nor
    /// let an older snapshot replace a newer one (the log is purged up to the newer).
    snapshot_file: Arc<Mutex<()>>,
    image_tx: Arc<watch::Sender<Arc<MetadataImage>>>,
    applied_index_tx: Arc<watch::Sender<Option<u64>>>,
}

impl StateMachine {
    /// Opens the state machine in `dir`, starting from the durable snapshot when there is one
    /// (its image shared with the other nodes of the process that loaded the same, through
    /// `shared`).
    pub fn open(dir: &Path, disk_full: DiskFull, shared: &SharedSnapshot) -> io::Result<Self> {
        let snapshot = shared.load(&dir.join(SNAPSHOT_FILE))?;
        let (image, last_applied, last_membership) = match &snapshot {
            Some(content) => (
                content.image.clone(),
                content.meta.last_log_id,
                content.meta.last_membership.clone(),
            ),
            None => (
                MetadataImage::default(),
                None,
                MetadataMembership::default(),
            ),
        };
        let (image_tx, _) = watch::channel(Arc::new(image.clone()));
        let (applied_index_tx, _) = watch::channel(last_applied.map(|id| id.index));
        Ok(Self {
            dir: dir.to_path_buf(),
            disk_full,
            snapshot_file: Arc::new(Mutex::new(())),
            state: Arc::new(Mutex::new(AppliedState {
                image,
                last_applied,
                last_membership,
                current_snapshot: snapshot.map(|content| content.meta),
                snapshots_built: 0,
            })),
            image_tx: Arc::new(image_tx),
            applied_index_tx: Arc::new(applied_index_tx),
        })
    }

    fn lock(&self) -> MutexGuard<'_, AppliedState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Follows every newly applied image.
    pub fn subscribe(&self) -> watch::Receiver<Arc<MetadataImage>> {
        self.image_tx.subscribe()
    }

    /// Follows the log index of the last applied entry; it moves only after the image for that
    /// index is published.
    pub fn subscribe_applied_index(&self) -> watch::Receiver<Option<u64>> {
        self.applied_index_tx.subscribe()
    }

    fn publish(&self, state: &AppliedState) {
        self.image_tx.send_replace(Arc::new(state.image.clone()));
        self.applied_index_tx
            .send_replace(state.last_applied.map(|id| id.index));
    }

    fn apply_entries(&self, entries: Vec<MetadataEntry>) -> Vec<()> {
        let mut state = self.lock();
        let mut responses = Vec::with_capacity(entries.len());
        for entry in entries {
            state.last_applied = Some(entry.log_id);
            match entry.payload {
                EntryPayload::Blank => {}
                EntryPayload::Normal(batch) => {
                    for record in batch.records.iter() {
                        state.image.apply(record);
                    }
                }
                EntryPayload::Membership(membership) => {
                    state.last_membership = MetadataMembership::new(Some(entry.log_id), membership);
                }
            }
            responses.push(());
        }
        self.publish(&state);
        responses
    }

    /// Makes `content` the durable and current snapshot unless a newer one already is;
    /// answers the current one.
    fn save_snapshot(&self, content: &SnapshotContent) -> io::Result<Snapshot<MetadataTypeConfig>> {
        let _file = self
            .snapshot_file
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let current = self.lock().current_snapshot.clone();
        if let Some(current) = current {
            if current.last_log_id > content.meta.last_log_id {
                return self.read_snapshot(current);
            }
        }
        let bytes = serde_json::to_vec(content).map_err(io::Error::other)?;
        durable_file::write_bytes(&self.dir.join(SNAPSHOT_FILE), &bytes)?;
        self.lock().current_snapshot = Some(content.meta.clone());
        Ok(Snapshot {
            meta: content.meta.clone(),
            snapshot: Box::new(Cursor::new(bytes)),
        })
    }

    /// The durable snapshot whose meta is `meta`, as written (the caller holds `snapshot_file`).
    fn read_snapshot(
        &self,
        meta: SnapshotMeta<u64, openraft::EmptyNode>,
    ) -> io::Result<Snapshot<MetadataTypeConfig>> {
        let bytes = std::fs::read(self.dir.join(SNAPSHOT_FILE))?;
        Ok(Snapshot {
            meta,
            snapshot: Box::new(Cursor::new(bytes)),
        })
    }
}

impl RaftSnapshotBuilder<MetadataTypeConfig> for StateMachine {
    async fn build_snapshot(
        &mut self,
    ) -> Result<Snapshot<MetadataTypeConfig>, MetadataStorageError> {
        let content = {
            let mut state = self.lock();
            state.snapshots_built += 1;
            let snapshot_id = match state.last_applied {
                Some(id) => format!(
                    "{}-{}-{}",
                    id.leader_id.term, id.index, state.snapshots_built
                ),
                None => format!("empty-{}", state.snapshots_built),
            };
            SnapshotContent {
                meta: SnapshotMeta {
                    last_log_id: state.last_applied,
                    last_membership: state.last_membership.clone(),
                    snapshot_id,
                },
                image: state.image.clone(),
            }
        };
        let saved = self
            .disk_full
            .retry(|| self.save_snapshot(&content))
            .await
            .map_err(|e| StorageIOError::write_snapshot(Some(content.meta.signature()), &e))?;
        Ok(saved)
    }
}

impl RaftStateMachine<MetadataTypeConfig> for StateMachine {
    type SnapshotBuilder = StateMachine;

    async fn applied_state(
        &mut self,
    ) -> Result<(Option<MetadataLogId>, MetadataMembership), MetadataStorageError> {
        let state = self.lock();
        Ok((state.last_applied, state.last_membership.clone()))
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<()>, MetadataStorageError>
    where
        I: IntoIterator<Item = MetadataEntry> + Send,
        I::IntoIter: Send,
    {
        let entries: Vec<MetadataEntry> = entries.into_iter().collect();
        let records: usize = entries
            .iter()
            .map(|e| match &e.payload {
                EntryPayload::Normal(batch) => batch.records.len(),
                _ => 0,
            })
            .sum();
        // A large batch (a fenced broker's partitions, a topic of many partitions) takes long
        // enough to apply that it would hold a runtime worker past Raft's heartbeat interval.
        let responses = if records >= LARGE_APPLY_RECORDS {
            crate::blocking::off_runtime(|| self.apply_entries(entries))
        } else {
            self.apply_entries(entries)
        };
        Ok(responses)
    }

    async fn get_snapshot_builder(&mut self) -> Self::SnapshotBuilder {
        self.clone()
    }

    async fn begin_receiving_snapshot(
        &mut self,
    ) -> Result<Box<Cursor<Vec<u8>>>, MetadataStorageError> {
        Ok(Box::new(Cursor::new(Vec::new())))
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta<u64, openraft::EmptyNode>,
        snapshot: Box<Cursor<Vec<u8>>>,
    ) -> Result<(), MetadataStorageError> {
        // Decoding and writing the image (and its fsyncs) run off the runtime's workers.
        let content = crate::blocking::off_runtime(|| {
            let received: SnapshotContent = serde_json::from_slice(snapshot.get_ref())
                .map_err(|e| Box::new(StorageIOError::read_snapshot(Some(meta.signature()), &e)))?;
            let content = SnapshotContent {
                meta: meta.clone(),
                image: received.image,
            };
            self.save_snapshot(&content).map_err(|e| {
                Box::new(StorageIOError::write_snapshot(Some(meta.signature()), &e))
            })?;
            Ok(content)
        })
        .map_err(|e: Box<StorageIOError<u64>>| *e)?;
        let mut state = self.lock();
        state.image = content.image;
        state.last_applied = meta.last_log_id;
        state.last_membership = meta.last_membership.clone();
        self.publish(&state);
        Ok(())
    }

    async fn get_current_snapshot(
        &mut self,
    ) -> Result<Option<Snapshot<MetadataTypeConfig>>, MetadataStorageError> {
        let _file = self
            .snapshot_file
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let current = self.lock().current_snapshot.clone();
        match current {
            // openraft asks for it at every start: the file's bytes, not the image serialized
            // again.
            Some(meta) => {
                let signature = meta.signature();
                crate::blocking::off_runtime(|| self.read_snapshot(meta))
                    .map(Some)
                    .map_err(|e| StorageIOError::read_snapshot(Some(signature), &e).into())
            }
            None => Ok(None),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::metadata::MetadataRecord;
    use openraft::{CommittedLeaderId, LogId};

    /// Writes a snapshot of an image with topic `t` at log index `index` in a new directory.
    fn snapshot_dir(index: u64, snapshot_id: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let mut image = MetadataImage::default();
        image.apply(&MetadataRecord::Topic {
            name: "t".into(),
            topic_id: uuid::Uuid::from_u128(7),
        });
        let content = SnapshotContent {
            meta: SnapshotMeta {
                last_log_id: Some(LogId::new(CommittedLeaderId::new(1, 0), index)),
                last_membership: MetadataMembership::default(),
                snapshot_id: snapshot_id.into(),
            },
            image,
        };
        durable_file::write_json(&dir.path().join(SNAPSHOT_FILE), &content).unwrap();
        dir
    }

    #[test]
    fn nodes_started_together_decode_a_snapshot_of_one_log_position_once() {
        let (first, second, later) = (
            snapshot_dir(5, "1-5-1"),
            snapshot_dir(5, "1-5-3"),
            snapshot_dir(6, "1-6-1"),
        );
        let shared = SharedSnapshot::default();
        let open = |dir: &tempfile::TempDir| {
            let machine = StateMachine::open(dir.path(), DiskFull::new(dir.path()), &shared);
            let machine = machine.unwrap();
            let snapshot_id = machine.lock().current_snapshot.clone().unwrap().snapshot_id;
            (
                machine.subscribe().borrow().topics["t"].clone(),
                snapshot_id,
            )
        };
        let (topic, _) = open(&first);
        let (same, snapshot_id) = open(&second);
        assert!(Arc::ptr_eq(&topic, &same), "the decoded image is shared");
        assert_eq!(
            snapshot_id, "1-5-3",
            "each node keeps its own snapshot's meta"
        );
        let (decoded, _) = open(&later);
        assert!(
            !Arc::ptr_eq(&topic, &decoded),
            "another position is decoded"
        );
        assert_eq!(*topic, *decoded);
        let third = snapshot_dir(5, "1-5-2");
        let (shared_again, _) = open(&third);
        assert!(
            Arc::ptr_eq(&topic, &shared_again),
            "any position decoded before is shared"
        );
        let empty = tempfile::tempdir().unwrap();
        let machine = StateMachine::open(empty.path(), DiskFull::new(empty.path()), &shared);
        assert!(machine.unwrap().lock().current_snapshot.is_none());
    }
}

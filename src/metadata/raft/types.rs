//! openraft's type configuration for the metadata quorum. One Raft entry carries one
//! [`MetadataBatch`]: the records a single controller operation wrote, applied atomically, like
//! KRaft's atomic record batches.

use std::io::Cursor;
use std::sync::Arc;

use openraft::{EmptyNode, TokioRuntime};
use serde::{Deserialize, Serialize};

use crate::metadata::records::MetadataRecord;

/// The records of one controller operation, appended as one Raft entry. Shared (`Arc`): an
/// entry is cloned by each step that keeps or sends it (the log store's memory, replication to
/// each follower), and one entry can hold 100,000 partition records.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct MetadataBatch {
    pub records: Arc<Vec<MetadataRecord>>,
}

openraft::declare_raft_types!(
    /// The metadata quorum's Raft types. Node ids are broker ids (non-negative, widened to u64).
    pub MetadataTypeConfig:
        D = MetadataBatch,
        R = (),
        NodeId = u64,
        Node = EmptyNode,
        Entry = openraft::Entry<MetadataTypeConfig>,
        SnapshotData = Cursor<Vec<u8>>,
        AsyncRuntime = TokioRuntime,
);

/// A handle to one node's running Raft.
pub type MetadataRaft = openraft::Raft<MetadataTypeConfig>;
pub type MetadataEntry = openraft::Entry<MetadataTypeConfig>;
pub type MetadataLogId = openraft::LogId<u64>;
pub type MetadataVote = openraft::Vote<u64>;
pub type MetadataMembership = openraft::StoredMembership<u64, EmptyNode>;
pub type MetadataStorageError = openraft::StorageError<u64>;

/// Broker ids are i32 in Kafka; Raft node ids are u64. Negative ids never reach the quorum.
pub fn raft_node_id(broker_id: i32) -> u64 {
    u64::from(broker_id.unsigned_abs())
}

/// The inverse of [`raft_node_id`].
pub fn broker_id(node_id: u64) -> i32 {
    i32::try_from(node_id).unwrap_or(i32::MAX)
}

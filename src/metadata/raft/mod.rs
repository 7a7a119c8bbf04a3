//! The Raft glue: openraft's type configuration, the durable metadata log, the state machine that
//! turns committed records into a [`MetadataImage`](super::MetadataImage), and the in-process
//! transport between the nodes of one cluster, and snapshots by size.

pub mod disk_full;
pub mod durable_file;
pub mod log_store;
pub mod network;
pub mod snapshots;
pub mod state_machine;
pub mod types;

pub use network::QuorumRouter;
pub use types::{MetadataBatch, MetadataRaft, MetadataTypeConfig};

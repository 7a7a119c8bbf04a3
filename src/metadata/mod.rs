//! Cluster metadata: the records of the replicated metadata log, the `MetadataImage` every broker
//! builds by applying them, the Raft quorum that replicates them, and the active controller.
//!
//! A broker's life in the quorum: [`MetadataQuorum::start`] (voters elect at once), then
//! `controller_call(RegisterBroker)` (a non-voter joins as a Raft learner and from then on
//! replicates the log into its own image); at a clean stop `controller_call_within(FenceBroker)`
//! while a majority of voters still runs, then [`MetadataQuorum::shutdown`].

pub mod controller;
pub mod description;
pub mod image;
pub mod partition_map;
pub mod quorum;
pub mod raft;
pub mod records;

#[cfg(test)]
mod tests;

pub use controller::{
    AlterConfigOp, AlterConfigOpType, AlterPartitionRequest, AlteredPartition, ApiError,
    ControllerRequest, ControllerResponse, ControllerSettings, CreateTopicResult, CreatedTopic,
    DeleteTopicResult, NewTopic, ProducerIdBlock, TopicRef,
};
pub use description::{QuorumDescription, ReplicaState};
pub use image::{BrokerRegistration, MetadataImage, PartitionImage, TopicImage};
pub use partition_map::PartitionMap;
pub use quorum::{MetadataQuorum, QuorumConfig, QuorumError};
pub use raft::state_machine::SharedSnapshot;
pub use raft::QuorumRouter;
pub use records::{ConfigResource, ListenerEndpoint, MetadataRecord};

/// Kafka's `transaction.version` feature (KIP-890): 0 classic, 1 flexible
/// `__transaction_state` values, 2 an epoch bump per transaction and partitions added by
/// Produce.
pub const TRANSACTION_VERSION_FEATURE: &str = "transaction.version";
/// The highest `transaction.version` kf supports.
pub const TRANSACTION_VERSION_MAX: i16 = 2;
/// The level a new cluster finalizes: Kafka 4.0's TV_2 (bootstrapped from metadata version
/// 4.0-IV2; the mirrored Kafka snapshot's LATEST_PRODUCTION, 4.0-IV0, predates it).
pub const TRANSACTION_VERSION_DEFAULT: i16 = 2;

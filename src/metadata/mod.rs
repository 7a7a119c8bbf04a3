//! Cluster metadata: the records of the replicated metadata log, the `MetadataImage` every broker
//! builds by applying them, the Raft quorum that replicates them, and the active controller.

pub mod controller;
pub mod description;
pub mod image;
pub mod quorum;
pub mod raft;
pub mod records;

#[cfg(test)]
mod tests;

pub use controller::{
    AlterConfigOp, AlterConfigOpType, ApiError, ControllerRequest, ControllerResponse,
    ControllerSettings, CreateTopicResult, CreatedTopic, DeleteTopicResult, NewTopic,
    ProducerIdBlock, TopicRef,
};
pub use description::{QuorumDescription, ReplicaState};
pub use image::{BrokerRegistration, MetadataImage, PartitionImage, TopicImage};
pub use quorum::{MetadataQuorum, QuorumConfig, QuorumError};
pub use raft::QuorumRouter;
pub use records::{ConfigResource, MetadataRecord};

//! Cluster metadata: the records of the replicated metadata log, the `MetadataImage` every broker
//! builds by applying them, the Raft quorum that replicates them, and the active controller.

pub mod image;
pub mod records;

pub use image::{BrokerRegistration, MetadataImage, PartitionImage, TopicImage};
pub use records::{ConfigResource, MetadataRecord};

//! The replica layer: the partitions a broker hosts, as leader or follower, behind one owner.
//!
//! - [`ReplicaManager`]: the broker's partitions keyed by [`TopicPartition`]; applies each new
//!   metadata image (become leader / follower, create and delete logs, topic config changes).
//! - [`Partition`] (`partition.rs`): leader epoch, replicas, ISR, follower positions, high
//!   watermark (the last stable offset derives from it), and the per-partition signal waits use.
//! - [`Replica`] (`open.rs`): a partition with its log open: append (acks, timeout), read
//!   (isolation, max offset), offsets; handlers never compute offsets themselves.
//! - `fetcher.rs`: followers fetch from their leader (one task per leader), truncate on
//!   diverging epochs (KIP-320), take the leader's high watermark, in an incremental fetch session
//!   with each leader (KIP-227, `protocol::fetch_session`).
//! - `selector.rs`: KIP-392, the follower in a consumer's rack the leader sends it to.
//! - `isr.rs`: the leader shrinks and grows the ISR through AlterPartition to the controller.
//! - `hw_checkpoint.rs`: the high watermarks in Kafka's `replication-offset-checkpoint`, so a
//!   restarted replica starts from its last one rather than its log start.

pub mod fetcher;
mod hw_checkpoint;
pub mod isr;
mod manager;
mod open;
mod partition;
pub mod selector;

use std::fmt;

pub use hw_checkpoint::REPLICATION_OFFSET_CHECKPOINT;
pub use manager::{ReplicaLookup, ReplicaManager};
pub use open::{Acks, AppendError, Appended, Isolation, ReadResult, Replica, Wakes};
pub use partition::{check_epoch, FollowerPosition, Offsets, Partition, Transition};

/// A partition named by its topic and index (Kafka's `TopicPartition`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicPartition {
    pub topic: String,
    pub partition: i32,
}

impl TopicPartition {
    pub fn new(topic: impl Into<String>, partition: i32) -> Self {
        Self {
            topic: topic.into(),
            partition,
        }
    }
}

impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

#[cfg(test)]
mod tests;

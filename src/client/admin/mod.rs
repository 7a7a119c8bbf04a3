//! Administrative operations on standard Kafka APIs: topics, configs, the cluster and its
//! quorum, offsets and record deletion, consumer groups, transactions, partition reassignments. Each concept lives in its own file as `impl Admin`.

mod broker_stats;
mod cluster;
mod configs;
mod groups;
mod offsets;
mod reassignments;
mod topics;
mod transactions;

pub use cluster::{ClusterDescription, QuorumDescription, QuorumReplica};
pub use configs::{AlterConfigOp, ConfigEntry, ConfigResource};
pub use groups::{CommittedOffset, GroupCoordinator, GroupDescription, GroupMember, ListedGroup};
pub use offsets::{ListedOffset, OffsetSpec};
pub use reassignments::OngoingReassignment;
pub use topics::NewTopic;
pub use transactions::{
    AbortSpec, ProducerState, TransactionDescription, TransactionFilter, TransactionListing,
};

use super::error::{ClientError, ClientResult};
use super::kafka_client::Client;

/// Admin operations through a shared [`Client`].
#[derive(Debug, Clone)]
pub struct Admin {
    client: Client,
}

impl Admin {
    /// Admin operations over `client`'s connections.
    pub fn new(client: Client) -> Self {
        Admin { client }
    }

    /// The underlying client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    fn timeout_ms(&self) -> i32 {
        i32::try_from(self.client.config().request_timeout.as_millis()).unwrap_or(i32::MAX)
    }
}

/// Turns a per-item error code and message into a result.
fn item_result(code: i16, message: Option<&str>, item: &str) -> ClientResult<()> {
    ClientError::check(code, || match message {
        Some(message) if !message.is_empty() => format!("{item}: {message}"),
        _ => item.to_string(),
    })
}

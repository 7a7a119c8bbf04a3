//! The path between brokers for requests one broker makes of another: WriteTxnMarkers from a
//! transaction coordinator to a partition leader, AddPartitionsToTxn from a partition leader to
//! a transaction coordinator (KIP-890), Fetch from a follower to its leader. Brokers share no memory: a request is a
//! Kafka request value handed to the target broker's handler, in process. Links are the cluster's
//! fault table (`cluster::faults`); a request over a cut link, from or to an isolated broker, or to
//! a broker that is not running, fails as an unreachable broker would, and so does one whose
//! answer comes back over a link cut meanwhile (a follower's long-polling fetch must not carry
//! what the leader appended after it was isolated).

use std::collections::HashMap;
use std::sync::{Arc, RwLock, Weak};

use kafka_protocol::messages::{
    AddPartitionsToTxnRequest, AddPartitionsToTxnResponse, ApiKey, FetchRequest, FetchResponse,
    RequestHeader, WriteTxnMarkersRequest, WriteTxnMarkersResponse,
};
use thiserror::Error;

use super::handlers;
use super::Broker;
use crate::cluster::faults::Faults;
use crate::log::ReadInto;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum LinkError {
    #[error("broker {0} is not reachable")]
    Unreachable(i32),
}

#[derive(Default)]
struct Links {
    brokers: HashMap<i32, Weak<Broker>>,
}

/// Shared by every broker of a cluster.
#[derive(Clone, Default)]
pub struct InterBrokerRouter {
    links: Arc<RwLock<Links>>,
    faults: Faults,
}

impl InterBrokerRouter {
    pub fn new() -> Self {
        Self::default()
    }

    /// A router whose links are `faults` (the cluster's one table).
    pub fn with_faults(faults: Faults) -> Self {
        Self {
            links: Arc::default(),
            faults,
        }
    }

    /// The cluster's fault table these links obey.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Makes `broker` reachable (again, after a restart).
    pub fn register(&self, broker: &Arc<Broker>) {
        if let Ok(mut links) = self.links.write() {
            links
                .brokers
                .insert(broker.broker_id, Arc::downgrade(broker));
        }
    }

    fn target(&self, from: i32, to: i32) -> Result<Arc<Broker>, LinkError> {
        if !self.faults.linked(from, to) {
            return Err(LinkError::Unreachable(to));
        }
        let links = self.links.read().map_err(|_| LinkError::Unreachable(to))?;
        links
            .brokers
            .get(&to)
            .and_then(Weak::upgrade)
            .filter(|b| !b.is_stopped())
            .ok_or(LinkError::Unreachable(to))
    }

    pub async fn write_txn_markers(
        &self,
        from: i32,
        to: i32,
        request: WriteTxnMarkersRequest,
    ) -> Result<WriteTxnMarkersResponse, LinkError> {
        let target = self.target(from, to)?;
        let response = handlers::write_txn_markers::handle(&target, request).await;
        self.answer(from, to, response)
    }

    /// A partition leader's AddPartitionsToTxn (v5, the batched form) to a transaction
    /// coordinator (KIP-890).
    pub async fn add_partitions_to_txn(
        &self,
        from: i32,
        to: i32,
        request: AddPartitionsToTxnRequest,
    ) -> Result<AddPartitionsToTxnResponse, LinkError> {
        let target = self.target(from, to)?;
        let header = RequestHeader::default()
            .with_request_api_key(ApiKey::AddPartitionsToTxn as i16)
            .with_request_api_version(5);
        Ok(handlers::add_partitions_to_txn::handle(&target, &header, request).await)
    }

    /// A follower's Fetch (the version given) to the partitions' leader.
    pub async fn fetch(
        &self,
        from: i32,
        to: i32,
        version: i16,
        request: FetchRequest,
    ) -> Result<FetchResponse, LinkError> {
        let target = self.target(from, to)?;
        let header = RequestHeader::default()
            .with_request_api_key(ApiKey::Fetch as i16)
            .with_request_api_version(version);
        let reply = handlers::fetch::handle(&target, &header, request, ReadInto::Copy).await;
        debug_assert!(reply.files.is_empty(), "a copying read returns bytes");
        self.answer(from, to, reply.response)
    }

    /// `response` reaches `from` only if the link back from `to` still holds.
    fn answer<T>(&self, from: i32, to: i32, response: T) -> Result<T, LinkError> {
        match self.faults.linked(to, from) {
            true => Ok(response),
            false => Err(LinkError::Unreachable(to)),
        }
    }
}

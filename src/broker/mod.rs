//! One Kafka broker: its listener, connections, request dispatch and the handlers (one file per
//! Kafka API in `handlers/`). A broker owns its log directory and reads cluster metadata from its
//! own [`MetadataImage`](crate::metadata::MetadataImage); metadata changes go to the active
//! controller through the quorum.

pub mod authorized_operations;
pub mod cleaner;
pub mod connection;
pub mod dispatch;
pub mod fetch_sessions;
pub mod handlers;
pub mod implicit_add;
pub mod inter_broker;
pub mod lifecycle;
pub mod listener;
pub mod partitions;
pub mod producer_ids;
pub mod queued_bytes;
pub mod retention;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};

use crate::config::BrokerConfig;
use crate::coord::group::GroupCoordinator;
use crate::coord::txn::TxnCoordinator;
use crate::log::LogManager;
use crate::replica::ReplicaManager;
use kafka_protocol::error::ResponseError;

use crate::metadata::{
    ApiError, ControllerRequest, ControllerResponse, ListenerEndpoint, MetadataImage,
    MetadataQuorum, NewTopic, QuorumError,
};

pub use inter_broker::InterBrokerRouter;
pub use listener::{BrokerListener, ListenerName};

/// Everything a handler needs, shared by all connections of one broker.
pub struct Broker {
    pub broker_id: i32,
    pub config: BrokerConfig,
    /// What this broker advertises on each of its listeners (`advertised.listeners`).
    pub advertised_listeners: Vec<ListenerEndpoint>,
    /// The listener whose address is this broker's address among brokers.
    pub inter_broker_listener: String,
    pub quorum: MetadataQuorum,
    pub logs: Arc<LogManager>,
    /// The partitions this broker hosts; every append and read goes through it.
    pub replicas: ReplicaManager,
    pub fetch_sessions: fetch_sessions::FetchSessions,
    /// Producer ids this broker may still hand out.
    pub producer_ids: Mutex<producer_ids::ProducerIdPool>,
    /// The groups whose `__consumer_offsets` partitions this broker leads.
    pub groups: Arc<GroupCoordinator>,
    /// Request and response bytes all connections hold, within their limits.
    pub queued: queued_bytes::QueuedBytes,
    /// Requests to other brokers (WriteTxnMarkers).
    pub peers: InterBrokerRouter,
    pub txn_coordinator: TxnCoordinator,
    /// Itself, for the tasks it spawns to hold without keeping it alive.
    pub me: Weak<Broker>,
    stopped: AtomicBool,
}

impl Broker {
    pub fn new(
        broker_id: i32,
        config: BrokerConfig,
        advertised_listeners: Vec<ListenerEndpoint>,
        inter_broker_listener: String,
        quorum: MetadataQuorum,
        logs: LogManager,
        peers: InterBrokerRouter,
    ) -> Arc<Self> {
        let fetch_sessions = fetch_sessions::FetchSessions::new(
            usize::try_from(config.max_incremental_fetch_session_cache_slots).unwrap_or(0),
        );
        let queued = queued_bytes::QueuedBytes::new(
            config.queued_max_request_bytes,
            config.queued_max_response_bytes,
        );
        let logs = Arc::new(logs);
        let replicas = ReplicaManager::new(broker_id, config.clone(), logs.clone());
        let broker = Arc::new_cyclic(|me| Broker {
            groups: Arc::new(GroupCoordinator::new(me.clone(), broker_id, &config)),
            broker_id,
            config,
            advertised_listeners,
            inter_broker_listener,
            quorum,
            logs,
            replicas,
            fetch_sessions,
            producer_ids: Mutex::new(producer_ids::ProducerIdPool::default()),
            queued,
            peers: peers.clone(),
            txn_coordinator: TxnCoordinator::default(),
            me: me.clone(),
            stopped: AtomicBool::new(false),
        });
        peers.register(&broker);
        broker
    }

    /// Marks the broker stopped: other brokers can no longer reach it and its coordinators
    /// let go of their state.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        self.txn_coordinator.shutdown();
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    /// The latest metadata image this broker has applied.
    pub fn image(&self) -> Arc<MetadataImage> {
        self.quorum.image()
    }
}

impl Broker {
    /// Asks the active controller; a quorum failure becomes the Kafka error a client would see.
    pub async fn controller_call(
        &self,
        request: ControllerRequest,
    ) -> Result<ControllerResponse, ApiError> {
        self.quorum.controller_call(request).await.map_err(|e| {
            let code = match e {
                QuorumError::NotController => ResponseError::NotController,
                _ => ResponseError::RequestTimedOut,
            };
            ApiError::new(code, e.to_string())
        })
    }

    /// Creates missing topics with the broker defaults, as `auto.create.topics.enable` does.
    pub async fn auto_create_topics(&self, names: &[String]) {
        let topics = names
            .iter()
            .map(|name| NewTopic {
                name: name.clone(),
                num_partitions: -1,
                replication_factor: -1,
                assignments: Default::default(),
                configs: Default::default(),
            })
            .collect();
        let request = ControllerRequest::CreateTopics {
            topics,
            validate_only: false,
        };
        if let Err(e) = self.controller_call(request).await {
            tracing::debug!(error = ?e, "topic auto-creation failed");
        }
    }
}

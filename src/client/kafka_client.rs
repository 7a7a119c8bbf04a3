//! `Client`: bootstrap servers, the metadata cache, one connection per broker, and retries
//! with backoff on retriable errors.

use super::cluster_metadata::{ClusterMetadata, TopicMetadata};
use super::config::ClientConfig;
use super::connection::{BrokerConnection, ConnectionSettings};
use super::error::{ClientError, ClientResult};
use super::versions::ApiVersionTable;
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::{MetadataRequest, TopicName};
use kafka_protocol::protocol::StrBytes;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::time::Instant;

/// A handle on a Kafka cluster; clones share connections and metadata.
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: ClientConfig,
    settings: ConnectionSettings,
    /// Keyed by `host:port`, so the bootstrap connection is reused for the broker behind it.
    connections: Mutex<HashMap<String, Arc<BrokerConnection>>>,
    metadata: RwLock<ClusterMetadata>,
    /// Bumped on every change of `metadata`, so callers may keep what they derived from it.
    metadata_version: AtomicU64,
}

impl Client {
    /// Connects to the first bootstrap server that answers a Metadata request, trying them
    /// in rounds until `default.api.timeout.ms` has passed.
    pub async fn connect(config: ClientConfig) -> ClientResult<Client> {
        let settings = ConnectionSettings {
            client_id: config.client_id.clone(),
            connect_timeout: config.connect_timeout,
            request_timeout: config.request_timeout,
        };
        let client = Client {
            inner: Arc::new(Inner {
                config,
                settings,
                connections: Mutex::default(),
                metadata: RwLock::default(),
                metadata_version: AtomicU64::new(0),
            }),
        };
        client.bootstrap().await?;
        Ok(client)
    }

    async fn bootstrap(&self) -> ClientResult<()> {
        let config = &self.inner.config;
        let servers = config.bootstrap_servers.join(",");
        let mut last_error = "no bootstrap servers configured".to_string();
        let deadline = Instant::now() + config.default_api_timeout;
        let mut attempt = 0;
        while !config.bootstrap_servers.is_empty() {
            // Waiting only helps when some server may still answer: a refused connection or a
            // name without an address fails the same way on every retry.
            let mut hopeless: Option<ClientError> = None;
            let mut all_hopeless = true;
            for addr in &config.bootstrap_servers {
                let remaining = deadline.saturating_duration_since(Instant::now());
                let attempt_result = tokio::time::timeout(remaining, async {
                    let connection = self.connection_to(addr).await?;
                    self.fetch_metadata(&connection, Some(&[]), false).await
                })
                .await;
                match attempt_result {
                    Ok(Ok(())) => return Ok(()),
                    Ok(Err(error)) => {
                        last_error = error.to_string();
                        if error.is_unreachable_for_good() {
                            hopeless = Some(merge_hopeless(hopeless, error));
                        } else {
                            all_hopeless = false;
                        }
                    }
                    Err(_) => {
                        last_error = format!("gave up connecting to {addr}");
                        all_hopeless = false;
                    }
                }
            }
            if let Some(error) = hopeless.filter(|_| all_hopeless) {
                return Err(error);
            }
            let pause = self.backoff(attempt);
            if Instant::now() + pause >= deadline {
                break;
            }
            tokio::time::sleep(pause).await;
            attempt += 1;
        }
        Err(ClientError::NoBootstrapServer {
            servers,
            last_error,
        })
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// A copy of the cached metadata.
    pub fn metadata(&self) -> ClusterMetadata {
        read(&self.inner.metadata).clone()
    }

    /// What `f` takes from the cached metadata, without copying the rest (a topic of 100,000
    /// partitions is worth not cloning twice).
    pub fn with_metadata<T>(&self, f: impl FnOnce(&ClusterMetadata) -> T) -> T {
        f(&read(&self.inner.metadata))
    }

    /// Refreshes metadata for `topics` (all topics when `None`) from any reachable broker.
    pub async fn refresh_metadata(&self, topics: Option<&[String]>) -> ClientResult<()> {
        let connection = self.any_broker().await?;
        self.fetch_metadata(&connection, topics, false).await
    }

    /// Refreshes metadata for `topics`, asking the broker to create missing ones when
    /// `allow_auto_create` (Metadata's `allow_auto_topic_creation`; the broker also needs
    /// `auto.create.topics.enable`).
    pub async fn refresh_topics(
        &self,
        topics: &[String],
        allow_auto_create: bool,
    ) -> ClientResult<()> {
        let connection = self.any_broker().await?;
        self.fetch_metadata(&connection, Some(topics), allow_auto_create)
            .await
    }

    /// Refreshes the topics already in the cache (and the broker list).
    pub async fn refresh_known_topics(&self) -> ClientResult<()> {
        let known: Vec<String> = read(&self.inner.metadata).topics.keys().cloned().collect();
        self.refresh_metadata(Some(&known)).await
    }

    async fn fetch_metadata(
        &self,
        connection: &BrokerConnection,
        topics: Option<&[String]>,
        allow_auto_create: bool,
    ) -> ClientResult<()> {
        let request = MetadataRequest::default()
            .with_topics(topics.map(|names| {
                names
                    .iter()
                    .map(|name| {
                        MetadataRequestTopic::default()
                            .with_name(Some(TopicName(StrBytes::from_string(name.clone()))))
                    })
                    .collect()
            }))
            .with_allow_auto_topic_creation(allow_auto_create);
        let response = connection.send(&request).await?;
        let fresh = ClusterMetadata::from_response(response);
        write(&self.inner.metadata).merge(fresh, topics.is_none());
        self.inner.metadata_version.fetch_add(1, Ordering::Release);
        Ok(())
    }

    /// A topic's metadata, from the cache or else fetched (never creating the topic);
    /// retriable topic errors (unknown topic, leader not available) are retried until
    /// `default.api.timeout.ms`.
    pub async fn topic_metadata(&self, topic: &str) -> ClientResult<TopicMetadata> {
        self.topic_metadata_for(topic, false).await
    }

    /// Like [`Client::topic_metadata`], asking the broker to create the topic when
    /// `allow_auto_create` (producers do, as Kafka's producers do).
    pub async fn topic_metadata_for(
        &self,
        topic: &str,
        allow_auto_create: bool,
    ) -> ClientResult<TopicMetadata> {
        if let Some(cached) = self.cached_topic(topic) {
            return Ok(cached);
        }
        check_topic_name(topic)?;
        let topics = [topic.to_string()];
        self.retry(|| async {
            self.refresh_topics(&topics, allow_auto_create).await?;
            self.usable_topic(topic)
        })
        .await
    }

    /// The cached topic, or why it cannot be used yet (or at all).
    fn usable_topic(&self, topic: &str) -> ClientResult<TopicMetadata> {
        let metadata = read(&self.inner.metadata);
        let Some(cached) = metadata.topics.get(topic) else {
            return Err(ClientError::UnknownTopic {
                topic: topic.to_string(),
            });
        };
        if cached.error_code == ResponseError::UnknownTopicOrPartition.code() {
            return Err(ClientError::UnknownTopic {
                topic: topic.to_string(),
            });
        }
        ClientError::check(cached.error_code, || format!("topic '{topic}'"))?;
        if !usable(cached) {
            return Err(ClientError::Kafka {
                error: ResponseError::LeaderNotAvailable,
                context: format!("topic '{topic}'"),
            });
        }
        Ok(cached.clone())
    }

    /// The cached topic if it is usable: no topic error and every partition led.
    fn cached_topic(&self, topic: &str) -> Option<TopicMetadata> {
        let metadata = read(&self.inner.metadata);
        metadata.topics.get(topic).filter(|t| usable(t)).cloned()
    }

    /// How many partitions a topic has, when its cached metadata is usable; a per-record
    /// lookup for producers that must not copy the whole topic each time.
    pub fn cached_partition_count(&self, topic: &str) -> Option<i32> {
        let metadata = read(&self.inner.metadata);
        let cached = metadata.topics.get(topic).filter(|t| usable(t))?;
        Some(i32::try_from(cached.partitions.len()).unwrap_or(i32::MAX))
    }

    /// Forgets a topic so that the next lookup asks the cluster.
    pub fn invalidate_topic(&self, topic: &str) {
        write(&self.inner.metadata).topics.remove(topic);
        self.inner.metadata_version.fetch_add(1, Ordering::Release);
    }

    /// Changes whenever the cached metadata does: a partition count read at one version
    /// holds until the version moves.
    pub fn metadata_version(&self) -> u64 {
        self.inner.metadata_version.load(Ordering::Acquire)
    }

    /// The leader's broker id for a partition, refreshing metadata when unknown.
    pub async fn leader_id(&self, topic: &str, partition: i32) -> ClientResult<i32> {
        let known = read(&self.inner.metadata).leader(topic, partition);
        if let Some(leader) = known {
            return Ok(leader);
        }
        self.invalidate_topic(topic);
        let metadata = self.topic_metadata(topic).await?;
        metadata
            .partitions
            .iter()
            .find(|p| p.partition == partition)
            .map(|p| p.leader_id)
            .ok_or_else(|| ClientError::UnknownPartition {
                topic: topic.to_string(),
                partition,
            })
    }

    /// The connection to broker `node_id`, opened on first use.
    pub async fn broker(&self, node_id: i32) -> ClientResult<Arc<BrokerConnection>> {
        self.connection_to(&self.broker_addr(node_id)?).await
    }

    /// A new connection to broker `node_id`, not shared: for a request that must not wait
    /// behind this client's others on the shared one (a broker answers a connection's requests
    /// in order, and a Fetch there may be held for `fetch.max.wait.ms`).
    pub async fn own_connection(&self, node_id: i32) -> ClientResult<BrokerConnection> {
        BrokerConnection::connect(&self.broker_addr(node_id)?, &self.inner.settings).await
    }

    fn broker_addr(&self, node_id: i32) -> ClientResult<String> {
        read(&self.inner.metadata)
            .brokers
            .get(&node_id)
            .map(|b| b.addr())
            .ok_or(ClientError::UnknownBroker(node_id))
    }

    /// Any broker that answers: open connections first, then known brokers, then bootstrap.
    pub async fn any_broker(&self) -> ClientResult<Arc<BrokerConnection>> {
        let open = lock(&self.inner.connections)
            .values()
            .find(|c| !c.is_closed())
            .cloned();
        if let Some(connection) = open {
            return Ok(connection);
        }
        let mut candidates: Vec<String> = read(&self.inner.metadata)
            .brokers
            .values()
            .map(|b| b.addr())
            .collect();
        candidates.extend(self.inner.config.bootstrap_servers.iter().cloned());
        let mut last_error = None;
        for addr in candidates {
            match self.connection_to(&addr).await {
                Ok(connection) => return Ok(connection),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or(ClientError::NoBootstrapServer {
            servers: self.inner.config.bootstrap_servers.join(","),
            last_error: "no brokers known".to_string(),
        }))
    }

    /// Of the ApiVersions answers of the open connections, the one with the newest finalized
    /// features (Kafka's `ApiVersions.getFinalizedFeaturesInfo`), if any reported them.
    pub fn newest_finalized_features(&self) -> Option<ApiVersionTable> {
        lock(&self.inner.connections)
            .values()
            .filter(|c| !c.is_closed())
            .map(|c| c.api_versions())
            .filter(|v| v.finalized_features_epoch() >= 0)
            .max_by_key(|v| v.finalized_features_epoch())
            .cloned()
    }

    /// The controller as Metadata reports it (any broker when unknown).
    pub async fn controller(&self) -> ClientResult<Arc<BrokerConnection>> {
        let controller_id = read(&self.inner.metadata).controller_id;
        if controller_id >= 0 {
            if let Ok(connection) = self.broker(controller_id).await {
                return Ok(connection);
            }
        }
        self.any_broker().await
    }

    async fn connection_to(&self, addr: &str) -> ClientResult<Arc<BrokerConnection>> {
        let existing = lock(&self.inner.connections).get(addr).cloned();
        if let Some(connection) = existing.filter(|c| !c.is_closed()) {
            return Ok(connection);
        }
        // Connect without holding the lock; if another task won the race, use its connection.
        let fresh = Arc::new(BrokerConnection::connect(addr, &self.inner.settings).await?);
        let mut connections = lock(&self.inner.connections);
        let slot = connections
            .entry(addr.to_string())
            .or_insert_with(|| fresh.clone());
        if slot.is_closed() {
            *slot = fresh;
        }
        Ok(slot.clone())
    }

    /// Backoff before retry number `attempt`: `retry.backoff.ms` doubling up to
    /// `retry.backoff.max.ms`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let config = &self.inner.config;
        config
            .retry_backoff
            .saturating_mul(1u32 << attempt.min(16))
            .min(config.retry_backoff_max.max(config.retry_backoff))
    }

    /// Runs `operation` until it succeeds, fails with a non-retriable error, or
    /// `retries` / `default.api.timeout.ms` run out; refreshes metadata when the error says
    /// the cache is stale.
    pub async fn retry<T, F, Fut>(&self, mut operation: F) -> ClientResult<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = ClientResult<T>>,
    {
        let config = &self.inner.config;
        let deadline = Instant::now() + config.default_api_timeout;
        let mut attempt = 0;
        loop {
            let error = match operation().await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let pause = self.backoff(attempt);
            let retriable = error.is_retriable() || is_unknown_topic(&error);
            if !retriable || attempt >= config.retries || Instant::now() + pause >= deadline {
                return Err(error);
            }
            tracing::debug!(%error, attempt, "retrying");
            if error.invalidates_metadata() {
                // A failed refresh surfaces through the next attempt.
                let _ = self.refresh_known_topics().await;
            }
            tokio::time::sleep(pause).await;
            attempt += 1;
        }
    }
}

fn is_unknown_topic(error: &ClientError) -> bool {
    matches!(error, ClientError::UnknownTopic { .. })
        || error.kafka_error() == Some(ResponseError::UnknownTopicOrPartition)
}

/// Kafka's topic name rules, checked before asking a broker about a name it must refuse.
pub fn check_topic_name(topic: &str) -> ClientResult<()> {
    match crate::metadata::controller::topic_name::invalid_reason(topic) {
        None => Ok(()),
        Some(reason) => Err(ClientError::InvalidTopic {
            topic: topic.to_string(),
            reason,
        }),
    }
}

/// Of two errors that make waiting pointless, the one to report: a refused connection merges
/// with another into one error naming every refusing server.
fn merge_hopeless(earlier: Option<ClientError>, error: ClientError) -> ClientError {
    match (earlier, error) {
        (
            Some(ClientError::ConnectionRefused { servers: before }),
            ClientError::ConnectionRefused { servers },
        ) => ClientError::ConnectionRefused {
            servers: format!("{before},{servers}"),
        },
        (_, error) => error,
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A cached topic is usable when it has no error and every partition has a leader.
fn usable(topic: &TopicMetadata) -> bool {
    topic.error_code == 0
        && !topic.partitions.is_empty()
        && topic.partitions.iter().all(|p| p.leader_id >= 0)
}

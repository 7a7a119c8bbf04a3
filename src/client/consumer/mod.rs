//! The consumer in assign mode: explicit partitions and start positions, a fetch loop honoring
//! `fetch.max.wait.ms` / `fetch.min.bytes` / `fetch.max.bytes`, every codec, isolation levels,
//! `auto.offset.reset`, and "exit at end" against the end offsets seen at assignment. With
//! `client.rack` (KIP-392) a partition is fetched from the preferred read replica its leader
//! names, until `metadata.max.age.ms` passes or that replica answers an error, then from the
//! leader again (as the Java consumer and librdkafka).
//!
//! Each broker has at most one Fetch in flight (as the Java consumer and librdkafka), and a
//! poll hands out what the first brokers answer without waiting for the rest: a broker whose
//! partitions have nothing new holds its Fetch up to `fetch.max.wait.ms`, which must not hold
//! up records that other brokers already sent. A Fetch still in flight when a poll returns
//! stays in flight for the next one. Each broker is fetched from in an incremental fetch
//! session (KIP-227, `protocol::fetch_session`), as the Java consumer and librdkafka: a Fetch
//! names only the partitions whose position the broker does not hold, and its answer only
//! partitions with news, so a round costs what moved, not every assigned partition.
//! [`group::GroupConsumer`] adds group membership on top.

mod batches;
mod fetcher;
pub mod group;
mod position;
mod record;

pub use batches::AbortedTransaction;
pub use position::{PartitionBounds, StartOffset};
pub use record::{ConsumerRecord, TimestampKind};

use super::admin::Admin;
use super::config::{AutoOffsetReset, IsolationLevel};
use super::connection::BrokerConnection;
use super::error::{ClientError, ClientResult};
use super::kafka_client::Client;
use super::wire::{topic_name, TopicPartition};
use crate::protocol::fetch_session::FetchSessionHandler;
use futures::future::BoxFuture;
use futures::stream::{FuturesUnordered, StreamExt};
use futures::FutureExt;
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::fetch_request::FetchPartition;
use kafka_protocol::messages::{FetchResponse, TopicName};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

/// Per-partition consumer state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionState {
    /// The next offset to fetch.
    pub position: i64,
    /// The end offset when the partition was assigned: "exit at end" stops here.
    pub end_at_assignment: i64,
    /// The latest high watermark seen in a fetch response (-1 before the first).
    pub high_watermark: i64,
    /// The latest last stable offset seen in a fetch response (-1 before the first).
    pub last_stable_offset: i64,
    /// The broker the latest fetch of this partition went to (-1 before the first).
    pub fetched_from: i32,
    /// The partition's leader as the client's metadata named it at the consumer's last look-up
    /// (-1 before the first).
    pub leader: i32,
    /// KIP-392: the replica the leader named and until when to fetch from it.
    pub preferred_read_replica: Option<(i32, Instant)>,
}

/// One broker's answer to a Fetch, with the connection it came through (whose address names
/// an error at its top).
struct BrokerFetch {
    broker: i32,
    result: ClientResult<(FetchResponse, Arc<BrokerConnection>)>,
}

/// The Fetch requests sent and not yet answered, one per broker at most.
#[derive(Default)]
struct InFlight {
    /// Invariant: `brokers` holds exactly the brokers of the fetches in `fetches`.
    brokers: BTreeSet<i32>,
    /// Never locked: `&mut self` reaches it through `get_mut`. The mutex only makes the
    /// consumer `Sync`, which a `&self` method's future held across an await needs.
    fetches: Mutex<FuturesUnordered<BoxFuture<'static, BrokerFetch>>>,
}

impl InFlight {
    fn fetches(&mut self) -> &mut FuturesUnordered<BoxFuture<'static, BrokerFetch>> {
        self.fetches
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn check(&mut self) {
        debug_assert_eq!(self.brokers.len(), self.fetches().len());
    }
}

impl fmt::Debug for InFlight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InFlight")
            .field("brokers", &self.brokers)
            .finish_non_exhaustive()
    }
}

/// A consumer of explicitly assigned partitions.
#[derive(Debug)]
pub struct Consumer {
    client: Client,
    admin: Admin,
    partitions: BTreeMap<TopicPartition, PartitionState>,
    include_control_records: bool,
    in_flight: InFlight,
    /// The fetch session with each broker fetched from (KIP-227), by broker id.
    sessions: HashMap<i32, FetchSessionHandler<TopicName>>,
    /// The client's metadata version at which every partition's `leader` was looked up; `None`
    /// when some partition's was not (a new assignment).
    leaders_version: Option<u64>,
}

impl Consumer {
    /// A consumer with nothing assigned.
    pub fn new(client: Client) -> Self {
        Consumer {
            admin: Admin::new(client.clone()),
            client,
            partitions: BTreeMap::new(),
            include_control_records: false,
            in_flight: InFlight::default(),
            sessions: HashMap::new(),
            leaders_version: None,
        }
    }

    /// Also hand out transaction markers (flagged `is_control`); off by default.
    pub fn set_include_control_records(&mut self, include: bool) {
        self.include_control_records = include;
    }

    /// Assigns partitions (replacing any previous assignment) at the given start positions;
    /// records each partition's end offset now for [`Consumer::reached_end`].
    pub async fn assign(
        &mut self,
        assignment: &[(TopicPartition, StartOffset)],
    ) -> ClientResult<()> {
        let isolation = self.client.config().isolation_level;
        let tps: Vec<TopicPartition> = assignment.iter().map(|(tp, _)| tp.clone()).collect();
        let bounds = position::fetch_bounds(&self.admin, &tps, isolation).await?;
        let mut partitions = BTreeMap::new();
        for (tp, start) in assignment {
            let bounds = bounds
                .get(tp)
                .copied()
                .ok_or_else(|| ClientError::UnknownPartition {
                    topic: tp.topic.clone(),
                    partition: tp.partition,
                })?;
            let position = position::resolve(&self.admin, tp, *start, bounds, isolation).await?;
            partitions.insert(
                tp.clone(),
                PartitionState {
                    position,
                    end_at_assignment: bounds.end_offset,
                    high_watermark: -1,
                    last_stable_offset: -1,
                    fetched_from: -1,
                    leader: -1,
                    preferred_read_replica: None,
                },
            );
        }
        self.partitions = partitions;
        self.leaders_version = None;
        Ok(())
    }

    /// Every topic partition of `topic`, for assigning a whole topic.
    pub async fn partitions_of(&self, topic: &str) -> ClientResult<Vec<TopicPartition>> {
        let metadata = self.client.topic_metadata(topic).await?;
        Ok(metadata
            .partitions
            .iter()
            .map(|p| TopicPartition::new(topic, p.partition))
            .collect())
    }

    /// The state of every assigned partition.
    pub fn partitions(&self) -> &BTreeMap<TopicPartition, PartitionState> {
        &self.partitions
    }

    /// The fetch session held with each broker fetched from: (broker id, session id, epoch of
    /// the next fetch), session id 0 when the broker keeps none and epoch 0 when the next
    /// fetch is full.
    pub fn fetch_sessions(&self) -> Vec<(i32, i32, i32)> {
        let mut sessions: Vec<_> = self
            .sessions
            .iter()
            .map(|(&broker, session)| {
                let (id, epoch) = session.session();
                (broker, id, epoch)
            })
            .collect();
        sessions.sort_unstable();
        sessions
    }

    /// Whether every partition's position has reached its end offset at assignment.
    pub fn reached_end(&self) -> bool {
        self.partitions
            .values()
            .all(|s| s.position >= s.end_at_assignment)
    }

    /// Closes the fetch session held with each broker (a Fetch at Kafka's final epoch, as the
    /// Java consumer sends when it closes), so that the brokers free their slots at once.
    /// Fetches in flight are dropped, and each close goes on a connection of its own: on the
    /// shared one it would wait for the broker to answer a held Fetch first (up to
    /// `fetch.max.wait.ms`, at every `kf consume -e`'s end). A broker that cannot be reached
    /// keeps its session until it evicts it, as Kafka's does.
    pub async fn close_fetch_sessions(&mut self) {
        self.in_flight.fetches().clear();
        self.in_flight.brokers.clear();
        let config = self.client.config().clone();
        let closes = self.sessions.iter_mut().filter_map(|(&broker, session)| {
            let request = fetcher::request(&config, session.close()?);
            let client = self.client.clone();
            Some(async move {
                let closed =
                    async { client.own_connection(broker).await?.send(&request).await }.await;
                if let Err(error) = closed {
                    tracing::debug!(broker, %error, "cannot close the fetch session");
                }
            })
        });
        futures::future::join_all(closes).await;
        self.sessions.clear();
    }

    /// Moves one partition's position.
    pub fn seek(&mut self, tp: &TopicPartition, offset: i64) -> ClientResult<()> {
        let state = self
            .partitions
            .get_mut(tp)
            .ok_or_else(|| ClientError::InvalidArgument(format!("{tp} is not assigned")))?;
        state.position = offset;
        Ok(())
    }

    /// Sends a Fetch to every broker that leads (or, KIP-392, serves) an assigned partition and
    /// has none in flight, then waits for the first answer and takes every answer already in;
    /// returns their records, each partition's in offset order. Waits at most about
    /// `fetch.max.wait.ms` when idle.
    pub async fn poll(&mut self) -> ClientResult<Vec<ConsumerRecord>> {
        if self.partitions.is_empty() {
            return Err(ClientError::InvalidArgument(
                "no partitions assigned".into(),
            ));
        }
        self.send_fetches().await?;
        let mut answers = Vec::new();
        if let Some(first) = self.in_flight.fetches().next().await {
            answers.push(first);
        }
        while let Some(Some(ready)) = self.in_flight.fetches().next().now_or_never() {
            answers.push(ready);
        }
        for answer in &answers {
            self.in_flight.brokers.remove(&answer.broker);
        }
        self.in_flight.check();
        // Every session learns how its fetch went before any answer is applied (applying one
        // may fail the poll).
        let mut responses = Vec::with_capacity(answers.len());
        for BrokerFetch { broker, result } in answers {
            let session = self.sessions.entry(broker).or_default();
            let response = match result {
                Ok((response, connection)) => {
                    if session.answered(response.error_code, response.session_id) {
                        // Only the session failed: the next Fetch to this broker is full.
                        tracing::debug!(broker, error = response.error_code, "fetch session reset");
                        continue;
                    }
                    ClientError::check(response.error_code, || {
                        format!("Fetch from {}", connection.addr())
                    })
                    .map(|()| response)
                }
                Err(error) => {
                    session.failed();
                    Err(error)
                }
            };
            responses.push((broker, response));
        }
        let mut records = Vec::new();
        let mut stale_metadata = false;
        for (broker, response) in responses {
            let response = match response {
                Ok(response) => response,
                Err(error) if error.is_retriable() => {
                    stale_metadata = true;
                    // A preferred replica out of reach: back to the leaders.
                    for state in self.partitions.values_mut() {
                        if state.fetched_from == broker {
                            state.preferred_read_replica = None;
                        }
                    }
                    tracing::debug!(%error, "fetch failed; will retry");
                    continue;
                }
                Err(error) => return Err(error),
            };
            let Some(session) = self.sessions.get(&broker) else {
                continue;
            };
            for partition in fetcher::partitions(response, session) {
                stale_metadata |= self.apply(partition, &mut records).await?;
            }
        }
        if stale_metadata {
            // A failed refresh surfaces through the next poll.
            let _ = self.client.refresh_known_topics().await;
            tokio::time::sleep(self.client.config().retry_backoff).await;
        }
        Ok(records)
    }

    /// Sends one Fetch to each broker with assigned partitions and no Fetch in flight, in its
    /// session: the partitions whose position the broker does not hold, and those it is to
    /// forget.
    async fn send_fetches(&mut self) -> ClientResult<()> {
        self.look_up_leaders().await?;
        let now = Instant::now();
        let config = self.client.config().clone();
        let mut by_broker: BTreeMap<i32, Vec<(TopicName, FetchPartition)>> = BTreeMap::new();
        // One `TopicName` per topic: the partitions come in topic order.
        let mut topic: Option<TopicName> = None;
        for (tp, state) in &mut self.partitions {
            state.preferred_read_replica = state
                .preferred_read_replica
                .filter(|(_, until)| *until > now);
            let broker = match state.preferred_read_replica {
                Some((replica, _)) => replica,
                None => state.leader,
            };
            if self.in_flight.brokers.contains(&broker) {
                continue;
            }
            state.fetched_from = broker;
            let name = match &topic {
                Some(name) if name.0.as_str() == tp.topic => name.clone(),
                _ => topic.insert(topic_name(&tp.topic)).clone(),
            };
            let request = fetcher::partition_request(&config, tp.partition, state.position);
            by_broker.entry(broker).or_default().push((name, request));
        }
        for (broker, wanted) in by_broker {
            let fetch = self.sessions.entry(broker).or_default().next_fetch(wanted);
            let request = fetcher::request(&config, fetch);
            let client = self.client.clone();
            self.in_flight.brokers.insert(broker);
            self.in_flight.fetches().push(
                async move {
                    let result = async {
                        let connection = client.broker(broker).await?;
                        let response = connection.send(&request).await?;
                        Ok((response, connection))
                    }
                    .await;
                    BrokerFetch { broker, result }
                }
                .boxed(),
            );
        }
        self.in_flight.check();
        Ok(())
    }

    /// Looks up every partition's leader again when the client's metadata changed since the
    /// last look-up (a refresh may have moved leaders): a poll's fetches need them all, and
    /// looking each up at every poll (a lock and a hash each) was a tenth of a consumer's CPU
    /// over 10,000 partitions.
    async fn look_up_leaders(&mut self) -> ClientResult<()> {
        let version = self.client.metadata_version();
        if self.leaders_version == Some(version) {
            return Ok(());
        }
        for (tp, state) in &mut self.partitions {
            state.leader = self.client.leader_id(&tp.topic, tp.partition).await?;
        }
        // A look-up that refreshed the metadata moved the version: the next poll looks again.
        self.leaders_version = Some(version);
        Ok(())
    }

    /// Applies one partition's fetch result; returns whether metadata looks stale.
    async fn apply(
        &mut self,
        mut fetched: fetcher::PartitionFetch,
        out: &mut Vec<ConsumerRecord>,
    ) -> ClientResult<bool> {
        let read_committed = self.client.config().isolation_level == IsolationLevel::ReadCommitted;
        let include_control = self.include_control_records;
        let Some(state) = self.partitions.get_mut(&fetched.topic_partition) else {
            return Ok(false);
        };
        // The position moved while the Fetch was in flight (a seek, an offset reset, a new
        // assignment, or another broker's answer after a leader change): the answer is stale.
        if state.position != fetched.fetch_offset {
            return Ok(false);
        }
        state.high_watermark = fetched.high_watermark();
        state.last_stable_offset = fetched.last_stable_offset();
        if let Some(replica) = fetched.preferred_read_replica() {
            let until = Instant::now() + self.client.config().metadata_max_age;
            state.preferred_read_replica = Some((replica, until));
            return Ok(false);
        }
        let result = fetched.records(read_committed, include_control);
        // Any error from a preferred replica (out of range included: it may lag the leader)
        // sends the partition back to its leader, as the Java consumer does.
        if result.is_err() && state.preferred_read_replica.take().is_some() {
            return Ok(false);
        }
        match result {
            Ok(decoded) => {
                state.position = state.position.max(decoded.next_offset);
                out.extend(decoded.records);
                Ok(false)
            }
            Err(error) if error.kafka_error() == Some(ResponseError::OffsetOutOfRange) => {
                self.reset_position(&fetched.topic_partition, error).await?;
                Ok(false)
            }
            Err(error) if error.invalidates_metadata() || error.is_retriable() => Ok(true),
            Err(error) => Err(error),
        }
    }

    /// OFFSET_OUT_OF_RANGE: move per `auto.offset.reset`, or report it.
    async fn reset_position(
        &mut self,
        tp: &TopicPartition,
        error: ClientError,
    ) -> ClientResult<()> {
        let config = self.client.config();
        let start = match config.auto_offset_reset {
            AutoOffsetReset::Earliest => StartOffset::Beginning,
            AutoOffsetReset::Latest => StartOffset::End,
            AutoOffsetReset::None => return Err(error),
        };
        let isolation = config.isolation_level;
        let bounds =
            position::fetch_bounds(&self.admin, std::slice::from_ref(tp), isolation).await?;
        let Some(bounds) = bounds.get(tp).copied() else {
            return Err(error);
        };
        let offset = position::resolve(&self.admin, tp, start, bounds, isolation).await?;
        tracing::info!(partition = %tp, offset, "offset out of range; reset");
        self.seek(tp, offset)
    }
}

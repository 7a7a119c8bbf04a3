//! The follower's side of replication, as Kafka's `ReplicaFetcherThread`: one task per leader
//! this broker follows partitions of, sending that leader Fetch requests (replica id, current
//! leader epoch, last fetched epoch) through the inter-broker path and appending what comes back
//! with the leader's offsets and epochs kept. A `diverging_epoch` answer (KIP-320) truncates the
//! log to where it parts from the leader's first; the follower's high watermark is the
//! leader's, bounded by its own log end.
//!
//! Each round reuses the list of followed partitions (rebuilt only when the replica manager's
//! generation moves) and matches the answer's partitions to it by (topic id, partition). As
//! Kafka's followers, a fetcher keeps an incremental fetch session with its leader (KIP-227,
//! `protocol::fetch_session`): a round names only the partitions whose fetch offset (or epoch) moved
//! and is answered only for partitions with news. Measured, full fetches were not free in
//! process: librdkafka sends one partition per ProduceRequest, so a round usually carries one
//! partition's batch, and building, matching and applying all ~21 partitions a follower follows
//! from a leader in every round cost more than the batch itself (BENCHMARKS.md, Cluster).
//!
//! Differs from Kafka: a log behind the leader's log start restarts empty at it.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::fetch_request::{FetchPartition, ReplicaState};
use kafka_protocol::messages::fetch_response::PartitionData;
use kafka_protocol::messages::{BrokerId, FetchRequest, FetchResponse};
use tracing::{debug, info, warn};
use uuid::Uuid;

use super::open::Replica;
use super::TopicPartition;
use crate::broker::Broker;
use crate::clock::now_ms;
use crate::protocol::fetch_session::FetchSessionHandler;

/// The Fetch version followers send (v15+: the replica id is in `replica_state`).
const FETCH_VERSION: i16 = 17;
/// Kafka's `replica.fetch.max.bytes` and `replica.fetch.response.max.bytes`.
const FETCH_MAX_BYTES: i32 = 1024 * 1024;
const FETCH_RESPONSE_MAX_BYTES: i32 = 10 * 1024 * 1024;
/// Kafka's `replica.fetch.backoff.ms`: the pause after a failed fetch.
const FETCH_BACKOFF: Duration = Duration::from_millis(1000);
/// The pause after a fetch in which a partition failed.
const ERROR_BACKOFF: Duration = Duration::from_millis(100);

/// The leaders a fetcher task runs for.
#[derive(Default)]
pub struct Fetchers {
    running: Mutex<BTreeSet<i32>>,
}

/// Starts a fetcher for every leader this broker follows a partition of and has none yet.
pub fn ensure_fetchers(broker: &Arc<Broker>) {
    let leaders: BTreeSet<i32> = broker
        .replicas
        .all()
        .iter()
        .map(|p| p.leader())
        .filter(|&leader| leader >= 0 && leader != broker.broker_id)
        .collect();
    let mut running = broker
        .replicas
        .fetchers()
        .running
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    for leader in leaders {
        if running.insert(leader) {
            tokio::spawn(run_fetcher(broker.clone(), leader));
        }
    }
}

/// The partitions a fetcher follows from its leader, with their logs open and indexed by how
/// the leader's answer names them; rebuilt only when the replica manager's generation moves.
struct Followed {
    /// The generation this list was built at; `None` when a log could not be opened, so the
    /// next round tries again.
    generation: Option<u64>,
    replicas: Vec<(Replica, Uuid)>,
    by_partition: HashMap<(Uuid, i32), usize>,
    /// The partitions of `replicas`, by name.
    names: HashSet<TopicPartition>,
}

impl Followed {
    fn build(broker: &Broker, leader: i32, generation: u64) -> Self {
        let image = broker.image();
        let mut complete = true;
        let mut replicas = Vec::new();
        for partition in broker.replicas.all() {
            if partition.leader() != leader {
                continue;
            }
            let tp = &partition.tp;
            let Some(topic_id) = image.topic(&tp.topic).map(|t| t.topic_id) else {
                continue;
            };
            match broker.replicas.replica(&image, &tp.topic, tp.partition) {
                Ok(replica) => replicas.push((replica, topic_id)),
                Err(_) => complete = false,
            }
        }
        let by_partition = replicas
            .iter()
            .enumerate()
            .map(|(i, (r, topic_id))| ((*topic_id, r.partition.tp.partition), i))
            .collect();
        let names = replicas
            .iter()
            .map(|(r, _)| r.partition.tp.clone())
            .collect();
        Self {
            generation: complete.then_some(generation),
            replicas,
            by_partition,
            names,
        }
    }

    /// Whether this broker now follows a partition from `leader` that this list lacks.
    fn lacks_a_partition(&self, broker: &Broker, leader: i32) -> bool {
        broker
            .replicas
            .all()
            .iter()
            .any(|p| p.leader() == leader && !self.names.contains(&p.tp))
    }
}

/// Brings `followed` up to date; false (and the fetcher unregistered) when this broker follows
/// nothing from `leader` any more or is stopping.
fn refresh(broker: &Broker, leader: i32, followed: &mut Option<Followed>) -> bool {
    loop {
        let generation = broker.replicas.generation();
        if followed.as_ref().and_then(|f| f.generation) != Some(generation) {
            // Building opens logs (file work): never under the lock `ensure_fetchers` takes.
            *followed = Some(Followed::build(broker, leader, generation));
        }
        let mut running = broker
            .replicas
            .fetchers()
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // A partition that came meanwhile found this fetcher registered: build again for it
        // rather than stop without it.
        if broker.replicas.generation() != generation {
            continue;
        }
        let empty = followed.as_ref().is_none_or(|f| f.replicas.is_empty());
        if empty || broker.is_stopped() {
            running.remove(&leader);
            return false;
        }
        return true;
    }
}

async fn run_fetcher(broker: Arc<Broker>, leader: i32) {
    debug!(broker = broker.broker_id, leader, "replica fetcher started");
    let mut followed = None;
    let mut session = FetchSessionHandler::<Uuid>::default();
    let mut generations = broker.replicas.subscribe_generation();
    loop {
        // Marked seen before the list is brought up to date, so that a partition added after
        // the list was built wakes the wait below.
        generations.borrow_and_update();
        if !refresh(&broker, leader, &mut followed) {
            break;
        }
        let Some(followed) = followed.as_ref() else {
            break;
        };
        let Some(request) = fetch_request(&broker, followed, &mut session) else {
            tokio::time::sleep(ERROR_BACKOFF).await;
            continue;
        };
        let fetch = broker
            .peers
            .fetch(broker.broker_id, leader, FETCH_VERSION, request);
        tokio::pin!(fetch);
        // The leader may hold this fetch `replica.fetch.wait.max.ms` for news of its partitions. A
        // partition this broker starts to follow from the leader meanwhile (a new topic) must
        // not wait that out: its first acks=all produce would. The fetch is dropped and the
        // next one, full, names it (the leader's session moved on: a new one opens).
        let response = loop {
            tokio::select! {
                response = &mut fetch => break Some(response),
                changed = generations.changed() => match changed {
                    Ok(()) if followed.lacks_a_partition(&broker, leader) => break None,
                    Ok(()) => {}
                    // No more changes to watch (the broker is going): the fetch is all.
                    Err(_) => break Some((&mut fetch).await),
                },
            }
        };
        let Some(response) = response else {
            session.failed();
            continue;
        };
        match response {
            Ok(response) => {
                if session.answered(response.error_code, response.session_id) {
                    // Only the session failed: the next fetch, full, goes at once.
                    continue;
                }
                // A partition in error (a leadership change under way, an offline log) answers
                // at once: pause rather than spin until it clears.
                if apply_response(followed, response) {
                    tokio::time::sleep(ERROR_BACKOFF).await;
                }
            }
            Err(e) => {
                session.failed();
                debug!(broker = broker.broker_id, leader, error = %e, "replica fetch failed");
                tokio::time::sleep(FETCH_BACKOFF).await;
            }
        }
    }
    debug!(broker = broker.broker_id, leader, "replica fetcher stopped");
}

/// The next Fetch of the session: every followed partition's request from its log's end, of
/// which the session names those the leader does not hold yet. `None` when no log could be read.
fn fetch_request(
    broker: &Broker,
    followed: &Followed,
    session: &mut FetchSessionHandler<Uuid>,
) -> Option<FetchRequest> {
    let mut wanted = Vec::with_capacity(followed.replicas.len());
    for (replica, topic_id) in &followed.replicas {
        let Ok(log) = replica.log() else { continue };
        let partition = FetchPartition::default()
            .with_partition(replica.partition.tp.partition)
            .with_current_leader_epoch(replica.partition.leader_epoch())
            .with_fetch_offset(log.log_end_offset())
            .with_last_fetched_epoch(log.latest_epoch().unwrap_or(-1))
            .with_log_start_offset(log.log_start_offset())
            .with_partition_max_bytes(FETCH_MAX_BYTES);
        wanted.push((*topic_id, partition));
    }
    if wanted.is_empty() {
        return None;
    }
    let fetch = session.next_fetch(wanted);
    Some(
        FetchRequest::default()
            .with_replica_state(
                ReplicaState::default()
                    .with_replica_id(BrokerId(broker.broker_id))
                    .with_replica_epoch(-1),
            )
            .with_max_wait_ms(broker.config.replica_fetch_wait_max_ms)
            .with_min_bytes(1)
            .with_max_bytes(FETCH_RESPONSE_MAX_BYTES)
            .with_session_id(fetch.session_id)
            .with_session_epoch(fetch.epoch)
            .with_topics(fetch.topics)
            .with_forgotten_topics_data(fetch.forgotten),
    )
}

/// Applies the leader's answer to each partition; true when one of them failed.
fn apply_response(followed: &Followed, response: FetchResponse) -> bool {
    let mut any_failed = response.error_code != 0;
    for topic in response.responses {
        for data in topic.partitions {
            let Some(&i) = followed
                .by_partition
                .get(&(topic.topic_id, data.partition_index))
            else {
                continue;
            };
            let replica = &followed.replicas[i].0;
            if let Err(e) = apply_partition(replica, &data) {
                debug!(partition = %replica.partition.tp, error = ?e, "replica fetch of a partition failed");
                any_failed = true;
            }
        }
    }
    any_failed
}

fn apply_partition(replica: &Replica, data: &PartitionData) -> Result<(), ResponseError> {
    let tp = &replica.partition.tp;
    let mut log = replica.log()?;
    match ResponseError::try_from_code(data.error_code) {
        None => {}
        Some(ResponseError::OffsetOutOfRange) if data.log_start_offset > log.log_end_offset() => {
            // The leader deleted what this log would need next: start over at its log start.
            info!(partition = %tp, leader_log_start = data.log_start_offset, "follower log behind the leader's log start: restarting it there");
            log.truncate_fully_and_start_at(data.log_start_offset)
                .map_err(|e| e.error())?;
            replica.partition.update_offsets(&log);
            return Ok(());
        }
        Some(e) => return Err(e),
    }
    if data.diverging_epoch.epoch >= 0 || data.diverging_epoch.end_offset >= 0 {
        let (epoch, leader_end) = (data.diverging_epoch.epoch, data.diverging_epoch.end_offset);
        let (_, local_end) = log.end_offset_for_epoch(epoch);
        let offsets = replica.partition.offsets(&log);
        let target = if leader_end < 0 || local_end < 0 {
            offsets.high_watermark
        } else {
            leader_end.min(local_end)
        };
        let target = target.max(log.log_start_offset());
        info!(partition = %tp, epoch, leader_end, target, "truncating the follower log to where it diverges from the leader's");
        log.truncate_to(target).map_err(|e| e.error())?;
        replica.partition.update_offsets(&log);
        return Ok(());
    }
    if let Some(records) = data.records.as_ref().filter(|r| !r.is_empty()) {
        if let Err(e) = log.append_as_follower(records, now_ms()) {
            warn!(partition = %tp, error = %e, "cannot append fetched records");
            return Err(e.error());
        }
    }
    if data.log_start_offset > log.log_start_offset()
        && data.log_start_offset <= log.log_end_offset()
    {
        // DeleteRecords and retention at the leader move the follower's log start too.
        log.delete_records_before(data.log_start_offset)
            .map_err(|e| e.error())?;
    }
    replica
        .partition
        .set_follower_high_watermark(&log, data.high_watermark);
    Ok(())
}

//! A live timeline of transactions (`kf txn trace`, kf top's Transactions pane): follows
//! `__transaction_state` and decodes Kafka's records (the coordinator's own decoder,
//! `coord::txn::log_record`), so it works against any Kafka cluster that lets the user read the
//! internal topic, and follows the data partitions of the transactions it sees for their
//! markers (control records, decoded as the log does, `log::TxnMarker`).
//!
//! [`Tracer`] turns records into [`TraceEvent`]s without I/O; [`TraceFollower`] fetches them.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::admin::{Admin, TransactionFilter};
use super::consumer::{Consumer, ConsumerRecord, StartOffset};
use super::error::{ClientError, ClientResult};
use super::kafka_client::Client;
use super::wire::TopicPartition;
use crate::coord::txn::log_record::{decode_key, decode_value};
use crate::coord::txn::state::TxnState;
use crate::coord::txn::store::TRANSACTION_STATE_TOPIC;
use crate::log::TxnMarker;

/// What an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The coordinator wrote a new state for the transactional id.
    Transition,
    /// A partition received the transaction's commit or abort marker.
    Marker,
}

/// One step of a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TraceEvent {
    pub event: EventKind,
    /// Transitions: the coordinator's update time; markers: the marker's timestamp (ms).
    pub timestamp: i64,
    /// `None` for a marker of a producer no transition named (an admin's abort).
    pub transactional_id: Option<String>,
    pub producer_id: i64,
    pub producer_epoch: i16,
    /// Kafka's state name; for a marker, the transaction's state when it was written.
    pub state: String,
    /// The state before (`None` for an id seen for the first time).
    pub previous_state: Option<String>,
    /// The transaction's partitions; for a marker, the partition that received it.
    pub partitions: Vec<TopicPartition>,
    /// Transitions only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_timeout_ms: Option<i32>,
    /// Markers only: `COMMIT` or `ABORT`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<&'static str>,
    /// Markers only: the marker's offset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
}

impl TraceEvent {
    /// What happened, as `kf txn trace` and kf top's pane print it: `from -> to` for a
    /// transition (`-` for an id seen for the first time), the marker and its offset for a marker.
    pub fn change(&self) -> String {
        match (self.event, self.marker) {
            (EventKind::Marker, Some(marker)) => {
                format!("{marker} marker at offset {}", self.offset.unwrap_or(-1))
            }
            _ => format!(
                "{} -> {}",
                self.previous_state.as_deref().unwrap_or("-"),
                self.state
            ),
        }
    }

    /// The event's partitions as `topic-partition,...`, `-` for none.
    pub fn partition_list(&self) -> String {
        if self.partitions.is_empty() {
            return "-".to_string();
        }
        self.partitions
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// What the tracer knows of one transactional id.
#[derive(Debug, Clone)]
struct Known {
    state: String,
    previous_state: Option<String>,
    producer_id: i64,
    producer_epoch: i16,
    /// When the coordinator wrote the state (0 when seeded from ListTransactions).
    updated_ms: i64,
    /// The last prepare transition (state and the state before it), whose markers are due
    /// while the id is in it or in the Complete* state that ends it.
    last_prepare: Option<(String, Option<String>)>,
}

impl Known {
    /// Whether a marker written at `timestamp` ends the transaction of the last prepare.
    fn owns_marker(&self, timestamp: i64) -> bool {
        is_prepare(&self.state) || (is_complete(&self.state) && timestamp <= self.updated_ms)
    }
}

/// An event waiting for what comes before it.
#[derive(Debug)]
struct Held {
    event: TraceEvent,
    /// A Complete* transition waits for the markers of these partitions; a marker read
    /// before its prepare transition waits for that (empty).
    awaiting: BTreeSet<TopicPartition>,
    /// Rounds waited: past [`MAX_HELD_ROUNDS`] it is released as it is (a trace started
    /// between a prepare and its markers never sees one of the two).
    rounds: u32,
}

const MAX_HELD_ROUNDS: u32 = 10;

/// How far before a transaction's start a newly followed partition is read from: producers'
/// clocks are not the coordinator's.
const CLOCK_SLACK_MS: i64 = 1_000;

fn is_prepare(state: &str) -> bool {
    matches!(
        TxnState::from_name(state),
        Some(TxnState::PrepareCommit | TxnState::PrepareAbort)
    )
}

fn is_complete(state: &str) -> bool {
    matches!(
        TxnState::from_name(state),
        Some(TxnState::CompleteCommit | TxnState::CompleteAbort)
    )
}

/// The pure part: turns `__transaction_state` records and control records into events in
/// the order they happened, whichever of the two was read first: a transaction's markers come
/// after its prepare transition and before its completion.
#[derive(Debug)]
pub struct Tracer {
    ids: BTreeMap<String, Known>,
    /// The transactional id of each producer id, for markers.
    producers: BTreeMap<i64, String>,
    /// Data partitions transactions wrote to (where markers will arrive), each with the time
    /// to read it from.
    partitions: BTreeMap<TopicPartition, i64>,
    /// Completions waiting for markers, by transactional id.
    completions: BTreeMap<String, Held>,
    /// Markers waiting for their prepare transition.
    early_markers: Vec<Held>,
    ready: Vec<TraceEvent>,
    /// The partitions of each id's last prepare transition whose markers are still to come.
    prepared: BTreeMap<String, BTreeSet<TopicPartition>>,
    /// Markers older than this are history, not reported.
    markers_since_ms: i64,
}

impl Tracer {
    /// A tracer reporting markers written from `markers_since_ms` on.
    pub fn new(markers_since_ms: i64) -> Self {
        Tracer {
            ids: BTreeMap::new(),
            producers: BTreeMap::new(),
            partitions: BTreeMap::new(),
            completions: BTreeMap::new(),
            early_markers: Vec::new(),
            ready: Vec::new(),
            prepared: BTreeMap::new(),
            markers_since_ms,
        }
    }

    /// Remembers a transactional id's current state (from ListTransactions), so that its
    /// next transition has a previous state.
    pub fn seed(&mut self, transactional_id: &str, producer_id: i64, state: &str) {
        self.producers
            .insert(producer_id, transactional_id.to_string());
        self.ids.insert(
            transactional_id.to_string(),
            Known {
                state: state.to_string(),
                previous_state: None,
                producer_id,
                producer_epoch: -1,
                updated_ms: 0,
                last_prepare: is_prepare(state).then(|| (state.to_string(), None)),
            },
        );
    }

    /// The data partitions transactions have written to, with the time (ms) to read each
    /// from.
    pub fn data_partitions(&self) -> &BTreeMap<TopicPartition, i64> {
        &self.partitions
    }

    /// Takes one `__transaction_state` record (another key version or a corrupt value is
    /// logged and skipped).
    pub fn on_state_record(&mut self, record: &ConsumerRecord) {
        let Some(key) = record.key.as_deref() else {
            return;
        };
        let transactional_id = match decode_key(key) {
            Ok(id) => id,
            Err(error) => {
                tracing::debug!(%error, offset = record.offset, "skipping a __transaction_state key");
                return;
            }
        };
        // What this id did before comes out first.
        if let Some(held) = self.completions.remove(&transactional_id) {
            self.ready.push(held.event);
        }
        let previous = self.ids.get(&transactional_id).cloned();
        let Some(value) = record.value.as_deref() else {
            // A tombstone: the id expired.
            self.ids.remove(&transactional_id);
            if let Some(previous) = previous {
                self.ready.push(TraceEvent {
                    event: EventKind::Transition,
                    timestamp: record.timestamp,
                    transactional_id: Some(transactional_id),
                    producer_id: previous.producer_id,
                    producer_epoch: previous.producer_epoch,
                    state: TxnState::Dead.name().to_string(),
                    previous_state: Some(previous.state),
                    partitions: Vec::new(),
                    transaction_timeout_ms: None,
                    marker: None,
                    offset: None,
                });
            }
            return;
        };
        let value = match decode_value(value) {
            Ok(value) => value,
            Err(error) => {
                tracing::debug!(%error, offset = record.offset, "skipping a __transaction_state value");
                return;
            }
        };
        let partitions: Vec<TopicPartition> = value
            .partitions
            .iter()
            .flat_map(|(topic, ps)| ps.iter().map(move |p| TopicPartition::new(topic, *p)))
            .collect();
        let since = value.start_timestamp_ms.max(self.markers_since_ms) - CLOCK_SLACK_MS;
        for tp in &partitions {
            self.partitions.entry(tp.clone()).or_insert(since);
        }
        let state = value.state.name().to_string();
        let previous_state = previous.as_ref().map(|p| p.state.clone());
        let last_prepare = if is_prepare(&state) {
            Some((state.clone(), previous_state.clone()))
        } else {
            previous.as_ref().and_then(|p| p.last_prepare.clone())
        };
        // The markers of the prepare this completion ends come first.
        let awaiting: BTreeSet<TopicPartition> = match &previous {
            Some(p) if is_complete(&state) && is_prepare(&p.state) => {
                self.prepared.remove(&transactional_id).unwrap_or_default()
            }
            _ => BTreeSet::new(),
        };
        self.producers
            .insert(value.producer_id, transactional_id.clone());
        self.ids.insert(
            transactional_id.clone(),
            Known {
                state: state.clone(),
                previous_state: previous_state.clone(),
                producer_id: value.producer_id,
                producer_epoch: value.producer_epoch,
                updated_ms: value.last_update_timestamp_ms,
                last_prepare,
            },
        );
        if is_prepare(&state) {
            self.prepared.insert(
                transactional_id.clone(),
                partitions.iter().cloned().collect(),
            );
        }
        let event = TraceEvent {
            event: EventKind::Transition,
            timestamp: value.last_update_timestamp_ms,
            transactional_id: Some(transactional_id.clone()),
            producer_id: value.producer_id,
            producer_epoch: value.producer_epoch,
            state,
            previous_state,
            partitions,
            transaction_timeout_ms: Some(value.transaction_timeout_ms),
            marker: None,
            offset: None,
        };
        let is_prepare_event = is_prepare(&event.state);
        if awaiting.is_empty() {
            self.ready.push(event);
        } else {
            self.completions.insert(
                transactional_id.clone(),
                Held {
                    event,
                    awaiting,
                    rounds: 0,
                },
            );
        }
        if is_prepare_event {
            // Markers read before this prepare are its own.
            let (mine, others): (Vec<Held>, Vec<Held>) = std::mem::take(&mut self.early_markers)
                .into_iter()
                .partition(|h| h.event.transactional_id.as_deref() == Some(&transactional_id));
            self.early_markers = others;
            for held in mine {
                self.marker_ready(held.event);
            }
        }
    }

    /// A marker of its transaction's last prepare: takes that transition's states and
    /// counts towards its completion.
    fn marker_ready(&mut self, mut event: TraceEvent) {
        if let Some(id) = event.transactional_id.clone() {
            if let Some((state, previous)) = self.ids.get(&id).and_then(|k| k.last_prepare.clone())
            {
                event.state = state;
                event.previous_state = previous;
            }
            if let Some(remaining) = self.prepared.get_mut(&id) {
                for tp in &event.partitions {
                    remaining.remove(tp);
                }
            }
            let done = self.completions.get_mut(&id).is_some_and(|held| {
                for tp in &event.partitions {
                    held.awaiting.remove(tp);
                }
                held.awaiting.is_empty()
            });
            self.ready.push(event);
            if done {
                if let Some(held) = self.completions.remove(&id) {
                    self.ready.push(held.event);
                }
            }
        } else {
            self.ready.push(event);
        }
    }

    /// Takes a data partition's record: a transaction marker becomes an event.
    pub fn on_data_record(&mut self, record: &ConsumerRecord) {
        if !record.is_control || record.timestamp < self.markers_since_ms {
            return;
        }
        let (Some(key), Some(value)) = (record.key.as_deref(), record.value.as_deref()) else {
            return;
        };
        let Some(marker) = TxnMarker::from_record(key, value) else {
            return;
        };
        let transactional_id = self.producers.get(&record.producer_id).cloned();
        let known = transactional_id.as_ref().and_then(|id| self.ids.get(id));
        let owned = known.is_none_or(|k| k.owns_marker(record.timestamp));
        let event = TraceEvent {
            event: EventKind::Marker,
            timestamp: record.timestamp,
            producer_id: record.producer_id,
            producer_epoch: record.producer_epoch,
            state: known.map_or_else(String::new, |k| k.state.clone()),
            previous_state: known.and_then(|k| k.previous_state.clone()),
            transactional_id,
            partitions: vec![TopicPartition::new(&record.topic, record.partition)],
            transaction_timeout_ms: None,
            marker: Some(if marker.commit { "COMMIT" } else { "ABORT" }),
            offset: Some(record.offset),
        };
        if owned {
            self.marker_ready(event);
        } else {
            self.early_markers.push(Held {
                event,
                awaiting: BTreeSet::new(),
                rounds: 0,
            });
        }
    }

    /// The events ready after one round of reading, each transaction's in the order they
    /// happened (not sorted by time: brokers' clocks differ); events that
    /// waited [`MAX_HELD_ROUNDS`] rounds for what comes before them are released as they are.
    pub fn take_events(&mut self) -> Vec<TraceEvent> {
        let mut events = std::mem::take(&mut self.ready);
        for held in &mut self.early_markers {
            held.rounds += 1;
        }
        let (stale, waiting): (Vec<Held>, Vec<Held>) = std::mem::take(&mut self.early_markers)
            .into_iter()
            .partition(|h| h.rounds >= MAX_HELD_ROUNDS);
        self.early_markers = waiting;
        events.extend(stale.into_iter().map(|h| h.event));
        for held in self.completions.values_mut() {
            held.rounds += 1;
        }
        let stale: Vec<String> = self
            .completions
            .iter()
            .filter(|(_, h)| h.rounds >= MAX_HELD_ROUNDS)
            .map(|(id, _)| id.clone())
            .collect();
        for id in stale {
            if let Some(held) = self.completions.remove(&id) {
                events.push(held.event);
            }
        }
        events
    }
}

/// Follows `__transaction_state` and the data partitions of the transactions it names (from
/// a little before each transaction's start, by timestamp, so that a transaction that ends
/// before its first transition is read still shows its markers). Markers are reported only
/// for transactions ending after the trace began: a replay shows transitions.
#[derive(Debug)]
pub struct TraceFollower {
    client: Client,
    tracer: Tracer,
    /// `None` until `__transaction_state` exists.
    states: Option<Consumer>,
    data: Consumer,
    /// The data partitions `data` is assigned.
    following: BTreeSet<TopicPartition>,
}

impl TraceFollower {
    /// Starts at the end of `__transaction_state` (its records from now on, the current
    /// states seeded from ListTransactions), or at its beginning to replay history. `client` should read
    /// committed: a data partition is joined at its last stable offset, before any marker
    /// of a transaction still open there.
    pub async fn start(client: Client, from_beginning: bool) -> ClientResult<TraceFollower> {
        let mut tracer = Tracer::new(crate::clock::now_ms());
        if !from_beginning {
            let admin = Admin::new(client.clone());
            for t in admin
                .list_transactions(&TransactionFilter::default())
                .await?
            {
                tracer.seed(&t.transactional_id, t.producer_id, &t.state);
            }
        }
        let mut data = Consumer::new(client.clone());
        data.set_include_control_records(true);
        let mut follower = TraceFollower {
            states: None,
            data,
            following: BTreeSet::new(),
            client,
            tracer,
        };
        // From the trace's start by timestamp, not from the end: the topic may be created
        // (by the first transaction) while the metadata lookup waits for it, and that
        // transaction's first records are then already in it.
        let start = if from_beginning {
            StartOffset::Beginning
        } else {
            StartOffset::Timestamp(follower.tracer.markers_since_ms)
        };
        follower.join_state_topic(start).await?;
        Ok(follower)
    }

    /// Assigns every `__transaction_state` partition at `start` once the topic exists.
    async fn join_state_topic(&mut self, start: StartOffset) -> ClientResult<()> {
        match self.client.topic_metadata(TRANSACTION_STATE_TOPIC).await {
            Ok(_) => {}
            Err(ClientError::UnknownTopic { .. }) => return Ok(()),
            Err(e) if e.kafka_error().is_some() => return Ok(()),
            Err(e) => return Err(e),
        }
        let mut states = Consumer::new(self.client.clone());
        let assignment: Vec<(TopicPartition, StartOffset)> = states
            .partitions_of(TRANSACTION_STATE_TOPIC)
            .await?
            .into_iter()
            .map(|tp| (tp, start))
            .collect();
        states.assign(&assignment).await?;
        self.states = Some(states);
        Ok(())
    }

    /// Follows the data partitions the tracer learned of, keeping the positions of those
    /// already followed.
    async fn follow_new_partitions(&mut self) -> ClientResult<()> {
        let wanted = self.tracer.data_partitions();
        if wanted.keys().all(|tp| self.following.contains(tp)) {
            return Ok(());
        }
        let assignment: Vec<(TopicPartition, StartOffset)> = wanted
            .iter()
            .map(|(tp, since)| {
                let start = self
                    .data
                    .partitions()
                    .get(tp)
                    .map_or(StartOffset::Timestamp(*since), |s| {
                        StartOffset::Offset(s.position)
                    });
                (tp.clone(), start)
            })
            .collect();
        self.data.assign(&assignment).await?;
        self.following = wanted.keys().cloned().collect();
        Ok(())
    }

    /// The events of one fetch round, in time order. Waits about `fetch.max.wait.ms` when
    /// nothing happens.
    pub async fn poll(&mut self) -> ClientResult<Vec<TraceEvent>> {
        if self.states.is_none() {
            // A topic created after the trace began holds only new records: all of them.
            self.join_state_topic(StartOffset::Beginning).await?;
            if self.states.is_none() {
                tokio::time::sleep(self.client.config().fetch_max_wait).await;
                return Ok(Vec::new());
            }
        }
        if let Some(states) = self.states.as_mut() {
            for record in states.poll().await? {
                self.tracer.on_state_record(&record);
            }
        }
        self.follow_new_partitions().await?;
        if !self.following.is_empty() {
            for record in self.data.poll().await? {
                self.tracer.on_data_record(&record);
            }
        }
        Ok(self.tracer.take_events())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::client::consumer::TimestampKind;
    use crate::coord::txn::log_record::{encode_key, encode_value, TxnLogValue};
    use crate::coord::txn::state::TxnState;
    use bytes::Bytes;

    fn record(topic: &str, partition: i32, key: Vec<u8>, value: Option<Vec<u8>>) -> ConsumerRecord {
        ConsumerRecord {
            topic: topic.to_string(),
            partition,
            offset: 7,
            timestamp: 2_000,
            timestamp_kind: TimestampKind::CreateTime,
            key: Some(Bytes::from(key)),
            value: value.map(Bytes::from),
            headers: Vec::new(),
            leader_epoch: 0,
            producer_id: 5,
            producer_epoch: 0,
            is_transactional: false,
            is_control: false,
        }
    }

    fn transition(state: TxnState, partitions: &[i32], at: i64) -> ConsumerRecord {
        let value = TxnLogValue {
            producer_id: 5,
            previous_producer_id: -1,
            next_producer_id: -1,
            producer_epoch: 0,
            transaction_timeout_ms: 60_000,
            state,
            partitions: if partitions.is_empty() {
                Vec::new()
            } else {
                vec![("orders".to_string(), partitions.to_vec())]
            },
            last_update_timestamp_ms: at,
            start_timestamp_ms: 1_000,
            client_transaction_version: 0,
        };
        record(
            TRANSACTION_STATE_TOPIC,
            0,
            encode_key("tx"),
            Some(encode_value(&value, 0)),
        )
    }

    fn marker(partition: i32, commit: bool, at: i64) -> ConsumerRecord {
        let kind: i16 = if commit { 1 } else { 0 };
        let mut key = 0i16.to_be_bytes().to_vec();
        key.extend_from_slice(&kind.to_be_bytes());
        let mut value = 0i16.to_be_bytes().to_vec();
        value.extend_from_slice(&3i32.to_be_bytes());
        let mut r = record("orders", partition, key, Some(value));
        r.is_control = true;
        r.is_transactional = true;
        r.timestamp = at;
        r
    }

    fn steps(events: &[TraceEvent]) -> Vec<String> {
        events
            .iter()
            .map(|e| match e.marker {
                Some(m) => format!("{m} orders-{} in {}", e.partitions[0].partition, e.state),
                None => format!(
                    "{} -> {}",
                    e.previous_state.as_deref().unwrap_or("-"),
                    e.state
                ),
            })
            .collect()
    }

    #[test]
    fn markers_come_between_the_prepare_and_the_completion_whatever_is_read_first() {
        let mut tracer = Tracer::new(0);
        // The data partitions were read ahead of __transaction_state: markers first.
        tracer.on_state_record(&transition(TxnState::Empty, &[], 1_000));
        tracer.on_state_record(&transition(TxnState::Ongoing, &[0, 1], 1_100));
        assert_eq!(tracer.data_partitions().len(), 2);
        tracer.on_data_record(&marker(0, true, 1_201));
        tracer.on_data_record(&marker(1, true, 1_202));
        assert_eq!(
            steps(&tracer.take_events()),
            ["- -> Empty", "Empty -> Ongoing"]
        );
        tracer.on_state_record(&transition(TxnState::PrepareCommit, &[0, 1], 1_200));
        tracer.on_state_record(&transition(TxnState::CompleteCommit, &[], 1_203));
        assert_eq!(
            steps(&tracer.take_events()),
            [
                "Ongoing -> PrepareCommit",
                "COMMIT orders-0 in PrepareCommit",
                "COMMIT orders-1 in PrepareCommit",
                "PrepareCommit -> CompleteCommit"
            ]
        );

        // __transaction_state read ahead: the completion waits for the second marker.
        tracer.on_state_record(&transition(TxnState::Ongoing, &[0, 1], 2_100));
        tracer.on_state_record(&transition(TxnState::PrepareAbort, &[0, 1], 2_200));
        tracer.on_data_record(&marker(0, false, 2_201));
        tracer.on_state_record(&transition(TxnState::CompleteAbort, &[], 2_203));
        assert_eq!(
            steps(&tracer.take_events()),
            [
                "CompleteCommit -> Ongoing",
                "Ongoing -> PrepareAbort",
                "ABORT orders-0 in PrepareAbort"
            ]
        );
        tracer.on_data_record(&marker(1, false, 2_202));
        assert_eq!(
            steps(&tracer.take_events()),
            [
                "ABORT orders-1 in PrepareAbort",
                "PrepareAbort -> CompleteAbort"
            ]
        );
    }

    #[test]
    fn held_events_are_released_after_a_bound_and_history_is_not_reported() {
        let mut tracer = Tracer::new(1_500);
        tracer.on_state_record(&transition(TxnState::Ongoing, &[0], 1_100));
        // Older than the trace: not reported.
        tracer.on_data_record(&marker(0, true, 1_400));
        tracer.on_state_record(&transition(TxnState::PrepareCommit, &[0], 1_600));
        tracer.on_state_record(&transition(TxnState::CompleteCommit, &[], 1_700));
        assert_eq!(
            steps(&tracer.take_events()),
            ["- -> Ongoing", "Ongoing -> PrepareCommit"]
        );
        for _ in 1..MAX_HELD_ROUNDS - 1 {
            assert!(tracer.take_events().is_empty());
        }
        assert_eq!(
            steps(&tracer.take_events()),
            ["PrepareCommit -> CompleteCommit"]
        );
        // A tombstone: the id expired.
        tracer.on_state_record(&record(TRANSACTION_STATE_TOPIC, 0, encode_key("tx"), None));
        assert_eq!(steps(&tracer.take_events()), ["CompleteCommit -> Dead"]);
        // Garbage is skipped.
        tracer.on_state_record(&record(
            TRANSACTION_STATE_TOPIC,
            0,
            vec![0, 9],
            Some(vec![1]),
        ));
        assert!(tracer.take_events().is_empty());
    }
}

//! The fetcher's side of an incremental fetch session (KIP-227), as Kafka's
//! `FetchSessionHandler`, for both of kf's fetchers: a follower's fetches from its leader
//! (topics by id) and a consumer's from each broker it reads (topics by name, Fetch v7-v12).
//! The first fetch to a broker is full and opens a session (epoch 0); later ones carry the
//! session's id and next epoch and name only the partitions whose request changed (a fetch
//! offset moved: the records of the last answer were taken, a follower's log was truncated, a
//! consumer seeked; a new leader epoch, a new log start) and, in `forgotten_topics_data`, those
//! no longer fetched from that broker. The broker keeps the rest of each partition's request
//! from before and answers only partitions with news (records, a moved high watermark or log
//! start, an error), so a round's request and answer cost what moved, not every partition. An
//! error at the top of an answer, or a fetch that never came back, starts over with a full
//! fetch; a broker that answers a full fetch without a session (its cache is full, or it keeps
//! none, as librdkafka's mock cluster) gets full fetches.

use std::hash::Hash;

use indexmap::{Equivalent, IndexMap};
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic, ForgottenTopic};
use kafka_protocol::messages::TopicName;
use uuid::Uuid;

/// Kafka's `INVALID_SESSION_ID`: no session.
const NO_SESSION: i32 = 0;
/// Kafka's `INITIAL_EPOCH`: a full fetch that opens a session (closing the one it names).
const INITIAL_EPOCH: i32 = 0;
/// Kafka's `FINAL_EPOCH`: a fetch that closes the session it names and opens none.
const FINAL_EPOCH: i32 = -1;

/// How a fetcher's requests name a topic: by id (Fetch v13+) or by name (before).
pub trait SessionTopic: Clone + Eq + Hash {
    fn fetch_topic(self, partitions: Vec<FetchPartition>) -> FetchTopic;
    fn forgotten_topic(self, partitions: Vec<i32>) -> ForgottenTopic;
}

impl SessionTopic for Uuid {
    fn fetch_topic(self, partitions: Vec<FetchPartition>) -> FetchTopic {
        FetchTopic::default()
            .with_topic_id(self)
            .with_partitions(partitions)
    }

    fn forgotten_topic(self, partitions: Vec<i32>) -> ForgottenTopic {
        ForgottenTopic::default()
            .with_topic_id(self)
            .with_partitions(partitions)
    }
}

impl SessionTopic for TopicName {
    fn fetch_topic(self, partitions: Vec<FetchPartition>) -> FetchTopic {
        FetchTopic::default()
            .with_topic(self)
            .with_partitions(partitions)
    }

    fn forgotten_topic(self, partitions: Vec<i32>) -> ForgottenTopic {
        ForgottenTopic::default()
            .with_topic(self)
            .with_partitions(partitions)
    }
}

/// What the broker's session holds, as this fetcher knows it; `T` names topics.
#[derive(Debug)]
pub struct FetchSessionHandler<T> {
    /// The broker's session id; [`NO_SESSION`] before it opened one, and then the next fetch
    /// is full.
    id: i32,
    /// The epoch the next fetch carries: [`INITIAL_EPOCH`] makes it full, else >= 1.
    epoch: i32,
    /// Each partition's request as the broker's session holds it (what was last sent), in
    /// the order the last fetch wanted them: by `place` (kept across fetches: no map per
    /// round).
    sent: IndexMap<(T, i32), Sent>,
    /// Fetches built so far.
    round: u64,
    /// The last fetch built is unanswered: neither [`Self::answered`] nor [`Self::failed`] was
    /// told of it. A fetcher that dropped it tells neither, and the broker may or may not
    /// have applied it: the next fetch is then full.
    in_flight: bool,
}

impl<T> Default for FetchSessionHandler<T> {
    fn default() -> Self {
        Self {
            id: NO_SESSION,
            epoch: INITIAL_EPOCH,
            sent: IndexMap::new(),
            round: 0,
            in_flight: false,
        }
    }
}

/// A partition's request as the broker's session holds it.
#[derive(Debug)]
struct Sent {
    request: FetchPartition,
    /// The number of the fetch that last wanted it.
    wanted_in: u64,
    /// Its place among the partitions that fetch wanted.
    place: usize,
}

/// A session's partition key borrowed, to look one up without cloning its topic.
#[derive(Hash)]
struct SentKey<'a, T> {
    topic: &'a T,
    partition: i32,
}

// Hashes as the `(T, i32)` key does: the topic, then the index.
impl<T: Eq> Equivalent<(T, i32)> for SentKey<'_, T> {
    fn equivalent(&self, key: &(T, i32)) -> bool {
        self.partition == key.1 && *self.topic == key.0
    }
}

/// The session fields and partitions of the next fetch.
#[derive(Debug)]
pub struct SessionFetch {
    pub session_id: i32,
    pub epoch: i32,
    pub topics: Vec<FetchTopic>,
    pub forgotten: Vec<ForgottenTopic>,
}

/// Adds `item` to `topic`'s list in `topics`. Callers give partitions grouped by topic (a
/// consumer's, in order) or few of them (a follower's): the search starts at the last topic.
fn add_to<T: SessionTopic, I>(topics: &mut Vec<(T, Vec<I>)>, topic: &T, item: I) {
    match topics.iter().rposition(|(t, _)| t == topic) {
        Some(i) => topics[i].1.push(item),
        None => topics.push((topic.clone(), vec![item])),
    }
}

impl<T: SessionTopic> FetchSessionHandler<T> {
    /// The session id this fetcher holds ([`NO_SESSION`]: none) and the epoch its next fetch
    /// carries (0: full).
    pub fn session(&self) -> (i32, i32) {
        (self.id, self.epoch)
    }

    /// The fetch offset the broker's session holds for a partition (the last one sent for
    /// it), if the session holds the partition.
    pub fn fetch_offset(&self, topic: &T, partition: i32) -> Option<i64> {
        self.sent
            .get(&SentKey { topic, partition })
            .map(|sent| sent.request.fetch_offset)
    }

    /// The next fetch, given every partition's request now: all of them when the fetch is
    /// full, else only those whose request differs from what the broker holds.
    pub fn next_fetch(
        &mut self,
        wanted: impl IntoIterator<Item = (T, FetchPartition)>,
    ) -> SessionFetch {
        if self.in_flight {
            self.failed();
        }
        let full = self.epoch == INITIAL_EPOCH;
        self.round += 1;
        self.in_flight = true;
        let round = self.round;
        let mut topics: Vec<(T, Vec<FetchPartition>)> = Vec::new();
        // A fetcher wants its partitions in the same order round after round: each is looked
        // for first at its place in `sent`, which costs a comparison, not a hash of its key.
        let mut in_order = true;
        for (place, (topic, partition)) in wanted.into_iter().enumerate() {
            let key = (topic, partition.partition);
            let found = match self.sent.get_index(place) {
                Some((held, _)) if held.1 == key.1 && held.0 == key.0 => Some(place),
                _ => {
                    in_order = false;
                    self.sent.get_index_of(&key)
                }
            };
            match found.and_then(|index| self.sent.get_index_mut(index)) {
                Some((_, held)) => {
                    held.wanted_in = round;
                    held.place = place;
                    if full || held.request != partition {
                        held.request.clone_from(&partition);
                        add_to(&mut topics, &key.0, partition);
                    }
                }
                None => {
                    add_to(&mut topics, &key.0, partition.clone());
                    let sent = Sent {
                        request: partition,
                        wanted_in: round,
                        place,
                    };
                    self.sent.insert(key, sent);
                }
            }
        }
        let mut forgotten: Vec<(T, Vec<i32>)> = Vec::new();
        self.sent.retain(|(topic, partition), sent| {
            if sent.wanted_in == round {
                return true;
            }
            // A full fetch replaces the session's partitions: nothing to forget by name.
            if !full {
                add_to(&mut forgotten, topic, *partition);
            }
            false
        });
        if !in_order {
            // The next round, if it wants the same partitions, finds each at its place.
            self.sent
                .sort_unstable_by(|_, a, _, b| a.place.cmp(&b.place));
        }
        debug_assert!(self.sent.values().is_sorted_by_key(|sent| sent.place));
        SessionFetch {
            session_id: self.id,
            epoch: self.epoch,
            topics: topics
                .into_iter()
                .map(|(topic, partitions)| topic.fetch_topic(partitions))
                .collect(),
            forgotten: forgotten
                .into_iter()
                .map(|(topic, partitions)| topic.forgotten_topic(partitions))
                .collect(),
        }
    }

    /// The broker answered the last fetch with `error_code` at the top and `session_id`;
    /// true when that error concerns only the session (the next fetch, full, may go at once).
    pub fn answered(&mut self, error_code: i16, session_id: i32) -> bool {
        self.in_flight = false;
        if error_code != 0 {
            let error = ResponseError::try_from_code(error_code);
            // An unknown session is gone: open a new one; any other error closes it.
            if error == Some(ResponseError::FetchSessionIdNotFound) {
                self.id = NO_SESSION;
            }
            self.epoch = INITIAL_EPOCH;
            return matches!(
                error,
                Some(
                    ResponseError::FetchSessionIdNotFound
                        | ResponseError::InvalidFetchSessionEpoch
                        | ResponseError::FetchSessionTopicIdError
                )
            );
        }
        if session_id == NO_SESSION {
            // The broker kept no session (its cache was full, it closed an emptied one, or it keeps
            // none): the next fetch is full again.
            self.id = NO_SESSION;
            self.epoch = INITIAL_EPOCH;
        } else if self.epoch == INITIAL_EPOCH {
            self.id = session_id;
            self.epoch = 1;
        } else {
            self.epoch = if self.epoch == i32::MAX {
                1
            } else {
                self.epoch + 1
            };
        }
        debug_assert!(self.id != NO_SESSION || self.epoch == INITIAL_EPOCH);
        false
    }

    /// The fetch that closes the broker's session (its id, [`FINAL_EPOCH`], no partitions), as
    /// the Java consumer sends when it closes, so that the broker frees the session's slot at
    /// once instead of keeping it until evicted; `None` when no session is open. This handler
    /// then holds no session: a fetch after it is full.
    pub fn close(&mut self) -> Option<SessionFetch> {
        let session_id = std::mem::take(self).id;
        (session_id != NO_SESSION).then(|| SessionFetch {
            session_id,
            epoch: FINAL_EPOCH,
            topics: Vec::new(),
            forgotten: Vec::new(),
        })
    }

    /// The last fetch got no answer: the broker may or may not have applied it, so the next
    /// fetch is full (naming the old session, which the broker then closes).
    pub fn failed(&mut self) {
        self.in_flight = false;
        self.epoch = INITIAL_EPOCH;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partition(index: i32, fetch_offset: i64) -> FetchPartition {
        FetchPartition::default()
            .with_partition(index)
            .with_fetch_offset(fetch_offset)
    }

    fn named(fetch: &SessionFetch) -> Vec<(i32, i64)> {
        fetch
            .topics
            .iter()
            .flat_map(|t| t.partitions.iter().map(|p| (p.partition, p.fetch_offset)))
            .collect()
    }

    #[test]
    fn close_names_the_open_session_at_the_final_epoch_and_forgets_it() {
        let topic = Uuid::from_u128(7);
        let mut session = FetchSessionHandler::<Uuid>::default();
        assert!(session.close().is_none(), "no session to close");
        session.next_fetch(vec![(topic, partition(0, 5))]);
        assert!(!session.answered(0, 42));
        let Some(close) = session.close() else {
            panic!("a session is open");
        };
        assert_eq!((close.session_id, close.epoch), (42, FINAL_EPOCH));
        assert!(close.topics.is_empty() && close.forgotten.is_empty());
        assert_eq!(session.session(), (NO_SESSION, INITIAL_EPOCH));
        let next = session.next_fetch(vec![(topic, partition(0, 5))]);
        assert_eq!((next.session_id, next.epoch), (NO_SESSION, INITIAL_EPOCH));
        assert_eq!(named(&next), vec![(0, 5)]);
    }

    #[test]
    fn a_full_fetch_opens_then_only_changes_are_named() {
        let topic = Uuid::from_u128(7);
        let mut session = FetchSessionHandler::<Uuid>::default();
        let first = session.next_fetch(vec![(topic, partition(0, 5)), (topic, partition(1, 9))]);
        assert_eq!((first.session_id, first.epoch), (0, 0));
        assert_eq!(named(&first), vec![(0, 5), (1, 9)]);
        assert!(!session.answered(0, 42));

        let second = session.next_fetch(vec![(topic, partition(0, 5)), (topic, partition(1, 10))]);
        assert_eq!((second.session_id, second.epoch), (42, 1));
        assert_eq!(named(&second), vec![(1, 10)]);
        assert!(second.forgotten.is_empty());
        session.answered(0, 42);

        let third = session.next_fetch(vec![(topic, partition(1, 10))]);
        assert_eq!((third.session_id, third.epoch), (42, 2));
        assert!(named(&third).is_empty());
        assert_eq!(third.forgotten.len(), 1);
        assert_eq!(third.forgotten[0].topic_id, topic);
        assert_eq!(third.forgotten[0].partitions, vec![0]);
    }

    #[test]
    fn errors_and_failures_start_over_with_a_full_fetch() {
        let topic = Uuid::from_u128(7);
        let wanted = || vec![(topic, partition(0, 5)), (topic, partition(1, 9))];
        let mut session = FetchSessionHandler::<Uuid>::default();
        session.next_fetch(wanted());
        session.answered(0, 42);

        assert!(session.answered(ResponseError::InvalidFetchSessionEpoch.code(), 42));
        let closing = session.next_fetch(wanted());
        assert_eq!((closing.session_id, closing.epoch), (42, 0));
        assert_eq!(named(&closing).len(), 2);

        session.answered(0, 43);
        assert!(session.answered(ResponseError::FetchSessionIdNotFound.code(), 0));
        let fresh = session.next_fetch(wanted());
        assert_eq!((fresh.session_id, fresh.epoch), (0, 0));

        session.answered(0, 44);
        session.failed();
        let after_failure = session.next_fetch(wanted());
        assert_eq!((after_failure.session_id, after_failure.epoch), (44, 0));
        assert_eq!(named(&after_failure).len(), 2);

        // A leader that keeps no session: every fetch stays full.
        session.answered(0, 0);
        let sessionless = session.next_fetch(wanted());
        assert_eq!((sessionless.session_id, sessionless.epoch), (0, 0));
        assert_eq!(named(&sessionless).len(), 2);
        assert!(!session.answered(ResponseError::NotLeaderOrFollower.code(), 0));
    }

    fn name(topic: &str) -> TopicName {
        TopicName(kafka_protocol::protocol::StrBytes::from_string(
            topic.to_string(),
        ))
    }

    /// (topic, partition, fetch offset) of every partition a fetch names, in order.
    fn named_by_name(fetch: &SessionFetch) -> Vec<(String, i32, i64)> {
        fetch
            .topics
            .iter()
            .flat_map(|t| {
                t.partitions
                    .iter()
                    .map(|p| (t.topic.0.to_string(), p.partition, p.fetch_offset))
            })
            .collect()
    }

    fn forgotten_by_name(fetch: &SessionFetch) -> Vec<(String, Vec<i32>)> {
        fetch
            .forgotten
            .iter()
            .map(|t| (t.topic.0.to_string(), t.partitions.clone()))
            .collect()
    }

    #[test]
    fn a_consumer_session_by_name_resends_moved_positions_and_forgets_by_name() {
        let wanted = |positions: &[(&str, i32, i64)]| {
            positions
                .iter()
                .map(|&(topic, index, offset)| (name(topic), partition(index, offset)))
                .collect::<Vec<_>>()
        };
        let mut session = FetchSessionHandler::<TopicName>::default();
        let first = session.next_fetch(wanted(&[("a", 0, 0), ("a", 1, 0), ("b", 0, 0)]));
        assert_eq!((first.session_id, first.epoch), (0, 0));
        assert_eq!(first.topics.len(), 2, "one entry per topic");
        assert_eq!(
            named_by_name(&first),
            vec![("a".into(), 0, 0), ("a".into(), 1, 0), ("b".into(), 0, 0)]
        );
        assert!(!session.answered(0, 9));
        assert_eq!(session.session(), (9, 1));

        // a-1's records were taken (its position moved), b-0 is no longer fetched from this
        // broker, b-1 is new to it; a-0 is as the broker holds it.
        let second = session.next_fetch(wanted(&[("a", 0, 0), ("a", 1, 7), ("b", 1, 3)]));
        assert_eq!((second.session_id, second.epoch), (9, 1));
        assert_eq!(
            named_by_name(&second),
            vec![("a".into(), 1, 7), ("b".into(), 1, 3)]
        );
        assert_eq!(forgotten_by_name(&second), vec![("b".into(), vec![0])]);
        assert!(second.forgotten[0].topic_id.is_nil(), "named, not by id");
        session.answered(0, 9);

        // Nothing moved: the fetch names nothing and waits on the broker's session.
        let third = session.next_fetch(wanted(&[("a", 0, 0), ("a", 1, 7), ("b", 1, 3)]));
        assert_eq!((third.session_id, third.epoch), (9, 2));
        assert!(third.topics.is_empty() && third.forgotten.is_empty());
    }

    #[test]
    fn a_broker_that_keeps_no_session_gets_every_partition_each_time() {
        let mut session = FetchSessionHandler::<TopicName>::default();
        for (round, offset) in [(0, 0), (1, 4), (2, 4)] {
            let mut wanted = vec![(name("t"), partition(0, offset))];
            if round < 2 {
                wanted.push((name("t"), partition(1, offset)));
            }
            let fetch = session.next_fetch(wanted);
            assert_eq!((fetch.session_id, fetch.epoch), (0, 0), "round {round}");
            assert_eq!(named_by_name(&fetch).len(), if round < 2 { 2 } else { 1 });
            assert!(fetch.forgotten.is_empty(), "a full fetch forgets nothing");
            assert!(!session.answered(0, 0));
        }
    }

    #[test]
    fn a_fetch_dropped_unanswered_makes_the_next_one_full() {
        let topic = Uuid::from_u128(3);
        let wanted = || vec![(topic, partition(0, 5)), (topic, partition(1, 9))];
        let mut session = FetchSessionHandler::<Uuid>::default();
        session.next_fetch(wanted());
        session.answered(0, 42);
        let incremental = session.next_fetch(wanted());
        assert_eq!((incremental.epoch, named(&incremental).len()), (1, 0));
        // Dropped: neither answered nor failed.
        let again = session.next_fetch(wanted());
        assert_eq!((again.session_id, again.epoch), (42, 0));
        assert_eq!(named(&again), vec![(0, 5), (1, 9)]);
    }

    /// Partitions wanted in another order, with one new among them, are told apart by key as
    /// when wanted in the same order: only the moved and the new are named, the unwanted
    /// forgotten, and each partition's fetch offset is the one last sent.
    #[test]
    fn partitions_wanted_in_another_order_are_named_by_what_changed() {
        let topic = Uuid::from_u128(5);
        let wanted = |positions: &[(i32, i64)]| {
            positions
                .iter()
                .map(|&(index, offset)| (topic, partition(index, offset)))
                .collect::<Vec<_>>()
        };
        let mut session = FetchSessionHandler::<Uuid>::default();
        session.next_fetch(wanted(&[(0, 1), (1, 1), (2, 1)]));
        session.answered(0, 8);
        let shuffled = session.next_fetch(wanted(&[(2, 1), (0, 4), (3, 1), (1, 1)]));
        assert_eq!(named(&shuffled), vec![(0, 4), (3, 1)]);
        assert!(shuffled.forgotten.is_empty());
        session.answered(0, 8);
        let again = session.next_fetch(wanted(&[(2, 1), (0, 4), (3, 1), (1, 1)]));
        assert!(named(&again).is_empty());
        session.answered(0, 8);
        let fewer = session.next_fetch(wanted(&[(0, 4), (1, 2)]));
        assert_eq!(named(&fewer), vec![(1, 2)]);
        assert_eq!(fewer.forgotten[0].partitions, vec![2, 3]);
        let offsets: Vec<_> = (0..4).map(|p| session.fetch_offset(&topic, p)).collect();
        assert_eq!(offsets, vec![Some(4), Some(2), None, None]);
    }
}

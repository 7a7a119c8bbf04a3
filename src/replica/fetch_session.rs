//! The follower's side of an incremental fetch session (KIP-227), as Kafka's
//! `FetchSessionHandler`: the first fetch to a leader is full and opens a session (epoch 0);
//! later ones carry the session's id and next epoch and name only the partitions whose request
//! changed (a fetch offset moved by an append or a truncation, a new leader epoch, a new log
//! start) and, in `forgotten_topics_data`, those no longer followed. The leader keeps the rest
//! of each partition's request from before and answers only partitions with news (records, a
//! moved high watermark or log start, an error), so a round's request and answer cost what
//! moved, not every followed partition. An error at the top of an answer, or a fetch that never
//! came back, starts over with a full fetch.

use std::collections::HashMap;

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic, ForgottenTopic};
use uuid::Uuid;

/// Kafka's `INVALID_SESSION_ID`: no session.
const NO_SESSION: i32 = 0;
/// Kafka's `INITIAL_EPOCH`: a full fetch that opens a session (closing the one it names).
const INITIAL_EPOCH: i32 = 0;

/// A followed partition: its topic id and index.
type Key = (Uuid, i32);

/// What the leader's session holds, as this follower knows it.
#[derive(Debug, Default)]
pub(super) struct FollowerSession {
    /// The leader's session id; [`NO_SESSION`] before it opened one.
    id: i32,
    /// The epoch the next fetch carries: [`INITIAL_EPOCH`] makes it full, else >= 1.
    epoch: i32,
    /// Each partition's request as the leader's session holds it (what was last sent), with
    /// the number of the fetch that last wanted it (kept across fetches: no map per round).
    sent: HashMap<Key, (FetchPartition, u64)>,
    /// Fetches built so far.
    round: u64,
}

/// The session fields and partitions of the next fetch.
#[derive(Debug)]
pub(super) struct SessionFetch {
    pub session_id: i32,
    pub epoch: i32,
    pub topics: Vec<FetchTopic>,
    pub forgotten: Vec<ForgottenTopic>,
}

impl FollowerSession {
    /// The next fetch, given every followed partition's request now: all of them when the
    /// fetch is full, else only those whose request differs from what the leader holds.
    pub fn next_fetch(
        &mut self,
        wanted: impl IntoIterator<Item = (Uuid, FetchPartition)>,
    ) -> SessionFetch {
        let full = self.epoch == INITIAL_EPOCH;
        self.round += 1;
        let round = self.round;
        // Topics are few (a follower's fetch names one or two partitions): a scan finds one.
        let mut topics: Vec<FetchTopic> = Vec::new();
        let mut add = |topic_id: Uuid, partition: &FetchPartition| match topics
            .iter_mut()
            .find(|t| t.topic_id == topic_id)
        {
            Some(topic) => topic.partitions.push(partition.clone()),
            None => topics.push(
                FetchTopic::default()
                    .with_topic_id(topic_id)
                    .with_partitions(vec![partition.clone()]),
            ),
        };
        for (topic_id, partition) in wanted {
            let key = (topic_id, partition.partition);
            match self.sent.get_mut(&key) {
                Some((held, wanted_in)) => {
                    if full || *held != partition {
                        add(topic_id, &partition);
                        *held = partition;
                    }
                    *wanted_in = round;
                }
                None => {
                    add(topic_id, &partition);
                    self.sent.insert(key, (partition, round));
                }
            }
        }
        let mut forgotten: Vec<ForgottenTopic> = Vec::new();
        self.sent.retain(|&(topic_id, partition), (_, wanted_in)| {
            if *wanted_in == round {
                return true;
            }
            // A full fetch replaces the session's partitions: nothing to forget by name.
            if !full {
                match forgotten.iter_mut().find(|t| t.topic_id == topic_id) {
                    Some(topic) => topic.partitions.push(partition),
                    None => forgotten.push(
                        ForgottenTopic::default()
                            .with_topic_id(topic_id)
                            .with_partitions(vec![partition]),
                    ),
                }
            }
            false
        });
        SessionFetch {
            session_id: self.id,
            epoch: self.epoch,
            topics,
            forgotten,
        }
    }

    /// The leader answered the last fetch with `error_code` at the top and `session_id`;
    /// true when that error concerns only the session (the next fetch, full, goes at once).
    pub fn answered(&mut self, error_code: i16, session_id: i32) -> bool {
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
            // The leader kept no session (its cache was full, or it closed an emptied one).
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
        false
    }

    /// The last fetch got no answer: the leader may or may not have applied it, so the next
    /// fetch is full (naming the old session, which the leader then closes).
    pub fn failed(&mut self) {
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
    fn a_full_fetch_opens_then_only_changes_are_named() {
        let topic = Uuid::from_u128(7);
        let mut session = FollowerSession::default();
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
        let mut session = FollowerSession::default();
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
}

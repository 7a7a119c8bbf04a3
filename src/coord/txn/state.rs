//! A transactional id's metadata and Kafka's state machine over it (Kafka's TransactionState and
//! TransactionMetadata). Each `prepare_*` returns the metadata as it will be once the transition's
//! record is in `__transaction_state`; the owner task writes that record and only then makes it
//! current ([`TxnMetadata::complete_transition`]).

use std::collections::BTreeSet;

use kafka_protocol::error::ResponseError;

use super::log_record::TxnLogValue;

pub const NO_PRODUCER_ID: i64 = -1;
pub const NO_PRODUCER_EPOCH: i16 = -1;

/// Kafka's transaction states, with their ids in `__transaction_state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TxnState {
    Empty,
    Ongoing,
    PrepareCommit,
    PrepareAbort,
    CompleteCommit,
    CompleteAbort,
    Dead,
    /// Only ever pending: the coordinator bumps the epoch to fence a producer and aborts.
    PrepareEpochFence,
}

impl TxnState {
    pub const ALL: [TxnState; 8] = [
        TxnState::Empty,
        TxnState::Ongoing,
        TxnState::PrepareCommit,
        TxnState::PrepareAbort,
        TxnState::CompleteCommit,
        TxnState::CompleteAbort,
        TxnState::Dead,
        TxnState::PrepareEpochFence,
    ];

    pub fn id(self) -> i8 {
        self as i8
    }

    pub fn from_id(id: i8) -> Option<TxnState> {
        Self::ALL.get(usize::try_from(id).ok()?).copied()
    }

    /// The name DescribeTransactions and ListTransactions answer with.
    pub fn name(self) -> &'static str {
        match self {
            TxnState::Empty => "Empty",
            TxnState::Ongoing => "Ongoing",
            TxnState::PrepareCommit => "PrepareCommit",
            TxnState::PrepareAbort => "PrepareAbort",
            TxnState::CompleteCommit => "CompleteCommit",
            TxnState::CompleteAbort => "CompleteAbort",
            TxnState::Dead => "Dead",
            TxnState::PrepareEpochFence => "PrepareEpochFence",
        }
    }

    pub fn from_name(name: &str) -> Option<TxnState> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Every state's name, in id order.
    pub fn names() -> [&'static str; 8] {
        Self::ALL.map(TxnState::name)
    }

    /// Whether a transaction is open in this state: begun and not yet completed.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            TxnState::Ongoing
                | TxnState::PrepareCommit
                | TxnState::PrepareAbort
                | TxnState::PrepareEpochFence
        )
    }

    /// The states a transition into `self` may start from (Kafka's validPreviousStates).
    fn valid_previous_states(self) -> &'static [TxnState] {
        use TxnState::*;
        match self {
            Empty => &[Empty, CompleteCommit, CompleteAbort],
            Ongoing => &[Ongoing, Empty, CompleteCommit, CompleteAbort],
            PrepareCommit => &[Ongoing],
            PrepareAbort => &[Ongoing, PrepareEpochFence, Empty],
            CompleteCommit => &[PrepareCommit],
            CompleteAbort => &[PrepareAbort],
            Dead => &[Empty, CompleteCommit, CompleteAbort],
            PrepareEpochFence => &[Ongoing],
        }
    }

    pub fn is_prepare(self) -> bool {
        matches!(self, TxnState::PrepareCommit | TxnState::PrepareAbort)
    }
}

/// A partition in a transaction: Kafka's TopicPartition.
pub type TopicPartition = (String, i32);

/// What the coordinator knows of one transactional id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnMetadata {
    pub transactional_id: String,
    pub producer_id: i64,
    pub previous_producer_id: i64,
    pub next_producer_id: i64,
    pub producer_epoch: i16,
    /// The epoch before the last bump, so a retried InitProducerId gets the same answer.
    pub last_producer_epoch: i16,
    pub txn_timeout_ms: i32,
    pub state: TxnState,
    pub partitions: BTreeSet<TopicPartition>,
    /// -1 when no transaction has started.
    pub txn_start_timestamp_ms: i64,
    pub txn_last_update_timestamp_ms: i64,
    /// A fencing bump whose record failed to be written: the next fence reuses that epoch.
    pub has_failed_epoch_fence: bool,
    /// The `transaction.version` of the client that ended the transaction (Kafka's
    /// clientTransactionVersion: 2 when it came with EndTxn v5+, whose commit or abort bumps
    /// the epoch); back to 0 when a new transaction starts, as in Kafka.
    pub client_transaction_version: i16,
}

/// The first `transaction.version` whose EndTxn bumps the producer epoch (KIP-890 part 2).
pub const TV_EPOCH_BUMP: i16 = 2;

/// Kafka keeps the last epoch for fencing: a producer may not use `i16::MAX`.
pub fn is_epoch_exhausted(epoch: i16) -> bool {
    epoch >= i16::MAX - 1
}

impl TxnMetadata {
    /// A transactional id seen for the first time, before its first InitProducerId is written.
    pub fn new(transactional_id: String, producer_id: i64, timeout_ms: i32, now_ms: i64) -> Self {
        TxnMetadata {
            transactional_id,
            producer_id,
            previous_producer_id: NO_PRODUCER_ID,
            next_producer_id: NO_PRODUCER_ID,
            producer_epoch: NO_PRODUCER_EPOCH,
            last_producer_epoch: NO_PRODUCER_EPOCH,
            txn_timeout_ms: timeout_ms,
            state: TxnState::Empty,
            partitions: BTreeSet::new(),
            txn_start_timestamp_ms: -1,
            txn_last_update_timestamp_ms: now_ms,
            has_failed_epoch_fence: false,
            client_transaction_version: 0,
        }
    }

    /// The metadata a `__transaction_state` value describes (as loaded by a new coordinator).
    pub fn from_log(transactional_id: String, value: &TxnLogValue) -> Self {
        let partitions = if value.state == TxnState::Empty {
            BTreeSet::new()
        } else {
            value
                .partitions
                .iter()
                .flat_map(|(t, ps)| ps.iter().map(move |p| (t.clone(), *p)))
                .collect()
        };
        TxnMetadata {
            transactional_id,
            producer_id: value.producer_id,
            previous_producer_id: value.previous_producer_id,
            next_producer_id: value.next_producer_id,
            producer_epoch: value.producer_epoch,
            last_producer_epoch: NO_PRODUCER_EPOCH,
            txn_timeout_ms: value.transaction_timeout_ms,
            state: value.state,
            partitions,
            txn_start_timestamp_ms: value.start_timestamp_ms,
            txn_last_update_timestamp_ms: value.last_update_timestamp_ms,
            has_failed_epoch_fence: false,
            client_transaction_version: value.client_transaction_version,
        }
    }

    /// The record value of this metadata.
    pub fn to_log_value(&self) -> TxnLogValue {
        let mut partitions: Vec<(String, Vec<i32>)> = Vec::new();
        if self.state != TxnState::Empty {
            for (topic, p) in &self.partitions {
                match partitions.last_mut() {
                    Some((t, ps)) if t == topic => ps.push(*p),
                    _ => partitions.push((topic.clone(), vec![*p])),
                }
            }
        }
        TxnLogValue {
            producer_id: self.producer_id,
            previous_producer_id: self.previous_producer_id,
            next_producer_id: self.next_producer_id,
            producer_epoch: self.producer_epoch,
            transaction_timeout_ms: self.txn_timeout_ms,
            state: self.state,
            partitions,
            last_update_timestamp_ms: self.txn_last_update_timestamp_ms,
            start_timestamp_ms: self.txn_start_timestamp_ms,
            client_transaction_version: self.client_transaction_version,
        }
    }

    pub fn is_producer_epoch_exhausted(&self) -> bool {
        is_epoch_exhausted(self.producer_epoch)
    }

    fn transit(&self, state: TxnState, now_ms: i64) -> TxnMetadata {
        TxnMetadata {
            state,
            txn_last_update_timestamp_ms: now_ms,
            ..self.clone()
        }
    }

    /// InitProducerId on an Empty or Complete* id: the next epoch, checked against the epoch
    /// the producer says it has (KIP-360). A retry of a bump already made gets the same epoch.
    pub fn prepare_increment_producer_epoch(
        &self,
        timeout_ms: i32,
        expected_epoch: Option<i16>,
        now_ms: i64,
    ) -> Result<TxnMetadata, ResponseError> {
        debug_assert!(!self.is_producer_epoch_exhausted());
        let bumped = self.producer_epoch.saturating_add(1);
        let (epoch, last_epoch) = match expected_epoch {
            None => (bumped, NO_PRODUCER_EPOCH),
            Some(e) if self.producer_epoch == NO_PRODUCER_EPOCH || e == self.producer_epoch => {
                (bumped, self.producer_epoch)
            }
            Some(e) if e == self.last_producer_epoch => {
                (self.producer_epoch, self.last_producer_epoch)
            }
            Some(_) => return Err(ResponseError::ProducerFenced),
        };
        let mut next = self.transit(TxnState::Empty, now_ms);
        next.producer_epoch = epoch;
        next.last_producer_epoch = last_epoch;
        next.txn_timeout_ms = timeout_ms;
        next.partitions.clear();
        next.txn_start_timestamp_ms = -1;
        next.client_transaction_version = 0;
        Ok(next)
    }

    /// InitProducerId once the epochs of the current producer id are used up: a new producer id
    /// at epoch 0.
    pub fn prepare_producer_id_rotation(
        &self,
        producer_id: i64,
        timeout_ms: i32,
        now_ms: i64,
        record_last_epoch: bool,
    ) -> TxnMetadata {
        let mut next = self.transit(TxnState::Empty, now_ms);
        next.producer_id = producer_id;
        next.producer_epoch = 0;
        next.last_producer_epoch = if record_last_epoch {
            self.producer_epoch
        } else {
            NO_PRODUCER_EPOCH
        };
        next.txn_timeout_ms = timeout_ms;
        next.partitions.clear();
        next.txn_start_timestamp_ms = -1;
        next.client_transaction_version = 0;
        next
    }

    /// AddPartitionsToTxn and AddOffsetsToTxn: Ongoing with the partitions added; a new
    /// transaction starts its clock now.
    pub fn prepare_add_partitions(
        &self,
        added: impl IntoIterator<Item = TopicPartition>,
        now_ms: i64,
    ) -> TxnMetadata {
        let mut next = self.transit(TxnState::Ongoing, now_ms);
        if matches!(
            self.state,
            TxnState::Empty | TxnState::CompleteCommit | TxnState::CompleteAbort
        ) {
            next.txn_start_timestamp_ms = now_ms;
        }
        next.partitions.extend(added);
        next.client_transaction_version = 0;
        next
    }

    /// EndTxn from the producer. The classic protocol keeps the epoch; a `transaction.version`
    /// 2 client's goes up by one (the markers carry it, the client goes on with it), and when
    /// that uses up the producer id's epochs, `next_producer_id` takes over at completion.
    pub fn prepare_abort_or_commit(
        &self,
        commit: bool,
        client_transaction_version: i16,
        next_producer_id: i64,
        now_ms: i64,
    ) -> TxnMetadata {
        let state = if commit {
            TxnState::PrepareCommit
        } else {
            TxnState::PrepareAbort
        };
        let mut next = self.transit(state, now_ms);
        next.client_transaction_version = client_transaction_version;
        if client_transaction_version >= TV_EPOCH_BUMP {
            debug_assert!(self.producer_epoch < i16::MAX);
            next.producer_epoch = self.producer_epoch.saturating_add(1);
            next.last_producer_epoch = self.producer_epoch;
            next.next_producer_id = next_producer_id;
        }
        next
    }

    /// Whether `producer_epoch` is the one a `transaction.version` 2 EndTxn bumped from: a
    /// retry of that EndTxn (Kafka's endTxnEpochBumped).
    pub fn end_txn_epoch_bumped(&self, producer_epoch: i16) -> bool {
        self.client_transaction_version >= TV_EPOCH_BUMP
            && i32::from(self.producer_epoch) == i32::from(producer_epoch) + 1
    }

    /// The coordinator fences the current producer (a new InitProducerId during a transaction,
    /// or the transaction timed out): the epoch goes up and the transaction is aborted.
    pub fn prepare_fence_and_abort(&self, now_ms: i64) -> TxnMetadata {
        debug_assert!(self.producer_epoch < i16::MAX);
        let mut next = self.transit(TxnState::PrepareAbort, now_ms);
        if !self.has_failed_epoch_fence {
            next.producer_epoch = self.producer_epoch.saturating_add(1);
        }
        next.last_producer_epoch = NO_PRODUCER_EPOCH;
        next
    }

    /// Every partition has its marker: Complete*, and the partitions are forgotten.
    pub fn prepare_complete(&self, now_ms: i64) -> TxnMetadata {
        debug_assert!(self.state.is_prepare());
        let state = if self.state == TxnState::PrepareCommit {
            TxnState::CompleteCommit
        } else {
            TxnState::CompleteAbort
        };
        let mut next = self.transit(state, now_ms);
        next.partitions.clear();
        next.last_producer_epoch = self.producer_epoch;
        next.has_failed_epoch_fence = false;
        if self.client_transaction_version >= TV_EPOCH_BUMP
            && self.next_producer_id != NO_PRODUCER_ID
        {
            // The bump used up the epochs: the producer goes on with the id given in EndTxn.
            next.previous_producer_id = self.producer_id;
            next.producer_id = self.next_producer_id;
            next.producer_epoch = 0;
        }
        next.next_producer_id = NO_PRODUCER_ID;
        next
    }

    /// `transactional.id.expiration.ms` passed without a transaction: the id goes.
    pub fn prepare_dead(&self) -> TxnMetadata {
        TxnMetadata {
            state: TxnState::Dead,
            partitions: BTreeSet::new(),
            ..self.clone()
        }
    }

    /// Makes a written transition current.
    pub fn complete_transition(&mut self, next: TxnMetadata) {
        debug_assert!(
            next.state.valid_previous_states().contains(&self.state),
            "{:?} -> {:?}",
            self.state,
            next.state
        );
        *self = next;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn fresh() -> TxnMetadata {
        TxnMetadata::new("tx".into(), 1000, 60_000, 10)
    }

    #[test]
    fn states_round_trip_through_ids_and_names() {
        for state in TxnState::ALL {
            assert_eq!(TxnState::from_id(state.id()), Some(state));
            assert_eq!(TxnState::from_name(state.name()), Some(state));
        }
        assert_eq!(TxnState::PrepareEpochFence.id(), 7);
        assert_eq!(TxnState::from_id(8), None);
    }

    #[test]
    fn commit_goes_empty_ongoing_prepare_complete() {
        let mut txn = fresh();
        let init = txn
            .prepare_increment_producer_epoch(60_000, None, 20)
            .unwrap();
        assert_eq!(init.producer_epoch, 0);
        txn.complete_transition(init);
        let add = txn.prepare_add_partitions([("t".to_string(), 0)], 30);
        assert_eq!(add.txn_start_timestamp_ms, 30);
        txn.complete_transition(add);
        let more = txn.prepare_add_partitions([("t".to_string(), 1)], 40);
        assert_eq!(
            more.txn_start_timestamp_ms, 30,
            "the clock runs from the first add"
        );
        txn.complete_transition(more);
        txn.complete_transition(txn.prepare_abort_or_commit(true, 0, NO_PRODUCER_ID, 50));
        assert_eq!(
            txn.producer_epoch, 0,
            "the classic protocol keeps the epoch"
        );
        assert_eq!(txn.state, TxnState::PrepareCommit);
        assert_eq!(txn.partitions.len(), 2);
        txn.complete_transition(txn.prepare_complete(60));
        assert_eq!(txn.state, TxnState::CompleteCommit);
        assert!(txn.partitions.is_empty());
    }

    #[test]
    fn a_transaction_version_2_end_bumps_the_epoch_and_knows_its_retry() {
        let mut txn = fresh();
        txn.complete_transition(txn.prepare_increment_producer_epoch(1, None, 0).unwrap());
        txn.complete_transition(txn.prepare_add_partitions([("t".to_string(), 0)], 0));
        let prepare = txn.prepare_abort_or_commit(true, 2, NO_PRODUCER_ID, 5);
        assert_eq!(
            (prepare.producer_epoch, prepare.last_producer_epoch),
            (1, 0)
        );
        assert_eq!(prepare.to_log_value().client_transaction_version, 2);
        txn.complete_transition(prepare);
        assert!(txn.end_txn_epoch_bumped(0));
        assert!(!txn.end_txn_epoch_bumped(1));
        txn.complete_transition(txn.prepare_complete(6));
        assert_eq!(
            (txn.state, txn.producer_epoch),
            (TxnState::CompleteCommit, 1)
        );
        // The next transaction starts at the bumped epoch, as a classic one again.
        let next = txn.prepare_add_partitions([("t".to_string(), 1)], 7);
        assert_eq!(
            (next.producer_epoch, next.client_transaction_version),
            (1, 0)
        );
    }

    #[test]
    fn a_transaction_version_2_end_that_uses_up_the_epochs_moves_to_the_next_producer_id() {
        let mut txn = fresh();
        txn.producer_epoch = i16::MAX - 1;
        txn.complete_transition(txn.prepare_add_partitions([("t".to_string(), 0)], 0));
        txn.complete_transition(txn.prepare_abort_or_commit(false, 2, 2000, 1));
        assert_eq!((txn.producer_id, txn.next_producer_id), (1000, 2000));
        txn.complete_transition(txn.prepare_complete(2));
        assert_eq!(
            (
                txn.producer_id,
                txn.producer_epoch,
                txn.previous_producer_id
            ),
            (2000, 0, 1000)
        );
    }

    #[test]
    fn fencing_bumps_the_epoch_once_even_after_a_failed_write() {
        let mut txn = fresh();
        txn.complete_transition(txn.prepare_increment_producer_epoch(1, None, 0).unwrap());
        txn.complete_transition(txn.prepare_add_partitions([("t".to_string(), 0)], 0));
        let fence = txn.prepare_fence_and_abort(5);
        assert_eq!(
            (fence.state, fence.producer_epoch),
            (TxnState::PrepareAbort, 1)
        );
        txn.producer_epoch = fence.producer_epoch;
        txn.has_failed_epoch_fence = true;
        assert_eq!(txn.prepare_fence_and_abort(6).producer_epoch, 1);
    }

    #[test]
    fn kip_360_expected_epoch_checks() {
        let mut txn = fresh();
        txn.complete_transition(txn.prepare_increment_producer_epoch(1, None, 0).unwrap());
        txn.complete_transition(txn.prepare_increment_producer_epoch(1, Some(0), 0).unwrap());
        assert_eq!((txn.producer_epoch, txn.last_producer_epoch), (1, 0));
        // A retry of that bump: same epoch again.
        let retry = txn.prepare_increment_producer_epoch(1, Some(0), 0).unwrap();
        assert_eq!(retry.producer_epoch, 1);
        assert_eq!(
            txn.prepare_increment_producer_epoch(1, Some(7), 0),
            Err(ResponseError::ProducerFenced)
        );
    }

    #[test]
    fn log_value_round_trip_keeps_partitions_grouped() {
        let mut txn = fresh();
        txn.complete_transition(txn.prepare_increment_producer_epoch(1, None, 0).unwrap());
        txn.complete_transition(txn.prepare_add_partitions(
            [
                ("a".to_string(), 1),
                ("b".to_string(), 0),
                ("a".to_string(), 0),
            ],
            3,
        ));
        let value = txn.to_log_value();
        assert_eq!(
            value.partitions,
            vec![("a".into(), vec![0, 1]), ("b".into(), vec![0])]
        );
        let loaded = TxnMetadata::from_log("tx".into(), &value);
        assert_eq!(loaded.partitions, txn.partitions);
        assert_eq!(loaded.state, TxnState::Ongoing);
    }
}

//! The transactional producer's side of KIP-98: InitProducerId with the transactional id at its
//! coordinator, AddOffsetsToTxn and TxnOffsetCommit for consumed offsets (KIP-447: with the
//! consumer's group metadata), and EndTxn to commit or abort. As Kafka's Java producer, the
//! protocol follows the `transaction.version` the brokers' ApiVersions finalized (the
//! coordinator's at InitProducerId, then the newest finalized features the producer's
//! connections heard of, at the start of each transaction):
//! - below 2, the classic protocol: AddPartitionsToTxn before a partition's first batch of each
//!   transaction, Produce up to v11, EndTxn v3 (the epoch stays);
//! - 2 (KIP-890 part 2): no AddPartitionsToTxn (a Produce v12 adds its partition at the leader),
//!   and EndTxn v5, whose answer gives the producer id and epoch to go on with (the epoch goes up
//!   with every commit and abort, so sequences start again).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::add_partitions_to_txn_request::AddPartitionsToTxnTopic;
use kafka_protocol::messages::txn_offset_commit_request::{
    TxnOffsetCommitRequestPartition, TxnOffsetCommitRequestTopic,
};
use kafka_protocol::messages::{
    AddOffsetsToTxnRequest, AddPartitionsToTxnRequest, ApiKey, EndTxnRequest, GroupId,
    InitProducerIdRequest, ProducerId, TransactionalId, TxnOffsetCommitRequest,
};

use super::batch::ProducerIdentity;
use crate::client::admin::{Admin, GroupCoordinator};
use crate::client::connection::BrokerConnection;
use crate::client::error::{ClientError, ClientResult};
use crate::client::kafka_client::Client;
use crate::client::versions::ApiVersionTable;
use crate::client::wire::{str_bytes, topic_name, TopicPartition};

/// Key type of a transactional id in FindCoordinator.
const TRANSACTION_KEY: i8 = 1;
/// The `transaction.version` from which the producer speaks KIP-890 part 2.
const TRANSACTION_V2: i16 = 2;
/// The last Produce version of the classic protocol; v12 adds partitions implicitly.
pub(super) const LAST_PRODUCE_VERSION_BEFORE_V2: i16 = 11;
/// The first EndTxn version that bumps the epoch (KIP-890 part 2).
const END_TXN_V2_VERSION: i16 = 5;
/// The EndTxn version of the classic protocol.
const CLASSIC_END_TXN_VERSION: i16 = 3;
/// Kafka's producer retries CONCURRENT_TRANSACTIONS this soon (its AddPartitionsToTxn
/// backoff).
const CONCURRENT_TRANSACTIONS_PAUSE: Duration = Duration::from_millis(20);

/// What a consumer's group membership says about it, sent with the offsets of a transaction
/// so that the group coordinator can fence a zombie (KIP-447).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerGroupMetadata {
    pub group_id: String,
    /// -1 when the consumer is not in a generation (offsets of a standalone consumer).
    pub generation_id: i32,
    /// Empty when not a member.
    pub member_id: String,
    pub group_instance_id: Option<String>,
}

impl ConsumerGroupMetadata {
    /// Metadata of a group with no member (offsets committed on a group's behalf).
    pub fn new(group_id: impl Into<String>) -> Self {
        ConsumerGroupMetadata {
            group_id: group_id.into(),
            generation_id: -1,
            member_id: String::new(),
            group_instance_id: None,
        }
    }
}

/// The transaction now open, as far as the producer knows.
#[derive(Debug, Default)]
struct Open {
    /// Whether `begin` was called and no commit or abort since.
    begun: bool,
    /// Partitions the coordinator was told of in this transaction.
    partitions: BTreeSet<TopicPartition>,
    /// Whether the coordinator knows of the transaction (a partition or offsets were added):
    /// only then does it need an EndTxn.
    started: bool,
    /// The first failure of a record in this transaction: it can only be aborted.
    failed: Option<String>,
}

/// Whether `error` says a newer producer with the same transactional id took over: Kafka's
/// PRODUCER_FENCED, or INVALID_PRODUCER_EPOCH, which partition leaders (and coordinators
/// answering old request versions) send for it and Kafka's producer reads as a fence.
fn is_fencing(error: &ClientError) -> bool {
    matches!(
        error.kafka_error(),
        Some(ResponseError::ProducerFenced | ResponseError::InvalidProducerEpoch)
    )
}

/// A transactional producer's identity and its open transaction; shared by the producer
/// handle and its sender task.
#[derive(Debug)]
pub struct Transactions {
    client: Client,
    admin: Admin,
    transactional_id: String,
    /// Changes only with a `transaction.version` 2 EndTxn, while nothing is in flight.
    identity: Mutex<ProducerIdentity>,
    /// Whether the cluster finalized `transaction.version` 2, as the newest finalized features
    /// seen when the current (or next) transaction began said; changes only between
    /// transactions.
    protocol: Mutex<TxnProtocol>,
    open: Mutex<Open>,
    /// The coordinator last found for the transactional id; forgotten on any error but
    /// CONCURRENT_TRANSACTIONS, as Kafka's producer does, so a transaction costs no
    /// FindCoordinator round trips while the coordinator stays.
    coordinator: Mutex<Option<GroupCoordinator>>,
    /// Set for good once a newer producer with the same transactional id fenced this one
    /// (what told us so): every transactional call then fails with PRODUCER_FENCED, as
    /// Kafka's producer's fatal state.
    fenced: Mutex<Option<String>>,
}

/// The transaction protocol, and the epoch of the finalized features it was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TxnProtocol {
    features_epoch: i64,
    v2: bool,
}

impl TxnProtocol {
    /// Kafka's `TransactionManager.maybeUpdateTransactionV2Enabled`: `transaction.version` 2
    /// finalized (and EndTxn v5 served).
    fn of(versions: &ApiVersionTable) -> Self {
        TxnProtocol {
            features_epoch: versions.finalized_features_epoch(),
            v2: versions.transaction_version() >= TRANSACTION_V2
                && versions.version(ApiKey::EndTxn) >= Some(END_TXN_V2_VERSION),
        }
    }

    /// Follows `newest` when its features are newer than those this protocol was read from.
    fn follow(&mut self, newest: Option<&ApiVersionTable>) {
        if let Some(newest) = newest.filter(|v| v.finalized_features_epoch() > self.features_epoch)
        {
            *self = Self::of(newest);
        }
    }
}

fn lock(open: &Mutex<Open>) -> MutexGuard<'_, Open> {
    open.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Transactions {
    /// Registers `transactional_id` with its coordinator (InitProducerId), which fences any
    /// older producer with the same id and ends the transaction it left open.
    pub async fn init(
        client: Client,
        transactional_id: &str,
        timeout_ms: i32,
    ) -> ClientResult<Arc<Transactions>> {
        let admin = Admin::new(client.clone());
        let request = InitProducerIdRequest::default()
            .with_transactional_id(Some(TransactionalId(str_bytes(transactional_id))))
            .with_transaction_timeout_ms(timeout_ms)
            .with_producer_id(ProducerId(-1))
            .with_producer_epoch(-1);
        let request = &request;
        let coordinator = Mutex::new(None);
        let found = &coordinator;
        let response = at_coordinator(
            &client,
            &admin,
            transactional_id,
            found,
            |connection| async move {
                let version = connection.require_version(ApiKey::InitProducerId)?;
                let response = connection.send_version(request, version).await?;
                ClientError::check(response.error_code, || {
                    format!("InitProducerId {transactional_id}")
                })?;
                Ok((response, TxnProtocol::of(connection.api_versions())))
            },
        )
        .await?;
        let (response, protocol) = response;
        Ok(Arc::new(Transactions {
            client,
            admin,
            transactional_id: transactional_id.to_string(),
            identity: Mutex::new(ProducerIdentity {
                producer_id: response.producer_id.0,
                producer_epoch: response.producer_epoch,
            }),
            protocol: Mutex::new(protocol),
            open: Mutex::new(Open::default()),
            coordinator,
            fenced: Mutex::new(None),
        }))
    }

    /// The producer id and epoch the coordinator gave last.
    pub fn identity(&self) -> ProducerIdentity {
        *self.identity.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The producer's `transactional.id`.
    pub fn transactional_id(&self) -> &str {
        &self.transactional_id
    }

    /// Whether this producer speaks KIP-890 part 2 (`transaction.version` 2).
    pub fn transaction_v2(&self) -> bool {
        self.protocol
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .v2
    }

    /// Remembers a fencing answer (see [`is_fencing`]).
    fn remember_fence(&self, error: &ClientError) {
        if is_fencing(error) {
            let mut fenced = self.fenced.lock().unwrap_or_else(PoisonError::into_inner);
            fenced.get_or_insert_with(|| error.to_string());
        }
    }

    /// [`Transactions::remember_fence`], handing `error` back.
    fn note_fencing(&self, error: ClientError) -> ClientError {
        self.remember_fence(&error);
        error
    }

    /// Fails once this producer was fenced.
    fn check_not_fenced(&self) -> ClientResult<()> {
        let fenced = self.fenced.lock().unwrap_or_else(PoisonError::into_inner);
        match fenced.as_ref() {
            None => Ok(()),
            Some(cause) => Err(ClientError::Kafka {
                error: ResponseError::ProducerFenced,
                context: format!(
                    "a newer producer with transactional id '{}' fenced this one ({cause})",
                    self.transactional_id
                ),
            }),
        }
    }

    /// Opens a transaction (locally: the coordinator hears of it with its first partition).
    pub fn begin(&self) -> ClientResult<()> {
        self.check_not_fenced()?;
        let mut open = lock(&self.open);
        if open.begun {
            return Err(ClientError::InvalidArgument(
                "a transaction is already open".into(),
            ));
        }
        // Nothing is in flight between transactions: the protocol may change here, as Kafka's
        // producer re-reads the finalized features in beginTransaction.
        self.protocol
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .follow(self.client.newest_finalized_features().as_ref());
        *open = Open {
            begun: true,
            ..Open::default()
        };
        Ok(())
    }

    /// Refuses a record sent outside a transaction.
    pub fn check_open(&self) -> ClientResult<()> {
        self.check_not_fenced()?;
        if lock(&self.open).begun {
            Ok(())
        } else {
            Err(ClientError::InvalidArgument(
                "a transactional producer sends only inside a transaction (begin one first)".into(),
            ))
        }
    }

    /// Remembers that a record of the transaction failed: it can then only be aborted.
    pub fn record_failed(&self, error: &ClientError) {
        self.remember_fence(error);
        let mut open = lock(&self.open);
        if open.failed.is_none() {
            open.failed = Some(error.to_string());
        }
    }

    /// Of `partitions`, those the coordinator was not yet told of in this transaction.
    pub fn new_partitions(&self, partitions: &BTreeSet<TopicPartition>) -> Vec<TopicPartition> {
        let open = lock(&self.open);
        partitions
            .iter()
            .filter(|tp| !open.partitions.contains(*tp))
            .cloned()
            .collect()
    }

    /// Tells the coordinator that the transaction writes to `partitions`
    /// (AddPartitionsToTxn), before their first batch; with `transaction.version` 2 their
    /// Produce does that at the leader.
    pub async fn add_partitions(&self, partitions: &[TopicPartition]) -> ClientResult<()> {
        if partitions.is_empty() {
            return Ok(());
        }
        self.check_not_fenced()?;
        if self.transaction_v2() {
            let mut open = lock(&self.open);
            open.partitions.extend(partitions.iter().cloned());
            open.started = true;
            return Ok(());
        }
        let identity = self.identity();
        let mut topics: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
        for tp in partitions {
            topics.entry(&tp.topic).or_default().push(tp.partition);
        }
        let request = AddPartitionsToTxnRequest::default()
            .with_v3_and_below_transactional_id(TransactionalId(str_bytes(&self.transactional_id)))
            .with_v3_and_below_producer_id(ProducerId(identity.producer_id))
            .with_v3_and_below_producer_epoch(identity.producer_epoch)
            .with_v3_and_below_topics(
                topics
                    .into_iter()
                    .map(|(topic, ps)| {
                        AddPartitionsToTxnTopic::default()
                            .with_name(topic_name(topic))
                            .with_partitions(ps)
                    })
                    .collect(),
            );
        let request = &request;
        at_coordinator(
            &self.client,
            &self.admin,
            &self.transactional_id,
            &self.coordinator,
            |connection| async move {
                let version = connection.require_version(ApiKey::AddPartitionsToTxn)?;
                let response = connection.send_version(request, version).await?;
                ClientError::check(response.error_code, || "AddPartitionsToTxn".to_string())?;
                for topic in &response.results_by_topic_v3_and_below {
                    for p in &topic.results_by_partition {
                        ClientError::check(p.partition_error_code, || {
                            format!("AddPartitionsToTxn {}-{}", topic.name.0, p.partition_index)
                        })?;
                    }
                }
                Ok(())
            },
        )
        .await
        .map_err(|e| self.note_fencing(e))?;
        let mut open = lock(&self.open);
        open.partitions.extend(partitions.iter().cloned());
        open.started = true;
        Ok(())
    }

    /// Adds the consumed `offsets` (the next offset to read, per partition) of `group` to the
    /// transaction: they are committed if and only if it commits.
    pub async fn send_offsets(
        &self,
        offsets: &BTreeMap<TopicPartition, i64>,
        group: &ConsumerGroupMetadata,
    ) -> ClientResult<()> {
        self.check_open()?;
        let identity = self.identity();
        let group_id = GroupId(str_bytes(&group.group_id));
        let add = AddOffsetsToTxnRequest::default()
            .with_transactional_id(TransactionalId(str_bytes(&self.transactional_id)))
            .with_producer_id(ProducerId(identity.producer_id))
            .with_producer_epoch(identity.producer_epoch)
            .with_group_id(group_id.clone());
        let add = &add;
        at_coordinator(
            &self.client,
            &self.admin,
            &self.transactional_id,
            &self.coordinator,
            |connection| async move {
                let version = connection.require_version(ApiKey::AddOffsetsToTxn)?;
                let response = connection.send_version(add, version).await?;
                ClientError::check(response.error_code, || {
                    format!("AddOffsetsToTxn {}", group.group_id)
                })
            },
        )
        .await
        .map_err(|e| self.note_fencing(e))?;
        lock(&self.open).started = true;
        let mut topics: BTreeMap<&str, Vec<TxnOffsetCommitRequestPartition>> = BTreeMap::new();
        for (tp, offset) in offsets {
            topics.entry(&tp.topic).or_default().push(
                TxnOffsetCommitRequestPartition::default()
                    .with_partition_index(tp.partition)
                    .with_committed_offset(*offset)
                    .with_committed_leader_epoch(-1),
            );
        }
        let commit = TxnOffsetCommitRequest::default()
            .with_transactional_id(TransactionalId(str_bytes(&self.transactional_id)))
            .with_group_id(group_id)
            .with_producer_id(ProducerId(identity.producer_id))
            .with_producer_epoch(identity.producer_epoch)
            .with_generation_id(group.generation_id)
            .with_member_id(str_bytes(&group.member_id))
            .with_group_instance_id(group.group_instance_id.as_deref().map(str_bytes))
            .with_topics(
                topics
                    .into_iter()
                    .map(|(topic, partitions)| {
                        TxnOffsetCommitRequestTopic::default()
                            .with_name(topic_name(topic))
                            .with_partitions(partitions)
                    })
                    .collect(),
            );
        self.client
            .retry(|| async {
                let coordinator = self.admin.find_group_coordinator(&group.group_id).await?;
                let connection = self.admin.coordinator_connection(&coordinator).await?;
                let version = connection.require_version(ApiKey::TxnOffsetCommit)?;
                let response = connection.send_version(&commit, version).await?;
                for topic in &response.topics {
                    for p in &topic.partitions {
                        ClientError::check(p.error_code, || {
                            format!("TxnOffsetCommit {}-{}", topic.name.0, p.partition_index)
                        })?;
                    }
                }
                Ok(())
            })
            .await
            .map_err(|e| self.note_fencing(e))
    }

    /// Ends the open transaction (EndTxn) once everything sent in it was acknowledged; a
    /// commit of a transaction one of whose records failed is refused (abort it).
    pub async fn end(&self, commit: bool) -> ClientResult<()> {
        self.check_not_fenced()?;
        let (started, failed) = {
            let open = lock(&self.open);
            if !open.begun {
                return Err(ClientError::InvalidArgument(
                    "no transaction is open".into(),
                ));
            }
            (open.started, open.failed.clone())
        };
        if let (true, Some(failure)) = (commit, failed) {
            return Err(ClientError::InvalidArgument(format!(
                "the transaction cannot commit, a record failed ({failure}): abort it"
            )));
        }
        if started {
            let identity = self.identity();
            let request = EndTxnRequest::default()
                .with_transactional_id(TransactionalId(str_bytes(&self.transactional_id)))
                .with_producer_id(ProducerId(identity.producer_id))
                .with_producer_epoch(identity.producer_epoch)
                .with_committed(commit);
            let request = &request;
            let id = &self.transactional_id;
            let transaction_v2 = self.transaction_v2();
            let next = at_coordinator(
                &self.client,
                &self.admin,
                id,
                &self.coordinator,
                |connection| async move {
                    let version = connection.require_version(ApiKey::EndTxn)?;
                    let version = if transaction_v2 {
                        if version < END_TXN_V2_VERSION {
                            return Err(ClientError::UnsupportedApi {
                                api: format!("EndTxn v{END_TXN_V2_VERSION}"),
                                addr: connection.addr().to_string(),
                            });
                        }
                        version
                    } else {
                        version.min(CLASSIC_END_TXN_VERSION)
                    };
                    let response = connection.send_version(request, version).await?;
                    ClientError::check(response.error_code, || {
                        format!(
                            "EndTxn ({}) {}",
                            if commit { "commit" } else { "abort" },
                            id
                        )
                    })?;
                    Ok((response.producer_id.0, response.producer_epoch))
                },
            )
            .await
            .map_err(|e| self.note_fencing(e))?;
            if transaction_v2 {
                let (producer_id, producer_epoch) = next;
                if producer_id < 0 || producer_epoch < 0 {
                    return Err(ClientError::Protocol(format!(
                        "EndTxn v{END_TXN_V2_VERSION} gave no producer id and epoch to go on with"
                    )));
                }
                *self.identity.lock().unwrap_or_else(PoisonError::into_inner) = ProducerIdentity {
                    producer_id,
                    producer_epoch,
                };
            }
        }
        *lock(&self.open) = Open::default();
        Ok(())
    }
}

/// Runs `operation` at the coordinator of `transactional_id`: the one in `cached`, else found
/// with FindCoordinator; a failed attempt forgets it, so the next looks it up again (it moves
/// with the leadership of its `__transaction_state` partition). Besides the usual
/// retriable errors, CONCURRENT_TRANSACTIONS (the previous transaction still completing) is
/// retried after a short pause, as Kafka's producer does.
async fn at_coordinator<T, F, Fut>(
    client: &Client,
    admin: &Admin,
    transactional_id: &str,
    cached: &Mutex<Option<GroupCoordinator>>,
    operation: F,
) -> ClientResult<T>
where
    F: Fn(Arc<BrokerConnection>) -> Fut,
    Fut: std::future::Future<Output = ClientResult<T>>,
{
    let deadline = Instant::now() + client.config().default_api_timeout;
    loop {
        let result = client
            .retry(|| async {
                let known = cached
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone();
                let coordinator = match known {
                    Some(coordinator) => coordinator,
                    None => {
                        admin
                            .find_coordinator(transactional_id, TRANSACTION_KEY)
                            .await?
                    }
                };
                let result = match admin.coordinator_connection(&coordinator).await {
                    Ok(connection) => operation(connection).await,
                    Err(e) => Err(e),
                };
                let keep = match &result {
                    Ok(_) => true,
                    Err(e) => e.kafka_error() == Some(ResponseError::ConcurrentTransactions),
                };
                *cached.lock().unwrap_or_else(PoisonError::into_inner) =
                    keep.then_some(coordinator);
                result
            })
            .await;
        match result {
            Err(e)
                if e.kafka_error() == Some(ResponseError::ConcurrentTransactions)
                    && Instant::now() < deadline =>
            {
                tracing::debug!(
                    transactional_id,
                    "CONCURRENT_TRANSACTIONS: retrying after a pause"
                );
                tokio::time::sleep(CONCURRENT_TRANSACTIONS_PAUSE).await;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use kafka_protocol::messages::api_versions_response::{ApiVersion, FinalizedFeatureKey};
    use kafka_protocol::messages::ApiVersionsResponse;
    use kafka_protocol::protocol::StrBytes;

    use super::*;

    fn versions(epoch: i64, transaction_version: i16) -> ApiVersionTable {
        ApiVersionTable::negotiate(
            &ApiVersionsResponse::default()
                .with_api_keys(vec![ApiVersion::default()
                    .with_api_key(ApiKey::EndTxn as i16)
                    .with_max_version(5)])
                .with_finalized_features_epoch(epoch)
                .with_finalized_features(vec![FinalizedFeatureKey::default()
                    .with_name(StrBytes::from_static_str("transaction.version"))
                    .with_max_version_level(transaction_version)]),
        )
    }

    #[test]
    fn the_protocol_follows_only_newer_finalized_features() {
        let mut protocol = TxnProtocol::of(&versions(3, 0));
        assert!(!protocol.v2);
        // An older or equal epoch (a broker that has not caught up) changes nothing.
        protocol.follow(Some(&versions(2, 2)));
        protocol.follow(Some(&versions(3, 2)));
        protocol.follow(None);
        assert!(!protocol.v2);
        protocol.follow(Some(&versions(4, 2)));
        assert_eq!(
            protocol,
            TxnProtocol {
                features_epoch: 4,
                v2: true
            }
        );
        protocol.follow(Some(&versions(5, 1)));
        assert!(!protocol.v2);
    }
}

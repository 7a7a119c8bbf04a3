//! Transactions, as Kafka's admin client and `kafka-transactions.sh` see them: ListTransactions
//! (every broker), DescribeTransactions (at each transactional id's coordinator, found with
//! FindCoordinator key type 1), DescribeProducers (at each partition's leader) and
//! WriteTxnMarkers (an abort marker written at a partition's leader, for hanging transactions).

use super::{Admin, GroupCoordinator};
use crate::client::error::{ClientError, ClientResult};
use crate::client::wire::{str_bytes, topic_name, TopicPartition};
use kafka_protocol::messages::describe_producers_request::TopicRequest;
use kafka_protocol::messages::write_txn_markers_request::{
    WritableTxnMarker, WritableTxnMarkerTopic,
};
use kafka_protocol::messages::{
    ApiKey, DescribeProducersRequest, DescribeTransactionsRequest, ListTransactionsRequest,
    ProducerId, TransactionalId, WriteTxnMarkersRequest,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Which transactions ListTransactions returns; empty filters match all.
#[derive(Debug, Clone, Default)]
pub struct TransactionFilter {
    /// Kafka's state names (`coord::txn::state::TxnState::name`).
    pub states: Vec<String>,
    pub producer_ids: Vec<i64>,
    /// Only open transactions running longer than this (ListTransactions v1, Kafka 3.8+).
    /// The broker's `duration_filter` compares against the start of the id's last
    /// transaction even once it completed (an Empty id's start is -1), as Kafka's
    /// `TransactionStateManager.listTransactionStates` does; so ids with no open transaction
    /// are dropped here.
    pub min_duration_ms: Option<i64>,
}

/// A transactional id as ListTransactions reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransactionListing {
    pub transactional_id: String,
    /// The broker that answered: the id's coordinator.
    pub coordinator: i32,
    pub producer_id: i64,
    pub state: String,
}

/// A transactional id as DescribeTransactions reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransactionDescription {
    pub transactional_id: String,
    pub coordinator: GroupCoordinator,
    pub state: String,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub transaction_timeout_ms: i32,
    /// When the open transaction started; `None` when none is open.
    pub transaction_start_time_ms: Option<i64>,
    pub partitions: Vec<TopicPartition>,
}

/// A producer a partition's leader remembers (DescribeProducers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProducerState {
    pub producer_id: i64,
    pub producer_epoch: i32,
    /// -1 for a producer that only wrote transaction markers.
    pub last_sequence: i32,
    pub last_timestamp: i64,
    /// `None` when the coordinator epoch is unknown (-1).
    pub coordinator_epoch: Option<i32>,
    /// The first offset of the producer's open transaction; `None` when none is open.
    pub current_transaction_start_offset: Option<i64>,
}

/// What identifies a transaction to abort in one partition, as Kafka's `AbortTransactionSpec`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AbortSpec {
    pub topic_partition: TopicPartition,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub coordinator_epoch: i32,
}

/// Whether a transaction in Kafka's state `state` is open: begun and not yet completed.
fn has_open_transaction(state: &str) -> bool {
    !matches!(state, "Empty" | "CompleteCommit" | "CompleteAbort" | "Dead")
}

fn optional(value: i64) -> Option<i64> {
    (value >= 0).then_some(value)
}

impl Admin {
    /// The transactions of every broker that match `filter`, sorted by transactional id.
    pub async fn list_transactions(
        &self,
        filter: &TransactionFilter,
    ) -> ClientResult<Vec<TransactionListing>> {
        self.client.refresh_metadata(Some(&[])).await?;
        let brokers: Vec<i32> = self.client.metadata().brokers.keys().copied().collect();
        let request = ListTransactionsRequest::default()
            .with_state_filters(filter.states.iter().map(|s| str_bytes(s)).collect())
            .with_producer_id_filters(filter.producer_ids.iter().map(|p| ProducerId(*p)).collect())
            .with_duration_filter(filter.min_duration_ms.unwrap_or(-1));
        let mut listed = BTreeMap::new();
        for node_id in brokers {
            let response = self
                .client
                .retry(|| async {
                    let connection = self.client.broker(node_id).await?;
                    let version = connection.require_version(ApiKey::ListTransactions)?;
                    if filter.min_duration_ms.is_some() && version < 1 {
                        return Err(ClientError::UnsupportedApi {
                            api: "ListTransactions with a duration filter (v1)".to_string(),
                            addr: connection.addr().to_string(),
                        });
                    }
                    let response = connection.send_version(&request, version).await?;
                    ClientError::check(response.error_code, || {
                        format!("ListTransactions on broker {node_id}")
                    })?;
                    Ok(response)
                })
                .await?;
            if !response.unknown_state_filters.is_empty() {
                tracing::debug!(
                    broker = node_id,
                    unknown = ?response.unknown_state_filters,
                    "states the broker does not know"
                );
            }
            for t in response.transaction_states {
                if filter.min_duration_ms.is_some()
                    && !has_open_transaction(t.transaction_state.as_str())
                {
                    continue;
                }
                let listing = TransactionListing {
                    transactional_id: t.transactional_id.0.to_string(),
                    coordinator: node_id,
                    producer_id: t.producer_id.0,
                    state: t.transaction_state.to_string(),
                };
                listed.insert(listing.transactional_id.clone(), listing);
            }
        }
        Ok(listed.into_values().collect())
    }

    /// Describes one transactional id at its coordinator. An id the coordinator does not know
    /// fails with TRANSACTIONAL_ID_NOT_FOUND.
    pub async fn describe_transaction(
        &self,
        transactional_id: &str,
    ) -> ClientResult<TransactionDescription> {
        let request = DescribeTransactionsRequest::default()
            .with_transactional_ids(vec![TransactionalId(str_bytes(transactional_id))]);
        self.client
            .retry(|| async {
                let coordinator = self.find_coordinator(transactional_id, 1).await?;
                let connection = self.coordinator_connection(&coordinator).await?;
                let version = connection.require_version(ApiKey::DescribeTransactions)?;
                let response = connection.send_version(&request, version).await?;
                let state = response
                    .transaction_states
                    .into_iter()
                    .find(|s| s.transactional_id.0.as_str() == transactional_id)
                    .ok_or_else(|| {
                        ClientError::Protocol(format!(
                            "DescribeTransactions answered without '{transactional_id}'"
                        ))
                    })?;
                ClientError::check(state.error_code, || {
                    format!("DescribeTransactions {transactional_id}")
                })?;
                let partitions = state
                    .topics
                    .iter()
                    .flat_map(|t| {
                        t.partitions
                            .iter()
                            .map(|p| TopicPartition::new(t.topic.0.to_string(), *p))
                    })
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                Ok(TransactionDescription {
                    transactional_id: transactional_id.to_string(),
                    coordinator,
                    state: state.transaction_state.to_string(),
                    producer_id: state.producer_id.0,
                    producer_epoch: state.producer_epoch,
                    transaction_timeout_ms: state.transaction_timeout_ms,
                    transaction_start_time_ms: optional(state.transaction_start_time_ms),
                    partitions,
                })
            })
            .await
    }

    /// The active producers of each partition, asked of its leader, or of `broker` when given
    /// (Kafka's `DescribeProducersOptions.brokerId`: any replica can answer).
    pub async fn describe_producers(
        &self,
        partitions: &[TopicPartition],
        broker: Option<i32>,
    ) -> ClientResult<BTreeMap<TopicPartition, Vec<ProducerState>>> {
        self.client
            .retry(|| self.describe_producers_once(partitions, broker))
            .await
    }

    async fn describe_producers_once(
        &self,
        partitions: &[TopicPartition],
        broker: Option<i32>,
    ) -> ClientResult<BTreeMap<TopicPartition, Vec<ProducerState>>> {
        let mut by_broker: BTreeMap<i32, BTreeMap<&str, Vec<i32>>> = BTreeMap::new();
        for tp in partitions {
            let node = match broker {
                Some(node) => node,
                None => self.client.leader_id(&tp.topic, tp.partition).await?,
            };
            by_broker
                .entry(node)
                .or_default()
                .entry(tp.topic.as_str())
                .or_default()
                .push(tp.partition);
        }
        let mut producers = BTreeMap::new();
        for (node, topics) in by_broker {
            let request = DescribeProducersRequest::default().with_topics(
                topics
                    .into_iter()
                    .map(|(topic, indexes)| {
                        TopicRequest::default()
                            .with_name(topic_name(topic))
                            .with_partition_indexes(indexes)
                    })
                    .collect(),
            );
            let connection = self.client.broker(node).await?;
            let version = connection.require_version(ApiKey::DescribeProducers)?;
            let response = connection.send_version(&request, version).await?;
            for topic in response.topics {
                for p in topic.partitions {
                    let tp = TopicPartition::new(topic.name.0.to_string(), p.partition_index);
                    super::item_result(
                        p.error_code,
                        p.error_message.as_deref(),
                        &format!("DescribeProducers {tp}"),
                    )?;
                    let states = p
                        .active_producers
                        .into_iter()
                        .map(|s| ProducerState {
                            producer_id: s.producer_id.0,
                            producer_epoch: s.producer_epoch,
                            last_sequence: s.last_sequence,
                            last_timestamp: s.last_timestamp,
                            coordinator_epoch: (s.coordinator_epoch >= 0)
                                .then_some(s.coordinator_epoch),
                            current_transaction_start_offset: optional(s.current_txn_start_offset),
                        })
                        .collect();
                    producers.insert(tp, states);
                }
            }
        }
        Ok(producers)
    }

    /// The abort of the transaction open at `start_offset` in `tp`, from the leader's producer
    /// state; `None` when no open transaction starts there.
    pub async fn abort_spec_at(
        &self,
        tp: &TopicPartition,
        start_offset: i64,
    ) -> ClientResult<Option<AbortSpec>> {
        let producers = self
            .describe_producers(std::slice::from_ref(tp), None)
            .await?;
        Ok(producers
            .get(tp)
            .into_iter()
            .flatten()
            .find(|p| p.current_transaction_start_offset == Some(start_offset))
            .map(|p| AbortSpec {
                topic_partition: tp.clone(),
                producer_id: p.producer_id,
                producer_epoch: i16::try_from(p.producer_epoch).unwrap_or(i16::MAX),
                coordinator_epoch: p.coordinator_epoch.unwrap_or(0),
            }))
    }

    /// Aborts a transaction in one partition by writing an abort marker at its leader, as
    /// Kafka's `Admin.abortTransaction` does. The coordinator is not told: this is for
    /// transactions it no longer knows (hanging ones).
    pub async fn abort_transaction(&self, spec: &AbortSpec) -> ClientResult<()> {
        let tp = &spec.topic_partition;
        let request =
            WriteTxnMarkersRequest::default().with_markers(vec![WritableTxnMarker::default()
                .with_producer_id(ProducerId(spec.producer_id))
                .with_producer_epoch(spec.producer_epoch)
                .with_transaction_result(false)
                .with_coordinator_epoch(spec.coordinator_epoch)
                .with_topics(vec![WritableTxnMarkerTopic::default()
                    .with_name(topic_name(&tp.topic))
                    .with_partition_indexes(vec![tp.partition])])]);
        self.client
            .retry(|| async {
                let leader = self.client.leader_id(&tp.topic, tp.partition).await?;
                let connection = self.client.broker(leader).await?;
                let version = connection.require_version(ApiKey::WriteTxnMarkers)?;
                let response = connection.send_version(&request, version).await?;
                let code = response
                    .markers
                    .iter()
                    .flat_map(|m| &m.topics)
                    .filter(|t| t.name.0.as_str() == tp.topic)
                    .flat_map(|t| &t.partitions)
                    .find(|p| p.partition_index == tp.partition)
                    .map(|p| p.error_code)
                    .ok_or_else(|| {
                        ClientError::Protocol(format!("WriteTxnMarkers answered without {tp}"))
                    })?;
                ClientError::check(code, || format!("WriteTxnMarkers {tp}"))
            })
            .await
    }
}

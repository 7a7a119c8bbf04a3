//! ApiKey 9 · OffsetFetch · v1-9
//!
//! A group's committed offsets, from its task (`coord/group/commit.rs`). v2+ a null topic list
//! asks for every committed partition; v8+ several groups at once, each with its own error.
//! A partition without a commit answers offset -1. v7+ `require_stable`: a partition with
//! offsets pending in a transaction (TxnOffsetCommit) answers UNSTABLE_OFFSET_COMMIT, which
//! before v8 is also the response's error, as Kafka's OffsetFetchResponse does. v9+ a
//! consumer-protocol member names itself: a consumer group answers UNKNOWN_MEMBER_ID or
//! STALE_MEMBER_EPOCH for the group when it is not a member at that epoch. Version 0
//! (offsets in ZooKeeper) was removed in Kafka 4 (KIP-896).
//!
//! Differs from Kafka: v10 (topic ids) is not served yet.

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::offset_fetch_response::{
    OffsetFetchResponseGroup, OffsetFetchResponsePartition, OffsetFetchResponsePartitions,
    OffsetFetchResponseTopic, OffsetFetchResponseTopics,
};
use kafka_protocol::messages::{OffsetFetchRequest, OffsetFetchResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::broker::Broker;
use crate::coord::group::api::{CommittedOffset, FetchOffsets, FetchedOffsets, OffsetFetcher};

pub async fn handle(
    broker: &Broker,
    header: &RequestHeader,
    request: OffsetFetchRequest,
) -> OffsetFetchResponse {
    if header.request_api_version >= 8 {
        let mut groups = Vec::with_capacity(request.groups.len());
        for group in request.groups {
            let topics: FetchOffsets = group.topics.map(|ts| {
                ts.into_iter()
                    .map(|t| (t.name.to_string(), t.partition_indexes))
                    .collect()
            });
            let response =
                OffsetFetchResponseGroup::default().with_group_id(group.group_id.clone());
            let fetcher = OffsetFetcher {
                member_id: group.member_id.map(|m| m.to_string()),
                member_epoch: group.member_epoch,
            };
            groups.push(
                match broker
                    .groups
                    .fetch_offsets(&group.group_id, topics, request.require_stable, fetcher)
                    .await
                {
                    Ok(fetched) => response.with_topics(grouped_topics(fetched)),
                    Err(e) => response.with_error_code(e.code()),
                },
            );
        }
        return OffsetFetchResponse::default().with_groups(groups);
    }
    let topics: FetchOffsets = request.topics.map(|ts| {
        ts.into_iter()
            .map(|t| (t.name.to_string(), t.partition_indexes))
            .collect()
    });
    match broker
        .groups
        .fetch_offsets(
            &request.group_id,
            topics.clone(),
            request.require_stable,
            OffsetFetcher::ANONYMOUS,
        )
        .await
    {
        Ok(fetched) => {
            let unstable = fetched
                .iter()
                .find_map(|(_, _, o)| o.as_ref().err().copied());
            let response = OffsetFetchResponse::default().with_topics(
                grouped_topics(fetched)
                    .into_iter()
                    .map(|t| {
                        OffsetFetchResponseTopic::default()
                            .with_name(t.name)
                            .with_partitions(
                                t.partitions
                                    .into_iter()
                                    .map(|p| {
                                        OffsetFetchResponsePartition::default()
                                            .with_partition_index(p.partition_index)
                                            .with_committed_offset(p.committed_offset)
                                            .with_committed_leader_epoch(p.committed_leader_epoch)
                                            .with_metadata(p.metadata)
                                            .with_error_code(p.error_code)
                                    })
                                    .collect(),
                            )
                    })
                    .collect(),
            );
            match unstable {
                Some(e) if header.request_api_version >= 2 => response.with_error_code(e.code()),
                _ => response,
            }
        }
        // Before v2 the error goes on each partition; from v2 also at the top.
        Err(e) => error_response(e, topics, header.request_api_version),
    }
}

fn error_response(error: ResponseError, topics: FetchOffsets, version: i16) -> OffsetFetchResponse {
    let topics = topics
        .unwrap_or_default()
        .into_iter()
        .map(|(name, partitions)| {
            OffsetFetchResponseTopic::default()
                .with_name(StrBytes::from_string(name).into())
                .with_partitions(
                    partitions
                        .into_iter()
                        .map(|p| {
                            OffsetFetchResponsePartition::default()
                                .with_partition_index(p)
                                .with_committed_offset(-1)
                                .with_committed_leader_epoch(-1)
                                .with_metadata(Some(StrBytes::default()))
                                .with_error_code(error.code())
                        })
                        .collect(),
                )
        })
        .collect();
    let response = OffsetFetchResponse::default().with_topics(topics);
    if version >= 2 {
        response.with_error_code(error.code())
    } else {
        response
    }
}

/// Fetched offsets grouped by topic, in the v8+ shape (which the older shape is copied from).
fn grouped_topics(fetched: FetchedOffsets) -> Vec<OffsetFetchResponseTopics> {
    let mut topics: Vec<OffsetFetchResponseTopics> = Vec::new();
    for (topic, partition, offset) in fetched {
        let partition = partition_response(partition, offset);
        match topics.last_mut() {
            Some(last) if last.name.as_str() == topic => last.partitions.push(partition),
            _ => topics.push(
                OffsetFetchResponseTopics::default()
                    .with_name(StrBytes::from_string(topic).into())
                    .with_partitions(vec![partition]),
            ),
        }
    }
    topics
}

fn partition_response(
    partition: i32,
    offset: Result<Option<CommittedOffset>, ResponseError>,
) -> OffsetFetchResponsePartitions {
    let response = OffsetFetchResponsePartitions::default().with_partition_index(partition);
    match offset {
        Ok(Some(o)) => response
            .with_committed_offset(o.offset)
            .with_committed_leader_epoch(o.leader_epoch)
            .with_metadata(Some(StrBytes::from_string(o.metadata))),
        Ok(None) => response
            .with_committed_offset(-1)
            .with_committed_leader_epoch(-1)
            .with_metadata(Some(StrBytes::default())),
        Err(e) => response
            .with_committed_offset(-1)
            .with_committed_leader_epoch(-1)
            .with_metadata(Some(StrBytes::default()))
            .with_error_code(e.code()),
    }
}

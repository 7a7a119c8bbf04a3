//! Protocol behaviour over a raw socket: every advertised API answers at every advertised
//! version, pipelined requests are answered in order, a waiting fetch is woken by a produce,
//! fetch sessions (KIP-227) answer every session id and epoch as Kafka does, and what
//! librdkafka's admin client does not cover: DescribeLogDirs, IncrementalAlterConfigs,
//! AlterConfigs' refusals, the ACL APIs without an authorizer, DescribeTopicPartitions' paging,
//! and authorized operations.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use common::raw::RawConnection;
use common::*;
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use kf::protocol::SUPPORTED_APIS;

fn default_request(api_key: ApiKey) -> RequestKind {
    match api_key {
        ApiKey::Produce => RequestKind::Produce(ProduceRequest::default().with_acks(1)),
        ApiKey::Fetch => RequestKind::Fetch(FetchRequest::default().with_replica_id(BrokerId(-1))),
        ApiKey::ListOffsets => RequestKind::ListOffsets(ListOffsetsRequest::default()),
        ApiKey::Metadata => RequestKind::Metadata(MetadataRequest::default()),
        ApiKey::ApiVersions => RequestKind::ApiVersions(ApiVersionsRequest::default()),
        ApiKey::CreateTopics => RequestKind::CreateTopics(CreateTopicsRequest::default()),
        ApiKey::DeleteTopics => RequestKind::DeleteTopics(DeleteTopicsRequest::default()),
        ApiKey::DeleteRecords => RequestKind::DeleteRecords(DeleteRecordsRequest::default()),
        ApiKey::OffsetForLeaderEpoch => {
            RequestKind::OffsetForLeaderEpoch(OffsetForLeaderEpochRequest::default())
        }
        ApiKey::InitProducerId => RequestKind::InitProducerId(InitProducerIdRequest::default()),
        ApiKey::DescribeConfigs => RequestKind::DescribeConfigs(DescribeConfigsRequest::default()),
        ApiKey::DescribeLogDirs => RequestKind::DescribeLogDirs(DescribeLogDirsRequest::default()),
        ApiKey::CreatePartitions => {
            RequestKind::CreatePartitions(CreatePartitionsRequest::default())
        }
        ApiKey::IncrementalAlterConfigs => {
            RequestKind::IncrementalAlterConfigs(IncrementalAlterConfigsRequest::default())
        }
        ApiKey::AlterConfigs => RequestKind::AlterConfigs(AlterConfigsRequest::default()),
        ApiKey::DescribeAcls => RequestKind::DescribeAcls(DescribeAclsRequest::default()),
        ApiKey::DescribeTopicPartitions => {
            RequestKind::DescribeTopicPartitions(DescribeTopicPartitionsRequest::default())
        }
        ApiKey::CreateAcls => RequestKind::CreateAcls(CreateAclsRequest::default()),
        ApiKey::DeleteAcls => RequestKind::DeleteAcls(DeleteAclsRequest::default()),
        ApiKey::DescribeQuorum => RequestKind::DescribeQuorum(DescribeQuorumRequest::default()),
        ApiKey::ElectLeaders => RequestKind::ElectLeaders(ElectLeadersRequest::default()),
        ApiKey::AlterPartitionReassignments => {
            RequestKind::AlterPartitionReassignments(AlterPartitionReassignmentsRequest::default())
        }
        ApiKey::ListPartitionReassignments => {
            RequestKind::ListPartitionReassignments(ListPartitionReassignmentsRequest::default())
        }
        ApiKey::DescribeCluster => RequestKind::DescribeCluster(DescribeClusterRequest::default()),
        ApiKey::FindCoordinator => RequestKind::FindCoordinator(
            FindCoordinatorRequest::default()
                .with_key(StrBytes::from_static_str("g"))
                .with_coordinator_keys(vec![StrBytes::from_static_str("g")]),
        ),
        ApiKey::JoinGroup => RequestKind::JoinGroup(JoinGroupRequest::default()),
        ApiKey::SyncGroup => RequestKind::SyncGroup(SyncGroupRequest::default()),
        ApiKey::Heartbeat => RequestKind::Heartbeat(HeartbeatRequest::default()),
        ApiKey::LeaveGroup => RequestKind::LeaveGroup(LeaveGroupRequest::default()),
        ApiKey::OffsetCommit => RequestKind::OffsetCommit(OffsetCommitRequest::default()),
        ApiKey::OffsetFetch => RequestKind::OffsetFetch(OffsetFetchRequest::default()),
        ApiKey::DescribeGroups => RequestKind::DescribeGroups(DescribeGroupsRequest::default()),
        ApiKey::ListGroups => RequestKind::ListGroups(ListGroupsRequest::default()),
        ApiKey::DeleteGroups => RequestKind::DeleteGroups(DeleteGroupsRequest::default()),
        ApiKey::OffsetDelete => RequestKind::OffsetDelete(OffsetDeleteRequest::default()),
        ApiKey::AddPartitionsToTxn => {
            RequestKind::AddPartitionsToTxn(AddPartitionsToTxnRequest::default())
        }
        ApiKey::AddOffsetsToTxn => RequestKind::AddOffsetsToTxn(AddOffsetsToTxnRequest::default()),
        ApiKey::EndTxn => RequestKind::EndTxn(EndTxnRequest::default()),
        ApiKey::WriteTxnMarkers => RequestKind::WriteTxnMarkers(WriteTxnMarkersRequest::default()),
        ApiKey::TxnOffsetCommit => RequestKind::TxnOffsetCommit(TxnOffsetCommitRequest::default()),
        ApiKey::DescribeTransactions => {
            RequestKind::DescribeTransactions(DescribeTransactionsRequest::default())
        }
        ApiKey::ListTransactions => {
            RequestKind::ListTransactions(ListTransactionsRequest::default())
        }
        ApiKey::DescribeProducers => {
            RequestKind::DescribeProducers(DescribeProducersRequest::default())
        }
        ApiKey::ConsumerGroupHeartbeat => {
            RequestKind::ConsumerGroupHeartbeat(ConsumerGroupHeartbeatRequest::default())
        }
        ApiKey::ConsumerGroupDescribe => {
            RequestKind::ConsumerGroupDescribe(ConsumerGroupDescribeRequest::default())
        }
        other => panic!("add a request for {other:?}, newly advertised, to this test"),
    }
}

fn frame(api_key: ApiKey, version: i16, correlation_id: i32, body: &RequestKind) -> Option<Bytes> {
    let mut payload = BytesMut::new();
    RequestHeader::default()
        .with_request_api_key(api_key as i16)
        .with_request_api_version(version)
        .with_correlation_id(correlation_id)
        .encode(&mut payload, api_key.request_header_version(version))
        .ok()?;
    // A default body some old version cannot carry is skipped: that is the test's limit, not
    // the broker's.
    body.encode(&mut payload, version).ok()?;
    let mut frame = BytesMut::new();
    frame.put_i32(payload.len() as i32);
    frame.extend_from_slice(&payload);
    Some(frame.freeze())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_advertised_api_answers_at_every_version() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 1, &[]).await;
    let addr = cluster.bootstrap_servers();
    let mut conn = RawConnection::connect(&addr).await;
    let mut correlation_id = 0;
    let mut answered = 0;
    for api in SUPPORTED_APIS {
        for version in api.min_version..=api.max_version {
            correlation_id += 1;
            let Some(bytes) = frame(
                api.api_key,
                version,
                correlation_id,
                &default_request(api.api_key),
            ) else {
                continue;
            };
            conn.send_bytes(&bytes).await;
            let mut response = conn
                .read_frame()
                .await
                .unwrap_or_else(|| panic!("{:?} v{version} closed the connection", api.api_key));
            let header =
                ResponseHeader::decode(&mut response, api.api_key.response_header_version(version))
                    .unwrap();
            assert_eq!(header.correlation_id, correlation_id);
            ResponseKind::decode(api.api_key, &mut response, version)
                .unwrap_or_else(|e| panic!("{:?} v{version} response: {e}", api.api_key));
            answered += 1;
        }
    }
    assert!(answered > 60, "only {answered} requests could be sent");
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_requests_are_answered_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 1, &[]).await;
    let mut conn = RawConnection::connect(&cluster.bootstrap_servers()).await;
    let mut burst = BytesMut::new();
    for id in 1..=20 {
        let api = if id % 2 == 0 {
            ApiKey::Metadata
        } else {
            ApiKey::ApiVersions
        };
        burst.extend_from_slice(&frame(api, 4, id, &default_request(api)).unwrap());
    }
    conn.send_bytes(&burst).await;
    for id in 1..=20 {
        let mut response = conn.read_frame().await.unwrap();
        let api = if id % 2 == 0 {
            ApiKey::Metadata
        } else {
            ApiKey::ApiVersions
        };
        let header = ResponseHeader::decode(&mut response, api.response_header_version(4)).unwrap();
        assert_eq!(header.correlation_id, id);
    }
    cluster.shutdown().await;
}

fn topic_name(name: &str) -> TopicName {
    TopicName(StrBytes::from_string(name.to_string()))
}

/// A consumer's Fetch (v12, no session) of partitions 0-2 of `topic` from offset 0, within
/// `(max_bytes, partition_max_bytes)`.
fn fetch_from_start(
    topic: &str,
    max_wait_ms: i32,
    (max_bytes, partition_max_bytes): (i32, i32),
) -> FetchRequest {
    FetchRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_max_wait_ms(max_wait_ms)
        .with_min_bytes(1)
        .with_max_bytes(max_bytes)
        .with_topics(vec![fetch_request::FetchTopic::default()
            .with_topic(topic_name(topic))
            .with_partitions(
                (0..3)
                    .map(|p| {
                        fetch_request::FetchPartition::default()
                            .with_partition(p)
                            .with_fetch_offset(0)
                            .with_partition_max_bytes(partition_max_bytes)
                    })
                    .collect(),
            )])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_fetch_is_woken_by_a_produce() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 1, &[]).await;
    let addr = cluster.bootstrap_servers();
    create_topic(&addr, "wake", 3).await;

    let fetch_addr = addr.clone();
    let fetch = tokio::spawn(async move {
        let mut conn = RawConnection::connect(&fetch_addr).await;
        // Far longer than the test's patience: only an append can end this wait in time.
        let request = fetch_from_start("wake", 600_000, (1 << 20, 1 << 20));
        let response: FetchResponse = conn.call(ApiKey::Fetch, 12, &request).await;
        response
    });
    // Let the fetch reach the broker and start waiting; if it has not yet, it finds the data.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut producer = RawConnection::connect(&addr).await;
    let produced: ProduceResponse = producer
        .call(
            ApiKey::Produce,
            9,
            &ProduceRequest::default()
                .with_acks(1)
                .with_timeout_ms(10_000)
                .with_topic_data(vec![produce_request::TopicProduceData::default()
                    .with_name(topic_name("wake"))
                    .with_partition_data(vec![
                        produce_request::PartitionProduceData::default()
                            .with_index(1)
                            .with_records(Some(common::raw::one_record_batch("hello"))),
                    ])]),
        )
        .await;
    assert_eq!(produced.responses[0].partition_responses[0].error_code, 0);
    let response = tokio::time::timeout(TIMEOUT, fetch)
        .await
        .expect("the fetch was woken")
        .unwrap();
    // Only the partition that moved is read again; the others answer as they stood.
    let partitions = &response.responses[0].partitions;
    assert_eq!(partitions.len(), 3);
    for partition in partitions {
        assert_eq!(partition.error_code, 0);
        let moved = partition.partition_index == 1;
        assert_eq!(partition.high_watermark, i64::from(moved));
        let records = partition.records.as_ref().map_or(0, |r| r.len());
        assert_eq!(
            records > 0,
            moved,
            "partition {}",
            partition.partition_index
        );
    }
    cluster.shutdown().await;
}

/// A Fetch's size limits as Kafka's: the first partition with records gets its first batch
/// whole past `max_bytes` and its partition's limit (KIP-74); every later partition only whole
/// batches within both, and nothing when its first batch does not fit (Kafka sends the part
/// that fits, which its clients drop), while still answering its offsets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fetch_s_later_partitions_get_only_what_fits_its_limits() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 1, &[]).await;
    let addr = cluster.bootstrap_servers();
    create_topic(&addr, "limits", 3).await;
    let mut conn = RawConnection::connect(&addr).await;
    let large = common::raw::one_record_batch(&"x".repeat(2_000));
    let small = common::raw::one_record_batch("small");
    // Partition 0: one large batch; 1: two small ones; 2: one small one.
    let batches = [
        (0, large.clone()),
        (1, small.clone()),
        (1, small.clone()),
        (2, small.clone()),
    ];
    for (partition, batch) in batches {
        let request = ProduceRequest::default()
            .with_acks(1)
            .with_timeout_ms(10_000)
            .with_topic_data(vec![produce_request::TopicProduceData::default()
                .with_name(topic_name("limits"))
                .with_partition_data(vec![
                    produce_request::PartitionProduceData::default()
                        .with_index(partition)
                        .with_records(Some(batch)),
                ])]);
        let produced: ProduceResponse = conn.call(ApiKey::Produce, 9, &request).await;
        assert_eq!(produced.responses[0].partition_responses[0].error_code, 0);
    }
    let (large, small) = (large.len(), small.len());
    // The large batch goes past both limits; then nothing fits.
    assert_eq!(fetch_sizes(&mut conn, 100, 100).await, [large, 0, 0]);
    // Room for one small batch after the large one: partition 1's first, not its second.
    let sizes = fetch_sizes(&mut conn, large + small + small / 2, 1 << 20).await;
    assert_eq!(sizes, [large, small, 0]);
    // Room for everything, but a partition limit below a small batch: only the first
    // partition's batch passes it.
    assert_eq!(
        fetch_sizes(&mut conn, 1 << 20, small - 1).await,
        [large, 0, 0]
    );
    let sizes = fetch_sizes(&mut conn, 1 << 20, 1 << 20).await;
    assert_eq!(sizes, [large, 2 * small, small]);
    cluster.shutdown().await;
}

/// The records' sizes in the answer to a Fetch from offset 0 of `limits`' three partitions
/// (whose high watermarks are 1, 2 and 1) within these limits.
async fn fetch_sizes(
    conn: &mut RawConnection,
    max_bytes: usize,
    partition_max_bytes: usize,
) -> Vec<usize> {
    let limits = (max_bytes as i32, partition_max_bytes as i32);
    let request = fetch_from_start("limits", 0, limits);
    let response: FetchResponse = conn.call(ApiKey::Fetch, 12, &request).await;
    let partitions = &response.responses[0].partitions;
    assert!(partitions.iter().all(|p| p.error_code == 0));
    let high_watermarks: Vec<i64> = partitions.iter().map(|p| p.high_watermark).collect();
    assert_eq!(high_watermarks, [1, 2, 1]);
    partitions
        .iter()
        .map(|p| p.records.as_ref().map_or(0, Bytes::len))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn epochs_end_where_offset_for_leader_epoch_says_and_fetches_learn_of_divergence() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 1, &[]).await;
    let addr = cluster.bootstrap_servers();
    create_topic(&addr, "epochs", 1).await;
    let mut conn = RawConnection::connect(&addr).await;
    for value in ["a", "b"] {
        let produced: ProduceResponse = conn
            .call(
                ApiKey::Produce,
                9,
                &ProduceRequest::default()
                    .with_acks(-1)
                    .with_timeout_ms(10_000)
                    .with_topic_data(vec![produce_request::TopicProduceData::default()
                        .with_name(topic_name("epochs"))
                        .with_partition_data(vec![
                            produce_request::PartitionProduceData::default()
                                .with_index(0)
                                .with_records(Some(common::raw::one_record_batch(value))),
                        ])]),
            )
            .await;
        assert_eq!(produced.responses[0].partition_responses[0].error_code, 0);
    }
    let ask = |topic: &'static str, leader_epoch: i32, current_leader_epoch: i32| {
        OffsetForLeaderEpochRequest::default()
            .with_replica_id(BrokerId(-1))
            .with_topics(vec![
                offset_for_leader_epoch_request::OffsetForLeaderTopic::default()
                    .with_topic(topic_name(topic))
                    .with_partitions(vec![
                        offset_for_leader_epoch_request::OffsetForLeaderPartition::default()
                            .with_partition(0)
                            .with_current_leader_epoch(current_leader_epoch)
                            .with_leader_epoch(leader_epoch),
                    ]),
            ])
    };
    let mut answers = Vec::new();
    for request in [
        ask("epochs", 0, -1),
        ask("epochs", 3, 0),
        ask("epochs", 0, 5),
        ask("nothing", 0, -1),
    ] {
        let response: OffsetForLeaderEpochResponse =
            conn.call(ApiKey::OffsetForLeaderEpoch, 4, &request).await;
        let p = &response.topics[0].partitions[0];
        answers.push((p.error_code, p.leader_epoch, p.end_offset));
    }
    let unknown_epoch = ResponseError::UnknownLeaderEpoch.code();
    let unknown = ResponseError::UnknownTopicOrPartition.code();
    // Epoch 0 is the only one: it ends at the log end; a later one is unknown, as Kafka.
    assert_eq!(
        answers,
        vec![
            (0, 0, 2),
            (0, -1, -1),
            (unknown_epoch, -1, -1),
            (unknown, -1, -1)
        ]
    );

    // A fetcher whose log has epoch 0 up to offset 5 diverges from this one at 2 (KIP-320).
    let fetch = FetchRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_max_wait_ms(0)
        .with_max_bytes(1 << 20)
        .with_topics(vec![fetch_request::FetchTopic::default()
            .with_topic(topic_name("epochs"))
            .with_partitions(vec![fetch_request::FetchPartition::default()
                .with_partition(0)
                .with_fetch_offset(5)
                .with_last_fetched_epoch(0)
                .with_partition_max_bytes(1 << 20)])]);
    let response: FetchResponse = conn.call(ApiKey::Fetch, 12, &fetch).await;
    let partition = &response.responses[0].partitions[0];
    assert_eq!(partition.error_code, 0);
    assert_eq!(
        (
            partition.diverging_epoch.epoch,
            partition.diverging_epoch.end_offset
        ),
        (0, 2)
    );
    assert!(partition.records.as_ref().is_none_or(|r| r.is_empty()));
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alter_topic_configs_then_describe_them_and_the_log_dirs() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 1, &[]).await;
    let addr = cluster.bootstrap_servers();
    create_topic(&addr, "tuned", 2).await;
    let mut conn = RawConnection::connect(&addr).await;

    let alter = |name: &str, op: i8, value: Option<&str>| {
        IncrementalAlterConfigsRequest::default().with_resources(vec![
            incremental_alter_configs_request::AlterConfigsResource::default()
                .with_resource_type(2)
                .with_resource_name(StrBytes::from_static_str("tuned"))
                .with_configs(vec![
                    incremental_alter_configs_request::AlterableConfig::default()
                        .with_name(StrBytes::from_string(name.to_string()))
                        .with_config_operation(op)
                        .with_value(value.map(|v| StrBytes::from_string(v.to_string()))),
                ]),
        ])
    };
    let set: IncrementalAlterConfigsResponse = conn
        .call(
            ApiKey::IncrementalAlterConfigs,
            1,
            &alter("retention.ms", 0, Some("3600000")),
        )
        .await;
    assert_eq!(set.responses[0].error_code, 0);
    let bad: IncrementalAlterConfigsResponse = conn
        .call(
            ApiKey::IncrementalAlterConfigs,
            1,
            &alter("retention.ms", 0, Some("an hour")),
        )
        .await;
    assert_eq!(
        bad.responses[0].error_code,
        ResponseError::InvalidConfig.code()
    );
    let unknown: IncrementalAlterConfigsResponse = conn
        .call(
            ApiKey::IncrementalAlterConfigs,
            1,
            &alter("no.such.config", 0, Some("1")),
        )
        .await;
    assert_eq!(
        unknown.responses[0].error_code,
        ResponseError::InvalidConfig.code()
    );

    let described: DescribeConfigsResponse = conn
        .call(
            ApiKey::DescribeConfigs,
            4,
            &DescribeConfigsRequest::default()
                .with_include_synonyms(true)
                .with_resources(vec![
                    describe_configs_request::DescribeConfigsResource::default()
                        .with_resource_type(2)
                        .with_resource_name(StrBytes::from_static_str("tuned"))
                        .with_configuration_keys(Some(vec![StrBytes::from_static_str(
                            "retention.ms",
                        )])),
                ]),
        )
        .await;
    let config = &described.results[0].configs[0];
    assert_eq!(config.value.as_deref(), Some("3600000"));
    assert_eq!(config.config_source, 1, "a dynamic topic config");

    let deleted: IncrementalAlterConfigsResponse = conn
        .call(
            ApiKey::IncrementalAlterConfigs,
            1,
            &alter("retention.ms", 1, None),
        )
        .await;
    assert_eq!(deleted.responses[0].error_code, 0);

    let dirs: DescribeLogDirsResponse = conn
        .call(
            ApiKey::DescribeLogDirs,
            4,
            &DescribeLogDirsRequest::default().with_topics(None),
        )
        .await;
    let result = &dirs.results[0];
    assert!(result.log_dir.as_str().ends_with("broker-0"));
    let tuned = result
        .topics
        .iter()
        .find(|t| t.name.as_str() == "tuned")
        .unwrap();
    assert_eq!(tuned.partitions.len(), 2);
    cluster.shutdown().await;
}

/// Which session a row of the fetch-session table names.
#[derive(Clone, Copy, Debug)]
enum Named {
    /// No session (id 0).
    None,
    /// The n-th session the table opened.
    Opened(usize),
    /// An id no session ever had.
    Unknown,
}

/// What a row expects as the answer's session id.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Answered {
    /// 0: no session.
    NoSession,
    /// A new session, remembered as the next `Named::Opened`.
    NewSession,
    /// The session the row named.
    Same,
}

struct SessionRow {
    what: &'static str,
    version: i16,
    session: Named,
    epoch: i32,
    /// A follower's fetch (replica id 1): its session may evict a consumer's.
    follower: bool,
    /// Partition 0 of the topic, by name or id as the version needs; `Some(false)`: a topic id
    /// the broker does not know.
    fetch: Option<bool>,
    forget: bool,
    error: Option<ResponseError>,
    answered: Answered,
    /// The error of the one partition the answer names; `None`: the answer names none.
    partition_error: Option<i16>,
}

/// One row of the table, its columns in order.
#[allow(clippy::too_many_arguments)]
fn row(
    what: &'static str,
    version: i16,
    session: Named,
    epoch: i32,
    fetch: Option<bool>,
    error: Option<ResponseError>,
    answered: Answered,
    partition_error: Option<i16>,
) -> SessionRow {
    SessionRow {
        what,
        version,
        session,
        epoch,
        follower: false,
        fetch,
        forget: false,
        error,
        answered,
        partition_error,
    }
}

async fn produce_to(conn: &mut RawConnection, topic: &str, partition: i32, value: &str) {
    let request = ProduceRequest::default()
        .with_acks(1)
        .with_timeout_ms(10_000)
        .with_topic_data(vec![produce_request::TopicProduceData::default()
            .with_name(topic_name(topic))
            .with_partition_data(vec![
                produce_request::PartitionProduceData::default()
                    .with_index(partition)
                    .with_records(Some(common::raw::one_record_batch(value))),
            ])]);
    let produced: ProduceResponse = conn.call(ApiKey::Produce, 9, &request).await;
    assert_eq!(produced.responses[0].partition_responses[0].error_code, 0);
}

/// A consumer's Fetch (v12) of `topic` in session `(session_id, epoch)`, naming `named`
/// (partition, fetch offset), within `max_bytes`.
fn session_fetch(
    topic: &str,
    (session_id, epoch): (i32, i32),
    named: &[(i32, i64)],
    max_bytes: i32,
    max_wait_ms: i32,
) -> FetchRequest {
    let partitions: Vec<_> = named
        .iter()
        .map(|&(partition, offset)| {
            fetch_request::FetchPartition::default()
                .with_partition(partition)
                .with_fetch_offset(offset)
                .with_partition_max_bytes(1 << 20)
        })
        .collect();
    let topics = match partitions.is_empty() {
        true => Vec::new(),
        false => vec![fetch_request::FetchTopic::default()
            .with_topic(topic_name(topic))
            .with_partitions(partitions)],
    };
    FetchRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_max_wait_ms(max_wait_ms)
        .with_min_bytes(1)
        .with_max_bytes(max_bytes)
        .with_session_id(session_id)
        .with_session_epoch(epoch)
        .with_topics(topics)
}

/// What an answer names: (partition, records' size, high watermark, log start offset).
fn answered(response: &FetchResponse) -> Vec<(i32, usize, i64, i64)> {
    assert_eq!(response.error_code, 0);
    response
        .responses
        .iter()
        .flat_map(|t| &t.partitions)
        .map(|p| {
            assert_eq!(p.error_code, 0);
            let size = p.records.as_ref().map_or(0, Bytes::len);
            (
                p.partition_index,
                size,
                p.high_watermark,
                p.log_start_offset,
            )
        })
        .collect()
}

/// An incremental fetch answers only what changed (KIP-227), whether the broker read a
/// partition or knew it unmoved since a read that caught up: a partition the size limit left
/// short is read again, one whose log start or high watermark moved is answered, and a
/// partition that moves wakes a fetch waiting on the session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_fetches_answer_every_move_of_partitions_they_do_not_name() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 1, &[]).await;
    let addr = cluster.bootstrap_servers();
    create_topic(&addr, "moves", 3).await;
    let mut conn = RawConnection::connect(&addr).await;
    produce_to(&mut conn, "moves", 0, "a").await;
    produce_to(&mut conn, "moves", 0, "b").await;
    produce_to(&mut conn, "moves", 1, &"x".repeat(2_000)).await;
    let batch = common::raw::one_record_batch("a").len();

    // Partition 0's first batch goes past the limit (KIP-74); 1's does not fit; 2 is empty.
    let all = [(0, 0), (1, 0), (2, 0)];
    let request = session_fetch("moves", (0, 0), &all, 100, 0);
    let response: FetchResponse = conn.call(ApiKey::Fetch, 12, &request).await;
    let id = response.session_id;
    assert!(id > 0);
    let full = answered(&response);
    assert_eq!(full, [(0, batch, 2, 0), (1, 0, 1, 0), (2, 0, 0, 0)]);
    let mut epoch = 0;
    let mut fetch = |named: Vec<(i32, i64)>, max_wait_ms| {
        epoch += 1;
        session_fetch("moves", (id, epoch), &named, 1 << 20, max_wait_ms)
    };

    // Partition 1 was left short: read again unnamed. 0 goes on from its new offset.
    let response: FetchResponse = conn.call(ApiKey::Fetch, 12, &fetch(vec![(0, 1)], 0)).await;
    let short = answered(&response);
    assert_eq!(short.len(), 2);
    assert_eq!((short[0].0, short[0].1), (0, batch));
    assert_eq!((short[1].0, short[1].2), (1, 1));
    assert!(short[1].1 > 2_000);
    let caught_up = fetch(vec![(0, 2), (1, 1)], 0);
    let response: FetchResponse = conn.call(ApiKey::Fetch, 12, &caught_up).await;
    assert!(answered(&response).is_empty());
    let response: FetchResponse = conn.call(ApiKey::Fetch, 12, &fetch(vec![], 0)).await;
    assert!(answered(&response).is_empty());

    // The log start alone moves.
    let request = DeleteRecordsRequest::default()
        .with_timeout_ms(10_000)
        .with_topics(vec![delete_records_request::DeleteRecordsTopic::default()
            .with_name(topic_name("moves"))
            .with_partitions(vec![
                delete_records_request::DeleteRecordsPartition::default()
                    .with_partition_index(0)
                    .with_offset(1),
            ])]);
    let deleted: DeleteRecordsResponse = conn.call(ApiKey::DeleteRecords, 2, &request).await;
    assert_eq!(deleted.topics[0].partitions[0].error_code, 0);
    let response: FetchResponse = conn.call(ApiKey::Fetch, 12, &fetch(vec![], 0)).await;
    assert_eq!(answered(&response), [(0, 0, 2, 1)]);
    let response: FetchResponse = conn.call(ApiKey::Fetch, 12, &fetch(vec![], 0)).await;
    assert!(answered(&response).is_empty());

    produce_to(&mut conn, "moves", 2, "c").await;
    let response: FetchResponse = conn.call(ApiKey::Fetch, 12, &fetch(vec![], 0)).await;
    assert_eq!(answered(&response), [(2, batch, 1, 0)]);

    // Far longer than the test's patience: only the append can end this wait in time.
    let waiting = fetch(vec![(2, 1)], 600_000);
    let mut waiter = RawConnection::connect(&addr).await;
    let waited = tokio::spawn(async move {
        let response: FetchResponse = waiter.call(ApiKey::Fetch, 12, &waiting).await;
        response
    });
    // If the fetch has not reached the broker yet, it finds the record without waiting.
    tokio::time::sleep(Duration::from_millis(200)).await;
    produce_to(&mut conn, "moves", 1, "d").await;
    let response = tokio::time::timeout(TIMEOUT, waited)
        .await
        .expect("the fetch was woken")
        .unwrap();
    assert_eq!(answered(&response), [(1, batch, 2, 0)]);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_sessions_answer_every_session_id_and_epoch_as_kafka() {
    use Answered::*;
    use Named::{None as NoId, Opened, Unknown};
    const EPOCH: Option<ResponseError> = Some(ResponseError::InvalidFetchSessionEpoch);
    const NOT_FOUND: Option<ResponseError> = Some(ResponseError::FetchSessionIdNotFound);
    const TOPIC_IDS: Option<ResponseError> = Some(ResponseError::FetchSessionTopicIdError);
    let unknown_topic_id = ResponseError::UnknownTopicId.code();
    #[rustfmt::skip]
    let table = [
        row("v6 carries no session", 6, NoId, -1, Some(true), None, NoSession, Some(0)),
        row("epoch -1 without a session: sessionless", 12, NoId, -1, Some(true), None, NoSession, Some(0)),
        row("epoch 0 without a session opens one", 12, NoId, 0, Some(true), None, NewSession, Some(0)),
        row("epoch 1 continues it", 12, Opened(0), 1, None, None, Same, Some(0)),
        row("a stale epoch", 12, Opened(0), 1, None, EPOCH, NoSession, None),
        row("a future epoch", 12, Opened(0), 7, None, EPOCH, NoSession, None),
        row("the session survives a wrong epoch", 12, Opened(0), 2, None, None, Same, Some(0)),
        row("epoch 0 naming it closes it and opens another", 12, Opened(0), 0, Some(true), None, NewSession, Some(0)),
        row("the closed session is gone", 12, Opened(0), 3, None, NOT_FOUND, NoSession, None),
        row("the new one starts at epoch 1", 12, Opened(1), 1, None, None, Same, Some(0)),
        row("v13 cannot continue a v12 session", 13, Opened(1), 2, None, TOPIC_IDS, NoSession, None),
        row("the v12 session goes on", 12, Opened(1), 2, None, None, Same, Some(0)),
        row("epoch -1 naming it closes it", 12, Opened(1), -1, Some(true), None, NoSession, Some(0)),
        row("so it is gone", 12, Opened(1), 3, None, NOT_FOUND, NoSession, None),
        row("an unknown session id", 12, Unknown, 1, None, NOT_FOUND, NoSession, None),
        row("epoch 1 without a session", 12, NoId, 1, None, NOT_FOUND, NoSession, None),
        row("epoch 0 naming an unknown session opens one", 12, Unknown, 0, Some(true), None, NewSession, Some(0)),
        row("epoch -1 naming an unknown one", 12, Unknown, -1, Some(true), None, NoSession, Some(0)),
        row("epoch -2 is no full fetch", 12, Opened(2), -2, None, EPOCH, NoSession, None),
        SessionRow { forget: true, ..row("forgetting its last partition closes it", 12, Opened(2), 1, None, None, NoSession, None) },
        row("closed", 12, Opened(2), 2, None, NOT_FOUND, NoSession, None),
        row("a v13 session names topics by id", 13, NoId, 0, Some(true), None, NewSession, Some(0)),
        row("and goes on at v13", 13, Opened(3), 1, None, None, Same, Some(0)),
        row("v12 cannot continue a v13 session", 12, Opened(3), 2, None, TOPIC_IDS, NoSession, None),
        // The cache has one slot (max.incremental.fetch.session.cache.slots=1), held by a
        // young session: a consumer's full fetch is served without a session.
        row("a full cache: no session", 13, NoId, 0, Some(false), None, NoSession, Some(unknown_topic_id)),
        SessionRow { follower: true, ..row("a follower's session evicts a consumer's", 12, NoId, 0, Some(true), None, NewSession, Some(0)) },
        row("the evicted session is gone", 13, Opened(3), 2, None, NOT_FOUND, NoSession, None),
        row("the follower's goes on", 12, Opened(4), 1, None, None, Same, Some(0)),
    ];

    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(
        dir.path(),
        1,
        &[("max.incremental.fetch.session.cache.slots", "1")],
    )
    .await;
    let addr = cluster.bootstrap_servers();
    create_topic(&addr, "sessions", 1).await;
    let mut conn = RawConnection::connect(&addr).await;
    let produced: ProduceResponse = conn
        .call(
            ApiKey::Produce,
            9,
            &ProduceRequest::default()
                .with_acks(1)
                .with_timeout_ms(10_000)
                .with_topic_data(vec![produce_request::TopicProduceData::default()
                    .with_name(topic_name("sessions"))
                    .with_partition_data(vec![
                        produce_request::PartitionProduceData::default()
                            .with_index(0)
                            .with_records(Some(common::raw::one_record_batch("kept"))),
                    ])]),
        )
        .await;
    assert_eq!(produced.responses[0].partition_responses[0].error_code, 0);
    let metadata: MetadataResponse = conn
        .call(
            ApiKey::Metadata,
            12,
            &MetadataRequest::default().with_topics(None),
        )
        .await;
    let topic_id = metadata.topics[0].topic_id;

    let mut opened: Vec<i32> = Vec::new();
    for row in &table {
        let session_id = match row.session {
            Named::None => 0,
            Named::Opened(n) => opened[n],
            Named::Unknown => 424_242,
        };
        // Offset 0 always has the record, so a partition in a session is always news.
        let partition = || {
            vec![fetch_request::FetchPartition::default()
                .with_partition(0)
                .with_fetch_offset(0)
                .with_partition_max_bytes(1 << 20)]
        };
        let mut topic = fetch_request::FetchTopic::default().with_partitions(partition());
        if row.version >= 13 {
            let known = row.fetch != Some(false);
            topic = topic.with_topic_id(if known {
                topic_id
            } else {
                uuid::Uuid::from_u128(9)
            });
        } else {
            topic = topic.with_topic(topic_name("sessions"));
        }
        let mut request = FetchRequest::default()
            .with_replica_id(BrokerId(if row.follower { 1 } else { -1 }))
            .with_max_wait_ms(0)
            .with_max_bytes(1 << 20)
            .with_session_id(session_id)
            .with_session_epoch(row.epoch)
            .with_topics(if row.fetch.is_some() {
                vec![topic]
            } else {
                vec![]
            });
        if row.forget {
            request =
                request.with_forgotten_topics_data(vec![fetch_request::ForgottenTopic::default()
                    .with_topic(topic_name("sessions"))
                    .with_partitions(vec![0])]);
        }
        let response: FetchResponse = conn.call(ApiKey::Fetch, row.version, &request).await;
        let want_error = row.error.map_or(0, |e| e.code());
        assert_eq!(response.error_code, want_error, "{}: error", row.what);
        match row.answered {
            Answered::NoSession => assert_eq!(response.session_id, 0, "{}", row.what),
            Answered::Same => assert_eq!(response.session_id, session_id, "{}", row.what),
            Answered::NewSession => {
                assert!(response.session_id > 0, "{}: a new session", row.what);
                assert!(!opened.contains(&response.session_id), "{}", row.what);
                opened.push(response.session_id);
            }
        }
        let errors: Vec<i16> = response
            .responses
            .iter()
            .flat_map(|t| t.partitions.iter().map(|p| p.error_code))
            .collect();
        assert_eq!(
            errors,
            row.partition_error.into_iter().collect::<Vec<_>>(),
            "{}",
            row.what
        );
    }
    cluster.shutdown().await;
}

fn join_request(member_id: &str, session_timeout_ms: i32) -> JoinGroupRequest {
    JoinGroupRequest::default()
        .with_group_id(StrBytes::from_static_str("wire-group").into())
        .with_session_timeout_ms(session_timeout_ms)
        .with_rebalance_timeout_ms(10_000)
        .with_member_id(StrBytes::from_string(member_id.to_string()))
        .with_protocol_type(StrBytes::from_static_str("consumer"))
        .with_protocols(vec![join_group_request::JoinGroupRequestProtocol::default(
        )
        .with_name(StrBytes::from_static_str("range"))
        .with_metadata(Bytes::from_static(&[0, 0, 0, 0, 0, 0]))])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_apis_answer_kafkas_error_codes() {
    let dir = tempfile::tempdir().unwrap();
    let config = [
        ("offsets.topic.num.partitions", "3"),
        ("group.initial.rebalance.delay.ms", "0"),
    ];
    let cluster = start_cluster(dir.path(), 1, &config).await;
    let mut conn = RawConnection::connect(&cluster.bootstrap_servers()).await;
    let code = |e: ResponseError| e.code();

    // Batched FindCoordinator (v4+): one answer per key, all this broker.
    let keys = ["a", "b", "wire-group"]
        .map(StrBytes::from_static_str)
        .to_vec();
    let found: FindCoordinatorResponse = conn
        .call(
            ApiKey::FindCoordinator,
            4,
            &FindCoordinatorRequest::default().with_coordinator_keys(keys),
        )
        .await;
    assert_eq!(found.coordinators.len(), 3);
    assert!(found
        .coordinators
        .iter()
        .all(|c| c.error_code == 0 && c.node_id == BrokerId(0)));
    let share: FindCoordinatorResponse = conn
        .call(
            ApiKey::FindCoordinator,
            6,
            &FindCoordinatorRequest::default()
                .with_key_type(2)
                .with_coordinator_keys(vec![StrBytes::from_static_str("a")]),
        )
        .await;
    assert_eq!(
        share.coordinators[0].error_code,
        code(ResponseError::InvalidRequest)
    );

    // JoinGroup: the session timeout is checked, a v4+ newcomer needs an id first.
    let too_short: JoinGroupResponse = conn.call(ApiKey::JoinGroup, 5, &join_request("", 10)).await;
    assert_eq!(
        too_short.error_code,
        code(ResponseError::InvalidSessionTimeout)
    );
    // The new `__consumer_offsets` partition may still be loading: clients retry, so does this.
    let deadline = std::time::Instant::now() + TIMEOUT;
    let first: JoinGroupResponse = loop {
        let r: JoinGroupResponse = conn
            .call(ApiKey::JoinGroup, 5, &join_request("", 10_000))
            .await;
        if r.error_code != code(ResponseError::CoordinatorLoadInProgress) {
            break r;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the coordinator never loaded"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(first.error_code, code(ResponseError::MemberIdRequired));
    assert!(!first.member_id.is_empty());
    let unknown: JoinGroupResponse = conn
        .call(ApiKey::JoinGroup, 5, &join_request("made-up", 10_000))
        .await;
    assert_eq!(unknown.error_code, code(ResponseError::UnknownMemberId));
    let joined: JoinGroupResponse = conn
        .call(
            ApiKey::JoinGroup,
            5,
            &join_request(&first.member_id, 10_000),
        )
        .await;
    assert_eq!(joined.error_code, 0);
    assert_eq!(joined.generation_id, 1);
    assert_eq!(joined.leader, first.member_id);

    // Fencing by generation, then a sync that makes the group Stable.
    let sync = |generation| {
        SyncGroupRequest::default()
            .with_group_id(StrBytes::from_static_str("wire-group").into())
            .with_generation_id(generation)
            .with_member_id(first.member_id.clone())
            .with_assignments(vec![
                sync_group_request::SyncGroupRequestAssignment::default()
                    .with_member_id(first.member_id.clone())
                    .with_assignment(Bytes::from_static(b"mine")),
            ])
    };
    let stale: SyncGroupResponse = conn.call(ApiKey::SyncGroup, 3, &sync(0)).await;
    assert_eq!(stale.error_code, code(ResponseError::IllegalGeneration));
    let synced: SyncGroupResponse = conn.call(ApiKey::SyncGroup, 3, &sync(1)).await;
    assert_eq!(
        (synced.error_code, synced.assignment.as_ref()),
        (0, &b"mine"[..])
    );

    // Listing and describing, with Kafka's state names and filters.
    let listed: ListGroupsResponse = conn
        .call(
            ApiKey::ListGroups,
            5,
            &ListGroupsRequest::default()
                .with_states_filter(vec![StrBytes::from_static_str("stable")]),
        )
        .await;
    assert_eq!(listed.groups.len(), 1);
    assert_eq!(
        (
            listed.groups[0].group_state.as_str(),
            listed.groups[0].group_type.as_str()
        ),
        ("Stable", "classic")
    );
    // "nobody" may hash to a partition still loading (COORDINATOR_LOAD_IN_PROGRESS): retry.
    let described = loop {
        let described: DescribeGroupsResponse = conn
            .call(
                ApiKey::DescribeGroups,
                6,
                &DescribeGroupsRequest::default().with_groups(vec![
                    StrBytes::from_static_str("wire-group").into(),
                    StrBytes::from_static_str("nobody").into(),
                ]),
            )
            .await;
        if described
            .groups
            .iter()
            .all(|g| g.error_code != code(ResponseError::CoordinatorLoadInProgress))
        {
            break described;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(described.groups[0].group_state.as_str(), "Stable");
    assert_eq!(
        described.groups[0].members[0].member_assignment.as_ref(),
        b"mine"
    );
    assert_eq!(
        described.groups[1].error_code,
        code(ResponseError::GroupIdNotFound)
    );

    // A group with members cannot be deleted; an unknown one is not found.
    let deleted: DeleteGroupsResponse = conn
        .call(
            ApiKey::DeleteGroups,
            2,
            &DeleteGroupsRequest::default().with_groups_names(vec![
                StrBytes::from_static_str("wire-group").into(),
                StrBytes::from_static_str("nobody").into(),
            ]),
        )
        .await;
    assert_eq!(
        deleted.results[0].error_code,
        code(ResponseError::NonEmptyGroup)
    );
    assert_eq!(
        deleted.results[1].error_code,
        code(ResponseError::GroupIdNotFound)
    );

    // LeaveGroup v3+: one error per member.
    let left: LeaveGroupResponse = conn
        .call(
            ApiKey::LeaveGroup,
            3,
            &LeaveGroupRequest::default()
                .with_group_id(StrBytes::from_static_str("wire-group").into())
                .with_members(vec![
                    leave_group_request::MemberIdentity::default()
                        .with_member_id(first.member_id.clone()),
                    leave_group_request::MemberIdentity::default()
                        .with_member_id(StrBytes::from_static_str("ghost")),
                ]),
        )
        .await;
    assert_eq!(left.error_code, 0);
    assert_eq!(left.members[0].error_code, 0);
    assert_eq!(
        left.members[1].error_code,
        code(ResponseError::UnknownMemberId)
    );

    // Clients cannot write the coordinator's topic.
    let produced: ProduceResponse = conn
        .call(
            ApiKey::Produce,
            9,
            &ProduceRequest::default().with_acks(1).with_topic_data(vec![
                produce_request::TopicProduceData::default()
                    .with_name(StrBytes::from_static_str("__consumer_offsets").into())
                    .with_partition_data(vec![produce_request::PartitionProduceData::default()
                        .with_index(0)
                        .with_records(Some(Bytes::from_static(b"not even a batch")))]),
            ]),
        )
        .await;
    assert_eq!(
        produced.responses[0].partition_responses[0].error_code,
        code(ResponseError::InvalidTopicException)
    );
    cluster.shutdown().await;
}

/// The first group of a new cluster: FindCoordinator creates `__consumer_offsets`, and a
/// JoinGroup sent at once to the coordinator it names is answered as a first join
/// (MEMBER_ID_REQUIRED), not COORDINATOR_LOAD_IN_PROGRESS while the new partition loads, on
/// which librdkafka waits 3 s before it joins again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_cluster_s_first_join_is_not_told_to_wait_for_the_load() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 3, &[("group.initial.rebalance.delay.ms", "0")]).await;
    let (_, coordinator) =
        common::raw::coordinator_address(&cluster.bootstrap_servers(), "wire-group", 0).await;
    let mut conn = RawConnection::connect(&coordinator).await;
    let first: JoinGroupResponse = conn
        .call(ApiKey::JoinGroup, 5, &join_request("", 10_000))
        .await;
    assert_eq!(
        first.error_code,
        ResponseError::MemberIdRequired.code(),
        "{first:?}"
    );
    cluster.shutdown().await;
}

/// Likewise the first transactional producer: InitProducerId sent at once to the coordinator
/// FindCoordinator names (which created `__transaction_state`) gets its producer id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_cluster_s_first_transactional_id_is_not_told_to_wait_for_the_load() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 3, &[]).await;
    let (_, coordinator) =
        common::raw::coordinator_address(&cluster.bootstrap_servers(), "first-txn", 1).await;
    let mut conn = RawConnection::connect(&coordinator).await;
    let init: InitProducerIdResponse = conn
        .call(
            ApiKey::InitProducerId,
            4,
            &InitProducerIdRequest::default()
                .with_transactional_id(Some(StrBytes::from_static_str("first-txn").into()))
                .with_transaction_timeout_ms(60_000)
                .with_producer_id(ProducerId(-1))
                .with_producer_epoch(-1),
        )
        .await;
    assert_eq!(init.error_code, 0, "{init:?}");
    assert!(init.producer_id.0 >= 0, "{init:?}");
    cluster.shutdown().await;
}

/// The legacy AlterConfigs refuses, each with INVALID_REQUEST and Kafka's message, a resource
/// named twice (both of its entries), a config key named twice, a null value and a broker
/// resource; a bad value with INVALID_CONFIG and a missing topic with UNKNOWN_TOPIC_OR_PARTITION;
/// and still applies a good resource of the same request, answering in request order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alter_configs_refuses_what_kafka_refuses_resource_by_resource() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 1, &[]).await;
    let addr = cluster.bootstrap_servers();
    for topic in ["twice", "keys", "nulls", "good", "bad"] {
        create_topic(&addr, topic, 1).await;
    }
    let mut conn = RawConnection::connect(&addr).await;
    let resource = |kind: i8, name: &str, configs: &[(&str, Option<&str>)]| {
        alter_configs_request::AlterConfigsResource::default()
            .with_resource_type(kind)
            .with_resource_name(StrBytes::from_string(name.to_string()))
            .with_configs(
                configs
                    .iter()
                    .map(|(k, v)| {
                        alter_configs_request::AlterableConfig::default()
                            .with_name(StrBytes::from_string(k.to_string()))
                            .with_value(v.map(|v| StrBytes::from_string(v.to_string())))
                    })
                    .collect(),
            )
    };
    let request = AlterConfigsRequest::default().with_resources(vec![
        resource(2, "twice", &[("retention.ms", Some("1000"))]),
        resource(
            2,
            "keys",
            &[("retention.ms", Some("1")), ("retention.ms", Some("2"))],
        ),
        resource(2, "nulls", &[("retention.ms", None), ("segment.ms", None)]),
        resource(4, "0", &[("log.retention.ms", Some("1000"))]),
        resource(2, "good", &[("retention.ms", Some("7200000"))]),
        resource(2, "twice", &[("segment.ms", Some("1000"))]),
        resource(2, "bad", &[("retention.ms", Some("an hour"))]),
        resource(2, "missing", &[("retention.ms", Some("1000"))]),
    ]);
    let response: AlterConfigsResponse = conn.call(ApiKey::AlterConfigs, 2, &request).await;
    let answers: Vec<(&str, i16, Option<&str>)> = response
        .responses
        .iter()
        .map(|r| {
            (
                r.resource_name.as_str(),
                r.error_code,
                r.error_message.as_ref().map(|m| m.as_str()),
            )
        })
        .collect();
    let invalid = ResponseError::InvalidRequest.code();
    assert_eq!(
        answers[0],
        (
            "twice",
            invalid,
            Some("Each resource must appear at most once.")
        )
    );
    assert_eq!(
        answers[1],
        ("keys", invalid, Some("Error due to duplicate config keys"))
    );
    assert_eq!(
        answers[2],
        (
            "nulls",
            invalid,
            Some("Null value not supported for : retention.ms, segment.ms")
        )
    );
    assert_eq!((answers[3].0, answers[3].1), ("0", invalid));
    assert_eq!(answers[4], ("good", 0, None));
    assert_eq!(
        answers[5],
        (
            "twice",
            invalid,
            Some("Each resource must appear at most once.")
        )
    );
    assert_eq!(
        (answers[6].0, answers[6].1),
        ("bad", ResponseError::InvalidConfig.code())
    );
    assert_eq!(
        answers[7],
        (
            "missing",
            ResponseError::UnknownTopicOrPartition.code(),
            Some("The topic 'missing' does not exist.")
        )
    );
    cluster.shutdown().await;
}

/// Without an authorizer (kf has none), the ACL APIs answer as a Kafka broker without
/// `authorizer.class.name`: SECURITY_DISABLED, one result per creation and per filter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acl_apis_answer_security_disabled() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 1, &[]).await;
    let mut conn = RawConnection::connect(&cluster.bootstrap_servers()).await;
    let disabled = ResponseError::SecurityDisabled.code();
    let described: DescribeAclsResponse = conn
        .call(ApiKey::DescribeAcls, 3, &DescribeAclsRequest::default())
        .await;
    assert_eq!(described.error_code, disabled);
    assert!(described.resources.is_empty());
    let created: CreateAclsResponse = conn
        .call(
            ApiKey::CreateAcls,
            3,
            &CreateAclsRequest::default().with_creations(vec![
                create_acls_request::AclCreation::default(),
                create_acls_request::AclCreation::default(),
            ]),
        )
        .await;
    let codes: Vec<i16> = created.results.iter().map(|r| r.error_code).collect();
    assert_eq!(codes, [disabled, disabled]);
    let deleted: DeleteAclsResponse = conn
        .call(
            ApiKey::DeleteAcls,
            3,
            &DeleteAclsRequest::default()
                .with_filters(vec![delete_acls_request::DeleteAclsFilter::default()]),
        )
        .await;
    assert_eq!(deleted.filter_results.len(), 1);
    assert_eq!(deleted.filter_results[0].error_code, disabled);
    assert!(deleted.filter_results[0].matching_acls.is_empty());
    cluster.shutdown().await;
}

/// DescribeTopicPartitions (KIP-966) pages through the named topics in name order, the cursor
/// saying where the next page starts, as Kafka's handler does: a missing topic answers
/// UNKNOWN_TOPIC_OR_PARTITION without counting against the limit, a cursor at a topic not named
/// or at a negative partition makes every named topic INVALID_REQUEST, and with no topic named
/// every topic is described.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_topic_partitions_pages_with_a_cursor() {
    use describe_topic_partitions_request::{Cursor, TopicRequest};
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 1, &[]).await;
    let addr = cluster.bootstrap_servers();
    create_topic(&addr, "pages-b", 3).await;
    create_topic(&addr, "pages-a", 5).await;
    let mut conn = RawConnection::connect(&addr).await;
    let request = |names: &[&str], limit: i32, cursor: Option<(&str, i32)>| {
        DescribeTopicPartitionsRequest::default()
            .with_topics(
                names
                    .iter()
                    .map(|n| {
                        TopicRequest::default()
                            .with_name(TopicName(StrBytes::from_string(n.to_string())))
                    })
                    .collect(),
            )
            .with_response_partition_limit(limit)
            .with_cursor(cursor.map(|(topic, partition)| {
                Cursor::default()
                    .with_topic_name(TopicName(StrBytes::from_string(topic.to_string())))
                    .with_partition_index(partition)
            }))
    };
    // (topic, error, partition indexes) of each answered topic, and the next cursor.
    type Page = (Vec<(String, i16, Vec<i32>)>, Option<(String, i32)>);
    let page = |response: DescribeTopicPartitionsResponse| -> Page {
        (
            response
                .topics
                .iter()
                .map(|t| {
                    (
                        t.name.as_ref().unwrap().to_string(),
                        t.error_code,
                        t.partitions.iter().map(|p| p.partition_index).collect(),
                    )
                })
                .collect(),
            response
                .next_cursor
                .map(|c| (c.topic_name.to_string(), c.partition_index)),
        )
    };
    let names = ["pages-b", "missing", "pages-a"];
    let unknown = ResponseError::UnknownTopicOrPartition.code();
    let first = conn
        .call(
            ApiKey::DescribeTopicPartitions,
            0,
            &request(&names, 4, None),
        )
        .await;
    assert_eq!(
        page(first),
        (
            vec![
                ("missing".to_string(), unknown, vec![]),
                ("pages-a".to_string(), 0, vec![0, 1, 2, 3])
            ],
            Some(("pages-a".to_string(), 4))
        )
    );
    let second = conn
        .call(
            ApiKey::DescribeTopicPartitions,
            0,
            &request(&names, 4, Some(("pages-a", 4))),
        )
        .await;
    assert_eq!(
        page(second),
        (
            vec![
                ("pages-a".to_string(), 0, vec![4]),
                ("pages-b".to_string(), 0, vec![0, 1, 2])
            ],
            None
        )
    );
    let invalid = ResponseError::InvalidRequest.code();
    for cursor in [("elsewhere", 0), ("pages-a", -1)] {
        let refused = conn
            .call(
                ApiKey::DescribeTopicPartitions,
                0,
                &request(&names, 4, Some(cursor)),
            )
            .await;
        let (topics, next) = page(refused);
        assert!(
            topics.iter().all(|(_, error, _)| *error == invalid),
            "{topics:?}"
        );
        assert_eq!((topics.len(), next), (3, None));
    }
    let all = conn
        .call(
            ApiKey::DescribeTopicPartitions,
            0,
            &request(&[], 2000, None),
        )
        .await;
    let (topics, next) = page(all);
    let described: Vec<(&str, usize)> = topics
        .iter()
        .map(|(name, _, partitions)| (name.as_str(), partitions.len()))
        .collect();
    assert_eq!(
        (described, next),
        (vec![("pages-a", 5), ("pages-b", 3)], None)
    );
    cluster.shutdown().await;
}

/// Authorized operations are answered only when asked for, and then (no authorizer) as every
/// operation of the resource; the cluster's in Metadata only at v8-10, as Kafka (later versions
/// have no such flag and leave them to DescribeCluster).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorized_operations_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 1, &[]).await;
    let addr = cluster.bootstrap_servers();
    create_topic(&addr, "ops", 1).await;
    let mut conn = RawConnection::connect(&addr).await;
    // The cluster's flag exists up to v10 only.
    let metadata = |asked: bool, version: i16| {
        MetadataRequest::default()
            .with_topics(Some(vec![metadata_request::MetadataRequestTopic::default(
            )
            .with_name(Some(TopicName(StrBytes::from_static_str("ops"))))]))
            .with_include_topic_authorized_operations(asked)
            .with_include_cluster_authorized_operations(asked && version <= 10)
    };
    let (all_topic_ops, all_cluster_ops) = (3576, 8096);
    for (version, asked, topic_ops, cluster_ops) in [
        (10, true, all_topic_ops, all_cluster_ops),
        (12, true, all_topic_ops, i32::MIN),
        (12, false, i32::MIN, i32::MIN),
    ] {
        let response: MetadataResponse = conn
            .call(ApiKey::Metadata, version, &metadata(asked, version))
            .await;
        assert_eq!(
            (
                response.topics[0].topic_authorized_operations,
                response.cluster_authorized_operations
            ),
            (topic_ops, cluster_ops),
            "v{version}, asked: {asked}"
        );
    }
    cluster.shutdown().await;
}

//! Protocol behaviour over a raw socket: every advertised API answers at every advertised
//! version, pipelined requests are answered in order, a waiting fetch is woken by a produce, and
//! the APIs librdkafka's admin client does not cover (DescribeLogDirs, IncrementalAlterConfigs).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use common::raw::RawConnection;
use common::*;
use indexmap::IndexMap;
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use kafka_protocol::records::{
    Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};
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
        ApiKey::InitProducerId => RequestKind::InitProducerId(InitProducerIdRequest::default()),
        ApiKey::DescribeConfigs => RequestKind::DescribeConfigs(DescribeConfigsRequest::default()),
        ApiKey::DescribeLogDirs => RequestKind::DescribeLogDirs(DescribeLogDirsRequest::default()),
        ApiKey::CreatePartitions => {
            RequestKind::CreatePartitions(CreatePartitionsRequest::default())
        }
        ApiKey::IncrementalAlterConfigs => {
            RequestKind::IncrementalAlterConfigs(IncrementalAlterConfigsRequest::default())
        }
        ApiKey::DescribeQuorum => RequestKind::DescribeQuorum(DescribeQuorumRequest::default()),
        ApiKey::DescribeCluster => RequestKind::DescribeCluster(DescribeClusterRequest::default()),
        ApiKey::FindCoordinator => RequestKind::FindCoordinator(FindCoordinatorRequest::default()),
        ApiKey::AddPartitionsToTxn => {
            RequestKind::AddPartitionsToTxn(AddPartitionsToTxnRequest::default())
        }
        ApiKey::AddOffsetsToTxn => RequestKind::AddOffsetsToTxn(AddOffsetsToTxnRequest::default()),
        ApiKey::EndTxn => RequestKind::EndTxn(EndTxnRequest::default()),
        ApiKey::WriteTxnMarkers => RequestKind::WriteTxnMarkers(WriteTxnMarkersRequest::default()),
        ApiKey::DescribeTransactions => {
            RequestKind::DescribeTransactions(DescribeTransactionsRequest::default())
        }
        ApiKey::ListTransactions => {
            RequestKind::ListTransactions(ListTransactionsRequest::default())
        }
        ApiKey::DescribeProducers => {
            RequestKind::DescribeProducers(DescribeProducersRequest::default())
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

fn one_record_batch(value: &str) -> Bytes {
    let record = Record {
        transactional: false,
        control: false,
        delete_horizon: false,
        partition_leader_epoch: -1,
        producer_id: -1,
        producer_epoch: -1,
        timestamp_type: TimestampType::Creation,
        offset: 0,
        sequence: -1,
        timestamp: 1_700_000_000_000,
        key: None,
        value: Some(Bytes::copy_from_slice(value.as_bytes())),
        headers: IndexMap::new(),
    };
    let mut buf = BytesMut::new();
    RecordBatchEncoder::encode(
        &mut buf,
        [&record],
        &RecordEncodeOptions {
            version: 2,
            compression: Compression::None,
        },
    )
    .unwrap();
    buf.freeze()
}

fn topic_name(name: &str) -> TopicName {
    TopicName(StrBytes::from_string(name.to_string()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_fetch_is_woken_by_a_produce() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 1, &[]).await;
    let addr = cluster.bootstrap_servers();
    create_topic(&addr, "wake", 1).await;

    let fetch_addr = addr.clone();
    let fetch = tokio::spawn(async move {
        let mut conn = RawConnection::connect(&fetch_addr).await;
        // Far longer than the test's patience: only an append can end this wait in time.
        let request = FetchRequest::default()
            .with_replica_id(BrokerId(-1))
            .with_max_wait_ms(600_000)
            .with_min_bytes(1)
            .with_max_bytes(1 << 20)
            .with_topics(vec![fetch_request::FetchTopic::default()
                .with_topic(topic_name("wake"))
                .with_partitions(vec![fetch_request::FetchPartition::default()
                    .with_partition(0)
                    .with_fetch_offset(0)
                    .with_partition_max_bytes(1 << 20)])]);
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
                            .with_index(0)
                            .with_records(Some(one_record_batch("hello"))),
                    ])]),
        )
        .await;
    assert_eq!(produced.responses[0].partition_responses[0].error_code, 0);
    let response = tokio::time::timeout(TIMEOUT, fetch)
        .await
        .expect("the fetch was woken")
        .unwrap();
    let partition = &response.responses[0].partitions[0];
    assert_eq!(partition.error_code, 0);
    assert_eq!(partition.high_watermark, 1);
    assert!(!partition.records.as_ref().unwrap().is_empty());
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

//! Bad input over a raw socket: each gets Apache Kafka's answer (an error code, or a closed
//! connection where Kafka closes it) and the broker keeps serving everyone else.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use bytes::{Bytes, BytesMut};
use common::raw::RawConnection;
use common::*;
use indexmap::IndexMap;
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::*;
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::records::{
    Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};
use kf::cluster::Cluster;

fn batch_of(values: &[&str]) -> BytesMut {
    let records: Vec<Record> = values
        .iter()
        .enumerate()
        .map(|(i, v)| Record {
            transactional: false,
            control: false,
            delete_horizon: false,
            partition_leader_epoch: -1,
            producer_id: -1,
            producer_epoch: -1,
            timestamp_type: TimestampType::Creation,
            offset: i as i64,
            sequence: i as i32,
            timestamp: 1_700_000_000_000,
            key: None,
            value: Some(Bytes::copy_from_slice(v.as_bytes())),
            headers: IndexMap::new(),
        })
        .collect();
    let mut buf = BytesMut::new();
    RecordBatchEncoder::encode(
        &mut buf,
        &records,
        &RecordEncodeOptions {
            version: 2,
            compression: Compression::None,
        },
    )
    .unwrap();
    buf
}

fn produce_request(topic: &str, records: Bytes) -> ProduceRequest {
    ProduceRequest::default()
        .with_acks(1)
        .with_timeout_ms(10_000)
        .with_topic_data(vec![TopicProduceData::default()
            .with_name(TopicName(StrBytes::from_string(topic.to_string())))
            .with_partition_data(vec![PartitionProduceData::default()
                .with_index(0)
                .with_records(Some(records))])])
}

fn produce_error(response: &ProduceResponse) -> i16 {
    response.responses[0].partition_responses[0].error_code
}

async fn first_addr(cluster: &Cluster) -> String {
    cluster
        .bootstrap_servers()
        .split(',')
        .next()
        .unwrap()
        .to_string()
}

/// The broker still answers a fresh connection.
async fn assert_still_serving(addr: &str) {
    let mut conn = RawConnection::connect(addr).await;
    let response: ApiVersionsResponse = conn
        .call(ApiKey::ApiVersions, 3, &ApiVersionsRequest::default())
        .await;
    assert_eq!(response.error_code, 0);
}

async fn create_topic_raw(addr: &str, name: &str) -> CreateTopicsResponse {
    let mut conn = RawConnection::connect(addr).await;
    conn.call(
        ApiKey::CreateTopics,
        7,
        &CreateTopicsRequest::default()
            .with_timeout_ms(30_000)
            .with_topics(vec![CreatableTopic::default()
                .with_name(TopicName(StrBytes::from_string(name.to_string())))
                .with_num_partitions(1)
                .with_replication_factor(1)]),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frames_close_only_their_connection() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 1, &[]).await;
    let addr = first_addr(&cluster).await;

    // A frame announcing 2 GiB: over socket.request.max.bytes, closed without reading it.
    let mut conn = RawConnection::connect(&addr).await;
    conn.send_bytes(&0x7fff_fff0i32.to_be_bytes()).await;
    assert!(conn.is_closed_by_broker().await, "oversized frame closes");
    assert_still_serving(&addr).await;

    // A frame too short to hold a request header.
    let mut conn = RawConnection::connect(&addr).await;
    conn.send_bytes(&[0, 0, 0, 3, 0, 18, 0]).await;
    assert!(conn.is_closed_by_broker().await, "garbage header closes");
    assert_still_serving(&addr).await;

    // An API key Kafka does not have.
    let mut conn = RawConnection::connect(&addr).await;
    conn.send_bytes(&[0, 0, 0, 10, 0x27, 0x0f, 0, 0, 0, 0, 0, 1, 0xff, 0xff])
        .await;
    assert!(conn.is_closed_by_broker().await, "unknown API key closes");
    assert_still_serving(&addr).await;

    // A CreateTopics v2 declaring 2^31-1 topics in a 14-byte frame: the decoder reserves room
    // for them first; the broker must survive that and close only this connection.
    let mut conn = RawConnection::connect(&addr).await;
    conn.send_bytes(&[
        0, 0, 0, 14, 0, 19, 0, 2, 0, 0, 0, 1, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff,
    ])
    .await;
    assert!(
        conn.is_closed_by_broker().await,
        "array longer than its frame closes"
    );
    assert_still_serving(&addr).await;

    // A version of Produce nobody serves.
    let mut conn = RawConnection::connect(&addr).await;
    conn.send_bytes(&[0, 0, 0, 10, 0, 0, 0, 99, 0, 0, 0, 1, 0xff, 0xff])
        .await;
    assert!(
        conn.is_closed_by_broker().await,
        "unsupported version closes"
    );
    assert_still_serving(&addr).await;
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_versions_newer_than_ours_gets_our_ranges_at_v0() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 1, &[]).await;
    let addr = first_addr(&cluster).await;
    let mut conn = RawConnection::connect(&addr).await;
    // v0 of the request body is empty, so a v0 body under a v99 header is well formed.
    let header = RequestHeader::default()
        .with_request_api_key(ApiKey::ApiVersions as i16)
        .with_request_api_version(99)
        .with_correlation_id(7);
    let mut payload = BytesMut::new();
    kafka_protocol::protocol::Encodable::encode(&header, &mut payload, 2).unwrap();
    payload.extend_from_slice(&[0, 0]);
    let mut frame = (payload.len() as i32).to_be_bytes().to_vec();
    frame.extend_from_slice(&payload);
    conn.send_bytes(&frame).await;
    let mut response = conn
        .read_frame()
        .await
        .expect("an answer, not a closed socket");
    let header =
        <ResponseHeader as kafka_protocol::protocol::Decodable>::decode(&mut response, 0).unwrap();
    assert_eq!(header.correlation_id, 7);
    let body =
        <ApiVersionsResponse as kafka_protocol::protocol::Decodable>::decode(&mut response, 0)
            .unwrap();
    assert_eq!(body.error_code, ResponseError::UnsupportedVersion.code());
    assert!(body
        .api_keys
        .iter()
        .any(|k| k.api_key == ApiKey::ApiVersions as i16 && k.max_version == 4));
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_batch_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 1, &[]).await;
    let addr = first_addr(&cluster).await;
    assert_eq!(create_topic_raw(&addr, "crc").await.topics[0].error_code, 0);

    let mut batch = batch_of(&["hello", "world"]);
    let last = batch.len() - 1;
    batch[last] ^= 0xff;
    let mut conn = RawConnection::connect(&addr).await;
    let response: ProduceResponse = conn
        .call(ApiKey::Produce, 9, &produce_request("crc", batch.freeze()))
        .await;
    assert_eq!(
        produce_error(&response),
        ResponseError::CorruptMessage.code(),
        "{:?}",
        response.responses[0].partition_responses[0].error_message
    );

    // The same connection goes on: a good batch lands at offset 0, so nothing was written before.
    let response: ProduceResponse = conn
        .call(
            ApiKey::Produce,
            9,
            &produce_request("crc", batch_of(&["ok"]).freeze()),
        )
        .await;
    assert_eq!(produce_error(&response), 0);
    assert_eq!(response.responses[0].partition_responses[0].base_offset, 0);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_topic_names_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 1, &[]).await;
    let addr = first_addr(&cluster).await;
    for name in ["has space", "..", "slash/name", &"x".repeat(250)] {
        let response = create_topic_raw(&addr, name).await;
        assert_eq!(
            response.topics[0].error_code,
            ResponseError::InvalidTopicException.code(),
            "{name:?}"
        );
    }
    let mut conn = RawConnection::connect(&addr).await;
    let response: MetadataResponse = conn
        .call(
            ApiKey::Metadata,
            12,
            &MetadataRequest::default()
                .with_allow_auto_topic_creation(true)
                .with_topics(Some(vec![metadata_request::MetadataRequestTopic::default(
                )
                .with_name(Some(TopicName(StrBytes::from_static_str("bad name"))))])),
        )
        .await;
    assert_eq!(
        response.topics[0].error_code,
        ResponseError::InvalidTopicException.code()
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn produce_to_unknown_topic_with_auto_create_off() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 1, &[("auto.create.topics.enable", "false")]).await;
    let addr = first_addr(&cluster).await;
    let mut conn = RawConnection::connect(&addr).await;
    let response: MetadataResponse = conn
        .call(
            ApiKey::Metadata,
            12,
            &MetadataRequest::default()
                .with_allow_auto_topic_creation(true)
                .with_topics(Some(vec![metadata_request::MetadataRequestTopic::default(
                )
                .with_name(Some(TopicName(StrBytes::from_static_str("nowhere"))))])),
        )
        .await;
    assert_eq!(
        response.topics[0].error_code,
        ResponseError::UnknownTopicOrPartition.code()
    );
    let response: ProduceResponse = conn
        .call(
            ApiKey::Produce,
            9,
            &produce_request("nowhere", batch_of(&["lost?"]).freeze()),
        )
        .await;
    assert_eq!(
        produce_error(&response),
        ResponseError::UnknownTopicOrPartition.code()
    );
    cluster.shutdown().await;
}

//! A bare Kafka connection for tests that must send exactly the bytes they mean, malformed ones
//! included. Encoding uses the `kafka-protocol` crate (generated from Kafka's message schemas).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::{
    describe_quorum_request, ApiKey, CreateTopicsRequest, CreateTopicsResponse,
    DescribeQuorumRequest, FindCoordinatorRequest, FindCoordinatorResponse, RequestHeader,
    ResponseHeader, TopicName,
};
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use kafka_protocol::records::{
    Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub struct RawConnection {
    stream: TcpStream,
    correlation_id: i32,
}

impl RawConnection {
    pub async fn connect(addr: &str) -> RawConnection {
        RawConnection {
            stream: TcpStream::connect(addr).await.expect("connect"),
            correlation_id: 0,
        }
    }

    /// Sends raw bytes as they are, without a size prefix.
    pub async fn send_bytes(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("write");
    }

    /// Sends one request frame made of a header and an encoded body.
    pub async fn send_request<R: Encodable>(
        &mut self,
        api_key: ApiKey,
        version: i16,
        body: &R,
    ) -> i32 {
        self.correlation_id += 1;
        let header = RequestHeader::default()
            .with_request_api_key(api_key as i16)
            .with_request_api_version(version)
            .with_correlation_id(self.correlation_id)
            .with_client_id(Some(StrBytes::from_static_str("kf-test")));
        let mut payload = BytesMut::new();
        header
            .encode(&mut payload, api_key.request_header_version(version))
            .unwrap();
        body.encode(&mut payload, version).unwrap();
        let mut frame = BytesMut::new();
        frame.put_i32(payload.len() as i32);
        frame.extend_from_slice(&payload);
        self.send_bytes(&frame).await;
        self.correlation_id
    }

    /// Reads one response frame; `None` when the broker closed the connection.
    pub async fn read_frame(&mut self) -> Option<Bytes> {
        let mut size = [0u8; 4];
        if self.stream.read_exact(&mut size).await.is_err() {
            return None;
        }
        let mut payload = vec![0u8; i32::from_be_bytes(size) as usize];
        self.stream.read_exact(&mut payload).await.ok()?;
        Some(Bytes::from(payload))
    }

    /// Sends a request and decodes its response at the same version.
    pub async fn call<Req: Encodable, Resp: Decodable>(
        &mut self,
        api_key: ApiKey,
        version: i16,
        body: &Req,
    ) -> Resp {
        let correlation_id = self.send_request(api_key, version, body).await;
        let mut frame = self.read_frame().await.expect("a response");
        let header =
            ResponseHeader::decode(&mut frame, api_key.response_header_version(version)).unwrap();
        assert_eq!(header.correlation_id, correlation_id);
        let response = Resp::decode(&mut frame, version).unwrap();
        assert!(!frame.has_remaining(), "response fully decoded");
        response
    }

    /// True when the broker closed the connection (reads end) within the test timeout.
    pub async fn is_closed_by_broker(&mut self) -> bool {
        let mut buf = [0u8; 64];
        matches!(
            tokio::time::timeout(super::TIMEOUT, self.stream.read(&mut buf)).await,
            Ok(Ok(0)) | Ok(Err(_))
        )
    }
}

/// The broker coordinating `key` (key type 0: a group, 1: a transactional id).
pub async fn find_coordinator(bootstrap: &str, key: &str, key_type: i8) -> i32 {
    coordinator_address(bootstrap, key, key_type).await.0
}

/// The broker coordinating `key` and the `host:port` the first bootstrap broker gives for it.
pub async fn coordinator_address(bootstrap: &str, key: &str, key_type: i8) -> (i32, String) {
    let addr = bootstrap.split(',').next().unwrap();
    let deadline = Instant::now() + super::TIMEOUT;
    loop {
        let mut conn = RawConnection::connect(addr).await;
        let response: FindCoordinatorResponse = conn
            .call(
                ApiKey::FindCoordinator,
                3,
                &FindCoordinatorRequest::default()
                    .with_key(StrBytes::from_string(key.to_string()))
                    .with_key_type(key_type),
            )
            .await;
        if response.error_code == 0 {
            return (
                response.node_id.0,
                format!("{}:{}", response.host.as_str(), response.port),
            );
        }
        assert!(Instant::now() < deadline, "no coordinator: {response:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// CreateTopics v7 of one topic through `conn`, answered once the controller committed it.
pub async fn create_topic(
    conn: &mut RawConnection,
    name: &str,
    partitions: i32,
    replication_factor: i16,
) -> CreateTopicsResponse {
    conn.call(
        ApiKey::CreateTopics,
        7,
        &CreateTopicsRequest::default()
            .with_timeout_ms(60_000)
            .with_topics(vec![CreatableTopic::default()
                .with_name(TopicName(StrBytes::from_string(name.to_string())))
                .with_num_partitions(partitions)
                .with_replication_factor(replication_factor)]),
    )
    .await
}

/// A v2 record batch of one record without a key, uncompressed.
pub fn one_record_batch(value: &str) -> Bytes {
    record_batch(&[value]).freeze()
}

/// A v2 record batch of `values` (no keys, no producer id), uncompressed, in a buffer a test
/// may corrupt.
pub fn record_batch(values: &[&str]) -> BytesMut {
    let records: Vec<Record> = values
        .iter()
        .enumerate()
        .map(|(i, value)| Record {
            transactional: false,
            control: false,
            delete_horizon: false,
            partition_leader_epoch: -1,
            producer_id: -1,
            producer_epoch: -1,
            timestamp_type: TimestampType::Creation,
            offset: i as i64,
            // One batch: the encoder splits where offset - sequence changes; the base stays -1
            // (no producer id), as Kafka's producers send it.
            sequence: i as i32 - 1,
            timestamp: 1_700_000_000_000,
            key: None,
            value: Some(Bytes::copy_from_slice(value.as_bytes())),
            headers: Default::default(),
        })
        .collect();
    let mut buf = BytesMut::new();
    let options = RecordEncodeOptions {
        version: 2,
        compression: Compression::None,
    };
    RecordBatchEncoder::encode(&mut buf, &records, &options).unwrap();
    buf
}

/// DescribeQuorum of the metadata partition, as admin clients send it.
pub fn describe_quorum_request() -> DescribeQuorumRequest {
    DescribeQuorumRequest::default().with_topics(vec![describe_quorum_request::TopicData::default(
    )
    .with_topic_name(TopicName(StrBytes::from_static_str("__cluster_metadata")))
    .with_partitions(vec![describe_quorum_request::PartitionData::default()])])
}

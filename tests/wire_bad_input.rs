//! Bad input over a raw socket: each gets Apache Kafka's answer (an error code, or a closed
//! connection where Kafka closes it) and the broker keeps serving everyone else.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use bytes::{Bytes, BytesMut};
use common::raw::{record_batch, RawConnection};
use common::*;
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::*;
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::records::Compression;
use kf::cluster::Cluster;

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

    let mut batch = record_batch(&["hello", "world"]);
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
            &produce_request("crc", record_batch(&["ok"]).freeze()),
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
            &produce_request("nowhere", record_batch(&["lost?"]).freeze()),
        )
        .await;
    assert_eq!(
        produce_error(&response),
        ResponseError::UnknownTopicOrPartition.code()
    );
    cluster.shutdown().await;
}

/// `batch` with its records replaced by `records` compressed with `codec`, header and CRC made
/// valid again: what a broken producer or a hostile client sends.
fn with_records(batch: &[u8], records: &[u8], codec: Compression) -> Bytes {
    use kafka_protocol::compression::{Compressor, Gzip, Lz4, Snappy, Zstd};
    let mut body = BytesMut::new();
    let write = |tmp: &mut BytesMut| {
        tmp.extend_from_slice(records);
        Ok(())
    };
    match codec {
        Compression::None => body.extend_from_slice(records),
        Compression::Gzip => Gzip::compress(&mut body, write).unwrap(),
        Compression::Snappy => Snappy::compress(&mut body, write).unwrap(),
        Compression::Lz4 => Lz4::compress(&mut body, write).unwrap(),
        Compression::Zstd => Zstd::compress(&mut body, write).unwrap(),
    }
    let mut out = batch[..61].to_vec();
    out.extend_from_slice(&body);
    let batch_length = (out.len() - 12) as i32;
    out[8..12].copy_from_slice(&batch_length.to_be_bytes());
    out[21..23].copy_from_slice(&(codec as i16).to_be_bytes());
    let crc = crc32c::crc32c(&out[21..]);
    out[17..21].copy_from_slice(&crc.to_be_bytes());
    Bytes::from(out)
}

/// Produce v9 of `records` to partition 0 of `topic`: the partition's answer.
async fn produce_raw(
    conn: &mut RawConnection,
    topic: &str,
    records: Bytes,
) -> produce_response::PartitionProduceResponse {
    let response: ProduceResponse = conn
        .call(ApiKey::Produce, 9, &produce_request(topic, records))
        .await;
    response.responses[0].partition_responses[0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_records_under_a_valid_crc_are_refused_for_every_codec() {
    use rdkafka::consumer::Consumer;
    use rdkafka::{Message, Offset, TopicPartitionList};

    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 1, &[]).await;
    let addr = first_addr(&cluster).await;
    assert_eq!(
        create_topic_raw(&addr, "poison").await.topics[0].error_code,
        0
    );
    let mut conn = RawConnection::connect(&addr).await;
    let good = record_batch(&["one", "two"]);
    let good_records = &good[61..];
    let garbage: Vec<u8> = (0..300u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    // A record whose length runs past the batch, then one too many records.
    let mut overlong = good_records.to_vec();
    overlong[0] = 0x7e;
    let mut extra = good_records.to_vec();
    extra.extend_from_slice(good_records);
    let codecs = [
        Compression::None,
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ];
    let mut expected = Vec::new();
    for codec in codecs {
        for (what, records) in [
            ("garbage", &garbage[..]),
            ("overlong", &overlong[..]),
            ("extra", &extra[..]),
        ] {
            let answer =
                produce_raw(&mut conn, "poison", with_records(&good, records, codec)).await;
            assert!(
                [
                    ResponseError::CorruptMessage.code(),
                    ResponseError::InvalidRecord.code()
                ]
                .contains(&answer.error_code),
                "{codec:?} {what}: {answer:?}"
            );
            assert_eq!(answer.base_offset, -1);
            assert!(answer.error_message.is_some(), "{codec:?} {what}");
        }
        // Nothing of the refused batches was stored: the good one lands right after the last.
        let answer = produce_raw(
            &mut conn,
            "poison",
            with_records(&good, good_records, codec),
        )
        .await;
        assert_eq!(answer.error_code, 0, "{codec:?}: {answer:?}");
        assert_eq!(answer.base_offset, expected.len() as i64, "{codec:?}");
        expected.extend(["one", "two"]);
    }

    // A compacted topic: the record without a key is named (KIP-467), nothing is stored.
    let mut conn = RawConnection::connect(&addr).await;
    let response: CreateTopicsResponse = conn
        .call(
            ApiKey::CreateTopics,
            7,
            &CreateTopicsRequest::default()
                .with_timeout_ms(30_000)
                .with_topics(vec![CreatableTopic::default()
                    .with_name(TopicName(StrBytes::from_static_str("compacted")))
                    .with_num_partitions(1)
                    .with_replication_factor(1)
                    .with_configs(vec![
                        create_topics_request::CreatableTopicConfig::default()
                            .with_name(StrBytes::from_static_str("cleanup.policy"))
                            .with_value(Some(StrBytes::from_static_str("compact"))),
                    ])]),
        )
        .await;
    assert_eq!(response.topics[0].error_code, 0);
    let answer = produce_raw(&mut conn, "compacted", good.clone().freeze()).await;
    assert_eq!(answer.error_code, ResponseError::InvalidRecord.code());
    let indexes: Vec<i32> = answer.record_errors.iter().map(|e| e.batch_index).collect();
    assert_eq!(indexes, vec![0, 1]);

    // librdkafka reads the partition the garbage was sent to, every good record in order.
    let bootstrap = cluster.bootstrap_servers();
    let consumer = consumer(&bootstrap, &[]);
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset("poison", 0, Offset::Beginning)
        .unwrap();
    consumer.assign(&tpl).unwrap();
    let deadline = std::time::Instant::now() + TIMEOUT;
    let mut seen = Vec::new();
    while seen.len() < expected.len() {
        assert!(std::time::Instant::now() < deadline, "read only {seen:?}");
        if let Some(message) = consumer.poll(std::time::Duration::from_millis(100)) {
            let message = message.unwrap();
            seen.push(String::from_utf8(message.payload().unwrap().to_vec()).unwrap());
        }
    }
    assert_eq!(seen, expected);
    cluster.shutdown().await;
}

/// A `kf cluster up` child process, stopped when dropped.
struct ChildCluster {
    child: std::process::Child,
    bootstrap: String,
    _home: tempfile::TempDir,
}

impl ChildCluster {
    fn start(broker_config: &[&str]) -> ChildCluster {
        use std::io::BufRead;
        let home = tempfile::tempdir().unwrap();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_kf"));
        command
            .args(["cluster", "up", "-n", "1", "-p", "0", "--data-dir"])
            .arg(home.path().join("cluster"))
            .env("XDG_STATE_HOME", home.path().join("state"))
            .env("XDG_DATA_HOME", home.path().join("data"))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null());
        for setting in broker_config {
            command.args(["-c", setting]);
        }
        let mut child = command.spawn().unwrap();
        let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let bootstrap = stdout
            .lines()
            .map(Result::unwrap)
            .find_map(|line| line.strip_prefix("bootstrap servers: ").map(str::to_owned))
            .expect("the ready banner names the bootstrap servers");
        ChildCluster {
            child,
            bootstrap,
            _home: home,
        }
    }

    /// The child's resident memory in bytes.
    fn rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap();
        kb * 1024
    }
}

impl Drop for ChildCluster {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn fetch_request(topic: &str, max_bytes: i32) -> FetchRequest {
    FetchRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_max_wait_ms(0)
        .with_min_bytes(1)
        .with_max_bytes(max_bytes)
        .with_session_epoch(-1)
        .with_topics(vec![fetch_request::FetchTopic::default()
            .with_topic(TopicName(StrBytes::from_string(topic.to_string())))
            .with_partitions(vec![fetch_request::FetchPartition::default()
                .with_partition(0)
                .with_fetch_offset(0)
                .with_partition_max_bytes(max_bytes)])])
}

/// Clients that send Fetches for 50 MB and never read the answers cannot take the broker's
/// memory: each connection holds one unsent answer, all of them together no more than
/// `queued.max.response.bytes` (past one batch each), and another client is still served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_readers_cannot_take_the_brokers_memory() {
    const MIB: u64 = 1024 * 1024;
    let cluster = ChildCluster::start(&["queued.max.response.bytes=33554432"]);
    let addr = cluster.bootstrap.clone();
    assert_eq!(create_topic_raw(&addr, "big").await.topics[0].error_code, 0);
    // 24 batches of about 1 MB each: 24 MB a Fetch of the whole partition returns.
    let value = "x".repeat(1_000);
    let values: Vec<&str> = (0..1_000).map(|_| value.as_str()).collect();
    let batch = record_batch(&values).freeze();
    let mut conn = RawConnection::connect(&addr).await;
    for _ in 0..24 {
        assert_eq!(
            produce_raw(&mut conn, "big", batch.clone())
                .await
                .error_code,
            0
        );
    }
    let before = cluster.rss();

    // Six clients each send twenty 50 MB Fetches and never read an answer.
    let mut slow = Vec::new();
    for _ in 0..6 {
        let mut conn = RawConnection::connect(&addr).await;
        for _ in 0..20 {
            conn.send_request(ApiKey::Fetch, 11, &fetch_request("big", 50 << 20))
                .await;
        }
        slow.push(conn);
    }

    // Another client keeps being answered, with records, while the slow ones sit there.
    let mut peak = before;
    let started = std::time::Instant::now();
    for _ in 0..20 {
        let response: FetchResponse = tokio::time::timeout(
            TIMEOUT,
            conn.call(ApiKey::Fetch, 11, &fetch_request("big", 1 << 20)),
        )
        .await
        .expect("a well-behaved client is answered");
        let partition = &response.responses[0].partitions[0];
        assert_eq!(partition.error_code, 0);
        assert!(partition.records.as_ref().is_some_and(|r| !r.is_empty()));
        peak = peak.max(cluster.rss());
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(started.elapsed() < TIMEOUT);
    // 32 MiB of answers, one ~1 MB batch more per connection, and room for the allocator.
    let bound = 100 * MIB;
    assert!(
        peak.saturating_sub(before) < bound,
        "the broker grew by {} MiB (bound {} MiB)",
        peak.saturating_sub(before) / MIB,
        bound / MIB
    );
    drop(slow);
}

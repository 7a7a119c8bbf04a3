//! DescribeQuorum, DescribeCluster, the placement rules, fencing and ElectLeaders, pipelined
//! Produce requests on one connection, DescribeQuorum under Raft commits, checked over the wire;
//! kf's consumer in incremental fetch sessions with the brokers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::raw::RawConnection;
use common::*;
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::{Decodable, StrBytes};
use kf::client::consumer::{Consumer, StartOffset};
use kf::client::TopicPartition;
use rdkafka::producer::{BaseRecord, Producer};

fn addrs(bootstrap: &str) -> Vec<String> {
    bootstrap.split(',').map(str::to_string).collect()
}

async fn describe_quorum(addr: &str) -> DescribeQuorumResponse {
    let mut conn = RawConnection::connect(addr).await;
    conn.call(
        ApiKey::DescribeQuorum,
        2,
        &common::raw::describe_quorum_request(),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_broker_describes_the_same_quorum_and_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 4, &[]).await;
    for addr in addrs(&cluster.bootstrap_servers()) {
        let mut conn = RawConnection::connect(&addr).await;
        // On a loaded box a Raft heartbeat can time out and an election run meanwhile: ask
        // until this broker names the controller the cluster has now.
        let deadline = std::time::Instant::now() + TIMEOUT;
        let (quorum, controller) = loop {
            let quorum: DescribeQuorumResponse = conn
                .call(
                    ApiKey::DescribeQuorum,
                    2,
                    &common::raw::describe_quorum_request(),
                )
                .await;
            let controller = cluster.controller_id();
            let leader = quorum.topics[0].partitions[0].leader_id.0;
            if Some(leader) == controller || std::time::Instant::now() > deadline {
                break (quorum, controller.unwrap_or(-1));
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        };
        let partition = &quorum.topics[0].partitions[0];
        assert_eq!(partition.error_code, 0);
        assert_eq!(partition.leader_id.0, controller);
        assert!(partition.leader_epoch >= 1);
        assert!(partition.high_watermark > 0);
        let mut voters: Vec<i32> = partition
            .current_voters
            .iter()
            .map(|v| v.replica_id.0)
            .collect();
        voters.sort_unstable();
        assert_eq!(voters, vec![0, 1, 2], "the first three brokers vote");
        let observers: Vec<i32> = partition.observers.iter().map(|v| v.replica_id.0).collect();
        assert_eq!(observers, vec![3], "the fourth observes");

        // The broker learns a new controller from the metadata log, a moment after Raft.
        let deadline = std::time::Instant::now() + TIMEOUT;
        let (described, controller) = loop {
            let described: DescribeClusterResponse = conn
                .call(
                    ApiKey::DescribeCluster,
                    1,
                    &DescribeClusterRequest::default().with_endpoint_type(1),
                )
                .await;
            let controller = cluster.controller_id();
            if Some(described.controller_id.0) == controller || std::time::Instant::now() > deadline
            {
                break (described, controller.unwrap_or(-1));
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        };
        assert_eq!(described.error_code, 0);
        assert_eq!(described.controller_id.0, controller);
        assert_eq!(described.cluster_id.len(), 22, "a Kafka-style cluster id");
        assert_eq!(described.brokers.len(), 4);
    }
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replication_factor_above_the_broker_count_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 3, &[]).await;
    let addr = addrs(&cluster.bootstrap_servers()).remove(0);
    let mut conn = RawConnection::connect(&addr).await;
    let response = common::raw::create_topic(&mut conn, "replicated", 3, 4).await;
    let topic = &response.topics[0];
    assert_eq!(
        topic.error_code,
        ResponseError::InvalidReplicationFactor.code()
    );
    assert!(topic
        .error_message
        .as_ref()
        .is_some_and(|m| m.contains("only 3 broker(s) are registered")));
    cluster.shutdown().await;
}

/// Metadata v12 of one topic through `conn`.
async fn metadata_of(conn: &mut RawConnection, topic: &str) -> MetadataResponse {
    conn.call(
        ApiKey::Metadata,
        12,
        &MetadataRequest::default()
            .with_topics(Some(vec![metadata_request::MetadataRequestTopic::default(
            )
            .with_name(Some(TopicName(StrBytes::from_string(topic.into()))))])),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaders_are_spread_and_others_answer_not_leader() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 3, &[]).await;
    let bootstrap = cluster.bootstrap_servers();
    create_topic(&bootstrap, "spread", 6).await;
    let addrs = addrs(&bootstrap);
    let mut conn = RawConnection::connect(&addrs[0]).await;
    let metadata = metadata_of(&mut conn, "spread").await;
    let leaders: Vec<i32> = metadata.topics[0]
        .partitions
        .iter()
        .map(|p| p.leader_id.0)
        .collect();
    for broker in 0..3 {
        assert_eq!(
            leaders.iter().filter(|l| **l == broker).count(),
            2,
            "{leaders:?}"
        );
    }
    // Partition 0's leader is some broker; ask another one for its offsets.
    let leader = leaders[0];
    let other = (leader + 1) % 3;
    let mut conn = RawConnection::connect(&addrs[other as usize]).await;
    let offsets: ListOffsetsResponse = conn
        .call(
            ApiKey::ListOffsets,
            7,
            &ListOffsetsRequest::default()
                .with_replica_id(BrokerId(-1))
                .with_topics(vec![list_offsets_request::ListOffsetsTopic::default()
                    .with_name(TopicName(StrBytes::from_static_str("spread")))
                    .with_partitions(vec![
                        list_offsets_request::ListOffsetsPartition::default()
                            .with_partition_index(0)
                            .with_timestamp(-1),
                    ])]),
        )
        .await;
    assert_eq!(
        offsets.topics[0].partitions[0].error_code,
        ResponseError::NotLeaderOrFollower.code()
    );
    cluster.shutdown().await;
}

/// Partition `p` of `topic` as broker `addr` answers Metadata: (error, leader, epoch, offline).
async fn partition_state(addr: &str, topic: &str, p: i32) -> (i16, i32, i32, Vec<i32>) {
    let mut conn = RawConnection::connect(addr).await;
    let metadata = metadata_of(&mut conn, topic).await;
    let partition = metadata.topics[0]
        .partitions
        .iter()
        .find(|x| x.partition_index == p)
        .unwrap();
    (
        partition.error_code,
        partition.leader_id.0,
        partition.leader_epoch,
        partition.offline_replicas.iter().map(|b| b.0).collect(),
    )
}

async fn elect(
    addr: &str,
    version: i16,
    election_type: i8,
    partitions: Option<Vec<(&str, Vec<i32>)>>,
) -> ElectLeadersResponse {
    let mut conn = RawConnection::connect(addr).await;
    let topic_partitions = partitions.map(|topics| {
        topics
            .into_iter()
            .map(|(t, ps)| {
                elect_leaders_request::TopicPartitions::default()
                    .with_topic(TopicName(StrBytes::from_string(t.into())))
                    .with_partitions(ps)
            })
            .collect()
    });
    conn.call(
        ApiKey::ElectLeaders,
        version,
        &ElectLeadersRequest::default()
            .with_election_type(election_type)
            .with_topic_partitions(topic_partitions)
            .with_timeout_ms(30_000),
    )
    .await
}

fn election_codes(response: &ElectLeadersResponse) -> Vec<(String, i32, i16)> {
    response
        .replica_election_results
        .iter()
        .flat_map(|t| {
            t.partition_result
                .iter()
                .map(|p| (t.topic.to_string(), p.partition_id, p.error_code))
        })
        .collect()
}

/// A killed broker is fenced once its session expires: its partition goes offline (Metadata
/// names it in offline_replicas, ElectLeaders finds no eligible leader); started again, it
/// registers, leads again with a new leader epoch, and librdkafka produces to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_broker_is_fenced_and_leads_again_after_start_and_elect_leaders_answers() {
    let dir = tempfile::tempdir().unwrap();
    let mut cluster = start_cluster(
        dir.path(),
        3,
        &[
            ("broker.session.timeout.ms", "1500"),
            ("broker.heartbeat.interval.ms", "250"),
            ("auto.leader.rebalance.enable", "false"),
        ],
    )
    .await;
    let bootstrap = cluster.bootstrap_servers();
    create_topic(&bootstrap, "elect", 3).await;
    let addrs = addrs(&bootstrap);

    let all = elect(
        &addrs[0],
        2,
        0,
        Some(vec![("elect", vec![0, 1, 2]), ("nope", vec![0])]),
    )
    .await;
    assert_eq!(all.error_code, 0);
    let not_needed = ResponseError::ElectionNotNeeded.code();
    assert_eq!(
        election_codes(&all),
        vec![
            ("elect".into(), 0, not_needed),
            ("elect".into(), 1, not_needed),
            ("elect".into(), 2, not_needed),
            (
                "nope".into(),
                0,
                ResponseError::UnknownTopicOrPartition.code()
            ),
        ]
    );
    let bad = elect(&addrs[0], 2, 7, Some(vec![("elect", vec![0])])).await;
    assert_eq!(bad.error_code, ResponseError::InvalidRequest.code());
    assert_eq!(
        election_codes(&bad),
        vec![("elect".into(), 0, ResponseError::InvalidRequest.code())]
    );
    // Every partition (null): none needs an election, so none is listed.
    let everything = elect(&addrs[0], 0, 0, None).await;
    assert!(election_codes(&everything).is_empty(), "{everything:?}");

    let (_, leader, epoch, _) = partition_state(&addrs[0], "elect", 0).await;
    let asker = addrs[((leader + 1) % 3) as usize].clone();
    cluster.kill_broker(leader).await.unwrap();
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        let (error, now_leader, _, offline) = partition_state(&asker, "elect", 0).await;
        if now_leader == -1 {
            assert_eq!(error, ResponseError::LeaderNotAvailable.code());
            assert_eq!(offline, vec![leader]);
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never fenced");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let unclean = elect(&asker, 2, 1, Some(vec![("elect", vec![0])])).await;
    assert_eq!(
        election_codes(&unclean),
        vec![(
            "elect".into(),
            0,
            ResponseError::EligibleLeadersNotAvailable.code()
        )]
    );

    cluster.start_broker(leader).await.unwrap();
    // Every broker of three is a metadata voter: the killed one rejoined the quorum and caught up
    // with the log the other two kept committing (its fencing, the elections).
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        let quorum = describe_quorum(&asker).await;
        let partition = &quorum.topics[0].partitions[0];
        let rejoined = partition
            .current_voters
            .iter()
            .find(|v| v.replica_id.0 == leader)
            .is_some_and(|v| v.log_end_offset >= partition.high_watermark);
        if rejoined {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{quorum:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (error, new_leader, new_epoch, offline) = partition_state(&asker, "elect", 0).await;
    assert_eq!((error, new_leader), (0, leader));
    assert!(new_epoch > epoch, "{new_epoch} after {epoch}");
    assert!(offline.is_empty());

    let producer = producer(&cluster.bootstrap_servers(), &[]);
    producer
        .send(
            BaseRecord::<(), _>::to("elect")
                .partition(0)
                .payload("back"),
        )
        .unwrap();
    producer.flush(TIMEOUT).unwrap();
    cluster.shutdown().await;
}

/// `--racks a,b` assigns broker.rack in turn; Metadata and DescribeCluster carry each broker's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racks_are_assigned_in_turn_and_advertised() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = cluster_config(dir.path(), 3, &[]);
    config.racks = vec!["a".into(), "b".into()];
    let cluster = kf::cluster::Cluster::start(config).await.unwrap();
    let addr = addrs(&cluster.bootstrap_servers()).remove(0);
    let mut conn = RawConnection::connect(&addr).await;
    let metadata: MetadataResponse = conn
        .call(ApiKey::Metadata, 12, &MetadataRequest::default())
        .await;
    let mut racks: Vec<(i32, Option<String>)> = metadata
        .brokers
        .iter()
        .map(|b| (b.node_id.0, b.rack.as_ref().map(|r| r.to_string())))
        .collect();
    racks.sort();
    assert_eq!(
        racks,
        vec![
            (0, Some("a".into())),
            (1, Some("b".into())),
            (2, Some("a".into()))
        ]
    );
    cluster.shutdown().await;
}

/// An isolated broker is fenced by the others while its own image goes stale (it still answers
/// clients as the leader, as a broker behind a network partition does); healed, its heartbeats
/// reach the controller again and it leads again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_isolated_leader_is_fenced_by_the_majority_and_returns_when_healed() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(
        dir.path(),
        3,
        &[
            ("broker.session.timeout.ms", "1500"),
            ("broker.heartbeat.interval.ms", "250"),
        ],
    )
    .await;
    let bootstrap = cluster.bootstrap_servers();
    create_topic(&bootstrap, "cut", 3).await;
    let addrs = addrs(&bootstrap);
    let (_, leader, _, _) = partition_state(&addrs[0], "cut", 0).await;
    let asker = addrs[((leader + 1) % 3) as usize].clone();
    let isolated = addrs[leader as usize].clone();
    cluster.isolate(leader).unwrap();
    let deadline = std::time::Instant::now() + TIMEOUT;
    while partition_state(&asker, "cut", 0).await.1 != -1 {
        assert!(std::time::Instant::now() < deadline, "never fenced");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // The isolated broker still answers, from its stale image.
    assert_eq!(partition_state(&isolated, "cut", 0).await.1, leader);

    cluster.heal(Some(leader)).unwrap();
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        let seen = (
            partition_state(&asker, "cut", 0).await,
            partition_state(&isolated, "cut", 0).await,
        );
        if seen.0 .1 == leader && seen.0 == seen.1 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{seen:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    cluster.shutdown().await;
}

/// Creating partitions (directories, their sync, the logs a new image makes leaders and
/// followers open) is file work; it must not hold the runtime every broker of the process
/// shares (before it ran off the runtime, the first group of a new cluster stalled every broker
/// for ~650 ms in a debug build). Every disk stalls while a 200-partition topic is created:
/// the brokers cannot have applied it, and still each answers, from a client on a runtime of
/// its own (the cluster's two workers would be stuck in the stall if file work ran on them).
/// Once the disks resume, every partition takes a record at acks=all.
#[test]
fn brokers_keep_answering_while_their_disks_stall() {
    let cluster_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let client_runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cluster = cluster_runtime.block_on(start_cluster(dir.path(), 3, &[]));
    let bootstrap = cluster.bootstrap_servers();
    let brokers = addrs(&bootstrap);
    for broker in 0..3 {
        cluster.faults().stall_disk(broker);
    }
    let resume = ResumeDisksOnDrop(cluster.faults().clone());
    let while_stalled = client_runtime.block_on(async {
        tokio::time::timeout(TIMEOUT, async {
            let mut conn = RawConnection::connect(&brokers[0]).await;
            let created = common::raw::create_topic(&mut conn, "large", 200, 3).await;
            assert_eq!(created.topics[0].error_code, 0);
            // Every broker's change is held: had it been on the runtime, two of them would hold
            // both workers and the third would never get this far.
            for broker in 0..3 {
                while cluster.faults().disk_waiters(broker) == 0 {
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
            }
            for addr in &brokers {
                let mut conn = RawConnection::connect(addr).await;
                let versions: ApiVersionsResponse = conn
                    .call(ApiKey::ApiVersions, 3, &ApiVersionsRequest::default())
                    .await;
                assert_eq!(versions.error_code, 0);
            }
        })
        .await
    });
    drop(resume);
    while_stalled.expect("every broker answers while its disk stalls");
    cluster_runtime.block_on(async {
        let producer = producer(&bootstrap, &[("acks", "all")]);
        for p in 0..200 {
            producer
                .send(BaseRecord::<(), str>::to("large").partition(p).payload("x"))
                .unwrap();
        }
        assert_eq!(producer.flush(TIMEOUT), Ok(()));
        cluster.shutdown().await;
    });
}

/// Resumes every broker's disk when dropped, so that a failing test ends instead of hanging
/// (the cluster's runtime waits for its blocking threads, which the stall holds).
struct ResumeDisksOnDrop(kf::cluster::faults::Faults);

impl Drop for ResumeDisksOnDrop {
    fn drop(&mut self) {
        for broker in 0..3 {
            self.0.resume_disk(broker);
        }
    }
}

fn produce_one(topic: &str, partition: i32, acks: i16) -> ProduceRequest {
    ProduceRequest::default()
        .with_acks(acks)
        .with_timeout_ms(30_000)
        .with_topic_data(vec![produce_request::TopicProduceData::default()
            .with_name(TopicName(StrBytes::from_string(topic.to_string())))
            .with_partition_data(vec![
                produce_request::PartitionProduceData::default()
                    .with_index(partition)
                    .with_records(Some(common::raw::one_record_batch("v"))),
            ])])
}

/// Produce requests sent back to back on one connection overlap at the leader (the next is
/// appended while earlier ones wait for their acks=all), and still every answer comes in
/// request order, a request of another kind in between is answered in its place, an acks=0
/// Produce is appended in its place and answered by nothing, and the records land in request
/// order. The followers replicate through one incremental fetch session each with the leader.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_produce_requests_are_answered_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 3, &[]).await;
    let addrs = addrs(&cluster.bootstrap_servers());
    let mut conn = RawConnection::connect(&addrs[0]).await;
    let created = common::raw::create_topic(&mut conn, "pipelined", 6, 3).await;
    assert_eq!(created.topics[0].error_code, 0);
    // CreateTopics answers once the controller committed the topic; broker 0 applies it a
    // moment later.
    let deadline = std::time::Instant::now() + TIMEOUT;
    while cluster
        .broker(0)
        .unwrap()
        .image()
        .topic("pipelined")
        .is_none_or(|t| t.partitions.len() < 6)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "broker 0 never learnt the topic"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let led: Vec<i32> = (0..6)
        .filter(|&p| {
            let broker = cluster.broker(0).unwrap();
            broker
                .image()
                .topic("pipelined")
                .and_then(|t| t.partitions.get(&p).map(|p| p.leader))
                == Some(0)
        })
        .collect();
    assert_eq!(led.len(), 2, "leaders are spread: broker 0 leads two");
    let (a, b) = (led[0], led[1]);

    // (partition, acks) of each Produce, with an ApiVersions after the fifth.
    let produces = [(a, -1), (b, -1), (a, -1), (b, -1), (a, -1)];
    let later = [(b, 0), (b, -1), (a, -1), (b, 1), (a, -1)];
    // (correlation id, the partition and base offset its answer must name).
    let mut expected = Vec::new();
    let mut next_offset = std::collections::HashMap::from([(a, 0i64), (b, 0i64)]);
    for (partition, acks) in produces {
        let id = conn
            .send_request(
                ApiKey::Produce,
                9,
                &produce_one("pipelined", partition, acks),
            )
            .await;
        let offset = next_offset.get_mut(&partition).unwrap();
        expected.push((id, Some((partition, *offset))));
        *offset += 1;
    }
    let id = conn
        .send_request(ApiKey::ApiVersions, 3, &ApiVersionsRequest::default())
        .await;
    expected.push((id, None));
    for (partition, acks) in later {
        let id = conn
            .send_request(
                ApiKey::Produce,
                9,
                &produce_one("pipelined", partition, acks),
            )
            .await;
        let offset = next_offset.get_mut(&partition).unwrap();
        if acks != 0 {
            expected.push((id, Some((partition, *offset))));
        }
        *offset += 1;
    }

    for (id, produced) in expected {
        let mut frame = tokio::time::timeout(TIMEOUT, conn.read_frame())
            .await
            .expect("answered in time")
            .expect("an answer");
        let Some((partition, base_offset)) = produced else {
            let header = ResponseHeader::decode(&mut frame, 0).unwrap();
            assert_eq!(
                header.correlation_id, id,
                "ApiVersions answered in its place"
            );
            continue;
        };
        let header_version = ApiKey::Produce.response_header_version(9);
        let header = ResponseHeader::decode(&mut frame, header_version).unwrap();
        assert_eq!(header.correlation_id, id, "answers come in request order");
        let response = ProduceResponse::decode(&mut frame, 9).unwrap();
        let answer = &response.responses[0].partition_responses[0];
        assert_eq!((answer.index, answer.error_code), (partition, 0));
        assert_eq!(answer.base_offset, base_offset, "request {id}");
    }

    // Each follower replicates what broker 0 leads through one incremental session.
    let deadline = std::time::Instant::now() + TIMEOUT;
    let leader = cluster.broker(0).unwrap();
    while leader.fetch_sessions.len() != 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "{} fetch sessions on the leader, not one per follower",
            leader.fetch_sessions.len()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    cluster.shutdown().await;
}

/// DescribeQuorum while the quorum commits (every commit republishes the leader's Raft
/// metrics). Answering once held the metrics' read lock while reading them again: with
/// openraft's core waiting to publish in between, both runtime workers blocked and the whole
/// process stopped answering (`kf top` polls DescribeQuorum; one CI run hung that way after a
/// broker restart). The cluster runs on a runtime of its own so that a hang fails the test
/// instead of stopping the clients' timers with it.
#[test]
fn describe_quorum_keeps_answering_while_the_quorum_commits() {
    let dir = tempfile::tempdir().unwrap();
    let cluster_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let cluster = cluster_runtime.block_on(start_cluster(dir.path(), 3, &[]));
    let bootstrap = cluster.bootstrap_servers();
    let controller = cluster_runtime.block_on(async {
        let deadline = std::time::Instant::now() + TIMEOUT;
        loop {
            if let Some(id) = cluster.controller_id() {
                break id;
            }
            assert!(std::time::Instant::now() < deadline, "no controller");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    });
    let clients = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let outcome: Result<(), String> = clients.block_on(async {
        let (stop_tx, stop) = tokio::sync::watch::channel(false);
        let controller_addr = addrs(&bootstrap)[controller as usize].clone();
        // Mostly the leader, whose own metrics are read; one follower, which asks the leader.
        let probed = [
            controller_addr.clone(),
            controller_addr,
            addrs(&bootstrap)[(controller as usize + 1) % 3].clone(),
        ];
        let probes: Vec<_> = probed
            .into_iter()
            .map(|addr| {
                let stop = stop.clone();
                tokio::spawn(async move {
                    let mut conn = RawConnection::connect(&addr).await;
                    let request = common::raw::describe_quorum_request();
                    while !*stop.borrow() {
                        let answered = tokio::time::timeout(
                            TIMEOUT,
                            conn.call::<_, DescribeQuorumResponse>(
                                ApiKey::DescribeQuorum,
                                2,
                                &request,
                            ),
                        )
                        .await;
                        if answered.is_err() {
                            return Err(format!(
                                "DescribeQuorum to {addr} unanswered for {TIMEOUT:?}"
                            ));
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        let mut conn = RawConnection::connect(&addrs(&bootstrap)[0]).await;
        for i in 0..40 {
            let created = tokio::time::timeout(
                TIMEOUT,
                common::raw::create_topic(&mut conn, &format!("t{i}"), 1, 1),
            )
            .await
            .map_err(|_| format!("CreateTopics t{i} unanswered for {TIMEOUT:?}"))?;
            assert_eq!(created.topics[0].error_code, 0);
        }
        stop_tx.send(true).unwrap();
        for probe in probes {
            probe.await.unwrap()?;
        }
        Ok(())
    });
    if let Err(hang) = outcome {
        // The cluster's workers may be blocked for good: leave them behind.
        cluster_runtime.shutdown_background();
        panic!("{hang}");
    }
    cluster_runtime.block_on(cluster.shutdown());
}

/// With two of three voters down no node can lead: DescribeQuorum answers
/// NOT_LEADER_OR_FOLLOWER, as Kafka's Raft client does when it is not the leader (it answered
/// no error and leader -1), and a leader again once a voter is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quorum_without_a_leader_answers_not_leader_or_follower() {
    let dir = tempfile::tempdir().unwrap();
    let mut cluster = start_cluster(dir.path(), 3, &[]).await;
    // The leader goes with another voter: the survivor, a follower, starts elections it cannot
    // win. (openraft's leader does not resign when it loses its majority, so the leader is not
    // the one kept.)
    let leader = cluster.controller_id().unwrap();
    let (gone, survivor) = ((leader + 1) % 3, (leader + 2) % 3);
    let survivor_addr = addrs(&cluster.bootstrap_servers())[survivor as usize].clone();
    cluster.kill_broker(leader).await.unwrap();
    cluster.kill_broker(gone).await.unwrap();
    let partition_of = |response: DescribeQuorumResponse| response.topics[0].partitions[0].clone();
    let deadline = std::time::Instant::now() + TIMEOUT;
    let leaderless = loop {
        let partition = partition_of(describe_quorum(&survivor_addr).await);
        if partition.error_code != 0 {
            break partition;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still described with two of three voters down: {partition:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(
        leaderless.error_code,
        ResponseError::NotLeaderOrFollower.code()
    );
    assert_eq!(leaderless.leader_id.0, -1);
    cluster.start_broker(gone).await.unwrap();
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        let partition = partition_of(describe_quorum(&survivor_addr).await);
        if partition.error_code == 0 {
            assert!(
                [gone, survivor].contains(&partition.leader_id.0),
                "{partition:?}"
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no leader again: {partition:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    cluster.shutdown().await;
}

/// A topic is known to every broker of the process once CreateTopics answers, even one the
/// controller's records reach late: a script's `create` then `use` against another broker works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_broker_knows_a_created_topic_when_create_topics_answers() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = std::sync::Arc::new(start_cluster(dir.path(), 3, &[]).await);
    let addrs = addrs(&cluster.bootstrap_servers());
    let leader = cluster.controller_id().unwrap();
    let (asked, late) = ((leader + 1) % 3, (leader + 2) % 3);
    // The controller's records reach `late` only 100 ms after the request (under the election
    // timeout, so the quorum keeps its leader).
    cluster.cut_link(leader, late);
    let healer = {
        let cluster = cluster.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            cluster.heal_link(leader, late);
        })
    };
    let mut conn = RawConnection::connect(&addrs[asked as usize]).await;
    let created = common::raw::create_topic(&mut conn, "known-at-once", 3, 1).await;
    assert_eq!(created.topics[0].error_code, 0, "{created:?}");
    let mut conn = RawConnection::connect(&addrs[late as usize]).await;
    let metadata = metadata_of(&mut conn, "known-at-once").await;
    assert_eq!(metadata.topics[0].error_code, 0, "{metadata:?}");
    assert_eq!(metadata.topics[0].partitions.len(), 3);
    healer.await.unwrap();
    std::sync::Arc::into_inner(cluster)
        .unwrap()
        .shutdown()
        .await;
}

/// Polls `consumer` until it has read `count` records; (partition, offset, value) of each.
async fn read_records(consumer: &mut Consumer, count: usize) -> Vec<(i32, i64, String)> {
    let deadline = std::time::Instant::now() + TIMEOUT;
    let mut read = Vec::new();
    while read.len() < count {
        assert!(
            std::time::Instant::now() < deadline,
            "read {} of {count} records: {read:?}",
            read.len()
        );
        read.extend(consumer.poll().await.unwrap().into_iter().map(|r| {
            let value = String::from_utf8(r.value.unwrap().to_vec()).unwrap();
            (r.partition, r.offset, value)
        }));
    }
    read
}

/// kf's consumer fetches from each broker in an incremental fetch session (KIP-227): after the
/// first, full, fetch, its fetches continue the session (the broker takes each next epoch)
/// while it reads every record once, records written after it caught up, and a seeked
/// partition again (its new position is sent: the broker's session held the old one); closing,
/// it closes them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kf_consumer_reads_through_incremental_fetch_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 3, &[]).await;
    let bootstrap = cluster.bootstrap_servers();
    create_topic(&bootstrap, "sessions", 6).await;
    let produce = |values: std::ops::Range<usize>| {
        let producer = producer(&bootstrap, &[]);
        for i in values {
            let value = i.to_string();
            let partition = i32::try_from(i % 6).unwrap();
            producer
                .send(
                    BaseRecord::<(), str>::to("sessions")
                        .partition(partition)
                        .payload(value.as_str()),
                )
                .unwrap();
        }
        assert_eq!(producer.flush(TIMEOUT), Ok(()));
    };
    let values = |read: &[(i32, i64, String)]| {
        let mut values: Vec<usize> = read.iter().map(|(_, _, v)| v.parse().unwrap()).collect();
        values.sort_unstable();
        values
    };
    produce(0..60);

    let mut config = kf::client::ClientConfig::new(&bootstrap);
    config.set("fetch.max.wait.ms", "100").unwrap();
    let mut consumer = Consumer::new(kf::client::Client::connect(config).await.unwrap());
    let all: Vec<_> = (0..6)
        .map(|p| (TopicPartition::new("sessions", p), StartOffset::Beginning))
        .collect();
    consumer.assign(&all).await.unwrap();
    let first = read_records(&mut consumer, 60).await;
    assert_eq!(values(&first), (0..60).collect::<Vec<_>>());

    // Written after the consumer caught up: its fetches name only the partitions whose
    // records it took.
    produce(60..90);
    let second = read_records(&mut consumer, 30).await;
    assert_eq!(values(&second), (60..90).collect::<Vec<_>>());

    let sessions = consumer.fetch_sessions();
    assert_eq!(sessions.len(), 3, "one session per leader: {sessions:?}");
    for (broker, id, epoch) in sessions {
        assert_ne!(id, 0, "broker {broker} opened a session");
        assert!(
            epoch >= 2,
            "broker {broker} took incremental fetches: epoch {epoch}"
        );
        let held = cluster.broker(broker).unwrap().fetch_sessions.len();
        assert_eq!(held, 1, "broker {broker} holds the consumer's session only");
    }

    // Partition 0 again from its start: 15 of the 90 records.
    consumer
        .seek(&TopicPartition::new("sessions", 0), 0)
        .unwrap();
    let again = read_records(&mut consumer, 15).await;
    let offsets: Vec<(i32, i64)> = again.iter().map(|(p, o, _)| (*p, *o)).collect();
    assert_eq!(offsets, (0..15).map(|o| (0, o)).collect::<Vec<_>>());

    // Closing, it closes each broker's session: the brokers hold none.
    consumer.close_fetch_sessions().await;
    assert!(consumer.fetch_sessions().is_empty());
    for broker in 0..3 {
        let held = cluster.broker(broker).unwrap().fetch_sessions.len();
        assert_eq!(held, 0, "broker {broker} closed the consumer's session");
    }
    cluster.shutdown().await;
}

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::support::{new_topic, wait_until, TestCluster, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_all_nodes_on_the_same_dirs_keeps_topics() {
    let mut cluster = TestCluster::start_registered(4).await;
    let results = cluster
        .create_topics(1, vec![new_topic("kept", 4)], false)
        .await;
    let topic_id = results[0].result.clone().unwrap().topic_id;
    let leader = cluster.wait_common_leader().await;
    let before = cluster.node(leader).image();
    for id in 0..4 {
        cluster
            .wait_image(id, |image| image == before.as_ref())
            .await;
    }
    cluster.stop_all().await;

    for id in 0..4 {
        cluster.start_node(id).await;
    }
    cluster.node(0).wait_for_leader(WAIT).await.unwrap();
    for id in 0..4 {
        cluster
            .wait_image(id, |image| {
                image.topic("kept").is_some_and(|t| t.topic_id == topic_id)
                    && image.cluster_id == before.cluster_id
            })
            .await;
    }
    // The restarted quorum still takes writes, through a learner too.
    let results = cluster
        .create_topics(3, vec![new_topic("after-restart", 1)], false)
        .await;
    assert!(results[0].result.is_ok(), "{results:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_from_a_snapshot_and_a_compacted_log() {
    let mut cluster = TestCluster::start_registered(1).await;
    cluster
        .create_topics(0, vec![new_topic("snap", 2)], false)
        .await;
    cluster.node(0).snapshot_and_compact(WAIT).await.unwrap();
    cluster
        .create_topics(0, vec![new_topic("tail", 1)], false)
        .await;
    let before = cluster.node(0).image();
    cluster.stop_all().await;

    cluster.start_node(0).await;
    cluster
        .wait_image(0, |image| image == before.as_ref())
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_learner_joining_after_compaction_receives_the_snapshot() {
    let mut cluster = TestCluster::start_registered(3).await;
    cluster
        .create_topics(0, vec![new_topic("early", 3)], false)
        .await;
    for id in 0..3 {
        cluster.node(id).snapshot_and_compact(WAIT).await.unwrap();
    }
    // Purging is asynchronous: wait until every voter dropped the entries the snapshot covers.
    let purged = wait_until(|| {
        (0..3)
            .all(|id| cluster.dir(id).join("purged.json").exists())
            .then_some(())
    })
    .await;
    assert!(purged.is_some(), "the voters never purged their logs");
    cluster.start_node(3).await;
    cluster.register(3).await;
    cluster
        .wait_image(3, |image| image.topic("early").is_some())
        .await;
}

/// The records of each entry of a node's metadata log file (frames of length, crc, JSON).
fn records_per_entry(dir: &std::path::Path) -> Vec<usize> {
    let bytes = std::fs::read(dir.join("metadata.log")).unwrap();
    let mut counts = Vec::new();
    let mut rest = bytes.as_slice();
    while rest.len() >= 8 {
        let length = u32::from_le_bytes(rest[..4].try_into().unwrap()) as usize;
        let entry: serde_json::Value = serde_json::from_slice(&rest[8..8 + length]).unwrap();
        if let Some(records) = entry["payload"]["Normal"]["records"].as_array() {
            counts.push(records.len());
        }
        rest = &rest[8 + length..];
    }
    counts
}

/// A whole quorum stopped and started again, as `kf cluster down` and `up`: each broker's
/// registration fences its old incarnation (every RF=1 partition it leads goes leaderless) and
/// elects it again, as Kafka's fencing and unfencing do, one partition change each. Those are
/// written in bounded entries, and every partition comes back led by its replica, two leader
/// epochs on, with its ISR.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_quorum_restart_brings_every_partition_back_in_bounded_entries() {
    use crate::metadata::controller::MAX_RECORDS_PER_ENTRY;
    const PARTITIONS: i32 = 3 * 4000;
    let mut cluster = TestCluster::start_registered(3).await;
    let results = cluster
        .create_topics(0, vec![new_topic("many", PARTITIONS)], false)
        .await;
    assert!(results[0].result.is_ok(), "{results:?}");
    let leader = cluster.wait_common_leader().await;
    let before = cluster.node(leader).image();
    for id in 0..3 {
        cluster
            .wait_image(id, |image| image == before.as_ref())
            .await;
    }
    cluster.stop_all().await;
    for id in 0..3 {
        cluster.start_node(id).await;
    }
    cluster.node(0).wait_for_leader(WAIT).await.unwrap();
    for id in 0..3 {
        cluster.register(id).await;
    }
    let back = |image: &crate::metadata::MetadataImage| {
        let (Some(now), Some(then)) = (image.topic("many"), before.topic("many")) else {
            return false;
        };
        now.partitions.len() == then.partitions.len()
            && now
                .partitions
                .values()
                .zip(then.partitions.values())
                .all(|(p, q)| {
                    p.leader == q.replicas[0]
                        && p.leader_epoch == q.leader_epoch + 2
                        && p.isr == q.isr
                        && p.replicas == q.replicas
                })
    };
    for id in 0..3 {
        cluster.wait_image(id, back).await;
    }
    cluster.stop_all().await;
    let counts = records_per_entry(&cluster.dir(0));
    assert!(
        counts
            .iter()
            .all(|n| *n <= MAX_RECORDS_PER_ENTRY || *n > PARTITIONS as usize),
        "an entry other than the topic's creation exceeds the bound: {counts:?}"
    );
    assert!(
        counts
            .iter()
            .filter(|n| **n == MAX_RECORDS_PER_ENTRY)
            .count()
            >= 3,
        "each registration (8,001 records) was split: {counts:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_entry_is_snapshotted_and_purged_and_a_restart_starts_from_the_snapshot() {
    let mut cluster = TestCluster::start_registered(1).await;
    cluster.stop_node(0).await;
    let mut config = crate::metadata::QuorumConfig::new(
        0,
        cluster.voters.clone(),
        cluster.dir(0),
        cluster.router.clone(),
        super::support::settings(),
    );
    config.max_bytes_between_snapshots = 4096;
    cluster.nodes.insert(
        0,
        crate::metadata::MetadataQuorum::start(config)
            .await
            .unwrap(),
    );
    cluster.node(0).wait_for_leader(WAIT).await.unwrap();
    // About 100 bytes per partition record: one entry well past the threshold.
    cluster
        .create_topics(0, vec![new_topic("large", 200)], false)
        .await;
    let log = cluster.dir(0).join("metadata.log");
    let compacted = wait_until(|| {
        let purged = cluster.dir(0).join("purged.json").exists();
        let small = std::fs::metadata(&log).is_ok_and(|m| m.len() < 4096);
        (purged && small).then_some(())
    })
    .await;
    assert!(compacted.is_some(), "the large entry was never purged");
    assert!(cluster.dir(0).join("snapshot.json").exists());
    let before = cluster.node(0).image();
    assert_eq!(before.topic("large").unwrap().partitions.len(), 200);
    cluster.stop_all().await;

    cluster.start_node(0).await;
    cluster
        .wait_image(0, |image| image == before.as_ref())
        .await;
}

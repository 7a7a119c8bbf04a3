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

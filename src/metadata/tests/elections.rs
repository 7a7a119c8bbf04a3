#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use super::support::{new_topic, TestCluster, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_quorum_of_three_elects_within_bounded_wait() {
    let started = Instant::now();
    let cluster = TestCluster::start(3).await;
    let leader = cluster.node(0).wait_for_leader(WAIT).await.unwrap();
    let elapsed = started.elapsed();
    assert!(cluster.voters.contains(&leader));
    // Bounded, not tight: the nudge elects at once, but the box may be loaded.
    assert!(
        elapsed < Duration::from_secs(10),
        "election took {elapsed:?}"
    );
    assert_eq!(cluster.wait_common_leader().await, leader);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_node_quorum_works() {
    let cluster = TestCluster::start_registered(1).await;
    assert_eq!(cluster.node(0).leader_id(), Some(0));
    assert!(cluster.node(0).is_leader());
    let results = cluster
        .create_topics(0, vec![new_topic("solo", 3)], false)
        .await;
    assert!(results[0].result.is_ok());
    // controller_call returns only once the caller's own image has the change.
    let image = cluster.node(0).image();
    assert_eq!(image.topic("solo").unwrap().partitions.len(), 3);
    assert!(image.cluster_id.is_some());
    let description = cluster.node(0).describe();
    assert_eq!(description.leader_id, 0);
    assert_eq!(description.voters.len(), 1);
    assert!(description.observers.is_empty());
    assert!(description.high_watermark > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutting_down_the_leader_elects_a_new_one_and_create_topics_works_through_any_node() {
    let mut cluster = TestCluster::start_registered(4).await;
    let old_leader = cluster.wait_common_leader().await;
    cluster.stop_node(old_leader).await;
    assert!(!cluster.router.registered().contains(&old_leader));
    let new_leader = cluster
        .wait_common_leader_other_than(Some(old_leader))
        .await;
    assert!(cluster.voters.contains(&new_leader));
    let survivors: Vec<i32> = cluster.nodes.keys().copied().collect();
    for through in survivors {
        let name = format!("after-failover-{through}");
        let results = cluster
            .create_topics(through, vec![new_topic(&name, 2)], false)
            .await;
        assert!(results[0].result.is_ok(), "{results:?}");
        assert!(cluster.node(through).image().topic(&name).is_some());
    }
}

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::support::{new_topic, TestCluster};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_voters_and_two_learners_converge_after_create_topics() {
    let cluster = TestCluster::start_registered(5).await;
    let leader = cluster.wait_common_leader().await;
    assert!(leader < 3, "only voters lead");
    let results = cluster
        .create_topics(4, vec![new_topic("orders", 6)], false)
        .await;
    let created = results[0].result.clone().unwrap();
    for id in 0..5 {
        cluster
            .wait_image(id, |image| {
                image
                    .topic("orders")
                    .is_some_and(|t| t.topic_id == created.topic_id && t.partitions.len() == 6)
            })
            .await;
    }
    // Every broker applies the same records, so all images end up equal to the leader's.
    let final_image = cluster.node(leader).image();
    for id in 0..5 {
        cluster
            .wait_image(id, |image| image == final_image.as_ref())
            .await;
    }
    let image = cluster.node(3).image();
    assert_eq!(image.alive_brokers().count(), 5);
    // Leaders spread round robin over the five alive brokers.
    let mut leaders: Vec<i32> = image
        .topic("orders")
        .unwrap()
        .partitions
        .values()
        .map(|p| p.leader)
        .collect();
    leaders.sort_unstable();
    leaders.dedup();
    assert_eq!(leaders.len(), 5);

    let description = cluster.node(leader).describe();
    assert_eq!(description.leader_id, leader);
    let voters: Vec<i32> = description.voters.iter().map(|r| r.replica_id).collect();
    let observers: Vec<i32> = description.observers.iter().map(|r| r.replica_id).collect();
    assert_eq!(voters, vec![0, 1, 2]);
    assert_eq!(observers, vec![3, 4]);
    assert!(description.voters.iter().all(|r| r.log_end_offset > 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registering_twice_is_idempotent_and_gives_a_new_broker_epoch() {
    let cluster = TestCluster::start_registered(4).await;
    let first = cluster.register(3).await;
    let second = cluster.register(3).await;
    assert!(second > first);
    let leader = cluster.wait_common_leader().await;
    let observers: Vec<i32> = cluster
        .node(leader)
        .describe()
        .observers
        .iter()
        .map(|r| r.replica_id)
        .collect();
    assert_eq!(observers, vec![3]);
}

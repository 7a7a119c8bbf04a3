#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use super::support::{new_topic, wait_until, TestCluster};
use crate::metadata::{ControllerRequest, QuorumConfig, QuorumError};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn isolated_leader_is_replaced_and_catches_up_after_heal() {
    let cluster = TestCluster::start_registered(3).await;
    let old_leader = cluster.wait_common_leader().await;
    cluster.router.isolate(old_leader);
    let others: Vec<i32> = (0..3).filter(|id| *id != old_leader).collect();
    let new_leader = wait_until(|| {
        let leaders: Vec<Option<i32>> = others
            .iter()
            .map(|id| cluster.node(*id).leader_id())
            .collect();
        match leaders[0] {
            Some(l) if l != old_leader && leaders.iter().all(|x| *x == Some(l)) => Some(l),
            _ => None,
        }
    })
    .await
    .expect("the majority never elected a new leader");
    let results = cluster
        .create_topics(others[0], vec![new_topic("during-partition", 1)], false)
        .await;
    assert!(results[0].result.is_ok(), "{results:?}");
    assert!(cluster
        .node(old_leader)
        .image()
        .topic("during-partition")
        .is_none());

    cluster.router.heal(old_leader);
    cluster
        .wait_image(old_leader, |image| {
            image.topic("during-partition").is_some()
        })
        .await;
    let healed_leader = cluster.wait_common_leader().await;
    assert_ne!(
        healed_leader, old_leader,
        "the stale leader must not win back with a lagging log"
    );
    let _ = new_leader;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controller_call_from_an_isolated_node_fails_within_its_timeout() {
    let cluster = TestCluster::start_registered(3).await;
    let leader = cluster.wait_common_leader().await;
    let follower = (0..3).find(|id| *id != leader).unwrap();
    cluster.router.isolate(follower);
    assert!(cluster.router.is_isolated(follower));
    let outcome = cluster
        .node(follower)
        .controller_call_within(
            ControllerRequest::CreateTopics {
                topics: vec![new_topic("unreachable", 1)],
                validate_only: false,
            },
            Duration::from_millis(500),
        )
        .await;
    assert!(
        matches!(
            outcome,
            Err(QuorumError::Timeout(_) | QuorumError::NotController)
        ),
        "{outcome:?}"
    );
    assert!(cluster.node(leader).image().topic("unreachable").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_the_majority_stops_writes_until_a_voter_returns() {
    let mut cluster = TestCluster::start_registered(3).await;
    let mut config = QuorumConfig::new(
        0,
        cluster.voters.clone(),
        cluster.dir(0),
        cluster.router.clone(),
        super::support::settings(),
    );
    config.request_timeout = Duration::from_millis(500);
    cluster.stop_node(1).await;
    cluster.stop_node(2).await;
    cluster.stop_node(0).await;
    cluster.nodes.insert(
        0,
        crate::metadata::MetadataQuorum::start(config)
            .await
            .unwrap(),
    );
    let outcome = cluster
        .node(0)
        .controller_call(ControllerRequest::CreateTopics {
            topics: vec![new_topic("no-majority", 1)],
            validate_only: false,
        })
        .await;
    assert!(outcome.is_err(), "{outcome:?}");
    cluster.start_node(1).await;
    let results = cluster
        .create_topics(1, vec![new_topic("majority-back", 1)], false)
        .await;
    assert!(results[0].result.is_ok(), "{results:?}");
}

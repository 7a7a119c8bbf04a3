//! A small in-process quorum for tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use tempfile::TempDir;

use crate::metadata::{
    ConfigResource, ControllerRequest, ControllerResponse, ControllerSettings, CreateTopicResult,
    MetadataImage, MetadataQuorum, NewTopic, QuorumConfig, QuorumRouter,
};

/// Generous: the test machine is a loaded 2-core box.
pub const WAIT: Duration = Duration::from_secs(30);

/// Accepts `retention.ms` (a number) and `cleanup.policy`; rejects every other name.
pub fn test_validator(
    _resource: &ConfigResource,
    name: &str,
    value: Option<&str>,
) -> Result<(), String> {
    match (name, value) {
        ("retention.ms", Some(v)) if v.parse::<i64>().is_err() => Err(format!(
            "Invalid value {v} for configuration retention.ms: Not a number of type LONG"
        )),
        ("retention.ms" | "cleanup.policy", _) => Ok(()),
        _ => Err(format!("Unknown topic config name: {name}")),
    }
}

pub fn settings() -> ControllerSettings {
    ControllerSettings::new(1, 1, test_validator)
}

pub fn new_topic(name: &str, num_partitions: i32) -> NewTopic {
    NewTopic {
        name: name.to_string(),
        num_partitions,
        replication_factor: -1,
        assignments: BTreeMap::new(),
        configs: BTreeMap::new(),
    }
}

pub struct TestCluster {
    pub router: QuorumRouter,
    pub root: TempDir,
    pub voters: Vec<i32>,
    pub nodes: BTreeMap<i32, MetadataQuorum>,
}

impl TestCluster {
    /// Starts `brokers` nodes (the first min(3, N) vote) without registering them.
    pub async fn start(brokers: i32) -> Self {
        let mut cluster = Self {
            router: QuorumRouter::new(),
            root: tempfile::tempdir().unwrap(),
            voters: (0..brokers.min(3)).collect(),
            nodes: BTreeMap::new(),
        };
        for id in 0..brokers {
            cluster.start_node(id).await;
        }
        cluster
    }

    /// Starts `brokers` nodes and registers each with the controller.
    pub async fn start_registered(brokers: i32) -> Self {
        let cluster = Self::start(brokers).await;
        for id in 0..brokers {
            cluster.register(id).await;
        }
        cluster
    }

    pub fn dir(&self, id: i32) -> PathBuf {
        self.root
            .path()
            .join(format!("broker-{id}"))
            .join("__cluster_metadata-0")
    }

    pub async fn start_node(&mut self, id: i32) {
        let config = QuorumConfig::new(
            id,
            self.voters.clone(),
            self.dir(id),
            self.router.clone(),
            settings(),
        );
        let quorum = MetadataQuorum::start(config).await.unwrap();
        self.nodes.insert(id, quorum);
    }

    pub async fn stop_node(&mut self, id: i32) {
        let quorum = self.nodes.remove(&id).unwrap();
        quorum.shutdown().await;
    }

    pub async fn stop_all(&mut self) {
        let ids: Vec<i32> = self.nodes.keys().copied().collect();
        for id in ids {
            self.stop_node(id).await;
        }
    }

    pub fn node(&self, id: i32) -> &MetadataQuorum {
        &self.nodes[&id]
    }

    pub async fn register(&self, id: i32) -> i64 {
        let response = self
            .node(id)
            .controller_call(ControllerRequest::RegisterBroker {
                broker_id: id,
                host: "127.0.0.1".to_string(),
                port: 9092 + id,
                rack: None,
                listeners: Vec::new(),
            })
            .await
            .unwrap();
        match response {
            ControllerResponse::RegisterBroker(Ok(epoch)) => epoch,
            other => panic!("unexpected registration response {other:?}"),
        }
    }

    pub async fn create_topics(
        &self,
        through: i32,
        topics: Vec<NewTopic>,
        validate_only: bool,
    ) -> Vec<CreateTopicResult> {
        let response = self
            .node(through)
            .controller_call(ControllerRequest::CreateTopics {
                topics,
                validate_only,
            })
            .await
            .unwrap();
        match response {
            ControllerResponse::CreateTopics(results) => results,
            other => panic!("unexpected response {other:?}"),
        }
    }

    /// Waits until the image of node `id` satisfies `condition`.
    pub async fn wait_image(&self, id: i32, condition: impl Fn(&MetadataImage) -> bool) {
        let mut images = self.node(id).subscribe();
        let reached = tokio::time::timeout(WAIT, images.wait_for(|image| condition(image))).await;
        assert!(
            matches!(reached, Ok(Ok(_))),
            "node {id} image never satisfied the condition: {:?}",
            self.node(id).image()
        );
    }

    /// Waits until every node agrees on one leader; returns it.
    pub async fn wait_common_leader(&self) -> i32 {
        self.wait_common_leader_other_than(None).await
    }

    /// Waits until every running node agrees on one leader that is not `former`.
    pub async fn wait_common_leader_other_than(&self, former: Option<i32>) -> i32 {
        let agreed = wait_until(|| {
            let leaders: Vec<Option<i32>> = self.nodes.values().map(|n| n.leader_id()).collect();
            match leaders.first() {
                Some(Some(leader))
                    if Some(*leader) != former && leaders.iter().all(|l| *l == Some(*leader)) =>
                {
                    Some(*leader)
                }
                _ => None,
            }
        });
        agreed.await.expect("the nodes never agreed on a leader")
    }
}

/// Polls `probe` (a cheap in-memory check of several nodes, which no single watch channel
/// covers) until it yields a value or [`WAIT`] passes.
pub async fn wait_until<T>(probe: impl Fn() -> Option<T>) -> Option<T> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(value) = probe() {
            return Some(value);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

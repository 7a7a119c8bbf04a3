//! [`MetadataQuorum`]: one broker's membership in the metadata quorum. It runs the broker's Raft
//! node (a voter for the first brokers, a learner otherwise) over the durable metadata log, keeps
//! the broker's [`MetadataImage`] current, runs the broker's controller, and routes controller
//! requests to whichever node is the active controller.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use openraft::error::{InitializeError, RaftError};
use openraft::ServerState;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use super::controller::{
    Committed, Controller, ControllerEnvelope, ControllerRequest, ControllerResponse,
    ControllerSettings,
};
use super::description::{self, QuorumDescription};
use super::image::MetadataImage;
use super::raft::disk_full::DiskFull;
use super::raft::log_store::LogStore;
use super::raft::network::{ActivityLog, QuorumNetworkFactory};
use super::raft::snapshots;
use super::raft::state_machine::{SharedSnapshot, StateMachine};
use super::raft::types::{broker_id, raft_node_id};
use super::raft::{MetadataRaft, QuorumRouter};

/// How long a controller request may take, retries included, unless configured otherwise.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

const HEARTBEAT_INTERVAL_MS: u64 = 50;
/// The most entries one AppendEntries carries (see `raft_config`).
const MAX_PAYLOAD_ENTRIES: u64 = 4;
const ELECTION_TIMEOUT_BASE_MS: u64 = 150;
const ELECTION_TIMEOUT_WIDTH_MS: u64 = 100;
/// A pause between attempts to reach the controller while leadership settles.
const RETRY_BACKOFF: Duration = Duration::from_millis(50);
/// How long a controller call waits, at most, for the other brokers of this process to apply
/// its records after this one has.
const PEERS_APPLY_WAIT: Duration = Duration::from_secs(1);
const CONTROLLER_MAILBOX: usize = 64;

#[derive(thiserror::Error, Debug)]
pub enum QuorumError {
    #[error("invalid quorum configuration: {0}")]
    InvalidConfig(String),
    #[error("metadata log storage failed: {0}")]
    Storage(#[from] std::io::Error),
    #[error("raft failed: {0}")]
    Raft(String),
    #[error("no active controller accepted the request")]
    NotController,
    #[error("timed out after {0:?}")]
    Timeout(Duration),
}

/// How a broker joins the quorum.
#[derive(Clone)]
pub struct QuorumConfig {
    pub node_id: i32,
    /// The voters' broker ids (the first min(3, N) brokers).
    pub voters: Vec<i32>,
    /// The metadata log directory, `<data-dir>/broker-<id>/__cluster_metadata-0/`.
    pub dir: PathBuf,
    pub router: QuorumRouter,
    pub controller: ControllerSettings,
    /// The bound on [`MetadataQuorum::controller_call`], retries included.
    pub request_timeout: Duration,
    /// KRaft's `metadata.log.max.record.bytes.between.snapshots` (see `raft::snapshots`).
    pub max_bytes_between_snapshots: u64,
    /// Shared by the nodes a process starts together, so that they decode a snapshot of the
    /// same log position once (see [`SharedSnapshot`]).
    pub shared_snapshot: SharedSnapshot,
}

impl QuorumConfig {
    pub fn new(
        node_id: i32,
        voters: Vec<i32>,
        dir: PathBuf,
        router: QuorumRouter,
        controller: ControllerSettings,
    ) -> Self {
        Self {
            node_id,
            voters,
            dir,
            router,
            controller,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_bytes_between_snapshots: snapshots::MAX_BYTES_BETWEEN_SNAPSHOTS,
            shared_snapshot: SharedSnapshot::default(),
        }
    }
}

pub struct MetadataQuorum {
    node_id: u64,
    voters: BTreeSet<u64>,
    raft: MetadataRaft,
    router: QuorumRouter,
    log_store: LogStore,
    image: watch::Receiver<Arc<MetadataImage>>,
    applied_index: watch::Receiver<Option<u64>>,
    activity: ActivityLog,
    /// The tasks that call into this node's Raft: the controller, and the one that snapshots
    /// the image once the log past the last snapshot exceeds
    /// [`QuorumConfig::max_bytes_between_snapshots`]. Stopped before Raft is (empty after).
    tasks: Mutex<Vec<JoinHandle<()>>>,
    request_timeout: Duration,
}

impl MetadataQuorum {
    /// Opens the metadata log, starts Raft and the controller, and joins the router. A voter
    /// helps the quorum elect at once instead of waiting out an election timeout.
    pub async fn start(config: QuorumConfig) -> Result<Self, QuorumError> {
        if config.node_id < 0 || config.voters.is_empty() || config.voters.iter().any(|v| *v < 0) {
            return Err(QuorumError::InvalidConfig(format!(
                "node {} with voters {:?}",
                config.node_id, config.voters
            )));
        }
        let node_id = raft_node_id(config.node_id);
        let voters: BTreeSet<u64> = config.voters.iter().map(|v| raft_node_id(*v)).collect();
        let disk_full = DiskFull::new(&config.dir);
        let log_store = LogStore::open(&config.dir, disk_full.clone())?;
        let state_machine = StateMachine::open(&config.dir, disk_full, &config.shared_snapshot)?;
        let image = state_machine.subscribe();
        let applied_index = state_machine.subscribe_applied_index();
        let activity = ActivityLog::default();
        let network = QuorumNetworkFactory {
            source: node_id,
            router: config.router.clone(),
            activity: activity.clone(),
        };
        let raft = MetadataRaft::new(
            node_id,
            raft_config(
                voters
                    .iter()
                    .position(|v| *v == node_id)
                    .unwrap_or(voters.len()),
            )?,
            network,
            log_store.clone(),
            state_machine,
        )
        .await
        .map_err(|e| QuorumError::Raft(e.to_string()))?;
        let snapshot_task = tokio::spawn(snapshots::snapshot_by_size(
            raft.clone(),
            log_store.clone(),
            applied_index.clone(),
            config.max_bytes_between_snapshots,
        ));
        let (controller_tx, controller_rx) = mpsc::channel(CONTROLLER_MAILBOX);
        let controller_task =
            Controller::new(raft.clone(), image.clone(), config.controller).spawn(controller_rx);
        let describer = {
            let raft = raft.clone();
            let log_store = log_store.clone();
            let activity = activity.clone();
            Arc::new(move || describe_node(&raft, &log_store, &activity))
        };
        config.router.register(
            node_id,
            raft.clone(),
            controller_tx,
            describer,
            applied_index.clone(),
        );
        if voters.contains(&node_id) {
            bootstrap_if_first(&raft, node_id, &voters).await?;
            nudge_election(&config.router, &voters).await;
        }
        Ok(Self {
            node_id,
            voters,
            raft,
            router: config.router,
            log_store,
            image,
            applied_index,
            activity,
            tasks: Mutex::new(vec![controller_task, snapshot_task]),
            request_timeout: config.request_timeout,
        })
    }

    pub fn node_id(&self) -> i32 {
        broker_id(self.node_id)
    }

    /// The latest image this broker has applied.
    pub fn image(&self) -> Arc<MetadataImage> {
        self.image.borrow().clone()
    }

    pub fn subscribe(&self) -> watch::Receiver<Arc<MetadataImage>> {
        self.image.clone()
    }

    /// The log index of the last entry this broker applied.
    pub fn applied_index(&self) -> Option<u64> {
        *self.applied_index.borrow()
    }

    /// The active controller, as far as this broker knows. A broker that does not replicate the
    /// log yet (a learner before its registration) asks the voters it can reach, as a Kafka
    /// broker discovers the controller through `controller.quorum.voters`.
    pub fn leader_id(&self) -> Option<i32> {
        let own = self.raft.metrics().borrow().current_leader;
        own.or_else(|| {
            self.voters
                .iter()
                .filter_map(|voter| self.router.raft(self.node_id, *voter))
                .find_map(|raft| raft.metrics().borrow().current_leader)
        })
        .map(broker_id)
    }

    /// Whether this broker is the active controller.
    pub fn is_leader(&self) -> bool {
        self.raft.metrics().borrow().state == ServerState::Leader
    }

    /// Waits until an active controller is known (see [`Self::leader_id`]).
    pub async fn wait_for_leader(&self, timeout: Duration) -> Result<i32, QuorumError> {
        let deadline = Instant::now() + timeout;
        let mut metrics = self.raft.metrics();
        loop {
            if let Some(leader) = self.leader_id() {
                return Ok(leader);
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(QuorumError::Timeout(timeout));
            }
            // Own metrics announce a leader at once; the voters' view is polled.
            let changed =
                tokio::time::timeout(remaining.min(RETRY_BACKOFF), metrics.changed()).await;
            if let Ok(Err(_)) = changed {
                return Err(QuorumError::Raft("raft stopped".into()));
            }
        }
    }

    /// The quorum as DescribeQuorum reports it; complete only on the active controller.
    pub fn describe(&self) -> QuorumDescription {
        describe_node(&self.raft, &self.log_store, &self.activity)
    }

    /// The quorum as the active controller describes it (a Kafka broker forwards DescribeQuorum
    /// to the controller); this node's own view when the controller cannot be reached; `None`
    /// while no node leads (an election, or too few voters running to hold one).
    pub fn describe_from_leader(&self) -> Option<QuorumDescription> {
        // Copied out in a statement of its own: a watch borrow holds the metrics' read lock
        // until the statement ends, and describing reads them again; with openraft's core
        // waiting to publish metrics in between, that second read never returns (no reader
        // passes a waiting writer) and the process's runtime workers block for good.
        let leader = self.raft.metrics().borrow().current_leader?;
        Some(
            Some(leader)
                .filter(|leader| *leader != self.node_id)
                .and_then(|leader| self.router.describe(self.node_id, leader))
                .unwrap_or_else(|| self.describe()),
        )
    }

    /// Sends `request` to the active controller, following leadership changes until the request
    /// timeout; returns once this broker's own image includes the change.
    pub async fn controller_call(
        &self,
        request: ControllerRequest,
    ) -> Result<ControllerResponse, QuorumError> {
        self.controller_call_within(request, self.request_timeout)
            .await
    }

    /// [`Self::controller_call`] with its own bound, e.g. a short one for a FenceBroker sent at
    /// shutdown, when the quorum may already have lost its majority.
    pub async fn controller_call_within(
        &self,
        request: ControllerRequest,
        timeout: Duration,
    ) -> Result<ControllerResponse, QuorumError> {
        let deadline = Instant::now() + timeout;
        let mut refused = false;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(match refused {
                    true => QuorumError::NotController,
                    false => QuorumError::Timeout(timeout),
                });
            }
            let leader = match self.wait_for_leader(remaining).await {
                Ok(leader) => leader,
                Err(QuorumError::Timeout(_)) => continue,
                Err(error) => return Err(error),
            };
            match self.send(leader, request.clone(), deadline).await {
                Some(Ok(committed)) => {
                    self.wait_applied(committed.log_index, deadline, timeout)
                        .await?;
                    self.wait_peers_applied(committed.log_index, deadline).await;
                    return Ok(committed.response);
                }
                Some(Err(_)) => refused = true,
                None => {}
            }
            let pause = RETRY_BACKOFF.min(deadline.saturating_duration_since(Instant::now()));
            tokio::time::sleep(pause).await;
        }
    }

    /// One attempt; `None` when the controller could not be reached or did not answer.
    async fn send(
        &self,
        leader: i32,
        request: ControllerRequest,
        deadline: Instant,
    ) -> Option<Result<Committed, super::controller::ControllerError>> {
        let mailbox = self.router.controller(self.node_id, raft_node_id(leader))?;
        let (reply, answer) = oneshot::channel();
        mailbox
            .send(ControllerEnvelope { request, reply })
            .await
            .ok()?;
        let remaining = deadline.saturating_duration_since(Instant::now());
        tokio::time::timeout(remaining, answer).await.ok()?.ok()
    }

    async fn wait_applied(
        &self,
        index: Option<u64>,
        deadline: Instant,
        timeout: Duration,
    ) -> Result<(), QuorumError> {
        let Some(index) = index else {
            return Ok(());
        };
        let mut applied = self.applied_index.clone();
        let remaining = deadline.saturating_duration_since(Instant::now());
        let reached = async {
            let result = applied.wait_for(|a| a.is_some_and(|a| a >= index)).await;
            result.map(|_| ())
        };
        match tokio::time::timeout(remaining, reached).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(_)) => Err(QuorumError::Raft("state machine stopped".into())),
            Err(_) => Err(QuorumError::Timeout(timeout)),
        }
    }

    /// Gives the other brokers of this process, those in the quorum's membership and linked to
    /// this one, a moment to apply up to `index` too. Kafka answers once the controller has
    /// committed and lets brokers catch up on their own; a client that creates a topic and then
    /// asks another broker's Metadata would find it missing for a few milliseconds. In one
    /// process the wait is cheap, so a script's `create` then `use` just works. Best effort:
    /// a slow or stopped peer only bounds the wait.
    async fn wait_peers_applied(&self, index: Option<u64>, deadline: Instant) {
        let Some(index) = index else {
            return;
        };
        let members: Vec<u64> = self
            .raft
            .metrics()
            .borrow()
            .membership_config
            .membership()
            .nodes()
            .map(|(id, _)| *id)
            .collect();
        let peers = self.router.applied_indexes(self.node_id, members);
        let all_applied =
            futures::future::join_all(peers.into_iter().map(|mut applied| async move {
                // A stopped peer's sender is gone: nothing to wait for.
                let _ = applied.wait_for(|a| a.is_some_and(|a| a >= index)).await;
            }));
        let bound = PEERS_APPLY_WAIT.min(deadline.saturating_duration_since(Instant::now()));
        if tokio::time::timeout(bound, all_applied).await.is_err() {
            tracing::debug!(index, "a broker of this process applies the metadata late");
        }
    }

    /// Writes a snapshot of this broker's image and drops the log entries it covers, as KRaft's
    /// metadata snapshots do. Purging is asynchronous in openraft; the log shrinks shortly after.
    pub async fn snapshot_and_compact(&self, timeout: Duration) -> Result<(), QuorumError> {
        snapshots::snapshot_and_compact(&self.raft, timeout).await
    }

    /// Leaves the router, stops the controller and Raft.
    pub async fn shutdown(&self) {
        // No call may reach Raft once it stopped (openraft reports each as a fatal error): the
        // other nodes' links stop finding it and finish the calls they made, and this node's
        // own tasks are cancelled and awaited, before it stops.
        self.router.deregister(self.node_id).await;
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(PoisonError::into_inner));
        for task in tasks {
            task.abort();
            // Cancelled (or done): either way it no longer runs.
            let _ = task.await;
        }
        if let Err(error) = self.raft.shutdown().await {
            tracing::warn!(node = self.node_id, %error, "raft did not stop cleanly");
        }
    }
}

fn describe_node(
    raft: &MetadataRaft,
    log_store: &LogStore,
    activity: &ActivityLog,
) -> QuorumDescription {
    let activity = activity.lock().unwrap_or_else(|p| p.into_inner()).clone();
    description::describe(
        &raft.metrics().borrow(),
        log_store.committed().map(|id| id.index),
        &activity,
    )
}

/// Voter `index` gets its own election window, so voters rarely time out together and split
/// the vote (openraft 0.9 can otherwise split votes for a long time).
fn raft_config(voter_index: usize) -> Result<Arc<openraft::Config>, QuorumError> {
    let offset = ELECTION_TIMEOUT_WIDTH_MS * voter_index as u64;
    let config = openraft::Config {
        cluster_name: "kf-metadata".to_string(),
        heartbeat_interval: HEARTBEAT_INTERVAL_MS,
        election_timeout_min: ELECTION_TIMEOUT_BASE_MS + offset,
        election_timeout_max: ELECTION_TIMEOUT_BASE_MS + ELECTION_TIMEOUT_WIDTH_MS + offset,
        // openraft gives an AppendEntries one heartbeat interval to be persisted by the
        // follower: with the controller's entries bounded (`MAX_RECORDS_PER_ENTRY`), so is one
        // AppendEntries, where openraft's default (300 entries) could carry a whole restart's
        // leader changes and time out again at every retry.
        max_payload_entries: MAX_PAYLOAD_ENTRIES,
        ..Default::default()
    };
    config
        .validate()
        .map(Arc::new)
        .map_err(|e| QuorumError::InvalidConfig(e.to_string()))
}

/// The lowest voter writes the initial membership into an empty log; the others learn it from
/// the leader.
async fn bootstrap_if_first(
    raft: &MetadataRaft,
    node_id: u64,
    voters: &BTreeSet<u64>,
) -> Result<(), QuorumError> {
    if voters.first() != Some(&node_id) {
        return Ok(());
    }
    let initialized = raft
        .is_initialized()
        .await
        .map_err(|e| QuorumError::Raft(e.to_string()))?;
    if initialized {
        return Ok(());
    }
    match raft.initialize(voters.clone()).await {
        Ok(()) | Err(RaftError::APIError(InitializeError::NotAllowed(_))) => Ok(()),
        Err(error) => Err(QuorumError::Raft(error.to_string())),
    }
}

/// When no running voter leads, asks the lowest running voter to stand for election now rather
/// than after its election timeout. A voter that cannot win yet (too few voters running) will be
/// nudged again when the next voter starts. Not while a running voter's stored vote is a
/// committed one for a voter: a restarted cluster's last leader resumes leading as it starts
/// (openraft restores it), and a rival candidacy, before or after it starts, cost the whole
/// start an election timeout (250-450 ms at every restart of a 100,000-partition cluster); if
/// that leader does not come, the voters' own election timeouts elect another.
async fn nudge_election(router: &QuorumRouter, voters: &BTreeSet<u64>) {
    let running: BTreeMap<u64, MetadataRaft> = router
        .running()
        .into_iter()
        .filter(|(id, _)| voters.contains(id))
        .collect();
    let has_leader = running.values().any(|raft| {
        let metrics = raft.metrics();
        let metrics = metrics.borrow();
        let resuming = metrics.vote.is_committed()
            && metrics
                .vote
                .leader_id()
                .voted_for()
                .is_some_and(|leader| voters.contains(&leader));
        metrics.state == ServerState::Leader || resuming
    });
    if has_leader {
        return;
    }
    if let Some((id, raft)) = running.iter().next() {
        if let Err(error) = raft.trigger().elect().await {
            tracing::debug!(node = id, %error, "could not trigger an election");
        }
    }
}

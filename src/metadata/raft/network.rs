//! The in-process transport of the metadata quorum. [`QuorumRouter`] is the registry of the
//! nodes running in this process (node id -> its Raft handle and its controller mailbox); a Raft
//! RPC is a direct call on the target's handle. Links are the cluster's fault table
//! (`cluster::faults`): while a node is isolated, or the link to it cut, every message fails as
//! `Unreachable`, as a partitioned network would.

use crate::clock::now_ms;
use crate::cluster::faults::Faults;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use openraft::error::{
    InstallSnapshotError, NetworkError, RPCError, RaftError, RemoteError, Unreachable,
};
use openraft::network::{Backoff, RPCOption, RaftNetwork, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse,
    VoteRequest, VoteResponse,
};
use openraft::EmptyNode;
use tokio::sync::{mpsc, watch};

use super::types::{broker_id, MetadataRaft, MetadataTypeConfig};
use crate::metadata::controller::ControllerEnvelope;
use crate::metadata::description::QuorumDescription;

/// How long replication waits before retrying an unreachable node; short, so a healed link is
/// used again quickly.
const UNREACHABLE_BACKOFF: Duration = Duration::from_millis(100);

#[derive(thiserror::Error, Debug)]
#[error("node {0} is unreachable")]
struct NodeUnreachable(u64);

/// Describes a node's view of the quorum; the leader's view is the complete one.
pub type QuorumDescriber = Arc<dyn Fn() -> QuorumDescription + Send + Sync>;

#[derive(Clone)]
struct RegisteredNode {
    /// Held (shared) by every call made on `raft` through a link, and taken whole when the node
    /// leaves: it then waits for the calls under way, so that none reaches a stopped Raft.
    calls: Arc<tokio::sync::RwLock<()>>,
    raft: MetadataRaft,
    controller: mpsc::Sender<ControllerEnvelope>,
    describer: QuorumDescriber,
    /// The log index the node's state machine last applied.
    applied_index: watch::Receiver<Option<u64>>,
}

#[derive(Default)]
struct Registry {
    nodes: BTreeMap<u64, RegisteredNode>,
}

/// The registry of running quorum nodes and their links. Cheap to clone; all clones share state.
#[derive(Clone, Default)]
pub struct QuorumRouter {
    registry: Arc<Mutex<Registry>>,
    faults: Faults,
}

impl QuorumRouter {
    pub fn new() -> Self {
        Self::default()
    }

    /// A router whose links are `faults` (the cluster's one table).
    pub fn with_faults(faults: Faults) -> Self {
        Self {
            registry: Arc::default(),
            faults,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Registry> {
        self.registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Cuts every link to and from `broker_id`.
    pub fn isolate(&self, broker_id: i32) {
        self.faults.isolate(broker_id);
    }

    /// Restores the links of `broker_id`.
    pub fn heal(&self, broker_id: i32) {
        self.faults.heal(broker_id);
    }

    pub fn is_isolated(&self, broker_id: i32) -> bool {
        self.faults.is_isolated(broker_id)
    }

    /// The broker ids of the running nodes.
    pub fn registered(&self) -> Vec<i32> {
        self.lock().nodes.keys().map(|id| broker_id(*id)).collect()
    }

    pub(crate) fn register(
        &self,
        node_id: u64,
        raft: MetadataRaft,
        controller: mpsc::Sender<ControllerEnvelope>,
        describer: QuorumDescriber,
        applied_index: watch::Receiver<Option<u64>>,
    ) {
        self.lock().nodes.insert(
            node_id,
            RegisteredNode {
                calls: Arc::default(),
                raft,
                controller,
                describer,
                applied_index,
            },
        );
    }

    /// Removes the node, once the calls links were making on it have returned.
    pub(crate) async fn deregister(&self, node_id: u64) {
        let removed = self.lock().nodes.remove(&node_id);
        if let Some(node) = removed {
            let _ = node.calls.write().await;
        }
    }

    fn reachable(&self, from: u64, to: u64) -> Option<RegisteredNode> {
        if !self.faults.linked(broker_id(from), broker_id(to)) {
            return None;
        }
        self.lock().nodes.get(&to).cloned()
    }

    /// The Raft handle of `to` as seen from `from`; `None` when stopped or cut off.
    pub(crate) fn raft(&self, from: u64, to: u64) -> Option<MetadataRaft> {
        self.reachable(from, to).map(|node| node.raft)
    }

    /// [`Self::raft`] for a call: with the guard that keeps `to` from stopping until the call
    /// returns; `None` when stopped, stopping or cut off.
    fn raft_for_call(
        &self,
        from: u64,
        to: u64,
    ) -> Option<(MetadataRaft, tokio::sync::OwnedRwLockReadGuard<()>)> {
        let node = self.reachable(from, to)?;
        let guard = node.calls.clone().try_read_owned().ok()?;
        Some((node.raft, guard))
    }

    /// The controller mailbox of `to` as seen from `from`; `None` when stopped or cut off.
    pub(crate) fn controller(
        &self,
        from: u64,
        to: u64,
    ) -> Option<mpsc::Sender<ControllerEnvelope>> {
        self.reachable(from, to).map(|node| node.controller)
    }

    /// The quorum as node `to` describes it, as seen from `from`; `None` when stopped or cut off.
    pub(crate) fn describe(&self, from: u64, to: u64) -> Option<QuorumDescription> {
        self.reachable(from, to).map(|node| (node.describer)())
    }

    /// The applied log index of each node in `members` that runs in this process and that
    /// `from` is linked to, `from` itself left out.
    pub(crate) fn applied_indexes(
        &self,
        from: u64,
        members: impl IntoIterator<Item = u64>,
    ) -> Vec<watch::Receiver<Option<u64>>> {
        members
            .into_iter()
            .filter(|to| *to != from)
            .filter_map(|to| self.reachable(from, to))
            .map(|node| node.applied_index)
            .collect()
    }

    /// The Raft handles of every running node (for local bookkeeping such as election nudges,
    /// which act within the node itself, not across a link).
    pub(crate) fn running(&self) -> BTreeMap<u64, MetadataRaft> {
        self.lock()
            .nodes
            .iter()
            .map(|(id, node)| (*id, node.raft.clone()))
            .collect()
    }
}

/// What the leader last saw of one replica, for DescribeQuorum. Milliseconds since the epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplicaActivity {
    pub last_fetch_timestamp: i64,
    pub last_caught_up_timestamp: i64,
}

/// Per-target activity as observed by one node's outgoing replication.
pub type ActivityLog = Arc<Mutex<BTreeMap<u64, ReplicaActivity>>>;

/// One node's factory of outgoing links.
pub struct QuorumNetworkFactory {
    pub source: u64,
    pub router: QuorumRouter,
    pub activity: ActivityLog,
}

impl RaftNetworkFactory<MetadataTypeConfig> for QuorumNetworkFactory {
    type Network = QuorumLink;

    async fn new_client(&mut self, target: u64, _node: &EmptyNode) -> QuorumLink {
        QuorumLink {
            source: self.source,
            target,
            router: self.router.clone(),
            activity: self.activity.clone(),
        }
    }
}

/// A link from one node to another through the router.
pub struct QuorumLink {
    source: u64,
    target: u64,
    router: QuorumRouter,
    activity: ActivityLog,
}

impl QuorumLink {
    /// The target's Raft and the guard to hold while calling it.
    fn target_raft(
        &self,
    ) -> Result<(MetadataRaft, tokio::sync::OwnedRwLockReadGuard<()>), Box<Unreachable>> {
        self.router
            .raft_for_call(self.source, self.target)
            .ok_or_else(|| Box::new(Unreachable::new(&NodeUnreachable(self.target))))
    }

    fn record_fetch(&self, caught_up: bool) {
        let now = now_ms();
        let mut activity = self.activity.lock().unwrap_or_else(|p| p.into_inner());
        let entry = activity.entry(self.target).or_default();
        entry.last_fetch_timestamp = now;
        if caught_up {
            entry.last_caught_up_timestamp = now;
        }
    }

    /// A message that was sent but lost (the link was cut meanwhile) is a network error.
    fn check_still_linked(&self) -> Result<(), Box<NetworkError>> {
        match self.router.raft(self.source, self.target) {
            Some(_) => Ok(()),
            None => Err(Box::new(NetworkError::new(&NodeUnreachable(self.target)))),
        }
    }
}

impl RaftNetwork<MetadataTypeConfig> for QuorumLink {
    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<MetadataTypeConfig>,
        _option: RPCOption,
    ) -> Result<AppendEntriesResponse<u64>, RPCError<u64, EmptyNode, RaftError<u64>>> {
        let (raft, _call) = self.target_raft().map_err(|e| RPCError::Unreachable(*e))?;
        let sent_upto = rpc
            .entries
            .last()
            .map(|e| e.log_id.index)
            .or(rpc.prev_log_id.map(|id| id.index));
        let leader_commit = rpc.leader_commit.map(|id| id.index);
        let response = raft
            .append_entries(rpc)
            .await
            .map_err(|e| RPCError::RemoteError(RemoteError::new(self.target, e)))?;
        self.check_still_linked()
            .map_err(|e| RPCError::Network(*e))?;
        let caught_up = response.is_success() && sent_upto >= leader_commit;
        self.record_fetch(caught_up);
        Ok(response)
    }

    async fn install_snapshot(
        &mut self,
        rpc: InstallSnapshotRequest<MetadataTypeConfig>,
        _option: RPCOption,
    ) -> Result<
        InstallSnapshotResponse<u64>,
        RPCError<u64, EmptyNode, RaftError<u64, InstallSnapshotError>>,
    > {
        let (raft, _call) = self.target_raft().map_err(|e| RPCError::Unreachable(*e))?;
        let response = raft
            .install_snapshot(rpc)
            .await
            .map_err(|e| RPCError::RemoteError(RemoteError::new(self.target, e)))?;
        self.check_still_linked()
            .map_err(|e| RPCError::Network(*e))?;
        Ok(response)
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<u64>,
        _option: RPCOption,
    ) -> Result<VoteResponse<u64>, RPCError<u64, EmptyNode, RaftError<u64>>> {
        let (raft, _call) = self.target_raft().map_err(|e| RPCError::Unreachable(*e))?;
        let response = raft
            .vote(rpc)
            .await
            .map_err(|e| RPCError::RemoteError(RemoteError::new(self.target, e)))?;
        self.check_still_linked()
            .map_err(|e| RPCError::Network(*e))?;
        Ok(response)
    }

    fn backoff(&self) -> Backoff {
        Backoff::new(std::iter::repeat(UNREACHABLE_BACKOFF))
    }
}

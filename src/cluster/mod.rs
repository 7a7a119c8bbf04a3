//! A local cluster: N brokers in this process, each with its own listeners (by default one on
//! `BASE + i`; see `listeners.rs`), its own log directory `<data-dir>/broker-<i>/` and its own metadata image. The first min(3, N)
//! brokers are the metadata quorum's voters. Also the state file and control socket through which
//! other `kf` commands find and steer a running `kf cluster up`.

pub mod control;
pub mod faults;
pub mod listeners;
pub mod state;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::broker::lifecycle::{register, run_heartbeats};
use crate::broker::{
    partitions::run_partition_sync, Broker, BrokerListener, InterBrokerRouter, ListenerName,
};
use crate::client::cluster_metadata::{is_offline, is_under_replicated};
use crate::config::listeners::{ListenerConfig, ListenerError};
use crate::config::{BrokerConfig, ConfigError};
use crate::coord::partition_loader::run_partition_loader;
use crate::log::{LogManager, OfflinePartition, OpenFileLimit};
use crate::metadata::{
    ControllerRequest, ControllerSettings, ListenerEndpoint, MetadataImage, MetadataQuorum,
    QuorumConfig, QuorumError, QuorumRouter, SharedSnapshot,
};
use faults::Faults;
use listeners::{advertised, bind, bind_all, default_listeners, host_port, ListenerInfo};

/// How long `start` waits for the quorum to elect a controller.
const ELECTION_TIMEOUT: Duration = Duration::from_secs(15);
/// The metadata quorum's size: like KRaft, three voters are plenty for a dev cluster.
const MAX_VOTERS: usize = 3;

#[derive(Debug, Clone)]
pub struct ClusterConfig {
    pub brokers: usize,
    /// Broker i listens on `base_port + i`; 0 picks free ports. Stands for `listeners` when
    /// the broker properties do not set it.
    pub base_port: u16,
    /// What `base_port` is bound to; a wildcard here is also what a listener with an empty host
    /// binds to (0.0.0.0 otherwise).
    pub bind: IpAddr,
    pub data_dir: PathBuf,
    /// Broker i's `broker.rack` is `racks[i % len]` (`kf cluster up --racks a,b,c`); empty
    /// leaves `broker.rack` as the broker properties set it.
    pub racks: Vec<String>,
    /// Kafka broker properties (`num.partitions`, `log.segment.bytes`, ...).
    pub broker_properties: BTreeMap<String, String>,
}

#[derive(Debug, Error)]
pub enum ClusterError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Listeners(#[from] ListenerError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("data directory {path} is not usable: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the logs of broker {broker_id}: {message}")]
    Logs { broker_id: i32, message: String },
    #[error("metadata quorum: {0}")]
    Quorum(#[from] QuorumError),
    #[error("the brokers must number 1 or more")]
    NoBrokers,
    #[error("broker {0} is not part of this cluster")]
    UnknownBroker(i32),
    #[error("broker {0} is already running")]
    AlreadyRunning(i32),
    #[error("broker {0} is not running")]
    NotRunning(i32),
}

struct RunningBroker {
    broker: Arc<Broker>,
    listeners: Vec<BrokerListener>,
    tasks: Vec<JoinHandle<()>>,
}

pub struct Cluster {
    config: ClusterConfig,
    broker_config: BrokerConfig,
    /// The process's open-file limit after raising it at start.
    open_file_limit: Option<OpenFileLimit>,
    /// The links between brokers, which both `router` and `peers` consult.
    faults: Faults,
    router: QuorumRouter,
    peers: InterBrokerRouter,
    /// Every broker's listener configuration, ports moved up by its id.
    listener_configs: BTreeMap<i32, ListenerConfig>,
    /// Every broker's bound listeners, kept when it stops so it restarts on the same ports.
    bound: BTreeMap<i32, Vec<(ListenerName, SocketAddr)>>,
    running: BTreeMap<i32, RunningBroker>,
}

impl Cluster {
    /// Starts every broker and returns once each listener is up and a controller is elected.
    pub async fn start(config: ClusterConfig) -> Result<Cluster, ClusterError> {
        if config.brokers == 0 {
            return Err(ClusterError::NoBrokers);
        }
        let broker_config = BrokerConfig::from_properties(&config.broker_properties)?;
        let listener_config = ListenerConfig::from_properties(
            &config.broker_properties,
            &default_listeners(config.bind, config.base_port),
        )?;
        let mut listener_configs = BTreeMap::new();
        for i in 0..config.brokers {
            let index = u16::try_from(i).unwrap_or(u16::MAX);
            listener_configs.insert(i as i32, listener_config.for_broker(index)?);
        }
        prepare_dir(&config.data_dir)?;
        let open_file_limit = crate::log::configure_open_files(
            usize::try_from(broker_config.log_open_files_max).unwrap_or(0),
        );
        let wildcard = if config.bind.is_unspecified() {
            config.bind
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        };
        let mut listeners = Vec::with_capacity(config.brokers);
        for listener_config in listener_configs.values() {
            listeners.push(bind_all(listener_config, wildcard).await?);
        }
        let faults = Faults::new();
        let mut cluster = Cluster {
            broker_config,
            open_file_limit,
            router: QuorumRouter::with_faults(faults.clone()),
            peers: InterBrokerRouter::with_faults(faults.clone()),
            faults,
            listener_configs,
            bound: BTreeMap::new(),
            running: BTreeMap::new(),
            config,
        };
        for (i, broker_listeners) in listeners.iter().enumerate() {
            let mut bound = Vec::with_capacity(broker_listeners.len());
            for (name, listener) in broker_listeners {
                let addr = listener.local_addr().map_err(|source| ClusterError::Bind {
                    addr: SocketAddr::new(cluster.config.bind, 0),
                    source,
                })?;
                bound.push((name.clone(), addr));
            }
            cluster.bound.insert(i as i32, bound);
        }
        // The brokers' metadata nodes decode a snapshot of one log position once, and drop it
        // once all have started.
        let shared_snapshot = SharedSnapshot::default();
        let mut starts = Vec::new();
        for (i, broker_listeners) in listeners.into_iter().enumerate() {
            starts.push(cluster.start_broker_on(i as i32, broker_listeners, &shared_snapshot));
        }
        let started = futures::future::try_join_all(starts).await?;
        drop(shared_snapshot);
        for running in started {
            cluster.running.insert(running.broker.broker_id, running);
        }
        cluster.register_all().await?;
        // Registered, each broker's image has caught up with the metadata log.
        for running in cluster.running.values() {
            sweep_strays(&running.broker);
        }
        cluster.wait_until_brokers_known().await?;
        Ok(cluster)
    }

    fn voters(&self) -> Vec<i32> {
        (0..self.config.brokers.min(MAX_VOTERS) as i32).collect()
    }

    /// The rack `--racks` gives broker `broker_id`, in turn.
    fn rack_of(&self, broker_id: i32) -> Option<String> {
        let racks = &self.config.racks;
        let index = usize::try_from(broker_id).ok()?.checked_rem(racks.len())?;
        racks.get(index).cloned()
    }

    fn broker_dir(&self, broker_id: i32) -> PathBuf {
        self.config.data_dir.join(format!("broker-{broker_id}"))
    }

    async fn start_broker_on(
        &self,
        broker_id: i32,
        listeners: Vec<(ListenerName, TcpListener)>,
        shared_snapshot: &SharedSnapshot,
    ) -> Result<RunningBroker, ClusterError> {
        let dir = self.broker_dir(broker_id);
        let offline_retry = u64::try_from(self.broker_config.log_offline_retry_ms).unwrap_or(1);
        let logs = LogManager::open(&dir)
            .map_err(|e| ClusterError::Logs {
                broker_id,
                message: e.to_string(),
            })?
            .with_offline_retry(Duration::from_millis(offline_retry));
        let mut quorum_config = QuorumConfig::new(
            broker_id,
            self.voters(),
            dir.join(crate::log::METADATA_LOG_DIR),
            self.router.clone(),
            controller_settings(&self.broker_config),
        );
        quorum_config.shared_snapshot = shared_snapshot.clone();
        let quorum = MetadataQuorum::start(quorum_config).await?;
        let listener_config = self
            .listener_configs
            .get(&broker_id)
            .ok_or(ClusterError::UnknownBroker(broker_id))?;
        let bound = self.bound.get(&broker_id).map_or(&[][..], Vec::as_slice);
        let mut broker_config = self.broker_config.clone();
        if let Some(rack) = self.rack_of(broker_id) {
            broker_config.broker_rack = rack;
        }
        let broker = Broker::new(
            broker_id,
            broker_config,
            advertised(listener_config, bound),
            listener_config.inter_broker_listener.clone(),
            quorum,
            logs,
            self.peers.clone(),
        );
        let tasks = vec![
            tokio::spawn(run_partition_sync(broker.clone())),
            tokio::spawn(crate::broker::retention::run_retention(broker.clone())),
            tokio::spawn(run_partition_loader(
                broker.clone(),
                broker.groups.clone(),
                broker.groups.partitions.clone(),
            )),
            tokio::spawn(crate::coord::txn::sync::run_txn_coordinator(broker.clone())),
            tokio::spawn(crate::broker::cleaner::run_cleaner(broker.clone())),
            tokio::spawn(run_heartbeats(broker.clone())),
            tokio::spawn(crate::broker::partitions::run_high_watermark_checkpoints(
                broker.clone(),
            )),
        ];
        let mut running = Vec::with_capacity(listeners.len());
        for (name, listener) in listeners {
            let addr = listener.local_addr().map_err(|source| ClusterError::Bind {
                addr: SocketAddr::new(self.config.bind, 0),
                source,
            })?;
            running.push(
                BrokerListener::start(broker.clone(), name, listener)
                    .map_err(|source| ClusterError::Bind { addr, source })?,
            );
        }
        Ok(RunningBroker {
            broker,
            listeners: running,
            tasks,
        })
    }

    /// Waits for a controller, then registers every running broker with it.
    async fn register_all(&self) -> Result<(), ClusterError> {
        let registrations = self
            .running
            .values()
            .map(|r| register(&r.broker, ELECTION_TIMEOUT));
        futures::future::try_join_all(registrations).await?;
        Ok(())
    }

    /// Waits until every running broker's own image has every running broker registered and
    /// alive, so that the first Metadata or DescribeCluster answer of any broker lists them all
    /// (a registration is committed before every broker has applied it).
    async fn wait_until_brokers_known(&self) -> Result<(), ClusterError> {
        // The listeners too: after a restart the image holds the last run's registrations, alive
        // and with the old ports, until the new ones are applied.
        let expected: Vec<(i32, &[ListenerEndpoint])> = self
            .running
            .values()
            .map(|r| (r.broker.broker_id, r.broker.advertised_listeners.as_slice()))
            .collect();
        for running in self.running.values() {
            let mut images = running.broker.quorum.subscribe();
            let knows_all = |image: &Arc<MetadataImage>| {
                expected.iter().all(|(id, listeners)| {
                    image
                        .brokers
                        .get(id)
                        .is_some_and(|b| b.alive && b.listeners == *listeners)
                })
            };
            tokio::time::timeout(ELECTION_TIMEOUT, images.wait_for(knows_all))
                .await
                .map_err(|_| QuorumError::Timeout(ELECTION_TIMEOUT))?
                .map_err(|_| QuorumError::Raft("the metadata image stopped".into()))?;
        }
        Ok(())
    }

    /// `host:port` every running broker advertises on its first listener, comma separated, as
    /// clients take it.
    pub fn bootstrap_servers(&self) -> String {
        self.running
            .values()
            .filter_map(|r| r.broker.advertised_listeners.first())
            .map(|e| host_port(&e.host, e.port))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// `host:port` every running broker advertises on `listener`, comma separated.
    pub fn listener_bootstrap_servers(&self, listener: &str) -> String {
        self.running
            .values()
            .filter_map(|r| {
                let name = listener.to_ascii_uppercase();
                r.broker
                    .advertised_listeners
                    .iter()
                    .find(|e| e.name == name)
            })
            .map(|e| host_port(&e.host, e.port))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Every broker's listeners, running or not: where each is bound and what it advertises.
    pub fn broker_listeners(&self) -> BTreeMap<i32, Vec<ListenerInfo>> {
        self.bound
            .iter()
            .map(|(id, bound)| {
                let advertised = self
                    .listener_configs
                    .get(id)
                    .map(|c| advertised(c, bound))
                    .unwrap_or_default();
                let infos = bound
                    .iter()
                    .map(|(name, addr)| ListenerInfo {
                        name: name.as_str().to_string(),
                        bound: addr.to_string(),
                        advertised: advertised
                            .iter()
                            .find(|e: &&ListenerEndpoint| e.name == name.as_str())
                            .map(|e| host_port(&e.host, e.port))
                            .unwrap_or_default(),
                    })
                    .collect();
                (*id, infos)
            })
            .collect()
    }

    /// A running broker, for what tests check inside it.
    pub fn broker(&self, broker_id: i32) -> Option<Arc<Broker>> {
        self.running.get(&broker_id).map(|r| r.broker.clone())
    }

    pub fn is_running(&self, broker_id: i32) -> bool {
        self.running.contains_key(&broker_id)
    }

    pub fn data_dir(&self) -> &Path {
        &self.config.data_dir
    }

    /// The open-file limit the process runs with (after raising it at start).
    pub fn open_file_limit(&self) -> Option<OpenFileLimit> {
        self.open_file_limit
    }

    /// The partitions each running broker cannot serve now, with the reason.
    pub fn offline_partitions(&self) -> Vec<(i32, OfflinePartition)> {
        self.running
            .iter()
            .flat_map(|(id, r)| {
                r.broker
                    .logs
                    .offline_partitions()
                    .into_iter()
                    .map(move |p| (*id, p))
            })
            .collect()
    }

    /// The broker that is the active controller, as the running brokers see it.
    pub fn controller_id(&self) -> Option<i32> {
        self.running
            .values()
            .find_map(|r| r.broker.quorum.leader_id())
    }

    /// Stops one broker in-process, as a crash would, but cleanly: its listener closes, its
    /// metadata node leaves the quorum's transport, and it is fenced when a controller remains.
    pub async fn stop_broker(&mut self, broker_id: i32) -> Result<(), ClusterError> {
        let running = self
            .running
            .remove(&broker_id)
            .ok_or(ClusterError::UnknownBroker(broker_id))?;
        stop_running(running).await;
        if let Some(other) = self.running.values().next() {
            // Best effort: with no controller left there is nobody to tell.
            let _ = other
                .broker
                .quorum
                .controller_call(ControllerRequest::FenceBroker { broker_id })
                .await;
        }
        Ok(())
    }

    /// Messages from broker `from` to broker `to` (inter-broker requests and the quorum's) are
    /// lost until [`Self::heal_link`].
    pub fn cut_link(&self, from: i32, to: i32) {
        self.faults.cut(from, to);
    }

    pub fn heal_link(&self, from: i32, to: i32) {
        self.faults.heal_link(from, to);
    }

    /// The cluster's table of links.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    fn check_known(&self, broker_id: i32) -> Result<(), ClusterError> {
        match self.bound.contains_key(&broker_id) {
            true => Ok(()),
            false => Err(ClusterError::UnknownBroker(broker_id)),
        }
    }

    /// Cuts `broker_id` off from every other broker and from the metadata quorum, both ways;
    /// its listeners still answer clients. Its session at the controller then expires.
    pub fn isolate(&self, broker_id: i32) -> Result<(), ClusterError> {
        self.check_known(broker_id)?;
        self.faults.isolate(broker_id);
        Ok(())
    }

    /// Restores every link of `broker_id`, or of every broker.
    pub fn heal(&self, broker_id: Option<i32>) -> Result<(), ClusterError> {
        match broker_id {
            Some(id) => {
                self.check_known(id)?;
                self.faults.heal(id);
            }
            None => self.faults.heal_all(),
        }
        Ok(())
    }

    /// Stops one broker as a crash would: listeners closed, tasks ended, its quorum node gone,
    /// nothing flushed or marked clean (the next start recovers its logs); its data stays. The
    /// controller fences it once its session expires.
    pub async fn kill_broker(&mut self, broker_id: i32) -> Result<(), ClusterError> {
        self.check_known(broker_id)?;
        let running = self
            .running
            .remove(&broker_id)
            .ok_or(ClusterError::NotRunning(broker_id))?;
        for listener in running.listeners {
            listener.stop();
        }
        running.broker.stop();
        for task in running.tasks {
            task.abort();
        }
        running.broker.groups.shutdown();
        running.broker.quorum.shutdown().await;
        Ok(())
    }

    /// The metadata image of the active controller (else of any running broker).
    pub fn image(&self) -> Option<Arc<MetadataImage>> {
        let controller = self.controller_id();
        controller
            .and_then(|id| self.running.get(&id))
            .or_else(|| self.running.values().next())
            .map(|r| r.broker.image())
    }

    /// Restarts a stopped broker on its old address and data.
    pub async fn start_broker(&mut self, broker_id: i32) -> Result<(), ClusterError> {
        if self.running.contains_key(&broker_id) {
            return Err(ClusterError::AlreadyRunning(broker_id));
        }
        let bound = self
            .bound
            .get(&broker_id)
            .ok_or(ClusterError::UnknownBroker(broker_id))?
            .clone();
        let mut listeners = Vec::with_capacity(bound.len());
        for (name, addr) in bound {
            listeners.push((name, bind(addr).await?));
        }
        let running = self
            .start_broker_on(broker_id, listeners, &SharedSnapshot::default())
            .await?;
        register(&running.broker, ELECTION_TIMEOUT).await?;
        sweep_strays(&running.broker);
        self.running.insert(broker_id, running);
        self.wait_until_brokers_known().await
    }

    /// Stops every broker, followers first and the controller last.
    pub async fn shutdown(mut self) {
        let controller = self.controller_id();
        let mut order: Vec<i32> = self.running.keys().copied().collect();
        order.sort_by_key(|id| Some(*id) == controller);
        for id in order {
            if let Some(running) = self.running.remove(&id) {
                stop_running(running).await;
            }
        }
    }
}

async fn stop_running(running: RunningBroker) {
    for listener in running.listeners {
        listener.stop();
    }
    running.broker.stop();
    for task in running.tasks {
        task.abort();
    }
    running.broker.groups.shutdown();
    // Written before the logs' shutdown, whose filesystem syncs make it durable.
    if let Err(e) = running.broker.replicas.checkpoint_high_watermarks(false) {
        tracing::warn!(broker = running.broker.broker_id, error = %e, "writing the high watermark checkpoint at shutdown");
    }
    // A clean stop moves every log's recovery point and leaves the clean-shutdown marker, so
    // the next start need not scan them.
    if let Err(e) = running.broker.logs.shutdown() {
        tracing::warn!(broker = running.broker.broker_id, error = %e, "flushing logs at shutdown");
    }
    running.broker.quorum.shutdown().await;
}

/// How many partitions are under-replicated and offline in an image.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PartitionHealth {
    /// ISR smaller than the replica set.
    pub under_replicated: u64,
    /// No leader.
    pub offline: u64,
}

pub fn partition_health(image: &MetadataImage) -> PartitionHealth {
    let mut health = PartitionHealth::default();
    for partition in image.topics.values().flat_map(|t| t.partitions.values()) {
        if is_offline(partition.leader) {
            health.offline += 1;
        }
        if is_under_replicated(&partition.isr, &partition.replicas) {
            health.under_replicated += 1;
        }
    }
    health
}

/// What the controller takes from the broker configs.
fn controller_settings(config: &BrokerConfig) -> ControllerSettings {
    let non_negative = |v: i64| u64::try_from(v).unwrap_or(0);
    ControllerSettings {
        broker_session_timeout_ms: non_negative(i64::from(config.broker_session_timeout_ms)),
        unclean_leader_election_enable: config.unclean_leader_election_enable,
        auto_leader_rebalance_enable: config.auto_leader_rebalance_enable,
        transaction_version: config.transaction_version,
        leader_imbalance_check_interval_ms: non_negative(
            config
                .leader_imbalance_check_interval_seconds
                .saturating_mul(1000),
        ),
        ..ControllerSettings::new(
            config.num_partitions,
            i16::try_from(config.default_replication_factor).unwrap_or(i16::MAX),
            crate::config::validate_resource_config,
        )
    }
}

fn prepare_dir(path: &Path) -> Result<(), ClusterError> {
    let err = |source| ClusterError::DataDir {
        path: path.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(path).map_err(err)?;
    let probe = path.join(".kf-write-check");
    std::fs::write(&probe, b"").map_err(err)?;
    std::fs::remove_file(&probe).map_err(err)?;
    Ok(())
}

/// Deletes a broker's stray logs (see [`Broker::remove_stray_partitions`]) on a blocking thread,
/// not on the way to ready: it reads every partition directory's topic id, which at 100,000
/// partitions takes longer than the rest of a start. A log opened meanwhile checks its own.
fn sweep_strays(broker: &Arc<Broker>) {
    let broker = Arc::clone(broker);
    tokio::task::spawn_blocking(move || broker.remove_stray_partitions());
}

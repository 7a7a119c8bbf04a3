//! A local cluster: N brokers in this process, each with its own listener on `BASE + i`, its
//! own log directory `<data-dir>/broker-<i>/` and its own metadata image. The first min(3, N)
//! brokers are the metadata quorum's voters. Also the state file and control socket through which
//! other `kf` commands find and steer a running `kf cluster up`.

pub mod control;
pub mod state;

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::broker::{partitions::run_partition_sync, Broker, BrokerListener, InterBrokerRouter};
use crate::config::{BrokerConfig, ConfigError};
use crate::log::{LogManager, OfflinePartition, OpenFileLimit};
use crate::metadata::{
    ControllerRequest, ControllerSettings, MetadataImage, MetadataQuorum, QuorumConfig,
    QuorumError, QuorumRouter,
};

/// How long `start` waits for the quorum to elect a controller.
const ELECTION_TIMEOUT: Duration = Duration::from_secs(15);
/// The metadata quorum's size: like KRaft, three voters are plenty for a dev cluster.
const MAX_VOTERS: usize = 3;

#[derive(Debug, Clone)]
pub struct ClusterConfig {
    pub brokers: usize,
    /// Broker i listens on `base_port + i`; 0 picks free ports.
    pub base_port: u16,
    pub bind: IpAddr,
    pub data_dir: PathBuf,
    /// Kafka broker properties (`num.partitions`, `log.segment.bytes`, ...).
    pub broker_properties: BTreeMap<String, String>,
}

#[derive(Debug, Error)]
pub enum ClusterError {
    #[error("{0}")]
    Config(#[from] ConfigError),
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
}

struct RunningBroker {
    broker: Arc<Broker>,
    listener: BrokerListener,
    tasks: Vec<JoinHandle<()>>,
}

pub struct Cluster {
    config: ClusterConfig,
    broker_config: BrokerConfig,
    /// The process's open-file limit after raising it at start.
    open_file_limit: Option<OpenFileLimit>,
    router: QuorumRouter,
    peers: InterBrokerRouter,
    /// Every broker's address, kept when it stops so it restarts on the same port.
    addrs: BTreeMap<i32, SocketAddr>,
    running: BTreeMap<i32, RunningBroker>,
}

impl Cluster {
    /// Starts every broker and returns once each listener is up and a controller is elected.
    pub async fn start(config: ClusterConfig) -> Result<Cluster, ClusterError> {
        if config.brokers == 0 {
            return Err(ClusterError::NoBrokers);
        }
        let broker_config = BrokerConfig::from_properties(&config.broker_properties)?;
        prepare_dir(&config.data_dir)?;
        let open_file_limit = crate::log::configure_open_files(
            usize::try_from(broker_config.log_open_files_max).unwrap_or(0),
        );
        let mut listeners = Vec::with_capacity(config.brokers);
        for i in 0..config.brokers {
            let port = if config.base_port == 0 {
                0
            } else {
                config.base_port.saturating_add(i as u16)
            };
            listeners.push(bind(SocketAddr::new(config.bind, port)).await?);
        }
        let mut cluster = Cluster {
            broker_config,
            open_file_limit,
            router: QuorumRouter::new(),
            peers: InterBrokerRouter::new(),
            addrs: BTreeMap::new(),
            running: BTreeMap::new(),
            config,
        };
        let mut starts = Vec::new();
        for (i, listener) in listeners.iter().enumerate() {
            let addr = listener.local_addr().map_err(|source| ClusterError::Bind {
                addr: SocketAddr::new(cluster.config.bind, 0),
                source,
            })?;
            cluster.addrs.insert(i as i32, addr);
        }
        for (i, listener) in listeners.into_iter().enumerate() {
            starts.push(cluster.start_broker_on(i as i32, listener));
        }
        let started = futures::future::try_join_all(starts).await?;
        for running in started {
            cluster.running.insert(running.broker.broker_id, running);
        }
        cluster.register_all().await?;
        cluster.wait_until_brokers_known().await?;
        Ok(cluster)
    }

    fn voters(&self) -> Vec<i32> {
        (0..self.config.brokers.min(MAX_VOTERS) as i32).collect()
    }

    fn broker_dir(&self, broker_id: i32) -> PathBuf {
        self.config.data_dir.join(format!("broker-{broker_id}"))
    }

    async fn start_broker_on(
        &self,
        broker_id: i32,
        listener: TcpListener,
    ) -> Result<RunningBroker, ClusterError> {
        let addr = listener.local_addr().map_err(|source| ClusterError::Bind {
            addr: SocketAddr::new(self.config.bind, 0),
            source,
        })?;
        let dir = self.broker_dir(broker_id);
        let logs = LogManager::open(&dir).map_err(|e| ClusterError::Logs {
            broker_id,
            message: e.to_string(),
        })?;
        let quorum = MetadataQuorum::start(QuorumConfig::new(
            broker_id,
            self.voters(),
            dir.join("__cluster_metadata-0"),
            self.router.clone(),
            ControllerSettings {
                num_partitions: self.broker_config.num_partitions,
                default_replication_factor: i16::try_from(
                    self.broker_config.default_replication_factor,
                )
                .unwrap_or(i16::MAX),
                validate_config: crate::config::validate_resource_config,
            },
        ))
        .await?;
        let broker = Broker::new(
            broker_id,
            self.broker_config.clone(),
            advertised_host(addr.ip()),
            addr.port() as i32,
            quorum,
            logs,
            self.peers.clone(),
        );
        let tasks = vec![
            tokio::spawn(run_partition_sync(broker.clone())),
            tokio::spawn(crate::broker::retention::run_retention(broker.clone())),
            tokio::spawn(crate::coord::txn::sync::run_txn_coordinator(broker.clone())),
            tokio::spawn(crate::broker::cleaner::run_cleaner(broker.clone())),
        ];
        let listener = BrokerListener::start(broker.clone(), listener)
            .map_err(|source| ClusterError::Bind { addr, source })?;
        Ok(RunningBroker {
            broker,
            listener,
            tasks,
        })
    }

    /// Waits for a controller, then registers every running broker with it.
    async fn register_all(&self) -> Result<(), ClusterError> {
        let registrations = self.running.values().map(|r| register(&r.broker));
        futures::future::try_join_all(registrations).await?;
        Ok(())
    }

    /// Waits until every running broker's own image has every running broker registered and
    /// alive, so that the first Metadata or DescribeCluster answer of any broker lists them all
    /// (a registration is committed before every broker has applied it).
    async fn wait_until_brokers_known(&self) -> Result<(), ClusterError> {
        // The address too: after a restart the image holds the last run's registrations, alive
        // and with the old ports, until the new ones are applied.
        let expected: Vec<(i32, i32)> = self
            .running
            .values()
            .map(|r| (r.broker.broker_id, r.broker.advertised_port))
            .collect();
        for running in self.running.values() {
            let mut images = running.broker.quorum.subscribe();
            let knows_all = |image: &Arc<MetadataImage>| {
                expected.iter().all(|(id, port)| {
                    image
                        .brokers
                        .get(id)
                        .is_some_and(|b| b.alive && b.port == *port)
                })
            };
            tokio::time::timeout(ELECTION_TIMEOUT, images.wait_for(knows_all))
                .await
                .map_err(|_| QuorumError::Timeout(ELECTION_TIMEOUT))?
                .map_err(|_| QuorumError::Raft("the metadata image stopped".into()))?;
        }
        Ok(())
    }

    /// `host:port` of every running broker, comma separated, as clients take it.
    pub fn bootstrap_servers(&self) -> String {
        self.running
            .keys()
            .filter_map(|id| self.addrs.get(id))
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Every broker's id and address, running or not.
    pub fn broker_addrs(&self) -> &BTreeMap<i32, SocketAddr> {
        &self.addrs
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

    /// Requests from broker `from` to broker `to` (WriteTxnMarkers) fail until
    /// [`Self::heal_link`]: fault injection on the inter-broker path.
    pub fn cut_link(&self, from: i32, to: i32) {
        self.peers.cut(from, to);
    }

    pub fn heal_link(&self, from: i32, to: i32) {
        self.peers.heal(from, to);
    }

    /// Restarts a stopped broker on its old address and data.
    pub async fn start_broker(&mut self, broker_id: i32) -> Result<(), ClusterError> {
        if self.running.contains_key(&broker_id) {
            return Err(ClusterError::AlreadyRunning(broker_id));
        }
        let addr = *self
            .addrs
            .get(&broker_id)
            .ok_or(ClusterError::UnknownBroker(broker_id))?;
        let listener = bind(addr).await?;
        let running = self.start_broker_on(broker_id, listener).await?;
        register(&running.broker).await?;
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

async fn register(broker: &Broker) -> Result<(), ClusterError> {
    broker.quorum.wait_for_leader(ELECTION_TIMEOUT).await?;
    broker
        .quorum
        .controller_call(ControllerRequest::RegisterBroker {
            broker_id: broker.broker_id,
            host: broker.advertised_host.clone(),
            port: broker.advertised_port,
            rack: None,
        })
        .await?;
    Ok(())
}

async fn stop_running(running: RunningBroker) {
    running.listener.stop();
    running.broker.stop();
    for task in running.tasks {
        task.abort();
    }
    // A clean stop moves every log's recovery point and leaves the clean-shutdown marker, so
    // the next start need not scan them.
    if let Err(e) = running.broker.logs.shutdown() {
        tracing::warn!(broker = running.broker.broker_id, error = %e, "flushing logs at shutdown");
    }
    running.broker.quorum.shutdown().await;
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, ClusterError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| ClusterError::Bind { addr, source })
}

/// Clients must be told an address they can reach: a wildcard bind advertises loopback.
fn advertised_host(ip: IpAddr) -> String {
    if ip.is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        ip.to_string()
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

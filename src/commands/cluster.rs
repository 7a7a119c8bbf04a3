//! `kf cluster up|down|status` (and `kill|start|isolate|heal` through `cluster_faults.rs`)

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use serde::Deserialize;
use tokio::signal::unix::{signal, Signal, SignalKind};

use crate::cli::cluster::{ClusterCommand, StateArgs, UpArgs};
use crate::cluster::control::{
    self, BrokerState as BrokerRunState, ClusterStatus, ControlRequest, ControlResponse,
};
use crate::cluster::listeners::ListenerInfo;
use crate::cluster::state::{control_socket_path, default_data_dir, BrokerState, ClusterState};
use crate::cluster::{Cluster, ClusterConfig};
use crate::config::listeners::{ADVERTISED_LISTENERS, LISTENERS};
use crate::output::{render, table};

use super::{cluster_faults, UsageError};

const DEFAULT_BROKERS: usize = 3;
const DEFAULT_PORT: u16 = 9092;
/// How the ready banner's last line begins: `--detach` waits for it in the cluster's log.
const BANNER_LAST_LINE: &str = "data directory: ";
/// How often a running cluster checks that its data directory still exists.
const DATA_DIR_CHECK_INTERVAL: Duration = Duration::from_secs(2);
const DATA_DIR_REMOVED: &str = "its data directory was removed";
/// How long `--detach` waits for the background cluster to be ready.
const DETACH_READY_TIMEOUT: Duration = Duration::from_secs(60);

pub async fn run(command: ClusterCommand) -> anyhow::Result<()> {
    match command {
        ClusterCommand::Up(args) => up(args).await,
        ClusterCommand::Down(args) => down(args).await,
        ClusterCommand::Status(args) => status(args).await,
        ClusterCommand::Info(args) => super::cluster_info::run(args).await,
        ClusterCommand::Kill(args) => {
            let request = ControlRequest::Kill {
                broker_id: args.broker_id,
            };
            cluster_faults::send(args.data_dir.as_deref(), &request).await
        }
        ClusterCommand::Start(args) => {
            let request = ControlRequest::Start {
                broker_id: args.broker_id,
            };
            cluster_faults::send(args.data_dir.as_deref(), &request).await
        }
        ClusterCommand::Isolate(args) => {
            let request = ControlRequest::Isolate {
                broker_id: args.broker_id,
            };
            cluster_faults::send(args.data_dir.as_deref(), &request).await
        }
        ClusterCommand::Heal(args) => {
            let request = ControlRequest::Heal {
                broker_id: args.broker_id,
            };
            cluster_faults::send(args.data_dir.as_deref(), &request).await
        }
    }
}

/// The YAML file of `--config`: the same settings as the flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ClusterFile {
    brokers: Option<usize>,
    port: Option<u16>,
    data_dir: Option<PathBuf>,
    bind: Option<IpAddr>,
    #[serde(default)]
    racks: Vec<String>,
    #[serde(default)]
    broker_config: BTreeMap<String, serde_json::Value>,
}

fn load_cluster_file(path: &Path) -> anyhow::Result<ClusterFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    serde_saphyr::from_str(&text).map_err(|e| anyhow!("config file {}: {e}", path.display()))
}

/// A YAML scalar as the string Kafka's property parser would see.
fn property_value(key: &str, value: serde_json::Value) -> anyhow::Result<String> {
    match value {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        serde_json::Value::Bool(b) => Ok(b.to_string()),
        other => bail!("broker-config {key}: expected a single value, got {other}"),
    }
}

/// Splits `KEY=VALUE`.
pub fn parse_key_value(arg: &str, flag: &str) -> Result<(String, String), UsageError> {
    match arg.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(UsageError(format!("{flag} expects KEY=VALUE, got '{arg}'"))),
    }
}

/// Broker configs a dev cluster sets unless told otherwise (README lists them), as Kafka's own
/// `config/server.properties` does for development: a new group's first rebalance does not wait
/// 3 s for more members; a killed or isolated broker is fenced, and its partitions elect new
/// leaders, within 3 s rather than 9 s; leaders move back to preferred replicas within 10 s of a
/// broker's return rather than 5 minutes. A Fetch answer carries at most 8 MiB rather than
/// 55 MiB: on one machine a round trip costs microseconds, while a client takes each answer into
/// one fresh buffer before it hands out a record (librdkafka spent most of its consuming CPU
/// clearing new pages for 15-20 MB answers; BENCHMARKS.md, 2026-12-01).
pub const DEV_BROKER_DEFAULTS: &[(&str, &str)] = &[
    ("group.initial.rebalance.delay.ms", "0"),
    ("broker.session.timeout.ms", "3000"),
    ("broker.heartbeat.interval.ms", "500"),
    ("leader.imbalance.check.interval.seconds", "10"),
    ("fetch.max.bytes", "8388608"),
];

fn cluster_config(args: &UpArgs) -> anyhow::Result<ClusterConfig> {
    let file = match &args.config {
        Some(path) => load_cluster_file(path)?,
        None => ClusterFile::default(),
    };
    let mut broker_properties: BTreeMap<String, String> = DEV_BROKER_DEFAULTS
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for (key, value) in file.broker_config {
        let value = property_value(&key, value)?;
        broker_properties.insert(key, value);
    }
    for arg in &args.broker_config {
        let (key, value) = parse_key_value(arg, "-c/--broker-config")?;
        broker_properties.insert(key, value);
    }
    let port = args.port.or(file.port);
    let bind = args.bind.or(file.bind);
    if broker_properties.contains_key(LISTENERS) && (port.is_some() || bind.is_some()) {
        return Err(UsageError(format!(
            "-p/--port and --bind do not apply when {LISTENERS} is set: put the ports and \
             addresses in {LISTENERS}"
        ))
        .into());
    }
    if let Some(host) = &args.advertise {
        advertise(host, port.unwrap_or(DEFAULT_PORT), &mut broker_properties)?;
    }
    Ok(ClusterConfig {
        brokers: args.brokers.or(file.brokers).unwrap_or(DEFAULT_BROKERS),
        base_port: port.unwrap_or(DEFAULT_PORT),
        bind: bind.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        data_dir: args
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(default_data_dir),
        racks: racks(args, file.racks)?,
        broker_properties,
    })
}

/// `--racks`, else the file's `racks`; a rack name must not be empty.
fn racks(args: &UpArgs, from_file: Vec<String>) -> Result<Vec<String>, UsageError> {
    let racks: Vec<String> = match args.racks.is_empty() {
        true => from_file,
        false => args.racks.clone(),
    };
    let racks: Vec<String> = racks.iter().map(|r| r.trim().to_string()).collect();
    if racks.iter().any(String::is_empty) {
        return Err(UsageError(
            "--racks expects rack names separated by commas, e.g. --racks a,b,c".into(),
        ));
    }
    Ok(racks)
}

/// `--advertise HOST`: one PLAINTEXT listener on every interface, advertised as HOST.
fn advertise(
    host: &str,
    port: u16,
    properties: &mut BTreeMap<String, String>,
) -> Result<(), UsageError> {
    if let Some(set) = [LISTENERS, ADVERTISED_LISTENERS]
        .into_iter()
        .find(|k| properties.contains_key(*k))
    {
        return Err(UsageError(format!(
            "--advertise cannot be combined with {set}: set both listeners and \
             advertised.listeners instead"
        )));
    }
    let host = host.trim().trim_start_matches('[').trim_end_matches(']');
    let wildcard = host.parse::<IpAddr>().is_ok_and(|ip| ip.is_unspecified());
    if host.is_empty() || wildcard {
        return Err(UsageError(format!(
            "--advertise needs the name or address clients reach this machine by; '{host}' is \
             not one (every interface is bound anyway)"
        )));
    }
    let advertised = if host.contains(':') {
        format!("PLAINTEXT://[{host}]:{port}")
    } else {
        format!("PLAINTEXT://{host}:{port}")
    };
    properties.insert(LISTENERS.to_string(), format!("PLAINTEXT://:{port}"));
    properties.insert(ADVERTISED_LISTENERS.to_string(), advertised);
    Ok(())
}

async fn up(args: UpArgs) -> anyhow::Result<()> {
    let config = cluster_config(&args)?;
    if args.detach {
        return detach(&config);
    }
    let started_at = Instant::now();
    let control_socket = control_socket_path(&config.data_dir);
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("data directory {} is not usable", config.data_dir.display()))?;
    let control = control::bind(&control_socket).await?;
    let mut cluster = Cluster::start(config.clone()).await?;
    let ready_ms = started_at.elapsed().as_millis();

    let state = ClusterState {
        pid: std::process::id(),
        data_dir: std::fs::canonicalize(&config.data_dir).unwrap_or(config.data_dir.clone()),
        bootstrap_servers: cluster.bootstrap_servers(),
        brokers: cluster
            .broker_listeners()
            .into_iter()
            .map(|(id, listeners)| BrokerState {
                id,
                address: first_advertised(&listeners),
                listeners,
            })
            .collect(),
        control_socket: control_socket.clone(),
    };
    state.save()?;
    // Handlers go in before the banner: a script may send SIGINT as soon as it reads it.
    let signals = StopSignals::install()?;
    print!("{}", ready_banner(&cluster, &state, ready_ms));

    let stop_reason = serve_until_stopped(&mut cluster, &state, control, signals).await;
    eprintln!("kf: stopping the cluster ({stop_reason})");
    cluster.shutdown().await;
    ClusterState::remove(&config.data_dir);
    if stop_reason == DATA_DIR_REMOVED {
        bail!(
            "the cluster's data directory {} was removed while it ran",
            state.data_dir.display()
        );
    }
    Ok(())
}

fn ready_banner(cluster: &Cluster, state: &ClusterState, ready_ms: u128) -> String {
    let controller = cluster.controller_id();
    let mut out = format!(
        "kf cluster: {} broker(s) ready in {ready_ms} ms\n",
        state.brokers.len()
    );
    for broker in &state.brokers {
        let role = if Some(broker.id) == controller {
            "  (controller)"
        } else {
            ""
        };
        out.push_str(&format!(
            "  broker {}  {}{role}\n",
            broker.id,
            listeners_line(&broker.listeners)
        ));
    }
    out.push_str(&format!("bootstrap servers: {}\n", state.bootstrap_servers));
    out.push_str(&format!("{BANNER_LAST_LINE}{}\n", state.data_dir.display()));
    out
}

fn first_advertised(listeners: &[ListenerInfo]) -> String {
    listeners
        .first()
        .map(|l| l.advertised.clone())
        .unwrap_or_default()
}

/// `127.0.0.1:9092`, or with several listeners or a bind address that differs from what is
/// advertised: `PLAINTEXT://0.0.0.0:9092 (advertised host:9092)  EXTERNAL://...`.
fn listeners_line(listeners: &[ListenerInfo]) -> String {
    match listeners {
        [one] if one.bound == one.advertised && one.name == "PLAINTEXT" => one.advertised.clone(),
        _ => listeners
            .iter()
            .map(|l| {
                if l.bound == l.advertised {
                    format!("{}://{}", l.name, l.bound)
                } else {
                    format!("{}://{} (advertised {})", l.name, l.bound, l.advertised)
                }
            })
            .collect::<Vec<_>>()
            .join("  "),
    }
}

/// SIGINT (Ctrl-C) and SIGTERM, caught from the moment they are installed.
struct StopSignals {
    interrupt: Signal,
    terminate: Signal,
}

impl StopSignals {
    fn install() -> anyhow::Result<Self> {
        Ok(StopSignals {
            interrupt: signal(SignalKind::interrupt()).context("cannot catch SIGINT")?,
            terminate: signal(SignalKind::terminate()).context("cannot catch SIGTERM")?,
        })
    }
}

/// Answers the control socket until Ctrl-C, SIGTERM or `kf cluster down`.
async fn serve_until_stopped(
    cluster: &mut Cluster,
    state: &ClusterState,
    control: tokio::net::UnixListener,
    mut signals: StopSignals,
) -> &'static str {
    // Kafka halts a broker whose log directories have all failed; a cluster whose data
    // directory was removed (`rm -rf`, a test's temporary directory dropped) likewise stops
    // rather than run on, unreachable by `kf cluster down`, with nowhere to write.
    let mut data_dir_check = tokio::time::interval(DATA_DIR_CHECK_INTERVAL);
    loop {
        tokio::select! {
            _ = signals.interrupt.recv() => return "interrupted",
            _ = signals.terminate.recv() => return "terminated",
            _ = data_dir_check.tick() => {
                if !state.data_dir.exists() {
                    return DATA_DIR_REMOVED;
                }
            }
            accepted = control.accept() => {
                let Ok((mut stream, _)) = accepted else { continue };
                match control::read_request(&mut stream).await {
                    Some(ControlRequest::Status) => {
                        let status = ControlResponse::Status(cluster_status(cluster, state));
                        control::write_response(&mut stream, &status).await;
                    }
                    Some(ControlRequest::Down) => {
                        control::write_response(&mut stream, &ControlResponse::Stopping).await;
                        return "kf cluster down";
                    }
                    Some(fault) => {
                        let answer = super::cluster_faults::execute(cluster, fault).await;
                        control::write_response(&mut stream, &answer).await;
                    }
                    None => {}
                }
            }
        }
    }
}

fn cluster_status(cluster: &Cluster, state: &ClusterState) -> ClusterStatus {
    let image = cluster.image();
    let health = image
        .as_deref()
        .map(crate::cluster::partition_health)
        .unwrap_or_default();
    ClusterStatus {
        under_replicated_partitions: health.under_replicated,
        offline_partitions_count: health.offline,
        pid: state.pid,
        data_dir: state.data_dir.display().to_string(),
        bootstrap_servers: cluster.bootstrap_servers(),
        controller: cluster.controller_id(),
        brokers: cluster
            .broker_listeners()
            .into_iter()
            .map(|(id, listeners)| {
                let registration = image.as_ref().and_then(|i| i.brokers.get(&id));
                let fenced = registration.is_some_and(|b| !b.alive);
                let running = cluster.is_running(id);
                let state = if !running {
                    BrokerRunState::Down
                } else if cluster.faults().is_isolated(id) {
                    BrokerRunState::Isolated
                } else if fenced {
                    BrokerRunState::Fenced
                } else {
                    BrokerRunState::Up
                };
                control::BrokerStatus {
                    id,
                    address: first_advertised(&listeners),
                    running,
                    listeners,
                    state,
                    fenced,
                    rack: registration.and_then(|b| b.rack.clone()),
                }
            })
            .collect(),
        open_files: Some(open_files_status(cluster)),
        offline_partitions: cluster
            .offline_partitions()
            .into_iter()
            .map(|(broker, p)| control::OfflinePartitionStatus {
                broker,
                topic: p.topic,
                partition: p.partition,
                reason: p.reason,
            })
            .collect(),
    }
}

fn open_files_status(cluster: &Cluster) -> control::OpenFilesStatus {
    let limit = cluster.open_file_limit();
    let stats = crate::log::open_files_stats();
    control::OpenFilesStatus {
        limit: limit.map(|l| l.soft),
        hard_limit: limit.map(|l| l.hard),
        in_use: crate::log::descriptors_in_use(),
        log_files_open: stats.open as u64,
        log_files_max: stats.capacity as u64,
    }
}

/// The text lines of `kf cluster status` about descriptors and offline partitions.
fn open_files_text(status: &ClusterStatus) -> String {
    let known = |n: Option<u64>| n.map_or_else(|| "unknown".to_string(), |n| n.to_string());
    let mut text = String::new();
    if let Some(files) = &status.open_files {
        text.push_str(&format!(
            "open files: {} in use, limit {} (hard {}); log files open: {} of at most {}\n",
            known(files.in_use),
            known(files.limit),
            known(files.hard_limit),
            files.log_files_open,
            files.log_files_max
        ));
    }
    if !status.offline_partitions.is_empty() {
        let rows: Vec<Vec<String>> = status
            .offline_partitions
            .iter()
            .map(|p| {
                vec![
                    p.broker.to_string(),
                    p.topic.clone(),
                    p.partition.to_string(),
                    p.reason.clone(),
                ]
            })
            .collect();
        text.push_str(&format!(
            "offline partitions (KAFKA_STORAGE_ERROR): {}\n{}",
            rows.len(),
            table(&["BROKER", "TOPIC", "PARTITION", "REASON"], &rows)
        ));
    }
    text
}

/// Re-runs this command without `--detach` in the background and waits until it is ready.
fn detach(config: &ClusterConfig) -> anyhow::Result<()> {
    use std::os::unix::process::CommandExt;

    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("data directory {} is not usable", config.data_dir.display()))?;
    let log_path = config.data_dir.join("cluster.log");
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("cannot write {}", log_path.display()))?;
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--detach")
        .collect();
    let exe = std::env::current_exe().context("cannot find the kf executable")?;
    let mut child = std::process::Command::new(exe)
        .args(&args)
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .process_group(0)
        .spawn()
        .context("cannot start the background cluster")?;

    let deadline = Instant::now() + DETACH_READY_TIMEOUT;
    loop {
        if let Some(exit) = child.try_wait()? {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            let last = log.lines().last().unwrap_or("no output");
            let last = last.strip_prefix("kf: error: ").unwrap_or(last);
            bail!("the background cluster exited ({exit}): {last}");
        }
        if let Ok(state) = ClusterState::load(Some(&config.data_dir)) {
            // The state file is saved just before the banner is printed: wait for both.
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            if state.pid == child.id() && log.contains(BANNER_LAST_LINE) {
                print!("{log}");
                println!(
                    "running in the background (pid {}); stop it with `kf cluster down`",
                    state.pid
                );
                return Ok(());
            }
        }
        if Instant::now() > deadline {
            bail!(
                "the background cluster is not ready after {}s; see {}",
                DETACH_READY_TIMEOUT.as_secs(),
                log_path.display()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

async fn down(args: StateArgs) -> anyhow::Result<()> {
    let state = ClusterState::load(args.data_dir.as_deref())?;
    match control::call(&state.control_socket, &ControlRequest::Down).await? {
        ControlResponse::Stopping => {}
        other => bail!("unexpected answer from the cluster: {other:?}"),
    }
    // The cluster removes its control socket once it has stopped.
    let deadline = Instant::now() + Duration::from_secs(30);
    while state.control_socket.exists() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!("kf: cluster in {} stopped", state.data_dir.display());
    Ok(())
}

async fn status(args: StateArgs) -> anyhow::Result<()> {
    let state = ClusterState::load(args.data_dir.as_deref())?;
    let status = match control::call(&state.control_socket, &ControlRequest::Status).await? {
        ControlResponse::Status(status) => status,
        other => bail!("unexpected answer from the cluster: {other:?}"),
    };
    let text = render(&status, args.output, |s| {
        let racks = s.brokers.iter().any(|b| b.rack.is_some());
        let rows: Vec<Vec<String>> = s
            .brokers
            .iter()
            .map(|b| {
                let mut row = vec![
                    b.id.to_string(),
                    if b.listeners.is_empty() {
                        b.address.clone()
                    } else {
                        listeners_line(&b.listeners)
                    },
                    b.state.as_str().to_string(),
                    if Some(b.id) == s.controller {
                        "yes"
                    } else {
                        ""
                    }
                    .to_string(),
                ];
                if racks {
                    row.push(b.rack.clone().unwrap_or_default());
                }
                row
            })
            .collect();
        let mut headers = vec!["BROKER", "LISTENERS", "STATE", "CONTROLLER"];
        if racks {
            headers.push("RACK");
        }
        format!(
            "{}\npartitions: {} under-replicated, {} offline\nbootstrap servers: {}\ndata directory: {}\npid: {}\n{}",
            table(&headers, &rows),
            s.under_replicated_partitions,
            s.offline_partitions_count,
            s.bootstrap_servers,
            s.data_dir,
            s.pid,
            open_files_text(s)
        )
    })?;
    print!("{text}");
    Ok(())
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Up {
        #[command(flatten)]
        args: UpArgs,
    }

    fn broker_property(args: &[&str], key: &str) -> Option<String> {
        let up = Up::try_parse_from(std::iter::once("up").chain(args.iter().copied()))
            .expect("arguments parse");
        cluster_config(&up.args)
            .expect("a cluster config")
            .broker_properties
            .get(key)
            .cloned()
    }

    #[test]
    fn a_dev_cluster_sets_its_defaults_and_minus_c_sets_them_back() {
        assert_eq!(
            broker_property(&[], "fetch.max.bytes").as_deref(),
            Some("8388608")
        );
        assert_eq!(
            broker_property(&["-c", "fetch.max.bytes=57671680"], "fetch.max.bytes").as_deref(),
            Some("57671680")
        );
        assert_eq!(
            broker_property(&[], "group.initial.rebalance.delay.ms").as_deref(),
            Some("0")
        );
    }
}

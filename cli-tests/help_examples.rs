//! Every example in every `--help` (the "Examples:" block of each command's after-help) runs
//! as a user would copy it: through `sh`, with `kf` on PATH, in a directory holding the files
//! examples name, against an in-process cluster holding the topics examples name (orders with
//! records in each of its six partitions, payments, other, compacted; perf with records only for
//! `kf bench consume`, so `kf bench produce perf` meets a cluster without it, as a new user's).
//!
//! Each example gets that world fresh, on a fresh one-broker cluster (three for `-r 3` and
//! `kf topic reassign`) on the shared runtime
//! (starting one takes milliseconds): examples create, delete, compact and grow the same
//! topics, and one's changes must not decide whether the next passes. Bounded: each example
//! has a deadline, and benchmark volumes are scaled down (the flags are what is under test).
//! An example that needs a feature still to come is listed in [`skip_reason`] with that feature.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::CommandFactory;
use kf::client::admin::{Admin, NewTopic};
use kf::client::producer::{Producer, ProducerRecord};
use kf::client::{Client, ClientConfig};
use kf::cluster::{Cluster, ClusterConfig};

/// Bound on one example (and on a long-running one reaching its ready state).
const DEADLINE: Duration = Duration::from_secs(60);
/// Benchmark examples run with at most this many records.
const BENCH_RECORDS: u64 = 20_000;

/// One example line of one command's help.
#[derive(Debug)]
struct Example {
    /// `kf topic create`
    command: String,
    /// The shell line, without its trailing description.
    line: String,
}

/// The examples of `command` and its subcommands, in help order.
fn examples_of(command: &clap::Command, path: &str, out: &mut Vec<Example>) {
    if let Some(after_help) = command.get_after_help() {
        let text = after_help.to_string();
        let block = text
            .lines()
            .skip_while(|l| l.trim() != "Examples:")
            .skip(1)
            .take_while(|l| l.starts_with("  "));
        // A line ending in `\` goes on in the next one, as in a shell.
        let mut pending = String::new();
        for line in block {
            // A description follows the command after two or more spaces.
            let part = line.trim().split("  ").next().unwrap_or("").trim();
            if let Some(head) = part.strip_suffix('\\') {
                pending.push_str(head);
                continue;
            }
            pending.push_str(part);
            out.push(Example {
                command: path.to_string(),
                line: std::mem::take(&mut pending),
            });
        }
    }
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        examples_of(sub, &format!("{path} {}", sub.get_name()), out);
    }
}

/// Why an example cannot run yet; `None` for every example that must work today.
fn skip_reason(example: &Example) -> Option<&'static str> {
    let line = example.line.as_str();
    if example.command == "kf top" && !line.contains("--once") {
        return Some("the dashboard needs a terminal: cli-tests/top.rs runs it in tmux");
    }
    None
}

/// How an example is expected to end.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// It exits 0 by itself.
    Exits,
    /// It runs until interrupted (a foreground cluster, a consumer following a topic); it is
    /// interrupted once `ready` appears on stdout (or after a pause, when `None`) and must then
    /// exit 0 or 130.
    RunsUntilInterrupted { ready: Option<&'static str> },
}

/// What an example expects to exist beyond the world of topics: `kf group` the groups it names
/// (audit and billing, with offsets committed on orders and payments), `kf cluster down` and
/// `kf cluster status` a running local cluster (started detached, in the same data directory),
/// `kf cluster kill|start|isolate|heal` a running cluster of three brokers (the one `start`
/// names killed first).
fn setup(line: &str) -> Option<String> {
    if line.starts_with("kf group") {
        let commit = |group: &str| {
            format!("kf group reset-offsets {group} --topic orders --topic payments --to-earliest --execute")
        };
        return Some(format!("{} && {}", commit("audit"), commit("billing")));
    }
    let fault = ["kill", "start", "isolate", "heal"]
        .iter()
        .any(|c| line.starts_with(&format!("kf cluster {c}")));
    if !(fault || line.starts_with("kf cluster down") || line.starts_with("kf cluster status")) {
        return None;
    }
    let words: Vec<&str> = line.split(' ').collect();
    let data_dir = words
        .iter()
        .position(|w| *w == "--data-dir")
        .and_then(|i| words.get(i + 1))
        .map(|dir| format!(" --data-dir {dir}"))
        .unwrap_or_default();
    let brokers = if fault { 3 } else { 1 };
    let mut setup = format!("kf cluster up -n {brokers} -p 0 --detach{data_dir}");
    if let (Some(&"start"), Some(id)) = (words.get(2), words.get(3)) {
        setup.push_str(&format!(" && kf cluster kill {id}{data_dir}"));
    }
    Some(setup)
}

/// What the test changes in an example before running it, and how it ends. Changes only keep
/// the run private and bounded: free ports instead of 9092, a private data directory, the test
/// cluster's address instead of `kafka1:9092`, fewer benchmark records.
fn prepare(example: &Example, bootstrap: &str, work: &Path) -> (String, Outcome) {
    let mut line = example
        .line
        .replace("kafka1:9092", bootstrap)
        .replace("/tmp/kf", &work.join("kf").display().to_string());
    if line.starts_with("kf bench") {
        line = scale_records(&line);
    }
    let is_up = line.starts_with("kf cluster up");
    if is_up && line.contains("listeners=") {
        // Listeners name their ports (a usage error beside -p): one broker, free ports instead.
        for port in ["9092", "9192"] {
            line = line.replace(&format!(":{port}"), &format!(":{}", free_port()));
        }
        line.push_str(" -n 1");
    } else if is_up && !line.contains(" -p ") && !line.contains("--config") {
        line.push_str(" -p 0");
    }
    let outcome = if is_up && !line.contains("--detach") {
        Outcome::RunsUntilInterrupted {
            ready: Some("ready"),
        }
    } else if (line.starts_with("kf consume") && !ends_by_itself(&line))
        || line.contains("--watch")
        || (line.starts_with("kf txn trace") && !line.contains(" -c "))
    {
        Outcome::RunsUntilInterrupted { ready: None }
    } else {
        Outcome::Exits
    };
    (line, outcome)
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Whether a `kf consume` line stops on its own: at the end (`-e`), after a count (`-c`), or at
/// the end of a time range (`-o @T1:T2`).
fn ends_by_itself(line: &str) -> bool {
    line.split(' ')
        .any(|w| w == "-e" || w == "-c" || (w.starts_with('@') && w.contains(':')))
}

/// `-n N` above [`BENCH_RECORDS`] comes down to it; `kf bench produce` without `-n` (a million
/// by default) gets it.
fn scale_records(line: &str) -> String {
    let mut words: Vec<String> = line.split(' ').map(str::to_string).collect();
    match words.iter().position(|w| w == "-n") {
        Some(i) if i + 1 < words.len() => {
            let n: u64 = words[i + 1].parse().unwrap();
            words[i + 1] = n.min(BENCH_RECORDS).to_string();
        }
        _ if line.starts_with("kf bench produce") => {
            words.push("-n".into());
            words.push(BENCH_RECORDS.to_string());
        }
        _ => {}
    }
    words.join(" ")
}

/// The files examples read, and the profiles `--profile` names.
fn write_fixtures(work: &Path, home: &Path, bootstrap: &str) {
    std::fs::write(work.join("events.txt"), "signup\nlogin\nlogout\n").unwrap();
    std::fs::write(work.join("lines.txt"), "one\ntwo\n").unwrap();
    std::fs::write(
        work.join("cluster.yaml"),
        "brokers: 1\nport: 0\nbroker-config:\n  num.partitions: 4\n",
    )
    .unwrap();
    let config = home.join(".config").join("kf");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.yaml"),
        format!(
            "profiles:\n  dev:\n    bootstrap: {bootstrap}\n  prod:\n    bootstrap: {bootstrap}\n"
        ),
    )
    .unwrap();
}

/// Which topics an example's world holds.
#[derive(Debug, Clone, Copy, PartialEq)]
enum World {
    /// None: `kf topic create` examples create them.
    Empty,
    /// orders, payments, other, compacted.
    Topics,
    /// Those and perf with [`BENCH_RECORDS`] records, for `kf bench consume`.
    TopicsAndPerf,
    /// The topics and, for `kf txn`, transactions: payments-writer and orders-writer committed
    /// by librdkafka, and a hanging one of producer 7000 opened at offset 60 of orders-0.
    TopicsAndTransactions,
}

impl World {
    fn for_example(line: &str) -> World {
        if line.starts_with("kf topic create") {
            World::Empty
        } else if line.starts_with("kf bench consume") {
            World::TopicsAndPerf
        } else if line.starts_with("kf txn") {
            World::TopicsAndTransactions
        } else {
            World::Topics
        }
    }
}

/// A fresh cluster with the topics and records examples expect: one broker, or three for an
/// example that asks for three replicas.
async fn world(data_dir: &Path, world: World, brokers: usize) -> Cluster {
    let cluster = Cluster::start(ClusterConfig {
        brokers,
        base_port: 0,
        bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
        data_dir: data_dir.to_path_buf(),
        racks: Vec::new(),
        broker_properties: BTreeMap::new(),
    })
    .await
    .unwrap();
    if world == World::Empty {
        return cluster;
    }
    let client = Client::connect(ClientConfig::new(&cluster.bootstrap_servers()))
        .await
        .unwrap();
    let mut compacted = NewTopic::new("compacted", 1, 1);
    compacted
        .configs
        .push(("cleanup.policy".into(), "compact".into()));
    let mut topics = vec![
        NewTopic::new("orders", 6, 1),
        NewTopic::new("payments", 3, 1),
        NewTopic::new("other", 1, 1),
        compacted,
    ];
    let perf_records = if world == World::TopicsAndPerf {
        topics.push(NewTopic::new("perf", 1, 1));
        BENCH_RECORDS
    } else {
        0
    };
    for (name, result) in Admin::new(client.clone())
        .create_topics(&topics, false)
        .await
        .unwrap()
    {
        result.unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let producer = Producer::new(client).await.unwrap();
    let mut deliveries = Vec::new();
    // Enough in every partition for `-p 0 -o 42 -c 10`.
    for partition in 0..6 {
        for i in 0..60 {
            let record = ProducerRecord::new("orders", format!("order {i}"))
                .with_key(Bytes::from(format!("user-{i}")))
                .with_partition(partition);
            deliveries.push(producer.send(record).await.unwrap());
        }
    }
    for i in 0..5 {
        deliveries.push(
            producer
                .send(ProducerRecord::new("other", format!("other {i}")))
                .await
                .unwrap(),
        );
    }
    for i in 0..perf_records {
        let record = ProducerRecord::new("perf", vec![b'P'; 100]).with_partition(0);
        let delivery = producer.send(record).await.unwrap();
        if i % 1000 == 0 {
            deliveries.push(delivery);
        }
    }
    producer.flush().await.unwrap();
    for delivery in deliveries {
        delivery.await.unwrap();
    }
    cluster
}

/// `sh -c line` in `work` with kf on PATH and the cluster as the default bootstrap.
fn shell(line: &str, work: &Path, home: &Path, bootstrap: &str) -> Command {
    let kf_dir = assert_cmd::cargo::cargo_bin("kf")
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        kf_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(line)
        .current_dir(work)
        .env("PATH", path)
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("KF_BOOTSTRAP", bootstrap)
        .env_remove("KF_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // A process group of its own, so that a timeout kills what `sh` started too: a `kf` left
    // running would hold the output pipes open and the test would wait on them for ever.
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    cmd
}

/// Waits for `child` until `deadline`; kills its whole process group when time is up.
fn wait_until(child: &mut Child, deadline: Instant) -> Option<std::process::ExitStatus> {
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if Instant::now() > deadline {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn read_in_background(
    mut pipe: impl std::io::Read + Send + 'static,
) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn output_text(child: &mut Child) -> (String, String) {
    let mut stdout = String::new();
    let mut stderr = String::new();
    use std::io::Read;
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_string(&mut stdout);
    }
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut stderr);
    }
    (stdout, stderr)
}

/// Runs one prepared example; `Err` says how it failed.
fn run(
    line: &str,
    outcome: &Outcome,
    work: &Path,
    home: &Path,
    bootstrap: &str,
) -> Result<(), String> {
    match outcome {
        Outcome::Exits => {
            let mut child = shell(line, work, home, bootstrap).spawn().unwrap();
            // Read output while waiting: a full pipe would stall the example.
            let stdout = read_in_background(child.stdout.take().unwrap());
            let stderr = read_in_background(child.stderr.take().unwrap());
            let status = wait_until(&mut child, Instant::now() + DEADLINE);
            let (stdout, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
            match status {
                Some(s) if s.success() => Ok(()),
                Some(s) => Err(format!("{s}\nstdout: {stdout}\nstderr: {stderr}")),
                None => Err(format!(
                    "still running after {DEADLINE:?}\nstderr: {stderr}"
                )),
            }
        }
        Outcome::RunsUntilInterrupted { ready } => {
            let mut child = shell(&format!("exec {line}"), work, home, bootstrap)
                .spawn()
                .unwrap();
            let deadline = Instant::now() + DEADLINE;
            match ready {
                Some(marker) => {
                    // Lines go through a channel so that waiting for the marker is bounded;
                    // the thread keeps draining stdout until the example exits.
                    let stdout = BufReader::new(child.stdout.take().unwrap());
                    let (lines, seen) = std::sync::mpsc::channel();
                    std::thread::spawn(move || {
                        for line in stdout.lines().map_while(Result::ok) {
                            let _ = lines.send(line);
                        }
                    });
                    let found = std::iter::from_fn(|| {
                        let left = deadline.saturating_duration_since(Instant::now());
                        seen.recv_timeout(left).ok()
                    })
                    .any(|l| l.contains(marker));
                    if !found {
                        let status = wait_until(&mut child, deadline);
                        let (_, stderr) = output_text(&mut child);
                        return Err(format!("never printed '{marker}' ({status:?}): {stderr}"));
                    }
                }
                None => std::thread::sleep(Duration::from_secs(2)),
            }
            if let Some(status) = child.try_wait().unwrap() {
                let (_, stderr) = output_text(&mut child);
                return Err(format!("ended by itself ({status}): {stderr}"));
            }
            let interrupted = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status()
                .unwrap();
            assert!(interrupted.success());
            let status = wait_until(&mut child, deadline);
            let (_, stderr) = output_text(&mut child);
            // Ended by the interrupt itself is fine too: on a loaded box the example may not
            // have installed its handler yet. A hang ends in the deadline's SIGKILL instead.
            let by_interrupt = status.and_then(|s| s.signal()) == Some(libc::SIGINT);
            match status.and_then(|s| s.code()) {
                Some(0 | 130) => Ok(()),
                None if by_interrupt => Ok(()),
                other => Err(format!("after Ctrl-C: {other:?} ({status:?}): {stderr}")),
            }
        }
    }
}

#[test]
fn every_help_example_works() {
    let mut examples = Vec::new();
    examples_of(&kf::cli::Cli::command(), "kf", &mut examples);
    assert!(examples.len() > 20, "examples found: {examples:?}");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut failures = Vec::new();
    let mut skipped = Vec::new();
    for example in &examples {
        if let Some(reason) = skip_reason(example) {
            skipped.push(format!("{}: {reason}", example.line));
            continue;
        }
        let root = tempfile::tempdir().unwrap();
        let (work, home) = (root.path().join("work"), root.path().join("home"));
        std::fs::create_dir_all(&work).unwrap();
        let kind = World::for_example(&example.line);
        // Three brokers for replicas to be placed or moved on.
        let brokers = if example.line.contains(" -r 3") || example.command == "kf topic reassign" {
            3
        } else {
            1
        };
        let cluster = runtime.block_on(world(&root.path().join("cluster"), kind, brokers));
        let bootstrap = cluster.bootstrap_servers();
        if kind == World::TopicsAndTransactions {
            for (id, topic) in [("payments-writer", "payments"), ("orders-writer", "orders")] {
                drop(super::txn::rdkafka_transaction(
                    &bootstrap,
                    id,
                    topic,
                    &[1],
                    true,
                ));
            }
            super::txn::hanging_transaction(&bootstrap, "orders", 7000);
        }
        write_fixtures(&work, &home, &bootstrap);
        let (line, outcome) = prepare(example, &bootstrap, &work);
        if let Some(setup) = setup(&line) {
            let output = shell(&setup, &work, &home, &bootstrap).output().unwrap();
            assert!(output.status.success(), "{setup}: {output:?}");
        }
        let started = Instant::now();
        let result = run(&line, &outcome, &work, &home, &bootstrap);
        eprintln!("{:>6} ms  {line}", started.elapsed().as_millis());
        // A detached local cluster an example started is stopped; none running is fine.
        let _ = shell("kf cluster down", &work, &home, &bootstrap).output();
        if let Err(why) = result {
            failures.push(format!("`{}` ({}): {why}", example.line, example.command));
        }
        runtime.block_on(cluster.shutdown());
    }
    eprintln!("skipped:\n  {}", skipped.join("\n  "));
    assert!(
        failures.is_empty(),
        "{} example(s) fail:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn examples_are_found_with_their_descriptions_cut() {
    let mut examples = Vec::new();
    examples_of(&kf::cli::Cli::command(), "kf", &mut examples);
    let lines: Vec<&str> = examples.iter().map(|e| e.line.as_str()).collect();
    assert!(lines.contains(&"kf cluster up -n 1 -p 0"), "{lines:?}");
    assert!(
        lines.contains(&"kf topic add-partitions orders -n 2"),
        "{lines:?}"
    );
    assert!(lines.contains(&"seq 1 10 | kf produce orders"), "{lines:?}");
    assert_eq!(
        scale_records("kf bench produce perf -z lz4"),
        format!("kf bench produce perf -z lz4 -n {BENCH_RECORDS}")
    );
    assert_eq!(
        scale_records("kf bench consume perf -n 1000000"),
        format!("kf bench consume perf -n {BENCH_RECORDS}")
    );
}

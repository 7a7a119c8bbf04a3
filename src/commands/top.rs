//! `kf top`: the live dashboard (see `tui/`), or with `--once` one snapshot of every view.

use std::io::IsTerminal;
use std::sync::mpsc;
use std::time::Instant;

use anyhow::Context;

use super::cluster_faults::request_fault;
use super::connect::{connect, connect_admin};
use crate::cli::top::TopArgs;
use crate::client::admin::Admin;
use crate::clock::now_ms;
use crate::cluster::control::ControlRequest;
use crate::cluster::state::ClusterState;
use crate::output::{emit, render};
use crate::tui::app::App;
use crate::tui::model::Poll;
use crate::tui::poller::{poll_local, poll_once, poll_timeout, Poller};
use crate::tui::{snapshot, terminal};

pub async fn run(args: TopArgs) -> anyhow::Result<()> {
    let client = connect_admin(&args.connect).await?;
    let client_bootstrap = client.config().bootstrap_servers.clone();
    let source = client_bootstrap.join(",");
    let admin = Admin::new(client);
    let interval_ms = u64::try_from(args.interval.as_millis()).unwrap_or(u64::MAX);
    let started = Instant::now();
    let local = local_cluster(&client_bootstrap);
    let mut app = App::new(source, interval_ms, now_ms());
    if local.is_some() {
        app = app.with_local_cluster();
    }
    if args.once {
        if let Some(state) = &local {
            let at = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            app.on_poll(
                poll_local(&state.control_socket, poll_timeout(args.interval)).await,
                at,
            );
        }
        for poll in poll_once(&admin, poll_timeout(args.interval)).await {
            let at = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            app.on_poll(poll, at);
        }
        let snapshot = snapshot::snapshot(&app);
        return emit(&render(&snapshot, args.output, snapshot::text)?);
    }
    if !std::io::stdout().is_terminal() {
        anyhow::bail!("the dashboard needs a terminal; use --once for a snapshot");
    }
    let (answers, received) = mpsc::channel();
    let socket = local.map(|state| state.control_socket);
    // kf txn trace's follower joins a data partition at its last stable offset.
    let trace = connect(&args.connect, &[("isolation.level", "read_committed")]).await?;
    let poller = Poller::spawn(&admin, trace, args.interval, &answers, socket.as_deref());
    let runtime = tokio::runtime::Handle::current();
    let send_fault = move |request: ControlRequest| {
        let (answers, socket) = (answers.clone(), socket.clone());
        runtime.spawn(async move {
            let outcome = match &socket {
                Some(socket) => request_fault(socket, &request)
                    .await
                    .map_err(|e| format!("{e:#}")),
                None => Err("not a local cluster".to_string()),
            };
            // The dashboard may have quit meanwhile.
            let _ = answers.send((Poll::Fault(outcome), Instant::now()));
        });
    };
    let outcome =
        tokio::task::spawn_blocking(move || terminal::run(app, &received, started, send_fault))
            .await
            .context("the dashboard stopped")?;
    drop(poller);
    outcome.context("terminal")
}

/// The running local `kf cluster up` (the one last started), when `bootstrap` points at it:
/// then its broker states are shown and the fault keys work.
fn local_cluster(bootstrap: &[String]) -> Option<ClusterState> {
    let state = ClusterState::load(None).ok()?;
    let mut addresses: Vec<&str> = state.bootstrap_servers.split(',').collect();
    for broker in &state.brokers {
        addresses.push(&broker.address);
        for listener in &broker.listeners {
            addresses.extend([listener.advertised.as_str(), listener.bound.as_str()]);
        }
    }
    bootstrap
        .iter()
        .any(|b| addresses.iter().any(|a| same_address(a, b)))
        .then_some(state)
}

/// Whether two `host:port` name the same listener: equal, or the same port on loopback names.
fn same_address(a: &str, b: &str) -> bool {
    let loopback = |host: &str| {
        matches!(
            host.trim_matches(['[', ']']),
            "localhost" | "127.0.0.1" | "::1" | "0.0.0.0" | "::" | ""
        )
    };
    match (a.rsplit_once(':'), b.rsplit_once(':')) {
        (Some((host_a, port_a)), Some((host_b, port_b))) => {
            port_a == port_b && (host_a == host_b || (loopback(host_a) && loopback(host_b)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::same_address;

    #[test]
    fn loopback_names_of_one_port_are_the_same_address() {
        assert!(same_address("127.0.0.1:9092", "localhost:9092"));
        assert!(same_address("[::1]:9092", "127.0.0.1:9092"));
        assert!(same_address("kafka1:9092", "kafka1:9092"));
        assert!(!same_address("127.0.0.1:9092", "127.0.0.1:9093"));
        assert!(!same_address("kafka1:9092", "localhost:9092"));
    }
}

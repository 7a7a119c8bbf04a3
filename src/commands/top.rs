//! `kf top`: the live dashboard (see `tui/`), or with `--once` one snapshot of every view.

use std::io::IsTerminal;
use std::sync::mpsc;
use std::time::Instant;

use anyhow::Context;

use super::connect::connect_admin;
use crate::cli::top::TopArgs;
use crate::client::admin::Admin;
use crate::clock::now_ms;
use crate::output::{emit, render};
use crate::tui::app::App;
use crate::tui::poller::{poll_once, poll_timeout, Poller};
use crate::tui::{snapshot, terminal};

pub async fn run(args: TopArgs) -> anyhow::Result<()> {
    let client = connect_admin(&args.connect).await?;
    let source = client.config().bootstrap_servers.join(",");
    let admin = Admin::new(client);
    let interval_ms = u64::try_from(args.interval.as_millis()).unwrap_or(u64::MAX);
    let started = Instant::now();
    let mut app = App::new(source, interval_ms, now_ms());
    if args.once {
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
    let poller = Poller::spawn(&admin, args.interval, &answers);
    drop(answers);
    let outcome = tokio::task::spawn_blocking(move || terminal::run(app, &received, started))
        .await
        .context("the dashboard stopped")?;
    drop(poller);
    outcome.context("terminal")
}

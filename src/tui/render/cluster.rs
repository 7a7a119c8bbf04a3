//! View 1, Cluster: totals and controller, the brokers with their state (up, down, isolated,
//! fenced: from the local cluster when it is one), the metadata quorum.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Stylize;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Row};
use ratatui::Frame;

use super::{draw_list, draw_placeholder, pane};
use crate::tui::app::{App, ListId};
use crate::tui::rows::{self, quorum_rows};

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let quorum_height = app
        .quorum
        .value()
        .map_or(4, |q| q.voters.len() + q.observers.len() + 3);
    let [summary, brokers, quorum] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Min(4),
        Constraint::Length(u16::try_from(quorum_height).unwrap_or(u16::MAX)),
    ])
    .areas(area);
    draw_summary(frame, summary, app);
    draw_brokers(frame, brokers, app);
    draw_quorum(frame, quorum, app);
}

fn draw_summary(frame: &mut Frame, area: Rect, app: &App) {
    let freshness = app.cluster.freshness(app.now_ms, app.interval_ms);
    let block = pane("Cluster", &freshness);
    if draw_placeholder(frame, area, block.clone(), &freshness) {
        return;
    }
    let Some(cluster) = app.cluster.value() else {
        return;
    };
    let totals = rows::totals(app);
    let lines = vec![
        Line::from(format!(
            "id {}   controller {}   brokers {}",
            cluster.cluster.cluster_id.as_deref().unwrap_or("-"),
            cluster.cluster.controller_id,
            cluster.cluster.brokers.len()
        )),
        Line::from(vec![
            format!(
                "topics {}   partitions {}   ",
                totals.topics, totals.partitions
            )
            .into(),
            if totals.under_replicated > 0 {
                format!("under-replicated {}", totals.under_replicated)
                    .yellow()
                    .bold()
            } else {
                "under-replicated 0".into()
            },
            "   ".into(),
            if totals.offline > 0 {
                format!("offline {}", totals.offline).red().bold()
            } else {
                "offline 0".into()
            },
        ]),
    ];
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

const BROKER_HEADER: [&str; 7] = [
    "ID", "ADDRESS", "RACK", "STATE", "ROLE", "LEADERS", "REPLICAS",
];
const BROKER_WIDTHS: [Constraint; 7] = [
    Constraint::Length(6),
    Constraint::Min(16),
    Constraint::Length(10),
    Constraint::Length(8),
    Constraint::Length(11),
    Constraint::Length(8),
    Constraint::Length(8),
];

fn draw_brokers(frame: &mut Frame, area: Rect, app: &App) {
    let freshness = app.cluster.freshness(app.now_ms, app.interval_ms);
    let brokers = rows::broker_rows(app);
    let title = if app.local.is_some() {
        format!(
            "Brokers ({}) · k kill · s start · i isolate · h heal · H heal all",
            brokers.len()
        )
    } else {
        format!("Brokers ({})", brokers.len())
    };
    let block = pane(title, &freshness);
    if draw_placeholder(frame, area, block.clone(), &freshness) {
        return;
    }
    let selected = app.selected(ListId::Brokers, brokers.len());
    draw_list(
        frame,
        area,
        block,
        (&BROKER_HEADER, &BROKER_WIDTHS),
        brokers.len(),
        Some(selected),
        |i| {
            let b = &brokers[i];
            let state = b.state.clone();
            let state = match b.state.as_str() {
                "up" => state.green(),
                "down" => state.red().bold(),
                "isolated" => state.magenta().bold(),
                "fenced" | "unlisted" => state.yellow().bold(),
                _ => state.into(),
            };
            Row::new(vec![
                b.id.to_string().into(),
                b.address().into(),
                b.rack.clone().unwrap_or_else(|| "-".to_string()).into(),
                state,
                if b.controller { "controller" } else { "" }.into(),
                b.leaders.to_string().into(),
                b.replicas.to_string().into(),
            ])
        },
    );
}

const QUORUM_HEADER: [&str; 4] = ["REPLICA", "ROLE", "LOG END OFFSET", "LAG"];
const QUORUM_WIDTHS: [Constraint; 4] = [
    Constraint::Length(8),
    Constraint::Length(9),
    Constraint::Length(15),
    Constraint::Min(6),
];

fn draw_quorum(frame: &mut Frame, area: Rect, app: &App) {
    let freshness = app.quorum.freshness(app.now_ms, app.interval_ms);
    let title = app.quorum.value().map_or_else(
        || "Metadata quorum".to_string(),
        |q| {
            format!(
                "Metadata quorum · leader {} · epoch {} · high watermark {}",
                q.leader_id, q.leader_epoch, q.high_watermark
            )
        },
    );
    let block = pane(title, &freshness);
    if draw_placeholder(frame, area, block.clone(), &freshness) {
        return;
    }
    let Some(quorum) = app.quorum.value() else {
        return;
    };
    let replicas = quorum_rows(quorum);
    draw_list(
        frame,
        area,
        block,
        (&QUORUM_HEADER, &QUORUM_WIDTHS),
        replicas.len(),
        None,
        |i| {
            let r = &replicas[i];
            let row = Row::new(vec![
                r.replica_id.to_string(),
                r.role.to_string(),
                r.log_end_offset.to_string(),
                r.lag.to_string(),
            ]);
            if r.lag > 0 {
                row.yellow()
            } else {
                row
            }
        },
    );
}

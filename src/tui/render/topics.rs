//! View 2, Topics: every topic with its partition health, records and produce rate.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::Stylize;
use ratatui::widgets::Row;
use ratatui::Frame;

use super::format::{metric, opt_bytes_rate, opt_rate, sparkline};
use super::{draw_list, draw_placeholder, pane};
use crate::tui::app::{App, ListId};
use crate::tui::feed::Freshness;
use crate::tui::rows;

const HEADER: [&str; 9] = [
    "TOPIC", "PARTS", "RF", "URP", "OFFLINE", "RECORDS", "REC/S", "BYTES/S", "TREND",
];
const TREND_WIDTH: u16 = 12;
const WIDTHS: [Constraint; 9] = [
    Constraint::Min(12),
    Constraint::Length(6),
    Constraint::Length(3),
    Constraint::Length(4),
    Constraint::Length(7),
    Constraint::Length(8),
    Constraint::Length(7),
    Constraint::Length(10),
    Constraint::Length(TREND_WIDTH),
];

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let freshness = app.cluster.freshness(app.now_ms, app.interval_ms);
    let topics = rows::topic_rows(app);
    let offsets = app.offsets.freshness(app.now_ms, app.interval_ms);
    // Offsets going stale matter as much as metadata going stale: show whichever is worse.
    let shown = match (&freshness, &offsets) {
        (Freshness::Fresh, Freshness::Stale { .. }) => &offsets,
        _ => &freshness,
    };
    let block = pane(format!("Topics ({})", topics.len()), shown);
    if draw_placeholder(frame, area, block.clone(), &freshness) {
        return;
    }
    let selected = app.selected(ListId::Topics, topics.len());
    draw_list(
        frame,
        area,
        block,
        (&HEADER, &WIDTHS),
        topics.len(),
        Some(selected),
        |i| {
            let t = &topics[i];
            let trend = app
                .partitions
                .topic_history
                .get(&t.name)
                .map(|h| sparkline(h.samples(), usize::from(TREND_WIDTH)))
                .unwrap_or_default();
            let row = Row::new(vec![
                t.name.clone().into(),
                t.partitions.to_string().into(),
                t.replication_factor.to_string().into(),
                count_cell(t.under_replicated),
                count_cell(t.offline),
                metric(t.records as f64).into(),
                opt_rate(t.records_per_s).into(),
                opt_bytes_rate(t.bytes_per_s).into(),
                trend.green(),
            ]);
            if t.internal {
                row.dim()
            } else {
                row
            }
        },
    );
}

/// A problem count: highlighted when not zero.
fn count_cell(n: usize) -> ratatui::text::Span<'static> {
    if n > 0 {
        n.to_string().yellow().bold()
    } else {
        n.to_string().into()
    }
}

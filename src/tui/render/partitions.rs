//! View 2 after Enter: one topic's partitions with leader, replicas, ISR (a recent change
//! highlighted with what it was), offsets (the log end offset where the cluster shows it), size
//! and produce rate.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::Stylize;
use ratatui::text::Span;
use ratatui::widgets::Row;
use ratatui::Frame;

use super::format::{bytes, ids, opt_bytes_rate, opt_offset, opt_rate, sparkline};
use super::{draw_list, draw_placeholder, pane};
use crate::client::cluster_metadata::{is_offline, is_under_replicated};
use crate::client::TopicPartition;
use crate::tui::app::{App, ListId};
use crate::tui::feed::Freshness;
use crate::tui::rows;

const TREND_WIDTH: u16 = 10;
const HEADER: [&str; 12] = [
    "P",
    "LEADER",
    "REPLICAS",
    "ISR",
    "LOG START",
    "LSO",
    "HW",
    "LEO",
    "SIZE",
    "REC/S",
    "BYTES/S",
    "TREND",
];
const WIDTHS: [Constraint; 12] = [
    Constraint::Length(4),
    Constraint::Length(6),
    Constraint::Length(8),
    Constraint::Min(8),
    Constraint::Length(9),
    Constraint::Length(8),
    Constraint::Length(8),
    Constraint::Length(8),
    Constraint::Length(8),
    Constraint::Length(6),
    Constraint::Length(10),
    Constraint::Length(TREND_WIDTH),
];
/// Below this width the last stable offset, the log end offset and the size give way to the
/// rest.
const NARROW: u16 = 110;
/// The columns kept when narrow, as indexes into `HEADER`.
const NARROW_COLUMNS: [usize; 9] = [0, 1, 2, 3, 4, 6, 9, 10, 11];

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let topic = app.open_topic.as_deref().unwrap_or_default();
    let freshness = app.cluster.freshness(app.now_ms, app.interval_ms);
    let partitions = rows::partition_rows(app);
    let stale = partitions.iter().filter(|p| p.stale.is_some()).count();
    let offsets = app.offsets.freshness(app.now_ms, app.interval_ms);
    let shown = match (&freshness, &offsets) {
        (Freshness::Fresh, Freshness::Stale { .. }) => &offsets,
        _ => &freshness,
    };
    let mut title = format!("Topic {topic} · {} partitions", partitions.len());
    if stale > 0 {
        title.push_str(&format!(" · {stale} with stale offsets (*)"));
    }
    let block = pane(title, shown);
    if draw_placeholder(frame, area, block.clone(), &freshness) {
        return;
    }
    let selected = app.selected(ListId::Partitions, partitions.len());
    let columns: Vec<usize> = if area.width < NARROW {
        NARROW_COLUMNS.to_vec()
    } else {
        (0..HEADER.len()).collect()
    };
    let header: Vec<&str> = columns.iter().map(|c| HEADER[*c]).collect();
    let widths: Vec<Constraint> = columns.iter().map(|c| WIDTHS[*c]).collect();
    draw_list(
        frame,
        area,
        block,
        (&header, &widths),
        partitions.len(),
        Some(selected),
        |i| {
            let p = &partitions[i];
            let trend = app
                .partitions
                .partitions
                .get(&TopicPartition::new(topic, p.partition))
                .map(|s| sparkline(s.records_history.samples(), usize::from(TREND_WIDTH)))
                .unwrap_or_default();
            let isr: Span = match &p.isr_changed_from {
                Some(before) => format!("{} (was {})", ids(&p.isr), ids(before))
                    .black()
                    .on_yellow(),
                None if is_under_replicated(&p.isr, &p.replicas) => ids(&p.isr).yellow(),
                None => ids(&p.isr).into(),
            };
            let leader: Span = if is_offline(p.leader) {
                "none".red().bold()
            } else {
                p.leader.to_string().into()
            };
            let hw = match &p.stale {
                Some(_) => format!("{}*", opt_offset(p.high_watermark)),
                None => opt_offset(p.high_watermark),
            };
            let mut cells: Vec<Option<Span>> = vec![
                Some(p.partition.to_string().into()),
                Some(leader),
                Some(ids(&p.replicas).into()),
                Some(isr),
                Some(opt_offset(p.log_start_offset).into()),
                Some(opt_offset(p.last_stable_offset).into()),
                Some(hw.into()),
                Some(opt_offset(p.log_end_offset).into()),
                Some(
                    p.size_bytes
                        .map_or_else(|| "-".to_string(), |b| bytes(b as f64))
                        .into(),
                ),
                Some(opt_rate(p.records_per_s).into()),
                Some(opt_bytes_rate(p.bytes_per_s).into()),
                Some(trend.green()),
            ];
            Row::new(
                columns
                    .iter()
                    .filter_map(|c| cells[*c].take())
                    .collect::<Vec<_>>(),
            )
        },
    );
}

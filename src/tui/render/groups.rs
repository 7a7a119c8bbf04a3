//! View 3, Groups: every consumer group with state, protocol, members and total lag with its
//! trend; Enter shows one group's members and assignments and per-partition committed offsets.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Stylize;
use ratatui::widgets::Row;
use ratatui::Frame;

use super::format::{opt_offset, sparkline};
use super::{draw_list, draw_placeholder, pane};
use crate::tui::app::{App, ListId};
use crate::tui::rows;

const HEADER: [&str; 7] = [
    "GROUP", "STATE", "TYPE", "PROTOCOL", "MEMBERS", "LAG", "TREND",
];
const TREND_WIDTH: u16 = 12;
const WIDTHS: [Constraint; 7] = [
    Constraint::Min(12),
    Constraint::Length(18),
    Constraint::Length(9),
    Constraint::Length(10),
    Constraint::Length(7),
    Constraint::Length(9),
    Constraint::Length(TREND_WIDTH),
];

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let freshness = app.groups.freshness(app.now_ms, app.interval_ms);
    if app.open_group.is_some() {
        return draw_group(frame, area, app);
    }
    let groups = rows::group_rows(app);
    let block = pane(format!("Consumer groups ({})", groups.len()), &freshness);
    if draw_placeholder(frame, area, block.clone(), &freshness) {
        return;
    }
    let selected = app.selected(ListId::Groups, groups.len());
    draw_list(
        frame,
        area,
        block,
        (&HEADER, &WIDTHS),
        groups.len(),
        Some(selected),
        |i| {
            let g = groups[i];
            let trend = app
                .group_lag_history
                .get(&g.group_id)
                .map(|h| sparkline(h.samples(), usize::from(TREND_WIDTH)))
                .unwrap_or_default();
            Row::new(vec![
                g.group_id.clone().into(),
                g.state.clone().into(),
                g.protocol_type.clone().into(),
                g.protocol.clone().into(),
                g.members.len().to_string().into(),
                g.total_lag().to_string().into(),
                trend.yellow(),
            ])
        },
    );
}

const MEMBER_HEADER: [&str; 4] = ["MEMBER", "CLIENT", "HOST", "ASSIGNMENT"];
const MEMBER_WIDTHS: [Constraint; 4] = [
    Constraint::Min(16),
    Constraint::Length(16),
    Constraint::Length(16),
    Constraint::Min(16),
];
const OFFSET_HEADER: [&str; 4] = ["TOPIC", "PARTITION", "COMMITTED", "LAG"];
const OFFSET_WIDTHS: [Constraint; 4] = [
    Constraint::Min(16),
    Constraint::Length(10),
    Constraint::Length(12),
    Constraint::Length(10),
];

fn draw_group(frame: &mut Frame, area: Rect, app: &App) {
    let freshness = app.groups.freshness(app.now_ms, app.interval_ms);
    let id = app.open_group.as_deref().unwrap_or_default();
    let Some(group) = rows::open_group(app) else {
        let block = pane(format!("Group {id}"), &freshness);
        if !draw_placeholder(frame, area, block.clone(), &freshness) {
            let gone = ratatui::widgets::Paragraph::new("This group is no longer listed.");
            frame.render_widget(gone.block(block), area);
        }
        return;
    };
    let members_height = u16::try_from(group.members.len() + 3).unwrap_or(u16::MAX);
    let [members, offsets] =
        Layout::vertical([Constraint::Max(members_height), Constraint::Min(4)]).areas(area);
    let title = format!(
        "Group {id} · {} · {} members",
        group.state,
        group.members.len()
    );
    draw_list(
        frame,
        members,
        pane(title, &freshness),
        (&MEMBER_HEADER, &MEMBER_WIDTHS),
        group.members.len(),
        None,
        |i| {
            let m = &group.members[i];
            let assignment: Vec<String> = m.assignment.iter().map(ToString::to_string).collect();
            Row::new(vec![
                m.member_id.clone(),
                m.client_id.clone(),
                m.host.clone(),
                assignment.join(","),
            ])
        },
    );
    let rows = rows::group_offset_rows(app);
    let selected = app.selected(ListId::GroupOffsets, rows.len());
    draw_list(
        frame,
        offsets,
        pane(
            format!("Committed offsets · total lag {}", group.total_lag()),
            &freshness,
        ),
        (&OFFSET_HEADER, &OFFSET_WIDTHS),
        rows.len(),
        Some(selected),
        |i| {
            let o = rows[i];
            let row = Row::new(vec![
                o.topic.clone(),
                o.partition.to_string(),
                o.committed_offset.to_string(),
                opt_offset(o.lag),
            ]);
            if o.lag.unwrap_or(0) > 0 {
                row.yellow()
            } else {
                row
            }
        },
    );
}

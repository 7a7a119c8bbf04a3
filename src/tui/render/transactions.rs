//! View 4, Transactions: every transactional id with state, producer id and epoch, partitions
//! and age against its timeout (hanging ones marked), and the latest state transitions.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Stylize;
use ratatui::widgets::Row;
use ratatui::Frame;

use super::format::duration_ms;
use super::{draw_list, draw_placeholder, pane};
use crate::tui::app::{App, ListId};
use crate::tui::rows;

const HEADER: [&str; 6] = [
    "TRANSACTIONAL ID",
    "STATE",
    "PRODUCER ID",
    "EPOCH",
    "PARTITIONS",
    "AGE / TIMEOUT",
];
const WIDTHS: [Constraint; 6] = [
    Constraint::Min(12),
    Constraint::Length(14),
    Constraint::Length(11),
    Constraint::Length(5),
    Constraint::Min(10),
    Constraint::Length(20),
];
const TRANSITION_HEADER: [&str; 3] = ["AGO", "TRANSACTIONAL ID", "CHANGE"];
const TRANSITION_WIDTHS: [Constraint; 3] = [
    Constraint::Length(8),
    Constraint::Min(16),
    Constraint::Min(24),
];

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let freshness = app.transactions.freshness(app.now_ms, app.interval_ms);
    let transactions = rows::transaction_rows(app);
    let block = pane(format!("Transactions ({})", transactions.len()), &freshness);
    if draw_placeholder(frame, area, block.clone(), &freshness) {
        return;
    }
    let [list, changes] =
        Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(area);
    let selected = app.selected(ListId::Transactions, transactions.len());
    let wall_ms = app.wall_ms();
    draw_list(
        frame,
        list,
        block,
        (&HEADER, &WIDTHS),
        transactions.len(),
        Some(selected),
        |i| {
            let t = transactions[i];
            let partitions: Vec<String> = t.partitions.iter().map(ToString::to_string).collect();
            let timeout = duration_ms(u64::try_from(t.timeout_ms).unwrap_or(0));
            let (age, hanging) = if t.start_timestamp_ms < 0 {
                ("-".to_string(), false)
            } else {
                let age_ms = wall_ms.saturating_sub(t.start_timestamp_ms).max(0);
                (
                    duration_ms(u64::try_from(age_ms).unwrap_or(0)),
                    age_ms > i64::from(t.timeout_ms),
                )
            };
            let row = Row::new(vec![
                t.transactional_id.clone(),
                t.state.clone(),
                t.producer_id.to_string(),
                t.producer_epoch.to_string(),
                partitions.join(","),
                if hanging {
                    format!("HANGING {age} / {timeout}")
                } else {
                    format!("{age} / {timeout}")
                },
            ]);
            if hanging {
                row.red().bold()
            } else {
                row
            }
        },
    );
    let recent: Vec<_> = app.transitions.iter().rev().collect();
    draw_list(
        frame,
        changes,
        pane("Latest state transitions", &freshness),
        (&TRANSITION_HEADER, &TRANSITION_WIDTHS),
        recent.len(),
        None,
        |i| {
            let t = recent[i];
            Row::new(vec![
                duration_ms(app.now_ms.saturating_sub(t.at_ms)),
                t.transactional_id.clone(),
                format!("{} → {}", t.from.as_deref().unwrap_or("(new)"), t.to),
            ])
        },
    );
}

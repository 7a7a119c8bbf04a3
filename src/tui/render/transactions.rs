//! View 4, Transactions: every transactional id with state, producer id and epoch, partitions
//! and age against its timeout (hanging ones marked), and the latest transitions and markers
//! as `kf txn trace` prints them (or, when the cluster refuses the trace, changes between
//! polls, the pane saying why).

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Stylize;
use ratatui::widgets::Row;
use ratatui::Frame;

use super::format::duration_ms;
use super::{draw_list, draw_placeholder, pane};
use crate::coord::txn::state::TxnState;
use crate::tui::app::{App, ListId, TransitionSource};
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
const TRANSITION_HEADER: [&str; 5] = [
    "AGO",
    "TRANSACTIONAL ID",
    "PRODUCER",
    "CHANGE",
    "PARTITIONS",
];
const TRANSITION_WIDTHS: [Constraint; 5] = [
    Constraint::Length(8),
    Constraint::Min(16),
    Constraint::Length(9),
    Constraint::Min(30),
    Constraint::Min(10),
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
            let open = TxnState::from_name(&t.state).is_some_and(TxnState::is_open);
            let (age, hanging) = if t.start_timestamp_ms < 0 || !open {
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
    let title = match &app.transitions_source {
        TransitionSource::Starting => "Latest transitions · starting kf txn trace".to_string(),
        TransitionSource::Trace => "Latest transitions and markers · kf txn trace".to_string(),
        TransitionSource::Polls(reason) => {
            format!("Latest state changes between polls · no trace: {reason}")
        }
    };
    draw_list(
        frame,
        changes,
        pane(title, &freshness),
        (&TRANSITION_HEADER, &TRANSITION_WIDTHS),
        recent.len(),
        None,
        |i| {
            let t = recent[i];
            let e = &t.event;
            Row::new(vec![
                duration_ms(app.now_ms.saturating_sub(t.at_ms)),
                e.transactional_id
                    .clone()
                    .unwrap_or_else(|| "-".to_string()),
                format!("{}/{}", e.producer_id, e.producer_epoch),
                e.change(),
                e.partition_list(),
            ])
        },
    );
}

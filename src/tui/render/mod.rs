//! Drawing: the frame (view tabs, status, key hints, help) here, one file per view. Renderers
//! read the `App` and the rows `tui::rows` derives from it; they never change state.

mod cluster;
mod format;
mod groups;
mod help;
mod partitions;
mod topics;
mod transactions;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;

use super::app::{App, View};
use super::feed::Freshness;

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &App) {
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    frame.render_widget(tabs(app), header);
    match app.view {
        View::Cluster => cluster::draw(frame, body, app),
        View::Topics if app.open_topic.is_some() => partitions::draw(frame, body, app),
        View::Topics => topics::draw(frame, body, app),
        View::Groups => groups::draw(frame, body, app),
        View::Transactions => transactions::draw(frame, body, app),
    }
    frame.render_widget(key_hints(app), footer);
    if app.show_help {
        help::draw(frame, frame.area());
    }
}

/// How many list rows the body shows in a terminal `height` rows tall (frame, borders and
/// table header excluded), for PageUp/PageDown.
pub fn list_rows(height: u16) -> u16 {
    height.saturating_sub(5).max(1)
}

fn tabs(app: &App) -> Line<'static> {
    let mut spans = vec![Span::from(" kf top ").bold()];
    for (i, view) in View::ALL.iter().enumerate() {
        let label = format!(" {} {} ", i + 1, view.title());
        spans.push(if *view == app.view {
            Span::from(label).reversed()
        } else {
            Span::from(label)
        });
    }
    if app.paused {
        spans.push(Span::from(" PAUSED ").black().on_yellow());
    }
    let every = format::duration_ms(app.interval_ms);
    spans.push(Span::from(format!("  every {every} · {}", app.source)).dim());
    Line::from(spans)
}

fn key_hints(app: &App) -> Line<'static> {
    let list = app.current_list();
    if app.editing_filter {
        return Line::from(vec![
            Span::from(" filter: ").bold(),
            Span::from(format!("{}▏", app.filter(list))),
            Span::from("  Enter keep · Esc clear").dim(),
        ]);
    }
    if let Some(notice) = app.current_notice() {
        let text = Span::from(format!(" {} ", notice.text));
        return Line::from(if notice.error {
            text.white().on_red()
        } else {
            text.black().on_green()
        });
    }
    let mut spans = vec![Span::from(
        " ?:keys 1-4/Tab:view ↑↓:select Enter:open Esc:back /:filter p:pause q:quit",
    )
    .dim()];
    let filter = app.filter(list);
    if !filter.is_empty() {
        spans.push(Span::from(format!("  filter: {filter}")).yellow());
    }
    Line::from(spans)
}

/// A bordered pane whose title carries the feed's freshness: a stale value is marked in
/// yellow with its age and the reason.
fn pane<'a>(title: impl Into<String>, freshness: &Freshness) -> Block<'a> {
    let mut spans = vec![Span::from(format!(" {} ", title.into())).bold()];
    if let Freshness::Stale { age_ms, reason } = freshness {
        spans.push(
            Span::from(format!(
                " STALE {} ago: {reason} ",
                format::duration_ms(*age_ms)
            ))
            .black()
            .on_yellow(),
        );
    }
    Block::bordered().title(Line::from(spans))
}

/// What a pane says instead of a value, when it has none.
fn placeholder(freshness: &Freshness) -> Option<Paragraph<'static>> {
    let (text, style) = match freshness {
        Freshness::Loading => ("waiting for the first answer…".to_string(), Style::new()),
        Freshness::Unsupported { reason } => (
            format!("Not shown: {reason}."),
            Style::new().fg(Color::Cyan),
        ),
        Freshness::Failed { reason } => (format!("Cannot read: {reason}"), Style::new().red()),
        Freshness::Fresh | Freshness::Stale { .. } => return None,
    };
    Some(Paragraph::new(text).style(style).wrap(Wrap { trim: true }))
}

/// Draws `pane` with its placeholder when the feed has no value; true when it did.
fn draw_placeholder(frame: &mut Frame, area: Rect, block: Block, freshness: &Freshness) -> bool {
    match placeholder(freshness) {
        Some(message) => {
            frame.render_widget(message.block(block), area);
            true
        }
        None => false,
    }
}

/// The rows of a `len`-row list that fit `height` lines with `selected` visible.
fn window(len: usize, selected: usize, height: u16) -> std::ops::Range<usize> {
    let height = usize::from(height).max(1);
    let start = selected
        .saturating_sub(height - 1)
        .min(len.saturating_sub(height));
    start..len.min(start + height)
}

/// A table of only the visible rows (`visible` are their indexes in the whole list), with the
/// selection highlighted; `make` builds one row. Building only what shows keeps lists of
/// thousands of rows cheap to draw.
fn draw_list<'a>(
    frame: &mut Frame,
    area: Rect,
    block: Block<'a>,
    (header, widths): (&'a [&'a str], &'a [Constraint]),
    len: usize,
    selected: Option<usize>,
    make: impl Fn(usize) -> Row<'a>,
) {
    let inner_height = area.height.saturating_sub(3);
    let visible = window(len, selected.unwrap_or(0), inner_height);
    let start = visible.start;
    let rows: Vec<Row> = visible.map(make).collect();
    let table = Table::new(rows, widths.iter().copied())
        .header(Row::new(header.iter().copied()).bold().underlined())
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
        .block(block);
    let mut state =
        TableState::default().with_selected(selected.filter(|_| len > 0).map(|s| s - start));
    frame.render_stateful_widget(table, area, &mut state);
}

#[cfg(test)]
mod tests;

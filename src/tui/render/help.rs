//! The `?` overlay: every key.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Stylize;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

pub const KEYS: [(&str, &str); 14] = [
    ("1 2 3 4", "Cluster, Topics, Groups, Transactions"),
    ("Tab / Shift-Tab", "next / previous view"),
    ("↑ ↓  j k", "move the selection (k: not on Cluster)"),
    ("PgUp PgDn Home End", "move by a page, to the ends"),
    ("mouse wheel", "scroll the list"),
    ("Enter", "open the selected topic or group"),
    ("Esc", "clear the filter, then close the topic or group"),
    ("/", "filter this list (Enter keeps, Esc clears)"),
    ("p", "pause: keep the screen as it is"),
    (
        "k s i h",
        "local cluster: kill, start, isolate, heal broker",
    ),
    ("H", "local cluster: heal every link"),
    ("?", "this help (any key closes)"),
    ("q  Ctrl-C", "quit"),
    ("", "STALE: the latest poll failed or is late"),
];

pub fn draw(frame: &mut Frame, area: Rect) {
    let height = u16::try_from(KEYS.len() + 2).unwrap_or(u16::MAX);
    let [row] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(70)])
        .flex(Flex::Center)
        .areas(row);
    let lines: Vec<Line> = KEYS
        .iter()
        .map(|(key, what)| Line::from(vec![format!("{key:>18}  ").bold(), (*what).into()]))
        .collect();
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" Keys ")),
        popup,
    );
}

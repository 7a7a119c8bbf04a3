//! Render tests: each view drawn on ratatui's TestBackend at 80x24 and 160x40, compared with
//! insta snapshots (`snapshots/`), in normal, empty, failed, stale and unsupported states.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::draw;
use crate::tui::app::{App, Input};
use crate::tui::feed::PollError;
use crate::tui::fixtures::{self, busy_app};
use crate::tui::model::{OffsetKind, Poll};

/// The screen as text, one line per row, trailing blanks trimmed.
fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| draw(frame, app)).unwrap();
    let buffer = terminal.backend().buffer();
    (0..height)
        .map(|y| {
            let line: String = (0..width).map(|x| buffer[(x, y)].symbol()).collect();
            line.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Snapshots `app` at the small and the wide size.
fn both_sizes(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), screen(app, 80, 24));
    insta::assert_snapshot!(format!("{name}_160x40"), screen(app, 160, 40));
}

fn with_keys(mut app: App, keys: &[Input]) -> App {
    for key in keys {
        app.on_input(*key);
    }
    app
}

#[test]
fn cluster_view() {
    both_sizes("cluster", &busy_app());
}

#[test]
fn cluster_view_before_any_answer() {
    both_sizes("cluster_loading", &fixtures::app());
}

#[test]
fn cluster_view_when_the_cluster_cannot_be_read_and_has_no_quorum() {
    let mut app = fixtures::app();
    app.on_poll(
        Poll::Cluster(Err(PollError::Failed(
            "connection refused (127.0.0.1:9092)".into(),
        ))),
        0,
    );
    app.on_poll(
        Poll::Quorum(Err(PollError::Unsupported(
            "this cluster does not offer DescribeQuorum (API key 55)".into(),
        ))),
        0,
    );
    both_sizes("cluster_failed", &app);
}

#[test]
fn cluster_view_stale_after_a_failed_poll() {
    let mut app = busy_app();
    app.on_poll(
        Poll::Cluster(Err(PollError::Failed(
            "Metadata timed out after 5000 ms".into(),
        ))),
        6_000,
    );
    app.on_tick(7_000);
    insta::assert_snapshot!("cluster_stale_80x24", screen(&app, 80, 24));
}

#[test]
fn topics_view() {
    both_sizes("topics", &with_keys(busy_app(), &[Input::Char('2')]));
}

#[test]
fn topics_view_filtered_and_empty() {
    let mut keys = vec![Input::Char('2'), Input::Char('/')];
    keys.extend("nothing".chars().map(Input::Char));
    insta::assert_snapshot!(
        "topics_filtered_empty_80x24",
        screen(&with_keys(busy_app(), &keys), 80, 24)
    );
}

#[test]
fn partitions_view_with_an_isr_change_and_a_stale_leader() {
    let mut app = with_keys(busy_app(), &[Input::Char('2'), Input::Enter]);
    app.on_poll(
        fixtures::cluster(vec![fixtures::topic(
            "orders",
            vec![
                fixtures::partition(0, &[0, 1, 2], &[0, 2]),
                fixtures::partition(1, &[1, 2, 0], &[1, 2, 0]),
                fixtures::partition(2, &[2, 0, 1], &[2, 0]),
            ],
        )]),
        1_500,
    );
    app.on_poll(
        Poll::Offsets(crate::tui::model::OffsetsPoll {
            kind: OffsetKind::HighWatermark,
            brokers: vec![crate::tui::model::BrokerOffsets {
                broker_id: 2,
                offsets: Err(PollError::Failed("ListOffsets timed out".into())),
                sizes: None,
            }],
        }),
        2_000,
    );
    both_sizes("partitions", &app);
}

#[test]
fn groups_view_and_a_groups_members() {
    let mut app = busy_app();
    app.on_poll(fixtures::groups(), 1_000);
    let app = with_keys(app, &[Input::Char('3')]);
    both_sizes("groups", &app);
    let app = with_keys(app, &[Input::Down, Input::Enter]);
    both_sizes("group_members", &app);
}

#[test]
fn groups_view_when_the_cluster_does_not_offer_groups() {
    let mut app = with_keys(busy_app(), &[Input::Char('3')]);
    app.on_poll(
        Poll::Groups(Err(PollError::Unsupported(
            "this cluster does not offer ListGroups (API key 16)".into(),
        ))),
        1_000,
    );
    insta::assert_snapshot!("groups_unsupported_80x24", screen(&app, 80, 24));
}

#[test]
fn transactions_view_with_a_hanging_transaction_and_the_traces_events() {
    let mut app = busy_app();
    app.on_poll(fixtures::transactions("Ongoing"), 1_000);
    app.on_poll(fixtures::trace_commit(), 1_500);
    app.on_poll(fixtures::transactions("CompleteCommit"), 2_000);
    both_sizes("transactions", &with_keys(app, &[Input::Char('4')]));
}

#[test]
fn transactions_view_when_the_cluster_refuses_the_trace() {
    let mut app = busy_app();
    app.on_poll(
        Poll::Trace(Err(PollError::Failed(
            "Fetch __transaction_state-0: TOPIC_AUTHORIZATION_FAILED".into(),
        ))),
        500,
    );
    app.on_poll(fixtures::transactions("Ongoing"), 1_000);
    app.on_poll(fixtures::transactions("PrepareCommit"), 2_000);
    both_sizes(
        "transactions_no_trace",
        &with_keys(app, &[Input::Char('4')]),
    );
}

#[test]
fn transactions_view_when_the_cluster_does_not_offer_them() {
    let mut app = with_keys(busy_app(), &[Input::Char('4')]);
    app.on_poll(
        Poll::Transactions(Err(PollError::Unsupported(
            "this cluster does not offer ListTransactions (API key 66)".into(),
        ))),
        1_000,
    );
    insta::assert_snapshot!("transactions_unsupported_80x24", screen(&app, 80, 24));
}

#[test]
fn cluster_view_of_a_local_cluster_with_a_broker_down_and_one_isolated() {
    use crate::cluster::control::BrokerState;
    let mut app = busy_app().with_local_cluster();
    app.on_poll(
        fixtures::local_status([BrokerState::Up, BrokerState::Down, BrokerState::Isolated]),
        1_000,
    );
    let app = with_keys(app, &[Input::Down, Input::Down, Input::Char('i')]);
    both_sizes("cluster_local_faults", &app);
}

#[test]
fn help_and_pause() {
    let app = with_keys(busy_app(), &[Input::Char('p'), Input::Char('?')]);
    insta::assert_snapshot!("help_paused_80x24", screen(&app, 80, 24));
}

/// 10,000 partitions (one topic of 5,000 and 500 of 10): a key and the redraw after it, and
/// taking a metadata or offsets answer (which a key may wait behind), stay far under the 50 ms
/// budget. The bound asserted is generous for a loaded debug build; the
/// time is printed (`--nocapture`) for a release measurement.
#[test]
fn ten_thousand_partitions_stay_responsive() {
    let mut app = fixtures::app();
    let mut topics = vec![fixtures::topic(
        "big",
        (0..5_000)
            .map(|p| fixtures::partition(p, &[p % 3, (p + 1) % 3], &[p % 3, (p + 1) % 3]))
            .collect(),
    )];
    topics.extend((0..500).map(|t| {
        fixtures::topic(
            &format!("t{t:03}"),
            (0..10)
                .map(|p| fixtures::partition(p, &[0], &[0]))
                .collect(),
        )
    }));
    // Answers are taken on the drawing thread too, so a key can wait behind one.
    let mut slowest_poll = std::time::Duration::ZERO;
    for at_ms in [0, 500] {
        let poll = fixtures::cluster(topics.clone());
        let started = std::time::Instant::now();
        app.on_poll(poll, at_ms);
        slowest_poll = slowest_poll.max(started.elapsed());
    }
    for round in 0..3u64 {
        let mut values: Vec<(String, i32, i64)> = (0..5_000)
            .map(|p| ("big".to_string(), p, (round * 10) as i64))
            .collect();
        values.extend(
            (0..500)
                .flat_map(|t| (0..10).map(move |p| (format!("t{t:03}"), p, (round * 5) as i64))),
        );
        let borrowed: Vec<(&str, i32, i64)> = values
            .iter()
            .map(|(t, p, o)| (t.as_str(), *p, *o))
            .collect();
        let poll = fixtures::offsets(OffsetKind::HighWatermark, 0, &borrowed);
        let started = std::time::Instant::now();
        app.on_poll(poll, round * 1_000);
        slowest_poll = slowest_poll.max(started.elapsed());
    }
    let mut terminal = Terminal::new(TestBackend::new(160, 50)).unwrap();
    let mut worst = std::time::Duration::ZERO;
    let keys = [
        Input::Char('2'),
        Input::Down,
        Input::End,
        Input::Home,
        Input::Enter,
        Input::PageDown,
        Input::End,
        Input::Char('/'),
        Input::Char('4'),
        Input::Enter,
        Input::Esc,
        Input::Esc,
    ];
    for key in keys {
        let started = std::time::Instant::now();
        app.on_input(key);
        terminal.draw(|frame| draw(frame, &app)).unwrap();
        worst = worst.max(started.elapsed());
    }
    assert_eq!(app.open_topic, None);
    println!(
        "10,000 partitions: slowest key + redraw {worst:?}, slowest poll answer taken \
         {slowest_poll:?}"
    );
    assert!(worst < std::time::Duration::from_millis(1_000), "{worst:?}");
    assert!(
        slowest_poll < std::time::Duration::from_millis(1_000),
        "{slowest_poll:?}"
    );
}

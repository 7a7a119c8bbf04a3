#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::tui::fixtures::{self, busy_app};
use crate::tui::rows::{partition_rows, topic_rows};

fn keys(app: &mut App, inputs: &[Input]) {
    for input in inputs {
        app.on_input(*input);
    }
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.on_input(Input::Char(c));
    }
}

#[test]
fn number_keys_and_tab_switch_views() {
    let mut app = fixtures::app();
    assert_eq!(app.view, View::Cluster);
    keys(&mut app, &[Input::Char('3')]);
    assert_eq!(app.view, View::Groups);
    keys(&mut app, &[Input::Tab]);
    assert_eq!(app.view, View::Transactions);
    keys(&mut app, &[Input::Tab]);
    assert_eq!(app.view, View::Cluster);
    keys(&mut app, &[Input::BackTab]);
    assert_eq!(app.view, View::Transactions);
    keys(&mut app, &[Input::Char('9')]);
    assert_eq!(app.view, View::Transactions);
}

#[test]
fn selection_moves_within_the_list_and_enter_opens_the_topic() {
    let mut app = busy_app();
    keys(&mut app, &[Input::Char('2'), Input::Up]);
    assert_eq!(app.selected(ListId::Topics, 2), 0);
    keys(&mut app, &[Input::Down, Input::Down, Input::Down]);
    assert_eq!(app.selected(ListId::Topics, 2), 1);
    keys(&mut app, &[Input::ScrollUp]);
    assert_eq!(app.selected(ListId::Topics, 2), 0);
    keys(&mut app, &[Input::End, Input::Enter]);
    assert_eq!(app.open_topic.as_deref(), Some("payments"));
    assert_eq!(app.current_list(), ListId::Partitions);
    assert_eq!(partition_rows(&app).len(), 1);
    keys(&mut app, &[Input::Esc]);
    assert_eq!(app.open_topic, None);
    keys(&mut app, &[Input::Home, Input::Enter]);
    assert_eq!(app.open_topic.as_deref(), Some("orders"));
    assert_eq!(partition_rows(&app).len(), 3);
}

#[test]
fn page_keys_move_by_the_screens_rows() {
    let mut app = fixtures::app();
    let many = (0..50)
        .map(|i| {
            fixtures::topic(
                &format!("t{i:02}"),
                vec![fixtures::partition(0, &[0], &[0])],
            )
        })
        .collect();
    app.on_poll(fixtures::cluster(many), 0);
    keys(
        &mut app,
        &[
            Input::Char('2'),
            Input::Resize { rows: 20 },
            Input::PageDown,
        ],
    );
    assert_eq!(app.selected(ListId::Topics, 50), 20);
    keys(&mut app, &[Input::PageDown, Input::PageDown]);
    assert_eq!(app.selected(ListId::Topics, 50), 49);
    keys(&mut app, &[Input::PageUp]);
    assert_eq!(app.selected(ListId::Topics, 50), 29);
}

#[test]
fn a_filter_narrows_the_current_list_only_and_esc_clears_it() {
    let mut app = busy_app();
    keys(&mut app, &[Input::Char('2'), Input::Char('/')]);
    assert!(app.editing_filter);
    type_text(&mut app, "PAY");
    // Keys typed into the filter are not commands: 'p' did not pause.
    assert!(!app.paused);
    keys(&mut app, &[Input::Enter]);
    assert!(!app.editing_filter);
    let rows = topic_rows(&app);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].name, "payments");
    assert_eq!(app.filter(ListId::Brokers), "");
    keys(
        &mut app,
        &[Input::Char('/'), Input::Backspace, Input::Backspace],
    );
    assert_eq!(app.filter(ListId::Topics), "P");
    keys(&mut app, &[Input::Enter, Input::Esc]);
    assert_eq!(app.filter(ListId::Topics), "");
    assert_eq!(topic_rows(&app).len(), 2);
    keys(&mut app, &[Input::Char('/'), Input::Char('x'), Input::Esc]);
    assert_eq!(app.filter(ListId::Topics), "");
    assert!(!app.editing_filter);
}

#[test]
fn pause_keeps_the_screen_until_unpaused() {
    let mut app = busy_app();
    keys(&mut app, &[Input::Char('p')]);
    assert!(app.paused);
    app.on_poll(
        fixtures::offsets(OffsetKind::HighWatermark, 0, &[("orders", 0, 5_000)]),
        2_000,
    );
    let tp = TopicPartition::new("orders", 0);
    assert_eq!(app.partitions.partitions[&tp].high_watermark, Some(1_100));
    keys(&mut app, &[Input::Char('p')]);
    app.on_poll(
        fixtures::offsets(OffsetKind::HighWatermark, 0, &[("orders", 0, 1_300)]),
        3_000,
    );
    assert_eq!(app.partitions.partitions[&tp].high_watermark, Some(1_300));
    // The rate spans the two samples the dashboard took, 2 s apart.
    assert_eq!(app.partitions.partitions[&tp].records_per_s, Some(100.0));
}

#[test]
fn two_polls_give_records_bytes_and_rates_per_topic() {
    let app = busy_app();
    let rows = topic_rows(&app);
    let orders = rows.iter().find(|t| t.name == "orders").unwrap();
    assert_eq!(orders.records_per_s, Some(150.0));
    assert_eq!(orders.bytes_per_s, Some(15_000.0));
    // 1100-100 for partition 0 (log start known); the others have no log start yet.
    assert_eq!(orders.records, 1_000);
    assert_eq!(orders.under_replicated, 1);
    assert_eq!(orders.replication_factor, 3);
    let partitions = rows::topic_partition_rows(&app, "orders", "");
    assert_eq!(partitions[0].records_per_s, Some(100.0));
    assert_eq!(partitions[1].records_per_s, Some(50.0));
    assert_eq!(partitions[2].records_per_s, Some(0.0));
}

#[test]
fn an_isr_change_is_highlighted_for_a_while() {
    let mut app = busy_app();
    let shrunk = fixtures::cluster(vec![
        fixtures::topic(
            "orders",
            vec![
                fixtures::partition(0, &[0, 1, 2], &[0, 2]),
                fixtures::partition(1, &[1, 2, 0], &[1, 2, 0]),
                fixtures::partition(2, &[2, 0, 1], &[2, 0]),
            ],
        ),
        fixtures::topic("payments", vec![fixtures::partition(0, &[1], &[1])]),
    ]);
    app.on_poll(shrunk, 2_000);
    let rows = rows::topic_partition_rows(&app, "orders", "");
    assert_eq!(rows[0].isr_changed_from.as_deref(), Some(&[0, 1, 2][..]));
    assert_eq!(rows[1].isr_changed_from, None);
    app.on_tick(2_000 + rows::ISR_HIGHLIGHT_MS);
    let rows = rows::topic_partition_rows(&app, "orders", "");
    assert_eq!(rows[0].isr_changed_from, None);
}

#[test]
fn a_deleted_topic_leaves_the_state_and_the_open_view_empties() {
    let mut app = busy_app();
    keys(&mut app, &[Input::Char('2'), Input::Enter]);
    assert_eq!(app.open_topic.as_deref(), Some("orders"));
    app.on_poll(
        fixtures::cluster(vec![fixtures::topic(
            "payments",
            vec![fixtures::partition(0, &[1], &[1])],
        )]),
        2_000,
    );
    assert!(partition_rows(&app).is_empty());
    assert!(app
        .partitions
        .partitions
        .keys()
        .all(|tp| tp.topic == "payments"));
    assert!(!app.partitions.topic_history.contains_key("orders"));
}

#[test]
fn groups_enter_opens_a_group_and_lag_has_a_trend() {
    let mut app = busy_app();
    app.on_poll(fixtures::groups(), 1_000);
    app.on_poll(fixtures::groups(), 2_000);
    keys(&mut app, &[Input::Char('3'), Input::Down, Input::Enter]);
    assert_eq!(app.open_group.as_deref(), Some("billing"));
    assert_eq!(rows::group_offset_rows(&app).len(), 2);
    assert_eq!(app.group_lag_history["billing"].samples().len(), 2);
    assert_eq!(app.group_lag_history["billing"].last(), Some(10.0));
}

fn changes(app: &App) -> Vec<String> {
    app.transitions.iter().map(|t| t.event.change()).collect()
}

#[test]
fn the_pane_shows_the_traces_events_and_not_poll_differences() {
    let mut app = fixtures::app();
    assert_eq!(app.transitions_source, TransitionSource::Starting);
    app.on_poll(fixtures::transactions("Ongoing"), 1_000);
    app.on_poll(fixtures::transactions("CompleteCommit"), 2_000);
    // Until the trace answers, nothing is made up from polls.
    assert!(app.transitions.is_empty());
    app.on_poll(Poll::Trace(Ok(Vec::new())), 2_100);
    assert_eq!(app.transitions_source, TransitionSource::Trace);
    app.on_poll(fixtures::trace_commit(), 2_500);
    app.on_poll(fixtures::transactions("Ongoing"), 3_000);
    assert_eq!(
        changes(&app),
        [
            "Empty -> Ongoing",
            "Ongoing -> PrepareCommit",
            "COMMIT marker at offset 42",
            "PrepareCommit -> CompleteCommit"
        ]
    );
    assert_eq!(app.transitions.back().unwrap().at_ms, 2_500);
}

#[test]
fn a_refused_trace_falls_back_to_changes_between_polls() {
    let mut app = fixtures::app();
    let reason = "TOPIC_AUTHORIZATION_FAILED reading __transaction_state";
    app.on_poll(Poll::Trace(Err(PollError::Failed(reason.into()))), 500);
    assert_eq!(
        app.transitions_source,
        TransitionSource::Polls(reason.into())
    );
    app.on_poll(fixtures::transactions("Ongoing"), 1_000);
    app.on_poll(fixtures::transactions("Ongoing"), 2_000);
    app.on_poll(fixtures::transactions("CompleteCommit"), 3_000);
    let writer: Vec<String> = app
        .transitions
        .iter()
        .filter(|t| t.event.transactional_id.as_deref() == Some("orders-writer"))
        .map(|t| t.event.change())
        .collect();
    assert_eq!(writer, ["- -> Ongoing", "Ongoing -> CompleteCommit"]);
    let last = &app.transitions.back().unwrap();
    assert_eq!(last.at_ms, 3_000);
    assert_eq!(last.event.timestamp, fixtures::STARTED_WALL_MS + 3_000);
    // The trace comes back: its events only, from then on.
    app.on_poll(Poll::Trace(Ok(Vec::new())), 3_500);
    let before = app.transitions.len();
    app.on_poll(fixtures::transactions("Ongoing"), 4_000);
    assert_eq!(app.transitions.len(), before);
}

#[test]
fn trace_events_that_arrive_while_paused_show_on_resuming() {
    let mut app = fixtures::app();
    app.on_poll(Poll::Trace(Ok(Vec::new())), 0);
    keys(&mut app, &[Input::Char('p')]);
    app.on_poll(fixtures::trace_commit(), 1_000);
    assert!(app.transitions.is_empty());
    keys(&mut app, &[Input::Char('p')]);
    assert_eq!(changes(&app).len(), 4);
    // The pane keeps the latest TRANSITIONS_KEPT.
    for at in 0..30 {
        app.on_poll(fixtures::trace_commit(), 2_000 + at);
    }
    assert_eq!(app.transitions.len(), TRANSITIONS_KEPT);
}

#[test]
fn help_closes_on_any_key_and_q_or_ctrl_c_quit() {
    let mut app = fixtures::app();
    keys(&mut app, &[Input::Char('?')]);
    assert!(app.show_help);
    keys(&mut app, &[Input::Char('2')]);
    assert!(!app.show_help);
    assert_eq!(app.view, View::Cluster);
    keys(&mut app, &[Input::Char('/'), Input::Char('q')]);
    assert!(!app.should_quit);
    keys(&mut app, &[Input::Interrupt]);
    assert!(app.should_quit);
    let mut app = fixtures::app();
    keys(&mut app, &[Input::Char('q')]);
    assert!(app.should_quit);
}

#[test]
fn a_failing_broker_marks_its_partitions_stale_and_the_offsets_feed_too() {
    let mut app = busy_app();
    app.on_poll(
        Poll::Offsets(crate::tui::model::OffsetsPoll {
            kind: OffsetKind::HighWatermark,
            brokers: vec![crate::tui::model::BrokerOffsets {
                broker_id: 0,
                offsets: Err(PollError::Failed(
                    "ListOffsets timed out after 5000 ms".into(),
                )),
                sizes: None,
            }],
        }),
        2_000,
    );
    let rows = rows::topic_partition_rows(&app, "orders", "");
    assert_eq!(
        rows[0].stale.as_deref(),
        Some("ListOffsets timed out after 5000 ms")
    );
    assert_eq!(rows[0].high_watermark, Some(1_100));
    assert!(
        rows[1].stale.is_none(),
        "led by broker 1, which did not fail"
    );
    assert!(matches!(
        app.offsets.freshness(2_000, fixtures::INTERVAL_MS),
        crate::tui::feed::Freshness::Stale { .. }
    ));
}

#[test]
fn fault_keys_queue_control_requests_for_the_selected_broker_on_a_local_cluster_only() {
    use crate::cluster::control::{BrokerState, ControlRequest};
    let mut remote = busy_app();
    keys(&mut remote, &[Input::Down, Input::Char('k')]);
    assert!(remote.outbox.is_empty());
    let notice = remote.current_notice().unwrap();
    assert!(notice.error && notice.text.contains("only on a local kf cluster"));
    // Elsewhere k still moves up.
    keys(
        &mut remote,
        &[Input::Char('2'), Input::Down, Input::Char('k')],
    );
    assert_eq!(remote.selected(ListId::Topics, 2), 0);

    let mut app = busy_app().with_local_cluster();
    app.on_poll(
        fixtures::local_status([BrokerState::Up, BrokerState::Up, BrokerState::Up]),
        1_000,
    );
    keys(&mut app, &[Input::Down, Input::Char('k')]);
    keys(&mut app, &[Input::Char('s'), Input::Down, Input::Char('i')]);
    keys(&mut app, &[Input::Char('h'), Input::Char('H')]);
    assert_eq!(
        app.outbox,
        [
            ControlRequest::Kill { broker_id: 1 },
            ControlRequest::Start { broker_id: 1 },
            ControlRequest::Isolate { broker_id: 2 },
            ControlRequest::Heal { broker_id: Some(2) },
            ControlRequest::Heal { broker_id: None },
        ]
    );
    // The answer shows in the footer, even while paused, and goes after NOTICE_MS.
    keys(&mut app, &[Input::Char('p')]);
    app.on_poll(Poll::Fault(Ok("broker 1 killed".into())), 2_000);
    assert_eq!(app.current_notice().unwrap().text, "broker 1 killed");
    app.on_poll(Poll::Fault(Err("broker 9 is not running".into())), 2_100);
    assert!(app.current_notice().unwrap().error);
    app.on_tick(2_100 + NOTICE_MS);
    assert_eq!(app.current_notice(), None);
}

#[test]
fn broker_states_come_from_the_local_cluster_and_unlisted_replicas_stay_visible() {
    use crate::cluster::control::BrokerState;
    use crate::tui::rows::broker_rows;
    let states = |app: &App| -> Vec<(i32, String)> {
        broker_rows(app)
            .into_iter()
            .map(|b| (b.id, b.state))
            .collect()
    };
    let mut app = busy_app();
    assert_eq!(
        states(&app),
        [(0, "up".into()), (1, "up".into()), (2, "up".into())]
    );
    // A remote cluster stops listing broker 2 (down or fenced) while replicas name it.
    let mut poll = fixtures::two_topics();
    if let Poll::Cluster(Ok(c)) = &mut poll {
        c.cluster.brokers.retain(|b| b.node_id != 2);
    }
    app.on_poll(poll.clone(), 2_000);
    assert_eq!(states(&app)[2], (2, "unlisted".into()));
    assert_eq!(broker_rows(&app)[2].address(), "-");
    // DescribeCluster v2 lists it as fenced.
    let mut fenced = poll.clone();
    if let Poll::Cluster(Ok(c)) = &mut fenced {
        c.cluster
            .fenced_brokers
            .push(crate::client::cluster_metadata::BrokerMetadata {
                node_id: 2,
                host: "127.0.0.1".into(),
                port: 9094,
                rack: None,
            });
    }
    app.on_poll(fenced, 2_500);
    assert_eq!(states(&app)[2], (2, "fenced".into()));
    assert_eq!(broker_rows(&app)[2].address(), "127.0.0.1:9094");

    let mut local = busy_app().with_local_cluster();
    local.on_poll(poll, 2_000);
    local.on_poll(
        fixtures::local_status([BrokerState::Up, BrokerState::Isolated, BrokerState::Down]),
        2_000,
    );
    assert_eq!(
        states(&local),
        [(0, "up".into()), (1, "isolated".into()), (2, "down".into())]
    );
    assert_eq!(broker_rows(&local)[2].address(), "127.0.0.1:9094");
}

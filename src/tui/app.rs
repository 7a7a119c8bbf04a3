//! The dashboard's state and the pure functions that change it: `on_input` for keys and
//! mouse, `on_poll` for the poller's answers, `on_tick` for the clock. No I/O here, so every
//! behaviour is a unit test away.

use std::collections::{HashMap, VecDeque};

use super::feed::{Feed, PollError};
use super::model::{ClusterPoll, GroupSummary, OffsetKind, Poll, TransactionSummary};
use super::rows;
use super::stats::{History, PartitionTable};
use crate::client::admin::QuorumDescription;
use crate::client::cluster_metadata::PartitionMetadata;
use crate::client::txn_trace::{EventKind, TraceEvent};
use crate::client::TopicPartition;
use crate::cluster::control::{ClusterStatus, ControlRequest};

/// The four views, in the order of their number keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    Cluster,
    Topics,
    Groups,
    Transactions,
}

impl View {
    pub const ALL: [View; 4] = [
        View::Cluster,
        View::Topics,
        View::Groups,
        View::Transactions,
    ];

    pub fn title(self) -> &'static str {
        match self {
            View::Cluster => "Cluster",
            View::Topics => "Topics",
            View::Groups => "Groups",
            View::Transactions => "Transactions",
        }
    }

    fn index(self) -> usize {
        View::ALL.iter().position(|v| *v == self).unwrap_or(0)
    }
}

/// A list that has its own selection and filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListId {
    Brokers,
    Topics,
    Partitions,
    Groups,
    GroupOffsets,
    Transactions,
}

/// What the terminal delivered, already free of the terminal library's types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    Backspace,
    /// Ctrl-C.
    Interrupt,
    ScrollUp,
    ScrollDown,
    /// The terminal's body now shows this many list rows.
    Resize {
        rows: u16,
    },
}

/// Everything the dashboard shows and how the user is looking at it.
#[derive(Debug, Clone)]
pub struct App {
    pub view: View,
    pub open_topic: Option<String>,
    pub open_group: Option<String>,
    pub paused: bool,
    pub show_help: bool,
    /// Keys go to the current list's filter while true.
    pub editing_filter: bool,
    pub should_quit: bool,
    /// Ms since the dashboard started, as of the latest tick.
    pub now_ms: u64,
    pub interval_ms: u64,
    /// Where the dashboard is connected, for the title bar.
    pub source: String,
    filters: HashMap<ListId, String>,
    selection: HashMap<ListId, usize>,
    page_rows: usize,
    pub cluster: Feed<ClusterPoll>,
    pub quorum: Feed<QuorumDescription>,
    /// When the latest high-watermark round arrived, and whether every broker answered it.
    pub offsets: Feed<()>,
    pub partitions: PartitionTable,
    pub groups: Feed<Vec<GroupSummary>>,
    pub transactions: Feed<Vec<TransactionSummary>>,
    /// Each group's total lag, one sample per groups poll.
    pub group_lag_history: HashMap<String, History>,
    /// The latest transaction events, newest last: `kf txn trace`'s, or changes between
    /// polls when the trace cannot run (`transitions_source` says which).
    pub transitions: VecDeque<Transition>,
    pub transitions_source: TransitionSource,
    /// Trace events that arrived while paused, shown on resuming.
    held_events: Vec<Transition>,
    /// The wall clock (ms since the epoch) when `now_ms` was 0, to age transactions.
    pub started_wall_ms: i64,
    /// The local `kf cluster up`'s status, when the dashboard watches one (fault keys work).
    pub local: Option<Feed<ClusterStatus>>,
    /// Fault requests for the event loop to send to the local cluster, oldest first.
    pub outbox: Vec<ControlRequest>,
    /// The latest notice for the footer (a fault's outcome).
    pub notice: Option<Notice>,
}

/// A one-line notice in the footer, shown for `NOTICE_MS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub at_ms: u64,
    pub text: String,
    pub error: bool,
}

/// How long a notice stays in the footer.
pub const NOTICE_MS: u64 = 8_000;

/// How many transaction events the Transactions view keeps.
pub const TRANSITIONS_KEPT: usize = 100;

/// A transaction event and when the dashboard saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// Ms since the dashboard started.
    pub at_ms: u64,
    pub event: TraceEvent,
}

/// Where the transitions pane's events come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionSource {
    /// The trace has not answered yet.
    Starting,
    /// `kf txn trace`'s follower: every transition and marker as the cluster wrote them.
    Trace,
    /// The trace cannot run (why): state changes between ListTransactions polls.
    Polls(String),
}

impl App {
    pub fn new(source: impl Into<String>, interval_ms: u64, started_wall_ms: i64) -> Self {
        App {
            view: View::Cluster,
            open_topic: None,
            open_group: None,
            paused: false,
            show_help: false,
            editing_filter: false,
            should_quit: false,
            now_ms: 0,
            interval_ms,
            source: source.into(),
            filters: HashMap::new(),
            selection: HashMap::new(),
            page_rows: 10,
            cluster: Feed::default(),
            quorum: Feed::default(),
            offsets: Feed::default(),
            partitions: PartitionTable::default(),
            groups: Feed::default(),
            transactions: Feed::default(),
            group_lag_history: HashMap::new(),
            transitions: VecDeque::new(),
            transitions_source: TransitionSource::Starting,
            held_events: Vec::new(),
            started_wall_ms,
            local: None,
            outbox: Vec::new(),
            notice: None,
        }
    }

    /// The dashboard watches a local `kf cluster up`: its status is polled, fault keys work.
    pub fn with_local_cluster(mut self) -> Self {
        self.local = Some(Feed::default());
        self
    }

    /// The notice to show at `now_ms`, while it is recent.
    pub fn current_notice(&self) -> Option<&Notice> {
        self.notice
            .as_ref()
            .filter(|n| self.now_ms.saturating_sub(n.at_ms) < NOTICE_MS)
    }

    fn notify(&mut self, text: String, error: bool) {
        self.notice = Some(Notice {
            at_ms: self.now_ms,
            text,
            error,
        });
    }

    /// The list the keys move in.
    pub fn current_list(&self) -> ListId {
        match self.view {
            View::Cluster => ListId::Brokers,
            View::Topics if self.open_topic.is_some() => ListId::Partitions,
            View::Topics => ListId::Topics,
            View::Groups if self.open_group.is_some() => ListId::GroupOffsets,
            View::Groups => ListId::Groups,
            View::Transactions => ListId::Transactions,
        }
    }

    pub fn filter(&self, list: ListId) -> &str {
        self.filters.get(&list).map_or("", String::as_str)
    }

    /// The selected row of `list`, clamped to its length `len`.
    pub fn selected(&self, list: ListId, len: usize) -> usize {
        self.selection
            .get(&list)
            .copied()
            .unwrap_or(0)
            .min(len.saturating_sub(1))
    }

    pub fn on_tick(&mut self, now_ms: u64) {
        self.now_ms = self.now_ms.max(now_ms);
    }

    /// Takes a poll answered at `now_ms`; while paused the screen keeps what it shows.
    pub fn on_poll(&mut self, poll: Poll, now_ms: u64) {
        self.on_tick(now_ms);
        // What the user asked for is answered even while paused.
        if let Poll::Fault(outcome) = poll {
            match outcome {
                Ok(message) => self.notify(message, false),
                Err(message) => self.notify(message, true),
            }
            return;
        }
        if self.paused {
            // The trace's events happen once: kept for the resume.
            if let Poll::Trace(Ok(events)) = poll {
                let at_ms = self.now_ms;
                self.held_events
                    .extend(events.into_iter().map(|event| Transition { at_ms, event }));
                let excess = self.held_events.len().saturating_sub(TRANSITIONS_KEPT);
                self.held_events.drain(..excess);
            }
            return;
        }
        match poll {
            Poll::Cluster(outcome) => self.on_cluster(outcome),
            Poll::Quorum(outcome) => self.quorum.apply(outcome, self.now_ms),
            Poll::Offsets(round) => {
                let kind = round.kind;
                let failed: Vec<String> = round
                    .brokers
                    .iter()
                    .filter_map(|b| b.offsets.as_ref().err())
                    .map(|e| match e {
                        PollError::Unsupported(r) | PollError::Failed(r) => r.clone(),
                    })
                    .collect();
                self.partitions.apply(round, self.now_ms);
                if !self.partitions.broker_errors.is_empty() {
                    self.partitions.mark_failed_leaders(&self.leaders());
                }
                if kind == OffsetKind::HighWatermark {
                    let outcome = match failed.first() {
                        None => Ok(()),
                        Some(reason) => Err(PollError::Failed(reason.clone())),
                    };
                    self.offsets.apply(outcome, self.now_ms);
                }
            }
            Poll::Groups(mut outcome) => {
                if let Ok(groups) = &mut outcome {
                    self.fill_group_lag(groups);
                    self.group_lag_history
                        .retain(|id, _| groups.iter().any(|g| &g.group_id == id));
                    for group in groups {
                        self.group_lag_history
                            .entry(group.group_id.clone())
                            .or_default()
                            .push(group.total_lag() as f64);
                    }
                }
                self.groups.apply(outcome, self.now_ms);
            }
            Poll::Transactions(outcome) => {
                if let (Ok(transactions), TransitionSource::Polls(_)) =
                    (&outcome, &self.transitions_source)
                {
                    self.record_transitions(transactions);
                }
                self.transactions.apply(outcome, self.now_ms);
            }
            Poll::Trace(Ok(events)) => {
                self.transitions_source = TransitionSource::Trace;
                let at_ms = self.now_ms;
                for event in events {
                    self.push_transition(Transition { at_ms, event });
                }
            }
            Poll::Trace(Err(PollError::Unsupported(reason) | PollError::Failed(reason))) => {
                self.transitions_source = TransitionSource::Polls(reason);
            }
            Poll::Local(outcome) => {
                if let Some(local) = &mut self.local {
                    local.apply(outcome, self.now_ms);
                }
            }
            Poll::Fault(_) => {}
        }
    }

    fn on_cluster(&mut self, outcome: Result<ClusterPoll, PollError>) {
        let mut outcome = outcome;
        if let Ok(poll) = &mut outcome {
            poll.topics.sort_by(|a, b| a.name.cmp(&b.name));
            // Both lists are sorted by name; only a changed ISR touches the stats table.
            let old: HashMap<&str, &[PartitionMetadata]> = self
                .cluster
                .value()
                .map(|c| {
                    c.topics
                        .iter()
                        .map(|t| (t.name.as_str(), t.partitions.as_slice()))
                        .collect()
                })
                .unwrap_or_default();
            for topic in &poll.topics {
                let Some(before) = old.get(topic.name.as_str()) else {
                    continue;
                };
                for p in &topic.partitions {
                    // Partitions come in partition order; look there first.
                    let Some(old_isr) = usize::try_from(p.partition)
                        .ok()
                        .and_then(|i| before.get(i))
                        .filter(|o| o.partition == p.partition)
                        .or_else(|| before.iter().find(|o| o.partition == p.partition))
                        .map(|o| o.isr.as_slice())
                    else {
                        continue;
                    };
                    if old_isr != p.isr.as_slice() {
                        self.partitions
                            .partitions
                            .entry(TopicPartition::new(&topic.name, p.partition))
                            .or_default()
                            .observe_isr(Some(old_isr), &p.isr, self.now_ms);
                    }
                }
            }
            let names: std::collections::HashSet<&str> =
                poll.topics.iter().map(|t| t.name.as_str()).collect();
            self.partitions.retain_topics(|t| names.contains(t));
        }
        self.cluster.apply(outcome, self.now_ms);
    }

    /// Lag is the partition's high watermark (as last polled) minus the committed offset.
    fn fill_group_lag(&self, groups: &mut [GroupSummary]) {
        for offset in groups.iter_mut().flat_map(|g| g.offsets.iter_mut()) {
            let tp = TopicPartition::new(&offset.topic, offset.partition);
            let high_watermark = self
                .partitions
                .partitions
                .get(&tp)
                .and_then(|s| s.high_watermark);
            offset.lag = high_watermark.map(|hw| (hw - offset.committed_offset).max(0));
        }
    }

    fn push_transition(&mut self, transition: Transition) {
        if self.transitions.len() == TRANSITIONS_KEPT {
            self.transitions.pop_front();
        }
        self.transitions.push_back(transition);
    }

    /// The fallback when the trace cannot run: each id whose state differs from the
    /// previous poll's, as the transition the trace would have shown (without markers and
    /// the steps between two polls).
    fn record_transitions(&mut self, now: &[TransactionSummary]) {
        let before: HashMap<&str, &str> = self
            .transactions
            .value()
            .map(|t| {
                t.iter()
                    .map(|t| (t.transactional_id.as_str(), t.state.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        let changed: Vec<TraceEvent> = now
            .iter()
            .filter_map(|t| {
                let from = before.get(t.transactional_id.as_str()).copied();
                (from != Some(t.state.as_str())).then(|| TraceEvent {
                    event: EventKind::Transition,
                    timestamp: self.wall_ms(),
                    transactional_id: Some(t.transactional_id.clone()),
                    producer_id: t.producer_id,
                    producer_epoch: t.producer_epoch,
                    state: t.state.clone(),
                    previous_state: from.map(str::to_string),
                    partitions: t.partitions.clone(),
                    transaction_timeout_ms: Some(t.timeout_ms),
                    marker: None,
                    offset: None,
                })
            })
            .collect();
        let at_ms = self.now_ms;
        for event in changed {
            self.push_transition(Transition { at_ms, event });
        }
    }

    /// The wall clock now, in ms since the epoch.
    pub fn wall_ms(&self) -> i64 {
        self.started_wall_ms
            .saturating_add(i64::try_from(self.now_ms).unwrap_or(i64::MAX))
    }

    /// Each partition's leader, from the latest metadata.
    pub fn leaders(&self) -> HashMap<TopicPartition, i32> {
        self.cluster
            .value()
            .map(|c| {
                c.topics
                    .iter()
                    .flat_map(|t| {
                        t.partitions
                            .iter()
                            .map(|p| (TopicPartition::new(&t.name, p.partition), p.leader_id))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn on_input(&mut self, input: Input) {
        if input == Input::Interrupt {
            self.should_quit = true;
            return;
        }
        if let Input::Resize { rows } = input {
            self.page_rows = usize::from(rows).max(1);
            return;
        }
        if self.show_help {
            match input {
                Input::Char('q') => self.should_quit = true,
                _ => self.show_help = false,
            }
            return;
        }
        if self.editing_filter {
            self.edit_filter(input);
            return;
        }
        match input {
            Input::Char('q') => self.should_quit = true,
            Input::Char('?') => self.show_help = true,
            Input::Char('p') => {
                self.paused = !self.paused;
                if !self.paused {
                    for transition in std::mem::take(&mut self.held_events) {
                        self.push_transition(transition);
                    }
                }
            }
            Input::Char('/') => self.editing_filter = true,
            Input::Char(c @ '1'..='4') => {
                let index = usize::from(c as u8 - b'1');
                self.view = View::ALL[index];
            }
            Input::Tab => self.view = View::ALL[(self.view.index() + 1) % View::ALL.len()],
            Input::BackTab => {
                self.view = View::ALL[(self.view.index() + View::ALL.len() - 1) % View::ALL.len()]
            }
            Input::Enter => self.open_selected(),
            Input::Esc => self.back(),
            Input::Char(c @ ('k' | 's' | 'i' | 'h' | 'H')) if self.view == View::Cluster => {
                self.fault_key(c)
            }
            Input::Up | Input::Char('k') => self.move_selection(-1),
            Input::Down | Input::Char('j') => self.move_selection(1),
            Input::ScrollUp => self.move_selection(-3),
            Input::ScrollDown => self.move_selection(3),
            Input::PageUp => self.move_selection(-page(self.page_rows)),
            Input::PageDown => self.move_selection(page(self.page_rows)),
            Input::Home | Input::Char('g') => self.move_selection(isize::MIN / 2),
            Input::End | Input::Char('G') => self.move_selection(isize::MAX / 2),
            _ => {}
        }
    }

    fn edit_filter(&mut self, input: Input) {
        let list = self.current_list();
        match input {
            Input::Enter => self.editing_filter = false,
            Input::Esc => {
                self.editing_filter = false;
                self.filters.remove(&list);
            }
            Input::Backspace => {
                if let Some(text) = self.filters.get_mut(&list) {
                    text.pop();
                }
            }
            Input::Char(c) => self.filters.entry(list).or_default().push(c),
            _ => return,
        }
        self.selection.insert(list, 0);
    }

    fn back(&mut self) {
        let list = self.current_list();
        if self.filters.remove(&list).is_some() {
            self.selection.insert(list, 0);
            return;
        }
        match self.view {
            View::Topics => self.open_topic = None,
            View::Groups => self.open_group = None,
            View::Cluster | View::Transactions => {}
        }
    }

    fn open_selected(&mut self) {
        match self.current_list() {
            ListId::Topics => {
                let rows = rows::topic_rows(self);
                let index = self.selected(ListId::Topics, rows.len());
                if let Some(row) = rows.into_iter().nth(index) {
                    self.open_topic = Some(row.name);
                    self.selection.insert(ListId::Partitions, 0);
                }
            }
            ListId::Groups => {
                let rows = rows::group_rows(self);
                let index = self.selected(ListId::Groups, rows.len());
                if let Some(group) = rows.into_iter().nth(index) {
                    self.open_group = Some(group.group_id.clone());
                    self.selection.insert(ListId::GroupOffsets, 0);
                }
            }
            _ => {}
        }
    }

    fn move_selection(&mut self, by: isize) {
        let list = self.current_list();
        let len = rows::list_len(self, list);
        let current = self.selected(list, len);
        let next = current.saturating_add_signed(by).min(len.saturating_sub(1));
        self.selection.insert(list, next);
    }
}

fn page(rows: usize) -> isize {
    isize::try_from(rows).unwrap_or(isize::MAX)
}

mod faults;
#[cfg(test)]
mod tests;

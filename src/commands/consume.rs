//! `kf consume`: read partitions directly (assign mode) or as a group member (`-G`), print
//! each record through a [`Renderer`], stop at the end (`-e`), after a count (`-c`) or at the
//! end of a time range (`-o @T1:T2`). Data goes to stdout, flushed after every fetch.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use anyhow::{bail, Context};

use super::format::timestamp::parse_time;
use super::format::{Renderer, Template};
use super::produce::require_topic;
use super::{connect, Interrupted, UsageError};
use crate::cli::consume::{ConsumeArgs, Isolation};
use crate::client::admin::{Admin, OffsetSpec};
use crate::client::consumer::group::GroupConsumer;
use crate::client::consumer::{Consumer, ConsumerRecord, StartOffset};
use crate::client::{Client, ClientResult, TopicPartition};
use crate::clock::now_ms;

/// What `-o` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetArg {
    Start(StartOffset),
    /// `@T1:T2`: from the first record at or after T1 to the last before T2.
    TimeRange {
        start_ms: i64,
        end_ms: i64,
    },
}

/// Parses `beginning|end|N|+N|-N|@TIME|@-1h|@T1:T2`; `now` anchors relative times.
pub fn parse_offset(text: &str, now: i64) -> Result<OffsetArg, String> {
    let number = |digits: &str| {
        digits
            .parse::<i64>()
            .map_err(|_| format!("'{text}' is not an offset (see --help)"))
    };
    Ok(match text {
        "beginning" => OffsetArg::Start(StartOffset::Beginning),
        "end" => OffsetArg::Start(StartOffset::End),
        _ if text.starts_with('@') => parse_time_arg(&text[1..], now)?,
        _ => match text.as_bytes().first() {
            Some(b'+') => OffsetArg::Start(StartOffset::Relative(number(&text[1..])?)),
            Some(b'-') => OffsetArg::Start(StartOffset::Relative(-number(&text[1..])?)),
            _ => OffsetArg::Start(StartOffset::Offset(number(text)?)),
        },
    })
}

/// `TIME` or `T1:T2`. RFC 3339 times hold colons themselves, so a range is the one split at
/// a colon where both sides are times.
fn parse_time_arg(text: &str, now: i64) -> Result<OffsetArg, String> {
    let single_error = match parse_time(text, now) {
        Ok(ms) => return Ok(OffsetArg::Start(StartOffset::Timestamp(ms))),
        Err(e) => e,
    };
    for (at, _) in text.match_indices(':') {
        if let (Ok(start_ms), Ok(end_ms)) = (
            parse_time(&text[..at], now),
            parse_time(&text[at + 1..], now),
        ) {
            if end_ms < start_ms {
                return Err(format!("-o @{text}: the range ends before it starts"));
            }
            return Ok(OffsetArg::TimeRange { start_ms, end_ms });
        }
    }
    Err(format!("-o @{text}: {single_error}"))
}

pub async fn run(args: ConsumeArgs) -> anyhow::Result<()> {
    let renderer = renderer(&args)?;
    let offset = args
        .offset
        .as_deref()
        .map(|o| parse_offset(o, now_ms()))
        .transpose()
        .map_err(UsageError)?;
    let mut overrides = Vec::new();
    if let Some(isolation) = args.isolation {
        overrides.push((
            "isolation.level",
            match isolation {
                Isolation::ReadCommitted => "read_committed",
                Isolation::ReadUncommitted => "read_uncommitted",
            },
        ));
    }
    if let Some(group) = &args.group {
        overrides.push(("group.id", group.as_str()));
        if let Some(protocol) = args.group_protocol {
            overrides.push(("group.protocol", protocol.config_value()));
        }
        match offset {
            None => {}
            Some(OffsetArg::Start(StartOffset::Beginning)) => {
                overrides.push(("auto.offset.reset", "earliest"));
            }
            Some(OffsetArg::Start(StartOffset::End)) => {
                overrides.push(("auto.offset.reset", "latest"));
            }
            Some(_) => bail!(UsageError(
                "with -G, -o is beginning or end (where to start without a committed offset)"
                    .into()
            )),
        }
    }
    let client = connect::connect(&args.connect, &overrides).await?;
    for topic in &args.topics {
        require_topic(&client, topic, client.config().consumer_auto_create()).await?;
    }
    let admin = Admin::new(client.clone());
    let mut source = match &args.group {
        Some(group) => {
            let mut member = GroupConsumer::subscribe(client, &args.topics)
                .await
                .with_context(|| format!("cannot join group '{group}'"))?;
            member.set_include_control_records(args.print_control_records);
            Source::Group(Box::new(member))
        }
        None => {
            let start = offset.unwrap_or(OffsetArg::Start(StartOffset::End));
            Source::Assigned(assign(client, &args, start).await?)
        }
    };
    let mut session = Session {
        renderer,
        exit_at_end: args.exit_at_end,
        remaining: args.count,
        stops: BTreeMap::new(),
        unprinted: BTreeMap::new(),
    };
    if let (Source::Assigned(consumer), Some(OffsetArg::TimeRange { end_ms, .. })) =
        (&source, offset)
    {
        session.stops = range_stops(&admin, consumer, end_ms).await?;
    }
    let interrupted = super::interrupt_signal()?;
    let outcome = tokio::select! {
        outcome = session.consume(&mut source) => outcome,
        () = interrupted => Err(Interrupted.into()),
    };
    let closed = source.close(&session.unprinted).await;
    outcome?;
    closed.context("cannot leave the group cleanly")
}

fn renderer(args: &ConsumeArgs) -> anyhow::Result<Renderer> {
    Ok(match (&args.format, args.json) {
        (Some(format), _) => Renderer::Template {
            template: Template::parse(format).map_err(|e| UsageError(format!("-f: {e}")))?,
            key: args.key_encoding,
            value: args.value_encoding,
        },
        (None, true) => Renderer::Json {
            key: args.key_encoding,
            value: args.value_encoding,
        },
        (None, false) => Renderer::ValueLines {
            value: args.value_encoding,
        },
    })
}

/// Assigns every partition of every topic (or those of `-p`) at the `-o` position.
async fn assign(client: Client, args: &ConsumeArgs, offset: OffsetArg) -> anyhow::Result<Consumer> {
    let start = match offset {
        OffsetArg::Start(start) => start,
        OffsetArg::TimeRange { start_ms, .. } => StartOffset::Timestamp(start_ms),
    };
    let mut consumer = Consumer::new(client);
    consumer.set_include_control_records(args.print_control_records);
    let mut assignment = Vec::new();
    for topic in &args.topics {
        let partitions = consumer.partitions_of(topic).await?;
        if args.partitions.is_empty() {
            assignment.extend(partitions.into_iter().map(|tp| (tp, start)));
            continue;
        }
        let known: BTreeSet<i32> = partitions.iter().map(|tp| tp.partition).collect();
        for partition in &args.partitions {
            if !known.contains(partition) {
                bail!(
                    "topic '{topic}' has no partition {partition} (it has {})",
                    known.len()
                );
            }
            assignment.push((TopicPartition::new(topic.clone(), *partition), start));
        }
    }
    consumer
        .assign(&assignment)
        .await
        .context("cannot look up the start offsets")?;
    Ok(consumer)
}

/// Where each partition stops for `@T1:T2`: the first offset at or after T2 when the
/// partition has one; the current end when T2 is past; else (T2 still ahead) the first
/// record stamped at or after T2, seen as it arrives.
async fn range_stops(
    admin: &Admin,
    consumer: &Consumer,
    end_ms: i64,
) -> ClientResult<BTreeMap<TopicPartition, Stop>> {
    let specs: Vec<(TopicPartition, OffsetSpec)> = consumer
        .partitions()
        .keys()
        .map(|tp| (tp.clone(), OffsetSpec::Timestamp(end_ms)))
        .collect();
    let isolation = admin.client().config().isolation_level;
    let found = admin.list_offsets(&specs, isolation).await?;
    let now = now_ms();
    Ok(consumer
        .partitions()
        .iter()
        .map(|(tp, state)| {
            let stop = match found.get(tp).map(|o| o.offset).filter(|o| *o >= 0) {
                Some(offset) => Stop::AtOffset(offset),
                None if end_ms <= now => Stop::AtOffset(state.end_at_assignment),
                None => Stop::AtTimestamp(end_ms),
            };
            (tp.clone(), stop)
        })
        .collect())
}

/// Where a partition's `@T1:T2` range ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// Records from this offset on are past the range.
    AtOffset(i64),
    /// The first record stamped at or after this time ends the range.
    AtTimestamp(i64),
    /// A record past the range has been seen.
    Reached,
}

/// Where records come from.
enum Source {
    Assigned(Consumer),
    Group(Box<GroupConsumer>),
}

/// How long leaving the group may take when kf exits.
const CLOSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl Source {
    async fn poll(&mut self) -> ClientResult<Vec<ConsumerRecord>> {
        match self {
            Source::Assigned(consumer) => consumer.poll().await,
            Source::Group(member) => member.poll().await,
        }
    }

    fn consumer(&self) -> &Consumer {
        match self {
            Source::Assigned(consumer) => consumer,
            Source::Group(member) => member.consumer(),
        }
    }

    /// Commits what was printed (not what was fetched) and leaves the group; closes the
    /// fetch sessions.
    async fn close(self, unprinted: &BTreeMap<TopicPartition, i64>) -> anyhow::Result<()> {
        let mut member = match self {
            Source::Group(member) => member,
            Source::Assigned(mut consumer) => {
                // Best effort: a broker that does not answer evicts the session in time.
                let _ = tokio::time::timeout(CLOSE_TIMEOUT, consumer.close_fetch_sessions()).await;
                return Ok(());
            }
        };
        for (tp, offset) in unprinted {
            member.seek(tp, *offset)?;
        }
        tokio::time::timeout(CLOSE_TIMEOUT, member.close())
            .await
            .context("timed out")??;
        Ok(())
    }
}

/// The printing loop's state.
struct Session {
    renderer: Renderer,
    exit_at_end: bool,
    /// Records still to print under `-c`.
    remaining: Option<u64>,
    stops: BTreeMap<TopicPartition, Stop>,
    /// Per partition, the first fetched offset left unprinted when `-c` was reached.
    unprinted: BTreeMap<TopicPartition, i64>,
}

impl Session {
    async fn consume(&mut self, source: &mut Source) -> anyhow::Result<()> {
        let mut stdout = std::io::stdout();
        let mut out = Vec::new();
        while !self.finished(source.consumer()) {
            let records = source.poll().await.context("cannot fetch records")?;
            out.clear();
            for record in &records {
                if self.remaining == Some(0) {
                    let tp = TopicPartition::new(record.topic.clone(), record.partition);
                    self.unprinted.entry(tp).or_insert(record.offset);
                    continue;
                }
                if self.past_range(record) {
                    continue;
                }
                self.renderer.render(record, &mut out);
                if let Some(remaining) = &mut self.remaining {
                    *remaining -= 1;
                }
            }
            stdout.write_all(&out)?;
            stdout.flush()?;
        }
        Ok(())
    }

    /// Whether `record` lies past its partition's `@T1:T2` range (noting when it ends it).
    fn past_range(&mut self, record: &ConsumerRecord) -> bool {
        let tp = TopicPartition::new(record.topic.clone(), record.partition);
        let Some(stop) = self.stops.get_mut(&tp) else {
            return false;
        };
        match *stop {
            Stop::AtOffset(offset) => record.offset >= offset,
            Stop::AtTimestamp(ms) if record.timestamp >= ms && !record.is_control => {
                *stop = Stop::Reached;
                true
            }
            Stop::AtTimestamp(_) => false,
            Stop::Reached => true,
        }
    }

    fn finished(&self, consumer: &Consumer) -> bool {
        if self.remaining == Some(0) {
            return true;
        }
        if self.exit_at_end && consumer.reached_end() {
            return true;
        }
        !self.stops.is_empty()
            && consumer
                .partitions()
                .iter()
                .all(|(tp, state)| match self.stops.get(tp) {
                    Some(Stop::AtOffset(offset)) => state.position >= *offset,
                    Some(Stop::AtTimestamp(_)) => false,
                    Some(Stop::Reached) | None => true,
                })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const NOW: i64 = 1_714_564_800_000; // 2024-05-01T12:00:00Z

    fn start(text: &str) -> StartOffset {
        match parse_offset(text, NOW).unwrap() {
            OffsetArg::Start(start) => start,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn named_absolute_and_relative_offsets_parse() {
        assert_eq!(start("beginning"), StartOffset::Beginning);
        assert_eq!(start("end"), StartOffset::End);
        assert_eq!(start("42"), StartOffset::Offset(42));
        assert_eq!(start("+5"), StartOffset::Relative(5));
        assert_eq!(start("-5"), StartOffset::Relative(-5));
        assert!(parse_offset("soon", NOW).is_err());
        assert!(parse_offset("-x", NOW).is_err());
        assert!(parse_offset("", NOW).is_err());
    }

    #[test]
    fn timestamps_and_relative_times_parse() {
        assert_eq!(start("@1714564800000"), StartOffset::Timestamp(NOW));
        assert_eq!(start("@2024-05-01T12:00:00Z"), StartOffset::Timestamp(NOW));
        assert_eq!(start("@-1h"), StartOffset::Timestamp(NOW - 3_600_000));
        assert!(parse_offset("@tomorrow", NOW).is_err());
    }

    #[test]
    fn ranges_split_at_the_colon_between_two_times() {
        let day = 86_400_000;
        let midnight = NOW - 12 * 3_600_000;
        assert_eq!(
            parse_offset("@1000:2000", NOW).unwrap(),
            OffsetArg::TimeRange {
                start_ms: 1000,
                end_ms: 2000
            }
        );
        assert_eq!(
            parse_offset("@2024-05-01:2024-05-02", NOW).unwrap(),
            OffsetArg::TimeRange {
                start_ms: midnight,
                end_ms: midnight + day
            }
        );
        assert_eq!(
            parse_offset("@2024-05-01T00:00:00Z:2024-05-01T12:00:00Z", NOW).unwrap(),
            OffsetArg::TimeRange {
                start_ms: midnight,
                end_ms: NOW
            }
        );
        assert_eq!(
            parse_offset("@-2h:-1h", NOW).unwrap(),
            OffsetArg::TimeRange {
                start_ms: NOW - 7_200_000,
                end_ms: NOW - 3_600_000
            }
        );
        assert!(parse_offset("@2000:1000", NOW).is_err());
    }
}

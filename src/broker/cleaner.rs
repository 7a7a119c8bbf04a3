//! The log cleaner thread of a broker: every `log.cleaner.backoff.ms` each compacted log
//! (`cleanup.policy` with `compact`) is cleaned when dirty enough, or when tombstones it kept
//! have passed their delete horizon (`PartitionLog::clean`). Where each log's dirty part
//! starts is kept in `<log dir>/cleaner-offset-checkpoint`, Kafka's file (`topic partition
//! offset` lines), so a restart does not clean the whole log again.
//!
//! Differences from Kafka: one task cleans the logs one after another (Kafka has
//! `log.cleaner.threads` threads picking the filthiest log first); the bound is the log end
//! offset, which is the high watermark while kf keeps one replica per partition. Logs open on
//! first use: a log not opened since the broker started is opened for a pass only when its
//! segment files say it may be dirty enough (`log/unopened.rs`), or when the checkpoint knows
//! it and its tombstones' delete horizon may have passed.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tracing::{debug, warn};

use super::Broker;
use crate::clock::now_ms;
use crate::log::{cleaning_may_be_due, LogConfig};

const CHECKPOINT_FILE: &str = "cleaner-offset-checkpoint";

/// What the cleaner remembers per partition between passes.
#[derive(Debug, Clone, Copy, Default)]
struct CleanerState {
    first_dirty_offset: i64,
    /// Tombstones kept by the last pass may go once this has passed.
    next_delete_horizon_ms: Option<i64>,
}

pub async fn run_cleaner(broker: Arc<Broker>) {
    let backoff = Duration::from_millis(broker.config.log_cleaner_backoff_ms.max(10) as u64);
    let checkpoint = broker.logs.log_dir().join(CHECKPOINT_FILE);
    let mut states = read_states(&checkpoint);
    loop {
        tokio::time::sleep(backoff).await;
        let pass_broker = broker.clone();
        let pass_states = std::mem::take(&mut states);
        let pass_checkpoint = checkpoint.clone();
        match tokio::task::spawn_blocking(move || {
            clean_once(&pass_broker, pass_states, &pass_checkpoint)
        })
        .await
        {
            Ok(next) => states = next,
            Err(e) => warn!(error = %e, "log cleaner pass failed"),
        }
    }
}

/// One pass over this broker's compacted logs; returns the states for the next pass.
fn clean_once(
    broker: &Broker,
    mut states: BTreeMap<(String, i32), CleanerState>,
    checkpoint: &PathBuf,
) -> BTreeMap<(String, i32), CleanerState> {
    let partitions = broker.logs.partitions();
    states.retain(|key, _| partitions.contains(key));
    let now = now_ms();
    let compacted = |config: &LogConfig| config.cleanup_policy_compact;
    super::retention::open_logs_with_work(
        broker,
        compacted,
        |topic, partition, segments, config| {
            let state = states
                .get(&(topic.to_string(), partition))
                .copied()
                .unwrap_or_default();
            let horizon_passed = state.next_delete_horizon_ms.is_some_and(|h| now >= h);
            cleaning_may_be_due(segments, config, state.first_dirty_offset)
                || (horizon_passed && config.cleanup_policy_compact && segments.len() > 1)
        },
    );
    let mut changed = false;
    for (topic, partition) in partitions {
        let Some(log) = broker.logs.get(&topic, partition) else {
            continue;
        };
        let Ok(mut log) = log.lock() else { continue };
        if !log.config().cleanup_policy_compact {
            continue;
        }
        let now = now_ms();
        let state = states.entry((topic.clone(), partition)).or_default();
        let first_dirty = state.first_dirty_offset.max(log.log_start_offset());
        let force = state.next_delete_horizon_ms.is_some_and(|h| now >= h);
        let end = log.log_end_offset();
        match log.clean(first_dirty, end, now, force) {
            Ok(Some(result)) => {
                debug!(%topic, partition, ?result, "cleaned");
                state.first_dirty_offset = result.first_dirty_offset;
                state.next_delete_horizon_ms = result.next_delete_horizon_ms;
                changed = true;
            }
            Ok(None) => {}
            Err(e) => warn!(%topic, partition, error = %e, "log cleaning failed"),
        }
    }
    if changed {
        write_states(checkpoint, &states);
    }
    states
}

fn read_states(path: &PathBuf) -> BTreeMap<(String, i32), CleanerState> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut lines = text.lines();
    if lines.next() != Some("0") {
        return BTreeMap::new();
    }
    lines
        .skip(1)
        .filter_map(|line| {
            let mut parts = line.rsplitn(3, ' ');
            let offset: i64 = parts.next()?.parse().ok()?;
            let partition: i32 = parts.next()?.parse().ok()?;
            let topic = parts.next()?.to_string();
            Some((
                (topic, partition),
                CleanerState {
                    first_dirty_offset: offset,
                    // Unknown after a restart: the first pass after the default horizon
                    // (at most delete.retention.ms away) finds out.
                    next_delete_horizon_ms: Some(0),
                },
            ))
        })
        .collect()
}

/// Writes the checkpoint as Kafka does (version, count, entries) via a synced temporary file.
fn write_states(path: &PathBuf, states: &BTreeMap<(String, i32), CleanerState>) {
    let mut text = format!("0\n{}\n", states.len());
    for ((topic, partition), state) in states {
        text.push_str(&format!(
            "{topic} {partition} {}\n",
            state.first_dirty_offset
        ));
    }
    let tmp = path.with_extension("tmp");
    let written = std::fs::File::create(&tmp).and_then(|mut file| {
        use std::io::Write;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    });
    if let Err(e) = written {
        warn!(path = %path.display(), error = %e, "cannot write the cleaner checkpoint");
    }
}

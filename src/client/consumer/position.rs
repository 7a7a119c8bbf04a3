//! Where an assigned partition starts, and how that becomes an offset (via ListOffsets).

use crate::client::admin::{Admin, OffsetSpec};
use crate::client::config::IsolationLevel;
use crate::client::error::ClientResult;
use crate::client::wire::TopicPartition;
use std::collections::BTreeMap;

/// A start position for an assigned partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartOffset {
    /// The log start offset.
    Beginning,
    /// The end (high watermark, or last stable offset under read_committed): new records only.
    End,
    /// This exact offset.
    Offset(i64),
    /// Counted from the end when negative (`-2`: the last two records), from the beginning
    /// when positive; clamped to the partition's range.
    Relative(i64),
    /// The first record with a timestamp at or after this many ms since the epoch (the end
    /// when there is none).
    Timestamp(i64),
}

/// A partition's offsets at the time of assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionBounds {
    pub log_start_offset: i64,
    /// High watermark (read_uncommitted) or last stable offset (read_committed).
    pub end_offset: i64,
}

/// Looks up every partition's bounds.
pub async fn fetch_bounds(
    admin: &Admin,
    partitions: &[TopicPartition],
    isolation_level: IsolationLevel,
) -> ClientResult<BTreeMap<TopicPartition, PartitionBounds>> {
    let spec = |s: OffsetSpec| {
        partitions
            .iter()
            .map(move |tp| (tp.clone(), s))
            .collect::<Vec<_>>()
    };
    let earliest = admin
        .list_offsets(&spec(OffsetSpec::Earliest), isolation_level)
        .await?;
    let latest = admin
        .list_offsets(&spec(OffsetSpec::Latest), isolation_level)
        .await?;
    Ok(partitions
        .iter()
        .map(|tp| {
            let log_start_offset = earliest.get(tp).map_or(0, |o| o.offset);
            let end_offset = latest.get(tp).map_or(log_start_offset, |o| o.offset);
            (
                tp.clone(),
                PartitionBounds {
                    log_start_offset,
                    end_offset,
                },
            )
        })
        .collect())
}

/// Resolves a start position to an offset.
pub async fn resolve(
    admin: &Admin,
    tp: &TopicPartition,
    start: StartOffset,
    bounds: PartitionBounds,
    isolation_level: IsolationLevel,
) -> ClientResult<i64> {
    Ok(match start {
        StartOffset::Beginning => bounds.log_start_offset,
        StartOffset::End => bounds.end_offset,
        StartOffset::Offset(offset) => offset,
        StartOffset::Relative(n) if n < 0 => (bounds.end_offset + n).max(bounds.log_start_offset),
        StartOffset::Relative(n) => (bounds.log_start_offset + n).min(bounds.end_offset),
        StartOffset::Timestamp(ms) => {
            let found = admin
                .list_offsets(&[(tp.clone(), OffsetSpec::Timestamp(ms))], isolation_level)
                .await?;
            found
                .get(tp)
                .map(|o| o.offset)
                .filter(|offset| *offset >= 0)
                .unwrap_or(bounds.end_offset)
        }
    })
}

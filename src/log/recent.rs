//! The batches a leader appended last, kept in memory as written, for its followers' fetches.
//! Followers fetch what was just appended: served from here, each fetch costs no `pread` (a
//! copy out of the page cache into a fresh buffer, a quarter of a leader's CPU at RF=3), and
//! both followers share one buffer: the one the Produce request was read into when nothing else
//! holds it (its header stamped in place, no copy at all), else a copy made at the append.
//! Kafka's leader reads the file (its followers are remote: `sendfile`); kf's followers are in
//! process and get bytes.
//!
//! Only a leader with followers keeps batches (the replica layer says so before each append),
//! only those no in-sync follower has fetched yet (trimmed at the high watermark), and at most
//! [`LOG_MAX_BYTES`] per log and [`PROCESS_MAX_BYTES`] in the process, counted by the memory
//! they hold (a request's buffer whole): a follower further behind reads the file, as before.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use bytes::Bytes;

use super::records::FirstBatch;

/// Bytes of recent batches one log keeps: a few of the largest batches a producer sends
/// (librdkafka's `batch.size` and the broker's `message.max.bytes`, about 1 MB, which is what
/// its batches are when records queue up faster than they go). At 1 MiB each batch pushed out
/// the one before it before the followers had fetched it, and they read the file again.
const LOG_MAX_BYTES: usize = 4 * 1024 * 1024;
/// Bytes of recent batches all logs of the process keep at once (a follower that stopped
/// fetching pins its leaders' batches until the ISR drops it).
const PROCESS_MAX_BYTES: usize = 128 * 1024 * 1024;
/// Bytes of recent batches kept by every log of the process; never above [`PROCESS_MAX_BYTES`].
static PROCESS_BYTES: AtomicUsize = AtomicUsize::new(0);

/// Bytes of the buffers that kept batches (and reads of several, and the connections' reads of
/// small file slices, `broker/connection/write.rs`) no longer use, kept for the next ones, at most:
/// freed to the allocator, their pages went back to the system and each new buffer faulted
/// fresh ones in (with the followers' reads, page faults were a fifth of the
/// brokers' CPU at RF=3).
const SPARE_MAX_BYTES: usize = 16 * 1024 * 1024;
/// Buffers smaller than this are neither kept spare nor looked for there: the allocator serves
/// them from memory it keeps (no fresh pages), and a spare list of 16 MiB of small ones
/// (`__transaction_state` records are ~200 bytes) would be scanned under one lock at every kept
/// append. It also bounds the list to [`SPARE_MAX_BYTES`] / this = 256 buffers.
const SPARE_MIN_BYTES: usize = 64 * 1024;
/// The spare buffers and their bytes (capacities) in all, at most [`SPARE_MAX_BYTES`].
static SPARE_BUFFERS: Mutex<(Vec<Vec<u8>>, usize)> = Mutex::new((Vec::new(), 0));

/// An empty buffer for at least `size` bytes: a spare one when one fits it without wasting
/// more than [`fits`] allows. Kept batches are counted by their length, so a buffer much
/// larger than its batch would hold memory that no limit sees.
pub(crate) fn buffer(size: usize) -> Vec<u8> {
    if size < SPARE_MIN_BYTES {
        return Vec::with_capacity(size);
    }
    let mut spare = SPARE_BUFFERS.lock().unwrap_or_else(PoisonError::into_inner);
    let (buffers, bytes) = &mut *spare;
    match buffers.iter().position(|b| fits(b.capacity(), size)) {
        Some(i) => {
            let buffer = buffers.swap_remove(i);
            *bytes -= buffer.capacity();
            buffer
        }
        None => Vec::with_capacity(rounded_capacity(size)),
    }
}

/// The capacity of a new buffer for `size` bytes: rounded up to a multiple of an eighth of the
/// next power of two (at most a quarter more than `size`), so that a spare one fits the next
/// batches of about the same size.
fn rounded_capacity(size: usize) -> usize {
    let step = (size.next_power_of_two() / 8).max(1);
    size.div_ceil(step) * step
}

/// Whether a buffer of `capacity` serves `size` bytes: large enough, and at most a quarter
/// (and a page) larger.
fn fits(capacity: usize, size: usize) -> bool {
    capacity >= size && capacity - size <= size / 4 + 4096
}

/// `buffer` as bytes, which give it back to the spare ones once their last holder drops them.
pub(crate) fn shared(buffer: Vec<u8>) -> Bytes {
    Bytes::from_owner(Spare(buffer))
}

/// A buffer going back to the spare ones when dropped.
struct Spare(Vec<u8>);

impl AsRef<[u8]> for Spare {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for Spare {
    fn drop(&mut self) {
        let mut buffer = std::mem::take(&mut self.0);
        if buffer.capacity() < SPARE_MIN_BYTES {
            return;
        }
        let mut spare = SPARE_BUFFERS.lock().unwrap_or_else(PoisonError::into_inner);
        let (buffers, bytes) = &mut *spare;
        if *bytes + buffer.capacity() <= SPARE_MAX_BYTES {
            buffer.clear();
            *bytes += buffer.capacity();
            buffers.push(buffer);
        }
    }
}

/// One appended batch, as written to the log.
struct RecentBatch {
    /// The base offset of the segment it went to (a read stays in one segment).
    segment: i64,
    base_offset: i64,
    last_offset: i64,
    bytes: Bytes,
    /// The memory `bytes` holds, at least their length: a batch kept in the buffer its Produce
    /// request was read into holds that whole buffer.
    retained: usize,
}

/// The last batches appended to a log, when it keeps them (`None`: a follower's or an
/// unreplicated log, the most of them: one pointer each).
#[derive(Default)]
pub(super) struct RecentBatches(Option<Box<Kept>>);

/// Invariants: the batches follow one another without a gap, the last ends at the log end
/// offset (any other change to the log's end empties them: [`RecentBatches::clear`]), and each
/// is byte-identical to what the log holds at its offsets; `bytes` is the memory they hold (their
/// `retained` in all), at most [`LOG_MAX_BYTES`] and counted in [`PROCESS_BYTES`].
#[derive(Default)]
struct Kept {
    batches: VecDeque<RecentBatch>,
    bytes: usize,
}

impl RecentBatches {
    pub(super) fn keeps(&self) -> bool {
        self.0.is_some()
    }

    /// Whether the next appends are to be kept; turned off, the batches kept go.
    pub(super) fn set_keep(&mut self, keep: bool) {
        match (keep, &mut self.0) {
            (true, None) => self.0 = Some(Box::default()),
            (false, Some(kept)) => {
                kept.clear();
                self.0 = None;
            }
            _ => {}
        }
    }

    /// Keeps a batch just appended at the log end, in segment `segment`, when appends are
    /// kept; `retained` is the memory `bytes` holds (at least their length). When the process
    /// has no room left, the log keeps nothing (the batches must reach the log end).
    pub(super) fn push(
        &mut self,
        segment: i64,
        base_offset: i64,
        last_offset: i64,
        bytes: Bytes,
        retained: usize,
    ) {
        let Some(kept) = self.0.as_mut() else {
            return;
        };
        debug_assert!(kept
            .batches
            .back()
            .is_none_or(|b| b.last_offset + 1 == base_offset));
        debug_assert!(retained >= bytes.len());
        let size = retained;
        if size > LOG_MAX_BYTES {
            kept.clear();
            return;
        }
        while kept.bytes + size > LOG_MAX_BYTES && kept.pop_front() {}
        let reserved = PROCESS_BYTES.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
            (used + size <= PROCESS_MAX_BYTES).then_some(used + size)
        });
        if reserved.is_err() {
            kept.clear();
            return;
        }
        kept.bytes += size;
        kept.batches.push_back(RecentBatch {
            segment,
            base_offset,
            last_offset,
            bytes,
            retained,
        });
        debug_assert!(kept.bytes <= LOG_MAX_BYTES);
    }

    /// Forgets the batches wholly below `offset` (every in-sync follower has them, or the log
    /// start passed them).
    pub(super) fn forget_below(&mut self, offset: i64) {
        if let Some(kept) = self.0.as_mut() {
            while kept.batches.front().is_some_and(|b| b.last_offset < offset) {
                kept.pop_front();
            }
        }
    }

    /// Forgets every batch (the log's end changed other than by a kept append).
    pub(super) fn clear(&mut self) {
        if let Some(kept) = self.0.as_mut() {
            kept.clear();
        }
    }

    /// What a read from `offset` serves, as the file read would (the batch holding `offset`,
    /// whole past `max_bytes` if `first_batch` allows, then whole batches within `max_bytes`,
    /// all below `max_offset`, in one segment), when the batch holding `offset` is kept;
    /// `None` otherwise (the file is read).
    pub(super) fn read(
        &self,
        offset: i64,
        max_bytes: usize,
        max_offset: i64,
        first_batch: FirstBatch,
    ) -> Option<Bytes> {
        let batches = &self.0.as_ref()?.batches;
        if batches.front()?.base_offset > offset {
            return None;
        }
        let first = batches.partition_point(|b| b.last_offset < offset);
        let segment = batches.get(first)?.segment;
        let mut end = first;
        let mut size = 0;
        for batch in batches.range(first..) {
            let within = match end == first {
                true => first_batch.serves(batch.bytes.len(), max_bytes),
                false => size + batch.bytes.len() <= max_bytes,
            };
            if batch.last_offset >= max_offset || !within || batch.segment != segment {
                break;
            }
            size += batch.bytes.len();
            end += 1;
        }
        match end - first {
            0 => Some(Bytes::new()),
            1 => Some(batches[first].bytes.clone()),
            _ => {
                let mut bytes = buffer(size);
                for batch in batches.range(first..end) {
                    bytes.extend_from_slice(&batch.bytes);
                }
                Some(shared(bytes))
            }
        }
    }
}

impl Kept {
    fn pop_front(&mut self) -> bool {
        let Some(batch) = self.batches.pop_front() else {
            return false;
        };
        self.bytes -= batch.retained;
        PROCESS_BYTES.fetch_sub(batch.retained, Ordering::Relaxed);
        true
    }

    fn clear(&mut self) {
        while self.pop_front() {}
        debug_assert_eq!(self.bytes, 0);
    }
}

impl Drop for Kept {
    fn drop(&mut self) {
        self.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_buffer_is_at_most_a_quarter_larger_than_asked() {
        for size in [1, 200, 4096, 16_385, 1_000_123, 1_048_577] {
            let capacity = rounded_capacity(size);
            assert!(
                capacity >= size && capacity <= size + size / 4 + 1,
                "{size}: {capacity}"
            );
            assert!(fits(capacity, size));
        }
    }

    /// A small batch does not take a large spare buffer, whatever the spare list holds.
    #[test]
    fn a_spare_buffer_serves_only_batches_of_about_its_size() {
        drop(shared(Vec::with_capacity(2 * 1024 * 1024)));
        assert!(buffer(200).capacity() < SPARE_MIN_BYTES);
        let large = buffer(1_900_000);
        assert!(large.capacity() >= 1_900_000 && fits(large.capacity(), 1_900_000));
    }
}

//! Scenario tests of the partition log, on real files in a temporary directory.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod append_read;
mod cleaner;
mod idempotence;
mod recent;
mod recovery;
mod retention;
mod timestamps;
mod transactions;
mod validation;

use bytes::{Bytes, BytesMut};
use kafka_protocol::records::{
    Compression, Record, RecordBatchDecoder, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};

use super::{LogConfig, PartitionLog};

/// One produce batch of `count` records with the given timestamps (one per record).
pub(crate) fn produce_batch(timestamps: &[i64]) -> Vec<u8> {
    encode_batch(timestamps, -1, -1, -1, false)
}

/// A batch of an idempotent producer: `count` records from sequence `base_sequence`.
pub(super) fn idempotent_batch(
    producer_id: i64,
    producer_epoch: i16,
    base_sequence: i32,
    count: usize,
) -> Vec<u8> {
    encode_batch(
        &vec![1_000; count],
        producer_id,
        producer_epoch,
        base_sequence,
        false,
    )
}

/// A batch of a transactional producer: `count` records from sequence `base_sequence`.
pub(super) fn transactional_batch(
    producer_id: i64,
    producer_epoch: i16,
    base_sequence: i32,
    count: usize,
) -> Vec<u8> {
    encode_batch(
        &vec![1_000; count],
        producer_id,
        producer_epoch,
        base_sequence,
        true,
    )
}

fn encode_batch(
    timestamps: &[i64],
    producer_id: i64,
    producer_epoch: i16,
    base_sequence: i32,
    transactional: bool,
) -> Vec<u8> {
    encode_batch_of(
        timestamps,
        producer_id,
        producer_epoch,
        base_sequence,
        transactional,
        |i, timestamp| Bytes::from(format!("value-{i}-{timestamp}")),
    )
}

/// [`encode_batch`] with record `i`'s value given by `value(i, timestamp)`.
fn encode_batch_of(
    timestamps: &[i64],
    producer_id: i64,
    producer_epoch: i16,
    base_sequence: i32,
    transactional: bool,
    value: impl Fn(usize, i64) -> Bytes,
) -> Vec<u8> {
    let records: Vec<Record> = timestamps
        .iter()
        .enumerate()
        .map(|(i, &timestamp)| Record {
            transactional,
            control: false,
            partition_leader_epoch: -1,
            producer_id,
            producer_epoch,
            timestamp_type: TimestampType::Creation,
            offset: i as i64,
            // The encoder keeps one batch while offset - sequence stays constant.
            sequence: base_sequence.wrapping_add(i as i32),
            timestamp,
            key: None,
            value: Some(value(i, timestamp)),
            headers: Default::default(),
            delete_horizon: false,
        })
        .collect();
    let mut buf = BytesMut::new();
    let options = RecordEncodeOptions {
        version: 2,
        compression: Compression::None,
    };
    RecordBatchEncoder::encode(&mut buf, &records, &options).unwrap();
    buf.to_vec()
}

/// One produce batch of `count` records whose values are `value_bytes` long.
pub(super) fn produce_batch_with_values(count: usize, value_bytes: usize) -> Vec<u8> {
    encode_batch_of(&vec![1_000; count], -1, -1, -1, false, |_, _| {
        Bytes::from(vec![b'v'; value_bytes])
    })
}

/// Appends a batch of `count` records stamped `timestamp`, at leader epoch 0.
pub(super) fn append(log: &mut PartitionLog, count: usize, timestamp: i64) -> super::AppendInfo {
    let batch = produce_batch(&vec![timestamp; count]);
    log.append(&batch, 0, timestamp).unwrap()
}

/// (offset, timestamp) of every record in fetched bytes.
pub(super) fn decode_offsets(bytes: Bytes) -> Vec<(i64, i64)> {
    let mut bytes = bytes;
    RecordBatchDecoder::decode_all(&mut bytes)
        .unwrap()
        .into_iter()
        .flat_map(|set| set.records)
        .map(|r| (r.offset, r.timestamp))
        .collect()
}

pub(super) fn small_segments() -> LogConfig {
    LogConfig {
        segment_bytes: 1024,
        index_interval_bytes: 100,
        ..LogConfig::default()
    }
}

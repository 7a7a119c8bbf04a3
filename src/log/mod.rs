//! A partition's log on disk, in Kafka's layout: `<log_dir>/<topic>-<partition>/` holds
//! `{base_offset:020}.log` segments of v2 batches exactly as produced (after offset and epoch
//! patching), sparse `.index` and `.timeindex` files, `leader-epoch-checkpoint`,
//! `log-start-offset-checkpoint` and `recovery-point-offset-checkpoint`.
//!
//! - [`PartitionLog`]: append, read, timestamp lookups, retention, DeleteRecords, follower
//!   append and truncation, idempotent producer state, transaction markers, recovery on open.
//! - [`LogManager`]: the logs of one broker log directory, opened at first use; a log that
//!   cannot be opened makes its partition offline.
//! - `open_files`: segments and indexes hold no descriptor; the process keeps a bounded cache of
//!   open log files (`log.open.files.max`), least recently used closed first.
//! - `partition_metadata`, `partition_dir`: the topic id each partition directory records, and
//!   deletion by rename (`-delete`) then removal, finished at start after a crash.
//! - `cleaner`: log compaction (`PartitionLog::clean`), crash-safe with `.cleaned`/`.swap`.
//! - `unopened`: whether retention or the cleaner may have work in a log not opened in this
//!   run, from its segment files' names, sizes and modification times alone.
//!
//! What the log leaves to its owner: the high watermark (replication keeps it and passes it to
//! `read` as `max_offset` and to `apply_retention_up_to`); the last stable offset, which is
//! `min(first_unstable_offset, high watermark)`; calling `apply_retention` every
//! `log.retention.check.interval.ms`; and `LogManager::shutdown` on a clean stop, so the next
//! open scans nothing (or `flush`, so it scans only what came after the recovery point).

mod checkpoint;
mod cleaner;
mod config;
mod error;
mod follower;
mod index;
mod index_file;
mod leader_epoch;
mod manager;
mod open_files;
mod partition_dir;
mod partition_log;
mod partition_metadata;
mod producer_state;
mod read;
mod recent;
mod records;
mod recovery;
mod retention;
mod segment;
mod time_index;
mod timestamp_lookup;
mod transactions;
mod txn_index;
mod txn_marker;
mod unopened;
mod validator;

#[cfg(test)]
pub(crate) mod tests;

pub(crate) use checkpoint::{read_checkpoint, write_checkpoint};
pub use cleaner::CleanResult;
pub use config::{LogConfig, MessageTimestampType};
pub use error::LogError;
pub use leader_epoch::{EpochEntry, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET};
pub use manager::{
    LogManager, OfflinePartition, CLEAN_SHUTDOWN_FILE, METADATA_LOG_DIR, OFFLINE_RETRY,
};
pub use open_files::{
    configure as configure_open_files, descriptors_in_use, stats as open_files_stats,
    OpenFileLimit, OpenFilesStats,
};
pub use partition_dir::{parse_partition_dir_name, DELETE_DIR_SUFFIX};
pub use partition_log::{AppendInfo, AppendOrigin, PartitionLog};
pub use partition_metadata::{read_topic_id, PARTITION_METADATA_FILE};
pub use producer_state::{AbortedTransaction, ActiveProducer};
pub(crate) use recent::{buffer as spare_buffer, shared as spare_shared};
pub use records::{FirstBatch, ReadInto, Records};
pub use timestamp_lookup::TimestampAndOffset;
pub use txn_marker::TxnMarker;
pub use unopened::{cleaning_may_be_due, retention_may_delete, segment_files, SegmentFile};
pub use validator::{InvalidRecords, RecordError};

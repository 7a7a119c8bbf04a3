//! What a log read returns: bytes in memory, or, for a consumer's Fetch answer, a range of the
//! segment file that the connection hands to the kernel (`sendfile`), as Kafka's `FileRecords`:
//! the bytes go from the page cache to the socket without the broker reading or copying them.
//! Mapping the range (the way before) still cost a copy into the socket and the mapping's
//! setup and teardown: half of a broker's CPU while it served consumers.
//!
//! Only bytes that go straight to a socket are served as file ranges ([`ReadInto::File`]):
//! in-process readers (followers, the coordinators' loads) get copies. A file range is cut to
//! whole batches from the offset index and batch headers alone, never by reading the range;
//! ranges under [`FILE_MIN_BYTES`] are read into memory instead (see `log/read.rs`).

use bytes::Bytes;

use crate::protocol::response_frame::FileSlice;

/// Where a log read puts the bytes it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadInto {
    /// A buffer of the process's own, which anyone may read at any time.
    Copy,
    /// A range of the segment file when it is large (at least [`FILE_MIN_BYTES`]), for bytes
    /// that only the kernel reads, on their way to a socket.
    File,
}

/// Whether a read serves its first batch whatever `max_bytes` says (Kafka's `minOneMessage`,
/// KIP-74), so that a batch larger than every limit still reaches its fetcher. In a Fetch answer
/// only the first partition with records may; the others' limit is hard, and a read that can
/// serve nothing within it reads nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstBatch {
    /// The first batch whole, even past `max_bytes`.
    Whole,
    /// Only whole batches within `max_bytes`: nothing when the first is larger.
    WithinMaxBytes,
}

impl FirstBatch {
    /// Whether a first batch of `size` bytes may be served under `max_bytes`.
    pub fn serves(self, size: usize, max_bytes: usize) -> bool {
        self == FirstBatch::Whole || size <= max_bytes
    }
}

/// Below this a `pread` into the answer's buffer (sent with its neighbours in one vectored
/// write) costs less than a `sendfile` of its own. Measured: at 64 KiB, a consumer of 10,000
/// partitions (~20 KiB each per Fetch) had the brokers copy every range twice (into memory, into
/// the socket); at 4 KiB it read 35-38% faster, and 64 partitions read the same
/// (BENCHMARKS.md, 2026-12-01).
pub(crate) const FILE_MIN_BYTES: u64 = 4 * 1024;

/// What remains of a segment past the index entry, below this, an in-process reader (a
/// follower, a coordinator's load) reads whole and cuts in memory rather than finding the
/// batch with a header read first.
pub(crate) const COPY_TAIL_BYTES: u64 = 64 * 1024;

/// Record bytes a read returns (Kafka's `MemoryRecords` and `FileRecords`).
#[derive(Debug, Clone)]
pub enum Records {
    Memory(Bytes),
    File(FileSlice),
}

impl Default for Records {
    fn default() -> Self {
        Records::Memory(Bytes::new())
    }
}

impl Records {
    pub fn len(&self) -> usize {
        match self {
            Records::Memory(bytes) => bytes.len(),
            Records::File(slice) => slice.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What goes into an encoded response: the bytes, or a file slice's placeholder (which an
    /// encoding buffer given the slice turns back into the file range).
    pub fn encoded(&self) -> Bytes {
        match self {
            Records::Memory(bytes) => bytes.clone(),
            Records::File(slice) => slice.placeholder(),
        }
    }

    /// The bytes in memory; a file slice is read.
    pub fn into_bytes(self) -> std::io::Result<Bytes> {
        match self {
            Records::Memory(bytes) => Ok(bytes),
            Records::File(slice) => slice.read(),
        }
    }
}

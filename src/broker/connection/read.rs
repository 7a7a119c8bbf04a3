//! A connection's requests, cut from the bytes it reads: through one read buffer, each frame
//! taken once the request pool has room for it; a large Produce read into a buffer of its own.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::broker::dispatch::is_produce;
use crate::broker::queued_bytes::{QueuedBytes, RequestPermit};
use crate::protocol::{frame_size, FrameError, MAX_REQUEST_BYTES, READ_CHUNK_BYTES};

/// The connection's read buffer: a request's size comes with its first bytes in one read, and
/// requests up to this size whole (a Produce of one 16 KiB batch, the Java and kf producers'
/// `batch.size`, and the next ones pipelined behind it: one read for several requests).
pub(super) const READ_BUFFER_BYTES: usize = 32 * 1024;
/// Room for at least this much in the read buffer before a read: no small reads at the end of
/// an allocation.
const MIN_READ_BYTES: usize = 4 * 1024;
/// Produce frames from this size on that are not whole in the read buffer are read into a
/// buffer of their own (see [`OwnFrame`]); a smaller batch's copy for the followers comes from
/// memory the allocator keeps, not fresh pages.
const OWN_FRAME_MIN_BYTES: usize = 64 * 1024;

/// The requests of one connection, cut from what it read.
pub(super) struct Requests<R> {
    reader: R,
    /// Bytes read and not yet taken as a frame: the next frame's size prefix first.
    buf: BytesMut,
    /// Room in the request pool for the frame at the front of `buf`, once given.
    permit: Option<RequestPermit>,
    /// A large Produce frame being read into a buffer of its own; `buf` is empty meanwhile.
    own: Option<OwnFrame>,
}

/// A Produce frame read into a buffer that holds nothing else (from [`OWN_FRAME_MIN_BYTES`] to
/// `READ_CHUNK_BYTES`): a request of one partition then leaves its batch alone in that buffer,
/// which the leader stamps in place and keeps for its followers instead of copying the batch
/// (`PartitionLog::append_produced`). librdkafka sends one partition per request, of up to
/// about 1 MB under load.
struct OwnFrame {
    /// The frame's bytes read so far, at most `size`.
    bytes: BytesMut,
    size: usize,
    permit: RequestPermit,
}

impl<R: AsyncRead + Unpin> Requests<R> {
    pub(super) fn new(reader: R) -> Self {
        Self {
            reader,
            buf: BytesMut::with_capacity(READ_BUFFER_BYTES),
            permit: None,
            own: None,
        }
    }

    /// The next request if it is read already and the pool has room for it now (`None`: the
    /// caller waits on [`Requests::next`]).
    pub(super) fn buffered(
        &mut self,
        queued: &QueuedBytes,
    ) -> Option<Result<(Bytes, RequestPermit), FrameError>> {
        let size = match frame_size(&self.buf, MAX_REQUEST_BYTES) {
            Ok(Some(size)) if self.buf.len() >= 4 + size => size,
            Ok(_) => return None,
            Err(e) => return Some(Err(e)),
        };
        let permit = match self.permit.take() {
            Some(permit) => permit,
            None => queued.try_admit_request(size)?,
        };
        Some(Ok((self.take_frame(size), permit)))
    }

    /// Cuts the frame of `size` bytes at the front of the buffer.
    fn take_frame(&mut self, size: usize) -> Bytes {
        debug_assert!(self.buf.len() >= 4 + size);
        self.buf.advance(4);
        own_frame(self.buf.split_to(size))
    }

    /// The next request frame (`None`: the client closed the connection between requests),
    /// once the broker's request pool has room for it. Cancel-safe: bytes read and room given
    /// stay for the next call.
    pub(super) async fn next(
        &mut self,
        queued: &QueuedBytes,
    ) -> Result<Option<(Bytes, RequestPermit)>, FrameError> {
        loop {
            if let Some(own) = &mut self.own {
                let missing = own.size - own.bytes.len();
                if missing > 0 {
                    // Only this frame's bytes: the next request goes to `buf`.
                    let mut rest = (&mut own.bytes).limit(missing);
                    if self.reader.read_buf(&mut rest).await? == 0 {
                        return Err(FrameError::Truncated);
                    }
                    continue;
                }
            }
            if let Some(own) = self.own.take() {
                return Ok(Some((own.bytes.freeze(), own.permit)));
            }
            let missing = match frame_size(&self.buf, MAX_REQUEST_BYTES)? {
                Some(size) => {
                    let permit = match self.permit.take() {
                        Some(permit) => permit,
                        None => queued.admit_request(size).await,
                    };
                    if self.buf.len() >= 4 + size {
                        return Ok(Some((self.take_frame(size), permit)));
                    }
                    let own = (OWN_FRAME_MIN_BYTES..=READ_CHUNK_BYTES).contains(&size);
                    // The API key says whether it is a Produce.
                    let key_read = self.buf.len() >= 6;
                    if own && key_read && is_produce(&self.buf[4..]) {
                        // What `buf` holds is all of this frame (it is not whole yet).
                        let mut bytes = BytesMut::with_capacity(size);
                        bytes.extend_from_slice(&self.buf[4..]);
                        self.buf.clear();
                        self.own = Some(OwnFrame {
                            bytes,
                            size,
                            permit,
                        });
                        continue;
                    }
                    self.permit = Some(permit);
                    if own && !key_read {
                        6 - self.buf.len()
                    } else {
                        4 + size - self.buf.len()
                    }
                }
                None => 4 - self.buf.len(),
            };
            if self.buf.capacity() - self.buf.len() < missing.max(MIN_READ_BYTES) {
                // At least a whole read buffer; the rest of a large frame at once (one
                // allocation, no regrowth and copy), up to READ_CHUNK_BYTES at a time.
                let growth = missing.clamp(READ_BUFFER_BYTES, READ_CHUNK_BYTES);
                self.buf.reserve(growth);
            }
            if self.reader.read_buf(&mut self.buf).await? == 0 {
                // A close between frames (or within a size prefix, as Kafka's reader sees it)
                // is a clean end; within a frame it is not.
                return if self.buf.len() < 4 {
                    Ok(None)
                } else {
                    Err(FrameError::Truncated)
                };
            }
        }
    }
}

/// A frame cut from the shared read buffer. A Produce keeps sharing it (its records are
/// appended, then dropped); any other request gets its own copy, because a handler may keep
/// parts of it (a group member's metadata) and must not pin the whole buffer with them.
fn own_frame(frame: BytesMut) -> Bytes {
    if is_produce(&frame) {
        frame.freeze()
    } else {
        Bytes::copy_from_slice(&frame)
    }
}

//! One client connection, served by one task: it cuts the byte stream into frames, handles
//! requests one at a time in arrival order and answers them in that order (as Kafka does), and
//! each answer is written before the next request is handled: like Kafka, which mutes a
//! connection until its response is sent, a client that does not read its answers holds one
//! unsent response, never a growing queue. Reading, handling and writing in one task costs one
//! wake per burst of requests (a reader task beside the handler cost two wakes and a channel hop
//! per request). Requests are read through the connection's own buffer, at most
//! [`READ_BUFFER_BYTES`] beyond the frame being read, and a frame is taken from it only once
//! `queued.max.request.bytes` has room for it (see `queued_bytes.rs`), counted until handled.
//! Any framing or decoding error closes the connection, which is what Kafka does with a request
//! it cannot parse.
//!
//! Differs from Kafka: consecutive Produce requests overlap. Once a Produce's batches are
//! appended, the next Produce is appended while the first waits for its acks (at most
//! [`APPENDED_PRODUCES`] waiting); their answers are still written in order, and any other
//! request is handled only once every answer before it is written. Produce requests read
//! already are appended before ready answers are written, so that the answers of a burst leave
//! in one write. librdkafka sends one
//! partition per ProduceRequest, so with Kafka's mute a connection would complete one batch per
//! replication round trip; appends and answers keep their order either way.

use std::io::IoSlice;
use std::net::SocketAddr;
use std::ops::Range;
use std::os::fd::AsRawFd;
use std::sync::Arc;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use futures::future::{BoxFuture, FutureExt};
use futures::stream::{FuturesOrdered, StreamExt};
use tokio::io::Interest;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tracing::debug;

use super::dispatch::{handle_frame, is_produce, DispatchError, Handled};
use super::listener::ListenerName;
use super::queued_bytes::{QueuedBytes, RequestPermit};
use super::Broker;
use crate::log;
use crate::protocol::response_frame::{Chunk, FileSlice, ResponseFrame};
use crate::protocol::{frame_size, FrameError, MAX_REQUEST_BYTES, READ_CHUNK_BYTES};

/// The connection's read buffer: a request's size comes with its first bytes in one read, and
/// requests up to this size whole (a Produce of one 16 KiB batch, the Java and kf producers'
/// `batch.size`, and the next ones pipelined behind it: one read for several requests).
pub const READ_BUFFER_BYTES: usize = 32 * 1024;
/// Room for at least this much in the read buffer before a read: no small reads at the end of
/// an allocation.
const MIN_READ_BYTES: usize = 4 * 1024;
/// Produce frames from this size on that are not whole in the read buffer are read into a
/// buffer of their own (see [`OwnFrame`]); a smaller batch's copy for the followers comes from
/// memory the allocator keeps, not fresh pages.
const OWN_FRAME_MIN_BYTES: usize = 64 * 1024;
/// Chunks handed to one vectored write (Linux's most, `IOV_MAX`).
const WRITE_CHUNKS: usize = 1024;
/// A file slice shorter than this is read into memory by the connection and written with the
/// chunks around it, not handed to the kernel on its own: a Fetch over 10,000 partitions carries
/// ~20 KiB of each, and a `sendfile` per partition with a `writev` of its header between made
/// two system calls per partition (7,151 and 7,187 per consume of 200 MB, against ~300 each
/// over 64 partitions). Read, they leave with their headers in a few vectored writes of
/// full-sized packets: the copy costs the brokers about what the calls did, and the consumer,
/// which reads fewer and larger packets, ~15% less CPU. Larger slices still go by `sendfile`:
/// at 64 partitions (~650 KiB each) reading them cost the brokers more than the consumer saved.
const STAGED_SLICE_MAX_BYTES: usize = 64 * 1024;
/// Bytes of small file slices read into one buffer before they are written: the buffers come
/// from the log's spare ones (`log/recent.rs`), whose pages are in place already.
const STAGE_BYTES: usize = 1024 * 1024;
/// Produce requests appended and waiting for their acks at once on one connection. A waiting
/// request holds its offsets, not its records. librdkafka keeps up to 5 requests in flight for
/// an idempotent producer and many more without idempotence; the more wait at once, the more
/// batches one follower fetch carries (RF=3 acks=all at half the saturating rate, quiet box:
/// p50 10-13 ms with 32, 20-28 ms with 5).
pub const APPENDED_PRODUCES: usize = 32;

pub async fn serve_connection(broker: Arc<Broker>, listener: ListenerName, mut stream: TcpStream) {
    let peer = stream.peer_addr().ok();
    let _ = stream.set_nodelay(true);
    let (reader, mut writer) = stream.split();
    let mut requests = Requests::new(reader);

    // Answers of appended Produce requests, in request order.
    let mut appended = FuturesOrdered::new();
    loop {
        // Requests read already go first: their answers then leave together with the ready
        // ones, one write (and one wake of the client) for a burst of pipelined requests.
        let buffered = match appended.len() < APPENDED_PRODUCES {
            true => requests.buffered(&broker.queued),
            false => None,
        };
        let next = match buffered {
            Some(request) => request.map(Some),
            None => tokio::select! {
                biased;
                Some(answer) = appended.next(), if !appended.is_empty() => {
                    let written =
                        write_ready(&broker.queued, &mut writer, peer, answer, &mut appended).await;
                    if written.is_err() {
                        break;
                    }
                    continue;
                }
                next = requests.next(&broker.queued), if appended.len() < APPENDED_PRODUCES => next,
            },
        };
        let (frame, permit) = match next {
            Ok(Some(request)) => request,
            Ok(None) => {
                // The client sent its last request: what it is owed still goes out.
                write_all(&broker.queued, &mut writer, peer, &mut appended).await;
                break;
            }
            Err(e) => {
                debug!(?peer, error = %e, "closing connection");
                write_all(&broker.queued, &mut writer, peer, &mut appended).await;
                break;
            }
        };
        if !is_produce(&frame) && !write_all(&broker.queued, &mut writer, peer, &mut appended).await
        {
            break;
        }
        let handled = handle_frame(&broker, &listener, peer, frame).await;
        drop(permit);
        let done = match handled {
            Ok(Handled::Appended(answer)) => {
                appended.push_back(answer);
                continue;
            }
            Ok(Handled::Done(response)) => Ok(response),
            Err(e) => Err(e),
        };
        // An answer (or the closing) comes after every answer before it.
        if !write_all(&broker.queued, &mut writer, peer, &mut appended).await {
            break;
        }
        match done {
            Ok(Some(response)) => {
                if write_answer(&broker.queued, &mut writer, peer, Ok(response))
                    .await
                    .is_err()
                {
                    break;
                }
            }
            Ok(None) => {}
            Err(e) => {
                debug!(?peer, error = %e, "closing connection");
                break;
            }
        }
    }
    let _ = writer.shutdown().await;
}

/// The requests of one connection, cut from what it read.
struct Requests<R> {
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
    fn new(reader: R) -> Self {
        Self {
            reader,
            buf: BytesMut::with_capacity(READ_BUFFER_BYTES),
            permit: None,
            own: None,
        }
    }

    /// The next request if it is read already and the pool has room for it now (`None`: the
    /// caller waits on [`Requests::next`]).
    fn buffered(
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
    async fn next(
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
                    match own && !key_read {
                        true => 6 - self.buf.len(),
                        false => 4 + size - self.buf.len(),
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

type Answers = FuturesOrdered<BoxFuture<'static, Result<ResponseFrame, DispatchError>>>;

/// Writes every answer still to come, in order; false when the connection is to close.
async fn write_all<W: FrameSink>(
    queued: &QueuedBytes,
    writer: &mut W,
    peer: Option<SocketAddr>,
    answers: &mut Answers,
) -> bool {
    while let Some(answer) = answers.next().await {
        if write_answer(queued, writer, peer, answer).await.is_err() {
            return false;
        }
    }
    true
}

/// Writes `first` and every answer after it that is ready too, in one go: the client is woken
/// once for them.
async fn write_ready<W: FrameSink>(
    queued: &QueuedBytes,
    writer: &mut W,
    peer: Option<SocketAddr>,
    first: Result<ResponseFrame, DispatchError>,
    answers: &mut Answers,
) -> std::io::Result<()> {
    let mut ready = ResponseFrame::default();
    let mut next = Some(first);
    let mut failed = None;
    while let Some(answer) = next.take() {
        match answer {
            Ok(response) => ready.chunks.extend(response.chunks),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
        next = answers.next().now_or_never().flatten();
    }
    if !ready.chunks.is_empty() {
        write_answer(queued, writer, peer, Ok(ready)).await?;
    }
    match failed {
        // What was ready before it went out; the answer that failed closes the connection.
        Some(e) => write_answer(queued, writer, peer, Err(e)).await,
        None => Ok(()),
    }
}

/// Writes one answer, counted against `queued.max.response.bytes` until it is sent; an answer
/// that could not be encoded closes the connection.
async fn write_answer<W: FrameSink>(
    queued: &QueuedBytes,
    writer: &mut W,
    peer: Option<SocketAddr>,
    answer: Result<ResponseFrame, DispatchError>,
) -> std::io::Result<()> {
    let response = answer.map_err(|e| {
        debug!(?peer, error = %e, "closing connection");
        std::io::Error::other(e.to_string())
    })?;
    let _pending = queued.charge_response(response.len());
    write_frame(writer, response).await
}

/// Where answers are written: any byte sink; a TCP connection also hands file slices to the
/// kernel, which sends them from the page cache.
pub(crate) trait FrameSink: AsyncWrite + Unpin {
    /// Sends the start of `slice`; how many bytes went. This default reads the bytes and
    /// writes them.
    async fn send_file(&mut self, slice: &FileSlice) -> std::io::Result<usize> {
        let bytes = slice.read()?;
        self.write(&bytes).await
    }

    /// While on, partial packets wait for more (TCP_CORK): the small chunks between a frame's
    /// file slices leave with them, not as packets of their own.
    fn cork(&mut self, _on: bool) {}
}

impl FrameSink for tokio::net::tcp::WriteHalf<'_> {
    async fn send_file(&mut self, slice: &FileSlice) -> std::io::Result<usize> {
        let stream: &TcpStream = self.as_ref();
        let mut offset = libc::off_t::try_from(slice.position()).map_err(std::io::Error::other)?;
        loop {
            stream.writable().await?;
            let sent = stream.try_io(Interest::WRITABLE, || {
                // SAFETY: both descriptors are open for the call (the slice holds its file); the
                // kernel writes only `offset`, a local.
                let sent = unsafe {
                    libc::sendfile(
                        stream.as_raw_fd(),
                        slice.file().as_raw_fd(),
                        &mut offset,
                        slice.len(),
                    )
                };
                usize::try_from(sent).map_err(|_| std::io::Error::last_os_error())
            });
            match sent {
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                sent => return sent,
            }
        }
    }

    fn cork(&mut self, on: bool) {
        let stream: &TcpStream = self.as_ref();
        let value = libc::c_int::from(on);
        // SAFETY: a plain socket option on a socket we hold, its value read from a local. A
        // failure only costs packets: the connection works either way.
        unsafe {
            libc::setsockopt(
                stream.as_raw_fd(),
                libc::IPPROTO_TCP,
                libc::TCP_CORK,
                std::ptr::from_ref(&value).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
    }
}

/// A part of the next vectored write: a chunk in memory, or a range of the staging buffer.
enum Part {
    Memory(Bytes),
    Staged(Range<usize>),
}

/// Writes every chunk of `frame`: chunks in memory and small file slices (read into memory,
/// [`STAGED_SLICE_MAX_BYTES`]) several per system call, larger file slices by the kernel.
async fn write_frame<W: FrameSink>(writer: &mut W, frame: ResponseFrame) -> std::io::Result<()> {
    let has_files = frame.chunks.iter().any(|c| matches!(c, Chunk::File(_)));
    if has_files {
        writer.cork(true);
    }
    let mut chunks = frame
        .chunks
        .into_iter()
        .filter(|c| !c.is_empty())
        .peekable();
    // Invariant: at most WRITE_CHUNKS, in frame order, the first maybe sent in part; refilled
    // only once empty, so that one staging buffer at a time is in use.
    let mut pending: Vec<Bytes> = Vec::new();
    loop {
        if pending.is_empty() {
            pending = next_write(&mut chunks)?;
        }
        if pending.is_empty() {
            // The next chunk is a large file slice, or none.
            match chunks.next() {
                Some(Chunk::File(slice)) => send_file(writer, slice).await?,
                Some(Chunk::Memory(bytes)) => pending.push(bytes),
                None => break,
            }
            continue;
        }
        let slices: Vec<IoSlice<'_>> = pending.iter().map(|c| IoSlice::new(c)).collect();
        let mut written = writer.write_vectored(&slices).await?;
        if written == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        // Drop what went out; the first chunk left may have gone out in part.
        let done = pending
            .iter()
            .take_while(|c| {
                let whole = c.len() <= written;
                if whole {
                    written -= c.len();
                }
                whole
            })
            .count();
        pending.drain(..done);
        if let Some(first) = pending.first_mut() {
            first.advance(written);
        }
    }
    if has_files {
        writer.cork(false);
    }
    Ok(())
}

/// The chunks of the next vectored write, taken from `chunks` up to the first large file slice:
/// chunks in memory as they are, small file slices read into one staging buffer (at most
/// [`STAGE_BYTES`]).
fn next_write(
    chunks: &mut std::iter::Peekable<impl Iterator<Item = Chunk>>,
) -> std::io::Result<Vec<Bytes>> {
    let mut parts = Vec::new();
    let mut staging: Option<Vec<u8>> = None;
    while parts.len() < WRITE_CHUNKS {
        let next = chunks.next_if(|c| match c {
            Chunk::Memory(_) => true,
            Chunk::File(slice) => {
                let staged = staging.as_ref().map_or(0, Vec::len);
                slice.len() < STAGED_SLICE_MAX_BYTES && staged + slice.len() <= STAGE_BYTES
            }
        });
        match next {
            Some(Chunk::Memory(bytes)) => parts.push(Part::Memory(bytes)),
            Some(Chunk::File(slice)) => {
                let buffer = staging.get_or_insert_with(|| log::spare_buffer(STAGE_BYTES));
                let start = buffer.len();
                slice.read_onto(buffer)?;
                parts.push(Part::Staged(start..buffer.len()));
                debug_assert!(buffer.len() <= STAGE_BYTES);
            }
            None => break,
        }
    }
    let staged = staging.map(log::spare_shared).unwrap_or_default();
    Ok(parts
        .into_iter()
        .map(|part| match part {
            Part::Memory(bytes) => bytes,
            Part::Staged(range) => staged.slice(range),
        })
        .collect())
}

/// Sends all of `slice`.
async fn send_file<W: FrameSink>(writer: &mut W, mut slice: FileSlice) -> std::io::Result<()> {
    while !slice.is_empty() {
        // A file shorter than the slice (truncated since it was read) cannot complete the frame.
        match writer.send_file(&slice).await? {
            0 => return Err(std::io::ErrorKind::WriteZero.into()),
            sent => slice.advance(sent),
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use kafka_protocol::messages::ApiKey;
    use std::pin::Pin;
    use std::task::{Context, Poll};
    use std::time::Duration;

    /// Takes at most `step` bytes per write, as a congested socket may.
    #[derive(Default)]
    struct Trickle {
        step: usize,
        got: Vec<u8>,
        writes: usize,
        /// File slices handed to [`FrameSink::send_file`].
        files_sent: usize,
    }

    impl AsyncWrite for Trickle {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<std::io::Result<usize>> {
            let n = buf.len().min(self.step);
            self.got.extend_from_slice(&buf[..n]);
            Poll::Ready(Ok(n))
        }

        fn poll_write_vectored(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<std::io::Result<usize>> {
            self.writes += 1;
            let mut left = self.step;
            let mut written = 0;
            for buf in bufs {
                let n = buf.len().min(left);
                self.got.extend_from_slice(&buf[..n]);
                written += n;
                left -= n;
                if left == 0 {
                    break;
                }
            }
            Poll::Ready(Ok(written))
        }

        fn is_write_vectored(&self) -> bool {
            true
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    impl FrameSink for Trickle {
        async fn send_file(&mut self, slice: &FileSlice) -> std::io::Result<usize> {
            self.files_sent += 1;
            let bytes = slice.read()?;
            self.write(&bytes).await
        }
    }

    /// Gives at most `step` bytes per read.
    struct Dribble {
        input: Vec<u8>,
        at: usize,
        step: usize,
    }

    impl AsyncRead for Dribble {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> Poll<std::io::Result<()>> {
            let n = self
                .step
                .min(buf.remaining())
                .min(self.input.len() - self.at);
            let at = self.at;
            buf.put_slice(&self.input[at..at + n]);
            self.at += n;
            Poll::Ready(Ok(()))
        }
    }

    fn framed(payloads: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for p in payloads {
            out.extend_from_slice(&(p.len() as i32).to_be_bytes());
            out.extend_from_slice(p);
        }
        out
    }

    fn pool() -> QueuedBytes {
        QueuedBytes::new(100 * 1024 * 1024, 100 * 1024 * 1024)
    }

    #[tokio::test]
    async fn frames_come_out_whole_and_in_order_however_the_bytes_arrive() {
        let produce = [&(ApiKey::Produce as i16).to_be_bytes()[..], &[7u8; 100_000]].concat();
        let payloads: [&[u8]; 5] = [b"hi", b"", &produce, &[1u8; READ_BUFFER_BYTES], b"last"];
        let input = framed(&payloads);
        for step in [1, 3, 4096, 50_000, usize::MAX] {
            let queued = pool();
            let mut requests = Requests::new(Dribble {
                input: input.clone(),
                at: 0,
                step,
            });
            for expected in payloads {
                let (frame, _permit) = requests.next(&queued).await.unwrap().unwrap();
                assert_eq!(&frame[..], expected, "step {step}");
                if expected == &produce[..] {
                    // A large Produce comes in a buffer of its own, which it alone holds.
                    assert!(frame.try_into_mut().is_ok(), "step {step}");
                }
            }
            assert!(
                requests.next(&queued).await.unwrap().is_none(),
                "step {step}"
            );
        }
    }

    #[tokio::test]
    async fn a_request_holds_its_room_in_the_pool_until_dropped() {
        let queued = pool();
        let input = framed(&[&[5u8; 1000]]);
        let mut requests = Requests::new(&input[..]);
        let (_frame, permit) = requests.next(&queued).await.unwrap().unwrap();
        assert_eq!(queued.queued_request_bytes(), 1000);
        drop(permit);
        assert_eq!(queued.queued_request_bytes(), 0);
    }

    #[tokio::test]
    async fn a_request_interrupted_while_read_is_read_on_by_the_next_call() {
        let (mut client, server) = tokio::io::duplex(64 * 1024);
        let queued = pool();
        let mut requests = Requests::new(server);
        let input = framed(&[&[9u8; 3000]]);
        client.write_all(&input[..1500]).await.unwrap();
        let early = tokio::time::timeout(Duration::from_millis(50), requests.next(&queued)).await;
        assert!(early.is_err(), "half a frame is no request");
        client.write_all(&input[1500..]).await.unwrap();
        let (frame, _permit) = requests.next(&queued).await.unwrap().unwrap();
        assert_eq!(&frame[..], &[9u8; 3000][..]);
    }

    #[tokio::test]
    async fn an_oversized_frame_is_refused_before_it_is_read() {
        let queued = pool();
        let mut requests = Requests::new(&[0x7f, 0xff, 0xff, 0xff][..]);
        let Err(err) = requests.next(&queued).await else {
            panic!("an error")
        };
        assert!(matches!(err, FrameError::TooLarge { .. }));
        let mut requests = Requests::new(&[0xff, 0xff, 0xff, 0xff][..]);
        let Err(err) = requests.next(&queued).await else {
            panic!("an error")
        };
        assert!(matches!(err, FrameError::NegativeSize(-1)));
    }

    #[tokio::test]
    async fn a_close_within_a_frame_is_an_error_and_between_frames_is_not() {
        let queued = pool();
        let mut requests = Requests::new(&[0, 0, 0, 5, 1, 2][..]);
        let Err(err) = requests.next(&queued).await else {
            panic!("an error")
        };
        assert!(matches!(err, FrameError::Truncated));
        let mut requests = Requests::new(&[0, 0][..]);
        assert!(requests.next(&queued).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_request_read_already_is_taken_without_waiting_while_the_pool_has_room() {
        let queued = QueuedBytes::new(1500, -1);
        let input = framed(&[&[1u8; 1000], &[2u8; 1000], b"x"]);
        let mut requests = Requests::new(&input[..]);
        assert!(requests.buffered(&queued).is_none(), "nothing read yet");
        let (first, first_permit) = requests.next(&queued).await.unwrap().unwrap();
        assert_eq!(&first[..], &[1u8; 1000][..]);
        assert!(
            requests.buffered(&queued).is_none(),
            "no room for the second"
        );
        drop(first_permit);
        let (second, _permit) = requests.buffered(&queued).unwrap().unwrap();
        assert_eq!(&second[..], &[2u8; 1000][..]);
    }

    #[tokio::test]
    async fn ready_answers_leave_in_one_write_in_order_and_a_failed_one_after_them() {
        let answer =
            |bytes: &'static [u8]| -> BoxFuture<'static, Result<ResponseFrame, DispatchError>> {
                Box::pin(async move {
                    Ok(ResponseFrame {
                        chunks: vec![Chunk::Memory(Bytes::from_static(bytes))],
                    })
                })
            };
        let queued = pool();
        let mut answers: Answers = FuturesOrdered::new();
        answers.push_back(answer(b"2"));
        answers.push_back(answer(b"3"));
        answers.push_back(Box::pin(futures::future::pending()));
        answers.push_back(answer(b"5"));
        let mut out = Trickle {
            step: usize::MAX,
            got: Vec::new(),
            ..Trickle::default()
        };
        let first = answer(b"1").await;
        write_ready(&queued, &mut out, None, first, &mut answers)
            .await
            .unwrap();
        assert_eq!((out.got.as_slice(), out.writes), (&b"123"[..], 1));
        assert_eq!(
            answers.len(),
            2,
            "the pending answer and the one after it wait"
        );

        let failed = Err(DispatchError::ShortRequest);
        let mut answers: Answers = FuturesOrdered::new();
        answers.push_back(Box::pin(async { Err(DispatchError::ShortRequest) }));
        let mut out = Trickle {
            step: usize::MAX,
            got: Vec::new(),
            ..Trickle::default()
        };
        let first = answer(b"1").await;
        assert!(write_ready(&queued, &mut out, None, first, &mut answers)
            .await
            .is_err());
        assert_eq!(out.got, b"1");
        assert!(write_ready(&queued, &mut out, None, failed, &mut answers)
            .await
            .is_err());
    }

    #[tokio::test]
    async fn every_chunk_goes_out_in_order_through_partial_writes() {
        let chunks: Vec<Bytes> = (0..200u8)
            .map(|i| Bytes::from(vec![i; usize::from(i % 7)]))
            .collect();
        let expected: Vec<u8> = chunks.concat();
        for step in [1, 5, 64, 100_000] {
            let mut out = Trickle {
                step,
                got: Vec::new(),
                ..Trickle::default()
            };
            let frame = ResponseFrame {
                chunks: chunks.iter().cloned().map(Chunk::Memory).collect(),
            };
            write_frame(&mut out, frame).await.unwrap();
            assert_eq!(out.got, expected, "step {step}");
        }
    }

    /// A frame of memory chunks and file slices, and the bytes it stands for.
    fn mixed_frame() -> (ResponseFrame, Vec<u8>) {
        let content: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, &content).unwrap();
        let file = Arc::new(file);
        let mut chunks = Vec::new();
        let mut expected = Vec::new();
        for (i, (start, len)) in [(0, 70_000), (100_000, 150_000), (5, 10)]
            .iter()
            .enumerate()
        {
            let header = vec![i as u8; 40];
            expected.extend_from_slice(&header);
            chunks.push(Chunk::Memory(Bytes::from(header)));
            expected.extend_from_slice(&content[*start..start + len]);
            let slice = FileSlice::new(file.clone(), *start as u64, *len).unwrap();
            chunks.push(Chunk::File(slice));
        }
        (ResponseFrame { chunks }, expected)
    }

    #[tokio::test]
    async fn file_slices_go_out_in_order_with_the_memory_chunks() {
        let (frame, expected) = mixed_frame();
        for step in [7, 4096, 1_000_000] {
            let mut out = Trickle {
                step,
                got: Vec::new(),
                ..Trickle::default()
            };
            write_frame(&mut out, frame.clone()).await.unwrap();
            assert_eq!(out.got, expected, "step {step}");
        }
    }

    /// Small file slices are read and leave with the chunks around them in one vectored write
    /// per staging buffer; a large one goes by itself to `send_file`.
    #[tokio::test]
    async fn small_file_slices_go_out_with_their_neighbours_in_few_writes() {
        let small = 20_000;
        let large = 2 * STAGED_SLICE_MAX_BYTES;
        let content: Vec<u8> = (0..(100 * small + large) as u32)
            .map(|i| (i % 251) as u8)
            .collect();
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, &content).unwrap();
        let file = Arc::new(file);
        let mut chunks = Vec::new();
        let mut expected = Vec::new();
        let mut position = 0;
        for i in 0..101 {
            let len = if i == 50 { large } else { small };
            let header = vec![i as u8; 40];
            expected.extend_from_slice(&header);
            expected.extend_from_slice(&content[position..position + len]);
            chunks.push(Chunk::Memory(Bytes::from(header)));
            let slice = FileSlice::new(file.clone(), position as u64, len).unwrap();
            chunks.push(Chunk::File(slice));
            position += len;
        }
        let frame = ResponseFrame { chunks };
        let mut out = Trickle {
            step: usize::MAX,
            ..Trickle::default()
        };
        write_frame(&mut out, frame.clone()).await.unwrap();
        assert_eq!(out.got, expected);
        // 50 small slices (1,000,000 bytes) with their headers and the large one's header, the
        // large slice, then the other 50 with their headers.
        assert_eq!((out.writes, out.files_sent), (2, 1));

        let mut out = Trickle {
            step: 4_099,
            ..Trickle::default()
        };
        write_frame(&mut out, frame).await.unwrap();
        assert_eq!(out.got, expected);
    }

    /// A file cut short under a small slice fails the write too, and nothing of the slice
    /// goes out.
    #[tokio::test]
    async fn a_file_shorter_than_a_small_slice_fails_the_write() {
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, &[3u8; 1_000]).unwrap();
        let slice = FileSlice::new(Arc::new(file), 500, 400).unwrap();
        slice.file().set_len(600).unwrap();
        let frame = ResponseFrame {
            chunks: vec![
                Chunk::Memory(Bytes::from_static(b"head")),
                Chunk::File(slice),
            ],
        };
        let mut out = Trickle {
            step: usize::MAX,
            ..Trickle::default()
        };
        let err = write_frame(&mut out, frame).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
        assert_eq!((out.got.len(), out.files_sent), (0, 0));
    }

    /// A connection to a local peer that starts reading after `delay` and returns all it read.
    async fn connect_to_reader(
        delay: Duration,
    ) -> (TcpStream, tokio::task::JoinHandle<std::io::Result<Vec<u8>>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let reader = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await?;
            tokio::time::sleep(delay).await;
            let mut got = Vec::new();
            socket.read_to_end(&mut got).await.map(|_| got)
        });
        (TcpStream::connect(address).await.unwrap(), reader)
    }

    /// Through a real socket the slices go by `sendfile`, a slow reader making the writer wait.
    #[tokio::test]
    async fn a_tcp_connection_sends_file_slices_from_the_file() {
        let (frame, expected) = mixed_frame();
        let (mut stream, reader) = connect_to_reader(Duration::from_millis(50)).await;
        let (_, mut writer) = stream.split();
        write_frame(&mut writer, frame.clone()).await.unwrap();
        write_frame(&mut writer, frame).await.unwrap();
        drop(stream);
        let got = reader.await.unwrap().unwrap();
        assert_eq!(got.len(), 2 * expected.len());
        assert!(got[..expected.len()] == expected[..] && got[expected.len()..] == expected[..]);
    }

    /// A file cut short under its slice fails the write (the frame cannot be completed).
    #[tokio::test]
    async fn a_file_shorter_than_its_slice_fails_the_write() {
        let (frame, _) = mixed_frame();
        let (mut stream, reader) = connect_to_reader(Duration::ZERO).await;
        if let Some(Chunk::File(slice)) = frame.chunks.get(1) {
            slice.file().set_len(1_000).unwrap();
        }
        let (_, mut writer) = stream.split();
        let err = write_frame(&mut writer, frame).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::WriteZero);
        drop(stream);
        let _ = reader.await.unwrap();
    }
}

//! Writing a connection's answers: chunks in memory several per vectored write, small file
//! slices read and written with them, larger ones handed to the kernel (`sendfile`).

use std::io::IoSlice;
use std::ops::Range;
use std::os::fd::AsRawFd;

use bytes::{Buf, Bytes};
use tokio::io::Interest;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::log;
use crate::protocol::response_frame::{Chunk, FileSlice, ResponseFrame};

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
pub(super) const STAGED_SLICE_MAX_BYTES: usize = 64 * 1024;
/// Bytes of small file slices read into one buffer before they are written: the buffers come
/// from the log's spare ones (`log/recent.rs`), whose pages are in place already.
const STAGE_BYTES: usize = 1024 * 1024;

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
pub(super) async fn write_frame<W: FrameSink>(
    writer: &mut W,
    frame: ResponseFrame,
) -> std::io::Result<()> {
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

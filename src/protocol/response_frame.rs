//! A response frame as a list of chunks, so that record bytes a Fetch response carries go to the
//! socket without being copied into the encoded response: as the very buffers they were read
//! into, or as ranges of segment files that the kernel sends from the page cache ([`FileSlice`],
//! `sendfile`, as Kafka's `FileRecords.writeTo`). The encoder writes into a [`SplicingBuf`]; when
//! it writes a slice that lies inside one of the record buffers or file slices the response
//! holds, the buffer keeps a reference to it instead of copying it.

use bytes::buf::UninitSlice;
use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::protocol::buf::ByteBufMut;
use std::fs::File;
use std::ops::Range;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

/// Slices shorter than this are copied: a reference costs a chunk of its own on the wire.
const SPLICE_MIN_BYTES: usize = 4096;

/// A part of an encoded frame.
#[derive(Debug, Clone)]
pub enum Chunk {
    Memory(Bytes),
    File(FileSlice),
}

impl Chunk {
    pub fn len(&self) -> usize {
        match self {
            Chunk::Memory(bytes) => bytes.len(),
            Chunk::File(slice) => slice.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An encoded frame: its size prefix, then the chunks in order.
#[derive(Debug, Clone, Default)]
pub struct ResponseFrame {
    pub chunks: Vec<Chunk>,
}

impl ResponseFrame {
    /// A frame of one buffer (size prefix included).
    pub fn contiguous(frame: Bytes) -> ResponseFrame {
        ResponseFrame {
            chunks: vec![Chunk::Memory(frame)],
        }
    }

    /// Bytes of the whole frame, size prefix included.
    pub fn len(&self) -> usize {
        self.chunks.iter().map(Chunk::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.chunks.iter().all(Chunk::is_empty)
    }
}

/// A range of a file that a frame carries without the process reading it: the connection hands
/// it to the kernel (`sendfile`), which sends it from the page cache.
///
/// While the response is encoded, a placeholder of the same length stands in for the bytes:
/// addresses in a reserved read-only region of zero pages, unique among the placeholders of one
/// frame, by which [`SplicingBuf`] recognises the slice. Nothing reads a placeholder's contents
/// (a copy of one would be zeros, so [`SplicingBuf`] reads the file where it must copy).
#[derive(Clone)]
pub struct FileSlice {
    file: Arc<File>,
    position: u64,
    len: usize,
    /// `placeholder.len() == len` until the slice is advanced, which only a writer does.
    placeholder: Bytes,
}

impl std::fmt::Debug for FileSlice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileSlice")
            .field("position", &self.position)
            .field("len", &self.len)
            .finish()
    }
}

/// Address space for placeholders: larger than any frame (sizes are i32), so the placeholders
/// handed out for one frame never overlap. Reserved, not committed: every page is the zero page.
const PLACEHOLDER_SPACE: usize = 4 << 30;

struct PlaceholderSpace {
    base: usize,
    /// Where the next placeholder starts, modulo [`PLACEHOLDER_SPACE`].
    next: AtomicUsize,
}

fn placeholder_space() -> Option<&'static PlaceholderSpace> {
    static SPACE: OnceLock<Option<PlaceholderSpace>> = OnceLock::new();
    SPACE
        .get_or_init(|| {
            // SAFETY: a new anonymous read-only mapping; it aliases no Rust memory and is never
            // unmapped, so slices of it live for the rest of the process.
            let base = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    PLACEHOLDER_SPACE,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                    -1,
                    0,
                )
            };
            (base != libc::MAP_FAILED).then(|| PlaceholderSpace {
                base: base as usize,
                next: AtomicUsize::new(0),
            })
        })
        .as_ref()
}

/// `len` bytes of the placeholder space, or `None` when the space could not be reserved.
fn placeholder(len: usize) -> Option<Bytes> {
    let space = placeholder_space()?;
    if len > PLACEHOLDER_SPACE / 2 {
        return None;
    }
    let mut start = space.next.fetch_add(len, Ordering::Relaxed) % PLACEHOLDER_SPACE;
    if start + len > PLACEHOLDER_SPACE {
        start = 0;
    }
    // SAFETY: `[base + start, base + start + len)` lies inside the reserved read-only mapping,
    // which lives (and is never written) for the rest of the process.
    let slice: &'static [u8] =
        unsafe { std::slice::from_raw_parts((space.base + start) as *const u8, len) };
    Some(Bytes::from_static(slice))
}

impl FileSlice {
    /// `[position, position + len)` of `file`; `None` when no placeholder can be made (the
    /// caller reads the bytes instead).
    pub fn new(file: Arc<File>, position: u64, len: usize) -> Option<FileSlice> {
        Some(FileSlice {
            placeholder: placeholder(len)?,
            file,
            position,
            len,
        })
    }

    pub fn file(&self) -> &File {
        &self.file
    }

    /// Where in the file the slice starts.
    pub fn position(&self) -> u64 {
        self.position
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// What stands in for the bytes in an encoded response (see the type's documentation).
    pub fn placeholder(&self) -> Bytes {
        self.placeholder.clone()
    }

    /// Drops the first `count` bytes (they were sent).
    pub fn advance(&mut self, count: usize) {
        debug_assert!(count <= self.len);
        let count = count.min(self.len);
        self.position += count as u64;
        self.len -= count;
        self.placeholder = self.placeholder.slice(count..);
    }

    /// The part of this slice that `sub`, a slice of the placeholder, stands for.
    fn sub_slice(&self, sub: &[u8]) -> FileSlice {
        let skip = sub.as_ptr() as usize - self.placeholder.as_ptr() as usize;
        FileSlice {
            file: self.file.clone(),
            position: self.position + skip as u64,
            len: sub.len(),
            placeholder: self.placeholder.slice_ref(sub),
        }
    }

    /// Appends the slice's bytes to `buffer`, read from the file; a file shorter than the
    /// slice is an error.
    pub fn read_onto(&self, buffer: &mut Vec<u8>) -> std::io::Result<()> {
        read_onto_at(&self.file, self.position, self.len, buffer)
    }

    /// The bytes themselves, read from the file (for writers that cannot send files). A file
    /// shorter than the slice (truncated since) is an error: the frame cannot be completed.
    pub fn read(&self) -> std::io::Result<Bytes> {
        let mut buf = vec![0u8; self.len];
        self.file.read_exact_at(&mut buf, self.position)?;
        Ok(Bytes::from(buf))
    }
}

/// Appends `len` bytes of `file` from `position` to `buffer`, read straight into its spare
/// capacity (not zeroed first: on the fetch path that zeroing cost as much as the read); a
/// file that ends before them is an error.
pub(crate) fn read_onto_at(
    file: &File,
    position: u64,
    len: usize,
    buffer: &mut Vec<u8>,
) -> std::io::Result<()> {
    buffer.reserve(len);
    let start = buffer.len();
    while buffer.len() - start < len {
        let filled = buffer.len() - start;
        let spare = &mut buffer.spare_capacity_mut()[..len - filled];
        let offset =
            libc::off_t::try_from(position + filled as u64).map_err(std::io::Error::other)?;
        // SAFETY: pread writes at most `spare.len()` bytes into `spare`, memory `buffer` owns.
        let read = unsafe {
            libc::pread(
                file.as_raw_fd(),
                spare.as_mut_ptr().cast(),
                spare.len(),
                offset,
            )
        };
        match usize::try_from(read) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            // SAFETY: pread initialised the first `read` bytes of the spare capacity.
            Ok(read) => unsafe { buffer.set_len(buffer.len() + read) },
            Err(_) => {
                let error = std::io::Error::last_os_error();
                if error.kind() != std::io::ErrorKind::Interrupted {
                    return Err(error);
                }
            }
        }
    }
    Ok(())
}

/// Whether `inner` lies within `outer` (by address).
fn lies_in(inner: &[u8], outer: &[u8]) -> bool {
    let start = inner.as_ptr() as usize;
    let base = outer.as_ptr() as usize;
    base <= start && start + inner.len() <= base + outer.len()
}

/// The one of `items` (sorted by address) whose bytes hold `inner`. Only the last item that
/// starts at or before `inner` is tried: where items overlap, one holding `inner` may be missed.
fn holding<'a, T>(items: &'a [T], bytes: impl Fn(&T) -> &[u8], inner: &[u8]) -> Option<&'a T> {
    let start = inner.as_ptr() as usize;
    let after = items.partition_point(|item| bytes(item).as_ptr() as usize <= start);
    let candidate = items[..after].last()?;
    lies_in(inner, bytes(candidate)).then_some(candidate)
}

/// An encoding buffer that references, rather than copies, large slices of `shared` buffers and
/// of `files`' placeholders.
#[derive(Debug)]
pub struct SplicingBuf {
    /// Invariant: sorted by address, none empty. Record buffers do not overlap; if some did, a
    /// slice of one could be missed and copied: the same bytes, only slower.
    shared: Vec<Bytes>,
    /// Invariant: sorted by placeholder address (placeholders of one frame never overlap).
    files: Vec<FileSlice>,
    done: Vec<Chunk>,
    /// A file slice that had to be copied and could not be read: the frame cannot be made.
    unreadable: Option<std::io::Error>,
    /// Bytes in `done`: global offsets count from the first byte of the payload.
    done_len: usize,
    current: BytesMut,
}

impl SplicingBuf {
    /// A buffer that splices slices of `shared` and of `files`' placeholders and copies
    /// everything else (first chunk with room for `capacity` bytes).
    pub fn new(mut shared: Vec<Bytes>, mut files: Vec<FileSlice>, capacity: usize) -> SplicingBuf {
        // Sorted by address, so that every write finds its buffer by a binary search: a Fetch
        // of thousands of partitions writes a few small fields per partition, and scanning
        // every slice for each of them made encoding quadratic.
        shared.retain(|b| !b.is_empty());
        shared.sort_by_key(|b| b.as_ptr() as usize);
        files.sort_by_key(|f| f.placeholder.as_ptr() as usize);
        SplicingBuf {
            shared,
            files,
            done: Vec::new(),
            unreadable: None,
            done_len: 0,
            current: BytesMut::with_capacity(capacity),
        }
    }

    /// The frame: a 4-byte size prefix, then everything written; an error when a file slice
    /// that had to be copied could not be read.
    pub fn finish(mut self) -> std::io::Result<ResponseFrame> {
        if let Some(e) = self.unreadable.take() {
            return Err(e);
        }
        self.close_chunk();
        let size = i32::try_from(self.done_len).unwrap_or(i32::MAX);
        let mut chunks = Vec::with_capacity(self.done.len() + 1);
        chunks.push(Chunk::Memory(Bytes::copy_from_slice(&size.to_be_bytes())));
        chunks.append(&mut self.done);
        Ok(ResponseFrame { chunks })
    }

    /// The bytes of `slice`, read from its file; zeros of its length if that fails, with the
    /// failure kept for [`Self::finish`].
    fn read_file(&mut self, slice: &FileSlice) -> Bytes {
        slice.read().unwrap_or_else(|e| {
            self.unreadable.get_or_insert(e);
            Bytes::from(vec![0u8; slice.len()])
        })
    }

    fn close_chunk(&mut self) {
        if !self.current.is_empty() {
            let chunk = self.current.split().freeze();
            self.done_len += chunk.len();
            self.done.push(Chunk::Memory(chunk));
        }
    }

    /// The chunk that references `src` instead of copying it, if `src` lies in a shared buffer
    /// or a file slice's placeholder.
    fn splice(&self, src: &[u8]) -> Option<Chunk> {
        if let Some(file) = holding(&self.files, |f| &f.placeholder, src) {
            return Some(Chunk::File(file.sub_slice(src)));
        }
        let shared = holding(&self.shared, |b| b, src)?;
        Some(Chunk::Memory(shared.slice_ref(src)))
    }

    /// Folds every chunk back into `current`, for the rare caller that rewrites earlier bytes
    /// (record batch encoding does; message encoding does not). File slices are read.
    fn flatten(&mut self) {
        if self.done.is_empty() {
            return;
        }
        let mut all = BytesMut::with_capacity(self.done_len + self.current.len());
        for chunk in std::mem::take(&mut self.done) {
            match chunk {
                Chunk::Memory(bytes) => all.extend_from_slice(&bytes),
                Chunk::File(slice) => all.extend_from_slice(&self.read_file(&slice)),
            }
        }
        all.extend_from_slice(&self.current);
        self.current = all;
        self.done_len = 0;
    }
}

// SAFETY: every method delegates to `current`, a `BytesMut`, whose own `BufMut` implementation
// upholds the contract; `put_slice` only adds whole chunks before `current`, never touching the
// bytes `chunk_mut` hands out.
unsafe impl BufMut for SplicingBuf {
    fn remaining_mut(&self) -> usize {
        self.current.remaining_mut()
    }

    unsafe fn advance_mut(&mut self, cnt: usize) {
        // SAFETY: the caller initialised `cnt` bytes of `chunk_mut`, which is `current`'s.
        unsafe { self.current.advance_mut(cnt) }
    }

    fn chunk_mut(&mut self) -> &mut UninitSlice {
        self.current.chunk_mut()
    }

    fn put_slice(&mut self, src: &[u8]) {
        if src.len() >= SPLICE_MIN_BYTES {
            if let Some(spliced) = self.splice(src) {
                self.close_chunk();
                self.done_len += spliced.len();
                self.done.push(spliced);
                return;
            }
        }
        if let Some(file) = holding(&self.files, |f| &f.placeholder, src) {
            // A small part of a placeholder is copied from the file, never as the zeros it holds.
            let slice = file.sub_slice(src);
            let bytes = self.read_file(&slice);
            return self.current.put_slice(&bytes);
        }
        self.current.put_slice(src);
    }
}

impl ByteBufMut for SplicingBuf {
    fn offset(&self) -> usize {
        self.done_len + self.current.len()
    }

    fn seek(&mut self, offset: usize) {
        if offset < self.done_len {
            self.flatten();
        }
        self.current.resize(offset - self.done_len, 0);
    }

    fn range(&mut self, r: Range<usize>) -> &mut [u8] {
        if r.start < self.done_len {
            self.flatten();
        }
        let start = r.start - self.done_len;
        let end = r.end - self.done_len;
        &mut self.current[start..end]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use kafka_protocol::messages::fetch_response::{FetchableTopicResponse, PartitionData};
    use kafka_protocol::messages::{FetchResponse, TopicName};
    use kafka_protocol::protocol::{Encodable, StrBytes};

    fn contiguous(frame: &ResponseFrame) -> Vec<u8> {
        let mut bytes = Vec::new();
        for chunk in &frame.chunks {
            match chunk {
                Chunk::Memory(b) => bytes.extend_from_slice(b),
                Chunk::File(slice) => bytes.extend_from_slice(&slice.read().unwrap()),
            }
        }
        bytes
    }

    /// A temporary file of `len` bytes that differ from their neighbours, and its bytes.
    fn patterned_file(len: u32) -> (Vec<u8>, Arc<File>) {
        let content: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, &content).unwrap();
        (content, Arc::new(file))
    }

    /// (position, length) of each file chunk, in order.
    fn file_ranges(frame: &ResponseFrame) -> Vec<(u64, usize)> {
        frame
            .chunks
            .iter()
            .filter_map(|c| match c {
                Chunk::File(f) => Some((f.position(), f.len())),
                Chunk::Memory(_) => None,
            })
            .collect()
    }

    fn memory(chunk: &Chunk) -> Option<&Bytes> {
        match chunk {
            Chunk::Memory(bytes) => Some(bytes),
            Chunk::File(_) => None,
        }
    }

    fn response(records: &[Bytes]) -> FetchResponse {
        let partitions = records
            .iter()
            .enumerate()
            .map(|(i, r)| {
                PartitionData::default()
                    .with_partition_index(i as i32)
                    .with_records(Some(r.clone()))
            })
            .collect();
        FetchResponse::default().with_responses(vec![FetchableTopicResponse::default()
            .with_topic(TopicName(StrBytes::from_static_str("t")))
            .with_partitions(partitions)])
    }

    /// The spliced frame holds the same bytes as the plainly encoded one, references the
    /// large record buffers and copies the small one.
    #[test]
    fn spliced_frames_match_plain_encoding() {
        let large = Bytes::from(vec![7u8; 10_000]);
        let other = Bytes::from(vec![9u8; 5_000]);
        let small = Bytes::from(vec![1u8; 100]);
        let records = [large.clone(), small.clone(), other.clone()];
        let fetch = response(&records);
        for version in [4, 12, 16] {
            let mut plain = BytesMut::new();
            fetch.encode(&mut plain, version).unwrap();

            let mut buf = SplicingBuf::new(records.to_vec(), Vec::new(), 64);
            fetch.encode(&mut buf, version).unwrap();
            let frame = buf.finish().unwrap();
            let bytes = contiguous(&frame);
            assert_eq!(&bytes[..4], &(plain.len() as i32).to_be_bytes());
            assert_eq!(&bytes[4..], &plain[..], "v{version}");
            let referenced: Vec<_> = frame
                .chunks
                .iter()
                .filter_map(memory)
                .filter(|c| c.as_ptr() == large.as_ptr() || c.as_ptr() == other.as_ptr())
                .collect();
            assert_eq!(referenced.len(), 2, "v{version}");
            assert!(frame
                .chunks
                .iter()
                .filter_map(memory)
                .all(|c| c.as_ptr() != small.as_ptr()));
        }
    }

    #[test]
    fn rewriting_earlier_bytes_folds_the_chunks_back() {
        let large = Bytes::from(vec![3u8; 8_192]);
        let mut buf = SplicingBuf::new(vec![large.clone()], Vec::new(), 0);
        buf.put_u32(0);
        buf.put_slice(&large);
        buf.put_u8(5);
        buf.range(0..4).copy_from_slice(&[1, 2, 3, 4]);
        let bytes = contiguous(&buf.finish().unwrap());
        assert_eq!(&bytes[4..8], &[1, 2, 3, 4]);
        assert_eq!(bytes.len(), 4 + 4 + 8_192 + 1);
        assert_eq!(bytes[bytes.len() - 1], 5);
    }

    /// A file slice goes into the frame as a file chunk (its placeholder's zeros are never
    /// sent), between chunks of memory, and the frame reads as the plainly encoded response.
    #[test]
    fn file_slices_become_file_chunks() {
        let (content, file) = patterned_file(70_000);
        let slice = FileSlice::new(file.clone(), 1_000, 60_000).unwrap();
        let other = FileSlice::new(file, 500, 8_000).unwrap();
        assert_ne!(slice.placeholder().as_ptr(), other.placeholder().as_ptr());
        let small = Bytes::from(vec![1u8; 100]);
        let placeholders = [slice.placeholder(), small.clone(), other.placeholder()];
        let real = [
            Bytes::copy_from_slice(&content[1_000..61_000]),
            small,
            Bytes::copy_from_slice(&content[500..8_500]),
        ];
        for version in [4, 12, 16] {
            let mut plain = BytesMut::new();
            response(&real).encode(&mut plain, version).unwrap();
            let mut buf = SplicingBuf::new(Vec::new(), vec![slice.clone(), other.clone()], 64);
            response(&placeholders).encode(&mut buf, version).unwrap();
            let frame = buf.finish().unwrap();
            assert_eq!(
                file_ranges(&frame),
                [(1_000, 60_000), (500, 8_000)],
                "v{version}"
            );
            assert_eq!(frame.len(), plain.len() + 4);
            assert_eq!(&contiguous(&frame)[4..], &plain[..], "v{version}");
        }
    }

    /// Many slices, handed over in no order of address, each found where it is written: files
    /// sent as their own ranges, shared buffers referenced, small buffers copied.
    #[test]
    fn many_slices_in_any_order_are_each_found() {
        let (content, file) = patterned_file(400_000);
        let (mut placeholders, mut real, mut files, mut shared) = (vec![], vec![], vec![], vec![]);
        for i in 0..60usize {
            let position = i * 6_000;
            match i % 3 {
                0 => {
                    let slice = FileSlice::new(file.clone(), position as u64, 5_000).unwrap();
                    placeholders.push(slice.placeholder());
                    files.push(slice);
                    real.push(Bytes::copy_from_slice(&content[position..position + 5_000]));
                }
                1 => {
                    let bytes = Bytes::copy_from_slice(&content[position..position + 4_500]);
                    placeholders.push(bytes.clone());
                    shared.push(bytes.clone());
                    real.push(bytes);
                }
                _ => {
                    let bytes = Bytes::copy_from_slice(&content[position..position + 50]);
                    placeholders.push(bytes.clone());
                    real.push(bytes);
                }
            }
        }
        files.reverse();
        shared.swap(0, 7);
        shared.push(Bytes::new());
        let mut plain = BytesMut::new();
        response(&real).encode(&mut plain, 16).unwrap();
        let mut buf = SplicingBuf::new(shared, files, 64);
        response(&placeholders).encode(&mut buf, 16).unwrap();
        let frame = buf.finish().unwrap();
        let expected: Vec<_> = (0..60)
            .step_by(3)
            .map(|i| (i as u64 * 6_000, 5_000))
            .collect();
        assert_eq!(file_ranges(&frame), expected);
        let referenced = frame
            .chunks
            .iter()
            .filter(|c| matches!(c, Chunk::Memory(b) if b.len() == 4_500))
            .count();
        assert_eq!(referenced, 20);
        assert_eq!(&contiguous(&frame)[4..], &plain[..]);
    }

    /// An encoder that rewrites earlier bytes gets the file's bytes, not the placeholder's.
    #[test]
    fn rewriting_past_a_file_slice_reads_the_file() {
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, &[4u8; 9_000]).unwrap();
        let slice = FileSlice::new(Arc::new(file), 0, 9_000).unwrap();
        let mut buf = SplicingBuf::new(Vec::new(), vec![slice.clone()], 0);
        buf.put_u32(0);
        buf.put_slice(&slice.placeholder());
        buf.range(0..4).copy_from_slice(&[1, 2, 3, 4]);
        let bytes = contiguous(&buf.finish().unwrap());
        assert_eq!(&bytes[4..8], &[1, 2, 3, 4]);
        assert!(bytes[8..].iter().all(|&b| b == 4));
    }
}

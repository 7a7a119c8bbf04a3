//! A response frame as a list of chunks, so that record bytes a Fetch response carries go to the
//! socket as the very buffers they were read into, without being copied into the encoded
//! response. The encoder writes into a [`SplicingBuf`]; when it writes a slice that lies inside
//! one of the record buffers the response holds, the buffer keeps a reference to that slice
//! (`Bytes::slice_ref`) instead of copying it.

use bytes::buf::UninitSlice;
use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::protocol::buf::ByteBufMut;
use std::ops::Range;

/// Slices shorter than this are copied: a reference costs a chunk of its own on the wire.
const SPLICE_MIN_BYTES: usize = 4096;

/// An encoded frame: its size prefix, then the chunks in order.
#[derive(Debug, Clone, Default)]
pub struct ResponseFrame {
    pub chunks: Vec<Bytes>,
}

impl ResponseFrame {
    /// Bytes of the whole frame, size prefix included.
    pub fn len(&self) -> usize {
        self.chunks.iter().map(Bytes::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.chunks.iter().all(Bytes::is_empty)
    }
}

/// An encoding buffer that references, rather than copies, large slices of `shared` buffers.
#[derive(Debug)]
pub struct SplicingBuf {
    shared: Vec<Bytes>,
    done: Vec<Bytes>,
    /// Bytes in `done`: global offsets count from the first byte of the payload.
    done_len: usize,
    current: BytesMut,
}

impl SplicingBuf {
    /// A buffer that splices slices of `shared` and copies everything else (first chunk with
    /// room for `capacity` bytes).
    pub fn new(shared: Vec<Bytes>, capacity: usize) -> SplicingBuf {
        SplicingBuf {
            shared,
            done: Vec::new(),
            done_len: 0,
            current: BytesMut::with_capacity(capacity),
        }
    }

    /// The frame: a 4-byte size prefix, then everything written.
    pub fn finish(mut self) -> ResponseFrame {
        self.close_chunk();
        let size = i32::try_from(self.done_len).unwrap_or(i32::MAX);
        let mut chunks = Vec::with_capacity(self.done.len() + 1);
        chunks.push(Bytes::copy_from_slice(&size.to_be_bytes()));
        chunks.append(&mut self.done);
        ResponseFrame { chunks }
    }

    fn close_chunk(&mut self) {
        if !self.current.is_empty() {
            let chunk = self.current.split().freeze();
            self.done_len += chunk.len();
            self.done.push(chunk);
        }
    }

    /// The shared buffer `src` lies in, if any.
    fn shared_holding(&self, src: &[u8]) -> Option<&Bytes> {
        let start = src.as_ptr() as usize;
        let end = start + src.len();
        self.shared.iter().find(|b| {
            let base = b.as_ptr() as usize;
            base <= start && end <= base + b.len()
        })
    }

    /// Folds every chunk back into `current`, for the rare caller that rewrites earlier bytes
    /// (record batch encoding does; message encoding does not).
    fn flatten(&mut self) {
        if self.done.is_empty() {
            return;
        }
        let mut all = BytesMut::with_capacity(self.done_len + self.current.len());
        for chunk in self.done.drain(..) {
            all.extend_from_slice(&chunk);
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
            if let Some(spliced) = self.shared_holding(src).map(|b| b.slice_ref(src)) {
                self.close_chunk();
                self.done_len += spliced.len();
                self.done.push(spliced);
                return;
            }
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
        frame.chunks.concat()
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

            let mut buf = SplicingBuf::new(records.to_vec(), 64);
            fetch.encode(&mut buf, version).unwrap();
            let frame = buf.finish();
            let bytes = contiguous(&frame);
            assert_eq!(&bytes[..4], &(plain.len() as i32).to_be_bytes());
            assert_eq!(&bytes[4..], &plain[..], "v{version}");
            let referenced: Vec<_> = frame
                .chunks
                .iter()
                .filter(|c| c.as_ptr() == large.as_ptr() || c.as_ptr() == other.as_ptr())
                .collect();
            assert_eq!(referenced.len(), 2, "v{version}");
            assert!(frame.chunks.iter().all(|c| c.as_ptr() != small.as_ptr()));
        }
    }

    #[test]
    fn rewriting_earlier_bytes_folds_the_chunks_back() {
        let large = Bytes::from(vec![3u8; 8_192]);
        let mut buf = SplicingBuf::new(vec![large.clone()], 0);
        buf.put_u32(0);
        buf.put_slice(&large);
        buf.put_u8(5);
        buf.range(0..4).copy_from_slice(&[1, 2, 3, 4]);
        let bytes = contiguous(&buf.finish());
        assert_eq!(&bytes[4..8], &[1, 2, 3, 4]);
        assert_eq!(bytes.len(), 4 + 4 + 8_192 + 1);
        assert_eq!(bytes[bytes.len() - 1], 5);
    }
}

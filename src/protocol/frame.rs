//! Kafka framing: every request and response is a big-endian i32 size followed by that many bytes.

use bytes::BytesMut;
use thiserror::Error;
use tokio::io::{AsyncRead, AsyncReadExt};

/// Kafka's `socket.request.max.bytes` default: larger requests close the connection.
pub const MAX_REQUEST_BYTES: usize = 100 * 1024 * 1024;

/// Frames up to this size get their whole buffer at once (one allocation, no regrowth); larger
/// ones reserve memory as their bytes arrive, so a peer that announces a huge frame and sends
/// nothing costs little.
const READ_CHUNK_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Error)]
pub enum FrameError {
    #[error("frame of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge { size: i64, limit: usize },
    #[error("negative frame size {0}")]
    NegativeSize(i32),
    #[error("connection closed in the middle of a frame")]
    Truncated,
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Reads one frame's payload. `Ok(None)` means the peer closed the connection between frames.
pub async fn read_frame<R: AsyncRead + Unpin>(
    reader: &mut R,
    limit: usize,
) -> Result<Option<BytesMut>, FrameError> {
    match read_frame_size(reader, limit).await? {
        Some(size) => read_frame_payload(reader, size).await.map(Some),
        None => Ok(None),
    }
}

/// Reads the size prefix of the next frame (checked against `limit`), so that a reader can
/// decide when to read the payload. `Ok(None)` when the peer closed between frames.
pub async fn read_frame_size<R: AsyncRead + Unpin>(
    reader: &mut R,
    limit: usize,
) -> Result<Option<usize>, FrameError> {
    let mut size_bytes = [0u8; 4];
    match reader.read_exact(&mut size_bytes).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let size = i32::from_be_bytes(size_bytes);
    if size < 0 {
        return Err(FrameError::NegativeSize(size));
    }
    let size = size as usize;
    if size > limit {
        return Err(FrameError::TooLarge {
            size: size as i64,
            limit,
        });
    }
    Ok(Some(size))
}

/// Reads a payload of `size` bytes, whose size prefix was read already.
pub async fn read_frame_payload<R: AsyncRead + Unpin>(
    reader: &mut R,
    size: usize,
) -> Result<BytesMut, FrameError> {
    let mut payload = BytesMut::with_capacity(size.min(READ_CHUNK_BYTES));
    while payload.len() < size {
        let want = (size - payload.len()).min(READ_CHUNK_BYTES);
        payload.reserve(want);
        let mut limited = (&mut *reader).take(want as u64);
        if limited.read_buf(&mut payload).await? == 0 {
            return Err(FrameError::Truncated);
        }
    }
    Ok(payload)
}

/// Prepends the size to an encoded payload written after 4 reserved bytes.
pub fn finish_frame(buf: &mut BytesMut) {
    let size = (buf.len() - 4) as i32;
    buf[..4].copy_from_slice(&size.to_be_bytes());
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_frames_back_to_back() {
        let mut input: &[u8] = &[0, 0, 0, 2, b'h', b'i', 0, 0, 0, 0];
        let first = read_frame(&mut input, 10).await.unwrap().unwrap();
        assert_eq!(&first[..], b"hi");
        let second = read_frame(&mut input, 10).await.unwrap().unwrap();
        assert!(second.is_empty());
        assert!(read_frame(&mut input, 10).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn oversized_frame_is_refused_before_reading_it() {
        let mut input: &[u8] = &[0x7f, 0xff, 0xff, 0xff];
        let err = read_frame(&mut input, MAX_REQUEST_BYTES).await.unwrap_err();
        assert!(matches!(err, FrameError::TooLarge { .. }));
    }

    #[tokio::test]
    async fn truncated_frame_is_an_error() {
        let mut input: &[u8] = &[0, 0, 0, 5, 1, 2];
        let err = read_frame(&mut input, 10).await.unwrap_err();
        assert!(matches!(err, FrameError::Truncated));
    }
}

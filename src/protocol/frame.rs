//! Kafka framing: every request and response is a big-endian i32 size followed by that many bytes.

use bytes::BytesMut;
use thiserror::Error;

/// Kafka's `socket.request.max.bytes` default: larger requests close the connection.
pub const MAX_REQUEST_BYTES: usize = 100 * 1024 * 1024;

/// A reader's buffer for a large frame grows by at most this much at a time, so a peer that
/// announces a huge frame and sends nothing costs little.
pub const READ_CHUNK_BYTES: usize = 8 * 1024 * 1024;

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

/// The size of the frame whose prefix starts `buf` (checked against `limit`), once the whole
/// prefix is there.
pub fn frame_size(buf: &[u8], limit: usize) -> Result<Option<usize>, FrameError> {
    let Some(&[a, b, c, d]) = buf.get(..4) else {
        return Ok(None);
    };
    let size = i32::from_be_bytes([a, b, c, d]);
    let size = usize::try_from(size).map_err(|_| FrameError::NegativeSize(size))?;
    if size > limit {
        return Err(FrameError::TooLarge {
            size: size as i64,
            limit,
        });
    }
    Ok(Some(size))
}

/// Prepends the size to an encoded payload written after 4 reserved bytes.
pub fn finish_frame(buf: &mut BytesMut) {
    let size = (buf.len() - 4) as i32;
    buf[..4].copy_from_slice(&size.to_be_bytes());
}

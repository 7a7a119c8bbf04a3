//! One client connection. A reader task splits the byte stream into frames, requests are handled
//! one at a time in arrival order and answered in that order (as Kafka does), and each answer
//! is written before the next request is handled: like Kafka, which mutes a connection until its
//! response is sent, a client that does not read its answers holds one unsent response, never a
//! growing queue. The reader reads one request ahead, and each request read counts against
//! `queued.max.request.bytes` until handled (see `queued_bytes.rs`). Any framing or decoding
//! error closes the connection, which is what Kafka does with a request it cannot parse.
//!
//! Differs from Kafka: consecutive Produce requests overlap. Once a Produce's batches are
//! appended, the next Produce is appended while the first waits for its acks (at most
//! [`APPENDED_PRODUCES`] waiting); their answers are still written in order, and any other
//! request is handled only once every answer before it is written. librdkafka sends one
//! partition per ProduceRequest, so with Kafka's mute a connection would complete one batch per
//! replication round trip; appends and answers keep their order either way.

use std::io::IoSlice;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::{Buf, BytesMut};
use futures::future::BoxFuture;
use futures::stream::{FuturesOrdered, StreamExt};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tracing::debug;

use super::dispatch::{handle_frame, is_produce, DispatchError, Handled};
use super::listener::ListenerName;
use super::queued_bytes::RequestPermit;
use super::Broker;
use crate::protocol::response_frame::ResponseFrame;
use crate::protocol::{read_frame_payload, read_frame_size, FrameError, MAX_REQUEST_BYTES};

/// Requests read ahead of the one being handled.
const READ_AHEAD_FRAMES: usize = 1;
/// The connection's read buffer: a request's size comes with its first bytes in one read, and
/// requests up to this size whole (a Produce of one 16 KiB batch, the Java and kf producers'
/// `batch.size`, and the next ones pipelined behind it: one read, not two per request); the
/// rest of a larger request is read straight into its frame.
const READ_BUFFER_BYTES: usize = 32 * 1024;
/// Chunks handed to one vectored write (Linux takes up to 1024).
const WRITE_CHUNKS: usize = 64;
/// Produce requests appended and waiting for their acks at once on one connection. A waiting
/// request holds its offsets, not its records. librdkafka keeps up to 5 requests in flight for
/// an idempotent producer and many more without idempotence; the more wait at once, the more
/// batches one follower fetch carries (RF=3 acks=all at half the saturating rate, quiet box:
/// p50 10-13 ms with 32, 20-28 ms with 5).
pub const APPENDED_PRODUCES: usize = 32;

pub async fn serve_connection(broker: Arc<Broker>, listener: ListenerName, stream: TcpStream) {
    let peer = stream.peer_addr().ok();
    let _ = stream.set_nodelay(true);
    let (mut reader, mut writer) = stream.into_split();
    let (frame_tx, mut frame_rx) = mpsc::channel::<(BytesMut, RequestPermit)>(READ_AHEAD_FRAMES);

    let read_task = {
        let broker = Arc::clone(&broker);
        tokio::spawn(async move {
            let mut reader = tokio::io::BufReader::with_capacity(READ_BUFFER_BYTES, &mut reader);
            loop {
                // Room in the queue first, so at most one request waits beyond the one handled.
                let Ok(slot) = frame_tx.reserve().await else {
                    break;
                };
                match read_request(&broker, &mut reader).await {
                    Ok(Some(request)) => slot.send(request),
                    Ok(None) => break,
                    Err(e) => {
                        debug!(?peer, error = %e, "closing connection");
                        break;
                    }
                }
            }
        })
    };

    // Answers of appended Produce requests, in request order.
    let mut appended = FuturesOrdered::new();
    loop {
        let next = tokio::select! {
            biased;
            Some(answer) = appended.next(), if !appended.is_empty() => {
                if write_answer(&broker, &mut writer, peer, answer).await.is_err() {
                    break;
                }
                continue;
            }
            next = frame_rx.recv(), if appended.len() < APPENDED_PRODUCES => next,
        };
        let Some((frame, permit)) = next else {
            // The client sent its last request: what it is owed still goes out.
            write_all(&broker, &mut writer, peer, &mut appended).await;
            break;
        };
        if !is_produce(&frame) && !write_all(&broker, &mut writer, peer, &mut appended).await {
            break;
        }
        let handled = handle_frame(&broker, &listener, peer, frame.freeze()).await;
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
        if !write_all(&broker, &mut writer, peer, &mut appended).await {
            break;
        }
        match done {
            Ok(Some(response)) => {
                if write_answer(&broker, &mut writer, peer, Ok(response))
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
    read_task.abort();
    let _ = writer.shutdown().await;
}

type Answers = FuturesOrdered<BoxFuture<'static, Result<ResponseFrame, DispatchError>>>;

/// Writes every answer still to come, in order; false when the connection is to close.
async fn write_all<W: AsyncWrite + Unpin>(
    broker: &Broker,
    writer: &mut W,
    peer: Option<SocketAddr>,
    answers: &mut Answers,
) -> bool {
    while let Some(answer) = answers.next().await {
        if write_answer(broker, writer, peer, answer).await.is_err() {
            return false;
        }
    }
    true
}

/// Writes one answer, counted against `queued.max.response.bytes` until it is sent; an answer
/// that could not be encoded closes the connection.
async fn write_answer<W: AsyncWrite + Unpin>(
    broker: &Broker,
    writer: &mut W,
    peer: Option<SocketAddr>,
    answer: Result<ResponseFrame, DispatchError>,
) -> std::io::Result<()> {
    let response = answer.map_err(|e| {
        debug!(?peer, error = %e, "closing connection");
        std::io::Error::other(e.to_string())
    })?;
    let _pending = broker.queued.charge_response(response.len());
    write_frame(writer, response).await
}

/// Reads the next request once the broker's request pool has room for it.
async fn read_request<R: tokio::io::AsyncRead + Unpin>(
    broker: &Broker,
    reader: &mut R,
) -> Result<Option<(BytesMut, RequestPermit)>, FrameError> {
    let Some(size) = read_frame_size(reader, MAX_REQUEST_BYTES).await? else {
        return Ok(None);
    };
    let permit = broker.queued.admit_request(size).await;
    let frame = read_frame_payload(reader, size).await?;
    Ok(Some((frame, permit)))
}

/// Writes every chunk of `frame`, several per system call.
async fn write_frame<W: AsyncWrite + Unpin>(
    writer: &mut W,
    mut frame: ResponseFrame,
) -> std::io::Result<()> {
    let mut chunks = frame.chunks.drain(..).filter(|c| !c.is_empty());
    let mut pending = Vec::with_capacity(WRITE_CHUNKS);
    loop {
        while pending.len() < WRITE_CHUNKS {
            match chunks.next() {
                Some(chunk) => pending.push(chunk),
                None => break,
            }
        }
        if pending.is_empty() {
            return Ok(());
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
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    /// Takes at most `step` bytes per write, as a congested socket may.
    struct Trickle {
        step: usize,
        got: Vec<u8>,
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
            };
            let frame = ResponseFrame {
                chunks: chunks.clone(),
            };
            write_frame(&mut out, frame).await.unwrap();
            assert_eq!(out.got, expected, "step {step}");
        }
    }
}

//! One client connection, served by one task: it cuts the byte stream into frames, handles
//! requests one at a time in arrival order and answers them in that order (as Kafka does), and
//! each answer is written before the next request is handled: like Kafka, which mutes a
//! connection until its response is sent, a client that does not read its answers holds one
//! unsent response, never a growing queue. Reading, handling and writing in one task costs one
//! wake per burst of requests (a reader task beside the handler cost two wakes and a channel hop
//! per request). Requests are read through the connection's own buffer, at most
//! [`read::READ_BUFFER_BYTES`] beyond the frame being read, and a frame is taken from it only once
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
//!
//! Reading requests is `read.rs` (frames cut from the byte stream), writing answers `write.rs`
//! (vectored writes, file slices by the kernel).

mod read;
#[cfg(test)]
mod tests;
mod write;

use std::net::SocketAddr;
use std::sync::Arc;

use futures::future::{BoxFuture, FutureExt};
use futures::stream::{FuturesOrdered, StreamExt};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tracing::debug;

use super::dispatch::{handle_frame, is_produce, DispatchError, Handled};
use super::listener::ListenerName;
use super::queued_bytes::QueuedBytes;
use super::Broker;
use crate::protocol::response_frame::ResponseFrame;
use read::Requests;
use write::{write_frame, FrameSink};

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
        let buffered = if appended.len() < APPENDED_PRODUCES {
            requests.buffered(&broker.queued)
        } else {
            None
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

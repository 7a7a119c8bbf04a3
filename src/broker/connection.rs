//! One client connection. A reader task splits the byte stream into frames, requests are handled
//! one at a time in arrival order (as Kafka does: pipelined requests are answered in order), and a
//! writer task sends the responses. Any framing or decoding error closes the connection, which is
//! what Kafka does with a request it cannot parse.

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tracing::debug;

use super::dispatch::handle_frame;
use super::Broker;
use crate::protocol::{read_frame, MAX_REQUEST_BYTES};

/// Requests read ahead of the one being handled; bounds memory per connection.
const READ_AHEAD_FRAMES: usize = 8;

pub async fn serve_connection(broker: Arc<Broker>, stream: TcpStream) {
    let peer = stream.peer_addr().ok();
    let _ = stream.set_nodelay(true);
    let (mut reader, mut writer) = stream.into_split();
    let (frame_tx, mut frame_rx) = mpsc::channel::<BytesMut>(READ_AHEAD_FRAMES);
    let (response_tx, mut response_rx) = mpsc::channel::<Bytes>(READ_AHEAD_FRAMES);

    let read_task = tokio::spawn(async move {
        loop {
            match read_frame(&mut reader, MAX_REQUEST_BYTES).await {
                Ok(Some(frame)) => {
                    if frame_tx.send(frame).await.is_err() {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    debug!(?peer, error = %e, "closing connection");
                    break;
                }
            }
        }
    });
    let write_task = tokio::spawn(async move {
        while let Some(response) = response_rx.recv().await {
            if writer.write_all(&response).await.is_err() {
                break;
            }
        }
        let _ = writer.shutdown().await;
    });

    while let Some(frame) = frame_rx.recv().await {
        match handle_frame(&broker, frame.freeze()).await {
            Ok(Some(response)) => {
                if response_tx.send(response.freeze()).await.is_err() {
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
    drop(response_tx);
    let _ = write_task.await;
}

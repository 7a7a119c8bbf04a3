//! The connection's framing and writing, against in-memory readers and writers and a TCP pair.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::read::*;
use super::write::*;
use super::*;
use std::io::IoSlice;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::broker::queued_bytes::QueuedBytes;
use crate::protocol::response_frame::{Chunk, FileSlice, ResponseFrame};
use crate::protocol::FrameError;
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

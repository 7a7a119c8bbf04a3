//! One TCP connection to one broker: pipelined requests matched to responses by correlation id,
//! one writer task, one reader task, ApiVersions negotiation on connect.
//!
//! At trace level (`KF_LOG=kf::client::connection=trace`) every request is logged when it is
//! queued for the writer and its response when the reader has cut it from the stream, both
//! with the broker and correlation id: a client's timeline of its requests, with the broker's
//! time and the client's own wake-ups told apart (the caller's wake comes after the second).

use super::error::{ClientError, ClientResult};
use super::versions::ApiVersionTable;
use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, ApiVersionsResponse, RequestHeader, ResponseHeader,
};
use kafka_protocol::protocol::{Decodable, Encodable, Request, StrBytes};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tracing::trace;

/// Responses larger than this are treated as a corrupt stream rather than allocated.
const MAX_RESPONSE_BYTES: usize = 1 << 30;
/// Frames smaller than this are copied out of the receive buffer rather than sliced from it.
const SHARED_FRAME_BYTES: usize = 64 * 1024;
/// The least room a read into the receive buffer asks for: several small responses per read.
const RECEIVE_CHUNK_BYTES: usize = 64 * 1024;
/// Frames queued for the writer before senders wait.
const WRITE_QUEUE_DEPTH: usize = 1024;

type Pending = Arc<Mutex<HashMap<i32, oneshot::Sender<Bytes>>>>;

/// How to open a connection.
#[derive(Debug, Clone)]
pub struct ConnectionSettings {
    /// Sent in every request header.
    pub client_id: String,
    /// Bound on opening the socket.
    pub connect_timeout: Duration,
    /// Bound on every request's round trip.
    pub request_timeout: Duration,
}

/// A live connection to a broker. Cheap to share behind an `Arc`; requests may be issued
/// concurrently and are pipelined on the socket.
#[derive(Debug)]
pub struct BrokerConnection {
    addr: String,
    client_id: StrBytes,
    request_timeout: Duration,
    versions: ApiVersionTable,
    next_correlation_id: AtomicI32,
    pending: Pending,
    outgoing: mpsc::Sender<Bytes>,
    closed: Arc<AtomicBool>,
    tasks: [JoinHandle<()>; 2],
}

impl Drop for BrokerConnection {
    fn drop(&mut self) {
        self.tasks.iter().for_each(JoinHandle::abort);
    }
}

impl BrokerConnection {
    /// Connects to `addr` (`host:port`) and negotiates API versions.
    pub async fn connect(addr: &str, settings: &ConnectionSettings) -> ClientResult<Self> {
        let stream = tokio::time::timeout(settings.connect_timeout, open_socket(addr))
            .await
            .map_err(|_| ClientError::ConnectTimeout {
                addr: addr.to_string(),
                timeout: settings.connect_timeout,
            })??;
        stream
            .set_nodelay(true)
            .map_err(|source| io_error(addr, source))?;
        let (read_half, write_half) = stream.into_split();
        let pending: Pending = Arc::default();
        let closed = Arc::new(AtomicBool::new(false));
        let (outgoing, queue) = mpsc::channel(WRITE_QUEUE_DEPTH);
        let writer = tokio::spawn(write_frames(
            write_half,
            queue,
            pending.clone(),
            closed.clone(),
        ));
        let reader = tokio::spawn(read_frames(
            read_half,
            addr.to_string(),
            pending.clone(),
            closed.clone(),
        ));
        let mut connection = BrokerConnection {
            addr: addr.to_string(),
            client_id: StrBytes::from_string(settings.client_id.clone()),
            request_timeout: settings.request_timeout,
            versions: ApiVersionTable::default(),
            next_correlation_id: AtomicI32::new(0),
            pending,
            outgoing,
            closed,
            tasks: [writer, reader],
        };
        connection.versions = connection.negotiate_versions().await?;
        Ok(connection)
    }

    /// The `host:port` this connection was opened to.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// Whether the socket has failed or closed; a closed connection only returns errors.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// The negotiated version of `api`, `None` when the broker lacks it.
    pub fn version(&self, api: ApiKey) -> Option<i16> {
        self.versions.version(api)
    }

    /// The API versions negotiated with this broker and those it advertised.
    pub fn api_versions(&self) -> &ApiVersionTable {
        &self.versions
    }

    /// The negotiated version of `api`, or `UnsupportedApi`.
    pub fn require_version(&self, api: ApiKey) -> ClientResult<i16> {
        self.version(api)
            .ok_or_else(|| ClientError::UnsupportedApi {
                api: format!("{api:?}"),
                addr: self.addr.clone(),
            })
    }

    /// Sends `request` at the negotiated version and awaits its response.
    pub async fn send<R: Request>(&self, request: &R) -> ClientResult<R::Response> {
        let api = api_key::<R>()?;
        let version = self.require_version(api)?;
        self.send_version(request, version).await
    }

    /// Sends `request` at `version` and awaits its response.
    pub async fn send_version<R: Request>(
        &self,
        request: &R,
        version: i16,
    ) -> ClientResult<R::Response> {
        self.send_version_with_timeout(request, version, self.request_timeout)
            .await
    }

    /// Like [`BrokerConnection::send_version`] with its own timeout, for requests the broker
    /// may legitimately hold longer than `request.timeout.ms` (JoinGroup).
    pub async fn send_version_with_timeout<R: Request>(
        &self,
        request: &R,
        version: i16,
        timeout: Duration,
    ) -> ClientResult<R::Response> {
        let mut body = self.send_raw(request, version, timeout).await?;
        R::Response::decode(&mut body, version).map_err(|e| {
            ClientError::Protocol(format!("{} v{version} response: {e}", api_name::<R>()))
        })
    }

    /// Sends `request` and returns the response body (after the response header) undecoded,
    /// for callers that must cope with brokers deviating from the schema.
    pub async fn send_raw<R: Request>(
        &self,
        request: &R,
        version: i16,
        timeout: Duration,
    ) -> ClientResult<Bytes> {
        let submitted = self.submit(request, version).await?;
        self.receive(submitted, version, timeout).await
    }

    /// Queues `request` for writing now and returns a future of its decoded response.
    /// Requests dispatched one after another reach the broker in that order, which the
    /// producer relies on to keep a partition's batches in sequence.
    pub async fn dispatch<R: Request>(
        &self,
        request: &R,
        version: i16,
    ) -> ClientResult<impl Future<Output = ClientResult<R::Response>> + Send + 'static>
    where
        R::Response: Send + 'static,
    {
        let submitted = self.submit(request, version).await?;
        let body = self.receive(submitted, version, self.request_timeout);
        Ok(async move {
            let mut body = body.await?;
            R::Response::decode(&mut body, version).map_err(|e| {
                ClientError::Protocol(format!("{} v{version} response: {e}", api_name::<R>()))
            })
        })
    }

    /// Registers the request's correlation id and queues its frame.
    async fn submit<R: Request>(&self, request: &R, version: i16) -> ClientResult<Submitted> {
        let api = api_key::<R>()?;
        let (correlation_id, frame) = self.encode(request, api, version)?;
        let (reply, response) = oneshot::channel();
        lock(&self.pending).insert(correlation_id, reply);
        if let Err(error) = self.enqueue(frame).await {
            lock(&self.pending).remove(&correlation_id);
            return Err(error);
        }
        trace!(broker = %self.addr, ?api, version, correlation_id, "request queued");
        Ok(Submitted {
            api,
            correlation_id,
            response,
        })
    }

    /// Awaits a submitted request's response body, past its response header.
    fn receive(
        &self,
        submitted: Submitted,
        version: i16,
        timeout: Duration,
    ) -> impl Future<Output = ClientResult<Bytes>> + Send + 'static {
        let pending = self.pending.clone();
        let addr = self.addr.clone();
        async move {
            let Submitted {
                api,
                correlation_id,
                response,
            } = submitted;
            let mut body = match tokio::time::timeout(timeout, response).await {
                Ok(Ok(body)) => body,
                Ok(Err(_)) => return Err(ClientError::ConnectionClosed { addr }),
                Err(_) => {
                    lock(&pending).remove(&correlation_id);
                    return Err(ClientError::RequestTimeout {
                        api: format!("{api:?}"),
                        addr,
                        timeout,
                    });
                }
            };
            ResponseHeader::decode(&mut body, api.response_header_version(version))
                .map_err(|e| ClientError::Protocol(format!("{api:?} response header: {e}")))?;
            Ok(body)
        }
    }

    /// Sends `request` without expecting a response (Produce with `acks=0`).
    pub async fn send_without_response<R: Request>(
        &self,
        request: &R,
        version: i16,
    ) -> ClientResult<()> {
        let api = api_key::<R>()?;
        let (_, frame) = self.encode(request, api, version)?;
        self.enqueue(frame).await
    }

    fn encode<R: Request>(
        &self,
        request: &R,
        api: ApiKey,
        version: i16,
    ) -> ClientResult<(i32, Bytes)> {
        let correlation_id = self.next_correlation_id.fetch_add(1, Ordering::Relaxed);
        let header = RequestHeader::default()
            .with_request_api_key(R::KEY)
            .with_request_api_version(version)
            .with_correlation_id(correlation_id)
            .with_client_id(Some(self.client_id.clone()));
        let mut frame = BytesMut::new();
        frame.put_i32(0);
        header
            .encode(&mut frame, api.request_header_version(version))
            .and_then(|()| request.encode(&mut frame, version))
            .map_err(|e| ClientError::Protocol(format!("encoding {api:?} v{version}: {e}")))?;
        let length = i32::try_from(frame.len() - 4)
            .map_err(|_| ClientError::Protocol(format!("{api:?} request too large")))?;
        frame[..4].copy_from_slice(&length.to_be_bytes());
        Ok((correlation_id, frame.freeze()))
    }

    async fn enqueue(&self, frame: Bytes) -> ClientResult<()> {
        if self.is_closed() {
            return Err(self.closed_error());
        }
        self.outgoing
            .send(frame)
            .await
            .map_err(|_| self.closed_error())?;
        // The reader marks the connection closed before failing pending requests, so a request
        // registered after that sweep is caught here instead of waiting for its timeout.
        if self.is_closed() {
            return Err(self.closed_error());
        }
        Ok(())
    }

    fn closed_error(&self) -> ClientError {
        ClientError::ConnectionClosed {
            addr: self.addr.clone(),
        }
    }

    /// ApiVersions at the highest version we speak; a broker that does not know it answers
    /// UNSUPPORTED_VERSION (in v0 format) and we retry at the version it offers, else v0.
    async fn negotiate_versions(&self) -> ClientResult<ApiVersionTable> {
        let request = ApiVersionsRequest::default()
            .with_client_software_name(StrBytes::from_static_str("kf"))
            .with_client_software_version(StrBytes::from_static_str(env!("CARGO_PKG_VERSION")));
        let mut version = super::versions::client_max_version(ApiKey::ApiVersions).unwrap_or(0);
        loop {
            let response = self.send_api_versions(&request, version).await?;
            match response {
                Ok(response) => return Ok(ApiVersionTable::negotiate(&response)),
                Err(retry_version) if retry_version < version => version = retry_version,
                Err(_) => {
                    return Err(ClientError::UnsupportedApi {
                        api: "ApiVersions".to_string(),
                        addr: self.addr.clone(),
                    })
                }
            }
        }
    }

    /// The response, or the version to retry with when the broker rejected `version`.
    async fn send_api_versions(
        &self,
        request: &ApiVersionsRequest,
        version: i16,
    ) -> ClientResult<Result<ApiVersionsResponse, i16>> {
        let api = ApiKey::ApiVersions;
        let mut body = self
            .send_raw(request, version, self.request_timeout)
            .await?;
        if body.len() >= 2 && i16::from_be_bytes([body[0], body[1]]) == UNSUPPORTED_VERSION {
            let offered = ApiVersionsResponse::decode(&mut body.clone(), 0)
                .ok()
                .and_then(|v0| {
                    v0.api_keys
                        .iter()
                        .find(|k| k.api_key == api as i16)
                        .map(|k| k.max_version)
                })
                .unwrap_or(0);
            return Ok(Err(offered));
        }
        let response = ApiVersionsResponse::decode(&mut body, version)
            .map_err(|e| ClientError::Protocol(format!("ApiVersions v{version} response: {e}")))?;
        ClientError::check(response.error_code, || {
            format!("ApiVersions from {}", self.addr)
        })?;
        Ok(Ok(response))
    }
}

const UNSUPPORTED_VERSION: i16 = 35;

/// A request on the wire, waiting for its response.
struct Submitted {
    api: ApiKey,
    correlation_id: i32,
    response: oneshot::Receiver<Bytes>,
}

fn api_key<R: Request>() -> ClientResult<ApiKey> {
    ApiKey::try_from(R::KEY)
        .map_err(|_| ClientError::Protocol(format!("unknown api key {}", R::KEY)))
}

fn api_name<R: Request>() -> String {
    ApiKey::try_from(R::KEY).map_or_else(|_| R::KEY.to_string(), |api| format!("{api:?}"))
}

/// Resolves `addr` and connects to the first of its addresses that accepts. A name without an
/// address and a refused connection get their own errors: retrying cannot help them soon.
async fn open_socket(addr: &str) -> ClientResult<TcpStream> {
    let resolved: Vec<std::net::SocketAddr> = tokio::net::lookup_host(addr)
        .await
        .map_err(|e| ClientError::UnresolvableHost {
            addr: addr.to_string(),
            reason: e.to_string(),
        })?
        .collect();
    if resolved.is_empty() {
        return Err(ClientError::UnresolvableHost {
            addr: addr.to_string(),
            reason: "the name has no address".to_string(),
        });
    }
    TcpStream::connect(&resolved[..])
        .await
        .map_err(|source| match source.kind() {
            std::io::ErrorKind::ConnectionRefused => ClientError::ConnectionRefused {
                servers: addr.to_string(),
            },
            _ => io_error(addr, source),
        })
}

fn io_error(addr: &str, source: std::io::Error) -> ClientError {
    ClientError::Io {
        addr: addr.to_string(),
        source,
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Marks the connection closed, then fails every outstanding request by dropping its sender.
fn shut_down(pending: &Pending, closed: &AtomicBool) {
    closed.store(true, Ordering::Release);
    lock(pending).clear();
}

async fn write_frames(
    mut socket: OwnedWriteHalf,
    mut queue: mpsc::Receiver<Bytes>,
    pending: Pending,
    closed: Arc<AtomicBool>,
) {
    while let Some(frame) = queue.recv().await {
        if socket.write_all(&frame).await.is_err() {
            break;
        }
    }
    shut_down(&pending, &closed);
}

async fn read_frames(
    mut socket: OwnedReadHalf,
    addr: String,
    pending: Pending,
    closed: Arc<AtomicBool>,
) {
    let mut received = BytesMut::new();
    while let Ok(frame) = read_frame(&mut socket, &mut received).await {
        if frame.len() < 4 {
            break;
        }
        let correlation_id = (&frame[..4]).get_i32();
        trace!(broker = %addr, correlation_id, bytes = frame.len(), "response read");
        let waiter = lock(&pending).remove(&correlation_id);
        if let Some(waiter) = waiter {
            // The caller may have given up (timeout); its response is dropped.
            let _ = waiter.send(frame);
        }
    }
    shut_down(&pending, &closed);
}

/// Cuts the next response frame out of `received`, the connection's receive buffer, reading
/// from `socket` until the frame is whole. A large frame is a slice of that buffer: once the
/// caller drops it, `BytesMut::reserve` takes the same allocation back for the next frames,
/// whose pages are already mapped (a fresh multi-megabyte allocation per Fetch response spent
/// a consumer's time in page faults). A small frame is copied out, so that a response kept
/// for long (names decoded as slices of it) does not hold the whole buffer.
async fn read_frame(socket: &mut OwnedReadHalf, received: &mut BytesMut) -> std::io::Result<Bytes> {
    while received.len() < 4 {
        receive_more(socket, received, 4).await?;
    }
    let length = (&received[..4]).get_i32();
    let length = usize::try_from(length)
        .ok()
        .filter(|l| *l <= MAX_RESPONSE_BYTES)
        .ok_or_else(|| std::io::Error::other(format!("bad frame length {length}")))?;
    let frame_end = 4 + length;
    while received.len() < frame_end {
        receive_more(socket, received, frame_end).await?;
    }
    received.advance(4);
    if length < SHARED_FRAME_BYTES {
        let frame = Bytes::copy_from_slice(&received[..length]);
        received.advance(length);
        return Ok(frame);
    }
    Ok(received.split_to(length).freeze())
}

/// One read into `received`'s spare capacity (not zeroed), which first grows to hold `wanted`
/// bytes if it cannot, so that a frame always lies in one allocation. It grows only once the
/// socket has bytes to read (a peek: readiness alone may be stale): by then the caller has
/// usually dropped the frames before, so the buffer is taken back rather than another
/// allocated.
async fn receive_more(
    socket: &mut OwnedReadHalf,
    received: &mut BytesMut,
    wanted: usize,
) -> std::io::Result<()> {
    let missing = wanted.saturating_sub(received.len());
    if received.capacity() - received.len() < missing {
        if socket.peek(&mut [0; 1]).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        received.reserve(missing.max(RECEIVE_CHUNK_BYTES));
    }
    if socket.read_buf(received).await? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use kafka_protocol::messages::api_versions_response::ApiVersion;
    use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
    use kafka_protocol::messages::{MetadataRequest, MetadataResponse};
    use tokio::net::TcpListener;

    async fn read_request(socket: &mut TcpStream) -> (RequestHeader, Bytes) {
        let length = socket.read_i32().await.unwrap();
        let mut frame = BytesMut::zeroed(usize::try_from(length).unwrap());
        socket.read_exact(&mut frame).await.unwrap();
        let mut frame = frame.freeze();
        let api = ApiKey::try_from((&frame[..2]).get_i16()).unwrap();
        let version = (&frame[2..4]).get_i16();
        let header =
            RequestHeader::decode(&mut frame, api.request_header_version(version)).unwrap();
        (header, frame)
    }

    async fn respond(socket: &mut TcpStream, header: &RequestHeader, body: impl Encodable) {
        let api = ApiKey::try_from(header.request_api_key).unwrap();
        let version = header.request_api_version;
        let mut frame = BytesMut::new();
        ResponseHeader::default()
            .with_correlation_id(header.correlation_id)
            .encode(&mut frame, api.response_header_version(version))
            .unwrap();
        body.encode(&mut frame, version).unwrap();
        socket.write_i32(frame.len() as i32).await.unwrap();
        socket.write_all(&frame).await.unwrap();
    }

    fn settings(request_timeout: Duration) -> ConnectionSettings {
        ConnectionSettings {
            client_id: "test".into(),
            connect_timeout: Duration::from_secs(5),
            request_timeout,
        }
    }

    /// A broker that negotiates versions, then answers two pipelined Metadata requests in
    /// reverse order: each caller must still get its own answer.
    #[tokio::test]
    async fn pipelined_responses_are_matched_by_correlation_id() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let broker = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let (header, _) = read_request(&mut socket).await;
            assert_eq!(header.client_id.as_deref(), Some("test"));
            let versions = ApiVersionsResponse::default()
                .with_api_keys(vec![ApiVersion::default()
                    .with_api_key(ApiKey::Metadata as i16)
                    .with_max_version(9)]);
            respond(&mut socket, &header, versions).await;
            let first = read_request(&mut socket).await;
            let second = read_request(&mut socket).await;
            // Answer in reverse order, echoing the topic each request asked about.
            for (header, mut body) in [second, first] {
                let request =
                    MetadataRequest::decode(&mut body, header.request_api_version).unwrap();
                let topic = request.topics.unwrap()[0].name.clone().unwrap().0;
                let body = MetadataResponse::default().with_cluster_id(Some(topic));
                respond(&mut socket, &header, body).await;
            }
        });
        let connection = BrokerConnection::connect(&addr, &settings(Duration::from_secs(5)))
            .await
            .unwrap();
        assert_eq!(connection.version(ApiKey::Metadata), Some(9));
        assert_eq!(connection.version(ApiKey::Produce), None);
        let asking = |topic: &str| {
            MetadataRequest::default().with_topics(Some(vec![MetadataRequestTopic::default()
                .with_name(Some(crate::client::wire::topic_name(topic)))]))
        };
        let (a, b) = (asking("a"), asking("b"));
        let (a, b) = tokio::join!(connection.send(&a), connection.send(&b));
        assert_eq!(a.unwrap().cluster_id.as_deref(), Some("a"));
        assert_eq!(b.unwrap().cluster_id.as_deref(), Some("b"));
        broker.await.unwrap();
    }

    /// A broker that never answers: the call fails with RequestTimeout, not a hang.
    #[tokio::test]
    async fn silent_broker_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let broker = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let (header, _) = read_request(&mut socket).await;
            let versions = ApiVersionsResponse::default()
                .with_api_keys(vec![ApiVersion::default()
                    .with_api_key(ApiKey::Metadata as i16)
                    .with_max_version(9)]);
            respond(&mut socket, &header, versions).await;
            let _ = read_request(&mut socket).await;
            socket
        });
        let connection = BrokerConnection::connect(&addr, &settings(Duration::from_millis(200)))
            .await
            .unwrap();
        let error = connection
            .send(&MetadataRequest::default())
            .await
            .unwrap_err();
        assert!(
            matches!(error, ClientError::RequestTimeout { .. }),
            "{error}"
        );
        drop(broker.await.unwrap());
    }

    /// Closing the socket fails outstanding requests with ConnectionClosed.
    #[tokio::test]
    async fn closed_socket_fails_pending_requests() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let (header, _) = read_request(&mut socket).await;
            let versions = ApiVersionsResponse::default()
                .with_api_keys(vec![ApiVersion::default()
                    .with_api_key(ApiKey::Metadata as i16)
                    .with_max_version(9)]);
            respond(&mut socket, &header, versions).await;
            let _ = read_request(&mut socket).await;
        });
        let connection = BrokerConnection::connect(&addr, &settings(Duration::from_secs(30)))
            .await
            .unwrap();
        let error = connection
            .send(&MetadataRequest::default())
            .await
            .unwrap_err();
        assert!(
            matches!(error, ClientError::ConnectionClosed { .. }),
            "{error}"
        );
        assert!(connection.is_closed());
    }

    /// A connected socket: the side a test writes frames to, and the client's read half.
    async fn socket_pair() -> (TcpStream, OwnedReadHalf) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap());
        let (client, accepted) = tokio::join!(client, listener.accept());
        let (read, _write) = client.unwrap().into_split();
        (accepted.unwrap().0, read)
    }

    fn frame_of(length: usize, fill: u8) -> Vec<u8> {
        let mut frame = i32::try_from(length).unwrap().to_be_bytes().to_vec();
        frame.resize(4 + length, fill);
        frame
    }

    /// Once a large frame is dropped, the next frames are read into the same allocation, one
    /// after another, rather than each into a fresh one.
    #[tokio::test]
    async fn frames_reuse_the_receive_buffer_once_dropped() {
        let (mut broker, mut socket) = socket_pair().await;
        let mut received = BytesMut::new();
        let large = 200 * 1024;
        let writer = tokio::spawn(async move {
            broker.write_all(&frame_of(large, 1)).await.unwrap();
            broker
        });
        let first = read_frame(&mut socket, &mut received).await.unwrap();
        assert_eq!(first.len(), large);
        assert!(first.iter().all(|b| *b == 1));
        let first_at = first.as_ptr();
        drop(first);
        let mut broker = writer.await.unwrap();
        let mut two = frame_of(SHARED_FRAME_BYTES, 2);
        two.extend(frame_of(SHARED_FRAME_BYTES, 3));
        let writer = tokio::spawn(async move { broker.write_all(&two).await.unwrap() });
        let second = read_frame(&mut socket, &mut received).await.unwrap();
        let third = read_frame(&mut socket, &mut received).await.unwrap();
        writer.await.unwrap();
        assert!(second.iter().all(|b| *b == 2) && second.len() == SHARED_FRAME_BYTES);
        assert!(third.iter().all(|b| *b == 3) && third.len() == SHARED_FRAME_BYTES);
        assert_eq!(second.as_ptr(), first_at);
        assert_eq!(
            third.as_ptr(),
            second.as_ptr().wrapping_add(4 + SHARED_FRAME_BYTES)
        );
    }

    /// A frame longer than a response may be, or of negative length, fails the read before
    /// anything is allocated for it.
    #[tokio::test]
    async fn bad_frame_lengths_are_refused() {
        for length in [-1, i32::try_from(MAX_RESPONSE_BYTES + 1).unwrap()] {
            let (mut broker, mut socket) = socket_pair().await;
            broker.write_i32(length).await.unwrap();
            let mut received = BytesMut::new();
            let error = read_frame(&mut socket, &mut received).await.unwrap_err();
            assert!(error.to_string().contains("bad frame length"), "{error}");
            assert!(received.capacity() <= RECEIVE_CHUNK_BYTES);
        }
    }

    /// A stream that ends inside a frame fails the read rather than handing out part of it.
    #[tokio::test]
    async fn a_frame_cut_short_is_an_error() {
        let (mut broker, mut socket) = socket_pair().await;
        broker.write_all(&frame_of(10, 7)[..9]).await.unwrap();
        drop(broker);
        let mut received = BytesMut::new();
        let error = read_frame(&mut socket, &mut received).await.unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::UnexpectedEof);
    }
}

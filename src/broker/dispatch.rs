//! Turns a request frame into a response frame: parse the header, check the version against
//! [`SUPPORTED_APIS`](crate::protocol::SUPPORTED_APIS), decode the body, call the API's handler,
//! encode the answer. An `Err` means "close the connection", as Kafka does for an unknown API key,
//! an unsupported version (except ApiVersions, KIP-511) or a body it cannot parse.

use std::net::SocketAddr;

use bytes::{BufMut, Bytes, BytesMut};
use futures::future::BoxFuture;
use kafka_protocol::messages::{
    ApiKey, FetchRequest, FetchResponse, ProduceRequest, RequestHeader, RequestKind,
    ResponseHeader, ResponseKind,
};
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use thiserror::Error;

use super::handlers;
use super::handlers::fetch::FetchReply;
use super::listener::ListenerName;
use super::Broker;
use crate::log::ReadInto;
use crate::protocol::frame::finish_frame;
use crate::protocol::response_frame::{ResponseFrame, SplicingBuf};
use crate::protocol::supported_versions;

#[derive(Debug, Error)]
pub enum DispatchError {
    #[error("request too short to hold a header")]
    ShortRequest,
    #[error("unknown API key {0}")]
    UnknownApiKey(i16),
    #[error("{0:?} is advertised but has no handler")]
    NoHandler(ApiKey),
    #[error("{api_key:?} version {version} is not supported")]
    UnsupportedVersion { api_key: ApiKey, version: i16 },
    #[error("malformed {api_key:?} v{version} request: {source}")]
    Malformed {
        api_key: ApiKey,
        version: i16,
        source: anyhow::Error,
    },
    #[error("cannot encode {api_key:?} v{version} response: {source}")]
    Encode {
        api_key: ApiKey,
        version: i16,
        source: anyhow::Error,
    },
}

/// What handling a request frame left to do.
pub enum Handled {
    /// Answered (`None`: no answer is due, a Produce with acks=0).
    Done(Option<ResponseFrame>),
    /// A Produce whose batches are appended: its answer, once they are replicated as its acks
    /// ask.
    Appended(BoxFuture<'static, Result<ResponseFrame, DispatchError>>),
}

/// Whether a request frame is a Produce (its first two bytes are the API key).
pub fn is_produce(frame: &[u8]) -> bool {
    frame.get(..2) == Some(&(ApiKey::Produce as i16).to_be_bytes()[..])
}

/// Handles one request frame that came through `listener`. A Produce that expects an answer
/// returns once its batches are appended, with the answer to come ([`Handled::Appended`]). Handlers that answer with broker addresses take the listener and
/// answer with what each broker advertises on it (`BrokerRegistration::endpoint`), as Kafka does.
pub async fn handle_frame(
    broker: &Broker,
    listener: &ListenerName,
    peer: Option<SocketAddr>,
    frame: Bytes,
) -> Result<Handled, DispatchError> {
    if frame.len() < 8 {
        return Err(DispatchError::ShortRequest);
    }
    let raw_key = i16::from_be_bytes([frame[0], frame[1]]);
    let version = i16::from_be_bytes([frame[2], frame[3]]);
    let api_key = ApiKey::try_from(raw_key).map_err(|_| DispatchError::UnknownApiKey(raw_key))?;
    let supported = supported_versions(api_key).ok_or(DispatchError::UnknownApiKey(raw_key))?;
    let version_supported = (supported.min_version..=supported.max_version).contains(&version);
    if !version_supported && api_key != ApiKey::ApiVersions {
        return Err(DispatchError::UnsupportedVersion { api_key, version });
    }

    let mut body = frame;
    let malformed = |source| DispatchError::Malformed {
        api_key,
        version,
        source,
    };
    let header = RequestHeader::decode(&mut body, api_key.request_header_version(version))
        .map_err(malformed)?;
    if !version_supported {
        // KIP-511: an ApiVersions request newer than ours is answered at v0 with the error and
        // our ranges, so the client can retry with a version we share.
        let response = handlers::api_versions::unsupported_version_response();
        let response = encode_response(api_key, &header, 0, ResponseKind::ApiVersions(response))?;
        return Ok(Handled::Done(Some(response)));
    }

    if api_key == ApiKey::Produce {
        let request = ProduceRequest::decode(&mut body, version).map_err(malformed)?;
        // Nothing but the records holds on to the frame while they are appended, so that a
        // batch alone in its buffer is stamped there and not copied (`handlers::produce`).
        drop(body);
        let client_id = header.client_id.as_deref().map(str::to_owned);
        let header = header.with_client_id(client_id.map(StrBytes::from_string));
        let acks = request.acks;
        let appends = handlers::produce::append(broker, &header, request).await;
        if acks == 0 {
            return Ok(Handled::Done(None));
        }
        return Ok(Handled::Appended(Box::pin(async move {
            let response = ResponseKind::Produce(appends.answer().await);
            encode_response(api_key, &header, version, response)
        })));
    }

    if api_key == ApiKey::Fetch {
        // Its answer comes with the file slices its records stand for: encoded apart.
        let request = FetchRequest::decode(&mut body, version).map_err(malformed)?;
        let reply = handlers::fetch::handle(broker, &header, request, ReadInto::File).await;
        return encode_fetch(&header, version, reply).map(|r| Handled::Done(Some(r)));
    }

    let request = RequestKind::decode(api_key, &mut body, version).map_err(malformed)?;
    let response = route(broker, listener, peer, api_key, &header, request).await?;
    encode_response(api_key, &header, version, response).map(|r| Handled::Done(Some(r)))
}

async fn route(
    broker: &Broker,
    listener: &ListenerName,
    peer: Option<SocketAddr>,
    api_key: ApiKey,
    header: &RequestHeader,
    request: RequestKind,
) -> Result<ResponseKind, DispatchError> {
    Ok(match request {
        RequestKind::ApiVersions(r) => {
            ResponseKind::ApiVersions(handlers::api_versions::handle(broker, header, r))
        }
        RequestKind::Metadata(r) => {
            ResponseKind::Metadata(handlers::metadata::handle(broker, listener, header, r).await)
        }
        RequestKind::ListOffsets(r) => {
            ResponseKind::ListOffsets(handlers::list_offsets::handle(broker, header, r))
        }
        RequestKind::CreateTopics(r) => {
            ResponseKind::CreateTopics(handlers::create_topics::handle(broker, header, r).await)
        }
        RequestKind::DeleteTopics(r) => {
            ResponseKind::DeleteTopics(handlers::delete_topics::handle(broker, header, r).await)
        }
        RequestKind::CreatePartitions(r) => ResponseKind::CreatePartitions(
            handlers::create_partitions::handle(broker, header, r).await,
        ),
        RequestKind::ElectLeaders(r) => {
            ResponseKind::ElectLeaders(handlers::elect_leaders::handle(broker, header, r).await)
        }
        RequestKind::AlterPartitionReassignments(r) => ResponseKind::AlterPartitionReassignments(
            handlers::alter_partition_reassignments::handle(broker, header, r).await,
        ),
        RequestKind::ListPartitionReassignments(r) => ResponseKind::ListPartitionReassignments(
            handlers::list_partition_reassignments::handle(broker, header, r).await,
        ),
        RequestKind::OffsetForLeaderEpoch(r) => ResponseKind::OffsetForLeaderEpoch(
            handlers::offset_for_leader_epoch::handle(broker, header, r),
        ),
        RequestKind::DeleteRecords(r) => {
            ResponseKind::DeleteRecords(handlers::delete_records::handle(broker, header, r))
        }
        RequestKind::DescribeConfigs(r) => {
            ResponseKind::DescribeConfigs(handlers::describe_configs::handle(broker, header, r))
        }
        RequestKind::DescribeTopicPartitions(r) => ResponseKind::DescribeTopicPartitions(
            handlers::describe_topic_partitions::handle(broker, header, r),
        ),
        RequestKind::DescribeAcls(r) => {
            ResponseKind::DescribeAcls(handlers::describe_acls::handle(broker, header, r))
        }
        RequestKind::CreateAcls(r) => {
            ResponseKind::CreateAcls(handlers::create_acls::handle(broker, header, r))
        }
        RequestKind::DeleteAcls(r) => {
            ResponseKind::DeleteAcls(handlers::delete_acls::handle(broker, header, r))
        }
        RequestKind::AlterConfigs(r) => {
            ResponseKind::AlterConfigs(handlers::alter_configs::handle(broker, header, r).await)
        }
        RequestKind::IncrementalAlterConfigs(r) => ResponseKind::IncrementalAlterConfigs(
            handlers::incremental_alter_configs::handle(broker, header, r).await,
        ),
        RequestKind::DescribeCluster(r) => ResponseKind::DescribeCluster(
            handlers::describe_cluster::handle(broker, listener, header, r),
        ),
        RequestKind::DescribeQuorum(r) => {
            ResponseKind::DescribeQuorum(handlers::describe_quorum::handle(broker, header, r))
        }
        RequestKind::InitProducerId(r) => ResponseKind::InitProducerId(
            handlers::init_producer_id::handle(broker, header, r).await,
        ),
        RequestKind::FindCoordinator(r) => ResponseKind::FindCoordinator(
            handlers::find_coordinator::handle(broker, listener, header, r).await,
        ),
        RequestKind::JoinGroup(r) => ResponseKind::JoinGroup(
            handlers::join_group::handle(broker, header, r, client_host(peer)).await,
        ),
        RequestKind::SyncGroup(r) => {
            ResponseKind::SyncGroup(handlers::sync_group::handle(broker, header, r).await)
        }
        RequestKind::Heartbeat(r) => {
            ResponseKind::Heartbeat(handlers::heartbeat::handle(broker, header, r).await)
        }
        RequestKind::LeaveGroup(r) => {
            ResponseKind::LeaveGroup(handlers::leave_group::handle(broker, header, r).await)
        }
        RequestKind::OffsetCommit(r) => {
            ResponseKind::OffsetCommit(handlers::offset_commit::handle(broker, header, r).await)
        }
        RequestKind::OffsetFetch(r) => {
            ResponseKind::OffsetFetch(handlers::offset_fetch::handle(broker, header, r).await)
        }
        RequestKind::DescribeGroups(r) => {
            ResponseKind::DescribeGroups(handlers::describe_groups::handle(broker, header, r).await)
        }
        RequestKind::ConsumerGroupHeartbeat(r) => ResponseKind::ConsumerGroupHeartbeat(
            handlers::consumer_group_heartbeat::handle(broker, header, r, client_host(peer)).await,
        ),
        RequestKind::ConsumerGroupDescribe(r) => ResponseKind::ConsumerGroupDescribe(
            handlers::consumer_group_describe::handle(broker, header, r).await,
        ),
        RequestKind::ListGroups(r) => {
            ResponseKind::ListGroups(handlers::list_groups::handle(broker, header, r).await)
        }
        RequestKind::DeleteGroups(r) => {
            ResponseKind::DeleteGroups(handlers::delete_groups::handle(broker, header, r).await)
        }
        RequestKind::OffsetDelete(r) => {
            ResponseKind::OffsetDelete(handlers::offset_delete::handle(broker, header, r).await)
        }
        RequestKind::AddPartitionsToTxn(r) => ResponseKind::AddPartitionsToTxn(
            handlers::add_partitions_to_txn::handle(broker, header, r).await,
        ),
        RequestKind::AddOffsetsToTxn(r) => ResponseKind::AddOffsetsToTxn(
            handlers::add_offsets_to_txn::handle(broker, header, r).await,
        ),
        RequestKind::EndTxn(r) => {
            ResponseKind::EndTxn(handlers::end_txn::handle(broker, header, r).await)
        }
        RequestKind::TxnOffsetCommit(r) => ResponseKind::TxnOffsetCommit(
            handlers::txn_offset_commit::handle(broker, header, r).await,
        ),
        RequestKind::WriteTxnMarkers(r) => {
            ResponseKind::WriteTxnMarkers(handlers::write_txn_markers::handle(broker, r).await)
        }
        RequestKind::DescribeTransactions(r) => ResponseKind::DescribeTransactions(
            handlers::describe_transactions::handle(broker, header, r),
        ),
        RequestKind::ListTransactions(r) => {
            ResponseKind::ListTransactions(handlers::list_transactions::handle(broker, header, r))
        }
        RequestKind::DescribeProducers(r) => {
            ResponseKind::DescribeProducers(handlers::describe_producers::handle(broker, header, r))
        }
        RequestKind::DescribeLogDirs(r) => {
            ResponseKind::DescribeLogDirs(handlers::describe_log_dirs::handle(broker, header, r))
        }
        // Only keys of SUPPORTED_APIS get here, and each (but Produce and Fetch, handled before)
        // has an arm above (a test sends them all).
        _ => return Err(DispatchError::NoHandler(api_key)),
    })
}

/// The client's address as Kafka's JoinGroup records it (Java's `InetAddress.toString`).
fn client_host(peer: Option<SocketAddr>) -> String {
    peer.map(|p| format!("/{}", p.ip())).unwrap_or_default()
}

/// The record buffers a Fetch response carries, which its frame references instead of copying.
fn record_buffers(fetch: &FetchResponse) -> Vec<Bytes> {
    fetch
        .responses
        .iter()
        .flat_map(|t| &t.partitions)
        .filter_map(|p| p.records.clone())
        .collect()
}

/// A Fetch answer's frame: its records referenced, not copied, and its file slices sent by the
/// kernel (`protocol::response_frame`).
fn encode_fetch(
    header: &RequestHeader,
    version: i16,
    reply: FetchReply,
) -> Result<ResponseFrame, DispatchError> {
    let encode_error = |source| DispatchError::Encode {
        api_key: ApiKey::Fetch,
        version,
        source,
    };
    let header_version = ApiKey::Fetch.response_header_version(version);
    let mut buf = SplicingBuf::new(
        record_buffers(&reply.response),
        reply.files,
        FIRST_CHUNK_BYTES,
    );
    ResponseHeader::default()
        .with_correlation_id(header.correlation_id)
        .encode(&mut buf, header_version)
        .map_err(encode_error)?;
    reply
        .response
        .encode(&mut buf, version)
        .map_err(encode_error)?;
    buf.finish().map_err(|e| encode_error(e.into()))
}

/// The first buffer of an encoded answer.
const FIRST_CHUNK_BYTES: usize = 1024;

fn encode_response(
    api_key: ApiKey,
    header: &RequestHeader,
    version: i16,
    response: ResponseKind,
) -> Result<ResponseFrame, DispatchError> {
    let encode_error = |source| DispatchError::Encode {
        api_key,
        version,
        source,
    };
    let response_header = ResponseHeader::default().with_correlation_id(header.correlation_id);
    let header_version = api_key.response_header_version(version);
    let mut buf = BytesMut::with_capacity(FIRST_CHUNK_BYTES);
    buf.put_bytes(0, 4);
    response_header
        .encode(&mut buf, header_version)
        .map_err(encode_error)?;
    response.encode(&mut buf, version).map_err(encode_error)?;
    finish_frame(&mut buf);
    Ok(ResponseFrame::contiguous(buf.freeze()))
}

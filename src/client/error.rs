//! The client's error type: transport failures, protocol failures and Kafka error codes.

use kafka_protocol::error::ResponseError;
use std::time::Duration;

/// Everything that can go wrong talking to a Kafka cluster.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// A socket operation failed.
    #[error("I/O error talking to {addr}: {source}")]
    Io {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    /// The TCP connection could not be set up in time.
    #[error("timed out after {timeout:?} connecting to {addr}")]
    ConnectTimeout { addr: String, timeout: Duration },
    /// The broker did not answer a request within `request.timeout.ms`.
    #[error("{api} request to {addr} timed out after {timeout:?}")]
    RequestTimeout {
        api: String,
        addr: String,
        timeout: Duration,
    },
    /// The connection closed while a request was outstanding.
    #[error("connection to {addr} closed")]
    ConnectionClosed { addr: String },
    /// None of the bootstrap servers answered a Metadata request.
    #[error("no bootstrap server answered ({servers}): {last_error}")]
    NoBootstrapServer { servers: String, last_error: String },
    /// The server refused the connection: nothing listens there.
    #[error("connection refused by {servers} (is the cluster running?)")]
    ConnectionRefused { servers: String },
    /// The host name has no address.
    #[error("cannot resolve {addr}: {reason}")]
    UnresolvableHost { addr: String, reason: String },
    /// A frame could not be encoded or decoded.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The broker supports no version of an API this client speaks.
    #[error("broker {addr} does not support {api}")]
    UnsupportedApi { api: String, addr: String },
    /// A Kafka error code returned in a response.
    #[error("{context}: {error} (error code {code})", code = .error.code())]
    Kafka {
        error: ResponseError,
        context: String,
    },
    /// A broker id in metadata has no known address.
    #[error("unknown broker {0}")]
    UnknownBroker(i32),
    /// The topic does not exist.
    #[error("topic '{topic}' does not exist")]
    UnknownTopic { topic: String },
    /// The topic exists but has no such partition.
    #[error("topic '{topic}' has no partition {partition}")]
    UnknownPartition { topic: String, partition: i32 },
    /// The topic's name breaks Kafka's rules; asking a broker cannot help.
    #[error("{reason}")]
    InvalidTopic { topic: String, reason: String },
    /// A client property name kf does not know.
    #[error("unknown property '{key}'{}", suggestion.as_ref().map(|s| format!(" (did you mean '{s}'?)")).unwrap_or_default())]
    UnknownConfig {
        key: String,
        suggestion: Option<String>,
    },
    /// A configuration property was not accepted.
    #[error("invalid value {value:?} for {key}: {reason}")]
    InvalidConfig {
        key: String,
        value: String,
        reason: String,
    },
    /// An argument to a client call was not acceptable.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A produced record could not be delivered (the cause was not a Kafka error code).
    #[error("delivery to {topic_partition} failed: {reason}")]
    DeliveryFailed {
        topic_partition: String,
        reason: String,
    },
    /// The producer or consumer was closed.
    #[error("{0} is closed")]
    Closed(&'static str),
}

impl ClientError {
    /// A Kafka error code as a `ClientError`, or `None` for code 0.
    pub fn from_code(code: i16, context: impl Into<String>) -> Option<Self> {
        ResponseError::try_from_code(code).map(|error| ClientError::Kafka {
            error,
            context: context.into(),
        })
    }

    /// `Ok(())` for code 0, the error otherwise.
    pub fn check(code: i16, context: impl FnOnce() -> String) -> Result<(), Self> {
        match ResponseError::try_from_code(code) {
            None => Ok(()),
            Some(error) => Err(ClientError::Kafka {
                error,
                context: context(),
            }),
        }
    }

    /// The Kafka error code, when this is a Kafka error.
    pub fn kafka_error(&self) -> Option<ResponseError> {
        match self {
            ClientError::Kafka { error, .. } => Some(*error),
            _ => None,
        }
    }

    /// Whether this broker cannot be reached now and waiting would not change that soon:
    /// nothing listens on its port, or its name has no address.
    pub fn is_unreachable_for_good(&self) -> bool {
        matches!(
            self,
            ClientError::ConnectionRefused { .. } | ClientError::UnresolvableHost { .. }
        )
    }

    /// Whether retrying (after refreshing metadata) may succeed.
    pub fn is_retriable(&self) -> bool {
        match self {
            ClientError::Io { .. }
            | ClientError::ConnectionRefused { .. }
            | ClientError::UnresolvableHost { .. }
            | ClientError::ConnectTimeout { .. }
            | ClientError::RequestTimeout { .. }
            | ClientError::ConnectionClosed { .. }
            | ClientError::UnknownBroker(_) => true,
            ClientError::Kafka { error, .. } => error.is_retriable(),
            _ => false,
        }
    }

    /// Whether the metadata cache should be refreshed before retrying.
    pub fn invalidates_metadata(&self) -> bool {
        match self {
            ClientError::Kafka { error, .. } => matches!(
                error,
                ResponseError::NotLeaderOrFollower
                    | ResponseError::UnknownTopicOrPartition
                    | ResponseError::LeaderNotAvailable
                    | ResponseError::FencedLeaderEpoch
                    | ResponseError::UnknownLeaderEpoch
                    | ResponseError::NotCoordinator
                    | ResponseError::NotController
                    | ResponseError::UnknownTopicId
                    | ResponseError::KafkaStorageError
            ),
            ClientError::UnknownTopic { .. } | ClientError::UnknownPartition { .. } => true,
            other => other.is_retriable(),
        }
    }
}

/// Shorthand for results of client calls.
pub type ClientResult<T> = Result<T, ClientError>;

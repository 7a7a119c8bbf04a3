//! The Kafka wire protocol as kf speaks it: length-prefixed frames, the table of supported API
//! versions (the one source ApiVersions answers from), v2 record batch header helpers, and
//! the record batch builder producers write records into, and the fetcher's side of an
//! incremental fetch session (`fetch_session`, for followers and consumers alike).
//! Responses are encoded as chunked frames (`response_frame`) so Fetch record bytes are sent
//! without a copy. Message bodies are the `kafka-protocol` crate's types.

pub mod batch;
pub mod batch_builder;
pub mod batch_reader;
pub mod fetch_session;
pub mod frame;
pub mod response_frame;
pub mod versions;

pub use frame::{frame_size, FrameError, MAX_REQUEST_BYTES, READ_CHUNK_BYTES};
pub use versions::{supported_versions, SUPPORTED_APIS};

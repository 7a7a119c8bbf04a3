//! A Kafka client on standard APIs only, so it works against any Kafka-compatible cluster.
//!
//! - [`connection`] — one pipelined TCP connection to a broker, with ApiVersions negotiation.
//! - [`versions`] — the API versions this client speaks and the per-connection choice.
//! - [`cluster_metadata`] — the cached brokers, topics and partition leaders.
//! - [`kafka_client`] — the `Client` handle: bootstrap, the metadata cache, one connection per broker, retries.
//! - [`config`] — settings under Kafka's property names (`-X key=value`).
//! - [`error`] — `ClientError`.
//! - [`admin`] — topics, configs, cluster description, offsets, record deletion.
//! - [`producer`] — batching, partitioning, compression, idempotence.
//! - [`consumer`] — assigned partitions, fetching, decoding, transactions.
//! - [`txn_trace`] — transactions' state transitions and markers as they happen.
//! - [`wire`] — `TopicPartition` and conversions to the protocol crate's string types.

pub mod admin;
pub mod cluster_metadata;
pub mod config;
pub mod connection;
pub mod consumer;
pub mod error;
pub mod kafka_client;
pub mod producer;
pub mod txn_trace;
pub mod versions;
pub mod wire;

pub use config::{Acks, AutoOffsetReset, ClientConfig, IsolationLevel};
pub use error::{ClientError, ClientResult};
pub use kafka_client::{check_topic_name, Client};
pub use wire::TopicPartition;

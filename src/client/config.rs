//! Client configuration under Kafka's own property names (`-X key=value`), with the Java
//! client's defaults (Apache Kafka 4.x).

use super::error::ClientError;
use kafka_protocol::records::Compression;
use std::time::Duration;

/// How many replicas must acknowledge a produce (`acks`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acks {
    /// `acks=0`: no response is awaited.
    None,
    /// `acks=1`: the leader has written the batch.
    Leader,
    /// `acks=all` (or `-1`): every in-sync replica has it.
    All,
}

impl Acks {
    /// The value of the ProduceRequest `acks` field.
    pub fn wire_value(self) -> i16 {
        match self {
            Acks::None => 0,
            Acks::Leader => 1,
            Acks::All => -1,
        }
    }
}

/// Which records a consumer may see (`isolation.level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsolationLevel {
    /// Every record up to the high watermark, aborted ones included.
    ReadUncommitted,
    /// Records up to the last stable offset, aborted transactions skipped.
    ReadCommitted,
}

impl IsolationLevel {
    /// The value of the Fetch/ListOffsets `isolation_level` field.
    pub fn wire_value(self) -> i8 {
        match self {
            IsolationLevel::ReadUncommitted => 0,
            IsolationLevel::ReadCommitted => 1,
        }
    }
}

/// Where a consumer goes when its position is out of range (`auto.offset.reset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoOffsetReset {
    /// Go to the log start offset.
    Earliest,
    /// Go to the log end offset.
    Latest,
    /// Report the error.
    None,
}

/// Every client setting, typed. Build with [`ClientConfig::new`] then [`ClientConfig::set`].
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `bootstrap.servers`: `host:port` list.
    pub bootstrap_servers: Vec<String>,
    /// `client.id`.
    pub client_id: String,
    /// `request.timeout.ms`.
    pub request_timeout: Duration,
    /// `socket.connection.setup.timeout.ms`.
    pub connect_timeout: Duration,
    /// `default.api.timeout.ms`: bound on bootstrap and on retried calls.
    pub default_api_timeout: Duration,
    /// `retry.backoff.ms`.
    pub retry_backoff: Duration,
    /// `retry.backoff.max.ms`: cap of the exponential backoff.
    pub retry_backoff_max: Duration,
    /// `retries`: how often a retriable failure is retried.
    pub retries: u32,
    /// `delivery.timeout.ms`: bound on a produced record's whole life.
    pub delivery_timeout: Duration,
    /// `linger.ms`.
    pub linger: Duration,
    /// `batch.size`.
    pub batch_size: usize,
    /// `max.request.size`.
    pub max_request_size: usize,
    /// `max.in.flight.requests.per.connection`: batches in flight per partition when
    /// idempotent (at most 5, as Kafka requires); without idempotence kf keeps one so that
    /// retries cannot reorder a partition.
    pub max_in_flight: usize,
    /// `acks`.
    pub acks: Acks,
    /// `compression.type`.
    pub compression: Compression,
    /// `enable.idempotence`.
    pub enable_idempotence: bool,
    /// `transactional.id`: a transactional producer when set (idempotent, `acks=all`).
    pub transactional_id: Option<String>,
    /// `transaction.timeout.ms`: how long the coordinator lets a transaction stay open.
    pub transaction_timeout: Duration,
    /// `isolation.level`.
    pub isolation_level: IsolationLevel,
    /// `fetch.max.wait.ms`.
    pub fetch_max_wait: Duration,
    /// `fetch.min.bytes`.
    pub fetch_min_bytes: i32,
    /// `fetch.max.bytes`.
    pub fetch_max_bytes: i32,
    /// `max.partition.fetch.bytes`.
    pub max_partition_fetch_bytes: i32,
    /// `auto.offset.reset`.
    pub auto_offset_reset: AutoOffsetReset,
    /// `client.rack` (KIP-392): sent in Fetch v11+, so that a leader with a rack-aware replica
    /// selector may send the consumer to a follower in its rack; empty: none.
    pub client_rack: String,
    /// `metadata.max.age.ms`: also how long a consumer keeps fetching from the preferred read
    /// replica a leader named before asking the leader again (as the Java consumer).
    pub metadata_max_age: Duration,
    /// `group.id`: required for group mode.
    pub group_id: Option<String>,
    /// `group.instance.id`: static membership when set.
    pub group_instance_id: Option<String>,
    /// `session.timeout.ms`.
    pub session_timeout: Duration,
    /// `heartbeat.interval.ms`.
    pub heartbeat_interval: Duration,
    /// `max.poll.interval.ms`: sent as the rebalance timeout.
    pub max_poll_interval: Duration,
    /// `partition.assignment.strategy`: assignor names in preference order (classic protocol).
    pub partition_assignment_strategy: Vec<String>,
    /// `group.protocol`: the classic rebalance protocol or KIP-848's consumer protocol.
    pub group_protocol: GroupProtocol,
    /// `group.remote.assignor`: the server-side assignor a consumer-protocol member asks for.
    pub group_remote_assignor: Option<String>,
    /// `enable.auto.commit`.
    pub enable_auto_commit: bool,
    /// `auto.commit.interval.ms`.
    pub auto_commit_interval: Duration,
    /// `allow.auto.create.topics`: whether Metadata asks the broker to create a missing topic.
    /// `None` keeps each client's own default: producers ask (as Kafka's Java producer and
    /// librdkafka's do), consumers do not (as librdkafka's; the Java consumer asks).
    pub allow_auto_create_topics: Option<bool>,
}

/// `group.protocol`: how a group member gets its partitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GroupProtocol {
    /// JoinGroup/SyncGroup, the leader member assigns (every Kafka version).
    #[default]
    Classic,
    /// KIP-848: ConsumerGroupHeartbeat, the coordinator assigns (Kafka 4.0+).
    Consumer,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            bootstrap_servers: vec!["localhost:9092".to_string()],
            client_id: "kf".to_string(),
            request_timeout: Duration::from_millis(30_000),
            connect_timeout: Duration::from_millis(10_000),
            default_api_timeout: Duration::from_millis(60_000),
            retry_backoff: Duration::from_millis(100),
            retry_backoff_max: Duration::from_millis(1_000),
            retries: i32::MAX as u32,
            delivery_timeout: Duration::from_millis(120_000),
            linger: Duration::from_millis(5),
            batch_size: 16_384,
            max_request_size: 1_048_576,
            max_in_flight: 5,
            acks: Acks::All,
            compression: Compression::None,
            enable_idempotence: true,
            transactional_id: None,
            transaction_timeout: Duration::from_millis(60_000),
            isolation_level: IsolationLevel::ReadUncommitted,
            fetch_max_wait: Duration::from_millis(500),
            fetch_min_bytes: 1,
            fetch_max_bytes: 52_428_800,
            max_partition_fetch_bytes: 1_048_576,
            auto_offset_reset: AutoOffsetReset::Latest,
            client_rack: String::new(),
            metadata_max_age: Duration::from_millis(300_000),
            group_id: None,
            group_instance_id: None,
            session_timeout: Duration::from_millis(45_000),
            heartbeat_interval: Duration::from_millis(3_000),
            max_poll_interval: Duration::from_millis(300_000),
            partition_assignment_strategy: vec![
                "range".to_string(),
                "cooperative-sticky".to_string(),
            ],
            group_protocol: GroupProtocol::Classic,
            group_remote_assignor: None,
            enable_auto_commit: true,
            auto_commit_interval: Duration::from_millis(5_000),
            allow_auto_create_topics: None,
        }
    }
}

impl ClientConfig {
    /// Defaults, talking to `bootstrap_servers` (comma-separated `host:port`).
    pub fn new(bootstrap_servers: &str) -> Self {
        ClientConfig {
            bootstrap_servers: split_servers(bootstrap_servers),
            ..ClientConfig::default()
        }
    }

    /// Whether a producer's Metadata requests ask for missing topics to be created.
    pub fn producer_auto_create(&self) -> bool {
        self.allow_auto_create_topics.unwrap_or(true)
    }

    /// Whether a consumer's Metadata requests ask for missing topics to be created.
    pub fn consumer_auto_create(&self) -> bool {
        self.allow_auto_create_topics.unwrap_or(false)
    }

    /// Sets one property by its Kafka (Java client) name, or by a librdkafka name that means
    /// the same ([`LIBRDKAFKA_ALIASES`]), as `-X key=value` does.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ClientError> {
        let key = java_name(key);
        let invalid = |reason: &str| ClientError::InvalidConfig {
            key: key.to_string(),
            value: value.to_string(),
            reason: reason.to_string(),
        };
        let millis = || -> Result<Duration, ClientError> {
            value
                .trim()
                .parse::<u64>()
                .map(Duration::from_millis)
                .map_err(|_| invalid("expected milliseconds"))
        };
        let int = || -> Result<i64, ClientError> {
            value
                .trim()
                .parse::<i64>()
                .map_err(|_| invalid("expected an integer"))
        };
        let positive_i32 = || -> Result<i32, ClientError> {
            i32::try_from(int()?)
                .ok()
                .filter(|v| *v >= 0)
                .ok_or_else(|| invalid("expected a non-negative 32-bit integer"))
        };
        let boolean = || -> Result<bool, ClientError> {
            match value.trim() {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(invalid("expected true or false")),
            }
        };
        match key {
            "bootstrap.servers" => self.bootstrap_servers = split_servers(value),
            "client.id" => self.client_id = value.to_string(),
            "request.timeout.ms" => self.request_timeout = millis()?,
            "socket.connection.setup.timeout.ms" => self.connect_timeout = millis()?,
            "default.api.timeout.ms" => self.default_api_timeout = millis()?,
            "retry.backoff.ms" => self.retry_backoff = millis()?,
            "retry.backoff.max.ms" => self.retry_backoff_max = millis()?,
            "retries" => self.retries = positive_i32()? as u32,
            "delivery.timeout.ms" => self.delivery_timeout = millis()?,
            "linger.ms" => self.linger = millis()?,
            "batch.size" => self.batch_size = positive_i32()? as usize,
            "max.request.size" => self.max_request_size = positive_i32()? as usize,
            "max.in.flight.requests.per.connection" => {
                self.max_in_flight = positive_i32()?.max(1) as usize
            }
            "acks" => {
                self.acks = match value.trim() {
                    "0" => Acks::None,
                    "1" => Acks::Leader,
                    "all" | "-1" => Acks::All,
                    _ => return Err(invalid("expected 0, 1, all or -1")),
                }
            }
            "compression.type" => {
                self.compression = parse_compression(value.trim())
                    .ok_or_else(|| invalid("expected none, gzip, snappy, lz4 or zstd"))?
            }
            "enable.idempotence" => self.enable_idempotence = boolean()?,
            "transactional.id" => {
                self.transactional_id = Some(value.to_string()).filter(|v| !v.is_empty())
            }
            "transaction.timeout.ms" => self.transaction_timeout = millis()?,
            "group.id" => self.group_id = Some(value.to_string()).filter(|v| !v.is_empty()),
            "group.instance.id" => {
                self.group_instance_id = Some(value.to_string()).filter(|v| !v.is_empty())
            }
            "session.timeout.ms" => self.session_timeout = millis()?,
            "heartbeat.interval.ms" => self.heartbeat_interval = millis()?,
            "max.poll.interval.ms" => self.max_poll_interval = millis()?,
            "partition.assignment.strategy" => {
                let names: Vec<String> = split_servers(value)
                    .into_iter()
                    .map(|name| short_assignor_name(&name).to_string())
                    .collect();
                if names.is_empty()
                    || !names
                        .iter()
                        .all(|n| n == "range" || n == "cooperative-sticky")
                {
                    return Err(invalid("expected range and/or cooperative-sticky"));
                }
                self.partition_assignment_strategy = names;
            }
            "group.protocol" => {
                self.group_protocol = match value.trim().to_lowercase().as_str() {
                    "classic" => GroupProtocol::Classic,
                    "consumer" => GroupProtocol::Consumer,
                    _ => return Err(invalid("expected classic or consumer")),
                }
            }
            "group.remote.assignor" => {
                self.group_remote_assignor =
                    Some(value.trim().to_string()).filter(|v| !v.is_empty())
            }
            "enable.auto.commit" => self.enable_auto_commit = boolean()?,
            "auto.commit.interval.ms" => self.auto_commit_interval = millis()?,
            "allow.auto.create.topics" => self.allow_auto_create_topics = Some(boolean()?),
            "isolation.level" => {
                self.isolation_level = match value.trim() {
                    "read_uncommitted" => IsolationLevel::ReadUncommitted,
                    "read_committed" => IsolationLevel::ReadCommitted,
                    _ => return Err(invalid("expected read_uncommitted or read_committed")),
                }
            }
            "fetch.max.wait.ms" => self.fetch_max_wait = millis()?,
            "fetch.min.bytes" => self.fetch_min_bytes = positive_i32()?,
            "fetch.max.bytes" => self.fetch_max_bytes = positive_i32()?,
            "max.partition.fetch.bytes" => self.max_partition_fetch_bytes = positive_i32()?,
            "client.rack" => self.client_rack = value.trim().to_string(),
            "metadata.max.age.ms" => self.metadata_max_age = millis()?,
            "auto.offset.reset" => {
                // librdkafka's synonyms too: smallest/beginning, largest/end, error.
                self.auto_offset_reset = match value.trim() {
                    "earliest" | "smallest" | "beginning" => AutoOffsetReset::Earliest,
                    "latest" | "largest" | "end" => AutoOffsetReset::Latest,
                    "none" | "error" => AutoOffsetReset::None,
                    _ => return Err(invalid("expected earliest, latest or none")),
                }
            }
            _ => {
                return Err(ClientError::UnknownConfig {
                    key: key.to_string(),
                    suggestion: nearest_name(key).map(str::to_string),
                })
            }
        }
        Ok(())
    }

    /// Applies `key=value` pairs in order.
    pub fn set_all<'a>(
        &mut self,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<(), ClientError> {
        pairs.into_iter().try_for_each(|(k, v)| self.set(k, v))
    }
}

/// Every property name [`ClientConfig::set`] takes under the Java client's name.
pub const PROPERTY_NAMES: &[&str] = &[
    "bootstrap.servers",
    "client.id",
    "request.timeout.ms",
    "socket.connection.setup.timeout.ms",
    "default.api.timeout.ms",
    "retry.backoff.ms",
    "retry.backoff.max.ms",
    "retries",
    "delivery.timeout.ms",
    "linger.ms",
    "batch.size",
    "max.request.size",
    "max.in.flight.requests.per.connection",
    "acks",
    "compression.type",
    "enable.idempotence",
    "transactional.id",
    "transaction.timeout.ms",
    "group.id",
    "group.instance.id",
    "session.timeout.ms",
    "heartbeat.interval.ms",
    "max.poll.interval.ms",
    "partition.assignment.strategy",
    "group.protocol",
    "group.remote.assignor",
    "enable.auto.commit",
    "auto.commit.interval.ms",
    "allow.auto.create.topics",
    "isolation.level",
    "fetch.max.wait.ms",
    "fetch.min.bytes",
    "fetch.max.bytes",
    "max.partition.fetch.bytes",
    "auto.offset.reset",
    "client.rack",
    "metadata.max.age.ms",
];

/// librdkafka's names for properties that mean exactly what a Java client name means, as
/// (librdkafka, Java). Names both clients share (`linger.ms`, `acks`, `batch.size`, ...) need
/// no entry.
pub const LIBRDKAFKA_ALIASES: &[(&str, &str)] = &[
    ("metadata.broker.list", "bootstrap.servers"),
    ("message.max.bytes", "max.request.size"),
    ("queue.buffering.max.ms", "linger.ms"),
    ("message.send.max.retries", "retries"),
    ("message.timeout.ms", "delivery.timeout.ms"),
    ("request.required.acks", "acks"),
    ("compression.codec", "compression.type"),
    ("max.in.flight", "max.in.flight.requests.per.connection"),
    ("fetch.wait.max.ms", "fetch.max.wait.ms"),
    ("fetch.message.max.bytes", "max.partition.fetch.bytes"),
];

/// The Java client's name for `key` (itself unless it is a librdkafka alias).
fn java_name(key: &str) -> &str {
    LIBRDKAFKA_ALIASES
        .iter()
        .find(|(alias, _)| *alias == key)
        .map_or(key, |(_, java)| java)
}

/// The known name closest to `key` by edit distance, when close enough to be a likely typo
/// (at most a third of the name's length, and at least 2 edits allowed).
fn nearest_name(key: &str) -> Option<&'static str> {
    let limit = (key.chars().count() / 3).max(2);
    PROPERTY_NAMES
        .iter()
        .chain(LIBRDKAFKA_ALIASES.iter().map(|(alias, _)| alias))
        .map(|name| (edit_distance(key, name), *name))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

fn split_servers(servers: &str) -> Vec<String> {
    servers
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Accepts the Java class names too (`...RangeAssignor`, `...CooperativeStickyAssignor`).
fn short_assignor_name(name: &str) -> &str {
    match name.rsplit('.').next() {
        Some("RangeAssignor") => "range",
        Some("CooperativeStickyAssignor") => "cooperative-sticky",
        _ => name,
    }
}

fn parse_compression(name: &str) -> Option<Compression> {
    match name {
        "none" => Some(Compression::None),
        "gzip" => Some(Compression::Gzip),
        "snappy" => Some(Compression::Snappy),
        "lz4" => Some(Compression::Lz4),
        "zstd" => Some(Compression::Zstd),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_java_client() {
        let config = ClientConfig::new("a:1, b:2");
        assert_eq!(config.bootstrap_servers, vec!["a:1", "b:2"]);
        assert_eq!(config.linger, Duration::from_millis(5));
        assert_eq!(config.batch_size, 16_384);
        assert_eq!(config.acks, Acks::All);
        assert!(config.enable_idempotence);
        assert_eq!(config.auto_offset_reset, AutoOffsetReset::Latest);
    }

    #[test]
    fn set_parses_kafka_property_names() {
        let mut config = ClientConfig::default();
        config
            .set_all([
                ("acks", "1"),
                ("compression.type", "zstd"),
                ("linger.ms", "0"),
                ("isolation.level", "read_committed"),
                ("auto.offset.reset", "earliest"),
                (
                    "partition.assignment.strategy",
                    "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
                ),
            ])
            .unwrap();
        assert_eq!(config.acks, Acks::Leader);
        assert_eq!(config.compression, Compression::Zstd);
        assert_eq!(config.linger, Duration::ZERO);
        assert_eq!(config.isolation_level, IsolationLevel::ReadCommitted);
        assert_eq!(config.auto_offset_reset, AutoOffsetReset::Earliest);
        assert_eq!(
            config.partition_assignment_strategy,
            vec!["cooperative-sticky"]
        );
    }

    #[test]
    fn set_rejects_unknown_keys_and_bad_values() {
        let mut config = ClientConfig::default();
        assert!(config.set("no.such.property", "1").is_err());
        assert!(config.set("acks", "2").is_err());
        assert!(config.set("batch.size", "-1").is_err());
    }

    #[test]
    fn librdkafka_names_map_to_the_java_ones() {
        let mut config = ClientConfig::default();
        config
            .set_all([
                ("message.max.bytes", "2000000"),
                ("queue.buffering.max.ms", "7"),
                ("compression.codec", "lz4"),
                ("fetch.wait.max.ms", "20"),
                ("auto.offset.reset", "smallest"),
            ])
            .unwrap();
        assert_eq!(config.max_request_size, 2_000_000);
        assert_eq!(config.linger, Duration::from_millis(7));
        assert_eq!(config.compression, Compression::Lz4);
        assert_eq!(config.fetch_max_wait, Duration::from_millis(20));
        assert_eq!(config.auto_offset_reset, AutoOffsetReset::Earliest);
        for (alias, java) in LIBRDKAFKA_ALIASES {
            assert!(PROPERTY_NAMES.contains(java), "{alias} -> {java}");
            assert!(!PROPERTY_NAMES.contains(alias), "{alias} is a Java name");
        }
    }

    #[test]
    fn every_listed_name_is_known() {
        for name in PROPERTY_NAMES {
            let outcome = ClientConfig::default().set(name, "not-a-value");
            assert!(
                !matches!(outcome, Err(ClientError::UnknownConfig { .. })),
                "{name}"
            );
        }
    }

    #[test]
    fn an_unknown_name_suggests_the_nearest_known_one() {
        let mut config = ClientConfig::default();
        let suggestion = |config: &mut ClientConfig, key: &str| match config.set(key, "1") {
            Err(ClientError::UnknownConfig { suggestion, .. }) => suggestion,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            suggestion(&mut config, "linger.msx").as_deref(),
            Some("linger.ms")
        );
        assert_eq!(
            suggestion(&mut config, "max.request.bytes").as_deref(),
            Some("max.request.size")
        );
        assert_eq!(
            suggestion(&mut config, "message.max.byte").as_deref(),
            Some("message.max.bytes")
        );
        assert_eq!(suggestion(&mut config, "zzz"), None);
        let error = config.set("linger.msx", "1").unwrap_err().to_string();
        assert_eq!(
            error,
            "unknown property 'linger.msx' (did you mean 'linger.ms'?)"
        );
    }
}

//! The broker configs kf honours, with Kafka's names, types, defaults and validation, and
//! `BrokerConfig`, their typed form.

use std::collections::BTreeMap;

use super::def::{find_def, ConfigDef, ConfigType, ConfigValue, Validator};
use super::topic::{CLEANUP_POLICIES, COMPRESSION_TYPES, TIMESTAMP_TYPES};
use super::ConfigError;
use crate::log::MessageTimestampType;

use ConfigType::{Boolean, Int, List, Long, Short, String as Str};
use Validator::{Any, AtLeast, Between, ListOf, OneOf};

const fn broker(
    name: &'static str,
    config_type: ConfigType,
    default: Option<&'static str>,
    validator: Validator,
    doc: &'static str,
) -> ConfigDef {
    ConfigDef {
        name,
        config_type,
        default,
        doc,
        validator,
        broker_synonyms: &[],
        read_only: true,
        sensitive: false,
    }
}

/// Kafka's rack-aware `replica.selector.class` (KIP-392), the one selector kf has.
pub const RACK_AWARE_REPLICA_SELECTOR: &str =
    "org.apache.kafka.common.replica.RackAwareReplicaSelector";
const REPLICA_SELECTORS: &[&str] = &[RACK_AWARE_REPLICA_SELECTOR];

/// The server-side assignors of KIP-848 consumer groups, by Kafka's names.
pub const CONSUMER_ASSIGNORS: &[&str] = &["uniform", "range"];
/// Kafka's `ConsumerGroupMigrationPolicy` values.
pub const CONSUMER_MIGRATION_POLICIES: &[&str] =
    &["disabled", "upgrade", "downgrade", "bidirectional"];

static BROKER_CONFIGS: &[ConfigDef] = &[
    broker("advertised.listeners", Str, None, Any,
        "NAME://HOST:PORT clients are told for each listener; default: the listeners."),
    broker("auto.create.topics.enable", Boolean, Some("true"), Any,
        "Create a topic when a client asks for metadata of one that does not exist."),
    broker("auto.leader.rebalance.enable", Boolean, Some("true"), Any,
        "Move leadership back to preferred replicas every leader.imbalance.check.interval.seconds."),
    broker("broker.heartbeat.interval.ms", Int, Some("2000"), Any,
        "How often a broker sends a heartbeat to the controller."),
    broker("broker.rack", Str, None, Any,
        "The broker's rack; replicas of a partition are spread over racks."),
    broker("broker.session.timeout.ms", Int, Some("9000"), Any,
        "A broker whose heartbeats stop this long is fenced by the controller."),
    broker("compression.type", Str, Some("producer"), OneOf(COMPRESSION_TYPES),
        "Default codec of stored batches; \"producer\" keeps the producer's codec."),
    broker("default.replication.factor", Int, Some("1"), AtLeast(1),
        "Replication factor of automatically created topics."),
    broker("delete.topic.enable", Boolean, Some("true"), Any,
        "Allow DeleteTopics to delete topics."),
    broker("fetch.max.bytes", Int, Some("57671680"), AtLeast(0),
        "The most bytes a Fetch response carries (past the first batch, which always goes)."),
    broker("group.consumer.assignors", List, Some("uniform,range"), ListOf(CONSUMER_ASSIGNORS),
        "Server-side assignors of consumer-protocol (KIP-848) groups; the first is the default."),
    broker("group.consumer.heartbeat.interval.ms", Int, Some("5000"), AtLeast(1),
        "How often members of consumer-protocol groups heartbeat."),
    broker("group.consumer.max.size", Int, Some("2147483647"), AtLeast(1),
        "The most members a consumer-protocol group may have."),
    broker("group.consumer.migration.policy", Str, Some("bidirectional"), OneOf(CONSUMER_MIGRATION_POLICIES),
        "Which way a group with members converts between the classic and the consumer protocol: upgrade (a consumer-protocol member joins a classic group), downgrade (the last consumer-protocol member leaves), both, or disabled."),
    broker("group.consumer.session.timeout.ms", Int, Some("45000"), AtLeast(1),
        "How long a consumer-protocol member may go without a heartbeat before it is removed."),
    broker("group.initial.rebalance.delay.ms", Int, Some("3000"), AtLeast(0),
        "How long a new classic group waits for more members before its first rebalance."),
    broker("group.max.session.timeout.ms", Int, Some("1800000"), Any,
        "The largest session timeout a consumer may ask for."),
    broker("group.max.size", Int, Some("2147483647"), AtLeast(1),
        "The most members a classic group may have."),
    broker("group.min.session.timeout.ms", Int, Some("6000"), Any,
        "The smallest session timeout a consumer may ask for."),
    broker("inter.broker.listener.name", Str, None, Any,
        "The listener whose address brokers know each other by."),
    broker("leader.imbalance.check.interval.seconds", Long, Some("300"), AtLeast(1),
        "How often the controller checks whether leaders should move back to preferred replicas."),
    broker("listener.security.protocol.map", Str,
        Some("SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT"), Any,
        "The security protocol of each listener name (kf serves PLAINTEXT only)."),
    broker("listeners", Str, Some("PLAINTEXT://:9092"), Any,
        "NAME://HOST:PORT of each listener; broker i adds i to each port. kf's default: \
         PLAINTEXT on --bind and -p."),
    broker("log.cleaner.backoff.ms", Long, Some("15000"), AtLeast(0),
        "How long the log cleaner waits between passes over the compacted logs."),
    broker("log.cleanup.policy", List, Some("delete"), ListOf(CLEANUP_POLICIES),
        "Default cleanup.policy of topics."),
    broker("log.index.interval.bytes", Int, Some("4096"), AtLeast(0),
        "Default index.interval.bytes of topics."),
    broker("log.message.timestamp.after.max.ms", Long, Some("3600000"), AtLeast(0),
        "Default message.timestamp.after.max.ms of topics."),
    broker("log.message.timestamp.before.max.ms", Long, Some("9223372036854775807"), AtLeast(0),
        "Default message.timestamp.before.max.ms of topics."),
    broker("log.message.timestamp.type", Str, Some("CreateTime"), OneOf(TIMESTAMP_TYPES),
        "Default message.timestamp.type of topics."),
    broker("log.offline.retry.ms", Long, Some("10000"), AtLeast(1),
        "kf only: how long a partition whose log could not be opened (a storage error) stays offline before kf tries it again."),
    broker("log.open.files.max", Int, Some("0"), AtLeast(0),
        "kf only: the log files (segments and indexes) the process keeps open at most, least recently used closed first; 0 sizes it from the open-file limit."),
    broker("log.retention.bytes", Long, Some("-1"), Any,
        "Default retention.bytes of topics."),
    broker("log.retention.check.interval.ms", Long, Some("300000"), AtLeast(1),
        "How often retention is applied to the logs."),
    broker("log.retention.hours", Int, Some("168"), Any,
        "Default retention time of topics in hours, below log.retention.minutes and log.retention.ms."),
    broker("log.retention.minutes", Int, None, Any,
        "Default retention time of topics in minutes, below log.retention.ms."),
    broker("log.retention.ms", Long, None, Any,
        "Default retention.ms of topics; -1 keeps data forever."),
    broker("log.roll.hours", Int, Some("168"), AtLeast(1),
        "Default segment age before a roll in hours, below log.roll.ms."),
    broker("log.roll.ms", Long, None, Any,
        "Default segment.ms of topics."),
    broker("log.segment.bytes", Int, Some("1073741824"), AtLeast(1_048_576),
        "Default segment.bytes of topics."),
    broker("max.incremental.fetch.session.cache.slots", Int, Some("1000"), AtLeast(0),
        "The most incremental fetch sessions a broker keeps."),
    broker("message.max.bytes", Int, Some("1048588"), AtLeast(0),
        "Default max.message.bytes of topics."),
    broker("min.insync.replicas", Int, Some("1"), AtLeast(1),
        "Default min.insync.replicas of topics."),
    broker("num.partitions", Int, Some("1"), AtLeast(1),
        "Partition count of automatically created topics."),
    broker("offset.metadata.max.bytes", Int, Some("4096"), Any,
        "The longest metadata string an offset commit may carry."),
    broker("offsets.commit.timeout.ms", Int, Some("5000"), AtLeast(1),
        "How long a group coordinator's write waits to be replicated to the ISR before it fails."),
    broker("offsets.retention.check.interval.ms", Long, Some("600000"), AtLeast(1),
        "How often expired offsets are looked for."),
    broker("offsets.retention.minutes", Int, Some("10080"), AtLeast(1),
        "How long committed offsets of an empty group are kept."),
    broker("offsets.topic.num.partitions", Int, Some("50"), AtLeast(1),
        "Partition count of __consumer_offsets."),
    broker("offsets.topic.replication.factor", Short, Some("3"), AtLeast(1),
        "Replication factor of __consumer_offsets (capped by the broker count on creation)."),
    broker("queued.max.request.bytes", Long, Some("268435456"), Any,
        "Request bytes all connections may hold before reading stops; -1 is unbounded (Kafka's default; kf bounds it)."),
    broker("queued.max.response.bytes", Long, Some("268435456"), Any,
        "Response bytes all connections may hold unsent (kf's own); Fetches shrink to fit; -1 is unbounded."),
    broker("replica.fetch.wait.max.ms", Int, Some("500"), AtLeast(0),
        "How long a leader may hold a follower's fetch waiting for records; keep it at most \
         replica.lag.time.max.ms."),
    broker("replica.high.watermark.checkpoint.interval.ms", Long, Some("5000"), AtLeast(1),
        "How often each broker writes its partitions' high watermarks to replication-offset-checkpoint."),
    broker("replica.lag.time.max.ms", Long, Some("30000"), Any,
        "How long a follower may lag before it leaves the ISR."),
    broker("replica.selector.class", Str, None, OneOf(REPLICA_SELECTORS),
        "KIP-392: the selector that may send consumers with client.rack to a follower in their \
         rack; unset, consumers read from leaders."),
    broker("request.timeout.ms", Int, Some("30000"), AtLeast(0),
        "How long the transaction coordinator's writes wait to be replicated to the ISR."),
    broker("transaction.abort.timed.out.transaction.cleanup.interval.ms", Int, Some("10000"),
        AtLeast(1), "How often the coordinator aborts transactions that outlived their timeout."),
    broker("transaction.complete.linger.ms", Int, Some("5"), AtLeast(0),
        "kf's own: how long the coordinator holds a finished transaction's CompleteCommit or CompleteAbort record, its markers written, for the producer's next AddPartitions (or Produce v12) to go in the same replicated write; any other request for the transactional id writes it at once. 0 writes it as soon as the markers are, as Kafka does."),
    broker("transaction.max.timeout.ms", Int, Some("900000"), AtLeast(1),
        "The largest transaction timeout a producer may ask for."),
    broker("transaction.partition.verification.enable", Boolean, Some("true"), Any,
        "Whether a partition leader checks with the coordinator that a transactional Produce (v11 and below) is for a partition in the producer's transaction (KIP-890 part 1)."),
    broker("transaction.remove.expired.transaction.cleanup.interval.ms", Int, Some("3600000"),
        AtLeast(1), "How often the coordinator removes expired transactional ids."),
    broker("transaction.state.log.min.isr", Int, Some("2"), AtLeast(1),
        "min.insync.replicas of __transaction_state."),
    broker("transaction.state.log.num.partitions", Int, Some("50"), AtLeast(1),
        "Partition count of __transaction_state."),
    broker("transaction.state.log.replication.factor", Short, Some("3"), AtLeast(1),
        "Replication factor of __transaction_state (capped by the broker count on creation)."),
    broker("transaction.state.log.segment.bytes", Int, Some("104857600"), AtLeast(1),
        "segment.bytes of __transaction_state."),
    broker("transaction.version", Short, Some("2"), Between(0, 2),
        "kf's own: the transaction.version feature level finalized when the cluster is first started (Kafka sets it with kafka-storage format --feature); 2 is KIP-890's epoch bump per transaction and implicit partition add on Produce."),
    broker("transactional.id.expiration.ms", Int, Some("604800000"), AtLeast(1),
        "How long an idle transactional id is kept."),
    broker("unclean.leader.election.enable", Boolean, Some("false"), Any,
        "Default unclean.leader.election.enable of topics."),
];

/// Every broker config kf honours, sorted by name.
pub fn broker_config_defs() -> &'static [ConfigDef] {
    BROKER_CONFIGS
}

/// A broker's configuration, typed, with Kafka's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct BrokerConfig {
    pub auto_create_topics_enable: bool,
    pub auto_leader_rebalance_enable: bool,
    pub broker_heartbeat_interval_ms: i32,
    /// `broker.rack`; empty when not set.
    pub broker_rack: String,
    pub broker_session_timeout_ms: i32,
    pub compression_type: String,
    pub default_replication_factor: i32,
    pub delete_topic_enable: bool,
    pub fetch_max_bytes: i32,
    pub group_consumer_assignors: Vec<String>,
    pub group_consumer_heartbeat_interval_ms: i32,
    pub group_consumer_max_size: i32,
    pub group_consumer_migration_policy: String,
    pub group_consumer_session_timeout_ms: i32,
    pub group_initial_rebalance_delay_ms: i32,
    pub group_max_session_timeout_ms: i32,
    pub group_max_size: i32,
    pub group_min_session_timeout_ms: i32,
    pub leader_imbalance_check_interval_seconds: i64,
    pub log_cleaner_backoff_ms: i64,
    pub log_cleanup_policy: Vec<String>,
    pub log_index_interval_bytes: i32,
    pub log_message_timestamp_after_max_ms: i64,
    pub log_message_timestamp_before_max_ms: i64,
    pub log_message_timestamp_type: MessageTimestampType,
    /// kf only: the bound of the process's cache of open log files; 0 sizes it from the limit.
    pub log_open_files_max: i32,
    /// `log.offline.retry.ms` (kf only).
    pub log_offline_retry_ms: i64,
    pub log_retention_bytes: i64,
    pub log_retention_check_interval_ms: i64,
    /// From log.retention.ms, else .minutes, else .hours; -1 keeps data forever.
    pub log_retention_ms: i64,
    /// From log.roll.ms, else log.roll.hours.
    pub log_roll_ms: i64,
    pub log_segment_bytes: i32,
    pub max_incremental_fetch_session_cache_slots: i32,
    pub message_max_bytes: i32,
    pub min_insync_replicas: i32,
    pub num_partitions: i32,
    pub offset_metadata_max_bytes: i32,
    pub offsets_commit_timeout_ms: i32,
    pub offsets_retention_check_interval_ms: i64,
    pub offsets_retention_minutes: i32,
    pub offsets_topic_num_partitions: i32,
    pub offsets_topic_replication_factor: i16,
    pub queued_max_request_bytes: i64,
    pub queued_max_response_bytes: i64,
    pub replica_fetch_wait_max_ms: i32,
    pub replica_high_watermark_checkpoint_interval_ms: i64,
    pub replica_lag_time_max_ms: i64,
    /// `replica.selector.class` is the rack-aware selector (KIP-392): a leader may send a
    /// consumer to a follower in its rack.
    pub rack_aware_replica_selector: bool,
    pub request_timeout_ms: i32,
    pub transaction_abort_timed_out_transaction_cleanup_interval_ms: i32,
    /// `transaction.complete.linger.ms`: how long a Complete record waits to ride with the
    /// producer's next AddPartitions (>= 0).
    pub transaction_complete_linger_ms: i32,
    pub transaction_max_timeout_ms: i32,
    pub transaction_remove_expired_transaction_cleanup_interval_ms: i32,
    pub transaction_partition_verification_enable: bool,
    pub transaction_state_log_min_isr: i32,
    pub transaction_state_log_num_partitions: i32,
    pub transaction_state_log_replication_factor: i16,
    pub transaction_state_log_segment_bytes: i32,
    /// The `transaction.version` feature level a new cluster finalizes (0..=2).
    pub transaction_version: i16,
    pub transactional_id_expiration_ms: i32,
    pub unclean_leader_election_enable: bool,
    /// The properties set explicitly (validated), for DescribeConfigs sources.
    explicit: BTreeMap<String, String>,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        Self::build(BTreeMap::new())
    }
}

/// Milliseconds from a config in `unit_ms` units; negative means forever (-1), as Kafka.
fn to_ms(value: i64, unit_ms: i64) -> i64 {
    if value < 0 {
        -1
    } else {
        value.saturating_mul(unit_ms)
    }
}

impl BrokerConfig {
    /// Parses server properties: unknown keys and bad values are errors naming the key.
    pub fn from_properties(properties: &BTreeMap<String, String>) -> Result<Self, ConfigError> {
        let mut explicit = BTreeMap::new();
        for (name, value) in properties {
            let def = find_def(BROKER_CONFIGS, name)
                .ok_or_else(|| ConfigError::UnknownConfig(name.clone()))?;
            def.parse(value)?;
            explicit.insert(name.clone(), value.trim().to_owned());
        }
        Ok(Self::build(explicit))
    }

    /// Builds from already validated explicit properties; anything absent takes its default.
    fn build(explicit: BTreeMap<String, String>) -> Self {
        let value = |name: &str| -> Option<ConfigValue> {
            let def = find_def(BROKER_CONFIGS, name)?;
            let raw = explicit.get(name).map(String::as_str).or(def.default)?;
            def.parse(raw).ok()
        };
        let number = |name: &str| value(name).and_then(|v| v.as_i64()).unwrap_or(0);
        let int = |name: &str| i32::try_from(number(name)).unwrap_or(0);
        let short = |name: &str| i16::try_from(number(name)).unwrap_or(0);
        let boolean = |name: &str| matches!(value(name), Some(ConfigValue::Boolean(true)));
        let string = |name: &str| match value(name) {
            Some(ConfigValue::String(s)) => s,
            _ => String::new(),
        };
        let list = |name: &str| match value(name) {
            Some(ConfigValue::List(items)) => items,
            _ => Vec::new(),
        };
        let log_retention_ms = value("log.retention.ms")
            .and_then(|v| v.as_i64())
            .map(|ms| to_ms(ms, 1))
            .or_else(|| {
                value("log.retention.minutes")
                    .and_then(|v| v.as_i64())
                    .map(|m| to_ms(m, 60_000))
            })
            .unwrap_or_else(|| to_ms(number("log.retention.hours"), 3_600_000));
        let log_roll_ms = value("log.roll.ms")
            .and_then(|v| v.as_i64())
            .unwrap_or_else(|| to_ms(number("log.roll.hours"), 3_600_000));
        let log_message_timestamp_type = match string("log.message.timestamp.type").as_str() {
            "LogAppendTime" => MessageTimestampType::LogAppendTime,
            _ => MessageTimestampType::CreateTime,
        };
        Self {
            auto_create_topics_enable: boolean("auto.create.topics.enable"),
            auto_leader_rebalance_enable: boolean("auto.leader.rebalance.enable"),
            broker_heartbeat_interval_ms: int("broker.heartbeat.interval.ms"),
            broker_rack: string("broker.rack"),
            broker_session_timeout_ms: int("broker.session.timeout.ms"),
            compression_type: string("compression.type"),
            default_replication_factor: int("default.replication.factor"),
            delete_topic_enable: boolean("delete.topic.enable"),
            fetch_max_bytes: int("fetch.max.bytes"),
            group_consumer_assignors: list("group.consumer.assignors"),
            group_consumer_heartbeat_interval_ms: int("group.consumer.heartbeat.interval.ms"),
            group_consumer_max_size: int("group.consumer.max.size"),
            group_consumer_migration_policy: string("group.consumer.migration.policy"),
            group_consumer_session_timeout_ms: int("group.consumer.session.timeout.ms"),
            group_initial_rebalance_delay_ms: int("group.initial.rebalance.delay.ms"),
            group_max_session_timeout_ms: int("group.max.session.timeout.ms"),
            group_max_size: int("group.max.size"),
            group_min_session_timeout_ms: int("group.min.session.timeout.ms"),
            leader_imbalance_check_interval_seconds: number(
                "leader.imbalance.check.interval.seconds",
            ),
            log_cleaner_backoff_ms: number("log.cleaner.backoff.ms"),
            log_cleanup_policy: list("log.cleanup.policy"),
            log_index_interval_bytes: int("log.index.interval.bytes"),
            log_message_timestamp_after_max_ms: number("log.message.timestamp.after.max.ms"),
            log_message_timestamp_before_max_ms: number("log.message.timestamp.before.max.ms"),
            log_message_timestamp_type,
            log_open_files_max: int("log.open.files.max"),
            log_offline_retry_ms: number("log.offline.retry.ms"),
            log_retention_bytes: number("log.retention.bytes"),
            log_retention_check_interval_ms: number("log.retention.check.interval.ms"),
            log_retention_ms,
            log_roll_ms,
            log_segment_bytes: int("log.segment.bytes"),
            max_incremental_fetch_session_cache_slots: int(
                "max.incremental.fetch.session.cache.slots",
            ),
            message_max_bytes: int("message.max.bytes"),
            min_insync_replicas: int("min.insync.replicas"),
            num_partitions: int("num.partitions"),
            offset_metadata_max_bytes: int("offset.metadata.max.bytes"),
            offsets_commit_timeout_ms: int("offsets.commit.timeout.ms"),
            offsets_retention_check_interval_ms: number("offsets.retention.check.interval.ms"),
            offsets_retention_minutes: int("offsets.retention.minutes"),
            offsets_topic_num_partitions: int("offsets.topic.num.partitions"),
            offsets_topic_replication_factor: short("offsets.topic.replication.factor"),
            queued_max_request_bytes: number("queued.max.request.bytes"),
            queued_max_response_bytes: number("queued.max.response.bytes"),
            replica_fetch_wait_max_ms: int("replica.fetch.wait.max.ms"),
            replica_high_watermark_checkpoint_interval_ms: number(
                "replica.high.watermark.checkpoint.interval.ms",
            ),
            replica_lag_time_max_ms: number("replica.lag.time.max.ms"),
            rack_aware_replica_selector: string("replica.selector.class")
                == RACK_AWARE_REPLICA_SELECTOR,
            request_timeout_ms: int("request.timeout.ms"),
            transaction_abort_timed_out_transaction_cleanup_interval_ms: int(
                "transaction.abort.timed.out.transaction.cleanup.interval.ms",
            ),
            transaction_complete_linger_ms: int("transaction.complete.linger.ms"),
            transaction_max_timeout_ms: int("transaction.max.timeout.ms"),
            transaction_remove_expired_transaction_cleanup_interval_ms: int(
                "transaction.remove.expired.transaction.cleanup.interval.ms",
            ),
            transaction_partition_verification_enable: boolean(
                "transaction.partition.verification.enable",
            ),
            transaction_state_log_min_isr: int("transaction.state.log.min.isr"),
            transaction_state_log_num_partitions: int("transaction.state.log.num.partitions"),
            transaction_state_log_replication_factor: short(
                "transaction.state.log.replication.factor",
            ),
            transaction_state_log_segment_bytes: int("transaction.state.log.segment.bytes"),
            transaction_version: short("transaction.version"),
            transactional_id_expiration_ms: int("transactional.id.expiration.ms"),
            unclean_leader_election_enable: boolean("unclean.leader.election.enable"),
            explicit,
        }
    }

    /// The properties that were set explicitly.
    pub fn explicit_properties(&self) -> &BTreeMap<String, String> {
        &self.explicit
    }

    /// The value a topic config takes from this broker when one of its broker synonyms was set
    /// explicitly (hours and minutes converted to milliseconds), with that synonym's name.
    pub fn topic_default(&self, topic_def: &ConfigDef) -> Option<(&'static str, String)> {
        let synonym = topic_def
            .broker_synonyms
            .iter()
            .find(|s| self.explicit.contains_key(**s))?;
        let value = match topic_def.name {
            "retention.ms" => self.log_retention_ms.to_string(),
            "segment.ms" => self.log_roll_ms.to_string(),
            _ => self.explicit.get(*synonym)?.clone(),
        };
        Some((synonym, value))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_are_kafkas() {
        let config = BrokerConfig::default();
        assert_eq!(config.num_partitions, 1);
        assert_eq!(config.default_replication_factor, 1);
        assert!(config.auto_create_topics_enable);
        assert!(config.delete_topic_enable);
        assert_eq!(config.log_segment_bytes, 1_073_741_824);
        assert_eq!(config.log_retention_ms, 604_800_000);
        assert_eq!(config.log_roll_ms, 604_800_000);
        assert_eq!(config.log_retention_bytes, -1);
        assert_eq!(config.message_max_bytes, 1_048_588);
        assert_eq!(config.log_index_interval_bytes, 4096);
        assert_eq!(config.log_retention_check_interval_ms, 300_000);
        assert_eq!(config.offsets_topic_num_partitions, 50);
        assert_eq!(config.transaction_state_log_num_partitions, 50);
        assert_eq!(config.group_initial_rebalance_delay_ms, 3000);
        assert_eq!(
            config.log_message_timestamp_type,
            MessageTimestampType::CreateTime
        );
        assert_eq!(config.compression_type, "producer");
        assert_eq!(config.log_cleanup_policy, vec!["delete".to_owned()]);
        assert_eq!(
            config,
            BrokerConfig::from_properties(&BTreeMap::new()).unwrap()
        );
    }

    #[test]
    fn retention_and_roll_resolve_like_kafka() {
        let config = BrokerConfig::from_properties(&props(&[
            ("log.retention.hours", "1"),
            ("log.retention.minutes", "5"),
            ("log.roll.hours", "2"),
        ]))
        .unwrap();
        assert_eq!(config.log_retention_ms, 300_000);
        assert_eq!(config.log_roll_ms, 7_200_000);
        let config = BrokerConfig::from_properties(&props(&[
            ("log.retention.ms", "-1"),
            ("log.roll.ms", "60000"),
        ]))
        .unwrap();
        assert_eq!(config.log_retention_ms, -1);
        assert_eq!(config.log_roll_ms, 60_000);
        let config =
            BrokerConfig::from_properties(&props(&[("log.retention.hours", "-1")])).unwrap();
        assert_eq!(config.log_retention_ms, -1);
    }

    #[test]
    fn parses_values_and_rejects_unknown_keys_and_bad_values() {
        let config = BrokerConfig::from_properties(&props(&[
            ("num.partitions", " 3 "),
            ("auto.create.topics.enable", "FALSE"),
            ("log.message.timestamp.type", "LogAppendTime"),
            ("log.cleanup.policy", "compact,delete"),
        ]))
        .unwrap();
        assert_eq!(config.num_partitions, 3);
        assert!(!config.auto_create_topics_enable);
        assert_eq!(
            config.log_message_timestamp_type,
            MessageTimestampType::LogAppendTime
        );
        assert_eq!(config.log_cleanup_policy.len(), 2);

        let err = BrokerConfig::from_properties(&props(&[("num.partitons", "3")])).unwrap_err();
        assert!(err.to_string().contains("num.partitons"));
        let err = BrokerConfig::from_properties(&props(&[("num.partitions", "0")])).unwrap_err();
        assert!(err.to_string().contains("num.partitions"));
        assert!(err.to_string().contains("at least 1"));
        let err =
            BrokerConfig::from_properties(&props(&[("message.max.bytes", "big")])).unwrap_err();
        assert!(err.to_string().contains("message.max.bytes"));
        assert!(BrokerConfig::from_properties(&props(&[("compression.type", "brotli")])).is_err());
        assert!(BrokerConfig::from_properties(&props(&[(
            "offsets.topic.replication.factor",
            "40000"
        )]))
        .is_err());
    }
}

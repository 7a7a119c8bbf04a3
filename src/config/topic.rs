//! The topic configs of Apache Kafka 4.0, with their broker synonyms: the table behind
//! CreateTopics/AlterConfigs validation and DescribeConfigs.

use super::def::{find_def, ConfigDef, ConfigType, Validator};
use super::ConfigError;

use ConfigType::{Boolean, Double, Int, List, Long, String as Str};
use Validator::{Any, AtLeast, Between, DoubleBetween, ListOf, MinusOneOrBetween, OneOf};

const fn topic(
    name: &'static str,
    config_type: ConfigType,
    default: Option<&'static str>,
    validator: Validator,
    broker_synonyms: &'static [&'static str],
    doc: &'static str,
) -> ConfigDef {
    ConfigDef {
        name,
        config_type,
        default,
        doc,
        validator,
        broker_synonyms,
        read_only: false,
        sensitive: false,
    }
}

const LONG_MAX: &str = "9223372036854775807";

/// The names of the compression codecs a topic may ask for.
pub const COMPRESSION_TYPES: &[&str] =
    &["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"];
pub const TIMESTAMP_TYPES: &[&str] = &["CreateTime", "LogAppendTime"];
pub const CLEANUP_POLICIES: &[&str] = &["compact", "delete"];

static TOPIC_CONFIGS: &[ConfigDef] = &[
    topic("cleanup.policy", List, Some("delete"), ListOf(CLEANUP_POLICIES), &["log.cleanup.policy"],
        "How old log segments are handled: \"delete\" removes them by retention time or size, \"compact\" keeps the latest value per key; both may be given."),
    topic("compression.gzip.level", Int, Some("-1"), MinusOneOrBetween(1, 9), &["compression.gzip.level"],
        "The level used when compression.type is gzip."),
    topic("compression.lz4.level", Int, Some("9"), Between(1, 17), &["compression.lz4.level"],
        "The level used when compression.type is lz4."),
    topic("compression.type", Str, Some("producer"), OneOf(COMPRESSION_TYPES), &["compression.type"],
        "The codec of stored batches: a codec name, \"uncompressed\", or \"producer\" to keep the producer's codec."),
    topic("compression.zstd.level", Int, Some("3"), Between(-131_072, 22), &["compression.zstd.level"],
        "The level used when compression.type is zstd."),
    topic("delete.retention.ms", Long, Some("86400000"), AtLeast(0), &["log.cleaner.delete.retention.ms"],
        "How long delete tombstones are kept on compacted topics."),
    topic("file.delete.delay.ms", Long, Some("60000"), AtLeast(0), &["log.segment.delete.delay.ms"],
        "How long to wait before deleting a file from the file system."),
    topic("flush.messages", Long, Some(LONG_MAX), AtLeast(1), &["log.flush.interval.messages"],
        "Force an fsync after this many messages (the OS flushes otherwise)."),
    topic("flush.ms", Long, Some(LONG_MAX), AtLeast(0), &["log.flush.interval.ms"],
        "Force an fsync after this much time (the OS flushes otherwise)."),
    topic("follower.replication.throttled.replicas", List, Some(""), Any, &[],
        "Replicas whose log replication is throttled on the follower side."),
    topic("index.interval.bytes", Int, Some("4096"), AtLeast(0), &["log.index.interval.bytes"],
        "How many log bytes go by between two offset index entries."),
    topic("leader.replication.throttled.replicas", List, Some(""), Any, &[],
        "Replicas whose log replication is throttled on the leader side."),
    topic("local.retention.bytes", Long, Some("-2"), AtLeast(-2), &["log.local.retention.bytes"],
        "Local retention size for tiered topics; -2 means retention.bytes."),
    topic("local.retention.ms", Long, Some("-2"), AtLeast(-2), &["log.local.retention.ms"],
        "Local retention time for tiered topics; -2 means retention.ms."),
    topic("max.compaction.lag.ms", Long, Some(LONG_MAX), AtLeast(1), &["log.cleaner.max.compaction.lag.ms"],
        "The longest a message stays ineligible for compaction."),
    topic("max.message.bytes", Int, Some("1048588"), AtLeast(0), &["message.max.bytes"],
        "The largest record batch size allowed."),
    topic("message.timestamp.after.max.ms", Long, Some("3600000"), AtLeast(0), &["log.message.timestamp.after.max.ms"],
        "How far ahead of the broker's clock a CreateTime timestamp may be."),
    topic("message.timestamp.before.max.ms", Long, Some(LONG_MAX), AtLeast(0), &["log.message.timestamp.before.max.ms"],
        "How far behind the broker's clock a CreateTime timestamp may be."),
    topic("message.timestamp.type", Str, Some("CreateTime"), OneOf(TIMESTAMP_TYPES), &["log.message.timestamp.type"],
        "Whether record timestamps are the producer's (CreateTime) or the broker's append time (LogAppendTime)."),
    topic("min.cleanable.dirty.ratio", Double, Some("0.5"), DoubleBetween(0.0, 1.0), &["log.cleaner.min.cleanable.ratio"],
        "The share of uncompacted log that makes a log eligible for compaction."),
    topic("min.compaction.lag.ms", Long, Some("0"), AtLeast(0), &["log.cleaner.min.compaction.lag.ms"],
        "The least time a message stays uncompacted."),
    topic("min.insync.replicas", Int, Some("1"), AtLeast(1), &["min.insync.replicas"],
        "The fewest in-sync replicas that must acknowledge a write with acks=all."),
    topic("preallocate", Boolean, Some("false"), Any, &["log.preallocate"],
        "Preallocate the file of a new segment."),
    topic("remote.log.copy.disable", Boolean, Some("false"), Any, &[],
        "Stop copying segments to remote storage for a tiered topic."),
    topic("remote.log.delete.on.disable", Boolean, Some("false"), Any, &[],
        "Delete remote data when tiered storage is turned off for the topic."),
    topic("remote.storage.enable", Boolean, Some("false"), Any, &[],
        "Use tiered storage for the topic."),
    topic("retention.bytes", Long, Some("-1"), Any, &["log.retention.bytes"],
        "The most bytes a partition keeps before old segments are deleted; -1 is unlimited."),
    topic("retention.ms", Long, Some("604800000"), AtLeast(-1), &["log.retention.ms", "log.retention.minutes", "log.retention.hours"],
        "How long a segment is kept before it is deleted; -1 keeps it forever."),
    topic("segment.bytes", Int, Some("1073741824"), AtLeast(1_048_576), &["log.segment.bytes"],
        "The size at which a new log segment is rolled."),
    topic("segment.index.bytes", Int, Some("10485760"), AtLeast(4), &["log.index.size.max.bytes"],
        "The largest size of an offset index file."),
    topic("segment.jitter.ms", Long, Some("0"), AtLeast(0), &["log.roll.jitter.ms", "log.roll.jitter.hours"],
        "The largest random jitter subtracted from segment.ms."),
    topic("segment.ms", Long, Some("604800000"), AtLeast(1), &["log.roll.ms", "log.roll.hours"],
        "The age at which a segment is rolled even if it is not full."),
    topic("unclean.leader.election.enable", Boolean, Some("false"), Any, &["unclean.leader.election.enable"],
        "Allow an out-of-sync replica to become leader as a last resort, losing data."),
];

/// Every topic config Kafka defines, sorted by name.
pub fn topic_config_defs() -> &'static [ConfigDef] {
    TOPIC_CONFIGS
}

pub fn topic_config_def(name: &str) -> Option<&'static ConfigDef> {
    find_def(TOPIC_CONFIGS, name)
}

/// Checks one topic config override (CreateTopics, AlterConfigs); errors map to INVALID_CONFIG.
pub fn validate_topic_config(name: &str, value: &str) -> Result<(), ConfigError> {
    let def = topic_config_def(name).ok_or_else(|| ConfigError::UnknownConfig(name.to_owned()))?;
    def.parse(value).map(|_| ())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_defaults_are_valid() {
        for pair in TOPIC_CONFIGS.windows(2) {
            assert!(pair[0].name < pair[1].name, "{} out of order", pair[1].name);
        }
        for def in TOPIC_CONFIGS {
            if let Some(default) = def.default {
                if def.config_type != List || !default.is_empty() {
                    def.parse(default).unwrap();
                }
            }
        }
    }

    #[test]
    fn validates_values_and_names() {
        validate_topic_config("retention.ms", "-1").unwrap();
        validate_topic_config("cleanup.policy", "compact, delete").unwrap();
        validate_topic_config("message.timestamp.type", "LogAppendTime").unwrap();
        validate_topic_config("min.cleanable.dirty.ratio", "0.9").unwrap();
        validate_topic_config("compression.gzip.level", "-1").unwrap();
        let err = validate_topic_config("retention.ms", "-2").unwrap_err();
        assert_eq!(err.error_code(), 40);
        assert!(err.to_string().contains("retention.ms"));
        assert!(validate_topic_config("segment.bytes", "1024").is_err());
        assert!(validate_topic_config("segment.bytes", "3000000000").is_err());
        assert!(validate_topic_config("cleanup.policy", "shred").is_err());
        assert!(validate_topic_config("cleanup.policy", "").is_err());
        assert!(validate_topic_config("message.timestamp.type", "createtime").is_err());
        assert!(validate_topic_config("preallocate", "yes").is_err());
        assert!(validate_topic_config("compression.gzip.level", "0").is_err());
        let err = validate_topic_config("retention.days", "1").unwrap_err();
        assert!(matches!(err, ConfigError::UnknownConfig(_)));
        assert_eq!(err.error_code(), 40);
    }
}

//! The `LogConfig` of a partition: its topic's overrides over the broker's defaults.

use std::collections::BTreeMap;

use super::broker::BrokerConfig;
use super::def::ConfigValue;
use super::topic::{topic_config_def, validate_topic_config};
use super::ConfigError;
use crate::log::{LogConfig, MessageTimestampType};

impl LogConfig {
    /// Validates `overrides` (any topic config, INVALID_CONFIG otherwise) and builds the log
    /// settings: override, else the broker's explicit synonym, else Kafka's default.
    pub fn from_topic_configs(
        broker: &BrokerConfig,
        overrides: &BTreeMap<String, String>,
    ) -> Result<LogConfig, ConfigError> {
        for (name, value) in overrides {
            validate_topic_config(name, value)?;
        }
        let effective = |name: &str| -> Result<ConfigValue, ConfigError> {
            let def = topic_config_def(name)
                .ok_or_else(|| ConfigError::UnknownConfig(name.to_owned()))?;
            let value = overrides
                .get(name)
                .cloned()
                .or_else(|| broker.topic_default(def).map(|(_, value)| value))
                .or_else(|| def.default.map(str::to_owned))
                .unwrap_or_default();
            def.parse(&value)
        };
        let number = |name: &str| -> Result<i64, ConfigError> {
            Ok(effective(name)?.as_i64().unwrap_or_default())
        };
        let int = |name: &str| -> Result<i32, ConfigError> {
            Ok(i32::try_from(number(name)?).unwrap_or(i32::MAX))
        };
        let message_timestamp_type = match effective("message.timestamp.type")? {
            ConfigValue::String(s) if s == "LogAppendTime" => MessageTimestampType::LogAppendTime,
            _ => MessageTimestampType::CreateTime,
        };
        let cleanup_policy = match effective("cleanup.policy")? {
            ConfigValue::List(items) => items,
            _ => vec!["delete".to_owned()],
        };
        let min_cleanable_dirty_ratio = match effective("min.cleanable.dirty.ratio")? {
            ConfigValue::Double(ratio) => ratio,
            _ => 0.5,
        };
        Ok(LogConfig {
            segment_bytes: int("segment.bytes")?,
            segment_ms: number("segment.ms")?,
            index_interval_bytes: int("index.interval.bytes")?,
            retention_ms: number("retention.ms")?,
            retention_bytes: number("retention.bytes")?,
            max_message_bytes: int("max.message.bytes")?,
            message_timestamp_type,
            message_timestamp_before_max_ms: number("message.timestamp.before.max.ms")?,
            message_timestamp_after_max_ms: number("message.timestamp.after.max.ms")?,
            cleanup_policy_delete: cleanup_policy.iter().any(|p| p == "delete"),
            cleanup_policy_compact: cleanup_policy.iter().any(|p| p == "compact"),
            min_cleanable_dirty_ratio,
            min_compaction_lag_ms: number("min.compaction.lag.ms")?,
            delete_retention_ms: number("delete.retention.ms")?,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_log_config_default() {
        let config = LogConfig::from_topic_configs(&BrokerConfig::default(), &BTreeMap::new());
        assert_eq!(config.unwrap(), LogConfig::default());
    }

    #[test]
    fn overrides_beat_broker_synonyms() {
        let broker: BTreeMap<String, String> = [
            ("log.retention.minutes", "10"),
            ("log.segment.bytes", "2097152"),
            ("message.max.bytes", "5000"),
            ("log.message.timestamp.type", "LogAppendTime"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let broker = BrokerConfig::from_properties(&broker).unwrap();
        let overrides: BTreeMap<String, String> =
            [("max.message.bytes", "7000"), ("cleanup.policy", "compact")]
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
        let config = LogConfig::from_topic_configs(&broker, &overrides).unwrap();
        assert_eq!(config.retention_ms, 600_000);
        assert_eq!(config.segment_bytes, 2_097_152);
        assert_eq!(config.max_message_bytes, 7000);
        assert_eq!(
            config.message_timestamp_type,
            MessageTimestampType::LogAppendTime
        );
        assert!(!config.cleanup_policy_delete);
    }

    #[test]
    fn bad_overrides_are_invalid_config() {
        let overrides: BTreeMap<String, String> =
            [("segment.ms".to_owned(), "0".to_owned())].into();
        let err = LogConfig::from_topic_configs(&BrokerConfig::default(), &overrides).unwrap_err();
        assert_eq!(err.error_code(), 40);
        let overrides: BTreeMap<String, String> =
            [("no.such.config".to_owned(), "1".to_owned())].into();
        assert!(LogConfig::from_topic_configs(&BrokerConfig::default(), &overrides).is_err());
    }
}

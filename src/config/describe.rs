//! What DescribeConfigs reports for a topic or a broker: each config's effective value and where it comes
//! from (topic override, explicit broker config, or Kafka's default).

use std::collections::BTreeMap;

use super::broker::{broker_config_defs, BrokerConfig};
use super::def::{ConfigDef, ConfigType};
use super::topic::topic_config_defs;

/// Kafka's `DescribeConfigsResponse.ConfigSource` (the ones a kf topic can have).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigSource {
    DynamicTopicConfig,
    StaticBrokerConfig,
    DefaultConfig,
}

impl ConfigSource {
    pub fn code(self) -> i8 {
        match self {
            Self::DynamicTopicConfig => 1,
            Self::StaticBrokerConfig => 4,
            Self::DefaultConfig => 5,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigSynonym {
    pub name: String,
    pub value: Option<String>,
    pub source: ConfigSource,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribedConfig {
    pub name: &'static str,
    pub value: Option<String>,
    pub source: ConfigSource,
    pub read_only: bool,
    pub sensitive: bool,
    pub config_type: ConfigType,
    pub documentation: &'static str,
    /// Every place a value was found, highest precedence first.
    pub synonyms: Vec<ConfigSynonym>,
}

/// A config as DescribeConfigs reports it: the first of `synonyms` (highest precedence) is the
/// effective value, and Kafka's default always comes last.
fn described(def: &ConfigDef, mut synonyms: Vec<ConfigSynonym>) -> DescribedConfig {
    synonyms.push(ConfigSynonym {
        name: def.name.to_owned(),
        value: def.default.map(str::to_owned),
        source: ConfigSource::DefaultConfig,
    });
    let effective = synonyms[0].clone();
    DescribedConfig {
        name: def.name,
        value: effective.value,
        source: effective.source,
        read_only: def.read_only,
        sensitive: def.sensitive,
        config_type: def.config_type,
        documentation: def.doc,
        synonyms,
    }
}

/// Every broker config kf knows, as a broker started with `broker` reports it.
pub fn describe_broker_configs(broker: &BrokerConfig) -> Vec<DescribedConfig> {
    broker_config_defs()
        .iter()
        .map(|def| {
            let mut synonyms = Vec::new();
            if let Some(value) = broker.explicit_properties().get(def.name) {
                synonyms.push(ConfigSynonym {
                    name: def.name.to_owned(),
                    value: Some(value.clone()),
                    source: ConfigSource::StaticBrokerConfig,
                });
            }
            described(def, synonyms)
        })
        .collect()
}

/// Every topic config of a topic with `overrides`, sorted by name.
pub fn describe_topic_configs(
    broker: &BrokerConfig,
    overrides: &BTreeMap<String, String>,
) -> Vec<DescribedConfig> {
    topic_config_defs()
        .iter()
        .map(|def| {
            let mut synonyms = Vec::new();
            if let Some(value) = overrides.get(def.name) {
                synonyms.push(ConfigSynonym {
                    name: def.name.to_owned(),
                    value: Some(value.clone()),
                    source: ConfigSource::DynamicTopicConfig,
                });
            }
            if let Some((synonym, value)) = broker.topic_default(def) {
                synonyms.push(ConfigSynonym {
                    name: synonym.to_owned(),
                    value: Some(value),
                    source: ConfigSource::StaticBrokerConfig,
                });
            }
            described(def, synonyms)
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn sources_follow_override_then_broker_then_default() {
        let broker = BrokerConfig::from_properties(
            &[("log.retention.hours".to_owned(), "24".to_owned())].into(),
        )
        .unwrap();
        let overrides: BTreeMap<String, String> =
            [("segment.bytes".to_owned(), "2097152".to_owned())].into();
        let described = describe_topic_configs(&broker, &overrides);
        let find = |name: &str| described.iter().find(|d| d.name == name).unwrap();

        let segment = find("segment.bytes");
        assert_eq!(segment.value.as_deref(), Some("2097152"));
        assert_eq!(segment.source.code(), 1);
        assert_eq!(segment.config_type.describe_code(), 3);

        let retention = find("retention.ms");
        assert_eq!(retention.value.as_deref(), Some("86400000"));
        assert_eq!(retention.source, ConfigSource::StaticBrokerConfig);
        assert_eq!(retention.synonyms[0].name, "log.retention.hours");
        assert_eq!(retention.synonyms.len(), 2);

        let policy = find("cleanup.policy");
        assert_eq!(policy.value.as_deref(), Some("delete"));
        assert_eq!(policy.source.code(), 5);
        assert_eq!(policy.config_type.describe_code(), 7);
        assert!(!policy.read_only && !policy.sensitive);
        assert_eq!(described.len(), topic_config_defs().len());
    }
}

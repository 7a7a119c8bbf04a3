//! Topic and broker configuration as Kafka defines it: one table per scope (name, type,
//! default, documentation, validation, broker synonyms), the typed [`BrokerConfig`], the
//! [`LogConfig`](crate::log::LogConfig) a partition gets from its topic's overrides, and what
//! DescribeConfigs reports.

mod broker;
mod def;
mod describe;
mod log_config;
mod topic;

use kafka_protocol::error::ResponseError;
use thiserror::Error;

pub use broker::{broker_config_defs, BrokerConfig};
pub use def::{ConfigDef, ConfigType, ConfigValue, Validator};
pub use describe::{describe_topic_configs, ConfigSource, ConfigSynonym, DescribedConfig};
pub use topic::{topic_config_def, topic_config_defs, validate_topic_config};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    #[error("unknown config {0}")]
    UnknownConfig(String),
    #[error("invalid value {value:?} for config {name}: {reason}")]
    InvalidValue {
        name: String,
        value: String,
        reason: String,
    },
}

impl ConfigError {
    /// Kafka answers both with INVALID_CONFIG.
    pub fn error(&self) -> ResponseError {
        ResponseError::InvalidConfig
    }

    pub fn error_code(&self) -> i16 {
        self.error().code()
    }
}

//! Topic and broker configuration as Kafka defines it: one table per scope (name, type,
//! default, documentation, validation, broker synonyms), the typed [`BrokerConfig`], the
//! [`LogConfig`](crate::log::LogConfig) a partition gets from its topic's overrides, and what
//! DescribeConfigs reports.

mod broker;
mod def;
mod describe;
pub mod listeners;
mod log_config;
mod topic;

use kafka_protocol::error::ResponseError;

use crate::metadata::ConfigResource;
use thiserror::Error;

pub use broker::{broker_config_defs, BrokerConfig};
pub use def::{ConfigDef, ConfigType, ConfigValue, Validator};
pub use describe::{
    describe_broker_configs, describe_topic_configs, ConfigSource, ConfigSynonym, DescribedConfig,
};
pub use topic::{topic_config_def, topic_config_defs, validate_topic_config};

/// Checks one config change the controller is asked for: `Some(value)` to set, `None` to delete.
/// Topic configs must be Kafka topic configs with valid values; broker configs must be broker
/// configs kf knows. The message is what INVALID_CONFIG carries.
pub fn validate_resource_config(
    resource: &ConfigResource,
    name: &str,
    value: Option<&str>,
) -> Result<(), String> {
    let def = match resource {
        ConfigResource::Topic(_) => topic_config_def(name),
        ConfigResource::Broker(_) => def::find_def(broker_config_defs(), name),
    };
    let def = def.ok_or_else(|| ConfigError::UnknownConfig(name.to_owned()).to_string())?;
    match value {
        Some(value) => def.parse(value).map(|_| ()).map_err(|e| e.to_string()),
        None => Ok(()),
    }
}

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

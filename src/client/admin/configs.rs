//! Configs: DescribeConfigs and IncrementalAlterConfigs for topics and brokers.

use super::{item_result, Admin};
use crate::client::connection::BrokerConnection;
use crate::client::error::ClientResult;
use crate::client::wire::str_bytes;
use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::incremental_alter_configs_request::{
    AlterConfigsResource, AlterableConfig,
};
use kafka_protocol::messages::{DescribeConfigsRequest, IncrementalAlterConfigsRequest};
use std::sync::Arc;

/// What a config belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigResource {
    /// A topic's configs (resource type 2).
    Topic(String),
    /// A broker's configs (resource type 4); answered by that broker.
    Broker(i32),
}

impl ConfigResource {
    fn resource_type(&self) -> i8 {
        match self {
            ConfigResource::Topic(_) => 2,
            ConfigResource::Broker(_) => 4,
        }
    }

    fn resource_name(&self) -> String {
        match self {
            ConfigResource::Topic(name) => name.clone(),
            ConfigResource::Broker(id) => id.to_string(),
        }
    }
}

/// One config value as DescribeConfigs reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigEntry {
    pub name: String,
    pub value: Option<String>,
    pub read_only: bool,
    /// Kafka's ConfigSource: 1 dynamic topic, 4 static broker, 5 default, ...
    pub source: i8,
    pub is_sensitive: bool,
}

/// One change for IncrementalAlterConfigs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlterConfigOp {
    Set(String, String),
    Delete(String),
    Append(String, String),
    Subtract(String, String),
}

impl AlterConfigOp {
    fn to_wire(&self) -> AlterableConfig {
        let (op, name, value) = match self {
            AlterConfigOp::Set(n, v) => (0, n, Some(v)),
            AlterConfigOp::Delete(n) => (1, n, None),
            AlterConfigOp::Append(n, v) => (2, n, Some(v)),
            AlterConfigOp::Subtract(n, v) => (3, n, Some(v)),
        };
        AlterableConfig::default()
            .with_name(str_bytes(name))
            .with_config_operation(op)
            .with_value(value.map(|v| str_bytes(v)))
    }
}

impl Admin {
    /// Every config of `resource` (or only `keys` when given).
    pub async fn describe_configs(
        &self,
        resource: &ConfigResource,
        keys: Option<&[String]>,
    ) -> ClientResult<Vec<ConfigEntry>> {
        let request = DescribeConfigsRequest::default().with_resources(vec![
            DescribeConfigsResource::default()
                .with_resource_type(resource.resource_type())
                .with_resource_name(str_bytes(&resource.resource_name()))
                .with_configuration_keys(keys.map(|k| k.iter().map(|s| str_bytes(s)).collect())),
        ]);
        let response = self
            .client
            .retry(|| async { self.connection_for(resource).await?.send(&request).await })
            .await?;
        let mut entries = Vec::new();
        for result in &response.results {
            item_result(
                result.error_code,
                result.error_message.as_deref(),
                &resource.resource_name(),
            )?;
            entries.extend(result.configs.iter().map(|c| ConfigEntry {
                name: c.name.to_string(),
                value: c.value.as_ref().map(ToString::to_string),
                read_only: c.read_only,
                source: c.config_source,
                is_sensitive: c.is_sensitive,
            }));
        }
        Ok(entries)
    }

    /// Applies `ops` to `resource` atomically.
    pub async fn incremental_alter_configs(
        &self,
        resource: &ConfigResource,
        ops: &[AlterConfigOp],
        validate_only: bool,
    ) -> ClientResult<()> {
        let request = IncrementalAlterConfigsRequest::default()
            .with_resources(vec![AlterConfigsResource::default()
                .with_resource_type(resource.resource_type())
                .with_resource_name(str_bytes(&resource.resource_name()))
                .with_configs(ops.iter().map(AlterConfigOp::to_wire).collect())])
            .with_validate_only(validate_only);
        let response = self
            .client
            .retry(|| async { self.connection_for(resource).await?.send(&request).await })
            .await?;
        response.responses.iter().try_for_each(|r| {
            item_result(
                r.error_code,
                r.error_message.as_deref(),
                &resource.resource_name(),
            )
        })
    }

    async fn connection_for(
        &self,
        resource: &ConfigResource,
    ) -> ClientResult<Arc<BrokerConnection>> {
        match resource {
            ConfigResource::Broker(id) => self.client.broker(*id).await,
            ConfigResource::Topic(_) => self.client.any_broker().await,
        }
    }
}

//! ApiKey 33 · AlterConfigs · v0-2
//!
//! The legacy, non-incremental form of IncrementalAlterConfigs (key 44), which kafkajs's
//! `alterConfigs` and librdkafka's `rd_kafka_AlterConfigs` still send: a resource's config
//! overrides become exactly the configs given, every other override is deleted. As Kafka's
//! broker (`ConfigAdminManager.preprocess`), a resource named twice, a config key named twice or
//! a null value is refused with INVALID_REQUEST; the rest goes to the active controller, which
//! decides the replacement against its own image (`controller::alter_configs::replace_configs`).
//! Answers come in request order.
//!
//! Differs from Kafka as IncrementalAlterConfigs does: broker configs (type 4) are refused with
//! INVALID_REQUEST, since a kf broker reads its configs once at start; so are group (32) and
//! client-metrics (16) configs, which kf does not have (Kafka 4 takes them), with "Unsupported
//! resource type" where Kafka says "Unknown resource type" of a type it does not know.

use std::collections::{BTreeSet, HashMap};

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::alter_configs_request::AlterConfigsResource;
use kafka_protocol::messages::alter_configs_response::AlterConfigsResourceResponse;
use kafka_protocol::messages::{AlterConfigsRequest, AlterConfigsResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use super::incremental_alter_configs::{change_configs, dynamic_broker_configs_refused};
use crate::broker::handlers::describe_configs::{config_resource, resource_error};
use crate::broker::Broker;
use crate::metadata::{ApiError, ConfigResource, ControllerRequest};

pub async fn handle(
    broker: &Broker,
    _header: &RequestHeader,
    request: AlterConfigsRequest,
) -> AlterConfigsResponse {
    let mut named = HashMap::new();
    for resource in &request.resources {
        *named
            .entry((resource.resource_type, resource.resource_name.as_str()))
            .or_insert(0) += 1;
    }
    let mut responses = Vec::with_capacity(request.resources.len());
    for resource in &request.resources {
        let outcome = if named[&(resource.resource_type, resource.resource_name.as_str())] > 1 {
            Err(ApiError::new(
                ResponseError::InvalidRequest,
                "Each resource must appear at most once.",
            ))
        } else {
            replace(broker, resource, request.validate_only).await
        };
        let response = AlterConfigsResourceResponse::default()
            .with_resource_type(resource.resource_type)
            .with_resource_name(resource.resource_name.clone());
        responses.push(match outcome {
            Ok(()) => response.with_error_message(None),
            Err(e) => response
                .with_error_code(e.code.code())
                .with_error_message(e.message.map(StrBytes::from_string)),
        });
    }
    AlterConfigsResponse::default().with_responses(responses)
}

async fn replace(
    broker: &Broker,
    resource: &AlterConfigsResource,
    validate_only: bool,
) -> Result<(), ApiError> {
    let mut names = BTreeSet::new();
    if !resource
        .configs
        .iter()
        .all(|c| names.insert(c.name.as_str()))
    {
        return Err(ApiError::new(
            ResponseError::InvalidRequest,
            "Error due to duplicate config keys",
        ));
    }
    let mut configs = Vec::with_capacity(resource.configs.len());
    let mut nulls = Vec::new();
    for config in &resource.configs {
        match &config.value {
            Some(value) => configs.push((config.name.to_string(), value.to_string())),
            None => nulls.push(config.name.as_str()),
        }
    }
    if !nulls.is_empty() {
        return Err(ApiError::new(
            ResponseError::InvalidRequest,
            format!("Null value not supported for : {}", nulls.join(", ")),
        ));
    }
    let config_resource = config_resource(resource.resource_type, resource.resource_name.as_str())
        .map_err(|e| resource_error(e, resource.resource_type))?;
    if let ConfigResource::Broker(_) = config_resource {
        return Err(dynamic_broker_configs_refused());
    }
    change_configs(
        broker,
        ControllerRequest::ReplaceConfigs {
            resource: config_resource,
            configs,
            validate_only,
        },
    )
    .await
}

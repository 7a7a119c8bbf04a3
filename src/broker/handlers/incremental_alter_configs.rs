//! ApiKey 44 · IncrementalAlterConfigs · v0-1
//!
//! Topic configs (resource type 2) are forwarded to the active controller, which validates and
//! writes them as config records; every broker applies them to its logs.
//!
//! Differs from Kafka: dynamic broker configs (type 4) are refused with INVALID_REQUEST, since a
//! kf broker reads its configs once at start (`kf cluster up -c KEY=VALUE`). Other resource types
//! get INVALID_REQUEST, as Kafka answers a type it does not know; Kafka 4 takes group (32) and
//! client-metrics (16) configs, which kf does not have. The answer comes once the other brokers of the process have
//! applied the records too (up to 1 s, as for every controller call:
//! `MetadataQuorum::controller_call`), so a DescribeConfigs to any broker right after it sees
//! the change; Kafka's brokers catch up on their own.

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::incremental_alter_configs_response::AlterConfigsResourceResponse;
use kafka_protocol::messages::{
    IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse, RequestHeader,
};
use kafka_protocol::protocol::StrBytes;

use crate::broker::handlers::describe_configs::{config_resource, resource_error};
use crate::broker::Broker;
use crate::metadata::{
    AlterConfigOp, AlterConfigOpType, ApiError, ConfigResource, ControllerRequest,
    ControllerResponse,
};

const SET: i8 = 0;
const DELETE: i8 = 1;
const APPEND: i8 = 2;
const SUBTRACT: i8 = 3;

pub async fn handle(
    broker: &Broker,
    _header: &RequestHeader,
    request: IncrementalAlterConfigsRequest,
) -> IncrementalAlterConfigsResponse {
    let mut responses = Vec::with_capacity(request.resources.len());
    for resource in request.resources {
        let outcome = alter(broker, &resource, request.validate_only).await;
        let response = AlterConfigsResourceResponse::default()
            .with_resource_type(resource.resource_type)
            .with_resource_name(resource.resource_name);
        responses.push(match outcome {
            Ok(()) => response.with_error_message(None),
            Err(e) => response
                .with_error_code(e.code.code())
                .with_error_message(e.message.map(StrBytes::from_string)),
        });
    }
    IncrementalAlterConfigsResponse::default().with_responses(responses)
}

/// kf's answer to a change of broker configs, here and in AlterConfigs.
pub(super) fn dynamic_broker_configs_refused() -> ApiError {
    ApiError::new(
        ResponseError::InvalidRequest,
        "kf brokers take their configs at start (kf cluster up -c KEY=VALUE); dynamic broker configs are not supported",
    )
}

async fn alter(
    broker: &Broker,
    resource: &kafka_protocol::messages::incremental_alter_configs_request::AlterConfigsResource,
    validate_only: bool,
) -> Result<(), ApiError> {
    let config_resource = config_resource(resource.resource_type, resource.resource_name.as_str())
        .map_err(|e| resource_error(e, resource.resource_type))?;
    if let ConfigResource::Broker(_) = config_resource {
        return Err(dynamic_broker_configs_refused());
    }
    let ops = resource
        .configs
        .iter()
        .map(|c| {
            let value = c.value.as_ref().map(|v| v.to_string());
            let op = match (c.config_operation, value) {
                (SET, Some(v)) => AlterConfigOpType::Set(v),
                (DELETE, _) => AlterConfigOpType::Delete,
                (APPEND, Some(v)) => AlterConfigOpType::Append(v),
                (SUBTRACT, Some(v)) => AlterConfigOpType::Subtract(v),
                (SET | APPEND | SUBTRACT, None) => {
                    return Err(ApiError::new(
                        ResponseError::InvalidRequest,
                        format!("Null value not supported for : {}", c.name.as_str()),
                    ))
                }
                (other, _) => {
                    return Err(ApiError::new(
                        ResponseError::InvalidRequest,
                        format!("Unknown alter configs operation {other}"),
                    ))
                }
            };
            Ok(AlterConfigOp {
                name: c.name.to_string(),
                op,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    change_configs(
        broker,
        ControllerRequest::AlterConfigs {
            resource: config_resource,
            ops,
            validate_only,
        },
    )
    .await
}

/// Asks the controller for a config change (`AlterConfigs` or `ReplaceConfigs`), here and in
/// AlterConfigs.
pub(super) async fn change_configs(
    broker: &Broker,
    request: ControllerRequest,
) -> Result<(), ApiError> {
    match broker.controller_call(request).await? {
        ControllerResponse::AlterConfigs(result) => result,
        _ => Err(ApiError::bare(ResponseError::UnknownServerError)),
    }
}

//! ApiKey 32 · DescribeConfigs · v1-4
//!
//! Topic configs (resource type 2): each Kafka topic config with its effective value and source
//! (topic override, explicit broker config, default), synonyms when asked (v1+), type and
//! documentation (v3+). Broker configs (type 4): the configs kf honours, as set at start.
//! Other resource types get INVALID_REQUEST.

use std::collections::BTreeMap;

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::describe_configs_response::{
    DescribeConfigsResourceResult, DescribeConfigsResult, DescribeConfigsSynonym,
};
use kafka_protocol::messages::{DescribeConfigsRequest, DescribeConfigsResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::broker::Broker;
use crate::config::{describe_broker_configs, describe_topic_configs, DescribedConfig};
use crate::metadata::{ApiError, ConfigResource, MetadataImage};

/// Kafka's ConfigResource type codes.
pub const TOPIC_RESOURCE: i8 = 2;
pub const BROKER_RESOURCE: i8 = 4;

/// Why a resource named in a request cannot be served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceProblem {
    UnsupportedType,
    BadBrokerId,
}

/// The resource a request's (type, name) pair names.
pub fn config_resource(resource_type: i8, name: &str) -> Result<ConfigResource, ResourceProblem> {
    match resource_type {
        TOPIC_RESOURCE => Ok(ConfigResource::Topic(name.to_string())),
        BROKER_RESOURCE => name
            .parse()
            .map(ConfigResource::Broker)
            .map_err(|_| ResourceProblem::BadBrokerId),
        _ => Err(ResourceProblem::UnsupportedType),
    }
}

pub fn resource_error(problem: ResourceProblem, resource_type: i8) -> ApiError {
    match problem {
        ResourceProblem::UnsupportedType => ApiError::new(
            ResponseError::InvalidRequest,
            format!("Unsupported resource type {resource_type}"),
        ),
        ResourceProblem::BadBrokerId => ApiError::new(
            ResponseError::InvalidRequest,
            "Broker id must be an integer",
        ),
    }
}

/// A topic's configs as DescribeConfigs and CreateTopics (v5+) report them; `overrides` are
/// used instead of the image's when given (a topic just created, or validated only).
pub fn topic_config_entries(
    broker: &Broker,
    image: &MetadataImage,
    topic: &str,
    overrides: Option<&BTreeMap<String, String>>,
) -> Vec<DescribedConfig> {
    let from_image;
    let overrides = match overrides {
        Some(o) => o,
        None => {
            from_image = image.configs_of(&ConfigResource::Topic(topic.to_string()));
            &from_image
        }
    };
    describe_topic_configs(&broker.config, overrides)
}

pub fn handle(
    broker: &Broker,
    header: &RequestHeader,
    request: DescribeConfigsRequest,
) -> DescribeConfigsResponse {
    let image = broker.image();
    let version = header.request_api_version;
    let results = request
        .resources
        .into_iter()
        .map(|resource| {
            let result = DescribeConfigsResult::default()
                .with_resource_type(resource.resource_type)
                .with_resource_name(resource.resource_name.clone());
            let described =
                match config_resource(resource.resource_type, resource.resource_name.as_str()) {
                    Err(problem) => Err(resource_error(problem, resource.resource_type)),
                    Ok(ConfigResource::Topic(name)) => match image.topic(&name) {
                        None => Err(ApiError::new(
                            ResponseError::UnknownTopicOrPartition,
                            format!("Topic {name} does not exist"),
                        )),
                        Some(_) => Ok(topic_config_entries(broker, &image, &name, None)),
                    },
                    Ok(ConfigResource::Broker(_)) => Ok(describe_broker_configs(&broker.config)),
                };
            match described {
                Err(e) => result
                    .with_error_code(e.code.code())
                    .with_error_message(e.message.map(StrBytes::from_string)),
                Ok(entries) => {
                    let keys = resource.configuration_keys.as_ref();
                    let configs = entries
                        .into_iter()
                        .filter(|e| keys.is_none_or(|k| k.iter().any(|k| k.as_str() == e.name)))
                        .map(|e| {
                            config_result(
                                e,
                                request.include_synonyms,
                                request.include_documentation && version >= 3,
                            )
                        })
                        .collect();
                    result.with_configs(configs)
                }
            }
        })
        .collect();
    DescribeConfigsResponse::default().with_results(results)
}

fn config_result(
    entry: DescribedConfig,
    include_synonyms: bool,
    include_documentation: bool,
) -> DescribeConfigsResourceResult {
    let synonyms = if include_synonyms {
        entry
            .synonyms
            .iter()
            .map(|s| {
                DescribeConfigsSynonym::default()
                    .with_name(StrBytes::from_string(s.name.clone()))
                    .with_value(s.value.clone().map(StrBytes::from_string))
                    .with_source(s.source.code())
            })
            .collect()
    } else {
        Vec::new()
    };
    let value = if entry.sensitive { None } else { entry.value };
    DescribeConfigsResourceResult::default()
        .with_name(StrBytes::from_static_str(entry.name))
        .with_value(value.map(StrBytes::from_string))
        .with_read_only(entry.read_only)
        .with_config_source(entry.source.code())
        .with_is_sensitive(entry.sensitive)
        .with_synonyms(synonyms)
        .with_config_type(entry.config_type.describe_code())
        .with_documentation(
            include_documentation.then(|| StrBytes::from_static_str(entry.documentation)),
        )
}

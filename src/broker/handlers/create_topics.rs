//! ApiKey 19 · CreateTopics · v2-7
//!
//! Forwarded to the active controller, which validates and writes the topic and partition
//! records (see `metadata/controller/create_topics.rs`). From v5 the answer carries the topic's
//! partitions, replication factor and configs.
//!
//! Differs from Kafka: the answer comes once the other brokers of the process have applied the
//! records too (up to 1 s, as for every controller call: `MetadataQuorum::controller_call`), so
//! a Metadata request to any broker right after it finds the topic; Kafka's brokers catch up
//! on their own.

use std::collections::{BTreeMap, HashSet};

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::create_topics_response::{
    CreatableTopicConfigs, CreatableTopicResult,
};
use kafka_protocol::messages::{CreateTopicsRequest, CreateTopicsResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::broker::handlers::describe_configs::topic_config_entries;
use crate::broker::Broker;
use crate::metadata::{ApiError, ControllerRequest, ControllerResponse, NewTopic};

pub async fn handle(
    broker: &Broker,
    header: &RequestHeader,
    request: CreateTopicsRequest,
) -> CreateTopicsResponse {
    let mut seen = HashSet::new();
    let duplicates: HashSet<String> = request
        .topics
        .iter()
        .filter(|t| !seen.insert(t.name.to_string()))
        .map(|t| t.name.to_string())
        .collect();

    let new_topics: Vec<NewTopic> = request
        .topics
        .iter()
        .filter(|t| !duplicates.contains(t.name.as_str()))
        .map(|t| NewTopic {
            name: t.name.to_string(),
            num_partitions: t.num_partitions,
            replication_factor: t.replication_factor,
            assignments: t
                .assignments
                .iter()
                .map(|a| {
                    (
                        a.partition_index,
                        a.broker_ids.iter().map(|b| b.0).collect(),
                    )
                })
                .collect(),
            configs: t
                .configs
                .iter()
                .filter_map(|c| Some((c.name.to_string(), c.value.as_ref()?.to_string())))
                .collect::<BTreeMap<_, _>>(),
        })
        .collect();

    let mut results: BTreeMap<String, CreatableTopicResult> = BTreeMap::new();
    if !new_topics.is_empty() {
        let call = broker
            .controller_call(ControllerRequest::CreateTopics {
                topics: new_topics,
                validate_only: request.validate_only,
            })
            .await;
        let image = broker.image();
        match call {
            Ok(ControllerResponse::CreateTopics(created)) => {
                for topic in created {
                    let result = match topic.result {
                        Ok(done) => {
                            let configs = (header.request_api_version >= 5).then(|| {
                                topic_config_entries(
                                    broker,
                                    &image,
                                    &topic.name,
                                    Some(&done.configs),
                                )
                                .into_iter()
                                .map(|e| {
                                    CreatableTopicConfigs::default()
                                        .with_name(StrBytes::from_static_str(e.name))
                                        .with_value(e.value.map(StrBytes::from_string))
                                        .with_read_only(e.read_only)
                                        .with_config_source(e.source.code())
                                        .with_is_sensitive(e.sensitive)
                                })
                                .collect()
                            });
                            CreatableTopicResult::default()
                                .with_topic_id(done.topic_id)
                                .with_num_partitions(done.num_partitions)
                                .with_replication_factor(done.replication_factor)
                                .with_configs(configs)
                        }
                        Err(e) => error_result(&e),
                    };
                    results.insert(topic.name.clone(), result);
                }
            }
            Ok(other) => {
                tracing::warn!(?other, "unexpected controller answer to CreateTopics");
            }
            Err(e) => {
                for t in &request.topics {
                    results.insert(t.name.to_string(), error_result(&e));
                }
            }
        }
    }

    // Kafka answers each name once, duplicates included.
    let mut answered = HashSet::new();
    let topics = request
        .topics
        .iter()
        .filter(|t| answered.insert(t.name.to_string()))
        .map(|t| {
            let result = if duplicates.contains(t.name.as_str()) {
                error_result(&ApiError::new(
                    ResponseError::InvalidRequest,
                    "Duplicate topic name.",
                ))
            } else {
                results.get(t.name.as_str()).cloned().unwrap_or_else(|| {
                    error_result(&ApiError::bare(ResponseError::UnknownServerError))
                })
            };
            result.with_name(t.name.clone())
        })
        .collect();
    CreateTopicsResponse::default().with_topics(topics)
}

fn error_result(error: &ApiError) -> CreatableTopicResult {
    CreatableTopicResult::default()
        .with_error_code(error.code.code())
        .with_error_message(error.message.clone().map(StrBytes::from_string))
        .with_num_partitions(-1)
        .with_replication_factor(-1)
}

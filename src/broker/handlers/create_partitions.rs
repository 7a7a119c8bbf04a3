//! ApiKey 37 · CreatePartitions · v0-3
//!
//! Each topic is forwarded to the active controller in turn; a topic named twice is refused with
//! INVALID_REQUEST, as Kafka does.
//!
//! Differs from Kafka: answered once the other brokers of the process have applied the change too
//! (up to 1 s, as every controller call: `MetadataQuorum::controller_call`).

use std::collections::HashMap;

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::create_partitions_response::CreatePartitionsTopicResult;
use kafka_protocol::messages::{CreatePartitionsRequest, CreatePartitionsResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::broker::Broker;
use crate::metadata::{ApiError, ControllerRequest, ControllerResponse};

pub async fn handle(
    broker: &Broker,
    _header: &RequestHeader,
    request: CreatePartitionsRequest,
) -> CreatePartitionsResponse {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for topic in &request.topics {
        *counts.entry(topic.name.to_string()).or_default() += 1;
    }
    let mut results = Vec::with_capacity(request.topics.len());
    for topic in request.topics {
        let outcome = if counts.get(topic.name.as_str()).copied().unwrap_or(0) > 1 {
            Err(ApiError::new(
                ResponseError::InvalidRequest,
                "Duplicate topic in request.",
            ))
        } else {
            let assignments = topic.assignments.map(|a| {
                a.into_iter()
                    .map(|r| r.broker_ids.into_iter().map(|b| b.0).collect())
                    .collect()
            });
            match broker
                .controller_call(ControllerRequest::CreatePartitions {
                    topic: topic.name.to_string(),
                    count: topic.count,
                    assignments,
                    validate_only: request.validate_only,
                })
                .await
            {
                Ok(ControllerResponse::CreatePartitions(result)) => result,
                Ok(_) => Err(ApiError::bare(ResponseError::UnknownServerError)),
                Err(e) => Err(e),
            }
        };
        let result = CreatePartitionsTopicResult::default().with_name(topic.name);
        results.push(match outcome {
            Ok(()) => result,
            Err(e) => result
                .with_error_code(e.code.code())
                .with_error_message(e.message.map(StrBytes::from_string)),
        });
    }
    CreatePartitionsResponse::default().with_results(results)
}

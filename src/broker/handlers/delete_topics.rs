//! ApiKey 20 · DeleteTopics · v1-6
//!
//! Forwarded to the active controller. Topics are named by name, or from v6 by name or id.
//! Each broker deletes its logs of a deleted topic when it applies the removal.
//!
//! Differs from Kafka: answered once the other brokers of the process have applied the change too
//! (up to 1 s, as every controller call: `MetadataQuorum::controller_call`).

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::delete_topics_response::DeletableTopicResult;
use kafka_protocol::messages::{
    DeleteTopicsRequest, DeleteTopicsResponse, RequestHeader, TopicName,
};
use kafka_protocol::protocol::StrBytes;

use crate::broker::Broker;
use crate::metadata::{ControllerRequest, ControllerResponse, TopicRef};

pub async fn handle(
    broker: &Broker,
    header: &RequestHeader,
    request: DeleteTopicsRequest,
) -> DeleteTopicsResponse {
    let refs: Vec<TopicRef> = if header.request_api_version >= 6 {
        request
            .topics
            .iter()
            .map(|t| match &t.name {
                Some(name) => TopicRef::Name(name.to_string()),
                None => TopicRef::Id(t.topic_id),
            })
            .collect()
    } else {
        request
            .topic_names
            .iter()
            .map(|n| TopicRef::Name(n.to_string()))
            .collect()
    };
    if refs.is_empty() {
        return DeleteTopicsResponse::default();
    }
    let responses = match broker
        .controller_call(ControllerRequest::DeleteTopics {
            topics: refs.clone(),
        })
        .await
    {
        Ok(ControllerResponse::DeleteTopics(results)) => results
            .into_iter()
            .map(|r| {
                let (code, message) = match r.result {
                    Ok(()) => (0, None),
                    Err(e) => (e.code.code(), e.message),
                };
                DeletableTopicResult::default()
                    .with_name(r.name.map(|n| TopicName(StrBytes::from_string(n))))
                    .with_topic_id(r.topic_id.unwrap_or_default())
                    .with_error_code(code)
                    .with_error_message(message.map(StrBytes::from_string))
            })
            .collect(),
        other => {
            let (code, message) = match other {
                Err(e) => (e.code, e.message),
                Ok(_) => (ResponseError::UnknownServerError, None),
            };
            refs.into_iter()
                .map(|r| {
                    let result = DeletableTopicResult::default()
                        .with_error_code(code.code())
                        .with_error_message(message.clone().map(StrBytes::from_string));
                    match r {
                        TopicRef::Name(n) => {
                            result.with_name(Some(TopicName(StrBytes::from_string(n))))
                        }
                        TopicRef::Id(id) => result.with_topic_id(id),
                    }
                })
                .collect()
        }
    };
    DeleteTopicsResponse::default().with_responses(responses)
}

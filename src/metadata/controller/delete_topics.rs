//! DeleteTopics: each topic, named by name or id, is removed with one RemoveTopic record (which
//! also drops its partitions and config overrides on every broker).

use std::collections::BTreeSet;

use kafka_protocol::error::ResponseError;
use uuid::Uuid;

use super::request::{ApiError, ControllerResponse, DeleteTopicResult, TopicRef};
use super::Decision;
use crate::metadata::image::MetadataImage;
use crate::metadata::records::MetadataRecord;

pub fn delete_topics(image: &MetadataImage, topics: &[TopicRef]) -> Decision {
    let mut removed: BTreeSet<Uuid> = BTreeSet::new();
    let mut records = Vec::new();
    let results = topics
        .iter()
        .map(|topic| {
            let found = match topic {
                TopicRef::Name(name) => image.topic(name),
                TopicRef::Id(topic_id) => image.topic_by_id(topic_id),
            };
            match found {
                Some(found) => {
                    if removed.insert(found.topic_id) {
                        records.push(MetadataRecord::RemoveTopic {
                            topic_id: found.topic_id,
                        });
                    }
                    DeleteTopicResult {
                        name: Some(found.name.clone()),
                        topic_id: Some(found.topic_id),
                        result: Ok(()),
                    }
                }
                None => missing(topic),
            }
        })
        .collect();
    Decision {
        response: ControllerResponse::DeleteTopics(results),
        records,
    }
}

fn missing(topic: &TopicRef) -> DeleteTopicResult {
    match topic {
        TopicRef::Name(name) => DeleteTopicResult {
            name: Some(name.clone()),
            topic_id: None,
            result: Err(ApiError::bare(ResponseError::UnknownTopicOrPartition)),
        },
        TopicRef::Id(topic_id) => DeleteTopicResult {
            name: None,
            topic_id: Some(*topic_id),
            result: Err(ApiError::bare(ResponseError::UnknownTopicId)),
        },
    }
}

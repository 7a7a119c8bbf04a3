//! ApiKey 21 · DeleteRecords · v0-2
//!
//! Moves a partition's log start offset forward to the given offset (-1: the high watermark),
//! deleting whole segments below it; answers the new low watermark. An offset past the high
//! watermark gets OFFSET_OUT_OF_RANGE.

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::delete_records_response::{
    DeleteRecordsPartitionResult, DeleteRecordsTopicResult,
};
use kafka_protocol::messages::{DeleteRecordsRequest, DeleteRecordsResponse, RequestHeader};

use crate::broker::Broker;

/// DeleteRecords' "up to the high watermark" sentinel.
const HIGH_WATERMARK: i64 = -1;

pub fn handle(
    broker: &Broker,
    _header: &RequestHeader,
    request: DeleteRecordsRequest,
) -> DeleteRecordsResponse {
    let image = broker.image();
    let topics = request
        .topics
        .into_iter()
        .map(|topic| {
            let partitions = topic
                .partitions
                .iter()
                .map(|p| {
                    let result = DeleteRecordsPartitionResult::default()
                        .with_partition_index(p.partition_index);
                    match delete(
                        broker,
                        &image,
                        topic.name.as_str(),
                        p.partition_index,
                        p.offset,
                    ) {
                        Ok(low_watermark) => result.with_low_watermark(low_watermark),
                        Err(e) => result.with_error_code(e.code()).with_low_watermark(-1),
                    }
                })
                .collect();
            DeleteRecordsTopicResult::default()
                .with_name(topic.name)
                .with_partitions(partitions)
        })
        .collect();
    DeleteRecordsResponse::default().with_topics(topics)
}

fn delete(
    broker: &Broker,
    image: &crate::metadata::MetadataImage,
    topic: &str,
    partition: i32,
    offset: i64,
) -> Result<i64, ResponseError> {
    let (replica, _) = broker.replicas.leader(image, topic, partition, -1)?;
    replica.delete_records((offset != HIGH_WATERMARK).then_some(offset))
}

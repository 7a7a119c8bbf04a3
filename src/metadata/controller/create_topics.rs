//! CreateTopics, as KRaft's `ReplicationControlManager.createTopics`: every topic is checked
//! against the image (name, existence, configs, partitions, replication), and the records of the
//! topics that pass are written together. `validate_only` checks without writing.

use std::collections::BTreeMap;

use kafka_protocol::error::ResponseError;
use rand::Rng;
use uuid::Uuid;

use super::manual_assignment::{self, invalid_assignment};
use super::request::{
    ApiError, ControllerResponse, ControllerSettings, CreateTopicResult, CreatedTopic, NewTopic,
};
use super::{placement, topic_name, Decision};
use crate::metadata::image::MetadataImage;
use crate::metadata::records::{ConfigResource, MetadataRecord};

pub fn create_topics(
    image: &MetadataImage,
    settings: &ControllerSettings,
    topics: &[NewTopic],
    validate_only: bool,
    rng: &mut impl Rng,
) -> Decision {
    let mut name_counts: BTreeMap<&str, usize> = BTreeMap::new();
    for topic in topics {
        *name_counts.entry(topic.name.as_str()).or_default() += 1;
    }
    let mut records = Vec::new();
    let mut results = Vec::with_capacity(topics.len());
    for topic in topics {
        let result = if name_counts.get(topic.name.as_str()).copied().unwrap_or(0) > 1 {
            Err(ApiError::new(
                ResponseError::InvalidRequest,
                "Duplicate topic name.",
            ))
        } else {
            check_topic(image, settings, topic)
                .and_then(|()| plan_topic(image, settings, topic, rng))
                .map(|(created, topic_records)| {
                    records.extend(topic_records);
                    created
                })
        };
        results.push(CreateTopicResult {
            name: topic.name.clone(),
            result,
        });
    }
    if validate_only {
        records.clear();
    }
    Decision {
        response: ControllerResponse::CreateTopics(results),
        records,
    }
}

/// Name, collision, existence and config checks; the later checks win, as in Kafka.
fn check_topic(
    image: &MetadataImage,
    settings: &ControllerSettings,
    topic: &NewTopic,
) -> Result<(), ApiError> {
    let name = &topic.name;
    if image.topic(name).is_some() {
        return Err(ApiError::new(
            ResponseError::TopicAlreadyExists,
            format!("Topic '{name}' already exists."),
        ));
    }
    if let Some(reason) = topic_name::invalid_reason(name) {
        return Err(ApiError::new(ResponseError::InvalidTopicException, reason));
    }
    if name.contains(['.', '_']) {
        let form = topic_name::collision_form(name);
        if let Some(existing) = image
            .topics
            .keys()
            .find(|existing| topic_name::collision_form(existing) == form)
        {
            return Err(ApiError::new(
                ResponseError::InvalidTopicException,
                format!("Topic '{name}' collides with existing topic: {existing}"),
            ));
        }
    }
    let resource = ConfigResource::Topic(name.clone());
    for (key, value) in &topic.configs {
        (settings.validate_config)(&resource, key, Some(value))
            .map_err(|message| ApiError::new(ResponseError::InvalidConfig, message))?;
    }
    Ok(())
}

/// The replicas of every partition and the records that create the topic.
fn plan_topic(
    image: &MetadataImage,
    settings: &ControllerSettings,
    topic: &NewTopic,
    rng: &mut impl Rng,
) -> Result<(CreatedTopic, Vec<MetadataRecord>), ApiError> {
    let assignments = if topic.assignments.is_empty() {
        automatic_assignments(image, settings, topic, rng)?
    } else {
        manual_assignments(image, topic)?
    };
    let replication_factor = assignments.first().map(|(_, r, _)| r.len()).unwrap_or(0);
    let topic_id = Uuid::new_v4();
    let mut records = vec![MetadataRecord::Topic {
        name: topic.name.clone(),
        topic_id,
    }];
    // Config records go after the topic record and before its partitions, as in KRaft.
    records.extend(
        topic
            .configs
            .iter()
            .map(|(key, value)| MetadataRecord::Config {
                resource: ConfigResource::Topic(topic.name.clone()),
                name: key.clone(),
                value: Some(value.clone()),
            }),
    );
    let num_partitions = i32::try_from(assignments.len()).unwrap_or(i32::MAX);
    for (partition, replicas, isr) in assignments {
        records.push(manual_assignment::new_partition_record(
            topic_id, partition, replicas, isr,
        ));
    }
    let created = CreatedTopic {
        topic_id,
        num_partitions,
        replication_factor: i16::try_from(replication_factor).unwrap_or(i16::MAX),
        configs: topic.configs.clone(),
    };
    Ok((created, records))
}

type Assignment = (i32, Vec<i32>, Vec<i32>);

fn automatic_assignments(
    image: &MetadataImage,
    settings: &ControllerSettings,
    topic: &NewTopic,
    rng: &mut impl Rng,
) -> Result<Vec<Assignment>, ApiError> {
    if topic.replication_factor < -1 || topic.replication_factor == 0 {
        return Err(ApiError::new(
            ResponseError::InvalidReplicationFactor,
            "Replication factor must be larger than 0, or -1 to use the default value.",
        ));
    }
    if topic.num_partitions < -1 || topic.num_partitions == 0 {
        return Err(ApiError::new(
            ResponseError::InvalidPartitions,
            "Number of partitions was set to an invalid non-positive value.",
        ));
    }
    let num_partitions = match topic.num_partitions {
        -1 => settings.num_partitions,
        n => n,
    };
    let replication_factor = match topic.replication_factor {
        -1 => settings.default_replication_factor,
        n => n,
    };
    let alive = placement::alive_brokers(image);
    let replicas = placement::assign_replicas(&alive, 0, num_partitions, replication_factor, rng)?;
    Ok((0..)
        .zip(replicas)
        .map(|(partition, replicas)| {
            let isr = manual_assignment::initial_isr(image, &replicas);
            (partition, replicas, isr)
        })
        .collect())
}

fn manual_assignments(
    image: &MetadataImage,
    topic: &NewTopic,
) -> Result<Vec<Assignment>, ApiError> {
    if topic.replication_factor != -1 {
        return Err(ApiError::new(
            ResponseError::InvalidRequest,
            "A manual partition assignment was specified, but replication factor was not set to -1.",
        ));
    }
    if topic.num_partitions != -1 {
        return Err(ApiError::new(
            ResponseError::InvalidRequest,
            "A manual partition assignment was specified, but numPartitions was not set to -1.",
        ));
    }
    let mut assignments = Vec::new();
    let mut replication_factor = None;
    for (expected, (partition, replicas)) in (0..).zip(&topic.assignments) {
        manual_assignment::validate(image, replicas, replication_factor)?;
        replication_factor = Some(replicas.len());
        let isr = manual_assignment::initial_isr(image, replicas);
        if isr.is_empty() {
            return Err(invalid_assignment(format!(
                "All brokers specified in the manual partition assignment for partition {partition} are fenced or in controlled shutdown."
            )));
        }
        if *partition != expected {
            return Err(invalid_assignment(
                "partitions should be a consecutive 0-based integer sequence".to_string(),
            ));
        }
        assignments.push((*partition, replicas.clone(), isr));
    }
    Ok(assignments)
}

//! Topics: create, delete, list, describe (from Metadata), add partitions.

use super::{item_result, Admin};
use crate::client::cluster_metadata::TopicMetadata;
use crate::client::error::ClientResult;
use crate::client::wire::{str_bytes, topic_name};
use kafka_protocol::messages::create_partitions_request::CreatePartitionsTopic;
use kafka_protocol::messages::create_topics_request::{CreatableTopic, CreatableTopicConfig};
use kafka_protocol::messages::delete_topics_request::DeleteTopicState;
use kafka_protocol::messages::{
    ApiKey, CreatePartitionsRequest, CreateTopicsRequest, DeleteTopicsRequest,
};

/// A topic to create. `-1` partitions or replication factor means the broker default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTopic {
    pub name: String,
    pub num_partitions: i32,
    pub replication_factor: i16,
    pub configs: Vec<(String, String)>,
}

impl NewTopic {
    /// A topic with no config overrides.
    pub fn new(name: impl Into<String>, num_partitions: i32, replication_factor: i16) -> Self {
        NewTopic {
            name: name.into(),
            num_partitions,
            replication_factor,
            configs: Vec::new(),
        }
    }
}

impl Admin {
    /// CreateTopics through the controller; one result per topic, in request order.
    pub async fn create_topics(
        &self,
        topics: &[NewTopic],
        validate_only: bool,
    ) -> ClientResult<Vec<(String, ClientResult<()>)>> {
        let request = CreateTopicsRequest::default()
            .with_topics(topics.iter().map(creatable_topic).collect())
            .with_timeout_ms(self.timeout_ms())
            .with_validate_only(validate_only);
        let response = self
            .client
            .retry(|| async { self.client.controller().await?.send(&request).await })
            .await?;
        let results = response
            .topics
            .iter()
            .map(|t| {
                let name = t.name.0.to_string();
                let result = item_result(t.error_code, t.error_message.as_deref(), &name);
                (name, result)
            })
            .collect();
        for topic in topics {
            self.client.invalidate_topic(&topic.name);
        }
        Ok(results)
    }

    /// DeleteTopics by name through the controller; one result per topic.
    pub async fn delete_topics(
        &self,
        names: &[String],
    ) -> ClientResult<Vec<(String, ClientResult<()>)>> {
        let response = self
            .client
            .retry(|| async {
                let connection = self.client.controller().await?;
                let version = connection.require_version(ApiKey::DeleteTopics)?;
                // v6 names topics in `topics` (name or id); earlier versions in `topic_names`.
                let request = if version >= 6 {
                    DeleteTopicsRequest::default().with_topics(
                        names
                            .iter()
                            .map(|n| DeleteTopicState::default().with_name(Some(topic_name(n))))
                            .collect(),
                    )
                } else {
                    DeleteTopicsRequest::default()
                        .with_topic_names(names.iter().map(|n| topic_name(n)).collect())
                };
                let request = request.with_timeout_ms(self.timeout_ms());
                connection.send_version(&request, version).await
            })
            .await?;
        for name in names {
            self.client.invalidate_topic(name);
        }
        Ok(response
            .responses
            .iter()
            .map(|t| {
                let name = t.name.as_ref().map(|n| n.0.to_string()).unwrap_or_default();
                let result = item_result(t.error_code, t.error_message.as_deref(), &name);
                (name, result)
            })
            .collect())
    }

    /// Every topic name, sorted; internal topics only when asked.
    pub async fn list_topics(&self, include_internal: bool) -> ClientResult<Vec<String>> {
        self.client
            .retry(|| self.client.refresh_metadata(None))
            .await?;
        let mut names: Vec<String> = self
            .client
            .metadata()
            .topics
            .values()
            .filter(|t| t.error_code == 0 && (include_internal || !t.is_internal))
            .map(|t| t.name.clone())
            .collect();
        names.sort();
        Ok(names)
    }

    /// Partitions, leaders, replicas and ISR of the named topics (all topics when empty).
    pub async fn describe_topics(&self, names: &[String]) -> ClientResult<Vec<TopicMetadata>> {
        let wanted = (!names.is_empty()).then_some(names);
        self.client
            .retry(|| self.client.refresh_metadata(wanted))
            .await?;
        let mut topics: Vec<TopicMetadata> = self.client.with_metadata(|metadata| match wanted {
            Some(names) => names
                .iter()
                .filter_map(|n| metadata.topics.get(n).cloned())
                .collect(),
            None => metadata.topics.values().cloned().collect(),
        });
        if wanted.is_none() {
            topics.sort_by(|a, b| a.name.cmp(&b.name));
        }
        Ok(topics)
    }

    /// CreatePartitions: grows each named topic to the given total partition count.
    pub async fn create_partitions(
        &self,
        new_totals: &[(String, i32)],
        validate_only: bool,
    ) -> ClientResult<Vec<(String, ClientResult<()>)>> {
        let request = CreatePartitionsRequest::default()
            .with_topics(
                new_totals
                    .iter()
                    .map(|(name, count)| {
                        // Null assignments let the controller place the new partitions; an
                        // empty list would mean "assign none" (INVALID_REPLICA_ASSIGNMENT).
                        CreatePartitionsTopic::default()
                            .with_name(topic_name(name))
                            .with_count(*count)
                            .with_assignments(None)
                    })
                    .collect(),
            )
            .with_timeout_ms(self.timeout_ms())
            .with_validate_only(validate_only);
        let response = self
            .client
            .retry(|| async { self.client.controller().await?.send(&request).await })
            .await?;
        for (name, _) in new_totals {
            self.client.invalidate_topic(name);
        }
        Ok(response
            .results
            .iter()
            .map(|t| {
                let name = t.name.0.to_string();
                let result = item_result(t.error_code, t.error_message.as_deref(), &name);
                (name, result)
            })
            .collect())
    }
}

fn creatable_topic(topic: &NewTopic) -> CreatableTopic {
    CreatableTopic::default()
        .with_name(topic_name(&topic.name))
        .with_num_partitions(topic.num_partitions)
        .with_replication_factor(topic.replication_factor)
        .with_configs(
            topic
                .configs
                .iter()
                .map(|(k, v)| {
                    CreatableTopicConfig::default()
                        .with_name(str_bytes(k))
                        .with_value(Some(str_bytes(v)))
                })
                .collect(),
        )
}

//! `kf topic create|list|describe|delete|alter-config|add-partitions`: CreateTopics, Metadata,
//! DescribeConfigs, DeleteTopics, IncrementalAlterConfigs and CreatePartitions, as Kafka's
//! `kafka-topics.sh` and `kafka-configs.sh` use them (`kf topic reassign`: `topic_reassign.rs`).

use anyhow::{anyhow, bail};
use kafka_protocol::error::ResponseError;
use serde::Serialize;

use super::cluster::parse_key_value;
use super::connect::connect_admin;
use crate::cli::topic::{
    AddPartitionsArgs, AlterConfigArgs, CreateArgs, DeleteArgs, DescribeArgs, ListArgs,
    TopicCommand,
};
use crate::cli::ConnectArgs;
use crate::client::admin::{Admin, AlterConfigOp, ConfigEntry, ConfigResource, NewTopic};
use crate::client::cluster_metadata::{self, TopicMetadata};
use crate::client::ClientError;
use crate::output::{emit, emit_rendered, id_list, render, table};

/// Kafka's ConfigSource code for a topic's own override.
const DYNAMIC_TOPIC_CONFIG: i8 = 1;

pub async fn run(command: TopicCommand) -> anyhow::Result<()> {
    match command {
        TopicCommand::Create(args) => create(args).await,
        TopicCommand::List(args) => list(args).await,
        TopicCommand::Describe(args) => describe(args).await,
        TopicCommand::Delete(args) => delete(args).await,
        TopicCommand::AlterConfig(args) => alter_config(args).await,
        TopicCommand::AddPartitions(args) => add_partitions(args).await,
        TopicCommand::Reassign(args) => super::topic_reassign::run(args).await,
    }
}

async fn admin(connect: &ConnectArgs) -> anyhow::Result<Admin> {
    Ok(Admin::new(connect_admin(connect).await?))
}

/// A failed per-topic result in Kafka's words: the broker's message when it sent one, else the
/// error's description, followed by the error name (`TOPIC_ALREADY_EXISTS`).
pub fn failure_text(topic: &str, error: &ClientError) -> String {
    match error {
        ClientError::Kafka { error, context } => {
            let message = context
                .strip_prefix(topic)
                .and_then(|rest| rest.strip_prefix(": "))
                // Some brokers put only the error's name in the message: say more.
                .filter(|m| !m.is_empty() && *m != format!("{error:?}"))
                .map(str::to_string)
                .unwrap_or_else(|| error.to_string());
            format!("{message} ({})", error_name(*error))
        }
        other => other.to_string(),
    }
}

/// A partition's Metadata error as a reason to show, `None` for none.
fn partition_reason(code: i16) -> Option<String> {
    if code == 0 {
        return None;
    }
    Some(match ResponseError::try_from_code(code) {
        Some(error) => format!("{}: {error}", error_name(error)),
        None => format!("error code {code}"),
    })
}

/// `TopicAlreadyExists` → `TOPIC_ALREADY_EXISTS`, as Kafka's `Errors` enum spells it.
fn error_name(error: ResponseError) -> String {
    let camel = format!("{error:?}");
    let mut name = String::with_capacity(camel.len() + 8);
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            name.push('_');
        }
        name.push(c.to_ascii_uppercase());
    }
    name
}

async fn create(args: CreateArgs) -> anyhow::Result<()> {
    let mut topic = NewTopic::new(
        &args.name,
        args.partitions.unwrap_or(-1),
        args.replication_factor.unwrap_or(-1),
    );
    for arg in &args.configs {
        topic.configs.push(parse_key_value(arg, "-c/--config")?);
    }
    let admin = admin(&args.connect).await?;
    let results = admin.create_topics(&[topic], args.validate_only).await?;
    for (name, result) in results {
        match result {
            Ok(()) if args.validate_only => {
                emit(&format!("Topic {name} can be created (validate only).\n"))?;
            }
            Ok(()) => {
                // Wait until a broker serves the topic, so that `kf produce` right after works.
                if let Err(error) = admin.client().topic_metadata(&name).await {
                    eprintln!("kf: warning: topic {name} created but not yet ready: {error}");
                }
                emit(&format!("Created topic {name}.\n"))?;
            }
            Err(error)
                if args.if_not_exists
                    && error.kafka_error() == Some(ResponseError::TopicAlreadyExists) => {}
            Err(error) => bail!(
                "cannot create topic '{name}': {}",
                failure_text(&name, &error)
            ),
        }
    }
    Ok(())
}

/// One line of `kf topic list`.
#[derive(Debug, Serialize)]
struct TopicSummary {
    name: String,
    partitions: usize,
    replication_factor: usize,
    internal: bool,
}

async fn list(args: ListArgs) -> anyhow::Result<()> {
    let admin = admin(&args.connect).await?;
    let topics: Vec<TopicSummary> = admin
        .describe_topics(&[])
        .await?
        .into_iter()
        .filter(|t| t.error_code == 0 && (args.internal || !t.is_internal))
        .map(|t| TopicSummary {
            replication_factor: replication_factor(&t),
            partitions: t.partitions.len(),
            internal: t.is_internal,
            name: t.name,
        })
        .collect();
    let text = render(&topics, args.output, |topics| {
        let rows: Vec<Vec<String>> = topics
            .iter()
            .map(|t| {
                vec![
                    t.name.clone(),
                    t.partitions.to_string(),
                    t.replication_factor.to_string(),
                ]
            })
            .collect();
        table(&["NAME", "PARTITIONS", "REPLICAS"], &rows)
    })?;
    emit(&text)
}

/// The replica count of the first partition, as `kafka-topics.sh` reports it.
fn replication_factor(topic: &TopicMetadata) -> usize {
    topic.partitions.first().map_or(0, |p| p.replicas.len())
}

/// Topic metadata for `names`, failing on any that does not exist.
async fn existing_topics(admin: &Admin, names: &[String]) -> anyhow::Result<Vec<TopicMetadata>> {
    let topics = admin.describe_topics(names).await?;
    let mut missing = Vec::new();
    for name in names {
        match topics.iter().find(|t| &t.name == name) {
            None => missing.push(name.clone()),
            Some(t) if t.error_code == ResponseError::UnknownTopicOrPartition.code() => {
                missing.push(name.clone());
            }
            Some(t) if t.error_code != 0 => {
                let error = ClientError::from_code(t.error_code, name.clone())
                    .ok_or_else(|| anyhow!("topic '{name}': error code {}", t.error_code))?;
                bail!("topic '{name}': {}", failure_text(name, &error));
            }
            Some(_) => {}
        }
    }
    match missing.as_slice() {
        [] => Ok(topics),
        [one] => bail!("topic '{one}' does not exist"),
        many => bail!("topics do not exist: {}", many.join(", ")),
    }
}

/// `kf topic describe` for one topic.
#[derive(Debug, Serialize)]
struct TopicDescription {
    name: String,
    topic_id: String,
    internal: bool,
    partition_count: usize,
    replication_factor: usize,
    configs: Vec<ConfigView>,
    partitions: Vec<PartitionView>,
}

#[derive(Debug, Serialize)]
struct ConfigView {
    name: String,
    /// `None` for sensitive configs, which brokers never reveal.
    value: Option<String>,
    source: &'static str,
    read_only: bool,
    sensitive: bool,
}

#[derive(Debug, Serialize)]
struct PartitionView {
    partition: i32,
    /// -1 when the partition has no leader.
    leader: i32,
    leader_epoch: i32,
    replicas: Vec<i32>,
    isr: Vec<i32>,
    offline_replicas: Vec<i32>,
    /// Why the partition cannot be served (its Metadata error), when it cannot: e.g.
    /// KAFKA_STORAGE_ERROR when its replicas' logs are offline.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

/// Kafka's `ConfigSource` names (DescribeConfigs v1+).
fn config_source_name(source: i8) -> &'static str {
    match source {
        1 => "DYNAMIC_TOPIC_CONFIG",
        2 => "DYNAMIC_BROKER_CONFIG",
        3 => "DYNAMIC_DEFAULT_BROKER_CONFIG",
        4 => "STATIC_BROKER_CONFIG",
        5 => "DEFAULT_CONFIG",
        6 => "DYNAMIC_BROKER_LOGGER_CONFIG",
        7 => "CLIENT_METRICS_CONFIG",
        8 => "GROUP_CONFIG",
        _ => "UNKNOWN",
    }
}

fn config_view(entry: ConfigEntry) -> ConfigView {
    ConfigView {
        name: entry.name,
        value: entry.value,
        source: config_source_name(entry.source),
        read_only: entry.read_only,
        sensitive: entry.is_sensitive,
    }
}

impl PartitionView {
    fn is_under_replicated(&self) -> bool {
        cluster_metadata::is_under_replicated(&self.isr, &self.replicas)
    }

    fn is_unavailable(&self) -> bool {
        cluster_metadata::is_offline(self.leader)
    }
}

async fn describe(args: DescribeArgs) -> anyhow::Result<()> {
    let admin = admin(&args.connect).await?;
    let topics = existing_topics(&admin, &args.names).await?;
    // As kafka-topics.sh --under-replicated-partitions / --unavailable-partitions: only the
    // partitions in one of the asked states, no configs.
    let report = args.under_replicated || args.unavailable;
    let reported = |p: &PartitionView| {
        !report
            || (args.under_replicated && p.is_under_replicated())
            || (args.unavailable && p.is_unavailable())
    };
    let mut described = Vec::with_capacity(topics.len());
    for mut topic in topics {
        topic.partitions.sort_by_key(|p| p.partition);
        let partition_count = topic.partitions.len();
        let replication_factor = replication_factor(&topic);
        let partitions: Vec<PartitionView> = std::mem::take(&mut topic.partitions)
            .into_iter()
            .map(|p| PartitionView {
                partition: p.partition,
                leader: p.leader_id,
                leader_epoch: p.leader_epoch,
                replicas: p.replicas,
                isr: p.isr,
                offline_replicas: p.offline_replicas,
                reason: partition_reason(p.error_code),
            })
            .filter(|p| reported(p))
            .collect();
        if report && partitions.is_empty() {
            continue;
        }
        let configs = if report {
            Vec::new()
        } else {
            match admin
                .describe_configs(&ConfigResource::Topic(topic.name.clone()), None)
                .await
            {
                Ok(entries) => entries
                    .into_iter()
                    .filter(|c| args.all_configs || c.source == DYNAMIC_TOPIC_CONFIG)
                    .map(config_view)
                    .collect(),
                // Partitions come from Metadata, which every broker has: still worth showing.
                Err(error @ ClientError::UnsupportedApi { .. }) => {
                    eprintln!(
                        "kf: warning: configs of topic {} not shown: {error}",
                        topic.name
                    );
                    Vec::new()
                }
                Err(error) => return Err(error.into()),
            }
        };
        described.push(TopicDescription {
            topic_id: topic.topic_id.to_string(),
            internal: topic.is_internal,
            partition_count,
            replication_factor,
            configs,
            partitions,
            name: topic.name,
        });
    }
    let all_configs = args.all_configs;
    emit_rendered(&described, args.output, |topics| {
        topics
            .iter()
            .map(|t| describe_text(t, all_configs))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

fn config_value_text(config: &ConfigView) -> String {
    match &config.value {
        Some(value) => value.clone(),
        None if config.sensitive => "(sensitive)".to_string(),
        None => "(null)".to_string(),
    }
}

/// Kafka's describe header line, the partition table and, with `--all-configs`, a config table.
fn describe_text(topic: &TopicDescription, all_configs: bool) -> String {
    let overrides: Vec<String> = topic
        .configs
        .iter()
        .filter(|c| c.source == config_source_name(DYNAMIC_TOPIC_CONFIG))
        .map(|c| format!("{}={}", c.name, config_value_text(c)))
        .collect();
    let mut out = format!(
        "Topic: {}\tTopicId: {}\tPartitionCount: {}\tReplicationFactor: {}\tConfigs: {}\n",
        topic.name,
        topic.topic_id,
        topic.partition_count,
        topic.replication_factor,
        overrides.join(",")
    );
    let mut rows: Vec<Vec<String>> = topic
        .partitions
        .iter()
        .map(|p| {
            vec![
                p.partition.to_string(),
                if p.leader >= 0 {
                    p.leader.to_string()
                } else {
                    "none".to_string()
                },
                p.leader_epoch.to_string(),
                id_list(&p.replicas),
                id_list(&p.isr),
                id_list(&p.offline_replicas),
            ]
        })
        .collect();
    // A REASON column only when a partition cannot be served, so the usual table stays Kafka's.
    let reasons = topic.partitions.iter().any(|p| p.reason.is_some());
    let mut header = vec!["PARTITION", "LEADER", "EPOCH", "REPLICAS", "ISR", "OFFLINE"];
    if reasons {
        header.push("REASON");
        for (row, p) in rows.iter_mut().zip(&topic.partitions) {
            row.push(p.reason.clone().unwrap_or_default());
        }
    }
    out.push_str(&table(&header, &rows));
    if all_configs {
        let rows: Vec<Vec<String>> = topic
            .configs
            .iter()
            .map(|c| vec![c.name.clone(), config_value_text(c), c.source.to_string()])
            .collect();
        out.push('\n');
        out.push_str(&table(&["CONFIG", "VALUE", "SOURCE"], &rows));
    }
    out
}

async fn delete(args: DeleteArgs) -> anyhow::Result<()> {
    let admin = admin(&args.connect).await?;
    let results = admin.delete_topics(&args.names).await?;
    let mut failures = Vec::new();
    for (name, result) in results {
        match result {
            Ok(()) => emit(&format!("Deleted topic {name}.\n"))?,
            Err(error)
                if args.if_exists
                    && error.kafka_error() == Some(ResponseError::UnknownTopicOrPartition) => {}
            Err(error) => failures.push(format!("'{name}': {}", failure_text(&name, &error))),
        }
    }
    match failures.as_slice() {
        [] => Ok(()),
        [one] => bail!("cannot delete topic {one}"),
        many => bail!("cannot delete topics: {}", many.join("; ")),
    }
}

/// The `--set/--delete/--append/--subtract` flags as IncrementalAlterConfigs operations.
fn alter_ops(args: &AlterConfigArgs) -> anyhow::Result<Vec<AlterConfigOp>> {
    let mut ops = Vec::new();
    for arg in &args.set {
        let (key, value) = parse_key_value(arg, "--set")?;
        ops.push(AlterConfigOp::Set(key, value));
    }
    for key in &args.delete {
        ops.push(AlterConfigOp::Delete(key.trim().to_string()));
    }
    for arg in &args.append {
        let (key, value) = parse_key_value(arg, "--append")?;
        ops.push(AlterConfigOp::Append(key, value));
    }
    for arg in &args.subtract {
        let (key, value) = parse_key_value(arg, "--subtract")?;
        ops.push(AlterConfigOp::Subtract(key, value));
    }
    Ok(ops)
}

async fn alter_config(args: AlterConfigArgs) -> anyhow::Result<()> {
    let ops = alter_ops(&args)?;
    let admin = admin(&args.connect).await?;
    // Checked first: the client retries UNKNOWN_TOPIC_OR_PARTITION until its timeout.
    existing_topics(&admin, std::slice::from_ref(&args.name)).await?;
    let resource = ConfigResource::Topic(args.name.clone());
    admin
        .incremental_alter_configs(&resource, &ops, args.validate_only)
        .await
        .map_err(|error| {
            anyhow!(
                "cannot alter configs of topic '{}': {}",
                args.name,
                failure_text(&args.name, &error)
            )
        })?;
    if args.validate_only {
        emit(&format!(
            "Configs of topic {} can be altered (validate only).\n",
            args.name
        ))
    } else {
        emit(&format!("Altered configs of topic {}.\n", args.name))
    }
}

async fn add_partitions(args: AddPartitionsArgs) -> anyhow::Result<()> {
    let admin = admin(&args.connect).await?;
    let topics = existing_topics(&admin, std::slice::from_ref(&args.name)).await?;
    let current = topics
        .iter()
        .find(|t| t.name == args.name)
        .map_or(0, |t| t.partitions.len());
    let current = i32::try_from(current)?;
    let total = match (args.num, args.total) {
        (Some(num), _) => current
            .checked_add(num)
            .ok_or_else(|| super::UsageError(format!("-n {num} is too many partitions")))?,
        (None, Some(total)) => total,
        (None, None) => bail!(super::UsageError("give -n/--num or --total".to_string())),
    };
    let results = admin
        .create_partitions(&[(args.name.clone(), total)], args.validate_only)
        .await?;
    for (name, result) in results {
        if let Err(error) = result {
            bail!(
                "cannot add partitions to topic '{name}': {}",
                failure_text(&name, &error)
            );
        }
    }
    if args.validate_only {
        emit(&format!(
            "Topic {} can grow from {current} to {total} partitions (validate only).\n",
            args.name
        ))
    } else {
        emit(&format!(
            "Topic {} now has {total} partitions (was {current}).\n",
            args.name
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn error_names_are_kafkas() {
        assert_eq!(
            error_name(ResponseError::TopicAlreadyExists),
            "TOPIC_ALREADY_EXISTS"
        );
        assert_eq!(error_name(ResponseError::InvalidConfig), "INVALID_CONFIG");
    }

    #[test]
    fn failure_text_prefers_the_brokers_message() {
        let with_message =
            ClientError::from_code(36, "orders: Topic 'orders' already exists.").expect("an error");
        assert_eq!(
            failure_text("orders", &with_message),
            "Topic 'orders' already exists. (TOPIC_ALREADY_EXISTS)"
        );
        let bare = ClientError::from_code(37, "orders").expect("an error");
        assert_eq!(
            failure_text("orders", &bare),
            format!("{} (INVALID_PARTITIONS)", ResponseError::InvalidPartitions)
        );
    }

    #[test]
    fn config_sources_use_kafkas_names() {
        assert_eq!(config_source_name(1), "DYNAMIC_TOPIC_CONFIG");
        assert_eq!(config_source_name(5), "DEFAULT_CONFIG");
        assert_eq!(config_source_name(42), "UNKNOWN");
    }
}

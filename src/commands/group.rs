//! `kf group list|describe|lag|reset-offsets|delete|delete-offsets`: ListGroups,
//! DescribeGroups / ConsumerGroupDescribe, OffsetFetch, ListOffsets, OffsetCommit, DeleteGroups
//! and OffsetDelete, as Kafka's `kafka-consumer-groups.sh` uses them.

use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal;
use std::time::Duration;

use anyhow::{anyhow, bail};
use kafka_protocol::error::ResponseError;
use serde::Serialize;

use super::connect::connect_admin;
use super::format::timestamp::{parse_duration, parse_time};
use super::topic::failure_text;
use super::{Interrupted, UsageError};
use crate::cli::group::{
    DeleteArgs, DeleteOffsetsArgs, DescribeArgs, GroupCommand, GroupType, LagArgs, ListArgs,
    ResetOffsetsArgs,
};
use crate::cli::ConnectArgs;
use crate::client::admin::{Admin, GroupCoordinator, GroupDescription, GroupMember, OffsetSpec};
use crate::client::{ClientError, IsolationLevel, TopicPartition};
use crate::clock::now_ms;
use crate::output::{emit, opt, render, table};

pub async fn run(command: GroupCommand) -> anyhow::Result<()> {
    match command {
        GroupCommand::List(args) => list(args).await,
        GroupCommand::Describe(args) => describe(args).await,
        GroupCommand::Lag(args) => lag(args).await,
        GroupCommand::ResetOffsets(args) => reset_offsets(args).await,
        GroupCommand::Delete(args) => delete(args).await,
        GroupCommand::DeleteOffsets(args) => delete_offsets(args).await,
    }
}

async fn admin(connect: &ConnectArgs) -> anyhow::Result<Admin> {
    Ok(Admin::new(connect_admin(connect).await?))
}

fn is_group_not_found(error: &ClientError) -> bool {
    error.kafka_error() == Some(ResponseError::GroupIdNotFound)
}

/// The group's description, or `None` from a broker without DescribeGroups (offsets still
/// work there); an unknown group is an error.
async fn describe_known(admin: &Admin, group: &str) -> anyhow::Result<Option<GroupDescription>> {
    match admin.describe_group(group).await {
        Ok(description) => Ok(Some(description)),
        Err(ClientError::UnsupportedApi { .. }) => Ok(None),
        Err(error) if is_group_not_found(&error) => bail!("group '{group}' does not exist"),
        Err(error) => Err(anyhow!(error).context(format!("cannot describe group '{group}'"))),
    }
}

async fn list(args: ListArgs) -> anyhow::Result<()> {
    let admin = admin(&args.connect).await?;
    let types: Vec<String> = args
        .types
        .iter()
        .map(|t| match t {
            GroupType::Classic => "classic".to_string(),
            GroupType::Consumer => "consumer".to_string(),
        })
        .collect();
    let groups = admin.list_groups(&args.states, &types).await?;
    let text = render(&groups, args.output, |groups| {
        let rows: Vec<Vec<String>> = groups
            .iter()
            .map(|g| {
                vec![
                    g.group_id.clone(),
                    dash(&g.state),
                    g.group_type.clone(),
                    dash(&g.protocol_type),
                ]
            })
            .collect();
        table(&["GROUP", "STATE", "TYPE", "PROTOCOL-TYPE"], &rows)
    })?;
    emit(&text)
}

fn dash(s: &str) -> String {
    if s.is_empty() {
        "-".to_string()
    } else {
        s.to_string()
    }
}

/// One partition of a group: its committed offset, the log end and who owns it.
#[derive(Debug, Serialize)]
struct PartitionLag {
    topic: String,
    partition: i32,
    /// `None` when the group has committed nothing for the partition.
    current_offset: Option<i64>,
    log_end_offset: i64,
    lag: Option<i64>,
    member_id: Option<String>,
    host: Option<String>,
    client_id: Option<String>,
}

/// `kf group describe` and `kf group lag` for one group.
#[derive(Debug, Serialize)]
struct GroupReport {
    group: String,
    /// `None` when the broker does not serve DescribeGroups.
    state: Option<String>,
    group_type: Option<String>,
    protocol_type: Option<String>,
    assignor: Option<String>,
    coordinator: Option<GroupCoordinator>,
    /// `log-end-offset`, or `last-stable-offset` for read_committed.
    lag_against: &'static str,
    total_lag: i64,
    members: Vec<GroupMember>,
    partitions: Vec<PartitionLag>,
}

async fn report(
    admin: &Admin,
    group: &str,
    isolation: IsolationLevel,
) -> anyhow::Result<GroupReport> {
    let description = describe_known(admin, group).await?;
    let committed = admin.list_group_offsets(group, None).await?;
    let mut owners: BTreeMap<&TopicPartition, &GroupMember> = BTreeMap::new();
    let members: &[GroupMember] = description.as_ref().map_or(&[], |d| &d.members);
    for member in members {
        for tp in &member.assignment {
            owners.insert(tp, member);
        }
    }
    let partitions: BTreeSet<TopicPartition> = committed
        .keys()
        .cloned()
        .chain(owners.keys().map(|tp| (*tp).clone()))
        .collect();
    let specs: Vec<(TopicPartition, OffsetSpec)> = partitions
        .iter()
        .map(|tp| (tp.clone(), OffsetSpec::Latest))
        .collect();
    let ends = admin.list_offsets(&specs, isolation).await?;
    let mut total_lag = 0i64;
    let rows = partitions
        .iter()
        .map(|tp| {
            let current = committed.get(tp).map(|c| c.offset);
            let end = ends.get(tp).map_or(-1, |o| o.offset);
            let lag = current.map(|c| (end - c).max(0));
            total_lag = total_lag.saturating_add(lag.unwrap_or(0));
            let owner = owners.get(tp);
            PartitionLag {
                topic: tp.topic.clone(),
                partition: tp.partition,
                current_offset: current,
                log_end_offset: end,
                lag,
                member_id: owner.map(|m| m.member_id.clone()),
                host: owner.map(|m| m.host.clone()),
                client_id: owner.map(|m| m.client_id.clone()),
            }
        })
        .collect();
    Ok(GroupReport {
        group: group.to_string(),
        state: description.as_ref().map(|d| d.state.clone()),
        group_type: description.as_ref().map(|d| d.group_type.clone()),
        protocol_type: description.as_ref().map(|d| d.protocol_type.clone()),
        assignor: description.as_ref().map(|d| d.assignor.clone()),
        coordinator: description.as_ref().map(|d| d.coordinator.clone()),
        lag_against: match isolation {
            IsolationLevel::ReadCommitted => "last-stable-offset",
            IsolationLevel::ReadUncommitted => "log-end-offset",
        },
        total_lag,
        members: members.to_vec(),
        partitions: rows,
    })
}

fn isolation(read_committed: bool) -> IsolationLevel {
    if read_committed {
        IsolationLevel::ReadCommitted
    } else {
        IsolationLevel::ReadUncommitted
    }
}

fn lag_note(report: &GroupReport) -> &'static str {
    match report.lag_against {
        "last-stable-offset" => "lag against the last stable offset (read_committed)",
        _ => "lag against the log end offset",
    }
}

fn describe_text(reports: &[GroupReport]) -> String {
    let mut out = String::new();
    for (i, r) in reports.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let or_dash = |v: &Option<String>| dash(v.as_deref().unwrap_or(""));
        out.push_str(&format!(
            "Group {}: state {}, type {}, protocol type {}, assignor {}, coordinator {}\n",
            r.group,
            or_dash(&r.state),
            or_dash(&r.group_type),
            or_dash(&r.protocol_type),
            or_dash(&r.assignor),
            r.coordinator.as_ref().map_or("-".to_string(), |c| format!(
                "{} ({}:{})",
                c.node_id, c.host, c.port
            )),
        ));
        out.push_str(&format!("Total {}: {}\n\n", lag_note(r), r.total_lag));
        let rows: Vec<Vec<String>> = r
            .partitions
            .iter()
            .map(|p| {
                vec![
                    r.group.clone(),
                    p.topic.clone(),
                    p.partition.to_string(),
                    opt(p.current_offset),
                    p.log_end_offset.to_string(),
                    opt(p.lag),
                    dash(p.member_id.as_deref().unwrap_or("")),
                    dash(p.host.as_deref().unwrap_or("")),
                    dash(p.client_id.as_deref().unwrap_or("")),
                ]
            })
            .collect();
        out.push_str(&table(
            &[
                "GROUP",
                "TOPIC",
                "PARTITION",
                "CURRENT-OFFSET",
                "LOG-END-OFFSET",
                "LAG",
                "CONSUMER-ID",
                "HOST",
                "CLIENT-ID",
            ],
            &rows,
        ));
        if r.members.is_empty() {
            out.push_str(&format!("\nGroup {} has no active members.\n", r.group));
            continue;
        }
        let rows: Vec<Vec<String>> = r
            .members
            .iter()
            .map(|m| {
                vec![
                    m.member_id.clone(),
                    dash(m.instance_id.as_deref().unwrap_or("")),
                    dash(&m.client_id),
                    dash(&m.host),
                    m.assignment.len().to_string(),
                    partition_list(&m.assignment),
                ]
            })
            .collect();
        out.push('\n');
        out.push_str(&table(
            &[
                "CONSUMER-ID",
                "INSTANCE-ID",
                "CLIENT-ID",
                "HOST",
                "#PARTITIONS",
                "ASSIGNMENT",
            ],
            &rows,
        ));
    }
    out
}

/// `orders(0,1),payments(2)`, as `kafka-consumer-groups.sh --members --verbose` writes it.
fn partition_list(partitions: &[TopicPartition]) -> String {
    let mut by_topic: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for tp in partitions {
        by_topic
            .entry(&tp.topic)
            .or_default()
            .push(tp.partition.to_string());
    }
    if by_topic.is_empty() {
        return "-".to_string();
    }
    by_topic
        .into_iter()
        .map(|(topic, ps)| format!("{topic}({})", ps.join(",")))
        .collect::<Vec<_>>()
        .join(",")
}

async fn describe(args: DescribeArgs) -> anyhow::Result<()> {
    let admin = admin(&args.connect).await?;
    let mut reports = Vec::new();
    for group in &args.groups {
        reports.push(report(&admin, group, isolation(args.read_committed)).await?);
    }
    emit(&render(&reports, args.output, |r| describe_text(r))?)
}

/// The part of a report `kf group lag` shows.
#[derive(Debug, Serialize)]
struct LagView<'a> {
    group: &'a str,
    lag_against: &'static str,
    total_lag: i64,
    partitions: &'a [PartitionLag],
}

fn lag_text(reports: &[GroupReport]) -> String {
    let mut out = String::new();
    for r in reports {
        out.push_str(&format!(
            "Group {}: total {}: {}\n",
            r.group,
            lag_note(r),
            r.total_lag
        ));
        let rows: Vec<Vec<String>> = r
            .partitions
            .iter()
            .map(|p| {
                vec![
                    p.topic.clone(),
                    p.partition.to_string(),
                    opt(p.current_offset),
                    p.log_end_offset.to_string(),
                    opt(p.lag),
                ]
            })
            .collect();
        out.push_str(&table(
            &[
                "TOPIC",
                "PARTITION",
                "CURRENT-OFFSET",
                "LOG-END-OFFSET",
                "LAG",
            ],
            &rows,
        ));
    }
    out
}

async fn lag(args: LagArgs) -> anyhow::Result<()> {
    let interval = parse_duration(&args.interval)
        .map_err(|e| UsageError(format!("--interval: {e}")))?
        .max(100);
    let admin = admin(&args.connect).await?;
    let in_place = args.watch && std::io::stdout().is_terminal();
    let interrupted = super::interrupt_signal()?;
    let refresh = async {
        loop {
            let mut reports = Vec::new();
            for group in &args.groups {
                reports.push(report(&admin, group, isolation(args.read_committed)).await?);
            }
            let views: Vec<LagView> = reports
                .iter()
                .map(|r| LagView {
                    group: &r.group,
                    lag_against: r.lag_against,
                    total_lag: r.total_lag,
                    partitions: &r.partitions,
                })
                .collect();
            let text = render(&views, args.output, |_| lag_text(&reports))?;
            if in_place {
                // Home the cursor and clear the screen, so each refresh replaces the last.
                emit(&format!("\x1b[H\x1b[2J{text}"))?;
            } else if args.watch && args.output == crate::cli::OutputFormat::Text {
                // Piped: one refresh after another, a blank line between them.
                emit(&format!("{text}\n"))?;
            } else {
                emit(&text)?;
            }
            if !args.watch {
                return Ok(());
            }
            let pause = Duration::from_millis(u64::try_from(interval).unwrap_or(u64::MAX));
            tokio::time::sleep(pause).await;
        }
    };
    tokio::select! {
        outcome = refresh => outcome,
        () = interrupted => Err(Interrupted.into()),
    }
}

/// `orders` (every partition) or `orders:0,2`.
fn parse_topic_arg(arg: &str) -> Result<(String, Option<Vec<i32>>), UsageError> {
    let bad = || {
        UsageError(format!(
            "--topic expects TOPIC or TOPIC:P,P,..., got '{arg}'"
        ))
    };
    match arg.split_once(':') {
        None if !arg.is_empty() => Ok((arg.to_string(), None)),
        Some((topic, partitions)) if !topic.is_empty() => {
            let partitions = partitions
                .split(',')
                .map(|p| p.trim().parse::<i32>().ok().filter(|p| *p >= 0))
                .collect::<Option<Vec<i32>>>()
                .ok_or_else(bad)?;
            Ok((topic.to_string(), Some(partitions)))
        }
        _ => Err(bad()),
    }
}

/// The partitions `--topic` arguments name, checked against the topics' metadata.
async fn topic_partitions(admin: &Admin, args: &[String]) -> anyhow::Result<Vec<TopicPartition>> {
    let mut partitions = BTreeSet::new();
    for arg in args {
        let (topic, wanted) = parse_topic_arg(arg)?;
        let metadata = admin
            .client()
            .topic_metadata(&topic)
            .await
            .map_err(|e| match e {
                ClientError::UnknownTopic { .. } => {
                    anyhow!("topic '{topic}' does not exist")
                }
                other => anyhow!(other),
            })?;
        let existing: BTreeSet<i32> = metadata.partitions.iter().map(|p| p.partition).collect();
        for p in wanted.unwrap_or_else(|| existing.iter().copied().collect()) {
            if !existing.contains(&p) {
                bail!("topic '{topic}' has no partition {p}");
            }
            partitions.insert(TopicPartition::new(topic.clone(), p));
        }
    }
    Ok(partitions.into_iter().collect())
}

/// Where `kf group reset-offsets` moves the offsets.
#[derive(Debug, Clone, Copy)]
enum ResetTarget {
    Earliest,
    Latest,
    Offset(i64),
    ShiftBy(i64),
    /// The first offset at or after this time (ms since the epoch).
    Time(i64),
}

fn reset_target(args: &ResetOffsetsArgs) -> Result<ResetTarget, UsageError> {
    let now = now_ms();
    Ok(if args.to_earliest {
        ResetTarget::Earliest
    } else if args.to_latest {
        ResetTarget::Latest
    } else if let Some(offset) = args.to_offset {
        ResetTarget::Offset(offset)
    } else if let Some(shift) = args.shift_by {
        ResetTarget::ShiftBy(shift)
    } else if let Some(ts) = &args.to_datetime {
        ResetTarget::Time(
            parse_time(ts, now).map_err(|e| UsageError(format!("--to-datetime: {e}")))?,
        )
    } else if let Some(d) = &args.by_duration {
        let ms = parse_duration(d).map_err(|e| UsageError(format!("--by-duration: {e}")))?;
        ResetTarget::Time(now.saturating_sub(ms))
    } else {
        return Err(UsageError("one reset target is required".to_string()));
    })
}

/// One line of the reset plan.
#[derive(Debug, Serialize)]
struct PlannedReset {
    topic: String,
    partition: i32,
    current_offset: Option<i64>,
    new_offset: i64,
}

#[derive(Debug, Serialize)]
struct ResetPlan {
    group: String,
    executed: bool,
    partitions: Vec<PlannedReset>,
}

async fn reset_offsets(args: ResetOffsetsArgs) -> anyhow::Result<()> {
    let target = reset_target(&args)?;
    let admin = admin(&args.connect).await?;
    let group = args.group.as_str();
    // An unknown group is fine here: committing offsets for it creates it, as in Kafka.
    match admin.describe_group(group).await {
        Ok(d) if d.is_active() => bail!(
            "cannot reset offsets of group '{group}': it has active members (state {}); stop its consumers first",
            d.state
        ),
        Ok(_) | Err(ClientError::UnsupportedApi { .. }) => {}
        Err(e) if is_group_not_found(&e) => {}
        Err(e) => return Err(anyhow!(e).context(format!("cannot describe group '{group}'"))),
    }
    let (partitions, committed) = if args.all_topics {
        let committed = admin.list_group_offsets(group, None).await?;
        if committed.is_empty() {
            bail!("group '{group}' has no committed offsets: name the topics with --topic");
        }
        (committed.keys().cloned().collect::<Vec<_>>(), committed)
    } else {
        let partitions = topic_partitions(&admin, &args.topics).await?;
        let committed = admin.list_group_offsets(group, Some(&partitions)).await?;
        (partitions, committed)
    };
    let bounds = |spec: OffsetSpec| {
        let specs: Vec<(TopicPartition, OffsetSpec)> =
            partitions.iter().map(|tp| (tp.clone(), spec)).collect();
        let admin = &admin;
        async move {
            admin
                .list_offsets(&specs, IsolationLevel::ReadUncommitted)
                .await
        }
    };
    let earliest = bounds(OffsetSpec::Earliest).await?;
    let latest = bounds(OffsetSpec::Latest).await?;
    let by_time = match target {
        ResetTarget::Time(ms) => Some(bounds(OffsetSpec::Timestamp(ms)).await?),
        _ => None,
    };
    let mut plan = Vec::new();
    for tp in &partitions {
        let low = earliest.get(tp).map_or(0, |o| o.offset);
        let high = latest.get(tp).map_or(low, |o| o.offset).max(low);
        let current = committed.get(tp).map(|c| c.offset);
        let wanted = match target {
            ResetTarget::Earliest => low,
            ResetTarget::Latest => high,
            ResetTarget::Offset(n) => n,
            ResetTarget::ShiftBy(n) => current
                .ok_or_else(|| {
                    anyhow!("cannot shift the offset of {tp}: group '{group}' has no committed offset there")
                })?
                .saturating_add(n),
            // No record at or after the time: the end of the log.
            ResetTarget::Time(_) => by_time
                .as_ref()
                .and_then(|found| found.get(tp))
                .map(|o| o.offset)
                .filter(|o| *o >= 0)
                .unwrap_or(high),
        };
        plan.push(PlannedReset {
            topic: tp.topic.clone(),
            partition: tp.partition,
            current_offset: current,
            new_offset: wanted.clamp(low, high),
        });
    }
    if args.execute {
        let offsets: Vec<(TopicPartition, i64)> = plan
            .iter()
            .map(|p| {
                (
                    TopicPartition::new(p.topic.clone(), p.partition),
                    p.new_offset,
                )
            })
            .collect();
        admin
            .alter_group_offsets(group, &offsets)
            .await
            .map_err(|e| {
                anyhow!(
                    "cannot reset offsets of group '{group}': {}",
                    failure_text(group, &e)
                )
            })?;
    }
    let plan = ResetPlan {
        group: group.to_string(),
        executed: args.execute,
        partitions: plan,
    };
    emit(&render(&plan, args.output, |plan| {
        let rows: Vec<Vec<String>> = plan
            .partitions
            .iter()
            .map(|p| {
                vec![
                    plan.group.clone(),
                    p.topic.clone(),
                    p.partition.to_string(),
                    opt(p.current_offset),
                    p.new_offset.to_string(),
                ]
            })
            .collect();
        let mut out = table(
            &[
                "GROUP",
                "TOPIC",
                "PARTITION",
                "CURRENT-OFFSET",
                "NEW-OFFSET",
            ],
            &rows,
        );
        out.push_str(if plan.executed {
            "\nOffsets reset.\n"
        } else {
            "\nNothing changed: this is the plan. Add --execute to reset the offsets.\n"
        });
        out
    })?)
}

/// One group's or partition's result of a delete.
#[derive(Debug, Serialize)]
struct DeleteResult {
    name: String,
    deleted: bool,
    error: Option<String>,
}

fn delete_failure(group: &str, error: &ClientError) -> String {
    match error.kafka_error() {
        Some(ResponseError::GroupIdNotFound) => format!("group '{group}' does not exist"),
        Some(ResponseError::NonEmptyGroup) => {
            format!(
                "group '{group}' has active members; stop its consumers first (NON_EMPTY_GROUP)"
            )
        }
        _ => failure_text(group, error),
    }
}

fn emit_deletes(
    results: &[DeleteResult],
    output: crate::cli::OutputFormat,
    what: &str,
) -> anyhow::Result<()> {
    emit(&render(&results, output, |results| {
        results
            .iter()
            .filter(|r| r.deleted)
            .map(|r| format!("Deleted {what} {}.\n", r.name))
            .collect()
    })?)?;
    // Every failure gets its line on stderr; the last one is the command's error (exit 1).
    let mut failures = results
        .iter()
        .filter(|r| !r.deleted)
        .map(|r| {
            r.error
                .clone()
                .unwrap_or_else(|| format!("cannot delete {}", r.name))
        })
        .collect::<Vec<_>>();
    let Some(last) = failures.pop() else {
        return Ok(());
    };
    for failure in failures {
        eprintln!("kf: error: {failure}");
    }
    Err(anyhow!(last))
}

async fn delete(args: DeleteArgs) -> anyhow::Result<()> {
    let admin = admin(&args.connect).await?;
    let results: Vec<DeleteResult> = admin
        .delete_groups(&args.groups)
        .await
        .into_iter()
        .map(|(group, result)| DeleteResult {
            error: result.as_ref().err().map(|e| delete_failure(&group, e)),
            deleted: result.is_ok(),
            name: group,
        })
        .collect();
    emit_deletes(&results, args.output, "group")
}

async fn delete_offsets(args: DeleteOffsetsArgs) -> anyhow::Result<()> {
    let admin = admin(&args.connect).await?;
    let group = args.group.as_str();
    describe_known(&admin, group).await?;
    let partitions = topic_partitions(&admin, &args.topics).await?;
    let results: Vec<DeleteResult> = admin
        .delete_group_offsets(group, &partitions)
        .await
        .map_err(|e| anyhow!("cannot delete offsets of group '{group}': {}", delete_failure(group, &e)))?
        .into_iter()
        .map(|(tp, result)| DeleteResult {
            error: result.as_ref().err().map(|e| match e.kafka_error() {
                Some(ResponseError::GroupSubscribedToTopic) => format!(
                    "cannot delete the offset of {tp}: group '{group}' is consuming the topic (GROUP_SUBSCRIBED_TO_TOPIC)"
                ),
                _ => format!("cannot delete the offset of {tp}: {}", failure_text(group, e)),
            }),
            deleted: result.is_ok(),
            name: format!("{tp}"),
        })
        .collect();
    emit_deletes(
        &results,
        args.output,
        &format!("the offset of group {group} for"),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn topic_args_name_topics_or_partitions() {
        assert_eq!(parse_topic_arg("orders").unwrap(), ("orders".into(), None));
        assert_eq!(
            parse_topic_arg("orders:0,2").unwrap(),
            ("orders".into(), Some(vec![0, 2]))
        );
        assert!(parse_topic_arg("orders:").is_err());
        assert!(parse_topic_arg(":1").is_err());
        assert!(parse_topic_arg("orders:-1").is_err());
        assert!(parse_topic_arg("").is_err());
    }

    #[test]
    fn partition_lists_group_by_topic() {
        let tps = [
            TopicPartition::new("b", 2),
            TopicPartition::new("a", 0),
            TopicPartition::new("a", 1),
        ];
        assert_eq!(partition_list(&tps), "a(0,1),b(2)");
        assert_eq!(partition_list(&[]), "-");
    }
}

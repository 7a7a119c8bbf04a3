//! `kf topic reassign`: moves a partition's replicas (AlterPartitionReassignments), cancels a
//! move, or lists the moves under way (ListPartitionReassignments), as Kafka's
//! `kafka-reassign-partitions.sh` does through the same APIs.

use anyhow::bail;
use serde::Serialize;

use super::connect::connect_admin;
use super::topic::failure_text;
use super::UsageError;
use crate::cli::topic::ReassignArgs;
use crate::client::admin::{Admin, OngoingReassignment};
use crate::output::{emit, id_list, render, table};

/// What a move or a cancel did, for `-o json|yaml`.
#[derive(Debug, Serialize)]
struct Reassigned {
    topic: String,
    partition: i32,
    /// The target replicas; `null` for a cancel.
    replicas: Option<Vec<i32>>,
    cancelled: bool,
}

pub async fn run(args: ReassignArgs) -> anyhow::Result<()> {
    let partition = args.partition.as_deref().map(parse_partition).transpose()?;
    let admin = Admin::new(connect_admin(&args.connect).await?);
    if args.list {
        let wanted = partition.map(|p| vec![p]);
        let ongoing = admin
            .list_partition_reassignments(wanted.as_deref())
            .await?;
        return emit(&render(&ongoing, args.output, |o| list_text(o))?);
    }
    let Some((topic, index)) = partition else {
        bail!(UsageError("give TOPIC:PARTITION".to_string()));
    };
    let replicas = (!args.cancel).then_some(args.replicas.as_slice());
    if let Err(error) = admin
        .alter_partition_reassignment(&topic, index, replicas)
        .await
    {
        let what = match args.cancel {
            true => "cancel the reassignment of",
            false => "reassign",
        };
        bail!(
            "cannot {what} {topic}:{index}: {}",
            failure_text(&format!("{topic}:{index}"), &error)
        );
    }
    let done = Reassigned {
        topic,
        partition: index,
        replicas: replicas.map(<[i32]>::to_vec),
        cancelled: args.cancel,
    };
    emit(&render(&done, args.output, |d| match &d.replicas {
        Some(replicas) => format!(
            "Reassigning {}:{} to replicas {}; `kf topic reassign --list` shows it until done.\n",
            d.topic,
            d.partition,
            id_list(replicas)
        ),
        None => format!(
            "Cancelled the reassignment of {}:{}.\n",
            d.topic, d.partition
        ),
    })?)
}

fn list_text(ongoing: &[OngoingReassignment]) -> String {
    if ongoing.is_empty() {
        return "No reassignment in progress.\n".to_string();
    }
    let rows: Vec<Vec<String>> = ongoing
        .iter()
        .map(|r| {
            vec![
                r.topic.clone(),
                r.partition.to_string(),
                id_list(&r.replicas),
                id_list(&r.adding_replicas),
                id_list(&r.removing_replicas),
            ]
        })
        .collect();
    table(
        &["TOPIC", "PARTITION", "REPLICAS", "ADDING", "REMOVING"],
        &rows,
    )
}

/// `orders:0` → ("orders", 0); the topic may itself hold colons, the partition follows the last.
fn parse_partition(text: &str) -> Result<(String, i32), UsageError> {
    let bad = || {
        UsageError(format!(
            "expected TOPIC:PARTITION, e.g. orders:0, not '{text}'"
        ))
    };
    let (topic, partition) = text.rsplit_once(':').ok_or_else(bad)?;
    let partition: i32 = partition.parse().map_err(|_| bad())?;
    if topic.is_empty() || partition < 0 {
        return Err(bad());
    }
    Ok((topic.to_string(), partition))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn partitions_are_named_topic_colon_index() {
        assert_eq!(parse_partition("orders:3").unwrap(), ("orders".into(), 3));
        assert_eq!(parse_partition("a:b:0").unwrap(), ("a:b".into(), 0));
        for bad in ["orders", "orders:", ":0", "orders:-1", "orders:x"] {
            assert!(parse_partition(bad).is_err(), "{bad}");
        }
    }
}

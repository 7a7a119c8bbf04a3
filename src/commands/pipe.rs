//! `kf pipe IN OUT --group G --transactional-id ID [--exec CMD]`: the consume-transform-produce
//! loop, exactly once (KIP-447). One group member and one transactional producer per process;
//! each fetched round of records becomes one transaction holding their outputs and the group's
//! offsets after them (with the member's generation, so a zombie's commit is fenced). Killed at
//! any moment, the next process's InitProducerId aborts the open transaction and its consumer
//! starts from the last committed offsets: read_committed readers see each output once.

use std::collections::BTreeMap;
use std::process::Stdio;

use anyhow::{anyhow, bail, Context};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use super::connect;
use super::Interrupted;
use crate::cli::pipe::PipeArgs;
use crate::client::consumer::group::GroupConsumer;
use crate::client::consumer::ConsumerRecord;
use crate::client::producer::{ConsumerGroupMetadata, Producer, ProducerRecord};
use crate::client::TopicPartition;

pub async fn run(args: PipeArgs) -> anyhow::Result<()> {
    let consumer_client = connect::connect(
        &args.connect,
        &[
            ("group.id", args.group.as_str()),
            ("enable.auto.commit", "false"),
            ("isolation.level", "read_committed"),
            ("auto.offset.reset", "earliest"),
        ],
    )
    .await?;
    let producer_client = connect::connect(
        &args.connect,
        &[("transactional.id", args.transactional_id.as_str())],
    )
    .await?;
    // The output topic is created on use where the cluster allows it, as `kf produce` does.
    let allow_auto_create = producer_client.config().producer_auto_create();
    super::produce::require_topic(&producer_client, &args.output_topic, allow_auto_create).await?;
    // Fences an older process with this transactional id and aborts what it left open.
    let producer = Producer::new(producer_client)
        .await
        .context("cannot start the transactional producer")?;
    let mut consumer =
        GroupConsumer::subscribe(consumer_client, std::slice::from_ref(&args.input_topic))
            .await
            .with_context(|| format!("cannot join group '{}'", args.group))?;
    let mut transform = match &args.exec {
        Some(command) => Some(Transform::spawn(command)?),
        None => None,
    };
    let interrupted = super::interrupt_signal()?;
    let outcome = tokio::select! {
        outcome = pipe(&args, &mut consumer, &producer, &mut transform) => outcome,
        () = interrupted => Err(Interrupted.into()),
    };
    // An open transaction is aborted by the next process (or the coordinator's timeout).
    let _ = consumer.close().await;
    outcome
}

/// One transaction per fetched round, until `--count` records were committed.
async fn pipe(
    args: &PipeArgs,
    consumer: &mut GroupConsumer,
    producer: &Producer,
    transform: &mut Option<Transform>,
) -> anyhow::Result<()> {
    let mut committed = 0u64;
    loop {
        let records = consumer.poll().await.context("cannot read the input")?;
        if records.is_empty() {
            continue;
        }
        producer.begin_transaction()?;
        let mut next_offsets: BTreeMap<TopicPartition, i64> = BTreeMap::new();
        for record in &records {
            // Without --exec the record is copied whole: a null value (a tombstone) stays null,
            // and its headers go along.
            let value = match transform {
                Some(transform) => Some(transform.apply(record).await?.into()),
                None => record.value.clone(),
            };
            let output = ProducerRecord {
                topic: args.output_topic.clone(),
                partition: None,
                key: record.key.clone(),
                value,
                headers: record.headers.clone(),
                timestamp: None,
            };
            producer.send(output).await?;
            next_offsets.insert(
                TopicPartition::new(&record.topic, record.partition),
                record.offset + 1,
            );
        }
        let group = ConsumerGroupMetadata {
            group_id: args.group.clone(),
            generation_id: consumer.generation_id(),
            member_id: consumer.member_id().to_string(),
            group_instance_id: None,
        };
        producer
            .send_offsets_to_transaction(&next_offsets, &group)
            .await
            .context("cannot add the consumed offsets to the transaction")?;
        producer
            .commit_transaction()
            .await
            .context("cannot commit the transaction")?;
        committed += records.len() as u64;
        if args.count.is_some_and(|count| committed >= count) {
            return Ok(());
        }
    }
}

/// `--exec CMD`: one process for the whole run, a line in for each record's value and a line
/// out for its output.
struct Transform {
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
}

impl Transform {
    fn spawn(command: &str) -> anyhow::Result<Transform> {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start --exec '{command}'"))?;
        let stdin = child
            .stdin
            .take()
            .ok_or_else(|| anyhow!("--exec has no stdin"))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow!("--exec has no stdout"))?;
        Ok(Transform {
            child,
            stdin,
            stdout: BufReader::new(stdout).lines(),
        })
    }

    /// The command's line for `record`'s value (a null value is an empty line).
    async fn apply(&mut self, record: &ConsumerRecord) -> anyhow::Result<Vec<u8>> {
        let value = record.value.as_deref().unwrap_or_default();
        if value.contains(&b'\n') {
            bail!(
                "record {}-{}@{} holds a newline: --exec takes one line per record",
                record.topic,
                record.partition,
                record.offset
            );
        }
        // Said in words, not as the io::Error: a broken pipe to the child is a failure of this
        // run, while main() treats a broken stdout pipe as a quiet exit 0.
        let gone = |e: std::io::Error| anyhow!("--exec stopped reading its input: {e}");
        self.stdin.write_all(value).await.map_err(gone)?;
        self.stdin.write_all(b"\n").await.map_err(gone)?;
        self.stdin.flush().await.map_err(gone)?;
        match self.stdout.next_line().await? {
            Some(line) => Ok(line.into_bytes()),
            None => {
                let status = self.child.wait().await?;
                bail!("--exec ended ({status}) without a line for every record")
            }
        }
    }
}

//! The producer: partitioning, per-partition batching with `linger.ms`/`batch.size`,
//! compression, `acks`, and idempotence (producer id, epoch, sequence numbers) by default
//! when the cluster supports InitProducerId.

mod accumulator;
mod batch;
pub mod partitioner;
mod record;
mod sender;

pub use batch::ProducerIdentity;
pub use record::{ProducerRecord, RecordMetadata};

use self::batch::PendingRecord;
use self::partitioner::{partition_for_key, StickyPartitioner};
use self::sender::{Command, Sender};
use super::config::Acks;
use super::error::{ClientError, ClientResult};
use super::kafka_client::Client;
use super::wire::TopicPartition;
use kafka_protocol::messages::{ApiKey, InitProducerIdRequest, ProducerId};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// Records queued for the background task before `send` waits.
const COMMAND_QUEUE_DEPTH: usize = 10_000;

/// Resolves once the broker has acknowledged (or rejected) one record.
#[derive(Debug)]
pub struct DeliveryFuture {
    reply: oneshot::Receiver<ClientResult<RecordMetadata>>,
}

impl Future for DeliveryFuture {
    type Output = ClientResult<RecordMetadata>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.reply)
            .poll(cx)
            .map(|r| r.unwrap_or(Err(ClientError::Closed("producer"))))
    }
}

/// A producer over a shared [`Client`].
#[derive(Debug)]
pub struct Producer {
    client: Client,
    identity: ProducerIdentity,
    sticky: Mutex<StickyPartitioner>,
    commands: mpsc::Sender<Command>,
    task: JoinHandle<()>,
}

impl Producer {
    /// Starts a producer; idempotent when `enable.idempotence` and `acks=all` are set and
    /// the cluster answers InitProducerId.
    pub async fn new(client: Client) -> ClientResult<Producer> {
        let identity = init_producer_id(&client).await?;
        let (commands, queue) = mpsc::channel(COMMAND_QUEUE_DEPTH);
        let task = tokio::spawn(Sender::new(client.clone(), identity).run(queue));
        Ok(Producer {
            client,
            identity,
            sticky: Mutex::new(StickyPartitioner::default()),
            commands,
            task,
        })
    }

    /// The producer id and epoch in use (`producer_id` -1 when not idempotent).
    pub fn identity(&self) -> ProducerIdentity {
        self.identity
    }

    /// Queues `record`; the returned future resolves with its partition and offset.
    pub async fn send(&self, record: ProducerRecord) -> ClientResult<DeliveryFuture> {
        let size = record.estimated_size();
        let max = self.client.config().max_request_size;
        if size > max {
            return Err(ClientError::InvalidArgument(format!(
                "record of about {size} bytes exceeds max.request.size {max}"
            )));
        }
        let partition = self.choose_partition(&record, size).await?;
        let timestamp = record.timestamp.unwrap_or_else(now_ms);
        let (reply, receiver) = oneshot::channel();
        let command = Command::Append {
            topic_partition: TopicPartition::new(record.topic.clone(), partition),
            size,
            record: PendingRecord {
                record,
                timestamp,
                reply,
            },
        };
        self.commands
            .send(command)
            .await
            .map_err(|_| ClientError::Closed("producer"))?;
        Ok(DeliveryFuture { reply: receiver })
    }

    /// Sends everything queued now (ignoring `linger.ms`) and waits until all is settled.
    pub async fn flush(&self) -> ClientResult<()> {
        let (done, wait) = oneshot::channel();
        self.commands
            .send(Command::Flush(done))
            .await
            .map_err(|_| ClientError::Closed("producer"))?;
        wait.await.map_err(|_| ClientError::Closed("producer"))
    }

    /// Flushes and stops the background task.
    pub async fn close(self) -> ClientResult<()> {
        drop(self.commands);
        self.task
            .await
            .map_err(|e| ClientError::Protocol(format!("producer task failed: {e}")))
    }

    async fn choose_partition(&self, record: &ProducerRecord, size: usize) -> ClientResult<i32> {
        let count = match self.client.cached_partition_count(&record.topic) {
            Some(count) => count,
            None => {
                let topic = self.client.topic_metadata(&record.topic).await?;
                i32::try_from(topic.partitions.len()).unwrap_or(i32::MAX)
            }
        };
        match (record.partition, &record.key) {
            (Some(partition), _) if (0..count).contains(&partition) => Ok(partition),
            (Some(partition), _) => Err(ClientError::UnknownTopicOrPartition {
                topic: record.topic.clone(),
                partition,
            }),
            (None, Some(key)) => Ok(partition_for_key(key, count)),
            (None, None) => Ok(self
                .sticky
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .partition(&record.topic, count, size, self.client.config().batch_size)),
        }
    }
}

/// InitProducerId (non-transactional) when idempotence applies and the cluster has it.
async fn init_producer_id(client: &Client) -> ClientResult<ProducerIdentity> {
    let config = client.config();
    if !config.enable_idempotence || config.acks != Acks::All {
        return Ok(ProducerIdentity::NONE);
    }
    if client
        .any_broker()
        .await?
        .version(ApiKey::InitProducerId)
        .is_none()
    {
        return Ok(ProducerIdentity::NONE);
    }
    let request = InitProducerIdRequest::default()
        .with_transactional_id(None)
        .with_transaction_timeout_ms(60_000)
        .with_producer_id(ProducerId(-1))
        .with_producer_epoch(-1);
    let response = client
        .retry(|| async {
            let response = client.any_broker().await?.send(&request).await?;
            ClientError::check(response.error_code, || "InitProducerId".to_string())?;
            Ok(response)
        })
        .await?;
    Ok(ProducerIdentity {
        producer_id: response.producer_id.0,
        producer_epoch: response.producer_epoch,
    })
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

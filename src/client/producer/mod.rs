//! The producer: partitioning, per-partition batching with `linger.ms`/`batch.size`,
//! compression, `acks`, and idempotence (producer id, epoch, sequence numbers) by default
//! when the cluster supports InitProducerId.

mod accumulator;
mod batch;
mod delivery;
pub mod partitioner;
mod record;
mod sender;

pub use batch::ProducerIdentity;
pub use delivery::DeliveryFuture;
pub use record::{ProducerRecord, RecordMetadata};

use self::accumulator::{lock, Accumulator};
use self::partitioner::{partition_for_key, StickyPartitioner};
use self::sender::{Command, Sender};
use super::config::Acks;
use super::error::{ClientError, ClientResult};
use super::kafka_client::Client;
use kafka_protocol::messages::{ApiKey, InitProducerIdRequest, ProducerId};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, oneshot, Notify, Semaphore};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Kafka's default `buffer.memory`: bytes of records waiting or in flight before `send`
/// waits for acknowledgements to free room.
const BUFFER_MEMORY: u32 = 32 * 1024 * 1024;
/// Flush requests queued for the background task.
const COMMAND_QUEUE_DEPTH: usize = 64;

/// A producer over a shared [`Client`].
#[derive(Debug)]
pub struct Producer {
    client: Client,
    identity: ProducerIdentity,
    sticky: Mutex<StickyPartitioner>,
    accumulator: Arc<Mutex<Accumulator>>,
    /// Wakes the sender task when a batch opens or fills up.
    wake: Arc<Notify>,
    memory: Arc<Semaphore>,
    commands: mpsc::Sender<Command>,
    task: JoinHandle<()>,
}

impl Producer {
    /// Starts a producer; idempotent when `enable.idempotence` and `acks=all` are set and
    /// the cluster answers InitProducerId.
    pub async fn new(client: Client) -> ClientResult<Producer> {
        let identity = init_producer_id(&client).await?;
        let config = client.config();
        let memory = Arc::new(Semaphore::new(BUFFER_MEMORY as usize));
        let accumulator = Arc::new(Mutex::new(Accumulator::new(
            config.batch_size,
            config.linger,
            Arc::clone(&memory),
        )));
        let wake = Arc::new(Notify::new());
        let (commands, queue) = mpsc::channel(COMMAND_QUEUE_DEPTH);
        let sender = Sender::new(
            client.clone(),
            identity,
            Arc::clone(&accumulator),
            Arc::clone(&wake),
        );
        let task = tokio::spawn(sender.run(queue));
        Ok(Producer {
            client,
            identity,
            sticky: Mutex::new(StickyPartitioner::default()),
            accumulator,
            wake,
            memory,
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
        // Waits while buffer.memory is used up; a record larger than all of it takes it all.
        let reserved = u32::try_from(size).unwrap_or(u32::MAX).min(BUFFER_MEMORY);
        self.memory
            .acquire_many(reserved)
            .await
            .map_err(|_| ClientError::Closed("producer"))?
            .forget();
        let appended = lock(&self.accumulator).append(
            partition,
            record,
            timestamp,
            size,
            reserved,
            Instant::now(),
        );
        if appended.wake_sender {
            self.wake.notify_one();
        }
        Ok(appended.delivery)
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

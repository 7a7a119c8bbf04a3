//! The producer: partitioning, per-partition batching with `linger.ms`/`batch.size`,
//! compression, `acks`, and idempotence (producer id, epoch, sequence numbers) by default
//! when the cluster supports InitProducerId; transactions with `transactional.id`
//! (`transaction.rs`).

mod accumulator;
mod batch;
mod delivery;
pub mod partitioner;
mod record;
mod sender;
mod transaction;

pub use batch::ProducerIdentity;
pub use delivery::{Delivered, DeliveryFuture, DeliveryHandler, DeliveryReport, ReportedRecord};
pub use record::{ProducerRecord, RecordMetadata, RecordRef};
pub use transaction::ConsumerGroupMetadata;

use self::accumulator::{lock, Accumulator, Destination};
use self::batch::{Ack, Acked, BatchSettings};
use self::partitioner::partition_for_key;
use self::sender::{Command, Sender};
use self::transaction::Transactions;
use super::config::Acks;
use super::error::{ClientError, ClientResult};
use super::kafka_client::Client;
use crate::clock::now_ms;
use crate::protocol::batch_builder::RecordParts;
use kafka_protocol::messages::{ApiKey, InitProducerIdRequest, ProducerId};
use std::sync::{Arc, Mutex};
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
    /// The partition count of the topic last produced to, so that a run of records to one
    /// topic does not look it up in the client's metadata each time.
    last_topic: Mutex<Option<KnownTopic>>,
    accumulator: Arc<Mutex<Accumulator>>,
    /// Wakes the sender task when a batch opens or fills up.
    wake: Arc<Notify>,
    memory: Arc<Semaphore>,
    commands: mpsc::Sender<Command>,
    task: JoinHandle<()>,
    /// Set for a transactional producer (`transactional.id`).
    transactions: Option<Arc<Transactions>>,
}

impl Producer {
    /// Starts a producer; idempotent when `enable.idempotence` and `acks=all` are set and
    /// the cluster answers InitProducerId; transactional with `transactional.id` (which
    /// fences an older producer of the same id).
    pub async fn new(client: Client) -> ClientResult<Producer> {
        Producer::start(client, None).await
    }

    /// Starts a producer that tells `handler` how the records sent with
    /// [`Producer::send_reported`] fared, one report per batch.
    pub async fn with_delivery_handler(
        client: Client,
        handler: Arc<dyn DeliveryHandler>,
    ) -> ClientResult<Producer> {
        Producer::start(client, Some(handler)).await
    }

    async fn start(
        client: Client,
        handler: Option<Arc<dyn DeliveryHandler>>,
    ) -> ClientResult<Producer> {
        let transactions = match &client.config().transactional_id {
            Some(id) => {
                let config = client.config();
                if !config.enable_idempotence || config.acks != Acks::All {
                    return Err(ClientError::InvalidConfig {
                        key: "transactional.id".into(),
                        value: id.clone(),
                        reason: "a transactional producer needs enable.idempotence=true and \
                                 acks=all"
                            .into(),
                    });
                }
                let timeout_ms =
                    i32::try_from(config.transaction_timeout.as_millis()).unwrap_or(i32::MAX);
                Some(Transactions::init(client.clone(), id, timeout_ms).await?)
            }
            None => None,
        };
        let identity = match &transactions {
            Some(transactions) => transactions.identity(),
            None => init_producer_id(&client).await?,
        };
        let config = client.config();
        let memory = Arc::new(Semaphore::new(BUFFER_MEMORY as usize));
        let settings = BatchSettings {
            batch_size: config.batch_size,
            memory: Arc::clone(&memory),
            handler,
        };
        let accumulator = Arc::new(Mutex::new(Accumulator::new(settings, config.linger)));
        let wake = Arc::new(Notify::new());
        let (commands, queue) = mpsc::channel(COMMAND_QUEUE_DEPTH);
        let sender = Sender::new(
            client.clone(),
            identity,
            Arc::clone(&accumulator),
            Arc::clone(&wake),
            transactions.clone(),
        );
        let task = tokio::spawn(sender.run(queue));
        Ok(Producer {
            client,
            identity,
            last_topic: Mutex::new(None),
            accumulator,
            wake,
            memory,
            commands,
            task,
            transactions,
        })
    }

    fn transactions(&self) -> ClientResult<&Transactions> {
        self.transactions.as_deref().ok_or_else(|| {
            ClientError::InvalidArgument("the producer has no transactional.id".into())
        })
    }

    /// Opens a transaction: what is sent until [`Producer::commit_transaction`] or
    /// [`Producer::abort_transaction`] becomes visible to read_committed readers all at once,
    /// or never.
    pub fn begin_transaction(&self) -> ClientResult<()> {
        self.transactions()?.begin()
    }

    /// Adds a consumer's `offsets` (the next offset to read, per partition) to the open
    /// transaction: the group's offsets move if and only if the transaction commits.
    pub async fn send_offsets_to_transaction(
        &self,
        offsets: &std::collections::BTreeMap<super::wire::TopicPartition, i64>,
        group: &ConsumerGroupMetadata,
    ) -> ClientResult<()> {
        self.transactions()?.send_offsets(offsets, group).await
    }

    /// Sends what is queued, then commits the open transaction; refused (abort instead) when
    /// one of its records failed.
    pub async fn commit_transaction(&self) -> ClientResult<()> {
        let transactions = self.transactions()?;
        self.flush().await?;
        transactions.end(true).await
    }

    /// Sends what is queued, then aborts the open transaction: none of it is visible to
    /// read_committed readers.
    pub async fn abort_transaction(&self) -> ClientResult<()> {
        let transactions = self.transactions()?;
        self.flush().await?;
        transactions.end(false).await
    }

    /// The producer id and epoch in use (`producer_id` -1 when not idempotent); a
    /// `transaction.version` 2 producer's epoch goes up with every commit and abort.
    pub fn identity(&self) -> ProducerIdentity {
        match &self.transactions {
            Some(transactions) => transactions.identity(),
            None => self.identity,
        }
    }

    /// Queues `record`; the returned future resolves with its partition and offset.
    pub async fn send(&self, record: ProducerRecord) -> ClientResult<DeliveryFuture> {
        let headers = record.header_refs();
        match self.append(record.borrowed(&headers), Ack::Future).await? {
            Acked::Future(delivery) => Ok(delivery),
            Acked::Reported => Err(ClientError::Protocol(
                "a record sent for a future was reported instead".into(),
            )),
        }
    }

    /// Queues `record` (copied, so the caller keeps its buffers); how it fared is told to the
    /// handler given to [`Producer::with_delivery_handler`] with `opaque`, in the report of
    /// its batch. A producer made without a handler tells no one.
    pub async fn send_reported(&self, record: RecordRef<'_>, opaque: u64) -> ClientResult<()> {
        self.append(record, Ack::Report(opaque)).await.map(|_| ())
    }

    async fn append(&self, record: RecordRef<'_>, ack: Ack) -> ClientResult<Acked> {
        if let Some(transactions) = &self.transactions {
            transactions.check_open()?;
        }
        let parts = RecordParts {
            timestamp: record.timestamp.unwrap_or_else(now_ms),
            key: record.key,
            value: record.value,
            headers: record.headers,
        };
        let size = parts.max_encoded_size();
        let max = self.client.config().max_request_size;
        if size > max {
            return Err(ClientError::InvalidArgument(format!(
                "record of about {size} bytes exceeds max.request.size {max}"
            )));
        }
        let destination = self.destination(&record).await?;
        // Waits while buffer.memory is used up; a record larger than all of it takes it all.
        let reserved = u32::try_from(size).unwrap_or(u32::MAX).min(BUFFER_MEMORY);
        self.memory
            .acquire_many(reserved)
            .await
            .map_err(|_| ClientError::Closed("producer"))?
            .forget();
        let appended = lock(&self.accumulator).append(
            record.topic,
            destination,
            &parts,
            size,
            reserved,
            ack,
            Instant::now,
        );
        if appended.wake_sender {
            self.wake.notify_one();
        }
        Ok(appended.acked)
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

    /// The topic's partition count, from the last topic's memory while the metadata has not
    /// changed, else from the client's metadata.
    async fn partition_count(&self, topic: &str) -> ClientResult<i32> {
        // Read before the count: a change in between makes the next call look again.
        let version = self.client.metadata_version();
        {
            let known = self
                .last_topic
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(known) = known
                .as_ref()
                .filter(|k| k.metadata_version == version && k.name == topic)
            {
                return Ok(known.partitions);
            }
        }
        let partitions = match self.client.cached_partition_count(topic) {
            Some(count) => count,
            None => {
                let allow_auto_create = self.client.config().producer_auto_create();
                let metadata = self
                    .client
                    .topic_metadata_for(topic, allow_auto_create)
                    .await?;
                i32::try_from(metadata.partitions.len()).unwrap_or(i32::MAX)
            }
        };
        *self
            .last_topic
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(KnownTopic {
            name: topic.to_string(),
            partitions,
            metadata_version: version,
        });
        Ok(partitions)
    }

    /// The record's partition: explicit, by key, or the topic's sticky one (chosen with the
    /// append).
    async fn destination(&self, record: &RecordRef<'_>) -> ClientResult<Destination> {
        let count = self.partition_count(record.topic).await?;
        match (record.partition, record.key) {
            (Some(partition), _) if (0..count).contains(&partition) => {
                Ok(Destination::Partition(partition))
            }
            (Some(partition), _) => Err(ClientError::UnknownPartition {
                topic: record.topic.to_string(),
                partition,
            }),
            (None, Some(key)) => Ok(Destination::Partition(partition_for_key(key, count))),
            (None, None) => Ok(Destination::Sticky {
                partition_count: count,
            }),
        }
    }
}

/// A topic's partition count as of one version of the client's metadata.
#[derive(Debug)]
struct KnownTopic {
    name: String,
    partitions: i32,
    metadata_version: u64,
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

//! The checker's clients, each on its own thread: an idempotent acks=all librdkafka producer
//! that writes numbered records to every partition and keeps what was acknowledged where, and
//! a consumer that reads every partition from the beginning across the failures.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rdkafka::client::ClientContext;
use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::types::RDKafkaErrorCode;

use super::schedule::PARTITIONS;
use crate::common::{consumer, TIMEOUT};

/// At most this many records sent and not yet settled.
const MAX_IN_FLIGHT: usize = 200;

/// A record's value: the partition and its number there.
pub fn value_of(partition: i32, seq: u64) -> String {
    format!("{partition}:{seq}")
}

pub fn parse_value(value: &[u8]) -> Option<(i32, u64)> {
    let text = std::str::from_utf8(value).ok()?;
    let (partition, seq) = text.split_once(':')?;
    Some((partition.parse().ok()?, seq.parse().ok()?))
}

/// What the producer learnt from its delivery reports.
#[derive(Default)]
pub struct Deliveries {
    pub acked: AtomicUsize,
    pub settled: AtomicUsize,
    /// (partition, seq) → the offset it was acknowledged at.
    pub offsets: Mutex<BTreeMap<(i32, u64), i64>>,
    /// (partition, seq, error) of records that failed.
    pub failed: Mutex<Vec<(i32, u64, String)>>,
}

struct Reports(Arc<Deliveries>);

impl ClientContext for Reports {
    fn error(&self, error: KafkaError, reason: &str) {
        // Transport errors while a broker is down are expected; fatal ones are checked after.
        if error.rdkafka_error_code() == Some(RDKafkaErrorCode::Fatal) {
            eprintln!("checker producer: fatal: {error}: {reason}");
        }
    }
}

impl ProducerContext for Reports {
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, opaque: usize) {
        let partition = (opaque % PARTITIONS as usize) as i32;
        let seq = (opaque / PARTITIONS as usize) as u64;
        match result {
            Ok(m) => {
                self.0
                    .offsets
                    .lock()
                    .unwrap()
                    .insert((partition, seq), m.offset());
                self.0.acked.fetch_add(1, Ordering::SeqCst);
            }
            Err((e, _)) => self
                .0
                .failed
                .lock()
                .unwrap()
                .push((partition, seq, e.to_string())),
        }
        self.0.settled.fetch_add(1, Ordering::SeqCst);
    }
}

pub struct ProducerThread {
    pub deliveries: Arc<Deliveries>,
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Result<(), String>>,
}

impl ProducerThread {
    /// Produces to every partition of `topic` in turn until stopped.
    pub fn start(bootstrap: &str, topic: &str) -> Self {
        let deliveries = Arc::new(Deliveries::default());
        let stop = Arc::new(AtomicBool::new(false));
        let producer: BaseProducer<Reports> = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("broker.address.family", "v4")
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("linger.ms", "5")
            .set("request.timeout.ms", "5000")
            .set("message.timeout.ms", "120000")
            .set("topic.metadata.refresh.interval.ms", "1000")
            .create_with_context(Reports(deliveries.clone()))
            .expect("producer");
        let (topic, d, s) = (topic.to_string(), deliveries.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let mut next = 0usize;
            while !s.load(Ordering::SeqCst) {
                if next - d.settled.load(Ordering::SeqCst) >= MAX_IN_FLIGHT {
                    producer.poll(Duration::from_millis(10));
                    continue;
                }
                let partition = (next % PARTITIONS as usize) as i32;
                let value = value_of(partition, (next / PARTITIONS as usize) as u64);
                let record = BaseRecord::<(), _, usize>::with_opaque_to(&topic, next)
                    .partition(partition)
                    .payload(&value);
                match producer.send(record) {
                    Ok(()) => next += 1,
                    Err((e, _)) => return Err(format!("cannot queue a record: {e}")),
                }
                producer.poll(Duration::ZERO);
            }
            producer
                .flush(TIMEOUT * 2)
                .map_err(|e| format!("flush: {e}"))?;
            match producer.client().fatal_error() {
                Some((code, reason)) => Err(format!("fatal producer error {code:?}: {reason}")),
                None => Ok(()),
            }
        });
        ProducerThread {
            deliveries,
            stop,
            thread,
        }
    }

    pub fn acked(&self) -> usize {
        self.deliveries.acked.load(Ordering::SeqCst)
    }

    /// Stops producing and waits for every record sent to settle.
    pub fn finish(self) -> Result<Arc<Deliveries>, String> {
        self.stop.store(true, Ordering::SeqCst);
        self.thread
            .join()
            .map_err(|_| "the producer thread panicked".to_string())??;
        Ok(self.deliveries)
    }
}

/// One record as a consumer read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    pub offset: i64,
    pub value: Vec<u8>,
}

/// What the live consumer read, and librdkafka's own account of every position it reset.
pub struct LiveReads {
    pub reads: BTreeMap<i32, Vec<Read>>,
    /// librdkafka's warnings about offset resets and log truncation, in order.
    pub resets: Vec<String>,
}

/// Keeps librdkafka's log lines that explain a position change (offset resets, KIP-320
/// validations, fetch errors), so that a rewind names why it happened.
#[derive(Clone, Default)]
struct ResetLog(Arc<Mutex<Vec<String>>>);

/// librdkafka's log facilities (with `debug=fetch`) that say why a fetch position moved.
const POSITION_FACILITIES: [&str; 5] = ["OFFSET", "OFFSETVALID", "VALIDATE", "FETCHERR", "SEEK"];

impl ClientContext for ResetLog {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, log_message: &str) {
        let warning = matches!(
            level,
            RDKafkaLogLevel::Emerg
                | RDKafkaLogLevel::Alert
                | RDKafkaLogLevel::Critical
                | RDKafkaLogLevel::Error
                | RDKafkaLogLevel::Warning
        );
        if (warning && !log_message.contains("Connection refused"))
            || POSITION_FACILITIES.contains(&fac)
        {
            self.push(fac, log_message);
        }
    }
}

impl ResetLog {
    fn push(&self, fac: &str, line: &str) {
        let at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        self.0.lock().unwrap().push(format!("{at} {fac}: {line}"));
    }
}

impl ConsumerContext for ResetLog {}

pub struct ConsumerThread {
    stop: Arc<AtomicBool>,
    resets: ResetLog,
    thread: JoinHandle<Result<BTreeMap<i32, Vec<Read>>, String>>,
}

impl ConsumerThread {
    /// Reads every partition of `topic` from the beginning until stopped.
    pub fn start(bootstrap: &str, topic: &str) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let resets = ResetLog::default();
        let c: BaseConsumer<ResetLog> = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("broker.address.family", "v4")
            .set("group.id", "kf-checker")
            .set("enable.auto.commit", "false")
            .set("enable.partition.eof", "false")
            .set("topic.metadata.refresh.interval.ms", "1000")
            .set("fetch.wait.max.ms", "100")
            // `topic` adds the OFFSET lines of resets librdkafka makes without an error.
            .set("debug", "fetch,topic")
            .set_log_level(RDKafkaLogLevel::Debug)
            .create_with_context(resets.clone())
            .expect("consumer");
        assign_from_beginning(&c, topic);
        let s = stop.clone();
        let jumps = resets.clone();
        let topic = topic.to_string();
        let thread = std::thread::spawn(move || {
            let mut reads: BTreeMap<i32, Vec<Read>> = BTreeMap::new();
            while !s.load(Ordering::SeqCst) {
                match c.poll(Duration::from_millis(100)) {
                    Some(Ok(m)) => {
                        let read = reads.entry(m.partition()).or_default();
                        let expected = read.last().map_or(0, |r| r.offset + 1);
                        if m.offset() != expected {
                            // Where in librdkafka's account the application saw a jump.
                            jumps.push(
                                "READ",
                                &format!(
                                    "{topic} [{}]: read offset {} where {expected} was next",
                                    m.partition(),
                                    m.offset()
                                ),
                            );
                        }
                        read.push(Read {
                            offset: m.offset(),
                            value: m.payload().unwrap_or_default().to_vec(),
                        });
                    }
                    Some(Err(e)) => match e.rdkafka_error_code() {
                        Some(
                            RDKafkaErrorCode::BrokerTransportFailure
                            | RDKafkaErrorCode::AllBrokersDown
                            | RDKafkaErrorCode::NotLeaderForPartition
                            | RDKafkaErrorCode::LeaderNotAvailable
                            | RDKafkaErrorCode::FencedLeaderEpoch
                            | RDKafkaErrorCode::UnknownLeaderEpoch,
                        ) => {}
                        _ => return Err(format!("consume error: {e}")),
                    },
                    None => {}
                }
            }
            Ok(reads)
        });
        ConsumerThread {
            stop,
            resets,
            thread,
        }
    }

    pub fn finish(self) -> Result<LiveReads, String> {
        self.stop.store(true, Ordering::SeqCst);
        let reads = self
            .thread
            .join()
            .map_err(|_| "the consumer thread panicked".to_string())??;
        let resets = self.resets.0.lock().unwrap().clone();
        Ok(LiveReads { reads, resets })
    }
}

/// Assigns every partition at offset 0 (nothing deletes records here, so it is the log start),
/// not at `Offset::Beginning`: a logical offset makes librdkafka ask ListOffsets, and
/// librdkafka 2.12.1 restarts that query whenever a stale answer to it arrives, even once the
/// partition is fetching (`rd_kafka_toppar_handle_Offset`: "outdated offset response"), which
/// sends a consumer back to 0. Seen here: a ListOffsets queued for a killed leader is answered
/// when it restarts, seconds later. Any broker would see that rewind; a concrete offset needs no
/// ListOffsets, so every rewind left is one a broker caused.
fn assign_from_beginning<C: ConsumerContext>(c: &BaseConsumer<C>, topic: &str) {
    let mut assignment = TopicPartitionList::new();
    for partition in 0..PARTITIONS {
        assignment
            .add_partition_offset(topic, partition, Offset::Offset(0))
            .expect("partition added");
    }
    c.assign(&assignment).expect("assigned");
}

/// Every record of every partition of `topic` up to `high_watermarks`, read by a fresh consumer.
pub fn read_all(
    bootstrap: &str,
    topic: &str,
    high_watermarks: &BTreeMap<i32, i64>,
) -> Result<BTreeMap<i32, Vec<Read>>, String> {
    let c = consumer(bootstrap, &[]);
    assign_from_beginning(&c, topic);
    let mut reads: BTreeMap<i32, Vec<Read>> = BTreeMap::new();
    let deadline = std::time::Instant::now() + TIMEOUT;
    let done = |reads: &BTreeMap<i32, Vec<Read>>| {
        high_watermarks.iter().all(|(p, hw)| {
            reads
                .get(p)
                .and_then(|r| r.last())
                .map_or(*hw == 0, |last| last.offset + 1 >= *hw)
        })
    };
    while !done(&reads) {
        if std::time::Instant::now() > deadline {
            let got: BTreeMap<i32, usize> = reads.iter().map(|(p, r)| (*p, r.len())).collect();
            return Err(format!(
                "the final read got {got:?} records of high watermarks {high_watermarks:?}"
            ));
        }
        match c.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => reads.entry(m.partition()).or_default().push(Read {
                offset: m.offset(),
                value: m.payload().unwrap_or_default().to_vec(),
            }),
            Some(Err(e)) => return Err(format!("final read: {e}")),
            None => {}
        }
    }
    Ok(reads)
}

//! `kf produce`: records from stdin or a file, split by a delimiter, parsed per `-k` or `-f`,
//! sent through the client's producer straight from the input buffer. Every record carries
//! its number as the opaque of its delivery report; failures are named by record number (the
//! line number with the default delimiter) and make kf exit with 1.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context};
use bytes::Bytes;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

use super::connect;
use super::format::input::check_input_template;
use super::format::{parse_record, unescape, InputLayout, InputOptions, RecordSplitter, Template};
use super::{Interrupted, UsageError};
use crate::cli::produce::ProduceArgs;
use crate::client::producer::{DeliveryHandler, DeliveryReport, Producer, RecordRef};
use crate::client::{check_topic_name, Client};
use kafka_protocol::error::ResponseError;

/// Input is read in large chunks: `seq 1 1000000 | kf produce` is mostly reading.
const READ_BUFFER_BYTES: usize = 1 << 20;
/// Failed records named one by one on stderr before kf only counts them.
const FAILURES_NAMED: u64 = 20;

pub async fn run(args: ProduceArgs) -> anyhow::Result<()> {
    let options = input_options(&args)?;
    let delimiter = unescape(&args.delimiter).map_err(|e| UsageError(format!("-D: {e}")))?;
    if delimiter.is_empty() {
        bail!(UsageError("-D: the delimiter cannot be empty".into()));
    }
    let headers = header_args(&args.headers)?;
    let (reader, progress) = open_input(args.file.as_deref()).await?;

    let mut overrides = Vec::new();
    if let Some(acks) = &args.acks {
        overrides.push(("acks", acks.as_str()));
    }
    if let Some(codec) = &args.compression {
        overrides.push(("compression.type", codec.as_str()));
    }
    if let Some(id) = &args.transactional_id {
        overrides.push(("transactional.id", id.as_str()));
    }
    let client = connect::connect(&args.connect, &overrides).await?;
    let transactional = client.config().transactional_id.is_some();
    if args.transaction_size.is_some() && !transactional {
        bail!(UsageError(
            "--transaction-size needs a transactional id (--transactional-id or -X \
             transactional.id)"
                .into()
        ));
    }
    let allow_auto_create = client.config().producer_auto_create();
    require_topic(&client, &args.topic, allow_auto_create).await?;
    let failures = Arc::new(Failures::default());
    let producer = Producer::with_delivery_handler(client, failures.clone())
        .await
        .context("cannot start the producer")?;

    let read = Arc::new(AtomicU64::new(0));
    let mut job = Job {
        topic: args.topic.clone(),
        partition: args.partition,
        headers,
        options,
        delimiter,
        transactions: transactional.then_some(Transactions {
            size: args.transaction_size,
            open: None,
        }),
    };
    let interrupted = super::interrupt_signal()?;
    let outcome = tokio::select! {
        outcome = produce_all(&mut job, producer, reader, &progress, &read, &failures) => outcome,
        () = interrupted => {
            progress.finish_and_clear();
            eprintln!(
                "kf: interrupted after reading {} record(s); records not yet acknowledged may be lost",
                read.load(Ordering::Relaxed)
            );
            return Err(Interrupted.into());
        }
    };
    progress.finish_and_clear();
    let total = outcome?;
    let failed = failures.count();
    if failed > 0 {
        bail!(
            "{} of {} record(s) failed{}",
            failed,
            total,
            if failed > FAILURES_NAMED {
                format!(" (the first {FAILURES_NAMED} are named above)")
            } else {
                String::new()
            }
        );
    }
    Ok(())
}

/// Fails at once when `topic` cannot be used: a name Kafka refuses (a usage error), or a topic
/// that does not exist after asking for it (with `allow_auto_create`, the cluster was asked to
/// create it). The client itself would retry an unknown topic for `default.api.timeout.ms`, in
/// case it is being created; a command line user wants the answer now.
pub(super) async fn require_topic(
    client: &Client,
    topic: &str,
    allow_auto_create: bool,
) -> anyhow::Result<()> {
    check_topic_name(topic).map_err(|e| UsageError(e.to_string()))?;
    client
        .refresh_topics(&[topic.to_string()], allow_auto_create)
        .await
        .context("cannot fetch metadata")?;
    let unknown = client
        .metadata()
        .topics
        .get(topic)
        .is_some_and(|t| t.error_code == ResponseError::UnknownTopicOrPartition.code());
    if unknown && allow_auto_create {
        bail!("topic '{topic}' does not exist, and the cluster does not create topics on use");
    }
    if unknown {
        bail!("topic '{topic}' does not exist");
    }
    client
        .topic_metadata(topic)
        .await
        .with_context(|| format!("topic '{topic}' is not available"))?;
    Ok(())
}

/// What every record gets, besides its own parsed fields.
struct Job {
    topic: String,
    partition: Option<i32>,
    headers: Vec<(String, Option<Bytes>)>,
    options: InputOptions,
    delimiter: Vec<u8>,
    /// Set when the producer is transactional.
    transactions: Option<Transactions>,
}

/// `--transactional-id`: the input's records in transactions of `size` records (all of them
/// when `None`).
struct Transactions {
    size: Option<u64>,
    /// The open transaction: its first record's number and the failures counted before it.
    open: Option<(u64, u64)>,
}

impl Transactions {
    /// Opens a transaction for record `number` unless one is open.
    fn before(
        &mut self,
        producer: &Producer,
        number: u64,
        failures: &Failures,
    ) -> anyhow::Result<()> {
        if self.open.is_none() {
            producer
                .begin_transaction()
                .context("cannot begin a transaction")?;
            self.open = Some((number, failures.count()));
        }
        Ok(())
    }

    /// Commits the open transaction when record `number` fills it (or `last`), or aborts it
    /// and fails when one of its records failed.
    async fn after(
        &mut self,
        producer: &Producer,
        number: u64,
        failures: &Failures,
        last: bool,
    ) -> anyhow::Result<()> {
        let Some((first, failed_before)) = self.open else {
            return Ok(());
        };
        let full = self.size.is_some_and(|size| number + 1 - first >= size);
        if !(full || last) {
            return Ok(());
        }
        self.open = None;
        producer
            .flush()
            .await
            .context("cannot flush the producer")?;
        if failures.count() > failed_before {
            producer
                .abort_transaction()
                .await
                .context("cannot abort the transaction")?;
            bail!("aborted the transaction of records {first} to {number}: a record failed");
        }
        producer.commit_transaction().await.with_context(|| {
            format!("cannot commit the transaction of records {first} to {number}")
        })
    }
}

type Input = Box<dyn AsyncRead + Unpin + Send>;

/// Sends every input record; returns how many were read. Failures go to `failures`.
async fn produce_all(
    job: &mut Job,
    producer: Producer,
    reader: Input,
    progress: &ProgressBar,
    read: &AtomicU64,
    failures: &Failures,
) -> anyhow::Result<u64> {
    let mut reader = BufReader::with_capacity(READ_BUFFER_BYTES, reader);
    let mut splitter = RecordSplitter::new(&job.delimiter);
    let mut records = Vec::new();
    let mut number = 0u64;
    loop {
        let chunk = reader.fill_buf().await.context("cannot read the input")?;
        if chunk.is_empty() {
            break;
        }
        let carried = splitter.split(chunk, &mut records);
        for record in carried
            .into_iter()
            .chain(records.iter().map(|r| &chunk[r.clone()]))
        {
            number += 1;
            if let Some(transactions) = &mut job.transactions {
                transactions.before(&producer, number, failures)?;
            }
            produce_one(job, &producer, failures, number, record).await;
            if let Some(transactions) = &mut job.transactions {
                transactions
                    .after(&producer, number, failures, false)
                    .await?;
            }
        }
        read.store(number, Ordering::Relaxed);
        progress.inc(chunk.len() as u64);
        let consumed = chunk.len();
        reader.consume(consumed);
    }
    if let Some(last) = splitter.finish() {
        number += 1;
        if let Some(transactions) = &mut job.transactions {
            transactions.before(&producer, number, failures)?;
        }
        produce_one(job, &producer, failures, number, last).await;
        read.store(number, Ordering::Relaxed);
    }
    if let Some(transactions) = &mut job.transactions {
        transactions
            .after(&producer, number, failures, true)
            .await?;
    }
    producer
        .close()
        .await
        .context("cannot flush the producer")?;
    Ok(number)
}

/// Parses record `number` and hands it to the producer; what goes wrong goes to `failures`.
async fn produce_one(
    job: &Job,
    producer: &Producer,
    failures: &Failures,
    number: u64,
    bytes: &[u8],
) {
    let parsed = match parse_record(&job.options, bytes) {
        Ok(parsed) => parsed,
        Err(error) => {
            failures.name(number, &error.to_string());
            return;
        }
    };
    let headers: Vec<(&str, Option<&[u8]>)> = job
        .headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_deref()))
        .chain(
            parsed
                .headers
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_deref())),
        )
        .collect();
    let record = RecordRef {
        topic: &job.topic,
        partition: parsed.partition.or(job.partition),
        key: parsed.key.as_deref(),
        value: parsed.value.as_deref(),
        headers: &headers,
        timestamp: parsed.timestamp,
    };
    if let Err(error) = producer.send_reported(record, number).await {
        failures.name(number, &error.to_string());
    }
}

/// Counts failed records and names the first [`FAILURES_NAMED`] on stderr as they happen.
#[derive(Debug, Default)]
struct Failures {
    failed: AtomicU64,
}

impl Failures {
    fn name(&self, number: u64, reason: &str) {
        let failed = self.failed.fetch_add(1, Ordering::Relaxed) + 1;
        if failed <= FAILURES_NAMED {
            eprintln!("kf: record {number} failed: {reason}");
        }
    }

    fn count(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }
}

impl DeliveryHandler for Failures {
    fn on_delivery(&self, report: &DeliveryReport<'_>) {
        if let Err(error) = report.result {
            let reason = error.to_string();
            for record in report.records {
                self.name(record.opaque, &reason);
            }
        }
    }
}

fn input_options(args: &ProduceArgs) -> anyhow::Result<InputOptions> {
    let layout = match (&args.format, &args.key_delimiter) {
        (Some(format), _) => {
            let template = Template::parse(format)
                .and_then(|t| check_input_template(&t).map(|()| t))
                .map_err(|e| UsageError(format!("-f: {e}")))?;
            InputLayout::Template(template)
        }
        (None, Some(delimiter)) => {
            let delimiter = unescape(delimiter).map_err(|e| UsageError(format!("-k: {e}")))?;
            if delimiter.is_empty() {
                bail!(UsageError("-k: the key delimiter cannot be empty".into()));
            }
            InputLayout::KeyDelimited(delimiter)
        }
        (None, None) => InputLayout::ValueOnly,
    };
    Ok(InputOptions {
        layout,
        key_encoding: args.key_encoding,
        value_encoding: args.value_encoding,
        null_empty: args.null_empty,
    })
}

/// `-H name=value` (a name alone: a null value).
fn header_args(args: &[String]) -> anyhow::Result<Vec<(String, Option<Bytes>)>> {
    args.iter()
        .map(|arg| match arg.split_once('=') {
            Some(("", _)) => Err(UsageError(format!("-H {arg}: the header name is empty")).into()),
            Some((name, value)) => Ok((name.to_string(), Some(Bytes::from(value.to_string())))),
            None if arg.is_empty() => Err(UsageError("-H: the header name is empty".into()).into()),
            None => Ok((arg.clone(), None)),
        })
        .collect()
}

/// stdin, or the file with a byte progress bar when stderr is a terminal.
async fn open_input(file: Option<&Path>) -> anyhow::Result<(Input, ProgressBar)> {
    let Some(path) = file else {
        return Ok((Box::new(tokio::io::stdin()), ProgressBar::hidden()));
    };
    let opened = tokio::fs::File::open(path)
        .await
        .with_context(|| format!("cannot open {}", path.display()))?;
    let progress = if std::io::stderr().is_terminal() {
        let length = opened.metadata().await.map(|m| m.len()).unwrap_or(0);
        let bar = ProgressBar::with_draw_target(Some(length), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
        ) {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    Ok((Box::new(opened), progress))
}

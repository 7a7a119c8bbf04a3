//! The poller: one task per source (cluster and metadata, quorum, offsets, groups,
//! transactions), each on its own cadence off the drawing thread, each bounded by a timeout so
//! a slow API yields a failed poll (a stale pane) rather than a frozen screen. Offsets are
//! batched per broker: per refresh, one ListOffsets per broker for the high watermarks of every
//! partition it leads and one for their log end offsets (as Kafka's debugging replica, which
//! is how a client sees the log end).
//! The transitions pane is fed by `kf txn trace`'s follower (`client::txn_trace`), which
//! follows `__transaction_state` from its end in a task of its own.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::Path;
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use futures::future::join_all;
use kafka_protocol::messages::ApiKey;
use tokio::task::JoinHandle;

use super::feed::PollError;
use super::model::{
    BrokerOffsets, ClusterPoll, GroupMember, GroupOffset, GroupSummary, OffsetKind, OffsetsPoll,
    Poll, TransactionSummary,
};
use crate::client::admin::{Admin, OffsetSpec, TransactionFilter};
use crate::client::txn_trace::TraceFollower;
use crate::client::{Client, ClientError, IsolationLevel, TopicPartition};
use crate::cluster::control::{self, ControlRequest, ControlResponse};

/// The log start and last stable offsets move rarely; they are asked for on every
/// `SLOW_EVERY`-th refresh (alternately), on top of the high watermark every refresh.
const SLOW_EVERY: u64 = 5;

/// A poll and when it was answered.
pub type Answer = (Poll, Instant);

/// The running poll tasks; dropping this stops them.
pub struct Poller {
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Poller {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// How long one poll may take before it counts as failed.
pub fn poll_timeout(interval: Duration) -> Duration {
    (interval * 3).max(Duration::from_secs(5))
}

impl Poller {
    /// Starts every source on the current runtime; answers go to `answers`. `trace` (a
    /// read_committed client) follows the transactions; with `local` (the control socket of
    /// the `kf cluster up` being watched) its status is polled too.
    pub fn spawn(
        admin: &Admin,
        trace: Client,
        interval: Duration,
        answers: &Sender<Answer>,
        local: Option<&Path>,
    ) -> Poller {
        let timeout = poll_timeout(interval);
        let mut tasks = Vec::new();
        let mut source = |make: fn(Admin, u64, Duration) -> BoxedPolls| {
            let (admin, answers) = (admin.clone(), answers.clone());
            tasks.push(tokio::spawn(async move {
                let mut round = 0u64;
                loop {
                    let started = tokio::time::Instant::now();
                    for poll in make(admin.clone(), round, timeout).await {
                        if answers.send((poll, Instant::now())).is_err() {
                            return;
                        }
                    }
                    round += 1;
                    tokio::time::sleep_until(started + interval).await;
                }
            }));
        };
        source(|admin, _, timeout| {
            Box::pin(async move { vec![poll_cluster(&admin, timeout).await] })
        });
        source(|admin, _, timeout| {
            Box::pin(async move { vec![poll_quorum(&admin, timeout).await] })
        });
        source(|admin, round, timeout| {
            Box::pin(async move {
                let mut polls = Vec::new();
                for kind in kinds_of_round(round) {
                    polls.push(poll_offsets(&admin, kind, timeout).await);
                }
                polls
            })
        });
        source(|admin, _, timeout| {
            Box::pin(async move { vec![poll_groups(&admin, timeout).await] })
        });
        source(|admin, _, timeout| {
            Box::pin(async move { vec![poll_transactions(&admin, timeout).await] })
        });
        tasks.push(tokio::spawn(follow_trace(trace, timeout, answers.clone())));
        if let Some(socket) = local {
            let (socket, answers) = (socket.to_path_buf(), answers.clone());
            tasks.push(tokio::spawn(async move {
                loop {
                    let started = tokio::time::Instant::now();
                    let poll = poll_local(&socket, timeout).await;
                    if answers.send((poll, Instant::now())).is_err() {
                        return;
                    }
                    tokio::time::sleep_until(started + interval).await;
                }
            }));
        }
        Poller { tasks }
    }
}

type BoxedPolls = std::pin::Pin<Box<dyn Future<Output = Vec<Poll>> + Send>>;

/// Every round asks for high watermarks, then log end offsets (after: so the log end shown is
/// never older than the high watermark); every `SLOW_EVERY`-th round also for one of the slow
/// kinds, alternating.
fn kinds_of_round(round: u64) -> Vec<OffsetKind> {
    let mut kinds = vec![OffsetKind::HighWatermark, OffsetKind::LogEnd];
    if round % SLOW_EVERY == 0 {
        kinds.push(if (round / SLOW_EVERY) % 2 == 0 {
            OffsetKind::LogStart
        } else {
            OffsetKind::LastStable
        });
    }
    kinds
}

/// Every source once, for `kf top --once`, with all three offset kinds.
pub async fn poll_once(admin: &Admin, timeout: Duration) -> Vec<Poll> {
    let mut polls = vec![
        poll_cluster(admin, timeout).await,
        poll_quorum(admin, timeout).await,
    ];
    for kind in [
        OffsetKind::HighWatermark,
        OffsetKind::LogEnd,
        OffsetKind::LogStart,
        OffsetKind::LastStable,
    ] {
        polls.push(poll_offsets(admin, kind, timeout).await);
    }
    polls.push(poll_groups(admin, timeout).await);
    polls.push(poll_transactions(admin, timeout).await);
    polls
}

/// Runs `call` for at most `timeout`; a broker without the API gives `unsupported` as the
/// reason the pane shows.
async fn bounded<T>(
    timeout: Duration,
    what: &str,
    unsupported: &str,
    call: impl Future<Output = Result<T, ClientError>>,
) -> Result<T, PollError> {
    match tokio::time::timeout(timeout, call).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(ClientError::UnsupportedApi { .. })) => {
            Err(PollError::Unsupported(unsupported.to_string()))
        }
        Ok(Err(error)) => Err(PollError::Failed(error.to_string())),
        Err(_) => Err(PollError::Failed(format!(
            "{what} timed out after {} ms",
            timeout.as_millis()
        ))),
    }
}

async fn poll_cluster(admin: &Admin, timeout: Duration) -> Poll {
    let outcome = bounded(timeout, "Metadata", "", async {
        admin.client().refresh_metadata(None).await?;
        let cluster = admin.describe_cluster().await?;
        let topics = admin.client().metadata().topics.into_values().collect();
        Ok(ClusterPoll { cluster, topics })
    })
    .await;
    Poll::Cluster(outcome)
}

async fn poll_quorum(admin: &Admin, timeout: Duration) -> Poll {
    Poll::Quorum(
        bounded(
            timeout,
            "DescribeQuorum",
            "this cluster does not offer DescribeQuorum (API key 55): it is not KRaft, or older \
             than Kafka 3.3",
            admin.describe_quorum(),
        )
        .await,
    )
}

/// One round of `kind`: one ListOffsets per broker for the partitions it leads (and, for high
/// watermarks, one DescribeLogDirs per broker), all brokers at once.
async fn poll_offsets(admin: &Admin, kind: OffsetKind, timeout: Duration) -> Poll {
    let metadata = admin.client().metadata();
    let mut led: BTreeMap<i32, Vec<TopicPartition>> = metadata
        .brokers
        .keys()
        .map(|id| (*id, Vec::new()))
        .collect();
    for topic in metadata.topics.values() {
        for p in topic.partitions.iter().filter(|p| p.leader_id >= 0) {
            led.entry(p.leader_id)
                .or_default()
                .push(TopicPartition::new(&topic.name, p.partition));
        }
    }
    let (spec, isolation) = match kind {
        OffsetKind::HighWatermark | OffsetKind::LogEnd => {
            (OffsetSpec::Latest, IsolationLevel::ReadUncommitted)
        }
        OffsetKind::LogStart => (OffsetSpec::Earliest, IsolationLevel::ReadUncommitted),
        OffsetKind::LastStable => (OffsetSpec::Latest, IsolationLevel::ReadCommitted),
    };
    let brokers = led.into_iter().map(|(broker_id, partitions)| async move {
        let offsets = if partitions.is_empty() {
            Ok(BTreeMap::new())
        } else {
            let call = async {
                if kind == OffsetKind::LogEnd {
                    admin.log_end_offsets_at(broker_id, &partitions).await
                } else {
                    let call = admin.list_offsets_at(broker_id, &partitions, spec, isolation);
                    call.await
                }
            };
            bounded(timeout, "ListOffsets", "no ListOffsets", call)
                .await
                // A partition's own error (its leader just moved) leaves its last value.
                .map(|listed| {
                    listed
                        .into_iter()
                        .filter_map(|(tp, offset)| Some((tp, offset.ok()?)))
                        .collect()
                })
        };
        let sizes = match kind {
            OffsetKind::HighWatermark => Some(
                bounded(
                    timeout,
                    "DescribeLogDirs",
                    "this cluster does not offer DescribeLogDirs (API key 35)",
                    admin.describe_log_dirs(broker_id),
                )
                .await,
            ),
            OffsetKind::LogStart | OffsetKind::LastStable | OffsetKind::LogEnd => None,
        };
        BrokerOffsets {
            broker_id,
            offsets,
            sizes,
        }
    });
    Poll::Offsets(OffsetsPoll {
        kind,
        brokers: join_all(brokers).await,
    })
}

/// Whether the cluster advertises `api` at all (whatever kf's client speaks).
async fn offered(admin: &Admin, api: ApiKey) -> Result<bool, PollError> {
    let connection = admin
        .client()
        .any_broker()
        .await
        .map_err(|e| PollError::Failed(e.to_string()))?;
    Ok(connection
        .api_versions()
        .advertised()
        .iter()
        .any(|a| a.api_key == api as i16))
}

/// The first of `apis` the cluster does not offer, as the reason a pane shows.
async fn missing_api(admin: &Admin, apis: &[(ApiKey, &str)]) -> Result<Option<String>, PollError> {
    for (api, name) in apis {
        if !offered(admin, *api).await? {
            return Ok(Some(format!(
                "this cluster does not offer {name} (API key {})",
                *api as i16
            )));
        }
    }
    Ok(None)
}

async fn poll_groups(admin: &Admin, timeout: Duration) -> Poll {
    let apis = [
        (ApiKey::ListGroups, "ListGroups"),
        (ApiKey::DescribeGroups, "DescribeGroups"),
        (ApiKey::OffsetFetch, "OffsetFetch"),
    ];
    Poll::Groups(match missing_api(admin, &apis).await {
        Err(error) => Err(error),
        Ok(Some(reason)) => Err(PollError::Unsupported(reason)),
        Ok(None) => {
            bounded(
                timeout,
                "ListGroups",
                "no group APIs",
                describe_groups(admin),
            )
            .await
        }
    })
}

/// Every group with its members and committed offsets; lag is left to the dashboard, which
/// knows the high watermarks.
async fn describe_groups(admin: &Admin) -> Result<Vec<GroupSummary>, ClientError> {
    let mut groups = Vec::new();
    for listed in admin.list_groups(&[], &[]).await? {
        let description = admin.describe_group(&listed.group_id).await?;
        let offsets = admin.list_group_offsets(&listed.group_id, None).await?;
        groups.push(GroupSummary {
            group_id: listed.group_id,
            state: description.state,
            protocol_type: description.protocol_type,
            protocol: description.assignor,
            members: description
                .members
                .into_iter()
                .map(|m| GroupMember {
                    member_id: m.member_id,
                    client_id: m.client_id,
                    host: m.host,
                    assignment: m.assignment,
                })
                .collect(),
            offsets: offsets
                .into_iter()
                .map(|(tp, committed)| GroupOffset {
                    topic: tp.topic,
                    partition: tp.partition,
                    committed_offset: committed.offset,
                    lag: None,
                })
                .collect(),
        });
    }
    Ok(groups)
}

async fn poll_transactions(admin: &Admin, timeout: Duration) -> Poll {
    let apis = [
        (ApiKey::ListTransactions, "ListTransactions"),
        (ApiKey::DescribeTransactions, "DescribeTransactions"),
    ];
    Poll::Transactions(match missing_api(admin, &apis).await {
        Err(error) => Err(error),
        Ok(Some(reason)) => Err(PollError::Unsupported(reason)),
        Ok(None) => {
            bounded(
                timeout,
                "ListTransactions",
                "no transaction APIs",
                describe_transactions(admin),
            )
            .await
        }
    })
}

/// How many DescribeTransactions are in flight at once.
const DESCRIBES_IN_FLIGHT: usize = 16;

/// Every transactional id every broker lists, described at its coordinator. An id that cannot
/// be described (expired since the list, or not authorized) keeps what the list says.
async fn describe_transactions(admin: &Admin) -> Result<Vec<TransactionSummary>, ClientError> {
    let listed = admin
        .list_transactions(&TransactionFilter::default())
        .await?;
    let mut described = Vec::with_capacity(listed.len());
    for chunk in listed.chunks(DESCRIBES_IN_FLIGHT) {
        let chunk = chunk
            .iter()
            .map(|t| admin.describe_transaction(&t.transactional_id));
        described.extend(join_all(chunk).await);
    }
    Ok(listed
        .iter()
        .zip(described)
        .map(|(listing, description)| match description {
            Ok(d) => TransactionSummary {
                transactional_id: d.transactional_id,
                state: d.state,
                producer_id: d.producer_id,
                producer_epoch: d.producer_epoch,
                timeout_ms: d.transaction_timeout_ms,
                start_timestamp_ms: d.transaction_start_time_ms.unwrap_or(-1),
                partitions: d.partitions,
            },
            Err(_) => TransactionSummary {
                transactional_id: listing.transactional_id.clone(),
                state: listing.state.clone(),
                producer_id: listing.producer_id,
                producer_epoch: -1,
                timeout_ms: 0,
                start_timestamp_ms: -1,
                partitions: Vec::new(),
            },
        })
        .collect())
}

/// The least time one round of the trace may take.
const TRACE_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the trace waits before it tries again after the cluster refused it.
const TRACE_RETRY: Duration = Duration::from_secs(5);

/// Runs `kf txn trace`'s follower from the end of `__transaction_state`, sending each round's
/// events (the first round even when empty: the pane then knows the trace runs). When the
/// cluster refuses it (no right to read the internal topic, no ListTransactions) the pane is
/// told why, and the follower starts again after `TRACE_RETRY`.
async fn follow_trace(client: Client, timeout: Duration, answers: Sender<Answer>) {
    let send = |poll| answers.send((Poll::Trace(poll), Instant::now())).is_ok();
    // A round may wait for `__transaction_state` to be created, and one cut short loses what
    // it read: only a hung cluster hits this bound.
    let timeout = timeout.max(TRACE_TIMEOUT);
    loop {
        let start = TraceFollower::start(client.clone(), false);
        let unsupported = "this cluster does not offer the APIs kf txn trace reads with";
        let mut follower = match bounded(timeout, "kf txn trace", unsupported, start).await {
            Ok(follower) => follower,
            Err(error) => {
                if !send(Err(error)) {
                    return;
                }
                tokio::time::sleep(TRACE_RETRY).await;
                continue;
            }
        };
        let mut first = true;
        loop {
            match bounded(timeout, "kf txn trace", unsupported, follower.poll()).await {
                Ok(events) => {
                    if (first || !events.is_empty()) && !send(Ok(events)) {
                        return;
                    }
                    first = false;
                }
                Err(error) => {
                    if !send(Err(error)) {
                        return;
                    }
                    tokio::time::sleep(TRACE_RETRY).await;
                    break;
                }
            }
        }
    }
}

/// The local cluster's status through its control socket: each broker up, down, isolated or
/// fenced.
pub async fn poll_local(socket: &Path, timeout: Duration) -> Poll {
    let call = control::call(socket, &ControlRequest::Status);
    Poll::Local(match tokio::time::timeout(timeout, call).await {
        Ok(Ok(ControlResponse::Status(status))) => Ok(status),
        Ok(Ok(other)) => Err(PollError::Failed(format!(
            "unexpected answer from the cluster: {other:?}"
        ))),
        Ok(Err(error)) => Err(PollError::Failed(error.to_string())),
        Err(_) => Err(PollError::Failed(format!(
            "the cluster's status timed out after {} ms",
            timeout.as_millis()
        ))),
    })
}

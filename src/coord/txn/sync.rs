//! The coordinator's background work on one broker: loading each `__transaction_state`
//! partition this broker comes to lead (replaying it into one task per transactional id, which
//! finishes any transaction it finds in Prepare*), dropping those it no longer leads, aborting
//! transactions that outlived their timeout and removing idle transactional ids.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tracing::{info, warn};

use super::state::{TxnMetadata, TxnState};
use super::store::{replay_partition, TRANSACTION_STATE_TOPIC};
use super::task::Command;
use super::{spawn_task, LoadedPartition, PartitionState, TxnCoordinator};
use crate::broker::Broker;
use crate::clock::now_ms;
use crate::metadata::MetadataImage;

/// Runs until the broker's image sender closes.
pub async fn run_txn_coordinator(broker: Arc<Broker>) {
    let mut images = broker.quorum.subscribe();
    let abort_every = interval_ms(
        broker
            .config
            .transaction_abort_timed_out_transaction_cleanup_interval_ms,
    );
    let expire_every = interval_ms(
        broker
            .config
            .transaction_remove_expired_transaction_cleanup_interval_ms,
    );
    let mut abort_timer = tokio::time::interval(abort_every);
    let mut expire_timer = tokio::time::interval(expire_every);
    let image = images.borrow_and_update().clone();
    broker.txn_coordinator.follow_leadership(&broker, &image);
    loop {
        tokio::select! {
            changed = images.changed() => {
                if changed.is_err() {
                    return;
                }
                let image = images.borrow_and_update().clone();
                broker.txn_coordinator.follow_leadership(&broker, &image);
            }
            _ = abort_timer.tick() => {
                // Also retries a load that failed.
                let image = broker.image();
                broker.txn_coordinator.follow_leadership(&broker, &image);
                broker.txn_coordinator.abort_timed_out(now_ms());
            }
            _ = expire_timer.tick() => broker
                .txn_coordinator
                .expire(i64::from(broker.config.transactional_id_expiration_ms)),
        }
    }
}

fn interval_ms(ms: i32) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(1).max(1))
}

impl TxnCoordinator {
    /// Loads the partitions this broker now leads and drops the ones it no longer leads.
    fn follow_leadership(&self, broker: &Broker, image: &MetadataImage) {
        let led: HashMap<i32, i32> = image
            .topic(TRANSACTION_STATE_TOPIC)
            .map(|t| {
                t.partitions
                    .values()
                    .filter(|p| p.leader == broker.broker_id)
                    .map(|p| (p.partition, p.leader_epoch))
                    .collect()
            })
            .unwrap_or_default();
        let to_load: Vec<(i32, i32)> = {
            let Ok(mut partitions) = self.partitions.lock() else {
                return;
            };
            partitions.retain(|p, state| match state {
                PartitionState::Loaded(loaded) => led.get(p) == Some(&loaded.coordinator_epoch),
                PartitionState::Loading => true,
            });
            led.iter()
                .filter(|(p, _)| !partitions.contains_key(p))
                .map(|(p, e)| (*p, *e))
                .collect()
        };
        for (partition, epoch) in to_load {
            self.load(broker, partition, epoch);
        }
        self.load_changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Replays one partition into a task per transactional id.
    fn load(&self, broker: &Broker, partition: i32, epoch: i32) {
        if let Ok(mut partitions) = self.partitions.lock() {
            partitions.insert(partition, PartitionState::Loading);
        }
        let loaded = match replay_partition(broker, partition) {
            Ok((loaded_epoch, values)) if loaded_epoch == epoch => {
                let txns = values
                    .into_iter()
                    .map(|(id, value)| {
                        let metadata = TxnMetadata::from_log(id.clone(), &value);
                        let handle = spawn_task(
                            broker.me.clone(),
                            partition,
                            epoch,
                            id.clone(),
                            Some(metadata),
                        );
                        (id, handle)
                    })
                    .collect::<HashMap<_, _>>();
                info!(
                    partition,
                    epoch,
                    transactional_ids = txns.len(),
                    "loaded __transaction_state partition"
                );
                Some(LoadedPartition {
                    coordinator_epoch: epoch,
                    txns,
                })
            }
            Ok(_) => None,
            Err(e) => {
                warn!(partition, error = ?e, "cannot load __transaction_state partition");
                None
            }
        };
        if let Ok(mut partitions) = self.partitions.lock() {
            match loaded {
                Some(loaded) => partitions.insert(partition, PartitionState::Loaded(loaded)),
                // Tried again on the next image.
                None => partitions.remove(&partition),
            };
        }
        self.load_changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Ongoing transactions older than their timeout are aborted (Kafka's
    /// abortTimedOutTransactions).
    fn abort_timed_out(&self, now: i64) {
        self.send_each(|txn| {
            let expired = txn.state == TxnState::Ongoing
                && txn
                    .txn_start_timestamp_ms
                    .saturating_add(i64::from(txn.txn_timeout_ms))
                    < now;
            expired.then_some(Command::AbortTimedOut {
                producer_id: txn.producer_id,
                producer_epoch: txn.producer_epoch,
            })
        });
    }

    /// Ids idle past `transactional.id.expiration.ms` are removed.
    fn expire(&self, expiration_ms: i64) {
        self.send_each(|_| Some(Command::Expire { expiration_ms }));
    }
}

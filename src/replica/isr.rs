//! The leader's side of ISR changes, as Kafka's `Partition.maybeShrinkIsr/maybeExpandIsr`: a
//! follower that has not caught up with the leader's log end for `replica.lag.time.max.ms`
//! leaves the ISR; a follower out of the ISR that reaches the high watermark comes back. Each
//! change is an AlterPartition (key 56) to the controller, one at a time per partition; it takes
//! effect when the metadata image carrying it is applied.

use std::sync::Arc;

use tracing::{debug, info};

use super::partition::Partition;
use crate::broker::Broker;
use crate::clock::now_ms;
use crate::metadata::{AlterPartitionRequest, ControllerRequest, ControllerResponse};

/// Asks to take `follower` back into the ISR of `partition`, which this broker leads.
pub fn expand(broker: &Broker, partition: &Arc<Partition>, follower: i32) {
    if let Some(new_isr) = partition.isr_with(follower) {
        alter(broker, partition, new_isr);
    }
}

/// Drops from the ISR of every partition this broker leads the followers that lag by more than
/// `replica.lag.time.max.ms`.
pub fn shrink_lagging(broker: &Broker) {
    let now = now_ms();
    let max_lag = broker.config.replica_lag_time_max_ms;
    for partition in broker.replicas.all() {
        // Checked before the log is looked up: at 100,000 partitions the lookups were most of
        // an idle broker's CPU.
        if !partition.leads_in_sync_followers() {
            continue;
        }
        let Some(leader_log_end) = broker
            .logs
            .get(&partition.tp.topic, partition.tp.partition)
            .and_then(|log| log.lock().ok().map(|log| log.log_end_offset()))
        else {
            continue;
        };
        let Some((isr, new_isr)) = partition.isr_without_lagging(leader_log_end, now, max_lag)
        else {
            continue;
        };
        info!(partition = %partition.tp, ?isr, ?new_isr, "shrinking the ISR: followers lag by more than replica.lag.time.max.ms");
        alter(broker, &partition, new_isr);
    }
}

/// Sends the ISR change unless one is pending; on refusal the partition may try again.
fn alter(broker: &Broker, partition: &Arc<Partition>, new_isr: Vec<i32>) {
    let image = broker.image();
    let Some(topic_id) = image.topic(&partition.tp.topic).map(|t| t.topic_id) else {
        return;
    };
    let Some(broker) = broker.me.upgrade() else {
        return;
    };
    let Some((leader_epoch, partition_epoch)) = partition.begin_isr_change(&new_isr) else {
        return;
    };
    let request = AlterPartitionRequest {
        broker_id: broker.broker_id,
        topic_id,
        partition: partition.tp.partition,
        leader_epoch,
        partition_epoch,
        new_isr,
    };
    let partition = partition.clone();
    tokio::spawn(async move {
        let answer = broker
            .controller_call(ControllerRequest::AlterPartition(request))
            .await;
        match answer {
            Ok(ControllerResponse::AlterPartition(Ok(altered))) => {
                debug!(partition = %partition.tp, isr = ?altered.isr, "ISR changed");
                // The call returns once this broker's image has the change: take it now.
                let image = broker.image();
                let _ = broker
                    .replicas
                    .hosted(&image, &partition.tp.topic, partition.tp.partition);
            }
            other => debug!(partition = %partition.tp, answer = ?other, "ISR change refused"),
        }
        partition.abort_isr_change();
    });
}

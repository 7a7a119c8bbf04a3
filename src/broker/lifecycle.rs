//! A broker's life as the controller sees it, as Kafka's `BrokerLifecycleManager`: it registers,
//! then sends a heartbeat every `broker.heartbeat.interval.ms` (Kafka's BrokerHeartbeat, key 63,
//! carried in process). The controller fences a broker whose heartbeats stop for
//! `broker.session.timeout.ms` (killed, or isolated from the quorum) and unfences it at its next
//! heartbeat; a controller that no longer knows the broker answers BROKER_ID_NOT_REGISTERED and
//! the broker registers again. Each heartbeat carries the broker's replicas whose logs are
//! offline (Kafka's `offlineLogDirs`), so that the controller moves their leaderships away and
//! clients see them offline.
//!
//! Differences from Kafka: a broker is unfenced as soon as it registers, without first catching up
//! with the metadata log (its own image is current once `register` returns).

use std::sync::Arc;
use std::time::Duration;

use kafka_protocol::error::ResponseError;
use uuid::Uuid;

use super::Broker;
use crate::metadata::{ControllerRequest, ControllerResponse, QuorumError};

/// Registers `broker` with the active controller once one is known, with its listeners and rack.
pub async fn register(broker: &Broker, timeout: Duration) -> Result<(), QuorumError> {
    broker.quorum.wait_for_leader(timeout).await?;
    // Validation made sure the inter-broker listener is advertised.
    let (host, port) = broker
        .advertised_listeners
        .iter()
        .find(|e| e.name == broker.inter_broker_listener)
        .map(|e| (e.host.clone(), e.port))
        .unwrap_or_default();
    let rack = Some(broker.config.broker_rack.clone()).filter(|r| !r.is_empty());
    broker
        .quorum
        .controller_call_within(
            ControllerRequest::RegisterBroker {
                broker_id: broker.broker_id,
                host,
                port,
                rack,
                listeners: broker.advertised_listeners.clone(),
            },
            timeout,
        )
        .await?;
    Ok(())
}

/// This broker's replicas whose logs are offline, by topic id (Kafka's `offlineLogDirs`).
fn offline_replicas(broker: &Broker) -> Vec<(Uuid, i32)> {
    let offline = broker.logs.offline_partitions();
    if offline.is_empty() {
        return Vec::new();
    }
    let image = broker.image();
    offline
        .iter()
        .filter_map(|p| Some((image.topic(&p.topic)?.topic_id, p.partition)))
        .collect()
}

/// Sends heartbeats until the broker stops, with the replicas whose logs are offline; one goes
/// at once when a partition goes offline or comes back. A heartbeat that cannot reach the
/// controller is simply retried at the next interval, as the session timeout is the
/// controller's to judge.
pub async fn run_heartbeats(broker: Arc<Broker>) {
    let interval_ms = u64::try_from(broker.config.broker_heartbeat_interval_ms.max(1)).unwrap_or(1);
    let interval = Duration::from_millis(interval_ms);
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !broker.is_stopped() {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = broker.logs.offline_changed() => {}
        }
        let request = ControllerRequest::BrokerHeartbeat {
            broker_id: broker.broker_id,
            offline_replicas: offline_replicas(&broker),
        };
        // A heartbeat is worth no more than one interval: the next one replaces it.
        match broker
            .quorum
            .controller_call_within(request, interval)
            .await
        {
            Ok(ControllerResponse::BrokerHeartbeat(Err(e)))
                if e.code == ResponseError::BrokerIdNotRegistered =>
            {
                if let Err(error) = register(&broker, interval.max(Duration::from_secs(1))).await {
                    tracing::debug!(broker = broker.broker_id, %error, "could not register again");
                }
            }
            Ok(_) => {}
            Err(error) => {
                tracing::debug!(broker = broker.broker_id, %error, "heartbeat did not reach the controller")
            }
        }
    }
}

//! `kf cluster kill|start|isolate|heal`: faults injected into the running local cluster through
//! its control socket (the cluster is found as `kf cluster down` finds it), and their execution
//! inside `kf cluster up`.

use anyhow::bail;

use crate::cluster::control::{self, ControlRequest, ControlResponse};
use crate::cluster::state::ClusterState;
use crate::cluster::Cluster;

/// `kf cluster kill|start|isolate|heal`: sends one fault request to the local cluster of
/// `data_dir` (the last started when `None`) and prints what it did.
pub async fn send(
    data_dir: Option<&std::path::Path>,
    request: &ControlRequest,
) -> anyhow::Result<()> {
    let state = ClusterState::load(data_dir)?;
    println!("{}", request_fault(&state.control_socket, request).await?);
    Ok(())
}

/// Sends one fault request to the cluster listening on `socket`: what it did, or why it
/// refused. `kf top`'s fault keys go through here too.
pub async fn request_fault(
    socket: &std::path::Path,
    request: &ControlRequest,
) -> anyhow::Result<String> {
    match control::call(socket, request).await? {
        ControlResponse::Done { message } => Ok(message),
        ControlResponse::Refused { message } => bail!("{message}"),
        other => bail!("unexpected answer from the cluster: {other:?}"),
    }
}

/// Carries out a fault request inside `kf cluster up`.
pub async fn execute(cluster: &mut Cluster, request: ControlRequest) -> ControlResponse {
    let outcome = match request {
        ControlRequest::Kill { broker_id } => cluster
            .kill_broker(broker_id)
            .await
            .map(|()| format!("broker {broker_id} killed (its data stays; `kf cluster start {broker_id}` brings it back)")),
        ControlRequest::Start { broker_id } => cluster
            .start_broker(broker_id)
            .await
            .map(|()| format!("broker {broker_id} started")),
        ControlRequest::Isolate { broker_id } => cluster.isolate(broker_id).map(|()| {
            format!("broker {broker_id} isolated from the other brokers and the metadata quorum (clients still reach it)")
        }),
        ControlRequest::Heal { broker_id } => cluster.heal(broker_id).map(|()| match broker_id {
            Some(id) => format!("broker {id}'s links restored"),
            None => "every link restored".to_string(),
        }),
        ControlRequest::Status | ControlRequest::Down => {
            return ControlResponse::Refused {
                message: "not a fault request".into(),
            }
        }
    };
    match outcome {
        Ok(message) => ControlResponse::Done { message },
        Err(error) => ControlResponse::Refused {
            message: error.to_string(),
        },
    }
}

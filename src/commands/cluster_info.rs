//! `kf cluster info`: any Kafka cluster as its standard APIs describe it: cluster id, brokers
//! and controller (DescribeCluster, else Metadata), the KRaft quorum (DescribeQuorum, when the
//! broker has it) and the API versions of the broker kf talks to.

use kafka_protocol::messages::ApiKey;
use serde::Serialize;

use super::connect::connect_admin;
use crate::cli::cluster::InfoArgs;
use crate::client::admin::{Admin, QuorumDescription, QuorumReplica};
use crate::client::versions::ApiVersionTable;
use crate::client::ClientError;
use crate::output::{emit, render, table};

/// Everything `kf cluster info` reports.
#[derive(Debug, Serialize)]
pub struct ClusterInfo {
    pub cluster_id: Option<String>,
    pub controller_id: i32,
    pub brokers: Vec<BrokerInfo>,
    /// `None` when the broker has no DescribeQuorum (not KRaft, or older than Kafka 3.3).
    pub quorum: Option<QuorumInfo>,
    pub api_versions: ApiVersionsInfo,
}

#[derive(Debug, Serialize)]
pub struct BrokerInfo {
    pub id: i32,
    pub host: String,
    pub port: i32,
    pub rack: Option<String>,
    pub controller: bool,
}

#[derive(Debug, Serialize)]
pub struct QuorumInfo {
    pub leader_id: i32,
    pub leader_epoch: i32,
    pub high_watermark: i64,
    pub voters: Vec<QuorumReplicaInfo>,
    pub observers: Vec<QuorumReplicaInfo>,
}

#[derive(Debug, Serialize)]
pub struct QuorumReplicaInfo {
    pub replica_id: i32,
    pub log_end_offset: i64,
    /// How far behind the leader's log end offset, as `kafka-metadata-quorum.sh` shows it.
    pub lag: i64,
    pub last_fetch_timestamp: i64,
    pub last_caught_up_timestamp: i64,
}

/// The APIs of the broker kf is connected to.
#[derive(Debug, Serialize)]
pub struct ApiVersionsInfo {
    pub broker: String,
    pub apis: Vec<ApiInfo>,
}

#[derive(Debug, Serialize)]
pub struct ApiInfo {
    pub api_key: i16,
    pub name: String,
    pub min_version: i16,
    pub max_version: i16,
    /// The version kf uses; `None` for APIs kf does not speak.
    pub kf_version: Option<i16>,
}

pub async fn run(args: InfoArgs) -> anyhow::Result<()> {
    let admin = Admin::new(connect_admin(&args.connect).await?);
    let info = cluster_info(&admin).await?;
    emit(&render(&info, args.output, info_text)?)
}

/// Gathers the cluster description; a failing DescribeQuorum is a warning, not a failure.
pub async fn cluster_info(admin: &Admin) -> anyhow::Result<ClusterInfo> {
    let cluster = admin.describe_cluster().await?;
    let quorum = match admin.describe_quorum().await {
        Ok(quorum) => Some(quorum_info(quorum)),
        Err(ClientError::UnsupportedApi { .. }) => None,
        Err(error) => {
            eprintln!("kf: warning: cannot describe the metadata quorum: {error}");
            None
        }
    };
    let connection = admin.client().any_broker().await?;
    let api_versions = api_versions_info(connection.addr(), connection.api_versions());
    let mut brokers: Vec<BrokerInfo> = cluster
        .brokers
        .into_iter()
        .map(|b| BrokerInfo {
            controller: b.node_id == cluster.controller_id,
            id: b.node_id,
            host: b.host,
            port: b.port,
            rack: b.rack,
        })
        .collect();
    brokers.sort_by_key(|b| b.id);
    Ok(ClusterInfo {
        cluster_id: cluster.cluster_id,
        controller_id: cluster.controller_id,
        brokers,
        quorum,
        api_versions,
    })
}

fn quorum_info(quorum: QuorumDescription) -> QuorumInfo {
    let leader_end = quorum
        .voters
        .iter()
        .find(|v| v.replica_id == quorum.leader_id)
        .map_or(quorum.high_watermark, |v| v.log_end_offset);
    let replica = |r: QuorumReplica| QuorumReplicaInfo {
        replica_id: r.replica_id,
        log_end_offset: r.log_end_offset,
        lag: (leader_end - r.log_end_offset).max(0),
        last_fetch_timestamp: r.last_fetch_timestamp,
        last_caught_up_timestamp: r.last_caught_up_timestamp,
    };
    QuorumInfo {
        leader_id: quorum.leader_id,
        leader_epoch: quorum.leader_epoch,
        high_watermark: quorum.high_watermark,
        voters: quorum.voters.into_iter().map(replica).collect(),
        observers: quorum.observers.into_iter().map(replica).collect(),
    }
}

fn api_versions_info(broker: &str, table: &ApiVersionTable) -> ApiVersionsInfo {
    let apis = table
        .advertised()
        .iter()
        .map(|a| {
            let api = ApiKey::try_from(a.api_key).ok();
            ApiInfo {
                api_key: a.api_key,
                name: api.map_or_else(|| format!("Unknown({})", a.api_key), |k| format!("{k:?}")),
                min_version: a.min_version,
                max_version: a.max_version,
                kf_version: api.and_then(|k| table.version(k)),
            }
        })
        .collect();
    ApiVersionsInfo {
        broker: broker.to_string(),
        apis,
    }
}

fn info_text(info: &ClusterInfo) -> String {
    let mut out = format!(
        "Cluster ID: {}\nController: {}\n\n",
        info.cluster_id.as_deref().unwrap_or("(none)"),
        info.controller_id
    );
    let brokers: Vec<Vec<String>> = info
        .brokers
        .iter()
        .map(|b| {
            vec![
                b.id.to_string(),
                b.host.clone(),
                b.port.to_string(),
                b.rack.clone().unwrap_or_default(),
                if b.controller { "yes" } else { "" }.to_string(),
            ]
        })
        .collect();
    out.push_str(&table(
        &["BROKER", "HOST", "PORT", "RACK", "CONTROLLER"],
        &brokers,
    ));
    match &info.quorum {
        Some(quorum) => out.push_str(&quorum_text(quorum)),
        None => out.push_str("\nMetadata quorum: not available (no DescribeQuorum)\n"),
    }
    out.push_str(&format!(
        "\nAPI versions of {}:\n",
        info.api_versions.broker
    ));
    let apis: Vec<Vec<String>> = info
        .api_versions
        .apis
        .iter()
        .map(|a| {
            vec![
                a.api_key.to_string(),
                a.name.clone(),
                a.min_version.to_string(),
                a.max_version.to_string(),
                a.kf_version
                    .map_or_else(|| "-".to_string(), |v| v.to_string()),
            ]
        })
        .collect();
    out.push_str(&table(&["KEY", "API", "MIN", "MAX", "KF USES"], &apis));
    out
}

fn quorum_text(quorum: &QuorumInfo) -> String {
    let mut out = format!(
        "\nMetadata quorum: leader {}, epoch {}, high watermark {}\n",
        quorum.leader_id, quorum.leader_epoch, quorum.high_watermark
    );
    let rows: Vec<Vec<String>> = quorum
        .voters
        .iter()
        .map(|r| (r, "voter"))
        .chain(quorum.observers.iter().map(|r| (r, "observer")))
        .map(|(r, role)| {
            let role = if r.replica_id == quorum.leader_id {
                "leader"
            } else {
                role
            };
            vec![
                r.replica_id.to_string(),
                role.to_string(),
                r.log_end_offset.to_string(),
                r.lag.to_string(),
                r.last_fetch_timestamp.to_string(),
                r.last_caught_up_timestamp.to_string(),
            ]
        })
        .collect();
    out.push_str(&table(
        &[
            "REPLICA",
            "ROLE",
            "LOG-END-OFFSET",
            "LAG",
            "LAST-FETCH-MS",
            "LAST-CAUGHT-UP-MS",
        ],
        &rows,
    ));
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn replica(replica_id: i32, log_end_offset: i64) -> QuorumReplica {
        QuorumReplica {
            replica_id,
            log_end_offset,
            last_fetch_timestamp: -1,
            last_caught_up_timestamp: -1,
        }
    }

    #[test]
    fn quorum_lag_is_measured_from_the_leaders_log_end() {
        let info = quorum_info(QuorumDescription {
            leader_id: 2,
            leader_epoch: 4,
            high_watermark: 90,
            voters: vec![replica(1, 80), replica(2, 100), replica(3, 100)],
            observers: vec![replica(4, 95)],
        });
        let lags: Vec<i64> = info.voters.iter().map(|v| v.lag).collect();
        assert_eq!(lags, [20, 0, 0]);
        assert_eq!(info.observers[0].lag, 5);
        let text = quorum_text(&info);
        assert!(text.contains("leader 2, epoch 4, high watermark 90"));
        assert!(text
            .lines()
            .any(|l| l.starts_with("2 ") && l.contains("leader")));
        assert!(text
            .lines()
            .any(|l| l.starts_with("4 ") && l.contains("observer")));
    }
}

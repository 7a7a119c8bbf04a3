//! A broker's listeners in a local cluster: binding each one, and what the broker advertises on
//! it. Broker i's listeners are the configured ones with every non-zero port moved up by i.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

use super::ClusterError;
use crate::broker::ListenerName;
use crate::config::listeners::{Endpoint, ListenerConfig};
use crate::metadata::ListenerEndpoint;

/// Where a listener with an empty host, or bound to a wildcard address, is advertised.
const LOOPBACK: &str = "127.0.0.1";

/// One listener of a broker as `kf cluster status` shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ListenerInfo {
    pub name: String,
    /// The address it is bound to.
    pub bound: String,
    /// `host:port` clients that connect through it are told.
    pub advertised: String,
}

/// What stands for an unset `listeners`: one PLAINTEXT listener on `--bind` and `-p`.
pub fn default_listeners(bind: IpAddr, base_port: u16) -> String {
    match bind {
        ip if ip.is_unspecified() => format!("PLAINTEXT://:{base_port}"),
        IpAddr::V6(ip) => format!("PLAINTEXT://[{ip}]:{base_port}"),
        IpAddr::V4(ip) => format!("PLAINTEXT://{ip}:{base_port}"),
    }
}

/// Binds every listener of `config`; an empty host binds `wildcard`.
pub async fn bind_all(
    config: &ListenerConfig,
    wildcard: IpAddr,
) -> Result<Vec<(ListenerName, TcpListener)>, ClusterError> {
    let mut bound = Vec::with_capacity(config.listeners.len());
    for endpoint in &config.listeners {
        let addr = resolve(endpoint, wildcard).await?;
        bound.push((ListenerName::new(&endpoint.name), bind(addr).await?));
    }
    Ok(bound)
}

pub async fn bind(addr: SocketAddr) -> Result<TcpListener, ClusterError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| ClusterError::Bind { addr, source })
}

async fn resolve(endpoint: &Endpoint, wildcard: IpAddr) -> Result<SocketAddr, ClusterError> {
    let Some(host) = endpoint.host.as_deref() else {
        return Ok(SocketAddr::new(wildcard, endpoint.port));
    };
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, endpoint.port));
    }
    let unresolved = |source| ClusterError::Bind {
        addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), endpoint.port),
        source,
    };
    tokio::net::lookup_host((host, endpoint.port))
        .await
        .map_err(unresolved)?
        .next()
        .ok_or_else(|| unresolved(std::io::Error::other(format!("{host} has no address"))))
}

/// What the broker advertises on each listener, given where each one is bound.
pub fn advertised(
    config: &ListenerConfig,
    bound: &[(ListenerName, SocketAddr)],
) -> Vec<ListenerEndpoint> {
    config
        .advertised
        .iter()
        .filter_map(|endpoint| {
            let (_, addr) = bound.iter().find(|(n, _)| n.as_str() == endpoint.name)?;
            let host = match endpoint.host.as_deref() {
                Some(host) => host.to_string(),
                None if addr.ip().is_unspecified() => LOOPBACK.to_string(),
                None => addr.ip().to_string(),
            };
            let port = if endpoint.port == 0 {
                addr.port()
            } else {
                endpoint.port
            };
            Some(ListenerEndpoint {
                name: endpoint.name.clone(),
                host,
                port: i32::from(port),
                security_protocol: endpoint.protocol.id(),
            })
        })
        .collect()
}

/// `host:port`, with brackets around an IPv6 host.
pub fn host_port(host: &str, port: i32) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

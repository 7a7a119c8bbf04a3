//! Kafka's listener configs: `listeners`, `advertised.listeners`,
//! `listener.security.protocol.map` and `inter.broker.listener.name`, parsed and validated as
//! Kafka's `KafkaConfig` does, with its messages. A listener is `NAME://HOST:PORT`; an empty
//! HOST binds every interface. The advertised listeners default to the listeners.
//!
//! Differs from Kafka: only PLAINTEXT listeners can be served (SSL and SASL_* are understood and
//! refused until kf has security); `::` may not be advertised either; a listener with an empty
//! host, or bound by `--bind` to a wildcard address, advertises 127.0.0.1 (Kafka advertises the
//! machine's canonical host name).

use std::collections::BTreeMap;
use std::fmt;

use thiserror::Error;

pub const LISTENERS: &str = "listeners";
pub const ADVERTISED_LISTENERS: &str = "advertised.listeners";
pub const LISTENER_SECURITY_PROTOCOL_MAP: &str = "listener.security.protocol.map";
pub const INTER_BROKER_LISTENER_NAME: &str = "inter.broker.listener.name";
/// Kafka's default `listener.security.protocol.map`.
pub const DEFAULT_SECURITY_PROTOCOL_MAP: &str =
    "SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityProtocol {
    Plaintext,
    Ssl,
    SaslPlaintext,
    SaslSsl,
}

impl SecurityProtocol {
    fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_uppercase().as_str() {
            "PLAINTEXT" => Some(Self::Plaintext),
            "SSL" => Some(Self::Ssl),
            "SASL_PLAINTEXT" => Some(Self::SaslPlaintext),
            "SASL_SSL" => Some(Self::SaslSsl),
            _ => None,
        }
    }

    /// Kafka's `SecurityProtocol.id`, as Metadata v0 and registrations carry it.
    pub fn id(self) -> i16 {
        match self {
            Self::Plaintext => 0,
            Self::Ssl => 1,
            Self::SaslPlaintext => 2,
            Self::SaslSsl => 3,
        }
    }
}

impl fmt::Display for SecurityProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Plaintext => "PLAINTEXT",
            Self::Ssl => "SSL",
            Self::SaslPlaintext => "SASL_PLAINTEXT",
            Self::SaslSsl => "SASL_SSL",
        })
    }
}

/// One `NAME://HOST:PORT` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Upper case, as Kafka normalises listener names.
    pub name: String,
    pub protocol: SecurityProtocol,
    /// `None`: every interface.
    pub host: Option<String>,
    /// 0: a free port.
    pub port: u16,
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = self.host.as_deref().unwrap_or("");
        if host.contains(':') {
            write!(f, "{}://[{host}]:{}", self.name, self.port)
        } else {
            write!(f, "{}://{host}:{}", self.name, self.port)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct ListenerError(pub String);

/// A broker's listeners, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerConfig {
    pub listeners: Vec<Endpoint>,
    /// The effective advertised listeners: `advertised.listeners`, else the listeners.
    pub advertised: Vec<Endpoint>,
    pub inter_broker_listener: String,
}

impl ListenerConfig {
    /// Reads the four configs from broker properties; `default_listeners` stands for an unset
    /// `listeners`.
    pub fn from_properties(
        properties: &BTreeMap<String, String>,
        default_listeners: &str,
    ) -> Result<Self, ListenerError> {
        let map_value = properties
            .get(LISTENER_SECURITY_PROTOCOL_MAP)
            .map_or(DEFAULT_SECURITY_PROTOCOL_MAP, String::as_str);
        let protocols = security_protocol_map(map_value)?;
        let listeners_value = properties
            .get(LISTENERS)
            .map_or(default_listeners, String::as_str);
        let listeners = endpoints(listeners_value, &protocols, true)?;
        let advertised = match properties.get(ADVERTISED_LISTENERS) {
            Some(value) => endpoints(value, &protocols, false)?,
            None => listeners.clone(),
        };
        let inter_broker_listener = match properties.get(INTER_BROKER_LISTENER_NAME) {
            Some(name) => {
                let name = name.trim().to_ascii_uppercase();
                if !protocols.contains_key(&name) {
                    return Err(ListenerError(format!(
                        "Listener with name {name} defined in {INTER_BROKER_LISTENER_NAME} not \
                         found in {LISTENER_SECURITY_PROTOCOL_MAP}."
                    )));
                }
                name
            }
            None => "PLAINTEXT".to_string(),
        };
        let config = ListenerConfig {
            listeners,
            advertised,
            inter_broker_listener,
        };
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ListenerError> {
        let names =
            |endpoints: &[Endpoint]| endpoints.iter().map(|e| e.name.clone()).collect::<Vec<_>>();
        let advertised_names = names(&self.advertised);
        let listener_names = names(&self.listeners);
        if advertised_names.is_empty() {
            return Err(ListenerError(
                "There must be at least one broker advertised listener.".into(),
            ));
        }
        if !advertised_names.contains(&self.inter_broker_listener) {
            return Err(ListenerError(format!(
                "{INTER_BROKER_LISTENER_NAME} must be a listener name defined in \
                 {ADVERTISED_LISTENERS}. The valid options based on currently configured \
                 listeners are {}",
                advertised_names.join(",")
            )));
        }
        if advertised_names.iter().any(|n| !listener_names.contains(n)) {
            return Err(ListenerError(format!(
                "{ADVERTISED_LISTENERS} listener names must be equal to or a subset of the ones \
                 defined in {LISTENERS}. Found {}. The valid options based on the current \
                 configuration are {}",
                advertised_names.join(","),
                listener_names.join(",")
            )));
        }
        for endpoint in &self.advertised {
            if let Some(host @ ("0.0.0.0" | "::")) = endpoint.host.as_deref() {
                return Err(ListenerError(format!(
                    "{ADVERTISED_LISTENERS} cannot use the nonroutable meta-address {host}. Use \
                     a routable IP address."
                )));
            }
        }
        if let Some(secured) = self
            .listeners
            .iter()
            .find(|e| e.protocol != SecurityProtocol::Plaintext)
        {
            return Err(ListenerError(format!(
                "listener {} uses security protocol {}, which kf does not support yet: use \
                 PLAINTEXT",
                secured.name, secured.protocol
            )));
        }
        Ok(())
    }

    /// Broker `index`'s listeners: every non-zero port moved up by `index`, as `-p` does.
    pub fn for_broker(&self, index: u16) -> Result<Self, ListenerError> {
        let shift = |endpoints: &[Endpoint]| -> Result<Vec<Endpoint>, ListenerError> {
            endpoints
                .iter()
                .map(|e| {
                    let port = if e.port == 0 {
                        Ok(0)
                    } else {
                        e.port.checked_add(index).ok_or_else(|| {
                            ListenerError(format!("listener {e} leaves no port for broker {index}"))
                        })
                    }?;
                    Ok(Endpoint { port, ..e.clone() })
                })
                .collect()
        };
        Ok(ListenerConfig {
            listeners: shift(&self.listeners)?,
            advertised: shift(&self.advertised)?,
            inter_broker_listener: self.inter_broker_listener.clone(),
        })
    }
}

/// Parses `NAME:PROTOCOL,...`.
fn security_protocol_map(value: &str) -> Result<BTreeMap<String, SecurityProtocol>, ListenerError> {
    let mut map = BTreeMap::new();
    for entry in value.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let Some((name, protocol)) = entry.split_once(':') else {
            return Err(ListenerError(format!(
                "Error parsing configuration property '{LISTENER_SECURITY_PROTOCOL_MAP}': Malformed \
                 entry '{entry}', expected NAME:PROTOCOL"
            )));
        };
        let protocol = SecurityProtocol::parse(protocol).ok_or_else(|| {
            ListenerError(format!(
                "Invalid security protocol `{}` defined in {LISTENER_SECURITY_PROTOCOL_MAP}",
                protocol.trim()
            ))
        })?;
        map.insert(name.trim().to_ascii_uppercase(), protocol);
    }
    Ok(map)
}

/// Parses a listener list as Kafka's `listenerListToEndPoints`.
fn endpoints(
    value: &str,
    protocols: &BTreeMap<String, SecurityProtocol>,
    require_distinct_ports: bool,
) -> Result<Vec<Endpoint>, ListenerError> {
    let failed = |reason: String| {
        ListenerError(format!(
            "Error creating broker listeners from '{value}': {reason}"
        ))
    };
    let mut out: Vec<Endpoint> = Vec::new();
    for entry in value.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let endpoint = parse_endpoint(entry, protocols).map_err(failed)?;
        out.push(endpoint);
    }
    for (i, endpoint) in out.iter().enumerate() {
        if out[..i].iter().any(|e| e.name == endpoint.name) {
            return Err(ListenerError(format!(
                "Each listener must have a different name, listeners: {value}"
            )));
        }
        let same_port = out[..i]
            .iter()
            .any(|e| e.port == endpoint.port && e.port != 0 && !ipv4_and_ipv6(e, endpoint));
        if require_distinct_ports && same_port {
            return Err(ListenerError(format!(
                "Each listener must have a different port, listeners: {value}"
            )));
        }
    }
    Ok(out)
}

/// Two listeners may share a port when one is on an IPv4 address and the other on IPv6.
fn ipv4_and_ipv6(a: &Endpoint, b: &Endpoint) -> bool {
    let ip = |e: &Endpoint| {
        e.host
            .as_deref()
            .and_then(|h| h.parse::<std::net::IpAddr>().ok())
    };
    matches!((ip(a), ip(b)), (Some(x), Some(y)) if x.is_ipv4() != y.is_ipv4())
}

fn parse_endpoint(
    entry: &str,
    protocols: &BTreeMap<String, SecurityProtocol>,
) -> Result<Endpoint, String> {
    let unparsable = || format!("Unable to parse {entry} to a broker endpoint");
    let (name, rest) = entry.split_once("://").ok_or_else(unparsable)?;
    let (host, port) = rest.rsplit_once(':').ok_or_else(unparsable)?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let host_ok = host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-%._:".contains(c));
    let port: i64 = port.parse().map_err(|_| unparsable())?;
    if !host_ok || name.is_empty() {
        return Err(unparsable());
    }
    let name = name.to_ascii_uppercase();
    let protocol = *protocols
        .get(&name)
        .ok_or_else(|| format!("No security protocol defined for listener {name}"))?;
    let port = u16::try_from(port)
        .map_err(|_| format!("port {port} of listener {name} is not a TCP port"))?;
    Ok(Endpoint {
        name,
        protocol,
        host: (!host.is_empty()).then(|| host.to_string()),
        port,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<ListenerConfig, String> {
        let props = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ListenerConfig::from_properties(&props, "PLAINTEXT://127.0.0.1:9092").map_err(|e| e.0)
    }

    #[test]
    fn two_listeners_with_their_own_advertised_addresses() {
        let c = config(&[
            (
                LISTENERS,
                "INTERNAL://127.0.0.1:9092,external://0.0.0.0:9192",
            ),
            (
                ADVERTISED_LISTENERS,
                "INTERNAL://127.0.0.1:9092,EXTERNAL://host.docker.internal:9192",
            ),
            (
                LISTENER_SECURITY_PROTOCOL_MAP,
                "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT",
            ),
            (INTER_BROKER_LISTENER_NAME, "INTERNAL"),
        ])
        .unwrap();
        assert_eq!(c.listeners[1].name, "EXTERNAL");
        assert_eq!(
            c.advertised[1].host.as_deref(),
            Some("host.docker.internal")
        );
        let b2 = c.for_broker(2).unwrap();
        assert_eq!(b2.listeners[0].port, 9094);
        assert_eq!(b2.advertised[1].port, 9194);
        assert_eq!(
            b2.advertised[1].to_string(),
            "EXTERNAL://host.docker.internal:9194"
        );
    }

    #[test]
    fn the_default_is_plaintext_and_an_empty_host_binds_everything() {
        let c = config(&[(LISTENERS, "PLAINTEXT://:0")]).unwrap();
        assert_eq!(c.listeners[0].host, None);
        assert_eq!(c.inter_broker_listener, "PLAINTEXT");
        assert_eq!(c.for_broker(5).unwrap().listeners[0].port, 0);
        let v6 = config(&[(LISTENERS, "PLAINTEXT://[::1]:9092")]).unwrap();
        assert_eq!(v6.listeners[0].host.as_deref(), Some("::1"));
    }

    #[test]
    fn kafkas_validation_messages() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[(LISTENERS, "PLAINTEXT:9092")], "Error creating broker listeners from 'PLAINTEXT:9092': Unable to parse PLAINTEXT:9092 to a broker endpoint"),
            (&[(LISTENERS, "FOO://:9092")], "No security protocol defined for listener FOO"),
            (&[(LISTENERS, "PLAINTEXT://:9092,PLAINTEXT://:9093")], "Each listener must have a different name"),
            (&[(LISTENERS, "PLAINTEXT://:9092,SSL://:9092")], "Each listener must have a different port"),
            (&[(LISTENERS, "PLAINTEXT://0.0.0.0:9092")], "advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address."),
            (&[(ADVERTISED_LISTENERS, "PLAINTEXT://[::]:9092")], "nonroutable meta-address ::"),
            (&[(ADVERTISED_LISTENERS, "OTHER://a:1"), (LISTENER_SECURITY_PROTOCOL_MAP, "PLAINTEXT:PLAINTEXT,OTHER:PLAINTEXT"), (INTER_BROKER_LISTENER_NAME, "OTHER")], "advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. Found OTHER. The valid options based on the current configuration are PLAINTEXT"),
            (&[(INTER_BROKER_LISTENER_NAME, "NOPE")], "Listener with name NOPE defined in inter.broker.listener.name not found in listener.security.protocol.map."),
            (&[(LISTENERS, "A://:1"), (LISTENER_SECURITY_PROTOCOL_MAP, "A:PLAINTEXT,PLAINTEXT:PLAINTEXT")], "inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are A"),
            (&[(LISTENER_SECURITY_PROTOCOL_MAP, "PLAINTEXT:TLS")], "Invalid security protocol `TLS` defined in listener.security.protocol.map"),
            (&[(LISTENERS, "PLAINTEXT://:9092,SSL://:9093")], "listener SSL uses security protocol SSL, which kf does not support yet"),
            (&[(LISTENERS, "PLAINTEXT://:70000")], "port 70000 of listener PLAINTEXT is not a TCP port"),
        ];
        for (pairs, message) in cases {
            let err = config(pairs).unwrap_err();
            assert!(err.contains(message), "{pairs:?}: {err}");
        }
        let last = config(&[(LISTENERS, "PLAINTEXT://:65535")]).unwrap();
        assert!(last
            .for_broker(1)
            .unwrap_err()
            .0
            .contains("leaves no port for broker 1"));
    }
}

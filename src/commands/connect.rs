//! Where a client command connects, in order: `-b/--bootstrap-server`, a profile named with
//! `--profile`, `$KF_BOOTSTRAP`, the `default-profile` of `~/.config/kf/config.yaml`, and last
//! the running local `kf cluster up`. An explicit `--profile` beats `$KF_BOOTSTRAP` because a
//! flag states intent where the environment only sets a habit. A named profile's client
//! properties apply even under `-b`; `-X key=value` goes on top of everything.
//!
//! ```yaml
//! default-profile: dev
//! profiles:
//!   dev:
//!     bootstrap: localhost:9092
//!   prod:
//!     bootstrap: kafka1:9092,kafka2:9092
//!     properties:
//!       request.timeout.ms: "5000"
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{anyhow, Context};
use serde::Deserialize;

use super::cluster::parse_key_value;
use crate::cli::ConnectArgs;
use crate::client::{Client, ClientConfig};
use crate::cluster::state::ClusterState;

pub const BOOTSTRAP_ENV: &str = "KF_BOOTSTRAP";

/// Defaults for commands that make a few requests and exit (topic, cluster info): an
/// unreachable cluster fails in seconds rather than after the Java client's minute.
/// `-X` and profile properties override them.
pub const ADMIN_DEFAULTS: &[(&str, &str)] = &[
    ("default.api.timeout.ms", "15000"),
    ("request.timeout.ms", "10000"),
    ("socket.connection.setup.timeout.ms", "5000"),
];

/// Defaults for the commands that stream records (produce, consume, bench): an unreachable
/// cluster fails in seconds, while requests keep the client's own timeouts (fetches long-poll).
/// `-X` and profile properties override them.
pub const CONNECT_DEFAULTS: &[(&str, &str)] = &[
    ("default.api.timeout.ms", "15000"),
    ("socket.connection.setup.timeout.ms", "5000"),
];

/// `~/.config/kf/config.yaml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProfilesFile {
    pub default_profile: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Profile {
    pub bootstrap: String,
    /// Kafka client properties, as with -X.
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
}

pub fn profiles_path() -> PathBuf {
    dirs::config_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("kf")
        .join("config.yaml")
}

fn load_profiles() -> anyhow::Result<ProfilesFile> {
    let path = profiles_path();
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_saphyr::from_str(&text).map_err(|e| anyhow!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ProfilesFile::default()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// The profile called `name`, or an error naming the profiles there are.
fn named_profile(profiles: &ProfilesFile, name: &str) -> anyhow::Result<Profile> {
    match profiles.profiles.get(name) {
        Some(profile) => Ok(Profile {
            bootstrap: profile.bootstrap.clone(),
            properties: profile.properties.clone(),
        }),
        None if profiles.profiles.is_empty() => Err(anyhow!(
            "no profile '{name}': {} defines no profiles",
            profiles_path().display()
        )),
        None => Err(anyhow!(
            "no profile '{name}' in {} (profiles: {})",
            profiles_path().display(),
            profiles
                .profiles
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn env_bootstrap() -> Option<String> {
    std::env::var(BOOTSTRAP_ENV).ok().filter(|s| !s.is_empty())
}

/// The bootstrap servers and client properties `args` resolve to.
pub fn resolve(args: &ConnectArgs) -> anyhow::Result<(String, BTreeMap<String, String>)> {
    let mut properties = BTreeMap::new();
    let explicit_profile = match &args.profile {
        Some(name) => Some(named_profile(&load_profiles()?, name)?),
        None => None,
    };
    let bootstrap = if let Some(servers) = &args.bootstrap_server {
        if let Some(profile) = explicit_profile {
            properties.extend(profile.properties);
        }
        servers.clone()
    } else if let Some(profile) = explicit_profile {
        properties.extend(profile.properties);
        profile.bootstrap
    } else if let Some(servers) = env_bootstrap() {
        servers
    } else {
        let profiles = load_profiles()?;
        match &profiles.default_profile {
            Some(name) => {
                let profile = named_profile(&profiles, name)
                    .with_context(|| format!("default-profile '{name}'"))?;
                properties.extend(profile.properties);
                profile.bootstrap
            }
            None => {
                ClusterState::load(None)
                    .map_err(|e| {
                        anyhow!(
                            "{e}; or give -b/--bootstrap-server, set {BOOTSTRAP_ENV} or use \
                             --profile"
                        )
                    })?
                    .bootstrap_servers
            }
        }
    };
    for arg in &args.client_properties {
        let (key, value) = parse_key_value(arg, "-X")?;
        properties.insert(key, value);
    }
    Ok((bootstrap, properties))
}

/// The client config `args` resolve to, with `overrides` (a command's own flags) applied last.
pub fn client_config(
    args: &ConnectArgs,
    overrides: &[(&str, &str)],
) -> anyhow::Result<ClientConfig> {
    client_config_with_defaults(args, &[], overrides)
}

/// Like [`client_config`], with a command's `defaults` applied before the user's properties.
pub fn client_config_with_defaults(
    args: &ConnectArgs,
    defaults: &[(&str, &str)],
    overrides: &[(&str, &str)],
) -> anyhow::Result<ClientConfig> {
    let (bootstrap, properties) = resolve(args)?;
    let mut config = ClientConfig::new(&bootstrap);
    config.set("client.id", "kf")?;
    for (key, value) in defaults {
        config.set(key, value)?;
    }
    for (key, value) in &properties {
        config
            .set(key, value)
            .map_err(|e| super::UsageError(format!("-X {key}={value}: {e}")))?;
    }
    for (key, value) in overrides {
        config.set(key, value)?;
    }
    Ok(config)
}

/// A connected client for `args` with [`CONNECT_DEFAULTS`].
pub async fn connect(args: &ConnectArgs, overrides: &[(&str, &str)]) -> anyhow::Result<Client> {
    open(client_config_with_defaults(
        args,
        CONNECT_DEFAULTS,
        overrides,
    )?)
    .await
}

/// A connected client for `args` with [`ADMIN_DEFAULTS`].
pub async fn connect_admin(args: &ConnectArgs) -> anyhow::Result<Client> {
    open(client_config_with_defaults(args, ADMIN_DEFAULTS, &[])?).await
}

async fn open(config: ClientConfig) -> anyhow::Result<Client> {
    Client::connect(config)
        .await
        .context("cannot reach the Kafka cluster")
}

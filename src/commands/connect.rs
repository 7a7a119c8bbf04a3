//! Where a client command connects, in order: `-b/--bootstrap-server`, `$KF_BOOTSTRAP`, a named
//! profile of `~/.config/kf/config.yaml` (`--profile`, or the file's `default-profile`), and
//! last the running local `kf cluster up`. `-X key=value` client properties go on top.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{anyhow, Context};
use serde::Deserialize;

use super::cluster::parse_key_value;
use crate::cli::ConnectArgs;
use crate::client::{Client, ClientConfig};
use crate::cluster::state::ClusterState;

pub const BOOTSTRAP_ENV: &str = "KF_BOOTSTRAP";

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

/// The bootstrap servers and client properties `args` resolve to.
pub fn resolve(args: &ConnectArgs) -> anyhow::Result<(String, BTreeMap<String, String>)> {
    let mut properties = BTreeMap::new();
    let bootstrap = if let Some(servers) = &args.bootstrap_server {
        servers.clone()
    } else if let Some(servers) = std::env::var(BOOTSTRAP_ENV).ok().filter(|s| !s.is_empty()) {
        servers
    } else {
        let profiles = load_profiles()?;
        match args.profile.clone().or(profiles.default_profile.clone()) {
            Some(name) => {
                let profile = profiles.profiles.get(&name).ok_or_else(|| {
                    anyhow!("no profile '{name}' in {}", profiles_path().display())
                })?;
                properties.extend(profile.properties.clone());
                profile.bootstrap.clone()
            }
            None => {
                ClusterState::load(None)
                    .map_err(|e| {
                        anyhow!("{e}; or give -b/--bootstrap-server or set {BOOTSTRAP_ENV}")
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
    let (bootstrap, properties) = resolve(args)?;
    let mut config = ClientConfig::new(&bootstrap);
    config.set("client.id", "kf")?;
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

/// A connected client for `args`.
pub async fn connect(args: &ConnectArgs, overrides: &[(&str, &str)]) -> anyhow::Result<Client> {
    let config = client_config(args, overrides)?;
    Client::connect(config)
        .await
        .context("cannot reach the Kafka cluster")
}

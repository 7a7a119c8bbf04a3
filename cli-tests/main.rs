//! Black-box tests of the `kf` binary (assert_cmd), one module per subcommand.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bench;
mod cluster;
mod cluster_faults;
mod cluster_info;
mod connect;
mod consume;
mod first_hour;
mod generate;
mod group;
mod help_examples;
mod open_files;
mod pipe;
mod produce;
mod top;
mod topic;
mod txn;

use assert_cmd::Command;

/// The kf binary with a private user state directory, so tests never see a real local cluster.
pub fn kf(home: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("kf").unwrap();
    cmd.env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env_remove("KF_BOOTSTRAP")
        .timeout(std::time::Duration::from_secs(120));
    cmd
}

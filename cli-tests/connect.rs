//! Where client commands connect: `-b`, `--profile`, `$KF_BOOTSTRAP`, the default profile,
//! the local `kf cluster up`, in that order.

use std::path::Path;

use predicates::prelude::*;

use super::kf;
use super::topic::TestCluster;

/// A port nothing listens on.
fn dead_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

fn write_profiles(home: &Path, yaml: &str) {
    let dir = home.join(".config").join("kf");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.yaml"), yaml).unwrap();
}

/// `kf topic list -o json` in `home` with `args`, asserting success.
fn list_succeeds(home: &Path, env: Option<&str>, args: &[&str]) {
    let mut cmd = kf(home);
    if let Some(servers) = env {
        cmd.env("KF_BOOTSTRAP", servers);
    }
    // A dead address fails fast, so a wrong choice shows as a failure, not a wait.
    cmd.args([
        "topic",
        "list",
        "-o",
        "json",
        "-X",
        "default.api.timeout.ms=20000",
    ])
    .args(args)
    .assert()
    .success()
    .stdout(predicate::str::contains("\"name\": \"seen\""));
}

#[test]
fn flag_environment_and_profiles_in_order() {
    let cluster = TestCluster::start(1);
    cluster.kf(&["topic", "create", "seen"]).assert().success();
    let home = tempfile::tempdir().unwrap();
    let good = cluster.bootstrap();
    let dead = dead_address();
    write_profiles(
        home.path(),
        &format!(
            "default-profile: dead\nprofiles:\n  dev:\n    bootstrap: {good}\n  dead:\n    bootstrap: {dead}\n"
        ),
    );

    // -b beats everything.
    list_succeeds(
        home.path(),
        Some(&dead),
        &["-b", &good, "--profile", "dead"],
    );
    // An explicit --profile beats $KF_BOOTSTRAP.
    list_succeeds(home.path(), Some(&dead), &["--profile", "dev"]);
    // $KF_BOOTSTRAP beats the default profile.
    list_succeeds(home.path(), Some(&good), &[]);
    // The default profile is used when nothing else is given.
    write_profiles(
        home.path(),
        &format!("default-profile: dev\nprofiles:\n  dev:\n    bootstrap: {good}\n"),
    );
    list_succeeds(home.path(), None, &[]);
}

#[test]
fn profile_properties_apply_and_bad_profiles_are_clear() {
    let cluster = TestCluster::start(1);
    let home = tempfile::tempdir().unwrap();
    let good = cluster.bootstrap();
    write_profiles(
        home.path(),
        &format!(
            "profiles:\n  dev:\n    bootstrap: {good}\n  broken:\n    bootstrap: {good}\n    properties:\n      request.timeout.ms: soon\n"
        ),
    );
    kf(home.path())
        .args(["topic", "list", "--profile", "broken"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("request.timeout.ms=soon"));
    kf(home.path())
        .args(["topic", "list", "--profile", "prod"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no profile 'prod'"))
        .stderr(predicate::str::contains("(profiles: broken, dev)"));
    write_profiles(home.path(), "profiles: [not, a, map]\n");
    kf(home.path())
        .args(["topic", "list", "--profile", "dev"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("config.yaml"));
}

#[test]
fn bad_client_property_is_a_usage_error() {
    let home = tempfile::tempdir().unwrap();
    kf(home.path())
        .args([
            "topic",
            "list",
            "-b",
            "127.0.0.1:1",
            "-X",
            "request.timeout.ms=soon",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(
            "kf: error: -X request.timeout.ms=soon",
        ));
    kf(home.path())
        .args(["topic", "list", "-b", "127.0.0.1:1", "-X", "novalue"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("-X expects KEY=VALUE"));
}

#[test]
fn without_any_setting_the_local_cluster_is_used() {
    let home = tempfile::tempdir().unwrap();
    kf(home.path())
        .args(["topic", "list"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no local cluster is running"))
        .stderr(predicate::str::contains("-b/--bootstrap-server"));

    let data = home.path().join("local");
    kf(home.path())
        .args([
            "cluster",
            "up",
            "-n",
            "1",
            "-p",
            "0",
            "--detach",
            "--data-dir",
        ])
        .arg(&data)
        .assert()
        .success();
    let created = kf(home.path())
        .args(["topic", "create", "local-topic"])
        .assert();
    let listed = kf(home.path()).args(["topic", "list"]).assert();
    let info = kf(home.path())
        .args(["cluster", "info", "-o", "json"])
        .assert();
    // Stop the background cluster before judging, so a failure cannot leak it.
    kf(home.path()).args(["cluster", "down"]).assert().success();
    created.success().stdout("Created topic local-topic.\n");
    listed
        .success()
        .stdout(predicate::str::contains("local-topic"));
    info.success()
        .stdout(predicate::str::contains("\"controller_id\": 0"));
}

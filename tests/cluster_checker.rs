//! The seeded failure checker (issue #7 part 7; the harness is `checker/`): `cargo test` runs a
//! few fixed schedules; the ignored `soak` runs many:
//!
//! ```text
//! KF_CHECKER_SCHEDULES=1000 cargo test --release --test cluster_checker -- --ignored soak --nocapture
//! ```
//!
//! A failing schedule prints its seed; `KF_CHECKER_SEED=N cargo test --test cluster_checker`
//! replays it (and the soak starts from `KF_CHECKER_SEED` when it is set).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod checker;
mod common;

use checker::schedule::Schedule;

/// Steps per schedule: enough for a failover, a rejoin and one more fault on top of them.
const STEPS: usize = 3;

fn env_u64(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    Some(
        value
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value} is not a number")),
    )
}

/// Runs the schedule of `seed`, panicking with the seed and the schedule when it fails.
async fn check(seed: u64) {
    let schedule = Schedule::from_seed(seed, STEPS);
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    match checker::run(&schedule, dir.path()).await {
        Ok(outcome) => eprintln!(
            "checker seed {seed}: ok in {:.1?}: {} acknowledged, {} failed deliveries",
            started.elapsed(),
            outcome.acked,
            outcome.failed
        ),
        Err(e) => panic!(
            "checker: {e}\n{schedule}replay: KF_CHECKER_SEED={seed} cargo test --test cluster_checker"
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_failure_schedules_keep_every_acknowledged_record() {
    let seeds = match env_u64("KF_CHECKER_SEED") {
        Some(seed) => vec![seed],
        None => vec![1, 2],
    };
    for seed in seeds {
        check(seed).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a soak: KF_CHECKER_SCHEDULES=1000 cargo test --release --test cluster_checker -- --ignored soak"]
async fn soak() {
    let schedules = env_u64("KF_CHECKER_SCHEDULES").unwrap_or(100);
    let first = env_u64("KF_CHECKER_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    });
    eprintln!("checker soak: seeds {first}..{}", first + schedules);
    for seed in first..first + schedules {
        check(seed).await;
    }
}

//! Blocking file work reached from async code (a log opened at its first use, new partition
//! directories made durable): it runs off the runtime's worker threads, so that every broker of
//! the process, which share the runtime, keeps answering while one waits on the disk.

use tokio::runtime::{Handle, RuntimeFlavor};

/// Runs `work` where blocking is allowed: on a multi-thread runtime's worker it hands that
/// worker's other tasks to another thread first (`block_in_place`); elsewhere (a blocking
/// thread, no runtime, a current-thread runtime, which cannot hand its tasks on) it runs as is.
pub fn off_runtime<T>(work: impl FnOnce() -> T) -> T {
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn runs_without_a_runtime() {
        assert_eq!(off_runtime(|| 7), 7);
    }

    #[tokio::test]
    async fn runs_on_a_current_thread_runtime() {
        assert_eq!(off_runtime(|| 7), 7);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn another_task_runs_while_a_worker_blocks() {
        let (tx, rx) = std::sync::mpsc::channel();
        // The only worker blocks until the other task has run: without the hand-off it never
        // would (the test's own thread runs no spawned task).
        let blocked = tokio::spawn(async move {
            off_runtime(|| rx.recv_timeout(std::time::Duration::from_secs(60)))
        });
        tokio::spawn(async move { tx.send(()).unwrap() });
        assert!(blocked.await.unwrap().is_ok());
    }
}

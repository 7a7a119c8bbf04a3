//! A metadata log write that meets a full disk (ENOSPC, EDQUOT), or a process out of file
//! descriptors (EMFILE, ENFILE: the open-file limit), waits and is tried again instead of
//! failing. openraft stops a node's Raft core for good on any storage error, which left the
//! node out of the quorum until a restart and filled the log with errors. While the write waits,
//! this node's Raft is stalled: the other voters carry on without it, or, when no majority can
//! write, controller requests fail with their timeout. Once space is freed the write goes
//! through and the node catches up by itself. The log says so once when it starts and once when
//! it ends.
//!
//! Difference from Kafka: a Kafka controller whose metadata log directory fails shuts down;
//! kf's node waits for space instead, as a restart would only meet the same full disk.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

const FIRST_PAUSE: Duration = Duration::from_millis(50);
const MAX_PAUSE: Duration = Duration::from_secs(2);

/// Whether `error` is the disk (or the user's quota) being full.
pub fn is_disk_full(error: &io::Error) -> bool {
    matches!(error.raw_os_error(), Some(libc::ENOSPC | libc::EDQUOT))
        || error.kind() == io::ErrorKind::StorageFull
}

/// Whether `error` is the process (or the system) out of file descriptors, which closing
/// connections or log files frees.
fn is_out_of_descriptors(error: &io::Error) -> bool {
    matches!(error.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
}

/// What the user can do about a write that waits.
fn remedy(error: &io::Error) -> &'static str {
    match is_out_of_descriptors(error) {
        true => "Raise the open-file limit (ulimit -n) or close connections",
        false => "Free space on that disk",
    }
}

/// One metadata log directory's full-disk state, shared by its log store and state machine, so
/// that the log says once that writes wait and once that they go through again.
#[derive(Clone)]
pub struct DiskFull {
    dir: PathBuf,
    waiting: Arc<AtomicBool>,
}

impl DiskFull {
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
            waiting: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Whether a write is waiting for space now.
    pub fn is_waiting(&self) -> bool {
        self.waiting.load(Ordering::Acquire)
    }

    /// Runs `write` until it succeeds or fails for another reason than a full disk or a lack of
    /// descriptors. Each attempt (file writes and syncs) runs off the runtime's workers, which
    /// every broker of the process shares.
    pub async fn retry<T>(&self, mut write: impl FnMut() -> io::Result<T>) -> io::Result<T> {
        let mut pause = FIRST_PAUSE;
        loop {
            match crate::blocking::off_runtime(&mut write) {
                Err(e) if is_disk_full(&e) || is_out_of_descriptors(&e) => {
                    if !self.waiting.swap(true, Ordering::AcqRel) {
                        tracing::error!(
                            "the metadata log in {} cannot be written: {e}. {}: this broker's \
                             metadata node waits and carries on by itself once it can write \
                             (no restart needed); until then topic and broker changes may fail \
                             with a timeout",
                            self.dir.display(),
                            remedy(&e)
                        );
                    }
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(MAX_PAUSE);
                }
                result => {
                    if result.is_ok() && self.waiting.swap(false, Ordering::AcqRel) {
                        tracing::warn!(
                            "the metadata log in {} is written again",
                            self.dir.display()
                        );
                    }
                    return result;
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_disk_is_waited_out_and_other_errors_fail_at_once() {
        let notice = DiskFull::new(Path::new("/nowhere"));
        let mut attempts = 0;
        let written = notice
            .retry(|| {
                attempts += 1;
                match attempts {
                    1..=2 => Err(io::Error::from_raw_os_error(libc::ENOSPC)),
                    3 => Err(io::Error::from_raw_os_error(libc::EMFILE)),
                    _ => Ok(attempts),
                }
            })
            .await
            .unwrap();
        assert_eq!(written, 4);
        assert!(!notice.is_waiting());
        let failed = notice
            .retry(|| Err::<(), _>(io::Error::from_raw_os_error(libc::EIO)))
            .await;
        assert_eq!(failed.unwrap_err().raw_os_error(), Some(libc::EIO));
    }
}

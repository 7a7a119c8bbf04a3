//! The process's open log files: a bounded cache of descriptors shared by every log of every
//! broker in the process, least recently used closed first. Segments and indexes hold a
//! [`FileHandle`] (a name for a file, not a descriptor) and get the descriptor from here for
//! each operation, so the descriptors a process holds depend on what is in use, not on how many
//! partitions it hosts. Kafka keeps every segment open (and maps its indexes); it relies on a
//! raised limit, which a laptop does not have.
//!
//! The bound is the logs' budget: when the OS refuses a descriptor within it (connections took
//! the rest), the open fails and only that partition goes offline until it is retried; closing
//! other logs' files to make room would move the failure onto partitions that are serving.

use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};

/// The bound until [`set_capacity`] sizes the cache (from `log.open.files.max` or the limit).
const DEFAULT_CAPACITY: usize = 128;

static CACHE: LazyLock<OpenFiles> = LazyLock::new(|| OpenFiles {
    capacity: AtomicUsize::new(DEFAULT_CAPACITY),
    inner: Mutex::new(Inner::default()),
});
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

struct OpenFiles {
    capacity: AtomicUsize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Invariant: `by_id` and `lru` hold the same files, `lru` keyed by last use.
    by_id: HashMap<u64, (Arc<File>, u64)>,
    lru: BTreeMap<u64, u64>,
    clock: u64,
    opened: u64,
    closed: u64,
}

/// What the cache holds and has done, for `kf cluster status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenFilesStats {
    pub open: usize,
    pub capacity: usize,
    pub opened_total: u64,
    pub closed_total: u64,
}

fn inner() -> MutexGuard<'static, Inner> {
    CACHE.inner.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Bounds the log files the process keeps open (at least 4, so appends and reads can proceed).
pub fn set_capacity(capacity: usize) {
    CACHE.capacity.store(capacity.max(4), Ordering::Relaxed);
    let mut inner = inner();
    inner.evict_to(capacity.max(4));
}

pub fn stats() -> OpenFilesStats {
    let inner = inner();
    OpenFilesStats {
        open: inner.by_id.len(),
        capacity: CACHE.capacity.load(Ordering::Relaxed),
        opened_total: inner.opened,
        closed_total: inner.closed,
    }
}

/// The process's open-file limit: soft (in force) and hard (the most it may be raised to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenFileLimit {
    pub soft: u64,
    pub hard: u64,
}

fn get_limit() -> Option<OpenFileLimit> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit into the struct it is given.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return None;
    }
    Some(OpenFileLimit {
        soft: limit.rlim_cur,
        hard: limit.rlim_max,
    })
}

fn set_soft_limit(soft: u64, hard: u64) -> bool {
    let limit = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: setrlimit only reads the struct it is given.
    unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0 }
}

/// Raises the soft open-file limit to the hard limit where the OS allows it (macOS refuses
/// more than its per-process maximum, 10240 by default, so that is tried next) and returns the
/// limit now in force.
pub fn raise_open_file_limit() -> Option<OpenFileLimit> {
    let limit = get_limit()?;
    if limit.soft < limit.hard && !set_soft_limit(limit.hard, limit.hard) {
        const MACOS_OPEN_MAX: u64 = 10_240;
        if limit.soft < MACOS_OPEN_MAX {
            set_soft_limit(MACOS_OPEN_MAX.min(limit.hard), limit.hard);
        }
    }
    get_limit()
}

/// The log files a process with `soft` descriptors may keep open: a quarter (at least 96) is
/// left for connections, the metadata log, checkpoints being written and the runtime.
pub fn capacity_for_limit(soft: u64) -> usize {
    let reserve = (soft / 4).max(96);
    usize::try_from(soft.saturating_sub(reserve))
        .unwrap_or(usize::MAX)
        .clamp(16, 65_536)
}

/// Descriptors the process has open now, where the OS lists them (`/proc/self/fd`, `/dev/fd`).
pub fn descriptors_in_use() -> Option<u64> {
    let dir = ["/proc/self/fd", "/dev/fd"]
        .into_iter()
        .find_map(|d| std::fs::read_dir(d).ok())?;
    // The listing itself holds one.
    Some((dir.count() as u64).saturating_sub(1))
}

/// Sizes the cache at start: `max` (log.open.files.max) when set, else from the open-file
/// limit after raising it. Returns the limit in force.
pub fn configure(max: usize) -> Option<OpenFileLimit> {
    let limit = raise_open_file_limit();
    let capacity = match (max, limit) {
        (0, Some(limit)) => capacity_for_limit(limit.soft),
        (0, None) => DEFAULT_CAPACITY,
        (max, _) => max,
    };
    set_capacity(capacity);
    limit
}

impl Inner {
    fn touch(&mut self, id: u64) -> Option<Arc<File>> {
        self.clock += 1;
        let clock = self.clock;
        let (file, used) = self.by_id.get_mut(&id)?;
        self.lru.remove(used);
        *used = clock;
        self.lru.insert(clock, id);
        Some(Arc::clone(file))
    }

    fn insert(&mut self, id: u64, file: Arc<File>, capacity: usize) {
        self.clock += 1;
        self.opened += 1;
        if let Some((_, used)) = self.by_id.insert(id, (file, self.clock)) {
            self.lru.remove(&used);
            self.closed += 1;
        }
        self.lru.insert(self.clock, id);
        self.evict_to(capacity);
    }

    fn evict_to(&mut self, capacity: usize) {
        while self.by_id.len() > capacity {
            let Some((_, id)) = self.lru.pop_first() else {
                break;
            };
            self.by_id.remove(&id);
            self.closed += 1;
        }
        debug_assert_eq!(self.by_id.len(), self.lru.len());
    }

    fn forget(&mut self, id: u64) {
        if let Some((_, used)) = self.by_id.remove(&id) {
            self.lru.remove(&used);
            self.closed += 1;
        }
    }
}

/// A log file known by name; its descriptor lives in the process's cache while in use. Dropping
/// the handle closes the descriptor.
pub(crate) struct FileHandle {
    id: u64,
    path: PathBuf,
}

impl FileHandle {
    /// Creates (or truncates) the file and keeps it open, as it is about to be written.
    pub(crate) fn create(path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new()
            .create(true)
            .read(true)
            .write(true)
            .truncate(true)
            .open(path)?;
        let handle = Self::existing(path);
        let capacity = CACHE.capacity.load(Ordering::Relaxed);
        inner().insert(handle.id, Arc::new(file), capacity);
        Ok(handle)
    }

    /// A file that exists; it is opened at first use.
    pub(crate) fn existing(path: &Path) -> Self {
        Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            path: path.to_path_buf(),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The open file, opened (read and write) if the cache had closed it.
    pub(crate) fn file(&self) -> io::Result<Arc<File>> {
        if let Some(file) = inner().touch(self.id) {
            return Ok(file);
        }
        let file = Arc::new(OpenOptions::new().read(true).write(true).open(&self.path)?);
        let capacity = CACHE.capacity.load(Ordering::Relaxed);
        let mut inner = inner();
        // Another thread may have opened it meanwhile: keep one.
        if let Some(existing) = inner.touch(self.id) {
            return Ok(existing);
        }
        inner.insert(self.id, Arc::clone(&file), capacity);
        Ok(file)
    }

    /// Closes the descriptor now (it is reopened at the next use).
    pub(crate) fn close(&self) {
        inner().forget(self.id);
    }
}

impl Drop for FileHandle {
    fn drop(&mut self) {
        self.close();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::os::unix::fs::FileExt;

    #[test]
    fn files_are_reopened_after_eviction_and_closed_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let handles: Vec<FileHandle> = (0..3)
            .map(|i| FileHandle::create(&dir.path().join(format!("{i}.log"))).unwrap())
            .collect();
        for (i, handle) in handles.iter().enumerate() {
            handle.file().unwrap().write_all_at(&[i as u8], 0).unwrap();
        }
        // Close them as eviction would, then read each back through a reopened descriptor.
        for handle in &handles {
            handle.close();
            assert!(inner().touch(handle.id).is_none());
        }
        for (i, handle) in handles.iter().enumerate() {
            let mut buf = [0u8; 1];
            handle.file().unwrap().read_exact_at(&mut buf, 0).unwrap();
            assert_eq!(buf[0], i as u8);
        }
        let id = handles[0].id;
        drop(handles);
        assert!(inner().touch(id).is_none());
    }

    #[test]
    fn capacity_leaves_room_for_everything_else() {
        assert_eq!(capacity_for_limit(256), 160);
        assert_eq!(capacity_for_limit(1024), 768);
        assert_eq!(capacity_for_limit(40), 16);
        assert_eq!(capacity_for_limit(1 << 20), 65_536);
    }

    #[test]
    fn the_least_recently_used_file_is_closed_first() {
        let mut inner = Inner::default();
        let dir = tempfile::tempdir().unwrap();
        let file = |n: &str| Arc::new(File::create(dir.path().join(n)).unwrap());
        inner.insert(1, file("a"), 2);
        inner.insert(2, file("b"), 2);
        inner.touch(1).unwrap();
        inner.insert(3, file("c"), 2);
        assert!(inner.touch(2).is_none());
        assert!(inner.touch(1).is_some() && inner.touch(3).is_some());
        assert_eq!(inner.by_id.len(), 2);
    }
}

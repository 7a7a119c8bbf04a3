//! Segment bytes mapped rather than read, for a consumer's Fetch answer: the kernel then copies
//! them once, from the page cache into the socket, where a `pread` first copied every byte into
//! a fresh buffer (and faulted that buffer's pages in): about half of a broker's CPU while it
//! serves consumers.
//!
//! Only bytes that user space does not read once the log's lock is released may be mapped. A
//! segment truncated under a mapping (a follower's truncation, recovery) makes a user-space read
//! of the lost pages fault with SIGBUS, while the kernel's read of them (the socket write) fails
//! with EFAULT, which only closes that connection. So only the Fetch handler maps, and only for
//! consumers, whose bytes go to a socket ([`ReadInto::Mapping`]); in-process readers (followers,
//! the coordinators' loads) get copies.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::sync::OnceLock;

use bytes::Bytes;

/// Where a log read puts the bytes it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadInto {
    /// A buffer of the process's own, which anyone may read at any time.
    Copy,
    /// A read-only mapping of the segment file when the range is large (at least
    /// [`MAP_MIN_BYTES`]), for bytes that only the kernel reads after the log's lock is released.
    Mapping,
}

/// Below this a `pread` costs less than mapping and unmapping the range.
pub(crate) const MAP_MIN_BYTES: u64 = 128 * 1024;

/// A read-only shared mapping of part of a file, unmapped on drop; `bytes` of it are served.
struct MappedRange {
    /// The mapping's start, as `mmap` returned it (page aligned).
    base: *mut libc::c_void,
    /// Bytes mapped from `base`.
    mapped: usize,
    /// Where the served bytes start within the mapping, and how many there are:
    /// `start + len <= mapped`.
    start: usize,
    len: usize,
}

// SAFETY: the mapping is read-only and owned by this value alone; reading it from any thread is
// as safe as reading an immutable slice.
unsafe impl Send for MappedRange {}
// SAFETY: as above: nothing writes through the mapping.
unsafe impl Sync for MappedRange {}

impl AsRef<[u8]> for MappedRange {
    fn as_ref(&self) -> &[u8] {
        debug_assert!(self.start + self.len <= self.mapped);
        // SAFETY: `[start, start + len)` lies inside the live mapping of `mapped` bytes at `base`.
        unsafe { std::slice::from_raw_parts(self.base.cast::<u8>().add(self.start), self.len) }
    }
}

impl Drop for MappedRange {
    fn drop(&mut self) {
        // SAFETY: `base` and `mapped` are what mmap returned and was given; nothing refers to
        // the mapping once its owner drops (`Bytes` keeps the owner alive while sliced).
        unsafe {
            libc::munmap(self.base, self.mapped);
        }
    }
}

fn page_size() -> u64 {
    static PAGE: OnceLock<u64> = OnceLock::new();
    *PAGE.get_or_init(|| {
        // SAFETY: sysconf has no preconditions.
        let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        u64::try_from(size).ok().filter(|&s| s > 0).unwrap_or(4096)
    })
}

/// Maps `[start, end)` of `file` (which holds at least `end` bytes), its pages populated at once.
pub(crate) fn map_range(file: &File, start: u64, end: u64) -> std::io::Result<Bytes> {
    debug_assert!(start < end);
    let aligned = start - start % page_size();
    let mapped = usize::try_from(end - aligned).map_err(std::io::Error::other)?;
    let offset = libc::off_t::try_from(aligned).map_err(std::io::Error::other)?;
    // SAFETY: a new read-only mapping of a file we hold open; it aliases no Rust memory.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            mapped,
            libc::PROT_READ,
            libc::MAP_SHARED | libc::MAP_POPULATE,
            file.as_raw_fd(),
            offset,
        )
    };
    if base == libc::MAP_FAILED {
        return Err(std::io::Error::last_os_error());
    }
    Ok(Bytes::from_owner(MappedRange {
        base,
        mapped,
        start: (start - aligned) as usize,
        len: (end - start) as usize,
    }))
}

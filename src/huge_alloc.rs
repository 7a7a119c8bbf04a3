//! The process's allocator: the system allocator, except that allocations of 1 GiB or more are
//! lazily mapped (`mmap` with `MAP_NORESERVE`), so they cost address space, not memory, until
//! written.
//!
//! Why: the protocol decoder (the `kafka-protocol` crate) reserves a `Vec` for an array's
//! declared length before reading its elements. A 14-byte request declaring 2^31 topics asked
//! the system allocator for 240 GB, which fails, and Rust aborts the whole process on a failed
//! allocation: one bad request would stop every broker. Mapped lazily, the reservation succeeds,
//! the decoder finds the request truncated, and only that connection is closed.

use std::alloc::{GlobalAlloc, Layout, System};

/// From this size on, memory is mapped lazily.
const HUGE_BYTES: usize = 1 << 30;
/// mmap returns page-aligned memory; larger alignments go to the system allocator.
const PAGE_BYTES: usize = 4096;

/// Hands the allocator's free memory back to the system. glibc keeps what a burst of work
/// freed (spread over its per-thread arenas, between live blocks) for the life of the process:
/// after applying a topic of 100,000 partitions that was about 280 bytes per partition of the
/// process's resident memory, idle for good. Called after such work only: it walks the heap,
/// and memory handed back is faulted in again by the next large allocations.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointers; it only returns free pages to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}

pub struct LazyHugeAllocator;

fn is_huge(layout: &Layout) -> bool {
    layout.size() >= HUGE_BYTES && layout.align() <= PAGE_BYTES
}

/// Anonymous memory, zeroed by the kernel, not charged against memory until touched.
fn map(size: usize) -> *mut u8 {
    // SAFETY: an anonymous private mapping with no address hint touches no existing memory.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            size,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if ptr == libc::MAP_FAILED {
        std::ptr::null_mut()
    } else {
        ptr.cast()
    }
}

// SAFETY: every block is returned by the same path that made it: `is_huge` depends only on the
// layout, which `dealloc` and `realloc` receive unchanged from the caller.
unsafe impl GlobalAlloc for LazyHugeAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if is_huge(&layout) {
            map(layout.size())
        } else {
            // SAFETY: forwarded with the caller's guarantees.
            unsafe { System.alloc(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if is_huge(&layout) {
            map(layout.size())
        } else {
            // SAFETY: forwarded with the caller's guarantees.
            unsafe { System.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if is_huge(&layout) {
            // SAFETY: `ptr` was mapped by `map` with exactly this size.
            unsafe { libc::munmap(ptr.cast(), layout.size()) };
        } else {
            // SAFETY: forwarded with the caller's guarantees.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `new_size` with `layout.align()` is a valid layout.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if !is_huge(&layout) && !is_huge(&new_layout) {
            // SAFETY: forwarded with the caller's guarantees.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        // SAFETY: a fresh block, the smaller size copied, the old block freed by its own path.
        unsafe {
            let new_ptr = self.alloc(new_layout);
            if !new_ptr.is_null() {
                std::ptr::copy_nonoverlapping(ptr, new_ptr, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new_ptr
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    #[test]
    fn a_reservation_far_beyond_memory_succeeds_and_is_released() {
        // 256 GiB: more than any test machine has, mapped but never touched.
        let mut huge: Vec<u64> = Vec::with_capacity(32 << 30);
        huge.push(7);
        assert_eq!(huge[0], 7);
        huge.extend_from_slice(&[1, 2, 3]);
        huge.shrink_to(4);
        assert_eq!(huge, vec![7, 1, 2, 3]);
    }
}

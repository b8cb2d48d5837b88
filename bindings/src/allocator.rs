//! The addon's global allocator: mimalloc, called so that ordinary allocations take its fast path.
//!
//! The `mimalloc` crate's adapter sends every request through `mi_malloc_aligned`. When the
//! size class's current page has no free block, that function only reuses the class if the
//! size is a power of two; any other size is over-allocated from a larger class, and the
//! class it asked for is never refilled, so a row size such as 48 bytes stays on that slow path
//! (and in 56-byte blocks) for the whole run. Every mimalloc block is at least 8-byte aligned, so
//! requests aligned to 8 or less go to plain `mi_malloc`; only stricter alignments need the
//! aligned entry points.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// Alignment every mimalloc block has (its blocks are whole machine words).
const BLOCK_ALIGN: usize = std::mem::size_of::<usize>();

/// mimalloc with plain entry points for word-aligned requests.
pub struct EngineAllocator;

// SAFETY: each method forwards to the mimalloc function with the same contract; plain
// `mi_malloc`/`mi_zalloc`/`mi_realloc` results are word-aligned, which covers
// `layout.align() <= BLOCK_ALIGN`, and larger alignments use the aligned functions.
unsafe impl GlobalAlloc for EngineAllocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= BLOCK_ALIGN {
            mi::mi_malloc(layout.size()).cast()
        } else {
            mi::mi_malloc_aligned(layout.size(), layout.align()).cast()
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= BLOCK_ALIGN {
            mi::mi_zalloc(layout.size()).cast()
        } else {
            mi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        mi::mi_free(ptr.cast::<c_void>());
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= BLOCK_ALIGN {
            mi::mi_realloc(ptr.cast::<c_void>(), new_size).cast()
        } else {
            mi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocations_keep_their_alignment_and_contents() {
        let allocator = EngineAllocator;
        for align in [1, 2, 4, 8, 16, 32, 64] {
            for size in [1, 7, 24, 40, 48, 56, 100, 1000, 70_000] {
                let size = size.max(align);
                let layout = Layout::from_size_align(size, align).unwrap();
                // SAFETY: non-zero size; every pointer is freed with the layout it came from.
                unsafe {
                    let p = allocator.alloc(layout);
                    assert!(!p.is_null());
                    assert_eq!(p as usize % align, 0, "size {size} align {align}");
                    p.write_bytes(0xab, size);
                    let grown = allocator.realloc(p, layout, size * 2);
                    assert_eq!(grown as usize % align, 0);
                    assert_eq!(*grown.add(size - 1), 0xab);
                    allocator.dealloc(grown, Layout::from_size_align(size * 2, align).unwrap());
                    let z = allocator.alloc_zeroed(layout);
                    assert_eq!(z as usize % align, 0);
                    assert!(std::slice::from_raw_parts(z, size).iter().all(|&b| b == 0));
                    allocator.dealloc(z, layout);
                }
            }
        }
    }
}

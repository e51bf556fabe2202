//! The command line's allocator: mimalloc for small blocks, the system's for
//! large ones.
//!
//! An import makes and frees millions of small blocks (records, strings,
//! words, batches), many freed on another thread than made them; mimalloc
//! takes about a tenth less of the import's CPU than glibc's allocator for
//! them (README, "What the import still lacks"). Building the facts grows a
//! few vectors to gigabytes: glibc grows such a block in place (`mremap`),
//! where mimalloc copies it to a new one, so with mimalloc alone the largest
//! vector is briefly held twice and the build's peak memory was 35 to 55%
//! higher (1.7 GB became 2.3 to 2.7 GB at 1,000,000 conversations, 15 GB
//! became 21 GB at ten million). Each block goes to one of the two by its
//! size, which Rust gives again when the block is freed or resized, so a
//! block is always given back to the allocator it came from.

use std::alloc::{GlobalAlloc, Layout, System};

/// Blocks of up to this many bytes come from mimalloc.
pub const SMALL: usize = 256 * 1024;

/// mimalloc for blocks of up to [`SMALL`] bytes, the system's allocator for larger ones.
pub struct Allocator;

fn small(size: usize) -> bool {
    size <= SMALL
}

// SAFETY: every block is allocated, resized and freed by the allocator its
// size names; both are sound allocators, and a resize that crosses `SMALL`
// allocates in the other, copies and frees in the first.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        unsafe {
            if small(layout.size()) {
                mimalloc::MiMalloc.alloc(layout)
            } else {
                System.alloc(layout)
            }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        unsafe {
            if small(layout.size()) {
                mimalloc::MiMalloc.alloc_zeroed(layout)
            } else {
                System.alloc_zeroed(layout)
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `layout` is the one the block was allocated or last resized with.
        unsafe {
            if small(layout.size()) {
                mimalloc::MiMalloc.dealloc(ptr, layout)
            } else {
                System.dealloc(ptr, layout)
            }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, passed on; across the threshold the
        // new block is allocated with the same alignment, the bytes both
        // blocks hold copied, and the old block freed by its own allocator.
        unsafe {
            match (small(layout.size()), small(new_size)) {
                (true, true) => mimalloc::MiMalloc.realloc(ptr, layout, new_size),
                (false, false) => System.realloc(ptr, layout, new_size),
                _ => {
                    let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
                    let new = self.alloc(new_layout);
                    if !new.is_null() {
                        std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                    new
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_resized_across_the_threshold_keeps_its_bytes_whichever_way() {
        let a = Allocator;
        for (from, to) in [(64, SMALL + 1), (SMALL + 4096, 100), (SMALL, SMALL + 1), (SMALL + 1, SMALL), (10, 20)] {
            for align in [1, 8, 64, 4096] {
                let layout = Layout::from_size_align(from, align).unwrap();
                // SAFETY: a block of `layout`, written within it, resized, read within the new size, freed with its layout.
                unsafe {
                    let p = a.alloc(layout);
                    assert!(!p.is_null());
                    for i in 0..from {
                        *p.add(i) = (i % 251) as u8;
                    }
                    let q = a.realloc(p, layout, to);
                    assert!(!q.is_null());
                    assert_eq!(q as usize % align, 0, "alignment kept, {from} -> {to} at {align}");
                    for i in 0..from.min(to) {
                        assert_eq!(*q.add(i), (i % 251) as u8, "byte {i} of {from} -> {to} at {align}");
                    }
                    a.dealloc(q, Layout::from_size_align(to, align).unwrap());
                }
            }
        }
    }

    #[test]
    fn zeroed_blocks_are_zero_on_both_sides_of_the_threshold() {
        let a = Allocator;
        for size in [1, 4096, SMALL, SMALL + 1, 4 * SMALL] {
            let layout = Layout::from_size_align(size, 16).unwrap();
            // SAFETY: a block of `layout`, read within it, freed with its layout.
            unsafe {
                let p = a.alloc_zeroed(layout);
                assert!(!p.is_null());
                assert!((0..size).all(|i| *p.add(i) == 0), "{size} bytes zeroed");
                a.dealloc(p, layout);
            }
        }
    }
}

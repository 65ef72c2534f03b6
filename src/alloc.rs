//! The wasm's allocator: free lists of power-of-two blocks over a bump pointer. Single-threaded
//! wasm needs no locking, and blocks that are never merged need no headers or boundary tags, so
//! this is a few hundred bytes of wasm where `talc` took several KB (README, "Size"). The price
//! is internal fragmentation (a block is up to twice what was asked) and halves that are never
//! merged again; wasm memory never shrinks anyway.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::null_mut;

const PAGE: usize = 65536;

/// The allocator.
pub struct SizeClasses(UnsafeCell<State>);

struct State {
    /// Heads of the free lists, by log2 of the block size; a free block's first word is the next.
    free: [usize; usize::BITS as usize],
    /// Where the next new block may start, and the end of the memory claimed so far.
    top: usize,
    end: usize,
}

// Only for wasm32 without atomics: one thread.
unsafe impl Sync for SizeClasses {}

impl SizeClasses {
    /// An allocator that claims memory as it needs it.
    pub const fn new() -> Self {
        Self(UnsafeCell::new(State {
            free: [0; usize::BITS as usize],
            top: 0,
            end: 0,
        }))
    }
}

/// The block size for `layout`: a power of two, at least a word and at least the alignment.
fn block(size: usize, align: usize) -> usize {
    size.max(align).max(8).next_power_of_two()
}

unsafe impl GlobalAlloc for SizeClasses {
    #[inline(never)]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let s = &mut *self.0.get();
        let size = block(layout.size(), layout.align());
        let class = size.trailing_zeros() as usize;
        // A free block of this size, or the smallest larger one split in halves (one half kept at
        // each size on the way down), so that freed memory serves any size.
        if let Some(from) = (class..s.free.len()).find(|&k| s.free[k] != 0) {
            let head = s.free[from];
            s.free[from] = *(head as *const usize);
            for k in class..from {
                let half = head + (1 << k);
                *(half as *mut usize) = s.free[k];
                s.free[k] = half;
            }
            return head as *mut u8;
        }
        if s.end == 0 {
            s.top = core::arch::wasm32::memory_size(0) * PAGE;
            s.end = s.top;
        }
        // Aligned to its own size up to a page, so to any alignment it can be asked for.
        let align = size.min(PAGE);
        let start = (s.top + align - 1) & !(align - 1);
        let Some(top) = start.checked_add(size) else {
            return null_mut();
        };
        if top > s.end {
            let pages = (top - s.end).div_ceil(PAGE);
            if core::arch::wasm32::memory_grow(0, pages) == usize::MAX {
                return null_mut();
            }
            s.end += pages * PAGE;
        }
        s.top = top;
        start as *mut u8
    }

    #[inline(never)]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let s = &mut *self.0.get();
        let class = block(layout.size(), layout.align()).trailing_zeros() as usize;
        *(ptr as *mut usize) = s.free[class];
        s.free[class] = ptr as usize;
    }

    #[inline(never)]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if block(new_size, layout.align()) == block(layout.size(), layout.align()) {
            return ptr;
        }
        let new = self.alloc(Layout::from_size_align_unchecked(new_size, layout.align()));
        if !new.is_null() {
            core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        new
    }
}

//! The wasm's allocator: free lists of power-of-two blocks over a bump pointer. Single-threaded
//! wasm needs no locking, and blocks that are never merged need no headers or boundary tags, so
//! this is a few hundred bytes of wasm where `talc` took several KB (README, "Size"). The price
//! is internal fragmentation (a block is up to twice what was asked) and halves that are never
//! merged again; wasm memory never shrinks anyway.
//!
//! The memory it takes blocks from is a [`Memory`]: the wasm's own linear memory in the package,
//! an arena of the test's in native tests, where property tests run it against a model of the
//! blocks it handed out (`cargo test alloc`; `ALLOC_CASES=N` for a longer run).

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::null_mut;

const PAGE: usize = 65536;

/// Where blocks come from: memory that only grows, a page at a time.
pub trait Memory {
    /// The end of the memory claimed so far: the address just past it.
    fn end(&self) -> usize;
    /// Claims `pages` more pages after the end; false when there are no more.
    fn grow(&mut self, pages: usize) -> bool;
}

/// The wasm's linear memory.
#[cfg(target_arch = "wasm32")]
pub struct Linear;

#[cfg(target_arch = "wasm32")]
impl Memory for Linear {
    fn end(&self) -> usize {
        core::arch::wasm32::memory_size(0) * PAGE
    }
    fn grow(&mut self, pages: usize) -> bool {
        core::arch::wasm32::memory_grow(0, pages) != usize::MAX
    }
}

/// The allocator, over memory `M`.
pub struct SizeClasses<M>(UnsafeCell<State<M>>);

struct State<M> {
    /// Heads of the free lists, by log2 of the block size; a free block's first word is the next.
    free: [usize; usize::BITS as usize],
    /// Where the next new block may start, and the end of the memory claimed so far (0 until
    /// the first block is made).
    top: usize,
    end: usize,
    memory: M,
}

// Only for wasm32 without atomics: one thread.
unsafe impl<M> Sync for SizeClasses<M> {}

impl<M: Memory> SizeClasses<M> {
    /// An allocator that claims `memory` as it needs it.
    pub const fn new(memory: M) -> Self {
        Self(UnsafeCell::new(State {
            free: [0; usize::BITS as usize],
            top: 0,
            end: 0,
            memory,
        }))
    }
}

/// The block size for `layout`: a power of two, at least a word and at least the alignment.
fn block(size: usize, align: usize) -> usize {
    size.max(align).max(8).next_power_of_two()
}

unsafe impl<M: Memory> GlobalAlloc for SizeClasses<M> {
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
            s.top = s.memory.end();
            s.end = s.top;
        }
        // Aligned to its own size up to a page, so to any alignment it can be asked for.
        let align = size.min(PAGE);
        let Some(start) = s.top.checked_add(align - 1).map(|t| t & !(align - 1)) else {
            return null_mut();
        };
        let Some(top) = start.checked_add(size) else {
            return null_mut();
        };
        if top > s.end {
            let pages = (top - s.end).div_ceil(PAGE);
            if !s.memory.grow(pages) {
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

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A test's memory: `pages` pages at most, page-aligned, claimed from the start.
    struct Arena {
        bytes: Vec<u8>,
        start: usize,
        claimed: usize,
        limit: usize,
    }

    impl Arena {
        fn new(pages: usize) -> Self {
            let bytes = vec![0u8; (pages + 1) * PAGE];
            let start = (bytes.as_ptr() as usize).next_multiple_of(PAGE);
            Self {
                bytes,
                start,
                claimed: 0,
                limit: pages * PAGE,
            }
        }
    }

    impl Memory for Arena {
        fn end(&self) -> usize {
            self.start + self.claimed
        }
        fn grow(&mut self, pages: usize) -> bool {
            let more = pages * PAGE;
            if self.claimed + more > self.limit {
                return false;
            }
            self.claimed += more;
            true
        }
    }

    /// One step of a run.
    #[derive(Debug, Clone)]
    enum Op {
        Alloc { size: usize, align: usize },
        Free(usize),
        Realloc(usize, usize),
    }

    fn size() -> impl Strategy<Value = usize> {
        prop_oneof![8 => 1usize..64, 4 => 64usize..5000, 1 => 5000usize..300_000]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            5 => (size(), 0u32..13).prop_map(|(size, log)| Op::Alloc { size, align: 1 << log }),
            3 => any::<usize>().prop_map(Op::Free),
            2 => (any::<usize>(), size()).prop_map(|(at, size)| Op::Realloc(at, size)),
        ]
    }

    /// A live block as the model knows it: where, its layout, and the byte it was filled with.
    struct Live {
        ptr: *mut u8,
        layout: Layout,
        fill: u8,
    }

    fn intact(block: &Live, len: usize) -> bool {
        // SAFETY: the block is live, of at least `len` bytes, inside the arena.
        let bytes = unsafe { core::slice::from_raw_parts(block.ptr, len) };
        bytes.iter().all(|b| *b == block.fill)
    }

    fn fill(block: &Live) {
        // SAFETY: as above.
        unsafe { block.ptr.write_bytes(block.fill, block.layout.size()) };
    }

    /// Runs `ops` against the model: every block inside the memory claimed, aligned as asked,
    /// apart from every other live block, and its bytes kept until it is freed (through
    /// `realloc`, up to the smaller size). Out of memory is a null, with nothing changed.
    fn run(ops: &[Op], pages: usize) -> Result<(), TestCaseError> {
        let arena = Arena::new(pages);
        let (low, high) = (arena.start, arena.start + arena.limit);
        let allocator = SizeClasses::new(arena);
        let mut live: Vec<Live> = Vec::new();
        let mut next_fill = 0u8;
        // A new block: inside the memory, aligned, apart from every live one; then filled with a
        // byte of its own and kept.
        let mut place = |live: &mut Vec<Live>, ptr: *mut u8, layout: Layout| {
            let (at, len) = (ptr as usize, layout.size().max(1));
            prop_assert!(
                at % layout.align() == 0,
                "{at:#x} not aligned to {}",
                layout.align()
            );
            prop_assert!(
                low <= at && at + len <= high,
                "{at:#x}+{len} outside the memory"
            );
            for other in live.iter() {
                let (o, olen) = (other.ptr as usize, other.layout.size().max(1));
                prop_assert!(
                    at + len <= o || o + olen <= at,
                    "{at:#x}+{len} meets {o:#x}+{olen}"
                );
            }
            next_fill = next_fill.wrapping_add(1).max(1);
            let block = Live {
                ptr,
                layout,
                fill: next_fill,
            };
            fill(&block);
            live.push(block);
            Ok(())
        };
        // A live block, taken out of the model with its bytes checked.
        let take = |live: &mut Vec<Live>, at: usize| {
            let block = live.swap_remove(at % live.len());
            prop_assert!(
                intact(&block, block.layout.size()),
                "a block was overwritten"
            );
            Ok(block)
        };
        for op in ops {
            match *op {
                Op::Alloc { size, align } => {
                    let layout = Layout::from_size_align(size, align).unwrap();
                    // SAFETY: a layout of a non-zero size, as GlobalAlloc callers give.
                    let ptr = unsafe { allocator.alloc(layout) };
                    if !ptr.is_null() {
                        place(&mut live, ptr, layout)?;
                    }
                }
                Op::Free(at) if !live.is_empty() => {
                    let block = take(&mut live, at)?;
                    // SAFETY: live, with the layout it was made with.
                    unsafe { allocator.dealloc(block.ptr, block.layout) };
                }
                Op::Realloc(at, size) if !live.is_empty() => {
                    let block = take(&mut live, at)?;
                    // SAFETY: live, with the layout it was made with.
                    let ptr = unsafe { allocator.realloc(block.ptr, block.layout, size) };
                    if ptr.is_null() {
                        live.push(block);
                        continue;
                    }
                    let layout = Layout::from_size_align(size, block.layout.align()).unwrap();
                    let kept = Live {
                        ptr,
                        layout,
                        fill: block.fill,
                    };
                    prop_assert!(
                        intact(&kept, size.min(block.layout.size())),
                        "realloc lost bytes"
                    );
                    place(&mut live, ptr, layout)?;
                }
                Op::Free(_) | Op::Realloc(..) => {}
            }
        }
        for block in &live {
            prop_assert!(
                intact(block, block.layout.size()),
                "a block was overwritten"
            );
        }
        Ok(())
    }

    fn cases() -> u32 {
        std::env::var("ALLOC_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(300)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases()))]

        /// Against the model, with room for everything.
        #[test]
        fn blocks_are_aligned_apart_and_intact(ops in prop::collection::vec(op(), 1..400)) {
            run(&ops, 256)?;
        }

        /// Against the model in a memory that runs out: a null, and nothing else changes.
        #[test]
        fn out_of_memory_is_a_null_and_breaks_nothing(ops in prop::collection::vec(op(), 1..400)) {
            run(&ops, 4)?;
        }
    }

    #[test]
    fn a_freed_block_serves_the_next_request_of_its_size_and_halves_serve_smaller_ones() {
        let allocator = SizeClasses::new(Arena::new(4));
        let layout = Layout::from_size_align(100, 8).unwrap();
        // SAFETY: fresh blocks of the layouts given.
        unsafe {
            let a = allocator.alloc(layout);
            allocator.dealloc(a, layout);
            assert_eq!(allocator.alloc(layout), a, "the freed block again");
            allocator.dealloc(a, layout);
            let small = Layout::from_size_align(30, 8).unwrap();
            let (x, y) = (allocator.alloc(small), allocator.alloc(small));
            assert_eq!(
                (x, y as usize),
                (a, a as usize + 32),
                "halves of the freed block"
            );
        }
    }
}

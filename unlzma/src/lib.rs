//! Decodes the client's wasm, which the package stores LZMA-compressed (README, "Size"): a raw
//! LZMA1 stream with lc=3, lp=0, pb=0 and a known output size, decoded as the LZMA
//! specification's reference decoder (LzmaSpec.cpp) does. A tiny wasm of its own, so that the
//! package's JavaScript only loads.
//!
//! The loader copies the stream into this module's memory at `__heap_base`, grows the memory to
//! hold the output after it, and calls [`decode`].
#![cfg_attr(target_arch = "wasm32", no_std)]

/// Decodes `input` into `output` (whose length is the decoded size). Returns 0, or 1 when the
/// stream is corrupt (a distance before the start, or input that runs out).
///
/// # Safety
/// The two ranges must lie in this module's memory and not overlap, and no other call may be
/// running (the decoder's state is a static).
#[no_mangle]
pub unsafe extern "C" fn decode(
    input: *const u8,
    input_len: usize,
    output: *mut u8,
    output_len: usize,
) -> u32 {
    let input = core::slice::from_raw_parts(input, input_len);
    let output = core::slice::from_raw_parts_mut(output, output_len);
    u32::from(!run(input, output))
}

// Where each model's probabilities start in one array (pb = 0: no per-position contexts).
const IS_MATCH: usize = 0;
const IS_REP: usize = 12;
const IS_REP_G0: usize = 24;
const IS_REP_G1: usize = 36;
const IS_REP_G2: usize = 48;
const IS_REP0_LONG: usize = 60;
const SLOT: usize = 72;
const SPECIAL: usize = SLOT + 256;
const ALIGN: usize = SPECIAL + 115;
const MATCH_LENGTH: usize = ALIGN + 16;
const REP_LENGTH: usize = MATCH_LENGTH + 274;
const LITERAL: usize = REP_LENGTH + 274;
const PROBS: usize = LITERAL + (0x300 << 3);

struct RangeDecoder {
    input: *const u8,
    input_len: usize,
    at: usize,
    range: u32,
    code: u32,
    probs: [u16; PROBS],
}

impl RangeDecoder {
    /// The next input byte; 0 past the end (caught by the length check in `run`).
    fn byte(&mut self) -> u32 {
        let at = self.at;
        self.at += 1;
        if at < self.input_len {
            // SAFETY: `input` holds `input_len` bytes (decode's contract).
            u32::from(unsafe { *self.input.add(at) })
        } else {
            0
        }
    }

    fn normalize(&mut self) {
        if self.range < 1 << 24 {
            self.range <<= 8;
            self.code = (self.code << 8) | self.byte();
        }
    }

    fn bit(&mut self, i: usize) -> usize {
        // SAFETY: every index is below PROBS by construction (see the offsets above): a state is
        // below 12, a tree's node below 1 << bits, a literal's offset below 0x300.
        let p = unsafe { self.probs.get_unchecked_mut(i) };
        let prob = u32::from(*p);
        let bound = (self.range >> 11) * prob;
        let b = if self.code < bound {
            self.range = bound;
            *p = (prob + ((2048 - prob) >> 5)) as u16;
            0
        } else {
            self.range -= bound;
            self.code -= bound;
            *p = (prob - (prob >> 5)) as u16;
            1
        };
        self.normalize();
        b
    }

    /// A `bits`-bit symbol, most significant bit first; `reverse`: least significant first.
    fn tree(&mut self, base: usize, bits: u32, reverse: bool) -> usize {
        let (mut m, mut symbol) = (1, 0);
        for i in 0..bits {
            let b = self.bit(base + m);
            m = (m << 1) | b;
            symbol |= b << i;
        }
        if reverse {
            symbol
        } else {
            m - (1 << bits)
        }
    }

    fn direct(&mut self, bits: u32) -> usize {
        let mut result = 0;
        for _ in 0..bits {
            self.range >>= 1;
            let b = self.code >= self.range;
            if b {
                self.code -= self.range;
            }
            self.normalize();
            result = (result << 1) | usize::from(b);
        }
        result
    }

    /// A match length minus 2: choice, choice2, low[8], mid[8], high[256].
    fn length(&mut self, base: usize) -> usize {
        if self.bit(base) == 0 {
            self.tree(base + 2, 3, false)
        } else if self.bit(base + 1) == 0 {
            8 + self.tree(base + 10, 3, false)
        } else {
            16 + self.tree(base + 18, 8, false)
        }
    }
}

/// The decoder's state, in this module's memory rather than on its stack: every function then
/// addresses it directly.
static mut DECODER: RangeDecoder = RangeDecoder {
    input: core::ptr::null(),
    input_len: 0,
    at: 0,
    range: 0,
    code: 0,
    probs: [0; PROBS],
};

fn run(input: &[u8], out: &mut [u8]) -> bool {
    // SAFETY: `decode` runs once at a time (a wasm instance has one thread; the tests take a lock).
    let rc = unsafe { &mut *core::ptr::addr_of_mut!(DECODER) };
    rc.input = input.as_ptr();
    rc.input_len = input.len();
    rc.at = 0;
    rc.range = 0;
    rc.code = 0;
    rc.probs.fill(1024);
    // The first byte is always 0; the next four start the code (normalize reads a byte while
    // the range is below 1 << 24, and 0 stays 0).
    for _ in 0..5 {
        rc.normalize();
    }
    rc.range = u32::MAX;
    let (mut state, mut rep0, mut rep1, mut rep2, mut rep3) = (0usize, 0, 0, 0, 0);
    let mut n = 0;
    while n < out.len() {
        if rc.bit(IS_MATCH + state) == 0 {
            let previous = if n > 0 { out[n - 1] } else { 0 };
            let base = LITERAL + 0x300 * usize::from(previous >> 5);
            // After a match (state >= 7) the literal's bits follow the byte at distance rep0
            // (checked then to lie inside the output) until one differs: `offset` is 0x100
            // while they agree, 0 after (xz-embedded's lzma_literal).
            let mut offset = 0;
            let mut matched = 0;
            if state >= 7 {
                offset = 0x100;
                // SAFETY: state >= 7 follows a match, which checked rep0 < n (below).
                matched = usize::from(unsafe { *out.get_unchecked(n - rep0 - 1) });
            }
            let mut symbol = 1;
            while symbol < 0x100 {
                matched <<= 1;
                let match_bit = matched & offset;
                let b = rc.bit(base + offset + match_bit + symbol);
                symbol = (symbol << 1) | b;
                offset &= if b == 1 { match_bit } else { !match_bit };
            }
            out[n] = symbol as u8;
            n += 1;
            state = match state {
                0..=3 => 0,
                4..=9 => state - 3,
                _ => state - 6,
            };
            continue;
        }
        let len = if rc.bit(IS_REP + state) == 1 {
            'rep: {
                if rc.bit(IS_REP_G0 + state) == 0 {
                    if rc.bit(IS_REP0_LONG + state) == 0 {
                        state = if state < 7 { 9 } else { 11 };
                        break 'rep 1;
                    }
                } else {
                    let distance = if rc.bit(IS_REP_G1 + state) == 0 {
                        rep1
                    } else {
                        let distance = if rc.bit(IS_REP_G2 + state) == 0 {
                            rep2
                        } else {
                            let distance = rep3;
                            rep3 = rep2;
                            distance
                        };
                        rep2 = rep1;
                        distance
                    };
                    rep1 = rep0;
                    rep0 = distance;
                }
                state = if state < 7 { 8 } else { 11 };
                2 + rc.length(REP_LENGTH)
            }
        } else {
            (rep3, rep2, rep1) = (rep2, rep1, rep0);
            let len = rc.length(MATCH_LENGTH);
            state = if state < 7 { 7 } else { 10 };
            let slot = rc.tree(SLOT + (len.min(3) << 6), 6, false);
            rep0 = if slot < 4 {
                slot
            } else {
                let bits = (slot as u32 >> 1) - 1;
                let distance = (2 | (slot & 1)) << bits;
                if slot < 14 {
                    distance + rc.tree(SPECIAL + distance - slot, bits, true)
                } else {
                    distance + (rc.direct(bits - 4) << 4) + rc.tree(ALIGN, 4, true)
                }
            };
            2 + len
        };
        // Every match, short ones included, starts inside the output: what a literal after it
        // relies on.
        if rep0 >= n {
            return false;
        }
        let end = out.len().min(n + len);
        while n < end {
            // SAFETY: rep0 < n, checked above, and n < out.len().
            unsafe { *out.get_unchecked_mut(n) = *out.get_unchecked(n - rep0 - 1) };
            n += 1;
        }
    }
    rc.at <= input.len()
}

#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(test)]
mod tests {
    use super::decode;

    /// `python3 -c "import lzma; lzma.compress(TEXT, format=lzma.FORMAT_RAW, filters=[{'id':
    /// lzma.FILTER_LZMA1, 'preset': 9 | lzma.PRESET_EXTREME, 'lc': 3, 'lp': 0, 'pb': 0}])"`
    const TEXT: &[u8] = b"hello hello hello, integrations-client! \x00\xff\x80 hello hello";
    const PACKED: [u8; 46] = [
        0, 52, 26, 21, 65, 24, 184, 154, 39, 223, 157, 247, 154, 237, 54, 253, 215, 122, 156, 206,
        186, 180, 157, 217, 238, 90, 47, 191, 150, 93, 181, 179, 135, 2, 119, 146, 138, 51, 95,
        155, 255, 255, 224, 84, 0, 0,
    ];

    fn run(packed: &[u8], size: usize) -> (u32, Vec<u8>) {
        // The decoder's state is a static: one decode at a time, as in the wasm.
        static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = vec![0; size];
        let status = unsafe { decode(packed.as_ptr(), packed.len(), out.as_mut_ptr(), size) };
        (status, out)
    }

    #[test]
    fn decodes_what_liblzma_encoded() {
        assert_eq!(run(&PACKED, TEXT.len()), (0, TEXT.to_vec()));
    }

    #[test]
    fn a_truncated_or_damaged_stream_is_refused_without_panicking() {
        for cut in [0, 3, 10, 20] {
            assert_eq!(run(&PACKED[..cut], TEXT.len()).0, 1, "cut at {cut}");
        }
        let mut damaged = PACKED;
        damaged[3] ^= 0xff;
        let (status, out) = run(&damaged, TEXT.len());
        assert!(status == 1 || out != TEXT);
    }
}

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
/// The two ranges must lie in this module's memory and not overlap.
#[no_mangle]
pub unsafe extern "C" fn decode(
    input: *const u8,
    input_len: usize,
    output: *mut u8,
    output_len: usize,
) -> u32 {
    let input = core::slice::from_raw_parts(input, input_len);
    let output = core::slice::from_raw_parts_mut(output, output_len);
    match Decoder::new(input).run(output) {
        Some(()) => 0,
        None => 1,
    }
}

/// A probability, in 11-bit fixed point.
type Prob = u16;

struct RangeDecoder<'a> {
    input: &'a [u8],
    at: usize,
    range: u32,
    code: u32,
}

impl RangeDecoder<'_> {
    fn byte(&mut self) -> Option<u32> {
        let b = *self.input.get(self.at)?;
        self.at += 1;
        Some(u32::from(b))
    }

    fn normalize(&mut self) -> Option<()> {
        if self.range < 1 << 24 {
            self.range <<= 8;
            self.code = (self.code << 8) | self.byte()?;
        }
        Some(())
    }

    fn bit(&mut self, p: &mut Prob) -> Option<usize> {
        let bound = (self.range >> 11) * u32::from(*p);
        let b = if self.code < bound {
            self.range = bound;
            *p += (2048 - *p) >> 5;
            0
        } else {
            self.range -= bound;
            self.code -= bound;
            *p -= *p >> 5;
            1
        };
        self.normalize()?;
        Some(b)
    }

    fn tree(&mut self, probs: &mut [Prob], bits: u32) -> Option<usize> {
        let mut m = 1;
        for _ in 0..bits {
            m = (m << 1) | self.bit(probs.get_mut(m)?)?;
        }
        Some(m - (1 << bits))
    }

    fn reverse(&mut self, probs: &mut [Prob], bits: u32) -> Option<usize> {
        let (mut m, mut symbol) = (1, 0);
        for i in 0..bits {
            let b = self.bit(probs.get_mut(m)?)?;
            m = (m << 1) | b;
            symbol |= b << i;
        }
        Some(symbol)
    }

    fn direct(&mut self, bits: u32) -> Option<usize> {
        let mut result = 0;
        for _ in 0..bits {
            self.range >>= 1;
            let b = usize::from(self.code >= self.range);
            if b == 1 {
                self.code -= self.range;
            }
            self.normalize()?;
            result = (result << 1) | b;
        }
        Some(result)
    }

    /// A match length minus 2: choice, choice2, low[8], mid[8], high[256] (pb = 0).
    fn length(&mut self, probs: &mut [Prob; 274]) -> Option<usize> {
        if self.bit(&mut probs[0])? == 0 {
            self.tree(&mut probs[2..10], 3)
        } else if self.bit(&mut probs[1])? == 0 {
            Some(8 + self.tree(&mut probs[10..18], 3)?)
        } else {
            Some(16 + self.tree(&mut probs[18..], 8)?)
        }
    }
}

struct Decoder<'a> {
    rc: RangeDecoder<'a>,
    literal: [Prob; 0x300 << 3],
    is_match: [Prob; 12],
    is_rep: [Prob; 12],
    is_rep_g0: [Prob; 12],
    is_rep_g1: [Prob; 12],
    is_rep_g2: [Prob; 12],
    is_rep0_long: [Prob; 12],
    slot: [Prob; 4 << 6],
    special: [Prob; 115],
    align: [Prob; 16],
    match_length: [Prob; 274],
    rep_length: [Prob; 274],
}

impl<'a> Decoder<'a> {
    fn new(input: &'a [u8]) -> Self {
        const P: Prob = 1024;
        Decoder {
            rc: RangeDecoder {
                input,
                at: 0,
                range: u32::MAX,
                code: 0,
            },
            literal: [P; 0x300 << 3],
            is_match: [P; 12],
            is_rep: [P; 12],
            is_rep_g0: [P; 12],
            is_rep_g1: [P; 12],
            is_rep_g2: [P; 12],
            is_rep0_long: [P; 12],
            slot: [P; 4 << 6],
            special: [P; 115],
            align: [P; 16],
            match_length: [P; 274],
            rep_length: [P; 274],
        }
    }

    fn run(&mut self, out: &mut [u8]) -> Option<()> {
        let rc = &mut self.rc;
        // The first byte is always 0; the next four start the code.
        for _ in 0..5 {
            rc.code = (rc.code << 8) | rc.byte()?;
        }
        let (mut state, mut reps) = (0usize, [0usize; 4]);
        let mut n = 0;
        while n < out.len() {
            if rc.bit(self.is_match.get_mut(state)?)? == 0 {
                let previous = n.checked_sub(1).map_or(0, |i| out[i]);
                let base = 0x300 * usize::from(previous >> 5);
                let probs = self.literal.get_mut(base..base + 0x300)?;
                let mut symbol = 1;
                if state >= 7 {
                    let mut matched = usize::from(*out.get(n.checked_sub(reps[0] + 1)?)?);
                    while symbol < 0x100 {
                        let match_bit = (matched >> 7) & 1;
                        matched <<= 1;
                        let b = rc.bit(probs.get_mut(((1 + match_bit) << 8) + symbol)?)?;
                        symbol = (symbol << 1) | b;
                        if match_bit != b {
                            break;
                        }
                    }
                }
                while symbol < 0x100 {
                    symbol = (symbol << 1) | rc.bit(probs.get_mut(symbol)?)?;
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
            let len;
            if rc.bit(&mut self.is_rep[state])? == 1 {
                if rc.bit(&mut self.is_rep_g0[state])? == 0 {
                    if rc.bit(&mut self.is_rep0_long[state])? == 0 {
                        state = if state < 7 { 9 } else { 11 };
                        out[n] = *out.get(n.checked_sub(reps[0] + 1)?)?;
                        n += 1;
                        continue;
                    }
                } else {
                    let which = if rc.bit(&mut self.is_rep_g1[state])? == 0 {
                        1
                    } else if rc.bit(&mut self.is_rep_g2[state])? == 0 {
                        2
                    } else {
                        3
                    };
                    reps[..=which].rotate_right(1);
                }
                len = rc.length(&mut self.rep_length)?;
                state = if state < 7 { 8 } else { 11 };
            } else {
                reps.rotate_right(1);
                len = rc.length(&mut self.match_length)?;
                state = if state < 7 { 7 } else { 10 };
                let base = len.min(3) << 6;
                let slot = rc.tree(self.slot.get_mut(base..base + 64)?, 6)?;
                reps[0] = if slot < 4 {
                    slot
                } else {
                    let bits = (slot as u32 >> 1) - 1;
                    let distance = (2 | (slot & 1)) << bits;
                    if slot < 14 {
                        distance + rc.reverse(self.special.get_mut(distance - slot..)?, bits)?
                    } else {
                        distance + (rc.direct(bits - 4)? << 4) + rc.reverse(&mut self.align, 4)?
                    }
                };
            }
            let from = n.checked_sub(reps[0] + 1)?;
            for i in 0..(len + 2).min(out.len() - n) {
                out[n + i] = out[from + i];
            }
            n += (len + 2).min(out.len() - n);
        }
        Some(())
    }
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

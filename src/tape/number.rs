//! A JSON number's text to the nearest `f64`, ties to even, as `JSON.parse` reads it: `1e400` is
//! `Infinity`, `1e-400` is `0`, `-0` is `-0`.
//!
//! `str::parse::<f64>` does the same, and the tests pin this to it, but it costs 19 KB of wasm
//! (15 KB gzip, mostly its power-of-five table). This is a few hundred bytes: short numbers are
//! exact in one `f64` operation (Clinger's fast path), and the rest are divided exactly in big
//! integers, which is slow but only for numbers that a check reads and that are long or far
//! from 1.

use core::cmp::Ordering;

/// The value of `text`, which matches JSON's number grammar.
pub(super) fn to_f64(text: &[u8]) -> f64 {
    let (negative, text) = match text {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, text),
    };
    let magnitude = Decimal::read(text).to_f64();
    if negative {
        -magnitude
    } else {
        magnitude
    }
}

/// A number without its sign: its significant digits (from the first that is not zero) times
/// `10^exponent`.
struct Decimal<'a> {
    /// The digits before the exponent, `.` included.
    mantissa: &'a [u8],
    /// How many significant digits there are.
    count: usize,
    /// The first 19 of them, as an integer.
    leading: u64,
    exponent: i64,
}

/// `10^0 ..= 10^22`: the powers of ten that are exact in an `f64`.
const EXACT_POWERS: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Significant digits past this many only matter as "some were not zero": a number and the
/// nearest halfway point between two `f64`s differ within the first 768.
const KEPT_DIGITS: usize = 800;

impl<'a> Decimal<'a> {
    fn read(text: &'a [u8]) -> Self {
        let split = text
            .iter()
            .position(|b| matches!(b, b'e' | b'E'))
            .unwrap_or(text.len());
        let (mantissa, exponent_text) = text.split_at(split);
        let mut exponent: i64 = 0;
        for &b in exponent_text.iter().filter(|b| b.is_ascii_digit()) {
            // Past a billion the value is 0 or Infinity already; stop growing.
            if exponent < 1_000_000_000 {
                exponent = exponent * 10 + i64::from(b - b'0');
            }
        }
        if exponent_text.contains(&b'-') {
            exponent = -exponent;
        }
        let mut decimal = Decimal {
            mantissa,
            count: 0,
            leading: 0,
            exponent,
        };
        let mut in_fraction = false;
        for &b in mantissa {
            if b == b'.' {
                in_fraction = true;
                continue;
            }
            decimal.exponent -= i64::from(in_fraction);
            if b != b'0' || decimal.count > 0 {
                decimal.count += 1;
                if decimal.count <= 19 {
                    decimal.leading = decimal.leading * 10 + u64::from(b - b'0');
                }
            }
        }
        decimal
    }

    fn to_f64(&self) -> f64 {
        // The value is in [10^(magnitude - 1), 10^magnitude).
        let magnitude = self.count as i64 + self.exponent;
        if self.count == 0 || magnitude < -323 {
            return 0.0;
        }
        if magnitude > 309 {
            return f64::INFINITY;
        }
        if self.count <= 19 {
            let (mut digits, mut exponent) = (self.leading, self.exponent);
            while digits != 0 && digits % 10 == 0 {
                digits /= 10;
                exponent += 1;
            }
            let power = EXACT_POWERS.get(exponent.unsigned_abs() as usize);
            if let (true, Some(&power)) = (digits <= 1 << 53, power) {
                // Both exact, so one correctly rounded operation gives the nearest f64.
                return if exponent < 0 {
                    digits as f64 / power
                } else {
                    digits as f64 * power
                };
            }
        }
        self.exact()
    }

    /// The nearest `f64` by exact division: digits × 10^e over 1, or digits over 10^−e.
    fn exact(&self) -> f64 {
        let digits = self.mantissa.iter().filter(|b| b.is_ascii_digit());
        let mut significant = digits.map(|b| u32::from(b - b'0')).skip_while(|&d| d == 0);
        let mut numerator = Big::small(0);
        for digit in significant.by_ref().take(KEPT_DIGITS) {
            numerator.mul_add(10, digit);
        }
        let kept = self.count.min(KEPT_DIGITS);
        let mut exponent = self.exponent + (self.count - kept) as i64;
        if significant.any(|d| d != 0) {
            // A digit 1 past the kept ones stands for all the rest: it rounds the same way.
            numerator.mul_add(10, 1);
            exponent -= 1;
        }
        let mut denominator = Big::small(1);
        if exponent < 0 {
            denominator.mul_pow10(-exponent);
        } else {
            numerator.mul_pow10(exponent);
        }
        nearest(numerator, denominator)
    }
}

/// The `f64` nearest `numerator / denominator`, ties to even.
fn nearest(mut numerator: Big, mut denominator: Big) -> f64 {
    // The ratio is in (2^(bits - 1), 2^(bits + 1)); scaled by 2^scale its integer part has 63 or
    // 64 bits, from which the 53 of the f64 are rounded.
    let bits = numerator.bit_len() as i64 - denominator.bit_len() as i64;
    let scale = 63 - bits;
    if scale < 0 {
        denominator.shl(scale.unsigned_abs() as usize);
    } else {
        numerator.shl(scale as usize);
    }
    denominator.shl(63);
    let mut quotient: u64 = 0;
    for _ in 0..64 {
        quotient <<= 1;
        if numerator.compare(&denominator) != Ordering::Less {
            numerator.subtract(&denominator);
            quotient |= 1;
        }
        denominator.shr1();
    }
    round(quotient, scale, !numerator.is_zero())
}

/// `quotient × 2^−scale` rounded to an `f64`; `inexact` when the exact value is a little more.
fn round(quotient: u64, scale: i64, inexact: bool) -> f64 {
    let top = 63 - i64::from(quotient.leading_zeros());
    let exponent = top - scale; // the value is 1.x × 2^exponent
    if exponent > 1023 {
        return f64::INFINITY;
    }
    // The weight of the last bit kept: 2^−1074 at most for a subnormal.
    let last = (exponent - 52).max(-1074);
    let dropped = last + scale;
    if !(1..=64).contains(&dropped) {
        return 0.0; // past half the smallest subnormal (and, defensively, below one bit)
    }
    // In u64 (u128 shifts bring in compiler builtins): no shift here is by 64.
    let mut kept = quotient >> (dropped - 1) >> 1;
    let rest = quotient & (u64::MAX >> (64 - dropped));
    let half = 1 << (dropped - 1);
    if rest > half || (rest == half && (inexact || kept & 1 == 1)) {
        kept += 1;
    }
    kept as f64 * power_of_two(last)
}

/// `2^exponent` for `-1074 <= exponent <= 1023`.
fn power_of_two(exponent: i64) -> f64 {
    if exponent >= -1022 {
        f64::from_bits(((exponent + 1023) as u64) << 52)
    } else {
        f64::from_bits(1 << (exponent + 1074))
    }
}

/// An unsigned integer of 4096 bits, little-endian words: room for 10^1124 shifted by 64 bits,
/// the largest value [`nearest`] holds.
#[derive(Clone)]
struct Big([u32; 128]);

impl Big {
    fn small(n: u32) -> Self {
        let mut big = Big([0; 128]);
        big.0[0] = n;
        big
    }

    /// `self × factor + addend`.
    fn mul_add(&mut self, factor: u32, addend: u32) {
        let mut carry = u64::from(addend);
        for word in &mut self.0 {
            let product = u64::from(*word) * u64::from(factor) + carry;
            *word = product as u32;
            carry = product >> 32;
        }
    }

    fn mul_pow10(&mut self, mut exponent: i64) {
        while exponent > 0 {
            let step = exponent.min(9);
            self.mul_add(10u32.pow(step as u32), 0);
            exponent -= step;
        }
    }

    fn shl(&mut self, shift: usize) {
        let (words, bits) = (shift / 32, (shift % 32) as u32);
        for i in (0..self.0.len()).rev() {
            let word = |back: usize| {
                let at = i.checked_sub(words + back);
                at.and_then(|at| self.0.get(at)).copied().unwrap_or(0)
            };
            let shifted = match bits {
                0 => word(0),
                _ => word(0) << bits | word(1) >> (32 - bits),
            };
            self.0[i] = shifted;
        }
    }

    fn shr1(&mut self) {
        let mut carry = 0;
        for word in self.0.iter_mut().rev() {
            let low = *word & 1;
            *word = *word >> 1 | carry << 31;
            carry = low;
        }
    }

    /// `self − other`, where `other <= self`.
    fn subtract(&mut self, other: &Big) {
        let mut borrow = 0;
        for (word, &minus) in self.0.iter_mut().zip(&other.0) {
            let (difference, under) = word.overflowing_sub(minus);
            let (difference, under_again) = difference.overflowing_sub(borrow);
            *word = difference;
            borrow = u32::from(under || under_again);
        }
    }

    fn compare(&self, other: &Big) -> Ordering {
        self.0.iter().rev().cmp(other.0.iter().rev())
    }

    fn bit_len(&self) -> usize {
        let top = self.0.iter().rposition(|&w| w != 0);
        top.map_or(0, |i| 32 * i + 32 - self.0[i].leading_zeros() as usize)
    }

    fn is_zero(&self) -> bool {
        self.0.iter().all(|&w| w == 0)
    }
}

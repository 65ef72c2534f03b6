//! The retry policy (API.md §6): how long to wait before each retry, what the server's
//! `Retry-After` changes, and when to give up. Pure: the clock and the random draw are arguments.

use crate::error::number_text;
use crate::time::{parse_http_date, EpochMs};

/// How the wait before a retry is randomised, so that many clients do not retry in step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    /// A uniform draw in `[0, base]` (AWS's "full jitter"; the default).
    Full,
    /// `base/2 + U[0, base/2]`.
    Equal,
    /// Exactly the base delay.
    None,
}

impl Jitter {
    /// Reads `'full' | 'equal' | 'none'`.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Full, Self::Equal, Self::None]
            .into_iter()
            .find(|jitter| jitter.as_str() == text)
    }

    /// The name JavaScript sees.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Equal => "equal",
            Self::None => "none",
        }
    }
}

/// The retry policy. Times are milliseconds, as JavaScript numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryConfig {
    /// Retries after the first attempt: at most `max_retries + 1` attempts.
    pub max_retries: u32,
    /// The base delay before the first retry.
    pub initial_delay: f64,
    /// The largest base delay.
    pub max_delay: f64,
    /// How much the base delay grows per retry.
    pub backoff_factor: f64,
    /// Statuses worth retrying.
    pub retryable_status_codes: Vec<u16>,
    /// How the delay is randomised.
    pub jitter: Jitter,
    /// Whether a `Retry-After` header lengthens the wait.
    pub respect_retry_after: bool,
    /// The longest `Retry-After` the client waits for; a longer one fails at once.
    pub max_retry_after: f64,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_retries: 3,
            initial_delay: 1000.0,
            max_delay: 5000.0,
            backoff_factor: 2.0,
            retryable_status_codes: vec![408, 429, 500, 502, 503, 504],
            jitter: Jitter::Full,
            respect_retry_after: true,
            max_retry_after: 60_000.0,
        }
    }
}

/// Why a number given for `name` is refused: `name`, what it `must` be (ending in `got `), and
/// the number.
pub fn refused(name: &str, must: &str, value: f64) -> String {
    [name, must, &number_text(value)].concat()
}

/// Checks a number given for a duration or count: finite and not negative.
pub fn check_non_negative(name: &str, value: f64) -> Result<f64, String> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(refused(name, " must be a finite number >= 0, got ", value))
    }
}

/// Checks a number given for a count: a non-negative integer that fits in `u32`.
pub fn check_count(name: &str, value: f64) -> Result<u32, String> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= f64::from(u32::MAX) {
        Ok(value as u32)
    } else {
        Err(refused(
            name,
            " must be a non-negative integer, got ",
            value,
        ))
    }
}

/// Whether `value` is an HTTP status: an integer from 100 to 599.
pub fn is_status(value: f64) -> bool {
    (100.0..=599.0).contains(&value) && value.fract() == 0.0
}

/// Checks an HTTP status code given in a configuration.
pub fn check_status_code(name: &str, value: f64) -> Result<u16, String> {
    if is_status(value) {
        Ok(value as u16)
    } else {
        Err(refused(
            name,
            " must hold HTTP statuses 100..599, got ",
            value,
        ))
    }
}

impl RetryConfig {
    /// The base delay before retry `n` (0 for the first retry):
    /// `min(maxDelay, initialDelay * backoffFactor^n)`.
    pub fn base_delay(&self, n: u32) -> f64 {
        // powi saturates to infinity, which min() then caps.
        let grown = self.initial_delay * self.backoff_factor.powi(n.min(i32::MAX as u32) as i32);
        grown.min(self.max_delay)
    }

    /// The wait before retry `n`, given a uniform draw `random` in `[0, 1)`.
    pub fn delay(&self, n: u32, random: f64) -> f64 {
        let base = self.base_delay(n);
        let random = if (0.0..1.0).contains(&random) {
            random
        } else {
            0.0
        };
        match self.jitter {
            Jitter::None => base,
            Jitter::Full => base * random,
            Jitter::Equal => base / 2.0 + base / 2.0 * random,
        }
    }

    /// Whether a response status is worth retrying.
    #[allow(clippy::manual_contains)] // a plain loop: `contains`'s unrolled search weighs more
    pub fn is_retryable_status(&self, status: u16) -> bool {
        self.retryable_status_codes
            .iter()
            .any(|&code| code == status)
    }

    /// Decides what follows a failed attempt. `retries_done` counts the retries already made
    /// (0 after the first attempt); `now` reads HTTP-date `Retry-After` values.
    pub fn next_step(
        &self,
        retries_done: u32,
        failure: &Failure,
        now: EpochMs,
        random: f64,
    ) -> Step {
        let retry_after = match failure {
            Failure::Status {
                status,
                retry_after,
            } if self.is_retryable_status(*status) => retry_after
                .as_deref()
                .and_then(|h| parse_retry_after(h, now)),
            Failure::Status { .. } => {
                return Step::GiveUp {
                    retry_after_ms: None,
                }
            }
            Failure::Network | Failure::Timeout => None,
        };
        let honoured = retry_after.filter(|_| self.respect_retry_after);
        if honoured.is_some_and(|wait| wait > self.max_retry_after)
            || retries_done >= self.max_retries
        {
            return Step::GiveUp {
                retry_after_ms: retry_after,
            };
        }
        let delay = self.delay(retries_done, random);
        let wait_ms = honoured.map_or(delay, |wait| delay.max(wait));
        Step::Retry {
            wait_ms,
            retry_after_ms: retry_after,
        }
    }
}

/// An attempt that did not succeed, as far as retrying cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The server answered with a non-2xx status.
    Status {
        /// The status.
        status: u16,
        /// The raw `Retry-After` header, if any.
        retry_after: Option<String>,
    },
    /// The request failed before a response (connection refused or reset, DNS, CORS).
    Network,
    /// The attempt took longer than `timeoutMs`.
    Timeout,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Wait, then try again.
    Retry {
        /// How long to wait.
        wait_ms: f64,
        /// The server's `Retry-After`, if it sent one.
        retry_after_ms: Option<f64>,
    },
    /// Stop: the last failure is the result.
    GiveUp {
        /// The server's `Retry-After`, if it sent one.
        retry_after_ms: Option<f64>,
    },
}

/// Reads a `Retry-After` value, delta-seconds or HTTP-date, as milliseconds from `now`
/// (a date in the past is 0).
///
/// ```
/// use integrations_client::retry::parse_retry_after;
/// assert_eq!(parse_retry_after("2", 0), Some(2000.0));
/// assert_eq!(parse_retry_after("Thu, 01 Jan 1970 00:00:05 GMT", 1000), Some(4000.0));
/// assert_eq!(parse_retry_after("soon", 0), None);
/// ```
pub fn parse_retry_after(value: &str, now: EpochMs) -> Option<f64> {
    let value = value.trim_matches([' ', '\t']);
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Digit by digit (no float parser in the wasm); saturates for absurd values, which
        // max_retry_after then refuses.
        let seconds = value
            .bytes()
            .fold(0f64, |acc, b| acc * 10.0 + f64::from(b - b'0'));
        return Some(seconds * 1000.0);
    }
    parse_http_date(value).map(|at| (at - now).max(0) as f64)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn none_jitter() -> RetryConfig {
        RetryConfig {
            jitter: Jitter::None,
            ..RetryConfig::default()
        }
    }

    fn status(status: u16, retry_after: Option<&str>) -> Failure {
        Failure::Status {
            status,
            retry_after: retry_after.map(str::to_owned),
        }
    }

    #[test]
    fn defaults_match_the_contract() {
        let c = RetryConfig::default();
        assert_eq!(
            (
                c.max_retries,
                c.initial_delay,
                c.max_delay,
                c.backoff_factor
            ),
            (3, 1000.0, 5000.0, 2.0)
        );
        assert_eq!(c.retryable_status_codes, [408, 429, 500, 502, 503, 504]);
        assert_eq!(
            (c.jitter, c.respect_retry_after, c.max_retry_after),
            (Jitter::Full, true, 60_000.0)
        );
    }

    #[test]
    fn base_delay_grows_then_caps() {
        let c = none_jitter();
        let delays: Vec<f64> = (0..5).map(|n| c.base_delay(n)).collect();
        assert_eq!(delays, [1000.0, 2000.0, 4000.0, 5000.0, 5000.0]);
        assert_eq!(c.base_delay(u32::MAX), 5000.0);
    }

    #[test]
    fn jitter_modes_draw_from_their_ranges() {
        let full = RetryConfig::default();
        let equal = RetryConfig {
            jitter: Jitter::Equal,
            ..RetryConfig::default()
        };
        assert_eq!(full.delay(1, 0.0), 0.0);
        assert_eq!(full.delay(1, 0.5), 1000.0);
        assert_eq!(equal.delay(1, 0.0), 1000.0);
        assert_eq!(equal.delay(1, 0.5), 1500.0);
        assert_eq!(none_jitter().delay(1, 0.9), 2000.0);
    }

    #[test]
    fn retryable_statuses_retry_until_the_budget_is_spent() {
        let c = none_jitter();
        for code in [408, 429, 500, 502, 503, 504] {
            assert_eq!(
                c.next_step(0, &status(code, None), 0, 0.0),
                Step::Retry {
                    wait_ms: 1000.0,
                    retry_after_ms: None
                }
            );
            assert_eq!(
                c.next_step(3, &status(code, None), 0, 0.0),
                Step::GiveUp {
                    retry_after_ms: None
                }
            );
        }
        for code in [400, 401, 403, 404, 409, 422, 501] {
            assert_eq!(
                c.next_step(0, &status(code, Some("1")), 0, 0.0),
                Step::GiveUp {
                    retry_after_ms: None
                }
            );
        }
        assert!(matches!(
            c.next_step(2, &Failure::Network, 0, 0.0),
            Step::Retry { .. }
        ));
        assert!(matches!(
            c.next_step(2, &Failure::Timeout, 0, 0.0),
            Step::Retry { .. }
        ));
        assert!(matches!(
            c.next_step(3, &Failure::Timeout, 0, 0.0),
            Step::GiveUp { .. }
        ));
    }

    #[test]
    fn retry_after_lengthens_the_wait_in_both_forms() {
        let c = none_jitter();
        assert_eq!(
            c.next_step(0, &status(429, Some("3")), 0, 0.0),
            Step::Retry {
                wait_ms: 3000.0,
                retry_after_ms: Some(3000.0)
            }
        );
        // A shorter Retry-After never shortens the backoff.
        assert_eq!(
            c.next_step(2, &status(503, Some("1")), 0, 0.0),
            Step::Retry {
                wait_ms: 4000.0,
                retry_after_ms: Some(1000.0)
            }
        );
        let now = crate::time::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(
            c.next_step(
                0,
                &status(429, Some("Sun, 06 Nov 1994 08:49:44 GMT")),
                now,
                0.0
            ),
            Step::Retry {
                wait_ms: 7000.0,
                retry_after_ms: Some(7000.0)
            }
        );
        let ignoring = RetryConfig {
            respect_retry_after: false,
            ..none_jitter()
        };
        assert_eq!(
            ignoring.next_step(0, &status(429, Some("30")), 0, 0.0),
            Step::Retry {
                wait_ms: 1000.0,
                retry_after_ms: Some(30_000.0)
            }
        );
    }

    #[test]
    fn retry_after_beyond_the_cap_gives_up_at_once() {
        let c = none_jitter();
        assert_eq!(
            c.next_step(0, &status(429, Some("61")), 0, 0.0),
            Step::GiveUp {
                retry_after_ms: Some(61_000.0)
            }
        );
        assert_eq!(
            c.next_step(0, &status(429, Some("60")), 0, 0.0),
            Step::Retry {
                wait_ms: 60_000.0,
                retry_after_ms: Some(60_000.0)
            }
        );
    }

    #[test]
    fn bad_numbers_are_refused() {
        for bad in [f64::NAN, f64::INFINITY, -1.0] {
            assert!(
                check_non_negative("retry.initialDelay", bad).is_err(),
                "{bad}"
            );
        }
        assert!(check_status_code("retry.retryableStatusCodes", 99.0).is_err());
        assert!(check_status_code("retry.retryableStatusCodes", 600.0).is_err());
        assert!(check_count("maxRetries", 1.5).is_err());
        assert!(check_count("maxRetries", -1.0).is_err());
        assert_eq!(check_count("maxRetries", 0.0), Ok(0));
    }

    proptest! {
        #[test]
        fn a_delay_never_exceeds_its_bound(
            n in 0u32..200,
            initial in 0.0f64..10_000.0,
            extra in 0.0f64..100_000.0,
            factor in 1.0f64..10.0,
            random in 0.0f64..1.0,
            jitter in prop::sample::select(vec![Jitter::Full, Jitter::Equal, Jitter::None]),
        ) {
            let c = RetryConfig { initial_delay: initial, max_delay: initial + extra, backoff_factor: factor, jitter, ..RetryConfig::default() };
            let d = c.delay(n, random);
            prop_assert!(d >= 0.0);
            prop_assert!(d <= c.max_delay);
            prop_assert!(d <= c.base_delay(n));
            if jitter == Jitter::Equal { prop_assert!(d >= c.base_delay(n) / 2.0); }
        }

        #[test]
        fn attempts_never_exceed_max_retries_plus_one(max in 0u32..10, code in 100u16..600) {
            let c = RetryConfig { max_retries: max, ..RetryConfig::default() };
            let mut attempts = 1;
            while let Step::Retry { .. } = c.next_step(attempts - 1, &status(code, None), 0, 0.5) {
                attempts += 1;
                prop_assert!(attempts <= max + 1);
            }
        }
    }
}

//! Structured logs and operation metrics (API.md §9): the levels, the entries, and the rule that
//! an entry is emitted only when its level passes the filter. The shell turns them into JS objects.

use crate::error::{int_text, ErrorKind, IntegrationError};
use crate::time::EpochMs;

/// A log level; `Silent` turns logging off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Operation starts and successes.
    Debug,
    /// Retries.
    Info,
    /// Failed operations.
    Warn,
    /// Failed operations the app cannot recover from by retrying.
    Error,
    /// Nothing.
    Silent,
}

impl Level {
    /// Reads `'debug' | 'info' | 'warn' | 'error' | 'silent'`.
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Debug,
            Self::Info,
            Self::Warn,
            Self::Error,
            Self::Silent,
        ]
        .into_iter()
        .find(|level| level.as_str() == text)
    }

    /// The `console` method the default logger calls for an entry of this level.
    pub fn console_method(self) -> &'static str {
        match self {
            Self::Silent => "error",
            level => level.as_str(),
        }
    }

    /// The name JavaScript sees.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
            Self::Silent => "silent",
        }
    }
}

/// One log entry (`LogEntry`).
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    /// The level.
    pub level: Level,
    /// What happened, in one line.
    pub message: String,
    /// When (formatted as RFC 3339 at the boundary).
    pub timestamp: EpochMs,
    /// The method's name: `status`, `connect`, `disconnect`, `refreshToken`, `refreshExpiring`, `fetchWithRetry`.
    pub operation: &'static str,
    /// The operation's correlation id.
    pub correlation_id: Option<String>,
    /// The account's provider.
    pub provider: Option<String>,
    /// The account.
    pub account_id: Option<String>,
    /// Which attempt (1-based) the entry is about.
    pub attempt: Option<u32>,
    /// The HTTP status involved.
    pub status_code: Option<u16>,
    /// How long the operation took.
    pub duration_ms: Option<f64>,
    /// The wait before the next attempt.
    pub retry_in_ms: Option<f64>,
    /// The error's kind.
    pub error_kind: Option<&'static str>,
}

impl LogEntry {
    /// Every text field that can hold caller-given text, for redaction.
    pub fn texts_mut(&mut self) -> [Option<&mut String>; 4] {
        [
            Some(&mut self.message),
            self.correlation_id.as_mut(),
            self.provider.as_mut(),
            self.account_id.as_mut(),
        ]
    }
}

/// What an operation is about, for its log entries and metric.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct OperationInfo<'a> {
    /// The method's name.
    pub operation: &'static str,
    /// The correlation id sent in `X-Correlation-Id`.
    pub correlation_id: &'a str,
    /// The account's provider.
    pub provider: Option<&'a str>,
    /// The account.
    pub account_id: Option<&'a str>,
}

impl<'a> OperationInfo<'a> {
    /// An entry about this operation.
    pub fn entry(&self, level: Level, message: String, now: EpochMs) -> LogEntry {
        LogEntry {
            level,
            message,
            timestamp: now,
            operation: self.operation,
            correlation_id: Some(self.correlation_id.to_owned()),
            provider: self.provider.map(str::to_owned),
            account_id: self.account_id.map(str::to_owned),
            attempt: None,
            status_code: None,
            duration_ms: None,
            retry_in_ms: None,
            error_kind: None,
        }
    }

    /// `{operation} started`, at `debug`.
    pub fn started(&self, now: EpochMs) -> LogEntry {
        self.entry(Level::Debug, [self.operation, " started"].concat(), now)
    }

    /// An attempt failed and the next one comes after `wait_ms`, at `info`.
    pub fn retrying(
        &self,
        attempt: u32,
        wait_ms: f64,
        error: &IntegrationError,
        now: EpochMs,
    ) -> LogEntry {
        let message = [
            "attempt ",
            &int_text(attempt.into()),
            " failed, retrying: ",
            &error.message,
        ]
        .concat();
        let mut entry = self.entry(Level::Info, message, now);
        entry.attempt = Some(attempt);
        entry.status_code = error.status_code;
        entry.retry_in_ms = Some(wait_ms);
        entry.error_kind = Some(error.kind.as_str());
        entry
    }

    /// `{operation} succeeded`, at `debug`, with its attempts, status and duration.
    pub fn succeeded(
        &self,
        attempts: u32,
        status: u16,
        duration_ms: f64,
        now: EpochMs,
    ) -> LogEntry {
        let mut entry = self.entry(Level::Debug, [self.operation, " succeeded"].concat(), now);
        entry.attempt = Some(attempts);
        entry.status_code = Some(status);
        entry.duration_ms = Some(duration_ms);
        entry
    }

    /// What a `refreshExpiring` came to: `info` when nothing failed, else `warn`.
    pub fn refreshed(
        &self,
        refreshed: u32,
        failed: u32,
        duration_ms: f64,
        now: EpochMs,
    ) -> LogEntry {
        let level = if failed == 0 {
            Level::Info
        } else {
            Level::Warn
        };
        let message = [
            "refreshed ",
            &int_text(refreshed.into()),
            " token(s), ",
            &int_text(failed.into()),
            " failed",
        ]
        .concat();
        let mut entry = self.entry(level, message, now);
        entry.duration_ms = Some(duration_ms);
        entry
    }

    /// This operation's metric (`cached: false`; a cached answer sets it).
    pub fn metric(
        &self,
        success: bool,
        duration_ms: f64,
        attempts: u32,
        status_code: Option<u16>,
    ) -> Metric {
        Metric {
            operation: self.operation,
            success,
            duration_ms,
            attempts,
            cached: false,
            correlation_id: self.correlation_id.to_owned(),
            status_code,
            provider: self.provider.map(str::to_owned),
            account_id: self.account_id.map(str::to_owned),
        }
    }

    /// The entry for an operation that did not succeed: `error` level for what retrying cannot
    /// fix, `warn` for what it can, and `info` for one cancelled by its caller's signal or by
    /// `dispose()`, which is the caller's intent, not a failure.
    pub fn failure(&self, error: &IntegrationError, duration_ms: f64, now: EpochMs) -> LogEntry {
        let level = match (error.kind, error.retryable) {
            (ErrorKind::Aborted, _) => Level::Info,
            (_, true) => Level::Warn,
            (_, false) => Level::Error,
        };
        let mut entry = self.entry(level, error.message.clone(), now);
        entry.attempt = Some(error.attempts);
        entry.status_code = error.status_code;
        entry.duration_ms = Some(duration_ms);
        entry.error_kind = Some(error.kind.as_str());
        entry
    }
}

/// One metric per logical operation (`OperationMetric`).
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// The method's name.
    pub operation: &'static str,
    /// Whether it succeeded.
    pub success: bool,
    /// How long it took, waits included.
    pub duration_ms: f64,
    /// Attempts made (0 when served from the cache or refused before a request).
    pub attempts: u32,
    /// Whether the answer came from the cache.
    pub cached: bool,
    /// The correlation id.
    pub correlation_id: String,
    /// The last HTTP status.
    pub status_code: Option<u16>,
    /// The account's provider.
    pub provider: Option<String>,
    /// The account.
    pub account_id: Option<String>,
}

impl Metric {
    /// Every text field that can hold caller-given text, for redaction.
    pub fn texts_mut(&mut self) -> [Option<&mut String>; 3] {
        [
            Some(&mut self.correlation_id),
            self.provider.as_mut(),
            self.account_id.as_mut(),
        ]
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn levels_order_and_parse() {
        assert!(
            Level::Debug < Level::Info
                && Level::Warn < Level::Error
                && Level::Error < Level::Silent
        );
        for name in ["debug", "info", "warn", "error", "silent"] {
            assert_eq!(Level::parse(name).map(Level::as_str), Some(name));
        }
        assert_eq!(Level::parse("verbose"), None);
    }

    #[test]
    fn a_failure_is_warn_when_retryable_and_error_otherwise() {
        let info = OperationInfo {
            operation: "status",
            correlation_id: "c",
            ..Default::default()
        };
        let mut e = IntegrationError::new(ErrorKind::Network, "down", "c");
        e.attempts = 4;
        let entry = info.failure(&e, 12.0, 0);
        assert_eq!(
            (entry.level, entry.attempt, entry.error_kind),
            (Level::Warn, Some(4), Some("network"))
        );
        e.retryable = false;
        assert_eq!(info.failure(&e, 1.0, 0).level, Level::Error);
    }

    #[test]
    fn the_life_of_an_operation_in_entries() {
        let info = OperationInfo {
            operation: "status",
            correlation_id: "c",
            ..Default::default()
        };
        assert_eq!(info.started(5).message, "status started");
        let mut e =
            IntegrationError::new(ErrorKind::Http, "status failed with HTTP 503: busy", "c");
        e.status_code = Some(503);
        let retry = info.retrying(2, 150.0, &e, 6);
        assert_eq!(
            retry.message,
            "attempt 2 failed, retrying: status failed with HTTP 503: busy"
        );
        assert_eq!(
            (
                retry.level,
                retry.attempt,
                retry.status_code,
                retry.retry_in_ms,
                retry.error_kind
            ),
            (Level::Info, Some(2), Some(503), Some(150.0), Some("http"))
        );
        let done = info.succeeded(3, 200, 12.5, 7);
        assert_eq!(
            (done.level, done.message.as_str()),
            (Level::Debug, "status succeeded")
        );
        assert_eq!((done.attempt, done.duration_ms), (Some(3), Some(12.5)));
        let all = info.refreshed(2, 0, 1.0, 8);
        assert_eq!(
            (all.level, all.message.as_str()),
            (Level::Info, "refreshed 2 token(s), 0 failed")
        );
        assert_eq!(info.refreshed(1, 1, 1.0, 8).level, Level::Warn);
    }

    #[test]
    fn a_cancelled_operation_is_not_logged_as_a_failure() {
        let info = OperationInfo {
            operation: "refreshToken",
            correlation_id: "c",
            ..Default::default()
        };
        let e = IntegrationError::new(ErrorKind::Aborted, "refreshToken was aborted", "c");
        let entry = info.failure(&e, 3.0, 0);
        assert_eq!(
            (entry.level, entry.error_kind),
            (Level::Info, Some("aborted"))
        );
    }
}

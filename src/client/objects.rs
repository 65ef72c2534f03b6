//! The objects callers see — log entries, metrics, errors, `refreshExpiring`'s result, the
//! store's snapshots, `DEFAULT_RETRY_CONFIG`, the token manager's providers (the
//! manager and its `TokenData` entries print themselves, in pkg-template/tokens.js) — and the
//! `RequestInit` of each attempt, built here through [`Value`], so that their shape (each name,
//! which fields are present, what is frozen, that no token text is in them) is the core's and is
//! tested natively. The boundary only hands them over.

use super::data::View;
use super::{Answer, Outgoing, Rejection, Value};
use crate::error::IntegrationError;
use crate::log::{LogEntry, Metric};
use crate::retry::RetryConfig;
use crate::tokens::TokenMap;

/// An object being built: its fields in the order set, an absent one left out (so that
/// `'key' in object` tells).
struct Record<V>(V);

impl<V: Value> Record<V> {
    fn new() -> Self {
        Self(V::new_object())
    }

    fn with(mut self, key: &str, value: impl Into<Option<V>>) -> Self {
        if let Some(value) = value.into() {
            self.0.set(key, value);
        }
        self
    }

    fn text(self, key: &str, text: Option<&str>) -> Self {
        self.with(key, text.map(V::string))
    }

    fn number(self, key: &str, n: Option<f64>) -> Self {
        self.with(key, n.map(V::number))
    }
}

/// A log entry, as the caller's `logger` (or `console`) gets it.
pub fn log_entry<V: Value>(entry: &LogEntry) -> V {
    Record::new()
        .text("level", Some(entry.level.as_str()))
        .text("message", Some(&entry.message))
        .with("timestamp", V::timestamp(entry.timestamp))
        .text("operation", Some(entry.operation))
        .text("correlationId", entry.correlation_id.as_deref())
        .text("provider", entry.provider.as_deref())
        .text("accountId", entry.account_id.as_deref())
        .number("attempt", entry.attempt.map(f64::from))
        .number("statusCode", entry.status_code.map(f64::from))
        .number("durationMs", entry.duration_ms)
        .number("retryInMs", entry.retry_in_ms)
        .text("errorKind", entry.error_kind)
        .0
}

/// A metric, as `onMetric` gets it.
pub fn metric<V: Value>(metric: &Metric) -> V {
    Record::new()
        .text("operation", Some(metric.operation))
        .with("success", V::boolean(metric.success))
        .number("durationMs", Some(metric.duration_ms))
        .number("attempts", Some(metric.attempts.into()))
        .with("cached", V::boolean(metric.cached))
        .text("correlationId", Some(&metric.correlation_id))
        .number("statusCode", metric.status_code.map(f64::from))
        .text("provider", metric.provider.as_deref())
        .text("accountId", metric.account_id.as_deref())
        .0
}

/// The fields of an `IntegrationError`; `details` is the server's, unless the error names the
/// failing path of a response (`details: { path }`).
pub fn error_fields<V: Value>(error: &IntegrationError, details: Option<V>) -> V {
    let details = match &error.path {
        Some(path) => Some(Record::new().text("path", Some(path)).0),
        None => details,
    };
    Record::new()
        .text("message", Some(&error.message))
        .text("kind", Some(error.kind.as_str()))
        .text("userMessage", Some(&error.user_message))
        .number("statusCode", error.status_code.map(f64::from))
        .with("retryable", V::boolean(error.retryable))
        .text("provider", error.provider.as_deref())
        .text("accountId", error.account_id.as_deref())
        .text("correlationId", Some(&error.correlation_id))
        .number("attempts", Some(error.attempts.into()))
        .number("retryAfterMs", error.retry_after_ms)
        .text("type", error.type_.as_deref())
        .with("details", details)
        .0
}

/// A rejection as the error a promise rejects with.
pub fn error<V: Value>(rejection: &Rejection<V>) -> V {
    V::error(error_fields(&rejection.error, rejection.details.clone()))
}

/// What a call resolves with; `None` for `undefined`.
pub fn answer<V: Value>(answer: Answer<V>) -> Option<V> {
    match answer {
        Answer::Value(value) => Some(value),
        Answer::Nothing => None,
        Answer::Expiring {
            refreshed,
            failed,
            deferred,
        } => {
            let deferred = deferred.into_iter().map(|d| {
                Record::new()
                    .text("provider", Some(&d.account.0))
                    .text("accountId", Some(&d.account.1))
                    .number("retryAfterMs", Some(d.retry_after_ms))
                    .0
            });
            let record = Record::new()
                .with("refreshed", V::array(refreshed))
                .with("failed", V::array(failed.iter().map(error).collect()))
                .with("deferred", V::array(deferred.collect()));
            Some(record.0)
        }
    }
}

/// A retry policy, frozen (`DEFAULT_RETRY_CONFIG`).
pub fn retry_config<V: Value>(config: &RetryConfig) -> V {
    let codes = config.retryable_status_codes.iter();
    let codes = V::array(codes.map(|c| V::number(f64::from(*c))).collect()).frozen();
    Record::new()
        .number("maxRetries", Some(config.max_retries.into()))
        .number("initialDelay", Some(config.initial_delay))
        .number("maxDelay", Some(config.max_delay))
        .number("backoffFactor", Some(config.backoff_factor))
        .with("retryableStatusCodes", codes)
        .text("jitter", Some(config.jitter.as_str()))
        .with("respectRetryAfter", V::boolean(config.respect_retry_after))
        .number("maxRetryAfter", Some(config.max_retry_after))
        .0
        .frozen()
}

/// The token map's providers, sorted.
pub fn providers<V: Value>(tokens: &TokenMap) -> V {
    V::array(tokens.providers().into_iter().map(V::string).collect())
}

/// The `RequestInit` of an attempt, but for its `signal`. `redirect: 'manual'`: a redirect comes
/// back as a response (status 0 in a browser), which the core refuses, so that nothing is ever
/// sent to another origin.
pub fn request_init<V: Value>(outgoing: &Outgoing, credentials: Option<&str>) -> V {
    let mut headers = V::new_object();
    for (name, value) in &outgoing.headers {
        headers.set(name, V::string(value));
    }
    Record::new()
        .text("body", outgoing.body.as_deref())
        .text("method", Some(outgoing.method))
        .with("headers", headers)
        .text("redirect", Some("manual"))
        .text("credentials", credentials)
        .0
}

/// The store's snapshot of `view`: frozen, its groups made of the very account objects of
/// `data.integrations`.
pub fn snapshot<V: Value>(view: &View<'_, V>) -> V {
    let integrations = view.data.and_then(|data| data.get("integrations"));
    let groups = |groups: &[(String, Vec<usize>)]| {
        let item = |i: &usize| integrations.as_ref().and_then(|all| all.index(*i));
        let mut by_provider = V::new_object();
        for (provider, indices) in groups {
            by_provider.set(
                provider,
                V::array(indices.iter().filter_map(item).collect()),
            );
        }
        by_provider.frozen()
    };
    let record = Record::new()
        .with("data", view.data.cloned())
        .with("summary", view.data.and_then(|data| data.get("summary")))
        .with("byProvider", groups(&view.by_provider))
        .with("needsReconnect", groups(&view.needs_reconnect))
        .with(
            "integrations",
            integrations
                .clone()
                .unwrap_or_else(|| V::array(Vec::new()).frozen()),
        )
        .with("error", view.error.map(error))
        .with("isLoading", V::boolean(view.is_loading))
        .with("isValidating", V::boolean(view.is_validating))
        .number("updatedAt", view.updated_at.map(|at| at as f64));
    record.0.frozen()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::super::testing::{rfc3339, J};
    use super::*;
    use crate::error::ErrorKind;
    use crate::log::{Level, OperationInfo};
    use serde_json::json;

    #[test]
    fn a_log_entry_names_its_fields_and_leaves_out_the_absent_ones() {
        let info = OperationInfo {
            operation: "status",
            correlation_id: "c-1",
            provider: None,
            account_id: None,
        };
        let mut entry = info.entry(Level::Warn, "slow".into(), 1_700_000_000_123);
        entry.attempt = Some(2);
        let value: J = log_entry(&entry);
        assert_eq!(
            *value.0,
            json!({
                "level": "warn", "message": "slow", "timestamp": "2023-11-14T22:13:20.123Z",
                "operation": "status", "correlationId": "c-1", "attempt": 2.0,
            })
        );
    }

    #[test]
    fn an_error_names_its_failing_path_as_details_else_carries_the_servers() {
        let mut error = IntegrationError::new(ErrorKind::Http, "boom", "c-2").with_status(409);
        let server = J::new(json!({ "limit": 3 }));
        let fields: J = error_fields(&error, Some(server));
        assert_eq!(fields.0["details"], json!({ "limit": 3 }));
        assert_eq!(
            (fields.0["statusCode"].as_f64(), fields.0.get("provider")),
            (Some(409.0), None)
        );
        error.path = Some("integrations[0].id".into());
        let fields: J = error_fields(&error, Some(J::new(json!({ "limit": 3 }))));
        assert_eq!(fields.0["details"], json!({ "path": "integrations[0].id" }));
    }

    #[test]
    fn a_request_init_sends_the_headers_and_body_and_follows_no_redirect() {
        let outgoing = Outgoing {
            operation: "connect",
            method: "POST",
            url: "https://app.example/api/integrations/connect/tiktok".into(),
            headers: vec![("X-Correlation-Id".into(), "c-3".into())],
            body: Some("{}".into()),
            correlation_id: "c-3".into(),
            provider: Some("tiktok".into()),
            account_id: None,
        };
        let init: J = request_init(&outgoing, Some("include"));
        assert_eq!(
            *init.0,
            json!({
                "body": "{}", "method": "POST", "headers": { "X-Correlation-Id": "c-3" },
                "redirect": "manual", "credentials": "include",
            })
        );
        let init: J = request_init(
            &Outgoing {
                body: None,
                ..outgoing
            },
            None,
        );
        assert_eq!(
            (init.0.get("body"), init.0.get("credentials")),
            (None, None)
        );
    }

    #[test]
    fn the_default_retry_policy_names_every_field() {
        let config: J = retry_config(&RetryConfig::default());
        let keys: Vec<&str> = config
            .0
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "backoffFactor",
                "initialDelay",
                "jitter",
                "maxDelay",
                "maxRetries",
                "maxRetryAfter",
                "respectRetryAfter",
                "retryableStatusCodes",
            ]
        );
        assert_eq!(config.0["jitter"], json!("full"));
        assert_eq!(
            config.0["retryableStatusCodes"],
            json!([408.0, 429.0, 500.0, 502.0, 503.0, 504.0])
        );
    }

    #[test]
    fn timestamps_are_written_as_date_to_iso_string_does() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59.999Z");
    }
}

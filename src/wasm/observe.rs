//! Logs and metrics at the boundary: the level filter is checked before an entry is built, every
//! text is redacted of token text, and the entry goes to the caller's `logger` (or `console`).

use super::errors::{set, set_some, to_js};
use super::transport::Failed;
use super::{get, global};
use crate::error::IntegrationError;
use crate::json::{JsonKind, JsonView, MAX_DEPTH};
use crate::log::{Level, LogEntry, Metric};
use crate::tokens::TokenMap;
use js_sys::{Array, Function, Object};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(typescript_custom_section)]
const LOG_TS: &str = r#"
/** A log level; `'silent'` turns logging off. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** The operations that log and measure. */
export type OperationName = 'status' | 'connect' | 'disconnect' | 'refreshToken' | 'refreshExpiring' | 'fetchWithRetry';

/** One structured log entry, given synchronously to `logger`. Never holds token text. */
export interface LogEntry {
  level: Exclude<LogLevel, 'silent'>;
  message: string;
  /** RFC 3339. */
  timestamp: string;
  operation: OperationName;
  /** The operation's uuid, as sent in `X-Correlation-Id` and set on its error. */
  correlationId?: string;
  provider?: Provider;
  accountId?: string;
  /** Which attempt (1-based) the entry is about. */
  attempt?: number;
  statusCode?: number;
  durationMs?: number;
  /** The wait before the next attempt. */
  retryInMs?: number;
  errorKind?: IntegrationErrorKind;
}

/** One metric per logical operation, given to `onMetric`. Never holds token text. */
export interface OperationMetric {
  operation: OperationName;
  success: boolean;
  /** Waits included. */
  durationMs: number;
  /** 0 when served from the cache or refused before any request. */
  attempts: number;
  /** Served from the cache, without a request. */
  cached: boolean;
  correlationId: string;
  statusCode?: number;
  provider?: Provider;
  accountId?: string;
}
"#;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// A monotonic clock in ms, for durations.
pub(crate) fn clock() -> f64 {
    performance_now()
}

/// Where logs and metrics go, and the token map whose texts they must never hold.
pub(crate) struct Observer {
    pub level: Level,
    pub logger: Option<Function>,
    pub on_metric: Option<Function>,
    pub tokens: Rc<RefCell<TokenMap>>,
}

impl Observer {
    /// Whether entries of `level` pass the filter.
    pub fn enabled(&self, level: Level) -> bool {
        self.level != Level::Silent && level >= self.level
    }

    /// Builds and emits an entry, only when `level` passes the filter.
    pub fn log<'a>(&self, level: Level, entry: impl FnOnce() -> LogEntry<'a>) {
        if self.enabled(level) {
            self.emit(entry());
        }
    }

    fn redact(&self, text: &str) -> String {
        self.tokens.borrow().redact(text)
    }

    fn emit(&self, entry: LogEntry) {
        let message = self.redact(&entry.message);
        let object: JsValue = Object::new().into();
        set(&object, "level", entry.level.as_str());
        set(&object, "message", message.as_str());
        set(&object, "timestamp", super::iso(entry.timestamp));
        set(&object, "operation", entry.operation);
        set_some(
            &object,
            "correlationId",
            entry.correlation_id.map(|c| self.redact(c)),
        );
        set_some(&object, "provider", entry.provider.map(|p| self.redact(p)));
        set_some(
            &object,
            "accountId",
            entry.account_id.map(|a| self.redact(a)),
        );
        set_some(&object, "attempt", entry.attempt);
        set_some(&object, "statusCode", entry.status_code);
        set_some(&object, "durationMs", entry.duration_ms);
        set_some(&object, "retryInMs", entry.retry_in_ms);
        set_some(&object, "errorKind", entry.error_kind);
        match &self.logger {
            // A logger that throws must not break the operation it logs.
            Some(logger) => drop(logger.call1(&JsValue::NULL, &object)),
            // `console[level](message, entry)`, looked up when called (one generic call where
            // four bindings were an import each).
            None => {
                let method = match entry.level {
                    Level::Silent => "error",
                    level => level.as_str(),
                };
                let console = get(&global(), "console").unwrap_or_default();
                if let Some(log) = get(&console, method).and_then(|f| f.dyn_into::<Function>().ok())
                {
                    drop(log.call2(&console, &message.as_str().into(), &object));
                }
            }
        }
    }

    /// Gives one metric to `onMetric`.
    pub fn metric(&self, metric: Metric) {
        let Some(on_metric) = &self.on_metric else {
            return;
        };
        let object: JsValue = Object::new().into();
        set(&object, "operation", metric.operation);
        set(&object, "success", metric.success);
        set(&object, "durationMs", metric.duration_ms);
        set(&object, "attempts", metric.attempts);
        set(&object, "cached", metric.cached);
        set(&object, "correlationId", self.redact(metric.correlation_id));
        set_some(&object, "statusCode", metric.status_code);
        set_some(&object, "provider", metric.provider.map(|p| self.redact(p)));
        set_some(
            &object,
            "accountId",
            metric.account_id.map(|a| self.redact(a)),
        );
        drop(on_metric.call1(&JsValue::NULL, &object));
    }

    /// The JS error of a failure, every text (the server's `details` included) redacted.
    pub fn error(&self, mut failed: Failed) -> JsValue {
        self.redact_error(&mut failed.error);
        let details = match self.tokens.borrow().is_empty() {
            true => failed.details,
            false => failed.details.map(|d| self.redact_value(&d, MAX_DEPTH)),
        };
        to_js(&failed.error, details)
    }

    /// A copy of the server's `details` with token text redacted from every string in it, keys
    /// included: by value, so that no escaping of a text form can hide a token. What lies deeper
    /// than `depth` levels is dropped.
    fn redact_value(&self, value: &JsValue, depth: u32) -> JsValue {
        if let Some(text) = value.as_string() {
            return self.redact(&text).into();
        }
        let kind = value.kind();
        let depth = match (kind, depth) {
            (JsonKind::Array | JsonKind::PlainObject, 0) => return JsValue::NULL,
            (JsonKind::Array | JsonKind::PlainObject, depth) => depth - 1,
            _ => return value.clone(),
        };
        let copy = Array::new();
        for key in value.keys() {
            let item = self.redact_value(&value.get(&key).unwrap_or_default(), depth);
            match kind {
                JsonKind::Array => copy.push(&item),
                _ => copy.push(&Array::of2(&self.redact(&key).into(), &item)),
            };
        }
        match kind {
            JsonKind::Array => copy.into(),
            // Entries defined, not assigned: a "__proto__" key stays a key.
            _ => super::try_from_entries(&copy).unwrap_or(JsValue::NULL),
        }
    }

    /// Redacts token text from a core error.
    fn redact_error(&self, error: &mut IntegrationError) {
        let tokens = self.tokens.borrow();
        if !tokens.is_empty() {
            error.redact_with(|t| tokens.redact(t));
        }
    }
}

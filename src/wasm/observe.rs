//! Logs and metrics as JavaScript objects, given to the caller's `logger` (or `console`) and
//! `onMetric`.

use super::errors::{set, set_some};
use super::{get, global};
use crate::log::{Level, LogEntry, Metric};
use js_sys::{Function, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Where logs and metrics go. The core has filtered and redacted them.
pub(crate) struct Observer {
    pub logger: Option<Function>,
    pub on_metric: Option<Function>,
}

impl Observer {
    /// Gives one entry to the caller's `logger`, or to `console[level]`.
    pub fn emit(&self, entry: LogEntry) {
        let object: JsValue = Object::new().into();
        set(&object, "level", entry.level.as_str());
        set(&object, "message", entry.message.as_str());
        set(&object, "timestamp", super::iso(entry.timestamp));
        set(&object, "operation", entry.operation);
        set_some(&object, "correlationId", entry.correlation_id);
        set_some(&object, "provider", entry.provider);
        set_some(&object, "accountId", entry.account_id);
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
                    drop(log.call2(&console, &entry.message.as_str().into(), &object));
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
        set(&object, "correlationId", metric.correlation_id);
        set_some(&object, "statusCode", metric.status_code);
        set_some(&object, "provider", metric.provider);
        set_some(&object, "accountId", metric.account_id);
        drop(on_metric.call1(&JsValue::NULL, &object));
    }
}

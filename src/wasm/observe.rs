//! Logs and metrics as JavaScript objects, given to the caller's `logger` (or `console`) and
//! `onMetric`.

use super::{apply, call, get, global};
use crate::client::objects;
use crate::log::{LogEntry, Metric};
use wasm_bindgen::prelude::*;

/// Where logs and metrics go. The core has filtered and redacted them.
pub(crate) struct Observer {
    /// The caller's `logger` and `onMetric`, each `undefined` when not given.
    pub logger: JsValue,
    pub on_metric: JsValue,
}

impl Observer {
    /// Gives one entry to the caller's `logger`, or to `console[level]`.
    pub fn emit(&self, entry: LogEntry) {
        let object: JsValue = objects::log_entry(&entry);
        match self.logger.is_undefined() {
            // A logger that throws must not break the operation it logs.
            false => drop(apply(&self.logger, &JsValue::NULL, &[&object])),
            // `console[level](message, entry)`, looked up when called (one generic call where
            // four bindings were an import each).
            true => {
                let method = entry.level.console_method();
                let console = get(&global(), "console").unwrap_or_default();
                let message = entry.message.as_str().into();
                drop(call(&console, method, &[&message, &object]));
            }
        }
    }

    /// Gives one metric to `onMetric`.
    pub fn metric(&self, metric: Metric) {
        if !self.on_metric.is_undefined() {
            let object = objects::metric(&metric);
            drop(apply(&self.on_metric, &JsValue::NULL, &[&object]));
        }
    }
}

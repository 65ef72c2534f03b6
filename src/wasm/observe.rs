//! Logs and metrics as JavaScript objects, given to the caller's `logger` (or `console`) and
//! `onMetric`.

use super::{apply, call, get, global};
use crate::client::objects;
use crate::log::{LogEntry, Metric};
use wasm_bindgen::prelude::*;

/// Where logs and metrics go. The core has filtered and redacted them.
pub(crate) struct Observer {
    pub logger: Option<JsValue>,
    pub on_metric: Option<JsValue>,
}

impl Observer {
    /// Gives one entry to the caller's `logger`, or to `console[level]`.
    pub fn emit(&self, entry: LogEntry) {
        let object: JsValue = objects::log_entry(&entry);
        match &self.logger {
            // A logger that throws must not break the operation it logs.
            Some(logger) => drop(apply(logger, &JsValue::NULL, &[&object])),
            // `console[level](message, entry)`, looked up when called (one generic call where
            // four bindings were an import each).
            None => {
                let method = entry.level.console_method();
                let console = get(&global(), "console").unwrap_or_default();
                let message = entry.message.as_str().into();
                drop(call(&console, method, &[&message, &object]));
            }
        }
    }

    /// Gives one metric to `onMetric`.
    pub fn metric(&self, metric: Metric) {
        if let Some(on_metric) = &self.on_metric {
            let object = objects::metric(&metric);
            drop(apply(on_metric, &JsValue::NULL, &[&object]));
        }
    }
}

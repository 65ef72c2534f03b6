//! Logs and metrics as JavaScript objects, given to the caller's `logger` (or `console`) and
//! `onMetric`.

use super::{invoke, log};
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
        log(
            &self.logger,
            entry.level.console_method(),
            &entry.message,
            &object,
        );
    }

    /// Gives one metric to `onMetric`.
    pub fn metric(&self, metric: Metric) {
        if !self.on_metric.is_undefined() {
            let object = objects::metric(&metric);
            invoke(&self.on_metric, &object);
        }
    }
}

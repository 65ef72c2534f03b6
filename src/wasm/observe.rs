//! Logs and metrics as JavaScript objects, given to the caller's `logger` (or `console`) and
//! `onMetric`.

use super::{get, global};
use crate::client::objects;
use crate::log::{LogEntry, Metric};
use js_sys::Function;
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
        let object: JsValue = objects::log_entry(&entry);
        match &self.logger {
            // A logger that throws must not break the operation it logs.
            Some(logger) => drop(logger.call1(&JsValue::NULL, &object)),
            // `console[level](message, entry)`, looked up when called (one generic call where
            // four bindings were an import each).
            None => {
                let method = entry.level.console_method();
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
        if let Some(on_metric) = &self.on_metric {
            drop(on_metric.call1(&JsValue::NULL, &objects::metric(&metric)));
        }
    }
}

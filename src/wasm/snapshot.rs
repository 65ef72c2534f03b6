//! Snapshots as JavaScript sees them: frozen objects built from the core's view.

use super::errors::{rejection_to_js, set, set_some};
use super::get;
use crate::client::View;
use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

fn frozen(value: JsValue) -> JsValue {
    Object::freeze(value.unchecked_ref::<Object>()).into()
}

/// The snapshot of `view`.
pub(crate) fn build(view: &View<'_, JsValue>) -> JsValue {
    let snapshot: JsValue = Object::new().into();
    let integrations: Array = match view.data {
        Some(data) => {
            set(&snapshot, "data", data.clone());
            set_some(&snapshot, "summary", get(data, "summary"));
            get(data, "integrations").map_or_else(Array::new, JsCast::unchecked_into)
        }
        None => frozen(Array::new().into()).unchecked_into(),
    };
    let groups = |groups: &[(String, Vec<usize>)]| {
        let by_provider: JsValue = Object::new().into();
        for (provider, indices) in groups {
            let group: Array = indices
                .iter()
                .map(|i| integrations.get(*i as u32))
                .collect();
            set(&by_provider, provider, group);
        }
        frozen(by_provider)
    };
    set(&snapshot, "byProvider", groups(&view.by_provider));
    set(&snapshot, "needsReconnect", groups(&view.needs_reconnect));
    set(&snapshot, "integrations", integrations);
    set_some(&snapshot, "error", view.error.cloned().map(rejection_to_js));
    set(&snapshot, "isLoading", view.is_loading);
    set(&snapshot, "isValidating", view.is_validating);
    set_some(&snapshot, "updatedAt", view.updated_at.map(|at| at as f64));
    frozen(snapshot)
}

//! The one place that builds JavaScript errors. The `IntegrationError` class itself is JavaScript
//! (a class that extends `Error` needs JS syntax); the package entry registers it at load time,
//! and without it (wasm tests) a plain `Error` carries the same fields and brand.

use crate::client::{objects, Rejection};
use crate::error::IntegrationError;
use js_sys::{Function, Object, Reflect};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

thread_local! {
    static ERROR_CLASS: RefCell<Option<Function>> = const { RefCell::new(None) };
}

/// The brand that marks an `IntegrationError` across realms and across the ESM and CJS copies.
const BRAND: &str = "integrations-client.IntegrationError";

fn brand() -> JsValue {
    js_sys::Symbol::for_(BRAND).into()
}

/// Called once by the package entry with the JS `IntegrationError` class.
#[wasm_bindgen(js_name = __registerErrorClass, skip_typescript)]
pub fn register_error_class(class: Function) {
    ERROR_CLASS.with(|slot| *slot.borrow_mut() = Some(class));
}

/// Sets a property on an object we just created; that cannot throw.
pub(crate) fn set(target: &JsValue, key: &str, value: impl Into<JsValue>) {
    let _ = Reflect::set(target, &JsValue::from_str(key), &value.into());
}

/// An `IntegrationError` of `fields` (`crate::client::objects::error_fields`): an instance of
/// the class the entry registered, or without it a plain `Error` with the same fields and brand.
pub(crate) fn make_error(fields: JsValue) -> JsValue {
    let class = ERROR_CLASS.with(|slot| slot.borrow().clone());
    if let Some(class) = class {
        if let Ok(made) = Reflect::construct(&class, &js_sys::Array::of1(&fields)) {
            return made;
        }
    }
    let message = super::get(&fields, "message").unwrap_or_default();
    let plain: JsValue = js_sys::Error::new(&message.as_string().unwrap_or_default()).into();
    set(&plain, "name", "IntegrationError");
    let fields: &Object = fields.unchecked_ref();
    let _ = Reflect::delete_property(fields, &JsValue::from_str("message"));
    let _ = Object::assign(plain.unchecked_ref::<Object>(), fields);
    let _ = Reflect::set(&plain, &brand(), &JsValue::TRUE);
    plain
}

/// A core rejection as an `IntegrationError`.
pub(crate) fn rejection_to_js(rejection: Rejection<JsValue>) -> JsValue {
    objects::error(&rejection)
}

/// An `invalid_input` error as a JS value, with a fresh correlation id.
pub(crate) fn invalid_input(message: impl Into<String>) -> JsValue {
    let error = IntegrationError::invalid_input(message, super::new_uuid());
    rejection_to_js(error.into())
}

/// Whether `value` is an `IntegrationError` of this package (any copy of it, any realm).
#[wasm_bindgen(js_name = isIntegrationError, unchecked_return_type = "value is IntegrationError")]
pub fn is_integration_error(
    #[wasm_bindgen(unchecked_param_type = "unknown")] value: JsValue,
) -> bool {
    (value.is_object() || value.is_function())
        && Reflect::get(&value, &brand()).is_ok_and(|v| v == JsValue::TRUE)
}

/// Makes an `IntegrationError` the way the seed's helper did: a fresh uuid v4 `correlationId`,
/// `kind: 'http'` when a status is given (else `'network'`), and `retryable` as given.
///
/// @example
/// ```ts
/// throw createIntegrationError('Account limit reached', 'instagram', 'account_123', 409);
/// ```
#[wasm_bindgen(js_name = createIntegrationError, unchecked_return_type = "IntegrationError")]
pub fn create_integration_error(
    #[wasm_bindgen(unchecked_param_type = "string")] message: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "Provider")] provider: JsValue,
    #[wasm_bindgen(js_name = accountId, unchecked_optional_param_type = "string")]
    account_id: JsValue,
    #[wasm_bindgen(js_name = statusCode, unchecked_optional_param_type = "number")]
    status_code: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "boolean")] retryable: JsValue,
) -> JsValue {
    let error = IntegrationError::made_by_caller(
        message.as_string().unwrap_or_default(),
        (
            provider.as_string().as_deref(),
            account_id.as_string().as_deref(),
        ),
        status_code.as_f64(),
        retryable.as_bool().unwrap_or(false),
        super::new_uuid(),
    );
    rejection_to_js(error.into())
}

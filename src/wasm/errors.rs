//! The one place that builds JavaScript errors. The `IntegrationError` class itself is JavaScript
//! (a class that extends `Error` needs JS syntax); the package entry registers it at load time,
//! and without it (wasm tests) a plain `Error` carries the same fields and brand.

use super::symbol_for;
use crate::client::{objects, Rejection};
use crate::error::IntegrationError;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

thread_local! {
    static ERROR_CLASS: RefCell<JsValue> = const { RefCell::new(JsValue::UNDEFINED) };
}

/// The brand that marks an `IntegrationError` across realms and across the ESM and CJS copies.
const BRAND: &str = "integrations-client.IntegrationError";

fn brand() -> JsValue {
    symbol_for(BRAND)
}

/// Called once by the package entry with the JS `IntegrationError` class.
#[wasm_bindgen(js_name = __registerErrorClass, skip_typescript)]
pub fn register_error_class(class: JsValue) {
    ERROR_CLASS.with(|slot| *slot.borrow_mut() = class);
}

/// An `IntegrationError` of `fields` (`crate::client::objects::error_fields`): an instance of
/// the class the entry registered, or without it a plain `Error` with the same fields and brand.
pub(crate) fn make_error(fields: JsValue) -> JsValue {
    ERROR_CLASS.with(|class| super::make(&class.borrow(), &fields))
}

/// A core rejection as an `IntegrationError`.
pub(crate) fn rejection_to_js(rejection: Rejection<JsValue>) -> JsValue {
    objects::error(&rejection)
}

/// An `invalid_input` error as a JS value, with a fresh correlation id.
pub(crate) fn invalid_input(message: String) -> JsValue {
    let error = IntegrationError::invalid_input(message, super::new_uuid());
    rejection_to_js(error.into())
}

/// Whether `value` is an `IntegrationError` of this package (any copy of it, any realm).
#[wasm_bindgen(js_name = isIntegrationError, unchecked_return_type = "value is IntegrationError")]
pub fn is_integration_error(
    #[wasm_bindgen(unchecked_param_type = "unknown")] value: JsValue,
) -> bool {
    // A primitive throws in `Reflect.get`: it reads as a symbol, not `true`.
    super::read(&value, &brand()).is_some_and(|v| v.as_bool() == Some(true))
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

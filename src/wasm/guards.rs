//! The runtime type guards (API.md §4). Each delegates to the one validator in `model`, so a guard
//! and the client's own response check can never disagree.

use super::errors::rejection_to_js;
use crate::failure;
use crate::model::{check_integration_data, check_status_response, is_api_response};
use wasm_bindgen::prelude::*;

/// Whether `value` is an `APIResponse` envelope: `success` a boolean, `correlationId` a string,
/// `error` (when present) an object, `timestamp` (when present) a string. Never throws.
///
/// @example
/// ```ts
/// const body: unknown = await response.json();
/// if (isAPIResponse(body) && !body.success) console.warn(body.error?.message);
/// ```
#[wasm_bindgen(js_name = isAPIResponse, unchecked_return_type = "value is APIResponse<unknown>")]
pub fn is_api_response_guard(
    #[wasm_bindgen(unchecked_param_type = "unknown")] value: JsValue,
) -> bool {
    is_api_response(&value)
}

/// Whether `value` is a valid `IntegrationData`: every field with its type, `id` a non-negative
/// safe integer, `provider` a valid slug, `status` one of the three, timestamps RFC 3339,
/// `metadata` (when present) a plain object. Never throws.
#[wasm_bindgen(js_name = isIntegrationData, unchecked_return_type = "value is IntegrationData")]
pub fn is_integration_data(
    #[wasm_bindgen(unchecked_param_type = "unknown")] value: JsValue,
) -> bool {
    check_integration_data(&value).is_ok()
}

/// Whether `value` is a valid `IntegrationStatusResponse`, checked deeply. Never throws.
#[wasm_bindgen(
    js_name = isIntegrationStatusResponse,
    unchecked_return_type = "value is IntegrationStatusResponse"
)]
pub fn is_integration_status_response(
    #[wasm_bindgen(unchecked_param_type = "unknown")] value: JsValue,
) -> bool {
    check_status_response(&value).is_ok()
}

/// Whether `integrations` holds more than one account of `provider`. Never throws.
///
/// @example
/// ```ts
/// if (isMultiAccountProvider('instagram', status.integrations)) showAccountPicker();
/// ```
#[wasm_bindgen(js_name = isMultiAccountProvider)]
pub fn is_multi_account_provider(
    #[wasm_bindgen(unchecked_param_type = "Provider")] provider: JsValue,
    #[wasm_bindgen(unchecked_param_type = "readonly IntegrationData[]")] integrations: JsValue,
) -> bool {
    crate::guards::is_multi_account_provider(&provider, &integrations)
}

/// Checks `value` deeply and returns it typed, or throws an `IntegrationError` with
/// `kind: 'invalid_response'` whose `details.path` names the first bad place, e.g.
/// `integrations[3].status`.
///
/// @example
/// ```ts
/// const status = parseIntegrationStatus(JSON.parse(text));
/// ```
#[wasm_bindgen(js_name = parseIntegrationStatus, unchecked_return_type = "IntegrationStatusResponse")]
pub fn parse_integration_status(
    #[wasm_bindgen(unchecked_param_type = "unknown")] value: JsValue,
) -> Result<JsValue, JsValue> {
    match check_status_response(&value) {
        Ok(_) => Ok(value),
        Err(invalid) => {
            let error = failure::invalid_response("The value", &invalid, &super::new_uuid());
            Err(rejection_to_js(error.into()))
        }
    }
}

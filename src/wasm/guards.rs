//! The runtime type guards (API.md §4). Each delegates to the one validator in `model`, so a guard
//! and the client's own response check can never disagree.

use super::errors::rejection_to_js;
use crate::failure;
use crate::json::JsonView;
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
    let Some(provider) = provider.as_str_within(64) else {
        return false;
    };
    let length = integrations.len().unwrap_or(0);
    // Past a million, the length of a sparse array says nothing of its items: read the indices
    // present, so that the cost follows the items and not the length.
    let indices: Box<dyn Iterator<Item = usize>> = if length <= 1 << 20 {
        Box::new(0..length)
    } else {
        let keys = integrations.keys().into_iter();
        Box::new(
            keys.filter_map(|k| array_index(&k))
                .filter(move |i| *i < length),
        )
    };
    let mut seen = 0;
    for i in indices {
        let matches = integrations
            .index(i)
            .and_then(|item| item.get("provider"))
            .and_then(|p| p.as_str_within(64))
            .is_some_and(|p| p == provider);
        seen += usize::from(matches);
        if seen > 1 {
            return true;
        }
    }
    false
}

/// The array index a property key names: digits, without a leading zero.
fn array_index(key: &str) -> Option<usize> {
    if key.is_empty() || (key.len() > 1 && key.starts_with('0')) {
        return None;
    }
    key.bytes().try_fold(0usize, |n, b| {
        let digit = (b as char).to_digit(10)?;
        n.checked_mul(10)?.checked_add(digit as usize)
    })
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

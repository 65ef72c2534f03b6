//! `MultiAccountTokenManager`: the seed's API over the core's `TokenMap`. Token text leaves only
//! as the parts of an entry that `TokenData` (pkg-template/tokens.js) keeps off its own
//! properties: `toJSON()`, `String()` and `console.log` of the manager or of an entry show none.

use super::errors::invalid_input;
use super::{array, new_array, new_object, now, push_numbers, well_formed};
use crate::client::objects;
use crate::tokens::{read_token, window, TokenEntry, TokenMap};
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;

thread_local! {
    /// The maps of live managers, so that a client given a manager in its options shares it,
    /// each under an object of its own that only its manager hands out: another copy of the
    /// package (its `require` and `import` copies are two wasm instances) or a fake cannot name
    /// one by a number. A list, not a map: there are few managers.
    static REGISTRY: RefCell<Vec<(JsValue, Weak<RefCell<TokenMap>>)>> = const { RefCell::new(Vec::new()) };
}

/// The map behind a `MultiAccountTokenManager` of this copy of the package, if `value` is one.
pub(crate) fn shared_map(value: &JsValue) -> Option<Rc<RefCell<TokenMap>>> {
    let handle = super::call_method(value, "__handle");
    REGISTRY.with(|r| {
        r.borrow()
            .iter()
            .find(|(h, _)| *h == handle)
            .and_then(|(_, w)| w.upgrade())
    })
}

/// An optional number argument: `undefined`, `null` or a number (`NaN` refused with `problem`).
fn number_arg(value: &JsValue, problem: &str) -> Result<Option<f64>, JsValue> {
    match value.as_f64() {
        _ if value.is_undefined() || value.is_null() => Ok(None),
        Some(n) if !n.is_nan() => Ok(Some(n)),
        _ => Err(invalid_input(problem.into())),
    }
}

/// Tokens of several accounts per provider, keyed by the exact (provider, accountId) pair.
///
/// @example
/// ```ts
/// const tokens = new MultiAccountTokenManager();
/// tokens.setToken('instagram', 'account_123', { accessToken, expiresAt: '2025-12-01T00:00:00Z' });
/// tokens.expiringWithin(5 * 60_000); // [{ provider, accountId, expiresAt }], soonest first
/// ```
#[wasm_bindgen]
pub struct MultiAccountTokenManager {
    handle: JsValue,
    map: Rc<RefCell<TokenMap>>,
}

impl Drop for MultiAccountTokenManager {
    fn drop(&mut self) {
        REGISTRY.with(|r| {
            let mut registry = r.borrow_mut();
            // The order of the list does not matter: each handle is in it once.
            if let Some(at) = registry.iter().position(|(h, _)| *h == self.handle) {
                registry.swap_remove(at);
            }
        });
    }
}

impl MultiAccountTokenManager {
    /// A manager over `map` (the client's own, when no manager is given).
    pub(crate) fn over(map: Rc<RefCell<TokenMap>>) -> Self {
        let handle = new_object();
        REGISTRY.with(|r| r.borrow_mut().push((handle.clone(), Rc::downgrade(&map))));
        Self { handle, map }
    }
}

/// An entry as `TokenData` (pkg-template/tokens.js) is made of: `[provider, accountId,
/// accessToken, refreshToken (or `undefined`), expiresAt (epoch ms)]`. The texts are JS strings
/// made once, here; the caller's own strings for the pair (equal to the stored ones).
fn view(provider: JsValue, account_id: JsValue, entry: &TokenEntry) -> JsValue {
    let refresh = entry
        .refresh_token
        .as_deref()
        .map_or(JsValue::UNDEFINED, JsValue::from);
    array([
        provider,
        account_id,
        entry.access_token.as_str().into(),
        refresh,
        (entry.expires_at as f64).into(),
    ])
}

fn key(provider: &JsValue, account_id: &JsValue) -> Option<(String, String)> {
    Some((well_formed(provider)?, well_formed(account_id)?))
}

#[wasm_bindgen]
impl MultiAccountTokenManager {
    /// An empty manager.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Self {
        Self::over(Rc::new(RefCell::new(TokenMap::new())))
    }

    /// Stores the token of one account, replacing what it had. Bad input (an invalid provider or
    /// account id, a missing or non-string token, an `expiresAt` that is not a valid date)
    /// throws `invalid_input` and changes nothing.
    #[wasm_bindgen(js_name = setToken)]
    pub fn set_token(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Provider")] provider: JsValue,
        #[wasm_bindgen(js_name = accountId, unchecked_param_type = "string")] account_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TokenInput")] token: JsValue,
    ) -> Result<(), JsValue> {
        let set = match key(&provider, &account_id) {
            Some((provider, account_id)) => read_token(&token)
                .and_then(|entry| self.map.borrow_mut().set(&provider, &account_id, entry)),
            None => Err("provider and accountId must be well-formed strings".into()),
        };
        set.map_err(invalid_input)
    }

    /// The token of one account as `TokenData` is made of, or `undefined`: what `getToken`
    /// (pkg-template/tokens.js) reads when the pair is not in its cache.
    #[wasm_bindgen(js_name = __getToken, skip_typescript)]
    pub fn get_token(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Provider")] provider: JsValue,
        #[wasm_bindgen(js_name = accountId, unchecked_param_type = "string")] account_id: JsValue,
    ) -> Option<JsValue> {
        let (p, a) = key(&provider, &account_id)?;
        let map = self.map.borrow();
        // The caller's strings are the entry's: equal to the stored ones, no copy out of wasm.
        map.get(&p, &a).map(|e| view(provider, account_id, e))
    }

    /// True when the account has no token or `expiresAt - skewMs <= now`.
    #[wasm_bindgen(js_name = isTokenExpired)]
    pub fn is_token_expired(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Provider")] provider: JsValue,
        #[wasm_bindgen(js_name = accountId, unchecked_param_type = "string")] account_id: JsValue,
        #[wasm_bindgen(js_name = skewMs, unchecked_optional_param_type = "number")]
        skew_ms: JsValue,
    ) -> Result<bool, JsValue> {
        let skew = number_arg(&skew_ms, "skewMs must be a number")?.unwrap_or(0.0);
        let map = self.map.borrow();
        // A pair that cannot be a key has no token: expired.
        let key = key(&provider, &account_id);
        Ok(key.is_none_or(|(p, a)| map.is_expired(&p, &a, skew, now())))
    }

    /// The tokens of one provider, ordered by account id, as `TokenData` is made of: what
    /// `getProviderTokens` (pkg-template/tokens.js) reads.
    #[wasm_bindgen(js_name = __getProviderTokens, skip_typescript)]
    pub fn get_provider_tokens(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Provider")] provider: JsValue,
    ) -> JsValue {
        let Some(name) = well_formed(&provider) else {
            return new_array();
        };
        let map = self.map.borrow();
        // A JS array built here: no vector-of-objects ABI in the glue.
        array(
            map.provider_tokens(&name)
                .map(|((_, a), e)| view(provider.clone(), a.as_str().into(), e)),
        )
    }

    /// Removes one account's token; other accounts, of this provider or others, are untouched.
    /// True when there was one.
    #[wasm_bindgen(js_name = removeToken)]
    pub fn remove_token(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Provider")] provider: JsValue,
        #[wasm_bindgen(js_name = accountId, unchecked_param_type = "string")] account_id: JsValue,
    ) -> bool {
        key(&provider, &account_id).is_some_and(|(p, a)| self.map.borrow_mut().remove(&p, &a))
    }

    /// Removes every token.
    #[wasm_bindgen(js_name = clearAll)]
    pub fn clear_all(&self) {
        self.map.borrow_mut().clear();
    }

    /// How many accounts have a token.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> u32 {
        self.map.borrow().len() as u32
    }

    /// The providers with at least one token, sorted.
    #[wasm_bindgen(unchecked_return_type = "Provider[]")]
    pub fn providers(&self) -> JsValue {
        objects::providers(&self.map.borrow())
    }

    /// The accounts whose token expires within `ms` from now (already expired ones included),
    /// soonest first, for `expiringWithin` (pkg-template/tokens.js) to make into objects: their
    /// texts as one string, and for each its provider's and account's length (UTF-16) and its
    /// expiry: two values out of wasm whatever the count, where an object each took a dozen.
    #[wasm_bindgen(js_name = __expiringWithin, skip_typescript)]
    pub fn expiring_within(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] ms: JsValue,
    ) -> Result<JsValue, JsValue> {
        // A number, not NaN: `undefined` and `null` are refused too.
        let ms = ms
            .as_f64()
            .filter(|ms| !ms.is_nan())
            .ok_or_else(|| invalid_input("ms must be a number".into()))?;
        let map = self.map.borrow();
        let (mut texts, parts) = (String::new(), new_array());
        for ((provider, account_id), at) in map.expiring_within(window(ms), now()) {
            texts.push_str(provider);
            texts.push_str(account_id);
            let units = |text: &str| text.encode_utf16().count() as f64;
            push_numbers(&parts, units(provider), units(account_id), at as f64);
        }
        Ok(array([texts.into(), parts]))
    }

    /// Changes on every write to the map: `getToken`'s cache holds while it is the same.
    #[wasm_bindgen(js_name = __version, skip_typescript)]
    pub fn version(&self) -> u32 {
        self.map.borrow().version()
    }

    /// Lets a client given this manager share its map.
    #[wasm_bindgen(js_name = __handle, skip_typescript)]
    pub fn handle(&self) -> JsValue {
        self.handle.clone()
    }
}

impl Default for MultiAccountTokenManager {
    fn default() -> Self {
        Self::new()
    }
}

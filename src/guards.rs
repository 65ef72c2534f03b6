//! The rules of the runtime guards beyond the model's checks (API.md §4).

use crate::json::{array_index, JsonView};

/// Whether `integrations` holds more than one account of `provider` (`isMultiAccountProvider`).
/// Never fails: what is not a provider or an array of accounts holds none.
pub fn is_multi_account_provider<V: JsonView>(provider: &V, integrations: &V) -> bool {
    let Some(provider) = provider.as_str_within(64) else {
        return false;
    };
    let length = integrations.len().unwrap_or(0);
    let mut seen = 0;
    // Whether item `i` is a second account of the provider.
    let mut second = |i: usize| {
        let matches = integrations
            .index(i)
            .and_then(|item| item.get("provider"))
            .and_then(|p| p.as_str_within(64))
            .is_some_and(|p| p == provider);
        seen += usize::from(matches);
        seen > 1
    };
    if length <= 1 << 20 {
        return (0..length).any(second);
    }
    // Past a million, the length of a sparse array says nothing of its items: read the indices
    // present, so that the cost follows the items and not the length.
    integrations
        .keys()
        .into_iter()
        // Bytes as chars: a byte of a non-ASCII character is no digit either, as its char is not.
        .filter_map(|k| array_index(k.bytes().map(char::from)))
        // Below the length, an index fits in a usize.
        .filter(|i| *i < length as u64)
        .any(|i| second(i as usize))
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn more_than_one_account_of_the_provider_is_multi_account() {
        let accounts = json!([
            { "provider": "instagram" }, { "provider": "tiktok" }, { "provider": "instagram" },
        ]);
        let multi = |p: &str| is_multi_account_provider(&json!(p), &accounts);
        assert!(multi("instagram") && !multi("tiktok") && !multi("x"));
        assert!(!is_multi_account_provider(&json!(5), &accounts));
        assert!(!is_multi_account_provider(
            &json!("instagram"),
            &json!({ "provider": 1 })
        ));
        let long = "i".repeat(65);
        let accounts = json!([{ "provider": long }, { "provider": long }]);
        assert!(
            !is_multi_account_provider(&json!(long), &accounts),
            "past 64, no provider"
        );
    }
}

//! The rules of the runtime guards beyond the model's checks (API.md §4).

use crate::json::JsonView;

/// Whether `integrations` holds more than one account of `provider` (`isMultiAccountProvider`).
/// Never fails: what is not a provider or an array of accounts holds none.
pub fn is_multi_account_provider<V: JsonView>(provider: &V, integrations: &V) -> bool {
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

    #[test]
    fn array_indices_are_digits_without_a_leading_zero() {
        assert_eq!(array_index("0"), Some(0));
        assert_eq!(array_index("120"), Some(120));
        for key in ["", "01", "-1", "1.5", "length", "99999999999999999999999"] {
            assert_eq!(array_index(key), None, "{key}");
        }
    }
}

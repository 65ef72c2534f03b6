//! The client's defaults, in one place: the options read here when they are absent, and the
//! README's "Defaults" table and the `@default` of every option in `pkg-template/types.d.ts` are
//! checked against them (the tests below), so that the three can never disagree.

use crate::error::{int_text, number_text};
use crate::log::Level;
use crate::retry::RetryConfig;
use crate::store::CacheConfig;

/// `basePath`: the prefix of every route.
pub const BASE_PATH: &str = "/api/integrations";
/// `timeoutMs`: per attempt; 0 turns it off.
pub const TIMEOUT_MS: f64 = 10_000.0;
/// `refreshWindowMs`: tokens expiring within five minutes are due.
pub const REFRESH_WINDOW_MS: f64 = 300_000.0;
/// `autoRefresh`: `refreshExpiring()` after every successful status fetch.
pub const AUTO_REFRESH: bool = true;
/// `crossTab`: coordinate refreshes and changes with other tabs where the platform can.
pub const CROSS_TAB: bool = true;
/// `debounceMs`: `requestRefresh()` calls closer than this end in one request.
pub const DEBOUNCE_MS: f64 = 1_000.0;
/// `logLevel`.
pub const LOG_LEVEL: Level = Level::Warn;
/// The longest delay a platform timer takes (2^31 - 1 ms); longer waits are cut to it.
pub const MAX_TIMER_MS: f64 = 2_147_483_647.0;
/// How many token refreshes `refreshExpiring()` runs at once (not an option).
pub const REFRESH_CONCURRENCY: usize = 4;

/// Every option with a default, as `(name, default)` in TypeScript's notation (`'warn'`, `10000`,
/// `[408, 429]`): what the README and the `.d.ts` must say.
pub fn documented() -> Vec<(&'static str, String)> {
    let (retry, cache) = (RetryConfig::default(), CacheConfig::default());
    let codes: Vec<String> = retry
        .retryable_status_codes
        .iter()
        .map(|c| int_text((*c).into()))
        .collect();
    let quoted = |s: &str| ["'", s, "'"].concat();
    let n = |x: f64| number_text(x);
    let b = |x: bool| if x { "true" } else { "false" }.to_owned();
    vec![
        ("basePath", quoted(BASE_PATH)),
        ("timeoutMs", n(TIMEOUT_MS)),
        ("refreshWindowMs", n(REFRESH_WINDOW_MS)),
        ("autoRefresh", b(AUTO_REFRESH)),
        ("crossTab", b(CROSS_TAB)),
        ("debounceMs", n(DEBOUNCE_MS)),
        ("logLevel", quoted(LOG_LEVEL.as_str())),
        ("retry.maxRetries", int_text(retry.max_retries.into())),
        ("retry.initialDelay", n(retry.initial_delay)),
        ("retry.maxDelay", n(retry.max_delay)),
        ("retry.backoffFactor", n(retry.backoff_factor)),
        (
            "retry.retryableStatusCodes",
            ["[", &codes.join(", "), "]"].concat(),
        ),
        ("retry.jitter", quoted(retry.jitter.as_str())),
        ("retry.respectRetryAfter", b(retry.respect_retry_after)),
        ("retry.maxRetryAfter", n(retry.max_retry_after)),
        ("cache.dedupingInterval", n(cache.deduping_interval)),
        ("cache.refreshInterval", n(cache.refresh_interval)),
        ("cache.revalidateOnFocus", b(cache.revalidate_on_focus)),
        (
            "cache.revalidateOnReconnect",
            b(cache.revalidate_on_reconnect),
        ),
        (
            "cache.focusThrottleInterval",
            n(cache.focus_throttle_interval),
        ),
        (
            "cache.errorRetryCount",
            int_text(cache.error_retry_count.into()),
        ),
        ("cache.errorRetryInterval", n(cache.error_retry_interval)),
        ("cache.refreshWhenHidden", b(cache.refresh_when_hidden)),
    ]
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// The README's "Defaults" table: `| \`a\` / \`b\` | \`1\` / \`2\` | note |` rows; a name
    /// without a dot takes the prefix of the first name of its row.
    fn readme_defaults() -> BTreeMap<String, String> {
        let readme = include_str!("../README.md");
        let table = readme
            .split("## Defaults")
            .nth(1)
            .unwrap()
            .split("\n## ")
            .next()
            .unwrap();
        let mut found = BTreeMap::new();
        for row in table.lines().filter(|l| l.starts_with("| `")) {
            let cells: Vec<&str> = row.split(" | ").collect();
            let names: Vec<&str> = cells[0].trim_start_matches("| ").split(" / ").collect();
            let values: Vec<&str> = cells[1].split(" / ").collect();
            let prefix = names[0].trim_matches('`').rsplit_once('.').map(|(p, _)| p);
            for (name, value) in names.iter().zip(values) {
                let name = name.trim_matches('`');
                let name = match (name.contains('.'), prefix) {
                    (false, Some(prefix)) => [prefix, ".", name].concat(),
                    _ => name.to_owned(),
                };
                found.insert(name, value.trim_matches('`').to_owned());
            }
        }
        found
    }

    /// The `@default` of each field of the options interfaces in `pkg-template/types.d.ts`.
    fn typescript_defaults() -> BTreeMap<String, String> {
        let source = include_str!("../pkg-template/types.d.ts");
        let mut found = BTreeMap::new();
        let (mut prefix, mut pending) = ("", None::<String>);
        for line in source.lines().map(str::trim) {
            if let Some(rest) = line.strip_prefix("export interface ") {
                prefix = match rest.split_whitespace().next() {
                    Some("RetryConfig") => "retry.",
                    Some("CacheConfig") => "cache.",
                    Some("ClientOptions") => "",
                    _ => "-",
                };
            } else if let Some(at) = line.find("@default ") {
                let value = line[at + 9..].trim_end_matches("*/").trim();
                pending = Some(value.to_owned());
            } else if let (Some(value), Some((field, _))) = (pending.take(), line.split_once(':')) {
                if prefix != "-" {
                    found.insert([prefix, field.trim_end_matches('?')].concat(), value);
                }
            }
        }
        found
    }

    #[test]
    fn the_readme_table_says_the_defaults_the_client_uses() {
        let readme = readme_defaults();
        for (name, value) in documented() {
            assert_eq!(readme.get(name), Some(&value), "README, Defaults: {name}");
        }
    }

    #[test]
    fn the_typescript_defaults_are_the_ones_the_client_uses() {
        let typescript = typescript_defaults();
        for (name, value) in documented() {
            assert_eq!(typescript.get(name), Some(&value), "@default of {name}");
        }
    }
}

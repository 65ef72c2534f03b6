//! The SWR-style store (API.md §8) as a state machine over events and an injected clock: what a
//! `status()` call should do, when the snapshot changes, when to poll, revalidate on focus, or
//! retry after an error. It holds no data: the shell keeps the JS values and asks the core.

use crate::time::EpochMs;

/// SWR's options, with SWR's names and defaults. Times are milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheConfig {
    /// Data younger than this is returned without a request.
    pub deduping_interval: f64,
    /// Poll every this many ms while someone is subscribed; 0 turns polling off.
    pub refresh_interval: f64,
    /// Revalidate when the window regains focus or becomes visible.
    pub revalidate_on_focus: bool,
    /// Revalidate when the browser comes back online.
    pub revalidate_on_reconnect: bool,
    /// At most one focus revalidation per this many ms.
    pub focus_throttle_interval: f64,
    /// Background retries after a failed revalidation.
    pub error_retry_count: u32,
    /// The first background retry's delay; each next one doubles.
    pub error_retry_interval: f64,
    /// Keep polling while the page is hidden.
    pub refresh_when_hidden: bool,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            deduping_interval: 2000.0,
            refresh_interval: 300_000.0,
            revalidate_on_focus: true,
            revalidate_on_reconnect: true,
            focus_throttle_interval: 5000.0,
            error_retry_count: 3,
            error_retry_interval: 5000.0,
            refresh_when_hidden: false,
        }
    }
}

/// What a `status()` call should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// Return the data the store has: it is younger than `dedupingInterval`.
    Cached,
    /// Share the request already in flight.
    Join,
    /// Start a request.
    Fetch,
}

/// The store's state: whether it has data or an error, what is in flight, and when.
#[derive(Debug, Clone, Default)]
pub struct Store {
    /// The options.
    pub config: CacheConfig,
    has_data: bool,
    has_error: bool,
    in_flight: bool,
    fetched_at: Option<EpochMs>,
    updated_at: Option<EpochMs>,
    error_retries: u32,
    last_focus_revalidation: Option<EpochMs>,
}

impl Store {
    /// A store with these options.
    pub fn new(config: CacheConfig) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// Decides what a `status()` call does at `now`.
    pub fn read(&self, now: EpochMs, force: bool) -> Read {
        if self.in_flight {
            Read::Join
        } else if !force
            && self.has_data
            && !self.has_error
            && self
                .fetched_at
                .is_some_and(|at| ((now - at) as f64) < self.config.deduping_interval)
        {
            Read::Cached
        } else {
            Read::Fetch
        }
    }

    /// A request started.
    pub fn started(&mut self) {
        self.in_flight = true;
    }

    /// The request brought data; `changed` says whether it differs (deeply) from what the store had.
    pub fn succeeded(&mut self, now: EpochMs, changed: bool) {
        self.in_flight = false;
        self.has_error = false;
        self.error_retries = 0;
        self.fetched_at = Some(now);
        if changed || !self.has_data {
            self.has_data = true;
            self.updated_at = Some(now);
        }
    }

    /// The request failed; the data stays as it was.
    pub fn failed(&mut self) {
        self.in_flight = false;
        self.has_error = true;
    }

    /// The request was abandoned by every caller; nothing else changes.
    pub fn cancelled(&mut self) {
        self.in_flight = false;
    }

    /// The data changed without a request (an optimistic disconnect, a refreshed expiry).
    pub fn mutated(&mut self, now: EpochMs) {
        self.updated_at = Some(now);
    }

    /// The delay before the next background retry after an error, or `None` when the retries are
    /// spent: `errorRetryInterval * 2^n`, at most `errorRetryCount` times.
    pub fn next_error_retry(&mut self) -> Option<f64> {
        if !self.has_error || self.error_retries >= self.config.error_retry_count {
            return None;
        }
        let delay =
            self.config.error_retry_interval * f64::from(1u32 << self.error_retries.min(16));
        self.error_retries += 1;
        Some(delay)
    }

    /// The window gained focus or became visible: whether to revalidate (throttled).
    pub fn focused(&mut self, now: EpochMs) -> bool {
        let throttled = self
            .last_focus_revalidation
            .is_some_and(|at| ((now - at) as f64) < self.config.focus_throttle_interval);
        if !self.config.revalidate_on_focus || throttled {
            return false;
        }
        self.last_focus_revalidation = Some(now);
        true
    }

    /// The browser came back online: whether to revalidate.
    pub fn online(&self) -> bool {
        self.config.revalidate_on_reconnect
    }

    /// The polling delay, or `None` when polling is off or the page is hidden.
    pub fn poll_delay(&self, visible: bool) -> Option<f64> {
        (self.config.refresh_interval > 0.0 && (visible || self.config.refresh_when_hidden))
            .then_some(self.config.refresh_interval)
    }

    /// The one rule of "loading", for the snapshot's `isLoading` and the hook's `loading` alike:
    /// no data yet, and either a request in flight or no error to show instead — so a client
    /// that has not fetched yet (the first render, server rendering) is loading, and one whose
    /// first request failed shows its error until it tries again.
    pub fn is_loading(&self) -> bool {
        !self.has_data && (self.in_flight || !self.has_error)
    }

    /// A request in flight.
    pub fn is_validating(&self) -> bool {
        self.in_flight
    }

    /// When the data last changed.
    pub fn updated_at(&self) -> Option<EpochMs> {
        self.updated_at
    }
}

/// The accounts grouped by provider, as (provider, indices into the list) in first-seen order;
/// an account given as `None` is left out of every group (its index is still counted).
///
/// ```
/// use integrations_client::store::group_by_provider;
/// let groups = group_by_provider([Some("instagram"), Some("tiktok"), None, Some("instagram")]);
/// assert_eq!(groups, [("instagram".to_owned(), vec![0, 3]), ("tiktok".to_owned(), vec![1])]);
/// ```
pub fn group_by_provider<'a>(
    providers: impl IntoIterator<Item = Option<&'a str>>,
) -> Vec<(String, Vec<usize>)> {
    // Each provider's group found through an ordered map: O(n log n) for any number of them.
    let mut group_of = crate::ordmap::OrdMap::default();
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (index, provider) in providers.into_iter().enumerate() {
        let Some(provider) = provider else {
            continue;
        };
        match group_of.get(provider.as_bytes()) {
            Some(group) => groups[group as usize].1.push(index),
            None => {
                group_of.insert(provider.as_bytes().to_vec(), groups.len() as u32);
                groups.push((provider.to_owned(), vec![index]));
            }
        }
    }
    groups
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn store() -> Store {
        Store::new(CacheConfig::default())
    }

    #[test]
    fn grouping_keeps_first_seen_order_for_many_providers() {
        let providers: Vec<String> = (0..40_000)
            .map(|i| format!("p{}", (i * 7919) % 20_000))
            .collect();
        let groups = group_by_provider(providers.iter().map(|p| Some(p.as_str())));
        assert_eq!(groups.len(), 20_000);
        let mut seen = std::collections::HashSet::new();
        let first_seen: Vec<&str> = providers
            .iter()
            .map(String::as_str)
            .filter(|p| seen.insert(*p))
            .collect();
        assert!(groups.iter().map(|(p, _)| p.as_str()).eq(first_seen));
        for (provider, indices) in &groups {
            assert_eq!(indices.len(), 2);
            assert!(indices.iter().all(|&i| providers[i] == *provider));
            assert!(indices[0] < indices[1]);
        }
    }

    #[test]
    fn dedupes_within_the_interval_and_joins_a_request_in_flight() {
        let mut s = store();
        assert_eq!(s.read(0, false), Read::Fetch);
        s.started();
        assert_eq!(s.read(1, false), Read::Join);
        assert_eq!(s.read(1, true), Read::Join);
        s.succeeded(100, true);
        assert_eq!(s.read(2099, false), Read::Cached);
        assert_eq!(s.read(2100, false), Read::Fetch);
        assert_eq!(s.read(500, true), Read::Fetch);
    }

    #[test]
    fn loading_until_the_first_data_or_error_validating_whenever_in_flight() {
        let mut s = store();
        assert!(s.is_loading() && !s.is_validating(), "nothing fetched yet");
        s.started();
        assert!(s.is_loading() && s.is_validating());
        s.failed();
        assert!(
            !s.is_loading(),
            "a first request that failed shows its error"
        );
        s.started();
        assert!(s.is_loading(), "no data, trying again");
        s.succeeded(10, true);
        assert!(!s.is_loading() && !s.is_validating());
        s.started();
        assert!(!s.is_loading() && s.is_validating());
    }

    #[test]
    fn unchanged_data_keeps_updated_at() {
        let mut s = store();
        s.started();
        s.succeeded(10, true);
        s.started();
        s.succeeded(5000, false);
        assert_eq!(s.updated_at(), Some(10));
        s.mutated(6000);
        assert_eq!(s.updated_at(), Some(6000));
    }

    #[test]
    fn an_error_keeps_the_data_and_is_never_served_from_cache() {
        let mut s = store();
        s.started();
        s.succeeded(0, true);
        s.started();
        s.failed();
        assert_eq!(s.read(1, false), Read::Fetch);
    }

    #[test]
    fn error_retries_back_off_and_stop_after_the_count() {
        let mut s = store();
        s.started();
        s.failed();
        let delays: Vec<_> = std::iter::from_fn(|| s.next_error_retry()).collect();
        assert_eq!(delays, [5000.0, 10_000.0, 20_000.0]);
        s.started();
        s.succeeded(1, true);
        assert_eq!(s.next_error_retry(), None);
    }

    #[test]
    fn focus_is_throttled_and_can_be_off() {
        let mut s = store();
        assert!(s.focused(0));
        assert!(!s.focused(4999));
        assert!(s.focused(5000));
        let mut off = Store::new(CacheConfig {
            revalidate_on_focus: false,
            ..CacheConfig::default()
        });
        assert!(!off.focused(0));
    }

    #[test]
    fn no_polling_while_hidden_unless_asked() {
        let s = store();
        assert_eq!(s.poll_delay(true), Some(300_000.0));
        assert_eq!(s.poll_delay(false), None);
        let hidden = Store::new(CacheConfig {
            refresh_when_hidden: true,
            ..CacheConfig::default()
        });
        assert_eq!(hidden.poll_delay(false), Some(300_000.0));
        let off = Store::new(CacheConfig {
            refresh_interval: 0.0,
            ..CacheConfig::default()
        });
        assert_eq!(off.poll_delay(true), None);
    }
}

//! The store's data: the last good status payload (the very value that was checked), its
//! accounts, the last error, and what a snapshot shows. Changes never alter a value a caller
//! holds: they make new values, so that snapshots stay immutable.

use super::{Rejection, Value};
use crate::model::AccountRef;
use crate::store::{group_by_provider, CacheConfig, Store};
use crate::time::EpochMs;
use crate::tokens::AccountKey;

/// A snapshot's identity: the data's generation, loading, validating.
pub type Key = (u64, bool, bool);

pub(super) struct Data<V> {
    pub store: Store,
    pub data: Option<V>,
    /// One per item of `data.integrations`, in order.
    pub accounts: Vec<AccountRef>,
    pub error: Option<Rejection<V>>,
    /// Accounts whose grant is gone, and their `expiresAt` when that was learnt.
    gone: Vec<(AccountKey, Option<EpochMs>)>,
    /// Bumped whenever `data`, `error` or `gone` changes.
    generation: u64,
    /// Successful status fetches so far, whether their data changed or not.
    fetches: u64,
    /// The JSON text of the last status payload, while `data` is what it held: the next one
    /// with the same text is no change, without comparing the trees.
    text: Option<Text<V>>,
    /// The last snapshot of each slot (idle, validating) and the key it was built for.
    snapshots: [Option<(Key, V)>; 2],
}

/// What a snapshot shows. `key` is the snapshot's identity:
/// [`Client::snapshot`](super::Client::snapshot) keeps the object it built for a key and returns
/// it again until the key changes.
pub struct View<'a, V> {
    /// Changes exactly when something the snapshot shows changes. Revalidating has a slot of
    /// its own (`key.2`), so that a revalidation that changes nothing ends on the very object it
    /// started from.
    pub key: Key,
    /// The payload.
    pub data: Option<&'a V>,
    /// The accounts grouped by provider, as indices into `data.integrations`, in first-seen order.
    pub by_provider: Vec<(String, Vec<usize>)>,
    /// The last error.
    pub error: Option<&'a Rejection<V>>,
    /// The accounts that need reconnecting, grouped by provider, as indices into
    /// `data.integrations`.
    pub needs_reconnect: Vec<(String, Vec<usize>)>,
    /// No data yet, and a request in flight or no error to show ([`crate::store::Store::is_loading`]).
    pub is_loading: bool,
    /// A request in flight.
    pub is_validating: bool,
    /// When the data last changed.
    pub updated_at: Option<EpochMs>,
}

/// Whether `a` and `b` hold the same bytes, compared eight at a time (wasm's `memcmp` goes
/// one byte at a time, a quarter of a `JSON.parse` of the text).
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let word = |chunk: &[u8]| u64::from_le_bytes(chunk.try_into().unwrap_or_default());
    let (x, y) = (a.chunks_exact(8), b.chunks_exact(8));
    a.len() == b.len()
        && x.remainder() == y.remainder()
        && x.zip(y).all(|(x, y)| word(x) == word(y))
}

/// A status payload's JSON text, to tell the next one with the same text without comparing trees.
#[derive(Debug, Clone)]
enum Text<V> {
    /// As the platform writes it (`JSON.stringify`): compared by [`Value::same`].
    Platform(V),
    /// As the response spelled it (its text was checked on the tape): two payloads spelled
    /// alike are equal. No `JSON.stringify` of the new payload, which costs about half a
    /// `JSON.parse` of it.
    Source(String),
}

impl<V: Value> View<'_, V> {
    /// Shows the constant snapshot of server rendering: the view of a client that has fetched
    /// nothing, made by the same `Data::view` as every other.
    pub fn idle<R>(show: impl FnOnce(&View<'_, V>) -> R) -> R {
        show(&Data::new(Store::new(CacheConfig::default())).view())
    }
}

/// Which of the two snapshot slots (idle, validating) a snapshot key belongs to.
fn slot((_, _, validating): Key) -> usize {
    usize::from(validating)
}

/// What an optimistic removal needs to be undone.
#[derive(Debug, Clone, PartialEq)]
pub struct Removal<V> {
    previous: V,
    optimistic: V,
    accounts: Vec<AccountRef>,
    /// `Data::fetches` when the account was removed.
    fetches: u64,
}

fn integrations<V: Value>(data: &V) -> Vec<V> {
    let list = data.get("integrations");
    let len = list.as_ref().and_then(|l| l.len()).unwrap_or(0);
    let mut items = Vec::new();
    for i in 0..len {
        let item = list.as_ref().and_then(|l| l.index(i));
        items.push(item.unwrap_or_else(V::null));
    }
    items
}

impl<V: Value> Data<V> {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            data: None,
            accounts: Vec::new(),
            error: None,
            gone: Vec::new(),
            generation: 0,
            fetches: 0,
            text: None,
            snapshots: [None, None],
        }
    }

    /// The snapshot (`getSnapshot()`): the very object of the last call while its key holds,
    /// one per slot, so that a revalidation that changes nothing ends on the object it started
    /// from.
    pub fn snapshot(&mut self) -> V {
        let key = self.snapshot_key();
        let slot = slot(key);
        if let Some((built, snapshot)) = &self.snapshots[slot] {
            if *built == key {
                return snapshot.clone();
            }
        }
        let snapshot = super::objects::snapshot(&self.view());
        self.snapshots[slot] = Some((key, snapshot.clone()));
        snapshot
    }

    /// The identity of the snapshot [`Data::view`] would show: cheap, for a caller that keeps
    /// the snapshot it built and asks on every render whether it still holds.
    pub fn snapshot_key(&self) -> Key {
        let (loading, validating) = (self.store.is_loading(), self.store.is_validating());
        (self.generation, loading, validating)
    }

    pub fn view(&self) -> View<'_, V> {
        let key = self.snapshot_key();
        View {
            key,
            data: self.data.as_ref(),
            by_provider: self.groups(false),
            error: self.error.as_ref(),
            needs_reconnect: self.groups(true),
            is_loading: key.1,
            is_validating: key.2,
            updated_at: self.store.updated_at(),
        }
    }

    /// The accounts grouped by provider: all of them, or only those whose grant is gone.
    fn groups(&self, gone_only: bool) -> Vec<(String, Vec<usize>)> {
        group_by_provider(self.accounts.iter().map(|a| {
            let gone = |((p, id), _): &(AccountKey, _)| *p == a.provider && *id == a.account_id;
            (!gone_only || self.gone.iter().any(gone)).then_some(a.provider.as_str())
        }))
    }

    /// Whether `key`'s grant is gone.
    pub fn is_gone(&self, key: &AccountKey) -> bool {
        self.gone.iter().any(|(k, _)| k == key)
    }

    /// The `expiresAt` the store shows for `key`.
    pub fn expiry_of(&self, key: &AccountKey) -> Option<EpochMs> {
        let index = self.position(key)?;
        self.accounts[index].expires_at
    }

    /// Marks `key`'s grant gone; true when it was not already.
    pub fn mark_gone(&mut self, key: &AccountKey, expiry: Option<EpochMs>) -> bool {
        if self.is_gone(key) {
            return false;
        }
        self.gone.push((key.clone(), expiry));
        self.generation += 1;
        true
    }

    /// The accounts of `provider` that need reconnecting.
    pub fn gone_of(&self, provider: &str) -> Vec<AccountKey> {
        self.gone_where(&|key, _| key.0 == provider)
    }

    /// `key` no longer needs reconnecting; true when it did.
    pub fn clear_gone(&mut self, key: &AccountKey) -> bool {
        // At most once there: `mark_gone` adds no key twice.
        let Some(at) = self.gone.iter().position(|(k, _)| k == key) else {
            return false;
        };
        self.gone.remove(at);
        self.generation += 1;
        true
    }

    /// The accounts needing reconnecting that the data now shows connected with a later
    /// `expiresAt` than at their failure, or no longer shows at all.
    pub fn reconnected(&self) -> Vec<AccountKey> {
        self.gone_where(&|key, at_failure| match self.position(key) {
            None => true,
            Some(i) => {
                let account = &self.accounts[i];
                account.connected && account.expires_at > at_failure
            }
        })
    }

    /// The accounts needing reconnecting that `keep` keeps (given each one's `expiresAt` at its
    /// failure), in order.
    fn gone_where(&self, keep: &dyn Fn(&AccountKey, Option<EpochMs>) -> bool) -> Vec<AccountKey> {
        let mut keys = Vec::new();
        for (key, at_failure) in &self.gone {
            if keep(key, *at_failure) {
                keys.push(key.clone());
            }
        }
        keys
    }

    fn set_data(&mut self, data: V, accounts: Vec<AccountRef>) {
        self.data = Some(data);
        self.text = None;
        self.accounts = accounts;
        self.generation += 1;
    }

    /// The data changed without a request.
    fn mutate(&mut self, data: V, accounts: Vec<AccountRef>, now: EpochMs) {
        self.set_data(data, accounts);
        self.store.mutated(now);
    }

    /// A status request brought `data` (whose text in the response is `source`, when the
    /// response was checked on its text): kept as the same value when it equals the old one, so
    /// that subscribers see no change. Returns the data callers get.
    pub fn succeeded(
        &mut self,
        now: EpochMs,
        data: V,
        accounts: Vec<AccountRef>,
        source: Option<&str>,
    ) -> V {
        self.fetches += 1;
        let source = source.filter(|_| super::ON_TEXT);
        // The platform's text of the payload only where the response's is not at hand.
        let platform = match source {
            Some(_) => None,
            None => data.text(),
        };
        let same_text = match (&self.text, source, &platform) {
            (Some(Text::Source(old)), Some(new), _) => same_bytes(old.as_bytes(), new.as_bytes()),
            (Some(Text::Platform(old)), None, Some(new)) => old.same(new),
            _ => false,
        };
        let changed = !same_text && self.data.as_ref().is_none_or(|old| !old.equal(&data));
        self.store.succeeded(now, changed);
        if changed {
            self.set_data(data, accounts);
        }
        // The same text stays as it was: the response's is copied only when it differs.
        if !same_text {
            self.text = match source {
                Some(source) => Some(Text::Source(source.to_owned())),
                None => platform.map(Text::Platform),
            };
        }
        if self.error.take().is_some() {
            self.generation += 1;
        }
        self.data.clone().unwrap_or_else(V::null)
    }

    /// A status request failed; the data stays.
    pub fn failed(&mut self, rejection: Rejection<V>) {
        self.store.failed();
        self.error = Some(rejection);
        self.generation += 1;
    }

    fn position(&self, (provider, account_id): &AccountKey) -> Option<usize> {
        self.accounts
            .iter()
            .position(|a| a.provider == *provider && a.account_id == *account_id)
    }

    /// Removes one account from the data at once (new values, summary adjusted).
    pub fn remove_account(&mut self, key: &AccountKey, now: EpochMs) -> Option<Removal<V>> {
        let data = self.data.clone()?;
        let index = self.position(key)?;
        let mut items = integrations(&data);
        let account = items.remove(index);
        let mut optimistic = data.with("integrations", V::array(items));
        if let Some(summary) = data.get("summary") {
            optimistic = optimistic.with("summary", summary_without(&summary, &key.0, &account));
        }
        let mut accounts = self.accounts.clone();
        accounts.remove(index);
        let previous_accounts = std::mem::take(&mut self.accounts);
        self.mutate(optimistic.clone(), accounts, now);
        Some(Removal {
            previous: data,
            optimistic,
            accounts: previous_accounts,
            fetches: self.fetches,
        })
    }

    /// Puts back what `remove_account` took, unless newer data has arrived since — even data
    /// equal to the optimistic one, which keeps its object (then the caller revalidates). True
    /// when restored.
    pub fn restore(&mut self, removal: Removal<V>, now: EpochMs) -> bool {
        let untouched = self.fetches == removal.fetches
            && self
                .data
                .as_ref()
                .is_some_and(|d| d.same(&removal.optimistic));
        if untouched {
            self.mutate(removal.previous, removal.accounts, now);
        }
        untouched
    }

    /// Sets a refreshed account's `expiresAt` (`expiry`, as the refresh response wrote it,
    /// and `expires_at`, as read) in the data. True when the data changed.
    pub fn set_expiry(
        &mut self,
        key: &AccountKey,
        expiry: V,
        expires_at: EpochMs,
        now: EpochMs,
    ) -> bool {
        let (Some(data), Some(index)) = (self.data.clone(), self.position(key)) else {
            return false;
        };
        let mut items = integrations(&data);
        items[index] = items[index].with("expiresAt", expiry);
        let next = data.with("integrations", V::array(items));
        let mut accounts = self.accounts.clone();
        accounts[index].expires_at = Some(expires_at);
        self.mutate(next, accounts, now);
        true
    }
}

/// The summary without one account: its total and its provider's count decremented (a count
/// that reaches 0 leaves `byProvider`), and `connected` or `expired` by its status.
fn summary_without<V: Value>(summary: &V, provider: &str, account: &V) -> V {
    let decrement = |target: &V, key: &str| match target.get(key).and_then(|v| v.as_f64()) {
        Some(n) => target.with(key, V::number((n - 1.0).max(0.0))),
        None => target.clone(),
    };
    let mut next = decrement(summary, "total");
    if let Some(status @ ("connected" | "expired")) =
        account.get("status").and_then(|s| s.as_str()).as_deref()
    {
        next = decrement(&next, status);
    }
    if let Some(by_provider) = summary.get("byProvider") {
        let mut counts = decrement(&by_provider, provider);
        if counts.get(provider).and_then(|v| v.as_f64()) == Some(0.0) {
            counts = counts.without(provider);
        }
        next = next.with("byProvider", counts);
    }
    next
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::same_bytes;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn same_bytes_is_slice_equality(a in prop::collection::vec(any::<u8>(), 0..40), at in any::<usize>(), by in 1u8..) {
            prop_assert!(same_bytes(&a, &a.clone()));
            let mut b = a.clone();
            if !b.is_empty() {
                let at = at % b.len();
                b[at] = b[at].wrapping_add(by);
                prop_assert!(!same_bytes(&a, &b), "differs at {}", at);
            }
            prop_assert_eq!(same_bytes(&a, &b[..b.len().saturating_sub(1)]), a.is_empty());
        }
    }
}

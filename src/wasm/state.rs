//! The client's shared state: the last good data (the very JS object that was validated), its
//! accounts, the last error, the snapshot, and what runs in the background. Changes to the data
//! never mutate an object a caller holds: they make new objects, so snapshots stay immutable.

use super::errors::set;
use super::flight::Flight;
use super::get;
use super::own_copy as copy;
use crate::json::deep_equal;
use crate::model::AccountRef;
use crate::store::{group_by_provider, Store};
use crate::time::EpochMs;
use crate::tokens::AccountKey;
use js_sys::{Array, Function, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// What an optimistic removal needs to be undone.
pub(crate) struct Removed {
    previous: JsValue,
    optimistic: JsValue,
    accounts: Vec<AccountRef>,
}

/// A snapshot and what it was made from.
struct Cached {
    generation: u64,
    loading: bool,
    snapshot: JsValue,
}

pub(crate) struct State {
    pub store: Store,
    pub data: Option<JsValue>,
    /// `JSON.stringify(data)` as a JS string, when the data came straight from the server.
    pub data_text: Option<JsValue>,
    /// One per item of `data.integrations`, in order.
    pub accounts: Vec<AccountRef>,
    pub error: Option<JsValue>,
    /// Bumped when `data` or `error` changes.
    generation: u64,
    /// The last snapshot while idle and while validating, so that a revalidation that changes
    /// nothing ends on the very same object it started from.
    snapshots: [Option<Cached>; 2],
    pub in_flight: Option<Flight>,
    pub listeners: Vec<(u32, Function)>,
    pub next_listener: u32,
    pub poll_timer: Option<JsValue>,
    pub error_timer: Option<JsValue>,
    pub debounce_timer: Option<JsValue>,
    pub debounce_waiters: Vec<(Function, Function)>,
    /// Token refreshes in flight, one per account (a list: few at once).
    pub refreshes: Vec<(AccountKey, Flight)>,
    pub server_snapshot: JsValue,
    empty: JsValue,
}

fn frozen(value: JsValue) -> JsValue {
    Object::freeze(value.unchecked_ref::<Object>()).into()
}

fn integrations_of(data: &JsValue) -> Array {
    get(data, "integrations").map_or_else(Array::new, JsCast::unchecked_into)
}

impl State {
    pub fn new(store: Store) -> Self {
        let empty = frozen(Array::new().into());
        let server_snapshot: JsValue = Object::new().into();
        set(&server_snapshot, "integrations", empty.clone());
        set(&server_snapshot, "byProvider", frozen(Object::new().into()));
        set(&server_snapshot, "isLoading", false);
        set(&server_snapshot, "isValidating", false);
        Self {
            store,
            data: None,
            data_text: None,
            accounts: Vec::new(),
            error: None,
            generation: 0,
            snapshots: [None, None],
            in_flight: None,
            listeners: Vec::new(),
            next_listener: 0,
            poll_timer: None,
            error_timer: None,
            debounce_timer: None,
            debounce_waiters: Vec::new(),
            refreshes: Vec::new(),
            server_snapshot: frozen(server_snapshot),
            empty,
        }
    }

    /// Whether `data` (with its `JSON.stringify` text) differs from the current data. The same
    /// text means unchanged, in one native call; otherwise the trees are compared, so that a mere
    /// reordering of keys is no change either. Out of line: inlined, LLVM copied the code after it
    /// into each branch.
    #[inline(never)]
    pub fn is_change(&self, data: &JsValue, text: &Option<JsValue>) -> bool {
        let same_text = text.is_some() && self.data_text == *text;
        !same_text && self.data.as_ref().is_none_or(|old| !deep_equal(old, data))
    }

    pub fn set_data(&mut self, data: JsValue, accounts: Vec<AccountRef>) {
        self.data = Some(data);
        self.data_text = None;
        self.accounts = accounts;
        self.generation += 1;
    }

    pub fn set_error(&mut self, error: JsValue) {
        self.error = Some(error);
        self.generation += 1;
    }

    pub fn clear_error(&mut self) {
        if self.error.take().is_some() {
            self.generation += 1;
        }
    }

    /// The current snapshot: the same object as last time unless something it shows changed.
    pub fn snapshot(&mut self) -> JsValue {
        let (loading, validating) = (self.store.is_loading(), self.store.is_validating());
        let slot = usize::from(validating);
        if let Some(cached) = &self.snapshots[slot] {
            if cached.generation == self.generation && cached.loading == loading {
                return cached.snapshot.clone();
            }
        }
        let snapshot = self.build_snapshot(loading, validating);
        self.snapshots[slot] = Some(Cached {
            generation: self.generation,
            loading,
            snapshot: snapshot.clone(),
        });
        snapshot
    }

    fn build_snapshot(&self, loading: bool, validating: bool) -> JsValue {
        let snapshot: JsValue = Object::new().into();
        let integrations = match &self.data {
            Some(data) => {
                set(&snapshot, "data", data.clone());
                if let Some(summary) = get(data, "summary") {
                    set(&snapshot, "summary", summary);
                }
                integrations_of(data).into()
            }
            None => self.empty.clone(),
        };
        let by_provider: JsValue = Object::new().into();
        let items: &Array = integrations.unchecked_ref();
        for (provider, indices) in
            group_by_provider(self.accounts.iter().map(|a| a.provider.as_str()))
        {
            let group: Array = indices.into_iter().map(|i| items.get(i as u32)).collect();
            set(&by_provider, &provider, group);
        }
        set(&snapshot, "integrations", integrations);
        set(&snapshot, "byProvider", frozen(by_provider));
        if let Some(error) = &self.error {
            set(&snapshot, "error", error.clone());
        }
        set(&snapshot, "isLoading", loading);
        set(&snapshot, "isValidating", validating);
        if let Some(at) = self.store.updated_at() {
            set(&snapshot, "updatedAt", at as f64);
        }
        frozen(snapshot)
    }

    fn position(&self, (provider, account_id): &AccountKey) -> Option<usize> {
        self.accounts
            .iter()
            .position(|a| a.provider == *provider && a.account_id == *account_id)
    }

    /// Removes one account from the data at once (new objects, summary adjusted).
    pub fn remove_account(&mut self, key: &AccountKey, now: EpochMs) -> Option<Removed> {
        let data = self.data.clone()?;
        let index = self.position(key)?;
        let integrations = integrations_of(&data);
        let account = integrations.get(index as u32);
        let remaining: Array = integrations
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != index)
            .map(|(_, item)| item)
            .collect();
        let optimistic = copy(&data);
        set(&optimistic, "integrations", remaining);
        if let Some(summary) = get(&data, "summary") {
            set(
                &optimistic,
                "summary",
                summary_without(&summary, &key.0, &account),
            );
        }
        let previous_accounts = self.accounts.clone();
        let mut accounts = self.accounts.clone();
        accounts.remove(index);
        self.set_data(optimistic.clone(), accounts);
        self.store.mutated(now);
        Some(Removed {
            previous: data,
            optimistic,
            accounts: previous_accounts,
        })
    }

    /// Puts back what `remove_account` took, unless newer data has arrived since (then the
    /// caller revalidates). True when restored.
    pub fn restore(&mut self, removed: Removed, now: EpochMs) -> bool {
        let untouched = self
            .data
            .as_ref()
            .is_some_and(|d| Object::is(d, &removed.optimistic));
        if untouched {
            self.set_data(removed.previous, removed.accounts);
            self.store.mutated(now);
        }
        untouched
    }

    /// Sets a refreshed account's `expiresAt` (from the refresh response) in the data.
    pub fn set_expiry(&mut self, key: &AccountKey, refreshed: &JsValue) -> bool {
        let (Some(data), Some(index)) = (self.data.clone(), self.position(key)) else {
            return false;
        };
        let Some(expires_at) = get(refreshed, "expiresAt") else {
            return false;
        };
        let integrations = integrations_of(&data);
        let account = copy(&integrations.get(index as u32));
        set(&account, "expiresAt", expires_at.clone());
        let updated: Array = integrations.slice(0, integrations.length());
        updated.set(index as u32, account);
        let next = copy(&data);
        set(&next, "integrations", updated);
        let mut accounts = self.accounts.clone();
        accounts[index].expires_at = expires_at
            .as_string()
            .and_then(|t| crate::time::parse_rfc3339(&t));
        self.set_data(next, accounts);
        self.store.mutated(super::now());
        true
    }
}

/// The summary without one account: totals and its provider's count decremented.
fn summary_without(summary: &JsValue, provider: &str, account: &JsValue) -> JsValue {
    let next = copy(summary);
    let decrement = |target: &JsValue, key: &str| {
        if let Some(n) = get(target, key).and_then(|v| v.as_f64()) {
            set(target, key, (n - 1.0).max(0.0));
        }
    };
    decrement(&next, "total");
    match get(account, "status")
        .and_then(|s| s.as_string())
        .as_deref()
    {
        Some("connected") => decrement(&next, "connected"),
        Some("expired") => decrement(&next, "expired"),
        _ => {}
    }
    if let Some(by_provider) = get(summary, "byProvider") {
        let counts = copy(&by_provider);
        decrement(&counts, provider);
        if get(&counts, provider).and_then(|v| v.as_f64()) == Some(0.0) {
            let _ = js_sys::Reflect::delete_property(
                counts.unchecked_ref::<Object>(),
                &provider.into(),
            );
        }
        set(&next, "byProvider", counts);
    }
    next
}

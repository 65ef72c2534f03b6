//! Requests that several callers share (`status`, `refreshToken`): each caller's signal ends its
//! own wait, and the last caller to leave aborts the request.

use super::errors::to_js;
use super::get;
use super::transport::Request;
use crate::error::{ErrorKind, IntegrationError};
use crate::tokens::AccountKey;
use js_sys::{Array, Function, Promise};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortController, AbortSignal};

/// A request that several callers share: its promise, what an aborted caller's error says, and
/// how many callers still wait — when the last one stops waiting, the request is aborted.
#[derive(Clone)]
pub(crate) struct Flight {
    pub promise: Promise,
    pub correlation_id: String,
    /// Attempts made so far (the transport counts them).
    pub attempts: Rc<Cell<u32>>,
    waiters: Rc<Cell<u32>>,
    cancel: Option<AbortController>,
}

impl Flight {
    /// Work that nobody can cancel (a cached answer, a debounce, a batch of refreshes).
    pub fn new(promise: Promise) -> Self {
        Self::cancellable(promise, super::new_uuid(), Rc::default(), None)
    }

    /// A request; `cancel` aborts it when its last waiter leaves.
    pub fn cancellable(
        promise: Promise,
        correlation_id: String,
        attempts: Rc<Cell<u32>>,
        cancel: Option<AbortController>,
    ) -> Self {
        Self {
            promise,
            correlation_id,
            attempts,
            waiters: Rc::default(),
            cancel,
        }
    }

    /// One more caller waits for the result.
    pub fn hold(&self) -> Promise {
        self.waiters.set(self.waiters.get() + 1);
        self.promise.clone()
    }

    /// A caller stopped waiting; the last one to leave aborts the request.
    pub fn leave(&self) {
        let left = self.waiters.get().saturating_sub(1);
        self.waiters.set(left);
        if left == 0 {
            if let Some(cancel) = &self.cancel {
                cancel.abort();
            }
        }
    }
}

/// The `aborted` error of a caller who stops waiting for `flight`.
pub(super) fn aborted(flight: &Flight, operation: &str, account: Option<&AccountKey>) -> JsValue {
    let mut error = IntegrationError::new(
        ErrorKind::Aborted,
        [operation, " was aborted"].concat(),
        flight.correlation_id.as_str(),
    );
    if let Some((provider, account_id)) = account {
        error = error.with_account(Some(provider), Some(account_id));
    }
    error.attempts = flight.attempts.get();
    to_js(&error, None)
}

/// A promise that settles like the shared `flight`, or rejects with `aborted` as soon as this
/// caller's `signal` fires. The request goes on while other callers wait; when the last one
/// leaves, it is aborted.
pub(super) fn with_signal(
    flight: &Flight,
    signal: Option<AbortSignal>,
    operation: &'static str,
    account: Option<AccountKey>,
) -> Promise {
    let promise = flight.hold();
    let Some(signal) = signal else {
        return promise;
    };
    let shared = flight.clone();
    let on_abort = Promise::new(&mut |_resolve, reject| {
        let (shared, account) = (shared.clone(), account.clone());
        let callback = Closure::once_into_js(move || {
            shared.leave();
            let _ = reject.call1(
                &JsValue::NULL,
                &aborted(&shared, operation, account.as_ref()),
            );
        });
        let _ = signal.add_event_listener_with_callback("abort", callback.unchecked_ref());
    });
    Promise::race(&Array::of2(&flight.promise, &on_abort))
}

/// Gives a shared request its own abort controller (aborted when its last waiter leaves), and
/// returns what its `Flight` needs.
pub(super) fn cancellable(
    request: &mut Request,
) -> (Option<AbortController>, String, Rc<Cell<u32>>) {
    let cancel = AbortController::new().ok();
    request.signal = cancel.as_ref().map(AbortController::signal);
    (
        cancel,
        request.correlation_id.clone(),
        request.attempts_made.clone(),
    )
}

/// Starts (or joins) shared work for a caller with an optional signal; a signal that has already
/// fired starts nothing.
pub(super) fn shared(
    signal: Option<AbortSignal>,
    operation: &'static str,
    account: Option<AccountKey>,
    start: impl FnOnce() -> Flight,
) -> Promise {
    if signal.as_ref().is_some_and(AbortSignal::aborted) {
        return already_aborted(operation, account.as_ref());
    }
    with_signal(&start(), signal, operation, account)
}

/// The rejection for a call whose signal has already fired: nothing is started.
pub(super) fn already_aborted(operation: &str, account: Option<&AccountKey>) -> Promise {
    let idle = Flight::new(Promise::resolve(&JsValue::UNDEFINED));
    Promise::reject(&aborted(&idle, operation, account))
}

/// `promise.then(resolve, reject)`, for handing one result to many waiters.
pub(super) fn forward(promise: &Promise, resolve: &Function, reject: &Function) {
    if let Some(then) = get(promise, "then").and_then(|t| t.dyn_into::<Function>().ok()) {
        let _ = then.call2(promise, resolve, reject);
    }
}

//! Requests that several callers share (`status`, `refreshToken`): each caller's signal ends its
//! own wait, and the last caller to leave aborts the request.

use super::errors::to_js;
use super::get;
use super::transport::{controller_with_abort, Request};
use crate::failure;
use crate::tokens::AccountKey;
use js_sys::{Array, Function, Promise};
use std::cell::{Cell, RefCell};
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
    let mut error = failure::aborted(operation, &flight.correlation_id);
    if let Some((provider, account_id)) = account {
        error = error.with_account(Some(provider), Some(account_id));
    }
    error.attempts = flight.attempts.get();
    to_js(&error, None)
}

/// A caller's `AbortSignal`. It is the caller's object, so it may throw or lie: it is only ever
/// read through `Reflect.get` and called through `Function.prototype.call`, and one that cannot
/// be read is refused (`invalid_input`) before anything starts.
pub(crate) struct CallerSignal(JsValue);

/// A listener on a caller's signal, and `removeEventListener` bound to take it off again.
pub(crate) struct Listening {
    remove: Function,
}

impl CallerSignal {
    const REFUSED: &'static str = "options.signal must be an AbortSignal";

    /// `options.signal`: absent, or a signal whose `aborted` reads as a boolean.
    pub fn read(options: &JsValue) -> Result<Option<Self>, String> {
        match get(options, "signal") {
            None => Ok(None),
            Some(signal) if signal.is_null() => Ok(None),
            Some(signal) => {
                let signal = Self(signal);
                signal.read_aborted().ok_or(Self::REFUSED)?;
                Ok(Some(signal))
            }
        }
    }

    fn read_aborted(&self) -> Option<bool> {
        get(&self.0, "aborted")?.as_bool()
    }

    /// Whether it has fired; one that can no longer be read counts as fired.
    pub fn aborted(&self) -> bool {
        self.read_aborted().unwrap_or(true)
    }

    /// The signal's `method`, bound to it and to `("abort", listener)`.
    fn bound(&self, method: &str, listener: &JsValue) -> Result<Function, String> {
        let method: Function<fn(JsValue, JsValue) -> JsValue> = get(&self.0, method)
            .and_then(|m| m.dyn_into().ok())
            .ok_or(Self::REFUSED)?;
        let bound = method.bind2(&self.0, &JsValue::from_str("abort"), listener);
        Ok(bound.unchecked_into())
    }

    /// Calls `listener` when the signal fires.
    pub fn listen(&self, listener: JsValue) -> Result<Listening, String> {
        let remove = self.bound("removeEventListener", &listener)?;
        let add = self.bound("addEventListener", &listener)?;
        add.call0(&JsValue::UNDEFINED).map_err(|_| Self::REFUSED)?;
        Ok(Listening { remove })
    }
}

impl Listening {
    /// Takes the listener off, so that a settled call leaves nothing on the caller's signal.
    pub fn stop(&self) {
        let _ = self.remove.call0(&JsValue::UNDEFINED);
    }

    /// Takes the listener off when `promise` settles, either way.
    fn stop_when_settled(self, promise: &Promise) {
        forward(promise, &self.remove, &self.remove);
    }
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

/// Our signal for a request, and the listener on the caller's that aborts it.
pub(crate) type Linked = (Option<AbortSignal>, Option<Listening>);

/// A request that only one caller waits for (`connect`, `disconnect`, `fetchWithRetry`) listens
/// to a controller of ours, which the caller's signal aborts: the transport then only ever reads
/// genuine signals. The listener is taken off by `Listening::stop` when the call settles.
pub(crate) fn link(signal: Option<CallerSignal>) -> Result<Linked, String> {
    let Some(signal) = signal else {
        return Ok((None, None));
    };
    let (controller, abort) = controller_with_abort().ok_or("AbortController is not available")?;
    if signal.aborted() {
        controller.abort();
        return Ok((Some(controller.signal()), None));
    }
    let listening = signal.listen(abort.into())?;
    Ok((Some(controller.signal()), Some(listening)))
}

/// Starts (or joins) shared work for a caller with an optional signal: a promise that settles
/// like the shared flight, or rejects with `aborted` as soon as this caller's signal fires. The
/// request goes on while other callers wait; when the last one leaves, it is aborted. Either way,
/// the listener leaves the caller's signal when the promise settles. A signal that has already
/// fired starts nothing; `Err` when it refuses a listener (nothing is started then either).
pub(super) fn shared(
    signal: Option<CallerSignal>,
    operation: &'static str,
    account: Option<AccountKey>,
    start: impl FnOnce() -> Flight,
) -> Result<Promise, String> {
    // Boxed: one copy of the code below, not one per caller.
    join(signal, operation, account, Box::new(start))
}

fn join(
    signal: Option<CallerSignal>,
    operation: &'static str,
    account: Option<AccountKey>,
    start: Box<dyn FnOnce() -> Flight + '_>,
) -> Result<Promise, String> {
    let Some(signal) = signal else {
        return Ok(start().hold());
    };
    if signal.aborted() {
        return Ok(already_aborted(operation, account.as_ref()));
    }
    let mut reject = JsValue::UNDEFINED;
    let on_abort = Promise::new(&mut |_resolve, rejects| reject = rejects.into());
    let reject: Function = reject.unchecked_into();
    let started: Rc<RefCell<Option<Flight>>> = Rc::default();
    let waiting = started.clone();
    let callback = Closure::<dyn FnMut()>::new(move || {
        // Taken, so that it acts once even if the caller dispatches 'abort' again by hand.
        let flight = waiting.borrow_mut().take();
        if let Some(flight) = flight {
            flight.leave();
            let error = aborted(&flight, operation, account.as_ref());
            let _ = reject.call1(&JsValue::NULL, &error);
        }
    });
    let listening = signal.listen(callback.into_js_value())?;
    let flight = start();
    *started.borrow_mut() = Some(flight.clone());
    let promise = Promise::race(&Array::of2(&flight.hold(), &on_abort));
    listening.stop_when_settled(&promise);
    Ok(promise)
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

//! `IntegrationsClient` and `fetchWithRetry`: argument checks, routes, envelope unwrapping, the
//! deep check of every response, logs and metrics. Sending and retrying is `transport`'s; the
//! cache's decisions are the core `Store`'s; the shared state and its snapshot live in `state`.

use super::config::{
    check_options_object, opt_bool, opt_number, opt_string, read_behaviour, read_connection,
    read_retry, DEFAULT_TIMEOUT_MS,
};
use super::errors::{invalid_input, set, to_js};
use super::guards::invalid_response;
use super::observe::{clock, Observer};
use super::state::{Flight, State};
use super::tokens::{shared_map, MultiAccountTokenManager};
use super::transport::{signal_of, Failed, Reply, Request, Transport};
use super::{clear_timeout, get, new_uuid, now, set_timeout};
use crate::error::{ErrorKind, IntegrationError};
use crate::json::deep_equal;
use crate::log::{Level, Metric, OperationInfo};
use crate::model::{
    check_account_id, check_connect_response, check_disconnect_response, check_provider,
    check_refresh_response, check_status_response, encode_segment, is_api_response,
    read_server_error, AccountRef, Invalid,
};
use crate::retry::{check_non_negative, RetryConfig};
use crate::store::{Read, Store};
use crate::tokens::{AccountKey, TokenMap};
use js_sys::{Array, Function, JsString, Object, Promise};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{AbortController, AbortSignal};

#[wasm_bindgen(typescript_custom_section)]
const CLIENT_TS: &str = r#"
/** What `getSnapshot()` returns: the same object until the state changes. */
export interface IntegrationsSnapshot {
  data?: IntegrationStatusResponse;
  /** `data.integrations`, or an empty array before the first data. */
  integrations: IntegrationData[];
  summary?: IntegrationSummary;
  /** The accounts grouped by provider, several per provider where the user has several. */
  byProvider: Record<Provider, IntegrationData[]>;
  /** The last revalidation's error; the data stays the last good one. */
  error?: IntegrationError;
  /** No data yet and a request in flight. */
  isLoading: boolean;
  /** A request in flight. */
  isValidating: boolean;
  /** When the data last changed (epoch ms), not when it was last fetched. */
  updatedAt?: number;
}

/** What `refreshExpiring()` resolves with. */
export interface RefreshExpiringResult {
  refreshed: RefreshTokenResponse[];
  failed: IntegrationError[];
}
"#;

/// A route's shape check, returning the accounts it names. One function type, so that the
/// operation code is compiled once rather than once per route.
type Check = fn(&JsValue) -> Result<Vec<AccountRef>, Invalid>;

fn connect_shape(value: &JsValue) -> Result<Vec<AccountRef>, Invalid> {
    check_connect_response(value).map(|()| Vec::new())
}

fn disconnect_shape(value: &JsValue) -> Result<Vec<AccountRef>, Invalid> {
    check_disconnect_response(value).map(|()| Vec::new())
}

fn refresh_shape(value: &JsValue) -> Result<Vec<AccountRef>, Invalid> {
    check_refresh_response(value).map(|account| vec![account])
}

/// How many token refreshes `refreshExpiring` runs at once.
const REFRESH_CONCURRENCY: usize = 4;

/// A boxed operation: one type, so that `future_to_promise` is compiled once, not once per method
/// (about 700 bytes of wasm each).
type Operation = Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>;

/// Runs an async body as a promise.
fn spawn(body: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    future_to_promise(Box::pin(body) as Operation)
}

fn provider_arg(value: &JsValue) -> Result<String, String> {
    let provider = value.as_string().ok_or("provider must be a string")?;
    check_provider(&provider)?;
    Ok(provider)
}

/// Lone surrogates are refused: they cannot be encoded into a URL without changing the id.
fn account_id_arg(value: &JsValue) -> Result<String, String> {
    let valid_utf16 = value
        .dyn_ref::<JsString>()
        .is_some_and(JsString::is_valid_utf16);
    let account_id = value
        .as_string()
        .filter(|_| valid_utf16)
        .ok_or("accountId must be a well-formed string")?;
    check_account_id(&account_id)?;
    Ok(account_id)
}

/// The `aborted` error of a caller who stops waiting for `flight`.
fn aborted(flight: &Flight, operation: &str, account: Option<&AccountKey>) -> JsValue {
    let mut error = IntegrationError::new(
        ErrorKind::Aborted,
        format!("{operation} was aborted"),
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
fn with_signal(
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
fn cancellable(request: &mut Request) -> (Option<AbortController>, String, Rc<Cell<u32>>) {
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
fn shared(
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
fn already_aborted(operation: &str, account: Option<&AccountKey>) -> Promise {
    let idle = Flight::new(Promise::resolve(&JsValue::UNDEFINED));
    Promise::reject(&aborted(&idle, operation, account))
}

/// `promise.then(resolve, reject)`, for handing one result to many waiters.
fn forward(promise: &Promise, resolve: &Function, reject: &Function) {
    if let Some(then) = get(promise, "then").and_then(|t| t.dyn_into::<Function>().ok()) {
        let _ = then.call2(promise, resolve, reject);
    }
}

/// The payload of a 2xx reply: `data` of an envelope, or the body itself. An envelope with
/// `success: false` is an `http` error, not retried (the transport worked; the server said no).
fn unwrap_envelope(request: &Request, reply: &Reply) -> Result<JsValue, Failed> {
    if !is_api_response(&reply.body) {
        return Ok(reply.body.clone());
    }
    if get(&reply.body, "success").and_then(|s| s.as_bool()) == Some(false) {
        let server = read_server_error(&reply.body);
        let said = server
            .message
            .clone()
            .unwrap_or_else(|| "no message".to_owned());
        let message = format!(
            "{} failed: the server answered success: false: {said}",
            request.operation
        );
        let mut error =
            IntegrationError::new(ErrorKind::Http, message, request.correlation_id.as_str())
                .with_status(server.status_code.unwrap_or(reply.status));
        let details = server.apply_to(&mut error, false);
        return Err(Failed { error, details });
    }
    get(&reply.body, "data").ok_or_else(|| {
        let invalid = Invalid {
            path: "data".into(),
            expected: "a payload in the envelope",
        };
        let error = invalid_response("The response", &invalid, &request.correlation_id);
        Failed {
            error,
            details: None,
        }
    })
}

/// Persistent JS callbacks of the client's timers and window listeners, made once.
struct Callbacks {
    /// Swallows the rejection of background work whose failure the snapshot already shows.
    ignore: Closure<dyn FnMut(JsValue)>,
    poll: Function,
    error_retry: Function,
    debounce: Function,
    focus: Function,
    visibility: Function,
    online: Function,
}

impl Callbacks {
    fn new(weak: &Weak<Inner>) -> Self {
        let make = |action: fn(&Rc<Inner>)| -> Function {
            let weak = weak.clone();
            Closure::<dyn FnMut()>::new(move || {
                if let Some(inner) = weak.upgrade() {
                    action(&inner);
                }
            })
            .into_js_value()
            .unchecked_into()
        };
        Self {
            ignore: Closure::new(|_| {}),
            poll: make(Inner::on_poll),
            error_retry: make(Inner::on_error_retry),
            debounce: make(Inner::on_debounce),
            focus: make(Inner::on_focus),
            visibility: make(Inner::on_visibility),
            online: make(Inner::on_online),
        }
    }
}

pub(crate) struct Inner {
    root: String,
    transport: Transport,
    observer: Observer,
    refresh_window_ms: f64,
    auto_refresh: bool,
    debounce_ms: f64,
    tokens: Rc<RefCell<TokenMap>>,
    tokens_js: JsValue,
    disposed: Cell<bool>,
    life: AbortController,
    state: RefCell<State>,
    callbacks: Callbacks,
}

impl Inner {
    fn url(&self, segments: &[&str]) -> String {
        let mut url = self.root.clone();
        for segment in segments {
            url.push('/');
            url.push_str(&encode_segment(segment));
        }
        url
    }

    fn ready(&self) -> Result<(), String> {
        if self.disposed.get() {
            Err("this IntegrationsClient was disposed".to_owned())
        } else {
            Ok(())
        }
    }

    /// A request with a fresh correlation id (and idempotency key for writes).
    fn request(&self, operation: &'static str, method: &'static str, url: String) -> Request {
        Request {
            operation,
            method,
            url,
            body: None,
            caller_init: None,
            correlation_id: new_uuid(),
            idempotency_key: (method != "GET").then(new_uuid),
            provider: None,
            account_id: None,
            signal: None,
            attempts_made: Rc::default(),
        }
    }

    fn account_request(
        &self,
        operation: &'static str,
        method: &'static str,
        (provider, account_id): (String, String),
        route: &[&str],
    ) -> Request {
        let mut request = self.request(operation, method, self.url(route));
        request.provider = Some(provider);
        request.account_id = Some(account_id);
        request
    }

    /// Sends, unwraps, checks; logs the start, each retry and the end; emits one metric.
    async fn execute(
        &self,
        request: Request,
        check: Check,
    ) -> Result<(JsValue, Vec<AccountRef>), JsValue> {
        let info = OperationInfo {
            operation: request.operation,
            correlation_id: request.correlation_id.clone(),
            provider: request.provider.clone(),
            account_id: request.account_id.clone(),
        };
        let started = clock();
        self.observer.log(Level::Debug, || {
            info.entry(Level::Debug, format!("{} started", info.operation), now())
        });
        let on_retry = |attempt: u32, wait_ms: f64, failed: &Failed| {
            self.observer.log(Level::Info, || {
                let mut entry = info.entry(
                    Level::Info,
                    format!(
                        "attempt {attempt} failed, retrying: {}",
                        failed.error.message
                    ),
                    now(),
                );
                entry.attempt = Some(attempt);
                entry.status_code = failed.error.status_code;
                entry.retry_in_ms = Some(wait_ms);
                entry.error_kind = Some(failed.error.kind.as_str());
                entry
            });
        };
        let outcome = self
            .transport
            .send(&request, &on_retry)
            .await
            .and_then(|reply| {
                let about_this = |mut failed: Failed| {
                    failed.error = failed
                        .error
                        .with_account(request.provider.as_deref(), request.account_id.as_deref());
                    failed.error.attempts = reply.attempts;
                    failed
                };
                let payload = unwrap_envelope(&request, &reply).map_err(about_this)?;
                match check(&payload) {
                    Ok(checked) => Ok((payload, checked, reply.attempts, reply.status)),
                    Err(invalid) => {
                        let error =
                            invalid_response("The response", &invalid, &request.correlation_id)
                                .with_status(reply.status);
                        Err(about_this(Failed {
                            error,
                            details: None,
                        }))
                    }
                }
            });
        let duration_ms = clock() - started;
        let metric = |success: bool, attempts: u32, status_code: Option<u16>| Metric {
            operation: info.operation,
            success,
            duration_ms,
            attempts,
            cached: false,
            correlation_id: info.correlation_id.clone(),
            status_code,
            provider: info.provider.clone(),
            account_id: info.account_id.clone(),
        };
        match outcome {
            Ok((payload, checked, attempts, status)) => {
                self.observer.log(Level::Debug, || {
                    let mut entry =
                        info.entry(Level::Debug, format!("{} succeeded", info.operation), now());
                    entry.attempt = Some(attempts);
                    entry.status_code = Some(status);
                    entry.duration_ms = Some(duration_ms);
                    entry
                });
                self.observer.metric(metric(true, attempts, Some(status)));
                Ok((payload, checked))
            }
            Err(mut failed) => {
                self.observer.redact_error(&mut failed.error);
                let entry = info.failure(&failed.error, duration_ms, now());
                self.observer.log(entry.level, || entry);
                self.observer.metric(metric(
                    false,
                    failed.error.attempts,
                    failed.error.status_code,
                ));
                Err(self.observer.error(failed))
            }
        }
    }

    /// An argument error: logged and measured like any failed operation, then rejected.
    fn refuse(&self, operation: &'static str, problem: String) -> JsValue {
        let error = IntegrationError::invalid_input(problem, new_uuid());
        let info = OperationInfo {
            operation,
            correlation_id: error.correlation_id.clone(),
            ..Default::default()
        };
        let entry = info.failure(&error, 0.0, now());
        self.observer.log(entry.level, || entry);
        self.observer.metric(Metric {
            operation,
            success: false,
            duration_ms: 0.0,
            attempts: 0,
            cached: false,
            correlation_id: error.correlation_id.clone(),
            status_code: None,
            provider: None,
            account_id: None,
        });
        self.observer.error(Failed {
            error,
            details: None,
        })
    }

    // --- status, shared and cached ---------------------------------------------------------

    /// `status()`: from the cache, joined to the request in flight, or a new request.
    fn status(self: &Rc<Self>, force: bool) -> Flight {
        let read = self.state.borrow().store.read(now(), force);
        match read {
            Read::Cached => {
                let data = self
                    .state
                    .borrow()
                    .data
                    .clone()
                    .unwrap_or(JsValue::UNDEFINED);
                self.observer.metric(Metric {
                    operation: "status",
                    success: true,
                    duration_ms: 0.0,
                    attempts: 0,
                    cached: true,
                    correlation_id: new_uuid(),
                    status_code: None,
                    provider: None,
                    account_id: None,
                });
                Flight::new(Promise::resolve(&data))
            }
            Read::Join | Read::Fetch => self.fetch_status(true),
        }
    }

    /// The request in flight, or a new one. `auto_refresh` is false for the revalidation that
    /// `refreshExpiring` starts itself, so that the two never loop.
    fn fetch_status(self: &Rc<Self>, auto_refresh: bool) -> Flight {
        if let Some(in_flight) = self.state.borrow().in_flight.clone() {
            return in_flight;
        }
        self.state.borrow_mut().store.started();
        let mut request = self.request("status", "GET", self.url(&["status"]));
        let (cancel, correlation_id, attempts) = cancellable(&mut request);
        let inner = self.clone();
        let promise = spawn(async move { inner.complete_status(request, auto_refresh).await });
        let flight = Flight::cancellable(promise, correlation_id, attempts, cancel);
        self.state.borrow_mut().in_flight = Some(flight.clone());
        self.notify();
        flight
    }

    async fn complete_status(
        self: Rc<Self>,
        request: Request,
        auto_refresh: bool,
    ) -> Result<JsValue, JsValue> {
        let outcome = self.execute(request, check_status_response).await;
        let result = {
            let mut state = self.state.borrow_mut();
            state.in_flight = None;
            match outcome {
                Ok((data, accounts)) => {
                    // Same serialisation: unchanged, in one native call. Otherwise compare
                    // deeply (a mere key reordering is no change either).
                    let text = js_sys::JSON::stringify(&data).map(JsValue::from).ok();
                    let same_text = text.is_some() && state.data_text == text;
                    let changed = !same_text
                        && state
                            .data
                            .as_ref()
                            .is_none_or(|old| !deep_equal(old, &data));
                    state.store.succeeded(now(), changed);
                    if changed {
                        state.set_data(data, accounts);
                    }
                    state.data_text = text;
                    state.clear_error();
                    if let Some(timer) = state.error_timer.take() {
                        clear_timeout(&timer);
                    }
                    Ok(state.data.clone().unwrap_or(JsValue::UNDEFINED))
                }
                // Every caller stopped waiting: not a failure of the data, nothing to show.
                Err(error)
                    if get(&error, "kind").and_then(|k| k.as_string()).as_deref()
                        == Some("aborted") =>
                {
                    state.store.cancelled();
                    Err(error)
                }
                Err(error) => {
                    state.store.failed();
                    state.set_error(error.clone());
                    Err(error)
                }
            }
        };
        let failed = result.as_ref().is_err_and(|e| {
            get(e, "kind").and_then(|k| k.as_string()).as_deref() != Some("aborted")
        });
        if failed {
            self.schedule_error_retry();
        }
        self.notify();
        if result.is_ok() && auto_refresh && self.auto_refresh && !self.disposed.get() {
            let inner = self.clone();
            // Failures are logged (by each refresh); auto-refresh never throws.
            let work = spawn(async move { inner.refresh_expiring().await });
            drop(work.catch(&self.callbacks.ignore));
        }
        result
    }

    /// Calls every subscriber; React then reads `getSnapshot()`, which is the same object unless
    /// something it shows changed.
    fn notify(&self) {
        let listeners: Vec<Function> = self
            .state
            .borrow()
            .listeners
            .iter()
            .map(|(_, f)| f.clone())
            .collect();
        for listener in listeners {
            // A listener that throws must not stop the others.
            let _ = listener.call0(&JsValue::NULL);
        }
    }

    // --- background work, only while subscribed -------------------------------------------

    fn subscribed(&self) -> bool {
        !self.state.borrow().listeners.is_empty() && !self.disposed.get()
    }

    fn page_visible() -> bool {
        get(&js_sys::global(), "document")
            .and_then(|d| get(&d, "visibilityState"))
            .and_then(|v| v.as_string())
            .is_none_or(|v| v != "hidden")
    }

    fn arm_poll(&self) {
        let mut state = self.state.borrow_mut();
        if let Some(timer) = state.poll_timer.take() {
            clear_timeout(&timer);
        }
        if let Some(delay) = state.store.poll_delay(Self::page_visible()) {
            state.poll_timer = Some(set_timeout(&self.callbacks.poll, delay));
        }
    }

    fn schedule_error_retry(&self) {
        if !self.subscribed() {
            return;
        }
        let mut state = self.state.borrow_mut();
        if state.error_timer.is_none() {
            if let Some(delay) = state.store.next_error_retry() {
                state.error_timer = Some(set_timeout(&self.callbacks.error_retry, delay));
            }
        }
    }

    fn window_listeners(&self, add: bool) {
        let global: JsValue = js_sys::global().into();
        let Some(document) = get(&global, "document") else {
            return;
        };
        let targets = [
            (global.clone(), "focus", &self.callbacks.focus),
            (global, "online", &self.callbacks.online),
            (document, "visibilitychange", &self.callbacks.visibility),
        ];
        for (target, event, callback) in targets {
            let target: &web_sys::EventTarget = target.unchecked_ref();
            let _ = if add {
                target.add_event_listener_with_callback(event, callback)
            } else {
                target.remove_event_listener_with_callback(event, callback)
            };
        }
    }

    fn start_background(&self) {
        self.arm_poll();
        self.window_listeners(true);
    }

    fn stop_background(&self) {
        let mut state = self.state.borrow_mut();
        for timer in [state.poll_timer.take(), state.error_timer.take()]
            .into_iter()
            .flatten()
        {
            clear_timeout(&timer);
        }
        drop(state);
        self.window_listeners(false);
    }

    fn revalidate_in_background(self: &Rc<Self>) {
        if self.subscribed() {
            // The promise's rejection is the snapshot's `error`; nobody awaits it here.
            drop(self.fetch_status(true).hold().catch(&self.callbacks.ignore));
        }
    }

    fn on_poll(self: &Rc<Self>) {
        self.state.borrow_mut().poll_timer = None;
        self.revalidate_in_background();
        if self.subscribed() {
            self.arm_poll();
        }
    }

    fn on_error_retry(self: &Rc<Self>) {
        self.state.borrow_mut().error_timer = None;
        self.revalidate_in_background();
    }

    fn on_focus(self: &Rc<Self>) {
        if self.state.borrow_mut().store.focused(now()) {
            self.revalidate_in_background();
        }
    }

    fn on_visibility(self: &Rc<Self>) {
        if Self::page_visible() {
            self.on_focus();
        }
        if self.subscribed() {
            self.arm_poll();
        }
    }

    fn on_online(self: &Rc<Self>) {
        if self.state.borrow().store.online() {
            self.revalidate_in_background();
        }
    }

    fn on_debounce(self: &Rc<Self>) {
        let waiters = {
            let mut state = self.state.borrow_mut();
            state.debounce_timer = None;
            std::mem::take(&mut state.debounce_waiters)
        };
        let promise = self.fetch_status(true).hold();
        for (resolve, reject) in waiters {
            forward(&promise, &resolve, &reject);
        }
    }

    // --- token refresh ------------------------------------------------------------------

    /// One refresh per account at a time: concurrent calls share the request in flight.
    fn refresh_shared(self: &Rc<Self>, key: AccountKey) -> Flight {
        if let Some((_, in_flight)) = self
            .state
            .borrow()
            .refreshes
            .iter()
            .find(|(k, _)| *k == key)
        {
            return in_flight.clone();
        }
        let mut request = self.account_request(
            "refreshToken",
            "POST",
            key.clone(),
            &["refresh", &key.0, &key.1],
        );
        let (cancel, correlation_id, attempts) = cancellable(&mut request);
        let inner = self.clone();
        let request_key = key.clone();
        let promise = spawn(async move {
            let outcome = inner.execute(request, refresh_shape).await;
            inner
                .state
                .borrow_mut()
                .refreshes
                .retain(|(k, _)| *k != request_key);
            let (payload, refreshed) = outcome?;
            if let Some(expires_at) = refreshed.first().and_then(|a| a.expires_at) {
                inner
                    .tokens
                    .borrow_mut()
                    .set_expiry(&request_key.0, &request_key.1, expires_at);
                let changed = inner.state.borrow_mut().set_expiry(&request_key, &payload);
                if changed {
                    inner.notify();
                }
            }
            Ok(payload)
        });
        let flight = Flight::cancellable(promise, correlation_id, attempts, cancel);
        self.state
            .borrow_mut()
            .refreshes
            .push((key, flight.clone()));
        flight
    }

    /// The accounts whose `expiresAt` is at or before `now + refreshWindowMs`, from the store's
    /// data and the token map, each once.
    fn due_accounts(&self) -> Vec<AccountKey> {
        let until = now().saturating_add(self.refresh_window_ms as i64);
        let mut due: Vec<AccountKey> = self
            .state
            .borrow()
            .accounts
            .iter()
            .filter(|a| a.expires_at.is_some_and(|at| at <= until))
            .map(|a| (a.provider.clone(), a.account_id.clone()))
            .collect();
        for (key, _) in self
            .tokens
            .borrow()
            .expiring_within(self.refresh_window_ms as i64, now())
        {
            if !due.contains(key) {
                due.push(key.clone());
            }
        }
        due
    }

    /// Refreshes every due account, at most 4 at a time, then revalidates once.
    async fn refresh_expiring(self: &Rc<Self>) -> Result<JsValue, JsValue> {
        let started = clock();
        let info = OperationInfo {
            operation: "refreshExpiring",
            correlation_id: new_uuid(),
            ..Default::default()
        };
        let queue = Rc::new(RefCell::new(
            self.due_accounts().into_iter().collect::<VecDeque<_>>(),
        ));
        let refreshed = Array::new();
        let failed = Array::new();
        if !queue.borrow().is_empty() {
            let workers: Array = (0..REFRESH_CONCURRENCY.min(queue.borrow().len()))
                .map(|_| {
                    let (inner, queue, refreshed, failed) = (
                        self.clone(),
                        queue.clone(),
                        refreshed.clone(),
                        failed.clone(),
                    );
                    JsValue::from(spawn(async move {
                        loop {
                            let Some(key) = queue.borrow_mut().pop_front() else {
                                return Ok(JsValue::UNDEFINED);
                            };
                            match JsFuture::from(inner.refresh_shared(key).hold()).await {
                                Ok(response) => refreshed.push(&response),
                                Err(error) => failed.push(&error),
                            };
                        }
                    }))
                })
                .collect();
            let _ = JsFuture::from(Promise::all(&workers)).await;
            if refreshed.length() > 0 {
                // Failures are the snapshot's error; the result says what was refreshed.
                let _ = JsFuture::from(self.fetch_status(false).hold()).await;
            }
        }
        let (ok, bad) = (refreshed.length(), failed.length());
        let duration_ms = clock() - started;
        let level = if bad == 0 { Level::Info } else { Level::Warn };
        self.observer.log(level, || {
            let mut entry = info.entry(
                level,
                format!("refreshed {ok} token(s), {bad} failed"),
                now(),
            );
            entry.duration_ms = Some(duration_ms);
            entry
        });
        self.observer.metric(Metric {
            operation: info.operation,
            success: bad == 0,
            duration_ms,
            attempts: ok + bad,
            cached: false,
            correlation_id: info.correlation_id,
            status_code: None,
            provider: None,
            account_id: None,
        });
        let result: JsValue = Object::new().into();
        set(&result, "refreshed", refreshed);
        set(&result, "failed", failed);
        Ok(result)
    }
}

/// The client for one integrations API: typed operations with retry, validated responses, an
/// SWR-style store for React, and a token map kept in step with the server.
///
/// @example
/// ```ts
/// const client = new IntegrationsClient({ baseUrl: 'https://app.example.com' });
/// const { integrations, summary } = await client.status();
/// ```
#[wasm_bindgen]
pub struct IntegrationsClient {
    inner: Rc<Inner>,
}

/// Reads an options argument and its signal, for the method named `operation`.
fn request_options(options: &Option<JsValue>) -> Result<(JsValue, Option<AbortSignal>), String> {
    let options = options.clone().unwrap_or(JsValue::UNDEFINED);
    check_options_object(&options, "options")?;
    let signal = signal_of(&options)?;
    Ok((options, signal))
}

#[wasm_bindgen]
impl IntegrationsClient {
    /// Makes a client. Bad options throw an `IntegrationError` with `kind: 'invalid_input'` here,
    /// not at the first request.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "ClientOptions")] options: Option<JsValue>,
    ) -> Result<IntegrationsClient, JsValue> {
        let options = options.unwrap_or(JsValue::UNDEFINED);
        let mut connection = read_connection(&options).map_err(invalid_input)?;
        let behaviour = read_behaviour(&options).map_err(invalid_input)?;
        // dispose() aborts everything in flight through this controller.
        let life = AbortController::new()
            .map_err(|_| invalid_input("AbortController is not available"))?;
        connection.transport.stop = Some(life.signal());
        let (tokens, tokens_js) = match behaviour.tokens {
            Some(given) => {
                let map = shared_map(&given)
                    .ok_or_else(|| invalid_input("tokens must be a MultiAccountTokenManager"))?;
                (map, given)
            }
            None => {
                let map = Rc::new(RefCell::new(TokenMap::new()));
                (
                    map.clone(),
                    JsValue::from(MultiAccountTokenManager::over(map)),
                )
            }
        };
        let inner = Rc::new_cyclic(|weak| Inner {
            root: connection.root,
            transport: connection.transport,
            observer: Observer {
                level: behaviour.log_level,
                logger: behaviour.logger,
                on_metric: behaviour.on_metric,
                tokens: tokens.clone(),
            },
            refresh_window_ms: behaviour.refresh_window_ms,
            auto_refresh: behaviour.auto_refresh,
            debounce_ms: behaviour.debounce_ms,
            tokens,
            tokens_js,
            disposed: Cell::new(false),
            life,
            state: RefCell::new(State::new(Store::new(behaviour.cache))),
            callbacks: Callbacks::new(weak),
        });
        Ok(Self { inner })
    }

    /// The accounts and their summary, `GET {basePath}/status`. Data fetched less than
    /// `cache.dedupingInterval` ago comes back without a request (unless `force`); calls made
    /// while a request is in flight share it.
    ///
    /// @example
    /// ```ts
    /// const { integrations } = await client.status({ signal: AbortSignal.timeout(5000) });
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<IntegrationStatusResponse>")]
    pub fn status(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "StatusOptions")] options: Option<JsValue>,
    ) -> Promise {
        let inner = &self.inner;
        let parsed = inner.ready().and_then(|()| {
            let (options, signal) = request_options(&options)?;
            Ok((
                opt_bool(&options, "force", "options.force")?.unwrap_or(false),
                signal,
            ))
        });
        match parsed {
            Ok((force, signal)) => shared(signal, "status", None, || inner.status(force)),
            Err(problem) => Promise::reject(&inner.refuse("status", problem)),
        }
    }

    /// `status({ force: true })`: fetches now, still sharing a request in flight.
    #[wasm_bindgen(unchecked_return_type = "Promise<IntegrationStatusResponse>")]
    pub fn revalidate(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: Option<JsValue>,
    ) -> Promise {
        let inner = &self.inner;
        match inner.ready().and_then(|()| request_options(&options)) {
            Ok((_, signal)) => shared(signal, "status", None, || inner.status(true)),
            Err(problem) => Promise::reject(&inner.refuse("status", problem)),
        }
    }

    /// Debounced revalidation: calls less than `debounceMs` apart end in one status request
    /// (trailing edge), and every call's promise resolves with that request's result.
    #[wasm_bindgen(js_name = requestRefresh, unchecked_return_type = "Promise<IntegrationStatusResponse>")]
    pub fn request_refresh(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: Option<JsValue>,
    ) -> Promise {
        let inner = &self.inner;
        let signal = match inner.ready().and_then(|()| request_options(&options)) {
            Ok((_, signal)) => signal,
            Err(problem) => return Promise::reject(&inner.refuse("status", problem)),
        };
        shared(signal, "status", None, || {
            let promise = Promise::new(&mut |resolve, reject| {
                let mut state = inner.state.borrow_mut();
                state.debounce_waiters.push((resolve, reject));
                if let Some(timer) = state.debounce_timer.take() {
                    clear_timeout(&timer);
                }
                state.debounce_timer =
                    Some(set_timeout(&inner.callbacks.debounce, inner.debounce_ms));
            });
            Flight::new(promise)
        })
    }

    /// Starts connecting a new account of `provider`, `POST {basePath}/connect/{provider}`.
    /// Resolves with the provider's `authUrl` (always an absolute `http:`/`https:` URL) to send
    /// the user to.
    ///
    /// @example
    /// ```ts
    /// const { authUrl } = await client.connect('instagram', { redirectUri: location.href });
    /// location.assign(authUrl);
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<ConnectIntegrationResponse>")]
    pub fn connect(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Provider")] provider: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "ConnectOptions")] options: Option<JsValue>,
    ) -> Promise {
        let inner = self.inner.clone();
        let parsed = inner.ready().and_then(|()| {
            let provider = provider_arg(&provider)?;
            let (options, signal) = request_options(&options)?;
            Ok((
                provider,
                signal,
                opt_string(&options, "redirectUri", "options.redirectUri")?,
            ))
        });
        let (provider, signal, redirect_uri) = match parsed {
            Ok(parsed) => parsed,
            Err(problem) => return Promise::reject(&inner.refuse("connect", problem)),
        };
        spawn(async move {
            let mut request = inner.request("connect", "POST", inner.url(&["connect", &provider]));
            request.signal = signal;
            request.provider = Some(provider);
            if let Some(uri) = redirect_uri {
                let body: JsValue = Object::new().into();
                set(&body, "redirectUri", uri.as_str());
                request.body = js_sys::JSON::stringify(&body)
                    .ok()
                    .and_then(|s| s.as_string());
            }
            inner
                .execute(request, connect_shape)
                .await
                .map(|(payload, _)| payload)
        })
    }

    /// Disconnects one account, `DELETE {basePath}/{provider}/{accountId}`. The account leaves
    /// the store at once (other accounts of the provider stay), comes back if the request fails,
    /// and the store revalidates after success; its token leaves `tokens`.
    #[wasm_bindgen(unchecked_return_type = "Promise<DisconnectIntegrationResponse>")]
    pub fn disconnect(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Provider")] provider: JsValue,
        #[wasm_bindgen(js_name = accountId, unchecked_param_type = "string")] account_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: Option<JsValue>,
    ) -> Promise {
        let inner = self.inner.clone();
        let parsed = inner.account_args(&provider, &account_id, &options);
        let (key, signal) = match parsed {
            Ok(parsed) => parsed,
            Err(problem) => return Promise::reject(&inner.refuse("disconnect", problem)),
        };
        // The account leaves the store now, before the request: the UI updates in this tick.
        let removed = inner.state.borrow_mut().remove_account(&key, now());
        if removed.is_some() {
            inner.notify();
        }
        spawn(async move {
            let mut request =
                inner.account_request("disconnect", "DELETE", key.clone(), &[&key.0, &key.1]);
            request.signal = signal;
            match inner.execute(request, disconnect_shape).await {
                Ok((payload, _)) => {
                    inner.tokens.borrow_mut().remove(&key.0, &key.1);
                    inner.revalidate_after_write();
                    Ok(payload)
                }
                Err(error) => {
                    if let Some(removed) = removed {
                        if inner.state.borrow_mut().restore(removed, now()) {
                            inner.notify();
                        } else {
                            inner.revalidate_after_write();
                        }
                    }
                    Err(error)
                }
            }
        })
    }

    /// Refreshes one account's token, `POST {basePath}/refresh/{provider}/{accountId}`.
    /// Concurrent calls for one account share one request; different accounts run in parallel.
    /// Updates the account's `expiresAt` in the store and in `tokens`.
    #[wasm_bindgen(js_name = refreshToken, unchecked_return_type = "Promise<RefreshTokenResponse>")]
    pub fn refresh_token(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Provider")] provider: JsValue,
        #[wasm_bindgen(js_name = accountId, unchecked_param_type = "string")] account_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: Option<JsValue>,
    ) -> Promise {
        let inner = &self.inner;
        let parsed = inner.account_args(&provider, &account_id, &options);
        match parsed {
            Ok((key, signal)) => shared(signal, "refreshToken", Some(key.clone()), || {
                inner.refresh_shared(key)
            }),
            Err(problem) => Promise::reject(&inner.refuse("refreshToken", problem)),
        }
    }

    /// Refreshes the account's token only when its `expiresAt` (from the store, or `tokens`) is
    /// within `refreshWindowMs`; resolves `undefined` otherwise.
    #[wasm_bindgen(js_name = refreshIfNeeded, unchecked_return_type = "Promise<RefreshTokenResponse | undefined>")]
    pub fn refresh_if_needed(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Provider")] provider: JsValue,
        #[wasm_bindgen(js_name = accountId, unchecked_param_type = "string")] account_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: Option<JsValue>,
    ) -> Promise {
        let inner = &self.inner;
        let parsed = inner.account_args(&provider, &account_id, &options);
        match parsed {
            Ok((key, signal)) => {
                if inner.due_accounts().contains(&key) {
                    shared(signal, "refreshToken", Some(key.clone()), || {
                        inner.refresh_shared(key)
                    })
                } else {
                    Promise::resolve(&JsValue::UNDEFINED)
                }
            }
            Err(problem) => Promise::reject(&inner.refuse("refreshToken", problem)),
        }
    }

    /// Refreshes every account whose `expiresAt` is at or before `now + refreshWindowMs`
    /// (already expired ones included), at most 4 at a time, then revalidates once.
    #[wasm_bindgen(js_name = refreshExpiring, unchecked_return_type = "Promise<RefreshExpiringResult>")]
    pub fn refresh_expiring(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: Option<JsValue>,
    ) -> Promise {
        let inner = self.inner.clone();
        let signal = match inner.ready().and_then(|()| request_options(&options)) {
            Ok((_, signal)) => signal,
            Err(problem) => return Promise::reject(&inner.refuse("refreshExpiring", problem)),
        };
        shared(signal, "refreshExpiring", None, || {
            Flight::new(spawn(async move { inner.refresh_expiring().await }))
        })
    }

    /// Calls `listener` whenever the snapshot may have changed. Polling, focus and online
    /// revalidation run only while someone is subscribed. Returns the unsubscribe function.
    #[wasm_bindgen(unchecked_return_type = "() => void")]
    pub fn subscribe(
        &self,
        #[wasm_bindgen(unchecked_param_type = "() => void")] listener: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &self.inner;
        let listener: Function = listener
            .dyn_into()
            .map_err(|_| inner.refuse("status", "subscribe(listener) takes a function".into()))?;
        inner
            .ready()
            .map_err(|problem| inner.refuse("status", problem))?;
        let (id, first) = {
            let mut state = inner.state.borrow_mut();
            state.next_listener += 1;
            let id = state.next_listener;
            state.listeners.push((id, listener));
            (id, state.listeners.len() == 1)
        };
        if first {
            inner.start_background();
        }
        let weak = Rc::downgrade(inner);
        let unsubscribe = Closure::<dyn FnMut()>::new(move || {
            let Some(inner) = weak.upgrade() else {
                return;
            };
            let last = {
                let mut state = inner.state.borrow_mut();
                let before = state.listeners.len();
                state.listeners.retain(|(i, _)| *i != id);
                before > 0 && state.listeners.is_empty()
            };
            if last {
                inner.stop_background();
            }
        });
        Ok(unsubscribe.into_js_value())
    }

    /// The store's state, the same object until it changes (what `useSyncExternalStore` needs).
    #[wasm_bindgen(js_name = getSnapshot, unchecked_return_type = "IntegrationsSnapshot")]
    pub fn get_snapshot(&self) -> JsValue {
        self.inner.state.borrow_mut().snapshot()
    }

    /// A constant idle snapshot, for server rendering.
    #[wasm_bindgen(js_name = getServerSnapshot, unchecked_return_type = "IntegrationsSnapshot")]
    pub fn get_server_snapshot(&self) -> JsValue {
        self.inner.state.borrow().server_snapshot.clone()
    }

    /// The client's token map: the one given in options, or its own. The client keeps it in step
    /// with the server (a refresh sets the new `expiresAt`, a disconnect removes the entry) and
    /// never sends token text anywhere by itself.
    #[wasm_bindgen(getter, unchecked_return_type = "MultiAccountTokenManager")]
    pub fn tokens(&self) -> JsValue {
        self.inner.tokens_js.clone()
    }

    /// Stops everything the client runs: requests in flight and their backoff waits (they reject
    /// with `kind: 'aborted'`), timers, listeners, a pending `requestRefresh`; later calls reject
    /// with `kind: 'invalid_input'`.
    pub fn dispose(&self) {
        let inner = &self.inner;
        if inner.disposed.replace(true) {
            return;
        }
        inner.life.abort();
        inner.stop_background();
        let waiters = {
            let mut state = inner.state.borrow_mut();
            state.listeners.clear();
            if let Some(timer) = state.debounce_timer.take() {
                clear_timeout(&timer);
            }
            std::mem::take(&mut state.debounce_waiters)
        };
        for (_, reject) in waiters {
            let _ = reject.call1(
                &JsValue::NULL,
                &invalid_input("this IntegrationsClient was disposed"),
            );
        }
    }
}

impl Inner {
    /// The (provider, accountId) and signal of a method about one account, checked.
    fn account_args(
        &self,
        provider: &JsValue,
        account_id: &JsValue,
        options: &Option<JsValue>,
    ) -> Result<(AccountKey, Option<AbortSignal>), String> {
        self.ready()?;
        let key = (provider_arg(provider)?, account_id_arg(account_id)?);
        Ok((key, request_options(options)?.1))
    }

    /// After a successful write: fetch the server's truth, sharing a request in flight.
    fn revalidate_after_write(self: &Rc<Self>) {
        drop(self.fetch_status(true).hold().catch(&self.callbacks.ignore));
    }
}

/// The seed's `fetchWithRetry`, with the same policy as the client: retries with backoff, typed
/// errors, and resolves with the parsed JSON body (no envelope unwrapping, no shape check). The
/// `init` is sent as given, with no header added, since `url` may be any origin.
///
/// @example
/// ```ts
/// const body = await fetchWithRetry('https://api.example.com/things', { method: 'GET' }, { maxRetries: 5 });
/// ```
#[wasm_bindgen(js_name = fetchWithRetry, unchecked_return_type = "Promise<unknown>")]
pub fn fetch_with_retry(
    #[wasm_bindgen(unchecked_param_type = "string")] url: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "RequestInit")] init: Option<JsValue>,
    #[wasm_bindgen(unchecked_optional_param_type = "FetchWithRetryConfig")] config: Option<JsValue>,
) -> Promise {
    let init = init.unwrap_or(JsValue::UNDEFINED);
    let config = config.unwrap_or(JsValue::UNDEFINED);
    let prepared = (|| -> Result<(String, Transport, Option<AbortSignal>), String> {
        let url = url.as_string().ok_or("url must be a string")?;
        check_options_object(&init, "init")?;
        let retry = read_retry(&config, RetryConfig::default())?;
        let timeout_ms = match opt_number(&config, "timeoutMs", "timeoutMs")? {
            Some(n) => check_non_negative("timeoutMs", n)?,
            None => DEFAULT_TIMEOUT_MS,
        };
        let fetch = super::config::global_fetch()?;
        let transport = Transport {
            stop: None,
            fetch,
            retry,
            timeout_ms,
            headers: Vec::new(),
            credentials: None,
        };
        Ok((url, transport, signal_of(&init)?))
    })();
    let (url, transport, signal) = match prepared {
        Ok(prepared) => prepared,
        Err(problem) => return Promise::reject(&invalid_input(problem)),
    };
    spawn(async move {
        let request = Request {
            operation: "fetchWithRetry",
            method: "GET",
            url,
            body: None,
            caller_init: Some(if init.is_object() {
                init
            } else {
                Object::new().into()
            }),
            correlation_id: new_uuid(),
            idempotency_key: None,
            provider: None,
            account_id: None,
            signal,
            attempts_made: Rc::default(),
        };
        match transport.send(&request, &|_, _, _| {}).await {
            Ok(reply) => Ok(reply.body),
            Err(failed) => Err(to_js(&failed.error, failed.details)),
        }
    })
}

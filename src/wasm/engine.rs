//! The client's engine: one operation's life (send, unwrap, check, log, measure), the shared and
//! cached `status` flow, and token refresh. The JS API is in `client`, timers and window events
//! in `background`, shared requests in `flight`.

use super::config::check_options_object;
use super::errors::set;
use super::flight::{cancellable, forward, shared, CallerSignal, Flight};
use super::observe::{clock, Observer};
use super::state::State;
use super::transport::{Failed, Reply, Request, Transport};
use super::{clear_timeout, get, new_uuid, now, well_formed};
use crate::error::IntegrationError;
use crate::failure;
use crate::log::{Level, Metric, OperationInfo};
use crate::model::{
    check_account_id, check_connect_response, check_disconnect_response, check_provider,
    check_refresh_response, check_status_response, encode_segment, AccountRef, Invalid,
};
use crate::store::Read;
use crate::tokens::{AccountKey, TokenMap};
use js_sys::{Array, Function, Object, Promise};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::AbortController;

/// A route's shape check, returning the accounts it names. One function type, so that the
/// operation code is compiled once rather than once per route.
pub(super) type Check = fn(&JsValue) -> Result<Vec<AccountRef>, Invalid>;

pub(super) fn connect_shape(value: &JsValue) -> Result<Vec<AccountRef>, Invalid> {
    check_connect_response(value)?;
    // The core's check reads the URL's form; the platform's URL parser, which the browser will
    // use on it, must accept it too.
    let parses = get(value, "authUrl")
        .and_then(|url| url.as_string())
        .is_some_and(|url| web_sys::Url::new(&url).is_ok());
    if !parses {
        return Err(Invalid {
            path: "authUrl".into(),
            expected: "an absolute http: or https: URL",
        });
    }
    Ok(Vec::new())
}

pub(super) fn disconnect_shape(value: &JsValue) -> Result<Vec<AccountRef>, Invalid> {
    check_disconnect_response(value).map(|()| Vec::new())
}

pub(super) fn refresh_shape(value: &JsValue) -> Result<Vec<AccountRef>, Invalid> {
    check_refresh_response(value).map(|account| vec![account])
}

/// Reads an options argument and its signal.
pub(super) fn request_options(
    options: &JsValue,
) -> Result<(JsValue, Option<CallerSignal>), String> {
    let options = options.clone();
    check_options_object(&options, "options")?;
    let signal = CallerSignal::read(&options)?;
    Ok((options, signal))
}

/// A boxed operation: one type, so that `future_to_promise` is compiled once, not once per method
/// (about 700 bytes of wasm each).
pub(super) type Operation = Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>;

/// Runs an async body as a promise.
pub(super) fn spawn(body: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    future_to_promise(Box::pin(body) as Operation)
}

pub(super) fn provider_arg(value: &JsValue) -> Result<String, String> {
    let provider = value.as_string().ok_or("provider must be a string")?;
    check_provider(&provider)?;
    Ok(provider)
}

/// Lone surrogates are refused: they cannot be encoded into a URL without changing the id.
pub(super) fn account_id_arg(value: &JsValue) -> Result<String, String> {
    let account_id = well_formed(value).ok_or("accountId must be a well-formed string")?;
    check_account_id(&account_id)?;
    Ok(account_id)
}

/// The payload of a 2xx reply (the core's envelope rule), or its failure.
pub(super) fn unwrap_envelope(request: &Request, reply: &Reply) -> Result<JsValue, Failed> {
    let body = reply.body.clone();
    failure::unwrap_envelope(
        body,
        request.operation,
        reply.status,
        &request.correlation_id,
    )
    .map_err(|(error, details)| Failed { error, details })
}

/// Persistent JS callbacks of the client's timers and window listeners, made once.
pub(super) struct Callbacks {
    /// Swallows the outcome of background work whose failure the snapshot already shows: the
    /// built-in `Boolean`, which does nothing with what it is given (no Rust closure needed).
    pub(super) ignore: Function,
    pub(super) poll: Function,
    pub(super) error_retry: Function,
    pub(super) debounce: Function,
    pub(super) focus: Function,
    pub(super) visibility: Function,
    pub(super) online: Function,
}

impl Callbacks {
    /// `work.then(ignore, ignore)`: its rejection is never unhandled.
    pub(super) fn ignore_outcome(&self, work: &Promise) {
        forward(work, &self.ignore, &self.ignore);
    }

    pub(super) fn new(weak: &Weak<Inner>) -> Self {
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
            ignore: get(&super::global(), "Boolean")
                .map_or_else(Function::default, JsCast::unchecked_into),
            poll: make(Inner::on_poll),
            error_retry: make(Inner::on_error_retry),
            debounce: make(Inner::on_debounce),
            focus: make(Inner::on_focus),
            visibility: make(Inner::on_visibility),
            online: make(Inner::on_online),
        }
    }
}

/// A 2xx reply's payload, unwrapped from its envelope and checked by the route's `check`, with
/// the accounts it names, the attempts made and the status.
fn accept(
    request: &Request,
    reply: Reply,
    check: Check,
) -> Result<(JsValue, Vec<AccountRef>, u32, u16), Failed> {
    let about_this = |mut failed: Failed| {
        failed.error = failed
            .error
            .with_account(request.provider.as_deref(), request.account_id.as_deref());
        failed.error.attempts = reply.attempts;
        failed
    };
    let payload = unwrap_envelope(request, &reply).map_err(about_this)?;
    match check(&payload) {
        Ok(checked) => Ok((payload, checked, reply.attempts, reply.status)),
        Err(invalid) => {
            let cid = &request.correlation_id;
            let error =
                failure::invalid_response("The response", &invalid, cid).with_status(reply.status);
            Err(about_this(Failed {
                error,
                details: None,
            }))
        }
    }
}

pub(super) struct Inner {
    /// Every route's prefix, or why no request can be sent (no `baseUrl` outside a browser).
    pub(super) root: Result<String, String>,
    pub(super) transport: Transport,
    pub(super) observer: Observer,
    pub(super) refresh_window_ms: f64,
    pub(super) auto_refresh: bool,
    pub(super) debounce_ms: f64,
    pub(super) tokens: Rc<RefCell<TokenMap>>,
    pub(super) tokens_js: JsValue,
    pub(super) disposed: Cell<bool>,
    pub(super) life: AbortController,
    pub(super) state: RefCell<State>,
    pub(super) callbacks: Callbacks,
}

impl Inner {
    /// The URL of a route, or why no request can be sent.
    pub(super) fn url(&self, segments: &[&str]) -> Result<String, String> {
        let mut url = self.root.clone()?;
        for segment in segments {
            url.push('/');
            url.push_str(&encode_segment(segment));
        }
        Ok(url)
    }

    pub(super) fn ready(&self) -> Result<(), String> {
        if self.disposed.get() {
            Err("this IntegrationsClient was disposed".to_owned())
        } else {
            Ok(())
        }
    }

    pub(super) fn account_request(
        &self,
        operation: &'static str,
        method: &'static str,
        (provider, account_id): (String, String),
        route: &[&str],
    ) -> Result<Request, String> {
        let mut request = Request::new(operation, method, self.url(route)?);
        request.provider = Some(provider);
        request.account_id = Some(account_id);
        Ok(request)
    }

    /// Sends, unwraps, checks; logs the start, each retry and the end; emits one metric.
    pub(super) async fn execute(
        &self,
        request: Request,
        check: Check,
    ) -> Result<(JsValue, Vec<AccountRef>), JsValue> {
        let info = OperationInfo {
            operation: request.operation,
            correlation_id: &request.correlation_id,
            provider: request.provider.as_deref(),
            account_id: request.account_id.as_deref(),
        };
        let started = clock();
        self.observer.log(Level::Debug, || info.started(now()));
        let on_retry = |attempt: u32, wait_ms: f64, failed: &Failed| {
            let entry = || info.retrying(attempt, wait_ms, &failed.error, now());
            self.observer.log(Level::Info, entry);
        };
        let outcome = self
            .transport
            .send(&request, &on_retry)
            .await
            .and_then(|reply| accept(&request, reply, check));
        let duration_ms = clock() - started;
        match outcome {
            Ok((payload, checked, attempts, status)) => {
                let entry = || info.succeeded(attempts, status, duration_ms, now());
                self.observer.log(Level::Debug, entry);
                self.observer
                    .metric(info.metric(true, duration_ms, attempts, Some(status)));
                Ok((payload, checked))
            }
            Err(failed) => {
                // The log entry's texts are redacted as it is emitted, the error's by `error()`.
                let entry = info.failure(&failed.error, duration_ms, now());
                self.observer.log(entry.level, || entry);
                self.observer.metric(info.metric(
                    false,
                    duration_ms,
                    failed.error.attempts,
                    failed.error.status_code,
                ));
                Err(self.observer.error(failed))
            }
        }
    }

    /// An argument error: logged and measured like any failed operation, then rejected.
    pub(super) fn refuse(&self, operation: &'static str, problem: String) -> JsValue {
        let error = IntegrationError::invalid_input(problem, new_uuid());
        let info = OperationInfo {
            operation,
            correlation_id: &error.correlation_id,
            ..Default::default()
        };
        let entry = info.failure(&error, 0.0, now());
        self.observer.log(entry.level, || entry);
        self.observer.metric(info.metric(false, 0.0, 0, None));
        self.observer.error(Failed {
            error,
            details: None,
        })
    }

    // --- status, shared and cached ---------------------------------------------------------

    /// `status()`: from the cache, joined to the request in flight, or a new request.
    pub(super) fn status(self: &Rc<Self>, force: bool) -> Flight {
        let read = self.state.borrow().store.read(now(), force);
        match read {
            Read::Cached => {
                let data = self
                    .state
                    .borrow()
                    .data
                    .clone()
                    .unwrap_or(JsValue::UNDEFINED);
                let info = OperationInfo {
                    operation: "status",
                    correlation_id: &new_uuid(),
                    ..Default::default()
                };
                self.observer.metric(Metric {
                    cached: true,
                    ..info.metric(true, 0.0, 0, None)
                });
                Flight::new(Promise::resolve(&data))
            }
            Read::Join | Read::Fetch => self.fetch_status(true),
        }
    }

    /// The request in flight, or a new one. `auto_refresh` is false for the revalidation that
    /// `refreshExpiring` starts itself, so that the two never loop.
    pub(super) fn fetch_status(self: &Rc<Self>, auto_refresh: bool) -> Flight {
        if let Some(in_flight) = self.state.borrow().in_flight.clone() {
            return in_flight;
        }
        let url = match self.url(&["status"]) {
            Ok(url) => url,
            Err(problem) => return Flight::new(Promise::reject(&self.refuse("status", problem))),
        };
        self.state.borrow_mut().store.started();
        let mut request = Request::new("status", "GET", url);
        let (cancel, correlation_id, attempts) = cancellable(&mut request);
        let inner = self.clone();
        let promise = spawn(async move { inner.complete_status(request, auto_refresh).await });
        let flight = Flight::cancellable(promise, correlation_id, attempts, cancel);
        self.state.borrow_mut().in_flight = Some(flight.clone());
        self.notify();
        flight
    }

    /// Takes a status request's outcome into the state: new data (kept as the same object when it
    /// deep-equals the old), an error beside the last good data, or nothing when every caller left.
    /// Returns the callers' result, and whether it is a failure worth a background retry.
    fn settle_status(
        &self,
        outcome: Result<(JsValue, Vec<AccountRef>), JsValue>,
    ) -> (Result<JsValue, JsValue>, bool) {
        let mut state = self.state.borrow_mut();
        state.in_flight = None;
        match outcome {
            Ok((data, accounts)) => {
                let text = js_sys::JSON::stringify(&data).map(JsValue::from).ok();
                let changed = state.is_change(&data, &text);
                state.store.succeeded(now(), changed);
                if changed {
                    state.set_data(data, accounts);
                }
                state.data_text = text;
                state.clear_error();
                if let Some(timer) = state.error_timer.take() {
                    clear_timeout(&timer);
                }
                (Ok(state.data.clone().unwrap_or(JsValue::UNDEFINED)), false)
            }
            // Every caller stopped waiting: not a failure of the data, nothing to show.
            Err(error)
                if get(&error, "kind").and_then(|k| k.as_string()).as_deref()
                    == Some("aborted") =>
            {
                state.store.cancelled();
                (Err(error), false)
            }
            Err(error) => {
                state.store.failed();
                state.set_error(error.clone());
                (Err(error), true)
            }
        }
    }

    pub(super) async fn complete_status(
        self: Rc<Self>,
        request: Request,
        auto_refresh: bool,
    ) -> Result<JsValue, JsValue> {
        let outcome = self.execute(request, check_status_response).await;
        let (result, failed) = self.settle_status(outcome);
        if failed {
            self.schedule_error_retry();
        }
        self.notify();
        if result.is_ok() && auto_refresh && self.auto_refresh && !self.disposed.get() {
            let inner = self.clone();
            // Failures are logged (by each refresh); auto-refresh never throws.
            let work = spawn(async move { inner.refresh_expiring().await });
            self.callbacks.ignore_outcome(&work);
        }
        result
    }
}

impl Inner {
    // --- token refresh ------------------------------------------------------------------

    /// One refresh per account at a time: concurrent calls share the request in flight.
    pub(super) fn refresh_shared(self: &Rc<Self>, key: AccountKey) -> Flight {
        if let Some((_, in_flight)) = self
            .state
            .borrow()
            .refreshes
            .iter()
            .find(|(k, _)| *k == key)
        {
            return in_flight.clone();
        }
        let route = ["refresh", key.0.as_str(), key.1.as_str()];
        let mut request = match self.account_request("refreshToken", "POST", key.clone(), &route) {
            Ok(request) => request,
            Err(problem) => {
                let error = self.refuse("refreshToken", problem);
                return Flight::new(Promise::reject(&error));
            }
        };
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

    /// `refreshToken()` for a caller: the account's shared refresh, which `signal` lets the caller
    /// stop waiting for.
    pub(super) fn refresh_for(
        self: &Rc<Self>,
        key: AccountKey,
        signal: Option<CallerSignal>,
    ) -> Promise {
        shared(signal, "refreshToken", Some(key.clone()), || {
            self.refresh_shared(key.clone())
        })
        .unwrap_or_else(|problem| Promise::reject(&self.refuse("refreshToken", problem)))
    }

    /// The accounts whose `expiresAt` is at or before `now + refreshWindowMs`, from the store's
    /// data and the token map, each once.
    pub(super) fn due_accounts(&self) -> Vec<AccountKey> {
        let state = self.state.borrow();
        let window = self.refresh_window_ms as i64;
        self.tokens
            .borrow()
            .due_accounts(&state.accounts, window, now())
    }

    /// Refreshes `due`, at most `REFRESH_CONCURRENCY` at a time: what was refreshed and what
    /// failed (a refresh cancelled by `dispose()` is neither: the caller's intent, not a failure).
    async fn refresh_all(self: &Rc<Self>, due: Vec<AccountKey>) -> (Array, Array) {
        let (refreshed, failed) = (Array::new(), Array::new());
        let workers = crate::defaults::REFRESH_CONCURRENCY.min(due.len());
        let queue = Rc::new(RefCell::new(due.into_iter().collect::<VecDeque<_>>()));
        let workers: Array = (0..workers)
            .map(|_| {
                let (inner, queue) = (self.clone(), queue.clone());
                let (refreshed, failed) = (refreshed.clone(), failed.clone());
                JsValue::from(spawn(async move {
                    loop {
                        // Its own statement: the borrow ends before the await.
                        let next = queue.borrow_mut().pop_front();
                        let Some(key) = next else {
                            return Ok(JsValue::UNDEFINED);
                        };
                        match JsFuture::from(inner.refresh_shared(key).hold()).await {
                            Ok(response) => drop(refreshed.push(&response)),
                            Err(_) if inner.disposed.get() => {}
                            Err(error) => drop(failed.push(&error)),
                        };
                    }
                }))
            })
            .collect();
        let _ = JsFuture::from(Promise::all(&workers)).await;
        (refreshed, failed)
    }

    /// Refreshes every due account, at most 4 at a time, then revalidates once.
    pub(super) async fn refresh_expiring(self: &Rc<Self>) -> Result<JsValue, JsValue> {
        let started = clock();
        let correlation_id = new_uuid();
        let info = OperationInfo {
            operation: "refreshExpiring",
            correlation_id: &correlation_id,
            ..Default::default()
        };
        let (refreshed, failed) = self.refresh_all(self.due_accounts()).await;
        if refreshed.length() > 0 && !self.disposed.get() {
            // Failures are the snapshot's error; the result says what was refreshed.
            let _ = JsFuture::from(self.fetch_status(false).hold()).await;
        }
        let (ok, bad) = (refreshed.length(), failed.length());
        let duration_ms = clock() - started;
        let entry = info.refreshed(ok, bad, duration_ms, now());
        self.observer.log(entry.level, || entry);
        self.observer
            .metric(info.metric(bad == 0, duration_ms, ok + bad, None));
        let result: JsValue = Object::new().into();
        set(&result, "refreshed", refreshed);
        set(&result, "failed", failed);
        Ok(result)
    }
}

impl Inner {
    /// The (provider, accountId) and signal of a method about one account, checked.
    pub(super) fn account_args(
        &self,
        provider: &JsValue,
        account_id: &JsValue,
        options: &JsValue,
    ) -> Result<(AccountKey, Option<CallerSignal>), String> {
        self.ready()?;
        let key = (provider_arg(provider)?, account_id_arg(account_id)?);
        Ok((key, request_options(options)?.1))
    }

    /// Fetches the server's truth (sharing a request in flight) without anyone awaiting it: its
    /// failure is the snapshot's `error`.
    pub(super) fn revalidate_detached(self: &Rc<Self>) {
        let work = self.fetch_status(true).hold();
        self.callbacks.ignore_outcome(&work);
    }
}

//! The client as a sans-IO state machine: every rule of the `IntegrationsClient` — operations and
//! their retries, shared requests, the store, token refresh, background work, disconnect and its
//! rollback, logs and metrics — decided here, in plain Rust, over injected time and randomness.
//!
//! Events go in (a method was called, a response arrived, a timer fired, a caller's signal fired,
//! the window gained focus); effects come out ([`Effect`]: send a request, set a timer, settle
//! calls, tell subscribers, log). The wasm boundary pumps it; the simulator (`tests/sim.rs`) runs
//! it against a simulated server and clock. Nothing here knows JavaScript: the values the server
//! sends are a type parameter ([`Value`]).
//!
//! Its native tests (`testing`) and the simulator (`sim`) drive it with a virtual clock.

// A request ends once: its rejection is moved along, never copied in a loop.
#![allow(clippy::result_large_err)]

mod background;
mod data;
mod health;
pub mod objects;
mod operations;
mod refresh;
mod request;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod rules;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod sim;
mod tabs;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod testing;

pub use data::{Removal, View};
pub use health::{is_terminal, Deferred};
pub use request::{describe_network_error, Outgoing};
pub use tabs::TabMessage;

use crate::error::IntegrationError;
use crate::json::{JsonKind, JsonView};
use crate::log::{Level, LogEntry, Metric, OperationInfo};
use crate::model::{check_account_id, check_provider, push_segment, AccountRef};
use crate::store::Store;
use crate::time::EpochMs;
use crate::tokens::{AccountKey, TokenMap};
use std::cell::RefCell;
use std::rc::Rc;

/// A call of a method, numbered by the boundary.
pub type CallId = u32;
/// A request (one logical operation, over its attempts), numbered by the core.
pub type RequestId = u32;
/// One attempt of a request, numbered by the core: what a response is reported against.
pub type AttemptId = u32;
/// A timer, numbered by the core.
pub type TimerId = u32;

/// What the core reads from the platform without acting on it.
pub trait Env {
    /// Epoch milliseconds (`Date.now()`).
    fn now(&self) -> EpochMs;
    /// A monotonic clock in ms, for durations (`performance.now()`).
    fn clock(&self) -> f64;
    /// A uniform draw in `[0, 1)`, for backoff jitter.
    fn random(&mut self) -> f64;
    /// A fresh uuid v4, for correlation ids and idempotency keys.
    fn uuid(&mut self) -> String;
    /// Whether the page is visible (always, outside a browser).
    fn visible(&self) -> bool;
    /// Whether the platform's URL parser accepts `url` (the browser will use it on an `authUrl`).
    fn url_parses(&self, url: &str) -> bool;
}

/// A JSON value as the platform holds it: read through [`JsonView`], compared, and copied with
/// a change. New values are always new objects: a value a caller holds is never changed.
pub trait Value: JsonView + Clone {
    /// Whether the two are the very same object (the rollback of a disconnect asks).
    fn same(&self, other: &Self) -> bool;
    /// Whether the two hold the same JSON (key order ignored).
    fn equal(&self, other: &Self) -> bool {
        crate::json::deep_equal(self, other)
    }
    /// The value's JSON text, where the platform makes it in one call (`JSON.stringify`), as a
    /// value that [`Value::same`] compares by content; `None` where it does not.
    fn text(&self) -> Option<Self> {
        None
    }
    /// A copy of an object with `key` set to `value`.
    fn with(&self, key: &str, value: Self) -> Self;
    /// A copy of an object without `key`.
    fn without(&self, key: &str) -> Self;
    /// A number.
    fn number(value: f64) -> Self;
    /// A string.
    fn string(text: &str) -> Self;
    /// A boolean.
    fn boolean(value: bool) -> Self;
    /// An array of `items`.
    fn array(items: Vec<Self>) -> Self;
    /// An object of `entries`, each defined (a `"__proto__"` key stays a key).
    fn object(entries: Vec<(String, Self)>) -> Self;
    /// `null`.
    fn null() -> Self;
    /// A new empty object, for [`Value::set`].
    fn new_object() -> Self;
    /// Sets a field of an object made by [`Value::new_object`] (in the order set).
    fn set(&mut self, key: &str, value: Self);
    /// The value made read-only, where the platform can (`Object.freeze`).
    fn frozen(self) -> Self {
        self
    }
    /// Epoch milliseconds as RFC 3339 text (`Date#toISOString`).
    fn timestamp(ms: EpochMs) -> Self;
    /// An error object of `fields` ([`objects::error_fields`]): an `IntegrationError` in
    /// JavaScript, the fields themselves where there is no such class.
    fn error(fields: Self) -> Self {
        fields
    }
}

/// A method call, its arguments already read and checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    /// `status()`; `revalidate()` is `force: true`.
    Status {
        /// Skip the cache.
        force: bool,
    },
    /// `requestRefresh()`: a debounced revalidation.
    RequestRefresh,
    /// `connect(provider, { redirectUri })`.
    Connect {
        /// The provider.
        provider: String,
        /// Where the provider sends the user back.
        redirect_uri: Option<String>,
    },
    /// `disconnect(provider, accountId)`.
    Disconnect(AccountKey),
    /// `refreshToken(provider, accountId)`.
    RefreshToken(AccountKey),
    /// `refreshIfNeeded(provider, accountId)`.
    RefreshIfNeeded(AccountKey),
    /// `refreshExpiring()`.
    RefreshExpiring,
    /// `fetchWithRetry(url, init)`: the caller's `init` is sent as given, the body returned as
    /// parsed, without envelope or shape check, logs or metrics.
    Fetch {
        /// The URL.
        url: String,
    },
}

/// What a call resolves with.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer<V> {
    /// A payload.
    Value(V),
    /// `undefined` (`refreshIfNeeded` with nothing due).
    Nothing,
    /// `refreshExpiring()`'s result.
    Expiring {
        /// The refresh responses.
        refreshed: Vec<V>,
        /// The refreshes that failed.
        failed: Vec<Rejection<V>>,
        /// The due accounts not tried: their provider is paused.
        deferred: Vec<Deferred>,
    },
}

/// What a call rejects with: the error, redacted, and the server's `details`, redacted.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection<V> {
    /// The error.
    pub error: IntegrationError,
    /// The server's `error.details`.
    pub details: Option<V>,
}

impl<V> From<IntegrationError> for Rejection<V> {
    fn from(error: IntegrationError) -> Self {
        Self {
            error,
            details: None,
        }
    }
}

/// What the boundary does for the core.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect<V> {
    /// Start an attempt: fetch what [`Client::outgoing`] says, then report with
    /// [`Client::response`] or [`Client::network_error`]. The `init` of a [`Call::Fetch`] is the
    /// caller's.
    Send(AttemptId),
    /// Abort an attempt in flight; nothing more is to be reported about it.
    Abort(AttemptId),
    /// Call [`Client::timer`] after `delay_ms`.
    SetTimer {
        /// The timer.
        timer: TimerId,
        /// The delay.
        delay_ms: f64,
    },
    /// Cancel a timer.
    ClearTimer(TimerId),
    /// Resolve or reject these calls (one result, shared).
    Settle {
        /// The calls.
        calls: Vec<CallId>,
        /// Their outcome.
        outcome: Result<Answer<V>, Rejection<V>>,
    },
    /// Call every subscriber: the snapshot may have changed.
    Notify,
    /// Add (`true`) or remove the window's focus, online and visibility listeners.
    Listen(bool),
    /// A log entry, already filtered by level and redacted.
    Log(LogEntry),
    /// A metric, redacted (only when the caller gave `onMetric`).
    Metric(Metric),
    /// Ask for the Web Lock `name` for request `request`; report it with [`Client::locked`].
    Lock {
        /// The request that waits for it.
        request: RequestId,
        /// The lock's name, the same in every tab.
        name: String,
    },
    /// Let go of request `request`'s lock, or stop asking for it.
    Unlock(RequestId),
    /// Tell the other tabs (the boundary's `BroadcastChannel`); report theirs with
    /// [`Client::heard`].
    Broadcast(TabMessage),
}

/// What happened, for [`Client::handle`]: each goes to the method of its name.
pub enum Event<'a, V> {
    /// [`Client::timer`].
    Timer(TimerId),
    /// [`Client::response`].
    Response(AttemptId, Response<V>),
    /// [`Client::network_error`].
    NetworkError(AttemptId, &'a str),
    /// [`Client::leave`].
    Leave(CallId),
    /// [`Client::focus`].
    Focus,
    /// [`Client::visibility`].
    Visibility,
    /// [`Client::online`].
    Online,
    /// [`Client::subscribe`].
    Subscribe,
    /// [`Client::unsubscribe`].
    Unsubscribe,
    /// [`Client::locked`].
    Locked(RequestId),
    /// [`Client::heard`].
    Heard(TabMessage),
    /// [`Client::call`].
    Call(CallId, Call),
    /// [`Client::call_aborted`].
    CallAborted(CallId, Call),
    /// [`Client::dispose`].
    Dispose,
}

/// Whether a response's text is checked in place of its parsed body: always natively (the tests
/// and the simulator run both paths), in wasm only with the `bytes` feature (the slim entry),
/// since the tape would add ~6 KB to the default entry, past its 45 KB budget. Where it is
/// off, what only that path uses compiles out.
pub(crate) const ON_TEXT: bool = cfg!(any(feature = "bytes", not(target_arch = "wasm32")));

/// The longest response text (in UTF-16 units, JavaScript's `length`) that is checked on its
/// text: a longer one is checked on its parsed value, so that a hostile server's huge body cannot
/// grow the wasm's memory (which never shrinks) by several times its size. 4 Mi units is a
/// status of about 16 000 accounts.
pub const TEXT_CHECK_MAX_UNITS: usize = 4 << 20;

/// What a request reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Response<V> {
    /// The HTTP status (0 for a browser's opaque redirect).
    pub status: u16,
    /// The status text.
    pub status_text: String,
    /// The `Retry-After` header.
    pub retry_after: Option<String>,
    /// The body, parsed; `None` when it is not JSON.
    pub body: Option<V>,
    /// The body's text, where the platform hands it over: the route's check then runs on it
    /// ([`crate::tape`]), not on `body`, whose every field read would be a boundary crossing.
    /// The two agree (the tape's property tests); `body` is still what the caller gets.
    pub text: Option<String>,
}

impl<V> Response<V> {
    /// The status and status text of what `fetch` resolved with, and its `Retry-After`, before
    /// the body is read; `None` when it is no response (its status not an integer 0–999).
    pub fn head(response: &impl JsonView, retry_after: Option<String>) -> Option<Self> {
        let status = response.get("status")?.as_f64()?;
        let status_text = response.get("statusText").and_then(|t| t.as_str());
        ((0.0..=999.0).contains(&status) && status.fract() == 0.0).then(|| Self {
            status: status as u16,
            status_text: status_text.unwrap_or_default(),
            retry_after,
            body: None,
            text: None,
        })
    }
}

/// The client's options, read and checked by the boundary.
#[derive(Debug, Clone)]
pub struct Config {
    /// Every route's prefix (`baseUrl` + `basePath`), or why no request can be sent.
    pub root: Result<String, String>,
    /// The options as read (the retry policy, timeout, headers, SWR options, log filter, ...);
    /// `base_url` and `base_path` are in `root`.
    pub options: crate::options::ClientOptions,
    /// Whether metrics are wanted (`onMetric` given).
    pub metrics: bool,
}

/// Every route's prefix: `baseUrl`, or in a browser the page's `origin` (when it is http: or
/// https:), as the platform's URL parser reads it (`parse`: a reader of its parts, `None` when it
/// refuses), then `basePath`. `None` when there is neither (server rendering sends no request);
/// `Err` when `baseUrl` cannot be used.
pub fn root<P: Fn(&str) -> String>(
    base_url: Option<&str>,
    origin: Option<String>,
    base_path: &str,
    parse: impl Fn(&str) -> Option<P>,
) -> Result<Option<String>, String> {
    let origin = origin.filter(|o| o.starts_with("http"));
    let Some(url) = base_url.or(origin.as_deref()) else {
        return Ok(None);
    };
    let part = parse(url).ok_or_else(|| ["baseUrl '", url, "' is not an absolute URL"].concat())?;
    crate::options::root(part, base_path).map(Some)
}

impl Config {
    /// The config of read `options`: requests go to `root` (or fail with its reason), metrics
    /// are made when someone takes them.
    pub fn from_options(
        options: crate::options::ClientOptions,
        root: Option<String>,
        metrics: bool,
    ) -> Self {
        let root = root.ok_or_else(|| crate::options::NO_BASE_URL.to_owned());
        Self {
            root,
            options,
            metrics,
        }
    }

    /// The config of `fetchWithRetry`: the caller's retry policy and timeout, no logs, no other
    /// tabs; the URL is the caller's own.
    pub fn for_fetch(options: crate::options::ClientOptions) -> Self {
        let options = crate::options::ClientOptions {
            log_level: Level::Silent,
            cross_tab: false,
            ..options
        };
        Self::from_options(options, Some(String::new()), false)
    }

    /// The defaults, with `root` as every route's prefix (and no other tabs to work with).
    pub fn with_root(root: &str) -> Self {
        let options = crate::options::ClientOptions {
            cross_tab: false,
            ..Default::default()
        };
        Self::from_options(options, Some(root.to_owned()), false)
    }
}

/// Where a call waits.
#[derive(Debug, Clone, PartialEq)]
enum Waits {
    /// On a request.
    Request(RequestId),
    /// For the debounce timer.
    Debounce,
    /// On a `refreshExpiring` batch.
    Batch(u32),
}

#[derive(Debug, Clone)]
struct Waiting {
    operation: &'static str,
    account: Option<AccountKey>,
    on: Waits,
}

/// The client.
pub struct Client<V> {
    config: Config,
    tokens: Rc<RefCell<TokenMap>>,
    effects: Vec<Effect<V>>,
    data: data::Data<V>,
    calls: Vec<(CallId, Waiting)>,
    requests: Vec<request::Request<V>>,
    batches: Vec<refresh::Batch<V>>,
    background: background::Background,
    next_id: u32,
    disposed: bool,
    /// Set while a call whose signal already fired starts its request: it sends nothing.
    unsent: bool,
    /// Providers whose refreshes are paused (a 429 or 503 with `Retry-After`), and until when.
    paused: Vec<(String, EpochMs)>,
    /// The latest expiry other tabs told of each account they refreshed (and its text).
    heard: Vec<(AccountKey, EpochMs, String)>,
    /// Set while a refresh ends with what another tab told: it is not told back.
    told: bool,
}

impl<V: Value> Client<V> {
    /// A client with its own token map.
    pub fn new(config: Config) -> Self {
        Self::with_tokens(config, Rc::default())
    }

    /// A client over a token map it shares (the `tokens` option).
    pub fn with_tokens(config: Config, tokens: Rc<RefCell<TokenMap>>) -> Self {
        Self {
            data: data::Data::new(Store::new(config.options.cache.clone())),
            config,
            tokens,
            effects: Vec::new(),
            calls: Vec::new(),
            requests: Vec::new(),
            batches: Vec::new(),
            background: background::Background::default(),
            next_id: 0,
            disposed: false,
            unsent: false,
            paused: Vec::new(),
            heard: Vec::new(),
            told: false,
        }
    }

    /// The token map.
    pub fn tokens(&self) -> &Rc<RefCell<TokenMap>> {
        &self.tokens
    }

    /// The effects to carry out, in order.
    pub fn effects(&mut self) -> impl Iterator<Item = Effect<V>> + '_ {
        self.effects.drain(..)
    }

    /// The next effect to carry out.
    pub fn next_effect(&mut self) -> Option<Effect<V>> {
        (!self.effects.is_empty()).then(|| self.effects.remove(0))
    }

    /// Whether the boundary coordinates with other tabs: `crossTab`, where the platform can.
    pub fn coordinate(&mut self, available: bool) {
        self.config.options.cross_tab &= available;
    }

    /// Whether `dispose()` was called.
    pub fn is_disposed(&self) -> bool {
        self.disposed
    }

    /// Why no call can be taken: the client was disposed.
    pub fn ready(&self) -> Result<(), String> {
        match self.disposed {
            true => Err("this IntegrationsClient was disposed".to_owned()),
            false => Ok(()),
        }
    }

    /// The requests in flight, a timer each at most: what the simulator checks against.
    pub fn requests_in_flight(&self) -> usize {
        self.requests.len()
    }

    fn id(&mut self) -> u32 {
        self.next_id = self.next_id.wrapping_add(1);
        self.next_id
    }

    fn push(&mut self, effect: Effect<V>) {
        self.effects.push(effect);
    }

    fn settle(&mut self, calls: Vec<CallId>, outcome: Result<Answer<V>, Rejection<V>>) {
        if !calls.is_empty() {
            self.unwait(&calls);
            self.push(Effect::Settle { calls, outcome });
        }
    }

    /// Forgets what `calls` wait for. The order of `self.calls` does not matter (it is only
    /// searched by call), so each one found is swapped out.
    fn unwait(&mut self, calls: &[CallId]) {
        let mut at = 0;
        while let Some((id, _)) = self.calls.get(at) {
            match calls.contains(id) {
                true => drop(self.calls.swap_remove(at)),
                false => at += 1,
            }
        }
    }

    /// Resolves or rejects one call.
    fn settle_call(&mut self, call: CallId, outcome: Result<Answer<V>, Rejection<V>>) {
        self.settle(vec![call], outcome);
    }

    fn wait(
        &mut self,
        call: CallId,
        operation: &'static str,
        account: Option<AccountKey>,
        on: Waits,
    ) {
        self.calls.push((
            call,
            Waiting {
                operation,
                account,
                on,
            },
        ));
    }

    /// The URL of a route, or why no request can be sent.
    fn url(&self, segments: &[&str]) -> Result<String, String> {
        let mut url = self.config.root.clone()?;
        for segment in segments {
            url.push('/');
            push_segment(&mut url, segment);
        }
        Ok(url)
    }

    // --- logs, metrics, redaction ------------------------------------------------------------

    /// Emits `entry`, redacted, only when its level passes the filter.
    fn log(&mut self, mut entry: LogEntry) {
        if self.config.options.log_level == Level::Silent
            || entry.level < self.config.options.log_level
        {
            return;
        }
        self.redact(&mut entry.texts_mut());
        self.push(Effect::Log(entry));
    }

    fn metric(&mut self, mut metric: Metric) {
        if !self.config.metrics {
            return;
        }
        self.redact(&mut metric.texts_mut());
        self.push(Effect::Metric(metric));
    }

    /// A rejection with every text redacted of token text, the server's `details` included.
    fn redacted(&self, mut rejection: Rejection<V>) -> Rejection<V> {
        self.redact(&mut rejection.error.texts_mut());
        let tokens = self.tokens.borrow();
        if !tokens.is_empty() {
            rejection.details = rejection
                .details
                .map(|d| redact_value(&d, &tokens, crate::json::MAX_DEPTH));
        }
        rejection
    }

    /// Replaces token text in each of `texts`.
    fn redact(&self, texts: &mut [Option<&mut String>]) {
        let tokens = self.tokens.borrow();
        if tokens.is_empty() {
            return;
        }
        for text in texts.iter_mut().flatten() {
            **text = tokens.redact(text);
        }
    }

    /// An argument error: logged and measured like any failed operation. The boundary rejects
    /// the call with it.
    pub fn refuse(
        &mut self,
        env: &mut impl Env,
        operation: &'static str,
        problem: String,
    ) -> Rejection<V> {
        let error = IntegrationError::invalid_input(problem, env.uuid());
        self.reject_at_once(env, operation, error)
    }

    /// Rejects `call` with an argument error (see [`Client::refuse`]).
    fn refuse_call(
        &mut self,
        env: &mut impl Env,
        call: CallId,
        operation: &'static str,
        problem: String,
    ) {
        let rejection = self.refuse(env, operation, problem);
        self.settle_call(call, Err(rejection));
    }

    /// A call that fails before any request: logged and measured like any failed operation.
    fn reject_at_once(
        &mut self,
        env: &mut impl Env,
        operation: &'static str,
        error: IntegrationError,
    ) -> Rejection<V> {
        let info = OperationInfo {
            operation,
            correlation_id: &error.correlation_id,
            provider: error.provider.as_deref(),
            account_id: error.account_id.as_deref(),
        };
        let entry = info.failure(&error, 0.0, env.now());
        let metric = info.metric(false, 0.0, 0, error.status_code);
        self.log(entry);
        self.metric(metric);
        self.redacted(error.into())
    }

    // --- events ----------------------------------------------------------------------------

    /// A method was called. `call` is the boundary's number for it; its outcome comes as
    /// [`Effect::Settle`] (maybe at once).
    pub fn call(&mut self, env: &mut impl Env, call: CallId, what: Call) {
        if let Err(problem) = self.ready() {
            return self.refuse_call(env, call, operation_of(&what), problem);
        }
        match what {
            Call::Status { force } => self.status(env, call, force),
            Call::RequestRefresh => self.request_refresh(call),
            Call::Connect {
                provider,
                redirect_uri,
            } => self.connect(env, call, provider, redirect_uri),
            Call::Disconnect(key) => self.disconnect(env, call, key),
            Call::RefreshToken(key) => self.refresh_for(env, call, key),
            Call::RefreshIfNeeded(key) => {
                if self.due_accounts(env).contains(&key) {
                    self.refresh_for(env, call, key);
                } else {
                    self.settle_call(call, Ok(Answer::Nothing));
                }
            }
            Call::RefreshExpiring => self.refresh_expiring(env, Some(call)),
            Call::Fetch { url } => {
                let request = Outgoing::new(env, "fetchWithRetry", "GET", url);
                let id = self.start(env, request, request::Route::Raw);
                self.join(id, call, "fetchWithRetry", None);
            }
        }
    }

    /// A call whose signal had already fired when it was made: requests about one caller
    /// (`connect`, `disconnect`, `fetchWithRetry`) still go through their operation, which ends
    /// `aborted` before sending anything; shared ones reject at once and start nothing.
    pub fn call_aborted(&mut self, env: &mut impl Env, call: CallId, what: Call) {
        match what {
            Call::Connect { .. } | Call::Disconnect(_) | Call::Fetch { .. } => {
                self.unsent = true;
                self.call(env, call, what);
                self.unsent = false;
                self.leave(env, call);
            }
            what => {
                let operation = operation_of(&what);
                let account = match what {
                    Call::RefreshToken(key) | Call::RefreshIfNeeded(key) => Some(key),
                    _ => None,
                };
                let error = aborted_error(operation, &env.uuid(), 0, account.as_ref());
                self.settle_call(call, Err(error.into()));
            }
        }
    }

    /// The caller of `call` stopped waiting (its signal fired). It rejects with `aborted` at
    /// once; a request nobody else waits for is aborted.
    pub fn leave(&mut self, env: &mut impl Env, call: CallId) {
        let Some((_, waiting)) = self.calls.iter().find(|(id, _)| *id == call) else {
            return;
        };
        // The correlation id and attempts of what it waited for, and a request nobody waits
        // for any more.
        let (correlation_id, attempts, abandoned) = match waiting.on {
            Waits::Request(id) => {
                let Some(request) = self.requests.iter_mut().find(|r| r.id == id) else {
                    return;
                };
                if !request.shared {
                    // The caller's own request: it ends `aborted`, which settles the call.
                    return self.cancel(env, id);
                }
                // A caller waits once: its one place goes, the others keep their order.
                let waiter = request::Waiter::Call(call);
                if let Some(at) = request.waiters.iter().position(|w| *w == waiter) {
                    request.waiters.remove(at);
                }
                let nobody = request.waiters.is_empty();
                let correlation_id = request.outgoing.correlation_id.clone();
                (correlation_id, request.attempts, nobody.then_some(id))
            }
            Waits::Debounce | Waits::Batch(_) => {
                let waiters = &mut self.background.debounce_waiters;
                if let Some(at) = waiters.iter().position(|c| *c == call) {
                    waiters.remove(at);
                }
                (env.uuid(), 0, None)
            }
        };
        let account = waiting.account.as_ref();
        let error = aborted_error(waiting.operation, &correlation_id, attempts, account);
        self.settle_call(call, Err(error.into()));
        if let Some(id) = abandoned {
            self.cancel(env, id);
        }
    }

    /// `dispose()`: every request aborted (their calls reject `aborted`), every timer cleared,
    /// the window listeners removed, a pending `requestRefresh` rejected; later calls are refused.
    pub fn dispose(&mut self, env: &mut impl Env) {
        if std::mem::replace(&mut self.disposed, true) {
            return;
        }
        self.stop_background();
        self.background.subscribers = 0;
        if let Some(timer) = self.background.debounce_timer.take() {
            self.push(Effect::ClearTimer(timer));
        }
        let waiters = std::mem::take(&mut self.background.debounce_waiters);
        if !waiters.is_empty() {
            let error =
                IntegrationError::invalid_input("this IntegrationsClient was disposed", env.uuid());
            self.settle(waiters, Err(error.into()));
        }
        let ids: Vec<RequestId> = self.requests.iter().map(|r| r.id).collect();
        for id in ids {
            self.cancel(env, id);
        }
    }

    /// Runs `event` through the method of its name. Not inlined into the boundary's caller by
    /// rustc (wasm-opt still does): the packed wasm is 67 B smaller so (measured).
    #[inline(never)]
    pub fn handle(&mut self, env: &mut impl Env, event: Event<'_, V>) {
        match event {
            Event::Timer(timer) => self.timer(env, timer),
            Event::Response(attempt, response) => self.response(env, attempt, response),
            Event::NetworkError(attempt, detail) => self.network_error(env, attempt, detail),
            Event::Leave(call) => self.leave(env, call),
            Event::Focus => self.focus(env),
            Event::Visibility => self.visibility(env),
            Event::Online => self.online(env),
            Event::Subscribe => self.subscribe(env),
            Event::Unsubscribe => self.unsubscribe(),
            Event::Locked(request) => self.locked(env, request),
            Event::Heard(message) => self.heard(env, message),
            Event::Call(call, what) => self.call(env, call, what),
            Event::CallAborted(call, what) => self.call_aborted(env, call, what),
            Event::Dispose => self.dispose(env),
        }
    }

    /// What a subscriber's `getSnapshot()` shows.
    pub fn view(&self) -> View<'_, V> {
        self.data.view()
    }

    /// The snapshot subscribers read (`getSnapshot()`): the same object until what it shows
    /// changes.
    pub fn snapshot(&mut self) -> V {
        self.data.snapshot()
    }
}

/// A method's `provider` argument (`None` when not a string), checked: a provider slug.
pub fn provider_arg(provider: Option<String>) -> Result<String, String> {
    let provider = provider.ok_or("provider must be a string")?;
    check_provider(&provider)?;
    Ok(provider)
}

/// A method's `(provider, accountId)` arguments, checked. The account id is `None` when it is
/// not a well-formed string: one with a lone surrogate cannot be encoded into a URL unchanged.
pub fn account_args(
    provider: Option<String>,
    account_id: Option<String>,
) -> Result<AccountKey, String> {
    let provider = provider_arg(provider)?;
    let account_id = account_id.ok_or("accountId must be a well-formed string")?;
    check_account_id(&account_id)?;
    Ok((provider, account_id))
}

impl Call {
    /// The method the call reports as, in errors, logs and metrics.
    pub fn operation(&self) -> &'static str {
        operation_of(self)
    }
}

fn operation_of(call: &Call) -> &'static str {
    match call {
        Call::Status { .. } | Call::RequestRefresh => "status",
        Call::Connect { .. } => "connect",
        Call::Disconnect(_) => "disconnect",
        Call::RefreshToken(_) | Call::RefreshIfNeeded(_) => "refreshToken",
        Call::RefreshExpiring => "refreshExpiring",
        Call::Fetch { .. } => "fetchWithRetry",
    }
}

/// The `aborted` error of a caller who stopped waiting.
fn aborted_error(
    operation: &str,
    correlation_id: &str,
    attempts: u32,
    account: Option<&AccountKey>,
) -> IntegrationError {
    let (provider, account_id) = account.map(|(p, a)| (p.as_str(), a.as_str())).unzip();
    let mut error =
        crate::failure::aborted(operation, correlation_id).with_account(provider, account_id);
    error.attempts = attempts;
    error
}

/// A copy of the server's `details` with token text redacted from every string in it, keys
/// included: by value, so that no escaping of a text form can hide a token. What lies deeper
/// than `depth` levels is dropped.
fn redact_value<V: Value>(value: &V, tokens: &TokenMap, depth: u32) -> V {
    let kind = value.kind();
    if kind == JsonKind::String {
        return V::string(&tokens.redact(&value.as_str().unwrap_or_default()));
    }
    let depth = match (kind, depth) {
        (JsonKind::Array | JsonKind::PlainObject, 0) => return V::null(),
        (JsonKind::Array | JsonKind::PlainObject, depth) => depth - 1,
        _ => return value.clone(),
    };
    let item = |v: Option<V>| redact_value(&v.unwrap_or_else(V::null), tokens, depth);
    if kind == JsonKind::Array {
        let len = value.len().unwrap_or(0);
        return V::array((0..len).map(|i| item(value.index(i))).collect());
    }
    let entries = value.keys().into_iter();
    V::object(
        entries
            .map(|key| (tokens.redact(&key), item(value.get(&key))))
            .collect(),
    )
}

/// The accounts a response names, for the store and the token map.
pub(crate) type Named = Vec<AccountRef>;

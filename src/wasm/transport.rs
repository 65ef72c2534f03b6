//! One attempt through `fetch`, the wait between attempts, and the one retry loop that drives
//! them. Every decision (retry or not, how long to wait) is the core's `RetryConfig::next_step`;
//! this file only does what needs JavaScript: fetch, timers and abort signals.

use super::errors::set;
use super::{clear_timeout, get, new_uuid, now, random, set_timeout};
use crate::error::IntegrationError;
use crate::failure;
use crate::retry::{Failure, RetryConfig, Step};
use js_sys::{Function, Object, Promise};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal};

/// setTimeout fires at once for delays above 2^31 - 1 ms; longer waits are capped to it.
const MAX_TIMER_MS: f64 = 2_147_483_647.0;

/// How requests are sent: the parts of the client's options that every attempt uses.
#[derive(Clone)]
pub(crate) struct Transport {
    /// The `fetch` to call (the caller's, or `globalThis.fetch`).
    pub fetch: Function,
    /// The retry policy.
    pub retry: RetryConfig,
    /// Per-attempt timeout; 0 disables it.
    pub timeout_ms: f64,
    /// Headers sent on every request, before the client's own.
    pub headers: Vec<(String, String)>,
    /// `RequestInit.credentials`, when set.
    pub credentials: Option<String>,
    /// Aborts every request of the client (`dispose()`), a backoff wait included.
    pub stop: Option<AbortSignal>,
}

/// The caller's signal and the client's, where given.
type Signals<'a> = [Option<&'a AbortSignal>; 2];

/// One logical operation: what to send, and what it is about.
pub(crate) struct Request {
    /// The operation's name, for errors and logs (`status`, `connect`, ...).
    pub operation: &'static str,
    /// `GET`, `POST` or `DELETE`.
    pub method: &'static str,
    /// The absolute URL.
    pub url: String,
    /// A JSON body, for `POST`s that carry one.
    pub body: Option<String>,
    /// For `fetchWithRetry`: the caller's `RequestInit`, sent as given (no headers added).
    pub caller_init: Option<JsValue>,
    /// Sent as `X-Correlation-Id`, the same on every attempt.
    pub correlation_id: String,
    /// Sent as `Idempotency-Key` on writes, the same on every attempt.
    pub idempotency_key: Option<String>,
    /// The account the operation is about.
    pub provider: Option<String>,
    /// The account the operation is about.
    pub account_id: Option<String>,
    /// The caller's abort signal.
    pub signal: Option<AbortSignal>,
    /// Attempts made so far, for callers that share the request and stop waiting.
    pub attempts_made: Rc<Cell<u32>>,
}

/// A 2xx response, its body parsed.
pub(crate) struct Reply {
    /// The parsed JSON body.
    pub body: JsValue,
    /// How many attempts it took.
    pub attempts: u32,
    /// The status of the response.
    pub status: u16,
}

/// A failed operation: the core error plus the server's `details` object, if it sent one.
pub(crate) struct Failed {
    /// The error.
    pub error: IntegrationError,
    /// The server's `error.details`.
    pub details: Option<JsValue>,
}

/// What the retry loop does after an attempt.
enum Judged {
    /// The operation ends with this.
    Done(Result<Reply, Failed>),
    /// The retry policy decides: try again or give up with this error.
    Failed(Failure, Failed),
}

/// What one attempt came to.
enum Attempt {
    Response {
        status: u16,
        status_text: String,
        retry_after: Option<String>,
        /// The body as a JS string: parsed by `JSON.parse` where it is, never copied into wasm.
        text: JsValue,
    },
    Network(String),
    Timeout,
    Aborted,
}

impl Request {
    /// A request with a fresh correlation id, and an idempotency key when it writes.
    pub(crate) fn new(operation: &'static str, method: &'static str, url: String) -> Self {
        Self {
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

    /// A core error about this request: its account, and `attempts` made.
    fn failed(&self, error: IntegrationError, attempts: u32) -> IntegrationError {
        let mut error = error.with_account(self.provider.as_deref(), self.account_id.as_deref());
        error.attempts = attempts;
        error
    }

    fn aborted(&self, attempts: u32) -> Failed {
        let error = failure::aborted(self.operation, &self.correlation_id);
        Failed {
            error: self.failed(error, attempts),
            details: None,
        }
    }
}

impl Transport {
    /// The signals that end `request`: the caller's (or the shared request's) and the client's.
    fn signals<'a>(&'a self, request: &'a Request) -> Signals<'a> {
        [request.signal.as_ref(), self.stop.as_ref()]
    }

    /// Sends `request`, retrying per the policy, and resolves with the parsed 2xx body.
    /// `on_retry(attempt, wait_ms, failure)` is told before each backoff wait.
    pub(crate) async fn send(
        &self,
        request: &Request,
        on_retry: &dyn Fn(u32, f64, &Failed),
    ) -> Result<Reply, Failed> {
        // The signals that end the request, gathered once for every attempt and wait.
        let signals = self.signals(request);
        let mut retries = 0u32;
        loop {
            let attempts = retries + 1;
            if is_aborted(&signals) {
                return Err(request.aborted(retries));
            }
            request.attempts_made.set(attempts);
            let attempt = self.attempt(request, &signals).await;
            let (failure, mut failed) = match self.judge(request, attempts, attempt) {
                Judged::Done(outcome) => return outcome,
                Judged::Failed(failure, failed) => (failure, failed),
            };
            match self.retry.next_step(retries, &failure, now(), random()) {
                Step::Retry { wait_ms, .. } => {
                    on_retry(attempts, wait_ms, &failed);
                    if !sleep_or_abort(wait_ms, &signals).await {
                        return Err(request.aborted(attempts));
                    }
                    retries += 1;
                }
                Step::GiveUp { retry_after_ms } => {
                    failed.error.retry_after_ms = retry_after_ms;
                    return Err(failed);
                }
            }
        }
    }

    /// What an attempt comes to: the reply, a failure that ends the operation, or a failure that
    /// the retry policy decides about (the errors themselves are the core's, in `failure`).
    fn judge(&self, request: &Request, attempts: u32, attempt: Attempt) -> Judged {
        let (cid, op) = (request.correlation_id.as_str(), request.operation);
        let (failure, (error, details)) = match attempt {
            Attempt::Response { status, text, .. } if (200..300).contains(&status) => {
                return Judged::Done(match parse_json(&text) {
                    Ok(body) => Ok(Reply {
                        body,
                        attempts,
                        status,
                    }),
                    Err(_) => Err(Failed {
                        error: request.failed(failure::not_json(op, status, cid), attempts),
                        details: None,
                    }),
                });
            }
            Attempt::Response {
                status,
                status_text,
                retry_after,
                text,
            } => {
                let body = parse_json(&text).unwrap_or(JsValue::NULL);
                let retryable = self.retry.is_retryable_status(status);
                let failed = failure::http(op, status, &status_text, &body, retryable, cid);
                let status = Failure::Status {
                    status,
                    retry_after,
                };
                (status, failed)
            }
            Attempt::Network(detail) => {
                (Failure::Network, (failure::network(op, &detail, cid), None))
            }
            Attempt::Timeout => (
                Failure::Timeout,
                (failure::timeout(op, self.timeout_ms, cid), None),
            ),
            Attempt::Aborted => return Judged::Done(Err(request.aborted(attempts))),
        };
        let failed = Failed {
            error: request.failed(error, attempts),
            details,
        };
        Judged::Failed(failure, failed)
    }

    /// One attempt: fetch and read the body, within the per-attempt timeout.
    async fn attempt(&self, request: &Request, signals: &Signals<'_>) -> Attempt {
        // Its `abort`, bound, is the listener and the timer callback (no Rust closure needed).
        let Some((controller, abort)) = controller_with_abort() else {
            return Attempt::Network("AbortController is not available".into());
        };
        // The caller's abort, the client's and our timeout all abort this attempt's controller.
        for signal in signals.iter().flatten() {
            let _ = signal.add_event_listener_with_callback("abort", &abort);
        }
        let timer =
            (self.timeout_ms > 0.0).then(|| set_timeout(&abort, self.timeout_ms.min(MAX_TIMER_MS)));

        let outcome = self.fetch_and_read(request, &controller.signal()).await;

        if let Some(timer) = timer {
            clear_timeout(&timer);
        }
        for signal in signals.iter().flatten() {
            let _ = signal.remove_event_listener_with_callback("abort", &abort);
        }
        match outcome {
            Ok(attempt) => attempt,
            Err(_) if is_aborted(signals) => Attempt::Aborted,
            Err(_) if controller.signal().aborted() => Attempt::Timeout,
            Err(error) => Attempt::Network(describe_network_error(&error)),
        }
    }

    /// Calls `fetch` and reads the response. Everything `fetch` gives back may be a caller's
    /// object (the `fetch` option), so it is read through `Reflect.get` and `Function.call`, and
    /// each wait ends when the attempt is aborted, even if a promise of theirs never settles.
    async fn fetch_and_read(
        &self,
        request: &Request,
        signal: &AbortSignal,
    ) -> Result<Attempt, JsValue> {
        const NOT_A_RESPONSE: &str = "fetch resolved with something that is not a Response";
        let init = self.init(request, signal);
        let promise =
            self.fetch
                .call2(&super::global(), &JsValue::from_str(&request.url), &init)?;
        let response = until_aborted(&promise, signal).await?;
        let status = get(&response, "status")
            .and_then(|s| s.as_f64())
            .filter(|s| (0.0..=999.0).contains(s) && s.fract() == 0.0)
            .ok_or(NOT_A_RESPONSE)? as u16;
        let headers = get(&response, "headers")
            .filter(JsValue::is_object)
            .ok_or(NOT_A_RESPONSE)?;
        let retry_after = get(&headers, "get")
            .and_then(|read| read.dyn_into::<Function>().ok())
            .and_then(|read| read.call1(&headers, &"retry-after".into()).ok())
            .and_then(|value| value.as_string());
        let text: Function = get(&response, "text")
            .and_then(|t| t.dyn_into().ok())
            .ok_or(NOT_A_RESPONSE)?;
        let text = until_aborted(&text.call0(&response)?, signal).await?;
        if !text.is_string() {
            return Err("the response body did not read as text".into());
        }
        Ok(Attempt::Response {
            status,
            status_text: get(&response, "statusText")
                .and_then(|t| t.as_string())
                .unwrap_or_default(),
            retry_after,
            text,
        })
    }

    /// The `RequestInit` of one attempt.
    fn init(&self, request: &Request, signal: &AbortSignal) -> JsValue {
        if let Some(caller_init) = &request.caller_init {
            // Our own copy, made once when the call was taken: each attempt sets its signal.
            set(caller_init, "signal", signal);
            return caller_init.clone();
        }
        let init: JsValue = Object::new().into();
        let headers: JsValue = Object::new().into();
        for (name, value) in &self.headers {
            set(&headers, name, value.as_str());
        }
        set(&headers, "Accept", "application/json");
        set(
            &headers,
            "X-Correlation-Id",
            request.correlation_id.as_str(),
        );
        if let Some(key) = &request.idempotency_key {
            set(&headers, "Idempotency-Key", key.as_str());
        }
        if let Some(body) = &request.body {
            set(&headers, "Content-Type", "application/json");
            set(&init, "body", body.as_str());
        }
        set(&init, "method", request.method);
        set(&init, "headers", headers);
        // A redirect comes back as a response (status 0 in a browser), which `http_error`
        // refuses: nothing is ever sent to another origin.
        set(&init, "redirect", "manual");
        if let Some(credentials) = &self.credentials {
            set(&init, "credentials", credentials.as_str());
        }
        set(&init, "signal", signal);
        init
    }
}

#[wasm_bindgen]
extern "C" {
    /// `JSON.parse` on a JS string, without copying it through wasm memory.
    #[wasm_bindgen(catch, js_namespace = JSON, js_name = parse)]
    pub(crate) fn parse_json(text: &JsValue) -> Result<JsValue, JsValue>;
}

/// A short description of why fetch failed: its message, and Node's `cause.code` where present
/// (`fetch failed (ECONNRESET)`).
fn describe_network_error(error: &JsValue) -> String {
    let message = get(error, "message")
        .and_then(|m| m.as_string())
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "fetch failed".to_owned());
    match get(error, "cause")
        .and_then(|c| get(&c, "code"))
        .and_then(|c| c.as_string())
    {
        Some(code) => [&message, " (", &code, ")"].concat(),
        None => message,
    }
}

/// Whether one of `signals` has aborted.
fn is_aborted(signals: &Signals<'_>) -> bool {
    signals.iter().flatten().any(|s| s.aborted())
}

/// Waits `ms`, or less if one of `signals` aborts. Resolves `true` when the wait ran out, `false`
/// when it was aborted. Leaves no timer or listener behind either way.
async fn sleep_or_abort(ms: f64, signals: &Signals<'_>) -> bool {
    if is_aborted(signals) {
        return false;
    }
    let mut resolve: Option<Function> = None;
    let promise = Promise::new(&mut |res, _rej| resolve = Some(res));
    let Some(resolve) = resolve else {
        return true;
    };
    let timer = set_timeout(&resolve, ms.clamp(0.0, MAX_TIMER_MS));
    for signal in signals.iter().flatten() {
        let _ = signal.add_event_listener_with_callback("abort", &resolve);
    }
    let _ = JsFuture::from(promise).await;
    clear_timeout(&timer);
    for signal in signals.iter().flatten() {
        let _ = signal.remove_event_listener_with_callback("abort", &resolve);
    }
    !is_aborted(signals)
}

/// A new `AbortController` and its `abort`, bound: a function to hand to `addEventListener` or
/// `setTimeout` with no Rust closure.
pub(crate) fn controller_with_abort() -> Option<(AbortController, Function)> {
    let controller = AbortController::new().ok()?;
    let abort = get(&controller, "abort")?.dyn_into::<Function>().ok()?;
    let abort = abort.bind0(&controller);
    Some((controller, abort))
}

/// Waits for `value` (a promise or not), or rejects as soon as `signal` aborts.
/// Not `async`: one small function instead of a state machine inlined at each await.
fn until_aborted(value: &JsValue, signal: &AbortSignal) -> JsFuture {
    let stop = Promise::new(&mut |_resolve, reject| {
        if signal.aborted() {
            let _ = reject.call0(&JsValue::UNDEFINED);
        }
        let _ = signal.add_event_listener_with_callback("abort", &reject);
    });
    JsFuture::from(Promise::race(&js_sys::Array::of2(
        &Promise::resolve(value),
        &stop,
    )))
}

//! One attempt through `fetch`, the wait between attempts, and the one retry loop that drives
//! them. Every decision (retry or not, how long to wait) is the core's `RetryConfig::next_step`;
//! this file only does what needs JavaScript: fetch, timers and abort signals.

use super::errors::set;
use super::{clear_timeout, get, new_uuid, now, random, set_timeout};
use crate::error::{int_text, ErrorKind, IntegrationError};
use crate::model::read_server_error;
use crate::retry::{Failure, RetryConfig, Step};
use js_sys::{Function, Object, Promise};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, Response};

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

    fn error(&self, kind: ErrorKind, message: String) -> IntegrationError {
        IntegrationError::new(kind, message, self.correlation_id.as_str())
            .with_account(self.provider.as_deref(), self.account_id.as_deref())
    }

    fn aborted(&self, attempts: u32) -> Failed {
        let mut error = self.error(
            ErrorKind::Aborted,
            [self.operation, " was aborted"].concat(),
        );
        error.attempts = attempts;
        Failed {
            error,
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
            let (failure, mut failed) = match self.attempt(request, &signals).await {
                Attempt::Response { status, text, .. } if (200..300).contains(&status) => {
                    return match parse_json(&text) {
                        Ok(body) => Ok(Reply {
                            body,
                            attempts,
                            status,
                        }),
                        Err(_) => {
                            let mut error = request.error(
                                ErrorKind::InvalidResponse,
                                [
                                    request.operation,
                                    " failed: the HTTP ",
                                    &int_text(status.into()),
                                    " response is not JSON",
                                ]
                                .concat(),
                            );
                            error.attempts = attempts;
                            error.retryable = false;
                            Err(Failed {
                                error: error.with_status(status),
                                details: None,
                            })
                        }
                    };
                }
                Attempt::Response {
                    status,
                    status_text,
                    retry_after,
                    text,
                } => {
                    let failed = self.http_error(request, status, &status_text, &text);
                    (
                        Failure::Status {
                            status,
                            retry_after,
                        },
                        failed,
                    )
                }
                Attempt::Network(detail) => {
                    let message =
                        [request.operation, " failed: network error (", &detail, ")"].concat();
                    let error = request.error(ErrorKind::Network, message);
                    (
                        Failure::Network,
                        Failed {
                            error,
                            details: None,
                        },
                    )
                }
                Attempt::Timeout => {
                    let message = [
                        request.operation,
                        " failed: no response within ",
                        &crate::error::number_text(self.timeout_ms),
                        " ms",
                    ]
                    .concat();
                    let error = request.error(ErrorKind::Timeout, message);
                    (
                        Failure::Timeout,
                        Failed {
                            error,
                            details: None,
                        },
                    )
                }
                Attempt::Aborted => return Err(request.aborted(attempts)),
            };
            match self.retry.next_step(retries, &failure, now(), random()) {
                Step::Retry { wait_ms, .. } => {
                    failed.error.attempts = attempts;
                    on_retry(attempts, wait_ms, &failed);
                    if !sleep_or_abort(wait_ms, &signals).await {
                        return Err(request.aborted(attempts));
                    }
                    retries += 1;
                }
                Step::GiveUp { retry_after_ms } => {
                    failed.error.attempts = attempts;
                    failed.error.retry_after_ms = retry_after_ms;
                    return Err(failed);
                }
            }
        }
    }

    /// The error for a non-2xx response, with what the server said about it.
    fn http_error(
        &self,
        request: &Request,
        status: u16,
        status_text: &str,
        text: &JsValue,
    ) -> Failed {
        let body = parse_json(text).unwrap_or(JsValue::NULL);
        let server = read_server_error(&body);
        let said = server
            .message
            .clone()
            .or_else(|| (!status_text.is_empty()).then(|| status_text.to_owned()))
            .unwrap_or_else(|| "no message".to_owned());
        let message = [
            request.operation,
            " failed with HTTP ",
            &int_text(status.into()),
            ": ",
            &said,
        ]
        .concat();
        let mut error = request.error(ErrorKind::Http, message).with_status(status);
        let details = server.apply_to(&mut error, self.retry.is_retryable_status(status));
        Failed { error, details }
    }

    /// One attempt: fetch and read the body, within the per-attempt timeout.
    async fn attempt(&self, request: &Request, signals: &Signals<'_>) -> Attempt {
        // Its `abort`, bound, is the listener and the timer callback (no Rust closure needed).
        let Some((controller, abort)) = AbortController::new().ok().and_then(|controller| {
            let abort = get(&controller, "abort")?.dyn_into::<Function>().ok()?;
            let abort = abort.bind0(&controller);
            Some((controller, abort))
        }) else {
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

    async fn fetch_and_read(
        &self,
        request: &Request,
        signal: &AbortSignal,
    ) -> Result<Attempt, JsValue> {
        let init = self.init(request, signal);
        let promise =
            self.fetch
                .call2(&super::global(), &JsValue::from_str(&request.url), &init)?;
        let response: Response = JsFuture::from(Promise::resolve(&promise))
            .await?
            .dyn_into()
            .map_err(|_| {
                JsValue::from_str("fetch resolved with something that is not a Response")
            })?;
        let retry_after = response.headers().get("retry-after").ok().flatten();
        let text = JsFuture::from(response.text()?).await?;
        Ok(Attempt::Response {
            status: response.status(),
            status_text: get(&response, "statusText")
                .and_then(|t| t.as_string())
                .unwrap_or_default(),
            retry_after,
            text,
        })
    }

    /// The `RequestInit` of one attempt.
    fn init(&self, request: &Request, signal: &AbortSignal) -> JsValue {
        let init: JsValue = Object::new().into();
        if let Some(caller_init) = &request.caller_init {
            if caller_init.is_object() {
                let _ = Object::assign(
                    init.unchecked_ref::<Object>(),
                    caller_init.unchecked_ref::<Object>(),
                );
            }
            set(&init, "signal", signal);
            return init;
        }
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

/// Reads `{ signal }` from a method's options argument.
pub(crate) fn signal_of(options: &JsValue) -> Result<Option<AbortSignal>, String> {
    match get(options, "signal") {
        None => Ok(None),
        Some(signal) if signal.is_null() => Ok(None),
        Some(signal) => signal
            .dyn_into::<AbortSignal>()
            .map(Some)
            .map_err(|_| "options.signal must be an AbortSignal".to_owned()),
    }
}

//! One request's life: its attempts, each one's timeout, the retry policy's waits, the reply's
//! envelope and shape check, its logs and metric; and who waits for it.

use super::{
    Answer, AttemptId, CallId, Client, Effect, Env, Named, Rejection, RequestId, Response, TimerId,
    Value,
};
use crate::failure;
use crate::json::JsonView;
use crate::log::OperationInfo;
use crate::model::{
    check_connect_response, check_disconnect_response, check_refresh_response,
    check_status_response, Invalid,
};
use crate::retry::{Failure, Step};
use crate::tokens::AccountKey;
use core::ops::Range;

/// What is sent: the same on every attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// The operation's name, for errors and logs (`status`, `connect`, ...).
    pub operation: &'static str,
    /// `GET`, `POST` or `DELETE`.
    pub method: &'static str,
    /// The absolute URL.
    pub url: String,
    /// The headers, in order (none for `fetchWithRetry`, whose `init` is the caller's).
    pub headers: Vec<(String, String)>,
    /// A JSON body.
    pub body: Option<String>,
    /// Sent as `X-Correlation-Id`.
    pub correlation_id: String,
    /// The provider the request is about.
    pub provider: Option<String>,
    /// The account the request is about.
    pub account_id: Option<String>,
}

impl Outgoing {
    /// A request with a fresh correlation id.
    pub fn new(
        env: &mut impl Env,
        operation: &'static str,
        method: &'static str,
        url: String,
    ) -> Self {
        Self {
            operation,
            method,
            url,
            headers: Vec::new(),
            body: None,
            correlation_id: env.uuid(),
            provider: None,
            account_id: None,
        }
    }

    /// The account the request is about, when it is about one.
    pub fn account(&self) -> Option<AccountKey> {
        Some((self.provider.clone()?, self.account_id.clone()?))
    }

    fn info(&self) -> OperationInfo<'_> {
        OperationInfo {
            operation: self.operation,
            correlation_id: &self.correlation_id,
            provider: self.provider.as_deref(),
            account_id: self.account_id.as_deref(),
        }
    }

    /// A core error about this request, after `attempts`.
    fn about(
        &self,
        error: crate::error::IntegrationError,
        attempts: u32,
    ) -> crate::error::IntegrationError {
        let mut error = error.with_account(self.provider.as_deref(), self.account_id.as_deref());
        error.attempts = attempts;
        error
    }
}

/// Which route a request is, and so how its reply is checked and what follows it.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Route<V> {
    /// `GET /status`; `auto_refresh` is false for the revalidation `refreshExpiring` starts.
    Status { auto_refresh: bool },
    /// `POST /connect/{provider}`.
    Connect,
    /// `DELETE /{provider}/{accountId}`, with what its optimistic removal took.
    Disconnect(Option<super::Removal<V>>),
    /// `POST /refresh/{provider}/{accountId}`.
    Refresh,
    /// `fetchWithRetry`: the body as parsed.
    Raw,
}

/// Who waits for a request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Waiter {
    /// A caller.
    Call(CallId),
    /// A `refreshExpiring` batch.
    Batch(u32),
    /// Work nobody awaits (a background revalidation): it keeps the request going.
    Detached,
}

/// A request in flight.
pub(super) struct Request<V> {
    pub id: RequestId,
    pub route: Route<V>,
    pub outgoing: Outgoing,
    /// Attempts made so far.
    pub attempts: u32,
    /// The attempt in flight.
    pub attempt: Option<AttemptId>,
    /// Its timeout, or the backoff wait before the next attempt.
    pub timer: Option<TimerId>,
    pub started: f64,
    /// Shared requests (`status`, `refreshToken`) are aborted when their last waiter leaves;
    /// the others when their one caller leaves.
    pub shared: bool,
    pub waiters: Vec<Waiter>,
    /// Where it stands with its account's Web Lock (refreshes, with several tabs).
    pub lock: super::tabs::Lock,
}

/// How a request ended: its payload and the accounts it names, or its rejection.
pub(super) type Ended<V> = Result<(V, Named), Rejection<V>>;

/// What a request's waiters get: its payload, or its rejection.
pub(super) type Outcome<V> = Result<V, Rejection<V>>;

/// What the other tabs are told of a refresh of `account` that ended so (nothing when it was
/// cancelled).
fn told_of<V: Value>(account: Option<AccountKey>, ended: &Ended<V>) -> Option<super::TabMessage> {
    let account = account?;
    match ended {
        Ok((payload, named)) => Some(super::TabMessage::Refreshed {
            expires_at: named.first()?.expires_at?,
            expires_text: payload.get("expiresAt")?.as_str()?,
            account,
        }),
        Err(rejection) if rejection.error.kind == crate::error::ErrorKind::Aborted => None,
        Err(rejection) => Some(super::TabMessage::Failed {
            terminal: super::is_terminal(&rejection.error),
            account,
        }),
    }
}

/// A 2xx payload's shape check for `route`.
fn check<V, W: JsonView>(route: &Route<V>, payload: &W, env: &impl Env) -> Result<Named, Invalid> {
    match route {
        Route::Status { .. } => check_status_response(payload),
        Route::Connect => {
            check_connect_response(payload)?;
            // The core's check reads the URL's form; the platform's parser must accept it too.
            let url = payload.get("authUrl").and_then(|u| u.as_str());
            match url.is_some_and(|url| env.url_parses(&url)) {
                true => Ok(Vec::new()),
                false => Err(Invalid {
                    path: "authUrl".into(),
                    expected: "an absolute http: or https: URL",
                }),
            }
        }
        Route::Disconnect(_) => check_disconnect_response(payload).map(|()| Vec::new()),
        Route::Refresh => check_refresh_response(payload).map(|account| vec![account]),
        Route::Raw => Ok(Vec::new()),
    }
}

impl<V: Value> Client<V> {
    /// Starts a request: logs its start and sends its first attempt.
    pub(super) fn start(
        &mut self,
        env: &mut impl Env,
        mut outgoing: Outgoing,
        route: Route<V>,
    ) -> RequestId {
        let id = self.id();
        let raw = matches!(route, Route::Raw);
        if !raw {
            outgoing.headers = self.headers_for(env, &outgoing);
            let entry = outgoing.info().started(env.now());
            self.log(entry);
        }
        let shared = matches!(route, Route::Status { .. } | Route::Refresh);
        let lock = self.wants_lock(&route);
        self.requests.push(Request {
            id,
            route,
            outgoing,
            attempts: 0,
            attempt: None,
            timer: None,
            started: env.clock(),
            shared,
            waiters: Vec::new(),
            lock,
        });
        if !self.unsent {
            self.send_or_lock(id);
        }
        id
    }

    /// Request `id` sends its next attempt after `delay_ms`.
    pub(super) fn wait_then_send(&mut self, id: RequestId, delay_ms: f64) {
        let timer = self.id();
        if let Some(request) = self.request_mut(id) {
            request.timer = Some(timer);
        }
        self.set_timer(timer, delay_ms);
    }

    /// Sets `timer` for `delay_ms`, within what the platform's timers take.
    fn set_timer(&mut self, timer: TimerId, delay_ms: f64) {
        self.push(Effect::SetTimer {
            timer,
            delay_ms: delay_ms.clamp(0.0, crate::defaults::MAX_TIMER_MS),
        });
    }

    /// The headers of a request to the integrations API: the caller's, then ours.
    fn headers_for(&self, env: &mut impl Env, outgoing: &Outgoing) -> Vec<(String, String)> {
        let mut headers = self.config.options.headers.clone();
        let mut add = |name: &str, value: String| headers.push((name.to_owned(), value));
        add("Accept", "application/json".into());
        add("X-Correlation-Id", outgoing.correlation_id.clone());
        if outgoing.method != "GET" {
            add("Idempotency-Key", env.uuid());
        }
        if outgoing.body.is_some() {
            add("Content-Type", "application/json".into());
        }
        headers
    }

    /// A waiter for request `id`.
    pub(super) fn hold(&mut self, id: RequestId, waiter: Waiter) {
        if let Some(request) = self.request_mut(id) {
            request.waiters.push(waiter);
        }
    }

    /// A caller waits for request `id`.
    pub(super) fn join(
        &mut self,
        id: RequestId,
        call: CallId,
        operation: &'static str,
        account: Option<AccountKey>,
    ) {
        self.hold(id, Waiter::Call(call));
        self.wait(call, operation, account, super::Waits::Request(id));
    }

    pub(super) fn send_attempt(&mut self, id: RequestId) {
        let attempt = self.id();
        let timeout_ms = self.config.options.timeout_ms;
        let timer = (timeout_ms > 0.0).then(|| self.id());
        let Some(request) = self.request_mut(id) else {
            return;
        };
        request.attempts += 1;
        request.attempt = Some(attempt);
        request.timer = timer;
        self.push(Effect::Send(attempt));
        if let Some(timer) = timer {
            self.set_timer(timer, timeout_ms);
        }
    }

    /// The request whose attempt is `attempt`, its timer cleared: the attempt is over.
    fn end_attempt(&mut self, attempt: AttemptId) -> Option<RequestId> {
        let request = self
            .requests
            .iter_mut()
            .find(|r| r.attempt == Some(attempt))?;
        request.attempt = None;
        let timer = request.timer.take();
        let id = request.id;
        if let Some(timer) = timer {
            self.push(Effect::ClearTimer(timer));
        }
        Some(id)
    }

    /// What attempt `attempt` sends, while it is in flight.
    pub fn outgoing(&self, attempt: AttemptId) -> Option<&Outgoing> {
        let request = self.requests.iter().find(|r| r.attempt == Some(attempt))?;
        Some(&request.outgoing)
    }

    /// The URL and `RequestInit` (but for its `signal`) of attempt `attempt`, while in flight;
    /// no `RequestInit` for `fetchWithRetry`, which sends the caller's.
    pub fn request_init(&self, attempt: AttemptId) -> Option<(&str, Option<V>)> {
        let request = self.requests.iter().find(|r| r.attempt == Some(attempt))?;
        let outgoing = &request.outgoing;
        let credentials = self.config.options.credentials.as_deref();
        let init = match request.route {
            Route::Raw => None,
            _ => Some(super::objects::request_init(outgoing, credentials)),
        };
        Some((&outgoing.url, init))
    }

    /// Whether attempt `attempt`'s response of `status` is checked on its text, so that the
    /// platform should hand the text over (`Response::text`): a 2xx reply of a route with a
    /// check, where the text path is built in (`ON_TEXT`).
    pub fn checks_text(&self, attempt: AttemptId, status: u16) -> bool {
        let request = self.requests.iter().find(|r| r.attempt == Some(attempt));
        super::ON_TEXT
            && (200..300).contains(&status)
            && request.is_some_and(|r| !matches!(r.route, Route::Raw))
    }

    fn request(&self, id: RequestId) -> Option<&Request<V>> {
        self.requests.iter().find(|r| r.id == id)
    }

    fn request_mut(&mut self, id: RequestId) -> Option<&mut Request<V>> {
        self.requests.iter_mut().find(|r| r.id == id)
    }

    /// An attempt's response (its body parsed, or `None` when it is not JSON).
    pub fn response(&mut self, env: &mut impl Env, attempt: AttemptId, response: Response<V>) {
        let Some(id) = self.end_attempt(attempt) else {
            return;
        };
        let Some(request) = self.request(id) else {
            return;
        };
        let (outgoing, attempts) = (&request.outgoing, request.attempts);
        let (op, cid) = (outgoing.operation, outgoing.correlation_id.as_str());
        if (200..300).contains(&response.status) {
            let text = response.text.as_deref();
            let (ended, source) = match response.body {
                Some(body) => self.accept(env, request, body, text, response.status),
                None => {
                    let error = failure::not_json(op, response.status, cid);
                    (Err(outgoing.about(error, attempts).into()), None)
                }
            };
            let source = source.and_then(|range| text?.get(range));
            return self.finish_with(env, id, ended, response.status, source);
        }
        let body = response.body.unwrap_or_else(V::null);
        let retryable = self
            .config
            .options
            .retry
            .is_retryable_status(response.status);
        let (error, details) = failure::http(
            op,
            response.status,
            &response.status_text,
            &body,
            retryable,
            cid,
        );
        let rejection = Rejection { error, details };
        let failure = Failure::Status {
            status: response.status,
            retry_after: response.retry_after,
        };
        self.failed_attempt(env, id, failure, rejection);
    }

    /// An attempt's `fetch` rejected: `detail` says how (`fetch failed (ECONNRESET)`).
    pub fn network_error(&mut self, env: &mut impl Env, attempt: AttemptId, detail: &str) {
        let Some(id) = self.end_attempt(attempt) else {
            return;
        };
        let Some(request) = self.request(id) else {
            return;
        };
        let outgoing = &request.outgoing;
        let error = failure::network(outgoing.operation, detail, &outgoing.correlation_id);
        self.failed_attempt(env, id, Failure::Network, error.into());
    }

    /// A request's timer fired: its attempt timed out, or its backoff wait is over. False when
    /// the timer is no request's.
    pub(super) fn request_timer(&mut self, env: &mut impl Env, timer: TimerId) -> bool {
        let Some(request) = self.requests.iter_mut().find(|r| r.timer == Some(timer)) else {
            return false;
        };
        request.timer = None;
        let id = request.id;
        match request.attempt.take() {
            Some(attempt) => {
                let outgoing = &request.outgoing;
                let error = failure::timeout(
                    outgoing.operation,
                    self.config.options.timeout_ms,
                    &outgoing.correlation_id,
                );
                self.push(Effect::Abort(attempt));
                self.failed_attempt(env, id, Failure::Timeout, error.into());
            }
            None => self.send_or_lock(id),
        }
        true
    }

    /// The retry policy decides after a failed attempt: wait and try again, or give up. The
    /// rejection's error is made about the request here.
    fn failed_attempt(
        &mut self,
        env: &mut impl Env,
        id: RequestId,
        failure: Failure,
        mut rejection: Rejection<V>,
    ) {
        let Some(request) = self.request(id) else {
            return;
        };
        let attempts = request.attempts;
        rejection.error = request.outgoing.about(rejection.error, attempts);
        let step =
            self.config
                .options
                .retry
                .next_step(attempts - 1, &failure, env.now(), env.random());
        if let (Route::Refresh, Some(provider)) = (&request.route, &request.outgoing.provider) {
            let (told, backoff_ms) = match step {
                Step::Retry {
                    wait_ms,
                    retry_after_ms,
                } => (retry_after_ms, wait_ms),
                Step::GiveUp { retry_after_ms } => (
                    retry_after_ms,
                    self.config.options.retry.base_delay(attempts - 1),
                ),
            };
            let provider = provider.clone();
            self.maybe_pause(env, &provider, &failure, told, backoff_ms);
        }
        let Some(request) = self.request(id) else {
            return;
        };
        match step {
            Step::Retry { wait_ms, .. } => {
                if !matches!(request.route, Route::Raw) {
                    let entry = request.outgoing.info().retrying(
                        attempts,
                        wait_ms,
                        &rejection.error,
                        env.now(),
                    );
                    self.log(entry);
                }
                self.wait_then_send(id, wait_ms);
            }
            Step::GiveUp { retry_after_ms } => {
                rejection.error.retry_after_ms = retry_after_ms;
                let status = rejection.error.status_code.unwrap_or(0);
                self.finish(env, id, Err(rejection), status);
            }
        }
    }

    /// A 2xx reply's payload, unwrapped from its envelope and checked by the route: on the
    /// body's text when there is one (in wasm memory, no crossing per field), else on `body`;
    /// with a status payload's own text, when it was checked there.
    fn accept(
        &self,
        env: &impl Env,
        request: &Request<V>,
        body: V,
        text: Option<&str>,
        status: u16,
    ) -> (Ended<V>, Option<Range<usize>>) {
        let (outgoing, attempts) = (&request.outgoing, request.attempts);
        if matches!(request.route, Route::Raw) {
            return (Ok((body, Vec::new())), None);
        }
        let cid = outgoing.correlation_id.as_str();
        let payload = match failure::unwrap_envelope(body, outgoing.operation, status, cid) {
            Ok(payload) => payload,
            Err((error, details)) => {
                let error = outgoing.about(error, attempts);
                return (Err(Rejection { error, details }), None);
            }
        };
        // The text, when it is JSON (`body` says it is: the tape accepts what `JSON.parse` does).
        let tape = text
            .filter(|_| super::ON_TEXT)
            .and_then(|t| crate::tape::parse(t).ok());
        let view = tape.as_ref().and_then(|t| failure::payload(t.root()));
        let (checked, source) = match view {
            Some(view) => {
                let status_route = matches!(request.route, Route::Status { .. });
                let source = view.source_range().filter(|_| status_route);
                (check(&request.route, &view, env), source)
            }
            None => (check(&request.route, &payload, env), None),
        };
        match checked {
            Ok(named) => (Ok((payload, named)), source),
            Err(invalid) => {
                let error =
                    failure::invalid_response("The response", &invalid, cid).with_status(status);
                (Err(outgoing.about(error, attempts).into()), None)
            }
        }
    }

    /// Aborts request `id`: the attempt in flight or the backoff wait. It ends `aborted`.
    pub(super) fn cancel(&mut self, env: &mut impl Env, id: RequestId) {
        let Some(request) = self.request_mut(id) else {
            return;
        };
        let (attempt, timer) = (request.attempt.take(), request.timer.take());
        let outgoing = &request.outgoing;
        let error = failure::aborted(outgoing.operation, &outgoing.correlation_id);
        let rejection = outgoing.about(error, request.attempts).into();
        if let Some(attempt) = attempt {
            self.push(Effect::Abort(attempt));
        }
        if let Some(timer) = timer {
            self.push(Effect::ClearTimer(timer));
        }
        self.finish(env, id, Err(rejection), 0);
    }

    /// A request ended: logged and measured, then its route's consequences and its waiters.
    pub(super) fn finish(
        &mut self,
        env: &mut impl Env,
        id: RequestId,
        ended: Ended<V>,
        status: u16,
    ) {
        self.finish_with(env, id, ended, status, None);
    }

    /// [`Client::finish`], with a status payload's text in its response (see `accept`).
    fn finish_with(
        &mut self,
        env: &mut impl Env,
        id: RequestId,
        ended: Ended<V>,
        status: u16,
        source: Option<&str>,
    ) {
        let Some(at) = self.requests.iter().position(|r| r.id == id) else {
            return;
        };
        let request = self.requests.remove(at);
        let ended = ended.map_err(|rejection| self.redacted(rejection));
        if !matches!(request.route, Route::Raw) {
            self.observe(env, &request, &ended, status);
        }
        let mut calls: Vec<CallId> = Vec::new();
        for waiter in &request.waiters {
            if let Waiter::Call(call) = waiter {
                calls.push(*call);
            }
        }
        let auto_refresh = matches!(request.route, Route::Status { auto_refresh: true });
        // What the other tabs are told of a refresh; told once its end has been taken in.
        let told = matches!(request.route, Route::Refresh)
            .then(|| told_of(request.outgoing.account(), &ended));
        let outcome = self.after(env, request.route, &request.outgoing, ended, source);
        if let Some(message) = told {
            self.refresh_told(id, request.lock, message);
        }
        self.settle(calls, outcome.clone().map(Answer::Value));
        for waiter in &request.waiters {
            if let Waiter::Batch(batch) = waiter {
                self.batch_step(env, *batch, &outcome);
            }
        }
        if auto_refresh && outcome.is_ok() && self.config.options.auto_refresh && !self.disposed {
            // Failures are logged by each refresh; auto-refresh never rejects anywhere.
            self.refresh_expiring(env, None);
        }
    }

    /// The end of a request in its log and metric.
    fn observe(&mut self, env: &mut impl Env, request: &Request<V>, ended: &Ended<V>, status: u16) {
        let info = request.outgoing.info();
        let duration_ms = env.clock() - request.started;
        let (entry, attempts, status) = match ended {
            Ok(_) => {
                let mut entry = info.succeeded(request.attempts, status, duration_ms, env.now());
                // 0: ended with what another tab told, without a response of its own.
                let status = (status != 0).then_some(status);
                entry.status_code = status;
                (entry, request.attempts, status)
            }
            Err(rejection) => {
                let error = &rejection.error;
                let entry = info.failure(error, duration_ms, env.now());
                (entry, error.attempts, error.status_code)
            }
        };
        let metric = info.metric(ended.is_ok(), duration_ms, attempts, status);
        self.log(entry);
        self.metric(metric);
    }
}

/// A short description of why `fetch` failed (what it threw or rejected with): its message, and
/// Node's `cause.code` where present (`fetch failed (ECONNRESET)`).
pub fn describe_network_error<V: JsonView>(error: &V) -> String {
    let message = error.get("message").and_then(|m| m.as_str());
    let message = message.or_else(|| error.as_str());
    let code = error.get("cause").and_then(|c| c.get("code")?.as_str());
    let message = message.unwrap_or_else(|| "fetch failed".to_owned());
    match code {
        Some(code) => [&message, " (", &code, ")"].concat(),
        None => message,
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::describe_network_error;
    use crate::client::Response;
    use serde_json::json;

    #[test]
    fn a_response_has_an_integer_status_from_0_to_999() {
        let head = |response: serde_json::Value| Response::<()>::head(&response, None);
        let ok = head(json!({ "status": 503, "statusText": "Unavailable" })).unwrap();
        assert_eq!((ok.status, ok.status_text.as_str()), (503, "Unavailable"));
        assert_eq!(
            head(json!({ "status": 0 })).map(|r| r.status_text),
            Some(String::new())
        );
        for status in [
            json!(1000),
            json!(-1),
            json!(200.5),
            json!("200"),
            json!(null),
        ] {
            assert!(head(json!({ "status": status })).is_none(), "{status}");
        }
    }

    #[test]
    fn a_network_error_is_its_message_and_nodes_cause_code() {
        let node = json!({ "message": "fetch failed", "cause": { "code": "ECONNRESET" } });
        assert_eq!(describe_network_error(&node), "fetch failed (ECONNRESET)");
        let browser = json!({ "message": "Failed to fetch", "cause": 5 });
        assert_eq!(describe_network_error(&browser), "Failed to fetch");
        assert_eq!(describe_network_error(&json!("refused")), "refused");
        assert_eq!(describe_network_error(&json!(null)), "fetch failed");
    }
}

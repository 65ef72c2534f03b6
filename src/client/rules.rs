//! One native test per rule of the core (API.md §6–§9): what a user of the client sees — the
//! requests on the wire, the log entries and metrics, the settle order — pinned on a virtual
//! clock. The harness records every effect, the attempts in flight and the timers pending.

use super::testing::{ok, status_body, status_code, SimEnv, J};
use super::*;
use crate::error::{ErrorKind, REDACTED};
use crate::log::Level;
use crate::retry::Jitter;
use crate::tokens::TokenEntry;
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;

const ROOT: &str = "https://app.example/api/integrations";
/// `SimEnv`'s clock at the start.
const T0: EpochMs = 1_700_000_000_000;
/// T0 + 60 s: within the refresh window.
const SOON: &str = "2023-11-14T22:14:20Z";
const FAR: &str = "2030-01-01T00:00:00Z";
const FAR_MS: EpochMs = 1_893_456_000_000;

/// The defaults, with no jitter and no auto-refresh unless a test turns it on.
fn config() -> Config {
    let mut config = Config::with_root(ROOT);
    config.options.retry.jitter = Jitter::None;
    config.options.auto_refresh = false;
    config
}

/// The client, its clock, and everything it asked for so far.
struct H {
    c: Client<J>,
    env: SimEnv,
    /// Every effect, in order.
    all: Vec<Effect<J>>,
    /// What each attempt sent.
    sent: Vec<(AttemptId, Outgoing)>,
    /// Attempts sent and neither answered nor aborted.
    open: Vec<AttemptId>,
    /// Timers set and neither cleared nor fired, with when they fall due.
    timers: BTreeMap<TimerId, EpochMs>,
}

impl H {
    fn new(config: Config) -> Self {
        Self {
            c: Client::new(config),
            env: SimEnv::new(7),
            all: Vec::new(),
            sent: Vec::new(),
            open: Vec::new(),
            timers: BTreeMap::new(),
        }
    }

    /// Answers the one open attempt with a 503 and waits out the backoff (1 s, no jitter): the
    /// retry's attempt.
    fn retried_after_503(&mut self) -> AttemptId {
        let attempt = self.only_open();
        self.respond(attempt, status_code(503, None));
        self.advance(1000);
        self.only_open()
    }

    /// Drains the effects, keeping track of attempts and timers.
    fn pump(&mut self) -> Vec<Effect<J>> {
        let mut out = Vec::new();
        while let Some(effect) = self.c.next_effect() {
            match &effect {
                Effect::Send(attempt) => {
                    let outgoing = self.c.outgoing(*attempt).expect("what it sends").clone();
                    self.sent.push((*attempt, outgoing));
                    self.open.push(*attempt);
                }
                Effect::Abort(attempt) => {
                    assert!(self.open.contains(attempt), "abort of {attempt}: not open");
                    self.open.retain(|a| a != attempt);
                }
                Effect::SetTimer { timer, delay_ms } => {
                    let due = self.env.now + *delay_ms as i64;
                    assert!(self.timers.insert(*timer, due).is_none(), "timer set twice");
                }
                Effect::ClearTimer(timer) => {
                    self.timers.remove(timer);
                }
                _ => {}
            }
            self.all.push(effect.clone());
            out.push(effect);
        }
        out
    }

    fn call(&mut self, call: CallId, what: Call) -> Vec<Effect<J>> {
        self.c.call(&mut self.env, call, what);
        self.pump()
    }

    fn respond(&mut self, attempt: AttemptId, response: Response<J>) -> Vec<Effect<J>> {
        assert!(
            self.open.contains(&attempt),
            "attempt {attempt} is not open"
        );
        self.open.retain(|a| *a != attempt);
        self.c.response(&mut self.env, attempt, response);
        self.pump()
    }

    fn network_error(&mut self, attempt: AttemptId) -> Vec<Effect<J>> {
        assert!(
            self.open.contains(&attempt),
            "attempt {attempt} is not open"
        );
        self.open.retain(|a| *a != attempt);
        self.c
            .network_error(&mut self.env, attempt, "fetch failed (ECONNRESET)");
        self.pump()
    }

    fn leave(&mut self, call: CallId) -> Vec<Effect<J>> {
        self.c.leave(&mut self.env, call);
        self.pump()
    }

    /// Fires a pending timer, the clock moved to when it falls due.
    fn fire(&mut self, timer: TimerId) -> Vec<Effect<J>> {
        let due = self.timers.remove(&timer).expect("a pending timer");
        self.env.now = self.env.now.max(due);
        self.c.timer(&mut self.env, timer);
        self.pump()
    }

    /// Lets `ms` pass, firing the timers that fall due, in order.
    fn advance(&mut self, ms: i64) -> Vec<Effect<J>> {
        let until = self.env.now + ms;
        let mut out = Vec::new();
        loop {
            let next = self
                .timers
                .iter()
                .filter(|(_, due)| **due <= until)
                .min_by_key(|(timer, due)| (**due, **timer))
                .map(|(timer, _)| *timer);
            match next {
                Some(timer) => out.extend(self.fire(timer)),
                None => break,
            }
        }
        self.env.now = until;
        out
    }

    fn subscribe(&mut self) -> Vec<Effect<J>> {
        self.c.subscribe(&mut self.env);
        self.pump()
    }

    fn unsubscribe(&mut self) -> Vec<Effect<J>> {
        self.c.unsubscribe();
        self.pump()
    }

    fn focus(&mut self) -> Vec<Effect<J>> {
        self.c.focus(&mut self.env);
        self.pump()
    }

    fn visibility(&mut self, visible: bool) -> Vec<Effect<J>> {
        self.env.visible = visible;
        self.c.visibility(&mut self.env);
        self.pump()
    }

    fn outgoing(&self, attempt: AttemptId) -> &Outgoing {
        &self
            .sent
            .iter()
            .find(|(a, _)| *a == attempt)
            .expect("sent")
            .1
    }

    fn url(&self, attempt: AttemptId) -> &str {
        &self.outgoing(attempt).url
    }

    /// The one attempt in flight.
    fn only_open(&self) -> AttemptId {
        assert_eq!(self.open.len(), 1, "attempts in flight: {:?}", self.open);
        self.open[0]
    }

    /// The attempts in flight whose URL ends with `suffix`.
    fn open_to(&self, suffix: &str) -> Vec<AttemptId> {
        let open = self.open.iter().copied();
        open.filter(|a| self.url(*a).ends_with(suffix)).collect()
    }

    /// Attempts sent so far (all of them) whose URL ends with `suffix`.
    fn sent_to(&self, suffix: &str) -> usize {
        let sent = self.sent.iter();
        sent.filter(|(_, o)| o.url.ends_with(suffix)).count()
    }

    fn set_token(&mut self, provider: &str, account_id: &str, access: &str, expires_at: EpochMs) {
        let entry = TokenEntry {
            access_token: access.to_owned(),
            refresh_token: None,
            expires_at,
        };
        let mut tokens = self.c.tokens().borrow_mut();
        tokens.set(provider, account_id, entry).unwrap();
    }

    /// A status call answered with `body`: the data the store then holds.
    fn load(&mut self, call: CallId, body: Json) -> J {
        self.call(call, Call::Status { force: true });
        let attempt = *self.open_to("/status").last().expect("a status request");
        let effects = self.respond(attempt, ok(body));
        assert!(resolved(&effects, call) != Answer::Nothing);
        self.c.view().data.cloned().expect("data")
    }
}

// --- reading effects -------------------------------------------------------------------------

fn sends(effects: &[Effect<J>]) -> Vec<AttemptId> {
    let sends = effects.iter().filter_map(|e| match e {
        Effect::Send(attempt) => Some(*attempt),
        _ => None,
    });
    sends.collect()
}

type Outcome = Result<Answer<J>, Rejection<J>>;

fn settles(effects: &[Effect<J>]) -> Vec<(Vec<CallId>, Outcome)> {
    let settles = effects.iter().filter_map(|e| match e {
        Effect::Settle { calls, outcome } => Some((calls.clone(), outcome.clone())),
        _ => None,
    });
    settles.collect()
}

fn outcome(effects: &[Effect<J>], call: CallId) -> Outcome {
    let mut found = settles(effects)
        .into_iter()
        .filter(|(c, _)| c.contains(&call));
    let (_, outcome) = found
        .next()
        .unwrap_or_else(|| panic!("call {call} settled"));
    assert!(found.next().is_none(), "call {call} settled twice");
    outcome
}

fn resolved(effects: &[Effect<J>], call: CallId) -> Answer<J> {
    match outcome(effects, call) {
        Ok(answer) => answer,
        Err(r) => panic!("call {call} rejected: {}", r.error.message),
    }
}

fn rejected(effects: &[Effect<J>], call: CallId) -> Rejection<J> {
    outcome(effects, call).expect_err("a rejection")
}

fn logs(effects: &[Effect<J>]) -> Vec<crate::log::LogEntry> {
    let logs = effects.iter().filter_map(|e| match e {
        Effect::Log(entry) => Some(entry.clone()),
        _ => None,
    });
    logs.collect()
}

fn metrics(effects: &[Effect<J>]) -> Vec<Metric> {
    let metrics = effects.iter().filter_map(|e| match e {
        Effect::Metric(metric) => Some(metric.clone()),
        _ => None,
    });
    metrics.collect()
}

fn set_timers(effects: &[Effect<J>]) -> Vec<f64> {
    let delays = effects.iter().filter_map(|e| match e {
        Effect::SetTimer { delay_ms, .. } => Some(*delay_ms),
        _ => None,
    });
    delays.collect()
}

fn header<'a>(outgoing: &'a Outgoing, name: &str) -> Option<&'a str> {
    let mut headers = outgoing.headers.iter();
    headers.find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

fn json_of(value: &J) -> Json {
    (*value.0).clone()
}

fn value(answer: Answer<J>) -> Json {
    match answer {
        Answer::Value(v) => json_of(&v),
        other => panic!("not a value: {other:?}"),
    }
}

fn refresh_body(provider: &str, account_id: &str, expires_at: &str) -> Json {
    json!({ "success": true, "provider": provider, "accountId": account_id, "expiresAt": expires_at })
}

fn disconnect_body(provider: &str, account_id: &str) -> Json {
    json!({ "success": true, "provider": provider, "accountId": account_id, "message": "Disconnected" })
}

fn connect_body() -> Json {
    json!({ "authUrl": "https://provider.example/oauth?state=s", "state": "s", "expiresAt": FAR })
}

fn error_response(status: u16, body: Json) -> Response<J> {
    Response {
        status,
        status_text: String::new(),
        retry_after: None,
        body: Some(J::new(body)),
        text: None,
    }
}

/// `connect(provider)` without a redirect.
fn connect(provider: &str) -> Call {
    Call::Connect {
        provider: provider.to_owned(),
        redirect_uri: None,
    }
}

fn key(provider: &str, account_id: &str) -> AccountKey {
    (provider.to_owned(), account_id.to_owned())
}

// --- 1. an operation's life in logs and metrics ---------------------------------------------

#[test]
fn an_operation_logs_start_retry_and_success_and_emits_one_metric() {
    let mut config = config();
    config.options.log_level = Level::Debug;
    config.metrics = true;
    let mut h = H::new(config);
    h.call(1, Call::Status { force: false });
    let first = h.only_open();
    let cid = header(h.outgoing(first), "X-Correlation-Id")
        .unwrap()
        .to_owned();
    let second = h.retried_after_503();
    let effects = h.respond(second, ok(status_body(&[("instagram", "a", FAR)])));
    assert!(matches!(outcome(&effects, 1), Ok(Answer::Value(_))));

    let logs = logs(&h.all);
    let shown: Vec<(Level, &str)> = logs.iter().map(|e| (e.level, e.message.as_str())).collect();
    assert_eq!(
        shown,
        [
            (Level::Debug, "status started"),
            (
                Level::Info,
                "attempt 1 failed, retrying: status failed with HTTP 503: busy"
            ),
            (Level::Debug, "status succeeded"),
        ]
    );
    let retry = &logs[1];
    assert_eq!(
        (
            retry.attempt,
            retry.status_code,
            retry.retry_in_ms,
            retry.error_kind
        ),
        (Some(1), Some(503), Some(1000.0), Some("http"))
    );
    let done = &logs[2];
    assert_eq!(
        (done.attempt, done.status_code, done.duration_ms),
        (Some(2), Some(200), Some(1000.0))
    );
    assert_eq!((logs[0].timestamp, done.timestamp), (T0, T0 + 1000));
    for entry in &logs {
        assert_eq!(entry.operation, "status");
        assert_eq!(entry.correlation_id.as_deref(), Some(cid.as_str()));
    }
    assert_eq!(
        metrics(&h.all),
        [Metric {
            operation: "status",
            success: true,
            duration_ms: 1000.0,
            attempts: 2,
            cached: false,
            correlation_id: cid,
            status_code: Some(200),
            provider: None,
            account_id: None,
        }]
    );
}

#[test]
fn at_log_level_info_retries_show_but_starts_and_successes_do_not() {
    let mut config = config();
    config.options.log_level = Level::Info;
    let mut h = H::new(config);
    h.call(1, Call::Status { force: false });
    let second = h.retried_after_503();
    h.respond(second, ok(status_body(&[])));
    let shown: Vec<_> = logs(&h.all)
        .into_iter()
        .map(|e| (e.level, e.message))
        .collect();
    assert_eq!(
        shown,
        [(
            Level::Info,
            "attempt 1 failed, retrying: status failed with HTTP 503: busy".to_owned()
        )]
    );
}

#[test]
fn with_log_level_warn_only_failures_are_logged() {
    let mut config = config();
    config.options.log_level = Level::Warn;
    let mut h = H::new(config);
    // A success after a retry: nothing at `warn`.
    h.call(1, Call::Status { force: false });
    let second = h.retried_after_503();
    h.respond(second, ok(status_body(&[])));
    assert_eq!(logs(&h.all), []);
    // A failure after every retry: one entry, at `warn` (retrying could fix it).
    h.call(2, Call::Status { force: true });
    for n in 0..4 {
        let attempt = h.only_open();
        h.respond(attempt, status_code(503, None));
        if n < 3 {
            h.advance(5000);
        }
    }
    let error = rejected(&h.all, 2).error;
    assert_eq!((error.attempts, error.status_code), (4, Some(503)));
    let logs = logs(&h.all);
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert_eq!(
        (logs[0].level, logs[0].message.as_str()),
        (Level::Warn, "status failed with HTTP 503: busy")
    );
    assert_eq!(
        (logs[0].attempt, logs[0].status_code, logs[0].error_kind),
        (Some(4), Some(503), Some("http"))
    );
}

#[test]
fn a_fixable_failure_logs_warn_an_unfixable_one_error_and_an_aborted_one_info() {
    let mut config = config();
    config.options.log_level = Level::Info;
    config.options.retry.max_retries = 0;
    let run = |act: &dyn Fn(&mut H)| {
        let mut h = H::new(config.clone());
        act(&mut h);
        logs(&h.all)
            .into_iter()
            .map(|e| (e.level, e.message, e.error_kind))
            .collect::<Vec<_>>()
    };
    let retryable = run(&|h| {
        h.call(1, Call::Status { force: false });
        let attempt = h.only_open();
        h.network_error(attempt);
    });
    assert_eq!(
        retryable,
        [(
            Level::Warn,
            "status failed: network error (fetch failed (ECONNRESET))".to_owned(),
            Some("network")
        )]
    );
    let not_retryable = run(&|h| {
        h.call(1, connect("instagram"));
        let attempt = h.only_open();
        h.respond(attempt, status_code(404, None));
    });
    assert_eq!(
        not_retryable,
        [(
            Level::Error,
            "connect failed with HTTP 404: busy".to_owned(),
            Some("http")
        )]
    );
    let aborted = run(&|h| {
        h.call(1, connect("instagram"));
        h.leave(1);
    });
    assert_eq!(
        aborted,
        [(
            Level::Info,
            "connect was aborted".to_owned(),
            Some("aborted")
        )]
    );
}

#[test]
fn without_metrics_no_metric_is_emitted_and_nothing_else_changes() {
    let scenario = |metrics: bool| {
        let mut config = config();
        config.metrics = metrics;
        config.options.log_level = Level::Debug;
        let mut h = H::new(config);
        h.set_token("instagram", "a", "tok-a", T0 + 60_000);
        h.load(1, status_body(&[("instagram", "a", FAR)]));
        h.call(2, Call::Status { force: false }); // cached
        h.call(3, connect("tiktok"));
        let attempt = h.only_open();
        h.respond(attempt, status_code(400, None));
        h.call(4, Call::RefreshExpiring);
        let attempt = h.only_open();
        h.respond(attempt, ok(refresh_body("instagram", "a", FAR)));
        let attempt = h.only_open();
        h.respond(attempt, ok(status_body(&[("instagram", "a", FAR)])));
        h.all
    };
    let with = scenario(true);
    let without = scenario(false);
    // status, cached status, connect, refreshToken, status, refreshExpiring.
    assert_eq!(metrics(&with).len(), 6, "{:?}", metrics(&with));
    assert_eq!(metrics(&without), []);
    let rest: Vec<_> = with
        .into_iter()
        .filter(|e| !matches!(e, Effect::Metric(_)))
        .collect();
    assert_eq!(rest, without);
}

// --- 2. retry --------------------------------------------------------------------------------

#[test]
fn a_429_with_retry_after_2_waits_at_least_2000_ms() {
    let mut config = config();
    config.options.retry.jitter = Jitter::Full;
    let mut h = H::new(config);
    h.call(1, Call::Status { force: false });
    let first = h.only_open();
    let effects = h.respond(first, status_code(429, Some("2")));
    let waits = set_timers(&effects);
    assert_eq!(waits.len(), 1);
    assert!(waits[0] >= 2000.0, "waits {}", waits[0]);
    assert!(sends(&h.advance(1999)).is_empty());
    assert_eq!(sends(&h.advance(1)).len(), 1);
    assert_eq!(h.sent_to("/status"), 2);
}

#[test]
fn a_retry_after_beyond_max_retry_after_fails_at_once_with_retry_after_ms() {
    let mut config = config();
    config.options.retry.max_retry_after = 5000.0;
    let mut h = H::new(config);
    h.call(1, Call::Status { force: false });
    let first = h.only_open();
    let effects = h.respond(first, status_code(429, Some("6")));
    let error = rejected(&effects, 1).error;
    assert_eq!(
        (
            error.kind,
            error.status_code,
            error.attempts,
            error.retry_after_ms
        ),
        (ErrorKind::Http, Some(429), 1, Some(6000.0))
    );
    assert!(h.timers.is_empty(), "nothing is waited for: {:?}", h.timers);
    assert_eq!(h.sent.len(), 1);
    // Within the cap, it is waited for.
    h.call(2, Call::Status { force: false });
    let attempt = h.only_open();
    let effects = h.respond(attempt, status_code(429, Some("5")));
    assert_eq!(set_timers(&effects), [5000.0]);
    assert!(settles(&effects).is_empty());
}

#[test]
fn network_errors_and_timeouts_are_retried() {
    let mut h = H::new(config());
    h.call(1, Call::Status { force: false });
    let first = h.only_open();
    h.network_error(first);
    h.advance(1000);
    let second = h.only_open();
    // The attempt's timeout fires: it is aborted, and retried.
    let effects = h.advance(10_000);
    assert!(effects.contains(&Effect::Abort(second)));
    assert!(sends(&effects).is_empty(), "the backoff comes first");
    h.advance(2000);
    let third = h.only_open();
    let effects = h.respond(third, ok(status_body(&[])));
    assert!(matches!(outcome(&effects, 1), Ok(Answer::Value(_))));
    assert_eq!(h.sent_to("/status"), 3);
    assert!(h.timers.is_empty(), "{:?}", h.timers);
}

#[test]
fn a_timeout_fails_with_its_text_once_retries_are_spent() {
    let mut config = config();
    config.options.retry.max_retries = 0;
    config.options.timeout_ms = 2500.0;
    let mut h = H::new(config);
    h.call(1, Call::Status { force: false });
    let attempt = h.only_open();
    let effects = h.advance(2499);
    assert!(effects.is_empty());
    let effects = h.advance(1);
    assert!(effects.contains(&Effect::Abort(attempt)));
    let error = rejected(&effects, 1).error;
    assert_eq!(error.message, "status failed: no response within 2500 ms");
    assert_eq!(
        (error.kind, error.retryable, error.attempts),
        (ErrorKind::Timeout, true, 1)
    );
}

#[test]
fn non_retryable_4xx_fail_after_one_attempt() {
    for status in [400, 401, 403, 404, 409, 422] {
        let mut h = H::new(config());
        h.call(1, Call::Status { force: false });
        let attempt = h.only_open();
        let effects = h.respond(attempt, status_code(status, Some("1")));
        let error = rejected(&effects, 1).error;
        assert_eq!(
            (error.status_code, error.attempts, error.retryable),
            (Some(status), 1, false),
            "HTTP {status}"
        );
        assert_eq!(h.sent.len(), 1, "HTTP {status}");
        assert!(h.timers.is_empty(), "HTTP {status}");
    }
}

#[test]
fn every_attempt_of_a_post_carries_the_same_correlation_id_and_idempotency_key() {
    let mut config = config();
    config.metrics = true;
    let mut h = H::new(config);
    let connect = |provider: &str| Call::Connect {
        provider: provider.to_owned(),
        redirect_uri: Some("https://app.example/back".into()),
    };
    h.call(1, connect("instagram"));
    let a1 = h.only_open();
    h.respond(a1, status_code(503, None));
    h.advance(1000);
    let a2 = h.only_open();
    h.network_error(a2);
    h.advance(2000);
    let a3 = h.only_open();
    h.advance(10_000); // its timeout
    h.advance(4000);
    let a4 = h.only_open();
    let effects = h.respond(a4, ok(connect_body()));
    assert!(matches!(outcome(&effects, 1), Ok(Answer::Value(_))));

    let attempts = [a1, a2, a3, a4].map(|a| h.outgoing(a).clone());
    let ids = attempts
        .clone()
        .map(|o| header(&o, "X-Correlation-Id").map(str::to_owned));
    let keys = attempts
        .clone()
        .map(|o| header(&o, "Idempotency-Key").map(str::to_owned));
    assert!(ids[0].is_some() && keys[0].is_some());
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
    assert_ne!(ids[0], keys[0]);
    assert_eq!(
        attempts[0].body.as_deref(),
        Some("{\"redirectUri\":\"https://app.example/back\"}")
    );
    assert_eq!(
        header(&attempts[0], "Content-Type"),
        Some("application/json")
    );
    let metric = &metrics(&h.all)[0];
    assert_eq!(Some(&metric.correlation_id), ids[0].as_ref());
    assert_eq!(metric.attempts, 4);
    // Another operation: another correlation id and key.
    h.call(2, connect("instagram"));
    let other = h.outgoing(h.only_open()).clone();
    assert_ne!(header(&other, "X-Correlation-Id"), ids[0].as_deref());
    assert_ne!(header(&other, "Idempotency-Key"), keys[0].as_deref());
}

// --- 3. the envelope -------------------------------------------------------------------------

#[test]
fn a_success_envelope_is_unwrapped() {
    let mut h = H::new(config());
    h.call(1, Call::Status { force: false });
    let attempt = h.only_open();
    let data = status_body(&[("instagram", "a", FAR)]);
    let body = json!({ "success": true, "correlationId": "srv-1", "data": data });
    let effects = h.respond(attempt, ok(body));
    assert_eq!(value(resolved(&effects, 1)), data);
    assert_eq!(json_of(h.c.view().data.unwrap()), data);
}

#[test]
fn a_failure_envelope_is_an_http_error_and_not_retried() {
    let mut h = H::new(config());
    h.call(1, Call::Status { force: false });
    let attempt = h.only_open();
    let body = json!({ "success": false, "correlationId": "srv-1",
        "error": { "message": "nope", "details": { "why": "x" } } });
    let effects = h.respond(attempt, ok(body));
    let rejection = rejected(&effects, 1);
    let error = rejection.error;
    assert_eq!(
        error.message,
        "status failed: the server answered success: false: nope"
    );
    assert_eq!(
        (
            error.kind,
            error.status_code,
            error.retryable,
            error.attempts
        ),
        (ErrorKind::Http, Some(200), false, 1)
    );
    assert_eq!(
        rejection.details.map(|d| json_of(&d)),
        Some(json!({ "why": "x" }))
    );
    assert_eq!(h.sent.len(), 1);
    assert!(h.timers.is_empty());
}

#[test]
fn a_2xx_body_that_is_not_json_is_invalid_response_and_not_retried() {
    let mut h = H::new(config());
    h.call(1, Call::Status { force: false });
    let attempt = h.only_open();
    let response = Response {
        status: 200,
        status_text: "OK".into(),
        retry_after: None,
        body: None,
        text: None,
    };
    let effects = h.respond(attempt, response);
    let error = rejected(&effects, 1).error;
    assert_eq!(
        (error.kind, error.status_code, error.retryable),
        (ErrorKind::InvalidResponse, Some(200), false)
    );
    assert_eq!(
        error.message,
        "status failed: the HTTP 200 response is not JSON"
    );
    assert_eq!(h.sent.len(), 1);
    assert!(h.timers.is_empty());
}

#[test]
fn a_payload_of_the_wrong_shape_is_invalid_response_with_its_path() {
    let mut h = H::new(config());
    h.call(1, Call::Status { force: false });
    let attempt = h.only_open();
    let mut body = status_body(&[("instagram", "a", FAR), ("tiktok", "b", FAR)]);
    body["integrations"][1]["provider"] = json!(5);
    let effects = h.respond(attempt, ok(body));
    let error = rejected(&effects, 1).error;
    assert_eq!(
        (error.kind, error.path.as_deref(), error.retryable),
        (
            ErrorKind::InvalidResponse,
            Some("integrations[1].provider"),
            false
        )
    );
    assert_eq!(h.sent.len(), 1);
    let snapshot = h.c.view();
    assert!(snapshot.data.is_none());
    assert_eq!(
        snapshot.error.map(|r| r.error.kind),
        Some(ErrorKind::InvalidResponse)
    );
    // An authUrl that is no http(s) URL.
    h.call(2, connect("instagram"));
    let attempt = h.only_open();
    let mut body = connect_body();
    body["authUrl"] = json!("javascript:alert(1)");
    let effects = h.respond(attempt, ok(body));
    let error = rejected(&effects, 2).error;
    assert_eq!(
        (error.kind, error.path.as_deref()),
        (ErrorKind::InvalidResponse, Some("authUrl"))
    );
}

#[test]
fn a_response_with_its_text_is_checked_on_the_text_with_the_same_outcome() {
    // What the slim entry sends: the body parsed and its text. The text is what is checked:
    // here it says what the body does not (never so in use: both come from one text).
    let good_body = || status_body(&[("instagram", "a", FAR)]);
    let good = good_body();
    let mut bad = good.clone();
    bad["integrations"][0]["status"] = json!("gone");
    // The error's path and message, or `None` when the status call was answered.
    let answered = |body: &Json, text: Option<&str>| {
        let mut h = H::new(config());
        h.call(1, Call::Status { force: false });
        let attempt = h.only_open();
        let mut response = ok(body.clone());
        response.text = text.map(str::to_owned);
        let effects = h.respond(attempt, response);
        let error = outcome(&effects, 1).err()?.error;
        Some((error.path, error.message))
    };
    let on_value = answered(&bad, None);
    assert!(on_value.is_some());
    let (good, bad) = (good.to_string(), bad.to_string());
    let body = serde_json::from_str::<Json>(&bad).unwrap();
    assert_eq!(answered(&body, Some(&bad)), on_value);
    assert_eq!(answered(&good_body(), Some(&bad)), on_value);
    assert_eq!(answered(&body, Some(&good)), None);
    // A text that is not JSON (never so with a parsed body): the body is checked.
    assert_eq!(answered(&body, Some("{not json")), on_value);
}

// --- 4. the status flow ----------------------------------------------------------------------

#[test]
fn a_status_within_the_deduping_interval_is_cached_with_a_cached_metric() {
    let mut config = config();
    config.metrics = true;
    let mut h = H::new(config);
    let data = h.load(1, status_body(&[("instagram", "a", FAR)]));
    h.advance(1999);
    let effects = h.call(2, Call::Status { force: false });
    assert!(sends(&effects).is_empty());
    match resolved(&effects, 2) {
        Answer::Value(v) => assert!(v.same(&data), "the very data"),
        other => panic!("{other:?}"),
    }
    let metric = &metrics(&effects)[..];
    assert_eq!(metric.len(), 1);
    assert_eq!(
        (
            metric[0].operation,
            metric[0].success,
            metric[0].cached,
            metric[0].attempts
        ),
        ("status", true, true, 0)
    );
    h.advance(1);
    let effects = h.call(3, Call::Status { force: false });
    assert_eq!(sends(&effects).len(), 1, "stale at dedupingInterval");
}

#[test]
fn force_bypasses_the_cache_but_shares_the_request_in_flight() {
    let mut h = H::new(config());
    h.load(1, status_body(&[]));
    let effects = h.call(2, Call::Status { force: true });
    assert_eq!(sends(&effects).len(), 1);
    let effects = h.call(3, Call::Status { force: true });
    assert!(sends(&effects).is_empty());
    let effects = h.call(4, Call::Status { force: false });
    assert!(sends(&effects).is_empty());
    let attempt = h.only_open();
    let body = status_body(&[("instagram", "a", FAR)]);
    let effects = h.respond(attempt, ok(body.clone()));
    let settled = settles(&effects);
    assert_eq!(settled.len(), 1);
    assert_eq!(settled[0].0, [2, 3, 4]);
    assert_eq!(value(settled[0].1.clone().unwrap()), body);
    assert_eq!(h.sent_to("/status"), 2);
}

#[test]
fn auto_refresh_refreshes_due_accounts_after_a_status_and_its_revalidation_does_not_loop() {
    let mut config = config();
    config.options.auto_refresh = true;
    let mut h = H::new(config);
    h.set_token("instagram", "a", "tok-a", T0 + 60_000);
    h.set_token("tiktok", "b", "tok-b", FAR_MS);
    h.call(1, Call::Status { force: false });
    let attempt = h.only_open();
    let accounts = [("instagram", "a", FAR), ("tiktok", "b", FAR)];
    let effects = h.respond(attempt, ok(status_body(&accounts)));
    let settle_at = effects
        .iter()
        .position(|e| matches!(e, Effect::Settle { .. }))
        .expect("the status settles");
    let send_at = effects
        .iter()
        .position(|e| matches!(e, Effect::Send(_)))
        .expect("a refresh");
    assert!(settle_at < send_at, "the caller has its data first");
    assert_eq!(sends(&effects).len(), 1, "only the due account");
    let refresh = h.only_open();
    assert!(h.url(refresh).ends_with("/refresh/instagram/a"));
    let effects = h.respond(refresh, ok(refresh_body("instagram", "a", FAR)));
    assert_eq!(sends(&effects).len(), 1, "one revalidation");
    let revalidation = h.only_open();
    assert!(h.url(revalidation).ends_with("/status"));
    // The server still says `a` expires soon: the revalidation must not refresh it again.
    let still_due = [("instagram", "a", SOON), ("tiktok", "b", FAR)];
    let effects = h.respond(revalidation, ok(status_body(&still_due)));
    assert!(sends(&effects).is_empty(), "no loop");
    assert!(h.open.is_empty() && h.c.requests_in_flight() == 0);
    assert_eq!(h.sent_to("/refresh/instagram/a"), 1);
    // A caller's status does refresh it.
    h.call(2, Call::Status { force: true });
    let attempt = h.only_open();
    let effects = h.respond(attempt, ok(status_body(&still_due)));
    let sent = sends(&effects);
    assert_eq!(sent.len(), 1);
    assert!(h.url(sent[0]).ends_with("/refresh/instagram/a"));
}

#[test]
fn auto_refresh_that_finds_nothing_due_writes_no_log_and_no_metric() {
    let mut config = config();
    config.options.auto_refresh = true;
    config.metrics = true;
    config.options.log_level = Level::Debug;
    let mut h = H::new(config);
    h.set_token("tiktok", "b", "tok-b", FAR_MS);
    h.call(1, Call::Status { force: false });
    let attempt = h.only_open();
    let effects = h.respond(attempt, ok(status_body(&[("tiktok", "b", FAR)])));
    let operations: Vec<_> = metrics(&effects).into_iter().map(|m| m.operation).collect();
    assert_eq!(operations, ["status"], "the status alone");
    assert!(logs(&h.all)
        .iter()
        .all(|e| e.operation != "refreshExpiring"));
    // A caller's refreshExpiring() with nothing due is measured and logged all the same.
    let effects = h.call(2, Call::RefreshExpiring);
    let operations: Vec<_> = metrics(&effects).into_iter().map(|m| m.operation).collect();
    assert_eq!(operations, ["refreshExpiring"]);
}

// --- 5. refreshExpiring ----------------------------------------------------------------------

#[test]
fn refresh_expiring_runs_at_most_four_at_once_lists_both_outcomes_and_revalidates_once() {
    let mut config = config();
    config.options.log_level = Level::Info;
    config.metrics = true;
    let mut h = H::new(config);
    for i in 0..10 {
        h.set_token(
            "instagram",
            &format!("a{i}"),
            &format!("tok-{i}"),
            T0 + 1000 * i,
        );
    }
    let effects = h.call(1, Call::RefreshExpiring);
    assert_eq!(sends(&effects).len(), 4);
    let mut most = 0;
    while let Some(&attempt) = h.open_to("").first() {
        let url = h.url(attempt).to_owned();
        assert!(url.contains("/refresh/instagram/a"), "{url}");
        most = most.max(h.open.len());
        assert!(h.open.len() <= 4, "{} on the wire", h.open.len());
        let id = url.rsplit('/').next().unwrap().to_owned();
        match id.as_str() {
            "a3" | "a7" => h.respond(attempt, status_code(404, None)),
            _ => h.respond(attempt, ok(refresh_body("instagram", &id, FAR))),
        };
        if h.sent_to("/status") > 0 {
            break;
        }
    }
    assert_eq!(most, 4);
    assert_eq!(h.sent_to(""), 11);
    for i in 0..10 {
        assert_eq!(h.sent_to(&format!("/refresh/instagram/a{i}")), 1);
    }
    assert_eq!(h.sent_to("/status"), 1, "one revalidation");
    assert!(
        settles(&h.all).iter().all(|(c, _)| !c.contains(&1)),
        "not before it"
    );
    let revalidation = h.only_open();
    let effects = h.respond(revalidation, ok(status_body(&[])));
    let Answer::Expiring {
        refreshed, failed, ..
    } = resolved(&effects, 1)
    else {
        panic!("not a refreshExpiring result");
    };
    assert_eq!(refreshed.len(), 8);
    let mut failed: Vec<_> = failed
        .iter()
        .map(|r| (r.error.account_id.clone().unwrap(), r.error.status_code))
        .collect();
    failed.sort();
    assert_eq!(
        failed,
        [("a3".to_owned(), Some(404)), ("a7".to_owned(), Some(404))]
    );
    let batch: Vec<_> = logs(&h.all)
        .into_iter()
        .filter(|e| e.operation == "refreshExpiring")
        .map(|e| (e.level, e.message))
        .collect();
    assert_eq!(
        batch,
        [(Level::Warn, "refreshed 8 token(s), 2 failed".to_owned())]
    );
    let metric: Vec<_> = metrics(&h.all)
        .into_iter()
        .filter(|m| m.operation == "refreshExpiring")
        .map(|m| (m.success, m.attempts))
        .collect();
    assert_eq!(metric, [(false, 10)]);
    assert!(sends(&effects).is_empty());
}

#[test]
fn refresh_expiring_with_nothing_refreshed_makes_no_revalidation_and_logs_warn() {
    let mut config = config();
    config.options.log_level = Level::Info;
    let mut h = H::new(config);
    h.set_token("instagram", "a", "tok-a", T0 + 1000);
    h.set_token("instagram", "b", "tok-b", T0 + 2000);
    h.call(1, Call::RefreshExpiring);
    for attempt in h.open.clone() {
        h.respond(attempt, status_code(404, None));
    }
    assert_eq!(h.sent_to("/status"), 0);
    assert!(h.open.is_empty());
    let Answer::Expiring {
        refreshed, failed, ..
    } = resolved(&h.all, 1)
    else {
        panic!("not a refreshExpiring result");
    };
    assert_eq!((refreshed.len(), failed.len()), (0, 2));
    let batch: Vec<_> = logs(&h.all)
        .into_iter()
        .filter(|e| e.operation == "refreshExpiring")
        .map(|e| (e.level, e.message))
        .collect();
    assert_eq!(
        batch,
        [(Level::Warn, "refreshed 0 token(s), 2 failed".to_owned())]
    );
}

#[test]
fn refresh_expiring_logs_info_when_nothing_failed() {
    let mut config = config();
    config.options.log_level = Level::Info;
    let mut h = H::new(config);
    // Nothing due: settled at once, no request.
    h.set_token("instagram", "far", "tok-far", FAR_MS);
    let effects = h.call(1, Call::RefreshExpiring);
    assert!(sends(&effects).is_empty());
    let Answer::Expiring {
        refreshed, failed, ..
    } = resolved(&effects, 1)
    else {
        panic!("not a refreshExpiring result");
    };
    assert!(refreshed.is_empty() && failed.is_empty());
    // One due, refreshed, then the revalidation.
    h.set_token("instagram", "a", "tok-a", T0 + 1000);
    h.call(2, Call::RefreshExpiring);
    let refresh = h.only_open();
    h.respond(refresh, ok(refresh_body("instagram", "a", FAR)));
    let revalidation = h.only_open();
    assert!(h.url(revalidation).ends_with("/status"));
    let effects = h.respond(revalidation, ok(status_body(&[])));
    let Answer::Expiring {
        refreshed, failed, ..
    } = resolved(&effects, 2)
    else {
        panic!("not a refreshExpiring result");
    };
    assert_eq!((refreshed.len(), failed.len()), (1, 0));
    let batch: Vec<_> = logs(&h.all)
        .into_iter()
        .filter(|e| e.operation == "refreshExpiring")
        .map(|e| (e.level, e.message))
        .collect();
    assert_eq!(
        batch,
        [
            (Level::Info, "refreshed 0 token(s), 0 failed".to_owned()),
            (Level::Info, "refreshed 1 token(s), 0 failed".to_owned()),
        ]
    );
}

// --- 6. refreshToken -------------------------------------------------------------------------

#[test]
fn refresh_token_is_single_flight_per_account_and_parallel_across_accounts() {
    let mut h = H::new(config());
    h.call(1, Call::RefreshToken(key("instagram", "a")));
    h.call(2, Call::RefreshToken(key("instagram", "a")));
    h.call(3, Call::RefreshToken(key("instagram", "b")));
    assert_eq!(h.open.len(), 2, "one per account, at once");
    let a = h.open_to("/refresh/instagram/a");
    let b = h.open_to("/refresh/instagram/b");
    assert_eq!((a.len(), b.len()), (1, 1));
    let effects = h.respond(b[0], ok(refresh_body("instagram", "b", FAR)));
    assert_eq!(settles(&effects).len(), 1);
    assert!(resolved(&effects, 3) != Answer::Nothing);
    let body = refresh_body("instagram", "a", FAR);
    let effects = h.respond(a[0], ok(body.clone()));
    let settled = settles(&effects);
    assert_eq!(settled.len(), 1);
    assert_eq!(settled[0].0, [1, 2]);
    assert_eq!(value(settled[0].1.clone().unwrap()), body);
    assert_eq!(h.sent.len(), 2);
}

#[test]
fn a_refresh_sets_the_new_expiry_in_the_token_map_and_the_store() {
    let mut h = H::new(config());
    h.set_token("instagram", "a", "tok-a", T0 + 60_000);
    let accounts = [("instagram", "a", SOON), ("instagram", "b", SOON)];
    let before = h.load(1, status_body(&accounts));
    h.call(2, Call::RefreshToken(key("instagram", "a")));
    let attempt = h.only_open();
    let effects = h.respond(attempt, ok(refresh_body("instagram", "a", FAR)));
    assert!(effects.contains(&Effect::Notify));
    let notify = effects.iter().position(|e| *e == Effect::Notify).unwrap();
    let settle = effects
        .iter()
        .position(|e| matches!(e, Effect::Settle { .. }))
        .unwrap();
    assert!(
        notify < settle,
        "the store changes before the caller resumes"
    );
    let tokens = h.c.tokens().borrow();
    assert_eq!(tokens.get("instagram", "a").unwrap().expires_at, FAR_MS);
    drop(tokens);
    let data = h.c.view().data.cloned().unwrap();
    assert!(!data.same(&before), "a new value");
    let expiry = |data: &J, i: usize| data.0["integrations"][i]["expiresAt"].clone();
    assert_eq!(expiry(&data, 0), json!(FAR));
    assert_eq!(expiry(&data, 1), json!(SOON), "the other account");
    assert_eq!(expiry(&before, 0), json!(SOON), "a value held is unchanged");
    // The store's account is no longer due; its neighbour still is.
    h.call(3, Call::RefreshIfNeeded(key("instagram", "a")));
    assert_eq!(resolved(&h.all, 3), Answer::Nothing);
    let effects = h.call(4, Call::RefreshIfNeeded(key("instagram", "b")));
    assert_eq!(sends(&effects).len(), 1);
}

#[test]
fn refresh_if_needed_settles_with_nothing_and_sends_nothing_when_not_due() {
    let mut h = H::new(config());
    h.set_token("instagram", "a", "tok-a", FAR_MS);
    h.set_token("instagram", "b", "tok-b", T0 + 299_000);
    let effects = h.call(1, Call::RefreshIfNeeded(key("instagram", "a")));
    assert!(sends(&effects).is_empty());
    assert_eq!(resolved(&effects, 1), Answer::Nothing);
    // Unknown accounts are not due either.
    let effects = h.call(2, Call::RefreshIfNeeded(key("instagram", "zz")));
    assert_eq!(resolved(&effects, 2), Answer::Nothing);
    assert!(h.sent.is_empty());
    // Within refreshWindowMs: refreshed.
    let effects = h.call(3, Call::RefreshIfNeeded(key("instagram", "b")));
    let sent = sends(&effects);
    assert_eq!(sent.len(), 1);
    assert!(h.url(sent[0]).ends_with("/refresh/instagram/b"));
}

// --- 7. disconnect ---------------------------------------------------------------------------

#[test]
fn a_successful_disconnect_removes_the_token_entry_and_revalidates() {
    let mut h = H::new(config());
    h.set_token("instagram", "a", "tok-a", FAR_MS);
    h.set_token("instagram", "b", "tok-b", FAR_MS);
    let accounts = [("instagram", "a", FAR), ("instagram", "b", FAR)];
    h.load(1, status_body(&accounts));
    h.call(2, Call::Disconnect(key("instagram", "a")));
    let attempt = h.only_open();
    assert_eq!(h.outgoing(attempt).method, "DELETE");
    assert!(h.url(attempt).ends_with("/api/integrations/instagram/a"));
    let effects = h.respond(attempt, ok(disconnect_body("instagram", "a")));
    assert!(resolved(&effects, 2) != Answer::Nothing);
    let tokens = h.c.tokens().borrow();
    assert!(tokens.get("instagram", "a").is_none());
    assert!(
        tokens.get("instagram", "b").is_some(),
        "the other account stays"
    );
    drop(tokens);
    let sent = sends(&effects);
    assert_eq!(sent.len(), 1, "one revalidation");
    assert!(h.url(sent[0]).ends_with("/status"));
}

#[test]
fn a_failed_disconnect_restores_the_very_previous_data() {
    let mut config = config();
    config.options.retry.max_retries = 0;
    let mut h = H::new(config);
    h.set_token("instagram", "a", "tok-a", FAR_MS);
    let accounts = [("instagram", "a", FAR), ("instagram", "b", FAR)];
    let before = h.load(1, status_body(&accounts));
    let effects = h.call(2, Call::Disconnect(key("instagram", "a")));
    assert!(effects.contains(&Effect::Notify));
    let view = h.c.view();
    assert_eq!(view.by_provider, [("instagram".to_owned(), vec![0])]);
    let items = &view.data.unwrap().0["integrations"];
    assert_eq!(items.as_array().unwrap().len(), 1);
    assert_eq!(items[0]["accountId"], json!("b"), "the other account stays");
    let attempt = h.only_open();
    let effects = h.respond(attempt, status_code(500, None));
    assert!(effects.contains(&Effect::Notify));
    let error = rejected(&h.all, 2).error;
    assert_eq!((error.attempts, error.status_code), (1, Some(500)));
    assert!(h.c.view().data.unwrap().same(&before), "the very data");
    assert_eq!(
        h.c.view().by_provider,
        [("instagram".to_owned(), vec![0, 1])]
    );
    assert!(h.c.tokens().borrow().get("instagram", "a").is_some());
    assert_eq!(h.sent_to("/status"), 1, "no revalidation");
}

#[test]
fn a_failed_disconnect_after_newer_data_revalidates_instead_of_restoring() {
    let mut h = H::new(config());
    let accounts = [("instagram", "a", FAR), ("instagram", "b", FAR)];
    h.load(1, status_body(&accounts));
    h.call(2, Call::Disconnect(key("instagram", "a")));
    let delete = h.only_open();
    // Newer data arrives meanwhile.
    h.call(3, Call::Status { force: true });
    let status = h.open_to("/status")[0];
    let newer = [
        ("instagram", "a", FAR),
        ("instagram", "b", FAR),
        ("tiktok", "c", FAR),
    ];
    h.respond(status, ok(status_body(&newer)));
    let newer = h.c.view().data.cloned().unwrap();
    let effects = h.respond(delete, status_code(404, None));
    assert_eq!(rejected(&effects, 2).error.status_code, Some(404));
    assert!(h.c.view().data.unwrap().same(&newer), "not rolled back");
    let sent = sends(&effects);
    assert_eq!(sent.len(), 1, "a revalidation instead");
    assert!(h.url(sent[0]).ends_with("/status"));
}

#[test]
fn a_failed_disconnect_does_not_undo_a_newer_status_that_confirmed_the_removal() {
    let mut config = config();
    config.options.retry.max_retries = 0;
    let mut h = H::new(config);
    let accounts = [("instagram", "a", FAR), ("instagram", "b", FAR)];
    h.load(1, status_body(&accounts));
    h.call(2, Call::Disconnect(key("instagram", "a")));
    let delete = h.only_open();
    let optimistic = json_of(h.c.view().data.unwrap());
    // The server's truth, fetched after the removal, already shows `a` gone.
    h.call(3, Call::Status { force: true });
    let status = h.open_to("/status")[0];
    h.respond(status, ok(optimistic.clone()));
    // The DELETE's answer is lost (it did happen on the server).
    let effects = h.network_error(delete);
    assert!(outcome(&effects, 2).is_err());
    let shown = json_of(h.c.view().data.unwrap());
    let revalidated = !sends(&effects).is_empty();
    assert!(
        shown == optimistic || revalidated,
        "the stale data is back with no revalidation: {shown}"
    );
}

#[test]
fn a_disconnect_adjusts_the_summary_counts() {
    let mut h = H::new(config());
    let accounts = [
        ("instagram", "a", FAR),
        ("instagram", "b", FAR),
        ("tiktok", "c", FAR),
    ];
    h.load(1, status_body(&accounts));
    let summary = |h: &H| h.c.view().data.unwrap().0["summary"].clone();
    let counts = |s: &Json| {
        let n = |k: &str| s[k].as_f64().unwrap();
        (n("total"), n("connected"), n("expired"))
    };
    h.call(2, Call::Disconnect(key("tiktok", "c")));
    let s = summary(&h);
    assert_eq!(counts(&s), (2.0, 2.0, 0.0));
    assert_eq!(
        s["byProvider"],
        json!({ "instagram": 2 }),
        "tiktok reached 0"
    );
    h.call(3, Call::Disconnect(key("instagram", "a")));
    let s = summary(&h);
    assert_eq!(counts(&s), (1.0, 1.0, 0.0));
    assert_eq!(s["byProvider"]["instagram"].as_f64(), Some(1.0));
    assert_eq!(s["byProvider"].as_object().unwrap().len(), 1);
    let view = h.c.view();
    assert_eq!(view.by_provider, [("instagram".to_owned(), vec![0])]);
    assert_eq!(
        view.data.unwrap().0["integrations"][0]["accountId"],
        json!("b")
    );
}

// --- 8. background work ----------------------------------------------------------------------

#[test]
fn nothing_is_scheduled_without_subscribers() {
    let mut config = config();
    config.options.retry.max_retries = 0;
    let mut h = H::new(config);
    h.load(1, status_body(&[]));
    h.call(2, Call::Status { force: true });
    let attempt = h.only_open();
    h.respond(attempt, status_code(503, None));
    assert!(rejected(&h.all, 2).error.retryable);
    assert!(h.timers.is_empty(), "no error retry: {:?}", h.timers);
    h.env.now += 60_000;
    assert!(h.focus().is_empty());
    h.c.online(&mut h.env);
    assert!(h.pump().is_empty());
    assert!(h.visibility(true).is_empty());
    assert!(h.advance(3_600_000).is_empty());
    assert!(!h.all.iter().any(|e| matches!(e, Effect::Listen(_))));
}

#[test]
fn the_first_subscribe_starts_polling_and_listening_and_the_last_unsubscribe_stops_them() {
    let mut h = H::new(config());
    let effects = h.subscribe();
    assert_eq!(effects.len(), 2, "{effects:?}");
    assert!(matches!(effects[0], Effect::SetTimer { delay_ms, .. } if delay_ms == 300_000.0));
    assert_eq!(effects[1], Effect::Listen(true));
    let Effect::SetTimer { timer: poll, .. } = effects[0] else {
        unreachable!()
    };
    assert!(h.subscribe().is_empty());
    assert!(h.unsubscribe().is_empty());
    // Polling while subscribed.
    let effects = h.advance(300_000);
    assert_eq!(sends(&effects).len(), 1);
    // The attempt's timeout, then the poll re-armed.
    assert_eq!(set_timers(&effects), [10_000.0, 300_000.0]);
    let attempt = h.only_open();
    h.respond(attempt, ok(status_body(&[])));
    let poll_now = *h.timers.keys().next().expect("the poll re-armed");
    assert_ne!(poll_now, poll);
    let effects = h.unsubscribe();
    assert_eq!(
        effects,
        [Effect::ClearTimer(poll_now), Effect::Listen(false)]
    );
    assert!(h.timers.is_empty());
    assert!(h.unsubscribe().is_empty());
    assert!(h.advance(3_600_000).is_empty());
}

#[test]
fn a_failed_status_while_subscribed_retries_in_the_background_with_backoff_at_most_count_times() {
    let mut config = config();
    config.options.retry.max_retries = 0;
    config.options.cache.refresh_interval = 0.0;
    let mut h = H::new(config);
    let effects = h.subscribe();
    assert_eq!(effects, [Effect::Listen(true)]);
    h.call(1, Call::Status { force: false });
    let mut waits = Vec::new();
    loop {
        let attempt = h.only_open();
        let effects = h.respond(attempt, status_code(503, None));
        let set = set_timers(&effects);
        match set.as_slice() {
            [] => break,
            [wait] => waits.push(*wait),
            more => panic!("{more:?}"),
        }
        let effects = h.advance(*waits.last().unwrap() as i64);
        assert_eq!(sends(&effects).len(), 1);
    }
    assert_eq!(waits, [5000.0, 10_000.0, 20_000.0]);
    assert_eq!(h.sent_to("/status"), 4);
    assert!(h.timers.is_empty());
    assert!(h.advance(3_600_000).is_empty());
    assert!(h.c.view().error.is_some());
}

#[test]
fn focus_revalidates_at_most_once_per_focus_throttle_interval() {
    let mut h = H::new(config());
    h.subscribe();
    let effects = h.focus();
    assert_eq!(sends(&effects).len(), 1);
    let attempt = h.only_open();
    h.respond(attempt, ok(status_body(&[])));
    h.advance(4999);
    assert!(sends(&h.focus()).is_empty());
    h.advance(1);
    assert_eq!(sends(&h.focus()).len(), 1);
    assert_eq!(h.sent_to("/status"), 2);
}

#[test]
fn polling_stops_while_hidden_unless_refresh_when_hidden() {
    let mut h = H::new(config());
    h.subscribe();
    let poll = *h.timers.keys().next().unwrap();
    let effects = h.visibility(false);
    assert_eq!(effects, [Effect::ClearTimer(poll)]);
    assert!(h.timers.is_empty());
    assert!(h.advance(900_000).is_empty());
    // Visible again: a (focus) revalidation and polling again.
    let effects = h.visibility(true);
    assert_eq!(sends(&effects).len(), 1);
    assert!(set_timers(&effects).contains(&300_000.0));

    let mut config = config();
    config.options.cache.refresh_when_hidden = true;
    let mut h = H::new(config);
    h.subscribe();
    h.visibility(false);
    assert_eq!(h.timers.len(), 1, "still polling");
    let effects = h.advance(300_000);
    assert_eq!(sends(&effects).len(), 1);
}

#[test]
fn request_refresh_calls_closer_than_debounce_ms_end_in_one_request() {
    let mut h = H::new(config());
    h.call(1, Call::RequestRefresh);
    h.advance(500);
    h.call(2, Call::RequestRefresh);
    h.advance(999);
    h.call(3, Call::RequestRefresh);
    let effects = h.advance(999);
    assert!(sends(&effects).is_empty(), "trailing edge");
    let effects = h.advance(1);
    assert_eq!(sends(&effects).len(), 1);
    let attempt = h.only_open();
    let body = status_body(&[("instagram", "a", FAR)]);
    let effects = h.respond(attempt, ok(body.clone()));
    let settled = settles(&effects);
    assert_eq!(settled.len(), 1);
    assert_eq!(settled[0].0, [1, 2, 3]);
    assert_eq!(value(settled[0].1.clone().unwrap()), body);
    assert_eq!(h.sent_to("/status"), 1);
    assert!(h.timers.is_empty());
}

// --- 9. leaving and dispose ------------------------------------------------------------------

#[test]
fn a_caller_leaving_a_shared_request_is_aborted_at_once_and_the_request_goes_on() {
    let mut h = H::new(config());
    h.call(1, Call::Status { force: false });
    h.call(2, Call::Status { force: false });
    let first = h.only_open();
    let cid = header(h.outgoing(first), "X-Correlation-Id")
        .unwrap()
        .to_owned();
    let second = h.retried_after_503();
    let effects = h.leave(1);
    let error = rejected(&effects, 1).error;
    assert_eq!(
        (error.kind, error.correlation_id.as_str(), error.attempts),
        (ErrorKind::Aborted, cid.as_str(), 2)
    );
    assert!(!effects.iter().any(|e| matches!(e, Effect::Abort(_))));
    let effects = h.respond(second, ok(status_body(&[])));
    assert_eq!(settles(&effects).len(), 1);
    assert!(matches!(outcome(&effects, 2), Ok(Answer::Value(_))));
    // A refresh caller leaving: its account named.
    h.call(3, Call::RefreshToken(key("instagram", "a")));
    h.call(4, Call::RefreshToken(key("instagram", "a")));
    let error = rejected(&h.leave(3), 3).error;
    assert_eq!(
        (
            error.provider.as_deref(),
            error.account_id.as_deref(),
            error.attempts
        ),
        (Some("instagram"), Some("a"), 1)
    );
    assert_eq!(h.open.len(), 1);
}

#[test]
fn a_single_caller_leaving_its_connect_aborts_the_request() {
    let mut h = H::new(config());
    h.call(1, connect("instagram"));
    let attempt = h.only_open();
    let effects = h.leave(1);
    assert!(effects.contains(&Effect::Abort(attempt)));
    let error = rejected(&effects, 1).error;
    assert_eq!((error.kind, error.attempts), (ErrorKind::Aborted, 1));
    assert!(h.open.is_empty() && h.timers.is_empty());
    assert_eq!(h.c.requests_in_flight(), 0);
}

#[test]
fn a_connect_whose_signal_already_fired_sends_nothing_and_settles_aborted() {
    let mut h = H::new(config());
    h.c.call_aborted(&mut h.env, 1, connect("instagram"));
    let effects = h.pump();
    assert!(sends(&effects).is_empty());
    assert!(set_timers(&effects).is_empty());
    let error = rejected(&effects, 1).error;
    assert_eq!(
        (error.kind, error.attempts, error.provider.as_deref()),
        (ErrorKind::Aborted, 0, Some("instagram"))
    );
    assert_eq!(h.c.requests_in_flight(), 0);
}

#[test]
fn dispose_aborts_every_request_clears_every_timer_and_refuses_later_calls() {
    let mut h = H::new(config());
    h.subscribe();
    // A failed status while subscribed: a background retry is pending.
    h.call(1, Call::Status { force: false });
    let attempt = h.only_open();
    h.respond(attempt, status_code(404, None));
    // A status in flight, a connect waiting out its backoff, a refresh in flight, a
    // requestRefresh waiting for its debounce.
    h.call(2, Call::Status { force: false });
    h.call(3, connect("instagram"));
    let connect = h.open_to("/connect/instagram")[0];
    h.respond(connect, status_code(503, None));
    h.call(4, Call::RefreshToken(key("instagram", "a")));
    h.call(5, Call::RequestRefresh);
    assert_eq!(h.open.len(), 2);
    // Poll, error retry, status timeout, connect backoff, refresh timeout, debounce.
    assert_eq!(h.timers.len(), 6, "{:?}", h.timers);
    let aborts = h.open.clone();
    h.c.dispose(&mut h.env);
    let effects = h.pump();
    assert!(h.c.is_disposed());
    for attempt in aborts {
        assert!(effects.contains(&Effect::Abort(attempt)));
    }
    assert!(h.open.is_empty());
    assert!(h.timers.is_empty(), "timers left: {:?}", h.timers);
    assert!(sends(&effects).is_empty() && set_timers(&effects).is_empty());
    assert!(effects.contains(&Effect::Listen(false)));
    for call in [2, 3, 4] {
        assert_eq!(rejected(&effects, call).error.kind, ErrorKind::Aborted);
    }
    let error = rejected(&effects, 5).error;
    assert_eq!(
        (error.kind, error.message.as_str()),
        (
            ErrorKind::InvalidInput,
            "this IntegrationsClient was disposed"
        )
    );
    assert_eq!(h.c.requests_in_flight(), 0);
    // Later calls are refused; nothing starts again.
    let effects = h.call(6, Call::Status { force: false });
    let error = rejected(&effects, 6).error;
    assert_eq!(
        (error.kind, error.message.as_str()),
        (
            ErrorKind::InvalidInput,
            "this IntegrationsClient was disposed"
        )
    );
    let effects = h.call(7, Call::RefreshExpiring);
    assert_eq!(rejected(&effects, 7).error.kind, ErrorKind::InvalidInput);
    assert!(h.subscribe().is_empty());
    assert!(h.focus().is_empty());
    assert!(h.sent.len() == 4 && h.open.is_empty());
    // Every call settled exactly once.
    for call in 1..=7 {
        let _ = outcome(&h.all, call);
    }
}

// --- 10. redaction ---------------------------------------------------------------------------

#[test]
fn token_text_echoed_by_the_server_never_reaches_rejections_logs_or_metrics() {
    const ACCESS: &str = "tok_live_9f8e7d6c5b4a";
    const SHORT: &str = "rt_x1";
    let mut config = config();
    config.options.log_level = Level::Debug;
    config.metrics = true;
    let mut h = H::new(config);
    let entry = TokenEntry {
        access_token: ACCESS.to_owned(),
        refresh_token: Some(SHORT.to_owned()),
        expires_at: T0 + 60_000,
    };
    let mut tokens = h.c.tokens().borrow_mut();
    tokens.set("instagram", "a", entry).unwrap();
    drop(tokens);
    let echo = |status: u16| {
        error_response(
            status,
            json!({ "error": {
                "message": format!("token {ACCESS} rejected ({SHORT})"),
                "userMessage": format!("Bearer {ACCESS}"),
                "type": format!("auth:{ACCESS}"),
                "details": { "token": ACCESS, (ACCESS): [format!("x{SHORT}x")],
                    "nested": { "deep": { "deeper": format!("Bearer {ACCESS}") } } },
            } }),
        )
    };
    // A status: a retry logged, then a failure.
    h.call(1, Call::Status { force: false });
    let attempt = h.only_open();
    h.respond(attempt, echo(503));
    h.advance(1000);
    let attempt = h.only_open();
    let effects = h.respond(attempt, echo(401));
    let rejection = rejected(&effects, 1);
    assert!(
        rejection.error.message.contains(REDACTED),
        "{}",
        rejection.error.message
    );
    let details = json_of(rejection.details.as_ref().unwrap());
    assert_eq!(details["token"], json!(REDACTED));
    assert_eq!(
        details["nested"]["deep"]["deeper"],
        json!(format!("Bearer {REDACTED}"))
    );
    // A refresh of that account, failing the same way; a success envelope refusing with it.
    h.call(2, Call::RefreshToken(key("instagram", "a")));
    let attempt = h.only_open();
    h.respond(attempt, echo(403));
    h.call(3, Call::Status { force: true });
    let attempt = h.only_open();
    let refused = json!({ "success": false, "correlationId": ACCESS,
        "error": { "message": ACCESS, "details": { "t": ACCESS } } });
    h.respond(attempt, ok(refused));
    let shown: Vec<&Effect<J>> = h
        .all
        .iter()
        .filter(|e| {
            matches!(
                e,
                Effect::Settle { .. } | Effect::Log(_) | Effect::Metric(_)
            )
        })
        .collect();
    assert!(logs(&h.all).len() >= 7, "{:?}", logs(&h.all));
    assert_eq!(settles(&h.all).len(), 3);
    for effect in shown {
        let text = format!("{effect:?}");
        assert!(!text.contains(ACCESS) && !text.contains(SHORT), "{text}");
    }
    let error = h.c.view().error.cloned().unwrap();
    let text = format!("{error:?}");
    assert!(!text.contains(ACCESS) && !text.contains(SHORT), "{text}");
}

// --- 11. rate limits and revoked grants (§12) ------------------------------------------------

/// §12's tests: no timeouts (the clock only moves when a test says so), retries logged.
fn grant_config() -> Config {
    let mut config = config();
    config.options.timeout_ms = 0.0;
    config.options.log_level = Level::Info;
    config
}

/// A `refreshExpiring` result: what was refreshed (its accounts), what failed (its accounts
/// and statuses) and what was deferred, each sorted.
#[allow(clippy::type_complexity)]
fn expiring(
    effects: &[Effect<J>],
    call: CallId,
) -> (
    Vec<AccountKey>,
    Vec<(AccountKey, Option<u16>)>,
    Vec<(AccountKey, f64)>,
) {
    let Answer::Expiring {
        refreshed,
        failed,
        deferred,
    } = resolved(effects, call)
    else {
        panic!("not a refreshExpiring result");
    };
    let text = |v: &Json, k: &str| v[k].as_str().unwrap_or_default().to_owned();
    let mut refreshed: Vec<AccountKey> = refreshed
        .iter()
        .map(|v| (text(&v.0, "provider"), text(&v.0, "accountId")))
        .collect();
    let mut failed: Vec<(AccountKey, Option<u16>)> = failed
        .iter()
        .map(|r| {
            let e = &r.error;
            let account = (e.provider.clone(), e.account_id.clone());
            let account = (account.0.unwrap_or_default(), account.1.unwrap_or_default());
            (account, e.status_code)
        })
        .collect();
    let mut deferred: Vec<(AccountKey, f64)> = deferred
        .into_iter()
        .map(|d| (d.account, d.retry_after_ms))
        .collect();
    refreshed.sort();
    failed.sort();
    deferred.sort_by(|a, b| a.0.cmp(&b.0));
    (refreshed, failed, deferred)
}

/// `refreshExpiring()` with every refresh it sends failing with a 500 (so that it ends without
/// a revalidation): the accounts it sent to, and what it deferred.
fn probe(h: &mut H, call: CallId) -> (Vec<String>, Vec<(AccountKey, f64)>) {
    let mut urls = Vec::new();
    let mut effects = h.call(call, Call::RefreshExpiring);
    loop {
        let sent = sends(&effects);
        if sent.is_empty() {
            break;
        }
        effects = Vec::new();
        for attempt in sent {
            urls.push(
                h.url(attempt)
                    .rsplit("/refresh/")
                    .next()
                    .unwrap()
                    .to_owned(),
            );
            effects.extend(h.respond(attempt, status_code(500, None)));
        }
    }
    urls.sort();
    let (_, _, deferred) = expiring(&h.all, call);
    (urls, deferred)
}

/// The log entries about grants (gone, back), as (level, message, provider, account, cid).
#[allow(clippy::type_complexity)]
fn grant_logs(
    effects: &[Effect<J>],
) -> Vec<(
    Level,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
)> {
    let entries = logs(effects).into_iter().filter(|e| {
        e.message.starts_with("the grant is gone") || e.message.contains("connected again")
    });
    let entries = entries.map(|e| {
        let who = (e.provider, e.account_id, e.correlation_id);
        (e.level, e.message, who.0, who.1, who.2)
    });
    entries.collect()
}

/// Which accounts the snapshot shows needing reconnecting, by provider.
fn needs_reconnect(h: &H) -> Vec<(String, Vec<usize>)> {
    h.c.view().needs_reconnect
}

#[test]
fn a_429_on_a_refresh_pauses_its_provider_and_refresh_expiring_defers_its_due_accounts() {
    let mut h = H::new(grant_config());
    h.set_token("instagram", "a", "tok-a", T0 + 1000);
    h.set_token("instagram", "b", "tok-b", T0 + 2000);
    h.set_token("tiktok", "c", "tok-c", T0 + 3000);
    h.call(1, Call::RefreshToken(key("instagram", "a")));
    let first = h.only_open();
    let effects = h.respond(first, status_code(429, Some("30")));
    let paused: Vec<_> = logs(&effects)
        .into_iter()
        .filter(|e| e.message.contains("paused"))
        .map(|e| (e.level, e.message, e.provider, e.status_code))
        .collect();
    assert_eq!(
        paused,
        [(
            Level::Info,
            "refreshes of instagram paused for 30000 ms (HTTP 429)".to_owned(),
            Some("instagram".to_owned()),
            Some(429)
        )]
    );
    h.advance(10_000);
    // Other providers go on; instagram's due accounts are listed with what is left.
    let effects = h.call(2, Call::RefreshExpiring);
    let sent = sends(&effects);
    assert_eq!(sent.len(), 1, "nothing is sent to instagram");
    assert!(h.url(sent[0]).ends_with("/refresh/tiktok/c"));
    h.respond(sent[0], ok(refresh_body("tiktok", "c", FAR)));
    let revalidation = h.only_open();
    assert!(h.url(revalidation).ends_with("/status"));
    let effects = h.respond(revalidation, ok(status_body(&[])));
    let (refreshed, failed, deferred) = expiring(&effects, 2);
    assert_eq!(refreshed, [key("tiktok", "c")]);
    assert!(failed.is_empty());
    assert_eq!(
        deferred,
        [
            (key("instagram", "a"), 20_000.0),
            (key("instagram", "b"), 20_000.0)
        ]
    );
    let batch: Vec<_> = logs(&effects)
        .into_iter()
        .filter(|e| e.operation == "refreshExpiring")
        .map(|e| e.message)
        .collect();
    assert_eq!(
        batch,
        ["refreshed 1 token(s), 0 failed, 2 deferred (provider paused)"]
    );
    // The refresh in flight when the 429 came goes on: its retry at the Retry-After.
    assert!(sends(&h.advance(19_999)).is_empty());
    let effects = h.advance(1);
    let sent = sends(&effects);
    assert_eq!(sent.len(), 1);
    assert!(h.url(sent[0]).ends_with("/refresh/instagram/a"));
    h.respond(sent[0], ok(refresh_body("instagram", "a", FAR)));
    // The pause is over: the batch refreshes instagram again.
    let effects = h.call(3, Call::RefreshExpiring);
    let sent = sends(&effects);
    assert_eq!(sent.len(), 1);
    assert!(h.url(sent[0]).ends_with("/refresh/instagram/b"));
}

#[test]
fn a_503_with_retry_after_pauses_one_without_does_not_and_a_429_without_pauses_for_the_backoff() {
    let mut config = grant_config();
    config.options.retry.max_retries = 0;
    let mut h = H::new(config);
    h.set_token("instagram", "a", "tok-a", T0 + 1000);
    h.set_token("tiktok", "b", "tok-b", T0 + 1000);
    h.set_token("youtube", "c", "tok-c", T0 + 1000);
    for (call, provider, id, response) in [
        (1, "instagram", "a", status_code(503, Some("5"))),
        (2, "tiktok", "b", status_code(503, None)),
        (3, "youtube", "c", status_code(429, None)),
    ] {
        h.call(call, Call::RefreshToken(key(provider, id)));
        let attempt = h.only_open();
        let effects = h.respond(attempt, response);
        assert_eq!(rejected(&effects, call).error.kind, ErrorKind::Http);
    }
    // A 429 without Retry-After: the backoff of the attempt (initialDelay, no jitter).
    let (sent, deferred) = probe(&mut h, 4);
    assert_eq!(sent, ["tiktok/b"]);
    assert_eq!(
        deferred,
        [
            (key("instagram", "a"), 5000.0),
            (key("youtube", "c"), 1000.0)
        ]
    );
    h.advance(1000);
    let (sent, deferred) = probe(&mut h, 5);
    assert_eq!(sent, ["tiktok/b", "youtube/c"]);
    assert_eq!(deferred, [(key("instagram", "a"), 4000.0)]);
    h.advance(4000);
    let (sent, deferred) = probe(&mut h, 6);
    assert_eq!(sent, ["instagram/a", "tiktok/b", "youtube/c"]);
    assert!(deferred.is_empty());
}

#[test]
fn a_foreground_refresh_of_a_paused_provider_waits_out_a_pause_within_max_retry_after() {
    let mut config = grant_config();
    config.options.retry.max_retries = 0;
    let mut h = H::new(config);
    h.set_token("instagram", "a", "tok-a", T0 + 1000);
    h.set_token("instagram", "b", "tok-b", T0 + 1000);
    h.call(1, Call::RefreshToken(key("instagram", "a")));
    let attempt = h.only_open();
    h.respond(attempt, status_code(429, Some("5")));
    h.advance(2000);
    let effects = h.call(2, Call::RefreshToken(key("instagram", "b")));
    assert!(sends(&effects).is_empty() && settles(&effects).is_empty());
    assert_eq!(set_timers(&effects), [3000.0], "what is left of the pause");
    // refreshIfNeeded shares the waiting refresh.
    let effects = h.call(3, Call::RefreshIfNeeded(key("instagram", "b")));
    assert!(sends(&effects).is_empty() && settles(&effects).is_empty());
    assert!(sends(&h.advance(2999)).is_empty());
    let effects = h.advance(1);
    let sent = sends(&effects);
    assert_eq!(sent.len(), 1);
    assert!(h.url(sent[0]).ends_with("/refresh/instagram/b"));
    let effects = h.respond(sent[0], ok(refresh_body("instagram", "b", FAR)));
    let settled = settles(&effects);
    assert_eq!(settled.len(), 1);
    assert_eq!(settled[0].0, [2, 3]);
    assert!(settled[0].1.is_ok());
}

#[test]
fn a_foreground_refresh_of_a_paused_provider_fails_at_once_with_429_when_the_pause_is_too_long() {
    let mut config = grant_config();
    config.options.retry.max_retries = 0;
    config.options.retry.max_retry_after = 10_000.0;
    config.metrics = true;
    let mut h = H::new(config);
    h.set_token("instagram", "b", "tok-b", T0 + 1000);
    h.call(1, Call::RefreshToken(key("instagram", "a")));
    let attempt = h.only_open();
    h.respond(attempt, status_code(429, Some("60")));
    h.advance(15_000);
    for (call, what) in [
        (2, Call::RefreshToken(key("instagram", "b"))),
        (3, Call::RefreshIfNeeded(key("instagram", "b"))),
    ] {
        let effects = h.call(call, what);
        assert!(sends(&effects).is_empty() && h.timers.is_empty());
        let error = rejected(&effects, call).error;
        assert_eq!(
            (
                error.kind,
                error.status_code,
                error.retry_after_ms,
                error.provider.as_deref(),
                error.account_id.as_deref(),
                error.attempts,
            ),
            (
                ErrorKind::Http,
                Some(429),
                Some(45_000.0),
                Some("instagram"),
                Some("b"),
                0
            )
        );
        // A failed operation like any other: logged and measured.
        assert_eq!(metrics(&effects).len(), 1);
        assert!(logs(&effects).iter().any(|e| e.level >= Level::Warn));
    }
    // Another provider is not paused.
    let effects = h.call(4, Call::RefreshToken(key("tiktok", "c")));
    assert_eq!(sends(&effects).len(), 1);
    // Once the pause is over, a foreground refresh is sent at once.
    h.advance(45_000);
    let effects = h.call(5, Call::RefreshToken(key("instagram", "b")));
    let sent = sends(&effects);
    assert_eq!(sent.len(), 1);
    assert!(h.url(sent[0]).ends_with("/refresh/instagram/b"));
}

#[test]
fn a_refresh_in_flight_when_its_provider_is_paused_goes_on_and_a_foreground_call_joins_it() {
    let mut config = grant_config();
    config.options.retry.max_retries = 1;
    let mut h = H::new(config);
    // `a` waits for its retry (a 503 without Retry-After pauses nothing).
    h.call(1, Call::RefreshToken(key("instagram", "a")));
    let attempt = h.only_open();
    h.respond(attempt, status_code(503, None));
    // `b`'s 429 pauses instagram for longer than maxRetryAfter.
    h.call(2, Call::RefreshToken(key("instagram", "b")));
    let attempt = h.only_open();
    let effects = h.respond(attempt, status_code(429, Some("120")));
    assert_eq!(rejected(&effects, 2).error.retry_after_ms, Some(120_000.0));
    // A call for `a` joins its request: neither rejected nor sent.
    let effects = h.call(3, Call::RefreshToken(key("instagram", "a")));
    assert!(sends(&effects).is_empty() && settles(&effects).is_empty());
    let effects = h.advance(1000);
    let sent = sends(&effects);
    assert_eq!(sent.len(), 1, "the retry goes on during the pause");
    assert!(h.url(sent[0]).ends_with("/refresh/instagram/a"));
    let effects = h.respond(sent[0], ok(refresh_body("instagram", "a", FAR)));
    let settled = settles(&effects);
    assert_eq!(settled.len(), 1);
    assert_eq!(settled[0].0, [1, 3]);
    // A new refresh of instagram is refused.
    let effects = h.call(4, Call::RefreshToken(key("instagram", "c")));
    assert!(sends(&effects).is_empty());
    assert_eq!(rejected(&effects, 4).error.status_code, Some(429));
}

#[test]
fn a_refresh_answered_401_moves_the_account_to_needs_reconnect_once_and_batches_skip_it() {
    let mut h = H::new(grant_config());
    h.set_token("instagram", "a", "tok-a", T0 + 60_000);
    h.set_token("instagram", "b", "tok-b", T0 + 60_000);
    let accounts = [("instagram", "a", SOON), ("instagram", "b", SOON)];
    h.load(1, status_body(&accounts));
    let key_before = h.c.view().key;
    h.call(2, Call::RefreshToken(key("instagram", "a")));
    let attempt = h.only_open();
    let cid = h.outgoing(attempt).correlation_id.clone();
    let effects = h.respond(attempt, status_code(401, None));
    assert_eq!(rejected(&effects, 2).error.status_code, Some(401));
    assert_eq!(needs_reconnect(&h), [("instagram".to_owned(), vec![0])]);
    assert!(h.c.view().key != key_before, "a new snapshot");
    assert_eq!(
        grant_logs(&effects),
        [(
            Level::Info,
            "the grant is gone (HTTP 401): the account needs reconnecting".to_owned(),
            Some("instagram".to_owned()),
            Some("a".to_owned()),
            Some(cid)
        )]
    );
    // refreshExpiring skips it; the other due account is refreshed.
    let effects = h.call(3, Call::RefreshExpiring);
    let sent = sends(&effects);
    assert_eq!(sent.len(), 1);
    assert!(h.url(sent[0]).ends_with("/refresh/instagram/b"));
    h.respond(sent[0], ok(refresh_body("instagram", "b", FAR)));
    let revalidation = h.only_open();
    // The server still shows `a` with the expiry it had at the failure: it stays.
    let still = [("instagram", "a", SOON), ("instagram", "b", FAR)];
    let effects = h.respond(revalidation, ok(status_body(&still)));
    let (refreshed, failed, deferred) = expiring(&effects, 3);
    assert_eq!(refreshed, [key("instagram", "b")]);
    assert!(failed.is_empty() && deferred.is_empty());
    assert_eq!(needs_reconnect(&h), [("instagram".to_owned(), vec![0])]);
    // Auto-refresh skips it too.
    h.c.config.options.auto_refresh = true;
    let effects = h.call(4, Call::Status { force: true });
    assert!(sends(&effects).len() == 1);
    let attempt = h.only_open();
    let effects = h.respond(attempt, ok(status_body(&still)));
    assert!(sends(&effects).is_empty(), "no refresh of `a`");
    // An explicit refresh still goes to the server; a second terminal failure logs nothing new.
    let effects = h.call(5, Call::RefreshToken(key("instagram", "a")));
    assert_eq!(sends(&effects).len(), 1);
    let attempt = h.only_open();
    let effects = h.respond(attempt, status_code(403, None));
    assert_eq!(rejected(&effects, 5).error.status_code, Some(403));
    assert!(grant_logs(&effects).is_empty());
    assert_eq!(grant_logs(&h.all).len(), 1);
    assert_eq!(needs_reconnect(&h), [("instagram".to_owned(), vec![0])]);
}

#[test]
fn only_a_4xx_other_than_408_and_429_says_the_grant_is_gone() {
    let mut config = grant_config();
    config.options.retry.max_retries = 0;
    let outcomes = [400, 401, 403, 404, 409, 410, 422, 408, 429, 500, 503, 0];
    for status in outcomes {
        let mut h = H::new(config.clone());
        h.load(1, status_body(&[("instagram", "a", SOON)]));
        h.call(2, Call::RefreshToken(key("instagram", "a")));
        let attempt = h.only_open();
        match status {
            0 => h.network_error(attempt),
            status => h.respond(attempt, status_code(status, None)),
        };
        let terminal = (400..500).contains(&status) && status != 408 && status != 429;
        let expected = match terminal {
            true => vec![("instagram".to_owned(), vec![0])],
            false => vec![],
        };
        assert_eq!(needs_reconnect(&h), expected, "HTTP {status}");
        assert_eq!(grant_logs(&h.all).len(), usize::from(terminal), "{status}");
        // A transient failure leaves the account due for the next batch (once a 429's pause,
        // its backoff, is over).
        h.advance(1000);
        let effects = h.call(3, Call::RefreshExpiring);
        assert_eq!(sends(&effects).len(), usize::from(!terminal), "{status}");
    }
}

#[test]
fn a_status_showing_the_account_connected_with_a_later_expiry_takes_it_out_of_needs_reconnect() {
    let mut h = H::new(grant_config());
    h.load(1, status_body(&[("instagram", "a", SOON)]));
    h.call(2, Call::RefreshToken(key("instagram", "a")));
    let attempt = h.only_open();
    h.respond(attempt, status_code(401, None));
    assert_eq!(needs_reconnect(&h).len(), 1);
    // The same expiry: still gone. A later one, but not connected: still gone.
    h.load(3, status_body(&[("instagram", "a", SOON)]));
    assert_eq!(needs_reconnect(&h).len(), 1);
    let mut expired = status_body(&[("instagram", "a", FAR)]);
    expired["integrations"][0]["status"] = json!("expired");
    h.load(4, expired);
    assert_eq!(needs_reconnect(&h).len(), 1);
    assert!(grant_logs(&h.all).len() == 1);
    // Connected with a later expiry: back.
    h.call(5, Call::Status { force: true });
    let attempt = h.only_open();
    let cid = h.outgoing(attempt).correlation_id.clone();
    let effects = h.respond(attempt, ok(status_body(&[("instagram", "a", FAR)])));
    assert!(needs_reconnect(&h).is_empty());
    assert_eq!(
        grant_logs(&effects),
        [(
            Level::Info,
            "the account is connected again".to_owned(),
            Some("instagram".to_owned()),
            Some("a".to_owned()),
            Some(cid)
        )]
    );
    // Due again later: batches try it again.
    h.advance(FAR_MS - T0);
    let effects = h.call(6, Call::RefreshExpiring);
    assert_eq!(sends(&effects).len(), 1);
}

#[test]
fn an_account_a_status_no_longer_shows_leaves_needs_reconnect() {
    let mut h = H::new(grant_config());
    let both = [("instagram", "a", SOON), ("instagram", "b", FAR)];
    h.load(1, status_body(&both));
    h.call(2, Call::RefreshToken(key("instagram", "a")));
    let attempt = h.only_open();
    h.respond(attempt, status_code(404, None));
    assert_eq!(needs_reconnect(&h), [("instagram".to_owned(), vec![0])]);
    let effects = {
        h.call(3, Call::Status { force: true });
        let attempt = h.only_open();
        h.respond(attempt, ok(status_body(&[("instagram", "b", FAR)])))
    };
    assert!(needs_reconnect(&h).is_empty());
    assert_eq!(grant_logs(&effects).len(), 1);
    // Shown again (with its old expiry): not gone.
    h.load(4, status_body(&both));
    assert!(needs_reconnect(&h).is_empty());
}

#[test]
fn a_successful_refresh_takes_the_account_out_of_needs_reconnect() {
    let mut h = H::new(grant_config());
    h.load(1, status_body(&[("instagram", "a", SOON)]));
    h.call(2, Call::RefreshToken(key("instagram", "a")));
    let attempt = h.only_open();
    h.respond(attempt, status_code(403, None));
    assert_eq!(needs_reconnect(&h).len(), 1);
    // A failed explicit refresh (transient) keeps it there.
    h.c.config.options.retry.max_retries = 0;
    h.call(3, Call::RefreshToken(key("instagram", "a")));
    let attempt = h.only_open();
    h.respond(attempt, status_code(500, None));
    assert_eq!(needs_reconnect(&h).len(), 1);
    h.call(4, Call::RefreshToken(key("instagram", "a")));
    let attempt = h.only_open();
    let cid = h.outgoing(attempt).correlation_id.clone();
    let effects = h.respond(attempt, ok(refresh_body("instagram", "a", FAR)));
    assert!(needs_reconnect(&h).is_empty());
    let back: Vec<_> = grant_logs(&effects)
        .into_iter()
        .map(|(level, message, _, account, id)| (level, message, account, id))
        .collect();
    assert_eq!(
        back,
        [(
            Level::Info,
            "the account is connected again".to_owned(),
            Some("a".to_owned()),
            Some(cid)
        )]
    );
    assert_eq!(grant_logs(&h.all).len(), 2, "one entry per transition");
}

#[test]
fn a_successful_connect_of_its_provider_takes_the_account_out_of_needs_reconnect() {
    let mut config = grant_config();
    config.options.retry.max_retries = 0;
    let mut h = H::new(config);
    let accounts = [("instagram", "a", SOON), ("tiktok", "c", SOON)];
    h.load(1, status_body(&accounts));
    for (call, provider, id) in [(2, "instagram", "a"), (3, "tiktok", "c")] {
        h.call(call, Call::RefreshToken(key(provider, id)));
        let attempt = h.only_open();
        h.respond(attempt, status_code(401, None));
    }
    let both = [
        ("instagram".to_owned(), vec![0]),
        ("tiktok".to_owned(), vec![1]),
    ];
    assert_eq!(needs_reconnect(&h), both);
    // A failed connect changes nothing.
    h.call(4, connect("instagram"));
    let attempt = h.only_open();
    h.respond(attempt, status_code(500, None));
    assert_eq!(needs_reconnect(&h), both);
    h.call(5, connect("instagram"));
    let attempt = h.only_open();
    let effects = h.respond(attempt, ok(connect_body()));
    assert!(resolved(&effects, 5) != Answer::Nothing);
    assert_eq!(needs_reconnect(&h), [("tiktok".to_owned(), vec![1])]);
    let logged: Vec<_> = grant_logs(&effects)
        .into_iter()
        .map(|(level, message, provider, account, _)| (level, message, provider, account))
        .collect();
    assert_eq!(
        logged,
        [(
            Level::Info,
            "the account is connected again".to_owned(),
            Some("instagram".to_owned()),
            Some("a".to_owned())
        )]
    );
}

#[test]
fn a_change_of_needs_reconnect_notifies_subscribers() {
    let mut h = H::new(grant_config());
    h.load(1, status_body(&[("instagram", "a", SOON)]));
    h.subscribe();
    // Into needsReconnect by a refresh's terminal failure.
    h.call(2, Call::RefreshToken(key("instagram", "a")));
    let attempt = h.only_open();
    let before = h.c.view().key;
    let effects = h.respond(attempt, status_code(401, None));
    assert!(h.c.view().key != before && !needs_reconnect(&h).is_empty());
    assert!(effects.contains(&Effect::Notify), "gone: {effects:?}");
    // Out of it by a connect of its provider.
    h.call(3, connect("instagram"));
    let attempt = h.only_open();
    let before = h.c.view().key;
    let effects = h.respond(attempt, ok(connect_body()));
    assert!(h.c.view().key != before && needs_reconnect(&h).is_empty());
    assert!(effects.contains(&Effect::Notify), "back: {effects:?}");
}

#[test]
fn a_batch_skips_a_queued_account_whose_grant_went_while_it_waited() {
    let mut config = grant_config();
    config.options.retry.max_retries = 0;
    let mut h = H::new(config);
    for i in 0..6 {
        h.set_token("tiktok", &format!("a{i}"), &format!("tok-{i}"), T0 + 1000);
    }
    let effects = h.call(1, Call::RefreshExpiring);
    assert_eq!(sends(&effects).len(), 4, "two accounts wait in the queue");
    let queued: Vec<String> = (0..6)
        .map(|i| format!("a{i}"))
        .filter(|id| h.open_to(&format!("/refresh/tiktok/{id}")).is_empty())
        .collect();
    assert_eq!(queued.len(), 2);
    // One of them is refreshed in the foreground meanwhile: its grant is gone.
    h.call(2, Call::RefreshToken(key("tiktok", &queued[1])));
    let attempt = *h
        .open_to(&format!("/refresh/tiktok/{}", queued[1]))
        .first()
        .unwrap();
    h.respond(attempt, status_code(401, None));
    assert_eq!(h.c.data.gone_of("tiktok"), [key("tiktok", &queued[1])]);
    // The batch goes on: the other queued account is refreshed, the gone one is not.
    while let Some(&attempt) = h.open.first() {
        if h.url(attempt).ends_with("/status") {
            break;
        }
        let id = h.url(attempt).rsplit('/').next().unwrap().to_owned();
        h.respond(attempt, ok(refresh_body("tiktok", &id, FAR)));
    }
    assert_eq!(h.sent_to(&format!("/refresh/tiktok/{}", queued[0])), 1);
    assert_eq!(
        h.sent_to(&format!("/refresh/tiktok/{}", queued[1])),
        1,
        "only the foreground refresh"
    );
}

#[test]
fn the_server_snapshot_is_the_view_of_a_client_that_has_fetched_nothing_loading() {
    let h = H::new(config());
    let fresh = h.c.view();
    View::<J>::idle(|idle| {
        assert!(
            idle.is_loading && !idle.is_validating,
            "nothing fetched: loading"
        );
        assert!(idle.data.is_none() && idle.error.is_none() && idle.updated_at.is_none());
        assert!(idle.by_provider.is_empty() && idle.needs_reconnect.is_empty());
        assert_eq!(idle.key, fresh.key);
    });
}

#[test]
fn the_snapshot_is_the_same_object_until_what_it_shows_changes() {
    let mut h = H::new(config());
    let fresh = h.c.snapshot();
    assert!(fresh.same(&h.c.snapshot()), "asked twice, nothing changed");
    assert_eq!(
        (fresh.0["isLoading"].clone(), fresh.0.get("data")),
        (json!(true), None)
    );
    h.call(1, Call::Status { force: false });
    let attempt = h.only_open();
    h.respond(attempt, ok(status_body(&[("instagram", "a", FAR)])));
    let shown = h.c.snapshot();
    assert!(!shown.same(&fresh) && shown.same(&h.c.snapshot()));
    assert_eq!(
        shown.0["byProvider"]["instagram"][0],
        shown.0["integrations"][0]
    );
    assert_eq!(shown.0["summary"]["total"], json!(1));
    h.call(2, Call::Status { force: true });
    let validating = h.c.snapshot();
    assert!(!validating.same(&shown) && validating.0["isValidating"] == json!(true));
    let attempt = h.only_open();
    h.respond(attempt, ok(status_body(&[("instagram", "a", FAR)])));
    assert!(
        h.c.snapshot().same(&shown),
        "a revalidation that changed nothing ends on the object it started from"
    );
    h.call(3, Call::Status { force: true });
    let attempt = h.only_open();
    h.respond(attempt, ok(status_body(&[])));
    let emptied = h.c.snapshot();
    assert!(!emptied.same(&shown) && emptied.0["integrations"] == json!([]));
}

#[test]
fn a_status_checked_on_its_text_is_unchanged_when_its_payload_is_spelled_alike() {
    // Responses with their text (the slim entry's): the payload's own text tells an unchanged
    // one, with no text made of the new data; spelled otherwise, the trees are compared.
    let with_text = |body: Json, text: String| Response {
        text: Some(text),
        ..ok(body)
    };
    let one = status_body(&[("instagram", "a", FAR)]);
    let mut h = H::new(config());
    let answer = |h: &mut H, call, response| {
        h.call(call, Call::Status { force: true });
        let attempt = h.only_open();
        h.respond(attempt, response);
        h.c.snapshot()
    };
    let shown = answer(&mut h, 1, with_text(one.clone(), one.to_string()));
    let again = answer(&mut h, 2, with_text(one.clone(), one.to_string()));
    assert!(again.same(&shown), "the same text: the same object");
    let spaced = serde_json::to_string_pretty(&one).unwrap();
    let respaced = answer(&mut h, 3, with_text(one.clone(), spaced));
    assert!(
        respaced.same(&shown),
        "spelled otherwise, equal trees: the same object"
    );
    // The text is what tells: a body that says otherwise (never so in use) is not looked at.
    let two = status_body(&[("instagram", "a", FAR), ("tiktok", "b", FAR)]);
    let spaced = serde_json::to_string_pretty(&one).unwrap();
    let told = answer(&mut h, 4, with_text(two.clone(), spaced));
    assert!(told.same(&shown), "the text of the last payload again");
    let changed = answer(&mut h, 5, with_text(two.clone(), two.to_string()));
    assert!(!changed.same(&shown) && changed.0["summary"]["total"] == json!(2));
}

#[test]
fn the_text_is_asked_for_of_a_2xx_reply_to_a_checked_route_in_flight() {
    let mut h = H::new(config());
    h.call(1, Call::Status { force: false });
    let status = h.only_open();
    assert!(h.c.checks_text(status, 200) && h.c.checks_text(status, 204));
    assert!(!h.c.checks_text(status, 404) && !h.c.checks_text(status, 503));
    assert!(!h.c.checks_text(status, 302) && !h.c.checks_text(status, 0));
    h.respond(status, ok(status_body(&[])));
    assert!(!h.c.checks_text(status, 200), "no longer in flight");
    h.call(
        2,
        Call::Fetch {
            url: "https://elsewhere.example/things".into(),
        },
    );
    let raw = h.only_open();
    assert!(
        !h.c.checks_text(raw, 200),
        "fetchWithRetry's body is not checked"
    );
}

#[test]
fn account_arguments_are_a_provider_slug_and_a_well_formed_id_of_1_to_256() {
    let args =
        |p: Option<&str>, a: Option<&str>| account_args(p.map(Into::into), a.map(Into::into));
    assert_eq!(
        args(Some("tiktok"), Some("a")),
        Ok(("tiktok".into(), "a".into()))
    );
    assert_eq!(
        args(None, Some("a")),
        Err("provider must be a string".into())
    );
    let not_well_formed = Err("accountId must be a well-formed string".into());
    assert_eq!(args(Some("tiktok"), None), not_well_formed);
    assert!(args(Some("Not A Slug"), Some("a")).is_err());
    assert!(args(Some("tiktok"), Some("")).is_err());
    assert!(args(Some("tiktok"), Some(&"a".repeat(257))).is_err());
    assert!(provider_arg(Some("tiktok".into())).is_ok() && provider_arg(None).is_err());
}

#[test]
fn every_route_starts_at_base_url_else_the_pages_http_origin() {
    // A URL parser for the test: scheme://host/path, nothing else.
    let parse = |url: &str| {
        let (scheme, rest) = url.split_once("//")?;
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (scheme, host, path) = (scheme.to_owned(), host.to_owned(), path.to_owned());
        Some(move |part: &str| match part {
            "protocol" => scheme.clone(),
            "origin" => [&scheme, "//", &host].concat(),
            "pathname" => ["/", &path].concat(),
            _ => String::new(),
        })
    };
    let page = || Some("https://page.example".to_owned());
    let root_of = |base: Option<&str>, origin| root(base, origin, "/api/integrations", parse);
    let given = root_of(Some("https://api.example/v1/"), page());
    assert_eq!(
        given,
        Ok(Some("https://api.example/v1/api/integrations".into()))
    );
    let from_page = root_of(None, page());
    assert_eq!(
        from_page,
        Ok(Some("https://page.example/api/integrations".into()))
    );
    assert_eq!(
        root_of(None, Some("file://".into())),
        Ok(None),
        "not an http origin"
    );
    assert_eq!(
        root_of(None, None),
        Ok(None),
        "server rendering: no request, no error yet"
    );
    let refused = root_of(Some("nope"), page());
    assert_eq!(refused, Err("baseUrl 'nope' is not an absolute URL".into()));
    assert!(root_of(Some("ftp://files.example"), None).is_err());
}

#[test]
fn the_core_makes_the_request_init_of_its_routes_and_leaves_fetch_with_retrys_to_the_caller() {
    let mut h = H::new(config());
    h.call(1, Call::Status { force: false });
    let status = h.only_open();
    let (url, init) = h.c.request_init(status).expect("in flight");
    assert_eq!(url, format!("{ROOT}/status"));
    let init = init.expect("the core's RequestInit");
    assert_eq!(
        (init.0["method"].clone(), init.0["redirect"].clone()),
        (json!("GET"), json!("manual"))
    );
    h.respond(status, ok(status_body(&[])));
    let url = "https://elsewhere.example/things".to_owned();
    h.call(2, Call::Fetch { url: url.clone() });
    let raw = h.only_open();
    assert_eq!(h.c.request_init(raw), Some((url.as_str(), None)));
}

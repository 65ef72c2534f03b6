//! Token refresh: one request per account at a time (concurrent calls share it), the due
//! accounts, and `refreshExpiring`'s batch: at most four at once, then one revalidation.

use super::health::{paused_left, Deferred};
use super::request::{Ended, Outcome, Outgoing, Route, Waiter};
use super::{Answer, CallId, Client, Env, Rejection, RequestId, Value, Waits};
use crate::defaults::REFRESH_CONCURRENCY;
use crate::error::ErrorKind;
use crate::log::OperationInfo;
use crate::tokens::AccountKey;

/// A `refreshExpiring` run.
pub(super) struct Batch<V> {
    id: u32,
    /// Its caller (none for the auto-refresh after a status fetch).
    call: Option<CallId>,
    correlation_id: String,
    started: f64,
    /// The accounts left to refresh, the next one last.
    queue: Vec<AccountKey>,
    running: usize,
    refreshed: Vec<V>,
    failed: Vec<Rejection<V>>,
    /// Due accounts of paused providers, not tried.
    deferred: Vec<Deferred>,
    /// Waiting for the revalidation that follows the refreshes.
    revalidating: bool,
}

impl<V: Value> Client<V> {
    /// The accounts whose `expiresAt` is at or before `now + refreshWindowMs`, from the store's
    /// data and the token map, each once.
    pub(super) fn due_accounts(&self, env: &impl Env) -> Vec<AccountKey> {
        let window = self.config.options.refresh_window_ms as i64;
        self.tokens
            .borrow()
            .due_accounts(&self.data.accounts, window, env.now())
    }

    /// `refreshToken()` for a caller: the account's shared refresh. A paused provider's refresh
    /// waits out the pause when that is within `maxRetryAfter`, and fails at once otherwise.
    pub(super) fn refresh_for(&mut self, env: &mut impl Env, call: CallId, key: AccountKey) {
        let wait = match self.refresh_in_flight(&key) {
            Some(_) => None,
            None => self.paused_for(&key.0, env.now()),
        };
        if let Some(left) = wait.filter(|left| *left > self.config.options.retry.max_retry_after) {
            let error = self.paused_error(env, &key, left);
            let rejection = self.reject_at_once(env, "refreshToken", error);
            return self.settle(vec![call], Err(rejection));
        }
        match self.refresh_shared(env, &key, wait) {
            Ok(id) => self.join(id, call, "refreshToken", Some(key)),
            Err(problem) => self.refuse_call(env, call, "refreshToken", problem),
        }
    }

    fn refresh_in_flight(&self, key: &AccountKey) -> Option<RequestId> {
        let request = self.requests.iter().find(|r| {
            matches!(r.route, Route::Refresh)
                && r.outgoing.provider.as_ref() == Some(&key.0)
                && r.outgoing.account_id.as_ref() == Some(&key.1)
        })?;
        Some(request.id)
    }

    /// One refresh per account at a time: the request in flight, or a new one (sent after
    /// `wait_ms`, when given).
    fn refresh_shared(
        &mut self,
        env: &mut impl Env,
        key: &AccountKey,
        wait_ms: Option<f64>,
    ) -> Result<RequestId, String> {
        if let Some(id) = self.refresh_in_flight(key) {
            return Ok(id);
        }
        let url = self.url(&["refresh", &key.0, &key.1])?;
        let mut outgoing = Outgoing::new(env, "refreshToken", "POST", url);
        (outgoing.provider, outgoing.account_id) = (Some(key.0.clone()), Some(key.1.clone()));
        self.unsent = wait_ms.is_some();
        let id = self.start(env, outgoing, Route::Refresh);
        self.unsent = false;
        if let Some(wait_ms) = wait_ms {
            self.wait_then_send(id, wait_ms);
        }
        Ok(id)
    }

    /// A refresh brought the account's new `expiresAt`: into the token map and the store.
    pub(super) fn refresh_ended(
        &mut self,
        env: &mut impl Env,
        account: Option<AccountKey>,
        correlation_id: &str,
        ended: Ended<V>,
    ) -> Outcome<V> {
        let Some(key) = account else {
            return ended.map(|(payload, _)| payload);
        };
        let error = ended.as_ref().err().map(|r| &r.error);
        self.grant_outcome(env, &key, correlation_id, error);
        let (payload, named) = ended?;
        if let Some(expires_at) = named.first().and_then(|a| a.expires_at) {
            self.tokens
                .borrow_mut()
                .set_expiry(&key.0, &key.1, expires_at);
            let expiry = payload.get("expiresAt");
            if expiry.is_some_and(|text| self.data.set_expiry(&key, text, expires_at, env.now())) {
                self.push(super::Effect::Notify);
            }
        }
        Ok(payload)
    }

    /// Refreshes every due account, at most four at a time, then revalidates once; `call`
    /// gets what was refreshed and what failed.
    pub(super) fn refresh_expiring(&mut self, env: &mut impl Env, call: Option<CallId>) {
        let id = self.id();
        // Accounts whose grant is gone wait for a reconnect, not for a refresh.
        // The queue is taken from its end: the first due last in it.
        let mut due = Vec::new();
        for key in self.due_accounts(env).into_iter().rev() {
            if !self.data.is_gone(&key) {
                due.push(key);
            }
        }
        self.batches.push(Batch {
            id,
            call,
            correlation_id: env.uuid(),
            started: env.clock(),
            queue: due,
            running: 0,
            refreshed: Vec::new(),
            failed: Vec::new(),
            deferred: Vec::new(),
            revalidating: false,
        });
        if let Some(call) = call {
            self.wait(call, "refreshExpiring", None, Waits::Batch(id));
        }
        for _ in 0..REFRESH_CONCURRENCY {
            self.batch_next(env, id);
        }
        self.batch_done(env, id);
    }

    fn batch(&mut self, id: u32) -> Option<&mut Batch<V>> {
        self.batches.iter_mut().find(|b| b.id == id)
    }

    /// Starts the batch's next refresh, if any is left; the accounts of paused providers on
    /// the way are deferred.
    fn batch_next(&mut self, env: &mut impl Env, id: u32) {
        let Some(batch) = self.batches.iter_mut().find(|b| b.id == id) else {
            return;
        };
        if self.disposed {
            // What `dispose()` cancelled ends the batch; nothing more starts.
            batch.queue.clear();
        }
        let key = loop {
            let Some(key) = batch.queue.pop() else {
                return;
            };
            if self.data.is_gone(&key) {
                continue; // its grant went while it waited in the queue
            }
            match paused_left(&self.paused, &key.0, env.now()) {
                Some(left) => batch.deferred.push(Deferred {
                    account: key,
                    retry_after_ms: left,
                }),
                None => break key,
            }
        };
        batch.running += 1;
        match self.refresh_shared(env, &key, None) {
            Ok(request) => self.hold(request, Waiter::Batch(id)),
            Err(problem) => {
                let rejection = self.refuse(env, "refreshToken", problem);
                self.batch_step(env, id, &Err(rejection));
            }
        }
    }

    /// A request the batch waited for ended: a refresh (counted, the next one started) or the
    /// final revalidation.
    pub(super) fn batch_step(&mut self, env: &mut impl Env, id: u32, ended: &Outcome<V>) {
        let disposed = self.disposed;
        let Some(batch) = self.batch(id) else {
            return;
        };
        if batch.revalidating {
            return self.batch_end(env, id);
        }
        batch.running -= 1;
        match ended {
            Ok(payload) => batch.refreshed.push(payload.clone()),
            // Cancelled by `dispose()`: the caller's intent, not a failure.
            Err(rejection) if disposed && rejection.error.kind == ErrorKind::Aborted => {}
            Err(rejection) => batch.failed.push(rejection.clone()),
        }
        self.batch_next(env, id);
        self.batch_done(env, id);
    }

    /// When every refresh has ended: the revalidation, or the end.
    fn batch_done(&mut self, env: &mut impl Env, id: u32) {
        let Some(batch) = self.batch(id) else {
            return;
        };
        if batch.running > 0 || !batch.queue.is_empty() || batch.revalidating {
            return;
        }
        if batch.refreshed.is_empty() || self.disposed {
            return self.batch_end(env, id);
        }
        // Its failure is the snapshot's error; the result says what was refreshed.
        match self.fetch_status(env, false) {
            Ok(request) => {
                if let Some(batch) = self.batch(id) {
                    batch.revalidating = true;
                }
                self.hold(request, Waiter::Batch(id));
            }
            Err(_) => self.batch_end(env, id),
        }
    }

    /// The batch's log entry and metric, and its caller's result.
    fn batch_end(&mut self, env: &mut impl Env, id: u32) {
        let Some(at) = self.batches.iter().position(|b| b.id == id) else {
            return;
        };
        let batch = self.batches.remove(at);
        let info = OperationInfo {
            operation: "refreshExpiring",
            correlation_id: &batch.correlation_id,
            ..Default::default()
        };
        let (ok, bad) = (batch.refreshed.len() as u32, batch.failed.len() as u32);
        // The run after a status fetch (`autoRefresh`) that found nothing due did nothing: no
        // log line and no metric for it, where a caller's `refreshExpiring()` always has both.
        let idle = batch.call.is_none() && ok + bad == 0 && batch.deferred.is_empty();
        if !idle {
            let duration_ms = env.clock() - batch.started;
            let mut entry = info.refreshed(ok, bad, duration_ms, env.now());
            if !batch.deferred.is_empty() {
                let deferred = crate::error::int_text(batch.deferred.len() as i64);
                entry.message.push_str(", ");
                entry.message.push_str(&deferred);
                entry.message.push_str(" deferred (provider paused)");
            }
            let metric = info.metric(bad == 0, duration_ms, ok + bad, None);
            self.log(entry);
            self.metric(metric);
        }
        let calls = batch
            .call
            .filter(|call| self.calls.iter().any(|(c, _)| c == call));
        let answer = Answer::Expiring {
            refreshed: batch.refreshed,
            failed: batch.failed,
            deferred: batch.deferred,
        };
        self.settle(calls.into_iter().collect(), Ok(answer));
    }
}

//! Token refresh: one request per account at a time (concurrent calls share it), the due
//! accounts, and `refreshExpiring`'s batch: at most four at once, then one revalidation.

use super::request::{Ended, Outgoing, Route, Waiter};
use super::{Answer, CallId, Client, Env, Rejection, RequestId, Value, Waits};
use crate::defaults::REFRESH_CONCURRENCY;
use crate::error::ErrorKind;
use crate::log::OperationInfo;
use crate::tokens::AccountKey;
use std::collections::VecDeque;

/// A `refreshExpiring` run.
pub(super) struct Batch<V> {
    id: u32,
    /// Its caller (none for the auto-refresh after a status fetch).
    call: Option<CallId>,
    correlation_id: String,
    started: f64,
    queue: VecDeque<AccountKey>,
    running: usize,
    refreshed: Vec<V>,
    failed: Vec<Rejection<V>>,
    /// Waiting for the revalidation that follows the refreshes.
    revalidating: bool,
}

impl<V: Value> Client<V> {
    /// The accounts whose `expiresAt` is at or before `now + refreshWindowMs`, from the store's
    /// data and the token map, each once.
    pub(super) fn due_accounts(&self, env: &impl Env) -> Vec<AccountKey> {
        let window = self.config.refresh_window_ms as i64;
        self.tokens
            .borrow()
            .due_accounts(&self.data.accounts, window, env.now())
    }

    /// `refreshToken()` for a caller: the account's shared refresh.
    pub(super) fn refresh_for(&mut self, env: &mut impl Env, call: CallId, key: AccountKey) {
        match self.refresh_shared(env, &key) {
            Ok(id) => self.join(id, call, "refreshToken", Some(key)),
            Err(problem) => {
                let rejection = self.refuse(env, "refreshToken", problem);
                self.settle(vec![call], Err(rejection));
            }
        }
    }

    /// One refresh per account at a time: the request in flight, or a new one.
    fn refresh_shared(
        &mut self,
        env: &mut impl Env,
        key: &AccountKey,
    ) -> Result<RequestId, String> {
        let in_flight = self.requests.iter().find(|r| {
            matches!(r.route, Route::Refresh)
                && r.outgoing.provider.as_ref() == Some(&key.0)
                && r.outgoing.account_id.as_ref() == Some(&key.1)
        });
        if let Some(request) = in_flight {
            return Ok(request.id);
        }
        let url = self.url(&["refresh", &key.0, &key.1])?;
        let mut outgoing = Outgoing::new(env, "refreshToken", "POST", url);
        (outgoing.provider, outgoing.account_id) = (Some(key.0.clone()), Some(key.1.clone()));
        Ok(self.start(env, outgoing, Route::Refresh))
    }

    /// A refresh brought the account's new `expiresAt`: into the token map and the store.
    pub(super) fn refresh_ended(
        &mut self,
        env: &mut impl Env,
        account: Option<AccountKey>,
        ended: Ended<V>,
    ) -> Ended<V> {
        let (Ok((payload, named)), Some(key)) = (&ended, account) else {
            return ended;
        };
        if let Some(expires_at) = named.first().and_then(|a| a.expires_at) {
            self.tokens
                .borrow_mut()
                .set_expiry(&key.0, &key.1, expires_at);
            if self.data.set_expiry(&key, payload, expires_at, env.now()) {
                self.push(super::Effect::Notify);
            }
        }
        ended
    }

    /// Refreshes every due account, at most four at a time, then revalidates once; `call`
    /// gets what was refreshed and what failed.
    pub(super) fn refresh_expiring(&mut self, env: &mut impl Env, call: Option<CallId>) {
        let id = self.id();
        let due = self.due_accounts(env);
        self.batches.push(Batch {
            id,
            call,
            correlation_id: env.uuid(),
            started: env.clock(),
            queue: due.into(),
            running: 0,
            refreshed: Vec::new(),
            failed: Vec::new(),
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

    /// Starts the batch's next refresh, if any is left.
    fn batch_next(&mut self, env: &mut impl Env, id: u32) {
        let Some(batch) = self.batches.iter_mut().find(|b| b.id == id) else {
            return;
        };
        if self.disposed {
            // What `dispose()` cancelled ends the batch; nothing more starts.
            batch.queue.clear();
        }
        let Some(key) = batch.queue.pop_front() else {
            return;
        };
        batch.running += 1;
        match self.refresh_shared(env, &key) {
            Ok(request) => self.hold(request, Waiter::Batch(id)),
            Err(problem) => {
                let rejection = self.refuse(env, "refreshToken", problem);
                self.batch_step(env, id, &Err(rejection));
            }
        }
    }

    /// A request the batch waited for ended: a refresh (counted, the next one started) or the
    /// final revalidation.
    pub(super) fn batch_step(&mut self, env: &mut impl Env, id: u32, ended: &Ended<V>) {
        let disposed = self.disposed;
        let Some(batch) = self.batches.iter_mut().find(|b| b.id == id) else {
            return;
        };
        if batch.revalidating {
            return self.batch_end(env, id);
        }
        batch.running -= 1;
        match ended {
            Ok((payload, _)) => batch.refreshed.push(payload.clone()),
            // Cancelled by `dispose()`: the caller's intent, not a failure.
            Err(rejection) if disposed && rejection.error.kind == ErrorKind::Aborted => {}
            Err(rejection) => batch.failed.push(rejection.clone()),
        }
        self.batch_next(env, id);
        self.batch_done(env, id);
    }

    /// When every refresh has ended: the revalidation, or the end.
    fn batch_done(&mut self, env: &mut impl Env, id: u32) {
        let Some(batch) = self.batches.iter().find(|b| b.id == id) else {
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
                if let Some(batch) = self.batches.iter_mut().find(|b| b.id == id) {
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
        let duration_ms = env.clock() - batch.started;
        let entry = info.refreshed(ok, bad, duration_ms, env.now());
        let metric = info.metric(bad == 0, duration_ms, ok + bad, None);
        self.log(entry.level, || entry);
        self.metric(metric);
        let calls = batch
            .call
            .filter(|call| self.calls.iter().any(|(c, _)| c == call));
        let answer = Answer::Expiring {
            refreshed: batch.refreshed,
            failed: batch.failed,
        };
        self.settle(calls.into_iter().collect(), Ok(answer));
    }
}

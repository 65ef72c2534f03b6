//! The operations on the store: `status` (cached, shared or fetched), `connect`, `disconnect`
//! with its optimistic removal and rollback, and what each request's end changes.

use super::request::{Ended, Outcome, Outgoing, Route, Waiter};
use super::{Answer, CallId, Client, Effect, Env, RequestId, Value};
use crate::log::{Metric, OperationInfo};
use crate::store::Read;
use crate::tokens::AccountKey;

impl<V: Value> Client<V> {
    /// `status()`: from the cache, joined to the request in flight, or a new request.
    pub(super) fn status(&mut self, env: &mut impl Env, call: CallId, force: bool) {
        match self.data.store.read(env.now(), force) {
            Read::Cached => {
                let data = self.data.data.clone().unwrap_or_else(V::null);
                let correlation_id = env.uuid();
                let info = OperationInfo {
                    operation: "status",
                    correlation_id: &correlation_id,
                    ..Default::default()
                };
                let metric = Metric {
                    cached: true,
                    ..info.metric(true, 0.0, 0, None)
                };
                self.metric(metric);
                self.settle_call(call, Ok(Answer::Value(data)));
            }
            Read::Join | Read::Fetch => match self.fetch_status(env, true) {
                Ok(id) => self.join(id, call, "status", None),
                Err(problem) => self.refuse_call(env, call, "status", problem),
            },
        }
    }

    /// The status request in flight, or a new one. `auto_refresh` is false for the revalidation
    /// that `refreshExpiring` starts itself, so that the two never loop.
    pub(super) fn fetch_status(
        &mut self,
        env: &mut impl Env,
        auto_refresh: bool,
    ) -> Result<RequestId, String> {
        let in_flight = self
            .requests
            .iter()
            .find(|r| matches!(r.route, Route::Status { .. }));
        if let Some(request) = in_flight {
            return Ok(request.id);
        }
        let url = self.url(&["status"])?;
        self.data.store.started();
        let outgoing = Outgoing::new(env, "status", "GET", url);
        let id = self.start(env, outgoing, Route::Status { auto_refresh });
        self.push(Effect::Notify);
        Ok(id)
    }

    /// Fetches the server's truth (sharing a request in flight) without anyone awaiting it: its
    /// failure is the snapshot's `error`.
    pub(super) fn revalidate_detached(&mut self, env: &mut impl Env) {
        if self.disposed {
            return;
        }
        if let Ok(id) = self.fetch_status(env, true) {
            self.hold(id, Waiter::Detached);
        }
    }

    pub(super) fn connect(
        &mut self,
        env: &mut impl Env,
        call: CallId,
        provider: String,
        redirect_uri: Option<String>,
    ) {
        let url = match self.url(&["connect", &provider]) {
            Ok(url) => url,
            Err(problem) => return self.refuse_call(env, call, "connect", problem),
        };
        let mut outgoing = Outgoing::new(env, "connect", "POST", url);
        outgoing.body = redirect_uri.map(|uri| {
            let mut body = String::from("{\"redirectUri\":");
            crate::json::write_string(&mut body, &uri);
            body.push('}');
            body
        });
        // Its errors and logs name the provider, though it is about no account yet.
        outgoing.provider = Some(provider);
        let id = self.start(env, outgoing, Route::Connect);
        self.join(id, call, "connect", None);
    }

    /// `disconnect`: the account leaves the store now, before the request (the UI updates in
    /// this tick); it comes back if the request fails.
    pub(super) fn disconnect(&mut self, env: &mut impl Env, call: CallId, key: AccountKey) {
        let url = match self.url(&[&key.0, &key.1]) {
            Ok(url) => url,
            Err(problem) => return self.refuse_call(env, call, "disconnect", problem),
        };
        let removal = self.data.remove_account(&key, env.now());
        if removal.is_some() {
            self.push(Effect::Notify);
        }
        let mut outgoing = Outgoing::new(env, "disconnect", "DELETE", url);
        (outgoing.provider, outgoing.account_id) = (Some(key.0.clone()), Some(key.1.clone()));
        let id = self.start(env, outgoing, Route::Disconnect(removal));
        self.join(id, call, "disconnect", Some(key));
    }

    /// What a request's end changes, and the outcome its waiters get; `source` is a status
    /// payload's text in its response, when it was checked there.
    pub(super) fn after(
        &mut self,
        env: &mut impl Env,
        route: Route<V>,
        outgoing: &Outgoing,
        ended: Ended<V>,
        source: Option<&str>,
    ) -> Outcome<V> {
        let cid = outgoing.correlation_id.as_str();
        match (route, ended) {
            (Route::Status { .. }, ended) => self.status_ended(env, cid, ended, source),
            (Route::Disconnect(_), Ok(done)) => {
                if let (Some(provider), Some(account_id)) =
                    (&outgoing.provider, &outgoing.account_id)
                {
                    self.tokens.borrow_mut().remove(provider, account_id);
                }
                self.revalidate_detached(env);
                self.tell_changed();
                Ok(done.0)
            }
            (Route::Disconnect(removal), Err(rejection)) => {
                if let Some(removal) = removal {
                    if self.data.restore(removal, env.now()) {
                        self.push(Effect::Notify);
                    } else {
                        self.revalidate_detached(env);
                    }
                }
                Err(rejection)
            }
            (Route::Refresh, ended) => self.refresh_ended(env, outgoing.account(), cid, ended),
            (Route::Connect, Ok(done)) => {
                // A new grant of this provider is on its way: its accounts leave needsReconnect.
                if let Some(provider) = &outgoing.provider {
                    self.grants_back(env, &self.data.gone_of(provider), cid);
                }
                self.tell_changed();
                Ok(done.0)
            }
            (Route::Connect | Route::Raw, ended) => ended.map(|(payload, _)| payload),
        }
    }

    /// Takes a status request's end into the store: new data (the same value when it equals the
    /// old), an error beside the last good data, or nothing when every caller left.
    fn status_ended(
        &mut self,
        env: &mut impl Env,
        cid: &str,
        ended: Ended<V>,
        source: Option<&str>,
    ) -> Outcome<V> {
        let outcome = match ended {
            Ok((data, accounts)) => {
                let data = self.data.succeeded(env.now(), data, accounts, source);
                // Those it shows connected again leave needsReconnect.
                self.grants_back(env, &self.data.reconnected(), cid);
                self.clear_error_retry();
                Ok(data)
            }
            // Every caller stopped waiting (or `dispose()`): not a failure of the data.
            Err(rejection) if rejection.error.kind == crate::error::ErrorKind::Aborted => {
                self.data.store.cancelled();
                Err(rejection)
            }
            Err(rejection) => {
                self.data.failed(rejection.clone());
                self.schedule_error_retry();
                Err(rejection)
            }
        };
        self.push(Effect::Notify);
        outcome
    }
}

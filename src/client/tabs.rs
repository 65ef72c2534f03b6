//! Clients of one origin and API in several tabs (API.md §12): a refresh holds the account's
//! Web Lock for its request and tells the other tabs its outcome, so that a due account is
//! refreshed by one tab only (rotating refresh tokens are spent once); a connect or disconnect
//! tells them to revalidate. The boundary carries the lock and the channel; the rules are here.

use super::request::Route;
use super::{Client, Effect, Env, RequestId, Value};
use crate::model::AccountRef;
use crate::time::EpochMs;
use crate::tokens::AccountKey;

/// What one tab tells the others. Never token text.
#[derive(Debug, Clone, PartialEq)]
pub enum TabMessage {
    /// An account's token was refreshed.
    Refreshed {
        /// The account.
        account: AccountKey,
        /// Its new expiry.
        expires_at: EpochMs,
        /// The same, as the server wrote it (RFC 3339).
        expires_text: String,
    },
    /// An account's refresh failed; `terminal` when its grant is gone.
    Failed {
        /// The account.
        account: AccountKey,
        /// A 4xx other than 408 and 429.
        terminal: bool,
    },
    /// An account was connected or disconnected: the store should revalidate.
    Changed,
}

impl TabMessage {
    /// A message from another tab, read defensively (it may come from another version of the
    /// package, or from anything that can post on the channel): `None` unless every field holds.
    pub fn read<V: crate::json::JsonView>(value: &V) -> Option<Self> {
        let text = |key: &str| value.get(key)?.as_str_within(256);
        let account = || {
            let (provider, account_id) = (text("provider")?, text("accountId")?);
            crate::model::check_provider(&provider).ok()?;
            crate::model::check_account_id(&account_id).ok()?;
            Some((provider, account_id))
        };
        match text("type")?.as_str() {
            "refreshed" => {
                let expires_text = text("expiresAt")?;
                Some(Self::Refreshed {
                    expires_at: crate::time::parse_rfc3339(&expires_text)?,
                    expires_text,
                    account: account()?,
                })
            }
            "failed" => Some(Self::Failed {
                terminal: value.get("terminal")?.as_bool()?,
                account: account()?,
            }),
            "changed" => Some(Self::Changed),
            _ => None,
        }
    }

    /// The message as the channel carries it.
    pub fn to_value<V: Value>(&self) -> V {
        // Its type, and the account it is about with the field that says what happened.
        let (kind, about) = match self {
            Self::Refreshed {
                account,
                expires_text,
                ..
            } => (
                "refreshed",
                Some((account, "expiresAt", V::string(expires_text))),
            ),
            Self::Failed { account, terminal } => {
                ("failed", Some((account, "terminal", V::boolean(*terminal))))
            }
            Self::Changed => ("changed", None),
        };
        account_object(("type", V::string(kind)), about)
    }

    /// The channel of the clients of one origin and API (`root`).
    pub fn channel_name(root: &str) -> String {
        ["integrations-client:", root].concat()
    }
}

/// An object of `first`, then, with `about`, an account's `provider` and `accountId` and the
/// field that says what happened to it.
fn account_object<V: Value>(first: (&str, V), about: Option<(&AccountKey, &str, V)>) -> V {
    let mut value = V::new_object();
    value.set(first.0, first.1);
    if let Some(((provider, account_id), key, what)) = about {
        value.set("provider", V::string(provider));
        value.set("accountId", V::string(account_id));
        value.set(key, what);
    }
    value
}

/// Where a refresh stands with its account's lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lock {
    /// No lock (one tab, or not a refresh).
    None,
    /// To be asked for before the first attempt.
    Wanted,
    /// Asked for, not yet granted.
    Waiting,
    /// Held until the request ends.
    Held,
}

impl<V: Value> Client<V> {
    /// Request `id`'s first attempt: after its lock, when it wants one. The lock of an account's
    /// refresh has the same name in every tab of this origin and API.
    pub(super) fn send_or_lock(&mut self, id: RequestId) {
        let Some(request) = self.requests.iter_mut().find(|r| r.id == id) else {
            return;
        };
        if request.lock != Lock::Wanted {
            return self.send_attempt(id);
        }
        request.lock = Lock::Waiting;
        let outgoing = &request.outgoing;
        let (Some(provider), Some(account_id)) = (&outgoing.provider, &outgoing.account_id) else {
            return;
        };
        let root = self.config.root.as_deref().unwrap_or_default();
        let name = [
            "integrations-client:refresh:",
            root,
            ":",
            provider,
            ":",
            account_id,
        ]
        .concat();
        self.push(Effect::Lock { request: id, name });
    }

    /// The lock of request `id` was granted. When another tab refreshed the account meanwhile
    /// (its new expiry is beyond the refresh window), the request ends with that outcome and
    /// sends nothing; so does a background refresh of an account whose grant another tab found
    /// gone meanwhile (an explicit `refreshToken` still sends). Otherwise it sends. Either end is
    /// not told back.
    pub fn locked(&mut self, env: &mut impl Env, id: RequestId) {
        let Some(request) = self.requests.iter_mut().find(|r| r.id == id) else {
            // Ended while it waited: let the lock go at once.
            return self.push(Effect::Unlock(id));
        };
        request.lock = Lock::Held;
        if request.timer.is_some() {
            return; // a pause is still being waited out; its timer sends
        }
        let Some(key) = request.outgoing.account() else {
            return self.send_attempt(id);
        };
        let only_background = !request
            .waiters
            .iter()
            .any(|w| matches!(w, super::request::Waiter::Call(_)));
        let until = env
            .now()
            .saturating_add(self.config.options.refresh_window_ms as i64);
        let ended = match self
            .heard
            .iter()
            .find(|(k, at, _)| *k == key && *at > until)
        {
            // Its callers get a response built from what the other tab told.
            Some((_, expires_at, text)) => {
                let about = (&key, "expiresAt", V::string(text));
                let payload = account_object(("success", V::boolean(true)), Some(about));
                let (provider, account_id) = key;
                let named = vec![AccountRef {
                    provider,
                    account_id,
                    expires_at: Some(*expires_at),
                    connected: true,
                }];
                Ok((payload, named))
            }
            None => {
                // What was learnt while it waited: a pause of its provider, a grant gone.
                if let Some(left) = self.paused_for(&key.0, env.now()) {
                    if let Some(request) = self.requests.iter_mut().find(|r| r.id == id) {
                        request.lock = Lock::Wanted;
                    }
                    self.push(Effect::Unlock(id));
                    return self.wait_then_send(id, left);
                }
                if !(only_background && self.data.is_gone(&key)) {
                    return self.send_attempt(id);
                }
                let message = "refreshToken was not sent: the grant is gone (another tab learnt \
                               it); the account needs reconnecting";
                // Not retryable, as every `http` error.
                let error = crate::error::IntegrationError::new(
                    crate::error::ErrorKind::Http,
                    message,
                    env.uuid(),
                )
                .with_account(Some(&key.0), Some(&key.1));
                Err(error.into())
            }
        };
        self.told = true;
        self.finish(env, id, ended, 0);
        self.told = false;
    }

    /// What a refresh that ends tells the other tabs, and the lock it lets go.
    pub(super) fn refresh_told(&mut self, id: RequestId, lock: Lock, message: Option<TabMessage>) {
        // Told before the lock goes: the tab granted it next has heard the outcome by then.
        if let Some(message) = message.filter(|_| self.config.options.cross_tab && !self.told) {
            self.push(Effect::Broadcast(message));
        }
        if matches!(lock, Lock::Waiting | Lock::Held) {
            self.push(Effect::Unlock(id));
        }
    }

    /// Tells the other tabs to revalidate (a connect or disconnect succeeded).
    pub(super) fn tell_changed(&mut self) {
        if self.config.options.cross_tab {
            self.push(Effect::Broadcast(TabMessage::Changed));
        }
    }

    /// Another tab said something.
    pub fn heard(&mut self, env: &mut impl Env, message: TabMessage) {
        if self.disposed {
            return;
        }
        match message {
            TabMessage::Refreshed {
                account,
                expires_at,
                expires_text,
            } => {
                // An outcome not newer than one already heard (messages may cross) changes
                // nothing; the token map and the store only ever move forward.
                let told = (account.clone(), expires_at, expires_text.clone());
                match self.heard.iter_mut().find(|(k, _, _)| *k == account) {
                    Some((_, at, _)) if *at >= expires_at => return,
                    Some(known) => *known = told,
                    None => self.heard.push(told),
                }
                let mut tokens = self.tokens.borrow_mut();
                let entry = tokens.get(&account.0, &account.1);
                if entry.is_some_and(|e| e.expires_at < expires_at) {
                    tokens.set_expiry(&account.0, &account.1, expires_at);
                }
                drop(tokens);
                if self
                    .data
                    .expiry_of(&account)
                    .is_none_or(|at| at < expires_at)
                {
                    let expiry = V::string(&expires_text);
                    if self
                        .data
                        .set_expiry(&account, expiry, expires_at, env.now())
                    {
                        self.push(Effect::Notify);
                    }
                }
                let correlation_id = env.uuid();
                self.grants_back(env, std::slice::from_ref(&account), &correlation_id);
            }
            TabMessage::Failed { account, terminal } => {
                if terminal {
                    let correlation_id = env.uuid();
                    let why = &["another tab found the grant gone"];
                    self.grant_gone(env, &account, &correlation_id, why);
                }
            }
            TabMessage::Changed => {
                if self.data.data.is_some() {
                    self.revalidate_detached(env);
                }
            }
        }
    }

    /// Whether request `id` is a refresh that wants its account's lock first.
    pub(super) fn wants_lock(&self, route: &Route<V>) -> Lock {
        match (route, self.config.options.cross_tab) {
            (Route::Refresh, true) => Lock::Wanted,
            _ => Lock::None,
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::super::testing::{ok, status_code, SimEnv, J};
    use super::super::{Call, Config, Effect};
    use super::*;
    use crate::json::JsonView;
    use serde_json::json;

    fn tab() -> (Client<J>, SimEnv) {
        let mut config = Config::with_root("https://app.example/api/integrations");
        config.options.cross_tab = true;
        (Client::new(config), SimEnv::new(3))
    }

    fn effects(c: &mut Client<J>) -> Vec<Effect<J>> {
        c.effects().collect()
    }

    /// The request that asked for a lock among the effects queued now.
    fn lock_asked(c: &mut Client<J>) -> RequestId {
        let effects = effects(c);
        let asked = effects.iter().find_map(|e| match e {
            Effect::Lock { request, .. } => Some(*request),
            _ => None,
        });
        asked.unwrap_or_else(|| panic!("no lock asked: {effects:?}"))
    }

    /// The attempt sent among the effects queued now.
    fn sent(c: &mut Client<J>) -> super::super::AttemptId {
        let effects = effects(c);
        let sent = effects.iter().find_map(|e| match e {
            Effect::Send(attempt) => Some(*attempt),
            _ => None,
        });
        sent.unwrap_or_else(|| panic!("nothing sent: {effects:?}"))
    }

    /// Another tab's refresh of `id`, to an expiry far beyond the refresh window.
    fn refreshed(id: &str) -> TabMessage {
        let text = "2030-01-01T00:00:00Z";
        TabMessage::Refreshed {
            account: ("instagram".into(), id.into()),
            expires_at: crate::time::parse_rfc3339(text).unwrap(),
            expires_text: text.into(),
        }
    }

    #[test]
    fn a_refresh_asks_for_its_accounts_lock_and_sends_only_once_granted() {
        let (mut c, mut env) = tab();
        c.call(
            &mut env,
            1,
            Call::RefreshToken(("instagram".into(), "a".into())),
        );
        let first = effects(&mut c);
        let Some(Effect::Lock { request, name }) =
            first.iter().find(|e| matches!(e, Effect::Lock { .. }))
        else {
            panic!("no lock asked: {first:?}");
        };
        assert_eq!(
            name,
            "integrations-client:refresh:https://app.example/api/integrations:instagram:a"
        );
        assert!(
            !first.iter().any(|e| matches!(e, Effect::Send(_))),
            "nothing sent before the lock"
        );
        c.locked(&mut env, *request);
        let sent = effects(&mut c);
        let Some(Effect::Send(attempt)) = sent.iter().find(|e| matches!(e, Effect::Send(_))) else {
            panic!("not sent once granted: {sent:?}");
        };
        let body = json!({"success": true, "provider": "instagram", "accountId": "a", "expiresAt": "2030-01-01T00:00:00Z"});
        c.response(&mut env, *attempt, ok(body));
        let end = effects(&mut c);
        assert!(
            end.contains(&Effect::Unlock(*request)),
            "the lock is let go: {end:?}"
        );
        let told = end.iter().find_map(|e| match e {
            Effect::Broadcast(TabMessage::Refreshed {
                account,
                expires_text,
                ..
            }) => Some((account.clone(), expires_text.clone())),
            _ => None,
        });
        assert_eq!(
            told,
            Some((
                ("instagram".into(), "a".into()),
                "2030-01-01T00:00:00Z".into()
            ))
        );
    }

    #[test]
    fn a_refresh_another_tab_finished_meanwhile_ends_with_its_outcome_and_sends_nothing() {
        let (mut c, mut env) = tab();
        c.call(
            &mut env,
            1,
            Call::RefreshToken(("instagram".into(), "a".into())),
        );
        let request = lock_asked(&mut c);
        c.heard(&mut env, refreshed("a"));
        effects(&mut c);
        c.locked(&mut env, request);
        let end = effects(&mut c);
        assert!(
            !end.iter().any(|e| matches!(e, Effect::Send(_))),
            "no request of its own: {end:?}"
        );
        assert!(
            !end.iter().any(|e| matches!(e, Effect::Broadcast(_))),
            "nothing told back"
        );
        assert!(end.contains(&Effect::Unlock(request)));
        let Some(Effect::Settle {
            calls,
            outcome: Ok(super::super::Answer::Value(payload)),
        }) = end.iter().find(|e| matches!(e, Effect::Settle { .. }))
        else {
            panic!("not settled with a response: {end:?}");
        };
        assert_eq!(calls, &[1]);
        assert_eq!(
            payload.get("accountId").and_then(|a| a.as_str()).as_deref(),
            Some("a")
        );
        assert_eq!(payload.get("success").and_then(|s| s.as_bool()), Some(true));
    }

    #[test]
    fn what_another_tab_tells_reaches_the_token_map_and_the_store() {
        let (mut c, mut env) = tab();
        c.call(&mut env, 1, Call::Status { force: false });
        let attempt = sent(&mut c);
        let body =
            super::super::testing::status_body(&[("instagram", "a", "2020-01-01T00:00:00Z")]);
        c.response(&mut env, attempt, ok(body));
        effects(&mut c);
        c.tokens()
            .borrow_mut()
            .set(
                "instagram",
                "a",
                crate::tokens::TokenEntry {
                    access_token: "at-secret".into(),
                    refresh_token: None,
                    expires_at: 0,
                },
            )
            .unwrap();
        let message = refreshed("a");
        let TabMessage::Refreshed { expires_at, .. } = message.clone() else {
            unreachable!()
        };
        c.heard(&mut env, message);
        assert!(effects(&mut c).contains(&Effect::Notify));
        assert_eq!(
            c.tokens()
                .borrow()
                .get("instagram", "a")
                .map(|e| e.expires_at),
            Some(expires_at)
        );
        let view = c.view();
        let data = view.data.unwrap();
        let shown = data
            .get("integrations")
            .and_then(|l| l.index(0))
            .and_then(|a| a.get("expiresAt"))
            .and_then(|t| t.as_str());
        assert_eq!(
            shown.and_then(|t| crate::time::parse_rfc3339(&t)),
            Some(expires_at)
        );
        // A terminal failure told by another tab moves the account to needsReconnect.
        c.heard(
            &mut env,
            TabMessage::Failed {
                account: ("instagram".into(), "a".into()),
                terminal: true,
            },
        );
        assert_eq!(
            c.view().needs_reconnect,
            [("instagram".to_owned(), vec![0])]
        );
    }

    #[test]
    fn a_disconnect_tells_the_other_tabs_which_revalidate() {
        let (mut c, mut env) = tab();
        c.call(
            &mut env,
            1,
            Call::Disconnect(("instagram".into(), "a".into())),
        );
        let attempt = sent(&mut c);
        c.response(&mut env, attempt, ok(json!({"success": true, "provider": "instagram", "accountId": "a", "message": "ok"})));
        assert!(effects(&mut c).contains(&Effect::Broadcast(TabMessage::Changed)));
        // The other tab, with data, revalidates when told; one without data does not.
        let (mut other, mut env2) = tab();
        other.heard(&mut env2, TabMessage::Changed);
        assert!(!effects(&mut other)
            .iter()
            .any(|e| matches!(e, Effect::Send(_))));
    }

    #[test]
    fn a_failed_refresh_is_told_without_token_text_and_a_cancelled_one_is_not_told() {
        let (mut c, mut env) = tab();
        c.call(
            &mut env,
            1,
            Call::RefreshToken(("instagram".into(), "a".into())),
        );
        let request = lock_asked(&mut c);
        c.locked(&mut env, request);
        let attempt = sent(&mut c);
        c.response(&mut env, attempt, status_code(401, None));
        let told: Vec<_> = effects(&mut c)
            .into_iter()
            .filter(|e| matches!(e, Effect::Broadcast(_)))
            .collect();
        assert_eq!(
            told,
            [Effect::Broadcast(TabMessage::Failed {
                account: ("instagram".into(), "a".into()),
                terminal: true
            })]
        );
        // The caller leaves while the lock is still asked for: withdrawn, nothing told.
        c.call(
            &mut env,
            2,
            Call::RefreshToken(("instagram".into(), "b".into())),
        );
        let request = lock_asked(&mut c);
        c.leave(&mut env, 2);
        let end = effects(&mut c);
        assert!(end.contains(&Effect::Unlock(request)));
        assert!(!end.iter().any(|e| matches!(e, Effect::Broadcast(_))));
    }

    #[test]
    fn messages_from_the_channel_are_read_defensively() {
        let read = |v: serde_json::Value| TabMessage::read(&J::new(v));
        assert_eq!(read(json!({"type": "changed"})), Some(TabMessage::Changed));
        assert!(read(json!({"type": "refreshed", "provider": "instagram", "accountId": "a", "expiresAt": "2030-01-01T00:00:00Z"})).is_some());
        assert_eq!(
            read(
                json!({"type": "refreshed", "provider": "Insta gram", "accountId": "a", "expiresAt": "2030-01-01T00:00:00Z"})
            ),
            None
        );
        assert_eq!(
            read(
                json!({"type": "refreshed", "provider": "instagram", "accountId": "a", "expiresAt": "soon"})
            ),
            None
        );
        assert_eq!(
            read(json!({"type": "failed", "provider": "instagram", "accountId": "a"})),
            None
        );
        assert_eq!(read(json!("changed")), None);
        let message = TabMessage::Failed {
            account: ("instagram".into(), "a".into()),
            terminal: false,
        };
        assert_eq!(TabMessage::read(&message.to_value::<J>()), Some(message));
    }
}

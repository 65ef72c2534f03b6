//! What refreshes teach the client about providers and grants (API.md §12): a 429, or a 503 with
//! `Retry-After`, pauses the refreshes of that provider; a 4xx other than 408 and 429 says the
//! grant is gone, and the account needs reconnecting until the server shows it connected again.

use super::{Client, Env, Value};
use crate::error::{int_text, ErrorKind, IntegrationError};
use crate::log::{Level, OperationInfo};
use crate::retry::Failure;
use crate::time::EpochMs;
use crate::tokens::AccountKey;

/// A due account `refreshExpiring()` did not try: its provider is paused.
#[derive(Debug, Clone, PartialEq)]
pub struct Deferred {
    /// The account.
    pub account: AccountKey,
    /// What is left of the pause.
    pub retry_after_ms: f64,
}

/// Whether a refresh's failure says the grant is gone: a 4xx other than 408 and 429.
///
/// ```
/// use integrations_client::client::is_terminal;
/// use integrations_client::error::{ErrorKind, IntegrationError};
/// let http = |status| IntegrationError::new(ErrorKind::Http, "x", "c").with_status(status);
/// assert!(is_terminal(&http(401)) && is_terminal(&http(404)));
/// assert!(!is_terminal(&http(408)) && !is_terminal(&http(429)) && !is_terminal(&http(503)));
/// assert!(!is_terminal(&IntegrationError::new(ErrorKind::Network, "x", "c")));
/// ```
pub fn is_terminal(error: &IntegrationError) -> bool {
    error.kind == ErrorKind::Http
        && error
            .status_code
            .is_some_and(|s| (400..500).contains(&s) && s != 408 && s != 429)
}

/// What is left at `now` of the pause of `provider` in `paused`, if it is paused.
pub(super) fn paused_left(
    paused: &[(String, EpochMs)],
    provider: &str,
    now: EpochMs,
) -> Option<f64> {
    paused
        .iter()
        .find(|(p, _)| p == provider)
        .map(|(_, until)| (until - now) as f64)
        .filter(|left| *left > 0.0)
}

impl<V: Value> Client<V> {
    /// What is left of the pause of `provider`'s refreshes, if it is paused.
    pub(super) fn paused_for(&self, provider: &str, now: EpochMs) -> Option<f64> {
        paused_left(&self.paused, provider, now)
    }

    /// A refresh attempt of `provider` failed: a 429, or a 503 with `Retry-After` (`told`, as
    /// the retry policy read it), pauses the provider's refreshes for the `Retry-After`, or
    /// else for `backoff_ms`.
    pub(super) fn maybe_pause(
        &mut self,
        env: &impl Env,
        provider: &str,
        failure: &Failure,
        told: Option<f64>,
        backoff_ms: f64,
    ) {
        let Failure::Status { status, .. } = failure else {
            return;
        };
        let pause_ms = match (status, told) {
            (429 | 503, Some(ms)) => ms,
            (429, None) => backoff_ms,
            _ => return,
        };
        let until = env.now().saturating_add(pause_ms as i64);
        match self.paused.iter_mut().find(|(p, _)| p == provider) {
            Some((_, at)) if *at >= until => return,
            Some((_, at)) => *at = until,
            None => self.paused.push((provider.to_owned(), until)),
        }
        let message = [
            "refreshes of ",
            provider,
            " paused for ",
            &int_text(pause_ms as i64),
            " ms (HTTP ",
            &int_text((*status).into()),
            ")",
        ]
        .concat();
        let info = OperationInfo {
            operation: "refreshToken",
            provider: Some(provider),
            ..Default::default()
        };
        let mut entry = info.entry(Level::Info, message, env.now());
        entry.correlation_id = None;
        entry.status_code = Some(*status);
        self.log(entry);
    }

    /// The error of a foreground refresh of a paused provider whose pause is too long to wait.
    pub(super) fn paused_error(
        &self,
        env: &mut impl Env,
        key: &AccountKey,
        left_ms: f64,
    ) -> IntegrationError {
        let message = [
            "refreshToken failed with HTTP 429: refreshes of ",
            &key.0,
            " are paused for another ",
            &int_text(left_ms as i64),
            " ms",
        ]
        .concat();
        let mut error = IntegrationError::new(ErrorKind::Http, message, env.uuid())
            .with_status(429)
            .with_account(Some(&key.0), Some(&key.1));
        error.retry_after_ms = Some(left_ms);
        error
    }

    /// A refresh of `key` ended: a terminal failure marks the grant gone, a success clears it.
    pub(super) fn grant_outcome(
        &mut self,
        env: &impl Env,
        key: &AccountKey,
        correlation_id: &str,
        error: Option<&IntegrationError>,
    ) {
        let Some(error) = error else {
            return self.grants_back(env, std::slice::from_ref(key), correlation_id);
        };
        // Only a terminal error (which always has a status) marks the grant gone.
        if let Some(status) = error.status_code.filter(|_| is_terminal(error)) {
            let why = ["the grant is gone (HTTP ", &int_text(status.into()), ")"];
            self.grant_gone(env, key, correlation_id, &why);
        }
    }

    /// `key`'s grant is gone (`why`, in parts): it needs reconnecting.
    pub(super) fn grant_gone(
        &mut self,
        env: &impl Env,
        key: &AccountKey,
        correlation_id: &str,
        why: &[&str],
    ) {
        let expiry = self.data.expiry_of(key);
        if self.data.mark_gone(key, expiry) {
            self.push(super::Effect::Notify);
            let mut message = why.concat();
            message.push_str(": the account needs reconnecting");
            // The failure itself is logged at `error`; this is the transition.
            self.grant_log(env, key, correlation_id, Level::Info, message);
        }
    }

    /// `keys` no longer need reconnecting: a refresh of one succeeded; a status fetch shows them
    /// connected with a later expiry than at their failure (or no longer at all); a connect of
    /// their provider succeeded.
    pub(super) fn grants_back(
        &mut self,
        env: &impl Env,
        keys: &[AccountKey],
        correlation_id: &str,
    ) {
        for key in keys {
            if self.data.clear_gone(key) {
                self.push(super::Effect::Notify);
                let message = "the account is connected again".to_owned();
                self.grant_log(env, key, correlation_id, Level::Info, message);
            }
        }
    }

    fn grant_log(
        &mut self,
        env: &impl Env,
        key: &AccountKey,
        correlation_id: &str,
        level: Level,
        message: String,
    ) {
        let info = OperationInfo {
            operation: "refreshToken",
            correlation_id,
            provider: Some(&key.0),
            account_id: Some(&key.1),
        };
        self.log(info.entry(level, message, env.now()));
    }
}

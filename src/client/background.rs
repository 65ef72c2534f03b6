//! Work the client does by itself, only while someone is subscribed: polling, revalidation on
//! focus and on reconnect, retries after an error; and the debounce of `requestRefresh()`.

use super::request::Waiter;
use super::{CallId, Client, Effect, Env, TimerId, Value, Waits};

#[derive(Debug, Default)]
pub(super) struct Background {
    pub subscribers: u32,
    pub poll_timer: Option<TimerId>,
    pub error_timer: Option<TimerId>,
    pub debounce_timer: Option<TimerId>,
    pub debounce_waiters: Vec<CallId>,
}

impl<V: Value> Client<V> {
    fn subscribed(&self) -> bool {
        self.background.subscribers > 0 && !self.disposed
    }

    /// A subscriber was added: the first one starts polling and the window listeners.
    pub fn subscribe(&mut self, env: &mut impl Env) {
        if self.disposed {
            return;
        }
        self.background.subscribers += 1;
        if self.background.subscribers == 1 {
            self.arm_poll(env);
            self.push(Effect::Listen(true));
        }
    }

    /// A subscriber left: the last one stops the background work.
    pub fn unsubscribe(&mut self) {
        if self.background.subscribers == 0 {
            return;
        }
        if self.background.subscribers == 1 {
            self.stop_background();
        }
        self.background.subscribers -= 1;
    }

    pub(super) fn stop_background(&mut self) {
        if let Some(timer) = self.background.poll_timer.take() {
            self.push(Effect::ClearTimer(timer));
        }
        self.clear_error_retry();
        if self.background.subscribers > 0 {
            self.push(Effect::Listen(false));
        }
    }

    fn arm_poll(&mut self, env: &impl Env) {
        if let Some(timer) = self.background.poll_timer.take() {
            self.push(Effect::ClearTimer(timer));
        }
        if let Some(delay_ms) = self.data.store.poll_delay(env.visible()) {
            let timer = self.id();
            self.background.poll_timer = Some(timer);
            self.push(Effect::SetTimer { timer, delay_ms });
        }
    }

    pub(super) fn schedule_error_retry(&mut self) {
        if !self.subscribed() || self.background.error_timer.is_some() {
            return;
        }
        if let Some(delay_ms) = self.data.store.next_error_retry() {
            let timer = self.id();
            self.background.error_timer = Some(timer);
            self.push(Effect::SetTimer { timer, delay_ms });
        }
    }

    pub(super) fn clear_error_retry(&mut self) {
        if let Some(timer) = self.background.error_timer.take() {
            self.push(Effect::ClearTimer(timer));
        }
    }

    fn revalidate_in_background(&mut self, env: &mut impl Env) {
        if self.subscribed() {
            self.revalidate_detached(env);
        }
    }

    /// A timer set by an [`Effect::SetTimer`] fired.
    pub fn timer(&mut self, env: &mut impl Env, timer: TimerId) {
        if self.request_timer(env, timer) {
            return;
        }
        if self.background.poll_timer == Some(timer) {
            self.background.poll_timer = None;
            self.revalidate_in_background(env);
            if self.subscribed() {
                self.arm_poll(env);
            }
        } else if self.background.error_timer == Some(timer) {
            self.background.error_timer = None;
            self.revalidate_in_background(env);
        } else if self.background.debounce_timer == Some(timer) {
            self.background.debounce_timer = None;
            self.debounced(env);
        }
    }

    /// The window gained focus: revalidate, throttled.
    pub fn focus(&mut self, env: &mut impl Env) {
        if self.data.store.focused(env.now()) {
            self.revalidate_in_background(env);
        }
    }

    /// The page's visibility changed (`env.visible()` says to what).
    pub fn visibility(&mut self, env: &mut impl Env) {
        if env.visible() {
            self.focus(env);
        }
        if self.subscribed() {
            self.arm_poll(env);
        }
    }

    /// The browser came back online.
    pub fn online(&mut self, env: &mut impl Env) {
        if self.data.store.online() {
            self.revalidate_in_background(env);
        }
    }

    /// `requestRefresh()`: calls less than `debounceMs` apart end in one status request.
    pub(super) fn request_refresh(&mut self, call: CallId) {
        self.background.debounce_waiters.push(call);
        self.wait(call, "status", None, Waits::Debounce);
        if let Some(timer) = self.background.debounce_timer.take() {
            self.push(Effect::ClearTimer(timer));
        }
        let timer = self.id();
        self.background.debounce_timer = Some(timer);
        let delay_ms = self.config.options.debounce_ms;
        self.push(Effect::SetTimer { timer, delay_ms });
    }

    fn debounced(&mut self, env: &mut impl Env) {
        let waiters = std::mem::take(&mut self.background.debounce_waiters);
        match self.fetch_status(env, true) {
            Ok(id) => {
                // The request goes on even if every waiter leaves: the debounce asked for it.
                self.hold(id, Waiter::Detached);
                for call in waiters {
                    self.unwait(&[call]);
                    self.join(id, call, "status", None);
                }
            }
            Err(problem) => {
                let rejection = self.refuse(env, "status", problem);
                self.settle(waiters, Err(rejection));
            }
        }
    }
}

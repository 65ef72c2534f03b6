//! Work the client does by itself, only while someone is subscribed: polling, revalidation on
//! focus and on reconnect, retries after an error, the debounce timer; and telling subscribers.

use super::engine::*;
use super::flight::forward;
use super::{clear_timeout, get, global, now, set_timeout};
use js_sys::Function;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

impl Inner {
    /// Calls every subscriber; React then reads `getSnapshot()`, which is the same object unless
    /// something it shows changed.
    pub(super) fn notify(&self) {
        let listeners: Vec<Function> = self
            .state
            .borrow()
            .listeners
            .iter()
            .map(|(_, f)| f.clone())
            .collect();
        for listener in listeners {
            // A listener that throws must not stop the others.
            let _ = listener.call0(&JsValue::NULL);
        }
    }

    // --- background work, only while subscribed -------------------------------------------

    pub(super) fn subscribed(&self) -> bool {
        !self.state.borrow().listeners.is_empty() && !self.disposed.get()
    }

    pub(super) fn page_visible() -> bool {
        get(&global(), "document")
            .and_then(|d| get(&d, "visibilityState"))
            .and_then(|v| v.as_string())
            .is_none_or(|v| v != "hidden")
    }

    pub(super) fn arm_poll(&self) {
        let mut state = self.state.borrow_mut();
        if let Some(timer) = state.poll_timer.take() {
            clear_timeout(&timer);
        }
        if let Some(delay) = state.store.poll_delay(Self::page_visible()) {
            state.poll_timer = Some(set_timeout(&self.callbacks.poll, delay));
        }
    }

    pub(super) fn schedule_error_retry(&self) {
        if !self.subscribed() {
            return;
        }
        let mut state = self.state.borrow_mut();
        if state.error_timer.is_none() {
            if let Some(delay) = state.store.next_error_retry() {
                state.error_timer = Some(set_timeout(&self.callbacks.error_retry, delay));
            }
        }
    }

    pub(super) fn window_listeners(&self, add: bool) {
        let global = super::global();
        let Some(document) = get(&global, "document") else {
            return;
        };
        let targets = [
            (global.clone(), "focus", &self.callbacks.focus),
            (global, "online", &self.callbacks.online),
            (document, "visibilitychange", &self.callbacks.visibility),
        ];
        for (target, event, callback) in targets {
            let target: &web_sys::EventTarget = target.unchecked_ref();
            let _ = if add {
                target.add_event_listener_with_callback(event, callback)
            } else {
                target.remove_event_listener_with_callback(event, callback)
            };
        }
    }

    pub(super) fn start_background(&self) {
        self.arm_poll();
        self.window_listeners(true);
    }

    pub(super) fn stop_background(&self) {
        let mut state = self.state.borrow_mut();
        for timer in [state.poll_timer.take(), state.error_timer.take()]
            .into_iter()
            .flatten()
        {
            clear_timeout(&timer);
        }
        drop(state);
        self.window_listeners(false);
    }

    pub(super) fn revalidate_in_background(self: &Rc<Self>) {
        if self.subscribed() {
            self.revalidate_detached();
        }
    }

    pub(super) fn on_poll(self: &Rc<Self>) {
        self.state.borrow_mut().poll_timer = None;
        self.revalidate_in_background();
        if self.subscribed() {
            self.arm_poll();
        }
    }

    pub(super) fn on_error_retry(self: &Rc<Self>) {
        self.state.borrow_mut().error_timer = None;
        self.revalidate_in_background();
    }

    pub(super) fn on_focus(self: &Rc<Self>) {
        if self.state.borrow_mut().store.focused(now()) {
            self.revalidate_in_background();
        }
    }

    pub(super) fn on_visibility(self: &Rc<Self>) {
        if Self::page_visible() {
            self.on_focus();
        }
        if self.subscribed() {
            self.arm_poll();
        }
    }

    pub(super) fn on_online(self: &Rc<Self>) {
        if self.state.borrow().store.online() {
            self.revalidate_in_background();
        }
    }

    pub(super) fn on_debounce(self: &Rc<Self>) {
        let waiters = {
            let mut state = self.state.borrow_mut();
            state.debounce_timer = None;
            std::mem::take(&mut state.debounce_waiters)
        };
        let promise = self.fetch_status(true).hold();
        for (resolve, reject) in waiters {
            forward(&promise, &resolve, &reject);
        }
    }
}

//! The platform's side of cross-tab coordination: Web Locks (`navigator.locks`) and a
//! `BroadcastChannel`. What to lock, when, and what a message means is the core's
//! (`crate::client::TabMessage`); this only carries it.

use super::signal::forward;
use super::{apply, call, construct, get, new_object, resolved, set};
use crate::held::Held;
use wasm_bindgen::prelude::*;

/// The tab's lock manager and channel, when the platform has both.
pub(crate) struct Tabs {
    locks: JsValue,
    channel: JsValue,
    /// The locks asked for, by request: the `AbortController` that withdraws the request, and
    /// once granted the function that lets the lock go.
    asked: Held<JsValue>,
}

impl Tabs {
    /// The platform's primitives, when both exist: `navigator.locks` and a new `BroadcastChannel`
    /// named `name`, which calls `on_message` with each message event.
    pub fn open(name: &str, on_message: &JsValue) -> Option<Self> {
        let global = super::global();
        let locks = get(&global, "navigator").and_then(|n| get(&n, "locks"))?;
        get(&locks, "request")?.is_function().then_some(())?;
        let channel = construct("BroadcastChannel", &[&name.into()]).ok()?;
        let _ = call(
            &channel,
            "addEventListener",
            &[&"message".into(), on_message],
        );
        // Node keeps a process alive while a channel is open: this one must not.
        let _ = call(&channel, "unref", &[]);
        Some(Self {
            locks,
            channel,
            asked: Held::default(),
        })
    }

    /// Asks for the lock `name` for `request`; `granted` is called with it, and the lock is held
    /// until the promise `granted` returns settles (`release`).
    pub fn lock(&self, request: u32, name: &str, granted: &JsValue, ignore: &JsValue) {
        let Ok(withdraw) = construct("AbortController", &[]) else {
            return;
        };
        let options = new_object();
        set(
            &options,
            "signal",
            get(&withdraw, "signal").unwrap_or_default(),
        );
        let asked = call(&self.locks, "request", &[&name.into(), &options, granted]);
        // Withdrawn before it was granted, the request rejects: nobody waits for that.
        forward(&resolved(&asked.unwrap_or_default()), ignore, ignore);
        self.asked.put(request, withdraw);
    }

    /// The lock of `request` was granted: `release` lets it go; at once when it is not asked
    /// for any more.
    pub fn granted(&self, request: u32, release: &JsValue) {
        if !self.asked.update(request, |held| *held = release.clone()) {
            let _ = apply(release, &JsValue::UNDEFINED, &[]);
        }
    }

    /// Lets go of `request`'s lock, or withdraws the request for it.
    pub fn release(&self, request: u32) {
        if let Some(held) = self.asked.take(request) {
            // The function that lets go, or the controller that withdraws.
            let _ = match held.is_function() {
                true => apply(&held, &JsValue::UNDEFINED, &[]),
                false => call(&held, "abort", &[]),
            };
        }
    }

    /// Posts `message` to the other tabs.
    pub fn post(&self, message: &JsValue) {
        let _ = call(&self.channel, "postMessage", &[message]);
    }

    /// Closes the channel (`dispose()`).
    pub fn close(&self) {
        let _ = call(&self.channel, "close", &[]);
    }
}

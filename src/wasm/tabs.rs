//! The platform's side of cross-tab coordination: Web Locks (`navigator.locks`) and a
//! `BroadcastChannel`. What to lock, when, and what a message means is the core's
//! (`crate::client::TabMessage`); this only carries it.

use super::lock;
use crate::held::Held;
use crate::json::JsonView;
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
        let opened = super::defined(open_tabs(name, on_message))?;
        Some(Self {
            locks: opened.index(0)?,
            channel: opened.index(1)?,
            asked: Held::default(),
        })
    }

    /// Asks for the lock `name` for `request`; `granted` is called with it, and the lock is held
    /// until the promise `granted` returns settles (`release`).
    pub fn lock(&self, request: u32, name: &str, granted: &JsValue) {
        if let Some(withdraw) = super::defined(lock(&self.locks, name, granted)) {
            self.asked.put(request, withdraw);
        }
    }

    /// The lock of `request` was granted: `release` lets it go; at once when it is not asked
    /// for any more.
    pub fn granted(&self, request: u32, release: &JsValue) {
        if !self.asked.update(request, |held| *held = release.clone()) {
            super::release(release);
        }
    }

    /// Lets go of `request`'s lock, or withdraws the request for it.
    pub fn release(&self, request: u32) {
        if let Some(held) = self.asked.take(request) {
            super::release(&held);
        }
    }

    /// Posts `message` to the other tabs.
    pub fn post(&self, message: &JsValue) {
        post(&self.channel, message);
    }

    /// Closes the channel (`dispose()`).
    pub fn close(&self) {
        post(&self.channel, &JsValue::UNDEFINED);
    }
}

#[wasm_bindgen(module = "/pkg-template/boundary.js")]
extern "C" {
    /// `[navigator.locks, a new BroadcastChannel(name)]` calling `on_message`, or `undefined`.
    #[wasm_bindgen(js_name = openTabs)]
    fn open_tabs(name: &str, on_message: &JsValue) -> JsValue;
    /// `channel.postMessage(message)`, or `channel.close()` for `undefined`.
    fn post(channel: &JsValue, message: &JsValue);
}

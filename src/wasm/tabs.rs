//! The platform's side of cross-tab coordination: Web Locks (`navigator.locks`) and a
//! `BroadcastChannel`. What to lock, when, and what a message means is the core's
//! (`crate::client::TabMessage`); this only carries it.

use super::errors::set;
use super::get;
use super::signal::forward;
use crate::held::Held;
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::AbortController;

/// A lock asked for: the controller that withdraws the request, and once granted the function
/// that lets it go.
type Asked = (AbortController, Option<Function>);

/// The tab's lock manager and channel, when the platform has both.
pub(crate) struct Tabs {
    locks: JsValue,
    channel: JsValue,
    /// The locks asked for, by request.
    asked: Held<Asked>,
}

impl Tabs {
    /// The platform's primitives, when both exist: `navigator.locks` and a new `BroadcastChannel`
    /// named `name`, which calls `on_message` with each message event.
    pub fn open(name: &str, on_message: &Function) -> Option<Self> {
        let global = super::global();
        let locks = get(&global, "navigator").and_then(|n| get(&n, "locks"))?;
        get(&locks, "request")?.dyn_into::<Function>().ok()?;
        let class: Function = get(&global, "BroadcastChannel")?.dyn_into().ok()?;
        let args = js_sys::Array::of1(&name.into());
        let channel = Reflect::construct(&class, &args).ok()?;
        call(
            &channel,
            "addEventListener",
            &["message".into(), on_message.into()],
        );
        // Node keeps a process alive while a channel is open: this one must not.
        call(&channel, "unref", &[]);
        Some(Self {
            locks,
            channel,
            asked: Held::default(),
        })
    }

    /// Asks for the lock `name` for `request`; `granted` is called with it, and the lock is held
    /// until the promise `granted` returns settles (`release`).
    pub fn lock(&self, request: u32, name: &str, granted: &Function, ignore: &Function) {
        let Ok(withdraw) = AbortController::new() else {
            return;
        };
        let options: JsValue = js_sys::Object::new().into();
        set(&options, "signal", withdraw.signal());
        let asked = call(
            &self.locks,
            "request",
            &[name.into(), options, granted.into()],
        );
        // Withdrawn before it was granted, the request rejects: nobody waits for that.
        forward(&Promise::resolve(&asked), ignore, ignore);
        self.asked.put(request, (withdraw, None));
    }

    /// The lock of `request` was granted: the promise that holds it until `release`.
    pub fn granted(&self, request: u32) -> Promise {
        let mut release = None;
        let holding = Promise::new(&mut |resolve, _| release = Some(resolve));
        match self.asked.update(request, |(_, held)| *held = release) {
            true => holding,
            false => Promise::resolve(&JsValue::UNDEFINED),
        }
    }

    /// Lets go of `request`'s lock, or withdraws the request for it.
    pub fn release(&self, request: u32) {
        match self.asked.take(request) {
            Some((_, Some(release))) => drop(release.call0(&JsValue::UNDEFINED)),
            Some((withdraw, None)) => withdraw.abort(),
            None => {}
        }
    }

    /// Posts `message` to the other tabs.
    pub fn post(&self, message: &JsValue) {
        call(&self.channel, "postMessage", std::slice::from_ref(message));
    }

    /// Closes the channel (`dispose()`).
    pub fn close(&self) {
        call(&self.channel, "close", &[]);
    }
}

/// `target[method](...args)`, whatever it throws ignored: the platform's objects, not a caller's.
fn call(target: &JsValue, method: &str, args: &[JsValue]) -> JsValue {
    let Some(function) = get(target, method).and_then(|f| f.dyn_into::<Function>().ok()) else {
        return JsValue::UNDEFINED;
    };
    let args: js_sys::Array = args.iter().collect();
    Reflect::apply(&function, target, &args).unwrap_or_default()
}

//! The driver: pumps the core (`crate::client`) and carries out its effects — `fetch`, timers,
//! promises, abort signals, subscribers, window listeners, logs. It decides nothing: every event
//! goes to the core, every effect comes from it.
//!
//! One Rust closure per client (`wake`) is the callback of everything JavaScript calls back:
//! each timer, response and signal listener is `wake` bound to a kind and a number.

use super::errors::rejection_to_js;
use super::observe::Observer;
use super::signal::{CallerSignal, Listening};
use super::tabs::Tabs;
use super::transport::{read_response, Transport};
use super::{get, invoke, new_uuid, rejected, window_events};
use crate::client::{
    describe_network_error, objects, Answer, Call, CallId, Client, Effect, Env, Event, Rejection,
    Response, TabMessage,
};
use crate::held::Held;
use crate::time::EpochMs;
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;

/// What JavaScript calls `wake` about (its first argument).
const TIMER: u32 = 0;
const RESPONSE: u32 = 1;
const TEXT: u32 = 2;
const NETWORK: u32 = 3;
const LEAVE: u32 = 4;
const FOCUS: u32 = 5;
const VISIBILITY: u32 = 6;
const ONLINE: u32 = 7;
const UNSUBSCRIBE: u32 = 8;
const LOCKED: u32 = 9;
const MESSAGE: u32 = 10;
/// The executor of a call's promise: given its `resolve` and `reject`.
const EXECUTOR: u32 = 11;
/// The executor of the promise that holds a granted lock: given its `resolve`.
const HOLD: u32 = 12;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
    /// `setTimeout(wake, ms, kind, id)`: `wake(kind, id)` when it fires.
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(wake: &JsValue, ms: f64, kind: u32, id: u32) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(handle: &JsValue);
}

#[wasm_bindgen(module = "/pkg-template/boundary.js")]
extern "C" {
    /// A promise whose executor calls `wake(kind, id, resolve, reject)`.
    fn promise(wake: &JsValue, kind: u32, id: u32) -> JsValue;
    /// `wake(kind, id, value)` when `value` resolves, `wake(failed, id, why)` when it rejects.
    fn settled(value: &JsValue, wake: &JsValue, kind: u32, failed: u32, id: u32);
    /// `wake` bound to `kind` and `id`: a callback with no Rust closure of its own.
    fn bound(wake: &JsValue, kind: u32, id: u32) -> JsValue;
}

/// The platform as the core reads it.
pub(crate) struct Js;

impl Env for Js {
    fn now(&self) -> EpochMs {
        super::now()
    }
    fn clock(&self) -> f64 {
        performance_now()
    }
    fn random(&mut self) -> f64 {
        super::random()
    }
    fn uuid(&mut self) -> String {
        new_uuid()
    }
    fn visible(&self) -> bool {
        super::hidden().as_bool() != Some(true)
    }
    fn url_parses(&self, url: &str) -> bool {
        !super::url(url).is_undefined()
    }
}

/// An attempt in flight: its controller, and its response while the body is read.
type InFlight = (JsValue, Option<Response<JsValue>>);

/// A call's promise functions (`resolve`, `reject`), and the listener on its caller's signal.
struct Pending(JsValue, JsValue, Listening);

/// The driver of one core.
pub(crate) struct Driver {
    core: RefCell<Client<JsValue>>,
    pub transport: Transport,
    pub observer: Observer,
    wake: JsValue,
    /// `wake` bound to focus, online and visibility: the same functions to add and remove.
    window: [JsValue; 3],
    /// Calls not settled yet, by call.
    pending: Held<Pending>,
    /// Attempts in flight, by attempt.
    attempts: Held<InFlight>,
    /// `setTimeout` handles, by the core's timer.
    timers: Held<JsValue>,
    subscribers: Held<JsValue>,
    next: Cell<u32>,
    me: Weak<Self>,
    /// Web Locks and the channel to the other tabs, where the platform has them.
    tabs: Option<Tabs>,
    /// Itself while a call is pending: a promise settles even if the client object is dropped.
    keep: RefCell<Option<Rc<Self>>>,
}

impl Driver {
    /// A driver of `core`; with `channel`, the name of the channel to the other tabs, it
    /// coordinates with them where the platform can (the core is told whether it does).
    pub fn new(
        mut core: Client<JsValue>,
        transport: Transport,
        observer: Observer,
        channel: Option<String>,
    ) -> Rc<Self> {
        Rc::new_cyclic(|weak: &Weak<Self>| {
            let weak_self = weak.clone();
            let weak = weak.clone();
            // `Fn`, not `FnMut`: JavaScript it calls may call it again (a promise's executor).
            // `kind` and `id` are always the numbers `bound` gave.
            let wake = Closure::<dyn Fn(u32, u32, JsValue, JsValue) -> JsValue>::new(
                move |kind, id, value, more| match weak.upgrade() {
                    Some(driver) => driver.wake(kind, id, value, more),
                    None => JsValue::UNDEFINED,
                },
            );
            let wake = wake.into_js_value();
            let on = |kind: u32| bound(&wake, kind, 0);
            let tabs = channel.and_then(|name| Tabs::open(&name, &on(MESSAGE)));
            core.coordinate(tabs.is_some());
            Self {
                core: RefCell::new(core),
                transport,
                observer,
                window: [on(FOCUS), on(ONLINE), on(VISIBILITY)],
                wake,
                pending: Held::default(),
                attempts: Held::default(),
                timers: Held::default(),
                subscribers: Held::default(),
                next: Cell::new(0),
                me: weak_self,
                tabs,
                keep: RefCell::default(),
            }
        })
    }

    /// `wake` bound to `kind` and `id`: a callback with no Rust closure of its own.
    fn bound(&self, kind: u32, id: u32) -> JsValue {
        bound(&self.wake, kind, id)
    }

    /// Runs an event through the core, then carries out what it asks.
    pub fn event(&self, event: Event<'_, JsValue>) {
        self.core.borrow_mut().handle(&mut Js, event);
        self.pump();
    }

    /// Reads the core.
    pub fn read<T>(&self, read: impl FnOnce(&Client<JsValue>) -> T) -> T {
        read(&self.core.borrow())
    }

    /// Carries out the core's effects, in order, until there are none. No borrow is held while
    /// one runs: JavaScript it calls may call the client again.
    fn pump(&self) {
        loop {
            let effect = self.core.borrow_mut().next_effect();
            match effect {
                Some(effect) => self.perform(effect),
                None => return,
            }
        }
    }

    fn perform(&self, effect: Effect<JsValue>) {
        match effect {
            Effect::Send(attempt) => self.send(attempt),
            Effect::Abort(attempt) => {
                if let Some((controller, _)) = self.attempts.take(attempt) {
                    super::release(&controller);
                }
            }
            Effect::SetTimer { timer, delay_ms } => {
                let handle = set_timeout(&self.wake, delay_ms, TIMER, timer);
                self.timers.put(timer, handle);
            }
            Effect::ClearTimer(timer) => {
                if let Some(handle) = self.timers.take(timer) {
                    clear_timeout(&handle);
                }
            }
            Effect::Settle { calls, outcome } => self.settle(&calls, outcome),
            Effect::Notify => self.notify(),
            Effect::Listen(on) => self.window_listeners(on),
            Effect::Log(entry) => self.observer.emit(entry),
            Effect::Metric(metric) => self.observer.metric(metric),
            Effect::Lock { request, name } => {
                if let Some(tabs) = &self.tabs {
                    tabs.lock(request, &name, &self.bound(LOCKED, request));
                }
            }
            Effect::Unlock(request) => {
                if let Some(tabs) = &self.tabs {
                    tabs.release(request);
                }
            }
            Effect::Broadcast(message) => {
                if let Some(tabs) = &self.tabs {
                    tabs.post(&message.to_value());
                }
            }
        }
    }

    /// What JavaScript called back about; the granted callback of a lock returns the promise
    /// that holds it, every other callback returns nothing.
    fn wake(&self, kind: u32, id: u32, value: JsValue, more: JsValue) -> JsValue {
        if kind == EXECUTOR {
            self.pending
                .put(id, Pending(value, more, Default::default()));
            return JsValue::UNDEFINED;
        }
        match kind {
            LOCKED => return self.granted(id),
            HOLD => self.tabs.iter().for_each(|tabs| tabs.granted(id, &value)),
            MESSAGE => {
                let data = get(&value, "data").unwrap_or_default();
                if let Some(message) = TabMessage::read(&data) {
                    self.event(Event::Heard(message));
                }
            }
            TIMER => {
                self.timers.take(id);
                self.event(Event::Timer(id));
            }
            RESPONSE => self.response(id, &value),
            TEXT => self.text(id, &value),
            NETWORK => {
                self.attempts.take(id);
                let detail = describe_network_error(&value);
                self.event(Event::NetworkError(id, &detail));
            }
            LEAVE => self.event(Event::Leave(id)),
            FOCUS => self.event(Event::Focus),
            VISIBILITY => self.event(Event::Visibility),
            ONLINE => self.event(Event::Online),
            UNSUBSCRIBE if self.subscribers.take(id).is_some() => {
                self.event(Event::Unsubscribe);
            }
            _ => {}
        }
        JsValue::UNDEFINED
    }

    /// A lock this tab asked for was granted: the core sends (or ends the refresh with what
    /// another tab told); the lock is held until the core lets it go.
    fn granted(&self, request: u32) -> JsValue {
        if self.tabs.is_none() {
            return JsValue::UNDEFINED;
        }
        let holding = promise(&self.wake, HOLD, request);
        self.event(Event::Locked(request));
        holding
    }

    // --- requests ------------------------------------------------------------------------

    fn send(&self, attempt: u32) {
        let Some(controller) = super::defined(super::controller()) else {
            let detail = "AbortController is not available";
            return self.event(Event::NetworkError(attempt, detail));
        };
        let signal = get(&controller, "signal").unwrap_or_default();
        self.attempts.put(attempt, (controller, None));
        // Built under the core's borrow, sent after it: the caller's `fetch` may call the client.
        let built = self.read(|core| {
            let (url, init) = core.request_init(attempt)?;
            Some((JsValue::from_str(url), self.transport.init(init, &signal)))
        });
        let Some((url, init)) = built else {
            return;
        };
        self.settled(&self.transport.fetch(&url, &init), RESPONSE, attempt);
    }

    /// `fetch` resolved: the status and headers now, the body when `text()` resolves.
    fn response(&self, attempt: u32, response: &JsValue) {
        let read = read_response(response);
        let Ok((head, text)) = read else {
            let error = read.err().unwrap_or_default();
            return drop(self.wake(NETWORK, attempt, error, JsValue::UNDEFINED));
        };
        if !self
            .attempts
            .update(attempt, |(_, response)| *response = Some(head))
        {
            return;
        }
        self.settled(&text, TEXT, attempt);
    }

    /// When `value` (a promise, or not) settles: `wake` with `kind` and what it gave, or with
    /// `NETWORK` and why it was rejected.
    fn settled(&self, value: &JsValue, kind: u32, attempt: u32) {
        settled(value, &self.wake, kind, NETWORK, attempt);
    }

    /// The body was read: parsed by `JSON.parse` where it is; with the `bytes` feature (the
    /// slim entry) its text is also copied into wasm memory once, where the core checks it.
    fn text(&self, attempt: u32, text: &JsValue) {
        let Some((_, Some(mut response))) = self.attempts.take(attempt) else {
            return;
        };
        if !text.is_string() {
            let detail = "the response body did not read as text";
            return self.event(Event::NetworkError(attempt, detail));
        }
        response.body = super::defined(super::parse(text));
        #[cfg(feature = "bytes")]
        if response.body.is_some() && self.read(|core| core.checks_text(attempt, response.status)) {
            response.text = super::transport::utf8(text);
        }
        self.event(Event::Response(attempt, response));
    }

    // --- calls ---------------------------------------------------------------------------

    fn next_id(&self) -> u32 {
        self.next.set(self.next.get().wrapping_add(1));
        self.next.get()
    }

    /// Makes a call: a promise that the core settles (maybe at once). A signal that has already
    /// fired goes to the core as such; one that refuses a listener is refused.
    pub fn call(&self, what: Call, signal: CallerSignal) -> JsValue {
        let call = self.next_id();
        // Read once: a caller's signal may answer differently the next time.
        let given = signal.given();
        let aborted = given && signal.aborted();
        let listening = match given && !aborted {
            true => match signal.listen(self.bound(LEAVE, call)) {
                Ok(listening) => listening,
                Err(problem) => return self.refuse(what.operation(), problem),
            },
            false => Listening::default(),
        };
        // Its executor (`wake`) holds the promise's functions in `pending`.
        let promise = promise(&self.wake, EXECUTOR, call);
        if !self.pending.update(call, |p| p.2 = listening) {
            return promise;
        }
        self.keep.replace(self.me.upgrade());
        self.event(match aborted {
            true => Event::CallAborted(call, what),
            false => Event::Call(call, what),
        });
        promise
    }

    /// A call refused before it reached the core: logged and measured by the core.
    pub fn refuse(&self, operation: &'static str, problem: String) -> JsValue {
        rejected(&self.refusal(operation, problem))
    }

    /// The `invalid_input` error of a refused call.
    pub fn refusal(&self, operation: &'static str, problem: String) -> JsValue {
        let rejection = self.core.borrow_mut().refuse(&mut Js, operation, problem);
        self.pump();
        rejection_to_js(rejection)
    }

    fn settle(&self, calls: &[CallId], outcome: Result<Answer<JsValue>, Rejection<JsValue>>) {
        let settled = self.pending.take_all(calls);
        // Dropped when this returns: whoever called holds the driver until then.
        let _kept = match self.pending.is_empty() {
            true => self.keep.borrow_mut().take(),
            false => None,
        };
        let (rejects, value) = match outcome {
            Ok(answer) => (false, objects::answer(answer).unwrap_or_default()),
            Err(rejection) => (true, rejection_to_js(rejection)),
        };
        for p in settled {
            p.2.stop();
            let settle = if rejects { &p.1 } else { &p.0 };
            invoke(settle, &value);
        }
    }

    // --- subscribers and the window ------------------------------------------------------

    /// Adds a subscriber; returns its unsubscribe function.
    pub fn subscribe(&self, listener: JsValue) -> JsValue {
        let id = self.next_id();
        self.subscribers.put(id, listener);
        self.event(Event::Subscribe);
        self.bound(UNSUBSCRIBE, id)
    }

    fn notify(&self) {
        for listener in self.subscribers.values() {
            // A listener that throws must not stop the others.
            invoke(&listener, &JsValue::UNDEFINED);
        }
    }

    /// `dispose()`: the subscribers go; the core stops the rest.
    pub fn dispose(&self) {
        self.subscribers.clear();
        self.event(Event::Dispose);
        if let Some(tabs) = &self.tabs {
            tabs.close();
        }
    }

    fn window_listeners(&self, add: bool) {
        let [focus, online, visibility] = &self.window;
        window_events(add, focus, online, visibility);
    }

    // --- the snapshot --------------------------------------------------------------------

    /// The current snapshot: the same object as last time unless it changed (the core decides).
    pub fn snapshot(&self) -> JsValue {
        self.core.borrow_mut().snapshot()
    }
}

//! A caller's `AbortSignal`: read defensively, listened to with a function the driver binds, and
//! left clean when the call settles.

use super::{defined, get, invoke, listen};
use wasm_bindgen::prelude::*;

/// A caller's `AbortSignal`. It is the caller's object, so it may throw or lie: it is only ever
/// read and called through pkg-template/boundary.js's `read` and `listen`, which answer what
/// throws instead of throwing, and one that cannot be read is refused (`invalid_input`) before
/// anything starts. `undefined` when the call has none.
pub(crate) struct CallerSignal(JsValue);

/// A listener on a caller's signal, and `removeEventListener` bound to take it off again
/// (`undefined` when the call has no listener: no signal, or one already fired).
#[derive(Default)]
pub(crate) struct Listening {
    remove: JsValue,
}

impl CallerSignal {
    const REFUSED: &'static str = "options.signal must be an AbortSignal";

    /// `options.signal`: absent (`null` too), or a signal whose `aborted` reads as a boolean.
    pub fn read(options: &JsValue) -> Result<Self, String> {
        let signal = get(options, "signal").filter(|s| !s.is_null());
        let signal = Self(signal.unwrap_or_default());
        if signal.given() {
            signal.read_aborted().ok_or(Self::REFUSED)?;
        }
        Ok(signal)
    }

    /// Whether the call has a signal.
    pub fn given(&self) -> bool {
        !self.0.is_undefined()
    }

    fn read_aborted(&self) -> Option<bool> {
        get(&self.0, "aborted")?.as_bool()
    }

    /// Whether it has fired; one that can no longer be read counts as fired.
    pub fn aborted(&self) -> bool {
        self.read_aborted().unwrap_or(true)
    }

    /// Calls `listener` when the signal fires.
    pub fn listen(&self, listener: JsValue) -> Result<Listening, String> {
        let remove = defined(listen(&self.0, &listener)).ok_or(Self::REFUSED)?;
        Ok(Listening { remove })
    }
}

impl Listening {
    /// Takes the listener off, so that a settled call leaves nothing on the caller's signal.
    pub fn stop(&self) {
        if self.remove.is_undefined() {
            return;
        }
        invoke(&self.remove, &JsValue::UNDEFINED);
    }
}

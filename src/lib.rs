//! # integrations-client
//!
//! The typed client a web app uses to manage its users' connected social accounts, several per
//! provider: requests with retry and exponential backoff, typed errors with correlation ids, deep
//! validation of every response, a multi-account token map, and an SWR-style store.
//!
//! The crate is a pure core, natively testable, and a thin wasm shell:
//!
//! - [`client`]: the client itself as a sans-IO state machine: events in, effects out.
//! - [`time`]: RFC 3339 and HTTP-date parsing, without a date library.
//! - [`json`]: a read-only view of parsed JSON, so that validation runs on JS values and in tests.
//! - [`model`]: the deep validation of the wire types.
//! - [`tape`]: JSON text parsed in wasm memory, so that the same checks run on a body's text.
//! - [`options`]: reading and checking the options callers give.
//! - [`retry`]: the backoff schedule, `Retry-After`, and when to give up.
//! - [`store`]: the SWR-style state machine: dedupe, sharing, polling, focus, error retry.
//! - [`defaults`]: every default, which the README and the TypeScript are checked against.
//! - [`error`]: the error kinds, user messages, redaction and ids.
//! - [`failure`]: what a failed attempt or an unusable reply becomes (each error and its texts).
//! - [`log`]: log levels, entries and operation metrics.
//! - [`tokens`]: the multi-account token map, its expiry index and token redaction.
//! - [`guards`]: the rules of the runtime guards beyond the model's checks.
//! - [`held`]: what the boundary holds under the numbers the core hands out.
//! - [`ordmap`]: the small ordered map (a treap) under the token map's indexes.
//! - `wasm`: the JavaScript boundary (fetch, timers, abort signals, JS values).
#![warn(missing_docs)]

pub mod client;
pub mod defaults;
pub mod error;
pub mod failure;
pub mod guards;
pub mod held;
pub mod json;
pub mod log;
pub mod model;
pub mod options;
pub mod ordmap;
pub mod retry;
pub mod store;
pub mod tape;
pub mod time;
pub mod tokens;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

// Single-threaded wasm: power-of-two free lists instead of dlmalloc (README, "Size").
// Native builds compile it too, for its tests; only wasm32 uses it.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod alloc;

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: alloc::SizeClasses<alloc::Linear> = alloc::SizeClasses::new(alloc::Linear);

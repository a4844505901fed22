//! sessiontrail for JavaScript hosts: the wasm-bindgen exports (the class
//! `EventLog` of the npm package) and [`JsStore`], the core's `Store` over a
//! JavaScript `LogHost` object (the contract is in `bindings/README.md`).
//!
//! The core knows nothing of JavaScript beyond the clock and random bytes;
//! everything that crosses the boundary is here. Both modules exist only for
//! JavaScript hosts (`wasm32-unknown-unknown`); on any other target this
//! crate is empty.

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
mod bindings;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
mod js_store;

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
pub use bindings::JsEventLog;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
pub use js_store::JsStore;

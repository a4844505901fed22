//! The OTLP mapping for JavaScript hosts: the wasm-bindgen exports behind
//! the npm package's `toOtlp`, `OtlpMapper` and `otlpRequests`.
//!
//! Its own `.wasm`, apart from the core's: the package loads it the first
//! time an OTLP function is called (Node) or when `sessiontrail/otlp` is
//! imported (browsers), so a program that only logs never loads it, and the
//! core's `.wasm` keeps its size budget. On any other target than
//! `wasm32-unknown-unknown` this crate is empty.

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
mod bindings;

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
pub use bindings::JsOtlpMapper;

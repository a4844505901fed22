//! The core's shared test helpers (tests/common at the workspace root, one
//! copy for every crate's tests) and the hook tests' own.
#![allow(dead_code, unused_imports)]

#[path = "../../../../tests/common/mod.rs"]
mod shared;
pub use shared::*;

pub mod hook;

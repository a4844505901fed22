//! The core's shared test helpers (tests/common at the workspace root, one
//! copy for every crate's tests) and the hook tests' own.
#![allow(dead_code, unused_imports)]

#[path = "../../../../tests/common/mod.rs"]
mod shared;
pub use shared::*;

pub mod hook;

/// `sessiontrail otlp ARGS` with no `OTEL_*` variable but those in `env`
/// (the ones of the environment running the tests would change what it does).
pub fn otlp_clean_env<V: AsRef<std::ffi::OsStr>>(
    args: &[&str],
    env: &[(&str, V)],
) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_sessiontrail"));
    command.arg("otlp").args(args);
    for (name, _) in std::env::vars() {
        if name.starts_with("OTEL_") {
            command.env_remove(name);
        }
    }
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

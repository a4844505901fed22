//! The wasm platform: no `std::fs`, no flock. Bytes go through a host object
//! that JavaScript passes in; the clock and random numbers come from JS.

use crate::store::MemoryStore;

/// The store `EventLog` uses when none is named.
pub type DefaultStore = MemoryStore;

/// Milliseconds since the Unix epoch.
#[cfg(target_os = "unknown")]
pub(crate) fn unix_millis() -> u64 {
    js_sys::Date::now() as u64
}

#[cfg(not(target_os = "unknown"))]
pub(crate) fn unix_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Fills `buf` from crypto.getRandomValues (or WASI's random source).
pub(crate) fn fill_random(buf: &mut [u8]) {
    if getrandom::getrandom(buf).is_err() {
        let seed = unix_millis();
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (seed.rotate_left(i as u32 * 7) >> (i % 8)) as u8;
        }
    }
}

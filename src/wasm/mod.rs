//! The wasm platform: no `std::fs`, no flock of its own. Bytes and the lock
//! go through a host object that JavaScript passes in (the Node host takes
//! flock(2) itself, browser hosts a Web Lock); the clock and random numbers
//! come from JS.
//!
//! The store over a JavaScript `LogHost` object and the wasm-bindgen
//! exports live in crates/sessiontrail-wasm; this module is only what the
//! core itself needs from the platform. Under WASI the crate builds too,
//! with the in-memory store as its default.

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
///
/// A call into JavaScript for random bytes costs more than the rest of an
/// append (Node's randomFillSync most of all), and an append needs three
/// ids, so random bytes are drawn 4 KiB at a time and handed out from a
/// pool. Ids are unique labels, not secrets; a pool in this module's memory
/// is as good as fresh bytes for that.
pub(crate) fn fill_random(buf: &mut [u8]) {
    use std::cell::RefCell;

    const POOL: usize = 4096;
    struct Pool {
        bytes: [u8; POOL],
        /// Bytes not handed out yet, at the end of `bytes`. All zero at
        /// first, so the pool is in the .wasm's zeroed memory, not 4 KiB of
        /// its data.
        left: usize,
    }
    thread_local! {
        static RANDOM: RefCell<Pool> = const { RefCell::new(Pool { bytes: [0; POOL], left: 0 }) };
    }

    if buf.len() > POOL {
        fill_fresh(buf);
        return;
    }
    RANDOM.with(|pool| {
        let Ok(mut pool) = pool.try_borrow_mut() else {
            fill_fresh(buf);
            return;
        };
        if pool.left < buf.len() {
            fill_fresh(&mut pool.bytes);
            pool.left = POOL;
        }
        let start = POOL - pool.left;
        buf.copy_from_slice(&pool.bytes[start..start + buf.len()]);
        pool.left -= buf.len();
    });
}

#[cfg(target_os = "unknown")]
#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `crypto.getRandomValues(buf)`, the Web Crypto of browsers and of
    /// Node 19 and later, filling `buf` in wasm memory in place.
    #[wasm_bindgen(catch, js_namespace = crypto, js_name = getRandomValues)]
    fn get_random_values(buf: &mut [u8]) -> Result<(), wasm_bindgen::JsValue>;
}

fn fill_fresh(buf: &mut [u8]) {
    // Web Crypto straight into the pool, up to its limit of 65536 bytes a
    // call: getrandom 0.2 goes through a 256-byte buffer, 16 calls into
    // JavaScript per pool, which cost a quarter of a microsecond an append.
    // getrandom remains for hosts without it (Node 18's `require("crypto")`).
    #[cfg(target_os = "unknown")]
    if buf.len() <= 65536 && get_random_values(buf).is_ok() {
        return;
    }
    // Only a host without any crypto gets past getrandom: ids must still
    // differ, so stretch the clock and a call counter with xorshift.
    if getrandom::getrandom(buf).is_err() {
        use std::sync::atomic::{AtomicU64, Ordering};
        static CALLS: AtomicU64 = AtomicU64::new(0);
        let calls = CALLS.fetch_add(1, Ordering::Relaxed);
        let mut x = (unix_millis() ^ calls.rotate_left(40)) | 1;
        for b in buf.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = (x >> 24) as u8;
        }
    }
}

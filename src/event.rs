//! The ids and the time the log makes up for an event: random event, trace
//! and span ids, and the RFC 3339 timestamp, without a date or hex crate on
//! either target. The event types themselves are in `schema.rs`.

use crate::platform;

/// A random event id: `evt_` and 16 lowercase hex digits.
pub fn generate_event_id() -> String {
    random_hex::<8>("evt_")
}

/// A random W3C span id: 16 lowercase hex digits.
pub fn generate_span_id() -> String {
    random_hex::<8>("")
}

/// A random W3C trace id: 32 lowercase hex digits.
pub fn generate_trace_id() -> String {
    random_hex::<16>("")
}

/// The trace id the log fills in for an event of `session_id` appended
/// without one: the same for every event of the session, so that writers
/// that record no trace context still give one trace per session (the
/// session span its root). 32 lowercase hex digits, never all zeros: two
/// FNV-1a hashes of the session id (stable across versions and hosts; not
/// random, as W3C trace context allows for ids derived from another).
pub fn session_trace_id(session_id: &str) -> String {
    let fnv = |basis: u64| {
        session_id.bytes().fold(basis, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    };
    let (high, low) = (fnv(0xcbf2_9ce4_8422_2325), fnv(0x6c62_272e_07bb_0142));
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&high.to_be_bytes());
    bytes[8..].copy_from_slice(&low.to_be_bytes());
    if bytes == [0; 16] {
        bytes[15] = 1; // all zeros is no trace id in W3C trace context
    }
    hex("", &bytes)
}

/// The current time as RFC 3339 UTC with millisecond precision,
/// e.g. `2026-11-26T03:04:05.678Z`.
pub fn now_rfc3339() -> String {
    format_rfc3339_millis(platform::unix_millis())
}

/// `prefix` and `N` random bytes in lowercase hex. Written byte by byte, not
/// through `format!`: ids are made on every append.
fn random_hex<const N: usize>(prefix: &str) -> String {
    let mut bytes = [0u8; N];
    platform::fill_random(&mut bytes);
    hex(prefix, &bytes)
}

#[inline(never)]
fn hex(prefix: &str, bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut digits = [0u8; 64];
    let mut n = 0;
    for &b in bytes.iter().take(32) {
        digits[n] = HEX[usize::from(b >> 4)];
        digits[n + 1] = HEX[usize::from(b & 0xf)];
        n += 2;
    }
    let mut out = String::with_capacity(prefix.len() + n);
    out.push_str(prefix);
    out.push_str(std::str::from_utf8(&digits[..n]).unwrap_or_default());
    out
}

/// Formats milliseconds since the Unix epoch (UTC) as RFC 3339.
///
/// The civil date comes from Howard Hinnant's days-to-civil algorithm, so no
/// date crate is needed on either target. Digits are written by hand, not
/// through `format!`: this runs on every append.
pub fn format_rfc3339_millis(unix_millis: u64) -> String {
    let millis = unix_millis % 1000;
    let secs = unix_millis / 1000;
    let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
    let days = (secs / 86_400) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let mut out = Vec::with_capacity(24);
    // The epoch is day 0, so the year is at least 1970.
    push_digits(&mut out, year.unsigned_abs(), 4);
    out.push(b'-');
    push_digits(&mut out, month.unsigned_abs(), 2);
    out.push(b'-');
    push_digits(&mut out, day.unsigned_abs(), 2);
    out.push(b'T');
    push_digits(&mut out, h, 2);
    out.push(b':');
    push_digits(&mut out, m, 2);
    out.push(b':');
    push_digits(&mut out, s, 2);
    out.push(b'.');
    push_digits(&mut out, millis, 3);
    out.push(b'Z');
    String::from_utf8(out).unwrap_or_default()
}

/// `n` in decimal, zero-padded to `width` digits (as `{n:0width$}`).
#[inline(never)]
fn push_digits(out: &mut Vec<u8>, mut n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut i = digits.len();
    while n > 0 || digits.len() - i < width {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    out.extend_from_slice(&digits[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_documented_shape() {
        let e = generate_event_id();
        assert!(e.starts_with("evt_") && e.len() == 20, "{e}");
        assert!(e[4..]
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(generate_span_id().len(), 16);
        assert_eq!(generate_trace_id().len(), 32);
        assert_ne!(generate_trace_id(), generate_trace_id());
        let trace = session_trace_id("ssn_1");
        assert_eq!(trace.len(), 32);
        assert!(trace
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(trace, session_trace_id("ssn_1"), "the same for the session");
        assert_ne!(trace, session_trace_id("ssn_2"));
    }

    #[test]
    fn timestamps_are_written_as_format_wrote_them() {
        fn with_format(unix_millis: u64) -> String {
            let millis = unix_millis % 1000;
            let secs = unix_millis / 1000;
            let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
            let days = (secs / 86_400) as i64;
            let z = days + 719_468;
            let era = z.div_euclid(146_097);
            let doe = z.rem_euclid(146_097);
            let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
            let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
            let mp = (5 * doy + 2) / 153;
            let day = doy - (153 * mp + 2) / 5 + 1;
            let month = if mp < 10 { mp + 3 } else { mp - 9 };
            let year = yoe + era * 400 + i64::from(month <= 2);
            format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{millis:03}Z")
        }
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for i in 0..100_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            for t in [i * 86_399_999, x % 400_000_000_000_000, x] {
                assert_eq!(format_rfc3339_millis(t), with_format(t), "{t}");
            }
        }
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(format_rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            format_rfc3339_millis(951_782_400_123),
            "2000-02-29T00:00:00.123Z"
        );
        assert_eq!(
            format_rfc3339_millis(1_795_662_245_678),
            "2026-11-26T03:04:05.678Z"
        );
        assert!(now_rfc3339().ends_with('Z'));
    }
}

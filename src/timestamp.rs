//! Reading RFC 3339 date-times: the one reader of timestamps, shared by
//! the input check (an event to append must carry a UTC time) and the OTLP
//! mapping (which turns stored times into nanoseconds).
//!
//! Written here rather than taken from a date crate: it runs in the
//! size-budgeted `.wasm`, and the shapes met are few: the log's own
//! (`2026-11-26T03:04:05.678Z`), treeship-core's chrono `+00:00` form with
//! up to nine fractional digits, and the lowercase `t`/`z` RFC 3339 allows.

/// The fields of an RFC 3339 date-time, as written (not normalized to UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DateTime {
    /// 0 to 9999.
    pub year: u16,
    /// 1 to 12.
    pub month: u8,
    /// 1 to the month's last day (leap years counted).
    pub day: u8,
    /// 0 to 23.
    pub hour: u8,
    /// 0 to 59.
    pub minute: u8,
    /// 0 to 60 (60: a leap second).
    pub second: u8,
    /// The fraction of the second in nanoseconds (digits past the ninth
    /// dropped).
    pub nanos: u32,
    /// The offset from UTC in minutes (`Z` and `+00:00` are 0).
    pub offset_minutes: i16,
}

/// Reads `text` as an RFC 3339 date-time (`T`, `t` or a space between date
/// and time, an optional fraction, `Z` or `±hh:mm`); `None` otherwise.
pub fn parse_rfc3339(text: &str) -> Option<DateTime> {
    let b = text.as_bytes();
    // The date and time by one pattern (`d` a digit, any other byte
    // itself; `T` also `t` or a space), each run of digits one field:
    // small, for the size-budgeted `.wasm`.
    const PATTERN: &[u8; 19] = b"dddd-dd-ddTdd:dd:dd";
    if b.len() < PATTERN.len() {
        return None;
    }
    let mut n = [0u32; 6];
    let mut field = 0;
    for (&p, &c) in PATTERN.iter().zip(b) {
        if p == b'd' {
            if !c.is_ascii_digit() {
                return None;
            }
            // `get_mut`, not indexing: no panic path in the `.wasm`.
            let slot = n.get_mut(field)?;
            *slot = *slot * 10 + u32::from(c - b'0');
        } else if c == p || (p == b'T' && (c == b't' || c == b' ')) {
            field += 1;
        } else {
            return None;
        }
    }
    let [year, month, day, hour, minute, second] = n;
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let last_day = match month {
        2 => 28 + u32::from(leap),
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=12).contains(&month)
        || !(1..=last_day).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = PATTERN.len();
    let mut nanos = 0u32;
    let mut digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        while let Some(c) = b.get(i).filter(|c| c.is_ascii_digit()) {
            // Digits past the ninth are below a nanosecond: dropped.
            if digits < 9 {
                nanos = nanos * 10 + u32::from(c - b'0');
                digits += 1;
            }
            i += 1;
        }
        if digits == 0 {
            return None;
        }
    }
    for _ in digits..9 {
        nanos *= 10;
    }
    let offset_minutes = match b.get(i..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let two = |a: u8, b: u8| {
                (a.is_ascii_digit() && b.is_ascii_digit())
                    .then(|| i16::from(a - b'0') * 10 + i16::from(b - b'0'))
            };
            let (h, m) = (two(*h1, *h2)?, two(*m1, *m2)?);
            if h > 23 || m > 59 {
                return None;
            }
            if *sign == b'+' {
                h * 60 + m
            } else {
                -(h * 60 + m)
            }
        }
        _ => return None,
    };
    Some(DateTime {
        year: year as u16,
        month: month as u8,
        day: day as u8,
        hour: hour as u8,
        minute: minute as u8,
        second: second as u8,
        nanos,
        offset_minutes,
    })
}

/// Whether `text` is what an event to append must carry: an RFC 3339
/// date-time in UTC written with `Z`, date and time joined by `T`, no leap
/// second (JavaScript's `Date` and OTLP cannot hold one).
pub(crate) fn is_utc_timestamp(text: &str) -> bool {
    parse_rfc3339(text).is_some_and(|t| {
        t.second < 60
            && text.as_bytes().get(10) == Some(&b'T')
            && text.as_bytes().last() == Some(&b'Z')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_timestamps_are_accepted() {
        for text in [
            "2026-11-26T03:04:05.678Z",
            "2026-11-26T03:04:05Z",
            "2026-11-26T03:04:05.123456789Z",
            "2000-02-29T23:59:59Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.9Z",
        ] {
            assert!(is_utc_timestamp(text), "{text}");
        }
    }

    #[test]
    fn anything_else_is_refused() {
        for text in [
            "",
            "garbage",
            "2026-13-45T99:99:99Z",
            "2026-11-26T03:04:05+05:00",
            "2026-11-26T03:04:05+00:00",
            "2026-11-26T03:04:05",
            "2026-11-26",
            "2026-11-26 03:04:05Z",
            "2026-11-26t03:04:05z",
            "2026-11-26T03:04:05.Z",
            "2026-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-11-26T24:00:00Z",
            "2026-11-26T23:60:00Z",
            "2026-12-31T23:59:60Z",
            "2026-11-26T03:04:05Zjunk",
            "２０２６-11-26T03:04:05Z",
            "-026-11-26T03:04:05Z",
            " 2026-11-26T03:04:05Z",
        ] {
            assert!(!is_utc_timestamp(text), "{text:?}");
        }
    }

    #[test]
    fn fields_and_offsets_are_read() {
        let t = parse_rfc3339("2026-11-25T23:34:05.5-03:30").unwrap();
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.minute, t.second),
            (2026, 11, 25, 23, 34, 5)
        );
        assert_eq!((t.nanos, t.offset_minutes), (500_000_000, -210));
        let t = parse_rfc3339("2026-11-26T03:04:05.6789012345678z").unwrap();
        assert_eq!((t.nanos, t.offset_minutes), (678_901_234, 0));
    }
}

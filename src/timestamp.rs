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
    /// The offset was written `Z` (or `z`).
    pub zulu: bool,
}

/// Reads `text` as an RFC 3339 date-time (`T`, `t` or a space between date
/// and time, an optional fraction, `Z` or `±hh:mm`); `None` otherwise.
pub fn parse_rfc3339(text: &str) -> Option<DateTime> {
    let b = text.as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        b.get(from..from + len)?.iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let sep = |at: usize, what: &[u8]| b.get(at).is_some_and(|c| what.contains(c));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
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
    let mut i = 19;
    let mut nanos = 0u32;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            if i - start < 9 {
                nanos = nanos * 10 + u32::from(b[i] - b'0');
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        for _ in (i - start)..9 {
            nanos *= 10;
        }
    }
    let (offset_minutes, zulu) = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => (0, true),
        Some(&sign @ (b'+' | b'-')) if i + 6 == b.len() && sep(i + 3, b":") => {
            let (h, m) = (num(i + 1, 2)?, num(i + 4, 2)?);
            if h > 23 || m > 59 {
                return None;
            }
            let minutes = (h * 60 + m) as i16;
            (if sign == b'+' { minutes } else { -minutes }, false)
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
        zulu,
    })
}

/// Whether `text` is what an event to append must carry: an RFC 3339
/// date-time in UTC written with `Z`, date and time joined by `T`, no leap
/// second (JavaScript's `Date` and OTLP cannot hold one).
pub(crate) fn is_utc_timestamp(text: &str) -> bool {
    parse_rfc3339(text).is_some_and(|t| {
        t.zulu && t.second < 60 && text.as_bytes()[10] == b'T' && text.ends_with('Z')
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
        assert_eq!(
            (t.nanos, t.offset_minutes, t.zulu),
            (500_000_000, -210, false)
        );
        let t = parse_rfc3339("2026-11-26T03:04:05.6789012345678z").unwrap();
        assert_eq!((t.nanos, t.offset_minutes, t.zulu), (678_901_234, 0, true));
    }
}

//! RFC 3339 timestamps to nanoseconds since the Unix epoch, the unit OTLP
//! counts time in.
//!
//! Written here rather than taken from a date crate: the log's own
//! timestamps are one fixed shape (`2026-11-26T03:04:05.678Z`), and
//! treeship-core writes chrono's `+00:00` form with up to nine fractional
//! digits; both, any offset, and the lowercase `t`/`z` RFC 3339 allows are
//! read.

/// Nanoseconds since 1970-01-01T00:00:00Z, or `None` when `text` is not an
/// RFC 3339 date-time, is before the epoch, or is past what a u64 of
/// nanoseconds holds (the year 2554).
pub fn unix_nanos(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let digits = b.get(from..from + len)?;
        digits.iter().try_fold(0i64, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
        })
    };
    let sep = |at: usize, what: &[u8]| b.get(at).is_some_and(|c| what.contains(c));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut fraction: i64 = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            // Digits past the ninth are below a nanosecond: dropped.
            if i - start < 9 {
                fraction = fraction * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        for _ in (i - start)..9 {
            fraction *= 10;
        }
    }
    let offset_seconds = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) if i + 6 == b.len() && sep(i + 3, b":") => {
            let (h, m) = (num(i + 1, 2)?, num(i + 4, 2)?);
            if h > 23 || m > 59 {
                return None;
            }
            let seconds = h * 3600 + m * 60;
            if sign == b'+' {
                seconds
            } else {
                -seconds
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    let nanos = i128::from(seconds) * 1_000_000_000 + i128::from(fraction);
    u64::try_from(nanos).ok()
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// days-from-civil, the inverse of the one in `event.rs`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::unix_nanos;
    use sessiontrail::format_rfc3339_millis;

    #[test]
    fn reads_the_logs_own_timestamps_back() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..50_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let millis = x % 18_000_000_000_000; // up to about the year 2540
            let text = format_rfc3339_millis(millis);
            assert_eq!(unix_nanos(&text), Some(millis * 1_000_000), "{text}");
        }
    }

    #[test]
    fn reads_offsets_fractions_and_lowercase() {
        let base = unix_nanos("2026-11-26T03:04:05Z").unwrap();
        assert_eq!(base, 1_795_662_245_000_000_000);
        for (text, nanos) in [
            ("2026-11-26T03:04:05.678901234+00:00", base + 678_901_234),
            ("2026-11-26T03:04:05.6789012345678Z", base + 678_901_234),
            ("2026-11-26T03:04:05.5Z", base + 500_000_000),
            ("2026-11-26t03:04:05z", base),
            ("2026-11-26 03:04:05Z", base),
            ("2026-11-26T05:04:05+02:00", base),
            ("2026-11-25T23:34:05-03:30", base),
            ("1970-01-01T00:00:00Z", 0),
            ("2000-02-29T00:00:00Z", 951_782_400_000_000_000),
        ] {
            assert_eq!(unix_nanos(text), Some(nanos), "{text}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_date_time() {
        for text in [
            "",
            "t",
            "2026-11-26",
            "2026-11-26T03:04:05",
            "2026-11-26T03:04:05.Z",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-11-31T00:00:00Z",
            "2026-11-26T24:00:00Z",
            "2026-11-26T03:04:05+0200",
            "2026-11-26T03:04:05Zjunk",
            "1969-12-31T23:59:59Z",
            "2600-01-01T00:00:00Z",
            "２０２６-11-26T03:04:05Z",
            "-026-11-26T03:04:05Z",
        ] {
            assert_eq!(unix_nanos(text), None, "{text:?}");
        }
    }
}

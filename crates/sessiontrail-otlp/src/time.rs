//! RFC 3339 timestamps to nanoseconds since the Unix epoch, the unit OTLP
//! counts time in.
//!
//! The text is read by the core's `parse_rfc3339` (any offset, the
//! lowercase `t`/`z` RFC 3339 allows, treeship-core's `+00:00` form): stored
//! lines keep whatever time their writer gave.

/// Nanoseconds since 1970-01-01T00:00:00Z, or `None` when `text` is not an
/// RFC 3339 date-time (read by the core's one reader,
/// [`sessiontrail::parse_rfc3339`]), is before the epoch, or is past what
/// a u64 of nanoseconds holds (the year 2554).
pub fn unix_nanos(text: &str) -> Option<u64> {
    let t = sessiontrail::parse_rfc3339(text)?;
    let days = days_from_civil(i64::from(t.year), i64::from(t.month), i64::from(t.day));
    let seconds =
        days * 86_400 + i64::from(t.hour) * 3600 + i64::from(t.minute) * 60 + i64::from(t.second)
            - i64::from(t.offset_minutes) * 60;
    let nanos = i128::from(seconds) * 1_000_000_000 + i128::from(t.nanos);
    u64::try_from(nanos).ok()
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

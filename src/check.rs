//! The integrity check: what a log holds and what is wrong with it.
//!
//! A healthy log numbers its lines 0, 1, 2, … in file order, every line
//! parses, nothing follows the last `\n`, and the counter hint (when present)
//! matches. The report lists each way a log can differ from that, with line
//! numbers, so a person can find the damage.

use std::fmt;
use std::io::Read;

use crate::error::EventLogError;
use crate::format::{self, Counter, LineProblem, LineReader, RawLine};

/// At most this many skipped lines and missing ranges are listed one by one;
/// the totals are always exact.
const LISTED: usize = 100;

/// A complete line that is not an event.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SkippedLine {
    /// 1-based line number in the file.
    pub line: u64,
    /// Why it is not an event.
    pub reason: String,
}

/// How the counter hint compares with the events file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CounterState {
    /// No counter, or not 16 bytes. The next writer recounts.
    Missing,
    /// The counter's size and count match the file.
    Consistent,
    /// The counter disagrees with the file; the next writer recounts.
    Stale {
        /// The count the counter records.
        count: u64,
        /// The size of `events.jsonl` the counter records.
        size: u64,
    },
}

impl CounterState {
    /// The state as a word: `missing`, `consistent` or `stale` (the
    /// `counter` of the report's JSON).
    pub fn name(&self) -> &'static str {
        match self {
            CounterState::Missing => "missing",
            CounterState::Consistent => "consistent",
            CounterState::Stale { .. } => "stale",
        }
    }
}

/// The result of [`crate::EventLog::check`].
///
/// Like [`SkippedLine`] and [`CounterState`], `#[non_exhaustive]`: a later
/// release may report more (read the fields, do not build one).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckReport {
    /// Lines that parse as events.
    pub events: u64,
    /// Complete lines (each holds one sequence number).
    pub lines: u64,
    /// Bytes of events in the file.
    pub bytes: u64,
    /// How many complete lines are not events.
    pub skipped: u64,
    /// The first of them, with their reasons.
    pub skipped_lines: Vec<SkippedLine>,
    /// Sequence numbers that appear on more than one event.
    pub duplicates: Vec<u64>,
    /// Gaps among `0..=highest` as inclusive ranges `[first, last]`; the
    /// number of missing numbers is in `missing_count`.
    pub missing: Vec<(u64, u64)>,
    /// How many numbers in `0..=highest` no event holds.
    pub missing_count: u64,
    /// Events whose number is not their line's position (line n holds n-1):
    /// a sign of an unlocked or foreign writer even when no number repeats.
    pub misplaced: u64,
    /// Bytes after the last `\n`: a torn tail (or an append in progress).
    pub torn_tail_bytes: u64,
    /// How the counter hint compares with the file.
    pub counter: CounterState,
}

impl CheckReport {
    /// Whether the log is whole: every line an event, numbers unique and
    /// contiguous, no torn tail. A stale counter is not damage.
    pub fn is_ok(&self) -> bool {
        self.skipped == 0
            && self.duplicates.is_empty()
            && self.missing_count == 0
            && self.torn_tail_bytes == 0
    }

    pub(crate) fn build<R: Read>(
        lines: Option<LineReader<R>>,
        counter: Option<Counter>,
        size: u64,
    ) -> Result<CheckReport, EventLogError> {
        let mut report = CheckReport {
            events: 0,
            lines: 0,
            bytes: size,
            skipped: 0,
            skipped_lines: Vec::new(),
            duplicates: Vec::new(),
            missing: Vec::new(),
            missing_count: 0,
            misplaced: 0,
            torn_tail_bytes: 0,
            counter: CounterState::Missing,
        };
        let mut numbers = Vec::new();
        if let Some(mut lines) = lines {
            while let Some(line) = lines.next_line()? {
                let problem = match line {
                    RawLine::Tail(len) => {
                        report.torn_tail_bytes = len;
                        break;
                    }
                    RawLine::TooLong(len) => LineProblem::TooLong { len },
                    RawLine::Complete(bytes) => match format::parse_line(bytes) {
                        Ok(event) => {
                            report.events += 1;
                            if event.sequence_no != report.lines {
                                report.misplaced += 1;
                            }
                            numbers.push(event.sequence_no);
                            report.lines += 1;
                            continue;
                        }
                        Err(problem) => problem,
                    },
                };
                report.lines += 1;
                report.skipped += 1;
                if report.skipped_lines.len() < LISTED {
                    report.skipped_lines.push(SkippedLine {
                        line: lines.line_no(),
                        reason: bounded_reason(problem.to_string()),
                    });
                }
            }
        }
        report.find_gaps(numbers);
        report.counter = match counter {
            None => CounterState::Missing,
            Some(c) if c.size == size && c.count == report.lines => CounterState::Consistent,
            Some(c) => CounterState::Stale {
                count: c.count,
                size: c.size,
            },
        };
        Ok(report)
    }

    fn find_gaps(&mut self, mut numbers: Vec<u64>) {
        radix_sort(&mut numbers);
        let mut expected = 0u64;
        for (i, &n) in numbers.iter().enumerate() {
            if i > 0 && numbers[i - 1] == n {
                if self.duplicates.last() != Some(&n) {
                    self.duplicates.push(n);
                }
                continue;
            }
            if n > expected {
                self.missing_count += n - expected;
                if self.missing.len() < LISTED {
                    self.missing.push((expected, n - 1));
                }
            }
            expected = n.saturating_add(1);
        }
    }
}

/// The longest reason a report quotes, in bytes. A reason quotes the value
/// it refused (an unknown `type`, a string where a number belongs); a
/// 1 MiB value on each of many lines must not make a report of that size.
#[cfg(not(target_family = "wasm"))]
const MAX_REASON: usize = 300;

/// `reason` cut to [`MAX_REASON`] bytes or so, saying how long it was: the
/// start names the problem and the value. Under wasm the reasons come from
/// the crate's own reader, which quotes a bounded prefix of a value itself.
#[cfg(target_family = "wasm")]
fn bounded_reason(reason: String) -> String {
    reason
}

/// `reason` cut to [`MAX_REASON`] bytes or so, saying how long it was: the
/// start names the problem and the value.
#[cfg(not(target_family = "wasm"))]
fn bounded_reason(mut reason: String) -> String {
    if reason.len() > MAX_REASON {
        let len = reason.len();
        crate::json::bound(&mut reason, MAX_REASON / 4);
        reason.push_str(" (a reason of ");
        let mut n = Vec::new();
        crate::json::write_u64(&mut n, len as u64);
        reason.push_str(std::str::from_utf8(&n).unwrap_or_default());
        reason.push_str(" bytes, cut)");
    }
    reason
}

/// Sorts by the bytes of the numbers, least significant first, skipping a
/// byte where all numbers agree (the high bytes of sequence numbers): linear
/// time, and a fraction of the code of the standard sort, which counts in
/// the size-budgeted `.wasm`.
fn radix_sort(values: &mut Vec<u64>) {
    let mut scratch = vec![0u64; values.len()];
    for shift in (0..64).step_by(8) {
        let digit = |v: u64| ((v >> shift) & 0xff) as usize;
        let mut starts = [0usize; 256];
        for &v in values.iter() {
            starts[digit(v)] += 1;
        }
        if starts.contains(&values.len()) {
            continue;
        }
        let mut total = 0;
        for slot in starts.iter_mut() {
            let count = *slot;
            *slot = total;
            total += count;
        }
        for &v in values.iter() {
            let d = digit(v);
            scratch[starts[d]] = v;
            starts[d] += 1;
        }
        std::mem::swap(values, &mut scratch);
    }
}

impl CheckReport {
    /// Appends the report as one JSON object to `out`: the only writer of
    /// the report as JSON, so the npm package's `check()`, the CLI's
    /// `sessiontrail check --json` and the viewer's
    /// `/api/sessions/NAME/check` give the same object (the report has no
    /// `serde::Serialize`, which would be a second shape).
    ///
    /// The shape (camelCase, the keys in this order):
    ///
    /// | key | JSON type | meaning |
    /// | --- | --- | --- |
    /// | `ok` | boolean | [`CheckReport::is_ok`]: no skipped line, no duplicate or missing number, no torn tail |
    /// | `events` | number | lines that are events |
    /// | `lines` | number | complete lines (each holds one sequence number) |
    /// | `bytes` | number | bytes of events stored |
    /// | `skipped` | number | complete lines that are not events |
    /// | `skippedLines` | `{line, reason}[]` | the first 100 of them: 1-based line number, why |
    /// | `duplicates` | number[] | sequence numbers held by more than one event |
    /// | `missing` | `[first, last][]` | the first 100 gaps among `0..=highest`, inclusive |
    /// | `missingCount` | number | how many numbers are missing in all |
    /// | `misplaced` | number | events whose number is not their line's position |
    /// | `tornTailBytes` | number | bytes after the last `\n` |
    /// | `counter` | `"missing"`, `"consistent"` or `"stale"` | the counter hint against the file |
    ///
    /// ```
    /// use sessiontrail::{EventLog, MemoryStore, Options};
    ///
    /// let log = EventLog::with_store(MemoryStore::new(), Options::default()).unwrap();
    /// let mut out = Vec::new();
    /// log.check().unwrap().write_json(&mut out);
    /// assert_eq!(
    ///     String::from_utf8(out).unwrap(),
    ///     r#"{"ok":true,"events":0,"lines":0,"bytes":0,"skipped":0,"skippedLines":[],"duplicates":[],"missing":[],"missingCount":0,"misplaced":0,"tornTailBytes":0,"counter":"missing"}"#
    /// );
    /// ```
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let r = self;
        let number = |out: &mut Vec<u8>, name: &str, n: u64| {
            out.push(b',');
            crate::json::write_str(out, name);
            out.push(b':');
            crate::json::write_u64(out, n);
        };
        out.extend_from_slice(if r.is_ok() {
            b"{\"ok\":true"
        } else {
            b"{\"ok\":false"
        });
        number(out, "events", r.events);
        number(out, "lines", r.lines);
        number(out, "bytes", r.bytes);
        number(out, "skipped", r.skipped);
        out.extend_from_slice(b",\"skippedLines\":");
        crate::json::write_list(out, b"[]", &r.skipped_lines, |out, s| {
            out.extend_from_slice(b"{\"line\":");
            crate::json::write_u64(out, s.line);
            out.extend_from_slice(b",\"reason\":");
            crate::json::write_str(out, &s.reason);
            out.push(b'}');
        });
        out.extend_from_slice(b",\"duplicates\":");
        crate::json::write_list(out, b"[]", &r.duplicates, |out, n| {
            crate::json::write_u64(out, *n)
        });
        out.extend_from_slice(b",\"missing\":");
        crate::json::write_list(out, b"[]", &r.missing, |out, (first, last)| {
            crate::json::write_list(out, b"[]", [first, last], |out, n| {
                crate::json::write_u64(out, *n)
            });
        });
        number(out, "missingCount", r.missing_count);
        number(out, "misplaced", r.misplaced);
        number(out, "tornTailBytes", r.torn_tail_bytes);
        out.extend_from_slice(b",\"counter\":");
        crate::json::write_str(out, r.counter.name());
        out.push(b'}');
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "events:      {}", self.events)?;
        writeln!(f, "lines:       {} ({} bytes)", self.lines, self.bytes)?;
        writeln!(f, "skipped:     {}", self.skipped)?;
        for s in &self.skipped_lines {
            writeln!(f, "  line {}: {}", s.line, s.reason)?;
        }
        if self.skipped as usize > self.skipped_lines.len() {
            writeln!(
                f,
                "  … and {} more",
                self.skipped as usize - self.skipped_lines.len()
            )?;
        }
        write!(f, "duplicates:  {}", self.duplicates.len())?;
        if !self.duplicates.is_empty() {
            let shown: Vec<String> = self
                .duplicates
                .iter()
                .take(LISTED)
                .map(u64::to_string)
                .collect();
            write!(f, " (sequence_no {})", shown.join(", "))?;
        }
        writeln!(f)?;
        write!(f, "missing:     {}", self.missing_count)?;
        if !self.missing.is_empty() {
            let shown: Vec<String> = self
                .missing
                .iter()
                .map(|&(a, b)| {
                    if a == b {
                        a.to_string()
                    } else {
                        format!("{a}-{b}")
                    }
                })
                .collect();
            write!(f, " (sequence_no {})", shown.join(", "))?;
        }
        writeln!(f)?;
        writeln!(f, "misplaced:   {}", self.misplaced)?;
        writeln!(f, "torn tail:   {} bytes", self.torn_tail_bytes)?;
        let counter = match self.counter {
            CounterState::Missing => "missing (the next append recounts)".to_string(),
            CounterState::Consistent => "consistent".to_string(),
            CounterState::Stale { count, size } => {
                format!("stale: records {count} events in {size} bytes (the next append recounts)")
            }
        };
        writeln!(f, "counter:     {counter}")?;
        write!(
            f,
            "verdict:     {}",
            if self.is_ok() { "ok" } else { "DAMAGED" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(numbers: &[u64]) -> CheckReport {
        let mut r = CheckReport::build::<&[u8]>(None, None, 0).unwrap();
        r.find_gaps(numbers.to_vec());
        r
    }

    #[test]
    fn gaps_and_duplicates_are_found() {
        let r = report(&[0, 1, 1, 1, 4, 7]);
        assert_eq!(r.duplicates, [1]);
        assert_eq!(r.missing, [(2, 3), (5, 6)]);
        assert_eq!(r.missing_count, 4);
        let r = report(&[1]);
        assert_eq!(r.missing, [(0, 0)]);
        assert!(report(&[0, 1, 2]).missing.is_empty());
    }

    #[test]
    fn radix_sort_sorts() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut values: Vec<u64> = (0..5000)
            .map(|i| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                if i % 3 == 0 {
                    seed
                } else {
                    seed % 1000
                }
            })
            .collect();
        let mut expected = values.clone();
        expected.sort_unstable();
        radix_sort(&mut values);
        assert_eq!(values, expected);
        let mut same = vec![7u64; 10];
        radix_sort(&mut same);
        assert_eq!(same, [7; 10]);
    }

    // Native only: under wasm the reader bounds the reasons itself.
    #[cfg(not(target_family = "wasm"))]
    #[test]
    fn reasons_quote_a_bounded_part_of_a_value() {
        let mut line = br#"{"type":""#.to_vec();
        line.extend(vec![b'x'; 1 << 20]);
        line.extend_from_slice(b"\"}\n");
        let input = line.repeat(3);
        let r = CheckReport::build(Some(LineReader::new(&input[..], 4 << 20)), None, 0).unwrap();
        assert_eq!(r.skipped, 3);
        for s in &r.skipped_lines {
            assert!(s.reason.len() < MAX_REASON + 40, "{}", s.reason.len());
            assert!(s.reason.contains("bytes, cut)"), "{}", s.reason);
        }
        assert_eq!(bounded_reason("short".into()), "short");
        let odd = "é".repeat(400);
        assert!(bounded_reason(odd).len() < MAX_REASON + 40);
    }

    #[test]
    fn a_huge_number_does_not_allocate_its_gap() {
        let r = report(&[0, u64::MAX]);
        assert_eq!(r.missing_count, u64::MAX - 1);
        assert_eq!(r.missing, [(1, u64::MAX - 1)]);
    }
}

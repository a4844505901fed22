//! The numbers options take, checked by the parser so a bad one is refused
//! before anything runs, with a message that says what was expected (clap
//! puts the option and the value given in front: "invalid value '70000'
//! for '--port <N>': expected an integer from 0 to 65535 ...").
//!
//! Each option's range lives here, once; the commands get values already
//! in range.

use std::path::PathBuf;

use clap::builder::{OsStringValueParser, TypedValueParser};

/// A DIR or PATH argument, taken as given. clap's own `PathBuf` parser
/// refuses an empty one as a missing value (exit 2); the log names the
/// problem itself ("session directory path is empty", exit 3), as it did
/// before there was a parser. Not UTF-8 is fine: paths are bytes.
pub fn path() -> impl TypedValueParser<Value = PathBuf> {
    OsStringValueParser::new().map(PathBuf::from)
}

/// `--timeout-ms`: milliseconds, 0 or more.
pub fn millis(text: &str) -> Result<u64, String> {
    in_range(text, 0, u64::MAX, "a non-negative integer (milliseconds)")
}

/// `--give-up-after`: seconds, 0 or more.
#[cfg_attr(not(feature = "otlp"), allow(dead_code))]
pub fn seconds(text: &str) -> Result<u64, String> {
    in_range(text, 0, u64::MAX, "a non-negative integer (seconds)")
}

/// `--from`: a sequence number.
pub fn sequence(text: &str) -> Result<u64, String> {
    in_range(
        text,
        0,
        u64::MAX,
        "a non-negative integer (a sequence number)",
    )
}

/// `--port`: a TCP port; 0 lets the system pick a free one.
#[cfg_attr(not(feature = "view"), allow(dead_code))]
pub fn port(text: &str) -> Result<u16, String> {
    let port = in_range(
        text,
        0,
        u64::from(u16::MAX),
        "an integer from 0 to 65535 (0 picks a free port)",
    )?;
    Ok(u16::try_from(port).expect("checked against u16::MAX"))
}

/// `--max-body`: the largest request body in bytes, 1024 to 1 GiB.
#[cfg_attr(not(feature = "otlp"), allow(dead_code))]
pub fn body_bytes(text: &str) -> Result<usize, String> {
    let n = in_range(
        text,
        1024,
        1 << 30,
        "an integer from 1024 to 1073741824 (bytes)",
    )?;
    Ok(usize::try_from(n).expect("at most 1 GiB"))
}

/// `--batch`: events per request, 1 to 100000 (a receiver's request size
/// limit is usually a few MB).
#[cfg_attr(not(feature = "otlp"), allow(dead_code))]
pub fn batch(text: &str) -> Result<usize, String> {
    let n = in_range(text, 1, 100_000, "an integer from 1 to 100000 (events)")?;
    Ok(usize::try_from(n).expect("at most 100000"))
}

fn in_range(text: &str, min: u64, max: u64, expected: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("expected {expected}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_range_pass_and_others_say_what_was_expected() {
        assert_eq!(millis("0"), Ok(0));
        assert_eq!(port("65535"), Ok(65535));
        assert_eq!(batch("100000"), Ok(100_000));
        assert_eq!(
            port("65536").unwrap_err(),
            "expected an integer from 0 to 65535 (0 picks a free port)"
        );
        assert!(batch("0").unwrap_err().contains("1 to 100000"));
        for bad in ["-1", "soon", "", "1.5", " 3"] {
            assert!(millis(bad).unwrap_err().contains("non-negative"), "{bad:?}");
        }
    }
}

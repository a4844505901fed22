//! Requests that fit: a batch whose encoded spans or log records are over
//! the body limit (`--max-body`) is cut in two by events, again until each
//! part fits, so the cursor can still move event by event; an event whose
//! output alone is over the limit is skipped and named. A receiver's 413
//! (its own limit is lower) halves the refused body by records
//! ([`halve`]).

use sessiontrail_otlp::OtlpBatch;

use super::sink::Signal;

/// Where one line's output ends in the batch: after the line `index`, the
/// batch holds `spans` spans and `logs` log records.
pub(super) struct Mark {
    pub index: u64,
    pub spans: usize,
    pub logs: usize,
}

/// The events `first..end`, encoded into bodies within the limit.
pub(super) struct Piece {
    pub first: u64,
    pub end: u64,
    pub traces: Option<Vec<u8>>,
    pub logs: Option<Vec<u8>>,
    pub counts: (usize, usize),
    /// Events left out, each with the size of its larger body.
    pub skipped: Vec<(u64, usize)>,
}

/// An encoder of one body (it may reuse a spent buffer).
pub(super) type Encode<'e> =
    dyn FnMut(&dyn Fn(&mut Vec<u8>) -> serde_json::Result<()>) -> Result<Vec<u8>, String> + 'e;

/// Encodes `batch`, whose lines' outputs end at `marks` (one mark per line,
/// in order), into pieces whose bodies are at most `limit` bytes each.
pub(super) fn encode(
    batch: OtlpBatch<'_>,
    marks: &[Mark],
    limit: usize,
    encode: &mut Encode<'_>,
) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    if !marks.is_empty() {
        encode_part(batch, marks, (0, 0), limit, encode, &mut pieces)?;
    }
    Ok(pieces)
}

fn encode_part(
    batch: OtlpBatch<'_>,
    marks: &[Mark],
    base: (usize, usize),
    limit: usize,
    encode: &mut Encode<'_>,
    pieces: &mut Vec<Piece>,
) -> Result<(), String> {
    let first = marks[0].index;
    let end = marks[marks.len() - 1].index + 1;
    let traces = match batch.spans.is_empty() {
        true => None,
        false => Some(encode(&|out| batch.write_traces_json(out))?),
    };
    let logs = match batch.logs.is_empty() {
        true => None,
        false => Some(encode(&|out| batch.write_logs_json(out))?),
    };
    let size = [&traces, &logs]
        .iter()
        .filter_map(|b| b.as_ref().map(Vec::len))
        .max()
        .unwrap_or(0);
    if size <= limit {
        pieces.push(Piece {
            first,
            end,
            traces,
            logs,
            counts: (batch.spans.len(), batch.logs.len()),
            skipped: Vec::new(),
        });
        return Ok(());
    }
    if marks.len() == 1 {
        pieces.push(Piece {
            first,
            end,
            traces: None,
            logs: None,
            counts: (0, 0),
            skipped: vec![(first, size)],
        });
        return Ok(());
    }
    let mid = marks.len() / 2;
    let cut = &marks[mid - 1];
    let mut head = batch;
    let rest = OtlpBatch {
        spans: head.spans.split_off(cut.spans - base.0),
        logs: head.logs.split_off(cut.logs - base.1),
        resource: head.resource.clone(),
    };
    encode_part(head, &marks[..mid], base, limit, encode, pieces)?;
    encode_part(
        rest,
        &marks[mid..],
        (cut.spans, cut.logs),
        limit,
        encode,
        pieces,
    )
}

/// The records of an OTLP/JSON request body (one resource, one scope, as
/// the mapping writes) in two requests of half each; `None` when it holds
/// fewer than two records or is not such a body.
pub(super) fn halve(signal: Signal, body: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let (outer, scopes, records) = match signal {
        Signal::Traces => ("resourceSpans", "scopeSpans", "spans"),
        Signal::Logs => ("resourceLogs", "scopeLogs", "logRecords"),
    };
    let mut first: serde_json::Value = serde_json::from_slice(body).ok()?;
    let list = first
        .get_mut(outer)?
        .get_mut(0)?
        .get_mut(scopes)?
        .get_mut(0)?
        .get_mut(records)?
        .as_array_mut()?;
    if list.len() < 2 {
        return None;
    }
    let rest = list.split_off(list.len() / 2);
    let mut second = first.clone();
    *second
        .get_mut(outer)?
        .get_mut(0)?
        .get_mut(scopes)?
        .get_mut(0)?
        .get_mut(records)? = serde_json::Value::Array(rest);
    Some((
        serde_json::to_vec(&first).ok()?,
        serde_json::to_vec(&second).ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::{halve, Signal};

    #[test]
    fn a_body_is_halved_by_records() {
        let body = br#"{"resourceLogs":[{"resource":{"attributes":[]},"scopeLogs":[{"scope":{"name":"s"},"logRecords":[{"a":1},{"a":2},{"a":3}]}]}]}"#;
        let (one, two) = halve(Signal::Logs, body).unwrap();
        let records = |b: &[u8]| {
            let v: serde_json::Value = serde_json::from_slice(b).unwrap();
            v["resourceLogs"][0]["scopeLogs"][0]["logRecords"].clone()
        };
        assert_eq!(records(&one), serde_json::json!([{"a": 1}]));
        assert_eq!(records(&two), serde_json::json!([{"a": 2}, {"a": 3}]));
        let (again, _) =
            halve(Signal::Logs, &one).map_or((None, None), |(a, b)| (Some(a), Some(b)));
        assert!(again.is_none(), "one record cannot be halved");
        assert!(halve(Signal::Traces, body).is_none(), "not a traces body");
    }
}

//! A treeship-core 0.32 writer as a process of its own, for the npm
//! package's mixed-writer tests (tests/js/writers.test.mjs): Node, native
//! sessiontrail and treeship-core processes appending to one session
//! directory at the same moment.
//!
//! ```text
//! treeship-writer DIR WHO COUNT [BIG_EVERY [BIG_BYTES]]
//! ```
//!
//! Appends COUNT `agent.called_tool` events through treeship-core's
//! `EventLog::append`, with `agent_instance_id` WHO and event ids `evt_` +
//! WHO's index; every BIG_EVERY-th event (0: none) carries a `meta` string
//! of BIG_BYTES bytes (default 200 KiB). After each append returns it prints
//! the event id and the sequence number it was given (`evt_… 17`), one line
//! each, flushed: a line printed is an acknowledged event.

use std::io::Write;
use std::path::Path;

use treeship_compat::{indexed_event_id, ts, ts_called_tool};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: treeship-writer DIR WHO COUNT [BIG_EVERY [BIG_BYTES]]");
        std::process::exit(2);
    }
    let number = |i: usize, default: u64| -> u64 {
        args.get(i).map_or(default, |s| {
            s.parse().unwrap_or_else(|_| {
                eprintln!("treeship-writer: argument {} is not a number: {s:?}", i + 1);
                std::process::exit(2)
            })
        })
    };
    let (dir, who, count) = (Path::new(&args[0]), &args[1], number(2, 0));
    let big_every = number(3, 0);
    let big_bytes = number(4, 200 * 1024) as usize;
    let log = ts::EventLog::open(dir).unwrap_or_else(|e| {
        eprintln!("treeship-writer: open {}: {e}", dir.display());
        std::process::exit(1)
    });
    let mut out = std::io::stdout().lock();
    for n in 0..count {
        let mut event = ts_called_tool(who, n);
        event.event_id = format!("{}-{who}", indexed_event_id(n));
        if big_every > 0 && n % big_every == big_every - 1 {
            event.meta = Some(serde_json::json!({ "blob": "t".repeat(big_bytes) }));
        }
        if let Err(e) = log.append(&mut event) {
            eprintln!("treeship-writer: append {n}: {e}");
            std::process::exit(1);
        }
        writeln!(out, "{} {}", event.event_id, event.sequence_no)
            .and_then(|()| out.flush())
            .expect("stdout");
    }
}

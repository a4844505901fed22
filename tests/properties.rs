//! The numbering promise as a property: any sequence of appends (single
//! and batched, from several handles that each remember their last append,
//! like several processes), crashes and repairs (the next append) leaves
//! sequence numbers unique and contiguous: every complete line holds the
//! number of its position, and nothing acknowledged is lost unless a crash
//! cut it.
//!
//! Two crashes: a writer that died after writing part of a line (the other
//! handles live on), and the file cut at a random byte of its last line,
//! which is what a power cut does to bytes not yet on disk; no process
//! lives through that, so every handle is opened again after it. (A handle
//! that lived through a cut would trust its own last append when the size
//! happened to match again: only an unlocked foreign writer can do that,
//! and docs/format.md says the lock is advisory.)
//!
//! Runs over `MemoryStore` (many cases) and the file store (fewer: real
//! files). `PROPTEST_CASES=N` runs more; see docs/format.md, "Hardening".
// Native: proptest is a native dev-dependency (Cargo.toml).
#![cfg(not(target_family = "wasm"))]

mod common;

use proptest::prelude::*;

use common::{note, TempDir};
use sessiontrail::{EventLog, MemoryStore, Options, Store};

#[derive(Debug, Clone)]
enum Op {
    /// Handle `0..3` appends `1..=3` events in one batch.
    Append { handle: usize, count: usize },
    /// The last line is cut at a fraction of its length (a crash after a
    /// partial write that reached the disk).
    CutLast { at: u16 },
    /// A writer died after writing the first `at` bytes of a line.
    PartialLine { at: u16 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..3usize, 1..=3usize).prop_map(|(handle, count)| Op::Append { handle, count }),
        1 => any::<u16>().prop_map(|at| Op::CutLast { at }),
        1 => any::<u16>().prop_map(|at| Op::PartialLine { at }),
    ]
}

/// The raw bytes of a log, however it is stored.
trait Bytes {
    fn bytes(&self) -> Vec<u8>;
    fn set(&self, bytes: &[u8]);
}

impl Bytes for MemoryStore {
    fn bytes(&self) -> Vec<u8> {
        MemoryStore::bytes(self)
    }
    fn set(&self, bytes: &[u8]) {
        let mut s = self.clone();
        s.truncate(0).unwrap();
        self.append_raw(bytes);
    }
}

struct File(std::path::PathBuf);

impl Bytes for File {
    fn bytes(&self) -> Vec<u8> {
        std::fs::read(&self.0).unwrap_or_default()
    }
    fn set(&self, bytes: &[u8]) {
        std::fs::write(&self.0, bytes).unwrap();
    }
}

/// Runs `ops` over three handles on one log and checks the promise after
/// each step.
fn run<S: Store>(
    ops: &[Op],
    open: &dyn Fn() -> EventLog<S>,
    raw: &dyn Bytes,
) -> Result<(), TestCaseError> {
    let mut logs: Vec<EventLog<S>> = (0..3).map(|_| open()).collect();
    let mut acknowledged: Vec<(u64, String)> = Vec::new();
    let mut next_text = 0u64;
    for op in ops {
        match *op {
            Op::Append { handle, count } => {
                let mut batch: Vec<_> = (0..count)
                    .map(|_| {
                        next_text += 1;
                        note("prop", &format!("e{next_text}"))
                    })
                    .collect();
                logs[handle].append_batch(&mut batch).unwrap();
                let first = batch[0].sequence_no;
                for (i, e) in batch.iter().enumerate() {
                    prop_assert_eq!(e.sequence_no, first + i as u64, "contiguous batch");
                    let text = match &e.event_type {
                        sessiontrail::EventType::AgentNote { text } => text.clone().unwrap(),
                        _ => unreachable!(),
                    };
                    acknowledged.push((e.sequence_no, text));
                }
            }
            Op::CutLast { at } => {
                let bytes = raw.bytes();
                if bytes.len() < 2 {
                    continue;
                }
                let body = &bytes[..bytes.len() - 1];
                let start = body.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
                let line_len = bytes.len() - start;
                let keep = start + usize::from(at) % line_len;
                raw.set(&bytes[..keep]);
                // The cut line was acknowledged and is lost to the "crash":
                // the model forgets it, and so may the log.
                let lines = bytes[..keep].iter().filter(|&&b| b == b'\n').count() as u64;
                acknowledged.retain(|(seq, _)| *seq < lines);
                // A power cut: every process starts again.
                logs = (0..3).map(|_| open()).collect();
            }
            Op::PartialLine { at } => {
                let mut line = serde_json::to_vec(&note("prop", "torn")).unwrap();
                line.truncate(1 + usize::from(at) % (line.len() - 1));
                let mut bytes = raw.bytes();
                bytes.extend_from_slice(&line);
                raw.set(&bytes);
            }
        }
        // The promise, read back by a fresh handle.
        let events = logs[0].read_all().unwrap();
        let numbers: Vec<u64> = events.iter().map(|e| e.sequence_no).collect();
        let expected: Vec<u64> = (0..numbers.len() as u64).collect();
        prop_assert_eq!(&numbers, &expected, "unique and contiguous, in line order");
        for (seq, text) in &acknowledged {
            let stored = &events[*seq as usize];
            let same = matches!(&stored.event_type,
                sessiontrail::EventType::AgentNote { text: Some(t) } if t == text);
            prop_assert!(same, "acknowledged event {} changed", seq);
        }
    }
    // A repair (the next append) leaves a whole log.
    logs[1].append(&mut note("prop", "last")).unwrap();
    let report = logs[2].check().unwrap();
    prop_assert!(report.is_ok(), "{}", report);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256)
    ))]

    #[test]
    fn numbers_stay_unique_and_contiguous_in_memory(ops in prop::collection::vec(op(), 1..40)) {
        let store = MemoryStore::new();
        let open = || EventLog::with_store(store.clone(), Options::default()).unwrap();
        run(&ops, &open, &store)?;
    }

    #[test]
    fn numbers_stay_unique_and_contiguous_on_disk(ops in prop::collection::vec(op(), 1..25)) {
        let tmp = TempDir::new("prop");
        let dir = tmp.session();
        std::fs::create_dir_all(&dir).unwrap();
        let open = || EventLog::open(&dir).unwrap();
        run(&ops, &open, &File(dir.join(sessiontrail::EVENTS_FILE)))?;
    }
}

/// A mutated RFC 9162 proof is never accepted: one byte of one hash
/// flipped, a hash dropped, one added, two swapped, or the index moved
/// (issue 22: fuzzed proofs never accepted).
mod merkle_proofs {
    use proptest::prelude::*;
    use sessiontrail::merkle::{self, Hash};

    fn leaves(n: usize, seed: u64) -> Vec<Hash> {
        (0..n)
            .map(|i| merkle::leaf_hash(format!("{seed} line {i}").as_bytes()))
            .collect()
    }

    /// Applies mutation `m` to `proof`; `None` when it would not change it.
    fn mutate(proof: &[Hash], m: u8, at: usize, byte: usize, bit: u8) -> Option<Vec<Hash>> {
        let mut p = proof.to_vec();
        match m % 4 {
            0 if !p.is_empty() => {
                let i = at % p.len();
                p[i][byte % 32] ^= 1 << (bit % 8);
            }
            1 if !p.is_empty() => {
                p.remove(at % p.len());
            }
            2 => p.insert(at % (p.len() + 1), merkle::leaf_hash(b"forged")),
            3 if p.len() >= 2 && p[at % p.len()] != p[(at + 1) % p.len()] => {
                let (i, j) = (at % p.len(), (at + 1) % p.len());
                p.swap(i, j);
            }
            _ => return None,
        }
        Some(p)
    }

    proptest! {
        #[test]
        fn mutated_inclusion_proofs_are_refused(
            n in 1usize..300, index in any::<u64>(), seed in any::<u64>(),
            m in any::<u8>(), at in any::<usize>(), byte in any::<usize>(), bit in any::<u8>(),
        ) {
            let l = leaves(n, seed);
            let index = index % n as u64;
            let root = merkle::root(&l);
            let proof = merkle::inclusion_proof(&l, index).unwrap();
            prop_assert!(merkle::verify_inclusion(index, n as u64, &l[index as usize], &proof, &root));
            if let Some(bad) = mutate(&proof, m, at, byte, bit) {
                prop_assert!(!merkle::verify_inclusion(index, n as u64, &l[index as usize], &bad, &root));
            }
            if n > 1 {
                let other = (index + 1 + at as u64 % (n as u64 - 1)) % n as u64;
                prop_assert!(!merkle::verify_inclusion(other, n as u64, &l[index as usize], &proof, &root));
            }
        }

        #[test]
        fn mutated_consistency_proofs_are_refused(
            n in 2usize..300, old in any::<usize>(), seed in any::<u64>(),
            m in any::<u8>(), at in any::<usize>(), byte in any::<usize>(), bit in any::<u8>(),
        ) {
            let l = leaves(n, seed);
            let old = 1 + old % (n - 1);
            let (old_root, new_root) = (merkle::root(&l[..old]), merkle::root(&l));
            let proof = merkle::consistency_proof(&l, old as u64).unwrap();
            prop_assert!(merkle::verify_consistency(old as u64, n as u64, &old_root, &new_root, &proof));
            if let Some(bad) = mutate(&proof, m, at, byte, bit) {
                prop_assert!(!merkle::verify_consistency(old as u64, n as u64, &old_root, &new_root, &bad));
            }
            // A history rewritten before `old` (rebuilt tree and all) fails
            // against the old root.
            let mut rewritten = l.clone();
            rewritten[at % old] = merkle::leaf_hash(b"rewritten");
            let proof = merkle::consistency_proof(&rewritten, old as u64).unwrap();
            prop_assert!(!merkle::verify_consistency(old as u64, n as u64, &old_root, &merkle::root(&rewritten), &proof));
        }
    }
}

//! `keygen`, `seal`, `prove`, `verify-proof` and `verify --checkpoint`:
//! signed checkpoints of the log's Merkle tree kept outside the session
//! directory, and proofs checked against them. The tree and its proofs are
//! the core's (`sessiontrail::merkle`, the leaves of `EventLog::verify`);
//! this module adds only the keys and note formats (`note.rs`).

pub mod note;

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use sessiontrail::merkle::{self, Hash};
use sessiontrail::{EventLog, VerifyReport};

use crate::failure::Failure;
use crate::session;
use crate::terminal::printable;
use note::{Checkpoint, KeyPair, PublicKey};

/// Make an Ed25519 key pair for signing checkpoints: the private key is
/// written to FILE (mode 0600, never overwritten), the public verifier key
/// to FILE.pub and on stdout.
#[derive(clap::Args)]
pub struct KeygenArgs {
    /// Where to write the private key
    #[arg(long, value_name = "FILE", value_parser = crate::values::path())]
    out: PathBuf,
    /// The key's name, part of every signature (no '+' or spaces)
    #[arg(long, value_name = "NAME", default_value = "sessiontrail")]
    name: String,
}

pub fn keygen(args: KeygenArgs) -> Result<(), Failure> {
    let pair = KeyPair::generate(&args.name).map_err(Failure::Usage)?;
    write_new(&args.out, &format!("{}\n", pair.private_text()), 0o600)?;
    let mut public = args.out.clone().into_os_string();
    public.push(".pub");
    write_new(
        Path::new(&public),
        &format!("{}\n", pair.public_text()),
        0o644,
    )?;
    println!("{}", pair.public_text());
    Ok(())
}

/// Creates `path` with `mode`; refuses to replace a file already there (a
/// key overwritten by mistake cannot be had back).
fn write_new(path: &Path, text: &str, mode: u32) -> Result<(), Failure> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|e| io_failure(path, e))?;
    f.write_all(text.as_bytes())
        .map_err(|e| io_failure(path, e))?;
    Ok(())
}

fn io_failure(path: &Path, e: std::io::Error) -> Failure {
    Failure::Log(sessiontrail::EventLogError::Io(std::io::Error::new(
        e.kind(),
        format!("{}: {e}", printable(&path.display().to_string())),
    )))
}

fn read_text(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| io_failure(path, e))
}

/// Print a checkpoint of the log's Merkle tree (C2SP tlog-checkpoint:
/// origin, tree size, base64 root), signed with --key as a signed note.
/// Keep it outside DIR: `verify DIR --checkpoint` then proves the log only
/// grew since.
#[derive(clap::Args)]
pub struct SealArgs {
    /// The session directory (holding events.jsonl)
    #[arg(value_name = "DIR", value_parser = crate::values::path())]
    dir: PathBuf,
    /// A private key from `sessiontrail keygen`
    #[arg(long, value_name = "FILE", value_parser = crate::values::path())]
    key: Option<PathBuf>,
    /// The checkpoint's first line, naming the log (default: the key's name,
    /// or "sessiontrail")
    #[arg(long, value_name = "NAME")]
    origin: Option<String>,
    /// Also write the checkpoint to FILE
    #[arg(long, value_name = "FILE", value_parser = crate::values::path())]
    out: Option<PathBuf>,
}

pub fn seal(args: SealArgs) -> Result<(), Failure> {
    let key = match &args.key {
        Some(path) => Some(KeyPair::parse(&read_text(path)?).map_err(|e| {
            Failure::Usage(format!("{}: {e}", printable(&path.display().to_string())))
        })?),
        None => None,
    };
    let origin = args
        .origin
        .or_else(|| key.as_ref().map(|k| k.name.clone()))
        .unwrap_or_else(|| "sessiontrail".to_string());
    if origin.is_empty() || origin.contains('\n') {
        return Err(Failure::Usage("--origin must be one non-empty line".into()));
    }
    let report = checked_report(args.dir)?;
    let text = note::checkpoint_text(&origin, report.lines, &report.root);
    let out = match &key {
        Some(k) => k.sign(&text),
        None => text,
    };
    if let Some(path) = &args.out {
        std::fs::write(path, &out).map_err(|e| io_failure(path, e))?;
    }
    print!("{out}");
    Ok(())
}

/// The log's verify report, refused (exit 5, the report printed) when the
/// lines and their tree do not agree: a checkpoint or proof of a tampered
/// log would vouch for it.
fn checked_report(dir: PathBuf) -> Result<VerifyReport, Failure> {
    let dir = session::existing(dir)?;
    let report = EventLog::open(&dir)?.verify()?;
    if !report.is_ok() {
        for line in report.to_string().lines() {
            eprintln!("{}", printable(line));
        }
        return Err(Failure::Tampered);
    }
    Ok(report)
}

/// Reads a checkpoint, checking its signature when `public_key` is given.
pub fn read_checkpoint(path: &Path, public_key: Option<&Path>) -> Result<Checkpoint, Failure> {
    let key = match public_key {
        Some(p) => Some(PublicKey::parse(&read_text(p)?).map_err(|e| {
            Failure::Usage(format!("{}: {e}", printable(&p.display().to_string())))
        })?),
        None => None,
    };
    let text = read_text(path)?;
    note::open_checkpoint(&text, key.as_ref()).map_err(|e| {
        eprintln!(
            "sessiontrail: {}: {}",
            printable(&path.display().to_string()),
            printable(&e)
        );
        Failure::Tampered
    })
}

/// Whether the log as it is now (`report`) extends `cp`: an RFC 9162
/// consistency proof from the checkpoint's size to today's, checked
/// against both roots. Returns why not.
pub fn extends(report: &VerifyReport, cp: &Checkpoint) -> Result<(), String> {
    let Some(proof) = merkle::consistency_proof(&report.line_leaves, cp.size) else {
        return Err(format!(
            "the log has {} lines, fewer than the checkpoint's {}: lines were removed",
            report.lines, cp.size
        ));
    };
    if merkle::verify_consistency(cp.size, report.lines, &cp.root, &report.root, &proof) {
        Ok(())
    } else {
        Err(format!(
            "the log's first {} lines are not the ones the checkpoint sealed: the log was rewritten",
            cp.size
        ))
    }
}

/// Print event SEQ's line and an RFC 9162 inclusion proof of it (JSON:
/// leafIndex, treeSize, root and hashes in base64), against --checkpoint's
/// tree (which the log must extend) or the whole log's.
#[derive(clap::Args)]
pub struct ProveArgs {
    /// The session directory (holding events.jsonl)
    #[arg(value_name = "DIR", value_parser = crate::values::path())]
    dir: PathBuf,
    /// The event's sequence_no
    #[arg(value_name = "SEQ")]
    seq: u64,
    /// Prove against this checkpoint's tree (not checked for a signature
    /// here: `verify-proof` does)
    #[arg(long, value_name = "FILE", value_parser = crate::values::path())]
    checkpoint: Option<PathBuf>,
    /// Write the line to FILE and the proof to FILE.proof, not stdout
    #[arg(long, value_name = "FILE", value_parser = crate::values::path())]
    out: Option<PathBuf>,
}

pub fn prove(args: ProveArgs) -> Result<(), Failure> {
    let dir = session::existing(args.dir)?;
    let report = checked_report(dir.clone())?;
    let (size, root) = match &args.checkpoint {
        Some(path) => {
            let cp = read_checkpoint(path, None)?;
            extends(&report, &cp).map_err(|e| {
                eprintln!("sessiontrail: {e}");
                Failure::Tampered
            })?;
            (cp.size, cp.root)
        }
        None => (report.lines, report.root),
    };
    let events_path = dir.join(sessiontrail::EVENTS_FILE);
    let bytes = std::fs::read(&events_path).map_err(|e| io_failure(&events_path, e))?;
    // Leaf i is complete line i (the tree's rule); the first `size` lines.
    let found = bytes
        .split_inclusive(|&b| b == b'\n')
        .take(size as usize)
        .enumerate()
        .find(|(_, line)| {
            sessiontrail::parse_line(&line[..line.len() - 1])
                .is_ok_and(|e| e.sequence_no == args.seq)
        });
    let Some((index, line)) = found else {
        return Err(Failure::Usage(format!(
            "no event with sequence_no {} in the first {size} lines",
            args.seq
        )));
    };
    let leaves = &report.line_leaves[..size as usize];
    let proof = merkle::inclusion_proof(leaves, index as u64).expect("index < size");
    let proof_json = proof_json(index as u64, size, &root, &proof);
    match &args.out {
        Some(path) => {
            std::fs::write(path, line).map_err(|e| io_failure(path, e))?;
            let mut p = path.clone().into_os_string();
            p.push(".proof");
            let p = PathBuf::from(p);
            std::fs::write(&p, format!("{proof_json}\n")).map_err(|e| io_failure(&p, e))?;
        }
        None => {
            std::io::stdout().write_all(line)?;
            println!("{proof_json}");
        }
    }
    Ok(())
}

fn proof_json(index: u64, size: u64, root: &Hash, hashes: &[Hash]) -> String {
    serde_json::json!({
        "leafIndex": index,
        "treeSize": size,
        "root": note::b64(root),
        "hashes": hashes.iter().map(|h| note::b64(h)).collect::<Vec<_>>(),
    })
    .to_string()
}

/// Check an event line against an inclusion proof and a checkpoint, with
/// nothing else (no log): exit 0 when the line is in the checkpoint's tree,
/// 5 when it is not (or the checkpoint's signature fails).
#[derive(clap::Args)]
pub struct VerifyProofArgs {
    /// The event's line (as `prove` printed it)
    #[arg(long, value_name = "FILE", value_parser = crate::values::path())]
    line: PathBuf,
    /// The proof (the JSON `prove` printed)
    #[arg(long, value_name = "FILE", value_parser = crate::values::path())]
    proof: PathBuf,
    /// The checkpoint the proof is against
    #[arg(long, value_name = "FILE", value_parser = crate::values::path())]
    checkpoint: PathBuf,
    /// The signer's public key: the checkpoint must carry its valid signature
    #[arg(long, value_name = "FILE", value_parser = crate::values::path())]
    public_key: Option<PathBuf>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ProofFile {
    leaf_index: u64,
    tree_size: u64,
    #[allow(dead_code)] // informative: the checkpoint's root is the one used
    root: Option<String>,
    hashes: Vec<String>,
}

pub fn verify_proof(args: VerifyProofArgs) -> Result<(), Failure> {
    let cp = read_checkpoint(&args.checkpoint, args.public_key.as_deref())?;
    let line = std::fs::read(&args.line).map_err(|e| io_failure(&args.line, e))?;
    let line = line.strip_suffix(b"\n").unwrap_or(&line);
    let proof_path = printable(&args.proof.display().to_string());
    let proof: ProofFile = serde_json::from_str(&read_text(&args.proof)?)
        .map_err(|e| Failure::Usage(format!("{proof_path}: not a proof: {e}")))?;
    let hashes = proof
        .hashes
        .iter()
        .map(|h| note::hash_of_b64(h))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| Failure::Usage(format!("{proof_path}: a hash is not base64 SHA-256")))?;
    let refuse = |why: String| {
        eprintln!("sessiontrail: {why}");
        Err(Failure::Tampered)
    };
    if proof.tree_size != cp.size {
        return refuse(format!(
            "the proof is for a tree of {} lines, the checkpoint's has {}",
            proof.tree_size, cp.size
        ));
    }
    let leaf = merkle::leaf_hash(line);
    if !merkle::verify_inclusion(proof.leaf_index, cp.size, &leaf, &hashes, &cp.root) {
        return refuse(format!(
            "the line is not leaf {} of the checkpoint's tree: the line or the proof was changed",
            proof.leaf_index
        ));
    }
    println!(
        "ok: the line is leaf {} of the {}-line tree of {}",
        proof.leaf_index,
        cp.size,
        printable(&cp.origin)
    );
    Ok(())
}

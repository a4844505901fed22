//! The time of one `sessiontrail hook claude-code` process, from spawn to
//! exit, against `true` (the cost of starting any process here) and against
//! `sessiontrail append` of one event (the CLI's own fast path).
//!
//! `bash scripts/bench-hook.sh` builds the release binary and runs this
//! (part of `make bench`); figures go to docs/benchmarks.md. Options:
//! `--bin PATH` (default target/release/sessiontrail), `--runs N` per
//! contender (default 2000), `--json PATH`, and `--baseline PATH`: another
//! build of `sessiontrail` (say, of main) whose hook runs interleaved with
//! this one's, so a change's cost is measured under the same load.
//!
//! The Stop contender is the live-token path: its session's transcript is
//! 10 MB, and before each run one new API response (two entries, as Claude
//! Code writes them) is appended to it, outside the timed part; the hook
//! reads only the bytes after its cursor, so its time must not grow with
//! the transcript.
//!
//! Every contender gets its stdin from a file (no pipe to feed) and its
//! output sent to /dev/null; contenders take turns in chunks of 50 runs so
//! that a change in machine load hits them all alike.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const CHUNK: usize = 50;

struct Contender {
    name: String,
    program: PathBuf,
    args: Vec<String>,
    env: Vec<(&'static str, PathBuf)>,
    stdin: PathBuf,
    micros: Vec<u64>,
    /// A transcript to append one new response to before each run.
    grow: Option<PathBuf>,
    grown: u64,
}

impl Contender {
    fn run_once(&mut self) -> Result<(), String> {
        if let Some(path) = &self.grow {
            use std::io::Write;
            self.grown += 1;
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .open(path)
                .map_err(|e| e.to_string())?;
            let entries = format!("{}{}", response(self.grown, 1), response(self.grown, 2));
            file.write_all(entries.as_bytes())
                .map_err(|e| e.to_string())?;
        }
        let stdin = File::open(&self.stdin).map_err(|e| e.to_string())?;
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .stdin(Stdio::from(stdin))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (key, value) in &self.env {
            command.env(key, value);
        }
        let start = Instant::now();
        let status = command
            .status()
            .map_err(|e| format!("{}: {e}", self.name))?;
        let elapsed = start.elapsed();
        if !status.success() {
            return Err(format!("{} exited with {status}", self.name));
        }
        self.micros
            .push(u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX));
        Ok(())
    }

    /// The value below which `q` of the runs fall (nearest rank).
    fn quantile(&self, q: f64) -> u64 {
        let mut sorted = self.micros.clone();
        sorted.sort_unstable();
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1]
    }
}

/// One transcript entry of API response `n` (block `block` of it), in the
/// shape of tests/fixtures/claude-code-transcripts/, with filler text.
fn response(n: u64, block: u32) -> String {
    format!(
        concat!(
            r#"{{"parentUuid":"p","isSidechain":false,"cwd":"/home/dev/app","sessionId":"ssn_bench_stop","#,
            r#""type":"assistant","requestId":"req_{n}","uuid":"u-{n}-{block}","timestamp":"2026-12-01T09:00:00.000Z","#,
            r#""message":{{"id":"msg_{n}","role":"assistant","model":"claude-sonnet-4-6","#,
            r#""content":[{{"type":"text","text":"{filler}"}}],"#,
            r#""usage":{{"input_tokens":10,"cache_creation_input_tokens":200,"cache_read_input_tokens":15000,"output_tokens":120}}}}}}"#,
            "\n"
        ),
        n = n,
        block = block,
        filler = "lorem ipsum ".repeat(40)
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut bin = PathBuf::from("target/release/sessiontrail");
    let mut runs = 2000usize;
    let mut json_out: Option<PathBuf> = None;
    let mut baseline: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--bin" => bin = value()?.into(),
            "--runs" => runs = value()?.parse()?,
            "--json" => json_out = Some(value()?.into()),
            "--baseline" => baseline = Some(value()?.into()),
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    let bin = std::fs::canonicalize(&bin).map_err(|e| format!("{}: {e}", bin.display()))?;
    let base = std::env::var_os("SESSIONTRAIL_BENCH_DIR")
        .map_or_else(std::env::temp_dir, PathBuf::from)
        .join(format!("sessiontrail-bench-hook-{}", std::process::id()));
    std::fs::create_dir_all(&base)?;
    let baseline = match baseline {
        Some(b) => Some(std::fs::canonicalize(&b).map_err(|e| format!("{}: {e}", b.display()))?),
        None => None,
    };
    let result = measure(&bin, baseline.as_deref(), &base, runs, json_out.as_deref());
    let _ = std::fs::remove_dir_all(&base);
    result
}

fn measure(
    bin: &Path,
    baseline: Option<&Path>,
    base: &Path,
    runs: usize,
    json_out: Option<&Path>,
) -> Result<(), Box<dyn std::error::Error>> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/claude-code");
    let grep = fixtures.join("post-tool-use-grep.json");
    // A Read of a 64 KiB file: the hook digests the content it was given.
    let read = base.join("post-tool-use-read-64k.json");
    let mut payload: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(
        fixtures.join("post-tool-use-read.json"),
    )?)?;
    payload["tool_response"]["file"]["content"] = "let x = 1; // filler\n".repeat(3121).into();
    std::fs::write(&read, serde_json::to_vec(&payload)?)?;
    let empty = base.join("empty");
    std::fs::write(&empty, b"")?;
    let event = r#"{"type":"agent.called_tool","tool_name":"Grep","tool_input_digest":"sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","duration_ms":3,"session_id":"ssn_bench","agent_id":"agent://claude-code","agent_instance_id":"ai_0123456789abcdef","agent_name":"claude-code","host_id":"bench"}"#;
    let root = base.join("sessions");
    let hook = |name: &str, program: &Path, stdin: &Path| Contender {
        name: name.to_owned(),
        program: program.to_path_buf(),
        args: vec!["hook".into(), "claude-code".into()],
        env: vec![("SESSIONTRAIL_ROOT", root.clone())],
        stdin: stdin.to_path_buf(),
        micros: Vec::new(),
        grow: None,
        grown: 0,
    };
    // A session whose transcript is 10 MB when the runs start.
    let transcript = base.join("ssn_bench_stop.jsonl");
    {
        let mut text = String::new();
        let mut n = 0u64;
        while text.len() < 10 << 20 {
            n += 1;
            text.push_str(&response(n, 1));
        }
        std::fs::write(&transcript, text)?;
    }
    let stop = base.join("stop.json");
    std::fs::write(
        &stop,
        serde_json::json!({
            "session_id": "ssn_bench_stop", "hook_event_name": "Stop",
            "transcript_path": transcript, "cwd": "/home/dev/app", "stop_hook_active": false
        })
        .to_string(),
    )?;
    let stop_hook = |name: &str, program: &Path| Contender {
        grow: Some(transcript.clone()),
        // Past the responses the file was made with.
        grown: 1_000_000,
        ..hook(name, program, &stop)
    };
    let mut contenders = vec![
        Contender {
            name: "true".into(),
            program: "true".into(),
            args: Vec::new(),
            env: Vec::new(),
            stdin: empty.clone(),
            micros: Vec::new(),
            grow: None,
            grown: 0,
        },
        Contender {
            name: "sessiontrail append DIR EVENT".into(),
            program: bin.to_path_buf(),
            args: vec![
                "append".into(),
                base.join("append").to_string_lossy().into_owned(),
                event.into(),
            ],
            env: Vec::new(),
            stdin: empty,
            micros: Vec::new(),
            grow: None,
            grown: 0,
        },
        hook("hook claude-code, PostToolUse Grep", bin, &grep),
        hook("hook claude-code, PostToolUse Read 64 KiB", bin, &read),
        stop_hook(
            "hook claude-code, Stop, 10 MB transcript, 1 new response",
            bin,
        ),
    ];
    if let Some(baseline) = baseline {
        contenders.push(hook(
            "baseline: hook claude-code, PostToolUse Grep",
            baseline,
            &grep,
        ));
        contenders.push(hook(
            "baseline: hook claude-code, PostToolUse Read 64 KiB",
            baseline,
            &read,
        ));
    }
    // One warm-up run each (page cache, first directory creation).
    for c in &mut contenders {
        c.run_once()?;
        c.micros.clear();
    }
    let mut done = 0;
    while done < runs {
        let n = CHUNK.min(runs - done);
        for c in &mut contenders {
            for _ in 0..n {
                c.run_once()?;
            }
        }
        done += n;
        contenders.reverse();
    }
    // Back in the order they were listed (an odd number of chunks leaves
    // them reversed).
    if runs.div_ceil(CHUNK) % 2 == 1 {
        contenders.reverse();
    }
    let (true_median, append_median) = (contenders[0].quantile(0.5), contenders[1].quantile(0.5));
    let ms = |us: u64| us as f64 / 1000.0;
    println!("{runs} runs each, interleaved in chunks of {CHUNK}; spawn to exit\n");
    println!("| process | median ms | p99 ms | median / true | median / append |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    let mut json = Vec::new();
    for c in &contenders {
        let (median, p99) = (c.quantile(0.5), c.quantile(0.99));
        println!(
            "| {} | {:.2} | {:.2} | {:.2} | {:.2} |",
            c.name,
            ms(median),
            ms(p99),
            median as f64 / true_median as f64,
            median as f64 / append_median as f64
        );
        json.push(serde_json::json!({
            "process": c.name, "runs": c.micros.len(),
            "median_us": median, "p99_us": p99,
        }));
    }
    // The logs the hook and append wrote must be whole.
    let hook_session = root.join("3f1c2a9e-5b7d-4e21-9a0c-7d2e8f6b1a44");
    for dir in [base.join("append"), hook_session] {
        let report = sessiontrail::EventLog::open(&dir)?.check()?;
        if !report.is_ok() {
            return Err(format!("{}: {report}", dir.display()).into());
        }
    }
    if let Some(path) = json_out {
        std::fs::write(path, serde_json::to_vec_pretty(&json)?)?;
    }
    Ok(())
}

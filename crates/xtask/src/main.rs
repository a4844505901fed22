//! `cargo xtask`: the project's tasks that are Rust programs rather than
//! shell scripts, because they read the crate's own tables.
//!
//! - `cargo xtask codegen` writes every file generated from the event
//!   schema (src/schema.rs); `--check` writes nothing and fails, naming the
//!   files, when a checked-in copy differs (CI runs it in `make lint`).

mod codegen;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "xtask",
    bin_name = "cargo xtask",
    about = "The sessiontrail project's own tasks"
)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Write the TypeScript event types, the recorder's field table and the
    /// Node wrapper's key order from src/schema.rs.
    Codegen {
        /// Write nothing; exit 1 naming the files that differ.
        #[arg(long)]
        check: bool,
    },
}

/// The workspace root: this crate is crates/xtask.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn main() -> ExitCode {
    match Cli::parse().task {
        Task::Codegen { check } => codegen_files(check),
    }
}

fn codegen_files(check: bool) -> ExitCode {
    let root = workspace_root();
    let mut stale = Vec::new();
    for (path, text) in codegen::generated() {
        let file = root.join(path);
        let current = std::fs::read_to_string(&file).ok();
        if current.as_deref() == Some(text.as_str()) {
            continue;
        }
        if check {
            stale.push(path);
        } else if let Err(e) = std::fs::write(&file, &text) {
            eprintln!("xtask codegen: cannot write {}: {e}", file.display());
            return ExitCode::FAILURE;
        } else {
            println!("xtask codegen: wrote {path}");
        }
    }
    if stale.is_empty() {
        return ExitCode::SUCCESS;
    }
    eprintln!(
        "xtask codegen: {} {} not what src/schema.rs makes; run `make codegen` and commit the result",
        stale.join(" and "),
        if stale.len() == 1 { "is" } else { "are" }
    );
    ExitCode::FAILURE
}

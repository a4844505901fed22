//! `sessiontrail`: the command-line tool over session directories.
//!
//! An agent hook fires once per tool call and is usually one process per
//! firing, so this binary is the fast path for shell and hook users: one
//! lock, one write, no runtime to start. Errors go to stderr with a non-zero
//! exit and nothing half-written.
//!
//! This file is the command line (clap's derive: each command's options and
//! their help are the `Args` struct of its module) and the dispatch; each
//! command lives in its own module (`append`, `cat`, `check`, `verify`, `seal/` for keygen, seal, prove and verify-proof,
//! `hook/`, `import/`, `view/`, `otlp`), and `failure` alone turns an error
//! into a message and an exit code. `sessiontrail --help` and `sessiontrail COMMAND --help`
//! print the usage.

// Native only: under wasm (a `--workspace` build for wasm32) this is an
// empty program rather than a build error.
#![cfg_attr(target_family = "wasm", no_main)]
#![cfg(not(target_family = "wasm"))]

mod append;
mod cat;
mod check;
mod failure;
#[cfg(feature = "hook")]
mod hook;
#[cfg(feature = "hook")]
mod import;
#[cfg(feature = "otlp")]
mod otlp;
mod seal;
mod session;
mod stdin_events;
mod terminal;
mod values;
mod verify;
#[cfg(feature = "view")]
mod view;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// An append-only event log for AI-agent sessions: record, read, check,
/// view and ship session directories.
#[derive(Parser)]
#[command(
    name = "sessiontrail",
    version,
    // A missing command is an error that says so, not the help on stderr.
    arg_required_else_help = false,
    after_help = "DIR is a session directory holding events.jsonl (created by the first \
                  append).\nPATH is a session directory or a directory of them.\n\
                  `sessiontrail COMMAND --help` says more about each command."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Append(append::Args),
    Cat(cat::Args),
    Check(check::Args),
    Verify(verify::Args),
    Keygen(seal::KeygenArgs),
    Seal(seal::SealArgs),
    Prove(seal::ProveArgs),
    VerifyProof(seal::VerifyProofArgs),
    #[cfg(feature = "hook")]
    Hook(hook::Args),
    #[cfg(feature = "hook")]
    Import(import::Args),
    #[cfg(feature = "view")]
    View(view::Args),
    #[cfg(feature = "otlp")]
    Otlp(otlp::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return parse_error(&e),
    };
    failure::exit(match cli.command {
        Command::Append(args) => append::run(args),
        Command::Cat(args) => cat::run(args),
        Command::Check(args) => check::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Keygen(args) => seal::keygen(args),
        Command::Seal(args) => seal::seal(args),
        Command::Prove(args) => seal::prove(args),
        Command::VerifyProof(args) => seal::verify_proof(args),
        // Its own exit codes: an agent reads 2 as "block", so a hook never
        // uses it.
        #[cfg(feature = "hook")]
        Command::Hook(args) => return hook::main(args),
        #[cfg(feature = "hook")]
        Command::Import(args) => import::run(args),
        #[cfg(feature = "view")]
        Command::View(args) => view::run(args),
        #[cfg(feature = "otlp")]
        Command::Otlp(args) => otlp::run(args),
    })
}

/// What the parser said: `--help` and `--version` on stdout with exit 0;
/// a usage error on stderr with exit 2, or, under `sessiontrail hook`, as
/// the hook reports every failure (one line, exit 1).
fn parse_error(e: &clap::Error) -> ExitCode {
    #[cfg(feature = "hook")]
    if e.use_stderr() && invoked_as_hook() {
        return hook::refuse_usage(e);
    }
    // Prints to stdout or stderr as the kind says; clap's exit codes are
    // ours (0 for help and version, 2 for bad usage).
    let _ = e.print();
    ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
}

/// Whether the command is `sessiontrail hook …`: the top level takes no
/// option before the command but --help and --version, so the first
/// argument names it.
#[cfg(feature = "hook")]
fn invoked_as_hook() -> bool {
    std::env::args_os().nth(1).is_some_and(|a| a == "hook")
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// clap's own consistency check of the definition (conflicting names,
    /// defaults its parser would refuse, a `conflicts_with` naming no
    /// argument), which otherwise fails only when that path is parsed.
    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}

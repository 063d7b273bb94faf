//! `basalt`: compile Wasm for the board, compile and run it under QEMU, or
//! run spec-format `.wast` scripts on the board.

mod args;
mod commands;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    match args::Cli::parse().into_command() {
        Ok(cmd) => commands::execute(cmd),
        // Usage errors print clap's message and exit 2.
        Err(e) => e.exit(),
    }
}

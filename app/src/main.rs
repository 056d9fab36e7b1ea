//! seqcast: the desktop workbench (GUI by default) and its headless command line
//! (`seqcast train`, `seqcast predict`), both over the same engine.

mod cli;
mod gui;

use std::process::ExitCode;

fn main() -> ExitCode {
    let result = cli::parse().and_then(|parsed| match parsed.command {
        Some(command) => cli::run(command),
        None => gui::run(parsed.file, parsed.config),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

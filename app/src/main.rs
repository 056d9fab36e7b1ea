//! seqcast: the desktop workbench's binary. For now it offers the headless command line
//! (`seqcast train`, `seqcast predict`) over the engine.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

//! seqcast: the desktop workbench (GUI by default) and its headless command line
//! (`seqcast train`, `seqcast predict`), both over the same engine.

mod cli;
mod gui;

use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: training frees and re-allocates megabytes of
/// step buffers every step, and glibc trimmed and regrew its heap each time (brk
/// calls and page faults on the training thread, ~4 % of config c).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

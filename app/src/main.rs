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
    keep_the_heap();
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

/// glibc's malloc returns freed memory at the top of its heap to the OS (and serves big
/// blocks from fresh mappings), so training, which frees and re-allocates megabytes of
/// step buffers, gradients and optimiser state every step, paid brk calls and page
/// faults each step: ~1 s of system time in 9 s of config c, 13 % of its throughput
/// (measured with the same settings through `GLIBC_TUNABLES`). Keeping freed memory
/// (up to 256 MiB at the top of the heap; blocks under 32 MiB from the heap) removes
/// that. mimalloc and jemalloc gave the training speed too but doubled the GUI's
/// median frame time under Xvfb, so glibc stays, tuned.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn keep_the_heap() {
    // SAFETY: mallopt only sets allocator parameters; it is called first thing in
    // main, before any other thread exists. A refusal (return 0) keeps the defaults.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_the_heap() {}

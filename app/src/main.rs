//! seqcast: the desktop workbench (GUI by default) and its headless command line
//! (`seqcast train`, `seqcast predict`), both over the same engine.

mod cli;
mod gui;

use std::process::ExitCode;

/// mimalloc for Rust's allocations: training frees and re-allocates megabytes of step
/// buffers, gradients and optimiser state every step, and glibc's malloc returned them
/// to the OS and faulted them back in each time (system time of a config-c run 1.05 s →
/// 0.35 s, throughput +10–15 %). C libraries (Mesa, X11) still use glibc's malloc; see
/// [`keep_the_heap`].
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

/// glibc's malloc, which the C libraries under the GUI use, returns freed memory at the
/// top of its heap to the OS and serves big blocks from fresh mappings. With mimalloc
/// alone the GUI's median frame time under Xvfb while training was 8.6–9.7 ms; with
/// glibc also keeping its freed memory (up to 256 MiB at the top of the heap, blocks
/// under 32 MiB from the heap) 3.9–4.0 ms, p99 12–13 ms (measured together with the
/// engine's lower priority, `worker::handle::lower_priority`).
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

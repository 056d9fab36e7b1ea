//! Long sessions: many training runs in one process through one `EngineHandle`, each
//! recorded in a run store, as the GUI does. Resident memory (`VmRSS`) and the
//! process's thread count are sampled after every run.
//!
//! The suite runs 40 (a few seconds); the measurement of 50 is ignored by default:
//! `cargo test --release -p seqcast-engine --test long_session -- --ignored --nocapture`

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic: a panic is a test failure

mod common;

use common::{next_result, recording_engine, tiny};
use seqcast_engine::config::CellKind;
use seqcast_engine::pipeline::defaults::AutoDefaults;
use seqcast_engine::runs::RunStore;
use seqcast_engine::worker::{Command, Event};

/// Resident memory of this process in KiB (`VmRSS` in `/proc/self/status`).
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Threads of this process (`/proc/self/task`).
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

struct Sample {
    rss_kib: u64,
    threads: usize,
}

/// `n` runs of 2 epochs on the temperatures, one engine, every run recorded. Returns
/// the threads before the engine started, one sample after each run, and the threads
/// once the handle is dropped.
fn session(n: usize) -> (usize, Vec<Sample>, usize) {
    let runs = tempfile::tempdir().unwrap();
    let before = threads();
    let engine = recording_engine(runs.path());
    let mut samples = Vec::with_capacity(n);
    for i in 0..n {
        let mut config = tiny(CellKind::Lstm, 2);
        config.train.seed = i as u64;
        engine
            .send(Command::Train {
                config,
                auto: AutoDefaults::NONE,
            })
            .unwrap();
        let (mut finished, mut recorded) = (false, false);
        while !(finished && recorded) {
            match next_result(&engine) {
                Event::Finished(..) => finished = true,
                Event::RunRecorded(_) => recorded = true,
                Event::Runs { .. } => {}
                other => panic!("run {i}: unexpected {other:?}"),
            }
        }
        samples.push(Sample {
            rss_kib: rss_kib(),
            threads: threads(),
        });
    }
    drop(engine);
    // The join has returned, but the kernel may list the exiting task for a moment
    // longer (the engine runs at a lower priority, so its last instructions can wait
    // behind other threads): give it up to two seconds to leave /proc/self/task.
    let during = samples.last().map_or(0, |s: &Sample| s.threads);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while threads() >= during && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let after = threads();
    assert_eq!(
        RunStore::open(runs.path()).unwrap().list().unwrap().0.len(),
        n
    );
    (before, samples, after)
}

fn report(before: usize, samples: &[Sample], after: usize) -> String {
    let first = samples.first().map_or(0, |s| s.rss_kib);
    let last = samples.last().map_or(0, |s| s.rss_kib);
    let max = samples.iter().map(|s| s.rss_kib).max().unwrap_or(0);
    let max_threads = samples.iter().map(|s| s.threads).max().unwrap_or(0);
    format!(
        "RESULT session runs={} rss_first_kib={first} rss_last_kib={last} rss_max_kib={max} \
         threads_before={before} threads_during_max={max_threads} threads_after={after}",
        samples.len()
    )
}

/// Bound on resident-memory growth over the session, from the smallest of the first
/// five samples to the last. Runs hold nothing once finished, so growth is allocator
/// noise (about 1 MiB); the autodiff graphs that used to stay behind grew it by about
/// 300 KiB a run, 10 MiB over these 40.
const RSS_GROWTH_BOUND_KIB: u64 = 6 * 1024;

#[test]
fn forty_runs_in_one_session_keep_memory_flat_and_leave_no_thread_behind() {
    let (before, samples, after) = session(40);
    println!("{}", report(before, &samples, after));
    let start = samples.iter().take(5).map(|s| s.rss_kib).min().unwrap();
    let last = samples.last().unwrap().rss_kib;
    assert!(
        last < start + RSS_GROWTH_BOUND_KIB,
        "resident memory grew from {start} KiB to {last} KiB"
    );
    // the engine thread (and any pool it starts) is gone once the handle is dropped;
    // the count may only differ by worker pools that live for the whole process,
    // started by the first run and already there after it
    let during = samples[0].threads;
    assert!(
        samples.iter().all(|s| s.threads == during),
        "threads grew across runs"
    );
    assert_eq!(
        after,
        during - 1,
        "exactly the engine thread ended ({before} → {during} → {after})"
    );
}

#[test]
#[ignore = "a measurement: 50 runs, a minute or two in release"]
fn fifty_runs_memory_and_threads() {
    let (before, samples, after) = session(50);
    for (i, s) in samples.iter().enumerate() {
        println!(
            "run {:2}: rss {} KiB, threads {}",
            i + 1,
            s.rss_kib,
            s.threads
        );
    }
    println!("{}", report(before, &samples, after));
    let during = samples[0].threads;
    assert!(samples.iter().all(|s| s.threads == during));
    assert_eq!(after, during - 1);
}

//! Measures how long closing takes while a large CSV is loading: the GUI's `on_exit`
//! drops the engine handle, which cancels and joins the engine thread.
//!
//! ```sh
//! cargo run --release --example close_during_load -- FILE.csv [--at 0.5,1,2,4,8,16]
//! ```
//! For each delay it spawns an engine, sends `Load` for FILE, waits that long, then
//! drops the handle and times the drop. It first loads the file once to the end, so
//! each delay can be placed in the stage it lands in. Prints one line per delay and a
//! closing `RESULT` line with the slowest close.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a tool: a broken set-up may panic

use std::path::PathBuf;
use std::time::{Duration, Instant};

use seqcast_engine::worker::{Command, EngineHandle, Event};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = PathBuf::from(args.first().expect("usage: close_during_load FILE.csv"));
    let delays: Vec<f64> = args
        .iter()
        .position(|a| a == "--at")
        .and_then(|i| args.get(i + 1))
        .map(|s| {
            s.split(',')
                .map(|v| v.parse().expect("a delay in seconds"))
                .collect()
        })
        .unwrap_or_else(|| vec![0.5, 1.0, 2.0, 4.0, 8.0, 16.0]);
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);

    // One full load, to know how long loading takes and how it ends.
    let engine = EngineHandle::spawn(None).expect("the engine starts");
    let started = Instant::now();
    engine
        .send(Command::Load { path: path.clone() })
        .expect("the engine takes the command");
    let ended = loop {
        match engine.recv().expect("the engine answers") {
            Event::Loaded { .. } => break "loaded".to_string(),
            Event::Failed { message, .. } => break format!("refused: {message}"),
            _ => {}
        }
    };
    let full = started.elapsed();
    drop(engine);
    println!(
        "full load of {bytes} bytes: {:.2} s ({ended})",
        full.as_secs_f64()
    );

    let mut slowest = Duration::ZERO;
    for delay in delays {
        let engine = EngineHandle::spawn(None).expect("the engine starts");
        engine
            .send(Command::Load { path: path.clone() })
            .expect("the engine takes the command");
        std::thread::sleep(Duration::from_secs_f64(delay));
        let closing = Instant::now();
        drop(engine);
        let took = closing.elapsed();
        slowest = slowest.max(took);
        println!(
            "closed {delay:.1} s into the load: returned in {:.3} s",
            took.as_secs_f64()
        );
    }
    println!(
        "RESULT close_during_load bytes={bytes} full_load_s={:.2} slowest_close_s={:.3}",
        full.as_secs_f64(),
        slowest.as_secs_f64()
    );
}

//! Shared helpers for the engine's integration tests.

#![allow(dead_code)]

pub mod catalogue;

use std::path::PathBuf;

use seqcast_engine::RunConfig;
use seqcast_engine::config::{CellKind, Split};
use seqcast_engine::runs::RunOrigin;
use seqcast_engine::worker::{Command, EngineHandle, Event};

/// A bundled sample file.
pub fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../sample-data")
        .join(name)
}

/// A tiny, fast configuration for the daily temperatures series.
pub fn tiny(cell: CellKind, epochs: usize) -> RunConfig {
    let mut c = RunConfig::default();
    c.data.split = Split::Fractions {
        train: 0.6,
        val: 0.2,
        test: 0.2,
    };
    c.window.lookback = 14;
    c.window.horizon = 3;
    c.window.stride = 2;
    c.model.cell = cell;
    c.model.hidden = 8;
    c.model.layers = 1;
    c.train.epochs = epochs;
    c.train.batch = 64;
    c.train.lr = 5e-3;
    c.train.patience = 0;
    c
}

/// Waits (bounded) for the first engine event that is not training progress.
pub fn next_result(engine: &seqcast_engine::worker::EngineHandle) -> seqcast_engine::worker::Event {
    use seqcast_engine::worker::Event;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while std::time::Instant::now() < deadline {
        match engine
            .recv_timeout(std::time::Duration::from_millis(200))
            .expect("the engine is running")
        {
            Some(Event::Training(_) | Event::Doctor(_)) | None => {}
            Some(other) => return other,
        }
    }
    panic!("no result from the engine within 120 s");
}

/// Threads of this process named `seqcast-engine` (from `/proc/self/task/*/comm`).
pub fn engine_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|d| {
            d.flatten()
                .filter(|t| {
                    std::fs::read_to_string(t.path().join("comm"))
                        .is_ok_and(|c| c.trim() == "seqcast-engine")
                })
                .count()
        })
        .unwrap_or(0)
}

/// The engine thread count once it reaches `expected`, or after two seconds: a joined
/// thread can stay listed in /proc for a moment after `join` returns, until the kernel
/// has reaped it, so a count taken right after a drop may still include it.
pub fn engine_threads_settled(expected: usize) -> usize {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        let n = engine_threads();
        if n == expected || std::time::Instant::now() >= deadline {
            return n;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Names in `dir` that start with a dot (temp files, `.partial` run folders).
pub fn hidden_entries(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default()
}

/// An engine with the temperatures loaded, recording runs into `dir`.
pub fn recording_engine(dir: &std::path::Path) -> EngineHandle {
    let engine = EngineHandle::spawn(None).unwrap();
    engine
        .send(Command::Load {
            path: sample("daily-min-temperatures.csv"),
        })
        .unwrap();
    assert!(matches!(next_result(&engine), Event::Loaded { .. }));
    engine
        .send(Command::RecordRuns {
            dir: Some(dir.to_path_buf()),
            origin: RunOrigin::Gui,
        })
        .unwrap();
    let Event::Runs { runs, .. } = next_result(&engine) else {
        panic!("expected Runs")
    };
    assert!(runs.is_empty());
    engine
}

/// A run that learned: its validation loss fell from the first epoch to the last, and
/// its test error beats repeating the last value.
pub fn assert_learned_and_beat_naive(s: &seqcast_engine::pipeline::RunSummary) {
    let val: Vec<f64> = s
        .training
        .history
        .iter()
        .filter_map(|e| e.val_loss)
        .collect();
    assert!(val.last().unwrap() < &val[0], "{val:?}");
    let scores = &s.test_scores.as_ref().unwrap().original;
    let naive = &scores.baselines[&seqcast_engine::eval::baselines::BaselineKind::Naive];
    assert!(
        scores.model.overall.mae < naive.overall.mae,
        "{} vs {}",
        scores.model.overall.mae,
        naive.overall.mae
    );
}

/// The daily temperatures prepared (cleaned, split, scaled) for `config`.
pub fn prepared_temperatures(config: &RunConfig) -> seqcast_engine::pipeline::Prepared {
    use seqcast_engine::pipeline::{self, Prepared};
    let table = seqcast_engine::data::table::read_csv(&sample("daily-min-temperatures.csv"))
        .expect("the sample reads");
    let (series, _, config) = pipeline::load_series(&table, config).expect("the sample loads");
    Prepared::fit(std::sync::Arc::new(series), &config).expect("the sample prepares")
}

/// Trains `config` on `p` from scratch, unwatched and uncancelled.
pub fn fit(
    config: &RunConfig,
    p: &seqcast_engine::pipeline::Prepared,
) -> seqcast_engine::train::TrainOutcome {
    seqcast_engine::train::train(
        &config.model,
        &config.train,
        &p.train_data(),
        &seqcast_engine::train::Control::new(),
        &mut |_| {},
    )
    .expect("training runs")
}

/// A search space over the lr (log range) and hidden sizes 4 and 8: trials stay tiny.
pub fn lr_and_small_hidden(lr: [f64; 2]) -> seqcast_engine::tune::SearchSpace {
    seqcast_engine::tune::SearchSpace {
        lr: Some(lr),
        hidden: Some(vec![4, 8]),
        ..seqcast_engine::tune::SearchSpace::default()
    }
}

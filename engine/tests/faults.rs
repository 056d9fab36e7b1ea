//! Faults during training, through the handle the GUI and the CLI use: a panic inside
//! the training loop, cancel in the middle of an epoch, dropping the handle mid-run.
//! Runs are recorded in a temporary run store, as the GUI does.
//!
//! The tests count this process's `seqcast-engine` threads, so they take a lock and
//! run one at a time, after a warm-up run: worker pools that the first load or training
//! starts live for the whole process (and inherit the name of the thread that started
//! them), so they are counted before, not mistaken for a leak.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic: a panic is a test failure

mod common;

use std::sync::Mutex;
use std::time::Duration;

use common::{
    engine_threads, engine_threads_settled, hidden_entries, next_result, recording_engine, tiny,
};
use seqcast_engine::config::CellKind;
use seqcast_engine::pipeline::defaults::AutoDefaults;
use seqcast_engine::runs::RunStore;
use seqcast_engine::train::Progress;
use seqcast_engine::worker::{Command, CommandKind, Event};

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Takes the lock, after one complete load and training run in this process.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static WARM: std::sync::Once = std::sync::Once::new();
    let guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    WARM.call_once(|| {
        let runs = tempfile::tempdir().unwrap();
        let engine = recording_engine(runs.path());
        engine
            .send(Command::Train {
                config: tiny(CellKind::Lstm, 1),
                auto: AutoDefaults::NONE,
            })
            .unwrap();
        while !matches!(next_result(&engine), Event::Finished(..)) {}
    });
    guard
}

/// Slow enough epochs (hundreds of batches) that a cancel lands inside the first.
fn slow(epochs: usize) -> seqcast_engine::RunConfig {
    let mut config = tiny(CellKind::Lstm, epochs);
    config.model.hidden = 48;
    config.model.layers = 2;
    config.window.stride = 1;
    config.train.batch = 8;
    config
}

#[test]
fn a_panic_in_the_training_loop_is_reported_and_the_engine_trains_again() {
    let _one = one_at_a_time();
    let before = engine_threads();
    let runs = tempfile::tempdir().unwrap();
    let engine = recording_engine(runs.path());
    assert_eq!(engine_threads(), before + 1);

    engine
        .send(Command::FaultTrainThenPanic {
            config: tiny(CellKind::Gru, 5),
            after_epochs: 2,
        })
        .unwrap();
    let Event::Failed { command, message } = next_result(&engine) else {
        panic!("expected Failed")
    };
    assert_eq!(command, CommandKind::Train);
    assert_eq!(
        message,
        "internal error (please report it): injected fault: panic in the training loop after 2 epochs"
    );
    // the thread survived, nothing was recorded, nothing half-written is left behind
    assert_eq!(engine_threads(), before + 1);
    let store = RunStore::open(runs.path()).unwrap();
    assert_eq!(store.list().unwrap().0.len(), 0);
    assert_eq!(hidden_entries(runs.path()), Vec::<String>::new());

    // and it trains again, from the same loaded table
    engine
        .send(Command::Train {
            config: tiny(CellKind::Gru, 2),
            auto: AutoDefaults::NONE,
        })
        .unwrap();
    let mut finished = false;
    let mut recorded = false;
    while !(finished && recorded) {
        match next_result(&engine) {
            Event::Finished(summary, _) => {
                assert_eq!(summary.training.history.len(), 2);
                finished = true;
            }
            Event::RunRecorded(_) => recorded = true,
            Event::Runs { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(store.list().unwrap().0.len(), 1);
    drop(engine);
    assert_eq!(engine_threads_settled(before), before);
}

#[test]
fn cancel_mid_epoch_leaves_the_run_store_consistent() {
    let _one = one_at_a_time();
    let runs = tempfile::tempdir().unwrap();
    let engine = recording_engine(runs.path());
    engine
        .send(Command::Train {
            config: slow(50),
            auto: AutoDefaults::NONE,
        })
        .unwrap();
    loop {
        match engine.recv_timeout(Duration::from_secs(60)).unwrap() {
            Some(Event::Training(Progress::Batch { .. })) => break,
            Some(Event::Training(Progress::Epoch(_))) => panic!("an epoch ended first"),
            _ => {}
        }
    }
    engine.cancel();
    let mut cancelled = None;
    let mut recorded = None;
    while cancelled.is_none() || recorded.is_none() {
        match next_result(&engine) {
            Event::Cancelled(summary, _) => cancelled = Some(summary),
            Event::RunRecorded(meta) => recorded = Some(meta),
            Event::Runs { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    let (summary, meta) = (cancelled.unwrap(), recorded.unwrap());
    assert!(
        summary.training.history.is_empty(),
        "cancelled inside epoch 1"
    );
    // recorded as what it is: no finished epoch, no best epoch, stopped by the user
    assert_eq!(meta.row.epochs_run, 0);
    assert_eq!(meta.row.best_epoch, None);
    assert_eq!(meta.row.stop, "cancelled");

    // the store lists exactly that run, which loads back whole; nothing partial remains
    let store = RunStore::open(runs.path()).unwrap();
    let (listed, skipped) = store.list().unwrap();
    assert_eq!(listed.len(), 1);
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!(listed[0].id, meta.id);
    assert!(store.summary(&meta.id).unwrap().training.history.is_empty());
    assert_eq!(hidden_entries(runs.path()), Vec::<String>::new());
}

#[test]
fn dropping_the_handle_mid_training_stops_and_joins_the_engine_thread() {
    let _one = one_at_a_time();
    let before = engine_threads();
    let runs = tempfile::tempdir().unwrap();
    let engine = recording_engine(runs.path());
    engine
        .send(Command::Train {
            config: slow(500),
            auto: AutoDefaults::NONE,
        })
        .unwrap();
    loop {
        if let Some(Event::Training(Progress::Batch { .. })) =
            engine.recv_timeout(Duration::from_secs(60)).unwrap()
        {
            break;
        }
    }
    assert_eq!(engine_threads(), before + 1);
    // what closing the window does (`on_exit` drops the handle): cancel, then join
    drop(engine);
    assert_eq!(
        engine_threads_settled(before),
        before,
        "the engine thread was joined"
    );
    assert_eq!(hidden_entries(runs.path()), Vec::<String>::new());
}

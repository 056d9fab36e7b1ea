//! Branching a recorded run (issue 26): a branch without edits continues exactly as its
//! parent did; with an edit it shares the parent's epochs up to the branch point and
//! then differs; what a branch cannot change is refused with the reason.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic: a panic is a test failure

mod common;

use common::{sample, tiny};
use seqcast_engine::config::{CellKind, Knob, ScheduleKind};
use seqcast_engine::data::table::read_csv;
use seqcast_engine::pipeline::{self, RunSummary};
use seqcast_engine::runs::branch::plan;
use seqcast_engine::train::{Control, Progress};

fn losses(s: &RunSummary) -> Vec<(f64, Option<f64>, f64)> {
    (s.training.history.iter())
        .map(|e| (e.train_loss, e.val_loss, e.lr))
        .collect()
}

/// A 4-epoch parent whose lr was changed live after epoch 1.
fn parent(table: &seqcast_engine::data::table::CsvTable) -> RunSummary {
    let mut config = tiny(CellKind::Lstm, 4);
    config.model.dropout = 0.1;
    config.model.layers = 2;
    let control = Control::new();
    let out = pipeline::run(table, &config, &control, &mut |p| {
        if let Progress::Epoch(e) = p
            && e.epoch == 1
        {
            control.request(Knob::Lr, 2e-3);
        }
    })
    .unwrap();
    assert_eq!(out.summary.config.train.changes.len(), 1);
    out.summary
}

#[test]
fn a_branch_without_edits_continues_exactly_as_its_parent_and_an_edit_departs_after_it() {
    let table = read_csv(&sample("daily-min-temperatures.csv")).unwrap();
    let parent = parent(&table);
    let same = plan("p", &parent, 2, &parent.config).unwrap();
    assert_eq!(same.train.branch.as_ref().map(|b| b.epoch), Some(2));
    let branch = pipeline::run(&table, &same, &Control::new(), &mut |_| {}).unwrap();
    assert_eq!(
        losses(&branch.summary),
        losses(&parent),
        "epochs 3 and 4 as the parent's"
    );
    assert_eq!(branch.summary.test, parent.test);

    let mut edited = parent.config.clone();
    edited.train.lr = 5e-4;
    edited.model.dropout = 0.3;
    edited.train.epochs = 5;
    let config = plan("p", &parent, 2, &edited).unwrap();
    let batches = parent.data.windows[0].div_ceil(parent.config.train.batch);
    let edits: Vec<(usize, Knob, f64)> = (config.train.changes.iter())
        .skip(1)
        .map(|c| (c.step, c.field, c.to))
        .collect();
    assert_eq!(
        edits,
        [
            (2 * batches + 1, Knob::Lr, 5e-4),
            (2 * batches + 1, Knob::Dropout, 0.3)
        ]
    );
    let branch = pipeline::run(&table, &config, &Control::new(), &mut |_| {}).unwrap();
    let (b, p) = (losses(&branch.summary), losses(&parent));
    assert_eq!(b.len(), 5);
    assert_eq!(b[..2], p[..2], "the shared epochs");
    assert_ne!(b[2], p[2], "the branch departs in epoch 3");
    assert!((b[2].2 - 5e-4).abs() < 1e-15, "{}", b[2].2);
    // The branch records where its edits applied.
    let recorded = &branch.summary.config.train.changes;
    assert_eq!(recorded[1].step, 2 * batches + 1);
    assert_eq!(recorded[1].from, 2e-3, "the lr the parent had then");
}

#[test]
fn what_a_branch_cannot_change_is_refused_with_the_reason() {
    let table = read_csv(&sample("daily-min-temperatures.csv")).unwrap();
    let parent = parent(&table);
    let err = |epoch: usize, edited: &seqcast_engine::RunConfig| {
        plan("p", &parent, epoch, edited).unwrap_err().to_string()
    };
    let msg = err(0, &parent.config);
    assert!(msg.contains("ran epochs 1 to 4"), "{msg}");
    assert!(err(5, &parent.config).contains("ran epochs 1 to 4"));
    let msg = err(4, &parent.config);
    assert!(msg.contains("raise the epochs"), "{msg}");
    let mut bigger = parent.config.clone();
    bigger.model.hidden = 16;
    let msg = err(2, &bigger);
    assert!(msg.contains("not the model settings"), "{msg}");
    let mut seed = parent.config.clone();
    seed.train.seed += 1;
    assert!(err(2, &seed).contains("training (optimiser"));
    let mut cosine = parent.clone();
    cosine.config.train.schedule = ScheduleKind::Cosine { min_lr: 0.0 };
    let mut longer = cosine.config.clone();
    longer.train.epochs = 8;
    let msg = plan("p", &cosine, 2, &longer).unwrap_err().to_string();
    assert!(msg.contains("keep the epochs"), "{msg}");
}

#[test]
fn a_recorded_run_whose_widest_interval_could_not_be_fitted_loads_back_and_branches() {
    // AirPassengers' 11 validation windows are too few for a 95% interval: its coverage
    // per step is NaN, written as null, and the run store used to call the run damaged.
    let table = read_csv(&sample("airline-passengers.csv")).unwrap();
    let mut config = seqcast_engine::RunConfig::default();
    config.train.epochs = 6;
    let out = pipeline::run(&table, &config, &Control::new(), &mut |_| {}).unwrap();
    let per_step = &out.summary.intervals.as_ref().unwrap().coverage_per_step;
    assert!(
        per_step.values().flatten().any(|v| v.is_nan()),
        "{per_step:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let store = seqcast_engine::runs::RunStore::open(dir.path()).unwrap();
    let meta = store
        .save(
            &out.summary,
            (&out.model, &out.checkpoints),
            seqcast_engine::runs::RunOrigin::Cli,
        )
        .unwrap();
    // The listing states the run's size on disk: every file of its folder.
    let listed = store.list().unwrap().0;
    let folder = dir.path().join(&meta.id);
    let checkpoints: Vec<String> = (listed[0].checkpoints.iter())
        .map(|e| format!("checkpoints/epoch-{e}.ckpt"))
        .collect();
    assert!(!checkpoints.is_empty() && checkpoints.len() <= 4);
    let on_disk: u64 = [
        "run.json",
        "summary.json",
        "model/model.json",
        "model/weights.bin",
    ]
    .iter()
    .copied()
    .chain(checkpoints.iter().map(String::as_str))
    .map(|f| std::fs::metadata(folder.join(f)).unwrap().len())
    .sum();
    assert_eq!(listed[0].bytes, on_disk);
    let back = store.summary(&meta.id).unwrap();
    assert_eq!(losses(&back), losses(&out.summary));
    let branch = plan(&meta.id, &back, 3, &back.config).unwrap();
    let again = pipeline::run(&table, &branch, &Control::new(), &mut |_| {}).unwrap();
    assert_eq!(losses(&again.summary), losses(&out.summary));
}

#[test]
fn a_branch_through_the_engine_after_a_stopped_run_trains_to_the_end() {
    use seqcast_engine::runs::RunOrigin;
    use seqcast_engine::worker::{Command, EngineHandle, Event};
    let engine = EngineHandle::spawn(None).unwrap();
    engine
        .send(Command::Load {
            path: sample("daily-min-temperatures.csv"),
        })
        .unwrap();
    assert!(matches!(common::next_result(&engine), Event::Loaded { .. }));
    let dir = tempfile::tempdir().unwrap();
    engine
        .send(Command::RecordRuns {
            dir: Some(dir.path().to_path_buf()),
            origin: RunOrigin::Cli,
        })
        .unwrap();
    assert!(matches!(common::next_result(&engine), Event::Runs { .. }));
    let config = tiny(CellKind::Gru, 3);
    let auto = seqcast_engine::pipeline::defaults::AutoDefaults::NONE;
    engine.send(Command::Train { config, auto }).unwrap();
    // The engine records the run (RunRecorded, the new listing), then reports Finished.
    let mut id = None;
    let parent = loop {
        match common::next_result(&engine) {
            Event::Finished(s, _) => break s,
            Event::RunRecorded(meta) => id = Some(meta.id.clone()),
            Event::Runs { .. } => {}
            other => panic!("{other:?}"),
        }
    };
    let id = id.unwrap();
    // The user pressed Stop after the run had ended: the flag must not stop the branch.
    engine.cancel();
    engine
        .send(Command::Branch {
            run: id.clone(),
            epoch: 1,
            edited: Box::new(parent.config.clone()),
        })
        .unwrap();
    let branch = loop {
        match common::next_result(&engine) {
            Event::Finished(s, _) => break s,
            Event::Cancelled(..) => panic!("the branch was cancelled by the earlier Stop"),
            Event::RunRecorded(_) | Event::Runs { .. } => {}
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(losses(&branch), losses(&parent));
    assert_eq!(
        branch.config.train.branch.as_ref().map(|b| b.run.as_str()),
        Some(id.as_str())
    );
    // The parent kept a checkpoint after every one of its 3 epochs (the default keeps
    // 3 and the best): the branch started from the one after epoch 1.
    assert_eq!(branch.training.resumed_from, Some(1));
    assert!(
        (branch.data.load.notes.iter()).any(|n| n.contains("checkpoint after epoch 1")),
        "{:?}",
        branch.data.load.notes
    );
}

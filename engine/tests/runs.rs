//! The run store and the hyperparameter search with real training: runs round-trip,
//! damaged folders are skipped with a reason, a random search records every trial and
//! marks the true best, and pruning stops poor trials early.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic: a panic is a test failure

mod common;

use common::{sample, tiny};
use seqcast_engine::config::CellKind;
use seqcast_engine::data::table::read_csv;
use seqcast_engine::pipeline;
use seqcast_engine::runs::{RunOrigin, RunStore};
use seqcast_engine::train::{Control, StopReason};
use seqcast_engine::tune::{
    self, Method, Pruning, SearchSpace, TuneData, TuneProgress, TuneSettings,
};

fn temperatures() -> seqcast_engine::data::table::CsvTable {
    read_csv(&sample("daily-min-temperatures.csv")).unwrap()
}

#[test]
fn a_saved_run_loads_back_with_the_same_config_history_and_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let store = RunStore::open(dir.path().join("runs")).unwrap();
    let out = pipeline::run(
        &temperatures(),
        &tiny(CellKind::Gru, 2),
        &Control::new(),
        &mut |_| {},
    )
    .unwrap();
    let meta = store
        .save(&out.summary, (&out.model, &out.checkpoints), RunOrigin::Cli)
        .unwrap();
    assert_eq!(meta.name, "GRU 8x1, lookback 14, lr 5.0e-3");
    assert_eq!(meta.row.epochs_run, 2);

    let (runs, skipped) = store.list().unwrap();
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!(runs, vec![meta.clone()]);
    let loaded = store.summary(&meta.id).unwrap();
    assert_eq!(loaded.config, out.summary.config);
    assert_eq!(loaded.training.history, out.summary.training.history);
    assert_eq!(loaded.test_scores, out.summary.test_scores);
    assert_eq!(loaded.data.sha256, out.summary.data.sha256);
    let test = loaded.test.unwrap();
    assert_eq!(test.model, out.summary.test.as_ref().unwrap().model);
    assert!(
        test.baselines.is_empty(),
        "baseline forecasts are not stored, their metrics are"
    );
    assert_eq!(
        meta.row.test_mae,
        out.summary
            .test_scores
            .as_ref()
            .map(|s| s.original.model.overall.mae)
    );
    let model = store.model(&meta.id).unwrap();
    assert_eq!(model.config, out.model.config);

    // Rename, note, a second run with a distinct id, delete.
    assert_eq!(
        store.rename(&meta.id, " baseline GRU ").unwrap().name,
        "baseline GRU"
    );
    assert!(store.rename(&meta.id, "  ").is_err());
    store.set_note(&meta.id, "first try").unwrap();
    let second = store
        .save(&out.summary, (&out.model, &out.checkpoints), RunOrigin::Gui)
        .unwrap();
    assert_ne!(second.id, meta.id);
    let (runs, _) = store.list().unwrap();
    assert_eq!(runs.len(), 2);
    let first = runs.iter().find(|r| r.id == meta.id).unwrap();
    assert_eq!(
        (first.name.as_str(), first.note.as_str()),
        ("baseline GRU", "first try")
    );
    store.delete(&second.id).unwrap();
    assert_eq!(store.list().unwrap().0.len(), 1);
    assert!(store.delete("../escape").is_err());
    assert!(store.summary("no-such-run").is_err());
}

#[test]
fn damaged_and_half_written_run_folders_are_skipped_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let store = RunStore::open(dir.path()).unwrap();
    let out = pipeline::run(
        &temperatures(),
        &tiny(CellKind::Gru, 1),
        &Control::new(),
        &mut |_| {},
    )
    .unwrap();
    let good = store
        .save(&out.summary, (&out.model, &out.checkpoints), RunOrigin::Cli)
        .unwrap();

    // A copy whose run.json was cut short.
    let cut = dir.path().join("20200101-000000");
    std::fs::create_dir(&cut).unwrap();
    let meta = std::fs::read_to_string(dir.path().join(&good.id).join("run.json")).unwrap();
    std::fs::write(cut.join("run.json"), &meta[..meta.len() / 2]).unwrap();
    std::fs::write(cut.join("summary.json"), "{}").unwrap();
    // A folder with a run.json but no summary.
    let lonely = dir.path().join("20200101-000001");
    std::fs::create_dir(&lonely).unwrap();
    std::fs::write(
        lonely.join("run.json"),
        meta.replace(&good.id, "20200101-000001"),
    )
    .unwrap();
    // A run interrupted while being saved.
    std::fs::create_dir(dir.path().join(".20200101-000002.partial")).unwrap();
    // A run.json far larger than any run's (a file from elsewhere): refused by its size,
    // never read into memory whole.
    let huge = dir.path().join("20200101-000003");
    std::fs::create_dir(&huge).unwrap();
    std::fs::File::create(huge.join("run.json"))
        .unwrap()
        .set_len(1 << 40)
        .unwrap();
    // Unrelated files are ignored.
    std::fs::write(dir.path().join("notes.txt"), "hello").unwrap();

    let (runs, mut skipped) = store.list().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].id, good.id);
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    let why: Vec<&str> = skipped.iter().map(|s| s.why.as_str()).collect();
    assert_eq!(why.len(), 4, "{why:?}");
    assert!(why[0].contains("unfinished run"), "{why:?}");
    assert!(why[1].contains("is damaged"), "{why:?}");
    assert!(why[2].contains("has no summary.json"), "{why:?}");
    assert!(
        why[3].ends_with(
            "run.json is larger than the 16 MiB a seqcast run's file can be: it is not a run's"
        ),
        "{why:?}"
    );
}

#[test]
fn a_random_search_records_every_trial_and_marks_the_best() {
    let dir = tempfile::tempdir().unwrap();
    let store = RunStore::open(dir.path()).unwrap();
    let space = common::lr_and_small_hidden([1e-3, 2e-2]);
    let settings = TuneSettings {
        method: Method::Random,
        trials: 4,
        seed: 5,
        max_epochs: Some(2),
        pruning: Pruning::None,
    };
    let mut done = 0;
    let out = tune::run(
        TuneData::Table(&temperatures()),
        &tiny(CellKind::Gru, 5),
        &space,
        &settings,
        &Control::new(),
        Some(&store),
        &mut |p| {
            if let TuneProgress::TrialDone(t) = p {
                done += 1;
                assert_eq!(t.index, done);
            }
        },
    )
    .unwrap();
    assert_eq!(done, 4);
    assert!(!out.cancelled);
    assert!(
        out.trials
            .iter()
            .all(|t| t.error.is_none() && t.epochs_run == 2)
    );
    let (runs, _) = store.list().unwrap();
    assert_eq!(runs.len(), 4, "every trial is a run folder");
    assert!(
        runs.iter().all(
            |r| matches!(&r.origin, RunOrigin::Search { search, .. } if *search == out.search)
        )
    );
    // The best trial's validation loss is the table's minimum.
    let best = &out.trials[out.best.unwrap()];
    let table_min = runs
        .iter()
        .filter_map(|r| r.row.best_val_loss)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(best.best_val_loss, Some(table_min));
    let best_run = runs
        .iter()
        .find(|r| Some(&r.id) == best.run_id.as_ref())
        .unwrap();
    assert_eq!(best_run.row.best_val_loss, Some(table_min));
    // Trials differ in what they tried.
    let tried: std::collections::BTreeSet<String> =
        out.trials.iter().map(|t| t.describe()).collect();
    assert_eq!(tried.len(), 4, "{tried:?}");
}

#[test]
fn pruning_stops_poor_trials_before_their_budget() {
    let space = SearchSpace {
        lr: Some([1e-5, 3e-2]),
        ..SearchSpace::default()
    };
    let settings = TuneSettings {
        method: Method::Grid,
        trials: 6,
        seed: 1,
        max_epochs: Some(5),
        pruning: Pruning::Median { warmup: 1 },
    };
    let mut base = tiny(CellKind::Gru, 5);
    base.train.patience = 0;
    let out = tune::run(
        TuneData::Table(&temperatures()),
        &base,
        &space,
        &settings,
        &Control::new(),
        None,
        &mut |_| {},
    )
    .unwrap();
    // The grid has 3 lr points, so the budget of 6 runs all 3.
    assert_eq!(out.trials.len(), 3);
    let pruned: Vec<_> = out.trials.iter().filter(|t| t.pruned).collect();
    assert!(
        !pruned.is_empty(),
        "{:#?}",
        out.trials
            .iter()
            .map(|t| (t.describe(), &t.best_by_epoch))
            .collect::<Vec<_>>()
    );
    for t in &pruned {
        assert!(
            t.epochs_run < 5,
            "{} ran {} epochs",
            t.describe(),
            t.epochs_run
        );
        assert!(t.stop.contains("pruned after epoch"), "{}", t.stop);
    }
    // The best trial was not pruned, and it ran its whole budget.
    let best = &out.trials[out.best.unwrap()];
    assert!(!best.pruned && best.epochs_run == 5);
    assert!(
        StopReason::Pruned { epoch: 2 }
            .describe()
            .contains("earlier trials")
    );
}

#[test]
fn neither_a_huge_grid_nor_a_huge_budget_is_built_before_the_trials() {
    // 300 × 300 × 300 grid points with a budget of one, and a random search with a
    // budget of ten billion stopped after its first trial: both used to build every
    // point before the first trial and died out of memory.
    let space = SearchSpace {
        hidden: Some((1..=300).collect()),
        lookback: Some((8..308).collect()),
        batch: Some((1..=300).collect()),
        ..SearchSpace::default()
    };
    let base = tiny(CellKind::Gru, 1);
    // 80 rows: a trial is quick whatever point it draws (most lookbacks do not fit and
    // fail at once, which is still a trial).
    let csv: String = std::iter::once("value\n".to_string())
        .chain((0..80).map(|t| format!("{}\n", (f64::from(t) * 0.3).sin())))
        .collect();
    let table = seqcast_engine::data::table::read_csv_bytes(csv.as_bytes(), "sine.csv").unwrap();
    let grid = TuneSettings {
        method: Method::Grid,
        trials: 1,
        seed: 2,
        max_epochs: Some(1),
        pruning: Pruning::None,
    };
    let mut announced = None;
    let out = tune::run(
        TuneData::Table(&table),
        &base,
        &space,
        &grid,
        &Control::new(),
        None,
        &mut |p| {
            if let TuneProgress::Started { trials, .. } = p {
                announced = Some(trials);
            }
        },
    )
    .unwrap();
    assert_eq!((announced, out.trials.len()), (Some(1), 1));

    let random = TuneSettings {
        method: Method::Random,
        trials: 10_000_000_000,
        ..grid
    };
    let small = SearchSpace {
        hidden: Some(vec![4, 8]),
        ..SearchSpace::default()
    };
    let control = Control::new();
    let mut announced = None;
    let out = tune::run(
        TuneData::Table(&table),
        &base,
        &small,
        &random,
        &control,
        None,
        &mut |p| match p {
            TuneProgress::Started { trials, .. } => announced = Some(trials),
            TuneProgress::TrialDone(_) => control.cancel(),
            _ => {}
        },
    )
    .unwrap();
    assert_eq!(announced, Some(10_000_000_000));
    assert!(out.cancelled);
    assert_eq!(out.trials.len(), 1);
}

#[test]
fn a_run_with_an_infinite_error_and_a_nan_loss_stays_listed() {
    // serde_json writes non-finite floats as null; plain f64 fields then refused to read
    // the run back and it was listed as damaged.
    let dir = tempfile::tempdir().unwrap();
    let store = RunStore::open(dir.path()).unwrap();
    let mut out = pipeline::run(
        &temperatures(),
        &tiny(CellKind::Gru, 2),
        &Control::new(),
        &mut |_| {},
    )
    .unwrap();
    let summary = &mut out.summary;
    summary
        .test_scores
        .as_mut()
        .unwrap()
        .original
        .model
        .overall
        .mse = f64::INFINITY;
    summary.training.history[0].train_loss = f64::NAN;
    summary.training.history[0].layer_grad_norms[0].1 = f64::INFINITY;
    let meta = store
        .save(&out.summary, (&out.model, &out.checkpoints), RunOrigin::Cli)
        .unwrap();
    let (runs, skipped) = store.list().unwrap();
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!(runs.len(), 1);
    let loaded = store.summary(&meta.id).unwrap();
    let scores = loaded.test_scores.unwrap();
    assert!(scores.original.model.overall.mse.is_nan());
    assert_eq!(
        scores.original.model.overall.mae,
        out.summary
            .test_scores
            .as_ref()
            .unwrap()
            .original
            .model
            .overall
            .mae
    );
    assert!(loaded.training.history[0].train_loss.is_nan());
    assert!(loaded.training.history[0].layer_grad_norms[0].1.is_nan());
    assert_eq!(
        loaded.training.history[1], out.summary.training.history[1],
        "finite values read back as they were"
    );
}

#[test]
fn two_recorders_in_one_folder_in_the_same_second_never_share_a_run() {
    // Ids were checked first and created later: two processes finishing in the same
    // second took the same id, and one run was lost or mixed with the other.
    let dir = tempfile::tempdir().unwrap();
    let out = pipeline::run(
        &temperatures(),
        &tiny(CellKind::Gru, 1),
        &Control::new(),
        &mut |_| {},
    )
    .unwrap();
    let out = std::sync::Arc::new(out);
    let start = std::sync::Arc::new(std::sync::Barrier::new(2));
    let writers: Vec<_> = (0..2)
        .map(|_| {
            let (out, start, path) = (out.clone(), start.clone(), dir.path().to_path_buf());
            std::thread::spawn(move || {
                let store = RunStore::open(path).unwrap();
                start.wait();
                (0..6)
                    .map(|_| {
                        store
                            .save(&out.summary, (&out.model, &out.checkpoints), RunOrigin::Cli)
                            .unwrap()
                            .id
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let ids: Vec<String> = writers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    let distinct: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), 12, "{ids:?}");
    let (runs, skipped) = RunStore::open(dir.path()).unwrap().list().unwrap();
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!(runs.len(), 12);
    // Every folder holds a whole run that loads.
    for r in &runs {
        RunStore::open(dir.path()).unwrap().model(&r.id).unwrap();
    }
}

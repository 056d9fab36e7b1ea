//! Successive halving (ASHA) in a real search: trials stop only at the rungs, the first
//! trial and the best one run their whole budget, and the search spends fewer epochs
//! than its trials' budgets.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic: a panic is a test failure

mod common;

use common::{lr_and_small_hidden, sample, tiny};
use seqcast_engine::config::CellKind;
use seqcast_engine::data::table::read_csv;
use seqcast_engine::train::Control;
use seqcast_engine::tune::{self, Method, Pruning, TuneData, TuneSettings};

#[test]
fn asha_stops_trials_only_at_its_rungs_and_lets_the_best_run_on() {
    let table = read_csv(&sample("daily-min-temperatures.csv")).unwrap();
    // Rungs at 1 and 3 epochs; 9 is the budget.
    let asha = TuneSettings {
        method: Method::Asha,
        trials: 8,
        max_epochs: Some(9),
        pruning: Pruning::Asha {
            min_epochs: 1,
            eta: 3,
        },
        ..TuneSettings::default()
    };
    let mut base = tiny(CellKind::Gru, 9);
    base.train.patience = 0;
    let (data, space) = (TuneData::Table(&table), lr_and_small_hidden([1e-5, 3e-2]));
    let dir = tempfile::tempdir().unwrap();
    let store = seqcast_engine::runs::RunStore::open(dir.path()).unwrap();
    let out = tune::run(
        data,
        &base,
        &space,
        &asha,
        &Control::new(),
        Some(&store),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(out.trials.len(), 8);
    let runs: Vec<(usize, bool)> = out
        .trials
        .iter()
        .map(|t| (t.epochs_run, t.pruned))
        .collect();
    for (epochs, pruned) in &runs {
        let at_rung = [1, 3].contains(epochs);
        assert!(
            (*pruned && at_rung) || (!pruned && *epochs == 9),
            "{runs:?}"
        );
    }
    assert_eq!(
        runs[0],
        (9, false),
        "the first trial is alone at every rung"
    );
    assert!(runs.iter().any(|r| r.1), "some trials stop: {runs:?}");
    let total: usize = runs.iter().map(|r| r.0).sum();
    assert!(total < 8 * 9, "{total} epochs");
    // Each trial that went past a rung was among the best third there (at least the
    // best) of the trials that had reached it by then, itself included.
    for (i, t) in out.trials.iter().enumerate() {
        for rung in [1usize, 3] {
            if t.epochs_run <= rung {
                continue;
            }
            let mut there: Vec<f64> = out.trials[..=i]
                .iter()
                .filter_map(|o| o.best_by_epoch.get(rung - 1).copied())
                .collect();
            there.sort_by(f64::total_cmp);
            let keep = (there.len() / 3).max(1);
            assert!(
                t.best_by_epoch[rung - 1] <= there[keep - 1],
                "trial {} went past rung {rung}",
                t.index
            );
        }
    }
    let best = &out.trials[out.best.unwrap()];
    assert_eq!(best.epochs_run, 9);
    // The trials that ran their budget keep their checkpoints; the pruned ones none.
    let (listed, _) = store.list().unwrap();
    assert_eq!(listed.len(), 8);
    for meta in &listed {
        let id = meta.id.as_str();
        let trial = out.trials.iter().find(|t| t.run_id.as_deref() == Some(id));
        let trial = trial.unwrap();
        assert_eq!(
            meta.checkpoints.is_empty(),
            trial.pruned,
            "trial {}",
            trial.index
        );
    }
}

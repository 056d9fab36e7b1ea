//! Runs over many series in the run store: recorded with their panel scores and loaded
//! back, searched over (every trial a panel run), and their live changes recorded and
//! replayed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic: a panic is a test failure

mod common;

use common::tiny;
use seqcast_engine::config::CellKind;
use seqcast_engine::runs::{RunOrigin, RunStore};
use seqcast_engine::train::Control;
use seqcast_engine::tune::{self, Method, Pruning, SearchSpace, TuneData, TuneSettings};

/// Four noisy seasonal series of different levels, and a tiny GRU for them.
fn small_panel() -> (
    std::sync::Arc<seqcast_engine::panel::Panel>,
    seqcast_engine::RunConfig,
) {
    use seqcast_engine::config::{ScaleKind, Split};
    let raw: Vec<(String, Vec<Option<f64>>)> = (0..4)
        .map(|i| {
            let values = (0..60)
                .map(|t| {
                    let x = f64::from(t + i) * std::f64::consts::TAU / 6.0;
                    Some(10.0 * f64::from(i + 1) + x.sin() + 0.1 * f64::from((t * 37 + i) % 7))
                })
                .collect();
            (format!("s{i}"), values)
        })
        .collect();
    let panel = seqcast_engine::panel::Panel::from_raw("panel.csv", raw);
    let mut c = tiny(CellKind::Gru, 2);
    c.window.lookback = 12;
    c.window.horizon = 6;
    c.data.split = Split::Last { val: 6, test: 6 };
    c.data.scale = ScaleKind::Zscore;
    c.eval.season = Some(6);
    (std::sync::Arc::new(panel), c)
}

/// A run over many series is recorded with its panel scores: listed beside runs on one
/// series with its series count, sMAPE, MASE and OWA, loaded back whole for comparing,
/// and its missing weights reported as such.
#[test]
fn a_run_over_many_series_is_recorded_and_loads_back() {
    use seqcast_engine::runs::{RunKind, StoredRun};
    let (panel, c) = small_panel();
    let out =
        seqcast_engine::panel::run::run(panel.clone(), &c, &Control::new(), &mut |_| {}).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = RunStore::open(dir.path().join("runs")).unwrap();
    let mut spec = out.spec.clone();
    spec.layout = Some(seqcast_engine::panel::layout::Layout::Rows);
    let model = seqcast_engine::artifact::PanelModel {
        forecaster: out.model.clone(),
        config: out.summary.config.clone(),
        spec,
    };
    let meta = store
        .save_panel(&out.summary, Some(&model), RunOrigin::Cli)
        .unwrap();
    assert_eq!(meta.kind, RunKind::Panel);
    assert_eq!(meta.name, "GRU 8x1, lookback 12, lr 5.0e-3, 4 series");
    let model = out.summary.test.as_ref().unwrap().aggregate["model"];
    assert_eq!(meta.row.series, Some(4));
    assert_eq!(meta.row.test_mase, Some(model.mase));
    assert_eq!(meta.row.test_smape, Some(model.smape));
    assert_eq!(meta.row.test_owa, Some(model.owa));
    assert_eq!(meta.row.test_mae, None, "no MAE across series");

    let (runs, skipped) = store.list().unwrap();
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!(runs, vec![meta.clone()]);
    match store.stored(&meta.id).unwrap() {
        StoredRun::Panel(p) => assert_eq!(*p, out.summary),
        StoredRun::Series(_) => panic!("a panel run read back as one series"),
    }
    let e = store.summary(&meta.id).unwrap_err().to_string();
    assert!(e.contains("was trained on many series"), "{e}");
    let e = store.model(&meta.id).unwrap_err().to_string();
    assert!(e.contains("this model was trained on many series"), "{e}");
    // The recorded model forecasts every series' future as the run did.
    let seqcast_engine::artifact::SavedModel::Panel(loaded) = store.saved_model(&meta.id).unwrap()
    else {
        panic!("a panel model read back as one series")
    };
    let again = seqcast_engine::panel::predict::forecast(
        &loaded.forecaster,
        &loaded.config,
        &loaded.spec,
        &panel,
    )
    .unwrap();
    assert_eq!(again.forecasts.len(), 4);
    assert!(again.unseen.is_empty() && again.skipped.is_empty());
    // A crafted panel manifest whose inputs disagree with the weights is refused.
    let manifest = dir
        .path()
        .join("runs")
        .join(&meta.id)
        .join("model/model.json");
    let mut m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    m["panel"]["covariates"] = serde_json::json!(["extra"]);
    m["content_sha256"] = serde_json::Value::Null;
    std::fs::write(&manifest, m.to_string()).unwrap();
    let e = store.saved_model(&meta.id).unwrap_err().to_string();
    assert!(
        e.contains("its series' inputs are 2 columns, the model reads 1"),
        "{e}"
    );
    // The product forecast past the end: the model's, or the baseline the run chose.
    for (f, g) in out.forecasts.iter().zip(&again.forecasts) {
        assert_eq!(f.id, g.id);
        assert_eq!(f.source, g.source);
        for (a, b) in f.product_future().iter().zip(&g.values) {
            assert!((a - b).abs() < 1e-9 * a.abs().max(1.0), "{} {a} {b}", f.id);
        }
    }
}

/// A search over models of many series trains each trial on every series, records
/// them as panel runs and ranks them by validation loss.
#[test]
fn a_search_over_many_series_records_panel_runs() {
    use seqcast_engine::runs::RunKind;
    let (panel, c) = small_panel();
    let dir = tempfile::tempdir().unwrap();
    let store = RunStore::open(dir.path().join("runs")).unwrap();
    let space = SearchSpace {
        hidden: Some(vec![4, 12]),
        ..SearchSpace::default()
    };
    let settings = TuneSettings {
        method: Method::Grid,
        trials: 2,
        seed: 1,
        max_epochs: Some(2),
        pruning: Pruning::None,
    };
    let out = tune::run(
        TuneData::Panel(&panel, &seqcast_engine::panel::layout::Layout::Rows),
        &c,
        &space,
        &settings,
        &Control::new(),
        Some(&store),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(out.trials.len(), 2);
    let (runs, _) = store.list().unwrap();
    assert_eq!(runs.len(), 2);
    for t in &out.trials {
        assert!(t.error.is_none(), "{:?}", t.error);
        assert!(t.test_mase.is_some_and(|m| m > 0.0), "{t:?}");
        assert_eq!(t.test_mae, None);
        let run = runs
            .iter()
            .find(|r| Some(&r.id) == t.run_id.as_ref())
            .unwrap();
        assert_eq!(run.kind, RunKind::Panel);
        assert_eq!(run.row.series, Some(4));
    }
    let best = out.best.unwrap();
    let lowest = out
        .trials
        .iter()
        .filter_map(|t| t.best_val_loss)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(out.trials[best].best_val_loss, Some(lowest));
}

/// A run over many series records the changes made while it trained, and reusing its
/// configuration replays them to the same losses.
#[test]
fn a_run_over_many_series_records_a_live_change_and_replays_it() {
    use seqcast_engine::config::Knob;
    use seqcast_engine::train::Progress;
    let (panel, c) = small_panel();
    let control = Control::new();
    let out = seqcast_engine::panel::run::run(panel.clone(), &c, &control, &mut |p| {
        if let Progress::Epoch(e) = p
            && e.epoch == 1
        {
            control.request(Knob::Lr, 1e-3);
        }
    })
    .unwrap();
    let changes = &out.summary.config.train.changes;
    assert_eq!(changes.len(), 1);
    assert_eq!((changes[0].field, changes[0].to), (Knob::Lr, 1e-3));
    let again =
        seqcast_engine::panel::run::run(panel, &out.summary.config, &Control::new(), &mut |_| {})
            .unwrap();
    let losses = |h: &[seqcast_engine::train::EpochRecord]| -> Vec<(f64, Option<f64>, f64)> {
        h.iter().map(|e| (e.train_loss, e.val_loss, e.lr)).collect()
    };
    assert_eq!(
        losses(&again.summary.training.history),
        losses(&out.summary.training.history)
    );
    assert_eq!(out.summary.training.history[1].lr, 1e-3);
}

//! Whole pipelines on the bundled series: the ETT protocol's naive numbers, scalers
//! fitted on training rows only, export and model round trips.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic: a panic is a test failure

mod common;

use std::sync::Arc;

use common::{sample, tiny};
use seqcast_engine::RunConfig;
use seqcast_engine::config::{CellKind, ScaleKind, Split, WindowNorm};
use seqcast_engine::data::table::read_csv;
use seqcast_engine::eval::baselines::{BaselineKind, naive};
use seqcast_engine::eval::metrics::HorizonMetrics;
use seqcast_engine::eval::protocol;
use seqcast_engine::export::{self, CsvOptions};
use seqcast_engine::pipeline::{self, Prepared};
use seqcast_engine::train::Control;
use seqcast_engine::{EngineError, artifact};

fn ett_config() -> RunConfig {
    protocol::ett(&RunConfig::default(), 24, protocol::ETT_LOOKBACK)
}

#[test]
fn ett_naive_matches_the_literature_protocol() {
    let table = read_csv(&sample("ETTh1.csv")).unwrap();
    let config = ett_config();
    let (series, _, config) = pipeline::load_series(&table, &config).unwrap();
    let p = Prepared::fit(Arc::new(series), &config).unwrap();
    // the LTSF split: train [0, 8640), validation [8640, 11520), test [11520, 14400)
    assert_eq!(
        (
            p.split.train.clone(),
            p.split.val.clone(),
            p.split.test.clone()
        ),
        (0..8640, 8640..11520, 11520..14400)
    );
    // every test window, stride 1: targets from row 11520 to 14399, 24 at a time
    assert_eq!(p.test.first().map(|o| o + 1), Some(11520));
    assert_eq!(p.test.last().map(|o| o + 24), Some(14399));
    // MANIFEST: OT training mean 17.128262, population std 9.176491
    let level = &p.scaling.levels[0];
    assert!((level.center - 17.128262).abs() < 1e-5, "{}", level.center);
    assert!((level.scale - 9.176491).abs() < 1e-5, "{}", level.scale);
    assert_eq!(p.test.len(), 2857);
    let ot = &p.series.targets()[0].values;
    let z = |v: &[f64]| v.iter().map(|x| level.transform(*x)).collect::<Vec<_>>();
    let actual = z(&p.actuals(0, &p.test));
    let predicted = z(&naive(ot, &p.test, 24));
    let m = HorizonMetrics::compute(&actual, &predicted, 24, None).overall;
    assert!((m.mse - 0.034).abs() <= 0.002, "naive MSE {}", m.mse);
    assert!((m.mae - 0.139).abs() <= 0.002, "naive MAE {}", m.mae);
}

#[test]
fn scalers_see_only_the_training_rows() {
    let table = read_csv(&sample("airline-passengers.csv")).unwrap();
    let mut config = RunConfig::default();
    config.data.scale = ScaleKind::Minmax;
    let (series, _, config) = pipeline::load_series(&table, &config).unwrap();
    let p = Prepared::fit(Arc::new(series), &config).unwrap();
    let values = &p.series.targets()[0].values;
    let train = &values[p.split.train.clone()];
    let min = train.iter().copied().fold(f64::INFINITY, f64::min);
    let max = train.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let all_max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(
        (p.scaling.columns[0].center, p.scaling.columns[0].scale),
        (min, max - min)
    );
    assert!(
        all_max > max,
        "the series keeps growing after the training part"
    );
    // so later values scale above 1: nothing from the future leaked into the fit
    assert!(p.matrix.iter().copied().fold(f32::MIN, f32::max) > 1.0);
}

#[test]
fn a_series_too_short_for_the_windows_is_refused_with_numbers() {
    let table = read_csv(&sample("airline-passengers.csv")).unwrap();
    let mut config = RunConfig::default();
    config.window.lookback = 100;
    config.window.horizon = 50;
    let (series, _, config) = pipeline::load_series(&table, &config).unwrap();
    let err = Prepared::fit(Arc::new(series), &config).unwrap_err();
    assert!(matches!(err, EngineError::TooShort(_)));
    assert_eq!(
        err.to_string(),
        "the series has 144 rows, but one window needs lookback 100 + horizon 50 = 150 rows"
    );
}

#[test]
fn log_and_difference_transforms_invert_exactly() {
    let table = read_csv(&sample("airline-passengers.csv")).unwrap();
    let mut config = RunConfig::default();
    config.data.log = true;
    config.data.diff = true;
    let (series, _, config) = pipeline::load_series(&table, &config).unwrap();
    let p = Prepared::fit(Arc::new(series), &config).unwrap();
    // Feeding the true future (in model space) through `invert` must give the actuals back.
    let h = p.spec.horizon;
    let outputs: Vec<f32> = p
        .test
        .iter()
        .flat_map(|&t| (t + 1..=t + h).map(|r| p.matrix[r]))
        .collect();
    let inverted = p.invert(&p.test, &outputs);
    let actual = p.actuals(0, &p.test);
    for (a, b) in actual.iter().zip(&inverted[0]) {
        assert!((a - b).abs() < 1e-3 * a.abs(), "{a} vs {b}");
    }
}

#[test]
fn run_export_and_model_round_trip() {
    let table = read_csv(&sample("daily-min-temperatures.csv")).unwrap();
    let mut config = tiny(CellKind::Gru, 2);
    config.model.recurrent_steps = 5; // of the 14-step lookback: must survive saving
    let out = pipeline::run(&table, &config, &Control::new(), &mut |_| {}).unwrap();
    let s = &out.summary;
    let test = s.test.as_ref().unwrap();
    let scores = s.test_scores.as_ref().unwrap();
    assert_eq!(scores.original.baselines.len(), 4, "all four baselines");
    assert!(scores.original.model.overall.mae > 0.0);

    // predictions CSV → file → re-read with the loader
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("preds.csv");
    let csv = export::predictions_csv(s, &out.series, CsvOptions { baselines: true });
    export::write_atomic(&csv_path, csv.as_bytes()).unwrap();
    let back = read_csv(&csv_path).unwrap();
    let names: Vec<&str> = back.columns.iter().map(|c| c.name.as_str()).collect();
    // `_model` joins `_predicted` (the product forecast) only when that is not the model
    let replaced = s.forecast.as_ref().unwrap().replaces_model();
    let mut expected = vec!["origin", "target_time", "step", "split", "Temp_actual"];
    expected.extend([
        "Temp_predicted",
        "Temp_lo80",
        "Temp_hi80",
        "Temp_lo95",
        "Temp_hi95",
        // the default quantile model's levels
        "Temp_q2.5",
        "Temp_q10",
        "Temp_q50",
        "Temp_q90",
        "Temp_q97.5",
    ]);
    if replaced {
        expected.push("Temp_model");
    }
    expected.extend([
        "Temp_naive",
        "Temp_seasonal_naive",
        "Temp_drift",
        "Temp_linear",
        "forecast",
    ]);
    assert_eq!(names, expected);
    let h = config.window.horizon;
    let val_rows = s.val.as_ref().unwrap().origins.len() * h;
    assert_eq!(back.n_rows, val_rows + test.origins.len() * h + h);
    let col = |name: &str| back.column(name).unwrap();
    // first test row: its actual and prediction survive the round trip
    let row = val_rows;
    let parse = |c: &seqcast_engine::data::table::RawColumn, r: usize| -> f64 {
        c.cells.text(r).unwrap().parse().unwrap()
    };
    assert_eq!(col("split").cells.text(row), Some("test"));
    assert_eq!(parse(col("Temp_actual"), row), test.actual[0][0]);
    assert_eq!(parse(col("Temp_predicted"), row), test.product[0][0]);
    assert_eq!(
        parse(col("Temp_naive"), row),
        test.baselines[&BaselineKind::Naive][0][0]
    );
    // the origin is the last input day, the target the next one
    assert_eq!(
        col("origin").cells.text(row),
        Some(out.series.time_label(test.origins[0]).as_str())
    );
    assert_eq!(
        col("target_time").cells.text(row),
        Some(out.series.time_label(test.origins[0] + 1).as_str())
    );
    let last = back.n_rows - 1;
    assert_eq!(col("split").cells.text(last), Some("future"));
    assert_eq!(col("target_time").cells.text(last), Some("1991-01-03"));

    // JSON report: the documented keys
    let report = export::report_json(s);
    for key in ["mse", "mae", "rmse", "mape", "smape", "mase"] {
        assert!(report["model"][key].is_number(), "model.{key}");
        assert!(
            report["baselines"]["seasonal_naive"].get(key).is_some(),
            "baselines.seasonal_naive.{key}"
        );
    }
    assert_eq!(report["metrics_scale"], "original");
    assert_eq!(report["history"].as_array().unwrap().len(), 2);
    assert!(report["history"][0]["val_loss"].is_number());
    assert_eq!(report["data"]["sha256"].as_str().unwrap().len(), 64);

    // model artifact: a loaded model predicts exactly what the trained one did
    let model_dir = dir.path().join("model dir ü");
    artifact::save(&model_dir, &out.model, Some("daily-min-temperatures.csv")).unwrap();
    let loaded = artifact::load(&model_dir).unwrap();
    let prediction = pipeline::predict::predict(&loaded, &table).unwrap();
    let pos = prediction
        .windows
        .origins
        .iter()
        .position(|o| *o == test.origins[0])
        .unwrap();
    assert_eq!(
        prediction.windows.model[0][pos * h..(pos + 1) * h],
        test.model[0][..h]
    );
    assert_eq!(prediction.future.values, s.future.values);
    assert_eq!(loaded.config.model.window_norm, WindowNorm::Last);
    assert_eq!(loaded.forecaster.recurrent_steps, 5);

    // older models load as they were trained: version 1 (before per-window
    // normalisation) and version 2 (before the linear skip) had neither / no skip
    assert!(loaded.config.model.linear_skip && loaded.forecaster.skip_w.is_some());
    let mut plain = pipeline::TrainedModel {
        forecaster: loaded.forecaster.clone(),
        config: loaded.config.clone(),
        scaling: loaded.scaling.clone(),
        columns: loaded.columns.clone(),
        n_targets: loaded.n_targets,
        product: None,
    };
    plain.forecaster.skip_w = None;
    plain.config.model.linear_skip = false;
    let old_dir = dir.path().join("old model");
    artifact::save(&old_dir, &plain, None).unwrap();
    let old_path = old_dir.join("model.json");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&old_path).unwrap()).unwrap();
    for version in [1, 2] {
        let mut old = saved.clone();
        old["version"] = version.into();
        // Models of those versions had no checksum of their settings.
        old.as_object_mut().unwrap().remove("content_sha256");
        let model = old["config"]["model"].as_object_mut().unwrap();
        model.remove("linear_skip");
        if version == 1 {
            model.remove("window_norm");
        }
        std::fs::write(&old_path, old.to_string()).unwrap();
        let old = artifact::load(&old_dir).unwrap();
        assert!(!old.config.model.linear_skip && old.forecaster.skip_w.is_none());
        let expected = if version == 1 {
            WindowNorm::None
        } else {
            WindowNorm::Last
        };
        assert_eq!(old.config.model.window_norm, expected);
    }

    // a damaged artifact is an error, not garbage
    let weights = model_dir.join("weights.bin");
    let mut bytes = std::fs::read(&weights).unwrap();
    bytes[10] ^= 0xff;
    std::fs::write(&weights, &bytes).unwrap();
    assert!(
        artifact::load(&model_dir)
            .unwrap_err()
            .to_string()
            .contains("checksum")
    );
    std::fs::write(&weights, &bytes[..bytes.len() - 4]).unwrap();
    assert!(
        artifact::load(&model_dir)
            .unwrap_err()
            .to_string()
            .contains("truncated")
    );
}

#[test]
fn several_targets_with_covariates_train_score_and_export_per_target() {
    let table = read_csv(&sample("ETTh1.csv")).unwrap();
    let mut config = tiny(CellKind::Gru, 1);
    config.data.targets = vec!["OT".into(), "HUFL".into()];
    config.data.covariates = vec!["MUFL".into(), "LULL".into()];
    config.data.split = Split::Rows {
        train: 1200,
        val: 300,
        test: 300,
    };
    config.window.lookback = 24;
    config.window.horizon = 6;
    config.window.stride = 6;
    let out = pipeline::run(&table, &config, &Control::new(), &mut |_| {}).unwrap();
    let s = &out.summary;
    assert_eq!(out.model.columns, ["OT", "HUFL", "MUFL", "LULL"]);
    assert_eq!(out.model.n_targets, 2);
    let test = s.test.as_ref().unwrap();
    assert_eq!(test.model.len(), 2, "one forecast per target");
    assert_eq!(test.model[1].len(), test.origins.len() * 6);
    // HUFL's actuals really are HUFL: row 1201 (origin 1199 + 1 + step 1) of the file
    let hufl = &out.series.column("HUFL").unwrap().values;
    assert_eq!(test.actual[1][1], hufl[test.origins[0] + 2]);
    let scores = &s.test_scores.as_ref().unwrap().original;
    let names: Vec<&str> = scores
        .per_target
        .iter()
        .map(|t| t.target.as_str())
        .collect();
    assert_eq!(names, ["OT", "HUFL"]);
    let mean_mae = (scores.per_target[0].model.mae + scores.per_target[1].model.mae) / 2.0;
    assert!((scores.model.overall.mae - mean_mae).abs() < 1e-9);
    assert_eq!(s.future.values.len(), 2);
    let csv = export::predictions_csv(s, &out.series, CsvOptions::default());
    let header = csv.lines().next().unwrap();
    assert!(
        header.starts_with("origin,target_time,step,split,OT_actual,OT_predicted,")
            && header.contains(",HUFL_actual,HUFL_predicted,")
            && header.ends_with(",forecast"),
        "{header}"
    );
}

#[test]
fn a_model_with_the_playbook_options_saves_and_loads_as_it_was() {
    // Peephole LSTM, residual stack, variational dropout, xavier start, a bidirectional
    // encoder under truncated BPTT, layer normalisation: every weight (the peepholes,
    // the second stack and the gains too) survives saving, and the loaded model
    // predicts the same.
    let table = read_csv(&sample("daily-min-temperatures.csv")).unwrap();
    let mut config = tiny(CellKind::Lstm, 2);
    config.model.peephole = true;
    config.model.residual = true;
    config.model.layers = 3;
    config.model.dropout = 0.2;
    config.model.dropout_mode = seqcast_engine::config::DropoutMode::Variational;
    config.model.init = seqcast_engine::config::InitKind::Xavier;
    config.model.bidirectional = true;
    config.model.layer_norm = true;
    config.model.tbptt = Some(seqcast_engine::config::Tbptt { k1: 4, k2: 6 });
    let out = pipeline::run(&table, &config, &Control::new(), &mut |_| {}).unwrap();
    assert!(out.model.forecaster.layers.iter().all(|l| l.peep.is_some()));
    assert_eq!(out.model.forecaster.backward.len(), 3);
    assert!(
        out.model
            .forecaster
            .backward
            .iter()
            .all(|l| l.peep.is_some())
    );
    assert!(
        out.model
            .forecaster
            .layers
            .iter()
            .all(|l| l.ln_ih.is_some() && l.ln_hh.is_some())
    );
    let dir = tempfile::tempdir().unwrap();
    artifact::save(dir.path(), &out.model, Some("daily-min-temperatures.csv")).unwrap();
    let loaded = artifact::load(dir.path()).unwrap();
    assert_eq!(loaded.config.model, out.model.config.model);
    let prediction = pipeline::predict::predict(&loaded, &table).unwrap();
    assert_eq!(prediction.future.values, out.summary.future.values);
}

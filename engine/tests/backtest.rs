//! Rolling-origin backtests of real runs: without refit they are the test part's
//! forecasts every K origins, scored per origin by hand; with refit each retraining
//! sees only the windows whose targets end at or before its origin, and changing the
//! data after an origin changes none of the forecasts made from it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is a test failure

mod common;

use common::{sample, tiny};
use seqcast_engine::RunConfig;
use seqcast_engine::config::{BacktestConfig, CellKind, Split};
use seqcast_engine::data::table::{CsvTable, read_csv};
use seqcast_engine::eval::baselines::BaselineKind;
use seqcast_engine::export::{self, CsvOptions};
use seqcast_engine::pipeline;
use seqcast_engine::train::Control;

fn mean_abs(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f64>() / a.len() as f64
}

#[test]
fn without_refit_the_backtest_is_the_test_part_every_k_origins() {
    let table = read_csv(&sample("daily-min-temperatures.csv")).unwrap();
    let mut config = tiny(CellKind::Gru, 2);
    config.eval.backtest = Some(BacktestConfig { every: 5, refit: 0 });
    let out = pipeline::run(&table, &config, &Control::new(), &mut |_| {}).unwrap();
    let s = &out.summary;
    let test = s.test.as_ref().unwrap();
    let bt = s.backtest.as_ref().expect("a backtest was asked for");
    let h = config.window.horizon;
    let expected: Vec<usize> = test.origins.iter().step_by(5).copied().collect();
    assert_eq!(bt.forecast.origins, expected);
    assert!(bt.refits.is_empty());
    assert_eq!(bt.per_origin.len(), expected.len());
    // The k-th backtest window is the (5k)-th test window, for every forecaster.
    for (k, w) in (0..expected.len()).map(|k| (k, 5 * k)) {
        let at = |v: &[f64], i: usize| v[i * h..(i + 1) * h].to_vec();
        assert_eq!(at(&bt.forecast.model[0], k), at(&test.model[0], w));
        assert_eq!(at(&bt.forecast.product[0], k), at(&test.product[0], w));
        let naive = |p: &pipeline::PartForecast| p.baselines[&BaselineKind::Naive][0].clone();
        assert_eq!(at(&naive(&bt.forecast), k), at(&naive(test), w));
        // Its error by hand: mean absolute error over the horizon.
        let o = &bt.per_origin[k];
        assert_eq!(o.origin, expected[k]);
        assert_eq!(o.label, out.series.time_label(expected[k]));
        let mae = mean_abs(&at(&test.actual[0], w), &at(&test.model[0], w));
        assert!((o.model.mae - mae).abs() < 1e-9, "{} vs {mae}", o.model.mae);
        assert!(o.model.mase > 0.0 && o.model.mase.is_finite());
    }
    // Overall MAE is the mean of the origins' (one target, equal horizons).
    let mean: f64 =
        bt.per_origin.iter().map(|o| o.model.mae).sum::<f64>() / bt.per_origin.len() as f64;
    let overall = bt.scores.original.model.overall.mae;
    assert!((overall - mean).abs() < 1e-9, "{overall} vs {mean}");
    // The validation radii scored on the backtest origins.
    assert!(bt.intervals["forecast"]["80"].coverage > 0.5);
    // The predictions CSV gets the backtest rows after the test rows.
    let csv = export::predictions_csv(s, &out.series, CsvOptions::default());
    let rows = csv.lines().filter(|l| l.contains(",backtest,")).count();
    assert_eq!(rows, expected.len() * h);
    // And the report a backtest block.
    let report = export::report_json(s);
    assert_eq!(report["backtest"]["origins"], expected.len());
    assert_eq!(report["backtest"]["every"], 5);
    assert!(report["backtest"]["forecast"]["mase"].as_f64().unwrap() > 0.0);
    assert_eq!(
        report["backtest"]["per_origin"].as_array().unwrap().len(),
        expected.len()
    );
}

fn air_config() -> RunConfig {
    let mut config = tiny(CellKind::Lstm, 2);
    config.data.split = Split::Fractions {
        train: 0.6,
        val: 0.2,
        test: 0.2,
    };
    config.window.lookback = 12;
    config.window.horizon = 3;
    config.window.stride = 1;
    config.eval.backtest = Some(BacktestConfig { every: 2, refit: 4 });
    config
}

fn air_table(scale_after: Option<(usize, f64)>) -> CsvTable {
    let text = std::fs::read_to_string(sample("airline-passengers.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if let Some((row, factor)) = scale_after {
        // Data rows start at line 1; rows after `row` are multiplied.
        for line in lines.iter_mut().skip(row + 2) {
            let (month, value) = line.split_once(',').unwrap();
            let v: f64 = value.trim().parse().unwrap();
            *line = format!("{month},{}", v * factor);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("air.csv");
    std::fs::write(&path, lines.join("\n")).unwrap();
    read_csv(&path).unwrap()
}

#[test]
fn each_refit_trains_only_on_windows_before_its_origin() {
    let config = air_config();
    let out = pipeline::run(&air_table(None), &config, &Control::new(), &mut |_| {}).unwrap();
    let s = &out.summary;
    let bt = s.backtest.as_ref().unwrap();
    let test = s.test.as_ref().unwrap();
    let origins: Vec<usize> = test.origins.iter().step_by(2).copied().collect();
    assert_eq!(bt.forecast.origins, origins);
    assert_eq!(bt.refits.len(), origins.len().div_ceil(4));
    let (lookback, horizon) = (12, 3);
    for (r, chunk) in bt.refits.iter().zip(origins.chunks(4)) {
        assert_eq!(r.origin, chunk[0]);
        // Windows from the first row whose targets end at or before the origin:
        // origins lookback-1 ..= origin-horizon.
        assert_eq!(r.windows, r.origin + 2 - lookback - horizon);
        let best = s.training.best_epoch;
        assert_eq!(r.epochs, best.unwrap_or(s.training.history.len()).max(1));
    }
    // Retrained models forecast differently from the trained one.
    assert_ne!(bt.forecast.model[0][..horizon], test.model[0][..horizon]);
    // Changing the rows after the second chunk's origin changes nothing forecast from
    // the first chunk, the model's forecasts from the second chunk's origins included.
    let cut = origins[4];
    let changed = pipeline::run(
        &air_table(Some((cut, 1.5))),
        &config,
        &Control::new(),
        &mut |_| {},
    )
    .unwrap();
    let bt2 = changed.summary.backtest.as_ref().unwrap();
    let first = 4 * horizon;
    assert_eq!(
        bt.forecast.model[0][..first],
        bt2.forecast.model[0][..first]
    );
    assert_eq!(
        bt.forecast.model[0][first..first + horizon],
        bt2.forecast.model[0][first..first + horizon]
    );
    assert_ne!(bt.forecast.actual[0], bt2.forecast.actual[0]);
}

#[test]
fn a_backtest_that_would_retrain_too_often_is_refused_with_numbers() {
    let mut config = air_config();
    config.eval.backtest = Some(BacktestConfig { every: 1, refit: 0 });
    let table = air_table(None);
    // refit every origin of a long test part: more retrainings than allowed
    let long = read_csv(&sample("daily-min-temperatures.csv")).unwrap();
    let mut long_config = tiny(CellKind::Gru, 1);
    long_config.eval.backtest = Some(BacktestConfig { every: 1, refit: 1 });
    let err = pipeline::run(&long, &long_config, &Control::new(), &mut |_| {}).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("retrain") && text.contains("at most 200"),
        "{text}"
    );
    // every = 0 is refused before anything runs
    config.eval.backtest = Some(BacktestConfig { every: 0, refit: 0 });
    let err = pipeline::run(&table, &config, &Control::new(), &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("eval.backtest.every"), "{err}");
}

//! A quantile model trained for real on an AR(1) series with Gaussian noise: the
//! pinball loss falls, the quantiles are ordered and roughly where their levels say,
//! the point forecast is the median, and the conformalised (CQR) 80 % interval holds
//! about 80 % of the test values; the report carries it all.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is a test failure

mod common;

use std::fmt::Write as _;

use common::catalogue::table;
use common::tiny;
use seqcast_engine::config::{CellKind, LossKind, QuantileLevels};
use seqcast_engine::export;
use seqcast_engine::pipeline;
use seqcast_engine::train::Control;

/// `x_t = 0.7·x_{t−1} + ε_t`, ε standard normal (a fixed LCG and Box–Muller), as a
/// one-column CSV.
fn ar1_csv(rows: usize) -> String {
    let mut state: u64 = 42;
    let mut uniform = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut csv = String::from("value\n");
    let mut x = 0.0;
    for _ in 0..rows {
        let (u1, u2) = (uniform(), uniform());
        let e = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        x = 0.7 * x + e;
        let _ = writeln!(csv, "{x:.5}");
    }
    csv
}

/// A tiny GRU with quantiles 0.1, 0.5, 0.9 and 80 % intervals, trained for `epochs` on
/// `csv` (its configuration, for changes, through `adjust`).
fn quantile_run(
    csv: &str,
    epochs: usize,
    adjust: impl FnOnce(&mut seqcast_engine::config::RunConfig),
) -> pipeline::RunOutput {
    let mut config = tiny(CellKind::Gru, epochs);
    config.data.time_column = None;
    config.data.targets = vec!["value".into()];
    let levels = QuantileLevels::new(&[0.1, 0.5, 0.9]).unwrap();
    config.train.loss = LossKind::Quantile { levels };
    config.eval.intervals = vec![0.8];
    adjust(&mut config);
    pipeline::run(
        &table(csv.as_bytes()),
        &config,
        &Control::new(),
        &mut |_| {},
    )
    .unwrap()
}

#[test]
fn a_quantile_model_learns_ordered_quantiles_and_cqr_calibrates_them() {
    let csv = ar1_csv(2400);
    let out = quantile_run(&csv, 10, |_| {});
    let s = &out.summary;
    let q = s.quantiles.as_ref().expect("a quantile model is scored");
    assert_eq!(q.levels, [0.1, 0.5, 0.9]);

    // Training lowered the (pinball) validation loss.
    let first = s.training.history.first().unwrap().val_loss.unwrap();
    let best = s
        .training
        .history
        .iter()
        .filter_map(|e| e.val_loss)
        .fold(f64::INFINITY, f64::min);
    assert!(best < 0.9 * first, "validation pinball {first} → {best}");

    // Ordered quantiles, each roughly at its level on the test part.
    let below: Vec<f64> = q.test.iter().map(|l| l.below).collect();
    assert!(below[0] < below[1] && below[1] < below[2], "{below:?}");
    assert!(below[0] < 0.25 && below[2] > 0.75, "{below:?}");
    // The point forecast is the median: its MAE is twice the median's pinball loss.
    let mae = s.test_scores.as_ref().unwrap().original.model.overall.mae;
    assert!(
        (mae - 2.0 * q.test[1].pinball).abs() < 1e-6 * mae,
        "{mae} vs {}",
        q.test[1].pinball
    );

    // CQR's 80 % interval holds about 80 % of ~600 test values; the raw one is scored too.
    let p = &q.intervals["80"];
    assert_eq!((p.lower, p.upper), (0.1, 0.9));
    assert!((p.cqr.coverage - 0.8).abs() < 0.07, "{:?}", p.cqr);
    assert!(p.raw.coverage.is_finite() && p.raw.width > 0.0);
    assert!(p.margins[0].iter().all(Option::is_some));

    let report = export::report_json(s);
    assert_eq!(report["model"]["pinball"].as_f64().unwrap(), q.pinball);
    assert_eq!(
        report["quantiles"]["intervals"]["80"]["cqr"]["coverage"]
            .as_f64()
            .unwrap(),
        p.cqr.coverage
    );
    assert_eq!(report["config"]["train"]["loss"]["levels"][2], 0.9);
}

/// Everywhere a quantile model's forecast is shown or exported, its bands are the CQR
/// ones (its 10 % and 90 % quantiles widened by the validation margins), not the point
/// forecast ± a radius: the test scores, the CSV's `_lo80`/`_hi80` (beside its `_q10`…
/// columns), the report's future bands and the saved model's intervals.
#[test]
fn a_quantile_models_bands_are_its_cqr_bands_in_every_export() {
    let csv = ar1_csv(1200);
    let out = quantile_run(&csv, 4, |c| {
        c.eval.forecast = seqcast_engine::config::ForecastMode::Model;
    });
    let s = &out.summary;
    let intervals = s.intervals.as_ref().unwrap();
    assert_eq!(intervals.pairs["model"], [Some((0, 2))]);
    assert_eq!(intervals.product_pairs(), [Some((0, 2))]);
    // The naive baseline keeps its band around the point.
    assert!(!intervals.pairs.contains_key("naive"));
    // The margins are CQR's, and the test coverage is the CQR band's (at least: the band
    // is widened where needed to hold the median).
    let q = s.quantiles.as_ref().unwrap();
    let margins = &intervals.product().unwrap()[0][0];
    assert_eq!(margins, &q.intervals["80"].margins[0]);
    let cov = intervals.test["forecast"]["80"].coverage;
    assert!(
        cov >= q.intervals["80"].cqr.coverage - 1e-12 && (cov - 0.8).abs() < 0.1,
        "{cov} vs {:?}",
        q.intervals["80"].cqr
    );

    let exported = export::predictions_csv(s, &out.series, export::CsvOptions::default());
    let mut lines = exported.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (step, split, p, lo, hi, q10, q50, q90) = (
        col("step"),
        col("split"),
        col("value_predicted"),
        col("value_lo80"),
        col("value_hi80"),
        col("value_q10"),
        col("value_q50"),
        col("value_q90"),
    );
    let mut future_rows = Vec::new();
    let mut checked = 0;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let v = |i: usize| cells[i].parse::<f64>().unwrap();
        let k = cells[step].parse::<usize>().unwrap() - 1;
        let m = margins[k].unwrap();
        // lo ≤ point ≤ hi, the point is the median, and the band is the widened pair.
        assert!(v(lo) <= v(p) && v(p) <= v(hi), "{line}");
        assert_eq!(v(p), v(q50), "{line}");
        assert_eq!(v(lo), (v(q10) - m).min(v(p)), "{line}");
        assert_eq!(v(hi), (v(q90) + m).max(v(p)), "{line}");
        if cells[split] == "future" {
            future_rows.push((v(lo), v(hi)));
        }
        checked += 1;
    }
    assert!(checked > 200, "{checked} rows");
    assert_eq!(future_rows.len(), s.config.window.horizon);

    // The report's future carries the same bands, and the quantiles.
    let report = export::report_json(s);
    let bands = &report["future"]["bands"]["80"];
    for (k, (l, h)) in future_rows.iter().enumerate() {
        assert_eq!(bands["lo"][0][k].as_f64().unwrap(), *l);
        assert_eq!(bands["hi"][0][k].as_f64().unwrap(), *h);
    }
    assert_eq!(
        report["intervals"]["cqr"],
        serde_json::json!(["forecast", "model"])
    );

    // The saved model keeps the pairs and reproduces the future bands.
    let dir = tempfile::tempdir().unwrap();
    seqcast_engine::artifact::save(dir.path(), &out.model, None).unwrap();
    let loaded = seqcast_engine::artifact::load(dir.path()).unwrap();
    let saved = loaded.product.as_ref().unwrap().intervals.as_ref().unwrap();
    assert_eq!(saved.pairs, [Some((0, 2))]);
    // A model.json whose pair names a level the model does not have is refused, not
    // read out of range.
    let manifest = dir.path().join("model.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["product"]["intervals"]["pairs"] = serde_json::json!([[0, 9]]);
    std::fs::write(&manifest, json.to_string()).unwrap();
    let err = seqcast_engine::artifact::load(dir.path())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("quantile pairs the model does not have"),
        "{err}"
    );
    std::fs::write(&manifest, text).unwrap();
    let prediction = pipeline::predict::predict(&loaded, &table(csv.as_bytes())).unwrap();
    assert_eq!(prediction.future.quantiles, s.future.quantiles);
    assert!(prediction.windows.quantiles.is_some());
}

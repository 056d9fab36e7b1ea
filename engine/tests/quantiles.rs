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

#[test]
fn a_quantile_model_learns_ordered_quantiles_and_cqr_calibrates_them() {
    let csv = ar1_csv(2400);
    let mut config = tiny(CellKind::Gru, 10);
    config.data.time_column = None;
    config.data.targets = vec!["value".into()];
    let levels = QuantileLevels::new(&[0.1, 0.5, 0.9]).unwrap();
    config.train.loss = LossKind::Quantile { levels };
    config.eval.intervals = vec![0.8];
    let out = pipeline::run(
        &table(csv.as_bytes()),
        &config,
        &Control::new(),
        &mut |_| {},
    )
    .unwrap();
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

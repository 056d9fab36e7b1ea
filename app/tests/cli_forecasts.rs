//! The command line's ranges and backtests: a backtest with retraining prints its table
//! and exports its rows; a quantile model prints its levels and refuses bad ones.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is a test failure

mod common;
use common::{sample, seqcast, text};

#[test]
fn a_backtest_with_refit_prints_its_table_and_exports_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let preds = dir.path().join("preds.csv");
    let csv = sample("airline-passengers.csv");
    let args = |backtest: &str| {
        vec![
            "train".to_string(),
            "--csv".into(),
            csv.to_str().unwrap().into(),
            "--epochs".into(),
            "3".into(),
            "--hidden".into(),
            "8".into(),
            "--horizon".into(),
            "3".into(),
            "--no-record".into(),
            "--quiet".into(),
            "--backtest".into(),
            backtest.into(),
            "--export".into(),
            preds.to_str().unwrap().into(),
        ]
    };
    let run_with = |backtest: &str| {
        let a = args(backtest);
        seqcast(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let out = run_with("every=2,refit=5");
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "stderr: {stderr}");
    // AirPassengers' default split leaves 19 test windows at horizon 3: every second
    // one is 10 origins, retrained twice (5 + 5).
    assert!(
        stdout.contains("Backtest: 10 origins from 1959-03 to 1960-09, every 2; retrained every 5 origins on the rows before them (2 retrainings"),
        "{stdout}"
    );
    assert!(stdout.contains("error over time (MASE"), "{stdout}");
    let exported = std::fs::read_to_string(&preds).unwrap();
    assert_eq!(
        exported
            .lines()
            .filter(|l| l.contains(",backtest,"))
            .count(),
        10 * 3
    );
    // A malformed setting is a readable error.
    let out = run_with("every=0");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("every is at least 1"),
        "{}",
        text(&out.stderr)
    );
    let out = run_with("often=3");
    assert!(
        text(&out.stderr).contains("'often' is not a setting"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_quantile_model_prints_its_levels_and_refuses_bad_ones() {
    let csv = sample("daily-min-temperatures.csv");
    let run_with = |loss: &str| {
        seqcast(&[
            "train",
            "--csv",
            csv.to_str().unwrap(),
            "--epochs",
            "2",
            "--hidden",
            "8",
            "--lookback",
            "30",
            "--no-record",
            "--quiet",
            "--loss",
            loss,
        ])
    };
    let out = run_with("quantile=0.1,0.5,0.9");
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "stderr: {stderr}");
    assert!(
        stdout.contains("Quantile forecasts (pinball loss"),
        "{stdout}"
    );
    // The 80 % interval comes from the 0.1 and 0.9 quantiles, raw and conformalised;
    // the 95 % level has no trained pair and is left to the conformal table.
    assert!(stdout.contains("0.1–0.9"), "{stdout}");
    assert!(!stdout.contains("0.025–0.975"), "{stdout}");
    // The model's own 80 % band in the intervals table is that CQR band.
    assert!(
        stdout.contains("conformal; CQR for the quantile model"),
        "{stdout}"
    );
    for (bad, says) in [
        ("quantile=0.9,0.1", "increasing"),
        ("quantile=0.1,1.5", "strictly between 0 and 1"),
        ("quantile=0.1,x", "'x' is not a number"),
    ] {
        let out = run_with(bad);
        assert!(!out.status.success());
        assert!(
            text(&out.stderr).contains(says),
            "{bad}: {}",
            text(&out.stderr)
        );
    }
}

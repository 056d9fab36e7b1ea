//! Prediction intervals of a real run: conformal radii from the validation windows for
//! the forecast, the model and every baseline, wider at 95 % than at 80 %, scored on the
//! test part, and carried by the predictions CSV (lo ≤ forecast ≤ hi) and the report.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is a test failure

mod common;

use common::{sample, tiny};
use seqcast_engine::config::CellKind;
use seqcast_engine::data::table::read_csv;
use seqcast_engine::export::{self, CsvOptions};
use seqcast_engine::pipeline;
use seqcast_engine::train::Control;

#[test]
fn a_run_has_calibrated_intervals_in_its_summary_csv_and_report() {
    let table = read_csv(&sample("daily-min-temperatures.csv")).unwrap();
    let config = tiny(CellKind::Gru, 3);
    let out = pipeline::run(&table, &config, &Control::new(), &mut |_| {}).unwrap();
    let s = &out.summary;
    let i = s.intervals.as_ref().expect("intervals by default");
    assert_eq!(i.levels, [0.8, 0.95]);
    assert_eq!(i.calibration_windows, s.data.windows[1]);
    for name in ["forecast", "model", "naive", "seasonal_naive"] {
        let radii = &i.radii[name][0];
        assert_eq!(radii.len(), 2);
        for (r80, r95) in radii[0].iter().zip(&radii[1]) {
            let (r80, r95) = (r80.unwrap(), r95.unwrap());
            assert!(r80 > 0.0 && r95 >= r80, "{name}: {r80} {r95}");
        }
        // Calibrated on ~360 windows of a stationary series: close to nominal on test.
        let test = &i.test[name];
        assert!(
            (test["80"].coverage - 0.8).abs() < 0.1,
            "{name}: {:?}",
            test["80"]
        );
        assert!(
            (test["95"].coverage - 0.95).abs() < 0.05,
            "{name}: {:?}",
            test["95"]
        );
        assert!(test["95"].width > test["80"].width);
    }

    let csv = export::predictions_csv(s, &out.series, CsvOptions { baselines: false });
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (p, lo80, hi80, lo95, hi95) = (
        at("Temp_predicted"),
        at("Temp_lo80"),
        at("Temp_hi80"),
        at("Temp_lo95"),
        at("Temp_hi95"),
    );
    let mut rows = 0;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let v = |k: usize| cells[k].parse::<f64>().unwrap();
        assert!(v(lo95) <= v(lo80) && v(lo80) <= v(p) && v(p) <= v(hi80) && v(hi80) <= v(hi95));
        rows += 1;
    }
    assert!(rows > 100, "validation, test and future rows carry bands");

    let report = export::report_json(s);
    let c80 = report["model"]["intervals"]["80"]["coverage"]
        .as_f64()
        .unwrap();
    assert_eq!(c80, i.test["model"]["80"].coverage);
    assert!(report["baselines"]["naive"]["intervals"]["95"]["width"].is_number());
    assert!(report["forecast"]["intervals"]["80"]["winkler"].is_number());
    assert_eq!(report["intervals"]["levels"][1], 0.95);

    // Turned off: no intervals anywhere.
    let mut none = config.clone();
    none.eval.intervals.clear();
    let out = pipeline::run(&table, &none, &Control::new(), &mut |_| {}).unwrap();
    assert!(out.summary.intervals.is_none());
    let csv = export::predictions_csv(&out.summary, &out.series, CsvOptions { baselines: false });
    assert!(!csv.lines().next().unwrap().contains("_lo80"));
}

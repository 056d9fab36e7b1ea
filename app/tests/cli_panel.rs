//! `seqcast train` on many series in one long table: the id column found and reported,
//! one model trained over every series, the report's `per_series` and `aggregate`, the
//! export's `series` column and each series' forecast past its end.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is a test failure

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

mod common;
use common::{seqcast, text};

/// Six daily series in long format (`series,time,value`), weekly seasonal with noise at
/// different levels, starting on different days; `s2` has no row for one day and `tiny` has 10
/// rows, too few for one window.
fn long_csv(dir: &Path) -> PathBuf {
    let mut csv = String::from("series,time,value\n");
    for i in 0..5u32 {
        let level = 50.0 * f64::from(i + 1);
        for t in 0..120u32 {
            if i == 2 && t == 60 {
                continue;
            }
            let day = 1 + i + t; // days after 2024-01-01
            let (month, dom) = if day < 31 {
                (1, day + 1)
            } else if day < 60 {
                (2, day - 30)
            } else if day < 91 {
                (3, day - 59)
            } else if day < 121 {
                (4, day - 90)
            } else {
                (5, day - 120)
            };
            let season = (f64::from(t + i) * std::f64::consts::TAU / 7.0).sin();
            let noise = f64::from((t * 7919 + i * 104_729) % 101) / 101.0 - 0.5;
            let value = level + 0.2 * level * season + 0.05 * level * noise;
            let _ = writeln!(csv, "s{i},2024-{month:02}-{dom:02},{value}");
        }
    }
    for t in 0..10 {
        let _ = writeln!(csv, "tiny,2024-01-{:02},{}", t + 1, 5 + t);
    }
    let path = dir.join("long.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

#[test]
fn train_on_a_long_table_reports_every_series_and_exports_them() {
    let dir = tempfile::tempdir().unwrap();
    let csv = long_csv(dir.path());
    let (report, export) = (dir.path().join("r.json"), dir.path().join("p.csv"));
    let out = seqcast(&[
        "train",
        "--csv",
        csv.to_str().unwrap(),
        "--target",
        "value",
        "--horizon",
        "7",
        "--lookback",
        "14",
        "--split",
        "per-series-last=7",
        "--hidden",
        "8",
        "--epochs",
        "4",
        "--report",
        report.to_str().unwrap(),
        "--export",
        export.to_str().unwrap(),
        "--quiet",
    ]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "stderr: {stderr}");
    // Found, reported, and how to opt out.
    assert!(
        stderr.contains("column 'series' looks like a series id: 6 ids"),
        "{stderr}"
    );
    assert!(stderr.contains("--series-column none"), "{stderr}");
    assert!(stderr.contains("time 'time'"), "{stderr}");
    assert!(stdout.contains("5 series (610 rows)"), "{stdout}");
    assert!(stdout.contains("season 7"), "daily → weekly: {stdout}");
    assert!(
        stdout.contains("1 of them time steps without a row"),
        "{stdout}"
    );
    assert!(
        stdout.contains("1 series left out: tiny: the split holds out the last 7 + 7 = 14 rows but the series has 10"),
        "{stdout}"
    );
    assert!(stdout.contains("naive2"), "{stdout}");
    assert!(stdout.contains("validation: mean MASE"), "{stdout}");
    // Recorded beside the data, as a run over many series.
    assert!(stdout.contains("recorded as run "), "{stdout}");
    let runs = dir.path().join("seqcast-runs");
    let run = std::fs::read_dir(&runs)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("run.json")).unwrap()).unwrap();
    assert_eq!(meta["kind"], "panel");
    assert_eq!(meta["row"]["series"], 5);

    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let per_series = r["per_series"].as_array().unwrap();
    assert_eq!(per_series.len(), 5);
    assert_eq!(per_series[0]["id"], "s0");
    assert_eq!(per_series[0]["windows"], 1);
    for s in per_series {
        let mase = s["model"]["mase"].as_f64();
        assert!(mase.is_some_and(|m| m > 0.0), "{s}");
        assert!(s["baselines"]["seasonal_naive"]["smape"].is_number(), "{s}");
    }
    for name in [
        "model",
        "naive",
        "seasonal_naive",
        "drift",
        "linear",
        "naive2",
    ] {
        let a = &r["aggregate"][name];
        for metric in ["smape", "mase", "owa"] {
            assert!(
                a[metric].as_f64().unwrap().is_finite(),
                "{name} {metric}: {a}"
            );
        }
    }
    assert!((r["aggregate"]["naive2"]["owa"].as_f64().unwrap() - 1.0).abs() < 1e-9);

    let exported = std::fs::read_to_string(&export).unwrap();
    let lines: Vec<&str> = exported.lines().collect();
    assert!(lines[0].starts_with("series,origin,target_time,step,split,actual,predicted"));
    // 5 series × 7 test steps, then 5 × 7 future steps.
    assert_eq!(lines.len(), 1 + 35 + 35, "{exported}");
    assert!(
        lines[1].starts_with("s0,2024-04-23,2024-04-24,1,test,"),
        "{}",
        lines[1]
    );
    let future: Vec<&&str> = lines.iter().filter(|l| l.contains(",future,")).collect();
    assert_eq!(future.len(), 35);
    assert!(
        future[0].starts_with("s0,2024-04-30,2024-05-01,1,future,,"),
        "{}",
        future[0]
    );
}

#[test]
fn series_column_none_trains_the_rows_as_one_series() {
    // A text column in two blocks over one daily axis: taken for two series unless
    // --series-column none says the rows are one series.
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("regime,time,value\n");
    for t in 0..60u32 {
        let regime = if t < 30 { "before" } else { "after" };
        let (month, day) = if t < 31 { (1, t + 1) } else { (2, t - 30) };
        let _ = writeln!(csv, "{regime},2024-{month:02}-{day:02},{}", 10 + t % 7);
    }
    let path = dir.path().join("regimes.csv");
    std::fs::write(&path, csv).unwrap();
    let train = |extra: &[&str]| {
        let mut args = vec![
            "train",
            "--csv",
            path.to_str().unwrap(),
            "--target",
            "value",
        ];
        args.extend_from_slice(&["--lookback", "7", "--horizon", "3", "--epochs", "1"]);
        args.extend_from_slice(&["--hidden", "4", "--no-record", "--quiet"]);
        args.extend_from_slice(extra);
        seqcast(&args)
    };
    let out = train(&[]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "stderr: {stderr}");
    assert!(
        stderr.contains("column 'regime' looks like a series id: 2 ids"),
        "{stderr}"
    );
    assert!(stdout.contains("2 series (60 rows)"), "{stdout}");
    let out = train(&["--series-column", "none"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "stderr: {stderr}");
    assert!(!stderr.contains("looks like a series id"), "{stderr}");
    assert!(!stdout.contains("2 series"), "{stdout}");
    assert!(stdout.contains("lookback 7 horizon 3"), "{stdout}");
}

#[test]
fn wide_columns_and_one_row_per_series_train_as_many_series() {
    let dir = tempfile::tempdir().unwrap();
    let value = |i: u32, t: u32| {
        let season = (f64::from(t + i) * std::f64::consts::TAU / 7.0).sin();
        let noise = f64::from((t * 7919 + i * 104_729) % 101) / 101.0 - 0.5;
        100.0 * f64::from(i + 1) + 20.0 * season + 3.0 * noise
    };
    // Wide: a date column and three numeric columns, two of them chosen as series.
    let mut wide = String::from("date,a,b,c\n");
    for t in 0..60u32 {
        let (month, day) = if t < 31 { (1, t + 1) } else { (2, t - 30) };
        let _ = writeln!(
            wide,
            "2024-{month:02}-{day:02},{},{},{}",
            value(0, t),
            value(1, t),
            value(2, t)
        );
    }
    // Rows (M4's layout): an id, then the values; the shorter series padded with empties.
    let mut rows = String::from("id,v1");
    for k in 2..=60 {
        let _ = write!(rows, ",v{k}");
    }
    rows.push('\n');
    for i in 0..3u32 {
        let n = if i == 1 { 50 } else { 60 };
        let cells: Vec<String> = (0..60)
            .map(|t| {
                if t < n {
                    value(i, t).to_string()
                } else {
                    String::new()
                }
            })
            .collect();
        let _ = writeln!(rows, "r{i},{}", cells.join(","));
    }
    let (wide_path, rows_path) = (dir.path().join("wide.csv"), dir.path().join("rows.csv"));
    std::fs::write(&wide_path, wide).unwrap();
    std::fs::write(&rows_path, rows).unwrap();
    let train = |path: &Path, layout: &[&str]| {
        let mut args = vec!["train", "--csv", path.to_str().unwrap()];
        args.extend_from_slice(layout);
        args.extend_from_slice(&["--lookback", "14", "--horizon", "7", "--epochs", "2"]);
        args.extend_from_slice(&["--split", "per-series-last=7", "--hidden", "4"]);
        args.extend_from_slice(&["--no-record", "--quiet"]);
        seqcast(&args)
    };
    let out = train(&wide_path, &["--series", "a,c"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "stderr: {stderr}");
    assert!(stdout.contains("2 series (120 rows)"), "{stdout}");
    assert!(stdout.contains("test, mean over 2 series"), "{stdout}");
    let out = train(&wide_path, &["--series", "all"]);
    assert!(
        text(&out.stdout).contains("3 series (180 rows)"),
        "{}",
        text(&out.stderr)
    );
    let out = train(&rows_path, &["--layout", "rows"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "stderr: {stderr}");
    assert!(stdout.contains("3 series (170 rows)"), "{stdout}");
    // A wrong layout name is a readable error.
    let out = train(&rows_path, &["--layout", "columns"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--layout columns: the layout is `rows`"),
        "{}",
        text(&out.stderr)
    );
}

/// The same series with a covariate, a column constant within each series and a static
/// table: the CLI offers the constant column, takes what it is told, prints the inputs
/// and lists each series' attributes in the report.
#[test]
fn covariates_and_static_attributes_reach_the_model_and_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let plain = std::fs::read_to_string(long_csv(dir.path())).unwrap();
    let mut csv = String::from("series,time,value,promo,region\n");
    for (i, line) in plain.lines().skip(1).enumerate() {
        let id = line.split(',').next().unwrap();
        let region = if id == "s0" || id == "s1" {
            "north"
        } else {
            "south"
        };
        let _ = writeln!(csv, "{line},{},{region}", i % 3);
    }
    let path = dir.path().join("with_inputs.csv");
    std::fs::write(&path, csv).unwrap();
    let statics = dir.path().join("static.csv");
    let mut table = String::from("series,size\n");
    for (id, size) in [
        ("s0", 10),
        ("s1", 20),
        ("s2", 30),
        ("s3", 40),
        ("s4", 50),
        ("tiny", 1),
    ] {
        let _ = writeln!(table, "{id},{size}");
    }
    std::fs::write(&statics, table).unwrap();
    let report = dir.path().join("r.json");
    let base = [
        "train",
        "--csv",
        path.to_str().unwrap(),
        "--series-column",
        "series",
        "--target",
        "value",
        "--covariates",
        "promo",
        "--horizon",
        "7",
        "--lookback",
        "14",
        "--split",
        "per-series-last=7",
        "--hidden",
        "8",
        "--epochs",
        "2",
        "--quiet",
        "--no-record",
    ];
    // Without --static-columns: the constant column is offered, not used.
    let out = seqcast(&base);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "stderr: {stderr}");
    assert!(
        stderr.contains(
            "columns constant within each series: region (--static-columns region feeds them"
        ),
        "{stderr}"
    );
    assert!(text(&out.stdout).contains("inputs besides the values: covariates promo\n"));
    let mut args = base.to_vec();
    args.extend([
        "--static-columns",
        "region",
        "--static",
        statics.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    let out = seqcast(&args);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "stderr: {stderr}");
    assert!(
        stdout.contains(
            "inputs besides the values: covariates promo; static attributes region (2 \
             categories), size (number)"
        ),
        "{stdout}"
    );
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let s2 = &r["per_series"][2];
    assert_eq!(s2["id"], "s2");
    assert_eq!(s2["attributes"]["region"], "south");
    assert_eq!(s2["attributes"]["size"], 30.0);
    assert_eq!(r["data"]["covariates"][0], "promo");
    assert_eq!(r["data"]["attributes"][0]["kind"], "category");
    assert_eq!(r["config"]["data"]["static_columns"][0], "region");
    // A series missing from the static table is a precise error.
    std::fs::write(&statics, "series,size\ns0,1\n").unwrap();
    let out = seqcast(&args);
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("5 of the 6 series have no row (the first: 's1')"),
        "{stderr}"
    );
}

/// A model trained on many series is saved, and `seqcast predict` forecasts every series
/// of a file with it: the same future as the training run's export for the series it
/// knows, a series it never saw scaled on its own rows, a too-short one listed.
#[test]
fn a_saved_model_over_many_series_forecasts_them_again() {
    let dir = tempfile::tempdir().unwrap();
    let csv = long_csv(dir.path());
    let (model, export) = (dir.path().join("model"), dir.path().join("p.csv"));
    let out = seqcast(&[
        "train",
        "--csv",
        csv.to_str().unwrap(),
        "--series-column",
        "series",
        "--target",
        "value",
        "--horizon",
        "7",
        "--lookback",
        "14",
        "--split",
        "per-series-last=7",
        "--hidden",
        "8",
        "--epochs",
        "2",
        "--export",
        export.to_str().unwrap(),
        "--save-model",
        model.to_str().unwrap(),
        "--no-record",
        "--quiet",
    ]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert!(model.join("model.json").is_file());
    // The same series, and a new one: s0's values moved to another id.
    let mut table = std::fs::read_to_string(&csv).unwrap();
    let s0: Vec<String> = table
        .lines()
        .filter(|l| l.starts_with("s0,"))
        .map(|l| l.replacen("s0,", "new,", 1))
        .collect();
    table.push_str(&(s0.join("\n") + "\n"));
    let later = dir.path().join("later.csv");
    std::fs::write(&later, table).unwrap();
    let forecast = dir.path().join("f.csv");
    let out = seqcast(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        "--csv",
        later.to_str().unwrap(),
        "--export",
        forecast.to_str().unwrap(),
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert!(stdout.contains("6 series forecast"), "{stdout}");
    assert!(
        stdout.contains("1 series the model was not trained on (scaled on their own rows): new"),
        "{stdout}"
    );
    assert!(
        stdout.contains("not forecast: tiny: 10 rows, the model reads the last 14"),
        "{stdout}"
    );
    let f = std::fs::read_to_string(&forecast).unwrap();
    assert!(
        f.starts_with("series,target_time,step,forecast,source\n"),
        "{f}"
    );
    assert_eq!(f.lines().count(), 1 + 6 * 7);
    // s1 as the training run's export forecast it past its end.
    let trained = std::fs::read_to_string(&export).unwrap();
    let future = |text: &str, prefix: &str| -> Vec<f64> {
        text.lines()
            .filter(|l| l.starts_with(prefix))
            .map(|l| l.split(',').nth(3).unwrap().parse::<f64>().unwrap())
            .collect()
    };
    let want: Vec<f64> = trained
        .lines()
        .filter(|l| l.starts_with("s1,") && l.contains(",future,"))
        .map(|l| l.split(',').nth(6).unwrap().parse::<f64>().unwrap())
        .collect();
    let got = future(&f, "s1,");
    assert_eq!(want.len(), 7, "{trained}");
    for (w, g) in want.iter().zip(&got) {
        assert!((w - g).abs() < 1e-6 * w.abs().max(1.0), "{want:?} {got:?}");
    }
}

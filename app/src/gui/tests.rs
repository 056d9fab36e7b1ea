//! The real app driven headless with egui_kittest: frames are stepped and the engine's
//! events awaited (blocking on its channel, never sleeping), with bounded waits.

use std::path::PathBuf;
use std::time::Duration;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use seqcast_engine::RunConfig;
use seqcast_engine::config::{CellKind, Split};
use seqcast_engine::train::StopReason;

use super::app::{SeqcastApp, Startup};
use super::state::{Busy, Tab};

pub(super) fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../sample-data")
        .join(name)
}

pub(super) fn harness(startup: Startup) -> Harness<'static, SeqcastApp> {
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(move |cc| {
            let mut app = SeqcastApp::new(cc, startup);
            // Runs are recorded in a folder of the test's own, never beside the sample
            // data (set before the first frame handles the load).
            app.persisted.runs_dir = Some(tempfile::tempdir().unwrap().keep());
            app
        });
    harness.state_mut().use_path_field("tests type paths");
    harness
}

/// Steps frames until `done` holds, waiting on engine events in between.
pub(super) fn step_until(
    harness: &mut Harness<'_, SeqcastApp>,
    what: &str,
    done: impl Fn(&SeqcastApp) -> bool,
) {
    for _ in 0..3000 {
        harness.step();
        if done(harness.state()) {
            return;
        }
        harness
            .state_mut()
            .wait_for_event(Duration::from_millis(50));
    }
    panic!(
        "timed out waiting for {what}; messages: {:?}",
        harness.state().session.messages
    );
}

/// A small, fast configuration for the daily temperatures series.
pub(super) fn tiny(epochs: usize) -> RunConfig {
    let mut c = RunConfig::default();
    c.data.split = Split::Fractions {
        train: 0.6,
        val: 0.2,
        test: 0.2,
    };
    c.window.lookback = 14;
    c.window.horizon = 3;
    c.window.stride = 3;
    c.model.cell = CellKind::Gru;
    c.model.hidden = 8;
    c.model.layers = 1;
    c.train.epochs = epochs;
    c.train.batch = 64;
    c.train.patience = 0;
    c
}

pub(super) fn is_disabled(harness: &Harness<'_, SeqcastApp>, button: &str) -> bool {
    harness
        .get_by_role_and_label(Role::Button, button)
        .accesskit_node()
        .is_disabled()
}

/// The app on the temperatures series after a finished run of `epochs` epochs,
/// started with the Train button.
pub(super) fn trained(epochs: usize) -> Harness<'static, SeqcastApp> {
    trained_with(tiny(epochs))
}

/// The daily temperatures training with `config`, just after the Train button.
pub(super) fn training_with(
    config: seqcast_engine::config::RunConfig,
) -> Harness<'static, SeqcastApp> {
    let mut h = harness(Startup::File(sample("daily-min-temperatures.csv")));
    h.state_mut().persisted.config = config;
    step_until(&mut h, "the file to be inspected", |a| {
        a.session.inspection.is_some()
    });
    h.get_by_role_and_label(Role::Button, "Train").click();
    h
}

/// The daily temperatures trained with `config` from the GUI.
pub(super) fn trained_with(
    config: seqcast_engine::config::RunConfig,
) -> Harness<'static, SeqcastApp> {
    let mut h = training_with(config);
    step_until(&mut h, "training to finish", |a| {
        a.session.summary.is_some() && a.session.busy.is_none()
    });
    h
}

#[test]
fn the_bundled_sample_loads_and_its_plot_has_points() {
    let mut h = harness(Startup::Sample(
        crate::cli::SAMPLE_NAME,
        crate::cli::SAMPLE_CSV,
    ));
    step_until(&mut h, "the sample to be inspected", |a| {
        a.session.inspection.is_some()
    });
    h.run_steps(3);
    let app = h.state();
    assert_eq!(app.session.table.as_ref().map(|t| t.n_rows), Some(144));
    assert_eq!(app.persisted.config.data.targets, ["Passengers"]);
    // every one of the 144 points is drawn: few enough that no decimation is needed
    h.get_by_label_contains("144 of 144 points drawn");
    h.get_by_label_contains("time: 'Month' (YYYY-MM), monthly");
    assert!(!is_disabled(&h, "Train"));
}

#[test]
fn data_defaults_follow_the_file_a_year_for_daily_data_then_back_for_monthly() {
    let mut h = harness(Startup::File(sample("daily-min-temperatures.csv")));
    step_until(&mut h, "the year of lookback", |a| {
        a.persisted.config.window.lookback == 365
    });
    h.run_steps(2);
    h.get_by_label_contains("Defaults for this data: lookback 365 (daily series with 7.0 years");
    step_until(&mut h, "the 365-step windows to be inspected", |a| {
        a.session
            .inspection
            .as_ref()
            .is_some_and(|i| i.windows[0] == 2555 - 365 - 12 + 1)
    });
    // A monthly file next: 144 rows cannot hold a year of days, and the year was the
    // data's default, not the user's, so the plain lookback comes back.
    h.state_mut().open(sample("airline-passengers.csv"));
    step_until(&mut h, "AirPassengers to be inspected", |a| {
        a.session
            .inspection
            .as_ref()
            .is_some_and(|i| i.series.len() == 144)
    });
    let app = h.state();
    assert_eq!(app.persisted.config.window.lookback, 24);
    assert_eq!(app.persisted.config.train.epochs, 1000, "short series");
    assert!(app.session.inspect_error.is_none());
}

/// The app with `path` open and inspected.
fn opened(path: PathBuf) -> Harness<'static, SeqcastApp> {
    let mut h = harness(Startup::File(path));
    step_until(&mut h, "the file to be inspected", |a| {
        a.session.inspection.is_some()
    });
    h.run_steps(2);
    h
}

/// A monthly CSV (`month,sales` from 2020-01) of `n` rows in `dir`.
fn monthly_file(dir: &std::path::Path, name: &str, n: usize) -> PathBuf {
    let path = dir.join(name);
    let mut text = String::from("month,sales\n");
    for i in 0..n {
        text.push_str(&format!(
            "{}-{:02},{}\n",
            2020 + i / 12,
            i % 12 + 1,
            100 + (i * 37) % 23
        ));
    }
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_36_month_file_opens_with_a_lookback_that_fits_and_can_train() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = opened(monthly_file(dir.path(), "three-years.csv", 36));
    let app = h.state();
    // too short for a validation and a test horizon: the last 12 months validate, the
    // 24 before train a one-step model with a year of input (24 one-step windows… 12)
    assert_eq!(
        app.persisted.config.data.split,
        Split::Rows {
            train: 24,
            val: 12,
            test: 0
        }
    );
    assert_eq!(app.persisted.config.window.lookback, 12);
    assert!(app.session.inspect_error.is_none());
    assert_eq!(app.session.inspection.as_ref().unwrap().windows, [12, 1, 0]);
    h.get_by_label_contains("split rows 24,12,0 (36 rows: the 0.7/0.15/0.15 split leaves 5");
    assert!(!is_disabled(&h, "Train"));
    // it trains, and Results judges the forecast on the validation window and shows the
    // forecast past the end although no test window fits
    h.state_mut().persisted.config.train.epochs = 3;
    h.get_by_role_and_label(Role::Button, "Train").click();
    step_until(&mut h, "training to finish", |a| {
        a.session.summary.is_some() && a.session.busy.is_none()
    });
    h.run_steps(3);
    assert_eq!(h.state().persisted.tab, Tab::Results);
    assert_eq!(
        h.query_all_by_label_contains("No validation windows to judge")
            .count(),
        0
    );
    h.get_by_label("Forecast after 2022-12");
}

#[test]
fn a_60_month_file_holds_out_one_horizon_each_and_judges_the_model_on_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = opened(monthly_file(dir.path(), "five-years.csv", 60));
    let app = h.state();
    // 0.7 / 0.15 / 0.15 would leave 9 validation and 9 test rows for a 12-step horizon
    assert_eq!(
        app.persisted.config.data.split,
        Split::Last { val: 12, test: 12 }
    );
    let split = &app.session.inspection.as_ref().unwrap().split;
    assert_eq!(
        (split.train.len(), split.val.len(), split.test.len()),
        (36, 12, 12)
    );
    h.get_by_label_contains(
        "split last=12,12 (60 rows: the 0.7/0.15/0.15 split leaves 9 validation and 9 test rows",
    );
    // it trains, and the forecast is judged on the validation window
    h.state_mut().persisted.config.train.epochs = 3;
    h.get_by_role_and_label(Role::Button, "Train").click();
    step_until(&mut h, "training to finish", |a| {
        a.session.summary.is_some() && a.session.busy.is_none()
    });
    h.run_steps(3);
    let summary = h.state().session.summary.clone().unwrap();
    assert!(summary.test_scores.is_some(), "a test window exists");
    let why = &summary.forecast.as_ref().unwrap().why;
    assert!(!why.starts_with("No validation windows"), "{why}");
    // the next file, long enough for the fractions, gets them back
    h.state_mut().open(sample("airline-passengers.csv"));
    step_until(&mut h, "the next file to be inspected", |a| {
        a.session
            .inspection
            .as_ref()
            .is_some_and(|i| i.series.len() == 144)
    });
    assert_eq!(h.state().persisted.config.data.split, Split::default());
}

#[test]
fn an_impossible_lookback_shows_its_error_and_disables_train() {
    let mut h = harness(Startup::File(sample("airline-passengers.csv")));
    step_until(&mut h, "the file to be inspected", |a| {
        a.session.inspection.is_some()
    });
    h.state_mut().persisted.config.window.lookback = 500;
    step_until(&mut h, "the engine to refuse the windows", |a| {
        a.session.inspect_error.is_some()
    });
    h.run_steps(2);
    let why = "the series has 144 rows, but one window needs lookback 500 + horizon 12 = 512 rows";
    assert_eq!(h.state().session.inspect_error.as_deref(), Some(why));
    assert!(
        h.query_all_by_label_contains(why).count() >= 1,
        "the reason is shown"
    );
    assert!(is_disabled(&h, "Train"));
    // fixing it enables Train again
    h.state_mut().persisted.config.window.lookback = 24;
    step_until(&mut h, "the error to clear", |a| {
        a.session.inspect_error.is_none()
    });
    h.run_steps(2);
    assert!(!is_disabled(&h, "Train"));
}

#[test]
fn train_shows_live_epochs_and_stop_ends_the_run() {
    let mut h = harness(Startup::File(sample("daily-min-temperatures.csv")));
    h.state_mut().persisted.config = tiny(500);
    step_until(&mut h, "the file to be inspected", |a| {
        a.session.inspection.is_some()
    });
    h.get_by_role_and_label(Role::Button, "Train").click();
    step_until(&mut h, "two epochs", |a| {
        a.session
            .live
            .as_ref()
            .is_some_and(|l| l.history.len() >= 2)
    });
    let app = h.state();
    assert_eq!(app.persisted.tab, Tab::Training);
    assert_eq!(app.session.busy, Some(Busy::Training));
    let curve_points = app.session.live.as_ref().map_or(0, |l| l.history.len());
    step_until(&mut h, "a third epoch", |a| {
        a.session
            .live
            .as_ref()
            .is_some_and(|l| l.history.len() > curve_points)
    });
    assert!(is_disabled(&h, "Train"), "no second run while one trains");
    h.get_by_role_and_label(Role::Button, "Stop").click();
    step_until(&mut h, "the run to stop", |a| {
        a.session.summary.is_some() && a.session.busy.is_none()
    });
    let summary = h.state().session.summary.clone().unwrap();
    assert_eq!(summary.training.stop, StopReason::Cancelled);
    assert!(summary.training.history.len() >= 3 && summary.training.history.len() < 500);
    assert!(
        summary.test_scores.is_some(),
        "the best weights so far are scored"
    );
}

#[test]
fn export_writes_a_csv_whose_rows_match_the_engine_predictions() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = trained(2);
    h.run_steps(2);
    assert_eq!(h.state().persisted.tab, Tab::Results);
    h.state_mut().persisted.last_dir = Some(dir.path().to_path_buf());
    h.get_by_label("Export predictions…").click();
    // A new window sizes itself invisibly on its first frame.
    h.run_steps(4);
    h.get_by_label("OK").click();
    let path = dir.path().join("predictions.csv");
    step_until(&mut h, "the export", |a| {
        a.session.busy.is_none() && path.exists()
    });

    let summary = h.state().session.summary.clone().unwrap();
    let test = summary.test.as_ref().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (split, predicted, actual) = (col("split"), col("Temp_predicted"), col("Temp_actual"));
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|r| r[split] == "test")
        .collect();
    // `_predicted` is the product forecast (the model, a baseline or their mix).
    assert_eq!(rows.len(), test.product[0].len());
    for (row, (p, a)) in rows.iter().zip(test.product[0].iter().zip(&test.actual[0])) {
        assert_eq!(row[predicted].parse::<f64>().unwrap(), *p);
        assert_eq!(row[actual].parse::<f64>().unwrap(), *a);
    }
}

#[test]
fn results_open_with_the_skill_banner_saying_what_the_forecasts_use() {
    let mut h = trained(2);
    h.run_steps(2);
    assert_eq!(h.state().persisted.tab, Tab::Results);
    let summary = h.state().session.summary.clone().unwrap();
    let choice = summary.forecast.clone().unwrap();
    // The banner is the engine's sentence, whichever way the comparison went.
    h.get_by_label(&choice.why);
    assert!(choice.why.contains("validation MASE"), "{}", choice.why);
    // The forecast's intervals are shaded and named in both forecast plots: conformal,
    // or the quantile model's CQR bands when the forecast is the model.
    assert!(summary.intervals.is_some());
    let suffix = match choice.chosen {
        seqcast_engine::eval::choice::Source::Model => " (CQR)",
        _ => "",
    };
    for band in ["80% interval", "95% interval"] {
        let label = format!("{band}{suffix}");
        assert_eq!(h.query_all_by_label(&label).count(), 2, "{label}");
    }
    // The coverage per step against the nominal levels, one click away.
    h.get_by_label("Interval coverage").click();
    h.run_steps(2);
    h.get_by_label("80% nominal");
    h.get_by_label("95% coverage");
    if choice.replaces_model() {
        // the product forecast gets a row of its own in the test and the validation
        // tables, and the way to the doctor
        let row = format!("forecast: {}", choice.chosen.name());
        assert_eq!(h.query_all_by_label(&row).count(), 2, "{row}");
        h.get_by_label("Open Diagnostics").click();
        h.run_steps(2);
        assert_eq!(h.state().persisted.tab, Tab::Diagnostics);
    }
}

#[test]
fn a_quantile_models_bands_are_shaded_as_its_cqr_bands() {
    use seqcast_engine::config::{ForecastMode, LossKind, QuantileLevels};
    let mut config = tiny(2);
    config.train.loss = LossKind::Quantile {
        levels: QuantileLevels::default(),
    };
    config.eval.forecast = ForecastMode::Model;
    let mut h = trained_with(config);
    h.run_steps(2);
    assert_eq!(h.state().persisted.tab, Tab::Results);
    let summary = h.state().session.summary.clone().unwrap();
    // 80 % and 95 % both have a trained pair (0.1–0.9 and 0.025–0.975).
    let intervals = summary.intervals.as_ref().unwrap();
    assert_eq!(intervals.product_pairs(), [Some((1, 3)), Some((0, 4))]);
    // Shaded in the step plot and past the end, named as CQR bands.
    for band in ["80% interval (CQR)", "95% interval (CQR)"] {
        assert_eq!(h.query_all_by_label(band).count(), 2, "{band}");
    }
}

#[test]
fn a_saved_model_loads_and_forecasts_the_open_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = trained(2);
    h.state_mut().persisted.last_dir = Some(dir.path().to_path_buf());
    h.get_by_label("Save model…").click();
    h.run_steps(4);
    h.get_by_label("OK").click();
    let model_dir = dir.path().join("model");
    step_until(&mut h, "the model to be saved", |a| {
        a.session.busy.is_none() && model_dir.join("model.json").exists()
    });
    // load it back through File > Load model… (the path field starts in the last folder)
    h.state_mut().persisted.last_dir = Some(model_dir.clone());
    h.get_by_label("File").click();
    h.run_steps(2);
    h.get_by_label("Load model…").click();
    h.run_steps(4);
    h.get_by_label("OK").click();
    step_until(&mut h, "the model to load", |a| {
        a.session.loaded_model.is_some()
    });
    h.run_steps(4);
    let loaded = h.state().session.loaded_model.clone().unwrap();
    let summary = h.state().session.summary.clone().unwrap();
    // the loaded model forecasts exactly what the run did past the end: the network's
    // own forecast and the product forecast it chose
    assert_eq!(loaded.prediction.future.model, summary.future.model);
    assert_eq!(loaded.prediction.future.values, summary.future.values);
    h.get_by_label_contains("complete windows of this file");
}

#[test]
fn a_backtest_shows_its_forecast_paths_and_the_error_over_time() {
    let mut h = harness(Startup::File(sample("daily-min-temperatures.csv")));
    let mut config = tiny(2);
    config.eval.backtest = Some(seqcast_engine::config::BacktestConfig { every: 4, refit: 0 });
    h.state_mut().persisted.config = config;
    step_until(&mut h, "the file to be inspected", |a| {
        a.session.inspection.is_some()
    });
    h.get_by_role_and_label(Role::Button, "Train").click();
    step_until(&mut h, "training to finish", |a| {
        a.session.summary.is_some() && a.session.busy.is_none()
    });
    h.run_steps(2);
    let summary = h.state().session.summary.clone().unwrap();
    let bt = summary.backtest.clone().expect("the run has a backtest");
    let test_windows = summary.test.as_ref().unwrap().origins.len();
    assert_eq!(bt.per_origin.len(), test_windows.div_ceil(4));
    h.get_by_label(&format!("Backtest ({} origins)", bt.per_origin.len()))
        .click();
    h.run_steps(2);
    // 61 origins: more than the 60 paths drawn, which the title says.
    assert!(bt.per_origin.len() > 60);
    h.get_by_label(&format!(
        "Backtest: forecasts from {} origins, every 4, the trained model; 60 of them drawn",
        bt.per_origin.len()
    ));
    h.get_by_label("Error over time (MASE per origin)");
    h.get_by_label("forecast from each origin");
    assert!(
        bt.best_baseline().is_some(),
        "its error is drawn beside the forecast's"
    );
}

//! The defaults must forecast better than the seasonal naive baseline on real series of
//! different frequencies, out of the box (issue 7). These run the product's default
//! configuration with its data-dependent defaults (only the target named), as
//! `seqcast train` and the GUI do, so they lock in the evidence behind the defaults in
//! BENCHMARKS.md.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic: a panic is a test failure

use std::path::{Path, PathBuf};

use seqcast_engine::RunConfig;
use seqcast_engine::config::{
    CalendarFeature, CalendarSpec, CellKind, SkipInit, Strategy, WindowNorm,
};
use seqcast_engine::data::table::read_csv;
use seqcast_engine::eval::baselines::BaselineKind;
use seqcast_engine::eval::protocol;
use seqcast_engine::pipeline;
use seqcast_engine::pipeline::defaults::{AutoDefaults, apply_data_defaults};
use seqcast_engine::train::Control;

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../sample-data")
        .join(name)
}

/// Test MASE of the default model and of seasonal naive on `file`.
fn default_vs_seasonal_naive(file: &str, target: &str) -> (f64, f64) {
    let table = read_csv(&sample(file)).unwrap();
    let mut config = RunConfig::default();
    assert_eq!(config.model.window_norm, WindowNorm::Last);
    assert!(config.model.linear_skip);
    config.data.targets = vec![target.into()];
    let (series, _, _) = pipeline::load_series(&table, &config).unwrap();
    apply_data_defaults(
        &mut config,
        series.len(),
        series.frequency(),
        AutoDefaults::ALL,
    );
    let out = pipeline::run(&table, &config, &Control::new(), &mut |_| {}).unwrap();
    let scores = &out.summary.test_scores.as_ref().unwrap().original;
    let model = scores.model.overall.mase.unwrap();
    let seasonal = scores.baselines[&BaselineKind::SeasonalNaive]
        .overall
        .mase
        .unwrap();
    eprintln!("{file}: default model MASE {model:.4}, seasonal naive {seasonal:.4}");
    (model, seasonal)
}

#[test]
fn defaults_beat_seasonal_naive_on_monthly_air_passengers() {
    // Measured: 0.878 against 1.763 (seeds 1–4: 0.825, 0.774, 0.924, 0.729); with decay
    // 0.995 0.887; before weight averaging became the default 0.726 (seeds 1–4: 0.749,
    // 0.724, 0.742, 0.761);
    // without window normalisation 4.055, with it but without the linear skip and the
    // short-series refit 1.242.
    let (model, seasonal) = default_vs_seasonal_naive("airline-passengers.csv", "Passengers");
    assert!(
        model < seasonal,
        "MASE {model} vs seasonal naive {seasonal}"
    );
}

#[test]
fn defaults_beat_seasonal_naive_on_daily_temperatures() {
    // Measured: 0.638 against 0.890 with the year of lookback daily series get (seeds
    // 1–3: 0.636, 0.636, 0.638); with lookback 24 it was 0.679 (seeds 42, 1–4:
    // 0.678–0.680; 0.681–0.684 without weight averaging).
    let (model, seasonal) = default_vs_seasonal_naive("daily-min-temperatures.csv", "Temp");
    assert!(
        model < seasonal,
        "MASE {model} vs seasonal naive {seasonal}"
    );
}

#[test]
fn defaults_beat_the_published_baseline_on_the_darts_air_passengers_split() {
    // Darts quickstart: naive drift + seasonal naive 5.66 % MAPE, a Darts LSTM 12.6 %.
    // Measured with the defaults (seed 42): 3.36 %; seeds 1–4: 3.46, 5.22, 4.16, 5.43
    // (decay 0.995: 3.13 %; 3.38, 5.28, 4.18, 5.61).
    // Without weight averaging: 4.63 %; seeds 1–4: 4.44, 4.91, 5.45, 5.65.
    let table = read_csv(&sample("airline-passengers.csv")).unwrap();
    let mut config = protocol::air_darts(&RunConfig::default(), protocol::AIR_LOOKBACK);
    let (series, _, _) = pipeline::load_series(&table, &config).unwrap();
    let changes = apply_data_defaults(
        &mut config,
        series.len(),
        series.frequency(),
        AutoDefaults::ALL,
    );
    assert_eq!(changes.len(), 2, "a short series: more epochs and a refit");
    let out = pipeline::run(&table, &config, &Control::new(), &mut |_| {}).unwrap();
    let s = &out.summary;
    assert_eq!(s.data.windows, [13, 1, 1]);
    let refit = s.training.refit.expect("refit on train + validation");
    assert_eq!(
        refit.windows, 49,
        "every window inside the 108 training months"
    );
    let test = s.test.as_ref().unwrap();
    assert_eq!(test.actual[0].len(), 36);
    assert_eq!(test.actual[0][0], 340.0, "1958-01");
    let mape = s
        .test_scores
        .as_ref()
        .unwrap()
        .original
        .model
        .overall
        .mape
        .unwrap();
    eprintln!("AirPassengers Darts split: MAPE {mape:.3} %");
    assert!(mape < 5.66, "MAPE {mape} %");
}

#[test]
fn the_darts_rnn_example_protocol_is_beaten_by_a_recursive_gru_with_month_features() {
    // The Darts RNN example (an LSTM with month covariates) publishes 2.71 % MAPE on the
    // last month of 6-month forecasts from every origin of 1959–60. BENCHMARKS.md
    // ("The Darts RNN example, without the refit") measured this set-up at 2.39–2.47 %
    // over eight seeds (seed 42: 2.47 %), the lowest validation error of 14 set-ups.
    let table = read_csv(&sample("airline-passengers.csv")).unwrap();
    let mut config = protocol::air_rnn(&RunConfig::default());
    config.model.strategy = Strategy::Recursive;
    config.model.cell = CellKind::Gru;
    config.model.window_norm = WindowNorm::Mean;
    config.model.skip_init = SkipInit::Fitted;
    config.train.unroll = true;
    config.train.epochs = 1000;
    config.train.seed = 42;
    config.data.calendar = CalendarSpec::List(vec![CalendarFeature::Month]);
    let out = pipeline::run(&table, &config, &Control::new(), &mut |_| {}).unwrap();
    let s = &out.summary;
    assert_eq!(s.data.split_rows, [108, 12, 24]);
    assert!(
        s.training.refit.is_none(),
        "the validated model is backtested"
    );
    let test = s.test.as_ref().unwrap();
    let horizon = protocol::AIR_RNN_HORIZON;
    let actual = &test.actual[0];
    assert_eq!(actual.len(), 19 * horizon, "origins 1958-12 … 1960-06");
    assert_eq!(actual[0], 360.0, "1959-01");
    assert_eq!(
        actual[horizon - 1],
        472.0,
        "1959-06: the first month scored"
    );
    assert_eq!(actual[actual.len() - 1], 432.0, "1960-12: the last");
    let mape = s.test_scores.as_ref().unwrap().original.model.per_step[horizon - 1]
        .mape
        .unwrap();
    eprintln!("AirPassengers, Darts RNN protocol: MAPE of the last month {mape:.3} %");
    assert!(mape < 2.71, "MAPE {mape} %");
}

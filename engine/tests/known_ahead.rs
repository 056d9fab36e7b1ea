//! Covariates known in advance and calendar features, through the whole pipeline: the
//! model really reads the future values, a missing one is a named error, and a saved
//! model regenerates its calendar columns.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic: a panic is a test failure

mod common;

use std::path::Path;

use common::sample;
use seqcast_engine::RunConfig;
use seqcast_engine::artifact;
use seqcast_engine::config::{CalendarFeature, CalendarSpec, CellKind, ForecastMode, Strategy};
use seqcast_engine::data::table::{read_csv, read_csv_bytes};
use seqcast_engine::pipeline;
use seqcast_engine::train::Control;

/// 1 on about one day in five: a fixed plan that the past does not predict (a
/// splitmix64 hash of the day, so no window of history tells the next promotion).
fn promo(day: usize) -> u8 {
    let mut z = (day as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    u8::from((z ^ (z >> 31)).is_multiple_of(5))
}

/// 420 days from 2021-01-01: sales 10, plus 5 on promotion days, plus a weekly wave.
fn history_csv() -> String {
    let mut csv = String::from("date,sales,promo\n");
    for day in 0..420 {
        let date = date_of(day);
        let weekly = [0.0, 0.5, 1.0, 0.5, 0.0, -0.5, -1.0][day % 7];
        let sales = 10.0 + 5.0 * f64::from(promo(day)) + weekly;
        csv.push_str(&format!("{date},{sales},{}\n", promo(day)));
    }
    csv
}

/// `YYYY-MM-DD` of day `day` after 2021-01-01 (2021 and 2022 are not leap years).
fn date_of(day: usize) -> String {
    const MONTHS: [usize; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let (mut year, mut rest) = (2021, day);
    while rest >= 365 {
        rest -= 365;
        year += 1;
    }
    let mut month = 0;
    while rest >= MONTHS[month] {
        rest -= MONTHS[month];
        month += 1;
    }
    format!("{year}-{:02}-{:02}", month + 1, rest + 1)
}

/// A file of future values: `plan[k]` for the k-th day after the history.
fn future_file(dir: &Path, name: &str, plan: &[u8]) -> std::path::PathBuf {
    let mut csv = String::from("date,promo\n");
    for (k, p) in plan.iter().enumerate() {
        csv.push_str(&format!("{},{p}\n", date_of(420 + k)));
    }
    let path = dir.join(name);
    std::fs::write(&path, csv).unwrap();
    path
}

fn config(future: Option<std::path::PathBuf>) -> RunConfig {
    let mut c = RunConfig::default();
    c.data.targets = vec!["sales".into()];
    c.data.future_covariates = vec!["promo".into()];
    c.data.future_file = future;
    c.window.lookback = 14;
    c.window.horizon = 7;
    c.model.cell = CellKind::Gru;
    c.model.hidden = 8;
    c.model.layers = 1;
    c.train.epochs = 40;
    c.train.lr = 1e-2;
    c.train.patience = 0;
    c.train.seed = 3;
    c.eval.forecast = ForecastMode::Model;
    c
}

fn run(config: &RunConfig) -> seqcast_engine::Result<pipeline::RunOutput> {
    let table = read_csv_bytes(history_csv().as_bytes(), "promo.csv").unwrap();
    pipeline::run(&table, config, &Control::new(), &mut |_| {})
}

#[test]
fn the_forecast_follows_the_promotion_plan_and_moves_with_it() {
    the_plan_is_followed(Strategy::Direct);
}

#[test]
fn a_recursive_forecast_follows_the_promotion_plan_too() {
    the_plan_is_followed(Strategy::Recursive);
}

#[test]
fn a_seq2seq_decoder_reads_the_promotion_plan_at_each_step() {
    the_plan_is_followed(Strategy::Seq2seq);
}

fn the_plan_is_followed(strategy: Strategy) {
    let dir = tempfile::tempdir().unwrap();
    let day3 = future_file(dir.path(), "day3.csv", &[0, 0, 1, 0, 0, 0, 0]);
    let day4 = future_file(dir.path(), "day4.csv", &[0, 0, 0, 1, 0, 0, 0]);
    let with = |file| {
        let mut c = config(Some(file));
        c.model.strategy = strategy;
        run(&c).unwrap()
    };
    let (a, b) = (with(day3), with(day4));
    assert_eq!(
        a.summary.data.known_ahead,
        ["promo"],
        "the report names the columns read over the horizon"
    );
    // The same training (the future file is read only past the end) …
    assert_eq!(
        a.summary.training.history.last().unwrap().train_loss,
        b.summary.training.history.last().unwrap().train_loss
    );
    // … and a forecast whose promotion day moves with the plan: the promotion adds
    // 5 to sales, the model has learned most of it.
    let (fa, fb) = (&a.summary.future.model[0], &b.summary.future.model[0]);
    let lift = |f: &[f64], day: usize| f[day] - (f[day - 1] + f[day + 1]) / 2.0;
    assert!(lift(fa, 2) > 3.0, "promotion on day 3: {fa:?}");
    assert!(lift(fb, 3) > 3.0, "promotion on day 4: {fb:?}");
    assert!(
        fa[2] - fb[2] > 3.0 && fb[3] - fa[3] > 3.0,
        "{fa:?} vs {fb:?}"
    );
    // Test windows read the recorded promotions: the model beats seasonal naive there.
    let test = &a.summary.test_scores.as_ref().unwrap().original;
    let naive = &test.baselines[&seqcast_engine::eval::baselines::BaselineKind::SeasonalNaive];
    let (model, naive) = (test.model.overall.mae, naive.overall.mae);
    assert!(
        model < 0.5 * naive,
        "test MAE {model} vs seasonal naive {naive}"
    );
}

#[test]
fn missing_future_values_are_a_named_error_before_training() {
    let dir = tempfile::tempdir().unwrap();
    let short = future_file(dir.path(), "short.csv", &[1, 0, 0]);
    let err = run(&config(Some(short))).unwrap_err().to_string();
    assert!(
        err.contains("'promo'")
            && err.contains("3 are given, 2022-02-28 … 2022-03-03 are missing")
            && err.contains("2022-02-28")
            && err.contains("2022-03-03"),
        "{err}"
    );
    let err = run(&config(None)).unwrap_err().to_string();
    assert!(
        err.contains("'promo'") && err.contains("none are given") && err.contains("--future"),
        "{err}"
    );
    // A file without the column says so.
    let other = dir.path().join("other.csv");
    std::fs::write(&other, "date,price\n2022-02-25,1\n").unwrap();
    let err = run(&config(Some(other))).unwrap_err().to_string();
    assert!(err.contains("no column 'promo'"), "{err}");
}

#[test]
fn calendar_features_are_reported_and_regenerated_by_a_saved_model() {
    let mut config = RunConfig::default();
    config.data.calendar = CalendarSpec::Auto;
    config.model.hidden = 8;
    config.train.epochs = 3;
    let table = read_csv(&sample("airline-passengers.csv")).unwrap();
    let out = pipeline::run(&table, &config, &Control::new(), &mut |_| {}).unwrap();
    let s = &out.summary;
    assert_eq!(s.data.known_ahead.len(), 4);
    assert!(s.data.known_ahead[0].starts_with("calendar:month_"));
    // `auto` is recorded as what it picked.
    assert_eq!(
        s.config.data.calendar,
        CalendarSpec::List(vec![CalendarFeature::Month])
    );
    assert!(
        s.data
            .load
            .notes
            .iter()
            .any(|n| n.contains("calendar features (auto): month"))
    );
    let dir = tempfile::tempdir().unwrap();
    artifact::save(dir.path(), &out.model, None).unwrap();
    let loaded = artifact::load(dir.path()).unwrap();
    let prediction = pipeline::predict::predict(&loaded, &table).unwrap();
    assert_eq!(prediction.future.values, s.future.values);
    assert_eq!(prediction.future.model, s.future.model);
}

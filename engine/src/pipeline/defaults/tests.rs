//! The data-dependent defaults, rule by rule, on hand-counted rows and windows.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::config::Split;

#[test]
fn windows_follow_the_split_and_the_window_geometry() {
    let mut c = RunConfig::default(); // 70/15/15, lookback 24, horizon 12
    // 144 rows: round(100.8) = 101 training rows → 101 − 36 + 1 = 66 windows.
    assert_eq!(training_windows(144, &c), 66);
    c.window.stride = 4;
    assert_eq!(training_windows(144, &c), (101 - 36) / 4 + 1);
    c.data.split = rows(30, 10, 10);
    assert_eq!(training_windows(144, &c), 0, "30 rows < 24 + 12");
    assert_eq!(training_windows(10, &c), 0, "the split does not fit");
}

#[test]
fn short_series_get_more_epochs_and_a_refit_unless_set() {
    let mut c = RunConfig::default();
    let changes = apply_data_defaults(&mut c, 144, None, AutoDefaults::ALL);
    assert_eq!(
        changes.iter().map(|d| d.field).collect::<Vec<_>>(),
        [
            AutoField::Epochs,
            AutoField::Refit,
            AutoField::SkipInit,
            AutoField::Strategy
        ]
    );
    assert_eq!(
        describe(&changes).unwrap(),
        "epochs 1000, refit true (short series: 66 training windows); skip-init fitted, \
         strategy recursive (short series with 11 validation windows)"
    );
    assert_eq!((c.train.epochs, c.train.refit), (SHORT_SERIES_EPOCHS, true));
    assert_eq!(c.model.skip_init, SkipInit::Fitted);

    // a value the user set stays
    let mut c = RunConfig::default();
    let changes = apply_data_defaults(
        &mut c,
        144,
        None,
        AutoDefaults::ALL.without(AutoField::Epochs),
    );
    assert_eq!(c.train.epochs, 100);
    assert!(c.train.refit);
    assert_eq!(changes.len(), 3);

    // 3,650 rows of unknown frequency: 2,555 − 36 + 1 = 2,520 windows, not short
    let mut c = RunConfig::default();
    assert!(apply_data_defaults(&mut c, 3650, None, AutoDefaults::ALL).is_empty());
    assert_eq!(describe(&[]), None);
    assert_eq!(c, RunConfig::default());
}

fn rows(train: usize, val: usize, test: usize) -> Split {
    Split::Rows { train, val, test }
}

#[test]
fn a_short_series_starts_fitted_only_with_two_validation_windows() {
    // 144 rows: 22 validation rows, horizon 12: 22 − 12 + 1 = 11 windows.
    assert_eq!(validation_windows(144, &RunConfig::default()), 11);
    // The Darts split of AirPassengers: 36 validation rows, horizon 36: one window.
    let mut darts = RunConfig::default();
    darts.data.split = rows(72, 36, 36);
    darts.window.horizon = 36;
    assert_eq!(validation_windows(144, &darts), 1);
    let changes = apply_data_defaults(&mut darts, 144, None, AutoDefaults::ALL);
    assert_eq!(darts.model.skip_init, SkipInit::Zero);
    assert!(changes.iter().all(|c| c.field != AutoField::SkipInit));
    // 13 validation rows at horizon 12: two windows, enough.
    let mut two = darts.clone();
    two.window.horizon = 12;
    two.data.split = rows(72, 13, 13);
    apply_data_defaults(&mut two, 98, None, AutoDefaults::ALL);
    assert_eq!(two.model.skip_init, SkipInit::Fitted);
    // A start the user chose, or left to them, stays; so does a long series'.
    let mut c = RunConfig::default();
    c.model.skip_init = SkipInit::SeasonalNaive;
    apply_data_defaults(&mut c, 144, None, AutoDefaults::ALL);
    assert_eq!(c.model.skip_init, SkipInit::SeasonalNaive);
    let mut c = RunConfig::default();
    apply_data_defaults(
        &mut c,
        144,
        None,
        AutoDefaults::ALL.without(AutoField::SkipInit),
    );
    assert_eq!(c.model.skip_init, SkipInit::Zero);
    let mut c = RunConfig::default();
    apply_data_defaults(&mut c, 3650, None, AutoDefaults::ALL);
    assert_eq!(c.model.skip_init, SkipInit::Zero);
}

#[test]
fn a_short_series_is_forecast_recursively_where_that_was_measured_to_help() {
    let recursive = |c: &RunConfig| c.model.strategy == Strategy::Recursive;
    // AirPassengers at the default split: 66 training, 11 validation windows.
    let mut c = RunConfig::default();
    apply_data_defaults(&mut c, 144, None, AutoDefaults::ALL);
    assert!(recursive(&c));
    // The Darts split: one validation window, 36 steps; direct stays.
    let mut darts = RunConfig::default();
    darts.data.split = rows(72, 36, 36);
    darts.window.horizon = 36;
    apply_data_defaults(&mut darts, 144, None, AutoDefaults::ALL);
    assert!(!recursive(&darts));
    // A covariate whose future is unknown: the rolled window could not read it.
    let mut c = RunConfig::default();
    c.data.covariates = vec!["price".into()];
    apply_data_defaults(&mut c, 144, None, AutoDefaults::ALL);
    assert!(!recursive(&c));
    // … one known in advance is fine.
    c.data.future_covariates = vec!["price".into()];
    apply_data_defaults(&mut c, 144, None, AutoDefaults::ALL);
    assert!(recursive(&c));
    // One step ahead is the same either way; a long series and a strategy left to
    // the user stay direct.
    let mut c = RunConfig::default();
    c.window.horizon = 1;
    apply_data_defaults(&mut c, 144, None, AutoDefaults::ALL);
    assert!(!recursive(&c));
    let mut c = RunConfig::default();
    apply_data_defaults(&mut c, 3650, None, AutoDefaults::ALL);
    assert!(!recursive(&c));
    let mut c = RunConfig::default();
    let free = AutoDefaults::ALL.without(AutoField::Strategy);
    apply_data_defaults(&mut c, 144, None, free);
    assert!(!recursive(&c));
    assert!(!free.allows(AutoField::Strategy) && free.any());
}

#[test]
fn a_series_too_short_for_the_window_gets_the_largest_lookback_that_fits() {
    // At the fractions the user keeps (the split rule has its own test below).
    let keep = AutoDefaults::ALL.without(AutoField::Split);
    // 36 monthly rows: round(25.2) = 25 training rows; horizon 12 leaves
    // 25 − 12 − L + 1 windows, 8 of them at lookback 6.
    let mut c = RunConfig::default();
    assert_eq!(training_windows(36, &c), 0);
    let changes = apply_data_defaults(&mut c, 36, None, keep);
    assert_eq!(c.window.lookback, 6);
    assert_eq!(training_windows(36, &c), 8);
    assert_eq!(
        describe(&changes).unwrap(),
        "lookback 6 (lookback 24 leaves no training window in 36 rows; 6 leaves 8); \
         epochs 1000, refit true (short series: 8 training windows)"
    );
    // 20 rows: 14 training rows leave 14 − 12 − L + 1 windows: never 8; one at
    // lookback 2, the largest that fits
    let mut c = RunConfig::default();
    apply_data_defaults(&mut c, 20, None, keep);
    assert_eq!((c.window.lookback, training_windows(20, &c)), (2, 1));
    // 17 rows: 12 training rows cannot hold horizon 12 plus one input
    let mut c = RunConfig::default();
    apply_data_defaults(&mut c, 17, None, keep);
    assert_eq!(c.window.lookback, 24, "refused later with the numbers");
    // a lookback the user chose stays, fitting or not
    let mut c = RunConfig::default();
    apply_data_defaults(&mut c, 36, None, keep.without(AutoField::Lookback));
    assert_eq!(c.window.lookback, 24);
}

#[test]
fn daily_series_with_three_years_of_training_rows_look_back_a_year() {
    let daily = Some(Frequency::Seconds(DAY));
    // 3,650 rows (daily temperatures): 2,555 training rows, 7.0 years.
    let mut c = RunConfig::default();
    let changes = apply_data_defaults(&mut c, 3650, daily, AutoDefaults::ALL);
    assert_eq!(c.window.lookback, 365);
    assert_eq!(
        describe(&changes).unwrap(),
        "lookback 365 (daily series with 7.0 years of training rows)"
    );
    // 1,564 rows: round(1,094.8) = 1,095 training rows, exactly three years.
    let mut c = RunConfig::default();
    assert_eq!(
        apply_data_defaults(&mut c, 1564, daily, AutoDefaults::ALL).len(),
        1
    );
    // 1,563 rows: 1,094 training rows, one short.
    let mut c = RunConfig::default();
    assert!(apply_data_defaults(&mut c, 1563, daily, AutoDefaults::ALL).is_empty());
    assert_eq!(c.window.lookback, 24);
    // a lookback the user chose, a longer one, or another frequency stays
    let mut c = RunConfig::default();
    assert!(
        apply_data_defaults(
            &mut c,
            3650,
            daily,
            AutoDefaults::ALL.without(AutoField::Lookback)
        )
        .is_empty()
    );
    c.window.lookback = 400;
    assert!(apply_data_defaults(&mut c, 3650, daily, AutoDefaults::ALL).is_empty());
    let mut c = RunConfig::default();
    let hourly = Some(Frequency::Seconds(3600));
    assert!(apply_data_defaults(&mut c, 3650, hourly, AutoDefaults::ALL).is_empty());
    // both rules at once: a daily series that is also short in windows
    let mut c = RunConfig::default();
    c.data.split = rows(1100, 200, 200);
    c.window.horizon = 600;
    let changes = apply_data_defaults(&mut c, 1500, daily, AutoDefaults::ALL);
    assert_eq!(
        describe(&changes).unwrap(),
        "lookback 365 (daily series with 3.0 years of training rows); epochs 1000, refit \
         true (short series: 136 training windows)"
    );
}

#[test]
fn the_split_comes_first_then_a_recursive_model_with_half_the_training_rows_of_lookback() {
    // 72 monthly rows (mortality): 50 / 11 / 11 by fractions → last 12 + 12, 48 training
    // rows; recursive, lookback 24 (half of 48, two seasons) → 48 − 24 = 24 one-step
    // training windows; the fitted start although validation holds one window.
    let mut c = RunConfig::default();
    let changes = apply_data_defaults(&mut c, 72, Some(Frequency::Months(1)), AutoDefaults::ALL);
    assert_eq!(c.data.split, Split::Last { val: 12, test: 12 });
    assert_eq!(
        describe(&changes).unwrap(),
        "split last=12,12 (72 rows: the 0.7/0.15/0.15 split leaves 11 validation and \
         11 test rows, fewer than the horizon 12); strategy recursive (one horizon held out \
         for validation: 48 training rows); epochs 1000, refit true (short series: 24 \
         one-step training windows); skip-init fitted (short series with 1 validation window)"
    );
    assert_eq!(c.window.lookback, 24);
    assert_eq!(c.model.strategy, Strategy::Recursive);
    assert_eq!(c.model.skip_init, SkipInit::Fitted);

    // 60 monthly rows: 36 training rows → half is 18 → one season, 12 (24 windows).
    let mut c = RunConfig::default();
    let changes = apply_data_defaults(&mut c, 60, Some(Frequency::Months(1)), AutoDefaults::ALL);
    assert_eq!(c.window.lookback, 12);
    assert!(
        changes
            .iter()
            .any(|d| d.field == AutoField::Lookback && d.value == "12")
    );

    // 36 monthly rows: too few for validation and test; validation alone, 24 training
    // rows → lookback 12.
    let mut c = RunConfig::default();
    let changes = apply_data_defaults(&mut c, 36, Some(Frequency::Months(1)), AutoDefaults::ALL);
    assert_eq!(
        c.data.split,
        Split::Rows {
            train: 24,
            val: 12,
            test: 0
        }
    );
    assert_eq!(
        (c.window.lookback, c.model.strategy),
        (12, Strategy::Recursive)
    );
    assert_eq!(
        changes[0].value,
        "rows 24,12,0",
        "{}",
        describe(&changes).unwrap()
    );
    assert!(
        changes[0]
            .why
            .ends_with("too few for both: validation only")
    );

    // 40 quarterly rows: 16 training rows, a window of 12 must fit → lookback 4.
    let mut c = RunConfig::default();
    apply_data_defaults(&mut c, 40, Some(Frequency::Months(3)), AutoDefaults::ALL);
    assert_eq!(c.data.split, Split::Last { val: 12, test: 12 });
    assert_eq!(
        (c.window.lookback, c.model.strategy),
        (4, Strategy::Recursive)
    );

    // Yearly (no season): the window rule of direct models instead, the largest
    // lookback that leaves one window: 16 − 12 = 4; the zero start (one validation
    // window).
    let mut c = RunConfig::default();
    apply_data_defaults(&mut c, 40, Some(Frequency::Months(12)), AutoDefaults::ALL);
    assert_eq!(c.data.split, Split::Last { val: 12, test: 12 });
    assert_eq!((c.window.lookback, c.model.strategy), (4, Strategy::Direct));
    assert_eq!(c.model.skip_init, SkipInit::Zero);
    // 40 monthly rows, the strategy set by the user (direct): 16 training rows after a
    // test part cannot hold a year of input, so validation only (28 training rows), and
    // the direct window rule: 28 − 12 − 8 + 1 = 9 leaves 8 windows.
    let mut c = RunConfig::default();
    let monthly = Some(Frequency::Months(1));
    apply_data_defaults(
        &mut c,
        40,
        monthly,
        AutoDefaults::ALL.without(AutoField::Strategy),
    );
    assert_eq!(
        c.data.split,
        Split::Rows {
            train: 28,
            val: 12,
            test: 0
        }
    );
    assert_eq!((c.window.lookback, c.model.strategy), (9, Strategy::Direct));
    assert_eq!(c.model.skip_init, SkipInit::Zero);

    // Not allowed: nothing changes.
    let mut c = RunConfig::default();
    let changes = apply_data_defaults(
        &mut c,
        72,
        None,
        AutoDefaults::ALL.without(AutoField::Split),
    );
    assert_eq!(c.data.split, Split::default());
    assert!(changes.iter().all(|d| d.field != AutoField::Split));
}

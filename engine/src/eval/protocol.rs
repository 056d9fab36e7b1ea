//! The published accuracy protocols as run configurations, so that `seqcast eval`,
//! the tests and anyone scripting the engine run exactly the same thing.
//!
//! - [`ett`]: ETTh1 (LTSF protocol): target OT, univariate; train rows [0, 8640),
//!   validation [8640, 11520), test [11520, 14400); z-score with the training rows'
//!   statistics; every test window, stride 1; MSE and MAE on the normalised scale.
//! - [`air_darts`]: AirPassengers on the Darts quickstart split: train 1949-01 …
//!   1957-12 (108 months), forecast the 36 months 1958-01 … 1960-12 from one origin;
//!   MAPE on the raw values.
//! - [`air_rnn`]: AirPassengers on the Darts RNN example's protocol: the model learns
//!   from 1949-01 … 1958-12 (1958 being validation), then forecasts 6 months from every
//!   origin whose forecast lies in 1959-01 … 1960-12, without retraining; scored on
//!   each forecast's last point (1959-06 … 1960-12, 19 points), MAPE on the raw values.
//!
//! Each takes a base configuration (seqcast's defaults, or the user's options) and set
//! only what the protocol fixes: data, split, scaling, window geometry and metrics.

use crate::config::{MetricsScale, RunConfig, ScaleKind, Split};

/// ETT rows: train, validation, test.
pub const ETT_SPLIT: [usize; 3] = [8640, 2880, 2880];
/// Default lookback for ETTh1: two weeks of hours, as LTSF-Linear (NLinear, DLinear)
/// use at every horizon. The linear skip reads all of it, the recurrent layers the
/// last `model.recurrent_steps`; measured against 96 in BENCHMARKS.md.
pub const ETT_LOOKBACK: usize = 336;
/// AirPassengers: months before 1958-01.
pub const AIR_TRAIN_MONTHS: usize = 108;
/// AirPassengers: the forecast, 1958-01 … 1960-12.
pub const AIR_HORIZON: usize = 36;
/// Default lookback on AirPassengers (two years).
pub const AIR_LOOKBACK: usize = 24;
/// The Darts RNN example's backtest: the months 1959-01 … 1960-12.
pub const AIR_RNN_TEST_MONTHS: usize = 24;
/// The Darts RNN example's forecast length; only each forecast's last month is scored.
pub const AIR_RNN_HORIZON: usize = 6;
/// Months of validation before the backtest (1958).
pub const AIR_RNN_VAL_MONTHS: usize = 12;

/// `base` set up for the ETTh1 protocol at `horizon`, with `lookback` input steps.
pub fn ett(base: &RunConfig, horizon: usize, lookback: usize) -> RunConfig {
    let mut c = base.clone();
    c.data.targets = vec!["OT".into()];
    c.data.covariates.clear();
    c.data.split = Split::Rows {
        train: ETT_SPLIT[0],
        val: ETT_SPLIT[1],
        test: ETT_SPLIT[2],
    };
    c.data.scale = ScaleKind::Zscore;
    c.data.scale_overrides.clear();
    c.data.log = false;
    c.data.diff = false;
    c.window.lookback = lookback;
    c.window.horizon = horizon;
    c.window.stride = 1;
    c.eval.metrics_scale = MetricsScale::Normalised;
    c
}

/// `base` set up for AirPassengers on the Darts split, with `lookback` input months.
///
/// Validation takes the last 36 of the 108 training months (one window: its targets
/// must lie inside it), so that the single test window starts right after the training
/// data, as in Darts. The validation rows choose the epoch count; with `train.refit`
/// the final model then learns from all 108 months.
pub fn air_darts(base: &RunConfig, lookback: usize) -> RunConfig {
    let mut c = base.clone();
    c.data.targets = vec!["Passengers".into()];
    c.data.covariates.clear();
    c.data.split = Split::Rows {
        train: AIR_TRAIN_MONTHS - AIR_HORIZON,
        val: AIR_HORIZON,
        test: AIR_HORIZON,
    };
    c.window.lookback = lookback;
    c.window.horizon = AIR_HORIZON;
    c.window.stride = 1;
    c.eval.metrics_scale = MetricsScale::Original;
    c
}

/// `base` set up for AirPassengers on the Darts RNN example's protocol (module docs):
/// training rows 1949-01 … 1957-12, validation 1958 (early stopping; with `train.refit`
/// the model is then refit on both), test 1959-01 … 1960-12 at horizon 6, every origin.
/// The lookback and the model are `base`'s.
pub fn air_rnn(base: &RunConfig) -> RunConfig {
    let mut c = base.clone();
    c.data.targets = vec!["Passengers".into()];
    c.data.covariates.clear();
    c.data.split = Split::Rows {
        train: AIR_TRAIN_MONTHS,
        val: AIR_RNN_VAL_MONTHS,
        test: AIR_RNN_TEST_MONTHS,
    };
    c.window.horizon = AIR_RNN_HORIZON;
    c.window.stride = 1;
    c.eval.metrics_scale = MetricsScale::Original;
    c
}

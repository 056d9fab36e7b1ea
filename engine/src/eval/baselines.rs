//! Baseline forecasters every model is compared with: naive, seasonal naive, drift and a
//! linear autoregression ([`LinearAr`]).
//!
//! All baselines work on one target series `values` in original units. A window is
//! identified by its **origin** `T`, the index of its last input value: the inputs are
//! `values[T+1−lookback ..= T]` and the targets `values[T+1 ..= T+horizon]`. Targets need
//! not exist (a forecast may run past the end of the series), inputs must. Every function
//! returns a row-major `[origins.len() × horizon]` vector.
//!
//! Never a panic or a NaN: the forecasting functions return an **empty** vector when
//! their arguments are invalid (a horizon, lookback or season of 0, an origin whose
//! inputs are not in the series, a non-finite input value), which
//! [`HorizonMetrics::compute`](super::metrics::HorizonMetrics::compute) turns into an
//! empty (`count == 0`) result. [`predict`] returns the reason instead, as an error:
//! [`Config`](crate::error::EngineError::Config),
//! [`TooShort`](crate::error::EngineError::TooShort) or
//! [`Missing`](crate::error::EngineError::Missing).

use serde::{Deserialize, Serialize};

use crate::error::Result;

use super::inputs::{input_start, require_positive, value_at};
pub use super::linear_ar::LinearAr;

/// The baselines, in the order they are reported (which is also their `Ord` order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineKind {
    /// Repeat the last input value.
    Naive,
    /// Repeat the value one season earlier.
    SeasonalNaive,
    /// Extend the straight line through the first and last input values.
    Drift,
    /// Linear autoregression on the lookback window, one regression per step.
    Linear,
}

impl BaselineKind {
    /// Every baseline, in report order.
    pub const ALL: [BaselineKind; 4] = [
        BaselineKind::Naive,
        BaselineKind::SeasonalNaive,
        BaselineKind::Drift,
        BaselineKind::Linear,
    ];

    /// Stable snake_case name (the same as the serde name).
    pub fn name(&self) -> &'static str {
        match self {
            BaselineKind::Naive => "naive",
            BaselineKind::SeasonalNaive => "seasonal_naive",
            BaselineKind::Drift => "drift",
            BaselineKind::Linear => "linear",
        }
    }
}

/// Naive forecast: `ŷ_{T+h} = y_T` for every step. Empty when the arguments are invalid
/// (see the module docs).
pub fn naive(values: &[f64], origins: &[usize], horizon: usize) -> Vec<f64> {
    try_naive(values, origins, horizon).unwrap_or_default()
}

fn try_naive(values: &[f64], origins: &[usize], horizon: usize) -> Result<Vec<f64>> {
    require_positive(horizon, "horizon")?;
    let mut out = Vec::new();
    for &t in origins {
        let last = value_at(values, t)?;
        out.extend(std::iter::repeat_n(last, horizon));
    }
    Ok(out)
}

/// Seasonal naive forecast with period `season` (`m`): `ŷ_{T+h} = y_{T+h−m·⌈h/m⌉}`, the
/// most recent value of the same phase.
///
/// Edge rule: when that index would be negative (fewer than `m` values up to the origin),
/// the point falls back to the naive forecast `y_T`. No earlier value of the same phase
/// can exist in that case, since the index is always within `(T−m, T]`.
///
/// Empty when the arguments are invalid (see the module docs).
pub fn seasonal_naive(
    values: &[f64],
    origins: &[usize],
    horizon: usize,
    season: usize,
) -> Vec<f64> {
    try_seasonal_naive(values, origins, horizon, season).unwrap_or_default()
}

fn try_seasonal_naive(
    values: &[f64],
    origins: &[usize],
    horizon: usize,
    season: usize,
) -> Result<Vec<f64>> {
    require_positive(horizon, "horizon")?;
    require_positive(season, "season")?;
    let mut out = Vec::new();
    for &t in origins {
        let last = value_at(values, t)?;
        for h in 1..=horizon {
            // T + h − m·⌈h/m⌉ = T − ((m − h mod m) mod m), written without overflow.
            let offset = (season - h % season) % season;
            let value = match t.checked_sub(offset) {
                Some(index) => value_at(values, index)?,
                None => last,
            };
            out.push(value);
        }
    }
    Ok(out)
}

/// Drift forecast over the lookback window `L`:
/// `ŷ_{T+h} = y_T + h·(y_T − y_{T−L+1}) / (L−1)`; with `L = 1` it is the naive forecast.
/// Empty when the arguments are invalid (see the module docs).
pub fn drift(values: &[f64], origins: &[usize], horizon: usize, lookback: usize) -> Vec<f64> {
    try_drift(values, origins, horizon, lookback).unwrap_or_default()
}

fn try_drift(
    values: &[f64],
    origins: &[usize],
    horizon: usize,
    lookback: usize,
) -> Result<Vec<f64>> {
    require_positive(horizon, "horizon")?;
    require_positive(lookback, "lookback")?;
    let mut out = Vec::new();
    for &t in origins {
        let start = input_start(values, t, lookback)?;
        let last = value_at(values, t)?;
        let first = value_at(values, start)?;
        let slope = if lookback > 1 {
            (last - first) / (lookback - 1) as f64
        } else {
            0.0
        };
        out.extend((1..=horizon).map(|h| last + h as f64 * slope));
    }
    Ok(out)
}

/// Forecasts with the baseline `kind`, or the reason it cannot.
///
/// `train_origins` is only used by [`BaselineKind::Linear`], which is fitted on those
/// windows first (see [`LinearAr::fit`]); `lookback` is used by drift and linear,
/// `season` by seasonal naive.
pub fn predict(
    kind: BaselineKind,
    values: &[f64],
    origins: &[usize],
    train_origins: &[usize],
    lookback: usize,
    horizon: usize,
    season: usize,
) -> Result<Vec<f64>> {
    match kind {
        BaselineKind::Naive => try_naive(values, origins, horizon),
        BaselineKind::SeasonalNaive => try_seasonal_naive(values, origins, horizon, season),
        BaselineKind::Drift => try_drift(values, origins, horizon, lookback),
        BaselineKind::Linear => {
            LinearAr::fit(values, train_origins, lookback, horizon)?.try_predict(values, origins)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::EngineError;

    fn series() -> Vec<f64> {
        (0..20).map(f64::from).collect()
    }

    #[test]
    fn names_match_serde() {
        for kind in BaselineKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.name()));
        }
    }

    #[test]
    fn naive_repeats_last_value() {
        // values 0..20: origin 3 → y_3 = 3, origin 10 → 10.
        let out = naive(&series(), &[3, 10], 3);
        assert_eq!(out, vec![3.0, 3.0, 3.0, 10.0, 10.0, 10.0]);
        assert!(naive(&series(), &[], 3).is_empty());
    }

    #[test]
    fn seasonal_naive_season_4() {
        // m = 4, T = 10: h = 1..4 → ⌈h/4⌉ = 1 → index 10+h−4 = 7, 8, 9, 10;
        // h = 5, 6 → ⌈h/4⌉ = 2 → index 10+h−8 = 7, 8.
        // T = 3: index 3+h−4 = 0, 1, 2, 3, then 3+h−8 = 0, 1.
        let out = seasonal_naive(&series(), &[10, 3], 6, 4);
        let expected = [7.0, 8.0, 9.0, 10.0, 7.0, 8.0, 0.0, 1.0, 2.0, 3.0, 0.0, 1.0];
        assert_eq!(out, expected);
    }

    #[test]
    fn seasonal_naive_falls_back_to_naive_at_the_start() {
        // T = 1, m = 4: h = 1 → 1+1−4 = −2 < 0 → y_1 = 1; h = 2 → −1 → 1; h = 3 → 0 → y_0 = 0;
        // h = 4 → 1 → y_1 = 1; h = 5 → 1+5−8 = −2 → 1; h = 6 → −1 → 1.
        let out = seasonal_naive(&series(), &[1], 6, 4);
        assert_eq!(out, vec![1.0, 1.0, 0.0, 1.0, 1.0, 1.0]);
        // Season 1 is the naive forecast.
        assert_eq!(
            seasonal_naive(&series(), &[5], 3, 1),
            naive(&series(), &[5], 3)
        );
    }

    #[test]
    fn drift_hand_computed() {
        // values [1, 4, 2, 8, 5], T = 4, L = 3: slope (y_4 − y_2)/2 = (5 − 2)/2 = 1.5
        // → 5 + 1.5 = 6.5, 5 + 3 = 8.
        let v = [1.0, 4.0, 2.0, 8.0, 5.0];
        assert_eq!(drift(&v, &[4], 2, 3), vec![6.5, 8.0]);
        // L = 1 is naive.
        assert_eq!(drift(&v, &[4], 2, 1), vec![5.0, 5.0]);
        // T = 1 has only 2 values, L = 3 needs 3.
        assert!(matches!(
            try_drift(&v, &[1], 2, 3),
            Err(EngineError::TooShort(_))
        ));
        assert!(drift(&v, &[1], 2, 3).is_empty());
    }

    #[test]
    fn drift_predicts_a_linear_trend_exactly() {
        // y_t = 2t + 3: slope over any window is 2, so ŷ_{T+h} = 2(T+h) + 3 exactly.
        let v: Vec<f64> = (0..50).map(|t| 2.0 * f64::from(t) + 3.0).collect();
        let out = drift(&v, &[10, 40], 4, 5);
        let expected: Vec<f64> = [10.0, 40.0]
            .iter()
            .flat_map(|t| (1..=4).map(move |h| 2.0 * (t + f64::from(h)) + 3.0))
            .collect();
        assert_eq!(out, expected);
    }

    #[test]
    fn bad_arguments_are_errors_or_empty() {
        let v = series();
        let nan = [1.0, f64::NAN, 3.0];
        let cases = [
            (try_naive(&v, &[20], 1), naive(&v, &[20], 1), "too_short"),
            (try_naive(&v, &[3], 0), naive(&v, &[3], 0), "config"),
            (try_naive(&[], &[0], 1), naive(&[], &[0], 1), "too_short"),
            (try_naive(&nan, &[1], 1), naive(&nan, &[1], 1), "missing"),
            (
                try_seasonal_naive(&v, &[3], 2, 0),
                seasonal_naive(&v, &[3], 2, 0),
                "config",
            ),
            (
                try_seasonal_naive(&nan, &[1], 1, 1),
                seasonal_naive(&nan, &[1], 1, 1),
                "missing",
            ),
            (try_drift(&v, &[3], 2, 0), drift(&v, &[3], 2, 0), "config"),
            (
                try_drift(&v, &[25], 2, 3),
                drift(&v, &[25], 2, 3),
                "too_short",
            ),
            (
                try_drift(&nan, &[2], 1, 2),
                drift(&nan, &[2], 1, 2),
                "missing",
            ),
        ];
        for (result, plain, kind) in cases {
            let matched = match kind {
                "config" => matches!(result, Err(EngineError::Config(_))),
                "missing" => matches!(result, Err(EngineError::Missing(_))),
                _ => matches!(result, Err(EngineError::TooShort(_))),
            };
            assert!(matched, "{kind}: {result:?}");
            assert!(plain.is_empty());
        }
        // The dispatcher reports the reason; the linear baseline too.
        let train: Vec<usize> = (3..14).collect();
        for kind in BaselineKind::ALL {
            assert!(predict(kind, &v, &[25], &train, 4, 3, 4).is_err());
            assert!(predict(kind, &v, &[10], &train, 4, 0, 4).is_err());
        }
    }

    #[test]
    fn dispatcher_matches_the_functions() {
        let v = series();
        let train: Vec<usize> = (3..14).collect();
        for kind in BaselineKind::ALL {
            let out = predict(kind, &v, &[10], &train, 4, 3, 4).unwrap();
            assert_eq!(out.len(), 3);
            // 0..20 is a linear trend: drift and linear predict 11, 12, 13 exactly
            // (linear up to rounding); naive gives 10s; seasonal naive 7, 8, 9.
            let expected = match kind {
                BaselineKind::Naive => [10.0, 10.0, 10.0],
                BaselineKind::SeasonalNaive => [7.0, 8.0, 9.0],
                BaselineKind::Drift | BaselineKind::Linear => [11.0, 12.0, 13.0],
            };
            for (o, e) in out.iter().zip(expected) {
                assert!((o - e).abs() < 1e-9, "{}: {o} vs {e}", kind.name());
            }
        }
    }
}

//! A quantile model's forecasts scored: the pinball loss and the share of actual values
//! below each quantile (validation and test), and for every nominal interval level with
//! its pair of quantiles trained (0.1 and 0.9 for 80 %), the raw interval between them
//! and the conformalised one (CQR: margins from the validation windows, which the
//! validated model forecast before any refit) on the test part.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::prepare::Prepared;
use crate::config::QuantileLevels;
use crate::eval::intervals::{IntervalScores, label, score_band};
use crate::eval::quantiles::{cqr_margins, pinball, share_below};

/// A quantile model's forecasts for one part: per level (increasing), per target,
/// row-major `[windows × horizon]` in the user's units.
pub type QuantileForecasts = Vec<Vec<Vec<f64>>>;

/// A quantile model's forecasts for `origins` (model space, per level, as
/// [`crate::train::WindowForecasts::quantiles`]) in the user's units; `None` for a point
/// model (no levels) or no windows.
pub fn invert(
    prepared: &Prepared,
    origins: &[usize],
    blocks: &[Vec<f32>],
) -> Option<QuantileForecasts> {
    (!blocks.is_empty() && !origins.is_empty()).then(|| {
        blocks
            .iter()
            .map(|block| prepared.invert(origins, block))
            .collect()
    })
}

/// How one quantile level did on one part.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LevelScore {
    /// The level τ (0–1).
    pub level: f64,
    /// Mean pinball loss in the data's units (lower is better).
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub pinball: f64,
    /// Share of actual values at or below the quantile (τ when calibrated).
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub below: f64,
}

/// The interval between a pair of trained quantiles, raw and conformalised.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairInterval {
    /// The quantile levels bounding it.
    pub lower: f64,
    /// The quantile levels bounding it.
    pub upper: f64,
    /// The raw interval on the test part.
    pub raw: IntervalScores,
    /// The CQR interval on the test part (its margins are `margins`).
    pub cqr: IntervalScores,
    /// Per target, per horizon step: the CQR margin added to each side (negative:
    /// the quantiles were too wide); `None` with too few validation windows.
    pub margins: Vec<Vec<Option<f64>>>,
}

/// Scores of a quantile model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuantileReport {
    /// The trained levels.
    pub levels: Vec<f64>,
    /// Mean pinball loss over the levels on the test part (NaN without one): the
    /// report's `model.pinball`.
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub pinball: f64,
    /// Per level, on the validation part.
    pub val: Vec<LevelScore>,
    /// Per level, on the test part (empty without one).
    pub test: Vec<LevelScore>,
    /// Per nominal interval level label ("80") whose pair of quantiles was trained.
    pub intervals: BTreeMap<String, PairInterval>,
}

impl QuantileReport {
    /// Scores the quantile forecasts `val_q` and `test_q` against the parts' actual
    /// values (per target, `[windows × horizon]`).
    pub fn fit(
        levels: &QuantileLevels,
        interval_levels: &[f64],
        horizon: usize,
        val: (&[Vec<f64>], &QuantileForecasts),
        test: Option<(&[Vec<f64>], &QuantileForecasts)>,
    ) -> Self {
        let per_level = |(actual, q): (&[Vec<f64>], &QuantileForecasts)| -> Vec<LevelScore> {
            levels
                .as_slice()
                .iter()
                .zip(q)
                .map(|(&tau, per_target)| LevelScore {
                    level: tau,
                    pinball: mean(
                        actual
                            .iter()
                            .zip(per_target)
                            .map(|(a, f)| pinball(a, f, tau)),
                    ),
                    below: mean(
                        actual
                            .iter()
                            .zip(per_target)
                            .map(|(a, f)| share_below(a, f)),
                    ),
                })
                .collect()
        };
        let val_scores = per_level(val);
        let test_scores = test.map(per_level).unwrap_or_default();
        let mut intervals = BTreeMap::new();
        for &level in interval_levels {
            let Some((lo, hi)) = levels.pair_for(level) else {
                continue;
            };
            let (Some(val_lo), Some(val_hi)) = (val.1.get(lo), val.1.get(hi)) else {
                continue;
            };
            let margins: Vec<Vec<Option<f64>>> = val
                .0
                .iter()
                .zip(val_lo.iter().zip(val_hi))
                .map(|(a, (l, h))| cqr_margins(a, l, h, horizon, level))
                .collect();
            let nan = IntervalScores {
                coverage: f64::NAN,
                width: f64::NAN,
                winkler: f64::NAN,
            };
            let (mut raw, mut cqr) = (nan, nan);
            if let Some((actual, q)) = test
                && let (Some(t_lo), Some(t_hi)) = (q.get(lo), q.get(hi))
            {
                let zero = vec![Some(0.0); horizon];
                let score = |m: &dyn Fn(usize) -> Vec<Option<f64>>| {
                    mean_scores(
                        actual
                            .iter()
                            .zip(t_lo.iter().zip(t_hi))
                            .enumerate()
                            .map(|(j, (a, (l, h)))| score_band(a, l, h, &m(j), level)),
                    )
                };
                raw = score(&|_| zero.clone());
                cqr = score(&|j| margins.get(j).cloned().unwrap_or_default());
            }
            intervals.insert(
                label(level),
                PairInterval {
                    lower: levels.as_slice().get(lo).copied().unwrap_or(f64::NAN),
                    upper: levels.as_slice().get(hi).copied().unwrap_or(f64::NAN),
                    raw,
                    cqr,
                    margins,
                },
            );
        }
        Self {
            levels: levels.as_slice().to_vec(),
            pinball: if test_scores.is_empty() {
                f64::NAN
            } else {
                mean(test_scores.iter().map(|s| s.pinball))
            },
            val: val_scores,
            test: test_scores,
            intervals,
        }
    }
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (mut sum, mut n) = (0.0, 0usize);
    for v in values.filter(|v| v.is_finite()) {
        sum += v;
        n += 1;
    }
    if n == 0 { f64::NAN } else { sum / n as f64 }
}

fn mean_scores(scores: impl Iterator<Item = IntervalScores>) -> IntervalScores {
    let scores: Vec<IntervalScores> = scores.collect();
    IntervalScores {
        coverage: mean(scores.iter().map(|s| s.coverage)),
        width: mean(scores.iter().map(|s| s.width)),
        winkler: mean(scores.iter().map(|s| s.winkler)),
    }
}

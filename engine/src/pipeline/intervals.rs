//! A run's prediction intervals: conformal radii per forecaster, target, level and
//! horizon step, from the validation windows' errors ([`crate::eval::intervals`]), and
//! how they did on the test part. A quantile model's own bands (and the product
//! forecast's, when it is the model) are its trained quantile pairs widened by CQR
//! margins instead, wherever the pair for a level was trained.
//!
//! The validation forecasts are made by the validated model before any refit
//! (`train.refit`), so its errors stay out of sample; the refitted model's intervals
//! reuse them, which is conservative when the refit (trained on more data) errs less.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::evaluate::PartForecast;
use super::quantiles::QuantileForecasts;
use crate::config::QuantileLevels;
use crate::eval::intervals::{
    IntervalScores, QuantilePair, band_rows, coverage_per_step, label, radii, score_band,
};
use crate::eval::quantiles::cqr_margins;

/// The name the product forecast's intervals go by.
pub const PRODUCT: &str = "forecast";

/// Conformal intervals of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Intervals {
    /// Nominal levels (0–1).
    pub levels: Vec<f64>,
    /// Validation windows the radii come from.
    pub calibration_windows: usize,
    /// Per forecaster (`forecast`, `model`, each baseline), per target, per level, per
    /// horizon step: the radius in the data's units (`None`: too few validation windows
    /// for that level); for a level with a quantile pair, the CQR margin.
    pub radii: BTreeMap<String, Vec<Vec<Vec<Option<f64>>>>>,
    /// Per forecaster whose bands come from a quantile model, per level: the pair of
    /// trained quantiles (indices into the model's levels) the margin widens; a
    /// forecaster or level absent here is drawn around the point forecast.
    #[serde(default)]
    pub pairs: BTreeMap<String, Vec<QuantilePair>>,
    /// Per forecaster, per level label ("80"): the test part's coverage, mean width and
    /// interval score, averaged over targets (absent without test windows).
    pub test: BTreeMap<String, BTreeMap<String, IntervalScores>>,
    /// Per level label, the forecast's test coverage per horizon step, averaged over
    /// targets (empty without test windows).
    #[serde(default, deserialize_with = "crate::num::keyed_nan_if_null")]
    pub coverage_per_step: BTreeMap<String, Vec<f64>>,
}

/// The model's trained quantile levels, and whether the product forecast is the model
/// (it then shares the model's quantile bands).
#[derive(Clone, Copy, Debug, Default)]
pub struct QuantileSource<'a> {
    /// The trained levels (`None`: a point model).
    pub levels: Option<&'a QuantileLevels>,
    /// The product forecast is the model's own.
    pub product_is_model: bool,
}

impl Intervals {
    /// Fits the radii (or CQR margins) of every forecaster on `val` and scores them on
    /// `test`.
    pub fn fit(
        levels: &[f64],
        val: &PartForecast,
        test: Option<&PartForecast>,
        horizon: usize,
        quantiles: QuantileSource<'_>,
    ) -> Self {
        let mut radii_by = BTreeMap::new();
        let mut pairs_by = BTreeMap::new();
        let mut test_by = BTreeMap::new();
        let mut per_step = BTreeMap::new();
        for (name, val_fc, test_fc) in forecasters(val, test) {
            let from_model = name == "model" || (name == PRODUCT && quantiles.product_is_model);
            let pairs: Vec<QuantilePair> = match (quantiles.levels, &val.quantiles) {
                (Some(q), Some(_)) if from_model => levels.iter().map(|l| q.pair_for(*l)).collect(),
                _ => vec![None; levels.len()],
            };
            let per_target: Vec<Vec<Vec<Option<f64>>>> = val
                .actual
                .iter()
                .zip(val_fc)
                .enumerate()
                .map(|(j, (a, f))| {
                    levels
                        .iter()
                        .zip(&pairs)
                        .map(|(level, pair)| match (pair, &val.quantiles) {
                            (Some((lo, hi)), Some(q)) => {
                                let row = |i: usize| q.get(i).and_then(|t| t.get(j));
                                match (row(*lo), row(*hi)) {
                                    (Some(l), Some(h)) => cqr_margins(a, l, h, horizon, *level),
                                    _ => vec![None; horizon],
                                }
                            }
                            _ => radii(a, f, horizon, *level),
                        })
                        .collect()
                })
                .collect();
            if let (Some(test), Some(test_fc)) = (test, test_fc) {
                let mut by_level = BTreeMap::new();
                for (li, level) in levels.iter().enumerate() {
                    let pair = pairs.get(li).copied().flatten();
                    let bands: Vec<(Vec<f64>, Vec<f64>)> = test_fc
                        .iter()
                        .enumerate()
                        .map(|(j, f)| {
                            let margin = per_target
                                .get(j)
                                .and_then(|t| t.get(li))
                                .map_or(&[][..], Vec::as_slice);
                            band_rows(margin, pair, f, |i, cell| {
                                quantile_at(test.quantiles.as_ref(), i, j, cell)
                            })
                        })
                        .collect();
                    let zero = vec![Some(0.0); horizon];
                    let scores: Vec<IntervalScores> = test
                        .actual
                        .iter()
                        .zip(&bands)
                        .map(|(a, (lo, hi))| score_band(a, lo, hi, &zero, *level))
                        .collect();
                    by_level.insert(label(*level), mean(&scores));
                    if name == PRODUCT {
                        let steps: Vec<Vec<f64>> = test
                            .actual
                            .iter()
                            .zip(&bands)
                            .map(|(a, (lo, hi))| coverage_per_step(a, lo, hi, horizon))
                            .collect();
                        per_step.insert(label(*level), mean_per_step(&steps, horizon));
                    }
                }
                test_by.insert(name.clone(), by_level);
            }
            if pairs.iter().any(Option::is_some) {
                pairs_by.insert(name.clone(), pairs);
            }
            radii_by.insert(name, per_target);
        }
        Self {
            levels: levels.to_vec(),
            calibration_windows: val.origins.len(),
            radii: radii_by,
            pairs: pairs_by,
            test: test_by,
            coverage_per_step: per_step,
        }
    }

    /// The product forecast's radii: per target, per level, per step.
    pub fn product(&self) -> Option<&Vec<Vec<Vec<Option<f64>>>>> {
        self.radii.get(PRODUCT)
    }

    /// The product forecast's quantile pairs per level (empty: around the point).
    pub fn product_pairs(&self) -> &[QuantilePair] {
        self.pairs.get(PRODUCT).map_or(&[], Vec::as_slice)
    }
}

/// Level `i`'s forecast of target `j` at `cell` (`None` without quantile forecasts).
pub fn quantile_at(q: Option<&QuantileForecasts>, i: usize, j: usize, cell: usize) -> Option<f64> {
    q?.get(i)?.get(j)?.get(cell).copied()
}

fn mean_per_step(steps: &[Vec<f64>], horizon: usize) -> Vec<f64> {
    let n = steps.len().max(1) as f64;
    (0..horizon)
        .map(|k| {
            steps
                .iter()
                .map(|t| t.get(k).copied().unwrap_or(f64::NAN))
                .sum::<f64>()
                / n
        })
        .collect()
}

type Forecasts<'a> = (String, &'a [Vec<f64>], Option<&'a [Vec<f64>]>);

/// Each forecaster's validation forecasts, with its test forecasts.
fn forecasts_of<'a>(part: &'a PartForecast, name: &str) -> Option<&'a [Vec<f64>]> {
    match name {
        PRODUCT if !part.product.is_empty() => Some(&part.product),
        PRODUCT | "model" => Some(&part.model),
        other => part
            .baselines
            .iter()
            .find(|(k, _)| k.name() == other)
            .map(|(_, v)| v.as_slice()),
    }
}

fn forecasters<'a>(val: &'a PartForecast, test: Option<&'a PartForecast>) -> Vec<Forecasts<'a>> {
    let mut names = vec![PRODUCT.to_string(), "model".to_string()];
    names.extend(val.baselines.keys().map(|k| k.name().to_string()));
    names
        .into_iter()
        .filter_map(|name| {
            let v = forecasts_of(val, &name)?;
            let t = test.and_then(|t| forecasts_of(t, &name));
            Some((name, v, t))
        })
        .collect()
}

fn mean(scores: &[IntervalScores]) -> IntervalScores {
    let n = scores.len().max(1) as f64;
    let sum = |f: fn(&IntervalScores) -> f64| scores.iter().map(f).sum::<f64>() / n;
    IntervalScores {
        coverage: sum(|s| s.coverage),
        width: sum(|s| s.width),
        winkler: sum(|s| s.winkler),
    }
}

//! A run's prediction intervals: conformal radii per forecaster, target, level and
//! horizon step, from the validation windows' errors ([`crate::eval::intervals`]), and
//! how they did on the test part.
//!
//! The validation forecasts are made by the validated model before any refit
//! (`train.refit`), so its errors stay out of sample; the refitted model's intervals
//! reuse them, which is conservative when the refit (trained on more data) errs less.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::evaluate::PartForecast;
use crate::eval::intervals::{IntervalScores, coverage_per_step, label, radii, score};

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
    /// for that level).
    pub radii: BTreeMap<String, Vec<Vec<Vec<Option<f64>>>>>,
    /// Per forecaster, per level label ("80"): the test part's coverage, mean width and
    /// interval score, averaged over targets (absent without test windows).
    pub test: BTreeMap<String, BTreeMap<String, IntervalScores>>,
    /// Per level label, the forecast's test coverage per horizon step, averaged over
    /// targets (empty without test windows).
    #[serde(default)]
    pub coverage_per_step: BTreeMap<String, Vec<f64>>,
}

impl Intervals {
    /// Fits the radii of every forecaster on `val` and scores them on `test`.
    pub fn fit(
        levels: &[f64],
        val: &PartForecast,
        test: Option<&PartForecast>,
        horizon: usize,
    ) -> Self {
        let mut radii_by = BTreeMap::new();
        let mut test_by = BTreeMap::new();
        let mut per_step = BTreeMap::new();
        for (name, val_fc, test_fc) in forecasters(val, test) {
            let per_target: Vec<Vec<Vec<Option<f64>>>> = val
                .actual
                .iter()
                .zip(val_fc)
                .map(|(a, f)| levels.iter().map(|l| radii(a, f, horizon, *l)).collect())
                .collect();
            if let (Some(test), Some(test_fc)) = (test, test_fc) {
                let mut by_level = BTreeMap::new();
                for (li, level) in levels.iter().enumerate() {
                    let scores: Vec<IntervalScores> = test
                        .actual
                        .iter()
                        .zip(test_fc)
                        .zip(&per_target)
                        .map(|((a, f), r)| {
                            score(a, f, r.get(li).map_or(&[], Vec::as_slice), *level)
                        })
                        .collect();
                    by_level.insert(label(*level), mean(&scores));
                    if name == PRODUCT {
                        let steps: Vec<Vec<f64>> = test
                            .actual
                            .iter()
                            .zip(test_fc)
                            .zip(&per_target)
                            .map(|((a, f), r)| {
                                coverage_per_step(a, f, r.get(li).map_or(&[], Vec::as_slice))
                            })
                            .collect();
                        let n = steps.len().max(1) as f64;
                        let mean_steps = (0..horizon)
                            .map(|k| {
                                steps
                                    .iter()
                                    .map(|t| t.get(k).copied().unwrap_or(f64::NAN))
                                    .sum::<f64>()
                                    / n
                            })
                            .collect();
                        per_step.insert(label(*level), mean_steps);
                    }
                }
                test_by.insert(name.clone(), by_level);
            }
            radii_by.insert(name, per_target);
        }
        Self {
            levels: levels.to_vec(),
            calibration_windows: val.origins.len(),
            radii: radii_by,
            test: test_by,
            coverage_per_step: per_step,
        }
    }

    /// The product forecast's radii: per target, per level, per step.
    pub fn product(&self) -> Option<&Vec<Vec<Vec<Option<f64>>>>> {
        self.radii.get(PRODUCT)
    }
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

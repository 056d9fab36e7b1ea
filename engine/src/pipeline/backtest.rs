//! Rolling-origin evaluation over the test part (Darts' historical forecasts): a
//! forecast from every K-th test origin, scored per origin and overall, by the trained
//! model or, with `refit = N`, by a model retrained every N origins on every window
//! whose targets end at or before the origin (an expanding window).
//!
//! Without refit the backtest costs no training and no forward pass: its forecasts are
//! the test part's, taken every K origins. With refit each retraining runs the validated
//! number of epochs (as `train.refit` does), with the run's seed, and the linear AR
//! baseline is refitted on the same windows so the comparison stays fair. Scalers,
//! the product forecast's choice (and its ensemble weights) and the interval radii stay
//! as the validation part fixed them: nothing after an origin is ever used for it.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::evaluate::{self, BaselineSet, PartForecast, PartScores};
use super::intervals::Intervals;
use super::prepare::Prepared;
use crate::config::{BacktestConfig, MAX_BACKTEST_REFITS, RunConfig};
use crate::error::{EngineError, Result};
use crate::eval::baselines::BaselineKind;
use crate::eval::choice::Source;
use crate::eval::intervals::IntervalScores;
use crate::model::Forecaster;
use crate::train::Control;

/// A finished backtest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Backtest {
    /// Every K-th test origin.
    pub every: usize,
    /// Retrained every N origins (0: never).
    pub refit: usize,
    /// The forecasts from each backtest origin (the product forecast applied), in the
    /// user's units.
    pub forecast: PartForecast,
    /// Overall scores of the model, the product forecast and every baseline.
    pub scores: PartScores,
    /// Each origin's error, in order.
    pub per_origin: Vec<OriginScore>,
    /// The retrainings, in order (empty without refit).
    pub refits: Vec<RefitPoint>,
    /// Per forecaster (`forecast`, `model`, each baseline), per level label: the
    /// intervals fitted on validation, scored on the backtest origins.
    #[serde(default)]
    pub intervals: BTreeMap<String, BTreeMap<String, IntervalScores>>,
    /// The backtest was cancelled: the origins before the cancel are scored.
    #[serde(default)]
    pub cancelled: bool,
    /// Seconds it took.
    pub secs: f64,
}

impl Backtest {
    /// The baseline with the lowest overall MASE over the backtest origins.
    pub fn best_baseline(&self) -> Option<BaselineKind> {
        self.scores
            .original
            .baselines
            .iter()
            .filter_map(|(k, m)| m.overall.mase.map(|v| (*k, v)))
            .filter(|(_, v)| v.is_finite())
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(k, _)| k)
    }
}

/// One origin's error: mean absolute error over its horizon (user units) and as MASE
/// (that error over the training part's seasonal-naive scale), averaged over targets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OriginScore {
    /// Row index of the origin (the last input row).
    pub origin: usize,
    /// The origin's time label.
    pub label: String,
    /// The product forecast.
    pub forecast: OriginError,
    /// The model's own forecast.
    pub model: OriginError,
    /// Each baseline.
    pub baselines: BTreeMap<BaselineKind, OriginError>,
}

/// A forecast's error at one origin.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OriginError {
    /// Mean absolute error, in the user's units.
    pub mae: f64,
    /// Mean absolute scaled error.
    pub mase: f64,
}

/// One retraining of the backtest.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RefitPoint {
    /// The first origin it forecasts (its training targets end there).
    pub origin: usize,
    /// Windows it trained on.
    pub windows: usize,
    /// Epochs.
    pub epochs: usize,
    /// Seconds.
    pub secs: f64,
}

/// What the backtest needs from the finished run.
pub struct RunParts<'a> {
    /// The prepared data.
    pub prepared: &'a Prepared,
    /// The resolved configuration.
    pub config: &'a RunConfig,
    /// The test part's forecasts (product applied).
    pub test: &'a PartForecast,
    /// The validation part's forecasts, for the interval radii.
    pub val: Option<&'a PartForecast>,
    /// What the product forecast uses.
    pub source: Source,
    /// Epochs of each retraining (the validated run's best epoch).
    pub epochs: usize,
}

/// The backtest origins: every `every`-th test origin, from the first.
pub fn origins(test: &[usize], every: usize) -> Vec<usize> {
    test.iter().step_by(every.max(1)).copied().collect()
}

/// How many retrainings `settings` asks for over `origins` backtest origins.
pub fn refit_count(origins: usize, settings: BacktestConfig) -> usize {
    if settings.refit == 0 {
        0
    } else {
        origins.div_ceil(settings.refit)
    }
}

/// Refuses, before anything trains, a backtest over the test origins `test` that would
/// retrain more than [`MAX_BACKTEST_REFITS`] times.
pub fn check(test: &[usize], settings: BacktestConfig) -> Result<()> {
    let n = origins(test, settings.every).len();
    let refits = refit_count(n, settings);
    if refits > MAX_BACKTEST_REFITS {
        return Err(EngineError::Config(format!(
            "the backtest would retrain {refits} times ({n} origins, refit every {}): at most \
             {MAX_BACKTEST_REFITS}; forecast from fewer origins (every) or retrain less often \
             (refit)",
            settings.refit
        )));
    }
    Ok(())
}

/// Retrains the model on the given training window origins for the given number of
/// epochs, or says the run was cancelled (`None`).
pub type Retrain<'a> = dyn FnMut(&[usize], usize) -> Result<Option<Forecaster>> + 'a;

/// Runs the backtest `settings` over the test part of a finished run.
pub fn run(
    parts: &RunParts<'_>,
    settings: BacktestConfig,
    control: &Control,
    retrain: &mut Retrain<'_>,
) -> Result<Backtest> {
    let started = Instant::now();
    let prepared = parts.prepared;
    check(&parts.test.origins, settings)?;
    let all = origins(&parts.test.origins, settings.every);
    let mut cancelled = false;
    let mut refit_points = Vec::new();
    let mut forecast = if settings.refit == 0 {
        subset(parts.test, &all)
    } else {
        let mut pieces = Vec::new();
        for chunk in all.chunks(settings.refit) {
            let Some(&first) = chunk.first() else { break };
            if control.is_cancelled() {
                cancelled = true;
                break;
            }
            let t = Instant::now();
            // Windows whose targets end at or before the origin: nothing after it.
            let rows = prepared.split.train.start..first + 1;
            let windows = prepared.spec.inside(rows);
            let Some(model) = retrain(&windows, parts.epochs)? else {
                cancelled = true;
                break;
            };
            let baselines = BaselineSet::fit_on(prepared, &windows);
            pieces.push(evaluate::forecast_part(
                prepared, &model, &baselines, chunk,
            )?);
            refit_points.push(RefitPoint {
                origin: first,
                windows: windows.len(),
                epochs: parts.epochs,
                secs: t.elapsed().as_secs_f64(),
            });
        }
        let mut joined = concat(pieces);
        super::choose::apply(parts.source, &mut joined);
        joined
    };
    if forecast.product.is_empty() {
        super::choose::apply(parts.source, &mut forecast);
    }
    let scores = evaluate::score_part(prepared, &forecast);
    let per_origin = per_origin(prepared, &forecast);
    let intervals = match parts.val {
        Some(val) if !parts.config.eval.intervals.is_empty() && !forecast.origins.is_empty() => {
            Intervals::fit(
                &parts.config.eval.intervals,
                val,
                Some(&forecast),
                prepared.spec.horizon,
                super::intervals::QuantileSource {
                    levels: parts.config.train.loss.quantiles(),
                    product_is_model: parts.source == Source::Model,
                },
            )
            .test
        }
        _ => BTreeMap::new(),
    };
    Ok(Backtest {
        every: settings.every,
        refit: settings.refit,
        forecast,
        scores,
        per_origin,
        refits: refit_points,
        intervals,
        cancelled,
        secs: started.elapsed().as_secs_f64(),
    })
}

/// The windows of `part` at `keep` (a subset of its origins, in order).
fn subset(part: &PartForecast, keep: &[usize]) -> PartForecast {
    let horizon = part
        .actual
        .first()
        .map_or(0, |v| v.len() / part.origins.len().max(1));
    let rows: Vec<usize> = keep
        .iter()
        .filter_map(|o| part.origins.iter().position(|p| p == o))
        .collect();
    let pick = |values: &[Vec<f64>]| -> Vec<Vec<f64>> {
        values
            .iter()
            .map(|v| {
                rows.iter()
                    .flat_map(|w| v.get(w * horizon..(w + 1) * horizon).unwrap_or(&[]))
                    .copied()
                    .collect()
            })
            .collect()
    };
    PartForecast {
        origins: rows
            .iter()
            .filter_map(|w| part.origins.get(*w))
            .copied()
            .collect(),
        actual: pick(&part.actual),
        model: pick(&part.model),
        baselines: part.baselines.iter().map(|(k, v)| (*k, pick(v))).collect(),
        product: pick(&part.product),
        quantiles: part
            .quantiles
            .as_ref()
            .map(|q| q.iter().map(|per_target| pick(per_target)).collect()),
    }
}

/// Consecutive pieces of one part, joined (a baseline kept only if every piece has it).
fn concat(pieces: Vec<PartForecast>) -> PartForecast {
    let mut out = PartForecast {
        origins: Vec::new(),
        actual: Vec::new(),
        model: Vec::new(),
        baselines: BTreeMap::new(),
        product: Vec::new(),
        quantiles: None,
    };
    let kinds: Vec<BaselineKind> = pieces
        .first()
        .map(|p| {
            p.baselines
                .keys()
                .filter(|k| pieces.iter().all(|q| q.baselines.contains_key(k)))
                .copied()
                .collect()
        })
        .unwrap_or_default();
    let append = |into: &mut Vec<Vec<f64>>, from: &[Vec<f64>]| {
        into.resize(from.len().max(into.len()), Vec::new());
        for (a, b) in into.iter_mut().zip(from) {
            a.extend_from_slice(b);
        }
    };
    // Quantiles only when every piece has them (the same model kind throughout).
    let mut quantiles = pieces
        .iter()
        .all(|p| p.quantiles.is_some())
        .then(Vec::<Vec<Vec<f64>>>::new);
    for p in &pieces {
        out.origins.extend_from_slice(&p.origins);
        append(&mut out.actual, &p.actual);
        append(&mut out.model, &p.model);
        if let (Some(into), Some(from)) = (quantiles.as_mut(), p.quantiles.as_ref()) {
            into.resize(from.len().max(into.len()), Vec::new());
            for (a, b) in into.iter_mut().zip(from) {
                append(a, b);
            }
        }
        for k in &kinds {
            if let Some(v) = p.baselines.get(k) {
                append(out.baselines.entry(*k).or_default(), v);
            }
        }
    }
    out.quantiles = quantiles;
    out
}

/// Each origin's error for the product forecast, the model and every baseline.
fn per_origin(prepared: &Prepared, part: &PartForecast) -> Vec<OriginScore> {
    let horizon = prepared.spec.horizon.max(1);
    let scales = prepared.mase_scales();
    let error = |values: &[Vec<f64>], w: usize| -> OriginError {
        let mut mae = 0.0;
        let mut mase = 0.0;
        let mut n = 0.0;
        for (j, (a, f)) in part.actual.iter().zip(values).enumerate() {
            let range = w * horizon..(w + 1) * horizon;
            let (Some(a), Some(f)) = (a.get(range.clone()), f.get(range)) else {
                continue;
            };
            let e = a.iter().zip(f).map(|(x, y)| (x - y).abs()).sum::<f64>() / horizon as f64;
            mae += e;
            mase += scales.get(j).copied().flatten().map_or(f64::NAN, |s| e / s);
            n += 1.0;
        }
        if n == 0.0 {
            return OriginError {
                mae: f64::NAN,
                mase: f64::NAN,
            };
        }
        OriginError {
            mae: mae / n,
            mase: mase / n,
        }
    };
    part.origins
        .iter()
        .enumerate()
        .map(|(w, &origin)| OriginScore {
            origin,
            label: prepared.series.time_label(origin),
            forecast: error(
                if part.product.is_empty() {
                    &part.model
                } else {
                    &part.product
                },
                w,
            ),
            model: error(&part.model, w),
            baselines: part
                .baselines
                .iter()
                .map(|(k, v)| (*k, error(v, w)))
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests;

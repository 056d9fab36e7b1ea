//! The product forecast: what seqcast forecasts with, chosen on the validation windows
//! only — the trained model, one of the baselines, or a weighted combination of the
//! model and the best baseline. The test part is scored after the choice and never
//! takes part in it.
//!
//! Candidates are compared by their mean absolute scaled error over the targets (MAE
//! divided by each target's in-sample seasonal-naive MAE, [`super::metrics::mase_scale`]),
//! so targets of different sizes weigh alike.
//!
//! `auto` compares the model with a **reference baseline**: the better of the two that
//! fit nothing (naive, seasonal naive), replaced by drift and then by the linear
//! autoregression only when each is better by more than [`SWITCH_MARGIN`] on validation.
//! It keeps the model unless the reference is better by more than that margin. Validation
//! parts of short series hold a handful of overlapping windows, and a small difference
//! there says little about the future: the same margin that protects the model protects
//! the simpler baseline from a more complex one that fits the validation years by chance
//! (BENCHMARKS.md, "Trust": picking the plain minimum was worse across the suite).
//!
//! The mix of the model and the reference is scored too, but `auto` does not choose it
//! (`ensemble` does): where it won validation by the margin, it won by cancelling the
//! two's opposite errors of level over a year or two of windows, which held on one
//! series and turned on another when the trend came back (AirPassengers: 0.95 → 1.65 of
//! the best baseline); without it `auto` was as often within 1.05× of the best baseline
//! over 25 series and 5 seeds, with a better geometric mean and a much better worst case
//! (BENCHMARKS.md, "The mix leaves auto").
//!
//! On a single validation window (a series so short that one horizon is all validation
//! holds) the margin turns the other way: the model must be better than the baselines'
//! side by [`ONE_WINDOW_MARGIN`] to be used. One origin's errors are too little evidence to
//! prefer the model on a tie; on 101 short cuts of real series this kept the forecast
//! within 1.05× of the best baseline on 69 instead of 57 (BENCHMARKS.md, "The split of
//! short series").
//!
//! When a baseline that fits more is better than the reference on validation, but not by
//! the margin, validation cannot tell the two apart, and `auto`'s baseline side is their
//! even average ([`Source::Pair`]) instead of the reference alone: averaging forecasts
//! that are about as good and err differently is the safer bet (BENCHMARKS.md, "Two
//! baselines too close to call"). The model is kept unless that average is better by
//! the margin; the mix with the model is still formed with the reference.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::baselines::BaselineKind;
use super::metrics::Metrics;
pub use crate::config::ForecastMode;

/// Where the product forecast comes from.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Source {
    /// The trained model.
    Model,
    /// One baseline.
    Baseline {
        /// Which one.
        baseline: BaselineKind,
    },
    /// `model_weight · model + (1 − model_weight) · baseline`.
    Ensemble {
        /// The baseline combined with the model.
        baseline: BaselineKind,
        /// The model's share, in (0, 1).
        model_weight: f64,
    },
    /// The even average of two baselines validation cannot tell apart: the simpler
    /// reference and one that fits more, better on validation but by less than
    /// [`SWITCH_MARGIN`].
    Pair {
        /// The simpler one (the reference).
        simpler: BaselineKind,
        /// The one that fits more.
        fitted: BaselineKind,
    },
}

impl Source {
    /// A short name for tables and CSV cells: `model`, `seasonal_naive`, `ensemble`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Model => "model",
            Self::Baseline { baseline } => baseline.name(),
            Self::Ensemble { .. } => "ensemble",
            Self::Pair { .. } => "baselines",
        }
    }

    /// Whether this source's forecast uses `kind`.
    pub fn uses(&self, kind: BaselineKind) -> bool {
        match *self {
            Self::Model => false,
            Self::Baseline { baseline } | Self::Ensemble { baseline, .. } => baseline == kind,
            Self::Pair { simpler, fitted } => simpler == kind || fitted == kind,
        }
    }

    /// For people: `the LSTM`, `seasonal naive`, `0.6 × the LSTM + 0.4 × seasonal naive`.
    pub fn describe(&self, model: &str) -> String {
        match self {
            Self::Model => format!("the {model}"),
            Self::Baseline { baseline } => baseline_words(*baseline).into(),
            Self::Ensemble {
                baseline,
                model_weight,
            } => format!(
                "{model_weight:.2} × the {model} + {:.2} × {}",
                1.0 - model_weight,
                baseline_words(*baseline)
            ),
            Self::Pair { simpler, fitted } => format!(
                "the average of {} and {}",
                baseline_words(*simpler),
                baseline_words(*fitted)
            ),
        }
    }

    /// The product forecast of this source, per target, from the model's and the
    /// baselines' forecasts of the same windows; `None` when a needed baseline is
    /// missing.
    pub fn combine(
        &self,
        model: &[Vec<f64>],
        baselines: &BTreeMap<BaselineKind, Vec<Vec<f64>>>,
    ) -> Option<Vec<Vec<f64>>> {
        match self {
            Self::Model => Some(model.to_vec()),
            Self::Baseline { baseline } => baselines.get(baseline).cloned(),
            Self::Ensemble {
                baseline,
                model_weight,
            } => {
                let base = baselines.get(baseline)?;
                Some(mix(model, base, *model_weight))
            }
            Self::Pair { simpler, fitted } => {
                Some(mix(baselines.get(simpler)?, baselines.get(fitted)?, 0.5))
            }
        }
    }
}

/// The baseline `mode` forces, if it forces one.
pub fn forced_baseline(mode: ForecastMode) -> Option<BaselineKind> {
    match mode {
        ForecastMode::Naive => Some(BaselineKind::Naive),
        ForecastMode::SeasonalNaive => Some(BaselineKind::SeasonalNaive),
        ForecastMode::Drift => Some(BaselineKind::Drift),
        ForecastMode::Linear => Some(BaselineKind::Linear),
        ForecastMode::Auto | ForecastMode::Model | ForecastMode::Ensemble => None,
    }
}

/// A baseline's name in words: `seasonal naive`.
pub fn baseline_words(kind: BaselineKind) -> &'static str {
    match kind {
        BaselineKind::Naive => "naive (repeat the last value)",
        BaselineKind::SeasonalNaive => "seasonal naive",
        BaselineKind::Drift => "drift",
        BaselineKind::Linear => "linear autoregression",
    }
}

/// One candidate's validation score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The forecast scored.
    pub source: Source,
    /// Mean absolute scaled error over the validation windows (mean over targets).
    pub score: f64,
}

/// The product forecast and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ForecastChoice {
    /// What was asked for.
    pub mode: ForecastMode,
    /// What forecasts use.
    pub chosen: Source,
    /// One sentence for people (the skill banner).
    pub why: String,
    /// Every candidate scored on validation, best first (empty without validation
    /// windows).
    pub candidates: Vec<Candidate>,
    /// The model's validation score.
    pub model_score: Option<f64>,
    /// The best baseline on validation and its score.
    pub best_baseline: Option<(BaselineKind, f64)>,
    /// The baseline `auto` weighs the model against, and its score: the best of the
    /// simplest kind, unless a more complex one is clearly better (module docs).
    /// `None` in reports written before it existed.
    #[serde(default)]
    pub reference: Option<(BaselineKind, f64)>,
    /// How the model is named in `why` (`LSTM`).
    pub model_name: String,
    /// Validation windows the choice was made on (0: none, or a report written before
    /// this was recorded).
    #[serde(default)]
    pub validation_windows: usize,
}

impl ForecastChoice {
    /// The model's skill over the best baseline on validation: `1 − model / baseline`
    /// (0.23 = 23 % lower error; negative when the baseline is better).
    pub fn skill(&self) -> Option<f64> {
        let (_, base) = self.best_baseline?;
        let model = self.model_score?;
        (base > 0.0).then(|| 1.0 - model / base)
    }

    /// Whether the forecasts use something other than the model alone.
    pub fn replaces_model(&self) -> bool {
        self.chosen != Source::Model
    }
}

/// The validation forecasts the choice is made on, per target (row-major
/// `[windows × horizon]`, the user's units).
pub struct ValidationForecasts<'a> {
    /// The actual values.
    pub actual: &'a [Vec<f64>],
    /// The model's forecasts.
    pub model: &'a [Vec<f64>],
    /// Each available baseline's forecasts.
    pub baselines: &'a BTreeMap<BaselineKind, Vec<Vec<f64>>>,
    /// Each target's error scale (MASE denominator); `None` uses 1.
    pub scales: &'a [Option<f64>],
    /// Validation windows (origins) the forecasts come from.
    pub windows: usize,
}

impl ValidationForecasts<'_> {
    /// Mean over targets of MAE / scale; `None` when nothing could be compared.
    pub fn score(&self, forecast: &[Vec<f64>]) -> Option<f64> {
        let mut total = 0.0;
        let mut n = 0usize;
        for (j, actual) in self.actual.iter().enumerate() {
            let predicted = forecast.get(j)?;
            let m = Metrics::compute(actual, predicted, None);
            if m.count == 0 {
                return None;
            }
            let mae = m.mae;
            let scale = self
                .scales
                .get(j)
                .copied()
                .flatten()
                .filter(|s| *s > 0.0 && s.is_finite())
                .unwrap_or(1.0);
            total += mae / scale;
            n += 1;
        }
        (n > 0).then(|| total / n as f64)
    }

    fn score_of(&self, source: Source) -> Option<f64> {
        self.score(&source.combine(self.model, self.baselines)?)
    }
}

/// How much better (relatively) on validation a baseline must be before
/// `auto` forecasts with it instead of the model.
pub const SWITCH_MARGIN: f64 = 0.10;

/// How much better than the baselines' side the model must be on validation for `auto`
/// to keep it when validation holds one window only (a series too short for more): one
/// origin's errors are too little evidence to prefer the model on a tie.
pub const ONE_WINDOW_MARGIN: f64 = 0.10;

/// Model weights tried for the combination: 0.05 … 0.95.
const WEIGHTS: usize = 19;

/// Chooses the product forecast. `val` is `None` without validation windows: then
/// `auto` and `ensemble` keep the model and a forced baseline is used as asked.
pub fn choose(
    mode: ForecastMode,
    val: Option<&ValidationForecasts>,
    model_name: &str,
) -> ForecastChoice {
    let mut candidates = Vec::new();
    let mut model_score = None;
    let mut best_baseline: Option<(BaselineKind, f64)> = None;
    let mut reference = None;
    if let Some(v) = val {
        model_score = v.score_of(Source::Model);
        if let Some(score) = model_score {
            candidates.push(Candidate {
                source: Source::Model,
                score,
            });
        }
        for kind in BaselineKind::ALL {
            let Some(score) = v.score_of(Source::Baseline { baseline: kind }) else {
                continue;
            };
            candidates.push(Candidate {
                source: Source::Baseline { baseline: kind },
                score,
            });
            if best_baseline.is_none_or(|(_, b)| score < b) {
                best_baseline = Some((kind, score));
            }
        }
        reference = reference_of(&candidates);
        if let Some(c) = reference.and_then(|r| pair_with(v, &candidates, r)) {
            candidates.push(c);
        }
        if let (Some(_), Some((baseline, _))) = (model_score, reference)
            && let Some(c) = best_mix(v, baseline)
        {
            candidates.push(c);
        }
    }
    // Stable: a tie keeps the earlier candidate, and the model comes first.
    candidates.sort_by(|a, b| a.score.total_cmp(&b.score));
    let forced = |source: Source| candidates.iter().any(|c| c.source == source);
    let validation_windows = val.map_or(0, |v| v.windows);
    let chosen = match mode {
        ForecastMode::Auto => auto(&candidates, model_score, reference, validation_windows),
        ForecastMode::Model => Source::Model,
        ForecastMode::Ensemble => candidates
            .iter()
            .find(|c| matches!(c.source, Source::Ensemble { .. }))
            .map_or(Source::Model, |c| c.source),
        other => match forced_baseline(other) {
            // Without validation scores the forced baseline is still what was asked.
            Some(baseline) if val.is_none() || forced(Source::Baseline { baseline }) => {
                Source::Baseline { baseline }
            }
            _ => Source::Model,
        },
    };
    let mut choice = ForecastChoice {
        mode,
        chosen,
        why: String::new(),
        candidates,
        model_score,
        best_baseline,
        reference,
        model_name: model_name.to_string(),
        validation_windows,
    };
    choice.why = explain(&choice);
    choice
}

/// How many values a baseline fits: naive and seasonal naive none, drift one slope
/// per window, the linear autoregression a regression per step.
fn complexity(kind: BaselineKind) -> u8 {
    match kind {
        BaselineKind::Naive | BaselineKind::SeasonalNaive => 0,
        BaselineKind::Drift => 1,
        BaselineKind::Linear => 2,
    }
}

/// The reference baseline among the scored `candidates` (see the module docs).
fn reference_of(candidates: &[Candidate]) -> Option<(BaselineKind, f64)> {
    let mut scored: Vec<(BaselineKind, f64)> = candidates
        .iter()
        .filter_map(|c| match c.source {
            Source::Baseline { baseline } => Some((baseline, c.score)),
            _ => None,
        })
        .collect();
    // Simplest first; within a kind of complexity, the lower score (ties: report order).
    scored.sort_by(|a, b| {
        complexity(a.0)
            .cmp(&complexity(b.0))
            .then(a.1.total_cmp(&b.1))
    });
    let mut reference: Option<(BaselineKind, f64)> = None;
    for (kind, score) in scored {
        match reference {
            None => reference = Some((kind, score)),
            Some((held, base))
                if complexity(kind) > complexity(held) && score * (1.0 + SWITCH_MARGIN) < base =>
            {
                reference = Some((kind, score));
            }
            Some(_) => {}
        }
    }
    reference
}

/// `auto`'s rule (see the module docs) on `windows` validation windows.
fn auto(
    candidates: &[Candidate],
    model: Option<f64>,
    reference: Option<(BaselineKind, f64)>,
    windows: usize,
) -> Source {
    let (Some(model), Some((baseline, base))) = (model, reference) else {
        return Source::Model;
    };
    // The baselines' side: the reference, or its even average with a baseline that fits
    // more and is not clearly better.
    let (fallback, fallback_score) = (candidates.iter())
        .find(|c| matches!(c.source, Source::Pair { .. }))
        .map_or((Source::Baseline { baseline }, base), |p| {
            (p.source, p.score)
        });
    let margin = if windows == 1 {
        -ONE_WINDOW_MARGIN
    } else {
        SWITCH_MARGIN
    };
    if model <= (1.0 + margin) * fallback_score {
        Source::Model
    } else {
        fallback
    }
}

/// The even average of the `reference` with the best baseline that fits more and beats
/// it on validation by less than [`SWITCH_MARGIN`] (by more, it would be the reference);
/// `None` when there is no such baseline.
fn pair_with(
    v: &ValidationForecasts,
    candidates: &[Candidate],
    (reference, base): (BaselineKind, f64),
) -> Option<Candidate> {
    let fitted = candidates
        .iter()
        .filter_map(|c| match c.source {
            Source::Baseline { baseline }
                if complexity(baseline) > complexity(reference) && c.score < base =>
            {
                Some((baseline, c.score))
            }
            _ => None,
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))?
        .0;
    let source = Source::Pair {
        simpler: reference,
        fitted,
    };
    v.score_of(source).map(|score| Candidate { source, score })
}

/// The best combination of the model with `baseline` on validation (weights 0.05 …
/// 0.95); `None` when none could be scored.
fn best_mix(v: &ValidationForecasts, baseline: BaselineKind) -> Option<Candidate> {
    (1..=WEIGHTS)
        .filter_map(|i| {
            let source = Source::Ensemble {
                baseline,
                model_weight: i as f64 / (WEIGHTS + 1) as f64,
            };
            v.score_of(source).map(|score| Candidate { source, score })
        })
        .min_by(|a, b| a.score.total_cmp(&b.score))
}

/// `w · a + (1 − w) · b`, target by target.
fn mix(a: &[Vec<f64>], b: &[Vec<f64>], w: f64) -> Vec<Vec<f64>> {
    a.iter()
        .zip(b)
        .map(|(a, b)| {
            a.iter()
                .zip(b)
                .map(|(x, y)| w * x + (1.0 - w) * y)
                .collect()
        })
        .collect()
}

mod explain;
use explain::explain;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

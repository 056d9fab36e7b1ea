//! The doctor's verdict against the baselines: after training, the model's validation
//! forecasts (of the validated model, before any refit, so out of sample) are compared
//! with every baseline's on the same windows. Worse than any of them is an alert that
//! names the best one, by how much, on which horizon steps, with a remedy that fits
//! what that baseline's win says about the data.

use std::collections::BTreeMap;

use crate::eval::baselines::BaselineKind;
use crate::eval::choice::baseline_words;
use crate::eval::metrics::{HorizonMetrics, Metrics};

/// The validation scores the rule reads, and the window geometry its remedies name.
pub struct BaselineCheck<'a> {
    /// The model on the validation windows.
    pub model: &'a HorizonMetrics,
    /// Every available baseline on the same windows.
    pub baselines: &'a BTreeMap<BaselineKind, HorizonMetrics>,
    /// Seasonal period of the data.
    pub season: usize,
    /// The run's lookback.
    pub lookback: usize,
    /// Whether the targets are differenced already.
    pub diff: bool,
    /// Whether the linear skip could still start from seasonal naive (the skip is on and
    /// starts elsewhere).
    pub seasonal_start_unused: bool,
    /// What the product forecast uses instead of the model, in words
    /// (`seasonal naive`); `None` when it uses the model.
    pub forecast_uses: Option<String>,
    /// A short series forecast directly that could be forecast recursively (every
    /// covariate known ahead): on short seasonal series the recursive model beat the
    /// direct one on most of the suite (BENCHMARKS.md, "Strategies").
    pub recursive_untried: bool,
}

/// Errors within this share of each other are a tie, not a loss (0.5 %).
const TIE: f64 = 0.005;

impl BaselineCheck<'_> {
    /// The best baseline and its error, when any baseline was scored.
    pub fn best(&self) -> Option<(BaselineKind, &HorizonMetrics)> {
        self.baselines
            .iter()
            .filter(|(_, m)| m.overall.count > 0)
            .min_by(|a, b| {
                a.1.overall
                    .mase_or_mae()
                    .total_cmp(&b.1.overall.mase_or_mae())
            })
            .map(|(k, m)| (*k, m))
    }

    /// `Some((message, remedy))` when the model is worse than the best baseline.
    pub fn verdict(&self) -> Option<(String, String)> {
        if self.model.overall.count == 0 {
            return None;
        }
        let (kind, best) = self.best()?;
        let (model, base) = (self.model.overall.mase_or_mae(), best.overall.mase_or_mae());
        if model <= base * (1.0 + TIE) {
            return None;
        }
        let metric = if self.model.overall.mase.is_some() {
            "MASE"
        } else {
            "MAE"
        };
        let words = baseline_words(kind);
        let steps = worse_steps(&self.model.per_step, &best.per_step);
        let ratio = if base > 0.0 {
            format!("{:.2}× its error", model / base)
        } else {
            "it forecasts the validation windows exactly".into()
        };
        let message = format!(
            "validation {metric} {model:.3} is worse than {words}'s {base:.3} ({ratio}){steps}"
        );
        Some((message, self.remedy(kind)))
    }

    fn remedy(&self, kind: BaselineKind) -> String {
        let seasons = 2 * self.season;
        let fallback = match &self.forecast_uses {
            Some(uses) => format!(
                "Meanwhile the product forecast uses {uses} (chosen on validation), so exports \
                 stay at least as good."
            ),
            None => format!(
                "The product forecast still uses the model; --forecast {} uses {} instead.",
                kind.name(),
                baseline_words(kind)
            ),
        };
        let advice = match kind {
            BaselineKind::SeasonalNaive if self.season > 1 && self.lookback < seasons => format!(
                "The series repeats every {} steps and the window does not hold two seasons: \
                 look back at least two seasons (lookback {seasons}).",
                self.season
            ),
            BaselineKind::SeasonalNaive if self.season > 1 && self.seasonal_start_unused => {
                format!(
                    "The window holds the season ({} steps) but the model does not use it \
                     yet: start the linear skip from seasonal naive (skip starts as seasonal \
                     naive), so training corrects seasonal naive instead of learning the \
                     season from scratch.",
                    self.season
                )
            }
            BaselineKind::SeasonalNaive if self.recursive_untried => format!(
                "The window holds the season ({} steps) but the model does not use it yet: \
                 on a short series, forecast recursively (strategy recursive: a one-step \
                 model rolled over the horizon learns from every window), or train longer \
                 (more epochs, patience 20) or use a smaller model (hidden 32, one layer).",
                self.season
            ),
            BaselineKind::SeasonalNaive => format!(
                "The window holds the season ({} steps) but the model does not use it yet: \
                 train longer (more epochs, patience 20) or use a smaller model (hidden 32, \
                 one layer) on a short series.",
                self.season
            ),
            BaselineKind::Naive | BaselineKind::Drift if !self.diff => {
                "The series moves like a random walk or a trend the model does not follow: \
                 forecast differences (differencing on)."
                    .into()
            }
            BaselineKind::Naive | BaselineKind::Drift => {
                "The series moves like a random walk: little is predictable beyond the last \
                 value; a smaller model (hidden 32, one layer) overfits less."
                    .into()
            }
            BaselineKind::Linear => {
                "A linear map of the window beats the network: use a smaller model (hidden \
                 32, one layer) with weight decay, or train longer."
                    .into()
            }
        };
        format!("{advice} {fallback}")
    }
}

/// ` on horizon steps 1–3, 7` (1-based), ` on every horizon step`, or nothing when no
/// step-by-step scores exist.
fn worse_steps(model: &[Metrics], base: &[Metrics]) -> String {
    let worse: Vec<usize> = model
        .iter()
        .zip(base)
        .enumerate()
        .filter(|(_, (m, b))| m.count > 0 && m.mae > b.mae * (1.0 + TIE))
        .map(|(i, _)| i + 1)
        .collect();
    if worse.is_empty() || model.len() != base.len() {
        return String::new();
    }
    if worse.len() == model.len() {
        return " on every horizon step".into();
    }
    let mut ranges: Vec<String> = Vec::new();
    let mut start = worse[0];
    let mut prev = start;
    for &s in worse.iter().skip(1).chain(std::iter::once(&usize::MAX)) {
        if s != prev + 1 {
            ranges.push(if start == prev {
                start.to_string()
            } else {
                format!("{start}–{prev}")
            });
            start = s;
        }
        prev = s;
    }
    let word = if worse.len() == 1 { "step" } else { "steps" };
    format!(" on horizon {word} {}", ranges.join(", "))
}

/// The lookback a worse-than-seasonal-naive remedy asks for (`lookback N`), if it asks.
pub fn lookback_hint(remedy: &str) -> Option<usize> {
    let (_, rest) = remedy.split_once("(lookback ")?;
    rest.split(')').next()?.parse().ok()
}

/// A check of `model` against `baselines` with plain settings (no season, lookback 8,
/// nothing else to try), for the tests to change what they need.
#[cfg(test)]
pub(crate) fn plain_check<'a>(
    model: &'a HorizonMetrics,
    baselines: &'a BTreeMap<BaselineKind, HorizonMetrics>,
) -> BaselineCheck<'a> {
    BaselineCheck {
        model,
        baselines,
        season: 1,
        lookback: 8,
        diff: false,
        seasonal_start_unused: false,
        forecast_uses: None,
        recursive_untried: false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn metrics(mae: f64, mase: Option<f64>) -> Metrics {
        Metrics {
            mae,
            mase,
            count: 4,
            ..Metrics::default()
        }
    }

    fn horizon(per_step: &[f64], scale: f64) -> HorizonMetrics {
        let mean = per_step.iter().sum::<f64>() / per_step.len() as f64;
        HorizonMetrics {
            overall: metrics(mean, Some(mean / scale)),
            per_step: per_step
                .iter()
                .map(|m| metrics(*m, Some(m / scale)))
                .collect(),
        }
    }

    #[test]
    fn losing_to_seasonal_naive_names_it_the_steps_and_two_seasons() {
        let model = horizon(&[1.0, 3.0, 3.0, 1.0], 2.0); // MASE 1.0
        let baselines = BTreeMap::from([
            (BaselineKind::Naive, horizon(&[4.0, 4.0, 4.0, 4.0], 2.0)),
            (
                BaselineKind::SeasonalNaive,
                horizon(&[1.0, 1.0, 1.0, 1.0], 2.0),
            ),
        ]);
        let check = BaselineCheck {
            season: 12,
            lookback: 12,
            seasonal_start_unused: true,
            forecast_uses: Some("seasonal naive".into()),
            ..plain_check(&model, &baselines)
        };
        let (message, remedy) = check.verdict().unwrap();
        assert_eq!(
            message,
            "validation MASE 1.000 is worse than seasonal naive's 0.500 (2.00× its error) on horizon steps 2–3"
        );
        assert!(remedy.contains("(lookback 24)"), "{remedy}");
        assert_eq!(lookback_hint(&remedy), Some(24));
        assert!(
            remedy.ends_with(
                "Meanwhile the product forecast uses seasonal naive (chosen on validation), so \
                 exports stay at least as good."
            ),
            "{remedy}"
        );
        // When the forecasts keep the model, the remedy says so and names the switch.
        let kept = BaselineCheck {
            forecast_uses: None,
            ..check
        };
        let (_, remedy) = kept.verdict().unwrap();
        assert!(
            remedy.ends_with(
                "The product forecast still uses the model; --forecast seasonal_naive uses \
                 seasonal naive instead."
            ),
            "{remedy}"
        );
    }

    #[test]
    fn beating_or_tying_every_baseline_raises_nothing() {
        let model = horizon(&[1.0, 1.0], 1.0);
        let tie = horizon(&[1.004, 1.004], 1.0);
        let baselines = BTreeMap::from([(BaselineKind::Linear, tie)]);
        let check = BaselineCheck {
            seasonal_start_unused: true,
            ..plain_check(&model, &baselines)
        };
        assert!(check.verdict().is_none());
        let empty = BTreeMap::new();
        assert!(
            BaselineCheck {
                baselines: &empty,
                ..check
            }
            .verdict()
            .is_none()
        );
    }

    #[test]
    fn a_short_series_losing_to_seasonal_naive_is_told_to_forecast_recursively() {
        let model = horizon(&[1.0, 1.0], 1.0);
        let baselines = BTreeMap::from([(BaselineKind::SeasonalNaive, horizon(&[0.5, 0.5], 1.0))]);
        let check = BaselineCheck {
            season: 4,
            recursive_untried: true,
            ..plain_check(&model, &baselines)
        };
        let (_, remedy) = check.verdict().unwrap();
        assert!(
            remedy.contains("forecast recursively (strategy recursive"),
            "{remedy}"
        );
        // Already recursive (or a long series): the other advice only.
        let tried = BaselineCheck {
            recursive_untried: false,
            ..check
        };
        let (_, remedy) = tried.verdict().unwrap();
        assert!(!remedy.contains("recursive"), "{remedy}");
    }

    #[test]
    fn an_exact_baseline_is_named_without_a_ratio() {
        let model = horizon(&[0.2, 0.3], 1.0);
        let exact = horizon(&[0.0, 0.0], 1.0);
        let baselines = BTreeMap::from([(BaselineKind::SeasonalNaive, exact)]);
        let check = BaselineCheck {
            season: 2,
            ..plain_check(&model, &baselines)
        };
        let (message, _) = check.verdict().unwrap();
        assert!(
            message.contains("(it forecasts the validation windows exactly)"),
            "{message}"
        );
    }

    #[test]
    fn steps_are_listed_as_ranges() {
        let m = |v: &[f64]| v.iter().map(|x| metrics(*x, None)).collect::<Vec<_>>();
        assert_eq!(
            worse_steps(&m(&[2.0, 2.0, 0.0, 2.0, 0.0, 2.0, 2.0]), &m(&[1.0; 7])),
            " on horizon steps 1–2, 4, 6–7"
        );
        assert_eq!(
            worse_steps(&m(&[2.0, 2.0]), &m(&[1.0; 2])),
            " on every horizon step"
        );
        assert_eq!(
            worse_steps(&m(&[2.0, 0.0]), &m(&[1.0; 2])),
            " on horizon step 1"
        );
        assert_eq!(worse_steps(&m(&[0.0, 0.0]), &m(&[1.0; 2])), "");
    }
}

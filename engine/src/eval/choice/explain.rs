//! The skill banner: one sentence on how the model compares with the baselines on
//! validation, and what the forecasts use.

use super::{
    ForecastChoice, ForecastMode, ONE_WINDOW_MARGIN, SWITCH_MARGIN, Source, baseline_words,
};

/// Relative difference of validation scores that reads as a tie.
const TIE: f64 = 0.005;

/// The skill banner's sentence.
pub(super) fn explain(c: &ForecastChoice) -> String {
    let model = &c.model_name;
    let score_of = |source: Source| {
        c.candidates
            .iter()
            .find(|x| x.source == source)
            .map(|x| x.score)
    };
    let forced = !matches!(c.mode, ForecastMode::Auto);
    let Some((base_kind, base)) = c.best_baseline else {
        return match c.chosen {
            Source::Model => format!(
                "No validation windows to judge the {model} against the baselines; forecasts use the {model}."
            ),
            other => format!(
                "Forecasts use {} as asked (--forecast {}); there are no validation windows to judge it.",
                other.describe(model),
                c.mode.name()
            ),
        };
    };
    let base_words = baseline_words(base_kind);
    let Some(model_score) = c.model_score else {
        return format!(
            "The {model}'s validation forecasts could not be scored (no finite values); \
             forecasts use {}.",
            c.chosen.describe(model)
        );
    };
    let versus = format!("validation MASE {model_score:.3} against {base_words}'s {base:.3}");
    // Within half a per cent either way (a start kept at the baseline it began as) is a tie.
    let tie = (model_score - base).abs() <= TIE * base;
    let verdict = if tie {
        format!("The {model} ties with {base_words} on validation ({versus})")
    } else if model_score < base {
        format!(
            "The {model} beats {base_words}, the best baseline, by {:.0}% on validation ({versus})",
            100.0 * (1.0 - model_score / base)
        )
    } else {
        format!(
            "{} is better than the {model} on this series ({versus}, {:.0}% lower error)",
            capitalise(base_words),
            100.0 * (1.0 - base / model_score)
        )
    };
    // The model led on the only validation window, but not by enough to be trusted.
    if !forced
        && c.validation_windows == 1
        && c.chosen != Source::Model
        && let Some(s) = score_of(c.chosen)
        && model_score <= s * (1.0 + TIE)
    {
        return format!(
            "{verdict}; forecasts use {} (validation MASE {s:.3}) all the same: validation \
             holds one window only, too little evidence to trust the {model} over the \
             baselines unless it is at least {:.0}% better.",
            c.chosen.describe(model),
            100.0 * ONE_WINDOW_MARGIN
        );
    }
    let uses = match c.chosen {
        Source::Model if c.mode == ForecastMode::Model => {
            format!("forecasts use the {model}, as asked (--forecast model)")
        }
        Source::Model if forced => format!(
            "forecasts use the {model}: what --forecast {} asks for could not be scored",
            c.mode.name()
        ),
        Source::Model if model_score > base => match c.reference {
            Some((r, r_score)) if r != base_kind => format!(
                "forecasts still use the {model}: it is within {:.0}% of {} (validation MASE \
                 {r_score:.3}), and {base_words} is not clearly better than that simpler baseline",
                100.0 * SWITCH_MARGIN,
                baseline_words(r)
            ),
            _ => format!(
                "forecasts still use the {model}: a difference under {:.0}% on validation is not \
                 clear enough to switch",
                100.0 * SWITCH_MARGIN
            ),
        },
        Source::Model => format!("forecasts use the {model}"),
        Source::Baseline { .. } if forced => {
            format!(
                "forecasts use {}, as asked (--forecast {})",
                c.chosen.describe(model),
                c.mode.name()
            )
        }
        Source::Baseline { baseline } if baseline == base_kind => {
            "forecasts use it — see why in Diagnostics".into()
        }
        Source::Baseline { baseline } => match score_of(c.chosen) {
            Some(score) if score > base => format!(
                "forecasts use {} (validation MASE {score:.3}), the simpler baseline: {base_words} \
                 is only {:.0}% better, not clearly enough to prefer a baseline that fits more \
                 — see why in Diagnostics",
                baseline_words(baseline),
                100.0 * (1.0 - base / score)
            ),
            _ => format!(
                "forecasts use {} — see why in Diagnostics",
                c.chosen.describe(model)
            ),
        },
        // Only `--forecast ensemble` chooses the mix.
        Source::Ensemble { .. } => match score_of(c.chosen) {
            Some(score) => format!(
                "forecasts use {} (validation MASE {score:.3}), as asked (--forecast ensemble)",
                c.chosen.describe(model)
            ),
            None => format!(
                "forecasts use {}, as asked (--forecast ensemble)",
                c.chosen.describe(model)
            ),
        },
        Source::Pair { simpler, fitted } => {
            let of = |b| score_of(Source::Baseline { baseline: b });
            let gap = match (of(simpler), of(fitted)) {
                (Some(s), Some(f)) if s > 0.0 => {
                    format!(" is only {:.0}% better than", 100.0 * (1.0 - f / s))
                }
                _ => " is not clearly better than".into(),
            };
            format!(
                "forecasts use {}{}: {}{gap} {} on validation, too little to choose between a \
                 simpler baseline and one that fits more — see why in Diagnostics",
                c.chosen.describe(model),
                score_of(c.chosen).map_or(String::new(), |s| format!(" (validation MASE {s:.3})")),
                baseline_words(fitted),
                baseline_words(simpler),
            )
        }
    };
    format!("{verdict}; {uses}.")
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or(String::new(), |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

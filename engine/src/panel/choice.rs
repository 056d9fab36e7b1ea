//! What each series of a panel is forecast with: the global model, unless one of the
//! baselines is clearly better on that series' own validation windows. The same "10 %
//! better" margin protects the model as in one series' `--forecast auto` rule; the test
//! part is scored after the choice and never read by it.

use std::collections::BTreeMap;

use super::score::{PanelScores, Scores};

/// A baseline replaces the model on a series only when its validation MASE is below this
/// share of the model's.
pub const MARGIN: f64 = 0.9;

/// The forecast source of every series with validation windows, by id: `model` or a
/// baseline's name ([`super::score::BASELINES`]).
pub fn choose(val: &PanelScores) -> BTreeMap<String, String> {
    val.per_series
        .iter()
        .map(|s| {
            let source = match s.best_baseline() {
                Some((name, b)) if beats(b, &s.model) => name.to_string(),
                _ => "model".to_string(),
            };
            (s.id.clone(), source)
        })
        .collect()
}

fn beats(baseline: &Scores, model: &Scores) -> bool {
    baseline.mase.is_finite() && (!model.mase.is_finite() || baseline.mase < MARGIN * model.mase)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::panel::score::SeriesScores;

    #[test]
    fn a_baseline_replaces_the_model_only_when_ten_percent_better() {
        let sc = |mase: f64| Scores {
            smape: mase,
            mase,
            mae: mase,
        };
        let series = |id: &str, model: f64, snaive: f64| SeriesScores {
            id: id.into(),
            rows: 10,
            windows: 1,
            model: sc(model),
            baselines: BTreeMap::from([("seasonal_naive".to_string(), sc(snaive))]),
            attributes: BTreeMap::new(),
            forecast: None,
        };
        let val = PanelScores {
            per_series: vec![
                series("clear", 1.0, 0.5),
                series("close", 1.0, 0.95),
                series("model", 0.5, 1.0),
            ],
            aggregate: BTreeMap::new(),
        };
        let c = choose(&val);
        assert_eq!(c["clear"], "seasonal_naive");
        assert_eq!(c["close"], "model", "5 % better is not clearly better");
        assert_eq!(c["model"], "model");
    }
}

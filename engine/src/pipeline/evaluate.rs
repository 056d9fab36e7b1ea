//! Scores a trained model and every baseline on the very same windows, in the user's
//! units and on the normalised scale.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::prepare::Prepared;
use crate::config::MetricsScale;
use crate::error::Result;
use crate::eval::baselines::{self, BaselineKind, LinearAr};
use crate::eval::metrics::{HorizonMetrics, Metrics, mase_scale, mean_of};
use crate::model::Forecaster;
use crate::train::predict_windows_all;

/// Forecasts for one part (validation or test), in the user's units.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartForecast {
    /// Window origins (index of the last input row).
    pub origins: Vec<usize>,
    /// Per target, row-major `[windows × horizon]`.
    pub actual: Vec<Vec<f64>>,
    /// Per target, the model's forecasts.
    pub model: Vec<Vec<f64>>,
    /// Per baseline, per target.
    pub baselines: BTreeMap<BaselineKind, Vec<Vec<f64>>>,
    /// Per target, the product forecast (what `eval.forecast` chose: the model, a
    /// baseline or their combination); empty until the choice is applied.
    #[serde(default)]
    pub product: Vec<Vec<f64>>,
    /// A quantile model's forecasts: per level (increasing), per target, row-major
    /// `[windows × horizon]` (`None` for a point model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantiles: Option<super::quantiles::QuantileForecasts>,
}

/// Metrics of the model and the baselines for one part and one scale.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ScoreTable {
    /// The model, averaged over targets (overall and per horizon step).
    pub model: HorizonMetrics,
    /// Each available baseline, the same way.
    pub baselines: BTreeMap<BaselineKind, HorizonMetrics>,
    /// The product forecast, the same way (absent before the choice is applied).
    #[serde(default)]
    pub product: Option<HorizonMetrics>,
    /// Per target (only filled when there are several).
    pub per_target: Vec<TargetScores>,
}

/// One target's overall metrics.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TargetScores {
    /// Column name.
    pub target: String,
    /// The model.
    pub model: Metrics,
    /// The baselines.
    pub baselines: BTreeMap<BaselineKind, Metrics>,
}

/// A part scored on both scales.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PartScores {
    /// In the user's units.
    pub original: ScoreTable,
    /// After each target's training-fitted scaler.
    pub normalised: ScoreTable,
}

impl PartScores {
    /// The table in the requested units.
    pub fn in_scale(&self, scale: MetricsScale) -> &ScoreTable {
        match scale {
            MetricsScale::Original => &self.original,
            MetricsScale::Normalised => &self.normalised,
        }
    }
}

/// Baselines fitted once per target and reused for every part.
pub struct BaselineSet {
    linear: Vec<Option<LinearAr>>,
    /// Baselines that could not be computed, with the reason.
    pub unavailable: Vec<(BaselineKind, String)>,
}

impl BaselineSet {
    /// No fitted baselines (a saved model has no training windows to fit them on).
    pub fn none() -> Self {
        Self {
            linear: Vec::new(),
            unavailable: Vec::new(),
        }
    }

    /// Baselines with linear autoregressions fitted earlier (a saved model's).
    pub fn with_linear(linear: Vec<Option<LinearAr>>) -> Self {
        Self {
            linear,
            unavailable: Vec::new(),
        }
    }

    /// The fitted linear autoregressions, per target.
    pub fn linear(&self) -> &[Option<LinearAr>] {
        &self.linear
    }

    /// Fits what needs fitting (the linear AR model) on the training windows.
    pub fn fit(prepared: &Prepared) -> Self {
        Self::fit_on(prepared, &prepared.train)
    }

    /// Fits what needs fitting on the windows at `origins` (a backtest's retraining).
    pub fn fit_on(prepared: &Prepared, origins: &[usize]) -> Self {
        let mut unavailable = Vec::new();
        let linear = prepared
            .series
            .targets()
            .iter()
            .map(|column| {
                match LinearAr::fit(
                    &column.values,
                    origins,
                    prepared.spec.lookback,
                    prepared.spec.horizon,
                ) {
                    Ok(model) => Some(model),
                    Err(e) => {
                        unavailable.push((BaselineKind::Linear, format!("{}: {e}", column.name)));
                        None
                    }
                }
            })
            .collect();
        Self {
            linear,
            unavailable,
        }
    }
}

/// Forecasts of the model and the baselines for `origins`.
pub fn forecast_part(
    prepared: &Prepared,
    model: &Forecaster,
    baselines: &BaselineSet,
    origins: &[usize],
) -> Result<PartForecast> {
    // One forward pass for the point forecasts and a quantile model's levels.
    let outputs = predict_windows_all(model, &prepared.train_data(), origins)?;
    let model_values = prepared.invert(origins, &outputs.point);
    let by_kind = baseline_forecasts(prepared, baselines, origins);
    Ok(PartForecast {
        origins: origins.to_vec(),
        actual: (0..prepared.targets())
            .map(|j| prepared.actuals(j, origins))
            .collect(),
        model: model_values,
        baselines: by_kind,
        product: Vec::new(),
        quantiles: super::quantiles::invert(prepared, origins, &outputs.quantiles),
    })
}

/// Every available baseline's forecasts for `origins`, per target, in the user's units
/// (origins past the end of the data included: only their inputs must exist).
pub fn baseline_forecasts(
    prepared: &Prepared,
    baselines: &BaselineSet,
    origins: &[usize],
) -> BTreeMap<BaselineKind, Vec<Vec<f64>>> {
    let (lookback, horizon) = (prepared.spec.lookback, prepared.spec.horizon);
    let mut by_kind: BTreeMap<BaselineKind, Vec<Vec<f64>>> = BTreeMap::new();
    for kind in BaselineKind::ALL {
        let mut per_target = Vec::new();
        for (j, column) in prepared.series.targets().iter().enumerate() {
            let values = &column.values;
            let forecast = match kind {
                BaselineKind::Naive => baselines::naive(values, origins, horizon),
                BaselineKind::SeasonalNaive => {
                    baselines::seasonal_naive(values, origins, horizon, prepared.season)
                }
                BaselineKind::Drift => baselines::drift(values, origins, horizon, lookback),
                BaselineKind::Linear => match baselines.linear.get(j).and_then(Option::as_ref) {
                    Some(m) => m.predict(values, origins),
                    // Not fitted: the reason is already in `BaselineSet::unavailable`.
                    None => break,
                },
            };
            // Baselines return nothing for windows they cannot serve; origins come from
            // the same series so this does not happen, but if it ever did the baseline is
            // left out rather than reported with made-up numbers.
            if forecast.len() != origins.len() * horizon {
                break;
            }
            per_target.push(forecast);
        }
        if per_target.len() == prepared.targets() {
            by_kind.insert(kind, per_target);
        }
    }
    by_kind
}

/// Scores a part's forecasts on both scales.
pub fn score_part(prepared: &Prepared, forecast: &PartForecast) -> PartScores {
    PartScores {
        original: score_table(prepared, forecast, false),
        normalised: score_table(prepared, forecast, true),
    }
}

fn score_table(prepared: &Prepared, forecast: &PartForecast, normalised: bool) -> ScoreTable {
    let horizon = prepared.spec.horizon;
    let targets = prepared.series.targets();
    // The series values in the requested scale, per target.
    let scaled = |j: usize, values: &[f64]| -> Vec<f64> {
        match (normalised, prepared.scaling.levels.get(j)) {
            (true, Some(s)) => values.iter().map(|v| s.transform(*v)).collect(),
            _ => values.to_vec(),
        }
    };
    let mut model_per_target = Vec::new();
    let mut product_per_target = Vec::new();
    let mut baseline_per_target: BTreeMap<BaselineKind, Vec<HorizonMetrics>> = BTreeMap::new();
    let mut per_target = Vec::new();
    for (j, column) in targets.iter().enumerate() {
        let train_values = column
            .values
            .get(prepared.split.train.clone())
            .unwrap_or(&[]);
        let scale = mase_scale(&scaled(j, train_values), prepared.season);
        let actual = scaled(j, forecast.actual.get(j).map_or(&[][..], |v| v));
        let model_pred = scaled(j, forecast.model.get(j).map_or(&[][..], |v| v));
        let model = HorizonMetrics::compute(&actual, &model_pred, horizon, scale);
        let mut scores = TargetScores {
            target: column.name.clone(),
            model: model.overall.clone(),
            baselines: BTreeMap::new(),
        };
        for (kind, preds) in &forecast.baselines {
            let pred = scaled(j, preds.get(j).map_or(&[][..], |v| v));
            let m = HorizonMetrics::compute(&actual, &pred, horizon, scale);
            scores.baselines.insert(*kind, m.overall.clone());
            baseline_per_target.entry(*kind).or_default().push(m);
        }
        if let Some(product) = forecast.product.get(j) {
            let pred = scaled(j, product);
            product_per_target.push(HorizonMetrics::compute(&actual, &pred, horizon, scale));
        }
        model_per_target.push(model);
        per_target.push(scores);
    }
    ScoreTable {
        model: average(&model_per_target),
        baselines: baseline_per_target
            .into_iter()
            .map(|(k, v)| (k, average(&v)))
            .collect(),
        product: (!product_per_target.is_empty()).then(|| average(&product_per_target)),
        per_target: if targets.len() > 1 {
            per_target
        } else {
            Vec::new()
        },
    }
}

/// Averages several targets' horizon metrics, overall and step by step.
fn average(items: &[HorizonMetrics]) -> HorizonMetrics {
    if let [single] = items {
        return single.clone();
    }
    let overall: Vec<Metrics> = items.iter().map(|m| m.overall.clone()).collect();
    let steps = items.first().map_or(0, |m| m.per_step.len());
    let per_step = (0..steps)
        .map(|k| {
            let at_k: Vec<Metrics> = items
                .iter()
                .filter_map(|m| m.per_step.get(k).cloned())
                .collect();
            mean_of(&at_k)
        })
        .collect();
    HorizonMetrics {
        overall: mean_of(&overall),
        per_step,
    }
}

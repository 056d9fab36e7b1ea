//! The forecast past the end of the data: the model's, from the last `lookback` rows
//! (and the values known in advance over the horizon), with the steps' labels.

use serde::{Deserialize, Serialize};

use super::Prepared;
use super::quantiles;
use crate::error::Result;
use crate::model::Forecaster;
use crate::train;

/// The forecast past the end of the data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FutureForecast {
    /// Label of the last observed row (the origin).
    pub origin: String,
    /// Labels of the forecast steps (timestamps, or row numbers without a time column).
    pub labels: Vec<String>,
    /// Per target, `horizon` values in the user's units: the product forecast.
    pub values: Vec<Vec<f64>>,
    /// Per target, the model's own forecast (the same as `values` when the model is the
    /// product forecast).
    #[serde(default)]
    pub model: Vec<Vec<f64>>,
    /// A quantile model's forecasts: per level, per target, `horizon` values (`None`
    /// for a point model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantiles: Option<quantiles::QuantileForecasts>,
    /// A seq2seq model with attention: how much each forecast step read each lookback
    /// step the recurrent layers see (`horizon` rows of weights summing to 1, oldest
    /// step first; the last row of the series is the last column).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attention: Option<Vec<Vec<f64>>>,
}

/// Forecasts the `horizon` steps after the last row, from the last `lookback` rows.
pub fn forecast_future(prepared: &Prepared, model: &Forecaster) -> Result<FutureForecast> {
    prepared.check_future()?;
    let series = &prepared.series;
    let last = series.len().saturating_sub(1);
    let origins = [last];
    let outputs = train::predict_windows_all(model, &prepared.train_data(), &origins)?;
    let origin = series.time_label(last);
    let horizon = prepared.spec.horizon;
    // Without a known frequency there are no future timestamps: label steps relative
    // to the origin instead of inventing dates.
    let labels = series
        .future_labels(horizon)
        .unwrap_or_else(|_| (1..=horizon).map(|k| format!("{origin} +{k}")).collect());
    let values = prepared.invert(&origins, &outputs.point);
    let attention = train::attention_maps(model, &prepared.train_data(), &origins)?
        .and_then(|maps| maps.into_iter().next());
    Ok(FutureForecast {
        attention,
        origin,
        labels,
        model: values.clone(),
        values,
        quantiles: quantiles::invert(prepared, &origins, &outputs.quantiles),
    })
}

/// Test windows whose attention a run keeps at most (evenly spaced, the last included).
pub const ATTENTION_WINDOWS: usize = 24;

/// One forecast's attention: how much each of its steps read each lookback step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttentionMap {
    /// Label of the window's last observed row (the forecast's origin).
    pub origin: String,
    /// `horizon` rows of weights over the lookback steps the recurrent layers read,
    /// oldest first, each summing to 1.
    pub weights: Vec<Vec<f64>>,
}

/// A seq2seq model's attention for up to [`ATTENTION_WINDOWS`] of the test windows at
/// `origins` (evenly spaced, the last included); empty without attention.
pub fn test_attention(
    prepared: &Prepared,
    model: &Forecaster,
    origins: &[usize],
) -> Result<Vec<AttentionMap>> {
    if model.attn.is_none() || origins.is_empty() {
        return Ok(Vec::new());
    }
    let n = origins.len();
    let keep = n.min(ATTENTION_WINDOWS);
    // keep ≥ 1 here: k·(n−1)/(keep−1) spreads them from the first to the last.
    let chosen: Vec<usize> = (0..keep)
        .filter_map(|k| {
            let i = if keep == 1 {
                n - 1
            } else {
                k * (n - 1) / (keep - 1)
            };
            origins.get(i).copied()
        })
        .collect();
    let maps = train::attention_maps(model, &prepared.train_data(), &chosen)?.unwrap_or_default();
    Ok(chosen
        .iter()
        .zip(maps)
        .map(|(&o, weights)| AttentionMap {
            origin: prepared.series.time_label(o),
            weights,
        })
        .collect())
}

//! The report's `backtest` block: the settings, the overall scores of the product
//! forecast, the model and every baseline over the backtest origins (with the
//! intervals' coverage there), each retraining, and each origin's error.

use serde_json::{Map, Value, json};

use crate::config::MetricsScale;
use crate::pipeline::backtest::Backtest;

/// `{"every", "refit", "origins", "from", "to", "secs", "cancelled", "forecast": {…},
/// "model": {…}, "baselines": {"naive": {…}, …}, "refits": […], "per_origin": [{"origin",
/// "forecast": {mae, mase}, "model": {…}, "baselines": {…}}]}`; interval scores sit
/// under each forecaster as `intervals`.
pub fn report(bt: &Backtest, scale: MetricsScale) -> Value {
    let table = bt.scores.in_scale(scale);
    let with_intervals = |metrics: Value, name: &str| {
        let mut metrics = metrics;
        if let (Some(map), Some(scores)) = (metrics.as_object_mut(), bt.intervals.get(name)) {
            map.insert("intervals".into(), json!(scores));
        }
        metrics
    };
    let baselines: Map<String, Value> = table
        .baselines
        .iter()
        .map(|(k, m)| {
            (
                k.name().to_string(),
                with_intervals(json!(m.overall), k.name()),
            )
        })
        .collect();
    let per_origin: Vec<Value> = bt
        .per_origin
        .iter()
        .map(|o| {
            json!({
                "origin": o.label,
                "forecast": o.forecast,
                "model": o.model,
                "baselines": o.baselines.iter().map(|(k, e)| (k.name().to_string(), json!(e))).collect::<Map<_, _>>(),
            })
        })
        .collect();
    json!({
        "every": bt.every,
        "refit": bt.refit,
        "origins": bt.per_origin.len(),
        "from": bt.per_origin.first().map(|o| o.label.clone()),
        "to": bt.per_origin.last().map(|o| o.label.clone()),
        "secs": bt.secs,
        "cancelled": bt.cancelled,
        "forecast": table.product.as_ref().map(|m| with_intervals(json!(m.overall), crate::pipeline::intervals::PRODUCT)),
        "model": with_intervals(json!(table.model.overall), "model"),
        "baselines": baselines,
        "refits": bt.refits,
        "per_origin": per_origin,
    })
}

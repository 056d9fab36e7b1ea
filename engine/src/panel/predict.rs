//! A model trained on many series, applied to a table of series later: what it needs
//! besides its weights ([`PanelSpec`]: the layout, each series' scalers, the attributes'
//! encoding) and the forecast of every series' next `horizon` steps from its last window.

use serde::{Deserialize, Serialize};

use super::attributes::Encoding;
use super::layout::Layout;
use super::prepare::PanelPrepared;
use super::{Panel, PanelSeries};
use crate::config::RunConfig;
use crate::data::scale::Scaler;
use crate::error::{EngineError, Result};
use crate::model::Forecaster;
use crate::train::{TrainData, predict_windows};

/// One trained series' scalers, fitted on its training rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeriesScaling {
    /// The series' id.
    pub id: String,
    /// Its values' scaler (after the log, when the model takes one).
    pub value: Scaler,
    /// Its covariates' scalers, in [`PanelSpec::covariates`] order.
    pub covariates: Vec<Scaler>,
    /// The baseline its forecasts use instead of the model (chosen on validation), with
    /// the linear AR's coefficients when that is the one; absent: the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<ChosenBaseline>,
}

/// A baseline a series is forecast with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChosenBaseline {
    /// Its name ([`super::score::BASELINES`]).
    pub name: String,
    /// The linear AR fitted on the series' training windows (`name` = `linear`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linear: Option<crate::eval::baselines::LinearAr>,
}

/// What a model over many series needs to forecast series again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PanelSpec {
    /// How the table holds its series (set by whoever read the table).
    pub layout: Option<Layout>,
    /// Covariate columns, in model order after the value.
    pub covariates: Vec<String>,
    /// The static attributes' encoding, fitted when training.
    pub encoding: Encoding,
    /// The trained series' scalers.
    pub series: Vec<SeriesScaling>,
    /// Seasonal period (seasonal naive and Naive2 for the series that use them).
    #[serde(default = "one")]
    pub season: usize,
}

fn one() -> usize {
    1
}

impl PanelSpec {
    /// The spec of a prepared panel (its layout unset).
    pub fn of(prepared: &PanelPrepared) -> Self {
        Self {
            layout: None,
            covariates: prepared.panel.covariates.clone(),
            encoding: prepared.encoding.clone(),
            series: prepared
                .segments
                .iter()
                .map(|s| SeriesScaling {
                    id: prepared.id(s).to_string(),
                    value: s.scaler.clone(),
                    covariates: s.covariate_scalers.clone(),
                    baseline: None,
                })
                .collect(),
            season: prepared.season,
        }
    }

    /// Records the baseline each series' forecasts use (`sources` by id, as the run chose
    /// them), fitting the linear AR on its training windows where that is the one.
    pub fn set_choices(&mut self, prepared: &PanelPrepared, sources: &[(String, String)]) {
        let chosen: std::collections::HashMap<&str, &str> = sources
            .iter()
            .filter(|(_, n)| n != "model")
            .map(|(id, n)| (id.as_str(), n.as_str()))
            .collect();
        // `series` and the segments are in the same order (one per trained series).
        for (scaling, segment) in self.series.iter_mut().zip(&prepared.segments) {
            let Some(&name) = chosen.get(scaling.id.as_str()) else {
                continue;
            };
            let linear = if name == "linear" {
                let train = prepared.spec.inside(segment.split.train.clone());
                let ar = crate::eval::baselines::LinearAr::fit(
                    prepared.values(segment),
                    &train,
                    prepared.spec.lookback,
                    prepared.spec.horizon,
                );
                match ar {
                    Ok(ar) => Some(ar),
                    Err(_) => continue,
                }
            } else {
                None
            };
            scaling.baseline = Some(ChosenBaseline {
                name: name.to_string(),
                linear,
            });
        }
    }

    /// Model inputs per step: the value, the covariates, the attributes' encoding.
    pub fn features(&self) -> usize {
        1 + self.covariates.len() + self.encoding.width()
    }
}

/// One series' forecast past its last row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FutureForecast {
    /// The series' id.
    pub id: String,
    /// The time of each forecast step, as the file writes times (row numbers within the
    /// series without a time axis).
    pub times: Vec<String>,
    /// The forecasts, in the series' units.
    pub values: Vec<f64>,
    /// What they come from: `model`, or the baseline the run chose for this series.
    pub source: String,
}

/// The forecasts of a panel, and what could not be forecast as trained.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PanelPrediction {
    /// One per series forecast, in the table's order.
    pub forecasts: Vec<FutureForecast>,
    /// Series the model was not trained on: scaled on all their own rows.
    pub unseen: Vec<String>,
    /// Series not forecast, with the reason.
    pub skipped: Vec<(String, String)>,
}

impl PanelPrediction {
    /// One line per fact, for the CLI.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!("{} series forecast", self.forecasts.len())];
        if !self.unseen.is_empty() {
            lines.push(format!(
                "{} series the model was not trained on (scaled on their own rows): {}{}",
                self.unseen.len(),
                self.unseen
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
                if self.unseen.len() > 5 { ", …" } else { "" }
            ));
        }
        let chosen = self
            .forecasts
            .iter()
            .filter(|f| f.source != "model")
            .count();
        if chosen > 0 {
            lines.push(format!(
                "{chosen} series forecast with the baseline the run chose for them on validation \
                 (the `source` column)"
            ));
        }
        for (id, why) in self.skipped.iter().take(5) {
            lines.push(format!("not forecast: {id}: {why}"));
        }
        if self.skipped.len() > 5 {
            lines.push(format!(
                "… {} series not forecast in all",
                self.skipped.len()
            ));
        }
        lines
    }
}

/// Forecasts the `horizon` steps after every series of `panel` with `model`, trained as
/// `config` and `spec` say. A series the model was trained on uses its training scalers;
/// another is scaled on all its own rows (listed). A series shorter than the lookback,
/// or whose values the log cannot take, is skipped and listed.
pub fn forecast(
    model: &Forecaster,
    config: &RunConfig,
    spec: &PanelSpec,
    panel: &Panel,
) -> Result<PanelPrediction> {
    if panel.covariates != spec.covariates {
        return Err(EngineError::Config(format!(
            "the model reads covariates [{}], the table gives [{}]",
            spec.covariates.join(", "),
            panel.covariates.join(", ")
        )));
    }
    let lookback = config.window.lookback;
    let horizon = config.window.horizon;
    let features = spec.features();
    let known: std::collections::HashMap<&str, &SeriesScaling> =
        spec.series.iter().map(|s| (s.id.as_str(), s)).collect();
    let mut prediction = PanelPrediction::default();
    let mut matrix: Vec<f32> = Vec::new();
    let mut kept: Vec<(&PanelSeries, Scaler)> = Vec::new();
    for series in &panel.series {
        let scaling = known.get(series.id.as_str()).copied();
        match window_rows(series, scaling, config, spec, lookback) {
            Ok((rows, value_scaler)) => {
                if scaling.is_none() {
                    prediction.unseen.push(series.id.clone());
                }
                matrix.extend(rows);
                kept.push((series, value_scaler));
            }
            Err(why) => prediction.skipped.push((series.id.clone(), why)),
        }
    }
    let origins: Vec<usize> = (0..kept.len())
        .map(|k| k * lookback + lookback - 1)
        .collect();
    let data = TrainData {
        matrix: &matrix,
        features,
        targets: 1,
        lookback,
        horizon,
        train: &[],
        val: &[],
        window_norm: config.model.window_norm,
        season: config.eval.season.or(panel.season()).unwrap_or(1),
        known: crate::train::KnownAhead::default(),
        rollout: 0,
    };
    let outputs = predict_windows(model, &data, &origins)?;
    for (k, (series, scaler)) in kept.iter().enumerate() {
        let values: Vec<f64> = (0..horizon)
            .map(|h| {
                let z = outputs.get(k * horizon + h).copied().unwrap_or(f32::NAN);
                let v = scaler.inverse(f64::from(z));
                if config.data.log { v.exp() } else { v }
            })
            .collect();
        let n = series.values.len();
        let times = (0..horizon)
            .map(|h| {
                panel
                    .time_label(series, n + h)
                    .unwrap_or_else(|| (n + h + 1).to_string())
            })
            .collect();
        let chosen = known
            .get(series.id.as_str())
            .and_then(|s| s.baseline.as_ref())
            .and_then(|b| baseline_future(b, &series.values, config, spec.season).map(|v| (b, v)));
        let (source, values) = match chosen {
            Some((b, v)) => (b.name.clone(), v),
            None => ("model".to_string(), values),
        };
        prediction.forecasts.push(FutureForecast {
            id: series.id.clone(),
            times,
            values,
            source,
        });
    }
    Ok(prediction)
}

/// The chosen baseline's forecast of the `horizon` steps after `values`' last row.
fn baseline_future(
    b: &ChosenBaseline,
    values: &[f64],
    config: &RunConfig,
    season: usize,
) -> Option<Vec<f64>> {
    use crate::eval::baselines;
    let (h, lookback) = (config.window.horizon, config.window.lookback);
    let origin = [values.len().checked_sub(1)?];
    let out = match b.name.as_str() {
        "naive" => baselines::naive(values, &origin, h),
        "seasonal_naive" => baselines::seasonal_naive(values, &origin, h, season.max(1)),
        "drift" => baselines::drift(values, &origin, h, lookback),
        "linear" => b.linear.as_ref()?.try_predict(values, &origin).ok()?,
        "naive2" => super::score::naive2(values, &origin, h, season.max(1)),
        _ => return None,
    };
    (out.len() == h && out.iter().all(|v| v.is_finite())).then_some(out)
}

/// The model-space rows of a series' last window (`lookback` rows of `features`), and
/// its value scaler; or why it cannot be forecast.
fn window_rows(
    series: &PanelSeries,
    scaling: Option<&SeriesScaling>,
    config: &RunConfig,
    spec: &PanelSpec,
    lookback: usize,
) -> Result<(Vec<f32>, Scaler), String> {
    let n = series.values.len();
    if n < lookback {
        return Err(format!("{n} rows, the model reads the last {lookback}"));
    }
    let values: Vec<f64> = if config.data.log {
        if let Some(v) = series.values.iter().find(|v| **v <= 0.0) {
            return Err(format!(
                "a value is {v}; the model takes the log of every value"
            ));
        }
        series.values.iter().map(|v| v.ln()).collect()
    } else {
        series.values.clone()
    };
    let (value_scaler, covariate_scalers) = match scaling {
        Some(s) => (s.value.clone(), s.covariates.clone()),
        None => {
            let value =
                Scaler::fit(config.data.scale, &values, "value").map_err(|e| e.to_string())?;
            let covs = spec
                .covariates
                .iter()
                .zip(&series.covariates)
                .map(|(name, v)| Scaler::fit(config.data.scale_for(name), v, name))
                .collect::<Result<Vec<_>>>()
                .map_err(|e| e.to_string())?;
            (value, covs)
        }
    };
    let attributes = spec.encoding.encode(&series.attributes);
    let mut rows = Vec::with_capacity(lookback * spec.features());
    for row in n - lookback..n {
        let mut push = |v: f64, s: &Scaler| -> Result<(), String> {
            let z = s.transform(v);
            if !z.is_finite() || z.abs() > 1e15 {
                return Err(format!("row {}: {v:e} is {z:e} after scaling", row + 1));
            }
            // In range by the check above.
            rows.push(z as f32);
            Ok(())
        };
        push(values.get(row).copied().unwrap_or(f64::NAN), &value_scaler)?;
        for (column, s) in series.covariates.iter().zip(&covariate_scalers) {
            push(column.get(row).copied().unwrap_or(f64::NAN), s)?;
        }
        rows.extend_from_slice(&attributes);
    }
    Ok((rows, value_scaler))
}

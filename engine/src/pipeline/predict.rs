//! Applying a saved model to a CSV file: the file is cleaned with the model's column
//! roles and scaled with the model's own scalers (nothing is refitted), then every
//! complete window is forecast, plus the horizon past the end.

use std::sync::Arc;

use super::evaluate::{BaselineSet, PartForecast, forecast_part};
use super::prepare::Prepared;
use super::{FutureForecast, TrainedModel, forecast_future};
use crate::data::series::{LoadReport, Series, build_series};
use crate::data::table::CsvTable;
use crate::error::{EngineError, Result};

/// Forecasts of a saved model over a file.
#[derive(Debug)]
pub struct Prediction {
    /// The cleaned series.
    pub series: Arc<Series>,
    /// What cleaning did.
    pub report: LoadReport,
    /// Every complete window (targets known), model only.
    pub windows: PartForecast,
    /// The horizon past the end.
    pub future: FutureForecast,
}

/// Runs `model` over `table`.
pub fn predict(model: &TrainedModel, table: &CsvTable) -> Result<Prediction> {
    let mut data = model.config.data.clone();
    let n_targets = model.n_targets;
    data.targets = model.columns.iter().take(n_targets).cloned().collect();
    data.covariates = model.columns.iter().skip(n_targets).cloned().collect();
    let (series, report) = build_series(table, &data)?;
    let names: Vec<&str> = series.columns.iter().map(|c| c.name.as_str()).collect();
    if names != model.columns.iter().map(String::as_str).collect::<Vec<_>>() {
        return Err(EngineError::Artifact(format!(
            "the model expects columns {:?} but the file gives {names:?}",
            model.columns
        )));
    }
    let prepared = Prepared::with_scaling(Arc::new(series), &model.config, model.scaling.clone())?;
    let no_baselines = BaselineSet::none();
    let mut windows = forecast_part(&prepared, &model.forecaster, &no_baselines, &prepared.test);
    windows.baselines.clear();
    let future = forecast_future(&prepared, &model.forecaster);
    Ok(Prediction {
        series: prepared.series.clone(),
        report,
        windows,
        future,
    })
}

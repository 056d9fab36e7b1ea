//! Applying a saved model to a CSV file: the file is cleaned with the model's column
//! roles and scaled with the model's own scalers (nothing is refitted), then every
//! complete window is forecast, plus the horizon past the end — with the product
//! forecast the run chose (the network, a baseline or their mix), as the run exported.

use std::sync::Arc;

use super::evaluate::{BaselineSet, PartForecast, forecast_part};
use super::prepare::Prepared;
use super::{FutureForecast, TrainedModel, forecast_future};
use crate::data::series::{LoadReport, Series, build_series};
use crate::data::table::CsvTable;
use crate::error::{EngineError, Result};
use crate::eval::choice::Source;

/// Forecasts of a saved model over a file.
#[derive(Debug)]
pub struct Prediction {
    /// The cleaned series.
    pub series: Arc<Series>,
    /// What cleaning did.
    pub report: LoadReport,
    /// Every complete window (targets known): the model's forecasts and the product
    /// forecast the run chose (`product`).
    pub windows: PartForecast,
    /// The horizon past the end.
    pub future: FutureForecast,
}

/// Runs `model` over `table`.
pub fn predict(model: &TrainedModel, table: &CsvTable) -> Result<Prediction> {
    let mut data = model.config.data.clone();
    let n_targets = model.n_targets;
    data.targets = model.columns.iter().take(n_targets).cloned().collect();
    // The calendar columns are generated again from `data.calendar`, not read.
    data.covariates = model
        .columns
        .iter()
        .skip(n_targets)
        .filter(|c| !crate::data::calendar::is_generated(c))
        .cloned()
        .collect();
    let (mut series, report) = build_series(table, &data)?;
    if let Some(path) = &data.future_file {
        let future = crate::data::table::read_csv(path)?;
        series.attach_future(&future, &data)?;
    }
    let names: Vec<&str> = series.columns.iter().map(|c| c.name.as_str()).collect();
    if names != model.columns.iter().map(String::as_str).collect::<Vec<_>>() {
        return Err(EngineError::Artifact(format!(
            "the model expects columns {:?} but the file gives {names:?}",
            model.columns
        )));
    }
    let prepared = Prepared::with_scaling(Arc::new(series), &model.config, model.scaling.clone())?;
    // The run's product forecast: the chosen baseline (with the saved linear AR when it
    // is that one) or the mix, computed on this file's windows.
    let baselines = model.product.as_ref().map_or_else(BaselineSet::none, |p| {
        BaselineSet::with_linear(p.linear.clone())
    });
    let source = model.product.as_ref().map_or(Source::Model, |p| p.source);
    let mut windows = forecast_part(&prepared, &model.forecaster, &baselines, &prepared.test)?;
    super::choose::apply(source, &mut windows);
    windows.baselines.clear();
    let mut future = forecast_future(&prepared, &model.forecaster)?;
    super::choose::apply_future(source, &prepared, &baselines, &mut future);
    Ok(Prediction {
        series: prepared.series.clone(),
        report,
        windows,
        future,
    })
}

//! A trained model on windows of the series: predictions in model space and the
//! validation loss.

use super::TrainData;
use crate::config::LossKind;
use crate::error::Result;
use crate::model::{Forecaster, fast};

/// Windows per forward pass when predicting (no gradients, so larger batches are cheap).
const PREDICT_BATCH: usize = 512;

/// Mean loss of a plain-device model over `origins`, and its outputs.
pub(super) fn validate(
    model: &Forecaster,
    data: &TrainData<'_>,
    origins: &[usize],
    kind: LossKind,
) -> Result<(f64, Vec<f32>)> {
    let mut sum = 0.0;
    let mut outputs = Vec::with_capacity(origins.len() * data.horizon * data.targets);
    for chunk in origins.chunks(PREDICT_BATCH) {
        let (x, y, levels) = data.gather_with_levels(chunk);
        let mut out = forward_windows(model, data, x, chunk.len())?;
        // Relative to the window's level on both sides: the same loss as in the
        // user's (scaled) units.
        sum += fast::mean_loss(kind, &out, &y) * chunk.len() as f64;
        data.restore(&mut out, levels.as_deref());
        outputs.extend(out);
    }
    Ok((sum / origins.len().max(1) as f64, outputs))
}

/// Model-space predictions for the windows at `origins`: row-major
/// `[windows × horizon × targets]`.
pub fn predict_windows(
    model: &Forecaster,
    data: &TrainData<'_>,
    origins: &[usize],
) -> Result<Vec<f32>> {
    let mut out = Vec::with_capacity(origins.len() * data.horizon * data.targets);
    for chunk in origins.chunks(PREDICT_BATCH) {
        let (x, levels) = data.inputs(chunk);
        let mut values = forward_windows(model, data, x, chunk.len())?;
        data.restore(&mut values, levels.as_deref());
        out.extend(values);
    }
    Ok(out)
}

/// The model's outputs (before the window level is added back) for the gathered
/// inputs `x: [n, lookback, features]`, on the path the model runs on.
fn forward_windows(
    model: &Forecaster,
    data: &TrainData<'_>,
    x: Vec<f32>,
    n: usize,
) -> Result<Vec<f32>> {
    crate::model::path::predict(model, x, n, data.lookback, data.features)
}

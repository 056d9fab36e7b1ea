//! A trained model on windows of the series: predictions in model space and the
//! validation loss.

use super::TrainData;
use super::blocks::{point_of, sorted_blocks};
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
    let mut outputs = Vec::with_capacity(origins.len() * data.forecast_steps() * data.targets);
    let step_outputs = data.forecast_steps() * data.targets;
    for chunk in origins.chunks(PREDICT_BATCH) {
        let out = if data.rollout > 0 {
            // Restored forecasts against the actual values: the same differences as
            // both taken relative to the window's level.
            let out = super::rollout::forecast(model, data, chunk)?;
            let y = super::rollout::targets(data, chunk);
            sum += fast::mean_loss(kind, &out, &y, step_outputs) * chunk.len() as f64;
            out
        } else {
            let (x, y, levels) = data.gather_with_levels(chunk);
            let mut out = forward_windows(model, data, (x, data.future(chunk)), chunk.len())?;
            // Relative to the window's level on both sides: the same loss as in the
            // user's (scaled) units.
            sum += fast::mean_loss(kind, &out, &y, step_outputs) * chunk.len() as f64;
            data.restore(&mut out, levels.as_deref());
            out
        };
        outputs.extend(point_forecasts(model, &out, step_outputs));
    }
    Ok((sum / origins.len().max(1) as f64, outputs))
}

/// A plain-device model's point errors (`actual − forecast`) over the windows at
/// `origins`, in model space: row-major `[windows × steps × targets]`, the steps being
/// the horizon (a recursive model's: the rolled steps).
pub(super) fn point_errors(
    model: &Forecaster,
    data: &TrainData<'_>,
    origins: &[usize],
) -> Result<Vec<f32>> {
    let forecast = predict_windows(model, data, origins)?;
    let actual = crate::data::window::gather_targets(
        data.matrix,
        data.features,
        data.targets,
        origins,
        data.forecast_steps(),
    );
    Ok(actual.iter().zip(&forecast).map(|(a, f)| a - f).collect())
}

/// Mean absolute error of a plain-device model's point forecasts over the windows at
/// `origins`, in model space.
pub(super) fn point_mae(
    model: &Forecaster,
    data: &TrainData<'_>,
    origins: &[usize],
) -> Result<f64> {
    let errors = point_errors(model, data, origins)?;
    let sum: f64 = errors.iter().map(|e| f64::from(e.abs())).sum();
    Ok(sum / errors.len().max(1) as f64)
}

/// Model-space predictions for the windows at `origins`: row-major
/// `[windows × horizon × targets]`.
pub fn predict_windows(
    model: &Forecaster,
    data: &TrainData<'_>,
    origins: &[usize],
) -> Result<Vec<f32>> {
    Ok(predict_windows_all(model, data, origins)?.point)
}

/// A model's forecasts for some windows, in model space.
#[derive(Debug, Default)]
pub struct WindowForecasts {
    /// The point forecasts, row-major `[windows × horizon × targets]`.
    pub point: Vec<f32>,
    /// A quantile model's forecasts per level (in the model's order, increasing), each
    /// laid out like `point` and sorted across the levels for every window, step and
    /// target, so they never cross; empty for a point model.
    pub quantiles: Vec<Vec<f32>>,
}

/// The point forecasts and (for a quantile model) every level's forecasts for the
/// windows at `origins`, from one forward pass.
pub fn predict_windows_all(
    model: &Forecaster,
    data: &TrainData<'_>,
    origins: &[usize],
) -> Result<WindowForecasts> {
    let step_outputs = data.forecast_steps() * data.targets;
    let mut out = WindowForecasts {
        point: Vec::with_capacity(origins.len() * step_outputs),
        quantiles: match model.levels {
            Some(_) => vec![Vec::with_capacity(origins.len() * step_outputs); model.quantiles],
            None => Vec::new(),
        },
    };
    for chunk in origins.chunks(PREDICT_BATCH) {
        let values = if data.rollout > 0 {
            super::rollout::forecast(model, data, chunk)?
        } else {
            let (x, levels) = data.inputs(chunk);
            let mut values = forward_windows(model, data, (x, data.future(chunk)), chunk.len())?;
            data.restore(&mut values, levels.as_deref());
            values
        };
        let Some(weights) = model.levels.map(|l| l.point_weights()) else {
            out.point.extend(values);
            continue;
        };
        let blocks = sorted_blocks(&values, model.quantiles, step_outputs);
        out.point.extend(point_of(&blocks, &weights));
        for (kept, block) in out.quantiles.iter_mut().zip(blocks) {
            kept.extend(block);
        }
    }
    Ok(out)
}

/// The point forecasts in raw outputs: themselves for a point model; for a quantile
/// model the (sorted) level nearest the median, or the mean of the two equally near.
fn point_forecasts(model: &Forecaster, raw: &[f32], step_outputs: usize) -> Vec<f32> {
    let Some(levels) = model.levels else {
        return raw.to_vec();
    };
    point_of(
        &sorted_blocks(raw, model.quantiles, step_outputs),
        &levels.point_weights(),
    )
}

/// The model's outputs (before the window level is added back) for the gathered
/// inputs `x: [n, lookback, features]` and known-in-advance block, on the path the
/// model runs on.
fn forward_windows(
    model: &Forecaster,
    data: &TrainData<'_>,
    inputs: (Vec<f32>, Vec<f32>),
    n: usize,
) -> Result<Vec<f32>> {
    crate::model::path::predict(model, inputs, n, data.lookback, data.features)
}

/// A seq2seq model's attention weights for the windows at `origins`: per window,
/// `horizon` rows of `recurrent_len` weights (oldest lookback step first), each row
/// summing to 1; `None` for a model without attention.
pub fn attention_maps(
    model: &Forecaster,
    data: &TrainData<'_>,
    origins: &[usize],
) -> Result<Option<Vec<Vec<Vec<f64>>>>> {
    use burn::tensor::{Tensor, TensorData};
    if model.attn.is_none() {
        return Ok(None);
    }
    let n = origins.len();
    let (x, _) = data.inputs(origins);
    let future = data.future(origins);
    let device = model.head_w.val().device();
    let x = Tensor::<3>::from_data(
        TensorData::new(x, [n, data.lookback, data.features]),
        &device,
    );
    let known = model.known_count();
    let future = (known > 0).then(|| {
        Tensor::<3>::from_data(TensorData::new(future, [n, model.horizon, known]), &device)
    });
    let Some(weights) = model.attention_weights(x, future) else {
        return Ok(None);
    };
    let [_, horizon, steps] = weights.dims();
    let values: Vec<f32> = weights.into_data().iter::<f32>().collect();
    Ok(Some(
        values
            .chunks_exact((horizon * steps).max(1))
            .map(|w| {
                w.chunks_exact(steps.max(1))
                    .map(|row| row.iter().map(|v| f64::from(*v)).collect())
                    .collect()
            })
            .collect(),
    ))
}

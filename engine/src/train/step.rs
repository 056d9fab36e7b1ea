//! One training step's forward and backward pass: the hand-written fast path
//! (`model::fast`) when it supports the model, burn's autodiff graph otherwise.

use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor, TensorData};

use super::TrainData;
use crate::config::LossKind;
use crate::data::window::{gather_inputs, gather_targets};
use crate::error::Result;
use crate::model::Forecaster;
use crate::model::fast::{self, FastBatch, FastStep};
use crate::rng::Rng;

/// Loss and gradients of `model` on the windows at `origins`, drawing dropout masks
/// from `dropout_rng`. `probe` asks for per-step hidden-state gradient norms (fast
/// path only; `None` on burn's path). `device` is the autodiff device of the model.
pub fn forward_backward(
    model: &Forecaster,
    data: &TrainData<'_>,
    origins: &[usize],
    loss: LossKind,
    dropout_rng: &mut Rng,
    device: &Device,
    probe: bool,
) -> Result<FastStep> {
    let n = origins.len();
    let x = gather_inputs(data.matrix, data.features, origins, data.lookback);
    let y = gather_targets(
        data.matrix,
        data.features,
        data.targets,
        origins,
        data.horizon,
    );
    if fast::supports(model) {
        let batch = FastBatch {
            x: &x,
            y: &y,
            batch: n,
            lookback: data.lookback,
            features: data.features,
        };
        return fast::forward_backward(model, &batch, loss, Some(dropout_rng), probe);
    }
    let outputs = data.horizon * data.targets;
    let x = Tensor::<3>::from_data(
        TensorData::new(x, [n, data.lookback, data.features]),
        device,
    );
    let y = Tensor::<2>::from_data(TensorData::new(y, [n, outputs]), device);
    let predicted = model.forward(x, Some(dropout_rng));
    let predictions = predicted.clone().into_data().iter::<f32>().collect();
    let loss = super::loss::loss(loss, predicted, y);
    let value = f64::from(loss.clone().into_scalar::<f32>());
    Ok(FastStep {
        loss: value,
        outputs: predictions,
        grads: GradientsParams::from_grads(loss.backward(), model),
        time_norms: None,
    })
}

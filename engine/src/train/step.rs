//! One forward and backward pass through burn's autodiff: the loss, the gradients of
//! every parameter and, when asked, the gradient reaching every time step of every layer.

use burn::optim::GradientsParams;
use burn::tensor::{Tensor, TensorData};

use super::TrainData;
use super::stats::time_norms;
use crate::config::LossKind;
use crate::data::window::{gather_inputs, gather_targets};
use crate::model::Forecaster;
use crate::rng::Rng;

/// What one forward/backward pass produced.
pub struct StepResult {
    /// The batch's loss (may be NaN or infinite: the caller checks).
    pub loss: f64,
    /// Gradients of every parameter.
    pub grads: GradientsParams,
    /// `time_norms[l][t]` = ‖dLoss/dh_t‖ of layer `l`, when probes were asked for.
    pub time_norms: Option<Vec<Vec<f64>>>,
}

/// Forward and backward for the windows at `origins`; `probe` also measures the
/// per-time-step gradient norms (slower: only on snapshot steps).
pub fn forward_backward(
    model: &Forecaster,
    data: &TrainData<'_>,
    origins: &[usize],
    loss: LossKind,
    dropout_rng: Option<&mut Rng>,
    probe: bool,
) -> StepResult {
    let device = model.head_w.val().device();
    let n = origins.len();
    let x = gather_inputs(data.matrix, data.features, origins, data.lookback);
    let y = gather_targets(
        data.matrix,
        data.features,
        data.targets,
        origins,
        data.horizon,
    );
    let x = Tensor::<3>::from_data(
        TensorData::new(x, [n, data.lookback, data.features]),
        &device,
    );
    let y = Tensor::<2>::from_data(
        TensorData::new(y, [n, data.horizon * data.targets]),
        &device,
    );
    let probes: Vec<Tensor<3>> = if probe {
        model
            .layers
            .iter()
            .map(|l| Tensor::zeros([n, data.lookback, l.hidden], &device).require_grad())
            .collect()
    } else {
        Vec::new()
    };
    let predicted = model.forward_probed(x, dropout_rng, &probes);
    let loss_tensor = super::loss::loss(loss, predicted, y);
    let loss_value = f64::from(loss_tensor.clone().into_scalar::<f32>());
    let gradients = loss_tensor.backward();
    let time = probe.then(|| {
        probes
            .iter()
            .map(|p| match p.grad(&gradients) {
                Some(g) => {
                    let dims = g.dims();
                    let values: Vec<f32> = g.into_data().iter::<f32>().collect();
                    time_norms(&values, dims)
                }
                None => vec![0.0; data.lookback],
            })
            .collect()
    });
    StepResult {
        loss: loss_value,
        grads: GradientsParams::from_grads(gradients, model),
        time_norms: time,
    }
}

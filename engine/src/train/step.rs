//! One training step's forward and backward pass: the hand-written fast path
//! (`model::fast`) when it supports the model, burn's autodiff graph otherwise. Either
//! gives the loss, the batch's predictions, the gradients of every parameter and, when
//! asked, the gradient reaching every time step of every layer.

use burn::optim::GradientsParams;
use burn::tensor::{Tensor, TensorData};

use super::TrainData;
use super::stats::time_norms;
use crate::config::LossKind;
use crate::error::Result;
use crate::model::Forecaster;
use crate::model::fast::{self, FastBatch, FastStep};
use crate::rng::Rng;

/// What one forward/backward pass produced (the loss may be NaN: the caller checks).
pub type StepResult = FastStep;

/// Loss and gradients of `model` on the windows at `origins`, drawing dropout masks
/// from `dropout_rng`. `probe` also measures the per-time-step gradient norms (slower:
/// only on snapshot steps).
pub fn forward_backward(
    model: &Forecaster,
    data: &TrainData<'_>,
    origins: &[usize],
    loss: LossKind,
    dropout_rng: Option<&mut Rng>,
    probe: bool,
) -> Result<StepResult> {
    if !fast::supports(model) {
        return Ok(burn_forward_backward(
            model,
            data,
            origins,
            loss,
            dropout_rng,
            probe,
        ));
    }
    let (x, y) = data.gather(origins);
    let batch = FastBatch {
        x: &x,
        y: &y,
        batch: origins.len(),
        lookback: data.lookback,
        features: data.features,
    };
    fast::forward_backward(model, &batch, loss, dropout_rng, probe)
}

/// The same pass through burn's autodiff; probes (zero tensors added to each step's
/// hidden state) carry the per-time-step gradients out.
pub(crate) fn burn_forward_backward(
    model: &Forecaster,
    data: &TrainData<'_>,
    origins: &[usize],
    loss: LossKind,
    dropout_rng: Option<&mut Rng>,
    probe: bool,
) -> StepResult {
    let device = model.head_w.val().device();
    let n = origins.len();
    let (x, y) = data.gather(origins);
    let x = Tensor::<3>::from_data(
        TensorData::new(x, [n, data.lookback, data.features]),
        &device,
    );
    let y = Tensor::<2>::from_data(
        TensorData::new(y, [n, data.horizon * data.targets]),
        &device,
    );
    let steps = model.recurrent_len(data.lookback);
    let probes: Vec<Tensor<3>> = if probe {
        model
            .layers
            .iter()
            .map(|l| Tensor::zeros([n, steps, l.hidden], &device).require_grad())
            .collect()
    } else {
        Vec::new()
    };
    let predicted = model.forward_probed(x, dropout_rng, &probes);
    let outputs = predicted.clone().into_data().iter::<f32>().collect();
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
                None => vec![0.0; steps],
            })
            .collect()
    });
    StepResult {
        loss: loss_value,
        outputs,
        grads: GradientsParams::from_grads(gradients, model),
        time_norms: time,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{CellKind, ModelConfig, WindowNorm};
    use crate::model::ModelShape;

    #[test]
    fn fast_and_burn_paths_agree_on_per_step_gradient_norms() {
        // A two-layer GRU over 12 steps of a sine: the probes through burn's graph and
        // the hand-written backward pass must measure the same ‖dL/dh_t‖.
        let rows = 60;
        let matrix: Vec<f32> = (0..rows).map(|i| (i as f32 * 0.4).sin()).collect();
        let origins: Vec<usize> = (11..40).step_by(3).collect();
        let data = TrainData {
            matrix: &matrix,
            features: 1,
            targets: 1,
            lookback: 12,
            horizon: 2,
            train: &origins,
            val: &[],
            window_norm: WindowNorm::None,
            season: 1,
        };
        let config = ModelConfig {
            cell: CellKind::Gru,
            hidden: 6,
            layers: 2,
            dropout: 0.0,
            ..ModelConfig::default()
        };
        let shape = ModelShape {
            features: 1,
            lookback: 12,
            horizon: 2,
            targets: 1,
        };
        let device = crate::model::cpu_device().autodiff();
        let model = Forecaster::new(&config, shape, &mut Rng::new(3), &device);
        assert!(fast::supports(&model));
        let fast = forward_backward(&model, &data, &origins, LossKind::Mse, None, true).unwrap();
        let slow = burn_forward_backward(&model, &data, &origins, LossKind::Mse, None, true);
        assert!(
            (fast.loss - slow.loss).abs() < 1e-5,
            "{} {}",
            fast.loss,
            slow.loss
        );
        let (a, b) = (fast.time_norms.unwrap(), slow.time_norms.unwrap());
        assert_eq!((a.len(), a[0].len()), (2, 12));
        for (la, lb) in a.iter().zip(&b) {
            for (x, y) in la.iter().zip(lb) {
                assert!((x - y).abs() <= 1e-4 * y.abs().max(1e-6), "{x} vs {y}");
            }
        }
    }
}

//! The one place that decides how a [`Forecaster`] runs: a training step (loss,
//! outputs, gradients, optionally per-time-step gradient norms) and a prediction.
//!
//! Two implementations compute the same numbers (the contract they keep is
//! [`super::contract`]):
//! - **fast** ([`super::fast`]): hand-written forward and backward kernels, threaded over
//!   the batch; every configuration seqcast builds runs on it;
//! - **burn**: [`Forecaster::forward`] and burn's autodiff, the reference the fast path is
//!   tested against (`model/fast/tests/`), used for a model the fast path does not run
//!   (layers of different cells or sizes, which no configuration produces).
//!
//! [`Path::of`] chooses, once per model, and training reports the choice
//! (`Progress::Started::path`). A fast-path error is returned as an error: it is a bug
//! to fix, never silently rerun on burn at a tenth of the speed.

use burn::optim::GradientsParams;
use burn::tensor::{Tensor, TensorData};

use super::Forecaster;
use super::fast::{self, FastBatch, FastStep};
use crate::config::LossKind;
use crate::error::Result;
use crate::rng::Rng;

/// What one forward/backward pass produced (the loss may be NaN: the caller checks).
pub type StepResult = FastStep;

/// Which implementation runs a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    /// The hand-written kernels of [`super::fast`].
    Fast,
    /// burn's `forward` and autodiff.
    Burn,
}

impl Path {
    /// The path `model` runs on: fast whenever it supports the model.
    pub fn of(model: &Forecaster) -> Self {
        if fast::supports(model) {
            Self::Fast
        } else {
            Self::Burn
        }
    }

    /// For people: what runs and why.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Fast => "fast path (hand-written kernels)",
            Self::Burn => {
                "burn autodiff (the fast path needs every layer of one cell and size; ~10x slower)"
            }
        }
    }
}

/// Loss and gradients of `model` on one gathered batch, drawing dropout masks from
/// `dropout_rng` (both paths draw the same numbers). `probe` also measures the
/// per-time-step gradient norms (slower: only on snapshot steps).
pub fn train_step(
    model: &Forecaster,
    batch: &FastBatch<'_>,
    loss: LossKind,
    dropout_rng: Option<&mut Rng>,
    probe: bool,
) -> Result<StepResult> {
    match Path::of(model) {
        Path::Fast => fast::forward_backward(model, batch, loss, dropout_rng, probe),
        Path::Burn => burn_train_step(model, batch, loss, dropout_rng, probe),
    }
}

/// The model's outputs (before any window level is added back) for gathered inputs
/// `x: [windows, lookback, features]` and the covariates known in advance over each
/// window's horizon (`[windows, horizon, known]`, empty without them), row-major
/// `[windows, horizon × targets]`.
pub fn predict(
    model: &Forecaster,
    (x, future): (Vec<f32>, Vec<f32>),
    windows: usize,
    lookback: usize,
    features: usize,
) -> Result<Vec<f32>> {
    match Path::of(model) {
        Path::Fast => fast::predict(model, (&x, &future), windows, lookback, features),
        Path::Burn => {
            let device = model.head_w.val().device();
            let x = Tensor::from_data(TensorData::new(x, [windows, lookback, features]), &device);
            let future = future_tensor(model, future, windows)?;
            Ok(model
                .forward(x, future, None)
                .into_data()
                .iter::<f32>()
                .collect())
        }
    }
}

/// The known-in-advance block as the tensor `Forecaster::forward` reads (`None` for a
/// model without it); an error when its size does not fit the model.
fn future_tensor(model: &Forecaster, future: Vec<f32>, n: usize) -> Result<Option<Tensor<3>>> {
    let known = model.known_count();
    if known == 0 {
        return Ok(None);
    }
    if future.len() != n * model.horizon * known {
        return Err(crate::error::EngineError::FastPath(format!(
            "the known-in-advance block has {} values for {n}×{}×{known}",
            future.len(),
            model.horizon
        )));
    }
    Ok(Some(Tensor::from_data(
        TensorData::new(future, [n, model.horizon, known]),
        &model.head_w.val().device(),
    )))
}

/// [`train_step`] through burn's autodiff; probes (zero tensors added to each step's
/// hidden state) carry the per-time-step gradients out.
pub(crate) fn burn_train_step(
    model: &Forecaster,
    batch: &FastBatch<'_>,
    loss: LossKind,
    dropout_rng: Option<&mut Rng>,
    probe: bool,
) -> Result<StepResult> {
    let device = model.head_w.val().device();
    let future = future_tensor(model, batch.future.to_vec(), batch.batch)?;
    let n = batch.batch;
    let outputs_per_window = batch.y.len() / n.max(1);
    let x = Tensor::<3>::from_data(
        TensorData::new(batch.x.to_vec(), [n, batch.lookback, batch.features]),
        &device,
    );
    let y = Tensor::<2>::from_data(
        TensorData::new(batch.y.to_vec(), [n, outputs_per_window]),
        &device,
    );
    let steps = model.recurrent_len(batch.lookback);
    // One probe per encoder layer, then (seq2seq) one per decoder layer over the
    // horizon.
    let probes: Vec<Tensor<3>> = if probe {
        let encoder = model.layers.iter().map(|l| (steps, l.hidden));
        let decoder = model.decoder.iter().map(|l| (model.horizon, l.hidden));
        encoder
            .chain(decoder)
            .map(|(t, h)| Tensor::zeros([n, t, h], &device).require_grad())
            .collect()
    } else {
        Vec::new()
    };
    let teacher = (!batch.teacher.is_empty()).then_some(super::Teacher {
        y: batch.y,
        mask: batch.teacher,
    });
    let predicted = model.forward_taught(x, future, teacher, dropout_rng, &probes);
    let outputs = predicted.clone().into_data().iter::<f32>().collect();
    let loss_tensor = super::loss::loss(loss, predicted, y);
    let loss_value = f64::from(loss_tensor.clone().into_scalar::<f32>());
    let gradients = loss_tensor.backward();
    let mut time: Option<Vec<Vec<f64>>> = probe.then(|| {
        probes
            .iter()
            .map(|p| match p.grad(&gradients) {
                Some(g) => {
                    let dims = g.dims();
                    let values: Vec<f32> = g.into_data().iter::<f32>().collect();
                    time_norms(&values, dims)
                }
                None => vec![0.0; p.dims()[1]],
            })
            .collect()
    });
    // The decoder's norms follow the encoder's.
    let decoder_norms = time
        .as_mut()
        .map(|t| t.split_off(model.layers.len().min(t.len())))
        .filter(|d| !d.is_empty());
    Ok(StepResult {
        loss: loss_value,
        outputs,
        grads: GradientsParams::from_grads(gradients, model),
        time_norms: time,
        decoder_norms,
    })
}

/// Per-time-step norms of a probe gradient `[B, T, H]` given as row-major values.
pub fn time_norms(values: &[f32], dims: [usize; 3]) -> Vec<f64> {
    let [b, t, h] = dims;
    let mut sq = vec![0.0f64; t];
    for bi in 0..b {
        for (ti, s) in sq.iter_mut().enumerate() {
            let start = (bi * t + ti) * h;
            if let Some(row) = values.get(start..start + h) {
                *s += row.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>();
            }
        }
    }
    sq.into_iter().map(f64::sqrt).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_norms_sum_over_batch_and_units() {
        // B=2, T=2, H=2: step 0 gets (3,4) and (0,0) → 5; step 1 gets (1,0) and (0,1) → √2.
        let v = [3.0, 4.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0];
        let n = time_norms(&v, [2, 2, 2]);
        assert!((n[0] - 5.0).abs() < 1e-12 && (n[1] - 2f64.sqrt()).abs() < 1e-12);
    }
}

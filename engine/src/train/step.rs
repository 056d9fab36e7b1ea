//! One training step on windows of the series: gathers the windows as the model sees
//! them and hands them to the model, which picks the path that runs them
//! ([`crate::model::path`]).

use super::TrainData;
use crate::config::LossKind;
use crate::error::Result;
use crate::model::Forecaster;
use crate::model::fast::FastBatch;
pub use crate::model::path::StepResult;
use crate::rng::Rng;

/// Loss and gradients of `model` on the windows at `origins`, drawing dropout masks
/// from `dropout_rng`; a seq2seq decoder reads the true previous values where `teacher`
/// says (`[windows, horizon − 1]`; empty: its own forecasts). `probe` also measures the
/// per-time-step gradient norms (slower: only on snapshot steps).
pub fn forward_backward(
    model: &Forecaster,
    (data, origins): (&TrainData<'_>, &[usize]),
    teacher: &[u8],
    loss: LossKind,
    dropout_rng: Option<&mut Rng>,
    probe: bool,
) -> Result<StepResult> {
    let (x, y) = data.gather(origins);
    let future = data.future(origins);
    let batch = FastBatch {
        x: &x,
        future: &future,
        teacher,
        y: &y,
        batch: origins.len(),
        lookback: data.lookback,
        features: data.features,
    };
    crate::model::path::train_step(model, &batch, loss, dropout_rng, probe)
}

/// [`forward_backward`] of a recursive model trained unrolled over the horizon
/// (`train.unroll`): the windows at `origins` rolled forward on the model's own
/// forecasts, every step of the roll a one-step window of the batch
/// ([`super::rollout::unrolled_batch`]). Returns the result and the windows it held.
pub fn forward_backward_unrolled(
    model: &Forecaster,
    (data, origins): (&TrainData<'_>, &[usize]),
    loss: LossKind,
    dropout_rng: Option<&mut Rng>,
    probe: bool,
) -> Result<(StepResult, usize)> {
    let super::rollout::Unrolled {
        x,
        y,
        future,
        windows,
    } = super::rollout::unrolled_batch(model, data, origins)?;
    let batch = FastBatch {
        x: &x,
        future: &future,
        teacher: &[],
        y: &y,
        batch: windows,
        lookback: data.lookback,
        features: data.features,
    };
    let result = crate::model::path::train_step(model, &batch, loss, dropout_rng, probe)?;
    Ok((result, windows))
}

//! Training losses on the scaled targets, as burn tensors (the burn path's loss; the fast
//! path's is `fast::mean_loss` and its hand-written derivative).

use burn::tensor::{Tensor, TensorData};

use crate::config::LossKind;

/// Mean loss over all elements of the predictions `[batch, outputs]` against the
/// targets `[batch, horizon·targets]`. A quantile loss's predictions hold one block of
/// `horizon·targets` per level (`outputs` = levels × horizon·targets), each scored
/// against the same targets with the pinball loss.
pub fn loss(kind: LossKind, predicted: Tensor<2>, target: Tensor<2>) -> Tensor<1> {
    if let LossKind::Quantile { levels } = kind {
        let [_, step_outputs] = target.dims();
        let blocks = levels.len();
        let target = Tensor::cat(vec![target; blocks], 1);
        // τ per output column, broadcast over the batch.
        let taus: Vec<f32> = levels
            .as_slice()
            .iter()
            .flat_map(|&l| std::iter::repeat_n(l as f32, step_outputs))
            .collect();
        let tau = Tensor::<1>::from_data(
            TensorData::new(taus, [blocks * step_outputs]),
            &predicted.device(),
        )
        .unsqueeze_dim::<2>(0);
        // Pinball: (1 − τ)·(ŷ − y) above the truth, τ·(y − ŷ) below it.
        let diff = predicted - target;
        let over = diff.clone().clamp_min(0.0);
        let under = diff.neg().clamp_min(0.0);
        let one_minus = tau.clone().neg().add_scalar(1.0);
        return (over * one_minus + under * tau).mean();
    }
    let diff = predicted - target;
    match kind {
        LossKind::Mse => diff.square().mean(),
        LossKind::Mae => diff.abs().mean(),
        LossKind::Huber { delta } => {
            // 0.5·c² + δ·(|d| − c) with c = min(|d|, δ): quadratic inside δ, linear outside.
            let a = diff.abs();
            let c = a.clone().clamp_max(delta as f32);
            (c.clone().square().mul_scalar(0.5) + (a - c).mul_scalar(delta as f32)).mean()
        }
        // Handled above.
        LossKind::Quantile { .. } => diff.abs().mean(),
    }
}

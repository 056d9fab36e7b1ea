//! Training losses on the scaled targets, as burn tensors (the burn path's loss; the fast
//! path's is `fast::mean_loss` and its hand-written derivative).

use burn::tensor::Tensor;

use crate::config::LossKind;

/// Mean loss over all elements of `[batch, outputs]`.
pub fn loss(kind: LossKind, predicted: Tensor<2>, target: Tensor<2>) -> Tensor<1> {
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
    }
}

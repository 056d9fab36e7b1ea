//! Dropout masks drawn from the run's own [`Rng`] (burn's global RNG would make
//! concurrent runs non-reproducible): standard inverted dropout, and the variational
//! masks of `model.dropout_mode = variational`. The fast path draws the same numbers in
//! the same order.

use burn::tensor::{Device, Tensor, TensorData};

use super::Forecaster;
use crate::rng::Rng;

/// A variational-dropout model's masks for one batch, drawn before the layers run.
pub(super) struct VariationalMasks {
    /// `[B, H]` per layer: what its recurrent weights read of its state.
    pub(super) recurrent: Vec<Tensor<2>>,
    /// `[B, H]` per layer but the top: the next layer's input.
    pub(super) inputs: Vec<Tensor<2>>,
}

impl Forecaster {
    /// The masks of [`VariationalMasks`], drawn in the order the fast path draws them
    /// (per layer from the bottom: its input mask above the first layer, then its
    /// recurrent mask); the head's mask follows as in standard dropout.
    pub(super) fn variational_masks(
        &self,
        stack: &[super::cell::RecurrentLayer],
        rng: &mut Rng,
        b: usize,
        device: &Device,
    ) -> VariationalMasks {
        let mut masks = VariationalMasks {
            recurrent: Vec::new(),
            inputs: Vec::new(),
        };
        for (k, layer) in stack.iter().enumerate() {
            let h = layer.hidden;
            let mut draw = || {
                let values = dropout_mask(b * h, self.dropout, rng);
                Tensor::<2>::from_data(TensorData::new(values, [b, h]), device)
            };
            if k > 0 {
                masks.inputs.push(draw());
            }
            masks.recurrent.push(draw());
        }
        masks
    }
}

/// `n` inverted-dropout mask values: 0 with probability `p`, else `1 / (1 − p)`; the
/// fast path draws its masks the same way.
pub(crate) fn dropout_mask(n: usize, p: f64, rng: &mut Rng) -> Vec<f32> {
    let keep = (1.0 / (1.0 - p)) as f32;
    (0..n)
        .map(|_| if rng.uniform() < p { 0.0 } else { keep })
        .collect()
}

/// Inverted dropout with a mask from the run's own RNG (burn's global RNG would make
/// concurrent runs non-reproducible).
pub(crate) fn apply_dropout<const D: usize>(x: Tensor<D>, p: f64, rng: &mut Rng) -> Tensor<D> {
    if p <= 0.0 {
        return x;
    }
    let shape = x.shape();
    let n = shape.num_elements();
    let keep = (1.0 / (1.0 - p)) as f32;
    let mask: Vec<f32> = (0..n)
        .map(|_| if rng.uniform() < p { 0.0 } else { keep })
        .collect();
    let mask = Tensor::<D>::from_data(TensorData::new(mask, shape), &x.device());
    x * mask
}

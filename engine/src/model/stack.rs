//! A stack of recurrent layers on burn's autodiff (the reference the fast path is
//! tested against): the direct and recursive models' layers and a bidirectional
//! encoder's second stack, with residual connections, standard or variational dropout,
//! truncated BPTT and the gradient probes.

use burn::tensor::Tensor;

use super::Forecaster;
use super::cell::RecurrentLayer;
use super::dropout::apply_dropout;
use crate::rng::Rng;

impl Forecaster {
    /// Runs `stack` over `input: [B, T, F]` and returns its top layer's output at the
    /// last step `[B, H]` (`None` for an empty stack). Draws the stack's dropout masks
    /// from `dropout_rng` (variational: all of them first; standard: after each
    /// non-top layer). `probes` (one per layer, may be empty) receive dLoss/dh_t.
    pub(super) fn run_stack(
        &self,
        stack: &[RecurrentLayer],
        mut input: Tensor<3>,
        mut dropout_rng: Option<&mut Rng>,
        probes: &[Tensor<3>],
    ) -> Option<Tensor<2>> {
        let mut last = None;
        let n_layers = stack.len();
        // Truncated BPTT: the state entering the last k2 steps is a constant.
        let (prefix, _) = crate::config::Tbptt::split(self.tbptt, input.dims()[1]);
        let detach_at = (prefix > 0).then_some(prefix);
        let variational = match dropout_rng.as_deref_mut() {
            Some(rng) if self.variational && self.dropout > 0.0 => {
                Some(self.variational_masks(stack, rng, input.dims()[0], &input.device()))
            }
            _ => None,
        };
        for (k, layer) in stack.iter().enumerate() {
            let top = k + 1 == n_layers;
            // From the second layer up, a residual layer's output adds its input.
            let residual = self.residual && k > 0;
            let rec_mask = variational.as_ref().and_then(|v| v.recurrent.get(k));
            let (sequence, mut h_last) =
                layer.forward_masked(input.clone(), !top, probes.get(k), (rec_mask, detach_at));
            if residual {
                let [b, steps, width] = input.dims();
                let input_last = input.clone().slice([0..b, steps - 1..steps, 0..width]);
                h_last = h_last + input_last.reshape([b, width]);
            }
            if let Some(seq) = sequence {
                let seq = if residual { seq + input.clone() } else { seq };
                input = match (&variational, dropout_rng.as_deref_mut()) {
                    // The next layer's input mask, the same at every step.
                    (Some(v), _) => match v.inputs.get(k) {
                        Some(mask) => {
                            let [b, steps, width] = seq.dims();
                            seq * mask.clone().reshape([b, 1, width]).repeat_dim(1, steps)
                        }
                        None => seq,
                    },
                    (None, Some(rng)) => apply_dropout(seq, self.dropout, rng),
                    (None, None) => seq,
                };
            }
            last = Some(h_last);
        }
        last
    }
}

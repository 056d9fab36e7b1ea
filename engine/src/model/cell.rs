//! One recurrent layer (LSTM, GRU or vanilla RNN) with fused gate weights.
//!
//! Weights follow PyTorch's layout so results can be compared with it: the gate blocks
//! are stacked along the output axis (LSTM: input, forget, cell, output; GRU: reset,
//! update, new), `w_ih: [d_in, G·H]`, `w_hh: [H, G·H]`. The input projection of all time
//! steps is one matrix product; each step then needs a single `[B, H] × [H, G·H]`
//! product for all gates at once.

use burn::module::{Module, Param};
use burn::tensor::activation::{sigmoid, tanh};
use burn::tensor::{Device, Tensor, TensorData};

use super::init;
use crate::config::{CellKind, InitKind};
use crate::rng::Rng;

/// A single recurrent layer.
#[derive(Module, Debug)]
pub struct RecurrentLayer {
    /// Input-to-hidden weights, `[d_in, G·H]`.
    pub w_ih: Param<Tensor<2>>,
    /// Hidden-to-hidden weights, `[H, G·H]`.
    pub w_hh: Param<Tensor<2>>,
    /// Input bias, `[G·H]`.
    pub b_ih: Param<Tensor<1>>,
    /// Hidden bias, `[G·H]` (separate from `b_ih` because the GRU's new gate needs it).
    pub b_hh: Param<Tensor<1>>,
    /// Peephole LSTM: the per-unit weights `[3·H]` with which the input and forget
    /// gates read the previous cell state and the output gate the new one (i, f, o).
    pub peep: Option<Param<Tensor<1>>>,
    /// Layer normalisation (`model.layer_norm`): the gains `[G·H]` of the normalised
    /// input projection, per gate block (the biases add after them).
    pub ln_ih: Option<Param<Tensor<1>>>,
    /// Layer normalisation: the gains `[G·H]` of the normalised recurrent projection.
    pub ln_hh: Option<Param<Tensor<1>>>,
    /// Cell type.
    #[module(skip)]
    pub cell: CellKind,
    /// Hidden size H.
    #[module(skip)]
    pub hidden: usize,
}

/// How to initialise a layer.
#[derive(Clone, Copy, Debug)]
pub struct LayerInit {
    /// Cell type.
    pub cell: CellKind,
    /// Input features.
    pub d_in: usize,
    /// Hidden units.
    pub hidden: usize,
    /// How the weights start.
    pub init: InitKind,
    /// LSTM forget-gate bias.
    pub forget_bias: f64,
    /// Peephole weights (LSTM), starting at zero.
    pub peephole: bool,
    /// Layer-normalised projections, their gains starting at one.
    pub layer_norm: bool,
}

impl LayerInit {
    /// Builds the layer, drawing every weight from `rng`.
    pub fn init(&self, rng: &mut Rng, device: &Device) -> RecurrentLayer {
        let (d_in, h, g) = (self.d_in, self.hidden, self.cell.gates());
        let bound = 1.0 / (h as f64).sqrt();
        // Per gate block `[fan_in × h]`, placed side by side.
        let blocks = |rng: &mut Rng, rows: usize, draw: &dyn Fn(&mut Rng, usize) -> Vec<f32>| {
            let parts: Vec<Vec<f32>> = (0..g).map(|_| draw(rng, rows)).collect();
            interleave_blocks(&parts, rows, h)
        };
        let he = |rng: &mut Rng, rows: usize| {
            init::uniform(rng, rows, h, (6.0 / rows.max(1) as f64).sqrt())
        };
        let xavier = |rng: &mut Rng, rows: usize| init::xavier(rng, rows, h);
        let (w_ih, w_hh) = match self.init {
            InitKind::Orthogonal => (
                blocks(rng, d_in, &xavier),
                blocks(rng, h, &|rng, _| init::orthogonal(rng, h)),
            ),
            InitKind::Xavier => (blocks(rng, d_in, &xavier), blocks(rng, h, &xavier)),
            InitKind::He => (blocks(rng, d_in, &he), blocks(rng, h, &he)),
            InitKind::Pytorch => (
                init::uniform(rng, d_in, g * h, bound),
                init::uniform(rng, h, g * h, bound),
            ),
        };
        let (mut b_ih, b_hh) = if self.init == InitKind::Pytorch {
            (
                init::uniform(rng, 1, g * h, bound),
                init::uniform(rng, 1, g * h, bound),
            )
        } else {
            (vec![0.0f32; g * h], vec![0.0f32; g * h])
        };
        if self.cell == CellKind::Lstm {
            // Forget gate is block 1 (i, f, g, o); the effective bias is b_ih + b_hh.
            for (k, b) in b_ih.iter_mut().enumerate().skip(h).take(h) {
                *b = self.forget_bias as f32 - b_hh.get(k).copied().unwrap_or(0.0);
            }
        }
        let param2 =
            |v: Vec<f32>, r: usize, c: usize| Param::from_data(TensorData::new(v, [r, c]), device);
        let param1 = |v: Vec<f32>| {
            let n = v.len();
            Param::from_data(TensorData::new(v, [n]), device)
        };
        RecurrentLayer {
            w_ih: param2(w_ih, d_in, g * h),
            w_hh: param2(w_hh, h, g * h),
            b_ih: param1(b_ih),
            b_hh: param1(b_hh),
            peep: (self.peephole && self.cell == CellKind::Lstm)
                .then(|| param1(vec![0.0f32; 3 * h])),
            ln_ih: self.layer_norm.then(|| param1(vec![1.0f32; g * h])),
            ln_hh: self.layer_norm.then(|| param1(vec![1.0f32; g * h])),
            cell: self.cell,
            hidden: h,
        }
    }
}

/// Layer normalisation's variance floor (as PyTorch's default).
pub const LN_EPS: f32 = 1e-5;

/// `a: [N, G·H]` with each gate block of each row normalised to zero mean and unit
/// variance (biased, plus [`LN_EPS`]) and times the gains `[G·H]`; `a` itself without
/// gains.
fn normalised(a: Tensor<2>, gains: Option<&Param<Tensor<1>>>, (g, h): (usize, usize)) -> Tensor<2> {
    let Some(gains) = gains else {
        return a;
    };
    let [n, width] = a.dims();
    let blocks = a.reshape([n, g, h]);
    let mean = blocks.clone().mean_dim(2);
    let centred = blocks - mean;
    let var = centred.clone().powi_scalar(2).mean_dim(2);
    let x_hat = centred / (var + LN_EPS).sqrt();
    x_hat.reshape([n, width]) * gains.val().unsqueeze_dim::<2>(0)
}

/// Places `g` row-major `[rows × h]` blocks side by side into `[rows × g·h]`.
fn interleave_blocks(blocks: &[Vec<f32>], rows: usize, h: usize) -> Vec<f32> {
    let g = blocks.len();
    let mut out = vec![0.0f32; rows * g * h];
    for (b, block) in blocks.iter().enumerate() {
        for r in 0..rows {
            let src = block.get(r * h..(r + 1) * h).unwrap_or(&[]);
            if let Some(dst) = out.get_mut(r * g * h + b * h..r * g * h + (b + 1) * h) {
                dst.copy_from_slice(src);
            }
        }
    }
    out
}

/// What a layer's run over a sequence gives.
pub struct LayerRun {
    /// Every step's hidden state `[B, T, H]`, when asked for.
    pub sequence: Option<Tensor<3>>,
    /// The last hidden state `[B, H]`.
    pub h: Tensor<2>,
    /// The last cell state `[B, H]` (zeros but for the LSTM).
    pub c: Tensor<2>,
}

impl RecurrentLayer {
    /// Runs the layer over `x: [B, T, d_in]`. Returns every step's hidden state
    /// `[B, T, H]` when `keep_sequence` (a stacked layer follows), and the last one `[B, H]`.
    ///
    /// `probe` (`[B, T, H]` zeros that require a gradient) is added to each step's hidden
    /// state: its gradient is then dLoss/dh_t, everything flowing into step t's state.
    pub fn forward(
        &self,
        x: Tensor<3>,
        keep_sequence: bool,
        probe: Option<&Tensor<3>>,
    ) -> (Option<Tensor<3>>, Tensor<2>) {
        let run = self.run(x, None, keep_sequence, probe);
        (run.sequence, run.h)
    }

    /// [`forward`](Self::forward) with variational dropout on the recurrent state
    /// (the recurrent weights read `h ⊙ mask`, `mask: [B, H]`, the same at every step)
    /// and truncated backpropagation: from step `detach_at` on, the state entering the
    /// step is a constant for the gradient (`model.tbptt`).
    pub fn forward_masked(
        &self,
        x: Tensor<3>,
        keep_sequence: bool,
        probe: Option<&Tensor<3>>,
        (rec_mask, detach_at): (Option<&Tensor<2>>, Option<usize>),
    ) -> (Option<Tensor<3>>, Tensor<2>) {
        let run = self.run_masked(x, None, keep_sequence, probe, (rec_mask, detach_at));
        (run.sequence, run.h)
    }

    /// [`forward`](Self::forward) from the state `init` (`(h, c)`, each `[B, H]`; zeros
    /// without it), also returning the last cell state.
    pub fn run(
        &self,
        x: Tensor<3>,
        init: Option<(Tensor<2>, Tensor<2>)>,
        keep_sequence: bool,
        probe: Option<&Tensor<3>>,
    ) -> LayerRun {
        self.run_masked(x, init, keep_sequence, probe, (None, None))
    }

    /// [`run`](Self::run), the recurrent weights reading `h ⊙ rec_mask` when given, the
    /// state detached from the graph before step `detach_at` when given.
    fn run_masked(
        &self,
        x: Tensor<3>,
        init: Option<(Tensor<2>, Tensor<2>)>,
        keep_sequence: bool,
        probe: Option<&Tensor<3>>,
        (rec_mask, detach_at): (Option<&Tensor<2>>, Option<usize>),
    ) -> LayerRun {
        let [batch, steps, d_in] = x.dims();
        let (h, g) = (self.hidden, self.cell.gates());
        let device = x.device();
        // All time steps' input projections in one product: [B·T, d_in] × [d_in, G·H].
        let xw = x.reshape([batch * steps, d_in]).matmul(self.w_ih.val());
        let mut xw =
            normalised(xw, self.ln_ih.as_ref(), (g, h)) + self.b_ih.val().unsqueeze_dim::<2>(0);
        if self.cell != CellKind::Gru {
            // LSTM and RNN only ever use b_ih + b_hh together: fold it in once.
            xw = xw + self.b_hh.val().unsqueeze_dim::<2>(0);
        }
        let xw = xw.reshape([batch, steps, g * h]);
        let w_hh = self.w_hh.val();
        let (mut hidden, mut cell_state): (Tensor<2>, Tensor<2>) = match init {
            Some(state) => state,
            None => (
                Tensor::zeros([batch, h], &device),
                Tensor::zeros([batch, h], &device),
            ),
        };
        let mut outputs = Vec::with_capacity(if keep_sequence { steps } else { 0 });
        for t in 0..steps {
            if detach_at == Some(t) {
                // Truncated BPTT: no gradient flows into the steps before this one.
                hidden = hidden.detach();
                cell_state = cell_state.detach();
            }
            let x_t: Tensor<2> = xw
                .clone()
                .slice([0..batch, t..t + 1, 0..g * h])
                .reshape([batch, g * h]);
            let read = match rec_mask {
                Some(mask) => hidden.clone() * mask.clone(),
                None => hidden.clone(),
            };
            let hw = normalised(read.matmul(w_hh.clone()), self.ln_hh.as_ref(), (g, h));
            hidden = match self.cell {
                CellKind::Lstm => {
                    let gates = x_t + hw;
                    let block = |k: usize| gates.clone().slice([0..batch, k * h..(k + 1) * h]);
                    match &self.peep {
                        Some(peep) => {
                            let p = |k: usize| peep.val().narrow(0, k * h, h).unsqueeze_dim::<2>(0);
                            let i = sigmoid(block(0) + cell_state.clone() * p(0));
                            let f = sigmoid(block(1) + cell_state.clone() * p(1));
                            cell_state = f * cell_state + i * tanh(block(2));
                            let o = sigmoid(block(3) + cell_state.clone() * p(2));
                            o * tanh(cell_state.clone())
                        }
                        None => {
                            let (i, f) = (sigmoid(block(0)), sigmoid(block(1)));
                            let (c_hat, o) = (tanh(block(2)), sigmoid(block(3)));
                            cell_state = f * cell_state + i * c_hat;
                            o * tanh(cell_state.clone())
                        }
                    }
                }
                CellKind::Gru => {
                    let hw = hw + self.b_hh.val().unsqueeze_dim::<2>(0);
                    let xs = |k: usize| x_t.clone().slice([0..batch, k * h..(k + 1) * h]);
                    let hs = |k: usize| hw.clone().slice([0..batch, k * h..(k + 1) * h]);
                    let r = sigmoid(xs(0) + hs(0));
                    let z = sigmoid(xs(1) + hs(1));
                    let n = tanh(xs(2) + r * hs(2));
                    // h' = (1 − z)·n + z·h  =  n + z·(h − n)
                    n.clone() + z * (hidden - n)
                }
                CellKind::Rnn => tanh(x_t + hw),
            };
            if let Some(probe) = probe {
                hidden = hidden
                    + probe
                        .clone()
                        .slice([0..batch, t..t + 1, 0..h])
                        .reshape([batch, h]);
            }
            if keep_sequence {
                outputs.push(hidden.clone());
            }
        }
        let sequence = keep_sequence.then(|| Tensor::stack(outputs, 1));
        LayerRun {
            sequence,
            h: hidden,
            c: cell_state,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::cpu_device;

    /// `(w_ih, w_hh, b_ih, b_hh)` of a fresh LSTM layer, 3 inputs, 8 units.
    fn weights(init: InitKind) -> [Vec<f32>; 4] {
        let layer = LayerInit {
            cell: CellKind::Lstm,
            d_in: 3,
            hidden: 8,
            init,
            forget_bias: 1.0,
            peephole: false,
            layer_norm: false,
        }
        .init(&mut Rng::new(7), &cpu_device());
        let v = |d: burn::tensor::TensorData| d.iter::<f32>().collect::<Vec<f32>>();
        [
            v(layer.w_ih.val().into_data()),
            v(layer.w_hh.val().into_data()),
            v(layer.b_ih.val().into_data()),
            v(layer.b_hh.val().into_data()),
        ]
    }

    fn max_abs(w: &[f32]) -> f32 {
        w.iter().fold(0.0, |m, x| m.max(x.abs()))
    }

    #[test]
    fn each_init_draws_within_its_bounds_and_keeps_the_forget_bias() {
        let (d_in, h) = (3.0f32, 8.0f32);
        let xavier_ih = (6.0 / (d_in + h)).sqrt();
        let xavier_hh = (6.0 / (h + h)).sqrt();
        let he_ih = (6.0 / d_in).sqrt();
        let he_hh = (6.0 / h).sqrt();
        let [ih, hh, _, b_hh] = weights(InitKind::Xavier);
        assert!(max_abs(&ih) <= xavier_ih && max_abs(&ih) > 0.8 * xavier_ih);
        assert!(max_abs(&hh) <= xavier_hh && max_abs(&hh) > 0.8 * xavier_hh);
        assert!(b_hh.iter().all(|b| *b == 0.0));
        let [ih, hh, ..] = weights(InitKind::He);
        assert!(max_abs(&ih) <= he_ih && max_abs(&ih) > 0.8 * he_ih);
        // Larger than Xavier allows: He's bound is √2 times Xavier's for the recurrent map.
        assert!(max_abs(&hh) <= he_hh && max_abs(&hh) > xavier_hh);
        let [_, hh, _, b_hh_torch] = weights(InitKind::Pytorch);
        assert!(max_abs(&hh) <= 1.0 / h.sqrt());
        assert!(b_hh_torch.iter().any(|b| *b != 0.0));
        // Every choice: the effective forget-gate bias (block 1) is the configured one.
        for init in [
            InitKind::Orthogonal,
            InitKind::Xavier,
            InitKind::He,
            InitKind::Pytorch,
        ] {
            let [_, _, b_ih, b_hh] = weights(init);
            for k in 8..16 {
                assert!((b_ih[k] + b_hh[k] - 1.0).abs() < 1e-6, "{init:?}");
            }
        }
        // Orthogonal: each gate's recurrent block `[8 × 8]` has orthonormal columns.
        let [_, hh, ..] = weights(InitKind::Orthogonal);
        for gate in 0..4 {
            let at = |r: usize, c: usize| hh[r * 32 + gate * 8 + c];
            for a in 0..8 {
                for b in 0..8 {
                    let dot: f32 = (0..8).map(|r| at(r, a) * at(r, b)).sum();
                    let want = if a == b { 1.0 } else { 0.0 };
                    assert!((dot - want).abs() < 1e-5, "gate {gate} ({a},{b}) = {dot}");
                }
            }
        }
    }
}

//! The seq2seq strategy on burn (the reference for the fast path's
//! `fast::seq2seq`): the encoder layers run over the lookback as for a direct model;
//! each decoder layer starts from its encoder layer's last state and runs one step per
//! horizon step. The bottom decoder layer reads the previous step's targets (at the
//! first step the window's last observed ones) and the covariates known in advance at
//! the step; one head reads the top decoder layer's state at every step.
//!
//! The value read at step k + 1 is the true value of step k where the teacher mask says
//! so (teacher forcing, while training), else the decoder's own point forecast of step
//! k, taken as a constant: no gradient flows back through a fed-back forecast (as in
//! scheduled sampling). Dropout applies between the encoder's layers, with the same
//! masks as a direct model; the decoder and its head have none.

use std::ops::Range;

use burn::tensor::{Tensor, TensorData};

use super::{Forecaster, apply_dropout};
use crate::rng::Rng;

/// Where a seq2seq decoder reads the true previous value while training.
#[derive(Clone, Copy, Debug)]
pub struct Teacher<'a> {
    /// The whole batch's targets `[B, horizon·targets]` (model space, step-major).
    pub y: &'a [f32],
    /// `[B, horizon − 1]`: 1 where step k + 1 reads the true value of step k, 0 where
    /// it reads the decoder's own forecast.
    pub mask: &'a [u8],
}

/// The teacher mask of `rows` windows of `horizon` steps at `ratio`: each entry is 1
/// with probability `ratio`, drawn from `rng` in row-major order (one draw per entry
/// whatever the ratio, so the run's random stream does not depend on it).
pub fn draw_mask(rng: &mut Rng, rows: usize, horizon: usize, ratio: f64) -> Vec<u8> {
    (0..rows * horizon.saturating_sub(1))
        .map(|_| u8::from(rng.uniform() < ratio))
        .collect()
}

/// The point forecast of one decoder step's outputs `[rows, blocks·targets]` (one block
/// per quantile level): each target's levels sorted (non-crossing), weighted by
/// `weights`; the values themselves for a point model.
pub fn point_rows(
    out: &[f32],
    (rows, blocks, targets): (usize, usize, usize),
    weights: Option<&[f64]>,
) -> Vec<f32> {
    let Some(weights) = weights.filter(|_| blocks > 1) else {
        return out.iter().take(rows * targets).copied().collect();
    };
    let mut point = Vec::with_capacity(rows * targets);
    let mut column = Vec::with_capacity(blocks);
    for r in 0..rows {
        for t in 0..targets {
            column.clear();
            column.extend((0..blocks).filter_map(|q| out.get((r * blocks + q) * targets + t)));
            column.sort_by(f32::total_cmp);
            let v: f64 = column
                .iter()
                .zip(weights)
                .map(|(v, w)| f64::from(*v) * w)
                .sum();
            point.push(v as f32);
        }
    }
    point
}

/// The values the decoder reads at `step` (≥ 1) for the batch rows `rows`: the true
/// values of step − 1 where the teacher says so, else `own` (`[rows, targets]`, the
/// decoder's point forecasts of step − 1).
pub fn next_inputs(
    own: &[f32],
    teacher: Option<&Teacher<'_>>,
    rows: Range<usize>,
    (step, horizon, targets): (usize, usize, usize),
) -> Vec<f32> {
    let mut next = own.to_vec();
    let Some(t) = teacher else {
        return next;
    };
    let per_row = horizon.saturating_sub(1);
    for (r, b) in rows.enumerate() {
        let taught = t.mask.get(b * per_row + step - 1).is_some_and(|m| *m == 1);
        if !taught {
            continue;
        }
        let from = b * horizon * targets + (step - 1) * targets;
        if let (Some(dst), Some(src)) = (
            next.get_mut(r * targets..(r + 1) * targets),
            t.y.get(from..from + targets),
        ) {
            dst.copy_from_slice(src);
        }
    }
    next
}

impl Forecaster {
    /// How many covariates known in advance the model reads over the horizon.
    pub fn known_count(&self) -> usize {
        match (&self.known_w, self.decoder.first()) {
            (Some(w), _) => w.val().dims()[0],
            (None, Some(d)) => d.w_ih.val().dims()[0].saturating_sub(self.targets),
            (None, None) => 0,
        }
    }

    /// The seq2seq forward pass: `[B, quantiles·horizon·targets]`, laid out as a direct
    /// model's (see the module docs). `probes`: one per encoder layer (`[B, T, H]`),
    /// then one per decoder layer (`[B, horizon, H]`); may be empty.
    pub(super) fn seq2seq_forward(
        &self,
        x: Tensor<3>,
        future: Option<Tensor<3>>,
        teacher: Option<Teacher<'_>>,
        dropout_rng: Option<&mut Rng>,
        probes: &[Tensor<3>],
    ) -> Tensor<2> {
        self.seq2seq_pass(x, future, (teacher, dropout_rng), probes, None)
    }

    /// A forecast's attention weights, evaluation mode: `[B, horizon, T]`, row k holding
    /// how much decoder step k read each of the last T (`recurrent_len`) lookback steps,
    /// oldest first; `None` for a model without attention.
    pub fn attention_weights(&self, x: Tensor<3>, future: Option<Tensor<3>>) -> Option<Tensor<3>> {
        self.attn.as_ref()?;
        let mut weights = Vec::with_capacity(self.horizon);
        self.seq2seq_pass(x, future, (None, None), &[], Some(&mut weights));
        (!weights.is_empty()).then(|| Tensor::stack(weights, 1))
    }

    /// [`seq2seq_forward`](Self::seq2seq_forward), keeping each step's attention
    /// weights `[B, T]` in `weights` when given.
    fn seq2seq_pass(
        &self,
        x: Tensor<3>,
        future: Option<Tensor<3>>,
        (teacher, mut dropout_rng): (Option<Teacher<'_>>, Option<&mut Rng>),
        probes: &[Tensor<3>],
        mut attention: Option<&mut Vec<Tensor<2>>>,
    ) -> Tensor<2> {
        let device = x.device();
        let skip = self.skip_w.as_ref().map(|w| self.skip(&x, w.val()));
        let [b, lookback, features] = x.dims();
        let (t, q, horizon) = (self.targets, self.quantiles, self.horizon);
        let last: Vec<f32> = x
            .clone()
            .slice([0..b, lookback - 1..lookback, 0..t])
            .into_data()
            .iter::<f32>()
            .collect();
        let first = lookback - self.recurrent_len(lookback);
        let mut input = if first > 0 {
            x.slice([0..b, first..lookback, 0..features])
        } else {
            x
        };
        let n_layers = self.layers.len();
        let mut states = Vec::with_capacity(n_layers);
        // The top layer's states, which an attention reads (no dropout above the top).
        let mut enc = None;
        for (k, layer) in self.layers.iter().enumerate() {
            let top = k + 1 == n_layers;
            let run = layer.run(
                input.clone(),
                None,
                !top || self.attn.is_some(),
                probes.get(k),
            );
            match run.sequence {
                Some(seq) if top => enc = Some(seq),
                Some(seq) => {
                    input = match dropout_rng.as_deref_mut() {
                        Some(rng) => apply_dropout(seq, self.dropout, rng),
                        None => seq,
                    };
                }
                None => {}
            }
            states.push((run.h, run.c));
        }
        let weights = self.levels.map(|l| l.point_weights());
        let mut prev = last;
        let mut outs = Vec::with_capacity(horizon);
        for step in 0..horizon {
            let mut inp = Tensor::<2>::from_data(TensorData::new(prev.clone(), [b, t]), &device);
            if let Some(f) = &future {
                let known = f.dims()[2];
                let at = f
                    .clone()
                    .slice([0..b, step..step + 1, 0..known])
                    .reshape([b, known]);
                inp = Tensor::cat(vec![inp, at], 1);
            }
            let mut layer_in = inp.unsqueeze_dim::<3>(1);
            let mut top = None;
            for (l, (layer, state)) in self.decoder.iter().zip(states.iter_mut()).enumerate() {
                // The decoder's probes follow the encoder's: `[B, horizon, H]` each.
                let probe = probes.get(n_layers + l).map(|p| {
                    let h = p.dims()[2];
                    p.clone().slice([0..b, step..step + 1, 0..h])
                });
                let run = layer.run(layer_in, Some(state.clone()), false, probe.as_ref());
                layer_in = run.h.clone().unsqueeze_dim::<3>(1);
                top = Some(run.h.clone());
                *state = (run.h, run.c);
            }
            let Some(h) = top else {
                break;
            };
            let head_in = match (&self.attn, &enc) {
                (Some(attn), Some(e)) => {
                    let (context, a) = attn.context(h.clone(), e.clone());
                    if let Some(kept) = attention.as_deref_mut() {
                        kept.push(a);
                    }
                    Tensor::cat(vec![h, context], 1)
                }
                _ => h,
            };
            let o = head_in.matmul(self.head_w.val()) + self.head_b.val().unsqueeze_dim::<2>(0);
            if step + 1 < horizon {
                let values: Vec<f32> = o.clone().into_data().iter::<f32>().collect();
                let own = point_rows(&values, (b, q, t), weights.as_deref());
                prev = next_inputs(&own, teacher.as_ref(), 0..b, (step + 1, horizon, t));
            }
            outs.push(o);
        }
        let out = Tensor::stack::<3>(outs, 1) // [B, horizon, Q·T]
            .reshape([b, horizon, q, t])
            .swap_dims(1, 2) // [B, Q, horizon, T]
            .reshape([b, q * horizon * t]);
        match skip {
            Some(s) if q > 1 => out + Tensor::cat(vec![s; q], 1),
            Some(s) => out + s,
            None => out,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_point_of_crossing_quantiles_is_their_sorted_median() {
        // 2 rows, 3 levels (0.1, 0.5, 0.9), 1 target; row 0's levels cross.
        let out = [3.0, 1.0, 2.0, /* row 1 */ 0.0, 1.0, 5.0];
        let median = [0.0, 1.0, 0.0];
        assert_eq!(point_rows(&out, (2, 3, 1), Some(&median)), [2.0, 1.0]);
        // A point model's outputs are its point forecast.
        assert_eq!(point_rows(&[4.0, 5.0], (2, 1, 1), None), [4.0, 5.0]);
    }

    #[test]
    fn the_teacher_mask_picks_true_values_row_by_row() {
        // 3 windows of horizon 3, 2 targets: y step-major per row.
        let y: Vec<f32> = (0..18).map(|v| v as f32).collect();
        let mask = [1, 0, /* row 1 */ 0, 0, /* row 2 */ 0, 1];
        let teacher = Teacher { y: &y, mask: &mask };
        let own = [-1.0, -2.0, -3.0, -4.0];
        // Rows 1..3 at step 2: row 1 reads its own, row 2 the truth of its step 1.
        let next = next_inputs(&own, Some(&teacher), 1..3, (2, 3, 2));
        assert_eq!(next, [-1.0, -2.0, 14.0, 15.0]);
        // Row 0 at step 1 reads the truth of step 0.
        assert_eq!(
            next_inputs(&[9.0, 9.0], Some(&teacher), 0..1, (1, 3, 2)),
            [0.0, 1.0]
        );
        assert_eq!(next_inputs(&own, None, 1..3, (2, 3, 2)), own);
        // Ratios 0 and 1 give all zeros and all ones.
        let mut rng = Rng::new(1);
        assert!(draw_mask(&mut rng, 4, 5, 0.0).iter().all(|m| *m == 0));
        assert!(draw_mask(&mut rng, 4, 5, 1.0).iter().all(|m| *m == 1));
        assert_eq!(draw_mask(&mut rng, 4, 1, 0.5).len(), 0);
    }
}

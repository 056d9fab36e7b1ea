//! One thread's share of a step: the whole network, forward and backward, on a
//! contiguous range of the batch's rows.

use std::ops::Range;

use super::known::Known;
use super::layer::{self, Backward, LayerGrads, LayerWeights, State, Tape};
use super::math::{self, gemm};
use super::pool;
use super::skip::Skip;
use crate::config::LossKind;
use crate::error::Result;

/// The network's weights, copied out of the model.
pub struct Weights {
    /// Recurrent layers, bottom first.
    pub layers: Vec<LayerWeights>,
    /// `[H, outputs]`.
    pub head_w: Vec<f32>,
    /// `[outputs]`.
    pub head_b: Vec<f32>,
    /// The linear skip `[T, horizon]`, shared by the `targets` forecast columns.
    pub skip: Option<Skip>,
    /// The head's read-out of the covariates known in advance.
    pub known: Option<Known>,
    /// The recurrent layers read the last this many steps of a window (0: all).
    pub recurrent_steps: usize,
    /// A seq2seq model's decoder (`None` for the other strategies).
    pub decoder: Option<super::seq2seq::DecoderWeights>,
    /// Residual connections between stacked layers: from the second layer up, a layer's
    /// output is its hidden state plus its input.
    pub residual: bool,
}

impl Weights {
    /// Steps of a `steps`-long window the recurrent layers read (its last ones; as
    /// `Forecaster::recurrent_len`).
    pub fn recurrent_len(&self, steps: usize) -> usize {
        crate::config::recurrent_len(steps, self.recurrent_steps, self.skip.is_some())
    }

    /// Outputs per window: `blocks·horizon·targets` (the head's width, or for seq2seq
    /// the head's width times the horizon).
    pub fn outputs(&self) -> usize {
        match &self.decoder {
            Some(d) => d.blocks * d.horizon * d.targets,
            None => self.head_b.len(),
        }
    }
}

/// Gradients of every parameter (shapes as in [`Weights`]).
pub struct Grads {
    /// Per layer, bottom first.
    pub layers: Vec<LayerGrads>,
    /// d/d head_w.
    pub head_w: Vec<f32>,
    /// d/d head_b.
    pub head_b: Vec<f32>,
    /// d/d skip weights (empty without a skip).
    pub skip: Vec<f32>,
    /// d/d known-in-advance weights (empty without them).
    pub known: Vec<f32>,
    /// A seq2seq decoder's layers (empty otherwise).
    pub decoder: Vec<LayerGrads>,
    /// A seq2seq decoder's attention.
    pub attn: Option<super::attention::AttnGrads>,
}

impl Grads {
    /// Zeros shaped like `w` (a decoder's are added by its pass).
    pub fn zeros(w: &Weights) -> Self {
        Self {
            layers: w.layers.iter().map(LayerGrads::zeros).collect(),
            head_w: vec![0.0; w.head_w.len()],
            head_b: vec![0.0; w.head_b.len()],
            skip: vec![0.0; w.skip.as_ref().map_or(0, |s| s.w.len())],
            known: vec![0.0; w.known.as_ref().map_or(0, |k| k.w.len())],
            decoder: Vec::new(),
            attn: None,
        }
    }

    /// Adds another part's gradients.
    pub fn add(&mut self, other: &Self) {
        for (a, b) in self.layers.iter_mut().zip(&other.layers) {
            a.add(b);
        }
        math::add_into(&mut self.head_w, &other.head_w);
        math::add_into(&mut self.head_b, &other.head_b);
        math::add_into(&mut self.skip, &other.skip);
        math::add_into(&mut self.known, &other.known);
        match (&mut self.attn, &other.attn) {
            (Some(a), Some(b)) => a.add(b),
            (None, Some(b)) => self.attn = Some(b.clone()),
            _ => {}
        }
        if self.decoder.is_empty() {
            self.decoder.clone_from(&other.decoder);
        } else {
            for (a, b) in self.decoder.iter_mut().zip(&other.decoder) {
                a.add(b);
            }
        }
    }
}

/// Dropout masks for the whole batch, in the layout and order `Forecaster::forward`
/// draws them: one `[B, T, H]` mask after each layer but the top, then `[B, H]`
/// before the head. Values are 0 or 1/(1−p).
#[derive(Default)]
pub struct Masks {
    /// Per non-top layer.
    pub sequence: Vec<Vec<f32>>,
    /// Before the head.
    pub head: Option<Vec<f32>>,
    /// Variational dropout: per layer `[B, H]`, what its recurrent weights read of its
    /// state (empty otherwise).
    pub recurrent: Vec<Vec<f32>>,
}

impl Masks {
    /// This part's rows of layer `k`'s recurrent mask.
    pub(super) fn recurrent_rows(
        &self,
        k: usize,
        rows: &Range<usize>,
        hidden: usize,
    ) -> Option<&[f32]> {
        self.recurrent
            .get(k)
            .and_then(|m| m.get(rows.start * hidden..rows.end * hidden))
    }
}

/// The batch as the caller holds it, and the part of it this thread does.
pub struct PartInput<'a> {
    /// `[B, T, F]`, whole batch.
    pub x: &'a [f32],
    /// `[B, horizon, known]`, whole batch: the covariates known in advance over each
    /// window's horizon (empty without them).
    pub future: &'a [f32],
    /// `[B, horizon·targets]`, whole batch (each quantile block is scored against it).
    pub y: &'a [f32],
    /// Rows of the batch for this part.
    pub rows: Range<usize>,
    /// Time steps T.
    pub steps: usize,
    /// Features F.
    pub features: usize,
    /// Elements the loss is averaged over (B · outputs of the whole batch).
    pub loss_elements: usize,
}

/// One part's sums; the caller adds the parts.
pub struct PartResult {
    /// Σ of element losses over this part.
    pub loss_sum: f64,
    /// Predictions `[rows, outputs]`.
    pub outputs: Vec<f32>,
    /// Gradients of the mean loss (already divided by the whole batch's element count).
    pub grads: Grads,
    /// Per layer and step, Σ (dLoss/dh_t)² over this part's rows and units.
    pub norms: Option<Vec<Vec<f64>>>,
}

/// `[B, T, W]` rows `rows`, steps `first..T` → time-major `[T − first, rows, W]`.
pub(super) fn time_major(
    src: &[f32],
    rows: &Range<usize>,
    (steps, first): (usize, usize),
    width: usize,
) -> Vec<f32> {
    let n = rows.len();
    let kept = steps.saturating_sub(first);
    let mut out = pool::zeros(kept * n * width);
    for (r, b) in rows.clone().enumerate() {
        for t in 0..kept {
            let from = (b * steps + first + t) * width;
            let to = (t * n + r) * width;
            if let (Some(dst), Some(s)) = (out.get_mut(to..to + width), src.get(from..from + width))
            {
                dst.copy_from_slice(s);
            }
        }
    }
    out
}

pub(super) fn multiply(a: &mut [f32], mask: &[f32]) {
    for (x, m) in a.iter_mut().zip(mask) {
        *x *= m;
    }
}

/// One part's forward pass, with what the backward pass reads.
struct Forward {
    /// The recurrent layers' inputs, tapes and masks.
    encoded: Encoded,
    /// The head's input `[rows, H]` (after its dropout mask).
    h_last: Vec<f32>,
    /// This part's rows of the head's dropout mask.
    head_mask: Option<Vec<f32>>,
    /// The linear skip's inputs `[rows·targets, T]`.
    skip_x: Option<Vec<f32>>,
    /// Predictions `[rows, outputs]`.
    pred: Vec<f32>,
}

/// The recurrent layers' forward pass (a seq2seq model's encoder).
pub(super) struct Encoded {
    /// Each layer's time-major input `[T, rows, d_in]` (the bottom one: the batch's).
    pub inputs: Vec<Vec<f32>>,
    /// Each layer's tape.
    pub tapes: Vec<Tape>,
    /// The non-top layers' dropout masks, time-major.
    pub masks_tm: Vec<Vec<f32>>,
    /// Variational dropout: each layer's recurrent mask, this part's rows `[rows, H]`.
    pub rec_masks: Vec<Vec<f32>>,
}

/// Runs the recurrent layers over the last `recurrent_len` steps of rows `rows_range`
/// of `x: [B, T, F]`, with the between-layer dropout masks.
pub(super) fn encode(
    w: &Weights,
    masks: &Masks,
    x: &[f32],
    rows_range: &Range<usize>,
    (steps, features): (usize, usize),
) -> Result<Encoded> {
    let rows = rows_range.len();
    let hidden = w.layers.first().map_or(0, |l| l.hidden);
    let n_layers = w.layers.len();
    let rec = w.recurrent_len(steps);
    let masks_tm: Vec<Vec<f32>> = masks
        .sequence
        .iter()
        .map(|m| time_major(m, rows_range, (rec, 0), hidden))
        .collect();
    let mut inputs: Vec<Vec<f32>> = vec![time_major(x, rows_range, (steps, steps - rec), features)];
    let mut tapes: Vec<Tape> = Vec::with_capacity(n_layers);
    let mut rec_masks = Vec::new();
    for (k, lw) in w.layers.iter().enumerate() {
        let layer_x = inputs.last().map_or(&[][..], Vec::as_slice);
        let rec_mask = masks.recurrent_rows(k, rows_range, hidden);
        if let Some(m) = rec_mask {
            rec_masks.push(m.to_vec());
        }
        let tape = layer::forward(lw, layer_x, (rows, rec), rec_mask)?;
        if k + 1 < n_layers {
            let mut next = pool::copy_of(&tape.h);
            if w.residual && k > 0 {
                math::add_into(&mut next, layer_x);
            }
            if let Some(mask) = masks_tm.get(k) {
                multiply(&mut next, mask);
            }
            inputs.push(next);
        }
        tapes.push(tape);
    }
    Ok(Encoded {
        inputs,
        tapes,
        masks_tm,
        rec_masks,
    })
}

impl Encoded {
    /// Hands the big buffers back to the pool.
    pub(super) fn recycle(self) {
        pool::recycle(
            self.tapes
                .into_iter()
                .flat_map(Tape::into_buffers)
                .chain(self.inputs)
                .chain(self.masks_tm),
        );
    }
}

/// Backward through the recurrent layers, top down. `dh_in: [rec, rows, H]` reaches the
/// top layer's hidden states from outside (the head). `into_last` holds, per layer, the
/// gradient reaching its last state from a seq2seq decoder started from it (h added to
/// the last step's, c as the last cell state's); empty for a direct model. Per-step
/// gradient norms are added to `norms` when probing.
pub(super) fn backward_layers(
    w: &Weights,
    enc: &Encoded,
    mut dh_in: Vec<f32>,
    into_last: &[State],
    (rows, rec): (usize, usize),
    (grads, mut norms): (&mut [LayerGrads], Option<&mut Vec<Vec<f64>>>),
) -> Result<()> {
    let step_h = rows * w.layers.first().map_or(0, |l| l.hidden);
    for k in (0..w.layers.len()).rev() {
        let (Some(lw), Some(tape), Some(x), Some(lg)) = (
            w.layers.get(k),
            enc.tapes.get(k),
            enc.inputs.get(k),
            grads.get_mut(k),
        ) else {
            continue;
        };
        let from_decoder = into_last.get(k);
        if let (Some(s), Some(last)) = (from_decoder, dh_in.get_mut((rec - 1) * step_h..)) {
            math::add_into(last, &s.h);
        }
        let dc_last = from_decoder.and_then(|s| (!s.c.is_empty()).then_some(&s.c[..]));
        let mut dx = if k > 0 {
            pool::take(rows * rec * lw.d_in) // the dx GEMM (beta = 0) writes it all
        } else {
            Vec::new()
        };
        layer::backward(
            lw,
            x,
            tape,
            &dh_in,
            (rows, rec),
            Backward {
                grads: lg,
                dx: (k > 0).then_some(&mut dx),
                norms: norms
                    .as_deref_mut()
                    .and_then(|n| n.get_mut(k))
                    .map(Vec::as_mut_slice),
                init: None,
                dc_last,
                rec_mask: enc.rec_masks.get(k).map(Vec::as_slice),
            },
        )?;
        if k > 0 {
            // A residual layer's input also reaches its output directly.
            if w.residual {
                math::add_into(&mut dx, &dh_in);
            }
            if let Some(mask) = enc.masks_tm.get(k - 1) {
                multiply(&mut dx, mask);
            }
            pool::recycle([std::mem::replace(&mut dh_in, dx)]);
        }
    }
    pool::recycle([dh_in]);
    Ok(())
}

/// The network's forward pass on rows `rows` of the batch `x: [B, T, F]`.
fn forward(
    w: &Weights,
    masks: &Masks,
    (x, future): (&[f32], &[f32]),
    rows_range: &Range<usize>,
    (steps, features): (usize, usize),
) -> Result<Forward> {
    let rows = rows_range.len();
    let hidden = w.layers.first().map_or(0, |l| l.hidden);
    let outputs = w.head_b.len();
    let step_h = rows * hidden;
    // The recurrent layers read the window's last `rec` steps; the skip reads them all.
    let rec = w.recurrent_len(steps);
    let encoded = encode(w, masks, x, rows_range, (steps, features))?;

    // Head: [rows, H] × [H, outputs].
    let last = encoded
        .tapes
        .last()
        .map_or(&[][..], |t| t.h.get((rec - 1) * step_h..).unwrap_or(&[]));
    let mut h_last = last.to_vec();
    if w.residual && encoded.tapes.len() > 1 {
        // The top layer's output adds its input.
        let top_input = encoded.inputs.last().map_or(&[][..], Vec::as_slice);
        math::add_into(
            &mut h_last,
            top_input.get((rec - 1) * step_h..).unwrap_or(&[]),
        );
    }
    let head_mask: Option<Vec<f32>> = masks.head.as_ref().map(|m| {
        m.get(rows_range.start * hidden..rows_range.end * hidden)
            .unwrap_or(&[])
            .to_vec()
    });
    if let Some(mask) = &head_mask {
        multiply(&mut h_last, mask);
    }
    let mut pred = vec![0.0f32; rows * outputs];
    gemm(
        &mut pred,
        &h_last,
        &w.head_w,
        (rows, hidden, outputs),
        false,
        false,
        0.0,
    )?;
    math::add_bias_rows(&mut pred, &w.head_b);
    let skip_x = w
        .skip
        .as_ref()
        .map(|sk| sk.inputs(x, rows_range, steps, features));
    if let (Some(sk), Some(sx)) = (&w.skip, &skip_x) {
        sk.add_to(&mut pred, sx, (rows, steps, outputs))?;
    }
    if let Some(known) = &w.known {
        known.add_to(&mut pred, known.rows(future, rows_range), rows, outputs)?;
    }
    Ok(Forward {
        encoded,
        h_last,
        head_mask,
        skip_x,
        pred,
    })
}

/// Predictions `[rows, outputs]` for rows `rows` of `x: [B, T, F]` (and the
/// known-in-advance block `[B, horizon, known]`), without dropout
/// (the model in evaluation mode).
pub fn predict(
    w: &Weights,
    inputs: (&[f32], &[f32]),
    rows: &Range<usize>,
    shape: (usize, usize),
) -> Result<Vec<f32>> {
    let f = forward(w, &Masks::default(), inputs, rows, shape)?;
    f.encoded.recycle();
    let pred = f.pred;
    Ok(pred)
}

/// The loss of one element with prediction error `diff`, and its derivative; `block`
/// is the element's quantile level (its output block) for the pinball loss.
pub fn element_loss(loss: LossKind, block: usize, diff: f32) -> (f32, f32) {
    match loss {
        LossKind::Quantile { levels } => {
            let tau = levels.as_slice().get(block).copied().unwrap_or(0.5) as f32;
            // (1 − τ)·(ŷ − y) above the truth, τ·(y − ŷ) below; no slope at the truth
            // (as the burn path's two clamps give).
            if diff > 0.0 {
                ((1.0 - tau) * diff, 1.0 - tau)
            } else if diff < 0.0 {
                (-tau * diff, -tau)
            } else {
                (0.0, 0.0)
            }
        }
        LossKind::Mse => (diff * diff, 2.0 * diff),
        LossKind::Mae => (diff.abs(), sign(diff)),
        LossKind::Huber { delta } => {
            let delta = delta as f32;
            let a = diff.abs();
            if a <= delta {
                (0.5 * diff * diff, diff)
            } else {
                (delta * (a - 0.5 * delta), delta * sign(diff))
            }
        }
    }
}

/// Forward and backward of the whole network on one part of the batch.
pub fn run(
    w: &Weights,
    masks: &Masks,
    input: &PartInput<'_>,
    loss: LossKind,
    probe: bool,
) -> Result<PartResult> {
    let rows = input.rows.len();
    let steps = input.steps;
    let hidden = w.layers.first().map_or(0, |l| l.hidden);
    let outputs = w.head_b.len();
    let n_layers = w.layers.len();
    let step_h = rows * hidden;
    let mut f = forward(
        w,
        masks,
        (input.x, input.future),
        &input.rows,
        (steps, input.features),
    )?;
    let pred = std::mem::take(&mut f.pred);
    let (h_last, head_mask, skip_x) = (&f.h_last, &f.head_mask, &f.skip_x);

    // Loss and its gradient with respect to the predictions.
    let step_outputs = outputs / loss.outputs_per_step();
    let y = input
        .y
        .get(input.rows.start * step_outputs..input.rows.end * step_outputs)
        .unwrap_or(&[]);
    let scale = 1.0 / input.loss_elements.max(1) as f32;
    let (loss_sum, dpred) = loss_gradient(loss, &pred, y, step_outputs, scale);

    // Backward: head, then the layers top down.
    let mut grads = Grads::zeros(w);
    gemm(
        &mut grads.head_w,
        h_last,
        &dpred,
        (hidden, rows, outputs),
        true,
        false,
        0.0,
    )?;
    math::add_column_sums(&mut grads.head_b, &dpred);
    if let (Some(sk), Some(sx)) = (&w.skip, skip_x) {
        sk.gradient(&mut grads.skip, sx, &dpred, (rows, steps, outputs))?;
    }
    if let Some(known) = &w.known {
        let f_rows = known.rows(input.future, &input.rows);
        known.gradient(&mut grads.known, f_rows, &dpred, rows, outputs)?;
    }
    let mut dh_last = vec![0.0f32; step_h];
    gemm(
        &mut dh_last,
        &dpred,
        &w.head_w,
        (rows, outputs, hidden),
        false,
        true,
        0.0,
    )?;
    if let Some(mask) = head_mask {
        multiply(&mut dh_last, mask);
    }
    let rec = w.recurrent_len(steps);
    let mut dh_in = pool::zeros(rec * step_h);
    if let Some(dst) = dh_in.get_mut((rec - 1) * step_h..) {
        dst.copy_from_slice(&dh_last);
    }
    let mut norms: Option<Vec<Vec<f64>>> = probe.then(|| vec![vec![0.0; rec]; n_layers]);
    backward_layers(
        w,
        &f.encoded,
        dh_in,
        &[],
        (rows, rec),
        (&mut grads.layers, norms.as_mut()),
    )?;
    f.encoded.recycle();
    Ok(PartResult {
        loss_sum,
        outputs: pred,
        grads,
        norms,
    })
}

/// sign(x) with sign(0) = 0, as burn's `abs` backward uses.
fn sign(x: f32) -> f32 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// The summed loss of `pred` (`[rows, blocks·step_outputs]`) against `y` (`[rows,
/// step_outputs]`, every block scored against it) and its gradient with respect to each
/// prediction, scaled by `scale` (one over the elements of the whole batch).
pub fn loss_gradient(
    loss: LossKind,
    pred: &[f32],
    y: &[f32],
    step_outputs: usize,
    scale: f32,
) -> (f64, Vec<f32>) {
    let blocks = loss.outputs_per_step();
    let step_outputs = step_outputs.max(1);
    let row_len = step_outputs * blocks;
    let mut dpred = vec![0.0f32; pred.len()];
    let mut loss_sum = 0.0f64;
    for (i, (d, &p)) in dpred.iter_mut().zip(pred).enumerate() {
        let (row, column) = (i / row_len, i % row_len);
        let (block, target) = (
            column / step_outputs,
            row * step_outputs + column % step_outputs,
        );
        let Some(&t) = y.get(target) else { break };
        let (value, grad) = element_loss(loss, block, p - t);
        loss_sum += f64::from(value);
        *d = grad * scale;
    }
    (loss_sum, dpred)
}

//! One thread's share of a step: the whole network, forward and backward, on a
//! contiguous range of the batch's rows.

use std::ops::Range;

use super::encoder::{self, Encoded, multiply};
use super::known::Known;
use super::layer::{LayerGrads, LayerWeights};
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
    /// Truncated backpropagation through time (`model.tbptt`).
    pub tbptt: Option<crate::config::Tbptt>,
    /// A bidirectional encoder's second stack (reads the window newest step first);
    /// empty otherwise.
    pub backward: Vec<LayerWeights>,
}

/// `[rows, H]` and `[rows, H]` → `[rows, 2H]`, each row the first's then the second's.
fn side_by_side(a: &[f32], b: &[f32], hidden: usize) -> Vec<f32> {
    a.chunks_exact(hidden.max(1))
        .zip(b.chunks_exact(hidden.max(1)))
        .flat_map(|(x, y)| x.iter().chain(y).copied())
        .collect()
}

impl Weights {
    /// The head's input width: H, or 2H for a bidirectional encoder.
    pub fn head_in(&self) -> usize {
        let hidden = self.layers.first().map_or(0, |l| l.hidden);
        if self.backward.is_empty() {
            hidden
        } else {
            2 * hidden
        }
    }

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
    /// A bidirectional encoder's second stack (empty otherwise).
    pub backward: Vec<LayerGrads>,
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
            backward: w.backward.iter().map(LayerGrads::zeros).collect(),
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
        for (a, b) in self.backward.iter_mut().zip(&other.backward) {
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
    /// A bidirectional encoder's second stack's masks (drawn after the first stack's,
    /// before the head's; its `head` is unused).
    pub reverse: Option<Box<Masks>>,
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
    /// A seq2seq decoder's, per layer and horizon step.
    pub decoder_norms: Option<Vec<Vec<f64>>>,
}

/// One part's forward pass, with what the backward pass reads.
struct Forward {
    /// The recurrent layers' inputs, tapes and masks.
    encoded: Encoded,
    /// A bidirectional encoder's second stack's.
    reversed: Option<Encoded>,
    /// The head's input `[rows, H]` (`[rows, 2H]` bidirectional: the first stack's
    /// output beside the second's), after its dropout mask.
    h_last: Vec<f32>,
    /// This part's rows of the head's dropout mask.
    head_mask: Option<Vec<f32>>,
    /// The linear skip's inputs `[rows·targets, T]`.
    skip_x: Option<Vec<f32>>,
    /// Predictions `[rows, outputs]`.
    pred: Vec<f32>,
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
    // The recurrent layers read the window's last steps (their tapes the last `kept`
    // of them); the skip reads them all.
    let encoded = encoder::encode(w, masks, x, rows_range, (steps, features))?;
    let mut h_last = encoder::top_output(w, &encoded, step_h);
    let reversed = if w.backward.is_empty() {
        None
    } else {
        let rec = w.recurrent_len(steps);
        let x_rev = encoder::reversed_window(x, rows_range, (steps, rec, features));
        let none = Masks::default();
        let stack_masks = masks.reverse.as_deref().unwrap_or(&none);
        let enc = encoder::encode_stack(
            w,
            &w.backward,
            stack_masks,
            (&x_rev, &(0..rows)),
            rows_range,
            (rec, features),
        )?;
        h_last = side_by_side(&h_last, &encoder::top_output(w, &enc, step_h), hidden);
        Some(enc)
    };
    // Head: [rows, H] (or [rows, 2H]) × [·, outputs].
    let head_in = w.head_in();
    let head_mask: Option<Vec<f32>> = masks.head.as_ref().map(|m| {
        m.get(rows_range.start * head_in..rows_range.end * head_in)
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
        (rows, head_in, outputs),
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
        reversed,
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
    if let Some(r) = f.reversed {
        r.recycle();
    }
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
    let head_in = w.head_in();
    gemm(
        &mut grads.head_w,
        h_last,
        &dpred,
        (head_in, rows, outputs),
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
    let mut dh_last = vec![0.0f32; rows * head_in];
    gemm(
        &mut dh_last,
        &dpred,
        &w.head_w,
        (rows, outputs, head_in),
        false,
        true,
        0.0,
    )?;
    if let Some(mask) = head_mask {
        multiply(&mut dh_last, mask);
    }
    // Bidirectional: each row's first H values reach the first stack, the rest the
    // second.
    let (dh_first, dh_second): (Vec<f32>, Vec<f32>) = if f.reversed.is_some() {
        let halves = dh_last.chunks_exact(hidden.max(1));
        let first = halves.clone().step_by(2).flatten().copied().collect();
        let second = halves.skip(1).step_by(2).flatten().copied().collect();
        (first, second)
    } else {
        (dh_last, Vec::new())
    };
    let at_last_step = |enc: &Encoded, dh: &[f32]| {
        let mut dh_in = pool::zeros(enc.steps * step_h);
        if let Some(dst) = dh_in.get_mut((enc.steps - 1) * step_h..) {
            dst.copy_from_slice(dh);
        }
        dh_in
    };
    let rec = w.recurrent_len(steps);
    let mut norms: Option<Vec<Vec<f64>>> = probe.then(|| vec![vec![0.0; rec]; n_layers]);
    encoder::backward_layers(
        w,
        &f.encoded,
        at_last_step(&f.encoded, &dh_first),
        &[],
        rows,
        (&mut grads.layers, norms.as_mut()),
    )?;
    if let Some(enc) = &f.reversed {
        encoder::backward_stack(
            (w, &w.backward),
            enc,
            at_last_step(enc, &dh_second),
            &[],
            rows,
            (&mut grads.backward, None),
        )?;
    }
    f.encoded.recycle();
    if let Some(r) = f.reversed {
        r.recycle();
    }
    Ok(PartResult {
        loss_sum,
        outputs: pred,
        grads,
        norms,
        decoder_norms: None,
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

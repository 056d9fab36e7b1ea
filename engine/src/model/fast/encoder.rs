//! The recurrent stack's forward and backward passes on one part of the batch (a
//! direct or recursive model's layers, a seq2seq model's encoder), with truncated
//! backpropagation through time (`model.tbptt`): the steps before the last `k2` run
//! forward `k1` at a time and keep nothing, so the tapes cover `k2` steps whatever the
//! lookback.

use std::ops::Range;

use super::layer::{self, Backward, LayerGrads, LayerWeights, State, Tape};
use super::math;
use super::part::{Masks, Weights};
use super::pool;
use crate::config::Tbptt;
use crate::error::Result;

/// `[B, T, W]` rows `rows`, steps `first..T` → time-major `[T − first, rows, W]`.
pub(super) fn time_major(
    src: &[f32],
    rows: &Range<usize>,
    (steps, first): (usize, usize),
    width: usize,
) -> Vec<f32> {
    time_major_span(src, rows, steps, (first, steps), width)
}

/// `[B, T, W]` rows `rows`, steps `first..end` → time-major `[end − first, rows, W]`.
fn time_major_span(
    src: &[f32],
    rows: &Range<usize>,
    steps: usize,
    (first, end): (usize, usize),
    width: usize,
) -> Vec<f32> {
    let n = rows.len();
    let kept = end.min(steps).saturating_sub(first);
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

/// The recurrent window (the last `rec` of `steps` steps) of windows `rows` of `x: [B,
/// steps, F]`, newest step first: `[rows, rec, F]`, what a bidirectional encoder's
/// second stack reads. Only this part's rows: a prediction runs a batch in many small
/// parts, and reversing the whole batch for each would cost its size squared.
pub(super) fn reversed_window(
    x: &[f32],
    rows: &Range<usize>,
    (steps, rec, features): (usize, usize, usize),
) -> Vec<f32> {
    let per_window = steps * features;
    let part = x
        .get(rows.start * per_window..rows.end * per_window)
        .unwrap_or(&[]);
    let mut out = Vec::with_capacity(rows.len() * rec * features);
    for window in part.chunks_exact(per_window.max(1)) {
        for j in 0..rec {
            let t = steps - 1 - j;
            out.extend_from_slice(window.get(t * features..(t + 1) * features).unwrap_or(&[]));
        }
    }
    out
}

/// The top layer's output at the last step `[rows, H]`: its state, plus its input with
/// residual connections.
pub(super) fn top_output(w: &Weights, enc: &Encoded, step_h: usize) -> Vec<f32> {
    let at_last = |v: &[f32]| -> Vec<f32> {
        v.get(enc.steps.saturating_sub(1) * step_h..)
            .unwrap_or(&[])
            .to_vec()
    };
    let mut out = enc.tapes.last().map(|t| at_last(&t.h)).unwrap_or_default();
    if w.residual
        && enc.tapes.len() > 1
        && let Some(top_input) = enc.inputs.last()
    {
        math::add_into(&mut out, &at_last(top_input));
    }
    out
}

pub(super) fn multiply(a: &mut [f32], mask: &[f32]) {
    for (x, m) in a.iter_mut().zip(mask) {
        *x *= m;
    }
}

/// The recurrent layers' forward pass (a seq2seq model's encoder).
pub(super) struct Encoded {
    /// Each layer's time-major input `[steps, rows, d_in]` over the backpropagated steps
    /// (the bottom one: the batch's).
    pub inputs: Vec<Vec<f32>>,
    /// Each layer's tape over the backpropagated steps.
    pub tapes: Vec<Tape>,
    /// The non-top layers' dropout masks over the backpropagated steps, time-major.
    pub masks_tm: Vec<Vec<f32>>,
    /// Variational dropout: each layer's recurrent mask, this part's rows `[rows, H]`.
    pub rec_masks: Vec<Vec<f32>>,
    /// Truncated BPTT: each layer's state entering the backpropagated steps (a
    /// constant for the gradient); empty when every step is backpropagated.
    pub init: Vec<State>,
    /// Steps of the recurrent window run forward only, before the tapes start.
    pub prefix: usize,
    /// Steps the tapes cover (the last ones of the recurrent window).
    pub steps: usize,
}

/// Runs the recurrent layers over the last `recurrent_len` steps of rows `rows_range`
/// of `x: [B, T, F]`, with the between-layer dropout masks; under truncated BPTT the
/// tapes keep only the last `k2` of those steps.
pub(super) fn encode(
    w: &Weights,
    masks: &Masks,
    x: &[f32],
    rows_range: &Range<usize>,
    dims: (usize, usize),
) -> Result<Encoded> {
    encode_stack(w, &w.layers, masks, (x, rows_range), rows_range, dims)
}

/// [`encode`] with the layers of `stack` (a bidirectional encoder's second stack runs
/// on the window reversed in time), reading rows `x_rows` of `x` for the batch's rows
/// `rows_range` (which index the masks).
pub(super) fn encode_stack(
    w: &Weights,
    stack: &[LayerWeights],
    masks: &Masks,
    (x, x_rows): (&[f32], &Range<usize>),
    rows_range: &Range<usize>,
    (steps, features): (usize, usize),
) -> Result<Encoded> {
    let rows = rows_range.len();
    let hidden = stack.first().map_or(0, |l| l.hidden);
    let step_h = rows * hidden;
    let n_layers = stack.len();
    let rec = w.recurrent_len(steps);
    let (prefix, kept) = Tbptt::split(w.tbptt, rec);
    let mut masks_tm: Vec<Vec<f32>> = masks
        .sequence
        .iter()
        .map(|m| time_major(m, rows_range, (rec, 0), hidden))
        .collect();
    let rec_rows: Vec<Option<&[f32]>> = (0..n_layers)
        .map(|k| masks.recurrent_rows(k, rows_range, hidden))
        .collect();
    let init = if prefix > 0 {
        let chunk = w.tbptt.map_or(prefix, |t| t.k1.max(1));
        run_prefix(
            (w, stack),
            x,
            LayerMasks {
                between: &masks_tm,
                recurrent: &rec_rows,
            },
            x_rows,
            (steps, features, rec),
            (prefix, chunk),
        )?
    } else {
        Vec::new()
    };
    if prefix > 0 {
        // Keep the masks of the backpropagated steps only.
        for m in &mut masks_tm {
            let tail = pool::copy_of(m.get(prefix * step_h..).unwrap_or(&[]));
            pool::recycle([std::mem::replace(m, tail)]);
        }
    }
    let first = steps - kept;
    let mut inputs: Vec<Vec<f32>> = vec![time_major(x, x_rows, (steps, first), features)];
    let mut tapes: Vec<Tape> = Vec::with_capacity(n_layers);
    let mut rec_masks = Vec::new();
    for (k, lw) in stack.iter().enumerate() {
        let layer_x = inputs.last().map_or(&[][..], Vec::as_slice);
        let rec_mask = rec_rows.get(k).copied().flatten();
        if let Some(m) = rec_mask {
            rec_masks.push(m.to_vec());
        }
        let tape = layer::forward_with(lw, layer_x, (rows, kept), (init.get(k), rec_mask))?;
        if k + 1 < n_layers {
            inputs.push(next_input(
                w,
                k,
                (&tape.h, layer_x),
                masks_tm.get(k).map(Vec::as_slice),
            ));
        }
        tapes.push(tape);
    }
    Ok(Encoded {
        inputs,
        tapes,
        masks_tm,
        rec_masks,
        init,
        prefix,
        steps: kept,
    })
}

/// What layer `k + 1` reads: layer `k`'s states `h` (plus its input `x` with residual
/// connections, from the second layer up), times the between-layer mask.
fn next_input(w: &Weights, k: usize, (h, x): (&[f32], &[f32]), mask: Option<&[f32]>) -> Vec<f32> {
    let mut next = pool::copy_of(h);
    if w.residual && k > 0 {
        math::add_into(&mut next, x);
    }
    if let Some(mask) = mask {
        multiply(&mut next, mask);
    }
    next
}

/// This part's dropout masks, per layer.
#[derive(Clone, Copy)]
struct LayerMasks<'a> {
    /// The non-top layers' between-layer masks, time-major over the recurrent window.
    between: &'a [Vec<f32>],
    /// Variational dropout: each layer's recurrent mask `[rows, H]`.
    recurrent: &'a [Option<&'a [f32]>],
}

/// Truncated BPTT: runs the first `prefix` steps of the recurrent window through every
/// layer, `chunk` steps at a time, keeping only the states they leave. Returns each
/// layer's state after the prefix. `masks_tm` cover the whole recurrent window.
fn run_prefix(
    (w, stack): (&Weights, &[LayerWeights]),
    x: &[f32],
    LayerMasks {
        between: masks_tm,
        recurrent: rec_rows,
    }: LayerMasks<'_>,
    x_rows: &Range<usize>,
    (steps, features, rec): (usize, usize, usize),
    (prefix, chunk): (usize, usize),
) -> Result<Vec<State>> {
    let rows = x_rows.len();
    let step_h = rows * stack.first().map_or(0, |l| l.hidden);
    let mut states: Vec<Option<State>> = vec![None; stack.len()];
    let window_start = steps - rec;
    let mut start = 0;
    while start < prefix {
        let end = (start + chunk).min(prefix);
        let len = end - start;
        let mut input = time_major_span(
            x,
            x_rows,
            steps,
            (window_start + start, window_start + end),
            features,
        );
        for (k, lw) in stack.iter().enumerate() {
            let rec_mask = rec_rows.get(k).copied().flatten();
            let init = states.get(k).and_then(Option::as_ref);
            let tape = layer::forward_with(lw, &input, (rows, len), (init, rec_mask))?;
            if let Some(s) = states.get_mut(k) {
                *s = Some(State::last(&tape, rows, len, lw.hidden));
            }
            if k + 1 < stack.len() {
                let mask = masks_tm
                    .get(k)
                    .and_then(|m| m.get(start * step_h..end * step_h));
                let next = next_input(w, k, (&tape.h, &input), mask);
                pool::recycle([std::mem::replace(&mut input, next)]);
            }
            pool::recycle(tape.into_buffers());
        }
        pool::recycle([input]);
        start = end;
    }
    Ok(states.into_iter().map(Option::unwrap_or_default).collect())
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

    /// The bytes of the buffers kept for the backward pass (tapes, layer inputs,
    /// masks, states): what truncated BPTT bounds.
    #[cfg(test)]
    pub(super) fn kept_bytes(&self) -> usize {
        let tapes: usize = self
            .tapes
            .iter()
            .map(|t| t.gates.len() + t.hn.len() + t.c.len() + t.tc.len() + t.h.len())
            .sum();
        let others: usize = self
            .inputs
            .iter()
            .chain(&self.masks_tm)
            .chain(&self.rec_masks)
            .map(Vec::len)
            .sum();
        let states: usize = self.init.iter().map(|s| s.h.len() + s.c.len()).sum();
        (tapes + others + states) * std::mem::size_of::<f32>()
    }
}

/// Backward through the recurrent layers, top down. `dh_in: [enc.steps, rows, H]`
/// reaches the top layer's hidden states from outside (the head). `into_last` holds,
/// per layer, the gradient reaching its last state from a seq2seq decoder started from
/// it (h added to the last step's, c as the last cell state's); empty for a direct
/// model. Per-step gradient norms (over the whole recurrent window: the steps run
/// forward only get none) are added to `norms` when probing.
pub(super) fn backward_layers(
    w: &Weights,
    enc: &Encoded,
    dh_in: Vec<f32>,
    into_last: &[State],
    rows: usize,
    grads: (&mut [LayerGrads], Option<&mut Vec<Vec<f64>>>),
) -> Result<()> {
    backward_stack((w, &w.layers), enc, dh_in, into_last, rows, grads)
}

/// [`backward_layers`] through the layers of `stack` (which `enc` ran).
pub(super) fn backward_stack(
    (w, stack): (&Weights, &[LayerWeights]),
    enc: &Encoded,
    mut dh_in: Vec<f32>,
    into_last: &[State],
    rows: usize,
    (grads, mut norms): (&mut [LayerGrads], Option<&mut Vec<Vec<f64>>>),
) -> Result<()> {
    let steps = enc.steps;
    let step_h = rows * stack.first().map_or(0, |l| l.hidden);
    for k in (0..stack.len()).rev() {
        let (Some(lw), Some(tape), Some(x), Some(lg)) = (
            stack.get(k),
            enc.tapes.get(k),
            enc.inputs.get(k),
            grads.get_mut(k),
        ) else {
            continue;
        };
        let from_decoder = into_last.get(k);
        if let (Some(s), Some(last)) = (from_decoder, dh_in.get_mut((steps - 1) * step_h..)) {
            math::add_into(last, &s.h);
        }
        let dc_last = from_decoder.and_then(|s| (!s.c.is_empty()).then_some(&s.c[..]));
        let mut dx = if k > 0 {
            pool::take(rows * steps * lw.d_in) // the dx GEMM (beta = 0) writes it all
        } else {
            Vec::new()
        };
        // Truncated BPTT: the state the tape started from; its gradient is dropped.
        let mut d_init = State::default();
        layer::backward(
            lw,
            x,
            tape,
            &dh_in,
            (rows, steps),
            Backward {
                grads: lg,
                dx: (k > 0).then_some(&mut dx),
                norms: norms
                    .as_deref_mut()
                    .and_then(|n| n.get_mut(k))
                    .and_then(|n| n.get_mut(enc.prefix..)),
                init: enc.init.get(k).map(|s| (s, &mut d_init)),
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

//! The seq2seq strategy on the fast path; `model::seq2seq` on burn is the reference
//! (same layout, same feedback, same dropout masks; `tests/seq2seq.rs` holds the two to
//! 1e-4). The encoder is the direct model's recurrent stack (`encoder::encode`); each
//! decoder layer then runs one step at a time from its encoder layer's last state,
//! because a step's input may be the previous step's forecast. The backward pass walks
//! the decoder's steps in reverse, handing each layer's gradient to its previous state
//! (`layer::Backward::init`) on to the step before, and finally into the encoder's
//! last states.

use super::attention::{self, AttnGrads, AttnWeights, Keys, StepGrads};
use super::encoder;
use super::layer::{self, Backward, LayerGrads, LayerWeights, State, Tape};
use super::math::{self, gemm};
use super::part::{self, Grads, Masks, PartInput, PartResult, Weights};
use super::pool;
use crate::config::{Attention, CellKind, LossKind};
use crate::error::{EngineError, Result};
use crate::model::seq2seq::{Teacher, next_inputs, point_rows};

/// A seq2seq model's decoder, copied out of the model.
pub struct DecoderWeights {
    /// Decoder layers, bottom first (the bottom reads `targets + known` values).
    pub layers: Vec<LayerWeights>,
    /// Forecast steps.
    pub horizon: usize,
    /// Forecast columns.
    pub targets: usize,
    /// Covariates known in advance, read by the bottom layer at each step.
    pub known: usize,
    /// Output blocks per step (quantile levels; 1 for a point forecast).
    pub blocks: usize,
    /// The point forecast's weights over the sorted blocks (`None`: a point model).
    pub point: Option<Vec<f64>>,
    /// The attention over the encoder's states (its head reads `[h; context]`).
    pub attn: Option<AttnWeights>,
}

/// One decoder step of one part: what the backward pass reads.
struct Step {
    /// Each layer's input `[rows, d_in]`.
    inputs: Vec<Vec<f32>>,
    /// Each layer's one-step tape.
    tapes: Vec<Tape>,
    /// Each layer's state before the step.
    before: Vec<State>,
    /// The attention of the step.
    attn: Option<attention::Step>,
}

/// The forward pass of one part.
struct Forward {
    encoded: encoder::Encoded,
    /// The additive attention's `enc·W₁` (empty otherwise).
    enc_w: Vec<f32>,
    steps: Vec<Step>,
    skip_x: Option<Vec<f32>>,
    /// `[rows, blocks·horizon·targets]`, laid out as a direct model's.
    pred: Vec<f32>,
}

fn forward(
    w: &Weights,
    dec: &DecoderWeights,
    masks: &Masks,
    input: (&PartInput<'_>, Option<&Teacher<'_>>),
) -> Result<Forward> {
    let (input, teacher) = input;
    let (rows_range, steps, features) = (&input.rows, input.steps, input.features);
    let rows = rows_range.len();
    let hidden = w.layers.first().map_or(0, |l| l.hidden);
    let rec = w.recurrent_len(steps);
    let encoded = encoder::encode(w, masks, input.x, rows_range, (steps, features))?;
    let enc = top_states(&encoded, rec * rows * hidden);
    let enc_w = match &dec.attn {
        Some(a) => attention::encoder_side(a, enc, (rec, rows))?,
        None => Vec::new(),
    };
    let keys = Keys {
        enc,
        enc_w: &enc_w,
        steps: rec,
        rows,
    };
    let head_width = hidden * if dec.attn.is_some() { 2 } else { 1 };
    let mut states: Vec<State> = encoded
        .tapes
        .iter()
        .map(|t| State::last(t, rows, rec, hidden))
        .collect();
    let (horizon, targets, known, blocks) = (dec.horizon, dec.targets, dec.known, dec.blocks);
    let per_step = blocks * targets;
    // The first step reads the window's last observed targets.
    let mut prev = Vec::with_capacity(rows * targets);
    for b in rows_range.clone() {
        let at = (b * steps + steps - 1) * features;
        prev.extend_from_slice(input.x.get(at..at + targets).unwrap_or(&[]));
    }
    let d_in = targets + known;
    let mut pred = vec![0.0f32; rows * blocks * horizon * targets];
    let mut record = Vec::with_capacity(horizon);
    let mut out = vec![0.0f32; rows * per_step];
    for k in 0..horizon {
        let mut bottom = Vec::with_capacity(rows * d_in);
        for (r, b) in rows_range.clone().enumerate() {
            bottom.extend_from_slice(prev.get(r * targets..(r + 1) * targets).unwrap_or(&[]));
            let at = (b * horizon + k) * known;
            bottom.extend_from_slice(input.future.get(at..at + known).unwrap_or(&[]));
        }
        if bottom.len() != rows * d_in {
            return Err(EngineError::FastPath(format!(
                "decoder step {k}: {} inputs for {rows}×{d_in}",
                bottom.len()
            )));
        }
        let mut step = Step {
            inputs: Vec::with_capacity(dec.layers.len()),
            tapes: Vec::with_capacity(dec.layers.len()),
            before: Vec::with_capacity(dec.layers.len()),
            attn: None,
        };
        let mut layer_in = bottom;
        for (lw, state) in dec.layers.iter().zip(states.iter_mut()) {
            let tape = layer::forward_from(lw, &layer_in, (rows, 1), Some(state))?;
            let after = State::last(&tape, rows, 1, lw.hidden);
            step.before.push(std::mem::replace(state, after));
            let h = tape.h.get(..rows * lw.hidden).unwrap_or(&[]).to_vec();
            step.inputs.push(std::mem::replace(&mut layer_in, h));
            step.tapes.push(tape);
        }
        // layer_in is now the top layer's state [rows, H]; with attention the head
        // reads [h; context].
        if let Some(a) = &dec.attn {
            let st = attention::forward(a, &keys, &layer_in)?;
            layer_in = side_by_side(&layer_in, &st.context, hidden);
            step.attn = Some(st);
        }
        gemm(
            &mut out,
            &layer_in,
            &w.head_w,
            (rows, head_width, per_step),
            false,
            false,
            0.0,
        )?;
        math::add_bias_rows(&mut out, &w.head_b);
        for r in 0..rows {
            for q in 0..blocks {
                let from = (r * blocks + q) * targets;
                let to = ((r * blocks + q) * horizon + k) * targets;
                if let (Some(dst), Some(src)) = (
                    pred.get_mut(to..to + targets),
                    out.get(from..from + targets),
                ) {
                    dst.copy_from_slice(src);
                }
            }
        }
        if k + 1 < horizon {
            let own = point_rows(&out, (rows, blocks, targets), dec.point.as_deref());
            prev = next_inputs(&own, teacher, rows_range.clone(), (k + 1, horizon, targets));
        }
        step.inputs.push(layer_in); // the head's input, last
        record.push(step);
    }
    let skip_x = w
        .skip
        .as_ref()
        .map(|sk| sk.inputs(input.x, rows_range, steps, features));
    let outputs = blocks * horizon * targets;
    if let (Some(sk), Some(sx)) = (&w.skip, &skip_x) {
        sk.add_to(&mut pred, sx, (rows, steps, outputs))?;
    }
    Ok(Forward {
        encoded,
        enc_w,
        steps: record,
        skip_x,
        pred,
    })
}

/// Forecasts `[rows, blocks·horizon·targets]` of rows `rows` (no dropout, no teacher).
pub fn predict(w: &Weights, dec: &DecoderWeights, input: &PartInput<'_>) -> Result<Vec<f32>> {
    let f = forward(w, dec, &Masks::default(), (input, None))?;
    f.encoded.recycle();
    Ok(f.pred)
}

/// Forward and backward of a seq2seq model on one part of the batch.
pub fn run(
    (w, dec): (&Weights, &DecoderWeights),
    masks: &Masks,
    input: (&PartInput<'_>, Option<&Teacher<'_>>),
    loss: LossKind,
    probe: bool,
) -> Result<PartResult> {
    let mut f = forward(w, dec, masks, input)?;
    let input = input.0;
    let rows = input.rows.len();
    let hidden = w.layers.first().map_or(0, |l| l.hidden);
    let (horizon, targets, blocks) = (dec.horizon, dec.targets, dec.blocks);
    let per_step = blocks * targets;
    let outputs = blocks * horizon * targets;
    let step_outputs = horizon * targets;
    let y = input
        .y
        .get(input.rows.start * step_outputs..input.rows.end * step_outputs)
        .unwrap_or(&[]);
    let scale = 1.0 / input.loss_elements.max(1) as f32;
    let pred = std::mem::take(&mut f.pred);
    let (loss_sum, dpred) = part::loss_gradient(loss, &pred, y, step_outputs, scale);

    let mut grads = Grads::zeros(w);
    let mut dec_grads: Vec<LayerGrads> = dec.layers.iter().map(LayerGrads::zeros).collect();
    if let (Some(sk), Some(sx)) = (&w.skip, &f.skip_x) {
        sk.gradient(&mut grads.skip, sx, &dpred, (rows, input.steps, outputs))?;
    }
    let lstm = dec.layers.first().is_some_and(|l| l.cell == CellKind::Lstm);
    let zero_state = || State {
        h: vec![0.0; rows * hidden],
        c: if lstm {
            vec![0.0; rows * hidden]
        } else {
            Vec::new()
        },
    };
    // Gradient reaching each layer's state after the step being walked.
    let mut carry: Vec<State> = dec.layers.iter().map(|_| zero_state()).collect();
    let mut d_out = vec![0.0f32; rows * per_step];
    let rec = w.recurrent_len(input.steps);
    let head_width = hidden * if dec.attn.is_some() { 2 } else { 1 };
    // The encoder states' gradient from the attention (every step), and the additive
    // score's pre-activation gradient summed over the decoder's steps.
    let mut d_enc = pool::zeros(rec * rows * hidden);
    let additive = dec
        .attn
        .as_ref()
        .is_some_and(|a| a.kind == Attention::Additive);
    let mut dz = vec![0.0f32; if additive { rec * rows * hidden } else { 0 }];
    // Probing: per decoder layer and horizon step, Σ (dLoss/dh)².
    let mut decoder_norms: Option<Vec<Vec<f64>>> =
        probe.then(|| vec![vec![0.0; horizon]; dec.layers.len()]);
    let mut attn_grads = dec.attn.as_ref().map(AttnGrads::zeros);
    let keys = Keys {
        enc: top_states(&f.encoded, rec * rows * hidden),
        enc_w: &f.enc_w,
        steps: rec,
        rows,
    };
    for (k, step) in f.steps.iter().enumerate().rev() {
        for r in 0..rows {
            for q in 0..blocks {
                let from = ((r * blocks + q) * horizon + k) * targets;
                let to = (r * blocks + q) * targets;
                if let (Some(dst), Some(src)) = (
                    d_out.get_mut(to..to + targets),
                    dpred.get(from..from + targets),
                ) {
                    dst.copy_from_slice(src);
                }
            }
        }
        let head_in = step.inputs.last().map_or(&[][..], Vec::as_slice);
        gemm(
            &mut grads.head_w,
            head_in,
            &d_out,
            (head_width, rows, per_step),
            true,
            false,
            1.0,
        )?;
        math::add_column_sums(&mut grads.head_b, &d_out);
        let mut d_head_in = vec![0.0f32; rows * head_width];
        gemm(
            &mut d_head_in,
            &d_out,
            &w.head_w,
            (rows, per_step, head_width),
            false,
            true,
            0.0,
        )?;
        let mut from_above = match (&dec.attn, &step.attn, attn_grads.as_mut()) {
            (Some(a), Some(st), Some(ag)) => {
                let (mut dh, dc) = split_rows(&d_head_in, hidden);
                let h = step
                    .tapes
                    .last()
                    .and_then(|t| t.h.get(..rows * hidden))
                    .unwrap_or(&[]);
                attention::backward(
                    a,
                    &keys,
                    (h, st),
                    &dc,
                    StepGrads {
                        dh: &mut dh,
                        d_enc: &mut d_enc,
                        dz: &mut dz,
                        grads: ag,
                    },
                )?;
                dh
            }
            _ => d_head_in,
        };
        for l in (0..dec.layers.len()).rev() {
            let (Some(lw), Some(tape), Some(x), Some(before), Some(lg), Some(c)) = (
                dec.layers.get(l),
                step.tapes.get(l),
                step.inputs.get(l),
                step.before.get(l),
                dec_grads.get_mut(l),
                carry.get_mut(l),
            ) else {
                continue;
            };
            math::add_into(&mut from_above, &c.h);
            let mut d_before = State::default();
            let mut dx = Vec::new();
            layer::backward(
                lw,
                x,
                tape,
                &from_above,
                (rows, 1),
                Backward {
                    grads: lg,
                    dx: (l > 0).then_some(&mut dx),
                    norms: decoder_norms
                        .as_mut()
                        .and_then(|n| n.get_mut(l))
                        .and_then(|n| n.get_mut(k..k + 1)),
                    init: Some((before, &mut d_before)),
                    dc_last: lstm.then_some(&c.c[..]),
                    rec_mask: None,
                },
            )?;
            *c = d_before;
            from_above = dx;
        }
    }
    if let (Some(a), Some(ag)) = (&dec.attn, attn_grads.as_mut()) {
        attention::finish(a, &keys, &dz, (&mut d_enc, ag))?;
    }
    let n_layers = w.layers.len();
    let mut norms: Option<Vec<Vec<f64>>> = probe.then(|| vec![vec![0.0; rec]; n_layers]);
    encoder::backward_layers(
        w,
        &f.encoded,
        d_enc,
        &carry,
        rows,
        (&mut grads.layers, norms.as_mut()),
    )?;
    for step in f.steps {
        pool::recycle(step.tapes.into_iter().flat_map(Tape::into_buffers));
    }
    f.encoded.recycle();
    grads.decoder = dec_grads;
    grads.attn = attn_grads;
    Ok(PartResult {
        loss_sum,
        outputs: pred,
        grads,
        norms,
        decoder_norms,
    })
}

/// The encoder's top-layer states `[T, rows, H]` (the first `len` values of its tape).
fn top_states(encoded: &encoder::Encoded, len: usize) -> &[f32] {
    encoded
        .tapes
        .last()
        .and_then(|t| t.h.get(..len))
        .unwrap_or(&[])
}

/// Rows of `a` and `b` (`[rows, h]` each) side by side: `[rows, 2h]`.
fn side_by_side(a: &[f32], b: &[f32], h: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    for (ra, rb) in a.chunks_exact(h.max(1)).zip(b.chunks_exact(h.max(1))) {
        out.extend_from_slice(ra);
        out.extend_from_slice(rb);
    }
    out
}

/// The halves of each row of `m` (`[rows, 2h]`): `([rows, h], [rows, h])`.
fn split_rows(m: &[f32], h: usize) -> (Vec<f32>, Vec<f32>) {
    let (mut a, mut b) = (
        Vec::with_capacity(m.len() / 2),
        Vec::with_capacity(m.len() / 2),
    );
    for row in m.chunks_exact((2 * h).max(1)) {
        let (x, y) = row.split_at(h);
        a.extend_from_slice(x);
        b.extend_from_slice(y);
    }
    (a, b)
}

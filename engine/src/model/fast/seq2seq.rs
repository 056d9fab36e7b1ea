//! The seq2seq strategy on the fast path; `model::seq2seq` on burn is the reference
//! (same layout, same feedback, same dropout masks; `tests/seq2seq.rs` holds the two to
//! 1e-4). The encoder is the direct model's recurrent stack (`part::encode`); each
//! decoder layer then runs one step at a time from its encoder layer's last state,
//! because a step's input may be the previous step's forecast. The backward pass walks
//! the decoder's steps in reverse, handing each layer's gradient to its previous state
//! (`layer::Backward::init`) on to the step before, and finally into the encoder's
//! last states.

use super::layer::{self, Backward, LayerGrads, LayerWeights, State, Tape};
use super::math::{self, gemm};
use super::part::{self, Grads, Masks, PartInput, PartResult, Weights};
use super::pool;
use crate::config::{CellKind, LossKind};
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
}

/// One decoder step of one part: what the backward pass reads.
struct Step {
    /// Each layer's input `[rows, d_in]`.
    inputs: Vec<Vec<f32>>,
    /// Each layer's one-step tape.
    tapes: Vec<Tape>,
    /// Each layer's state before the step.
    before: Vec<State>,
}

/// The forward pass of one part.
struct Forward {
    encoded: part::Encoded,
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
    let encoded = part::encode(w, masks, input.x, rows_range, (steps, features))?;
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
        // layer_in is now the top layer's state [rows, H].
        gemm(
            &mut out,
            &layer_in,
            &w.head_w,
            (rows, hidden, per_step),
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
        let top_h = step.inputs.last().map_or(&[][..], Vec::as_slice);
        gemm(
            &mut grads.head_w,
            top_h,
            &d_out,
            (hidden, rows, per_step),
            true,
            false,
            1.0,
        )?;
        math::add_column_sums(&mut grads.head_b, &d_out);
        let mut from_above = vec![0.0f32; rows * hidden];
        gemm(
            &mut from_above,
            &d_out,
            &w.head_w,
            (rows, per_step, hidden),
            false,
            true,
            0.0,
        )?;
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
                    norms: None,
                    init: Some((before, &mut d_before)),
                    dc_last: lstm.then_some(&c.c[..]),
                },
            )?;
            *c = d_before;
            from_above = dx;
        }
    }
    let rec = w.recurrent_len(input.steps);
    let n_layers = w.layers.len();
    let mut norms: Option<Vec<Vec<f64>>> = probe.then(|| vec![vec![0.0; rec]; n_layers]);
    backward_encoder(
        w,
        &f.encoded,
        &carry,
        (rows, rec),
        &mut grads,
        norms.as_mut(),
    )?;
    for step in f.steps {
        pool::recycle(step.tapes.into_iter().flat_map(Tape::into_buffers));
    }
    f.encoded.recycle();
    grads.decoder = dec_grads;
    Ok(PartResult {
        loss_sum,
        outputs: pred,
        grads,
        norms,
    })
}

/// The encoder's backward pass: nothing reaches its states but the decoder's start.
fn backward_encoder(
    w: &Weights,
    encoded: &part::Encoded,
    into_last: &[State],
    (rows, rec): (usize, usize),
    grads: &mut Grads,
    norms: Option<&mut Vec<Vec<f64>>>,
) -> Result<()> {
    let hidden = w.layers.first().map_or(0, |l| l.hidden);
    let dh_in = pool::zeros(rec * rows * hidden);
    part::backward_layers(
        w,
        encoded,
        dh_in,
        into_last,
        (rows, rec),
        (&mut grads.layers, norms),
    )
}

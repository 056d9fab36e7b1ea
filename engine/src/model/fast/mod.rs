//! The fast training path: forward and backward-through-time of the whole
//! [`Forecaster`] (recurrent layers, dropout, head, loss) written by hand on f32 slices.
//!
//! burn's autodiff graph of the same model (`Forecaster::forward` + `backward`) stays
//! the reference: this module reads the same `Param`s, draws the same dropout masks from
//! the same `Rng` in the same order, and returns gradients registered by `param.id` in a
//! [`GradientsParams`], so norms, clipping and the optimiser work on them unchanged.
//! Tests (`tests/`) hold the two paths to 1e-4 relative; the contract they keep is
//! [`super::contract`], and [`super::path`] chooses between them.
//!
//! Speed comes from: the input projection of all time steps as one GEMM, one GEMM per
//! step for all gates, fused element-wise passes with a vectorisable `exp`, the weight
//! gradients as one GEMM each over all steps, and the batch split into contiguous parts
//! run on separate threads (each part's gradients are sums, so the parts just add).

mod attention;
mod encoder;
mod kernel;
mod known;
mod layer;
mod ln;
mod masks;
mod math;
mod part;
mod pool;
mod rows;
mod seq2seq;
mod skip;
mod steps;
#[cfg(test)]
mod tests;
mod transposed;

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

use burn::module::Param;
use burn::optim::GradientsParams;
use burn::tensor::{Tensor, TensorData};

use super::{Forecaster, cpu_device};
use crate::config::LossKind;
use crate::error::{EngineError, Result};
use crate::model::seq2seq::Teacher;
use crate::rng::Rng;
use known::Known;
use layer::LayerWeights;
use part::{Masks, PartInput, PartResult, Weights};
use skip::Skip;

/// Fewer rows than this per thread and a second thread costs more than it saves.
const MIN_ROWS_PER_THREAD: usize = 8;

/// Upper bound on threads per step; 0 = one per available core.
static MAX_THREADS: AtomicUsize = AtomicUsize::new(0);

/// Caps the threads one training step uses (0 = one per core, the default). The GUI
/// may lower it to keep a core for drawing; `seqcast bench --threads` sets it.
pub fn set_max_threads(threads: usize) {
    MAX_THREADS.store(threads, Ordering::Relaxed);
}

/// Threads a step will use at most.
pub fn max_threads() -> usize {
    match MAX_THREADS.load(Ordering::Relaxed) {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    }
}

/// One mini-batch, row-major as `data::window` gathers it.
#[derive(Clone, Copy, Debug)]
pub struct FastBatch<'a> {
    /// Inputs `[batch, lookback, features]`.
    pub x: &'a [f32],
    /// The covariates known in advance over each window's horizon, `[batch, horizon,
    /// known]` (empty for a model without them).
    pub future: &'a [f32],
    /// A seq2seq model's teacher mask `[batch, horizon − 1]` (1: that decoder step reads
    /// the true previous value; see `model::seq2seq::Teacher`); empty: every step reads
    /// the decoder's own forecast. Other strategies ignore it.
    pub teacher: &'a [u8],
    /// Targets `[batch, horizon·targets]` (a quantile model's every block is scored
    /// against them).
    pub y: &'a [f32],
    /// Windows in the batch.
    pub batch: usize,
    /// Time steps per window.
    pub lookback: usize,
    /// Input features per step.
    pub features: usize,
}

/// The result of one forward + backward pass.
pub struct FastStep {
    /// Mean loss over the batch's elements (what `model::loss::loss` returns).
    pub loss: f64,
    /// Predictions `[batch, quantiles·horizon·targets]`.
    pub outputs: Vec<f32>,
    /// Gradient of the mean loss for every parameter of the model, by `param.id`, on
    /// the plain CPU device (as `GradientsParams::from_grads` gives them).
    pub grads: GradientsParams,
    /// Only when probing: `time_norms[l][t]` is the L2 norm, over the batch and the
    /// hidden units, of the total derivative dLoss/dh^l_t of layer `l`'s hidden state at
    /// step `t` (bottom layer first, oldest step first). "Total" means everything that
    /// flows into h^l_t: the layer above (through its dropout mask), step t+1 of the
    /// same layer, and for the top layer's last step the head.
    pub time_norms: Option<Vec<Vec<f64>>>,
    /// A seq2seq model, only when probing: `decoder_norms[l][k]`, the same norm for
    /// decoder layer `l`'s state at horizon step `k` (everything flowing into it: the
    /// head or the layer above, and step k+1 of the same layer).
    pub decoder_norms: Option<Vec<Vec<f64>>>,
}

/// Whether the fast path can run this model (every shipped configuration can: LSTM,
/// GRU and RNN, any depth, any dropout); otherwise use burn's autodiff path.
pub fn supports(model: &Forecaster) -> bool {
    let Some(first) = model.layers.first() else {
        return false;
    };
    // Residual seq2seq stacks are refused by config validation; the fast path has no
    // residual decoder either.
    model
        .layers
        .iter()
        .all(|l| l.cell == first.cell && l.hidden == first.hidden)
        && !((model.residual
            || model.tbptt.is_some()
            || !model.backward.is_empty()
            || model
                .layers
                .iter()
                .any(|l| l.peep.is_some() || l.ln_hh.is_some()))
            && model.is_seq2seq())
}

/// Forward and backward pass of `model` on `batch` with the given loss.
///
/// Pass `dropout_rng` while training: masks are drawn from it exactly as
/// `Forecaster::forward` draws them (after each non-top layer a `[B, T, H]` mask in
/// row-major order, then a `[B, H]` mask before the head; nothing when dropout is 0),
/// so both paths consume the same random numbers. `probe` asks for
/// [`FastStep::time_norms`].
pub fn forward_backward(
    model: &Forecaster,
    batch: &FastBatch<'_>,
    loss: LossKind,
    dropout_rng: Option<&mut Rng>,
    probe: bool,
) -> Result<FastStep> {
    let weights = read_weights(model)?;
    let hidden = weights.layers.first().map_or(0, |l| l.hidden);
    let outputs = weights.outputs();
    let (b, steps) = (batch.batch, batch.lookback);
    if !supports(model)
        || b == 0
        || steps == 0
        || batch.x.len() != b * steps * batch.features
        || batch.y.len() * loss.outputs_per_step() != b * outputs
        || weights.layers.first().map(|l| l.d_in) != Some(batch.features)
        || batch.future.len() != b * known_width(&weights)
        || !teacher_fits(&weights, batch.teacher, b)
    {
        return Err(EngineError::FastPath(format!(
            "batch shapes do not match the model: x {} values for {b}×{steps}×{}, y {} for \
             {b}×{outputs}, known-in-advance block {} for {b}×{}",
            batch.x.len(),
            batch.features,
            batch.y.len(),
            batch.future.len(),
            known_width(&weights)
        )));
    }
    let masks = match dropout_rng {
        Some(rng) if model.dropout > 0.0 => masks::draw(
            rng,
            (model.dropout, model.variational),
            (b, weights.recurrent_len(steps), hidden),
            (
                weights.layers.len(),
                1 + usize::from(!weights.backward.is_empty()),
            ),
            // A seq2seq model has no dropout before its head.
            weights.decoder.is_none().then(|| weights.head_in()),
        ),
        _ => Masks::default(),
    };
    let parts = split_rows(b, max_threads());
    let input = |rows: Range<usize>| PartInput {
        x: batch.x,
        future: batch.future,
        y: batch.y,
        rows,
        steps,
        features: batch.features,
        loss_elements: b * outputs,
    };
    let (weights_ref, masks_ref) = (&weights, &masks);
    let teacher = (!batch.teacher.is_empty()).then_some(Teacher {
        y: batch.y,
        mask: batch.teacher,
    });
    let run = |rows: Range<usize>| match &weights_ref.decoder {
        Some(dec) => seq2seq::run(
            (weights_ref, dec),
            masks_ref,
            (&input(rows), teacher.as_ref()),
            loss,
            probe,
        ),
        None => part::run(weights_ref, masks_ref, &input(rows), loss, probe),
    };
    let results = on_threads(parts, "seqcast-fast-step", &run);
    combine(model, results, b, outputs)
}

/// Rows one thread runs through the network at a time when predicting: the forward
/// pass keeps a tape of every step, so a bounded share keeps that small (a 2×64 LSTM
/// over 336 steps: about 14 MB for 32 rows).
const PREDICT_ROWS: usize = 32;

/// Predictions `[windows, horizon·targets]` of `model` in evaluation mode (no
/// dropout) for the inputs `x: [windows, lookback, features]`, on the fast path's
/// kernels and threads. The same numbers as `Forecaster::forward` to float rounding
/// (tests hold the two to 1e-4 relative), an order of magnitude sooner.
pub fn predict(
    model: &Forecaster,
    (x, future): (&[f32], &[f32]),
    windows: usize,
    lookback: usize,
    features: usize,
) -> Result<Vec<f32>> {
    if !supports(model) {
        return Err(EngineError::FastPath(
            "the fast path does not run this model".into(),
        ));
    }
    let weights = read_weights(model)?;
    if lookback == 0
        || x.len() != windows * lookback * features
        || weights.layers.first().map(|l| l.d_in) != Some(features)
        || future.len() != windows * known_width(&weights)
    {
        return Err(EngineError::FastPath(format!(
            "inputs do not match the model: {} values for {windows}×{lookback}×{features}, \
             known-in-advance block {} for {windows}×{}",
            x.len(),
            future.len(),
            known_width(&weights)
        )));
    }
    let shape = (lookback, features);
    let run = |rows: Range<usize>| -> Result<Vec<f32>> {
        let mut out = Vec::new();
        let mut start = rows.start;
        while start < rows.end {
            let end = (start + PREDICT_ROWS).min(rows.end);
            let part = match &weights.decoder {
                Some(dec) => {
                    let input = PartInput {
                        x,
                        future,
                        y: &[],
                        rows: start..end,
                        steps: lookback,
                        features,
                        loss_elements: 0,
                    };
                    seq2seq::predict(&weights, dec, &input)?
                }
                None => part::predict(&weights, (x, future), &(start..end), shape)?,
            };
            out.extend(part);
            start = end;
        }
        Ok(out)
    };
    let parts = split_rows(windows, max_threads());
    let results = on_threads(parts, "seqcast-fast-predict", &run);
    let mut out = Vec::with_capacity(windows * weights.outputs());
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}

/// Mean of the element losses of `predicted` (`[rows, quantiles·horizon·targets]`)
/// against `target` (`[rows, horizon·targets]`): what `model::loss::loss` computes on
/// tensors; `step_outputs` = horizon·targets.
pub fn mean_loss(kind: LossKind, predicted: &[f32], target: &[f32], step_outputs: usize) -> f64 {
    let (sum, _) = part::loss_gradient(kind, predicted, target, step_outputs, 1.0);
    sum / predicted.len().max(1) as f64
}

/// Runs `run` on each part: the first on this thread, the others on scoped threads
/// named `name`. Results come back in the parts' order; a part that gets no thread
/// runs here, in turn, and a panicking thread becomes an error.
fn on_threads<T: Send>(
    parts: Vec<Range<usize>>,
    name: &str,
    run: &(dyn Fn(Range<usize>) -> Result<T> + Sync),
) -> Vec<Result<T>> {
    std::thread::scope(|s| {
        let mut parts = parts.into_iter();
        let first = parts.next();
        let pending: Vec<_> = parts
            .map(|rows| {
                let for_thread = rows.clone();
                std::thread::Builder::new()
                    .name(name.into())
                    .spawn_scoped(s, move || run(for_thread))
                    .map_err(|_| rows)
            })
            .collect();
        let mut results = Vec::with_capacity(pending.len() + 1);
        if let Some(rows) = first {
            results.push(run(rows));
        }
        for p in pending {
            results.push(match p {
                Ok(handle) => handle.join().unwrap_or_else(|_| {
                    Err(EngineError::FastPath(format!(
                        "a worker thread ({name}) panicked"
                    )))
                }),
                Err(rows) => run(rows),
            });
        }
        results
    })
}

/// Adds the parts (in row order for the outputs) and registers the gradients.
fn combine(
    model: &Forecaster,
    results: Vec<Result<PartResult>>,
    b: usize,
    outputs: usize,
) -> Result<FastStep> {
    let mut total: Option<PartResult> = None;
    for result in results {
        let part = result?;
        match total.as_mut() {
            None => total = Some(part),
            Some(t) => {
                t.loss_sum += part.loss_sum;
                t.outputs.extend_from_slice(&part.outputs);
                t.grads.add(&part.grads);
                for (mine, theirs) in [
                    (t.norms.as_mut(), part.norms.as_ref()),
                    (t.decoder_norms.as_mut(), part.decoder_norms.as_ref()),
                ] {
                    if let (Some(a), Some(p)) = (mine, theirs) {
                        for (la, lp) in a.iter_mut().zip(p) {
                            for (x, y) in la.iter_mut().zip(lp) {
                                *x += y;
                            }
                        }
                    }
                }
            }
        }
    }
    let total = total.ok_or_else(|| EngineError::FastPath("empty batch".into()))?;
    let mut grads = GradientsParams::new();
    let stacks = model
        .layers
        .iter()
        .zip(total.grads.layers)
        .chain(model.backward.iter().zip(total.grads.backward));
    for (layer, g) in stacks {
        register2(&mut grads, &layer.w_ih, g.w_ih)?;
        register2(&mut grads, &layer.w_hh, g.w_hh)?;
        register1(&mut grads, &layer.b_ih, g.b_ih);
        register1(&mut grads, &layer.b_hh, g.b_hh);
        if let Some(peep) = &layer.peep {
            register1(&mut grads, peep, g.peep);
        }
        if let (Some(ih), Some(hh)) = (&layer.ln_ih, &layer.ln_hh) {
            register1(&mut grads, ih, g.ln_ih);
            register1(&mut grads, hh, g.ln_hh);
        }
    }
    register2(&mut grads, &model.head_w, total.grads.head_w)?;
    register1(&mut grads, &model.head_b, total.grads.head_b);
    if let Some(skip) = &model.skip_w {
        register2(&mut grads, skip, total.grads.skip)?;
    }
    if let Some(known) = &model.known_w {
        register2(&mut grads, known, total.grads.known)?;
    }
    if let (Some(a), Some(g)) = (&model.attn, total.grads.attn) {
        for (param, grad) in [(&a.w, g.w), (&a.u, g.u), (&a.v, g.v)] {
            if let Some(p) = param {
                register2(&mut grads, p, grad)?;
            }
        }
    }
    for (layer, g) in model.decoder.iter().zip(total.grads.decoder) {
        register2(&mut grads, &layer.w_ih, g.w_ih)?;
        register2(&mut grads, &layer.w_hh, g.w_hh)?;
        register1(&mut grads, &layer.b_ih, g.b_ih);
        register1(&mut grads, &layer.b_hh, g.b_hh);
    }
    Ok(FastStep {
        loss: total.loss_sum / (b * outputs).max(1) as f64,
        outputs: total.outputs,
        grads,
        time_norms: total.norms.map(roots),
        decoder_norms: total.decoder_norms.map(roots),
    })
}

/// Square roots of per-layer, per-step sums of squares.
fn roots(sums: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    sums.into_iter()
        .map(|l| l.into_iter().map(f64::sqrt).collect())
        .collect()
}

fn register2(grads: &mut GradientsParams, param: &Param<Tensor<2>>, g: Vec<f32>) -> Result<()> {
    let shape = param.val().dims();
    if shape[0] * shape[1] != g.len() {
        return Err(EngineError::FastPath(format!(
            "gradient of {shape:?} has {} values",
            g.len()
        )));
    }
    let t = Tensor::<2>::from_data(TensorData::new(g, shape), &cpu_device());
    grads.register(param.id, t);
    Ok(())
}

fn register1(grads: &mut GradientsParams, param: &Param<Tensor<1>>, g: Vec<f32>) {
    let n = g.len();
    grads.register(
        param.id,
        Tensor::<1>::from_data(TensorData::new(g, [n]), &cpu_device()),
    );
}

/// A parameter's values as a `Vec` ([`crate::model::tensor_values`]).
fn values<const D: usize>(param: &Param<Tensor<D>>) -> Result<Vec<f32>> {
    crate::model::tensor_values(param.val().inner())
}

fn read_layers(layers: &[crate::model::RecurrentLayer]) -> Result<Vec<LayerWeights>> {
    layers
        .iter()
        .map(|l| {
            let peep = match &l.peep {
                Some(p) => values(p)?,
                None => Vec::new(),
            };
            Ok(LayerWeights::new(
                l.cell,
                (l.w_ih.val().dims()[0], l.hidden),
                (values(&l.w_ih)?, values(&l.w_hh)?),
                (values(&l.b_ih)?, values(&l.b_hh)?),
            )
            .with_peep(peep)
            .with_layer_norm((
                l.ln_ih
                    .as_ref()
                    .map(values)
                    .transpose()?
                    .unwrap_or_default(),
                l.ln_hh
                    .as_ref()
                    .map(values)
                    .transpose()?
                    .unwrap_or_default(),
            )))
        })
        .collect()
}

fn read_weights(model: &Forecaster) -> Result<Weights> {
    let layers = read_layers(&model.layers)?;
    let decoder = if model.is_seq2seq() {
        Some(seq2seq::DecoderWeights {
            layers: read_layers(&model.decoder)?,
            horizon: model.horizon,
            targets: model.targets,
            known: model.known_count(),
            blocks: model.quantiles.max(1),
            point: model.levels.map(|l| l.point_weights()),
            attn: match &model.attn {
                Some(a) => Some(attention::AttnWeights {
                    kind: a.kind,
                    hidden: model.layers.first().map_or(0, |l| l.hidden),
                    w: a.w.as_ref().map(values).transpose()?.unwrap_or_default(),
                    u: a.u.as_ref().map(values).transpose()?.unwrap_or_default(),
                    v: a.v.as_ref().map(values).transpose()?.unwrap_or_default(),
                }),
                None => None,
            },
        })
    } else {
        None
    };
    Ok(Weights {
        layers,
        head_w: values(&model.head_w)?,
        head_b: values(&model.head_b)?,
        skip: match &model.skip_w {
            Some(w) => Some(Skip {
                w: values(w)?,
                horizon: model.horizon,
                targets: model.targets,
                quantiles: model.quantiles,
            }),
            None => None,
        },
        known: match &model.known_w {
            Some(w) => Some(Known {
                known: w.val().dims()[0],
                w: values(w)?,
                horizon: model.horizon,
                targets: model.targets,
                quantiles: model.quantiles,
            }),
            None => None,
        },
        recurrent_steps: model.recurrent_steps,
        residual: model.residual,
        tbptt: model.tbptt,
        backward: read_layers(&model.backward)?,
        decoder,
    })
}

/// Values per window of the known-in-advance block the model reads (`horizon·known`;
/// 0 without it).
fn known_width(w: &Weights) -> usize {
    match &w.decoder {
        Some(d) => d.horizon * d.known,
        None => w.known.as_ref().map_or(0, |k| k.horizon * k.known),
    }
}

/// A teacher mask is empty, or `[batch, horizon − 1]` for a seq2seq model.
fn teacher_fits(w: &Weights, teacher: &[u8], b: usize) -> bool {
    match &w.decoder {
        Some(d) => teacher.is_empty() || teacher.len() == b * d.horizon.saturating_sub(1),
        None => true,
    }
}

/// Splits `rows` into at most `threads` contiguous parts of at least
/// [`MIN_ROWS_PER_THREAD`] rows each.
fn split_rows(rows: usize, threads: usize) -> Vec<Range<usize>> {
    let parts = threads.min(rows / MIN_ROWS_PER_THREAD).max(1);
    (0..parts)
        .map(|k| (rows * k / parts)..(rows * (k + 1) / parts))
        .collect()
}

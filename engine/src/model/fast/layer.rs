//! Forward and backward-through-time of one recurrent layer on f32 slices.
//!
//! Activations are time-major, `[T, rows, ·]`, so each step's block is contiguous. The
//! input projection of all steps is one GEMM; each step is one GEMM for all gates
//! (`[rows, H] × [H, G·H]`) plus a fused element-wise pass; in the backward pass each
//! step is one GEMM back to h_{t−1}, and the weight gradients are three GEMMs over all
//! steps at the end. Gate order and weight layout are those of `model::cell`.

use super::kernel::{self, Packed};
use super::math;
use super::pool;
use super::steps::{self, BackwardBuffers};
use crate::config::CellKind;
use crate::error::{EngineError, Result};

/// One layer's weights, copied out of its `Param`s.
#[derive(Clone, Debug)]
pub struct LayerWeights {
    /// Cell type.
    pub cell: CellKind,
    /// Input features.
    pub d_in: usize,
    /// Hidden units H.
    pub hidden: usize,
    /// `[d_in, G·H]`.
    pub w_ih: Vec<f32>,
    /// `[H, G·H]`.
    pub w_hh: Vec<f32>,
    /// `W_ih` packed for the input projection.
    pub inp: Packed,
    /// `W_ihᵀ` (`[G·H, d_in]`) packed for the gradient back to the input.
    pub inp_t: Packed,
    /// `W_hh` packed for the forward recurrence.
    pub rec: Packed,
    /// `W_hhᵀ` (`[G·H, H]`) packed for the backward recurrence.
    pub rec_t: Packed,
    /// `[G·H]`.
    pub b_ih: Vec<f32>,
    /// `[G·H]`.
    pub b_hh: Vec<f32>,
    /// Peephole LSTM: `[3·H]` (i, f, o); empty otherwise.
    pub peep: Vec<f32>,
    /// Layer normalisation: the input projection's gains `[G·H]`; empty otherwise.
    pub ln_ih: Vec<f32>,
    /// Layer normalisation: the recurrent projection's gains `[G·H]`; empty otherwise.
    pub ln_hh: Vec<f32>,
}

impl LayerWeights {
    /// The same layer with peephole weights `[3·H]` (empty: none).
    pub fn with_peep(self, peep: Vec<f32>) -> Self {
        Self { peep, ..self }
    }

    /// The same layer with layer-normalisation gains `[G·H]` for the input and the
    /// recurrent projection (both empty: none).
    pub fn with_layer_norm(self, (ln_ih, ln_hh): (Vec<f32>, Vec<f32>)) -> Self {
        Self {
            ln_ih,
            ln_hh,
            ..self
        }
    }

    /// Whether the projections are layer-normalised.
    pub fn layer_norm(&self) -> bool {
        !self.ln_hh.is_empty()
    }

    /// Packs the row-major weights `w_ih: [d_in, G·H]` and `w_hh: [H, G·H]` for the
    /// kernels.
    pub fn new(
        cell: CellKind,
        (d_in, hidden): (usize, usize),
        (w_ih, w_hh): (Vec<f32>, Vec<f32>),
        (b_ih, b_hh): (Vec<f32>, Vec<f32>),
    ) -> Self {
        let gw = cell.gates() * hidden;
        Self {
            cell,
            d_in,
            hidden,
            inp: Packed::new(&w_ih, d_in, gw),
            inp_t: Packed::new(&math::transpose(&w_ih, d_in), gw, d_in),
            w_ih,
            rec: Packed::new(&w_hh, hidden, gw),
            rec_t: Packed::new(&math::transpose(&w_hh, hidden), gw, hidden),
            w_hh,
            b_ih,
            b_hh,
            peep: Vec::new(),
            ln_ih: Vec::new(),
            ln_hh: Vec::new(),
        }
    }

    fn gate_width(&self) -> usize {
        self.cell.gates() * self.hidden
    }
}

/// Gradients of one layer's parameters (same shapes as [`LayerWeights`]).
#[derive(Clone, Debug)]
pub struct LayerGrads {
    /// d/d w_ih.
    pub w_ih: Vec<f32>,
    /// d/d w_hh.
    pub w_hh: Vec<f32>,
    /// d/d b_ih.
    pub b_ih: Vec<f32>,
    /// d/d b_hh.
    pub b_hh: Vec<f32>,
    /// d/d peep (empty without peepholes).
    pub peep: Vec<f32>,
    /// d/d ln_ih (empty without layer normalisation).
    pub ln_ih: Vec<f32>,
    /// d/d ln_hh (empty without layer normalisation).
    pub ln_hh: Vec<f32>,
}

impl LayerGrads {
    /// Zeros shaped like `w`.
    pub fn zeros(w: &LayerWeights) -> Self {
        Self {
            w_ih: vec![0.0; w.w_ih.len()],
            w_hh: vec![0.0; w.w_hh.len()],
            b_ih: vec![0.0; w.b_ih.len()],
            b_hh: vec![0.0; w.b_hh.len()],
            peep: vec![0.0; w.peep.len()],
            ln_ih: vec![0.0; w.ln_ih.len()],
            ln_hh: vec![0.0; w.ln_hh.len()],
        }
    }

    /// Adds another part's gradients.
    pub fn add(&mut self, other: &Self) {
        math::add_into(&mut self.w_ih, &other.w_ih);
        math::add_into(&mut self.w_hh, &other.w_hh);
        math::add_into(&mut self.b_ih, &other.b_ih);
        math::add_into(&mut self.b_hh, &other.b_hh);
        math::add_into(&mut self.peep, &other.peep);
        math::add_into(&mut self.ln_ih, &other.ln_ih);
        math::add_into(&mut self.ln_hh, &other.ln_hh);
    }
}

/// A layer's state at one step for every row: `h: [rows, H]` and, for the LSTM, the
/// cell state `c: [rows, H]` (empty for the GRU and RNN). A decoder starts from the
/// encoder's last one; its gradient flows back the same way.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct State {
    /// Hidden state.
    pub h: Vec<f32>,
    /// LSTM cell state.
    pub c: Vec<f32>,
}

impl State {
    /// The state after the last of `steps` steps of `tape` (`rows` rows of `hidden`).
    pub fn last(tape: &Tape, rows: usize, steps: usize, hidden: usize) -> Self {
        let step_h = rows * hidden;
        let end = steps * step_h;
        let take = |v: &[f32]| {
            v.get(end.saturating_sub(step_h)..end)
                .map(<[f32]>::to_vec)
                .unwrap_or_default()
        };
        Self {
            h: take(&tape.h),
            c: take(&tape.c),
        }
    }
}

/// What the forward pass keeps for the backward pass.
pub struct Tape {
    /// Activated gates `[T, rows, G·H]` (LSTM i,f,g,o; GRU r,z,n; unused for RNN).
    pub(super) gates: Vec<f32>,
    /// GRU: the hidden projection of the new gate, `W_hn·h + b_hn`, `[T, rows, H]`.
    pub(super) hn: Vec<f32>,
    /// LSTM: cell states `[T, rows, H]`.
    pub(super) c: Vec<f32>,
    /// LSTM: tanh of the cell states.
    pub(super) tc: Vec<f32>,
    /// Hidden states `[T, rows, H]`.
    pub h: Vec<f32>,
    /// Layer normalisation: the normalised input projection `[T, rows, G·H]`, its
    /// blocks' 1/σ `[T, rows, G]`, and the same for the recurrent projection (empty
    /// otherwise).
    pub(super) ln: [Vec<f32>; 4],
}

impl Tape {
    /// The tape's buffers, for [`pool::recycle`].
    pub fn into_buffers(self) -> [Vec<f32>; 9] {
        let [a, b, c, d] = self.ln;
        [self.gates, self.hn, self.c, self.tc, self.h, a, b, c, d]
    }
}

/// Runs the layer over the time-major input `x: [T, rows, d_in]` from `init` (a zero
/// state without it).
pub fn forward_from(
    w: &LayerWeights,
    x: &[f32],
    (rows, steps): (usize, usize),
    init: Option<&State>,
) -> Result<Tape> {
    run_forward(w, x, (rows, steps), (init, None))
}

/// Runs the layer over the time-major input `x: [T, rows, d_in]` from `init` (a zero
/// state without it), the recurrent weights reading the state times `rec_mask` when
/// given.
pub fn forward_with(
    w: &LayerWeights,
    x: &[f32],
    (rows, steps): (usize, usize),
    (init, rec_mask): (Option<&State>, Option<&[f32]>),
) -> Result<Tape> {
    run_forward(w, x, (rows, steps), (init, rec_mask))
}

fn run_forward(
    w: &LayerWeights,
    x: &[f32],
    (rows, steps): (usize, usize),
    (init, rec_mask): (Option<&State>, Option<&[f32]>),
) -> Result<Tape> {
    let (h, gw) = (w.hidden, w.gate_width());
    check_weights(w)?;
    if let Some(state) = init {
        check_state(w, state, rows)?;
    }
    check_mask(w, rec_mask, rows)?;
    let n = rows * steps;
    // Written in full by the projection (beta = 0 never reads C).
    let mut gates = pool::take(n * gw);
    kernel::multiply(&mut gates, x, &w.inp, n, false)?;
    let g = w.cell.gates();
    // Layer normalisation: the buffers are written in full (the time loop writes the
    // recurrent ones, zeros where a step has no recurrent product).
    let mut ln = if w.layer_norm() {
        [
            pool::take(n * gw),
            pool::take(n * g),
            pool::take(n * gw),
            pool::take(n * g),
        ]
    } else {
        Default::default()
    };
    let bias: Vec<f32> = if w.cell == CellKind::Gru {
        // b_hh goes inside the reset gate's product: the time loop adds it.
        w.b_ih.clone()
    } else {
        // LSTM and RNN only use b_ih + b_hh together.
        w.b_ih.iter().zip(&w.b_hh).map(|(a, b)| a + b).collect()
    };
    if w.layer_norm() {
        // Normalised, gained and biased in one pass.
        let [x_hat, rstd, ..] = &mut ln;
        super::ln::forward_dispatched(&mut gates, (&w.ln_ih, &bias), (x_hat, rstd), h);
    } else {
        math::add_bias_rows(&mut gates, &bias);
    }
    let lstm = w.cell == CellKind::Lstm;
    let gru = w.cell == CellKind::Gru;
    let mut tape = Tape {
        gates,
        // The time loop writes every element of these.
        hn: pool::take(if gru { n * h } else { 0 }),
        c: pool::take(if lstm { n * h } else { 0 }),
        tc: pool::take(if lstm { n * h } else { 0 }),
        h: pool::take(n * h),
        ln,
    };
    steps::forward(w, &mut tape, (rows, steps), (init, rec_mask));
    Ok(tape)
}

/// `states` (`[steps, rows, H]`, `step_h = rows·H`) as the recurrent products read them:
/// times `mask` at every step with variational dropout, else as they are.
fn masked_states<'s>(
    states: &'s [f32],
    mask: Option<&[f32]>,
    step_h: usize,
) -> std::borrow::Cow<'s, [f32]> {
    match mask {
        Some(mask) => states
            .chunks_exact(step_h.max(1))
            .flat_map(|step| step.iter().zip(mask).map(|(a, m)| a * m))
            .collect::<Vec<f32>>()
            .into(),
        None => states.into(),
    }
}

mod checks;
use checks::{check_mask, check_state, check_weights};

/// Where a layer's backward pass writes.
pub struct Backward<'a> {
    /// Gradients, accumulated into.
    pub grads: &'a mut LayerGrads,
    /// dLoss/d input `[T, rows, d_in]` when the layer below needs it.
    pub dx: Option<&'a mut Vec<f32>>,
    /// Σ over rows and units of (dLoss/dh_t)², added per step, when probing.
    pub norms: Option<&'a mut [f64]>,
    /// The state the forward pass started from, and where dLoss/d of it goes (`None`:
    /// it started from zero).
    pub init: Option<(&'a State, &'a mut State)>,
    /// LSTM: dLoss/d of the last cell state from outside the layer (a decoder started
    /// from it), `[rows, H]`; the last hidden state's share comes in `dh_in`.
    pub dc_last: Option<&'a [f32]>,
    /// Variational dropout: the forward pass's recurrent mask `[rows, H]`.
    pub rec_mask: Option<&'a [f32]>,
}

/// Backward through time. `dh_in: [T, rows, H]` is the gradient reaching each hidden
/// state from outside the layer (the layer above, or the head at the last step).
pub fn backward(
    w: &LayerWeights,
    x: &[f32],
    tape: &Tape,
    dh_in: &[f32],
    (rows, steps): (usize, usize),
    out: Backward<'_>,
) -> Result<()> {
    let (h, gw) = (w.hidden, w.gate_width());
    check_weights(w)?;
    let n = rows * steps;
    let (step_h, step_g) = (rows * h, rows * gw);
    if dh_in.len() < n * h || tape.h.len() < n * h || tape.gates.len() < n * gw {
        return Err(EngineError::FastPath(format!(
            "backward of {rows}×{steps} steps: buffers too short"
        )));
    }
    let gru = w.cell == CellKind::Gru;
    if let Some((state, _)) = &out.init {
        check_state(w, state, rows)?;
    }
    check_mask(w, out.rec_mask, rows)?;
    let rec_mask = out.rec_mask;
    if let Some(dc) = out.dc_last
        && w.cell == CellKind::Lstm
        && dc.len() < step_h
    {
        return Err(EngineError::FastPath(format!(
            "backward of {rows} rows: the last cell state's gradient has {} values",
            dc.len()
        )));
    }
    // dG: gradient of the pre-activation gates (for the GRU: of x·W_ih + b_ih).
    let mut dg = pool::take(n * gw);
    // GRU only: gradient of h·W_hh + b_hh, which differs in the new-gate block.
    let mut dgh = pool::take(if gru { n * gw } else { 0 });
    let (init, d_init) = match out.init {
        Some((state, d)) => (Some(state), Some(d)),
        None => (None, None),
    };
    let ln = w.layer_norm();
    // Layer normalisation: the raw recurrent product's gradient.
    let mut d_raw_h = pool::take(if ln { n * gw } else { 0 });
    steps::backward(
        w,
        tape,
        rows,
        steps,
        BackwardBuffers {
            dh_in,
            dg: &mut dg,
            dgh: &mut dgh,
            norms: out.norms,
            init,
            dc_last: out.dc_last,
            d_init,
            rec_mask,
            dpeep: &mut out.grads.peep,
            ln_hh: &mut d_raw_h,
        },
    );
    // What the biases see; the weights see the raw products' gradients (the same
    // without layer normalisation).
    let dg_hidden = if gru { &dgh } else { &dg };
    let grads = out.grads;
    if ln {
        // The recurrent gains' gradient over all steps: the normalised product times
        // what reached it.
        let [_, _, x_hat_h, _] = &tape.ln;
        super::ln::gain_gradient_dispatched(dg_hidden, x_hat_h, &mut grads.ln_hh);
    }
    // With layer normalisation the input side's backward pass also sums the biases'
    // gradient (the column sums of dG) on its way over dG.
    let mut dg_sums = vec![0.0f32; if ln { gw } else { 0 }];
    let d_raw_x = if ln {
        let mut d = pool::take(n * gw);
        let [x_hat, rstd, ..] = &tape.ln;
        let sums = super::ln::Sums {
            gains: Some(&mut grads.ln_ih),
            bias: Some(&mut dg_sums),
        };
        super::ln::backward_dispatched(&dg, (&w.ln_ih, x_hat, rstd), &mut d, sums, h);
        Some(d)
    } else {
        None
    };
    let d_input = d_raw_x.as_deref().unwrap_or(&dg);
    let d_recurrent: &[f32] = if ln { &d_raw_h } else { dg_hidden };
    kernel::gemm_tn(&mut grads.w_ih, x, d_input, (w.d_in, n, gw))?;
    // What the recurrent products read: the states, times the mask with variational
    // dropout.
    if steps > 1 {
        let prev = masked_states(&tape.h[..(steps - 1) * step_h], rec_mask, step_h);
        let next = &d_recurrent[step_g..];
        kernel::gemm_tn(&mut grads.w_hh, &prev, next, (h, (steps - 1) * rows, gw))?;
    }
    if let Some(state) = init {
        // The first step's recurrent product read the given state.
        kernel::gemm_tn(
            &mut grads.w_hh,
            &masked_states(&state.h, rec_mask, step_h),
            &d_recurrent[..step_g],
            (h, rows, gw),
        )?;
    }
    if ln {
        math::add_into(&mut grads.b_ih, &dg_sums);
        if gru {
            math::add_column_sums(&mut grads.b_hh, dg_hidden);
        } else {
            math::add_into(&mut grads.b_hh, &dg_sums);
        }
    } else if gru {
        math::add_column_sums(&mut grads.b_ih, &dg);
        math::add_column_sums(&mut grads.b_hh, dg_hidden);
    } else {
        // The LSTM's and RNN's two biases see the same gradient: sum it once.
        let mut sums = vec![0.0f32; gw];
        math::add_column_sums(&mut sums, &dg);
        math::add_into(&mut grads.b_ih, &sums);
        math::add_into(&mut grads.b_hh, &sums);
    }
    if let Some(dx) = out.dx {
        dx.resize(n * w.d_in, 0.0);
        if w.d_in >= kernel::PANEL / 2 {
            kernel::multiply(dx, d_input, &w.inp_t, n, false)?;
        } else {
            // Fewer output columns than a SIMD vector: the kernel would run its scalar
            // tail; matrixmultiply's narrow kernels do better.
            math::gemm(dx, d_input, &w.w_ih, (n, gw, w.d_in), false, true, 0.0)?;
        }
    }
    pool::recycle([dg, dgh, d_raw_h]);
    if let Some(d) = d_raw_x {
        pool::recycle([d]);
    }
    Ok(())
}

//! The time loops of one layer, forward and backward: per step one recurrent GEMM
//! ([`kernel::gemm`]) and one fused element-wise pass over the gates.
//!
//! The loops are generic over macerator's [`Simd`] backend and run through
//! [`AutoArch::dispatch`], so they (and everything `#[inline(always)]` they call: the
//! kernel, `exp`, `sigmoid`, `tanh`) are compiled once per instruction set and the
//! widest one the CPU has is picked at run time; the element-wise loops are plain index
//! loops over slices of known length `H`, which LLVM vectorises with those instructions.
//! Shapes are checked by the callers in `layer.rs`.

use macerator::{AutoArch, Simd, WithSimd};

use super::kernel;
use super::layer::{LayerWeights, State, Tape};
use super::math::{sum_squares, tanh};
use super::rows::{
    gru_backward, gru_forward, lstm_backward, lstm_forward, lstm_peephole_backward,
    lstm_peephole_forward,
};
use crate::config::CellKind;

/// Runs the forward time loop: `tape.gates` holds the input projection (plus biases) on
/// entry; on exit the activated gates, states and hidden states of every step. The
/// state before the first step is `init` (zero without it).
pub fn forward(
    w: &LayerWeights,
    tape: &mut Tape,
    (rows, steps): (usize, usize),
    (init, rec_mask): (Option<&State>, Option<&[f32]>),
) {
    AutoArch::new().dispatch(Forward {
        w,
        tape,
        rows,
        steps,
        init,
        rec_mask,
    });
}

/// The buffers of the backward time loop.
pub struct BackwardBuffers<'a> {
    /// `[T, rows, H]`: gradient reaching each hidden state from outside the layer.
    pub dh_in: &'a [f32],
    /// `[T, rows, G·H]`: gradient of the pre-activation gates (written).
    pub dg: &'a mut [f32],
    /// GRU: `[T, rows, G·H]`, gradient of `h·W_hh + b_hh` (written); empty otherwise.
    pub dgh: &'a mut [f32],
    /// Per step Σ (dLoss/dh_t)² (added to) when probing.
    pub norms: Option<&'a mut [f64]>,
    /// The state the forward pass started from (zero without it).
    pub init: Option<&'a State>,
    /// LSTM: gradient reaching the last cell state from outside the layer (a decoder
    /// that starts from it); zero without it.
    pub dc_last: Option<&'a [f32]>,
    /// With `init`: receives dLoss/d of the initial state (h, and c for the LSTM).
    pub d_init: Option<&'a mut State>,
    /// Variational dropout: `[rows, H]`, what the recurrent weights read of each state
    /// (the forward pass's mask).
    pub rec_mask: Option<&'a [f32]>,
    /// Peephole LSTM: `[3·H]`, the peephole weights' gradient (added to); empty
    /// otherwise.
    pub dpeep: &'a mut [f32],
    /// Layer normalisation: `[T, rows, G·H]`, the gradient of the raw recurrent
    /// product `h·W_hh` (written); empty otherwise.
    pub ln_hh: &'a mut [f32],
}

/// Runs the backward time loop, filling `out.dg` (and `out.dgh`).
pub fn backward(w: &LayerWeights, tape: &Tape, rows: usize, steps: usize, out: BackwardBuffers) {
    AutoArch::new().dispatch(Backward {
        w,
        tape,
        rows,
        steps,
        out,
    });
}

struct Forward<'a> {
    w: &'a LayerWeights,
    tape: &'a mut Tape,
    rows: usize,
    steps: usize,
    init: Option<&'a State>,
    rec_mask: Option<&'a [f32]>,
}

impl WithSimd for Forward<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self) {
        forward_steps::<S>(
            self.w,
            self.tape,
            (self.rows, self.steps),
            (self.init, self.rec_mask),
        );
    }
}

struct Backward<'a> {
    w: &'a LayerWeights,
    tape: &'a Tape,
    rows: usize,
    steps: usize,
    out: BackwardBuffers<'a>,
}

impl WithSimd for Backward<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self) {
        backward_steps::<S>(self.w, self.tape, self.rows, self.steps, self.out);
    }
}

#[inline(always)]
fn forward_steps<S: Simd>(
    w: &LayerWeights,
    tape: &mut Tape,
    (rows, steps): (usize, usize),
    (init, rec_mask): (Option<&State>, Option<&[f32]>),
) {
    let (h, gw) = (w.hidden, w.cell.gates() * w.hidden);
    let (step_h, step_g) = (rows * h, rows * gw);
    let zeros = vec![0.0f32; step_h];
    let (h0, c0) = init.map_or((&zeros[..], &zeros[..]), |s| (&s.h[..], &s.c[..]));
    // From a zero state the first step's recurrent product is zero and is skipped.
    let recur = |t: usize| t > 0 || init.is_some();
    // Layer normalisation: the recurrent product goes through a scratch buffer, is
    // normalised there and then added.
    let ln = w.layer_norm();
    let mut hw = vec![
        0.0f32;
        if w.cell == CellKind::Gru || ln {
            step_g
        } else {
            0
        }
    ];
    let g_count = w.cell.gates();
    // Variational dropout: the recurrent product reads the state times the mask.
    let mut masked = vec![0.0f32; if rec_mask.is_some() { step_h } else { 0 }];
    for t in 0..steps {
        let (done, rest) = tape.h.split_at_mut(t * step_h);
        let h_prev = if t == 0 {
            h0
        } else {
            &done[(t - 1) * step_h..]
        };
        let h_read: &[f32] = match rec_mask {
            Some(mask) => {
                for ((o, a), m) in masked.iter_mut().zip(h_prev).zip(mask) {
                    *o = a * m;
                }
                &masked
            }
            None => h_prev,
        };
        let h_t = &mut rest[..step_h];
        let g_t = &mut tape.gates[t * step_g..(t + 1) * step_g];
        let [_, _, ln_x_hat, ln_rstd] = &mut tape.ln;
        // This step's normalised recurrent product and its blocks' 1/σ.
        let ln_t = ln.then(|| {
            (
                &mut ln_x_hat[t * step_g..(t + 1) * step_g],
                &mut ln_rstd[t * rows * g_count..(t + 1) * rows * g_count],
            )
        });
        match w.cell {
            CellKind::Lstm => {
                recurrent_product::<S>(w, (g_t, &mut hw), h_read, rows, (recur(t), ln_t));
                let (c_done, c_rest) = tape.c.split_at_mut(t * step_h);
                let c_prev = if t == 0 {
                    c0
                } else {
                    &c_done[(t - 1) * step_h..]
                };
                let c_t = &mut c_rest[..step_h];
                let tc_t = &mut tape.tc[t * step_h..(t + 1) * step_h];
                for r in 0..rows {
                    let g = &mut g_t[r * gw..(r + 1) * gw];
                    let (gi, rest) = g.split_at_mut(h);
                    let (gf, rest) = rest.split_at_mut(h);
                    let (gg, go) = rest.split_at_mut(h);
                    let span = r * h..(r + 1) * h;
                    if w.peep.is_empty() {
                        lstm_forward(
                            (gi, gf, gg, go),
                            &mut c_t[span.clone()],
                            &mut tc_t[span.clone()],
                            &mut h_t[span.clone()],
                            &c_prev[span],
                        );
                    } else {
                        lstm_peephole_forward(
                            (gi, gf, gg, go),
                            (&mut c_t[span.clone()], &mut tc_t[span.clone()]),
                            &mut h_t[span.clone()],
                            (&c_prev[span], &w.peep),
                        );
                    }
                }
            }
            CellKind::Gru => {
                if recur(t) {
                    kernel::gemm_packed::<S>(&mut hw, h_read, &w.rec, rows, false);
                } else {
                    hw.fill(0.0);
                }
                if let Some((x_hat, rstd)) = ln_t {
                    if recur(t) {
                        super::ln::forward(&mut hw, &w.ln_hh, (x_hat, rstd), h);
                    } else {
                        x_hat.fill(0.0);
                        rstd.fill(0.0);
                    }
                }
                let hn_t = &mut tape.hn[t * step_h..(t + 1) * step_h];
                for r in 0..rows {
                    let g = &mut g_t[r * gw..(r + 1) * gw];
                    let (gr, rest) = g.split_at_mut(h);
                    let (gz, gn) = rest.split_at_mut(h);
                    let span = r * h..(r + 1) * h;
                    gru_forward(
                        (gr, gz, gn),
                        &hw[r * gw..(r + 1) * gw],
                        &w.b_hh,
                        &mut hn_t[span.clone()],
                        &mut h_t[span.clone()],
                        &h_prev[span],
                    );
                }
            }
            CellKind::Rnn => {
                recurrent_product::<S>(w, (g_t, &mut hw), h_read, rows, (recur(t), ln_t));
                for (hh, g) in h_t.iter_mut().zip(g_t.iter()) {
                    *hh = tanh(*g);
                }
            }
        }
    }
}

/// Where one step's layer normalisation keeps its normalised values and 1/σ.
type LnStep<'a> = (&'a mut [f32], &'a mut [f32]);

/// Adds the recurrent product `h_read · W_hh` to the gate pre-activations `g_t` (LSTM
/// and RNN); with layer normalisation (`ln`: where its normalised values and 1/σ go) it
/// is formed in `hw`, normalised and gained there, then added. Without a recurrent
/// product (`recur` false: a zero state) there is nothing to add, and the normalised
/// values are zeros.
#[inline(always)]
fn recurrent_product<S: Simd>(
    w: &LayerWeights,
    (g_t, hw): (&mut [f32], &mut [f32]),
    h_read: &[f32],
    rows: usize,
    (recur, ln): (bool, Option<LnStep<'_>>),
) {
    match (recur, ln) {
        (true, None) => kernel::gemm_packed::<S>(g_t, h_read, &w.rec, rows, true),
        (true, Some((x_hat, rstd))) => {
            kernel::gemm_packed::<S>(hw, h_read, &w.rec, rows, false);
            super::ln::forward_add(hw, &w.ln_hh, (x_hat, rstd), w.hidden, g_t);
        }
        (false, Some((x_hat, rstd))) => {
            x_hat.fill(0.0);
            rstd.fill(0.0);
        }
        (false, None) => {}
    }
}

#[inline(always)]
fn backward_steps<S: Simd>(
    w: &LayerWeights,
    tape: &Tape,
    rows: usize,
    steps: usize,
    out: BackwardBuffers<'_>,
) {
    let (h, gw) = (w.hidden, w.cell.gates() * w.hidden);
    let (step_h, step_g) = (rows * h, rows * gw);
    let lstm = w.cell == CellKind::Lstm;
    let mut dh_rec = vec![0.0f32; step_h];
    let mut dh = vec![0.0f32; step_h];
    let BackwardBuffers {
        dh_in,
        dg,
        dgh,
        mut norms,
        init,
        dc_last,
        d_init,
        rec_mask,
        dpeep,
        ln_hh: d_raw,
    } = out;
    let ln = w.layer_norm();
    // Variational dropout: the recurrent product's gradient back to the state.
    let mut through_mask = vec![0.0f32; if rec_mask.is_some() { step_h } else { 0 }];
    let mut dc = match dc_last {
        Some(d) if lstm => d[..step_h].to_vec(),
        _ => vec![0.0f32; if lstm { step_h } else { 0 }],
    };
    let zeros = vec![0.0f32; step_h];
    let (h0, c0) = init.map_or((&zeros[..], &zeros[..]), |s| (&s.h[..], &s.c[..]));
    // The gradient back to the state before step 0 is only needed when it was given.
    let recur = |t: usize| t > 0 || init.is_some();
    for t in (0..steps).rev() {
        for ((d, a), b) in dh.iter_mut().zip(&dh_in[t * step_h..]).zip(&dh_rec) {
            *d = a + b;
        }
        if let Some(norms) = norms.as_deref_mut()
            && let Some(slot) = norms.get_mut(t)
        {
            *slot += sum_squares(&dh);
        }
        let h_prev = if t == 0 {
            h0
        } else {
            &tape.h[(t - 1) * step_h..t * step_h]
        };
        let g_t = &tape.gates[t * step_g..(t + 1) * step_g];
        let dg_t = &mut dg[t * step_g..(t + 1) * step_g];
        match w.cell {
            CellKind::Lstm => {
                let c_prev = if t == 0 {
                    c0
                } else {
                    &tape.c[(t - 1) * step_h..t * step_h]
                };
                let tc_t = &tape.tc[t * step_h..(t + 1) * step_h];
                for r in 0..rows {
                    let g = &g_t[r * gw..(r + 1) * gw];
                    let (gi, rest) = g.split_at(h);
                    let (gf, rest) = rest.split_at(h);
                    let (gg, go) = rest.split_at(h);
                    let d = &mut dg_t[r * gw..(r + 1) * gw];
                    let (di, rest) = d.split_at_mut(h);
                    let (df, rest) = rest.split_at_mut(h);
                    let (dgg, dgo) = rest.split_at_mut(h);
                    let span = r * h..(r + 1) * h;
                    if w.peep.is_empty() {
                        lstm_backward(
                            [gi, gf, gg, go],
                            (di, df, dgg, dgo),
                            &mut dc[span.clone()],
                            &dh[span.clone()],
                            &tc_t[span.clone()],
                            &c_prev[span],
                        );
                    } else {
                        let c_t = &tape.c[t * step_h..(t + 1) * step_h];
                        lstm_peephole_backward(
                            [gi, gf, gg, go],
                            (di, df, dgg, dgo),
                            (&mut dc[span.clone()], &mut *dpeep),
                            [&dh[span.clone()], &tc_t[span.clone()]],
                            [&c_prev[span.clone()], &c_t[span], &w.peep],
                        );
                    }
                }
                if recur(t) {
                    let d = through_ln(w, tape, (t, rows), dg_t, &mut *d_raw);
                    kernel::gemm_packed::<S>(&mut dh_rec, d, &w.rec_t, rows, false);
                    if let Some(mask) = rec_mask {
                        multiply_by(&mut dh_rec, mask);
                    }
                } else if ln {
                    d_raw[t * step_g..(t + 1) * step_g].fill(0.0);
                }
            }
            CellKind::Gru => {
                let hn_t = &tape.hn[t * step_h..(t + 1) * step_h];
                let dgh_t = &mut dgh[t * step_g..(t + 1) * step_g];
                for r in 0..rows {
                    let g = &g_t[r * gw..(r + 1) * gw];
                    let (gr, rest) = g.split_at(h);
                    let (gz, gn) = rest.split_at(h);
                    let d = &mut dg_t[r * gw..(r + 1) * gw];
                    let (dr, rest) = d.split_at_mut(h);
                    let (dz, dn) = rest.split_at_mut(h);
                    let dhh = &mut dgh_t[r * gw..(r + 1) * gw];
                    let (dhr, rest) = dhh.split_at_mut(h);
                    let (dhz, dhn) = rest.split_at_mut(h);
                    let span = r * h..(r + 1) * h;
                    gru_backward(
                        [gr, gz, gn],
                        (dr, dz, dn),
                        (dhr, dhz, dhn),
                        &mut dh_rec[span.clone()],
                        &dh[span.clone()],
                        (&h_prev[span.clone()], &hn_t[span]),
                    );
                }
                if !recur(t) && ln {
                    d_raw[t * step_g..(t + 1) * step_g].fill(0.0);
                }
                if recur(t) {
                    let dgh_t = through_ln(w, tape, (t, rows), dgh_t, &mut *d_raw);
                    match rec_mask {
                        // The direct path (z·h) stays; the product's share is masked.
                        Some(mask) => {
                            kernel::gemm_packed::<S>(
                                &mut through_mask,
                                dgh_t,
                                &w.rec_t,
                                rows,
                                false,
                            );
                            for ((d, a), m) in dh_rec.iter_mut().zip(&through_mask).zip(mask) {
                                *d += a * m;
                            }
                        }
                        None => {
                            kernel::gemm_packed::<S>(&mut dh_rec, dgh_t, &w.rec_t, rows, true);
                        }
                    }
                }
            }
            CellKind::Rnn => {
                let h_t = &tape.h[t * step_h..(t + 1) * step_h];
                for ((d, &dh), &hh) in dg_t.iter_mut().zip(&dh).zip(h_t) {
                    *d = dh * (1.0 - hh * hh);
                }
                if recur(t) {
                    let d = through_ln(w, tape, (t, rows), dg_t, &mut *d_raw);
                    kernel::gemm_packed::<S>(&mut dh_rec, d, &w.rec_t, rows, false);
                    if let Some(mask) = rec_mask {
                        multiply_by(&mut dh_rec, mask);
                    }
                } else if ln {
                    d_raw[t * step_g..(t + 1) * step_g].fill(0.0);
                }
            }
        }
    }
    if let Some(d) = d_init {
        d.h = dh_rec;
        d.c = dc;
    }
}

/// What the recurrent product's backward GEMM reads at step `t`: `d_post`, the
/// gradient of the (gained, normalised) product; with layer normalisation, the raw
/// product's gradient, written into step `t` of `d_raw` (the gains' gradient is summed
/// over all steps after the loop, by `layer::backward`).
#[inline(always)]
fn through_ln<'a>(
    w: &LayerWeights,
    tape: &Tape,
    (t, rows): (usize, usize),
    d_post: &'a [f32],
    d_raw: &'a mut [f32],
) -> &'a [f32] {
    if !w.layer_norm() {
        return d_post;
    }
    let (step_g, step_b) = (d_post.len(), rows * w.cell.gates());
    let [_, _, x_hat, rstd] = &tape.ln;
    let out = &mut d_raw[t * step_g..(t + 1) * step_g];
    super::ln::backward(
        d_post,
        (
            &w.ln_hh,
            &x_hat[t * step_g..(t + 1) * step_g],
            &rstd[t * step_b..(t + 1) * step_b],
        ),
        out,
        None,
        w.hidden,
    );
    out
}

/// `a ⊙= mask`.
#[inline(always)]
fn multiply_by(a: &mut [f32], mask: &[f32]) {
    for (x, m) in a.iter_mut().zip(mask) {
        *x *= m;
    }
}

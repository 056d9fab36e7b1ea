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
use super::math::{sigmoid, sum_squares, tanh};
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
    let mut hw = vec![0.0f32; if w.cell == CellKind::Gru { step_g } else { 0 }];
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
        match w.cell {
            CellKind::Lstm => {
                if recur(t) {
                    kernel::gemm_packed::<S>(g_t, h_read, &w.rec, rows, true);
                }
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
                    lstm_forward(
                        (gi, gf, gg, go),
                        &mut c_t[span.clone()],
                        &mut tc_t[span.clone()],
                        &mut h_t[span.clone()],
                        &c_prev[span],
                    );
                }
            }
            CellKind::Gru => {
                if recur(t) {
                    kernel::gemm_packed::<S>(&mut hw, h_read, &w.rec, rows, false);
                } else {
                    hw.fill(0.0);
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
                if recur(t) {
                    kernel::gemm_packed::<S>(g_t, h_read, &w.rec, rows, true);
                }
                for (hh, g) in h_t.iter_mut().zip(g_t.iter()) {
                    *hh = tanh(*g);
                }
            }
        }
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
    } = out;
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
                    lstm_backward(
                        [gi, gf, gg, go],
                        (di, df, dgg, dgo),
                        &mut dc[span.clone()],
                        &dh[span.clone()],
                        &tc_t[span.clone()],
                        &c_prev[span],
                    );
                }
                if recur(t) {
                    kernel::gemm_packed::<S>(&mut dh_rec, dg_t, &w.rec_t, rows, false);
                    if let Some(mask) = rec_mask {
                        multiply_by(&mut dh_rec, mask);
                    }
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
                if recur(t) {
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
                    kernel::gemm_packed::<S>(&mut dh_rec, dg_t, &w.rec_t, rows, false);
                    if let Some(mask) = rec_mask {
                        multiply_by(&mut dh_rec, mask);
                    }
                }
            }
        }
    }
    if let Some(d) = d_init {
        d.h = dh_rec;
        d.c = dc;
    }
}

// The element-wise passes of one row. Each takes its output slices as separate
// `&mut [f32]` parameters of an `#[inline(always)]` function: those are `noalias`, and
// LLVM keeps that knowledge when it inlines, so the loops vectorise with no run-time
// overlap checks. (Slices packed into an array or tuple lose it: the checks then failed
// at run time and the scalar loop ran, 3× slower.) Every slice is cut to the row's `H`
// first, so the indexing needs no bounds checks.

/// LSTM: activates the gates in place (i, f, g, o), writes c, tanh(c) and h.
#[inline(always)]
fn lstm_forward(
    (gi, gf, gg, go): (&mut [f32], &mut [f32], &mut [f32], &mut [f32]),
    c: &mut [f32],
    tc: &mut [f32],
    hh: &mut [f32],
    c_prev: &[f32],
) {
    lstm_forward_row(gi, gf, gg, go, c, tc, hh, c_prev);
}

#[inline(always)]
#[allow(clippy::too_many_arguments)] // separate slices: see the note above
fn lstm_forward_row(
    gi: &mut [f32],
    gf: &mut [f32],
    gg: &mut [f32],
    go: &mut [f32],
    c: &mut [f32],
    tc: &mut [f32],
    hh: &mut [f32],
    c_prev: &[f32],
) {
    let h = hh.len();
    let (gi, gf, gg, go) = (&mut gi[..h], &mut gf[..h], &mut gg[..h], &mut go[..h]);
    let (c, tc, c_prev) = (&mut c[..h], &mut tc[..h], &c_prev[..h]);
    for j in 0..h {
        let (i, f) = (sigmoid(gi[j]), sigmoid(gf[j]));
        let (g, o) = (tanh(gg[j]), sigmoid(go[j]));
        (gi[j], gf[j], gg[j], go[j]) = (i, f, g, o);
        let cell = f * c_prev[j] + i * g;
        let tcell = tanh(cell);
        c[j] = cell;
        tc[j] = tcell;
        hh[j] = o * tcell;
    }
}

/// GRU: the gates (r, z, n) hold `x·W_ih + b_ih` and `hw` holds `h·W_hh`; activates
/// the gates in place, keeps `W_hn·h + b_hn` in `hn` and writes h.
#[inline(always)]
fn gru_forward(
    (gr, gz, gn): (&mut [f32], &mut [f32], &mut [f32]),
    hw: &[f32],
    b_hh: &[f32],
    hn: &mut [f32],
    hh: &mut [f32],
    h_prev: &[f32],
) {
    gru_forward_row(gr, gz, gn, hn, hh, hw, b_hh, h_prev);
}

#[inline(always)]
#[allow(clippy::too_many_arguments)] // separate slices: see the note above
fn gru_forward_row(
    gr: &mut [f32],
    gz: &mut [f32],
    gn: &mut [f32],
    hn: &mut [f32],
    hh: &mut [f32],
    hw: &[f32],
    b_hh: &[f32],
    h_prev: &[f32],
) {
    let h = hh.len();
    let (gr, gz, gn) = (&mut gr[..h], &mut gz[..h], &mut gn[..h]);
    let (hr, hz, hwn) = (&hw[..h], &hw[h..2 * h], &hw[2 * h..3 * h]);
    let (br, bz, bn) = (&b_hh[..h], &b_hh[h..2 * h], &b_hh[2 * h..3 * h]);
    let (hn, h_prev) = (&mut hn[..h], &h_prev[..h]);
    for j in 0..h {
        let rg = sigmoid(gr[j] + (hr[j] + br[j]));
        let z = sigmoid(gz[j] + (hz[j] + bz[j]));
        let hnj = hwn[j] + bn[j];
        let n = tanh(gn[j] + rg * hnj);
        (gr[j], gz[j], gn[j], hn[j]) = (rg, z, n, hnj);
        // h' = (1 − z)·n + z·h  =  n + z·(h − n)
        hh[j] = n + z * (h_prev[j] - n);
    }
}

/// LSTM: from dh (and the running dc) to the pre-activation gate gradients.
#[inline(always)]
fn lstm_backward(
    gates: [&[f32]; 4],
    (di, df, dgg, dgo): (&mut [f32], &mut [f32], &mut [f32], &mut [f32]),
    dc: &mut [f32],
    dh: &[f32],
    tc: &[f32],
    c_prev: &[f32],
) {
    lstm_backward_row(gates, di, df, dgg, dgo, dc, [dh, tc, c_prev]);
}

#[inline(always)]
fn lstm_backward_row(
    [gi, gf, gg, go]: [&[f32]; 4],
    di: &mut [f32],
    df: &mut [f32],
    dgg: &mut [f32],
    dgo: &mut [f32],
    dc: &mut [f32],
    [dh, tc, c_prev]: [&[f32]; 3],
) {
    let h = dc.len();
    let (gi, gf, gg, go) = (&gi[..h], &gf[..h], &gg[..h], &go[..h]);
    let (di, df, dgg, dgo) = (&mut di[..h], &mut df[..h], &mut dgg[..h], &mut dgo[..h]);
    let (dh, tc, c_prev) = (&dh[..h], &tc[..h], &c_prev[..h]);
    for j in 0..h {
        let (i, f, g, o) = (gi[j], gf[j], gg[j], go[j]);
        let dct = dc[j] + dh[j] * o * (1.0 - tc[j] * tc[j]);
        dgo[j] = dh[j] * tc[j] * o * (1.0 - o);
        di[j] = dct * g * i * (1.0 - i);
        dgg[j] = dct * i * (1.0 - g * g);
        df[j] = dct * c_prev[j] * f * (1.0 - f);
        dc[j] = dct * f;
    }
}

/// GRU: from dh to the gradients of `x·W_ih + b_ih` (`d`) and of `h·W_hh + b_hh`
/// (`dh_side`), and the part of dh_{t−1} that skips the GEMM (`rec = dh·z`).
#[inline(always)]
fn gru_backward(
    gates: [&[f32]; 3],
    (dr, dz, dn): (&mut [f32], &mut [f32], &mut [f32]),
    (dhr, dhz, dhn): (&mut [f32], &mut [f32], &mut [f32]),
    rec: &mut [f32],
    dh: &[f32],
    (h_prev, hn): (&[f32], &[f32]),
) {
    gru_backward_row(gates, dr, dz, dn, dhr, dhz, dhn, rec, [dh, h_prev, hn]);
}

#[inline(always)]
#[allow(clippy::too_many_arguments)] // separate slices: see the note above
fn gru_backward_row(
    [gr, gz, gn]: [&[f32]; 3],
    dr: &mut [f32],
    dz: &mut [f32],
    dn: &mut [f32],
    dhr: &mut [f32],
    dhz: &mut [f32],
    dhn: &mut [f32],
    rec: &mut [f32],
    [dh, h_prev, hn]: [&[f32]; 3],
) {
    let h = rec.len();
    let (gr, gz, gn) = (&gr[..h], &gz[..h], &gn[..h]);
    let (dr, dz, dn) = (&mut dr[..h], &mut dz[..h], &mut dn[..h]);
    let (dhr, dhz, dhn) = (&mut dhr[..h], &mut dhz[..h], &mut dhn[..h]);
    let (dh, h_prev, hn) = (&dh[..h], &h_prev[..h], &hn[..h]);
    for j in 0..h {
        let (rg, z, nn) = (gr[j], gz[j], gn[j]);
        let dn_pre = dh[j] * (1.0 - z) * (1.0 - nn * nn);
        let dr_pre = dn_pre * hn[j] * rg * (1.0 - rg);
        let dz_pre = dh[j] * (h_prev[j] - nn) * z * (1.0 - z);
        (dr[j], dz[j], dn[j]) = (dr_pre, dz_pre, dn_pre);
        (dhr[j], dhz[j], dhn[j]) = (dr_pre, dz_pre, dn_pre * rg);
        rec[j] = dh[j] * z;
    }
}

/// `a ⊙= mask`.
#[inline(always)]
fn multiply_by(a: &mut [f32], mask: &[f32]) {
    for (x, m) in a.iter_mut().zip(mask) {
        *x *= m;
    }
}

//! Forward and backward-through-time of one recurrent layer on f32 slices.
//!
//! Activations are time-major, `[T, rows, ·]`, so each step's block is contiguous. The
//! input projection of all steps is one GEMM; each step is one GEMM for all gates
//! (`[rows, H] × [H, G·H]`) plus a fused element-wise pass; in the backward pass each
//! step is one GEMM back to h_{t−1}, and the weight gradients are three GEMMs over all
//! steps at the end. Gate order and weight layout are those of `model::cell`.

use super::math::{self, gemm, sigmoid, tanh};
use crate::config::CellKind;
use crate::error::Result;

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
    /// `[G·H]`.
    pub b_ih: Vec<f32>,
    /// `[G·H]`.
    pub b_hh: Vec<f32>,
}

impl LayerWeights {
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
}

impl LayerGrads {
    /// Zeros shaped like `w`.
    pub fn zeros(w: &LayerWeights) -> Self {
        Self {
            w_ih: vec![0.0; w.w_ih.len()],
            w_hh: vec![0.0; w.w_hh.len()],
            b_ih: vec![0.0; w.b_ih.len()],
            b_hh: vec![0.0; w.b_hh.len()],
        }
    }

    /// Adds another part's gradients.
    pub fn add(&mut self, other: &Self) {
        math::add_into(&mut self.w_ih, &other.w_ih);
        math::add_into(&mut self.w_hh, &other.w_hh);
        math::add_into(&mut self.b_ih, &other.b_ih);
        math::add_into(&mut self.b_hh, &other.b_hh);
    }
}

/// What the forward pass keeps for the backward pass.
pub struct Tape {
    /// Activated gates `[T, rows, G·H]` (LSTM i,f,g,o; GRU r,z,n; unused for RNN).
    gates: Vec<f32>,
    /// GRU: the hidden projection of the new gate, `W_hn·h + b_hn`, `[T, rows, H]`.
    hn: Vec<f32>,
    /// LSTM: cell states `[T, rows, H]`.
    c: Vec<f32>,
    /// LSTM: tanh of the cell states.
    tc: Vec<f32>,
    /// Hidden states `[T, rows, H]`.
    pub h: Vec<f32>,
}

/// Runs the layer over the time-major input `x: [T, rows, d_in]`.
pub fn forward(w: &LayerWeights, x: &[f32], rows: usize, steps: usize) -> Result<Tape> {
    let (h, gw) = (w.hidden, w.gate_width());
    let n = rows * steps;
    let mut gates = vec![0.0f32; n * gw];
    gemm(&mut gates, x, &w.w_ih, (n, w.d_in, gw), false, false, 0.0)?;
    if w.cell == CellKind::Gru {
        math::add_bias_rows(&mut gates, &w.b_ih);
    } else {
        // LSTM and RNN only use b_ih + b_hh together.
        let bias: Vec<f32> = w.b_ih.iter().zip(&w.b_hh).map(|(a, b)| a + b).collect();
        math::add_bias_rows(&mut gates, &bias);
    }
    let lstm = w.cell == CellKind::Lstm;
    let gru = w.cell == CellKind::Gru;
    let mut tape = Tape {
        gates,
        hn: vec![0.0; if gru { n * h } else { 0 }],
        c: vec![0.0; if lstm { n * h } else { 0 }],
        tc: vec![0.0; if lstm { n * h } else { 0 }],
        h: vec![0.0; n * h],
    };
    let zeros = vec![0.0f32; rows * h];
    let mut hw = vec![0.0f32; if gru { rows * gw } else { 0 }];
    let step_h = rows * h;
    let step_g = rows * gw;
    for t in 0..steps {
        let (done, rest) = tape.h.split_at_mut(t * step_h);
        let h_prev = if t == 0 {
            &zeros[..]
        } else {
            &done[(t - 1) * step_h..]
        };
        let h_t = &mut rest[..step_h];
        let g_t = &mut tape.gates[t * step_g..(t + 1) * step_g];
        match w.cell {
            CellKind::Lstm => {
                if t > 0 {
                    gemm(g_t, h_prev, &w.w_hh, (rows, h, gw), false, false, 1.0)?;
                }
                let (c_done, c_rest) = tape.c.split_at_mut(t * step_h);
                let c_prev = if t == 0 {
                    &zeros[..]
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
                    math::sigmoid_in_place(gi);
                    math::sigmoid_in_place(gf);
                    math::tanh_in_place(gg);
                    math::sigmoid_in_place(go);
                    let span = r * h..(r + 1) * h;
                    let it = c_t[span.clone()]
                        .iter_mut()
                        .zip(&mut tc_t[span.clone()])
                        .zip(&mut h_t[span.clone()])
                        .zip(&c_prev[span.clone()]);
                    for (j, (((c, tc), hh), cp)) in it.enumerate() {
                        *c = gf[j] * cp + gi[j] * gg[j];
                        *tc = tanh(*c);
                        *hh = go[j] * *tc;
                    }
                }
            }
            CellKind::Gru => {
                if t > 0 {
                    gemm(&mut hw, h_prev, &w.w_hh, (rows, h, gw), false, false, 0.0)?;
                } else {
                    hw.fill(0.0);
                }
                math::add_bias_rows(&mut hw, &w.b_hh);
                let hn_t = &mut tape.hn[t * step_h..(t + 1) * step_h];
                for r in 0..rows {
                    let g = &mut g_t[r * gw..(r + 1) * gw];
                    let (gr, rest) = g.split_at_mut(h);
                    let (gz, gn) = rest.split_at_mut(h);
                    let hwr = &hw[r * gw..(r + 1) * gw];
                    let (hr, rest) = hwr.split_at(h);
                    let (hz, hn) = rest.split_at(h);
                    for (x, y) in gr.iter_mut().zip(hr) {
                        *x = sigmoid(*x + y);
                    }
                    for (x, y) in gz.iter_mut().zip(hz) {
                        *x = sigmoid(*x + y);
                    }
                    for ((x, y), rg) in gn.iter_mut().zip(hn).zip(gr.iter()) {
                        *x = tanh(*x + rg * y);
                    }
                    hn_t[r * h..(r + 1) * h].copy_from_slice(hn);
                    let span = r * h..(r + 1) * h;
                    let it = h_t[span.clone()].iter_mut().zip(&h_prev[span]);
                    for (j, (hh, hp)) in it.enumerate() {
                        // h' = (1 − z)·n + z·h  =  n + z·(h − n)
                        *hh = gn[j] + gz[j] * (hp - gn[j]);
                    }
                }
            }
            CellKind::Rnn => {
                if t > 0 {
                    gemm(g_t, h_prev, &w.w_hh, (rows, h, gw), false, false, 1.0)?;
                }
                for (hh, g) in h_t.iter_mut().zip(g_t.iter()) {
                    *hh = tanh(*g);
                }
            }
        }
    }
    Ok(tape)
}

/// Where a layer's backward pass writes.
pub struct Backward<'a> {
    /// Gradients, accumulated into.
    pub grads: &'a mut LayerGrads,
    /// dLoss/d input `[T, rows, d_in]` when the layer below needs it.
    pub dx: Option<&'a mut Vec<f32>>,
    /// Σ over rows and units of (dLoss/dh_t)², added per step, when probing.
    pub norms: Option<&'a mut [f64]>,
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
    let n = rows * steps;
    let (step_h, step_g) = (rows * h, rows * gw);
    let gru = w.cell == CellKind::Gru;
    // dG: gradient of the pre-activation gates (for the GRU: of x·W_ih + b_ih).
    let mut dg = vec![0.0f32; n * gw];
    // GRU only: gradient of h·W_hh + b_hh, which differs in the new-gate block.
    let mut dgh = vec![0.0f32; if gru { n * gw } else { 0 }];
    let mut dh_rec = vec![0.0f32; step_h];
    let mut dh = vec![0.0f32; step_h];
    let mut dc = vec![0.0f32; if w.cell == CellKind::Lstm { step_h } else { 0 }];
    let zeros = vec![0.0f32; step_h];
    let mut norms = out.norms;
    for t in (0..steps).rev() {
        for ((d, a), b) in dh.iter_mut().zip(&dh_in[t * step_h..]).zip(&dh_rec) {
            *d = a + b;
        }
        if let Some(norms) = norms.as_deref_mut()
            && let Some(slot) = norms.get_mut(t)
        {
            *slot += math::sum_squares(&dh);
        }
        let h_prev = if t == 0 {
            &zeros[..]
        } else {
            &tape.h[(t - 1) * step_h..t * step_h]
        };
        let g_t = &tape.gates[t * step_g..(t + 1) * step_g];
        let dg_t = &mut dg[t * step_g..(t + 1) * step_g];
        match w.cell {
            CellKind::Lstm => {
                let c_prev = if t == 0 {
                    &zeros[..]
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
                    let it = dc[span.clone()]
                        .iter_mut()
                        .zip(&dh[span.clone()])
                        .zip(&tc_t[span.clone()])
                        .zip(&c_prev[span]);
                    for (j, (((dc, &dh), &tc), &cp)) in it.enumerate() {
                        let (i, f, g, o) = (gi[j], gf[j], gg[j], go[j]);
                        let dct = *dc + dh * o * (1.0 - tc * tc);
                        dgo[j] = dh * tc * o * (1.0 - o);
                        di[j] = dct * g * i * (1.0 - i);
                        dgg[j] = dct * i * (1.0 - g * g);
                        df[j] = dct * cp * f * (1.0 - f);
                        *dc = dct * f;
                    }
                }
                if t > 0 {
                    gemm(&mut dh_rec, dg_t, &w.w_hh, (rows, gw, h), false, true, 0.0)?;
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
                    let it = dh_rec[span.clone()]
                        .iter_mut()
                        .zip(&dh[span.clone()])
                        .zip(&h_prev[span.clone()])
                        .zip(&hn_t[span]);
                    for (j, (((rec, &dh), &hp), &hn)) in it.enumerate() {
                        let (rg, z, nn) = (gr[j], gz[j], gn[j]);
                        let dn_pre = dh * (1.0 - z) * (1.0 - nn * nn);
                        let dr_pre = dn_pre * hn * rg * (1.0 - rg);
                        let dz_pre = dh * (hp - nn) * z * (1.0 - z);
                        dr[j] = dr_pre;
                        dz[j] = dz_pre;
                        dn[j] = dn_pre;
                        dhr[j] = dr_pre;
                        dhz[j] = dz_pre;
                        dhn[j] = dn_pre * rg;
                        *rec = dh * z;
                    }
                }
                if t > 0 {
                    gemm(&mut dh_rec, dgh_t, &w.w_hh, (rows, gw, h), false, true, 1.0)?;
                }
            }
            CellKind::Rnn => {
                let h_t = &tape.h[t * step_h..(t + 1) * step_h];
                for ((d, &dh), &hh) in dg_t.iter_mut().zip(&dh).zip(h_t) {
                    *d = dh * (1.0 - hh * hh);
                }
                if t > 0 {
                    gemm(&mut dh_rec, dg_t, &w.w_hh, (rows, gw, h), false, true, 0.0)?;
                }
            }
        }
    }
    let dg_hidden = if gru { &dgh } else { &dg };
    let grads = out.grads;
    gemm(&mut grads.w_ih, x, &dg, (w.d_in, n, gw), true, false, 1.0)?;
    if steps > 1 {
        let prev = &tape.h[..(steps - 1) * step_h];
        let next = &dg_hidden[step_g..];
        gemm(
            &mut grads.w_hh,
            prev,
            next,
            (h, (steps - 1) * rows, gw),
            true,
            false,
            1.0,
        )?;
    }
    math::add_column_sums(&mut grads.b_ih, &dg);
    math::add_column_sums(&mut grads.b_hh, dg_hidden);
    if let Some(dx) = out.dx {
        dx.resize(n * w.d_in, 0.0);
        gemm(dx, &dg, &w.w_ih, (n, gw, w.d_in), false, true, 0.0)?;
    }
    Ok(())
}

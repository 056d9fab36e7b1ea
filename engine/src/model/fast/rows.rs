//! The element-wise passes of one row of one time step, for each cell: the fused gate
//! activations forward and their gradients backward (the time loops in `steps.rs` call
//! them once per row).

use super::math::{sigmoid, tanh};

// The element-wise passes of one row. Each takes its output slices as separate
// `&mut [f32]` parameters of an `#[inline(always)]` function: those are `noalias`, and
// LLVM keeps that knowledge when it inlines, so the loops vectorise with no run-time
// overlap checks. (Slices packed into an array or tuple lose it: the checks then failed
// at run time and the scalar loop ran, 3× slower.) Every slice is cut to the row's `H`
// first, so the indexing needs no bounds checks.

/// LSTM: activates the gates in place (i, f, g, o), writes c, tanh(c) and h.
#[inline(always)]
pub(super) fn lstm_forward(
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

/// Peephole LSTM: as [`lstm_forward`], the input and forget gates also reading
/// `p_i·c_{t−1}` and `p_f·c_{t−1}`, the output gate `p_o·c_t` (`peep = [p_i; p_f; p_o]`).
#[inline(always)]
pub(super) fn lstm_peephole_forward(
    (gi, gf, gg, go): (&mut [f32], &mut [f32], &mut [f32], &mut [f32]),
    (c, tc): (&mut [f32], &mut [f32]),
    hh: &mut [f32],
    (c_prev, peep): (&[f32], &[f32]),
) {
    let h = hh.len();
    let (p_i, rest) = peep.split_at(h.min(peep.len()));
    let (p_f, p_o) = rest.split_at(h.min(rest.len()));
    lstm_peephole_forward_row(gi, gf, gg, go, c, tc, hh, [c_prev, p_i, p_f, p_o]);
}

#[inline(always)]
#[allow(clippy::too_many_arguments)] // separate slices: see the note above
fn lstm_peephole_forward_row(
    gi: &mut [f32],
    gf: &mut [f32],
    gg: &mut [f32],
    go: &mut [f32],
    c: &mut [f32],
    tc: &mut [f32],
    hh: &mut [f32],
    [c_prev, p_i, p_f, p_o]: [&[f32]; 4],
) {
    let h = hh.len();
    let (gi, gf, gg, go) = (&mut gi[..h], &mut gf[..h], &mut gg[..h], &mut go[..h]);
    let (c, tc, c_prev) = (&mut c[..h], &mut tc[..h], &c_prev[..h]);
    let (p_i, p_f, p_o) = (&p_i[..h], &p_f[..h], &p_o[..h]);
    for j in 0..h {
        let i = sigmoid(gi[j] + p_i[j] * c_prev[j]);
        let f = sigmoid(gf[j] + p_f[j] * c_prev[j]);
        let g = tanh(gg[j]);
        let cell = f * c_prev[j] + i * g;
        let o = sigmoid(go[j] + p_o[j] * cell);
        (gi[j], gf[j], gg[j], go[j]) = (i, f, g, o);
        let tcell = tanh(cell);
        c[j] = cell;
        tc[j] = tcell;
        hh[j] = o * tcell;
    }
}

/// Peephole LSTM backward of one row: the gate gradients, dc_{t−1} (in `dc`, which holds
/// dc_t from the step after on entry) and the peephole weights' gradient (added to
/// `dpeep = [dp_i; dp_f; dp_o]`).
#[inline(always)]
pub(super) fn lstm_peephole_backward(
    gates: [&[f32]; 4],
    (di, df, dgg, dgo): (&mut [f32], &mut [f32], &mut [f32], &mut [f32]),
    (dc, dpeep): (&mut [f32], &mut [f32]),
    [dh, tc]: [&[f32]; 2],
    [c_prev, c_t, peep]: [&[f32]; 3],
) {
    let h = dc.len();
    let (p_i, rest) = peep.split_at(h.min(peep.len()));
    let (p_f, p_o) = rest.split_at(h.min(rest.len()));
    let (dp_i, rest) = dpeep.split_at_mut(h.min(dpeep.len()));
    let (dp_f, dp_o) = rest.split_at_mut(h.min(rest.len()));
    lstm_peephole_backward_row(
        gates,
        di,
        df,
        dgg,
        dgo,
        dc,
        dp_i,
        dp_f,
        dp_o,
        [dh, tc, c_prev, c_t, p_i, p_f, p_o],
    );
}

#[inline(always)]
#[allow(clippy::too_many_arguments)] // separate slices: see the note above
fn lstm_peephole_backward_row(
    [gi, gf, gg, go]: [&[f32]; 4],
    di: &mut [f32],
    df: &mut [f32],
    dgg: &mut [f32],
    dgo: &mut [f32],
    dc: &mut [f32],
    dp_i: &mut [f32],
    dp_f: &mut [f32],
    dp_o: &mut [f32],
    [dh, tc, c_prev, c_t, p_i, p_f, p_o]: [&[f32]; 7],
) {
    let h = dc.len();
    let (gi, gf, gg, go) = (&gi[..h], &gf[..h], &gg[..h], &go[..h]);
    let (di, df, dgg, dgo) = (&mut di[..h], &mut df[..h], &mut dgg[..h], &mut dgo[..h]);
    let (dp_i, dp_f, dp_o) = (&mut dp_i[..h], &mut dp_f[..h], &mut dp_o[..h]);
    let (dh, tc, c_prev, c_t) = (&dh[..h], &tc[..h], &c_prev[..h], &c_t[..h]);
    let (p_i, p_f, p_o) = (&p_i[..h], &p_f[..h], &p_o[..h]);
    for j in 0..h {
        let (i, f, g, o) = (gi[j], gf[j], gg[j], go[j]);
        let d_o = dh[j] * tc[j] * o * (1.0 - o);
        // The cell state reaches h through tanh and the output gate's peephole.
        let dct = dc[j] + dh[j] * o * (1.0 - tc[j] * tc[j]) + d_o * p_o[j];
        let d_i = dct * g * i * (1.0 - i);
        let d_f = dct * c_prev[j] * f * (1.0 - f);
        (di[j], df[j], dgo[j]) = (d_i, d_f, d_o);
        dgg[j] = dct * i * (1.0 - g * g);
        dc[j] = dct * f + d_i * p_i[j] + d_f * p_f[j];
        dp_i[j] += d_i * c_prev[j];
        dp_f[j] += d_f * c_prev[j];
        dp_o[j] += d_o * c_t[j];
    }
}

/// GRU: the gates (r, z, n) hold `x·W_ih + b_ih` and `hw` holds `h·W_hh`; activates
/// the gates in place, keeps `W_hn·h + b_hn` in `hn` and writes h.
#[inline(always)]
pub(super) fn gru_forward(
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
pub(super) fn lstm_backward(
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
pub(super) fn gru_backward(
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

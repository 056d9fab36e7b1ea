//! A seq2seq decoder's attention on the fast path; `model::attention` on burn is the
//! reference (`tests/seq2seq.rs` holds the two to 1e-4). Per decoder step and row: one
//! score per encoder step, a softmax, the context (the weighted sum of the encoder's
//! top-layer states). The backward pass runs the softmax's Jacobian by hand and sends
//! the gradient to the encoder states of every step, which the encoder's backward pass
//! then takes in (`encoder::backward_layers`).

use super::math::{self, gemm, tanh};
use crate::config::Attention;
use crate::error::{EngineError, Result};

/// The attention's weights, copied out of the model (row-major; empty where the score
/// has none).
pub struct AttnWeights {
    /// The score.
    pub kind: Attention,
    /// State units H.
    pub hidden: usize,
    /// General: `W [H, H]`; additive: `W₁ [H, H]` (on the encoder states).
    pub w: Vec<f32>,
    /// Additive: `W₂ [H, H]` (on the decoder state).
    pub u: Vec<f32>,
    /// Additive: `v [H]`.
    pub v: Vec<f32>,
}

/// Gradients shaped like [`AttnWeights`].
#[derive(Clone, Debug, Default)]
pub struct AttnGrads {
    /// d/d w.
    pub w: Vec<f32>,
    /// d/d u.
    pub u: Vec<f32>,
    /// d/d v.
    pub v: Vec<f32>,
}

impl AttnGrads {
    /// Zeros shaped like `a`.
    pub fn zeros(a: &AttnWeights) -> Self {
        Self {
            w: vec![0.0; a.w.len()],
            u: vec![0.0; a.u.len()],
            v: vec![0.0; a.v.len()],
        }
    }

    /// Adds another part's gradients.
    pub fn add(&mut self, other: &Self) {
        math::add_into(&mut self.w, &other.w);
        math::add_into(&mut self.u, &other.u);
        math::add_into(&mut self.v, &other.v);
    }
}

/// The encoder side, shared by every decoder step of a part: the top layer's states
/// `enc: [T, rows, H]` (time-major) and, for the additive score, `enc·W₁` alike.
pub struct Keys<'a> {
    /// Encoder states.
    pub enc: &'a [f32],
    /// Additive: `enc·W₁`; empty otherwise.
    pub enc_w: &'a [f32],
    /// Encoder steps T.
    pub steps: usize,
    /// Rows of the part.
    pub rows: usize,
}

/// `enc·W₁` for the additive score (empty for the others).
pub fn encoder_side(
    a: &AttnWeights,
    enc: &[f32],
    (steps, rows): (usize, usize),
) -> Result<Vec<f32>> {
    if a.kind != Attention::Additive {
        return Ok(Vec::new());
    }
    let h = a.hidden;
    let mut out = vec![0.0f32; steps * rows * h];
    gemm(&mut out, enc, &a.w, (steps * rows, h, h), false, false, 0.0)?;
    Ok(out)
}

/// One decoder step's attention, as the backward pass reads it.
pub struct Step {
    /// Softmax weights `[rows, T]`.
    pub weights: Vec<f32>,
    /// Context `[rows, H]`.
    pub context: Vec<f32>,
    /// General: `hW`; additive: `hW₂` (`[rows, H]`); empty for dot.
    query: Vec<f32>,
    /// Additive: `tanh(e_t W₁ + h W₂)` `[rows, T, H]`.
    tanh: Vec<f32>,
}

/// The attention of the decoder states `h: [rows, H]` over `keys`.
pub fn forward(a: &AttnWeights, keys: &Keys<'_>, h: &[f32]) -> Result<Step> {
    let (hd, t_n, rows) = (a.hidden, keys.steps, keys.rows);
    if h.len() < rows * hd || keys.enc.len() < t_n * rows * hd {
        return Err(EngineError::FastPath(format!(
            "attention over {t_n} steps of {rows}×{hd}: buffers too short"
        )));
    }
    let mut query = Vec::new();
    match a.kind {
        Attention::General => {
            query = vec![0.0f32; rows * hd];
            gemm(&mut query, h, &a.w, (rows, hd, hd), false, false, 0.0)?;
        }
        Attention::Additive => {
            query = vec![0.0f32; rows * hd];
            gemm(&mut query, h, &a.u, (rows, hd, hd), false, false, 0.0)?;
        }
        Attention::Dot | Attention::None => {}
    }
    let additive = a.kind == Attention::Additive;
    let mut weights = vec![0.0f32; rows * t_n];
    let mut context = vec![0.0f32; rows * hd];
    let mut tanh_out = vec![0.0f32; if additive { rows * t_n * hd } else { 0 }];
    let enc_at = |t: usize, r: usize| &keys.enc[(t * rows + r) * hd..(t * rows + r + 1) * hd];
    for r in 0..rows {
        let s = &mut weights[r * t_n..(r + 1) * t_n];
        let q = match a.kind {
            Attention::General => &query[r * hd..(r + 1) * hd],
            _ => &h[r * hd..(r + 1) * hd],
        };
        for (t, score) in s.iter_mut().enumerate() {
            *score = if additive {
                let pre = &keys.enc_w[(t * rows + r) * hd..(t * rows + r + 1) * hd];
                let qa = &query[r * hd..(r + 1) * hd];
                let e = &mut tanh_out[(r * t_n + t) * hd..(r * t_n + t + 1) * hd];
                let mut sum = 0.0f32;
                for j in 0..hd {
                    e[j] = tanh(pre[j] + qa[j]);
                    sum += e[j] * a.v[j];
                }
                sum
            } else {
                enc_at(t, r).iter().zip(q).map(|(x, y)| x * y).sum()
            };
        }
        softmax_in_place(s);
        let c = &mut context[r * hd..(r + 1) * hd];
        for (t, &w) in s.iter().enumerate() {
            for (cj, ej) in c.iter_mut().zip(enc_at(t, r)) {
                *cj += w * ej;
            }
        }
    }
    Ok(Step {
        weights,
        context,
        query,
        tanh: tanh_out,
    })
}

fn softmax_in_place(s: &mut [f32]) {
    let max = s.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0f32;
    for v in s.iter_mut() {
        *v = math::exp(*v - max);
        sum += *v;
    }
    for v in s.iter_mut() {
        *v /= sum;
    }
}

/// Where one step's backward pass writes (all added to).
pub struct StepGrads<'a> {
    /// dLoss/dh of the decoder states `[rows, H]`.
    pub dh: &'a mut [f32],
    /// dLoss/d of the encoder states `[T, rows, H]`.
    pub d_enc: &'a mut [f32],
    /// Additive: Σ over steps of dLoss/d(`e_t W₁ + h W₂`) `[T, rows, H]` ([`finish`]
    /// turns it into W₁'s and the encoder's share).
    pub dz: &'a mut [f32],
    /// The weights' gradients.
    pub grads: &'a mut AttnGrads,
}

/// Backward of one step from the context's gradient `dc: [rows, H]`.
pub fn backward(
    a: &AttnWeights,
    keys: &Keys<'_>,
    (h, st): (&[f32], &Step),
    dc: &[f32],
    out: StepGrads<'_>,
) -> Result<()> {
    let (hd, t_n, rows) = (a.hidden, keys.steps, keys.rows);
    // General / additive: the query's gradient, turned into the weights' and h's below.
    let mut dq = vec![
        0.0f32;
        if a.kind == Attention::Dot {
            0
        } else {
            rows * hd
        }
    ];
    let mut d_a = vec![0.0f32; t_n];
    for r in 0..rows {
        let dc_r = &dc[r * hd..(r + 1) * hd];
        let w_r = &st.weights[r * t_n..(r + 1) * t_n];
        // Context: c = Σ a_t e_t.
        for t in 0..t_n {
            let at = (t * rows + r) * hd;
            let e = &keys.enc[at..at + hd];
            d_a[t] = e.iter().zip(dc_r).map(|(x, y)| x * y).sum();
            for (d, g) in out.d_enc[at..at + hd].iter_mut().zip(dc_r) {
                *d += w_r[t] * g;
            }
        }
        // Softmax: ds_t = a_t (da_t − Σ_u a_u da_u).
        let mean: f32 = w_r.iter().zip(&d_a).map(|(w, d)| w * d).sum();
        for t in 0..t_n {
            let ds = w_r[t] * (d_a[t] - mean);
            let at = (t * rows + r) * hd;
            match a.kind {
                Attention::Additive => {
                    let e = &st.tanh[(r * t_n + t) * hd..(r * t_n + t + 1) * hd];
                    for j in 0..hd {
                        out.grads.v[j] += ds * e[j];
                        let dz = ds * a.v[j] * (1.0 - e[j] * e[j]);
                        out.dz[at + j] += dz;
                        dq[r * hd + j] += dz;
                    }
                }
                Attention::General => {
                    let q = &st.query[r * hd..(r + 1) * hd];
                    for j in 0..hd {
                        dq[r * hd + j] += ds * keys.enc[at + j];
                        out.d_enc[at + j] += ds * q[j];
                    }
                }
                Attention::Dot | Attention::None => {
                    for j in 0..hd {
                        out.dh[r * hd + j] += ds * keys.enc[at + j];
                        out.d_enc[at + j] += ds * h[r * hd + j];
                    }
                }
            }
        }
    }
    // The query q = hM (M = W for general, W₂ for additive): dM += hᵀdq, dh += dq Mᵀ.
    let (m, dm) = match a.kind {
        Attention::General => (&a.w, &mut out.grads.w),
        Attention::Additive => (&a.u, &mut out.grads.u),
        Attention::Dot | Attention::None => return Ok(()),
    };
    gemm(dm, h, &dq, (hd, rows, hd), true, false, 1.0)?;
    gemm(out.dh, &dq, m, (rows, hd, hd), false, true, 1.0)
}

/// Additive only, once per part after every step: W₁'s gradient `encᵀ·dz` and the
/// encoder's share `dz·W₁ᵀ`.
pub fn finish(
    a: &AttnWeights,
    keys: &Keys<'_>,
    dz: &[f32],
    out: (&mut [f32], &mut AttnGrads),
) -> Result<()> {
    if a.kind != Attention::Additive {
        return Ok(());
    }
    let (d_enc, grads) = out;
    let (hd, n) = (a.hidden, keys.steps * keys.rows);
    gemm(&mut grads.w, keys.enc, dz, (hd, n, hd), true, false, 1.0)?;
    gemm(d_enc, dz, &a.w, (n, hd, hd), false, true, 1.0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn weights(kind: Attention, hidden: usize, rng: &mut Rng) -> AttnWeights {
        let mut r = |n: usize| -> Vec<f32> {
            (0..n)
                .map(|_| rng.uniform_range(-0.5, 0.5) as f32)
                .collect()
        };
        let (w, u, v) = match kind {
            Attention::General => (r(hidden * hidden), Vec::new(), Vec::new()),
            Attention::Additive => (r(hidden * hidden), r(hidden * hidden), r(hidden)),
            _ => (Vec::new(), Vec::new(), Vec::new()),
        };
        AttnWeights {
            kind,
            hidden,
            w,
            u,
            v,
        }
    }

    #[test]
    fn the_weights_of_every_score_sum_to_one() {
        let mut rng = Rng::new(2);
        let (steps, rows, hidden) = (7, 3, 5);
        let enc: Vec<f32> = (0..steps * rows * hidden)
            .map(|_| rng.uniform_range(-2.0, 2.0) as f32)
            .collect();
        let h: Vec<f32> = (0..rows * hidden)
            .map(|_| rng.uniform_range(-1.0, 1.0) as f32)
            .collect();
        for kind in [Attention::Dot, Attention::General, Attention::Additive] {
            let a = weights(kind, hidden, &mut rng);
            let enc_w = encoder_side(&a, &enc, (steps, rows)).unwrap();
            let keys = Keys {
                enc: &enc,
                enc_w: &enc_w,
                steps,
                rows,
            };
            let st = forward(&a, &keys, &h).unwrap();
            for r in 0..rows {
                let w = &st.weights[r * steps..(r + 1) * steps];
                let sum: f32 = w.iter().sum();
                assert!((sum - 1.0).abs() < 1e-5, "{kind:?}: {sum}");
                assert!(w.iter().all(|x| *x > 0.0));
            }
        }
    }

    #[test]
    fn a_hand_built_query_attends_to_the_state_it_matches() {
        // One row, three encoder steps of two units: (1, 0), (0, 5), (0, −5). The
        // decoder state (0, 2) scores them 0, 10 and −10 by the dot product: nearly all
        // weight on step 1, and the context is nearly its state.
        let enc = [1.0, 0.0, 0.0, 5.0, 0.0, -5.0];
        let keys = Keys {
            enc: &enc,
            enc_w: &[],
            steps: 3,
            rows: 1,
        };
        let a = AttnWeights {
            kind: Attention::Dot,
            hidden: 2,
            w: Vec::new(),
            u: Vec::new(),
            v: Vec::new(),
        };
        let st = forward(&a, &keys, &[0.0, 2.0]).unwrap();
        let e10 = (-10.0f32).exp();
        assert!((st.weights[1] - 1.0 / (1.0 + e10 + e10 * e10)).abs() < 1e-6);
        assert!(st.weights[0] < 1e-4 && st.weights[2] < 1e-8);
        assert!((st.context[1] - 5.0).abs() < 1e-3 && st.context[0].abs() < 1e-4);
        // The general score with W swapping the units turns the same state to step 0.
        let swap = AttnWeights {
            kind: Attention::General,
            w: vec![0.0, 1.0, 1.0, 0.0],
            ..a
        };
        let st = forward(&swap, &keys, &[3.0, 0.0]).unwrap();
        // hW = (0, 3): scores 0, 15, −15 → step 1 again; and (0, 3)W = (3, 0) → step 0.
        assert!(st.weights[1] > 0.99);
        let st = forward(&swap, &keys, &[0.0, 3.0]).unwrap();
        assert!(st.weights[0] > 0.9, "{:?}", st.weights);
    }
}

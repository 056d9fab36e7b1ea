//! Layer normalisation of the gate pre-activations (`model.layer_norm`): each gate block
//! (H values) of each row normalised to zero mean and unit variance, times a gain per
//! unit; and its backward pass. `model::cell` is the burn reference.

use macerator::{AutoArch, Simd, WithSimd};

use crate::model::cell::LN_EPS;

/// Lanes of the reductions: a serial sum of floats cannot be vectorised (each addition
/// waits for the previous one), and at 64 units that wait cost more than the step's
/// matrix product; eight running sums can.
const LANES: usize = 8;

/// Σ over the elements of `f(a_i, b_i, c_i)` in [`LANES`] running sums (slices of one
/// length; pass the same slice where fewer are needed).
#[inline(always)]
fn lanes_sum(a: &[f32], b: &[f32], c: &[f32], f: impl Fn(f32, f32, f32) -> f32) -> f32 {
    let mut lanes = [0.0f32; LANES];
    let (ca, cb, cc) = (
        a.chunks_exact(LANES),
        b.chunks_exact(LANES),
        c.chunks_exact(LANES),
    );
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .zip(cc.remainder())
        .map(|((x, y), z)| f(*x, *y, *z))
        .sum();
    for ((x, y), z) in ca.zip(cb).zip(cc) {
        for (((l, p), q), r) in lanes.iter_mut().zip(x).zip(y).zip(z) {
            *l += f(*p, *q, *r);
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// One block's mean and 1/σ (two passes: the centred sum of squares, as burn's
/// reference computes it).
#[inline(always)]
fn moments(block: &[f32]) -> (f32, f32) {
    let inv_n = 1.0 / block.len().max(1) as f32;
    let mean = lanes_sum(block, block, block, |v, _, _| v) * inv_n;
    let var = lanes_sum(block, block, block, |v, _, _| (v - mean) * (v - mean)) * inv_n;
    (mean, 1.0 / (var + LN_EPS).sqrt())
}

/// Normalises each `h`-wide block of `a` (rows of `g·h`) in place and multiplies by
/// `gains` (`[g·h]`); keeps the normalised values in `x_hat` (same shape as `a`) and
/// each block's 1/σ in `rstd` (`[rows·g]`) for the backward pass. Inlined into the time
/// loops, so it runs with their instruction set; [`forward_dispatched`] elsewhere.
#[inline(always)]
pub fn forward(a: &mut [f32], gains: &[f32], (x_hat, rstd): (&mut [f32], &mut [f32]), h: usize) {
    forward_biased(a, (gains, &[]), (x_hat, rstd), h);
}

/// [`forward`], then `bias` (`[g·h]`, or empty for none) added to every row in the same
/// pass.
#[inline(always)]
fn forward_biased(
    a: &mut [f32],
    (gains, bias): (&[f32], &[f32]),
    (x_hat, rstd): (&mut [f32], &mut [f32]),
    h: usize,
) {
    let h = h.max(1);
    let width = gains.len().max(1);
    let mut rstd = rstd.iter_mut();
    for (row, x_row) in a.chunks_exact_mut(width).zip(x_hat.chunks_exact_mut(width)) {
        for (q, ((block, xb), gain)) in row
            .chunks_exact_mut(h)
            .zip(x_row.chunks_exact_mut(h))
            .zip(gains.chunks_exact(h))
            .enumerate()
        {
            let (mean, inv) = moments(block);
            if let Some(r) = rstd.next() {
                *r = inv;
            }
            match bias.get(q * h..(q + 1) * h) {
                Some(b) => {
                    for (((v, x), gn), b) in block.iter_mut().zip(xb.iter_mut()).zip(gain).zip(b) {
                        *x = (*v - mean) * inv;
                        *v = *x * gn + b;
                    }
                }
                None => {
                    for ((v, x), gn) in block.iter_mut().zip(xb.iter_mut()).zip(gain) {
                        *x = (*v - mean) * inv;
                        *v = *x * gn;
                    }
                }
            }
        }
    }
}

/// [`forward`] of `a`, the result added to `out` instead of written over `a`.
#[inline(always)]
pub fn forward_add(
    a: &[f32],
    gains: &[f32],
    (x_hat, rstd): (&mut [f32], &mut [f32]),
    h: usize,
    out: &mut [f32],
) {
    let h = h.max(1);
    let width = gains.len().max(1);
    let mut rstd = rstd.iter_mut();
    let rows = a
        .chunks_exact(width)
        .zip(x_hat.chunks_exact_mut(width))
        .zip(out.chunks_exact_mut(width));
    for ((row, x_row), out_row) in rows {
        let blocks = row
            .chunks_exact(h)
            .zip(x_row.chunks_exact_mut(h))
            .zip(out_row.chunks_exact_mut(h))
            .zip(gains.chunks_exact(h));
        for (((block, xb), ob), gain) in blocks {
            let (mean, inv) = moments(block);
            if let Some(r) = rstd.next() {
                *r = inv;
            }
            for (((v, x), o), gn) in block.iter().zip(xb.iter_mut()).zip(ob).zip(gain) {
                *x = (v - mean) * inv;
                *o += *x * gn;
            }
        }
    }
}

/// The backward pass of [`forward`]: from `d_out` (the gradient of the gained output,
/// rows of `g·h`) writes the gradient of the raw input into `d_in`, and adds the gains'
/// gradient into `d_gains` when given (the time loops leave it to [`gain_gradient`]
/// over all steps at once). Inlined like [`forward`]; [`backward_dispatched`] elsewhere.
#[inline(always)]
pub fn backward(
    d_out: &[f32],
    (gains, x_hat, rstd): (&[f32], &[f32], &[f32]),
    d_in: &mut [f32],
    d_gains: Option<&mut [f32]>,
    h: usize,
) {
    let sums = Sums {
        gains: d_gains,
        ..Sums::default()
    };
    backward_summed(d_out, (gains, x_hat, rstd), d_in, sums, h);
}

/// What [`backward_summed`] adds up on its way over `d_out`, each when given.
#[derive(Default)]
pub struct Sums<'a> {
    /// The gains' gradient `Σ_rows d_out ⊙ x̂`.
    pub gains: Option<&'a mut [f32]>,
    /// The column sums of `d_out`: the gradient of a bias added after the gains.
    pub bias: Option<&'a mut [f32]>,
}

/// [`backward`], also adding up what `sums` asks for in the same pass over each row.
#[inline(always)]
fn backward_summed(
    d_out: &[f32],
    (gains, x_hat, rstd): (&[f32], &[f32], &[f32]),
    d_in: &mut [f32],
    sums: Sums<'_>,
    h: usize,
) {
    let Sums {
        gains: mut d_gains,
        bias: mut d_bias,
    } = sums;
    let h = h.max(1);
    let width = gains.len().max(1);
    let inv_n = 1.0 / h as f32;
    let mut rstd = rstd.iter();
    let rows = d_out
        .chunks_exact(width)
        .zip(x_hat.chunks_exact(width))
        .zip(d_in.chunks_exact_mut(width));
    for ((d_row, x_row), in_row) in rows {
        if let Some(dg) = d_gains.as_deref_mut() {
            gain_gradient(d_row, x_row, dg);
        }
        if let Some(db) = d_bias.as_deref_mut() {
            for (b, d) in db.iter_mut().zip(d_row) {
                *b += d;
            }
        }
        let blocks = d_row
            .chunks_exact(h)
            .zip(x_row.chunks_exact(h))
            .zip(in_row.chunks_exact_mut(h))
            .zip(gains.chunks_exact(h));
        for (((db, xb), di), gain) in blocks {
            let r = rstd.next().copied().unwrap_or(0.0);
            // dy = d ⊙ gain: its mean and its mean against x̂.
            let mean_dy = lanes_sum(db, gain, gain, |d, g, _| d * g) * inv_n;
            let mean_dy_x = lanes_sum(db, gain, xb, |d, g, x| d * g * x) * inv_n;
            for (((o, d), gn), x) in di.iter_mut().zip(db).zip(gain).zip(xb) {
                *o = r * (d * gn - mean_dy - x * mean_dy_x);
            }
        }
    }
}

/// Adds the gains' gradient `Σ_rows d_out ⊙ x̂` (rows of `g·h`) into `d_gains`.
#[inline(always)]
pub fn gain_gradient(d_out: &[f32], x_hat: &[f32], d_gains: &mut [f32]) {
    let width = d_gains.len().max(1);
    for (d_row, x_row) in d_out.chunks_exact(width).zip(x_hat.chunks_exact(width)) {
        for ((g, d), x) in d_gains.iter_mut().zip(d_row).zip(x_row) {
            *g += d * x;
        }
    }
}

/// [`gain_gradient`] with the widest instruction set the CPU has.
pub fn gain_gradient_dispatched(d_out: &[f32], x_hat: &[f32], d_gains: &mut [f32]) {
    struct Run<'a> {
        d_out: &'a [f32],
        x_hat: &'a [f32],
        d_gains: &'a mut [f32],
    }
    impl WithSimd for Run<'_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: Simd>(self) {
            gain_gradient(self.d_out, self.x_hat, self.d_gains);
        }
    }
    AutoArch::new().dispatch(Run {
        d_out,
        x_hat,
        d_gains,
    });
}

/// [`forward`] with the widest instruction set the CPU has (for callers outside the
/// time loops: the input projection of all steps at once).
/// `bias` (`[g·h]`, or empty) is added in the same pass.
pub fn forward_dispatched(
    a: &mut [f32],
    (gains, bias): (&[f32], &[f32]),
    out: (&mut [f32], &mut [f32]),
    h: usize,
) {
    struct Run<'a> {
        a: &'a mut [f32],
        gains: (&'a [f32], &'a [f32]),
        out: (&'a mut [f32], &'a mut [f32]),
        h: usize,
    }
    impl WithSimd for Run<'_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: Simd>(self) {
            forward_biased(self.a, self.gains, self.out, self.h);
        }
    }
    AutoArch::new().dispatch(Run {
        a,
        gains: (gains, bias),
        out,
        h,
    });
}

/// [`backward`] with the widest instruction set the CPU has, adding up `sums` on the way.
pub fn backward_dispatched(
    d_out: &[f32],
    saved: (&[f32], &[f32], &[f32]),
    d_in: &mut [f32],
    sums: Sums<'_>,
    h: usize,
) {
    struct Run<'a> {
        d_out: &'a [f32],
        saved: (&'a [f32], &'a [f32], &'a [f32]),
        d_in: &'a mut [f32],
        sums: Sums<'a>,
        h: usize,
    }
    impl WithSimd for Run<'_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: Simd>(self) {
            backward_summed(self.d_out, self.saved, self.d_in, self.sums, self.h);
        }
    }
    AutoArch::new().dispatch(Run {
        d_out,
        saved,
        d_in,
        sums,
        h,
    });
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_block_is_centred_scaled_and_gained_by_hand() {
        // One row, two blocks of 2: [1, 3] → mean 2, var 1 → x̂ = [−1, 1]/√(1+ε);
        // [4, 4] → var 0 → x̂ = [0, 0].
        let mut a = vec![1.0, 3.0, 4.0, 4.0];
        let gains = [2.0, 3.0, 5.0, 7.0];
        let (mut x_hat, mut rstd) = (vec![0.0; 4], vec![0.0; 2]);
        forward(&mut a, &gains, (&mut x_hat, &mut rstd), 2);
        let s = 1.0 / (1.0f32 + LN_EPS).sqrt();
        assert!((x_hat[0] + s).abs() < 1e-6 && (x_hat[1] - s).abs() < 1e-6);
        assert_eq!(&x_hat[2..], &[0.0, 0.0]);
        assert!((a[0] + 2.0 * s).abs() < 1e-6 && (a[1] - 3.0 * s).abs() < 1e-6);
        assert!((rstd[1] - 1.0 / LN_EPS.sqrt()).abs() < 1e-2);
    }

    /// Σ weights ⊙ forward(a).
    fn loss_and_grads(a: &[f32], gains: &[f32], weights: &[f32], h: usize) -> f64 {
        let mut a = a.to_vec();
        let n = a.len();
        let (mut x, mut r) = (vec![0.0; n], vec![0.0; n / h]);
        forward(&mut a, gains, (&mut x, &mut r), h);
        a.iter().zip(weights).map(|(v, w)| f64::from(v * w)).sum()
    }

    #[test]
    fn the_forward_pass_matches_its_definition_and_the_backward_pass_finite_differences() {
        // h = 4: shorter than the eight running sums; h = 32: four of them, two rows of
        // two blocks (the gains' gradient sums over the rows).
        for (h, rows) in [(4usize, 1usize), (32, 2)] {
            let n = rows * 2 * h;
            let wave = |k: f32| -> Vec<f32> {
                (0..n)
                    .map(|i| (i as f32 * k).sin() * 1.7 + 0.2 * (i % 3) as f32)
                    .collect()
            };
            let (a0, gains, weights) = (wave(0.9), wave(1.3), wave(2.1));
            // One gain per unit of a row's two blocks.
            let width = 2 * h;
            let g = &gains[..width];
            let mut a = a0.clone();
            let (mut x_hat, mut rstd) = (vec![0.0; n], vec![0.0; n / h]);
            forward(&mut a, g, (&mut x_hat, &mut rstd), h);
            // The forward pass by hand, in f64.
            for (b, block) in a0.chunks(h).enumerate() {
                let mean = block.iter().map(|&v| f64::from(v)).sum::<f64>() / h as f64;
                let var = block
                    .iter()
                    .map(|&v| (f64::from(v) - mean).powi(2))
                    .sum::<f64>()
                    / h as f64;
                let inv = 1.0 / (var + f64::from(LN_EPS)).sqrt();
                assert!(
                    (f64::from(rstd[b]) - inv).abs() < 1e-4 * inv,
                    "{h}: block {b}"
                );
                for (i, &v) in block.iter().enumerate() {
                    let want = (f64::from(v) - mean) * inv;
                    let j = b * h + i;
                    assert!((f64::from(x_hat[j]) - want).abs() < 1e-5, "{h}: {j}");
                    let gained = want * f64::from(g[j % width]);
                    assert!((f64::from(a[j]) - gained).abs() < 1e-4, "{h}: {j}");
                }
            }
            let (mut d_in, mut d_gains) = (vec![0.0; n], vec![0.0; width]);
            let mut d_bias = vec![0.0; width];
            backward_dispatched(
                &weights,
                (g, &x_hat, &rstd),
                &mut d_in,
                Sums {
                    gains: Some(&mut d_gains),
                    bias: Some(&mut d_bias),
                },
                h,
            );
            for i in 0..n {
                let eps = 1e-3;
                let (mut up, mut down) = (a0.clone(), a0.clone());
                up[i] += eps;
                down[i] -= eps;
                let numeric = (loss_and_grads(&up, g, &weights, h)
                    - loss_and_grads(&down, g, &weights, h))
                    / (2.0 * f64::from(eps));
                assert!(
                    (numeric - f64::from(d_in[i])).abs() < 2e-2,
                    "{h}: {i}: {numeric} vs {}",
                    d_in[i]
                );
            }
            // The gains' gradient is Σ over rows of the normalised value times the
            // output's gradient.
            for k in 0..width {
                let want: f32 = (0..rows)
                    .map(|r| x_hat[r * width + k] * weights[r * width + k])
                    .sum();
                assert!((d_gains[k] - want).abs() < 1e-5, "{h}: gain {k}");
                // A bias after the gains gets the column sums of the output's gradient.
                let sum: f32 = (0..rows).map(|r| weights[r * width + k]).sum();
                assert!((d_bias[k] - sum).abs() < 1e-5, "{h}: bias {k}");
            }
            // The bias added in the same pass as the gains.
            let bias: Vec<f32> = (0..width).map(|k| k as f32 * 0.25 - 1.0).collect();
            let (mut biased, mut x2, mut r2) = (a0.clone(), vec![0.0; n], vec![0.0; n / h]);
            forward_dispatched(&mut biased, (g, &bias), (&mut x2, &mut r2), h);
            for (j, (with, without)) in biased.iter().zip(&a).enumerate() {
                assert!(
                    (with - without - bias[j % width]).abs() < 1e-5,
                    "{h}: biased {j}"
                );
            }
            assert_eq!(x2, x_hat);
        }
    }
}

//! Dense kernels for the fast path: a safe sgemm wrapper (ndarray → matrixmultiply,
//! which picks AVX/FMA kernels at run time) and activations that the compiler can
//! vectorise (a Cephes-style `exp` with no library call and no branch).

use macerator::{AutoArch, Simd, WithSimd};
use ndarray::{ArrayView2, ArrayViewMut2, linalg::general_mat_mul};

use crate::error::{EngineError, Result};

/// `C[m×n] = op(A)·op(B) + beta·C`, all row-major. `op(A)` is `[m×k]`: A is stored
/// `[m×k]`, or `[k×m]` when `trans_a`; likewise B is `[k×n]` or `[n×k]` (`trans_b`).
#[allow(clippy::too_many_arguments)] // a GEMM's signature: shapes, layouts, scaling
pub fn gemm(
    c: &mut [f32],
    a: &[f32],
    b: &[f32],
    (m, k, n): (usize, usize, usize),
    trans_a: bool,
    trans_b: bool,
    beta: f32,
) -> Result<()> {
    let shape_err = |what: &str| {
        EngineError::FastPath(format!("gemm {m}×{k}×{n}: {what} has the wrong length"))
    };
    let a = a.get(..m * k).ok_or_else(|| shape_err("A"))?;
    let b = b.get(..k * n).ok_or_else(|| shape_err("B"))?;
    let c = c.get_mut(..m * n).ok_or_else(|| shape_err("C"))?;
    let view = |data, rows, cols, trans: bool| {
        let shape = if trans { (cols, rows) } else { (rows, cols) };
        ArrayView2::from_shape(shape, data)
            .map(|v| if trans { v.reversed_axes() } else { v })
            .map_err(|e| EngineError::FastPath(format!("gemm view: {e}")))
    };
    let a = view(a, m, k, trans_a)?;
    let b = view(b, k, n, trans_b)?;
    let mut c = ArrayViewMut2::from_shape((m, n), c)
        .map_err(|e| EngineError::FastPath(format!("gemm view: {e}")))?;
    general_mat_mul(1.0, &a, &b, beta, &mut c);
    Ok(())
}

/// `out[j] += Σ_rows m[row, j]` for a row-major matrix with `out.len()` columns, with
/// the widest instruction set the CPU has (these run over every step's gates: a
/// baseline-SSE2 loop cost 2–3 % of a training step).
pub fn add_column_sums(out: &mut [f32], m: &[f32]) {
    struct Run<'a>(&'a mut [f32], &'a [f32]);
    impl WithSimd for Run<'_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: Simd>(self) {
            for row in self.1.chunks_exact(self.0.len().max(1)) {
                for (o, v) in self.0.iter_mut().zip(row) {
                    *o += v;
                }
            }
        }
    }
    AutoArch::new().dispatch(Run(out, m));
}

/// Adds `bias` to every row of a row-major matrix with `bias.len()` columns (widest
/// instruction set, as [`add_column_sums`]).
pub fn add_bias_rows(m: &mut [f32], bias: &[f32]) {
    struct Run<'a>(&'a mut [f32], &'a [f32]);
    impl WithSimd for Run<'_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: Simd>(self) {
            for row in self.0.chunks_exact_mut(self.1.len().max(1)) {
                for (v, b) in row.iter_mut().zip(self.1) {
                    *v += b;
                }
            }
        }
    }
    AutoArch::new().dispatch(Run(m, bias));
}

/// The transpose of a row-major matrix with `rows` rows: `[rows, cols]` → `[cols, rows]`.
pub fn transpose(m: &[f32], rows: usize) -> Vec<f32> {
    let cols = m.len() / rows.max(1);
    let mut out = vec![0.0f32; rows * cols];
    for (r, row) in m.chunks_exact(cols.max(1)).enumerate() {
        for (c, &v) in row.iter().enumerate() {
            if let Some(slot) = out.get_mut(c * rows + r) {
                *slot = v;
            }
        }
    }
    out
}

/// `a[i] += b[i]`.
pub fn add_into(a: &mut [f32], b: &[f32]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

/// `Σ v²` in f64.
pub fn sum_squares(v: &[f32]) -> f64 {
    v.iter().map(|&x| f64::from(x) * f64::from(x)).sum()
}

/// e^x with ~1e-7 relative error on the whole f32 range (Cephes `expf`), written so
/// that loops over it vectorise: rounding by the 1.5·2²³ trick, the power of two built
/// from its bits.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const MAGIC: f32 = 12_582_912.0; // 1.5 · 2^23
    let x = x.clamp(-87.0, 88.0);
    let shifted = x * std::f32::consts::LOG2_E + MAGIC;
    let n = shifted - MAGIC; // round(x / ln 2)
    let r = x - n * 0.693_359_4 - n * -2.121_944_4e-4;
    let p = 1.987_569_2e-4_f32;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 1.666_666_5e-1;
    let p = p * r + 0.5;
    let e_r = p * r * r + r + 1.0;
    // The low mantissa bits of `shifted` hold n as a two's-complement integer.
    let n_int = shifted.to_bits().wrapping_sub(MAGIC.to_bits());
    let two_n = f32::from_bits(n_int.wrapping_add(127) << 23);
    e_r * two_n
}

/// Logistic sigmoid.
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// tanh(x) = 2·σ(2x) − 1 (absolute error ~1e-7).
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    2.0 / (1.0 + exp(-2.0 * x)) - 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_and_activations_are_accurate() {
        for i in -2000..=2000 {
            let x = i as f32 * 0.04;
            let rel = (exp(x) - x.exp()).abs() / x.exp();
            assert!(rel < 3e-7, "exp({x}): relative error {rel}");
            assert!((tanh(x) - x.tanh()).abs() < 3e-7, "tanh({x})");
            let s = 1.0 / (1.0 + (-x).exp());
            assert!((sigmoid(x) - s).abs() < 3e-7, "sigmoid({x})");
        }
        assert!(exp(-200.0) < 1e-37 && exp(200.0).is_finite());
    }

    #[test]
    fn gemm_handles_every_layout() {
        // A = [[1,2,3],[4,5,6]] (2×3), B = [[1,0],[0,1],[1,1]] (3×2): AB = [[4,5],[10,11]].
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let a_t = [1.0, 4.0, 2.0, 5.0, 3.0, 6.0];
        let b = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0];
        let b_t = [1.0, 0.0, 1.0, 0.0, 1.0, 1.0];
        for (aa, ta) in [(&a, false), (&a_t, true)] {
            for (bb, tb) in [(&b, false), (&b_t, true)] {
                let mut c = [1.0f32; 4];
                gemm(&mut c, aa, bb, (2, 3, 2), ta, tb, 1.0).unwrap();
                assert_eq!(c, [5.0, 6.0, 11.0, 12.0]);
            }
        }
        let mut c = [0.0f32; 4];
        assert!(gemm(&mut c, &a[..5], &b, (2, 3, 2), false, false, 0.0).is_err());
    }
}

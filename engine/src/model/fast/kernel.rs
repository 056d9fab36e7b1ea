//! The recurrent GEMM `C[m×n] (+)= A[m×k]·B[k×n]` with few rows (a thread's share of the
//! batch), written on macerator's SIMD vectors so that it runs with the widest
//! instructions the CPU has (AVX-512, AVX2+FMA, …; chosen at run time, see
//! [`super::simd`]).
//!
//! Why not matrixmultiply here: it packs both operands on every call, and with 16–64
//! rows per step the packing of the `[H, G·H]` recurrent weights cost as much as the
//! multiplication (a third of config c's time). This kernel reads B in place: a register
//! tile of `MR` rows × `NV` vectors walks down a column panel of B, which stays in L1/L2
//! across the row tiles. The big GEMMs (input projection, weight gradients) stay on
//! matrixmultiply, where packing pays.
//!
//! Everything here is `#[inline(always)]` and generic over the [`Simd`] backend: it must
//! be inlined into the target-feature context macerator dispatches to.

use macerator::{Scalar, Simd, Vector};

type V<S> = Vector<S, f32>;

/// f32 lanes of one vector of backend `S`.
#[inline(always)]
pub fn lanes<S: Simd>() -> usize {
    size_of::<V<S>>() / size_of::<f32>()
}

/// An unaligned load of one vector from the start of `s` (which holds at least `lanes`).
#[inline(always)]
fn load<S: Simd>(s: &[f32]) -> V<S> {
    bytemuck::pod_read_unaligned(bytemuck::cast_slice(&s[..lanes::<S>()]))
}

/// `C = A·B` (or `C += A·B` when `accumulate`), all row-major and dense:
/// `c: [m×n]`, `a: [m×k]`, `b: [k×n]`. The caller checks the lengths.
#[inline(always)]
pub fn gemm<S: Simd>(
    c: &mut [f32],
    a: &[f32],
    b: &[f32],
    (m, k, n): (usize, usize, usize),
    accumulate: bool,
) {
    let l = lanes::<S>();
    // Two vectors wide; rows per tile sized to the register file (32 registers with
    // AVX-512: 8×2 accumulators; 16 with AVX2: 4×2).
    let wide = 2 * l;
    let mut j0 = 0;
    while j0 + wide <= n {
        if l >= 16 {
            rows::<S, 8, 2>(c, a, b, (m, k, n), j0, accumulate);
        } else {
            rows::<S, 4, 2>(c, a, b, (m, k, n), j0, accumulate);
        }
        j0 += wide;
    }
    while j0 + l <= n {
        rows::<S, 4, 1>(c, a, b, (m, k, n), j0, accumulate);
        j0 += l;
    }
    if j0 < n {
        tail_columns(c, a, b, (m, k, n), j0, accumulate);
    }
}

/// All rows for the column panel starting at `j0` (`NV` vectors wide).
#[inline(always)]
fn rows<S: Simd, const MR: usize, const NV: usize>(
    c: &mut [f32],
    a: &[f32],
    b: &[f32],
    (m, k, n): (usize, usize, usize),
    j0: usize,
    accumulate: bool,
) {
    let mut i0 = 0;
    while i0 + MR <= m {
        tile::<S, MR, NV>(c, a, b, (k, n), (i0, j0), accumulate);
        i0 += MR;
    }
    while i0 < m {
        tile::<S, 1, NV>(c, a, b, (k, n), (i0, j0), accumulate);
        i0 += 1;
    }
}

/// One `MR × NV·lanes` block of C.
#[inline(always)]
fn tile<S: Simd, const MR: usize, const NV: usize>(
    c: &mut [f32],
    a: &[f32],
    b: &[f32],
    (k, n): (usize, usize),
    (i0, j0): (usize, usize),
    accumulate: bool,
) {
    let l = lanes::<S>();
    let zero = 0.0f32.splat::<S>();
    let mut acc = [[zero; NV]; MR];
    let a_rows: [&[f32]; MR] = std::array::from_fn(|r| &a[(i0 + r) * k..(i0 + r + 1) * k]);
    for (p, b_row) in b.chunks_exact(n).take(k).enumerate() {
        let panel = &b_row[j0..j0 + NV * l];
        let bv: [V<S>; NV] = std::array::from_fn(|v| load::<S>(&panel[v * l..]));
        for (acc_r, a_r) in acc.iter_mut().zip(&a_rows) {
            let av = a_r[p].splat::<S>();
            for (acc_v, b_v) in acc_r.iter_mut().zip(&bv) {
                *acc_v = av.mul_add(*b_v, *acc_v);
            }
        }
    }
    for (r, acc_r) in acc.iter().enumerate() {
        let values: &[f32] = bytemuck::cast_slice(acc_r);
        let row = &mut c[(i0 + r) * n + j0..(i0 + r) * n + j0 + NV * l];
        if accumulate {
            for (x, v) in row.iter_mut().zip(values) {
                *x += v;
            }
        } else {
            row.copy_from_slice(values);
        }
    }
}

/// Columns `j0..n` (fewer than one vector) of every row, in scalar code.
#[inline(always)]
fn tail_columns(
    c: &mut [f32],
    a: &[f32],
    b: &[f32],
    (m, k, n): (usize, usize, usize),
    j0: usize,
    accumulate: bool,
) {
    let mut sums = [0.0f32; 64];
    let width = (n - j0).min(sums.len());
    for i in 0..m {
        let sums = &mut sums[..width];
        sums.fill(0.0);
        for (p, b_row) in b.chunks_exact(n).take(k).enumerate() {
            let av = a[i * k + p];
            for (s, bv) in sums.iter_mut().zip(&b_row[j0..j0 + width]) {
                *s = av.mul_add(*bv, *s);
            }
        }
        let row = &mut c[i * n + j0..i * n + j0 + width];
        for (x, s) in row.iter_mut().zip(sums.iter()) {
            *x = if accumulate { *x + s } else { *s };
        }
    }
}

#[cfg(test)]
mod tests {
    use macerator::{AutoArch, Simd, WithSimd};

    use crate::rng::Rng;

    struct Job<'a> {
        c: &'a mut [f32],
        a: &'a [f32],
        b: &'a [f32],
        shape: (usize, usize, usize),
        accumulate: bool,
    }

    impl WithSimd for Job<'_> {
        type Output = ();

        fn with_simd<S: Simd>(self) {
            super::gemm::<S>(self.c, self.a, self.b, self.shape, self.accumulate);
        }
    }

    #[test]
    fn kernel_matches_the_reference_gemm_on_every_shape() {
        let mut rng = Rng::new(4);
        let mut random = |n: usize| -> Vec<f32> { (0..n).map(|_| rng.normal() as f32).collect() };
        for (m, k, n) in [
            (1, 1, 1),
            (3, 5, 7),
            (9, 40, 160),
            (16, 128, 512),
            (13, 33, 47),
        ] {
            for accumulate in [false, true] {
                let (a, b, c0) = (random(m * k), random(k * n), random(m * n));
                let mut expected = c0.clone();
                let beta = if accumulate { 1.0 } else { 0.0 };
                crate::model::fast::math::gemm(
                    &mut expected,
                    &a,
                    &b,
                    (m, k, n),
                    false,
                    false,
                    beta,
                )
                .unwrap();
                let mut c = c0.clone();
                AutoArch::new().dispatch(Job {
                    c: &mut c,
                    a: &a,
                    b: &b,
                    shape: (m, k, n),
                    accumulate,
                });
                for (x, y) in c.iter().zip(&expected) {
                    assert!(
                        (x - y).abs() <= 1e-4 * (1.0 + y.abs()),
                        "{m}×{k}×{n}: {x} vs {y}"
                    );
                }
            }
        }
    }
}

//! `C += Aᵀ·B` on the SIMD kernel's register tile: the weight gradients, Σ over time
//! steps and rows of input ⊗ gate gradient (K = steps·rows, in the thousands).
//! Everything here is `#[inline(always)]` below the dispatch, as in [`super::kernel`].

use macerator::{AutoArch, Scalar, Simd, WithSimd};

use super::kernel::{V, lanes, load};
use crate::error::{EngineError, Result};

/// `C[m×n] += Aᵀ·B` with `a: [k×m]` and `b: [k×n]` row-major: the weight gradients
/// (Σ over time steps and rows of input ⊗ gate gradient, K = steps·rows in the
/// thousands). Runs on the widest SIMD the CPU has and reads both operands in place, in
/// blocks of [`KC`] rows. matrixmultiply did these with its AVX2 kernel and spent a fifth
/// of its time packing; on config c's `128×752×512` this runs at ~105 GFLOP/s on one
/// thread, against matrixmultiply's ~84 and ~73 for packing B into panels first.
pub fn gemm_tn(
    c: &mut [f32],
    a: &[f32],
    b: &[f32],
    (m, k, n): (usize, usize, usize),
) -> Result<()> {
    let short =
        |what: &str| EngineError::FastPath(format!("gemm Aᵀ·B {m}×{k}×{n}: {what} is too short"));
    let a = a.get(..k * m).ok_or_else(|| short("A"))?;
    let b = b.get(..k * n).ok_or_else(|| short("B"))?;
    let c = c.get_mut(..m * n).ok_or_else(|| short("C"))?;
    AutoArch::new().dispatch(Tn {
        c,
        a,
        b,
        shape: (m, k, n),
    });
    Ok(())
}

struct Tn<'a> {
    c: &'a mut [f32],
    a: &'a [f32],
    b: &'a [f32],
    shape: (usize, usize, usize),
}

impl WithSimd for Tn<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self) {
        tn::<S>(self.c, self.a, self.b, self.shape);
    }
}

/// Rows of K per block of [`gemm_tn`]: C's tiles are loaded and stored once per block,
/// and a block's column panel of B (`KC` × two vectors, read in place) stays in L2
/// across the row tiles (measured on config c: 64 rows 87, 128: 96, 256: 106, 1024:
/// 101 GFLOP/s).
const KC: usize = 256;

/// `C += Aᵀ·B`, both read in place: per block of rows of K, per column panel of B, per
/// tile of C's rows (columns of A).
#[inline(always)]
fn tn<S: Simd>(c: &mut [f32], a: &[f32], b: &[f32], (m, k, n): (usize, usize, usize)) {
    let l = lanes::<S>();
    let mut k0 = 0;
    while k0 < k {
        let k1 = (k0 + KC).min(k);
        let mut j0 = 0;
        while j0 + 2 * l <= n {
            if l >= 16 {
                tn_rows::<S, 8, 2>(c, a, b, (m, n), (k0, k1), j0);
            } else {
                tn_rows::<S, 4, 2>(c, a, b, (m, n), (k0, k1), j0);
            }
            j0 += 2 * l;
        }
        while j0 + l <= n {
            tn_rows::<S, 4, 1>(c, a, b, (m, n), (k0, k1), j0);
            j0 += l;
        }
        for j in j0..n {
            for i in 0..m {
                let mut sum = 0.0f32;
                for p in k0..k1 {
                    sum = a[p * m + i].mul_add(b[p * n + j], sum);
                }
                c[i * n + j] += sum;
            }
        }
        k0 = k1;
    }
}

#[inline(always)]
fn tn_rows<S: Simd, const MR: usize, const NV: usize>(
    c: &mut [f32],
    a: &[f32],
    b: &[f32],
    (m, n): (usize, usize),
    (k0, k1): (usize, usize),
    j0: usize,
) {
    let mut i0 = 0;
    while i0 + MR <= m {
        tn_tile::<S, MR, NV>(c, a, b, (m, n), (k0, k1), (i0, j0));
        i0 += MR;
    }
    while i0 < m {
        tn_tile::<S, 1, NV>(c, a, b, (m, n), (k0, k1), (i0, j0));
        i0 += 1;
    }
}

#[inline(always)]
fn tn_tile<S: Simd, const MR: usize, const NV: usize>(
    c: &mut [f32],
    a: &[f32],
    b: &[f32],
    (m, n): (usize, usize),
    (k0, k1): (usize, usize),
    (i0, j0): (usize, usize),
) {
    let l = lanes::<S>();
    let mut acc: [[V<S>; NV]; MR] = std::array::from_fn(|r| {
        std::array::from_fn(|v| load::<S>(&c[(i0 + r) * n + j0 + v * l..]))
    });
    let a_rows = a[k0 * m..k1 * m].chunks_exact(m);
    let b_rows = b[k0 * n..k1 * n].chunks_exact(n);
    for (a_row, b_row) in a_rows.zip(b_rows) {
        let panel = &b_row[j0..j0 + NV * l];
        let bv: [V<S>; NV] = std::array::from_fn(|v| load::<S>(&panel[v * l..]));
        let av = &a_row[i0..i0 + MR];
        for (acc_r, a_r) in acc.iter_mut().zip(av) {
            let x = a_r.splat::<S>();
            for (acc_v, b_v) in acc_r.iter_mut().zip(&bv) {
                *acc_v = x.mul_add(*b_v, *acc_v);
            }
        }
    }
    for (r, acc_r) in acc.iter().enumerate() {
        let values: &[f32] = bytemuck::cast_slice(acc_r);
        let start = (i0 + r) * n + j0;
        c[start..start + NV * l].copy_from_slice(values);
    }
}

#[cfg(test)]
mod tests {
    use crate::rng::Rng;

    #[test]
    fn transposed_kernel_matches_the_reference_gemm() {
        let mut rng = Rng::new(9);
        let mut random = |n: usize| -> Vec<f32> { (0..n).map(|_| rng.normal() as f32).collect() };
        // Weight-gradient shapes (H, K, G·H) and odd ones: partial row tiles, one-vector
        // and scalar column tails, K across several blocks.
        for (m, k, n) in [
            (1, 1, 1),
            (1, 300, 512),
            (128, 752, 512),
            (64, 3040, 192),
            (9, 517, 47),
            (13, 5, 16),
            (32, 1472, 128),
        ] {
            let (a, b, c0) = (random(k * m), random(k * n), random(m * n));
            let mut expected = c0.clone();
            crate::model::fast::math::gemm(&mut expected, &a, &b, (m, k, n), true, false, 1.0)
                .unwrap();
            let mut c = c0.clone();
            super::gemm_tn(&mut c, &a, &b, (m, k, n)).unwrap();
            let scale = (k as f32).sqrt();
            for (x, y) in c.iter().zip(&expected) {
                assert!(
                    (x - y).abs() <= 1e-5 * scale * (1.0 + y.abs()),
                    "{m}×{k}×{n}: {x} vs {y}"
                );
            }
        }
        let mut c = vec![0.0; 4];
        assert!(super::gemm_tn(&mut c, &[1.0; 3], &[1.0; 4], (2, 2, 2)).is_err());
    }
}

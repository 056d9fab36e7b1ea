//! The recurrent GEMM `C[m×n] (+)= A[m×k]·B[k×n]` with few rows (a thread's share of the
//! batch), written on macerator's SIMD vectors so that it runs with the widest
//! instructions the CPU has (AVX-512, AVX2+FMA, …; chosen at run time, see
//! [`super::simd`]).
//!
//! Why not matrixmultiply here: it packs both operands on every call, and with 16–64
//! rows per step the packing of the `[H, G·H]` recurrent weights cost as much as the
//! multiplication (a third of config c's time). This kernel reads B in place: a register
//! tile of `MR` rows × `NV` vectors walks down a column panel of B, which stays in L1/L2
//! across the row tiles. The same tile runs the input projection of all steps and the
//! gradient back to the input ([`multiply`], B packed once per training step), and a
//! variant for `Aᵀ·B` computes the weight gradients ([`gemm_tn`]); all of them beat
//! matrixmultiply's AVX2 kernel and its packing on these shapes.
//!
//! Everything here is `#[inline(always)]` and generic over the [`Simd`] backend: it must
//! be inlined into the target-feature context macerator dispatches to.

use macerator::{AutoArch, Scalar, Simd, Vector, WithSimd};

use crate::error::{EngineError, Result};

pub use super::transposed::gemm_tn;

pub(super) type V<S> = Vector<S, f32>;

/// f32 lanes of one vector of backend `S`.
#[inline(always)]
pub fn lanes<S: Simd>() -> usize {
    size_of::<V<S>>() / size_of::<f32>()
}

/// An unaligned load of one vector from the start of `s` (which holds at least `lanes`).
#[inline(always)]
pub(super) fn load<S: Simd>(s: &[f32]) -> V<S> {
    bytemuck::pod_read_unaligned(bytemuck::cast_slice(&s[..lanes::<S>()]))
}

/// Columns of one packed panel of B: two AVX-512 vectors, four AVX2 ones.
pub const PANEL: usize = 32;

/// A matrix `B [k×n]` laid out for [`gemm_packed`]: the first `n / PANEL` column
/// panels each stored as `k` contiguous rows of [`PANEL`] values, then the remaining
/// columns row-major. Read in place, a row-major B with a power-of-two row length
/// (`G·H` = 512 for config c) maps every row of a column panel onto the same few cache
/// sets, so the panel falls out of L1 and L2 between row tiles; packed, a panel is one
/// contiguous run (16 KiB for k = 128) that stays in L1. The recurrent weights are
/// packed once per training step and read at every time step.
#[derive(Clone, Debug, Default)]
pub struct Packed {
    k: usize,
    n: usize,
    data: Vec<f32>,
}

impl Packed {
    /// Packs the row-major `b` (`k` rows of `n`).
    pub fn new(b: &[f32], k: usize, n: usize) -> Self {
        let full = n / PANEL;
        let mut data = Vec::with_capacity(k * n);
        for p in 0..full {
            for row in b.chunks_exact(n.max(1)).take(k) {
                data.extend_from_slice(&row[p * PANEL..(p + 1) * PANEL]);
            }
        }
        for row in b.chunks_exact(n.max(1)).take(k) {
            data.extend_from_slice(&row[full * PANEL..]);
        }
        Self { k, n, data }
    }

    /// `(k, n)`, when the data is complete.
    pub fn shape(&self) -> Option<(usize, usize)> {
        (self.data.len() == self.k * self.n).then_some((self.k, self.n))
    }
}

/// `C = A·B` (or `C += A·B` when `accumulate`) with B packed: `c: [m×n]`, `a: [m×k]`,
/// row-major and dense. The caller checks the lengths (and [`Packed::shape`]).
#[inline(always)]
pub fn gemm_packed<S: Simd>(c: &mut [f32], a: &[f32], b: &Packed, m: usize, accumulate: bool) {
    let (k, n) = (b.k, b.n);
    // Blocks of rows, so that a block of A stays in L1/L2 while every column panel of B
    // passes over it (the input projection has thousands of rows).
    let mut r0 = 0;
    while r0 < m {
        let rows = ROW_BLOCK.min(m - r0);
        block::<S>(
            &mut c[r0 * n..(r0 + rows) * n],
            &a[r0 * k..(r0 + rows) * k],
            b,
            rows,
            accumulate,
        );
        r0 += rows;
    }
}

/// Rows of A and C per block of [`gemm_packed`].
const ROW_BLOCK: usize = 64;

#[inline(always)]
fn block<S: Simd>(c: &mut [f32], a: &[f32], b: &Packed, m: usize, accumulate: bool) {
    let (k, n) = (b.k, b.n);
    let l = lanes::<S>();
    let full = n / PANEL;
    for p in 0..full {
        let panel = &b.data[p * k * PANEL..(p + 1) * k * PANEL];
        let c_col = p * PANEL;
        if PANEL.is_multiple_of(2 * l) {
            for off in (0..PANEL).step_by(2 * l) {
                let at = Cols {
                    ldb: PANEL,
                    b_col: off,
                    c_col: c_col + off,
                };
                if l >= 16 {
                    rows::<S, 8, 2>(c, a, panel, (m, k, n), at, accumulate);
                } else {
                    rows::<S, 4, 2>(c, a, panel, (m, k, n), at, accumulate);
                }
            }
        } else {
            columns::<S>(c, a, panel, (m, k, n), (PANEL, c_col), accumulate);
        }
    }
    let rest = n - full * PANEL;
    if rest > 0 {
        let block = &b.data[full * k * PANEL..];
        columns::<S>(c, a, block, (m, k, n), (rest, full * PANEL), accumulate);
    }
}

/// `C = A·B` (or `C += A·B` when `accumulate`) with B packed, `a: [m×k]` row-major, on
/// the widest SIMD the CPU has: the input projection of all steps and the gradient
/// back to the layer's input (K and N are the layer's input and gate widths).
pub fn multiply(c: &mut [f32], a: &[f32], b: &Packed, m: usize, accumulate: bool) -> Result<()> {
    let Some((k, n)) = b.shape() else {
        return Err(EngineError::FastPath("gemm: B is not fully packed".into()));
    };
    let short =
        |what: &str| EngineError::FastPath(format!("gemm {m}×{k}×{n}: {what} is too short"));
    let a = a.get(..m * k).ok_or_else(|| short("A"))?;
    let c = c.get_mut(..m * n).ok_or_else(|| short("C"))?;
    AutoArch::new().dispatch(Nn {
        c,
        a,
        b,
        m,
        accumulate,
    });
    Ok(())
}

struct Nn<'a> {
    c: &'a mut [f32],
    a: &'a [f32],
    b: &'a Packed,
    m: usize,
    accumulate: bool,
}

impl WithSimd for Nn<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self) {
        // Two instances with the flag constant: with a run-time flag the accumulator
        // tile was kept on the stack, not in registers (half the speed, measured).
        if self.accumulate {
            gemm_packed::<S>(self.c, self.a, self.b, self.m, true);
        } else {
            gemm_packed::<S>(self.c, self.a, self.b, self.m, false);
        }
    }
}

/// `C = A·B` (or `C += A·B` when `accumulate`), all row-major and dense:
/// `c: [m×n]`, `a: [m×k]`, `b: [k×n]`, B read in place (the tests compare both paths).
#[cfg(test)]
#[inline(always)]
pub fn gemm<S: Simd>(
    c: &mut [f32],
    a: &[f32],
    b: &[f32],
    (m, k, n): (usize, usize, usize),
    accumulate: bool,
) {
    columns::<S>(c, a, b, (m, k, n), (n, 0), accumulate);
}

/// Where a tile reads B and writes C: B's row length and first column, C's first
/// column (C's row length is the `n` of the shape).
#[derive(Clone, Copy)]
struct Cols {
    ldb: usize,
    b_col: usize,
    c_col: usize,
}

/// All of a row-major block of B (`k` rows of `ldb`), written to C's columns
/// `c_col..c_col + ldb`: two-vector panels, then one-vector ones, then scalar columns.
#[inline(always)]
fn columns<S: Simd>(
    c: &mut [f32],
    a: &[f32],
    b: &[f32],
    shape: (usize, usize, usize),
    (ldb, c_col): (usize, usize),
    accumulate: bool,
) {
    let l = lanes::<S>();
    // Rows per tile sized to the register file (32 registers with AVX-512: 8×2
    // accumulators; 16 with AVX2: 4×2).
    let wide = 2 * l;
    let mut j0 = 0;
    while j0 + wide <= ldb {
        let at = Cols {
            ldb,
            b_col: j0,
            c_col: c_col + j0,
        };
        if l >= 16 {
            rows::<S, 8, 2>(c, a, b, shape, at, accumulate);
        } else {
            rows::<S, 4, 2>(c, a, b, shape, at, accumulate);
        }
        j0 += wide;
    }
    while j0 + l <= ldb {
        let at = Cols {
            ldb,
            b_col: j0,
            c_col: c_col + j0,
        };
        rows::<S, 4, 1>(c, a, b, shape, at, accumulate);
        j0 += l;
    }
    if j0 < ldb {
        let at = Cols {
            ldb,
            b_col: j0,
            c_col: c_col + j0,
        };
        tail_columns(c, a, b, shape, (at, ldb - j0), accumulate);
    }
}

/// All rows for one column panel (`NV` vectors wide).
#[inline(always)]
fn rows<S: Simd, const MR: usize, const NV: usize>(
    c: &mut [f32],
    a: &[f32],
    b: &[f32],
    (m, k, n): (usize, usize, usize),
    at: Cols,
    accumulate: bool,
) {
    let mut i0 = 0;
    while i0 + MR <= m {
        tile::<S, MR, NV>(c, a, b, (k, n), (i0, at), accumulate);
        i0 += MR;
    }
    while i0 < m {
        tile::<S, 1, NV>(c, a, b, (k, n), (i0, at), accumulate);
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
    (i0, at): (usize, Cols),
    accumulate: bool,
) {
    let l = lanes::<S>();
    let zero = 0.0f32.splat::<S>();
    let mut acc = [[zero; NV]; MR];
    let a_rows: [&[f32]; MR] = std::array::from_fn(|r| &a[(i0 + r) * k..(i0 + r + 1) * k]);
    for (p, b_row) in b.chunks_exact(at.ldb).take(k).enumerate() {
        let panel = &b_row[at.b_col..at.b_col + NV * l];
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
        let start = (i0 + r) * n + at.c_col;
        let row = &mut c[start..start + NV * l];
        if accumulate {
            for (x, v) in row.iter_mut().zip(values) {
                *x += v;
            }
        } else {
            row.copy_from_slice(values);
        }
    }
}

/// `width` (fewer than one vector) columns of every row, in scalar code.
#[inline(always)]
fn tail_columns(
    c: &mut [f32],
    a: &[f32],
    b: &[f32],
    (m, k, n): (usize, usize, usize),
    (at, width): (Cols, usize),
    accumulate: bool,
) {
    let mut sums = [0.0f32; 64];
    let width = width.min(sums.len());
    for i in 0..m {
        let sums = &mut sums[..width];
        sums.fill(0.0);
        for (p, b_row) in b.chunks_exact(at.ldb).take(k).enumerate() {
            let av = a[i * k + p];
            for (s, bv) in sums.iter_mut().zip(&b_row[at.b_col..at.b_col + width]) {
                *s = av.mul_add(*bv, *s);
            }
        }
        let start = i * n + at.c_col;
        let row = &mut c[start..start + width];
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

    struct PackedJob<'a> {
        c: &'a mut [f32],
        a: &'a [f32],
        b: &'a super::Packed,
        m: usize,
        accumulate: bool,
    }

    impl WithSimd for PackedJob<'_> {
        type Output = ();

        fn with_simd<S: Simd>(self) {
            super::gemm_packed::<S>(self.c, self.a, self.b, self.m, self.accumulate);
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
            (10, 7, 120),
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
                let mut c_packed = c0.clone();
                let packed = super::Packed::new(&b, k, n);
                assert_eq!(packed.shape(), Some((k, n)));
                AutoArch::new().dispatch(PackedJob {
                    c: &mut c_packed,
                    a: &a,
                    b: &packed,
                    m,
                    accumulate,
                });
                let mut c_multiply = c0.clone();
                super::multiply(&mut c_multiply, &a, &packed, m, accumulate).unwrap();
                assert_eq!(c_multiply, c_packed);
                for ((x, xp), y) in c.iter().zip(&c_packed).zip(&expected) {
                    let tolerance = 1e-4 * (1.0 + y.abs());
                    assert!((x - y).abs() <= tolerance, "{m}×{k}×{n}: {x} vs {y}");
                    assert!(
                        (xp - y).abs() <= tolerance,
                        "{m}×{k}×{n} packed: {xp} vs {y}"
                    );
                }
            }
        }
    }
}

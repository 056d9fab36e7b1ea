//! Covariates known in advance, as the direct head reads them: each horizon step's
//! forecast adds that step's values times `w: [known, quantiles·targets]`, one weight
//! matrix shared by the steps (as `Forecaster::known_ahead` computes it on tensors).

use std::ops::Range;

use super::math::gemm;
use crate::error::Result;

/// The weights and the output layout they write into.
pub struct Known {
    /// `[known, quantiles·targets]`.
    pub w: Vec<f32>,
    /// Known-in-advance columns.
    pub known: usize,
    /// Forecast steps.
    pub horizon: usize,
    /// Forecast columns.
    pub targets: usize,
    /// Output blocks (quantile levels), each `horizon·targets` wide.
    pub quantiles: usize,
}

impl Known {
    /// Rows `rows` of the batch's block `[B, horizon, known]`: `[rows·horizon, known]`.
    pub fn rows<'a>(&self, future: &'a [f32], rows: &Range<usize>) -> &'a [f32] {
        let per_row = self.horizon * self.known;
        future
            .get(rows.start * per_row..rows.end * per_row)
            .unwrap_or(&[])
    }

    /// Column of the output `[rows, quantiles·horizon·targets]` for level `q`, step
    /// `h`, target `t`.
    fn column(&self, q: usize, h: usize, t: usize) -> usize {
        (q * self.horizon + h) * self.targets + t
    }

    /// `pred[r, (q, h, t)] += Σ_k f[r·horizon + h, k] · w[k, q·targets + t]`.
    pub fn add_to(&self, pred: &mut [f32], f: &[f32], rows: usize, outputs: usize) -> Result<()> {
        let qt = self.quantiles * self.targets;
        let mut out = vec![0.0f32; rows * self.horizon * qt];
        gemm(
            &mut out,
            f,
            &self.w,
            (rows * self.horizon, self.known, qt),
            false,
            false,
            0.0,
        )?;
        for (i, per_step) in out.chunks_exact(qt).enumerate() {
            let (r, h) = (i / self.horizon, i % self.horizon);
            for q in 0..self.quantiles {
                for t in 0..self.targets {
                    let (Some(p), Some(v)) = (
                        pred.get_mut(r * outputs + self.column(q, h, t)),
                        per_step.get(q * self.targets + t),
                    ) else {
                        continue;
                    };
                    *p += v;
                }
            }
        }
        Ok(())
    }

    /// `grad = fᵀ · d`, with `d[r·horizon + h, q·targets + t] = dpred[r, (q, h, t)]`.
    pub fn gradient(
        &self,
        grad: &mut [f32],
        f: &[f32],
        dpred: &[f32],
        rows: usize,
        outputs: usize,
    ) -> Result<()> {
        let qt = self.quantiles * self.targets;
        let mut d = vec![0.0f32; rows * self.horizon * qt];
        for (i, per_step) in d.chunks_exact_mut(qt).enumerate() {
            let (r, h) = (i / self.horizon, i % self.horizon);
            for q in 0..self.quantiles {
                for t in 0..self.targets {
                    if let (Some(slot), Some(g)) = (
                        per_step.get_mut(q * self.targets + t),
                        dpred.get(r * outputs + self.column(q, h, t)),
                    ) {
                        *slot = *g;
                    }
                }
            }
        }
        gemm(
            grad,
            f,
            &d,
            (self.known, rows * self.horizon, qt),
            true,
            false,
            0.0,
        )
    }
}

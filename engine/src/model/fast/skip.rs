//! The linear skip, as the fast path runs it: each target's lookback times a `[T,
//! horizon]` matrix shared by the targets, added to every output block (as
//! `Forecaster::skip` computes it on tensors).

use std::ops::Range;

use super::math::gemm;
use crate::error::Result;

/// The linear skip's weights and the output layout it writes into.
pub struct Skip {
    /// `[lookback, horizon]`.
    pub w: Vec<f32>,
    /// Forecast steps.
    pub horizon: usize,
    /// Forecast columns (the first `targets` input features).
    pub targets: usize,
    /// Output blocks (quantile levels) the skip adds to, each `horizon·targets` wide.
    pub quantiles: usize,
}

impl Skip {
    /// `[rows, T, F]` → each target's inputs as rows `[rows·targets, T]`, ordered
    /// (row, target).
    pub fn inputs(
        &self,
        x: &[f32],
        rows: &Range<usize>,
        steps: usize,
        features: usize,
    ) -> Vec<f32> {
        let mut out = Vec::with_capacity(rows.len() * self.targets * steps);
        for b in rows.clone() {
            for t in 0..self.targets {
                out.extend((0..steps).map(|s| {
                    x.get((b * steps + s) * features + t)
                        .copied()
                        .unwrap_or(0.0)
                }));
            }
        }
        out
    }

    /// Adds `sx · w` (`sx`: [`Skip::inputs`], `[rows·targets, T]`) to the predictions
    /// `[rows, outputs]`, interleaved into their step-major layout and added to every
    /// quantile block.
    pub fn add_to(
        &self,
        pred: &mut [f32],
        sx: &[f32],
        (rows, steps, outputs): (usize, usize, usize),
    ) -> Result<()> {
        // [rows·targets, T] × [T, horizon], then interleave into the step-major layout.
        let mut out = vec![0.0f32; rows * self.targets * self.horizon];
        gemm(
            &mut out,
            sx,
            &self.w,
            (rows * self.targets, steps, self.horizon),
            false,
            false,
            0.0,
        )?;
        for (r, chunk) in out.chunks_exact(self.targets * self.horizon).enumerate() {
            for (t, per_target) in chunk.chunks_exact(self.horizon).enumerate() {
                for (h, v) in per_target.iter().enumerate() {
                    for q in 0..self.quantiles {
                        let column = q * self.horizon * self.targets + h * self.targets + t;
                        if let Some(p) = pred.get_mut(r * outputs + column) {
                            *p += v;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The skip's gradient `xᵀ · d` into `grad`, with the prediction gradient `dpred`
    /// (step-major `[rows, outputs]`) laid out per target and summed over the quantile
    /// blocks the skip adds to.
    pub fn gradient(
        &self,
        grad: &mut [f32],
        sx: &[f32],
        dpred: &[f32],
        (rows, steps, outputs): (usize, usize, usize),
    ) -> Result<()> {
        let mut d = vec![0.0f32; rows * self.targets * self.horizon];
        for (r, chunk) in d.chunks_exact_mut(self.targets * self.horizon).enumerate() {
            for (t, per_target) in chunk.chunks_exact_mut(self.horizon).enumerate() {
                for (h, v) in per_target.iter_mut().enumerate() {
                    *v = (0..self.quantiles)
                        .map(|q| {
                            let column = q * self.horizon * self.targets + h * self.targets + t;
                            dpred.get(r * outputs + column).copied().unwrap_or(0.0)
                        })
                        .sum();
                }
            }
        }
        gemm(
            grad,
            sx,
            &d,
            (steps, rows * self.targets, self.horizon),
            true,
            false,
            0.0,
        )
    }
}

//! The linear autoregressive baseline: for each horizon step `h`, an ordinary
//! least-squares regression of `y_{T+h}` on the lookback window `y_{T−L+1} ..= y_T` plus an
//! intercept (the *direct* multi-step strategy), fitted with `linfa-linear`.
//!
//! How the fit works, and why:
//! 1. Inputs and targets are normalised with the mean and (population) standard
//!    deviation of all values covered by the training windows, so the problem is well
//!    conditioned whatever the units.
//! 2. The design `Z = [1 | lags]` (`n × (L+1)`) is formed once, column-major, and reduced
//!    by one Householder QR that is applied to all `H` target columns at the same time:
//!    `‖Zβ − y_h‖² = ‖Rβ − (Qᵀy_h)[..L+1]‖² + const` for every step. This costs
//!    `O(n·L·(L+H))` once instead of `O(n·L²)` per step.
//! 3. Columns that are (numerically) linear combinations of the earlier ones — a
//!    diagonal entry of `R` below `1e-9` of the column's norm — are dropped, their
//!    coefficient set to 0. So a constant series, a linear trend or any other
//!    rank-deficient design is not an error: the fit falls back to the remaining columns
//!    (a constant series predicts its constant; the intercept column is never dropped).
//! 4. For each step, `linfa_linear::LinearRegression` (no extra intercept, it is a
//!    column of `Z`) solves the small `(L+1) × k` least-squares problem on the reduced
//!    system.
//!
//! Errors are returned, never panics, for a lookback or horizon of 0, fewer training
//! windows than `L + 1`, windows outside the series, non-finite values, and a fit whose
//! coefficients are not finite.

use linfa::DatasetBase;
use linfa::traits::Fit;
use linfa_linear::LinearRegression;
use ndarray::{Array1, Array2, ShapeBuilder};
use serde::{Deserialize, Serialize};

use super::inputs::{input_start, require_positive, value_at};
use crate::error::{EngineError, Result};

/// A column whose diagonal entry of `R` is at most this fraction of its norm is treated as
/// linearly dependent on the earlier columns and dropped.
const RANK_TOL: f64 = 1e-9;

/// A fitted linear autoregression, one set of coefficients per horizon step, in the
/// original units of the series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinearAr {
    lookback: usize,
    horizon: usize,
    /// Mean of the training values; inputs are centred on it before the weights apply.
    center: f64,
    /// Row-major `[horizon × (lookback + 1)]`: per step, the offset added to `center`,
    /// then the weights of the inputs from oldest to newest. The prediction is
    /// `center + offset + Σ_k w_k·(x_k − center)`.
    coefs: Vec<f64>,
}

impl LinearAr {
    /// Fits the model on the windows whose origins are `train_origins` (each window's
    /// inputs and targets must lie in `values`). See the module docs for the method and
    /// the rank-deficient fallback.
    pub fn fit(
        values: &[f64],
        train_origins: &[usize],
        lookback: usize,
        horizon: usize,
    ) -> Result<Self> {
        require_positive(lookback, "lookback")?;
        require_positive(horizon, "horizon")?;
        if lookback.saturating_add(horizon) > values.len() {
            return Err(EngineError::TooShort(format!(
                "the series has {} values, too few for lookback {lookback} plus horizon \
                 {horizon}",
                values.len()
            )));
        }
        // lookback + horizon <= values.len(), so neither sum below can overflow.
        let p = lookback + 1;
        let n = train_origins.len();
        if n < p {
            return Err(EngineError::TooShort(format!(
                "the linear baseline needs at least {p} training windows (lookback {lookback} \
                 + 1), got {n}"
            )));
        }

        let (windows, (center, scale)) =
            training_windows(values, train_origins, lookback, horizon)?;

        // Column-major [n × (p + horizon)]: the ones column, the L lags (oldest first),
        // then the H targets, all normalised.
        let mut columns: Vec<Vec<f64>> = Vec::with_capacity(p + horizon);
        columns.push(vec![1.0; n]);
        for k in 0..lookback + horizon {
            let column = windows
                .iter()
                .map(|w| w.get(k).map_or(0.0, |v| (v - center) / scale))
                .collect();
            columns.push(column);
        }
        let norms: Vec<f64> = columns.iter().take(p).map(|c| dot(c, c).sqrt()).collect();
        let diag = householder_qr(&mut columns, p);

        // Keep the columns that add a new direction; the intercept always does (its norm
        // is sqrt(n) > 0 and it is the first column).
        let keep: Vec<usize> = (0..p)
            .filter(|&j| match (diag.get(j), norms.get(j)) {
                (Some(d), Some(norm)) => d.abs() > RANK_TOL * norm,
                _ => false,
            })
            .collect();
        // Reduced records: the p × k columns of R that are kept, column-major.
        let mut reduced = Vec::with_capacity(p.saturating_mul(keep.len()));
        for &j in &keep {
            let column = columns.get(j).map(Vec::as_slice).unwrap_or_default();
            reduced.extend((0..p).map(|r| match r.cmp(&j) {
                std::cmp::Ordering::Less => column.get(r).copied().unwrap_or(0.0),
                std::cmp::Ordering::Equal => diag.get(j).copied().unwrap_or(0.0),
                std::cmp::Ordering::Greater => 0.0,
            }));
        }
        let records = Array2::from_shape_vec((p, keep.len()).f(), reduced)
            .map_err(|e| EngineError::Transform(format!("linear baseline: {e}")))?;

        let coefs = solve_steps(&records, &columns, &keep, p, scale)?;
        Ok(Self {
            lookback,
            horizon,
            center,
            coefs,
        })
    }

    /// Forecasts the windows with the given origins, row-major
    /// `[origins.len() × horizon]`, in original units. Each origin needs `lookback`
    /// finite values up to and including it; when one does not, the result is empty (use
    /// [`LinearAr::try_predict`] for the reason).
    pub fn predict(&self, values: &[f64], origins: &[usize]) -> Vec<f64> {
        self.try_predict(values, origins).unwrap_or_default()
    }

    /// [`LinearAr::predict`], with an error instead of an empty result: an origin without
    /// `lookback` values up to it ([`EngineError::TooShort`]), a non-finite input
    /// ([`EngineError::Missing`]) or a malformed (deserialised) model
    /// ([`EngineError::Artifact`]).
    pub fn try_predict(&self, values: &[f64], origins: &[usize]) -> Result<Vec<f64>> {
        let p = self.lookback.saturating_add(1);
        let expected = self.horizon.checked_mul(p);
        if self.lookback == 0 || self.horizon == 0 || expected != Some(self.coefs.len()) {
            return Err(EngineError::Artifact(format!(
                "linear baseline: {} coefficients do not match lookback {} and horizon {}",
                self.coefs.len(),
                self.lookback,
                self.horizon
            )));
        }
        let mut out = Vec::new();
        let mut centred = vec![0.0; self.lookback];
        for &t in origins {
            let start = input_start(values, t, self.lookback)?;
            for (k, slot) in centred.iter_mut().enumerate() {
                *slot = value_at(values, start + k)? - self.center;
            }
            for step in self.coefs.chunks_exact(p) {
                let (offset, weights) = step.split_first().unwrap_or((&0.0, &[]));
                out.push(self.center + offset + dot(weights, &centred));
            }
        }
        Ok(out)
    }

    /// The lookback `L` the model was fitted with.
    pub fn lookback(&self) -> usize {
        self.lookback
    }

    /// The horizon `H` the model was fitted with.
    pub fn horizon(&self) -> usize {
        self.horizon
    }

    /// The weights of step `step` (0-based) on the inputs from oldest to newest, in
    /// original units; `None` past the horizon.
    pub fn weights(&self, step: usize) -> Option<&[f64]> {
        self.coefs
            .chunks_exact(self.lookback.saturating_add(1))
            .nth(step)
            .and_then(|c| c.get(1..))
    }

    /// The intercept of step `step` (0-based) in original units, so that
    /// `ŷ = intercept + Σ_k w_k·x_k`; `None` past the horizon.
    pub fn intercept(&self, step: usize) -> Option<f64> {
        let row = self
            .coefs
            .chunks_exact(self.lookback.saturating_add(1))
            .nth(step)?;
        let (offset, weights) = row.split_first()?;
        Some(self.center + offset - self.center * weights.iter().sum::<f64>())
    }
}

/// Mean and population standard deviation of the covered values; a standard deviation
/// of 0 is replaced by 1 (a constant series needs no scaling, and its lag columns are
/// then dropped by the rank check).
fn covered_stats(values: &[f64], covered: &[bool]) -> Result<(f64, f64)> {
    let mut count = 0usize;
    let mut sum = 0.0;
    for (i, (v, _)) in values
        .iter()
        .zip(covered)
        .enumerate()
        .filter(|(_, (_, c))| **c)
    {
        if !v.is_finite() {
            return Err(EngineError::Missing(format!(
                "linear baseline: training value at index {i} is not finite ({v})"
            )));
        }
        sum += v;
        count += 1;
    }
    // count >= 1: fit checked there is at least one window, covering at least one value.
    let n = count.max(1) as f64;
    let mean = sum / n;
    let var = values
        .iter()
        .zip(covered)
        .filter(|(_, c)| **c)
        .map(|(v, _)| (v - mean) * (v - mean))
        .sum::<f64>()
        / n;
    let std = var.sqrt();
    if !mean.is_finite() || !std.is_finite() {
        return Err(EngineError::NonFinite(
            "linear baseline: the training values overflow (mean or spread not finite)".into(),
        ));
    }
    Ok((mean, if std > 0.0 { std } else { 1.0 }))
}

/// Householder QR of the first `p` columns, applied to all columns (the later ones are
/// the right-hand sides). Afterwards, for `j ≥ p`, `columns[j][..p]` is `(Qᵀ y_j)[..p]`;
/// for `j < p`, `columns[j][..j]` is the strictly upper part of column `j` of `R`.
/// Returns the diagonal of `R` (0 where a column had nothing left).
fn householder_qr(columns: &mut [Vec<f64>], p: usize) -> Vec<f64> {
    let mut diag = Vec::with_capacity(p);
    for i in 0..p {
        let (done, rest) = columns.split_at_mut((i + 1).min(columns.len()));
        let Some(x) = done.last_mut().and_then(|c| c.get_mut(i..)) else {
            diag.push(0.0);
            continue;
        };
        let norm = dot(x, x).sqrt();
        let Some(x0) = x.first_mut() else {
            diag.push(0.0);
            continue;
        };
        if norm == 0.0 || !norm.is_finite() {
            diag.push(0.0);
            continue;
        }
        // Reflect x onto alpha·e_1 with v = x − alpha·e_1, alpha of the opposite sign to
        // x_0 (no cancellation): vᵀv = 2·norm·(norm + |x_0|) > 0.
        let alpha = if *x0 >= 0.0 { -norm } else { norm };
        *x0 -= alpha;
        let vtv = dot(x, x);
        for column in rest.iter_mut() {
            if let Some(y) = column.get_mut(i..) {
                let factor = 2.0 * dot(x, y) / vtv;
                for (yi, vi) in y.iter_mut().zip(x.iter()) {
                    *yi -= factor * vi;
                }
            }
        }
        diag.push(alpha);
    }
    diag
}

/// Dot product of the common prefix, with four accumulators so it vectorises.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let len = a.len().min(b.len());
    let (a, b) = (
        a.get(..len).unwrap_or_default(),
        b.get(..len).unwrap_or_default(),
    );
    let mut acc = [0.0; 4];
    let mut a4 = a.chunks_exact(4);
    let mut b4 = b.chunks_exact(4);
    for (x, y) in (&mut a4).zip(&mut b4) {
        for ((s, xi), yi) in acc.iter_mut().zip(x).zip(y) {
            *s += xi * yi;
        }
    }
    let tail: f64 = a4
        .remainder()
        .iter()
        .zip(b4.remainder())
        .map(|(x, y)| x * y)
        .sum();
    acc.iter().sum::<f64>() + tail
}

/// The training windows (each a slice of `lookback + horizon` values) and the
/// normalisation over every value some window covers (each counted once).
type Windows<'v> = (Vec<&'v [f64]>, (f64, f64));

/// [`Windows`] of the origins `train_origins`.
fn training_windows<'v>(
    values: &'v [f64],
    train_origins: &[usize],
    lookback: usize,
    horizon: usize,
) -> Result<Windows<'v>> {
    let mut windows = Vec::with_capacity(train_origins.len());
    let mut covered = vec![false; values.len()];
    for &t in train_origins {
        let start = input_start(values, t, lookback)?;
        let end = t.saturating_add(horizon);
        let window = values.get(start..=end).ok_or_else(|| {
            EngineError::TooShort(format!(
                "training window with origin {t} needs values up to index {end}, the \
                 series has {}",
                values.len()
            ))
        })?;
        if let Some(flags) = covered.get_mut(start..=end) {
            flags.fill(true);
        }
        windows.push(window);
    }
    Ok((windows, covered_stats(values, &covered)?))
}

/// One least-squares fit per horizon step on the reduced system `records` (the kept
/// columns of R), the targets being `columns[p..]` after the QR; the coefficients in
/// the original units, row-major `[horizon × p]`.
fn solve_steps(
    records: &Array2<f64>,
    columns: &[Vec<f64>],
    keep: &[usize],
    p: usize,
    scale: f64,
) -> Result<Vec<f64>> {
    let horizon = columns.len().saturating_sub(p);
    let regression = LinearRegression::new().with_intercept(false);
    let mut coefs = Vec::with_capacity(horizon.saturating_mul(p));
    for (step, target) in columns.iter().skip(p).enumerate() {
        let reduced_target: Vec<f64> = target.iter().take(p).copied().collect();
        let dataset = DatasetBase::new(records.view(), Array1::from_vec(reduced_target));
        let fitted = regression.fit(&dataset).map_err(|e| {
            EngineError::Transform(format!(
                "linear baseline: least-squares fit of step {} failed: {e}",
                step + 1
            ))
        })?;
        // Normalised model: (y − c)/s = b_0 + Σ b_k (x_k − c)/s, i.e.
        // y = c + s·b_0 + Σ b_k (x_k − c).
        let mut beta = vec![0.0; p];
        for (&j, &b) in keep.iter().zip(fitted.params().iter()) {
            if let Some(slot) = beta.get_mut(j) {
                *slot = b;
            }
        }
        if let Some(b0) = beta.first_mut() {
            *b0 *= scale;
        }
        if beta.iter().any(|b| !b.is_finite()) {
            return Err(EngineError::NonFinite(format!(
                "linear baseline: step {} has non-finite coefficients",
                step + 1
            )));
        }
        coefs.extend(beta);
    }
    Ok(coefs)
}

#[cfg(test)]
mod tests;

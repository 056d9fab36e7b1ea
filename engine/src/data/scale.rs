//! Per-column scalers, fitted on the training rows only and exactly invertible.
//!
//! A scaler is an affine map `(x − center) / scale`; the kinds differ only in how
//! center and scale are estimated. A degenerate spread (a constant column) falls back
//! to a scale of 1 so that nothing divides by zero; the scaler records that it did.

use serde::{Deserialize, Serialize};

use crate::config::ScaleKind;
use crate::error::{EngineError, Result};

/// A fitted affine scaler.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scaler {
    /// How it was fitted.
    pub kind: ScaleKind,
    /// Subtracted first.
    pub center: f64,
    /// Divided by second (never 0).
    pub scale: f64,
    /// True when the fitted spread was 0 and the scale fell back to 1.
    pub degenerate: bool,
    /// A robust scaler whose interquartile range was 0 although the values vary (more
    /// than half of them equal, as in intermittent demand): it divides by the mean
    /// absolute deviation from the median instead.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub iqr_zero: bool,
}

impl Scaler {
    /// The identity scaler.
    pub fn identity() -> Self {
        Self {
            kind: ScaleKind::None,
            center: 0.0,
            scale: 1.0,
            degenerate: false,
            iqr_zero: false,
        }
    }

    /// Fits on `values` (the training rows of one column). Values must be finite.
    pub fn fit(kind: ScaleKind, values: &[f64], column: &str) -> Result<Self> {
        if kind == ScaleKind::None {
            return Ok(Self::identity());
        }
        if values.is_empty() {
            return Err(EngineError::TooShort(format!(
                "cannot fit a scaler for '{column}' on zero training rows"
            )));
        }
        let mut iqr_zero = false;
        let (center, spread) = match kind {
            ScaleKind::None => (0.0, 1.0),
            ScaleKind::Zscore => {
                let n = values.len() as f64;
                let mean = values.iter().sum::<f64>() / n;
                let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
                (mean, var.sqrt())
            }
            ScaleKind::Minmax => {
                let min = values.iter().copied().fold(f64::INFINITY, f64::min);
                let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                (min, max - min)
            }
            ScaleKind::Robust => {
                let mut sorted = values.to_vec();
                sorted.sort_by(f64::total_cmp);
                let q = |p: f64| quantile_sorted(&sorted, p);
                let (median, iqr) = (q(0.5), q(0.75) - q(0.25));
                if iqr > f64::EPSILON * median.abs().max(1.0) {
                    (median, iqr)
                } else {
                    let n = sorted.len() as f64;
                    let mad = sorted.iter().map(|v| (v - median).abs()).sum::<f64>() / n;
                    iqr_zero = mad > 0.0;
                    (median, mad)
                }
            }
        };
        let degenerate = !(spread.is_finite() && spread > f64::EPSILON * center.abs().max(1.0));
        if !center.is_finite() {
            return Err(EngineError::Transform(format!(
                "column '{column}': its training values overflow when scaled (center {center})"
            )));
        }
        Ok(Self {
            kind,
            center,
            scale: if degenerate { 1.0 } else { spread },
            degenerate,
            iqr_zero: iqr_zero && !degenerate,
        })
    }

    /// Scales one value.
    pub fn transform(&self, x: f64) -> f64 {
        (x - self.center) / self.scale
    }

    /// Inverts [`Scaler::transform`].
    pub fn inverse(&self, z: f64) -> f64 {
        z * self.scale + self.center
    }
}

/// Linear-interpolation quantile of sorted data (numpy's default), `p` in [0, 1].
fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    let Some(last) = sorted.len().checked_sub(1) else {
        return f64::NAN;
    };
    let pos = p * last as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let (a, b) = (sorted.get(lo), sorted.get(hi.min(last)));
    match (a, b) {
        (Some(a), Some(b)) => a + (b - a) * (pos - lo as f64),
        _ => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRAIN: [f64; 5] = [2.0, 4.0, 4.0, 5.0, 10.0];

    #[test]
    fn zscore_uses_population_std() {
        // mean = 25/5 = 5; squared deviations 9,1,1,0,25 → var 36/5 = 7.2; std = 2.683281573
        let s = Scaler::fit(ScaleKind::Zscore, &TRAIN, "x").unwrap();
        assert!((s.center - 5.0).abs() < 1e-12);
        assert!((s.scale - 7.2f64.sqrt()).abs() < 1e-12);
        assert!((s.transform(10.0) - 5.0 / 7.2f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn minmax_maps_training_range_to_unit_interval() {
        let s = Scaler::fit(ScaleKind::Minmax, &TRAIN, "x").unwrap();
        assert_eq!((s.center, s.scale), (2.0, 8.0));
        assert_eq!(s.transform(2.0), 0.0);
        assert_eq!(s.transform(10.0), 1.0);
        assert_eq!(s.transform(6.0), 0.5);
    }

    #[test]
    fn robust_uses_median_and_iqr() {
        // sorted 2,4,4,5,10: median 4; q25 at pos 1 → 4; q75 at pos 3 → 5; IQR 1
        let s = Scaler::fit(ScaleKind::Robust, &TRAIN, "x").unwrap();
        assert_eq!((s.center, s.scale), (4.0, 1.0));
        // even count: 1,2,3,4 → median pos 1.5 → 2.5; q25 pos .75 → 1.75; q75 pos 2.25 → 3.25
        let s = Scaler::fit(ScaleKind::Robust, &[4.0, 1.0, 3.0, 2.0], "x").unwrap();
        assert_eq!((s.center, s.scale), (2.5, 1.5));
    }

    #[test]
    fn inverse_round_trips_and_constant_columns_do_not_divide_by_zero() {
        for kind in [
            ScaleKind::None,
            ScaleKind::Zscore,
            ScaleKind::Minmax,
            ScaleKind::Robust,
        ] {
            let s = Scaler::fit(kind, &TRAIN, "x").unwrap();
            for x in [-3.5, 0.0, 7.25, 1e6] {
                assert!((s.inverse(s.transform(x)) - x).abs() < 1e-9 * x.abs().max(1.0));
            }
            let c = Scaler::fit(kind, &[3.0; 4], "c").unwrap();
            assert!(c.transform(3.0).is_finite());
            assert_eq!(c.degenerate, kind != ScaleKind::None);
        }
    }

    #[test]
    fn a_robust_scaler_without_an_interquartile_range_divides_by_the_mean_deviation() {
        // Intermittent demand: 7 zeros, then 2 and 6. Median 0, IQR 0.
        let values = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 6.0];
        let s = Scaler::fit(ScaleKind::Robust, &values, "demand").unwrap();
        assert_eq!((s.center, s.degenerate, s.iqr_zero), (0.0, false, true));
        // mean |x − 0| = 8 / 9
        assert!((s.scale - 8.0 / 9.0).abs() < 1e-12, "{}", s.scale);
        // A column that does not vary at all is still degenerate, not a fallback.
        let flat = Scaler::fit(ScaleKind::Robust, &[3.0; 5], "flat").unwrap();
        assert_eq!(
            (flat.degenerate, flat.iqr_zero, flat.scale),
            (true, false, 1.0)
        );
    }
}

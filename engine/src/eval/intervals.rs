//! Prediction intervals by split conformal prediction: the absolute errors of a
//! forecaster on the validation windows, per horizon step, give the radius that covers
//! the truth at the nominal level on new windows from the same process (the quantile of
//! rank ⌈(n + 1)·level⌉ among n errors: finite-sample valid for exchangeable errors).
//! Works for any forecaster (the network, each baseline, the product forecast); scored
//! on the test part by coverage, mean width and the interval (Winkler) score.

use serde::{Deserialize, Serialize};

/// The radius per horizon step of a `level` interval from the errors of `forecast`
/// against `actual` (both row-major `[windows × horizon]`): the ⌈(n + 1)·level⌉-th
/// smallest absolute error of each step. `None` for a step with too few finite errors
/// for the level (n < 1 / (1 − level) − 1: no finite quantile exists).
pub fn radii(actual: &[f64], forecast: &[f64], horizon: usize, level: f64) -> Vec<Option<f64>> {
    (0..horizon)
        .map(|step| {
            let mut errors: Vec<f64> = actual
                .iter()
                .zip(forecast)
                .skip(step)
                .step_by(horizon.max(1))
                .map(|(a, f)| (a - f).abs())
                .filter(|e| e.is_finite())
                .collect();
            let n = errors.len();
            // Rank in 1..=n, or beyond n when the level needs more errors than there are.
            let rank = ((n as f64 + 1.0) * level).ceil();
            if n == 0 || !(rank >= 1.0 && rank <= n as f64) {
                return None;
            }
            errors.sort_by(f64::total_cmp);
            // In 1..=n by the check above.
            errors.get(rank as usize - 1).copied()
        })
        .collect()
}

/// How an interval did on windows it was not fitted on.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct IntervalScores {
    /// Share of actual values inside the interval (0–1).
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub coverage: f64,
    /// Mean width (upper − lower), in the data's units.
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub width: f64,
    /// Mean interval (Winkler) score: the width plus 2 / (1 − level) times how far the
    /// actual value falls outside; lower is better.
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub winkler: f64,
}

/// Scores the interval `forecast ± radius[step]` at `level` on `actual` (row-major
/// `[windows × horizon]`); steps without a radius are left out.
pub fn score(
    actual: &[f64],
    forecast: &[f64],
    radius: &[Option<f64>],
    level: f64,
) -> IntervalScores {
    // The band between the forecast and itself, widened by the radius.
    score_band(actual, forecast, forecast, radius, level)
}

/// Scores the interval `[lo − margin[step], hi + margin[step]]` at `level` on `actual`
/// (all row-major `[windows × horizon]`; a zero margin scores the raw quantiles). Steps
/// without a margin are left out; a band crossed by a negative margin is empty there.
pub fn score_band(
    actual: &[f64],
    lo: &[f64],
    hi: &[f64],
    margin: &[Option<f64>],
    level: f64,
) -> IntervalScores {
    let horizon = margin.len().max(1);
    let penalty = 2.0 / (1.0 - level).max(f64::EPSILON);
    let (mut n, mut inside, mut width, mut winkler) = (0usize, 0usize, 0.0, 0.0);
    for (i, (a, (l, h))) in actual.iter().zip(lo.iter().zip(hi)).enumerate() {
        let Some(Some(m)) = margin.get(i % horizon) else {
            continue;
        };
        if !(a.is_finite() && l.is_finite() && h.is_finite()) {
            continue;
        }
        let (l, h) = (l - m, h + m);
        let h = h.max(l);
        n += 1;
        width += h - l;
        let miss = if *a < l {
            l - a
        } else if *a > h {
            a - h
        } else {
            inside += 1;
            0.0
        };
        winkler += (h - l) + penalty * miss;
    }
    if n == 0 {
        return IntervalScores {
            coverage: f64::NAN,
            width: f64::NAN,
            winkler: f64::NAN,
        };
    }
    let n = n as f64;
    IntervalScores {
        coverage: inside as f64 / n,
        width: width / n,
        winkler: winkler / n,
    }
}

/// A pair of trained quantiles (indices into the model's levels) whose interval a band
/// widens (CQR); `None`: the band is drawn around the point forecast.
pub type QuantilePair = Option<(usize, usize)>;

/// One band at one cell: `point ± margin`, or `[q_lo − margin, q_hi + margin]` between a
/// quantile pair (`quantile(i)`: level `i`'s forecast at the cell), widened where needed
/// so that `lo ≤ point ≤ hi`. `None` without a margin or with a missing value.
pub fn band_at(
    margin: Option<f64>,
    pair: QuantilePair,
    point: f64,
    quantile: impl Fn(usize) -> Option<f64>,
) -> Option<(f64, f64)> {
    let m = margin?;
    let (lo, hi) = match pair {
        None => (point - m, point + m),
        Some((l, h)) => (quantile(l)? - m, quantile(h)? + m),
    };
    (lo.is_finite() && hi.is_finite() && point.is_finite()).then(|| (lo.min(point), hi.max(point)))
}

/// The bands of one target over row-major `[windows × horizon]` forecasts (`margin` per
/// horizon step; `quantile(i, cell)`: level `i`'s forecast at a cell), NaN where there is
/// none.
pub fn band_rows(
    margin: &[Option<f64>],
    pair: QuantilePair,
    point: &[f64],
    quantile: impl Fn(usize, usize) -> Option<f64>,
) -> (Vec<f64>, Vec<f64>) {
    let horizon = margin.len().max(1);
    point
        .iter()
        .enumerate()
        .map(|(cell, p)| {
            let m = margin.get(cell % horizon).copied().flatten();
            band_at(m, pair, *p, |i| quantile(i, cell)).unwrap_or((f64::NAN, f64::NAN))
        })
        .unzip()
}

/// The share of actual values inside `[lo, hi]`, per horizon step (NaN for a step
/// without bands or values).
pub fn coverage_per_step(actual: &[f64], lo: &[f64], hi: &[f64], horizon: usize) -> Vec<f64> {
    let horizon = horizon.max(1);
    let mut inside = vec![0usize; horizon];
    let mut n = vec![0usize; horizon];
    for (i, (a, (l, h))) in actual.iter().zip(lo.iter().zip(hi)).enumerate() {
        let k = i % horizon;
        if a.is_finite() && l.is_finite() && h.is_finite() {
            n[k] += 1;
            inside[k] += usize::from(*l <= *a && *a <= *h);
        }
    }
    inside
        .iter()
        .zip(&n)
        .map(|(i, n)| {
            if *n == 0 {
                f64::NAN
            } else {
                *i as f64 / *n as f64
            }
        })
        .collect()
}

/// A level as the exports name it: 0.8 → "80", 0.975 → "97.5".
pub fn label(level: f64) -> String {
    let percent = (level * 1000.0).round() / 10.0;
    if percent.fract() == 0.0 {
        format!("{percent:.0}")
    } else {
        format!("{percent}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_radius_is_the_finite_sample_quantile_of_each_steps_errors() {
        // Two steps; step 1 errors 1..=9, step 2 errors 10, 20, …, 90.
        let mut actual = Vec::new();
        let mut forecast = Vec::new();
        for e in 1..=9 {
            actual.extend([f64::from(e), 10.0 * f64::from(e)]);
            forecast.extend([0.0, 0.0]);
        }
        // n = 9: rank ⌈10 · 0.8⌉ = 8 → the 8th smallest error.
        assert_eq!(radii(&actual, &forecast, 2, 0.8), [Some(8.0), Some(80.0)]);
        // 95 % needs rank ⌈10 · 0.95⌉ = 10 > 9: no finite radius from nine errors.
        assert_eq!(radii(&actual, &forecast, 2, 0.95), [None, None]);
        assert_eq!(label(0.8), "80");
        assert_eq!(label(0.975), "97.5");
    }

    #[test]
    fn coverage_per_step_by_hand() {
        // Two steps, radius 1 and none; step 1 covers 0.5 (in) and 3 (out).
        let (lo, hi) = band_rows(&[Some(1.0), None], None, &[0.0; 4], |_, _| None);
        assert_eq!(lo[0], -1.0);
        assert!(lo[1].is_nan() && hi[3].is_nan());
        let c = coverage_per_step(&[0.5, 9.0, 3.0, 9.0], &lo, &hi, 2);
        assert_eq!(c[0], 0.5);
        assert!(c[1].is_nan());
    }

    #[test]
    fn a_quantile_band_widens_its_pair_and_holds_the_point() {
        let q = [1.0, 2.0, 6.0];
        let at = |i: usize| q.get(i).copied();
        // Levels 0 and 2 widened by 0.5 each side.
        assert_eq!(band_at(Some(0.5), Some((0, 2)), 2.0, at), Some((0.5, 6.5)));
        // A negative margin narrows, but never past the point.
        assert_eq!(band_at(Some(-3.0), Some((0, 2)), 2.0, at), Some((2.0, 3.0)));
        assert_eq!(band_at(Some(1.0), None, 2.0, at), Some((1.0, 3.0)));
        assert_eq!(band_at(None, None, 2.0, at), None);
        assert_eq!(band_at(Some(1.0), Some((0, 5)), 2.0, at), None);
    }

    #[test]
    fn coverage_width_and_winkler_score_by_hand() {
        // One step, radius 1 around forecasts 0: actual 0.5 inside, 3 outside by 2.
        let s = score(&[0.5, 3.0], &[0.0, 0.0], &[Some(1.0)], 0.8);
        assert_eq!(s.coverage, 0.5);
        assert_eq!(s.width, 2.0);
        // widths 2 and 2, plus 2 / 0.2 · 2 = 20 for the miss: (2 + 22) / 2.
        assert!((s.winkler - 12.0).abs() < 1e-12, "{s:?}");
    }

    /// An AR(1) with Gaussian noise: intervals fitted on 2,000 one-step errors of the
    /// true conditional mean cover 80 % of 20,000 new ones within ±2 points.
    #[test]
    fn conformal_intervals_are_calibrated_on_an_ar1() {
        let mut state = 7u64;
        let mut normal = || {
            // Box–Muller from two uniform draws.
            let mut uniform = || {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
            };
            let (u, v) = (uniform(), uniform());
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        };
        let mut y = 0.0;
        let mut draw = |n: usize| {
            let (mut actual, mut forecast) = (Vec::with_capacity(n), Vec::with_capacity(n));
            for _ in 0..n {
                let mean = 0.7 * y;
                y = mean + normal();
                actual.push(y);
                forecast.push(mean);
            }
            (actual, forecast)
        };
        let (cal_a, cal_f) = draw(2_000);
        let (test_a, test_f) = draw(20_000);
        for level in [0.8, 0.95] {
            let r = radii(&cal_a, &cal_f, 1, level);
            let s = score(&test_a, &test_f, &r, level);
            assert!(
                (s.coverage - level).abs() < 0.02,
                "level {level}: coverage {}",
                s.coverage
            );
            // The Gaussian quantiles: 1.2816 and 1.9600.
            let z = if level == 0.8 { 1.2816 } else { 1.96 };
            assert!((r[0].unwrap() - z).abs() < 0.1, "{r:?}");
        }
    }
}

//! Scores of quantile forecasts: the pinball loss, how often the truth falls below
//! each quantile, and conformalised quantile regression (CQR, Romano et al. 2019),
//! which widens or narrows a pair of quantiles by a conformal margin from the
//! validation windows so the interval between them holds its level on new windows
//! (scored by [`super::intervals::score_band`]).

/// Mean pinball loss of the `tau` quantile forecasts `q` against `actual` (same
/// layout); NaN without finite pairs.
pub fn pinball(actual: &[f64], q: &[f64], tau: f64) -> f64 {
    let (mut sum, mut n) = (0.0, 0usize);
    for (a, f) in actual.iter().zip(q) {
        if a.is_finite() && f.is_finite() {
            let u = a - f;
            sum += if u >= 0.0 { tau * u } else { (tau - 1.0) * u };
            n += 1;
        }
    }
    if n == 0 { f64::NAN } else { sum / n as f64 }
}

/// The share of actual values at or below the quantile forecasts (a calibrated
/// τ-quantile has τ of them below); NaN without finite pairs.
pub fn share_below(actual: &[f64], q: &[f64]) -> f64 {
    let (mut below, mut n) = (0usize, 0usize);
    for (a, f) in actual.iter().zip(q) {
        if a.is_finite() && f.is_finite() {
            below += usize::from(a <= f);
            n += 1;
        }
    }
    if n == 0 {
        f64::NAN
    } else {
        below as f64 / n as f64
    }
}

/// CQR margins per horizon step for the interval `[lo, hi]` at `level` (row-major
/// `[windows × horizon]`): the ⌈(n + 1)·level⌉-th smallest of the conformity scores
/// `max(lo − y, y − hi)` of each step. Negative when the quantiles are too wide (the
/// interval then narrows). `None` for a step with too few windows for the level.
pub fn cqr_margins(
    actual: &[f64],
    lo: &[f64],
    hi: &[f64],
    horizon: usize,
    level: f64,
) -> Vec<Option<f64>> {
    (0..horizon)
        .map(|step| {
            let mut scores: Vec<f64> = actual
                .iter()
                .zip(lo.iter().zip(hi))
                .skip(step)
                .step_by(horizon.max(1))
                .map(|(a, (l, h))| (l - a).max(a - h))
                .filter(|e| e.is_finite())
                .collect();
            let n = scores.len();
            let rank = ((n as f64 + 1.0) * level).ceil();
            if n == 0 || !(rank >= 1.0 && rank <= n as f64) {
                return None;
            }
            scores.sort_by(f64::total_cmp);
            // In 1..=n by the check above.
            scores.get(rank as usize - 1).copied()
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::eval::intervals::score_band;

    #[test]
    fn pinball_and_share_below_by_hand() {
        let actual = [1.0, 2.0, 3.0, 4.0];
        let q = [2.0, 2.0, 2.0, 2.0];
        // τ = 0.9: over-forecasts by 1 cost 0.1, under-forecasts by 1 and 2 cost 0.9 and 1.8.
        assert!((pinball(&actual, &q, 0.9) - (0.1 + 0.0 + 0.9 + 1.8) / 4.0).abs() < 1e-12);
        assert_eq!(share_below(&actual, &q), 0.5);
        assert!(pinball(&[f64::NAN], &[1.0], 0.5).is_nan());
    }

    #[test]
    fn cqr_margins_widen_too_narrow_quantiles_and_narrow_too_wide_ones() {
        // One step; 9 windows, y = 0..9, quantiles [y − 1, y + 1]: every score is −1.
        let y: Vec<f64> = (0..9).map(f64::from).collect();
        let lo: Vec<f64> = y.iter().map(|v| v - 1.0).collect();
        let hi: Vec<f64> = y.iter().map(|v| v + 1.0).collect();
        assert_eq!(cqr_margins(&y, &lo, &hi, 1, 0.8), vec![Some(-1.0)]);
        // Quantiles stuck at 4: scores max(4 − y, y − 4) = |y − 4| = 4,3,2,1,0,1,2,3,4;
        // rank ⌈10·0.8⌉ = 8 of the sorted 0,1,1,2,2,3,3,4,4 is 4.
        let flat = vec![4.0; 9];
        assert_eq!(cqr_margins(&y, &flat, &flat, 1, 0.8), vec![Some(4.0)]);
        // 95 % needs at least 19 windows.
        assert_eq!(cqr_margins(&y, &flat, &flat, 1, 0.95), vec![None]);
        let s = score_band(&y, &flat, &flat, &[Some(4.0)], 0.8);
        assert_eq!(s.coverage, 1.0);
        assert_eq!(s.width, 8.0);
        // Without a margin only y = 4 is inside; misses 4,3,2,1,1,2,3,4 cost 10 each.
        let raw = score_band(&y, &flat, &flat, &[Some(0.0)], 0.8);
        assert!((raw.coverage - 1.0 / 9.0).abs() < 1e-12);
        assert!((raw.winkler - 10.0 * 20.0 / 9.0).abs() < 1e-9);
    }
}

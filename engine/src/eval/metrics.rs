//! Forecast error metrics: MSE, MAE, RMSE, MAPE, sMAPE and MASE, overall and per
//! horizon step, plus the average over several targets.
//!
//! Conventions:
//! - MAPE and sMAPE are in percent.
//! - A metric that is undefined for the data (MAPE with only zero actuals, MASE without a
//!   usable scale) is `None`, never NaN.
//! - Pairs where the actual or the prediction is not finite are skipped; `count` is the
//!   number of pairs actually used, so `count < len` reveals skipped pairs and
//!   `count == 0` means "nothing to compare" (all other fields are then zero / `None`).

use serde::{Deserialize, Serialize};

/// Error metrics of one set of forecasts against the actual values.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Mean squared error.
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub mse: f64,
    /// Mean absolute error.
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub mae: f64,
    /// Root mean squared error.
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub rmse: f64,
    /// Mean absolute percentage error in percent, over the points whose actual is not 0;
    /// `None` when every actual is 0.
    pub mape: Option<f64>,
    /// Symmetric MAPE in percent: mean of `200·|a−p| / (|a|+|p|)`, a point with
    /// `a = p = 0` contributing 0; `None` when there are no points.
    pub smape: Option<f64>,
    /// Mean absolute scaled error: MAE divided by the in-sample seasonal-naive MAE (see
    /// [`mase_scale`]); `None` without a positive scale.
    pub mase: Option<f64>,
    /// Number of (actual, predicted) pairs the metrics are computed over.
    pub count: usize,
    /// Pairs left out of MAPE because their actual is 0 (division by zero); said next
    /// to the MAPE wherever it is shown.
    #[serde(default)]
    pub mape_skipped: usize,
}

impl Metrics {
    /// MASE where it is defined, else MAE: the error forecasts of one series are ranked
    /// by (the same order either way on one target).
    pub fn mase_or_mae(&self) -> f64 {
        self.mase.unwrap_or(self.mae)
    }

    /// What MAPE left out, for a line next to it: `MAPE leaves out 3 of 120 points
    /// (their actual is 0)`; `None` when it left out nothing.
    pub fn mape_note(&self) -> Option<String> {
        (self.mape_skipped > 0).then(|| {
            let of = self.count;
            match self.mape {
                Some(_) => format!(
                    "MAPE leaves out {} of {of} points (their actual is 0)",
                    self.mape_skipped
                ),
                None => format!("MAPE is undefined: all {of} actuals are 0"),
            }
        })
    }

    /// Computes the metrics of `predicted` against `actual`.
    ///
    /// The slices must have the same length; otherwise (and for empty input) the result is
    /// `Metrics::default()`, i.e. `count == 0`. Pairs with a non-finite value are skipped.
    /// `mase_scale` is the denominator of MASE (see [`mase_scale`]); `None`, zero,
    /// negative or non-finite gives `mase: None`.
    pub fn compute(actual: &[f64], predicted: &[f64], mase_scale: Option<f64>) -> Metrics {
        if actual.len() != predicted.len() {
            return Metrics::default();
        }
        Self::from_pairs(
            actual.iter().copied().zip(predicted.iter().copied()),
            mase_scale,
        )
    }

    /// Accumulates the metrics over an iterator of `(actual, predicted)` pairs.
    fn from_pairs(pairs: impl Iterator<Item = (f64, f64)>, mase_scale: Option<f64>) -> Metrics {
        let mut count = 0usize;
        let mut sum_sq = 0.0;
        let mut sum_abs = 0.0;
        let mut sum_ape = 0.0;
        let mut ape_count = 0usize;
        let mut sum_sape = 0.0;
        for (a, p) in pairs {
            if !a.is_finite() || !p.is_finite() {
                continue;
            }
            let err = (a - p).abs();
            count += 1;
            sum_sq += err * err;
            sum_abs += err;
            if a != 0.0 {
                sum_ape += 100.0 * err / a.abs();
                ape_count += 1;
            }
            let denom = a.abs() + p.abs();
            // a = p = 0 contributes 0 (denom is 0 only then).
            if denom > 0.0 {
                sum_sape += 200.0 * err / denom;
            }
        }
        if count == 0 {
            return Metrics::default();
        }
        let n = count as f64;
        let mse = sum_sq / n;
        let mae = sum_abs / n;
        let mase = match mase_scale {
            Some(s) if s > 0.0 && s.is_finite() => Some(mae / s),
            _ => None,
        };
        Metrics {
            mse,
            mae,
            rmse: mse.sqrt(),
            mape: (ape_count > 0).then(|| sum_ape / ape_count as f64),
            smape: Some(sum_sape / n),
            mase,
            count,
            mape_skipped: count - ape_count,
        }
    }
}

/// The MASE denominator: mean `|y_t − y_{t−m}|` over the training values, with `m =
/// season` (a season of 0 counts as 1). When the training part is not longer than `m`,
/// `m = 1` is used instead. `None` when the scale is 0, not finite or undefined (fewer
/// than two values).
pub fn mase_scale(train: &[f64], season: usize) -> Option<f64> {
    let m = if season == 0 || train.len() <= season {
        1
    } else {
        season
    };
    let mut sum = 0.0;
    let mut n = 0usize;
    for (later, earlier) in train.iter().skip(m).zip(train.iter()) {
        sum += (later - earlier).abs();
        n += 1;
    }
    if n == 0 {
        return None;
    }
    let scale = sum / n as f64;
    (scale > 0.0 && scale.is_finite()).then_some(scale)
}

/// Metrics over a whole horizon and for each step of it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HorizonMetrics {
    /// Over all windows and steps.
    pub overall: Metrics,
    /// `per_step[h]`: over all windows, step `h` (0-based) only.
    pub per_step: Vec<Metrics>,
}

impl HorizonMetrics {
    /// Computes overall and per-step metrics. `actual` and `predicted` are row-major
    /// `[windows × horizon]`. When `horizon` is 0, the lengths differ or are not a
    /// multiple of `horizon`, the result is `HorizonMetrics::default()` (`count == 0`,
    /// no steps).
    pub fn compute(
        actual: &[f64],
        predicted: &[f64],
        horizon: usize,
        mase_scale: Option<f64>,
    ) -> HorizonMetrics {
        if horizon == 0 || actual.len() != predicted.len() || !actual.len().is_multiple_of(horizon)
        {
            return HorizonMetrics::default();
        }
        let overall = Metrics::compute(actual, predicted, mase_scale);
        let per_step = (0..horizon)
            .map(|h| {
                let a = actual.iter().skip(h).step_by(horizon).copied();
                let p = predicted.iter().skip(h).step_by(horizon).copied();
                Metrics::from_pairs(a.zip(p), mase_scale)
            })
            .collect();
        HorizonMetrics { overall, per_step }
    }
}

/// Averages the metrics of several targets.
///
/// Only entries with `count > 0` take part (an empty entry carries no information).
/// `mse`, `mae` and `rmse` are plain means (so `rmse` is the mean of the RMSEs, not the
/// root of the mean MSE); each optional metric is the mean of its `Some` values, `None`
/// when all are `None`; `count` is the total number of pairs. No usable entry gives
/// `Metrics::default()`.
pub fn mean_of(metrics: &[Metrics]) -> Metrics {
    let used: Vec<&Metrics> = metrics.iter().filter(|m| m.count > 0).collect();
    if used.is_empty() {
        return Metrics::default();
    }
    let n = used.len() as f64;
    let mean = |f: fn(&Metrics) -> f64| used.iter().map(|m| f(m)).sum::<f64>() / n;
    let mean_opt = |f: fn(&Metrics) -> Option<f64>| {
        let some: Vec<f64> = used.iter().filter_map(|m| f(m)).collect();
        (!some.is_empty()).then(|| some.iter().sum::<f64>() / some.len() as f64)
    };
    Metrics {
        mse: mean(|m| m.mse),
        mae: mean(|m| m.mae),
        rmse: mean(|m| m.rmse),
        mape: mean_opt(|m| m.mape),
        smape: mean_opt(|m| m.smape),
        mase: mean_opt(|m| m.mase),
        count: used.iter().map(|m| m.count).sum(),
        mape_skipped: used.iter().map(|m| m.mape_skipped).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    fn close_opt(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| close(a, b))
    }

    #[test]
    fn small_array_all_metrics() {
        // a = [1, 2, 0, 4], p = [2, 2, 1, 2]; |a−p| = [1, 0, 1, 2], squares [1, 0, 1, 4].
        // MSE = 6/4 = 1.5; MAE = 4/4 = 1; RMSE = sqrt(1.5).
        // MAPE skips a = 0: (100·1/1 + 100·0/2 + 100·2/4) / 3 = 150/3 = 50.
        // sMAPE: 200·1/3 + 200·0/4 + 200·1/1 + 200·2/6 = 66.67 + 0 + 200 + 66.67
        //        = 333.33…/4 = 83.33… (exactly 250/3).
        // MASE with scale 0.5: 1/0.5 = 2.
        let m = Metrics::compute(&[1.0, 2.0, 0.0, 4.0], &[2.0, 2.0, 1.0, 2.0], Some(0.5));
        assert_eq!(m.count, 4);
        assert!(close(m.mse, 1.5));
        assert!(close(m.mae, 1.0));
        assert!(close(m.rmse, 1.5f64.sqrt()));
        assert!(close_opt(m.mape, 50.0));
        assert_eq!(
            m.mape_skipped, 1,
            "the one zero actual is counted, not dropped silently"
        );
        assert_eq!(
            m.mape_note().as_deref(),
            Some("MAPE leaves out 1 of 4 points (their actual is 0)")
        );
        assert!(close_opt(m.smape, 250.0 / 3.0));
        assert!(close_opt(m.mase, 2.0));
    }

    #[test]
    fn smape_zero_pair_contributes_zero() {
        // a = [0, 2], p = [0, 1]: sMAPE = (0 + 200·1/3) / 2 = 100/3.
        // MAPE only over a = 2: 100·1/2 = 50. MSE = (0 + 1)/2 = 0.5, MAE = 0.5.
        let m = Metrics::compute(&[0.0, 2.0], &[0.0, 1.0], None);
        assert!(close_opt(m.smape, 100.0 / 3.0));
        assert!(close_opt(m.mape, 50.0));
        assert!(close(m.mse, 0.5));
        assert!(close(m.mae, 0.5));
        assert_eq!(m.mase, None);
    }

    #[test]
    fn mape_none_when_all_actuals_zero() {
        // a = [0, 0], p = [1, 0]: MAPE undefined; sMAPE = (200·1/1 + 0)/2 = 100.
        let m = Metrics::compute(&[0.0, 0.0], &[1.0, 0.0], Some(0.0));
        assert_eq!(m.mape, None);
        assert_eq!(m.mape_skipped, 2);
        assert_eq!(
            m.mape_note().as_deref(),
            Some("MAPE is undefined: all 2 actuals are 0")
        );
        assert!(close_opt(m.smape, 100.0));
        // A zero scale gives no MASE.
        assert_eq!(m.mase, None);
    }

    #[test]
    fn empty_mismatched_and_non_finite() {
        assert_eq!(Metrics::compute(&[], &[], Some(1.0)), Metrics::default());
        assert_eq!(Metrics::compute(&[1.0], &[1.0, 2.0], None).count, 0);
        // The NaN pair is skipped: only (1, 3) counts, |e| = 2, MSE 4, MAE 2.
        let m = Metrics::compute(&[1.0, f64::NAN], &[3.0, 1.0], None);
        assert_eq!(m.count, 1);
        assert!(close(m.mse, 4.0));
        assert!(close(m.mae, 2.0));
        let m = Metrics::compute(&[f64::INFINITY], &[1.0], None);
        assert_eq!(m, Metrics::default());
    }

    #[test]
    fn mase_scale_hand_computed() {
        // m = 2 on [1, 3, 2, 6, 4]: |2−1| + |6−3| + |4−2| = 1 + 3 + 2 = 6, / 3 = 2.
        assert!(close_opt(mase_scale(&[1.0, 3.0, 2.0, 6.0, 4.0], 2), 2.0));
        // m = 5 is not shorter than the 5 values: m = 1:
        // |3−1| + |2−3| + |6−2| + |4−6| = 2 + 1 + 4 + 2 = 9, / 4 = 2.25.
        assert!(close_opt(mase_scale(&[1.0, 3.0, 2.0, 6.0, 4.0], 5), 2.25));
        // Season 0 counts as 1.
        assert!(close_opt(mase_scale(&[1.0, 3.0, 2.0, 6.0, 4.0], 0), 2.25));
        assert_eq!(mase_scale(&[5.0, 5.0, 5.0], 1), None);
        assert_eq!(mase_scale(&[5.0], 1), None);
        assert_eq!(mase_scale(&[], 3), None);
        // Period-2 series: seasonal differences are all 0.
        assert_eq!(mase_scale(&[1.0, 2.0, 1.0, 2.0], 2), None);
    }

    #[test]
    fn mase_uses_scale() {
        // scale of [0, 2, 4] with m = 1: (2 + 2)/2 = 2.
        // a = [5, 7], p = [4, 4]: MAE = (1 + 3)/2 = 2, MASE = 2/2 = 1.
        let scale = mase_scale(&[0.0, 2.0, 4.0], 1);
        let m = Metrics::compute(&[5.0, 7.0], &[4.0, 4.0], scale);
        assert!(close_opt(m.mase, 1.0));
    }

    #[test]
    fn per_step_metrics() {
        // 3 windows × horizon 2:
        // a = [[1, 2], [3, 4], [5, 6]], p = [[1, 3], [2, 4], [5, 8]].
        // Step 0: e = [0, 1, 0] → MAE 1/3, MSE 1/3.
        // Step 1: e = [−1, 0, −2] → MAE 3/3 = 1, MSE (1 + 0 + 4)/3 = 5/3.
        // Overall: |e| = 0,1,1,0,0,2 → MAE 4/6 = 2/3, MSE (0+1+1+0+0+4)/6 = 1.
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let p = [1.0, 3.0, 2.0, 4.0, 5.0, 8.0];
        let hm = HorizonMetrics::compute(&a, &p, 2, Some(2.0));
        assert_eq!(hm.per_step.len(), 2);
        assert_eq!(hm.overall.count, 6);
        assert!(close(hm.overall.mae, 2.0 / 3.0));
        assert!(close(hm.overall.mse, 1.0));
        assert!(close_opt(hm.overall.mase, 1.0 / 3.0));
        let s0 = &hm.per_step[0];
        let s1 = &hm.per_step[1];
        assert_eq!((s0.count, s1.count), (3, 3));
        assert!(close(s0.mae, 1.0 / 3.0) && close(s0.mse, 1.0 / 3.0));
        assert!(close(s1.mae, 1.0) && close(s1.mse, 5.0 / 3.0));
        // Step 1 MAPE: (100·1/2 + 0 + 100·2/6) / 3 = (50 + 33.33…)/3 = 250/9.
        assert!(close_opt(s1.mape, 250.0 / 9.0));
        // MASE per step: 1/3 / 2 = 1/6 and 1 / 2 = 0.5.
        assert!(close_opt(s0.mase, 1.0 / 6.0));
        assert!(close_opt(s1.mase, 0.5));
    }

    #[test]
    fn horizon_metrics_bad_shapes() {
        assert_eq!(
            HorizonMetrics::compute(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0], 2, None),
            HorizonMetrics::default()
        );
        assert_eq!(
            HorizonMetrics::compute(&[1.0], &[1.0], 0, None),
            HorizonMetrics::default()
        );
        assert_eq!(
            HorizonMetrics::compute(&[1.0, 2.0], &[1.0], 1, None),
            HorizonMetrics::default()
        );
    }

    #[test]
    fn mean_of_targets() {
        let m1 = Metrics {
            mse: 1.0,
            mae: 1.0,
            rmse: 1.0,
            mape: Some(10.0),
            smape: None,
            mase: Some(2.0),
            count: 3,
            mape_skipped: 1,
        };
        let m2 = Metrics {
            mse: 3.0,
            mae: 2.0,
            rmse: 4.0,
            mape: Some(20.0),
            smape: None,
            mase: None,
            count: 5,
            mape_skipped: 2,
        };
        // mse (1+3)/2 = 2, mae (1+2)/2 = 1.5, rmse (1+4)/2 = 2.5, mape (10+20)/2 = 15,
        // smape all None → None, mase only Some(2) → 2, count 3 + 5 = 8.
        // The empty entry is ignored.
        let m = mean_of(&[m1, Metrics::default(), m2]);
        assert!(close(m.mse, 2.0));
        assert!(close(m.mae, 1.5));
        assert!(close(m.rmse, 2.5));
        assert_eq!(m.mape_skipped, 3);
        assert!(close_opt(m.mape, 15.0));
        assert_eq!(m.smape, None);
        assert!(close_opt(m.mase, 2.0));
        assert_eq!(m.count, 8);
        assert_eq!(mean_of(&[]), Metrics::default());
        assert_eq!(mean_of(&[Metrics::default()]), Metrics::default());
    }
}

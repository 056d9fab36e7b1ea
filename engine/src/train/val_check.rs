//! Signals measured on the validation forecast after each epoch, in the user's units
//! (recorded with the epoch; the training doctor reads them):
//! how the model compares with the naive forecast, whether its predictions have
//! collapsed to a near-constant, and whether it just repeats the last input value.

use serde::{Deserialize, Serialize};

/// What the validation forecast of one epoch shows.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ValCheck {
    /// Mean absolute error of the model (first target, every horizon step).
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub model_mae: f64,
    /// Mean absolute error of repeating the last observed value on the same windows.
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub naive_mae: f64,
    /// Standard deviation of the model's forecasts over the standard deviation of the
    /// actual values (near 0: the predictions collapsed to a constant).
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub spread_ratio: f64,
    /// Mean |forecast − last value| over mean |actual − last value| (near 0: the model
    /// repeats the last input value).
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub copy_ratio: f64,
}

impl ValCheck {
    /// Measures the signals from aligned `actual`, `predicted` and `naive` forecasts
    /// (row-major `[windows × horizon]`). `None` when there is nothing finite to compare
    /// or the actual values do not vary.
    pub fn measure(actual: &[f64], predicted: &[f64], naive: &[f64]) -> Option<Self> {
        let triples: Vec<(f64, f64, f64)> = actual
            .iter()
            .zip(predicted)
            .zip(naive)
            .map(|((a, p), n)| (*a, *p, *n))
            .filter(|(a, p, n)| a.is_finite() && p.is_finite() && n.is_finite())
            .collect();
        if triples.len() < 2 {
            return None;
        }
        let len = triples.len() as f64;
        let mean = |f: &dyn Fn(&(f64, f64, f64)) -> f64| triples.iter().map(f).sum::<f64>() / len;
        let model_mae = mean(&|(a, p, _)| (a - p).abs());
        let naive_mae = mean(&|(a, _, n)| (a - n).abs());
        let (mean_a, mean_p) = (mean(&|t| t.0), mean(&|t| t.1));
        let sd_a = mean(&|(a, _, _)| (a - mean_a).powi(2)).sqrt();
        let sd_p = mean(&|(_, p, _)| (p - mean_p).powi(2)).sqrt();
        let moved = mean(&|(a, _, n)| (a - n).abs());
        if sd_a <= 0.0 || moved <= 0.0 {
            return None;
        }
        Some(Self {
            model_mae,
            naive_mae,
            spread_ratio: sd_p / sd_a,
            copy_ratio: mean(&|(_, p, n)| (p - n).abs()) / moved,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_signals() {
        // actual 1 3 5 7, last values 0 2 4 6 (naive), predictions 1 2 5 6.
        let actual = [1.0, 3.0, 5.0, 7.0];
        let naive = [0.0, 2.0, 4.0, 6.0];
        let predicted = [1.0, 2.0, 5.0, 6.0];
        let c = ValCheck::measure(&actual, &predicted, &naive).unwrap();
        assert!((c.model_mae - 0.5).abs() < 1e-12);
        assert!((c.naive_mae - 1.0).abs() < 1e-12);
        // sd(actual) = sqrt(5), sd(pred): mean 3.5, deviations 2.5 1.5 1.5 2.5 → sqrt(4.25).
        assert!((c.spread_ratio - (4.25f64 / 5.0).sqrt()).abs() < 1e-12);
        // |p − n| = 1 0 1 0 → 0.5; |a − n| = 1 → ratio 0.5.
        assert!((c.copy_ratio - 0.5).abs() < 1e-12);
    }

    #[test]
    fn a_constant_and_a_copying_model_are_recognised() {
        let actual = [1.0, 3.0, 5.0, 7.0];
        let naive = [0.0, 2.0, 4.0, 6.0];
        let constant = ValCheck::measure(&actual, &[4.0; 4], &naive).unwrap();
        assert_eq!(constant.spread_ratio, 0.0);
        let copying = ValCheck::measure(&actual, &naive, &naive).unwrap();
        assert_eq!(copying.copy_ratio, 0.0);
        assert_eq!(copying.model_mae, copying.naive_mae);
        assert!(ValCheck::measure(&[2.0; 4], &[1.0; 4], &[2.0; 4]).is_none());
        assert!(ValCheck::measure(&[1.0], &[1.0], &[1.0]).is_none());
    }
}

//! The seasonal period of a series without timestamps, read from its own values: the
//! lag at which the autocorrelation of the first differences peaks, when that peak is
//! clear. Differences, not levels: a trend or a random walk correlates with itself at
//! every lag, while a season shows as a peak of its changes one period apart.

/// A peak must reach this autocorrelation to count as a season.
pub const MIN_CORRELATION: f64 = 0.3;
/// Longest period looked for.
pub const MAX_PERIOD: usize = 400;
/// The series must hold this many periods for one to be believed.
const MIN_PERIODS: usize = 3;

/// `Some((period, autocorrelation))` when the first differences of `values` (finite
/// values in time order, typically the training part) correlate at `period` more than
/// at any other lag from 2 up, by at least [`MIN_CORRELATION`], and more than at its
/// neighbours; `None` otherwise (no season, or too short to tell).
pub fn detect(values: &[f64]) -> Option<(usize, f64)> {
    let diffs: Vec<f64> = values.windows(2).map(|w| w[1] - w[0]).collect();
    let n = diffs.len();
    let max_lag = (n / MIN_PERIODS).min(MAX_PERIOD);
    if max_lag < 2 || diffs.iter().any(|d| !d.is_finite()) {
        return None;
    }
    let mean = diffs.iter().sum::<f64>() / n as f64;
    let centred: Vec<f64> = diffs.iter().map(|d| d - mean).collect();
    let variance: f64 = centred.iter().map(|d| d * d).sum();
    if variance <= 0.0 {
        return None;
    }
    let acf = |lag: usize| -> f64 {
        centred
            .iter()
            .zip(&centred[lag..])
            .map(|(a, b)| a * b)
            .sum::<f64>()
            / variance
    };
    let correlations: Vec<f64> = (0..=max_lag + 1).map(|lag| acf(lag.min(n - 1))).collect();
    let (period, best) = (2..=max_lag)
        .map(|lag| (lag, correlations[lag]))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    let peak = best > correlations[period - 1] && best >= correlations[period + 1];
    (best >= MIN_CORRELATION && peak).then_some((period, best))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic hash in [−0.5, 0.5).
    fn noise(i: usize) -> f64 {
        let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x ^= x >> 31;
        (x % 1000) as f64 / 1000.0 - 0.5
    }

    #[test]
    fn a_weekly_pattern_with_a_trend_is_found_at_seven() {
        let pattern = [5.0, 3.0, 4.0, 8.0, 1.0, 0.0, 6.0];
        let values: Vec<f64> = (0..200)
            .map(|i| 0.3 * i as f64 + pattern[i % 7] + 0.5 * noise(i))
            .collect();
        let (period, r) = detect(&values).unwrap();
        assert_eq!(period, 7);
        assert!(r > 0.8, "{r}");
    }

    #[test]
    fn a_daily_cycle_in_hourly_values_is_found_at_24() {
        let values: Vec<f64> = (0..24 * 20)
            .map(|i| (std::f64::consts::TAU * i as f64 / 24.0).sin() * 10.0 + noise(i))
            .collect();
        assert_eq!(detect(&values).map(|d| d.0), Some(24));
    }

    #[test]
    fn random_walks_trends_and_short_series_have_no_season() {
        let mut walk = vec![0.0];
        for i in 1..500 {
            walk.push(walk[i - 1] + noise(i));
        }
        assert_eq!(detect(&walk), None);
        let line: Vec<f64> = (0..100).map(|i| 2.0 * i as f64).collect();
        assert_eq!(detect(&line), None, "no variance in the changes");
        assert_eq!(
            detect(&[1.0, 2.0, 1.0, 2.0, 1.0]),
            None,
            "too short to tell"
        );
        assert_eq!(detect(&[]), None);
    }
}

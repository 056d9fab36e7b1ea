//! The M4 competition's reference metrics (sMAPE, MASE, OWA) and its Naive2 benchmark,
//! following the organisers' code (Mcompetitions/M4-methods, `Benchmarks and
//! Evaluation.R` and `ML_benchmarks.py`) so that the published numbers are reproduced.
//!
//! Conventions:
//! - sMAPE is in percent (0..=200).
//! - Undefined results are NaN here (unlike [`super::metrics`], which uses `None`), the
//!   way the reference code propagates them; [`mase_scale`] is the one `Option`.
//! - Seasonal positions are counted from the first value of the series (0-based), as
//!   R's `decompose` does for a series starting at cycle position 1.

/// Symmetric MAPE in percent, as M4 defines it:
/// `mean_i 200·|y_i − ŷ_i| / (|y_i| + |ŷ_i|)`.
///
/// A term with `|y_i| + |ŷ_i| == 0` (both zero: a perfect forecast) counts as 0. Empty
/// input or slices of different lengths give NaN.
pub fn smape(actual: &[f64], forecast: &[f64]) -> f64 {
    if actual.is_empty() || actual.len() != forecast.len() {
        return f64::NAN;
    }
    let sum: f64 = actual
        .iter()
        .zip(forecast)
        .map(|(y, f)| {
            let denom = y.abs() + f.abs();
            if denom == 0.0 {
                0.0
            } else {
                200.0 * (y - f).abs() / denom
            }
        })
        .sum();
    sum / actual.len() as f64
}

/// The MASE denominator as M4 computes it: the in-sample mean absolute error of the
/// seasonal naive forecast, `mean_{t ≥ m} |x_t − x_{t−m}|` (use `m = 1` for a
/// non-seasonal series).
///
/// `None` when `m == 0`, when `insample.len() <= m` (no difference to average) or when
/// the scale is 0 (at most rounding noise: 1e-12 of the mean |value|) or not finite.
pub fn mase_scale(insample: &[f64], m: usize) -> Option<f64> {
    if m == 0 || insample.len() <= m {
        return None;
    }
    let sum: f64 = insample[m..]
        .iter()
        .zip(insample)
        .map(|(later, earlier)| (later - earlier).abs())
        .sum();
    let scale = sum / (insample.len() - m) as f64;
    // Differences at the level of rounding (an exactly periodic series computed in
    // floating point) are no scale: dividing by them gives MASEs of 1e14.
    let level = insample.iter().map(|v| v.abs()).sum::<f64>() / insample.len() as f64;
    (scale > ROUNDING * level && scale.is_finite()).then_some(scale)
}

/// Relative size of floating-point rounding noise, against which a MASE scale counts as 0.
const ROUNDING: f64 = 1e-12;

/// Mean absolute scaled error: `mean_i |y_i − ŷ_i| / mase_scale(insample, m)`.
///
/// NaN when there is no scale (see [`mase_scale`]) or when `actual` and `forecast` are
/// empty or of different lengths.
pub fn mase(insample: &[f64], actual: &[f64], forecast: &[f64], m: usize) -> f64 {
    if actual.is_empty() || actual.len() != forecast.len() {
        return f64::NAN;
    }
    let Some(scale) = mase_scale(insample, m) else {
        return f64::NAN;
    };
    let mae = actual
        .iter()
        .zip(forecast)
        .map(|(y, f)| (y - f).abs())
        .sum::<f64>()
        / actual.len() as f64;
    mae / scale
}

/// Sample autocorrelation at lag `k`, as M4's `acf`: with `x̄` the mean of `x`,
/// `Σ_{i=k}^{n−1} (x_i − x̄)(x_{i−k} − x̄) / Σ_{i=0}^{n−1} (x_i − x̄)²`.
///
/// A lag `k >= n` has an empty numerator (0). Empty input or a constant series (zero
/// denominator) gives NaN.
pub fn acf(x: &[f64], k: usize) -> f64 {
    if x.is_empty() {
        return f64::NAN;
    }
    let mean = x.iter().sum::<f64>() / x.len() as f64;
    let num: f64 = x
        .iter()
        .skip(k)
        .zip(x)
        .map(|(later, earlier)| (later - mean) * (earlier - mean))
        .sum();
    let den: f64 = x.iter().map(|v| (v - mean) * (v - mean)).sum();
    num / den
}

/// M4's 90 % seasonality test at period `m`:
/// `s = acf(x, 1) + Σ_{i=2}^{m−1} acf(x, i)²`, `limit = 1.645·sqrt((1 + 2s) / n)`;
/// the series is seasonal iff `|acf(x, m)| > limit`.
///
/// `acf(x, 1)` enters unsquared, the way `ML_benchmarks.py` writes it (the R
/// `SeasonalityTest`, `sqrt(cumsum(c(1, 2 * xacf^2)))`, squares it; on M4 Hourly the two
/// agree on every series). Not seasonal when `m <= 1`, when `n < 3m` (M4 only tests
/// series with at least three full seasons) or when the limit is NaN (negative under
/// the root, or a constant series).
pub fn seasonality_test(x: &[f64], m: usize) -> bool {
    if m <= 1 || x.len() < 3 * m {
        return false;
    }
    let s = acf(x, 1) + (2..m).map(|i| acf(x, i).powi(2)).sum::<f64>();
    let limit = 1.645 * ((1.0 + 2.0 * s) / x.len() as f64).sqrt();
    // Comparisons with NaN are false: a NaN limit or acf means "not seasonal".
    acf(x, m).abs() > limit
}

/// Centred moving average of R's `decompose`: for even `m` the 2×m average
/// `(½x_{t−m/2} + x_{t−m/2+1} + … + x_{t+m/2−1} + ½x_{t+m/2}) / m`, for odd `m` the
/// plain `m`-average of `x_{t−(m−1)/2} ..= x_{t+(m−1)/2}`; NaN where the window does
/// not fit.
fn centred_moving_average(x: &[f64], m: usize) -> Vec<f64> {
    let n = x.len();
    let half = m / 2;
    let mut trend = vec![f64::NAN; n];
    if m == 0 || n < 2 * half + 1 {
        return trend;
    }
    let w = 1.0 / m as f64;
    for (t, slot) in trend.iter_mut().enumerate().take(n - half).skip(half) {
        let window = &x[t - half..=t + half];
        *slot = if m.is_multiple_of(2) {
            // window has m + 1 values: half weight at both ends.
            let inner: f64 = window[1..m].iter().sum();
            (0.5 * window[0] + inner + 0.5 * window[m]) * w
        } else {
            window.iter().sum::<f64>() * w
        };
    }
    trend
}

/// Seasonal indices of a classical multiplicative decomposition, as R's
/// `decompose(x, type = "multiplicative")` (which M4's Naive2 uses):
/// trend `T_t` = centred moving average (2×m for even `m`, `m` for odd `m`, undefined at
/// both ends); ratios `x_t / T_t`; index `p` = mean of the defined ratios with
/// `t mod m == p`; the `m` indices are then divided by their mean so they average 1.
///
/// Returns `m` indices; index `p` applies to every `t` with `t mod m == p`, `t` counted
/// from the start of the series (0-based). `m == 0` gives an empty vector; a position
/// without any defined ratio (series shorter than about two seasons) gives NaN there
/// (and, through the normalisation, everywhere), like R.
pub fn seasonal_indices(x: &[f64], m: usize) -> Vec<f64> {
    if m == 0 {
        return Vec::new();
    }
    let trend = centred_moving_average(x, m);
    let mut sums = vec![0.0; m];
    let mut counts = vec![0usize; m];
    for (t, (v, tr)) in x.iter().zip(&trend).enumerate() {
        let ratio = v / tr;
        if !ratio.is_nan() {
            sums[t % m] += ratio;
            counts[t % m] += 1;
        }
    }
    let mut indices: Vec<f64> = sums
        .iter()
        .zip(&counts)
        .map(|(s, &c)| if c == 0 { f64::NAN } else { s / c as f64 })
        .collect();
    let mean = indices.iter().sum::<f64>() / m as f64;
    for si in &mut indices {
        *si /= mean;
    }
    indices
}

/// M4's Naive2 benchmark: a naive forecast of the seasonally adjusted series, reseasonalised.
///
/// When [`seasonality_test`]`(insample, m)` holds, with `si` = [`seasonal_indices`] and
/// `n = insample.len()`: `d = x_{n−1} / si[(n−1) mod m]` and step `k = 1..=h` is
/// `d · si[(n−1+k) mod m]`. Otherwise it is plain naive: `x_{n−1}` repeated `h` times.
/// An empty `insample` gives `h` NaNs.
pub fn naive2(insample: &[f64], h: usize, m: usize) -> Vec<f64> {
    let Some(&last) = insample.last() else {
        return vec![f64::NAN; h];
    };
    if !seasonality_test(insample, m) {
        return vec![last; h];
    }
    let si = seasonal_indices(insample, m);
    let n = insample.len();
    let level = last / si[(n - 1) % m];
    (1..=h).map(|k| level * si[(n - 1 + k) % m]).collect()
}

/// M4's Overall Weighted Average of a method relative to Naive2:
/// `½·(sMAPE / sMAPE_Naive2 + MASE / MASE_Naive2)`.
pub fn owa(smape: f64, mase: f64, smape_naive2: f64, mase_naive2: f64) -> f64 {
    0.5 * (smape / smape_naive2 + mase / mase_naive2)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOL: f64 = 1e-6;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < TOL
    }

    fn assert_all_close(got: &[f64], want: &[f64]) {
        assert_eq!(got.len(), want.len(), "got {got:?}, want {want:?}");
        for (g, w) in got.iter().zip(want) {
            assert!(close(*g, *w), "got {got:?}, want {want:?}");
        }
    }

    /// `x_t = 100·s[t mod 4]` with `s = [0.5, 1, 1.5, 1]` (mean 1), 24 values.
    fn multiplicative_seasonal() -> Vec<f64> {
        let s = [0.5, 1.0, 1.5, 1.0];
        (0..24).map(|t| 100.0 * s[t % 4]).collect()
    }

    #[test]
    fn an_exactly_periodic_series_has_no_mase_scale() {
        // sin at angles a whole turn apart differs by ~1e-15: rounding, not a scale.
        let x: Vec<f64> = (0..70)
            .map(|t| 100.0 + 20.0 * (f64::from(t) * std::f64::consts::TAU / 7.0).sin())
            .collect();
        assert_eq!(mase_scale(&x, 7), None);
        assert!(mase_scale(&x, 1).is_some());
    }

    #[test]
    fn smape_hand_computed() {
        // (200·10/210 + 200·20/380) / 2 = (9.5238095… + 10.5263157…) / 2.
        assert!(close(
            smape(&[100.0, 200.0], &[110.0, 180.0]),
            10.025062656641603
        ));
        // Both zero counts as 0: (0 + 200·1/3) / 2 = 100/3.
        assert!(close(smape(&[0.0, 2.0], &[0.0, 1.0]), 100.0 / 3.0));
        assert!(smape(&[], &[]).is_nan());
        assert!(smape(&[1.0], &[1.0, 2.0]).is_nan());
    }

    #[test]
    fn mase_hand_computed() {
        // m = 2 on [1..=6]: every |x_t − x_{t−2}| = 2 → scale 2.
        let insample = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        assert!(mase_scale(&insample, 2).is_some_and(|s| close(s, 2.0)));
        // |7−6| + |8−10| = 1 + 2 → MAE 1.5, / 2 = 0.75.
        assert!(close(mase(&insample, &[7.0, 8.0], &[6.0, 10.0], 2), 0.75));
        // No scale: too short, zero scale, m = 0.
        assert_eq!(mase_scale(&[1.0, 2.0], 2), None);
        assert_eq!(mase_scale(&[1.0, 2.0, 1.0, 2.0], 2), None);
        assert_eq!(mase_scale(&insample, 0), None);
        assert!(mase(&[1.0, 2.0], &[7.0], &[6.0], 2).is_nan());
        assert!(mase(&insample, &[7.0], &[6.0, 1.0], 2).is_nan());
    }

    #[test]
    fn acf_hand_computed() {
        // Mean 2.5; numerator (−0.5)(−1.5) + (0.5)(−0.5) + (1.5)(0.5) = 1.25; denominator 5.
        assert!(close(acf(&[1.0, 2.0, 3.0, 4.0], 1), 0.25));
        // Lag 0 is 1; a constant series is NaN.
        assert!(close(acf(&[1.0, 2.0, 3.0, 4.0], 0), 1.0));
        assert!(acf(&[3.0, 3.0, 3.0], 1).is_nan());
        assert!(acf(&[], 1).is_nan());
    }

    #[test]
    fn centred_moving_average_even_and_odd() {
        // m = 2 on [1, 3, 2, 5, 4]: (½·1 + 3 + ½·2)/2 = 2.25, (1.5 + 2 + 2.5)/2 = 3,
        // (1 + 5 + 2)/2 = 4; the ends are undefined.
        let t = centred_moving_average(&[1.0, 3.0, 2.0, 5.0, 4.0], 2);
        assert!(t[0].is_nan() && t[4].is_nan());
        assert_all_close(&t[1..4], &[2.25, 3.0, 4.0]);
        // m = 3 on [1, 3, 2, 5, 4, 6]: 6/3 = 2, 10/3, 11/3, 15/3 = 5.
        let t = centred_moving_average(&[1.0, 3.0, 2.0, 5.0, 4.0, 6.0], 3);
        assert!(t[0].is_nan() && t[5].is_nan());
        assert_all_close(&t[1..5], &[2.0, 10.0 / 3.0, 11.0 / 3.0, 5.0]);
    }

    #[test]
    fn seasonal_indices_hand_computed() {
        // m = 2 on [1, 3, 2, 5, 4] (trend above): ratios t=1: 3/2.25 = 4/3, t=2: 2/3,
        // t=3: 5/4. Position 0: 2/3; position 1: (4/3 + 5/4)/2 = 31/24. Mean 47/48, so the
        // normalised indices are 32/47 and 62/47.
        let si = seasonal_indices(&[1.0, 3.0, 2.0, 5.0, 4.0], 2);
        assert_all_close(&si, &[32.0 / 47.0, 62.0 / 47.0]);
        // m = 3 on [1, 3, 2, 5, 4, 6]: ratios t=1: 3/2 (p 1), t=2: 2/(10/3) = 0.6 (p 2),
        // t=3: 5/(11/3) = 15/11 (p 0), t=4: 4/5 (p 1) → raw [15/11, 1.15, 0.6].
        let raw = [15.0 / 11.0, 1.15, 0.6];
        let mean = raw.iter().sum::<f64>() / 3.0;
        let want: Vec<f64> = raw.iter().map(|r| r / mean).collect();
        assert_all_close(&seasonal_indices(&[1.0, 3.0, 2.0, 5.0, 4.0, 6.0], 3), &want);
        assert!(seasonal_indices(&[1.0, 2.0], 0).is_empty());
    }

    #[test]
    fn naive2_multiplicative_seasonal_series() {
        let x = multiplicative_seasonal();
        // |acf(x, 4)| = 0.8333 > limit 0.5498.
        assert!(seasonality_test(&x, 4));
        // The 2×4 average of a period-4 series with mean-1 factors is 100 everywhere.
        assert_all_close(&seasonal_indices(&x, 4), &[0.5, 1.0, 1.5, 1.0]);
        // Last t = 23 (position 3, index 1): level 100; steps continue at position 0.
        assert_all_close(&naive2(&x, 6, 4), &[50.0, 100.0, 150.0, 100.0, 50.0, 100.0]);
    }

    #[test]
    fn naive2_non_seasonal_is_naive() {
        // A straight line: |acf(x, 4)| = 0.6044 < limit 0.6760.
        let line: Vec<f64> = (1..=30).map(f64::from).collect();
        assert!(!seasonality_test(&line, 4));
        assert_eq!(naive2(&line, 3, 4), vec![30.0; 3]);
        // Digits of π: |acf(x, 4)| = 0.0865 < limit 0.3124.
        let noise = [
            3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0, 5.0, 8.0, 9.0, 7.0, 9.0, 3.0, 2.0,
            3.0, 8.0, 4.0, 6.0, 2.0, 6.0, 4.0, 3.0, 3.0, 8.0, 3.0, 2.0, 7.0,
        ];
        assert!(!seasonality_test(&noise, 4));
        assert_eq!(naive2(&noise, 2, 4), vec![7.0; 2]);
        assert!(naive2(&[], 2, 4).iter().all(|v| v.is_nan()));
    }

    #[test]
    fn seasonality_test_needs_three_seasons_and_m_above_one() {
        let x = multiplicative_seasonal();
        // 24 values < 3·12.
        assert!(!seasonality_test(&x, 12));
        assert!(!seasonality_test(&x[..11], 4));
        assert!(!seasonality_test(&x, 1));
        assert!(!seasonality_test(&x, 0));
        // Constant series: acf is NaN → not seasonal.
        assert!(!seasonality_test(&[5.0; 24], 4));
    }

    #[test]
    fn owa_hand_computed() {
        // ½·(10/20 + 1/2) = 0.5.
        assert!(close(owa(10.0, 1.0, 20.0, 2.0), 0.5));
    }

    /// Reads an M4 CSV (header row, then `"id","v1","v2",…` padded with empty cells).
    fn read_m4(name: &str) -> Vec<(String, Vec<f64>)> {
        let path = format!("{}/../../shared/data/m4/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("M4 data file {path} is missing or unreadable ({e}); it is required")
        });
        text.lines()
            .skip(1)
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                let mut cells = line.split(',').map(|c| c.trim().trim_matches('"'));
                let id = cells.next().unwrap_or_default().to_string();
                let values = cells
                    .take_while(|c| !c.is_empty())
                    .map(|c| {
                        c.parse::<f64>()
                            .unwrap_or_else(|e| panic!("{path}, series {id}: bad cell {c:?}: {e}"))
                    })
                    .collect();
                (id, values)
            })
            .collect()
    }

    /// Mean sMAPE and MASE (m = 24) of `method` over the M4 Hourly panel.
    fn m4_hourly_scores(
        train: &[(String, Vec<f64>)],
        test: &[(String, Vec<f64>)],
        method: impl Fn(&[f64]) -> Vec<f64>,
    ) -> (f64, f64) {
        let (mut s, mut m) = (0.0, 0.0);
        for ((_, x), (_, y)) in train.iter().zip(test) {
            let fc = method(x);
            s += smape(y, &fc);
            m += mase(x, y, &fc, 24);
        }
        let n = train.len() as f64;
        (s / n, m / n)
    }

    #[test]
    fn m4_hourly_reproduces_published_benchmarks() {
        let train = read_m4("Hourly-train.csv");
        let test = read_m4("Hourly-test.csv");
        assert_eq!(train.len(), 414);
        assert_eq!(test.len(), 414);
        for ((id_train, x), (id_test, y)) in train.iter().zip(&test) {
            assert_eq!(id_train, id_test);
            assert_eq!(y.len(), 48, "series {id_test}");
            assert!(x.len() >= 3 * 24, "series {id_train}");
        }

        let (s_n2, m_n2) = m4_hourly_scores(&train, &test, |x| naive2(x, 48, 24));
        println!("M4 Hourly Naive2: sMAPE {s_n2:.6}, MASE {m_n2:.6} (published 18.383, 2.395)");
        let seasonal_naive = |x: &[f64]| -> Vec<f64> {
            let base = x.len() - 24;
            (0..48).map(|k| x[base + k % 24]).collect()
        };
        let (s_sn, m_sn) = m4_hourly_scores(&train, &test, seasonal_naive);
        println!("M4 Hourly Naive S: sMAPE {s_sn:.6}, MASE {m_sn:.6} (published 13.912, 1.193)");

        for (what, got, published) in [
            ("Naive2 sMAPE", s_n2, 18.383),
            ("Naive2 MASE", m_n2, 2.395),
            ("Naive S sMAPE", s_sn, 13.912),
            ("Naive S MASE", m_sn, 1.193),
        ] {
            assert!(
                (got - published).abs() < 0.0006,
                "{what}: got {got:.6}, published {published}"
            );
        }
    }
}

//! Tests of the linear AR baseline: exact recovery of a noiseless AR relation, noisy
//! coefficient recovery, rank-deficient designs (trend, constant) and bad inputs.

use super::*;

/// `y_t = 0.6·y_{t−1} + 0.3·y_{t−2} + 2 + sin(0.7·t)`, `y_0 = y_1 = 0`: noiseless and
/// exactly linear in its last four values (AR(2) times the sine's own recurrence).
fn forced_ar(len: usize) -> Vec<f64> {
    let mut y = vec![0.0, 0.0];
    for t in 2..len {
        let next = 0.6 * y[t - 1] + 0.3 * y[t - 2] + 2.0 + (0.7 * t as f64).sin();
        y.push(next);
    }
    y
}

/// `y_t = 0.6·y_{t−1} + 0.3·y_{t−2} + 1 + e_t`, `y_0 = y_1 = 10`, with `e_t` uniform
/// in [−0.5, 0.5) from a fixed LCG.
fn noisy_ar(len: usize) -> Vec<f64> {
    let mut state: u64 = 42;
    let mut noise = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let mut y = vec![10.0, 10.0];
    for t in 2..len {
        let next = 0.6 * y[t - 1] + 0.3 * y[t - 2] + 1.0 + noise();
        y.push(next);
    }
    y
}

fn truth(values: &[f64], origins: &[usize], horizon: usize) -> Vec<f64> {
    origins
        .iter()
        .flat_map(|&t| values[t + 1..=t + horizon].iter().copied())
        .collect()
}

#[test]
fn recovers_an_exact_ar_relation() {
    let (lookback, horizon) = (6, 3);
    let values = forced_ar(600);
    let train: Vec<usize> = (lookback - 1..400 - horizon).collect();
    let test: Vec<usize> = (450..600 - horizon).collect();
    let model = LinearAr::fit(&values, &train, lookback, horizon).unwrap();
    let predicted = model.try_predict(&values, &test).unwrap();
    let expected = truth(&values, &test, horizon);
    assert_eq!(predicted.len(), test.len() * horizon);
    for (p, e) in predicted.iter().zip(&expected) {
        assert!((p - e).abs() < 1e-6, "{p} vs {e}");
    }
}

#[test]
fn recovers_ar2_coefficients_under_noise() {
    // One-step weights (oldest first) should be ≈ [0.3, 0.6]; the intercept ≈ 1.
    let y = noisy_ar(5000);
    let train: Vec<usize> = (1..4999).collect();
    let model = LinearAr::fit(&y, &train, 2, 1).unwrap();
    let w = model.weights(0).unwrap();
    assert!((w[0] - 0.3).abs() < 0.05, "{w:?}");
    assert!((w[1] - 0.6).abs() < 0.05, "{w:?}");
    let c = model.intercept(0).unwrap();
    assert!((c - 1.0).abs() < 0.5, "{c}");
    assert!(model.weights(1).is_none() && model.intercept(1).is_none());
    // The intercept/weights form and predict agree: origin 100 uses y_99, y_100.
    let p = model.try_predict(&y, &[100]).unwrap();
    assert!((p[0] - (c + w[0] * y[99] + w[1] * y[100])).abs() < 1e-9);
}

#[test]
fn predicts_a_linear_trend_exactly() {
    // y_t = 2t + 3: every lag is affine in T, so y_{T+h} = y_T + 2h is in the span;
    // the redundant lag columns are dropped by the rank check.
    let values: Vec<f64> = (0..100).map(|t| 2.0 * f64::from(t) + 3.0).collect();
    let train: Vec<usize> = (3..60).collect();
    let model = LinearAr::fit(&values, &train, 4, 3).unwrap();
    let test = [70, 95];
    // Origin 70: 2·71 + 3 = 145, 147, 149; origin 95 forecasts past the end:
    // 2·96 + 3 = 195, 197, 199.
    let expected = [145.0, 147.0, 149.0, 195.0, 197.0, 199.0];
    let predicted = model.try_predict(&values, &test).unwrap();
    for (p, e) in predicted.iter().zip(expected) {
        assert!((p - e).abs() < 1e-9, "{p} vs {e}");
    }
}

#[test]
fn constant_series_predicts_the_constant() {
    // std = 0 → scale 1, every lag column is 0 and dropped; intercept = mean = 5.
    let values = vec![5.0; 50];
    let train: Vec<usize> = (4..40).collect();
    let model = LinearAr::fit(&values, &train, 5, 2).unwrap();
    let predicted = model.try_predict(&values, &[45, 49]).unwrap();
    assert_eq!(predicted.len(), 4);
    for p in predicted {
        assert!((p - 5.0).abs() < 1e-12, "{p}");
    }
}

#[test]
fn bad_inputs_are_errors() {
    let values: Vec<f64> = (0..30).map(f64::from).collect();
    // 3 windows for lookback 4 (needs 5).
    assert!(matches!(
        LinearAr::fit(&values, &[3, 4, 5], 4, 1),
        Err(EngineError::TooShort(_))
    ));
    assert!(matches!(
        LinearAr::fit(&values, &[3, 4, 5], 0, 1),
        Err(EngineError::Config(_))
    ));
    assert!(matches!(
        LinearAr::fit(&values, &[3, 4, 5], 2, 0),
        Err(EngineError::Config(_))
    ));
    // Origin 2 with lookback 4 starts before the series; origin 28 + horizon 2 ends
    // after it.
    let early: Vec<usize> = (2..10).collect();
    assert!(LinearAr::fit(&values, &early, 4, 1).is_err());
    let late: Vec<usize> = (20..29).collect();
    assert!(LinearAr::fit(&values, &late, 4, 2).is_err());
    assert!(LinearAr::fit(&[], &[0, 1, 2], 1, 1).is_err());
    let mut nan = values.clone();
    nan[7] = f64::NAN;
    let train: Vec<usize> = (3..20).collect();
    assert!(matches!(
        LinearAr::fit(&nan, &train, 4, 1),
        Err(EngineError::Missing(_))
    ));
    let model = LinearAr::fit(&values, &train, 4, 1).unwrap();
    assert!(model.try_predict(&values, &[2]).is_err());
    assert!(model.try_predict(&values, &[30]).is_err());
    assert!(model.try_predict(&nan, &[8]).is_err());
    assert!(model.predict(&values, &[2]).is_empty());
    assert_eq!(
        model.predict(&values, &[20, 25]),
        model.try_predict(&values, &[20, 25]).unwrap()
    );
    assert_eq!((model.lookback(), model.horizon()), (4, 1));
}

#[test]
fn malformed_model_is_an_error() {
    let model = LinearAr {
        lookback: 3,
        horizon: 2,
        center: 0.0,
        coefs: vec![1.0; 5],
    };
    assert!(matches!(
        model.try_predict(&[1.0; 10], &[5]),
        Err(EngineError::Artifact(_))
    ));
    let huge = LinearAr {
        lookback: usize::MAX,
        horizon: 2,
        center: 0.0,
        coefs: vec![1.0; 4],
    };
    assert!(huge.try_predict(&[1.0; 10], &[5]).is_err());
    assert!(huge.weights(0).is_none() && huge.intercept(0).is_none());
}

#[test]
fn absurd_sizes_are_errors_not_panics() {
    let values: Vec<f64> = (0..30).map(f64::from).collect();
    let train: Vec<usize> = (3..20).collect();
    for (lookback, horizon) in [(usize::MAX, 1), (2, usize::MAX), (20, 11)] {
        assert!(matches!(
            LinearAr::fit(&values, &train, lookback, horizon),
            Err(EngineError::TooShort(_))
        ));
    }
}

/// Run with `--ignored` to time realistic fits on a noisy (full-rank) series:
/// lookback 96 / horizon 24 and lookback 336 / horizon 96, ~8,600 windows.
#[test]
#[ignore]
fn fit_speed() {
    let values = noisy_ar(9000);
    for (lookback, horizon) in [(96, 24), (336, 96)] {
        let train: Vec<usize> = (lookback - 1..lookback - 1 + 8500).collect();
        let start = std::time::Instant::now();
        let model = LinearAr::fit(&values, &train, lookback, horizon).unwrap();
        eprintln!("fit {lookback}/{horizon}: {:?}", start.elapsed());
        let predicted = model.try_predict(&values, &[8800]).unwrap();
        assert!(predicted.iter().all(|p| p.is_finite()));
    }
}

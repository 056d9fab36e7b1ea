//! Covariates known in advance, read by the head: the fast path against burn's
//! autodiff, and the read-out's layout by hand.

use burn::module::Param;
use burn::tensor::TensorData;

use super::{B, HORIZON, T, assert_fast_matches_burn_with, random, with_random_skip};
use crate::config::{CellKind, LossKind, ModelConfig, QuantileLevels};
use crate::model::{Forecaster, ModelShape, cpu_device};
use crate::rng::Rng;

fn config(cell: CellKind, layers: usize, dropout: f64) -> ModelConfig {
    super::test_config(cell, (6, layers), dropout, true)
}

/// A model reading `known` columns over the horizon, with random read-out weights.
fn model(config: &ModelConfig, shape: ModelShape, seed: u64) -> Forecaster {
    let mut model = with_random_skip(config, shape, seed);
    let per_step = shape.targets * shape.quantiles.map_or(1, |q| q.len());
    let w = random(shape.known * per_step, &mut Rng::new(seed + 7), 0.5);
    model.known_w = Some(Param::from_data(
        TensorData::new(w, [shape.known, per_step]),
        &cpu_device().autodiff(),
    ));
    model
}

#[test]
fn the_known_in_advance_read_out_matches_burn() {
    let features = 4;
    let levels = QuantileLevels::new(&[0.1, 0.5, 0.9]).unwrap();
    for (cell, layers, dropout, targets, known, loss) in [
        (CellKind::Lstm, 2, 0.2, 1, 3, LossKind::Mse),
        (CellKind::Gru, 1, 0.0, 2, 2, LossKind::Quantile { levels }),
        (CellKind::Rnn, 1, 0.0, 1, 1, LossKind::Mae),
    ] {
        let quantiles = matches!(loss, LossKind::Quantile { .. }).then_some(levels);
        let shape = ModelShape {
            features,
            lookback: T,
            horizon: HORIZON,
            targets,
            quantiles,
            known,
        };
        let model = model(&config(cell, layers, dropout), shape, 11);
        let mut rng = Rng::new(3);
        let x = random(B * T * features, &mut rng, 1.0);
        let y = random(B * HORIZON * targets, &mut rng, 1.0);
        let future = random(B * HORIZON * known, &mut rng, 1.0);
        let step = assert_fast_matches_burn_with(&model, (&x, &y, features), &future, loss, true);
        assert!(step.loss.is_finite());
    }
}

#[test]
fn each_step_reads_its_own_known_values() {
    // One target, point forecast, read-out weight 2 on the only known column: moving
    // that column's value at step h by 1 moves exactly step h's forecast, by 2.
    let shape = ModelShape {
        features: 2,
        lookback: T,
        horizon: HORIZON,
        targets: 1,
        quantiles: None,
        known: 1,
    };
    let mut model = model(&config(CellKind::Lstm, 1, 0.0), shape, 5);
    model.known_w = Some(Param::from_data(
        TensorData::new(vec![2.0f32], [1, 1]),
        &cpu_device().autodiff(),
    ));
    let x = random(B * T * 2, &mut Rng::new(1), 1.0);
    let future = random(B * HORIZON, &mut Rng::new(2), 1.0);
    let base = super::super::predict(&model, (&x, &future), B, T, 2).unwrap();
    let mut moved = future.clone();
    moved[HORIZON + 1] += 1.0; // window 1, step 1
    let after = super::super::predict(&model, (&x, &moved), B, T, 2).unwrap();
    for (i, (a, b)) in after.iter().zip(&base).enumerate() {
        let expected = if i == HORIZON + 1 { 2.0 } else { 0.0 };
        assert!((a - b - expected).abs() < 1e-5, "output {i}: {} ", a - b);
    }
    // A block of the wrong size is an error, not a misread.
    assert!(super::super::predict(&model, (&x, &future[1..]), B, T, 2).is_err());
}

//! Quantile models: the pinball loss and its gradient by hand, and the fast path
//! against burn's autodiff with one output block per quantile level.

use burn::tensor::{Tensor, TensorData};

use super::{B, HORIZON, T, assert_fast_matches_burn, random, with_random_skip};
use crate::config::{CellKind, LossKind, QuantileLevels};
use crate::model::fast::part::element_loss;
use crate::model::{ModelShape, cpu_device};
use crate::rng::Rng;

fn levels(l: &[f64]) -> QuantileLevels {
    QuantileLevels::new(l).unwrap()
}

#[test]
fn the_pinball_loss_and_its_slope_by_hand() {
    let loss = LossKind::Quantile {
        levels: levels(&[0.1, 0.5, 0.9]),
    };
    // Forecast 2 above the truth (diff = ŷ − y = 2): (1 − τ)·2, slope 1 − τ.
    assert_eq!(element_loss(loss, 0, 2.0), (0.9 * 2.0, 0.9));
    assert_eq!(
        element_loss(loss, 2, 2.0),
        ((1.0 - 0.9f32) * 2.0, 1.0 - 0.9f32)
    );
    // 3 below the truth: τ·3, slope −τ.
    assert_eq!(element_loss(loss, 0, -3.0), (0.1 * 3.0, -0.1));
    assert_eq!(element_loss(loss, 2, -3.0), (0.9 * 3.0, -0.9));
    // The median's pinball is half the absolute error.
    assert_eq!(element_loss(loss, 1, -4.0), (2.0, -0.5));
    assert_eq!(element_loss(loss, 1, 0.0), (0.0, 0.0));

    // Two windows, horizon 2, levels 0.1 / 0.9: predictions are [rows, 2 blocks · 2].
    let loss = LossKind::Quantile {
        levels: levels(&[0.1, 0.9]),
    };
    let y = [1.0f32, 2.0, 0.0, 0.0];
    // window 0: q0.1 = (0, 2), q0.9 = (3, 1); window 1: q0.1 = (−1, 1), q0.9 = (1, 2).
    let pred = [0.0f32, 2.0, 3.0, 1.0, -1.0, 1.0, 1.0, 2.0];
    // window 0: 0.1·1 + 0 + 0.1·2 + 0.9·1; window 1: 0.1·1 + 0.9·1 + 0.1·1 + 0.1·2.
    let by_hand = (0.1 + 0.0 + 0.2 + 0.9 + 0.1 + 0.9 + 0.1 + 0.2) / 8.0;
    let fast = crate::model::fast::mean_loss(loss, &pred, &y, 2);
    assert!((fast - by_hand).abs() < 1e-6, "{fast} vs {by_hand}");
    let device = cpu_device();
    let pt = Tensor::<2>::from_data(TensorData::new(pred.to_vec(), [2, 4]), &device);
    let yt = Tensor::<2>::from_data(TensorData::new(y.to_vec(), [2, 2]), &device);
    let burn = f64::from(crate::model::loss::loss(loss, pt, yt).into_scalar::<f32>());
    assert!((burn - by_hand).abs() < 1e-6, "{burn} vs {by_hand}");
}

#[test]
fn a_quantile_model_matches_burn_with_the_skip_two_targets_and_dropout() {
    let targets = 2;
    let features = 3;
    for (cell, layers, dropout) in [(CellKind::Lstm, 2, 0.2), (CellKind::Gru, 1, 0.0)] {
        let config = super::test_config(cell, (6, layers), dropout, true);
        let q = levels(&[0.1, 0.5, 0.9]);
        let shape = ModelShape {
            features,
            lookback: T,
            horizon: HORIZON,
            targets,
            quantiles: Some(q),
            known: 0,
        };
        let model = with_random_skip(&config, shape, 4);
        assert_eq!(model.head_b.val().dims(), [3 * HORIZON * targets]);
        let mut rng = Rng::new(8);
        let x = random(B * T * features, &mut rng, 1.0);
        let y = random(B * HORIZON * targets, &mut rng, 1.0);
        let fast = assert_fast_matches_burn(
            &model,
            (&x, &y, features),
            LossKind::Quantile { levels: q },
            true,
        );
        assert_eq!(fast.outputs.len(), B * 3 * HORIZON * targets);
        // The skip adds the same value to every level's block: without it each block
        // moves by the same amount.
        let with = super::super::predict(&model, (&x, &[]), B, T, features).unwrap();
        let mut plain = model.clone();
        plain.skip_w = None;
        let without = super::super::predict(&plain, (&x, &[]), B, T, features).unwrap();
        let block = HORIZON * targets;
        for row in 0..B {
            for c in 0..block {
                let shift = |k: usize| {
                    with[row * 3 * block + k * block + c] - without[row * 3 * block + k * block + c]
                };
                assert!((shift(0) - shift(2)).abs() < 1e-5 && (shift(1) - shift(2)).abs() < 1e-5);
            }
        }
    }
}

//! Residual connections between stacked layers: the fast path against burn's autodiff
//! for every cell, depths up to 8, dropout, the window tail and widths that reach every
//! kernel path; and what the connection changes.

use super::*;

/// A residual model: `hidden` units, `layers` layers, reading the last `recurrent`
/// steps of the window (0: all) beside a random linear skip.
fn residual_model(
    cell: CellKind,
    (hidden, layers): (usize, usize),
    dropout: f64,
    recurrent: usize,
    seed: u64,
) -> Forecaster {
    let config = ModelConfig {
        residual: true,
        recurrent_steps: recurrent,
        ..test_config(cell, (hidden, layers), dropout, true)
    };
    with_random_skip(&config, one_target_shape(), seed)
}

fn data(seed: u64) -> (Vec<f32>, Vec<f32>) {
    let mut rng = Rng::new(seed);
    (
        random(B * T * F, &mut rng, 1.0),
        random(B * HORIZON, &mut rng, 1.0),
    )
}

#[test]
fn residual_stacks_match_burn() {
    let (x, y) = data(21);
    for cell in [CellKind::Lstm, CellKind::Gru, CellKind::Rnn] {
        for (layers, dropout) in [(2, 0.0), (3, 0.3), (8, 0.2)] {
            let model = residual_model(cell, (6, layers), dropout, 0, 3 + layers as u64);
            let step = assert_fast_matches_burn(&model, (&x, &y, F), LossKind::Mse, true);
            let norms = step.time_norms.unwrap();
            assert_eq!(norms.len(), layers, "{cell:?} ×{layers}");
        }
    }
    // Wide enough for the SIMD kernel's full tiles, one-vector panels and scalar tails;
    // the recurrent layers reading only the window's last 3 steps; the MAE loss.
    for cell in [CellKind::Lstm, CellKind::Gru] {
        let model = residual_model(cell, (40, 3), 0.2, 3, 5);
        assert_fast_matches_burn(&model, (&x, &y, F), LossKind::Mae, false);
    }
}

#[test]
fn the_connection_changes_the_forecast_and_not_a_one_layer_model() {
    let (x, _) = data(4);
    let predict = |m: &Forecaster| super::super::predict(m, (&x, &[]), B, T, F).unwrap();
    let plain = |layers| {
        let config = test_config(CellKind::Gru, (6, layers), 0.0, true);
        with_random_skip(&config, one_target_shape(), 9)
    };
    // One layer has nothing to add its input to: the same model either way.
    let (one, one_residual) = (plain(1), residual_model(CellKind::Gru, (6, 1), 0.0, 0, 9));
    assert_eq!(predict(&one), predict(&one_residual));
    // Two layers with the same weights: the second layer's output gains its input.
    let two = plain(2);
    let mut two_residual = two.clone();
    two_residual.residual = true;
    assert!(rel_err(&predict(&two_residual), &predict(&two)) > 1e-3);
}

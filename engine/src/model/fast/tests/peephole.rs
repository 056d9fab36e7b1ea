//! Peephole LSTM (Gers & Schmidhuber): the fast path against burn's autodiff with random
//! peephole weights, at depths and widths that reach every kernel path, with the other
//! options; and that the peepholes start at zero (a plain LSTM).

use burn::module::Param;
use burn::tensor::TensorData;

use super::*;
use crate::config::DropoutMode;

/// A peephole LSTM whose peephole weights are random (they start at zero).
fn peephole_model(config: ModelConfig, seed: u64) -> Forecaster {
    let mut model = with_random_skip(&config, one_target_shape(), seed);
    let device = model.head_w.val().device();
    let mut rng = Rng::new(seed + 50);
    for layer in &mut model.layers {
        let n = 3 * layer.hidden;
        let values = random(n, &mut rng, 0.5);
        layer.peep = Some(Param::from_data(TensorData::new(values, [n]), &device));
    }
    model
}

fn config(hidden: usize, layers: usize, dropout: f64) -> ModelConfig {
    ModelConfig {
        peephole: true,
        ..test_config(CellKind::Lstm, (hidden, layers), dropout, true)
    }
}

#[test]
fn peephole_lstm_matches_burn() {
    let mut rng = Rng::new(41);
    let x = random(B * T * F, &mut rng, 1.0);
    let y = random(B * HORIZON, &mut rng, 1.0);
    for (hidden, layers, dropout) in [(6, 1, 0.0), (6, 2, 0.3), (40, 2, 0.0)] {
        let model = peephole_model(config(hidden, layers, dropout), 3);
        let step = assert_fast_matches_burn(&model, (&x, &y, F), LossKind::Mse, true);
        assert_eq!(step.time_norms.unwrap().len(), layers);
    }
    // With residual connections, variational dropout and the window's tail.
    let mixed = ModelConfig {
        residual: true,
        dropout_mode: DropoutMode::Variational,
        recurrent_steps: 3,
        ..config(8, 3, 0.2)
    };
    assert_fast_matches_burn(&peephole_model(mixed, 7), (&x, &y, F), LossKind::Mae, false);
}

#[test]
fn peepholes_start_at_zero_as_a_plain_lstm_and_then_matter() {
    let mut rng = Rng::new(2);
    let x = random(B * T * F, &mut rng, 1.0);
    let predict = |m: &Forecaster| super::super::predict(m, (&x, &[]), B, T, F).unwrap();
    let plain_config = test_config(CellKind::Lstm, (6, 2), 0.0, true);
    let plain = with_random_skip(&plain_config, one_target_shape(), 5);
    let fresh = with_random_skip(&config(6, 2, 0.0), one_target_shape(), 5);
    assert!(fresh.layers.iter().all(|l| l.peep.is_some()));
    assert_eq!(predict(&fresh), predict(&plain));
    let trained = peephole_model(config(6, 2, 0.0), 5);
    assert!(rel_err(&predict(&trained), &predict(&plain)) > 1e-3);
}

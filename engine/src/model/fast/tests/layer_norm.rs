//! Layer normalisation inside the cells: the fast path against burn's autodiff for
//! every cell, with random gains, dropout of both kinds, residual connections, a
//! bidirectional encoder, truncated BPTT, peepholes, the window's tail and widths that
//! reach every kernel path; and that the gains start at one and change the forecast.

use burn::module::Param;
use burn::tensor::TensorData;

use super::*;
use crate::config::{DropoutMode, Tbptt};

/// `config` with layer normalisation, its gains drawn at random (they start at one).
fn normalised(config: ModelConfig, seed: u64) -> Forecaster {
    let config = ModelConfig {
        layer_norm: true,
        ..config
    };
    let mut model = with_random_skip(&config, one_target_shape(), seed);
    let device = model.head_w.val().device();
    let mut rng = Rng::new(seed + 70);
    for layer in model.layers.iter_mut().chain(model.backward.iter_mut()) {
        let n = layer.cell.gates() * layer.hidden;
        for gains in [&mut layer.ln_ih, &mut layer.ln_hh] {
            assert!(gains.is_some());
            let values: Vec<f32> = random(n, &mut rng, 0.3).iter().map(|v| 1.0 + v).collect();
            *gains = Some(Param::from_data(TensorData::new(values, [n]), &device));
        }
    }
    model
}

fn data(seed: u64) -> (Vec<f32>, Vec<f32>) {
    let mut rng = Rng::new(seed);
    (
        random(B * T * F, &mut rng, 1.0),
        random(B * HORIZON, &mut rng, 1.0),
    )
}

#[test]
fn layer_normalised_cells_match_burn() {
    let (x, y) = data(71);
    for cell in [CellKind::Lstm, CellKind::Gru, CellKind::Rnn] {
        for (layers, dropout, mode) in [
            (1, 0.0, DropoutMode::Standard),
            (2, 0.3, DropoutMode::Standard),
            (2, 0.2, DropoutMode::Variational),
        ] {
            let config = ModelConfig {
                dropout_mode: mode,
                ..test_config(cell, (6, layers), dropout, true)
            };
            let model = normalised(config, 3 + layers as u64);
            let step = assert_fast_matches_burn(&model, (&x, &y, F), LossKind::Mse, true);
            assert_eq!(step.time_norms.unwrap().len(), layers, "{cell:?}");
        }
    }
    // 32 units: four full sets of the normalisation's eight running sums per block.
    for cell in [CellKind::Lstm, CellKind::Gru, CellKind::Rnn] {
        let model = normalised(test_config(cell, (32, 2), 0.1, true), 11);
        assert_fast_matches_burn(&model, (&x, &y, F), LossKind::Mse, true);
    }
    // With the other options, 40 units (every kernel path) and the window's tail.
    for cell in [CellKind::Lstm, CellKind::Gru] {
        let config = ModelConfig {
            recurrent_steps: 4,
            residual: true,
            bidirectional: true,
            tbptt: Some(Tbptt { k1: 1, k2: 2 }),
            peephole: cell == CellKind::Lstm,
            ..test_config(cell, (40, 3), 0.2, true)
        };
        let model = normalised(config, 8);
        assert_fast_matches_burn(&model, (&x, &y, F), LossKind::Mae, false);
    }
}

#[test]
fn the_gains_start_at_one_and_normalising_changes_the_forecast() {
    let (x, _) = data(5);
    let plain_config = test_config(CellKind::Gru, (6, 2), 0.0, false);
    let config = ModelConfig {
        layer_norm: true,
        ..plain_config.clone()
    };
    let build = |c: &ModelConfig| {
        Forecaster::new(
            c,
            one_target_shape(),
            &mut Rng::new(2),
            &cpu_device().autodiff(),
        )
    };
    let (plain, normed) = (build(&plain_config), build(&config));
    for layer in &normed.layers {
        let gains: Vec<f32> = layer
            .ln_hh
            .as_ref()
            .unwrap()
            .val()
            .into_data()
            .iter::<f32>()
            .collect();
        assert!(gains.iter().all(|g| *g == 1.0));
    }
    // The same weights (the gains are drawn from no random numbers), another forecast.
    let predict = |m: &Forecaster| super::super::predict(m, (&x, &[]), B, T, F).unwrap();
    assert!(rel_err(&predict(&normed), &predict(&plain)) > 1e-2);
}

//! A bidirectional encoder: the fast path against burn's autodiff for every cell, with
//! dropout (both kinds), residual connections, truncated BPTT, the window's tail and
//! widths that reach every kernel path; and that the second stack reads the window
//! newest step first.

use super::*;
use crate::config::{DropoutMode, Tbptt};

fn bidirectional(config: ModelConfig) -> ModelConfig {
    ModelConfig {
        bidirectional: true,
        ..config
    }
}

fn data(seed: u64) -> (Vec<f32>, Vec<f32>) {
    let mut rng = Rng::new(seed);
    (
        random(B * T * F, &mut rng, 1.0),
        random(B * HORIZON, &mut rng, 1.0),
    )
}

fn build(config: &ModelConfig, seed: u64) -> Forecaster {
    Forecaster::new(
        config,
        one_target_shape(),
        &mut Rng::new(seed),
        &cpu_device().autodiff(),
    )
}

#[test]
fn bidirectional_encoders_match_burn() {
    let (x, y) = data(61);
    for cell in [CellKind::Lstm, CellKind::Gru, CellKind::Rnn] {
        for (layers, dropout, mode) in [
            (1, 0.0, DropoutMode::Standard),
            (2, 0.3, DropoutMode::Standard),
            (3, 0.2, DropoutMode::Variational),
        ] {
            let config = ModelConfig {
                dropout_mode: mode,
                ..bidirectional(test_config(cell, (6, layers), dropout, false))
            };
            let model = build(&config, 4 + layers as u64);
            assert_eq!(model.backward.len(), layers);
            let step = assert_fast_matches_burn(&model, (&x, &y, F), LossKind::Mse, true);
            // The doctor's per-step norms cover the first stack.
            assert_eq!(step.time_norms.unwrap().len(), layers, "{cell:?}");
        }
    }
    // The recurrent layers reading the window's last 3 steps beside a random linear
    // skip; residual connections; truncated BPTT; a peephole LSTM; 40 units.
    for cell in [CellKind::Lstm, CellKind::Gru] {
        let config = ModelConfig {
            recurrent_steps: 3,
            residual: true,
            tbptt: Some(Tbptt { k1: 1, k2: 2 }),
            peephole: cell == CellKind::Lstm,
            ..bidirectional(test_config(cell, (40, 2), 0.2, true))
        };
        let model = with_random_skip(&config, one_target_shape(), 9);
        assert_fast_matches_burn(&model, (&x, &y, F), LossKind::Mae, false);
    }
}

/// `x: [B, T, F]` with each window's steps in reverse order.
fn reversed(x: &[f32]) -> Vec<f32> {
    x.chunks_exact(T * F)
        .flat_map(|w| w.chunks_exact(F).rev().flatten().copied())
        .collect()
}

#[test]
fn the_second_stack_reads_the_window_newest_step_first() {
    let (x, _) = data(3);
    let config = bidirectional(test_config(CellKind::Gru, (6, 2), 0.0, false));
    let model = build(&config, 12);
    let predict = |m: &Forecaster, x: &[f32]| super::super::predict(m, (x, &[]), B, T, F).unwrap();
    // Swap the stacks and the head's two halves: on the reversed windows the swapped
    // model computes exactly what the model computes on the windows.
    let mut swapped = model.clone();
    std::mem::swap(&mut swapped.layers, &mut swapped.backward);
    let head: Vec<f32> = model.head_w.val().into_data().iter::<f32>().collect();
    let (half, out) = (6 * HORIZON, HORIZON);
    let mut head_swapped = head[half..].to_vec();
    head_swapped.extend_from_slice(&head[..half]);
    swapped.head_w = Param::from_data(
        TensorData::new(head_swapped, [12, out]),
        &cpu_device().autodiff(),
    );
    let a = predict(&model, &x);
    let b = predict(&swapped, &reversed(&x));
    assert!(rel_err(&b, &a) < 1e-6, "{}", rel_err(&b, &a));
    // And the second stack matters: without it (zeroing its half of the head) the
    // forecast changes.
    let mut one_way = model.clone();
    let mut zeroed = head.clone();
    zeroed[half..].fill(0.0);
    one_way.head_w = Param::from_data(TensorData::new(zeroed, [12, out]), &cpu_device().autodiff());
    assert!(rel_err(&predict(&one_way, &x), &a) > 1e-3);
}

#[test]
fn a_forecast_of_many_windows_reads_each_windows_own_reversal() {
    // 70 windows: predicted 32 at a time on each thread, each part reversing its rows.
    use burn::tensor::Tensor;
    let windows = 70;
    let x = random(windows * T * F, &mut Rng::new(17), 1.0);
    let config = bidirectional(test_config(CellKind::Lstm, (6, 2), 0.0, false));
    let model = build(&config, 21);
    let fast = super::super::predict(&model, (&x, &[]), windows, T, F).unwrap();
    let xt = Tensor::<3>::from_data(
        TensorData::new(x.clone(), [windows, T, F]),
        &model.head_w.val().device(),
    );
    let reference: Vec<f32> = model
        .forward(xt, None, None)
        .into_data()
        .iter::<f32>()
        .collect();
    assert!(rel_err(&fast, &reference) < 1e-5);
}

//! The two paths side by side: which one a model runs on, the per-time-step gradient
//! probes, prediction in evaluation mode, and errors that stay errors.

use burn::module::{Module, Param};
use burn::tensor::{Tensor, TensorData};

use super::super::{FastBatch, forward_backward};
use super::{B, F, HORIZON, T, model, random, rel_err};
use crate::config::{CellKind, LossKind, ModelConfig};
use crate::model::path::{self, Path};
use crate::model::{Forecaster, LayerInit, ModelShape, cpu_device};
use crate::rng::Rng;

#[test]
fn fast_and_burn_paths_agree_on_per_step_gradient_norms() {
    // A two-layer GRU over 12 steps of a sine: the probes through burn's graph and
    // the hand-written backward pass must measure the same ‖dL/dh_t‖.
    let series: Vec<f32> = (0..60).map(|i| (i as f32 * 0.4).sin()).collect();
    let (lookback, horizon) = (12, 2);
    let origins: Vec<usize> = (11..40).step_by(3).collect();
    let mut x = Vec::new();
    let mut y = Vec::new();
    for &o in &origins {
        x.extend_from_slice(&series[o + 1 - lookback..=o]);
        y.extend_from_slice(&series[o + 1..=o + horizon]);
    }
    let batch = FastBatch {
        x: &x,
        future: &[],
        teacher: &[],
        y: &y,
        batch: origins.len(),
        lookback,
        features: 1,
    };
    let config = ModelConfig {
        cell: CellKind::Gru,
        hidden: 6,
        layers: 2,
        dropout: 0.0,
        ..ModelConfig::default()
    };
    let shape = ModelShape {
        features: 1,
        lookback,
        horizon,
        targets: 1,
        quantiles: None,
        known: 0,
    };
    let device = cpu_device().autodiff();
    let model = Forecaster::new(&config, shape, &mut Rng::new(3), &device);
    assert_eq!(Path::of(&model), Path::Fast);
    let fast = path::train_step(&model, &batch, LossKind::Mse, None, true).unwrap();
    let slow = path::burn_train_step(&model, &batch, LossKind::Mse, None, true).unwrap();
    assert!(
        (fast.loss - slow.loss).abs() < 1e-5,
        "{} {}",
        fast.loss,
        slow.loss
    );
    let (a, b) = (fast.time_norms.unwrap(), slow.time_norms.unwrap());
    assert_eq!((a.len(), a[0].len()), (2, 12));
    for (la, lb) in a.iter().zip(&b) {
        for (x, y) in la.iter().zip(lb) {
            assert!((x - y).abs() <= 1e-4 * y.abs().max(1e-6), "{x} vs {y}");
        }
    }
}

#[test]
fn a_model_the_fast_path_cannot_run_goes_through_burn_and_says_so() {
    // A GRU layer under an LSTM layer: no configuration builds it, the fast path
    // refuses it, and the model still trains and predicts, on burn.
    let device = cpu_device().autodiff();
    let mut model = model(CellKind::Gru, 2, 0.0, 4);
    let init = LayerInit {
        cell: CellKind::Lstm,
        d_in: 6,
        hidden: 6,
        init: crate::config::InitKind::Pytorch,
        forget_bias: 1.0,
        peephole: false,
        layer_norm: false,
    };
    model.layers[1] = init.init(&mut Rng::new(8), &device);
    assert_eq!(Path::of(&model), Path::Burn);
    assert!(Path::Burn.describe().contains("burn"));
    let mut rng = Rng::new(2);
    let x = random(B * T * F, &mut rng, 1.0);
    let y = random(B * HORIZON, &mut rng, 1.0);
    let batch = FastBatch {
        x: &x,
        future: &[],
        teacher: &[],
        y: &y,
        batch: B,
        lookback: T,
        features: F,
    };
    let step = path::train_step(&model, &batch, LossKind::Mse, None, false).unwrap();
    assert!(step.loss.is_finite() && step.loss > 0.0);
    assert!(forward_backward(&model, &batch, LossKind::Mse, None, false).is_err());
    let plain = model.valid();
    let predicted = path::predict(&plain, (x.clone(), Vec::new()), B, T, F).unwrap();
    let xt = Tensor::<3>::from_data(TensorData::new(x, [B, T, F]), &cpu_device());
    let reference: Vec<f32> = plain
        .forward(xt, None, None)
        .into_data()
        .iter::<f32>()
        .collect();
    assert_eq!(predicted, reference);
}

#[test]
fn a_fast_path_error_stays_an_error() {
    // Inputs that do not match the model: an error from the fast path, not a silent
    // rerun on burn.
    let plain = model(CellKind::Lstm, 1, 0.0, 1).valid();
    assert_eq!(Path::of(&plain), Path::Fast);
    let x = vec![0.0f32; B * T * F - 1];
    assert!(path::predict(&plain, (x, Vec::new()), B, T, F).is_err());
}

#[test]
fn time_norms_of_the_top_layer_start_at_the_head() {
    // One layer, no dropout: at the last step the only gradient is the head's, so
    // ‖dL/dh_T‖ = ‖dpred · head_wᵀ‖, computed here independently.
    let model = model(CellKind::Gru, 1, 0.0, 3);
    let mut rng = Rng::new(1);
    let x = random(B * T * F, &mut rng, 1.0);
    let y = random(B * HORIZON, &mut rng, 1.0);
    let batch = FastBatch {
        x: &x,
        future: &[],
        teacher: &[],
        y: &y,
        batch: B,
        lookback: T,
        features: F,
    };
    let fast = forward_backward(&model, &batch, LossKind::Mse, None, true).unwrap();
    let head_w: Vec<f32> = model.head_w.val().into_data().iter::<f32>().collect();
    let n = (B * HORIZON) as f32;
    let mut sq = 0.0f64;
    for b in 0..B {
        for j in 0..6 {
            let mut d = 0.0f32;
            for k in 0..HORIZON {
                let dpred = 2.0 * (fast.outputs[b * HORIZON + k] - y[b * HORIZON + k]) / n;
                d += dpred * head_w[j * HORIZON + k];
            }
            sq += f64::from(d).powi(2);
        }
    }
    let norms = fast.time_norms.unwrap();
    assert!((norms[0][T - 1] - sq.sqrt()).abs() < 1e-6 * sq.sqrt());
    let without = forward_backward(&model, &batch, LossKind::Mse, None, false).unwrap();
    assert!(without.time_norms.is_none());
}

#[test]
fn mismatched_batches_are_errors() {
    let model = model(CellKind::Rnn, 1, 0.0, 1);
    let x = vec![0.0f32; 10];
    let y = vec![0.0f32; B * HORIZON];
    let batch = FastBatch {
        x: &x,
        future: &[],
        teacher: &[],
        y: &y,
        batch: B,
        lookback: T,
        features: F,
    };
    assert!(forward_backward(&model, &batch, LossKind::Mse, None, false).is_err());
}

#[test]
fn predictions_match_burn_in_evaluation_mode() {
    // More windows than two threads' shares of PREDICT_ROWS, an odd count, dropout
    // (which evaluation must leave out) and the linear skip.
    let windows = 2 * super::super::PREDICT_ROWS + 11;
    for cell in [CellKind::Lstm, CellKind::Gru, CellKind::Rnn] {
        let device = cpu_device();
        let config = super::test_config(cell, (7, 2), 0.3, true);
        let shape = ModelShape {
            features: F,
            lookback: T,
            horizon: HORIZON,
            targets: 1,
            quantiles: None,
            known: 0,
        };
        let mut model = Forecaster::new(&config, shape, &mut Rng::new(3), &device);
        let mut rng = Rng::new(5);
        let w = random(T * HORIZON, &mut rng, 0.5);
        model.skip_w = Some(Param::from_data(TensorData::new(w, [T, HORIZON]), &device));
        let x = random(windows * T * F, &mut rng, 1.0);
        let xt = Tensor::<3>::from_data(TensorData::new(x.clone(), [windows, T, F]), &device);
        let burn: Vec<f32> = model
            .forward(xt, None, None)
            .into_data()
            .iter::<f32>()
            .collect();
        let fast = super::super::predict(&model, (&x, &[]), windows, T, F).unwrap();
        assert_eq!(fast.len(), windows * HORIZON);
        let e = rel_err(&fast, &burn);
        assert!(e < 1e-5, "{cell:?}: relative error {e}");
        // A wrong input length is an error, not a panic.
        assert!(super::super::predict(&model, (&x[1..], &[]), windows, T, F).is_err());
    }
}

//! The fast path against burn's autodiff reference (`Forecaster::forward` + backward).

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::{Tensor, TensorData};

use super::{FastBatch, forward_backward};
use crate::config::{CellKind, LossKind, ModelConfig, SkipInit, TrainConfig, WindowNorm};
use crate::model::{Forecaster, ModelShape, cpu_device};
use crate::rng::Rng;

mod bidirectional;
mod known;
mod layer_norm;
mod paths;
mod peephole;
mod quantile;
mod residual;
mod seq2seq;
mod state;
mod tbptt;
mod variational;

const B: usize = 19; // odd, and ≥ 2·8 so two threads split it unevenly
const T: usize = 5;
const F: usize = 2;
const HORIZON: usize = 3;

fn model(cell: CellKind, layers: usize, dropout: f64, seed: u64) -> Forecaster {
    model_with(cell, 6, layers, dropout, seed)
}

/// The configuration the parity tests build: PyTorch's uniform init (non-zero biases,
/// so bias gradients are exercised), no window normalisation, every step read.
fn test_config(
    cell: CellKind,
    (hidden, layers): (usize, usize),
    dropout: f64,
    linear_skip: bool,
) -> ModelConfig {
    ModelConfig {
        cell,
        hidden,
        layers,
        dropout,
        init: crate::config::InitKind::Pytorch,
        forget_bias: 1.0,
        window_norm: WindowNorm::None,
        linear_skip,
        recurrent_steps: 0,
        skip_init: SkipInit::Zero,
        strategy: crate::config::Strategy::Direct,
        attention: crate::config::Attention::None,
        residual: false,
        dropout_mode: crate::config::DropoutMode::Standard,
        peephole: false,
        tbptt: None,
        bidirectional: false,
        layer_norm: false,
    }
}

fn model_with(cell: CellKind, hidden: usize, layers: usize, dropout: f64, seed: u64) -> Forecaster {
    let config = test_config(cell, (hidden, layers), dropout, false);
    Forecaster::new(
        &config,
        one_target_shape(),
        &mut Rng::new(seed),
        &cpu_device().autodiff(),
    )
}

/// The tests' window: `F` features, lookback `T`, `HORIZON` steps of one target.
fn one_target_shape() -> ModelShape {
    ModelShape {
        features: F,
        lookback: T,
        horizon: HORIZON,
        targets: 1,
        quantiles: None,
        known: 0,
    }
}

/// A batch of all `B` windows `x: [B, T, F]` with targets `y`, no known-ahead block and
/// no teacher forcing.
fn plain_batch<'a>(x: &'a [f32], y: &'a [f32]) -> FastBatch<'a> {
    FastBatch {
        x,
        future: &[],
        teacher: &[],
        y,
        batch: B,
        lookback: T,
        features: F,
    }
}

fn random(n: usize, rng: &mut Rng, scale: f64) -> Vec<f32> {
    (0..n).map(|_| (rng.normal() * scale) as f32).collect()
}

/// Every parameter's gradient as (path, values), in module order.
struct Collect<'a> {
    grads: &'a GradientsParams,
    out: Vec<Vec<f32>>,
}

impl ModuleVisitor for Collect<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let g = self
            .grads
            .get::<D>(param.id)
            .expect("every parameter has a gradient");
        self.out.push(g.into_data().iter::<f32>().collect());
    }
}

fn collect(model: &Forecaster, grads: &GradientsParams) -> Vec<Vec<f32>> {
    let mut c = Collect {
        grads,
        out: Vec::new(),
    };
    model.visit(&mut c);
    c.out
}

fn rel_err(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len());
    let diff: f64 = a.iter().zip(b).map(|(x, y)| f64::from(x - y).powi(2)).sum();
    let norm: f64 = b.iter().map(|y| f64::from(*y).powi(2)).sum();
    (diff / norm.max(1e-30)).sqrt()
}

fn check(cell: CellKind, layers: usize, loss: LossKind, dropout: f64) {
    check_with(cell, 6, layers, loss, dropout);
}

fn check_with(cell: CellKind, hidden: usize, layers: usize, loss: LossKind, dropout: f64) {
    let model = model_with(cell, hidden, layers, dropout, 7 + layers as u64);
    let mut data_rng = Rng::new(99);
    let x = random(B * T * F, &mut data_rng, 1.0);
    let y = random(B * HORIZON, &mut data_rng, 1.0);
    let mut rng_burn = Rng::new(5);
    let mut rng_fast = Rng::new(5);

    let device = cpu_device().autodiff();
    let xt = Tensor::<3>::from_data(TensorData::new(x.clone(), [B, T, F]), &device);
    let yt = Tensor::<2>::from_data(TensorData::new(y.clone(), [B, HORIZON]), &device);
    let predicted = model.forward(xt, None, (dropout > 0.0).then_some(&mut rng_burn));
    let outputs_burn: Vec<f32> = predicted.clone().into_data().iter::<f32>().collect();
    let loss_t = crate::model::loss::loss(loss, predicted, yt);
    let loss_burn = f64::from(loss_t.clone().into_scalar::<f32>());
    let grads_burn = GradientsParams::from_grads(loss_t.backward(), &model);

    let batch = plain_batch(&x, &y);
    let fast = forward_backward(
        &model,
        &batch,
        loss,
        (dropout > 0.0).then_some(&mut rng_fast),
        true,
    )
    .unwrap();
    let what = format!("{cell:?} {hidden}×{layers} {loss:?} dropout {dropout}");
    assert!(
        rel_err(&fast.outputs, &outputs_burn) < 1e-5,
        "{what}: outputs"
    );
    assert!(
        (fast.loss - loss_burn).abs() <= 1e-5 * loss_burn.abs(),
        "{what}: loss {} vs {loss_burn}",
        fast.loss
    );
    let a = collect(&model, &fast.grads);
    let b = collect(&model, &grads_burn);
    assert_eq!(a.len(), 4 * layers + 2);
    for (k, (ga, gb)) in a.iter().zip(&b).enumerate() {
        let e = rel_err(ga, gb);
        assert!(e < 1e-4, "{what}: parameter {k} relative error {e}");
        assert!(
            gb.iter().any(|v| v.abs() > 1e-6),
            "{what}: parameter {k} has a zero gradient"
        );
    }
    // Both paths consumed the same random numbers.
    assert_eq!(
        rng_burn.next_u64(),
        rng_fast.next_u64(),
        "{what}: rng streams diverged"
    );
    let norms = fast.time_norms.unwrap();
    assert_eq!(norms.len(), layers);
    assert!(
        norms
            .iter()
            .all(|l| l.len() == T && l.iter().all(|v| v.is_finite() && *v > 0.0))
    );
}

fn check_all_losses(cell: CellKind) {
    for layers in [1, 2] {
        for loss in [LossKind::Mse, LossKind::Mae, LossKind::Huber { delta: 0.5 }] {
            for dropout in [0.0, 0.3] {
                check(cell, layers, loss, dropout);
            }
        }
    }
}

#[test]
fn lstm_matches_burn() {
    check_all_losses(CellKind::Lstm);
}

#[test]
fn gru_matches_burn() {
    check_all_losses(CellKind::Gru);
}

#[test]
fn rnn_matches_burn() {
    check_all_losses(CellKind::Rnn);
}

#[test]
fn deep_stacks_match_burn() {
    check(CellKind::Lstm, 4, LossKind::Mse, 0.2);
    check(CellKind::Gru, 3, LossKind::Mse, 0.0);
}

#[test]
fn wide_layers_match_burn() {
    // Wide enough for the SIMD kernel's full tiles, its one-vector panels and its
    // scalar tail columns (40 = 2·16 + 8 units; gate widths 160, 120, 40), with rows
    // split 9 + 10 over two threads (tiles of 8 rows plus single rows).
    for cell in [CellKind::Lstm, CellKind::Gru, CellKind::Rnn] {
        check_with(cell, 40, 2, LossKind::Mse, 0.2);
        check_with(cell, 16, 1, LossKind::Mae, 0.0);
    }
}

/// A model of `config` with random linear-skip weights, so the skip's output layout
/// is exercised.
fn with_random_skip(config: &ModelConfig, shape: ModelShape, seed: u64) -> Forecaster {
    let device = cpu_device().autodiff();
    let mut model = Forecaster::new(config, shape, &mut Rng::new(seed), &device);
    let w = random(T * HORIZON, &mut Rng::new(seed + 100), 0.5);
    model.skip_w = Some(Param::from_data(TensorData::new(w, [T, HORIZON]), &device));
    model
}

/// Runs `model` on `x: [B, lookback, features]`, `y` through burn's autodiff and the fast path
/// (with the same dropout stream when the model has dropout); asserts that outputs,
/// gradients and the random streams agree, and returns the fast path's step.
fn assert_fast_matches_burn(
    model: &Forecaster,
    inputs: (&[f32], &[f32], usize),
    loss: LossKind,
    probe: bool,
) -> super::FastStep {
    assert_fast_matches_burn_with(model, inputs, &[], loss, probe)
}

/// [`assert_fast_matches_burn`] with a known-in-advance block `[B, HORIZON, known]`.
fn assert_fast_matches_burn_with(
    model: &Forecaster,
    (x, y, features): (&[f32], &[f32], usize),
    future: &[f32],
    loss: LossKind,
    probe: bool,
) -> super::FastStep {
    let device = cpu_device().autodiff();
    let dropout = model.dropout > 0.0;
    let (mut rng_burn, mut rng_fast) = (Rng::new(5), Rng::new(5));
    let lookback = x.len() / (B * features);
    let xt = Tensor::<3>::from_data(
        TensorData::new(x.to_vec(), [B, lookback, features]),
        &device,
    );
    let yt = Tensor::<2>::from_data(TensorData::new(y.to_vec(), [B, y.len() / B]), &device);
    let ft = (!future.is_empty()).then(|| {
        let known = future.len() / (B * HORIZON);
        Tensor::<3>::from_data(
            TensorData::new(future.to_vec(), [B, HORIZON, known]),
            &device,
        )
    });
    let predicted = model.forward(xt, ft, dropout.then_some(&mut rng_burn));
    let outputs_burn: Vec<f32> = predicted.clone().into_data().iter::<f32>().collect();
    let loss_t = crate::model::loss::loss(loss, predicted, yt);
    let grads_burn = GradientsParams::from_grads(loss_t.backward(), model);
    let batch = FastBatch {
        x,
        future,
        teacher: &[],
        y,
        batch: B,
        lookback,
        features,
    };
    let fast =
        forward_backward(model, &batch, loss, dropout.then_some(&mut rng_fast), probe).unwrap();
    assert!(rel_err(&fast.outputs, &outputs_burn) < 1e-5);
    for (k, (ga, gb)) in collect(model, &fast.grads)
        .iter()
        .zip(&collect(model, &grads_burn))
        .enumerate()
    {
        let e = rel_err(ga, gb);
        assert!(e < 1e-4, "parameter {k} relative error {e}");
    }
    assert_eq!(
        rng_burn.next_u64(),
        rng_fast.next_u64(),
        "rng streams diverged"
    );
    fast
}

#[test]
fn recurrent_layers_read_the_window_tail_on_both_paths() {
    // T = 5, the recurrent layers read the last 3 steps, the skip all 5; two layers
    // with dropout so the masks ([B, 3, H]) are drawn for the shorter window.
    let config = ModelConfig {
        cell: CellKind::Lstm,
        hidden: 6,
        layers: 2,
        dropout: 0.3,
        init: crate::config::InitKind::Pytorch,
        forget_bias: 1.0,
        window_norm: WindowNorm::None,
        linear_skip: true,
        recurrent_steps: 3,
        skip_init: SkipInit::Zero,
        strategy: crate::config::Strategy::Direct,
        attention: crate::config::Attention::None,
        residual: false,
        dropout_mode: crate::config::DropoutMode::Standard,
        peephole: false,
        tbptt: None,
        bidirectional: false,
        layer_norm: false,
    };
    let shape = ModelShape {
        features: F,
        lookback: T,
        horizon: HORIZON,
        targets: 1,
        quantiles: None,
        known: 0,
    };
    let model = with_random_skip(&config, shape, 3);
    let mut rng = Rng::new(11);
    let x = random(B * T * F, &mut rng, 1.0);
    let y = random(B * HORIZON, &mut rng, 1.0);
    let fast = assert_fast_matches_burn(&model, (&x, &y, F), LossKind::Mse, true);
    let norms = fast.time_norms.unwrap();
    assert!(norms.iter().all(|l| l.len() == 3), "{norms:?}");

    // The covariate (feature 1) reaches the output only through the recurrent layers:
    // changing it in the two oldest steps changes nothing, in the newest step it does.
    let predict = |x: &[f32]| super::predict(&model, (x, &[]), B, T, F).unwrap();
    let base = predict(&x);
    let mut old = x.clone();
    let mut new = x.clone();
    for b in 0..B {
        for s in 0..2 {
            old[(b * T + s) * F + 1] += 5.0;
        }
        new[(b * T + T - 1) * F + 1] += 5.0;
    }
    assert_eq!(predict(&old), base);
    assert!(rel_err(&predict(&new), &base) > 1e-3);
    // The target's oldest steps still reach the forecast, through the skip.
    let mut target = x.clone();
    target[0] += 5.0; // window 0, step 0, feature 0 (the target)
    assert_ne!(predict(&target), base);
}

#[test]
fn the_linear_skip_matches_burn_with_two_targets() {
    // Three features (two targets, one covariate), random skip weights so the forward
    // layout (step-major, targets interleaved) is exercised, and MAE so the output
    // gradient differs per element.
    let targets = 2;
    let features = 3;
    let config = test_config(CellKind::Gru, (5, 1), 0.0, true);
    let shape = ModelShape {
        features,
        lookback: T,
        horizon: HORIZON,
        targets,
        quantiles: None,
        known: 0,
    };
    let model = with_random_skip(&config, shape, 4);
    let mut rng = Rng::new(8);
    let x = random(B * T * features, &mut rng, 1.0);
    let y = random(B * HORIZON * targets, &mut rng, 1.0);
    let fast = assert_fast_matches_burn(&model, (&x, &y, features), LossKind::Mae, false);
    assert_eq!(
        collect(&model, &fast.grads).len(),
        4 + 3,
        "layer, head and skip parameters"
    );
    let batch = FastBatch {
        x: &x,
        future: &[],
        teacher: &[],
        y: &y,
        batch: B,
        lookback: T,
        features,
    };
    // The skip's own output, checked by hand for window 0, step 1, target 1:
    // Σ_s x[0, s, 1] · w[s, 1] is part of output index 1·targets + 1.
    let without_skip = {
        let mut m = model.clone();
        m.skip_w = None;
        forward_backward(&m, &batch, LossKind::Mae, None, false).unwrap()
    };
    let w: Vec<f32> = model
        .skip_w
        .as_ref()
        .unwrap()
        .val()
        .into_data()
        .iter::<f32>()
        .collect();
    let by_hand: f32 = (0..T)
        .map(|s| x[s * features + 1] * w[s * HORIZON + 1])
        .sum();
    let idx = targets + 1;
    assert!((fast.outputs[idx] - without_skip.outputs[idx] - by_hand).abs() < 1e-5);
}

#[test]
fn training_with_the_fast_path_lowers_the_loss() {
    let mut model = model(CellKind::Lstm, 2, 0.1, 11);
    let mut optimizer = crate::train::optim::build(&TrainConfig::default());
    // Windows of a sine: x = 5 steps (2 features: the sine and a cosine), y = next 3.
    let series: Vec<f32> = (0..400).map(|i| (i as f32 * 0.3).sin()).collect();
    let mut x = Vec::new();
    let mut y = Vec::new();
    for b in 0..B {
        let o = b * 7;
        for t in 0..T {
            x.push(series[o + t]);
            x.push((0.3 * (o + t) as f32).cos());
        }
        y.extend_from_slice(&series[o + T..o + T + HORIZON]);
    }
    let batch = FastBatch {
        x: &x,
        future: &[],
        teacher: &[],
        y: &y,
        batch: B,
        lookback: T,
        features: F,
    };
    let mut rng = Rng::new(3);
    let first = forward_backward(&model, &batch, LossKind::Mse, None, false)
        .unwrap()
        .loss;
    for _ in 0..150 {
        let step = forward_backward(&model, &batch, LossKind::Mse, Some(&mut rng), false).unwrap();
        model = optimizer.step(1e-2, model, step.grads);
    }
    let last = forward_backward(&model, &batch, LossKind::Mse, None, false)
        .unwrap()
        .loss;
    assert!(last < 0.2 * first, "loss {first} → {last}");
}

#[test]
fn the_mean_loss_matches_the_tensor_loss() {
    let mut rng = Rng::new(9);
    let p = random(40, &mut rng, 1.0);
    let y = random(40, &mut rng, 1.0);
    let device = cpu_device();
    for kind in [LossKind::Mse, LossKind::Mae, LossKind::Huber { delta: 0.5 }] {
        let pt = Tensor::<2>::from_data(TensorData::new(p.clone(), [8, 5]), &device);
        let yt = Tensor::<2>::from_data(TensorData::new(y.clone(), [8, 5]), &device);
        let burn = f64::from(crate::model::loss::loss(kind, pt, yt).into_scalar::<f32>());
        let fast = super::mean_loss(kind, &p, &y, 5);
        assert!(
            (burn - fast).abs() < 1e-6 * burn.abs().max(1.0),
            "{kind:?}: {burn} vs {fast}"
        );
    }
}

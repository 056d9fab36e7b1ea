//! The seq2seq strategy: the fast path against burn's autodiff (outputs, every
//! gradient, the probes' per-step norms for the encoder and the decoder, and the dropout
//! stream), with and without
//! teacher forcing; and what teacher forcing changes and what it does not.

use super::super::{FastBatch, forward_backward, predict};
use super::{B, HORIZON, T, collect, random, rel_err, test_config, with_random_skip};
use crate::config::{Attention, CellKind, LossKind, QuantileLevels, Strategy};
use crate::model::path::burn_train_step;
use crate::model::{Forecaster, ModelShape};
use crate::rng::Rng;

fn model(
    cell: CellKind,
    (hidden, layers, dropout): (usize, usize, f64),
    shape: ModelShape,
) -> Forecaster {
    attending(cell, (hidden, layers, dropout), shape, Attention::None)
}

fn attending(
    cell: CellKind,
    (hidden, layers, dropout): (usize, usize, f64),
    shape: ModelShape,
    attention: Attention,
) -> Forecaster {
    let mut config = test_config(cell, (hidden, layers), dropout, true);
    config.strategy = Strategy::Seq2seq;
    config.attention = attention;
    with_random_skip(&config, shape, 9)
}

fn shape(features: usize, targets: usize, known: usize, loss: LossKind) -> ModelShape {
    ModelShape {
        features,
        lookback: T,
        horizon: HORIZON,
        targets,
        quantiles: loss.quantiles().copied(),
        known,
    }
}

/// A mask with both kinds of step: row b, step k reads the truth when (b + k) is even.
fn mixed_mask() -> Vec<u8> {
    (0..B * (HORIZON - 1))
        .map(|i| u8::from((i / (HORIZON - 1) + i % (HORIZON - 1)).is_multiple_of(2)))
        .collect()
}

/// One parity case: a seq2seq model and what it is trained on.
struct Case<'a> {
    cell: CellKind,
    hidden: usize,
    layers: usize,
    dropout: f64,
    targets: usize,
    known: usize,
    loss: LossKind,
    teacher: &'a [u8],
    attention: Attention,
}

/// Trains one step of `case` on both paths (and forecasts on both) and asserts that
/// outputs, loss, every gradient, the per-step norms, the dropout stream and the
/// forecast agree.
fn assert_matches_burn(case: &Case<'_>) {
    let Case {
        cell,
        hidden,
        layers,
        dropout,
        targets,
        known,
        loss,
        teacher,
        attention,
    } = *case;
    let features = targets + known + 1;
    let model = attending(
        cell,
        (hidden, layers, dropout),
        shape(features, targets, known, loss),
        attention,
    );
    let mut rng = Rng::new(4);
    let x = random(B * T * features, &mut rng, 1.0);
    let y = random(B * HORIZON * targets, &mut rng, 1.0);
    let future = random(B * HORIZON * known, &mut rng, 1.0);
    let batch = FastBatch {
        x: &x,
        future: &future,
        teacher,
        y: &y,
        batch: B,
        lookback: T,
        features,
    };
    let (mut rng_burn, mut rng_fast) = (Rng::new(5), Rng::new(5));
    let on = dropout > 0.0;
    let burn = burn_train_step(&model, &batch, loss, on.then_some(&mut rng_burn), true).unwrap();
    let fast = forward_backward(&model, &batch, loss, on.then_some(&mut rng_fast), true).unwrap();
    let what = format!(
        "{attention:?} {cell:?} {hidden}×{layers}, {loss:?}, teacher {}",
        teacher.len()
    );
    assert!(
        rel_err(&fast.outputs, &burn.outputs) < 1e-5,
        "{what}: outputs"
    );
    assert!(
        (fast.loss - burn.loss).abs() < 1e-5 * burn.loss.abs().max(1.0),
        "{what}: loss"
    );
    let (gf, gb) = (collect(&model, &fast.grads), collect(&model, &burn.grads));
    let attention_params = match attention {
        Attention::None | Attention::Dot => 0,
        Attention::General => 1,
        Attention::Additive => 3,
    };
    assert_eq!(
        gf.len(),
        4 * layers * 2 + 3 + attention_params,
        "{what}: encoder, decoder, head, skip, attention"
    );
    for (k, (a, b)) in gf.iter().zip(&gb).enumerate() {
        let e = rel_err(a, b);
        assert!(e < 1e-4, "{what}: parameter {k} relative error {e}");
    }
    for (a, b) in fast
        .time_norms
        .unwrap()
        .iter()
        .zip(&burn.time_norms.unwrap())
    {
        let a: Vec<f32> = a.iter().map(|v| *v as f32).collect();
        let b: Vec<f32> = b.iter().map(|v| *v as f32).collect();
        assert!(rel_err(&a, &b) < 1e-4, "{what}: per-step gradient norms");
    }
    // The decoder's, per layer and horizon step, from its probes on burn.
    let (df, db) = (fast.decoder_norms.unwrap(), burn.decoder_norms.unwrap());
    assert_eq!(df.len(), layers, "{what}: decoder layers");
    for (a, b) in df.iter().zip(&db) {
        assert_eq!((a.len(), b.len()), (HORIZON, HORIZON), "{what}");
        assert!(a.iter().all(|v| *v > 0.0), "{what}: {a:?}");
        let a: Vec<f32> = a.iter().map(|v| *v as f32).collect();
        let b: Vec<f32> = b.iter().map(|v| *v as f32).collect();
        assert!(
            rel_err(&a, &b) < 1e-4,
            "{what}: decoder per-step norms {a:?} {b:?}"
        );
    }
    assert_eq!(rng_burn.next_u64(), rng_fast.next_u64(), "{what}: rng");
    let forecast = predict(&model, (&x, &future), B, T, features).unwrap();
    let reference = burn_predict(&model, &x, &future, features, known);
    assert!(rel_err(&forecast, &reference) < 1e-5, "{what}: forecast");
}

/// The model's forecast through burn, in evaluation mode.
fn burn_predict(
    model: &Forecaster,
    x: &[f32],
    future: &[f32],
    features: usize,
    known: usize,
) -> Vec<f32> {
    use burn::tensor::{Tensor, TensorData};
    let device = model.head_w.val().device();
    let xt = Tensor::<3>::from_data(TensorData::new(x.to_vec(), [B, T, features]), &device);
    let ft = (known > 0).then(|| {
        Tensor::<3>::from_data(
            TensorData::new(future.to_vec(), [B, HORIZON, known]),
            &device,
        )
    });
    model
        .forward(xt, ft, None)
        .into_data()
        .iter::<f32>()
        .collect()
}

fn case(
    (cell, hidden, layers, dropout): (CellKind, usize, usize, f64),
    (targets, known, loss): (usize, usize, LossKind),
    teacher: &[u8],
    attention: Attention,
) -> Case<'_> {
    Case {
        cell,
        hidden,
        layers,
        dropout,
        targets,
        known,
        loss,
        teacher,
        attention,
    }
}

#[test]
fn seq2seq_matches_burn_with_and_without_teacher_forcing() {
    let levels = QuantileLevels::new(&[0.1, 0.5, 0.9]).unwrap();
    let quantile = LossKind::Quantile { levels };
    let ones = vec![1u8; B * (HORIZON - 1)];
    let mixed = mixed_mask();
    let none = Attention::None;
    let (mse, mae) = (LossKind::Mse, LossKind::Mae);
    use CellKind::{Gru, Lstm, Rnn};
    for c in [
        case((Lstm, 6, 2, 0.2), (2, 2, quantile), &mixed, none),
        case((Lstm, 20, 1, 0.0), (1, 0, mse), &[], none),
        case((Gru, 6, 2, 0.0), (1, 1, mse), &ones, none),
        case((Gru, 20, 1, 0.3), (2, 0, quantile), &mixed, none),
        case((Rnn, 6, 2, 0.0), (1, 0, mae), &mixed, none),
    ] {
        assert_matches_burn(&c);
    }
}

#[test]
fn attention_matches_burn_for_every_score() {
    let levels = QuantileLevels::new(&[0.1, 0.5, 0.9]).unwrap();
    let quantile = LossKind::Quantile { levels };
    let mixed = mixed_mask();
    let (dot, general, additive) = (Attention::Dot, Attention::General, Attention::Additive);
    let (mse, mae) = (LossKind::Mse, LossKind::Mae);
    use CellKind::{Gru, Lstm, Rnn};
    for c in [
        case((Lstm, 6, 2, 0.2), (1, 1, mse), &mixed, dot),
        case((Gru, 20, 1, 0.0), (2, 0, quantile), &[], dot),
        case((Lstm, 20, 1, 0.0), (1, 0, quantile), &mixed, general),
        case((Rnn, 6, 2, 0.0), (2, 2, mae), &[], general),
        case((Gru, 6, 2, 0.3), (1, 1, mse), &mixed, additive),
        case((Lstm, 20, 1, 0.0), (2, 0, quantile), &[], additive),
    ] {
        assert_matches_burn(&c);
    }
}

#[test]
fn teacher_forcing_changes_the_training_loss_but_never_the_forecast() {
    let loss = LossKind::Mse;
    let model = model(CellKind::Lstm, (6, 1, 0.0), shape(2, 1, 0, loss));
    let mut rng = Rng::new(8);
    let x = random(B * T * 2, &mut rng, 1.0);
    let y = random(B * HORIZON, &mut rng, 1.0);
    let try_step = |teacher: &[u8]| {
        let batch = FastBatch {
            x: &x,
            future: &[],
            teacher,
            y: &y,
            batch: B,
            lookback: T,
            features: 2,
        };
        forward_backward(&model, &batch, loss, None, false)
    };
    let step = |teacher: &[u8]| try_step(teacher).unwrap();
    let taught = step(&[1u8; B * (HORIZON - 1)]);
    let free = step(&[0u8; B * (HORIZON - 1)]);
    assert!(
        (taught.loss - free.loss).abs() > 1e-4,
        "ratio 1 and 0 train differently"
    );
    // Only the steps after the first can differ: step 0 reads the window either way.
    for b in 0..B {
        assert_eq!(taught.outputs[b * HORIZON], free.outputs[b * HORIZON]);
    }
    // A forecast reads the decoder's own values: what ratio 0 trained on.
    let forecast = predict(&model, (&x, &[]), B, T, 2).unwrap();
    assert!(rel_err(&forecast, &free.outputs) < 1e-6);
    assert!(rel_err(&forecast, &taught.outputs) > 1e-3);
    // A mask of the wrong size is an error.
    assert!(try_step(&[1u8; 3]).is_err());
}

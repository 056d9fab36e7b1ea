//! Truncated BPTT (`model.tbptt`): the fast path against burn's autodiff (which
//! detaches the state entering the last k2 steps), k1 changing nothing but memory, and
//! the memory a step keeps flat in the lookback.

use super::*;
use crate::config::{DropoutMode, Tbptt};

/// Windows of this many steps: long enough for a prefix of several chunks.
const LONG: usize = 13;

fn tbptt_model(
    cell: CellKind,
    (hidden, layers): (usize, usize),
    dropout: (f64, DropoutMode),
    tbptt: Option<Tbptt>,
    residual: bool,
) -> Forecaster {
    let config = ModelConfig {
        tbptt,
        residual,
        dropout_mode: dropout.1,
        ..test_config(cell, (hidden, layers), dropout.0, false)
    };
    Forecaster::new(
        &config,
        one_target_shape(),
        &mut Rng::new(11 + layers as u64),
        &cpu_device().autodiff(),
    )
}

fn data(lookback: usize, seed: u64) -> (Vec<f32>, Vec<f32>) {
    let mut rng = Rng::new(seed);
    (
        random(B * lookback * F, &mut rng, 1.0),
        random(B * HORIZON, &mut rng, 1.0),
    )
}

fn truncated(k1: usize, k2: usize) -> Option<Tbptt> {
    Some(Tbptt { k1, k2 })
}

#[test]
fn truncated_bptt_matches_burn() {
    let (x, y) = data(LONG, 31);
    for cell in [CellKind::Lstm, CellKind::Gru, CellKind::Rnn] {
        for (layers, dropout, k1, k2) in [
            (1, 0.0, 4, 5),  // a prefix of 8 steps in chunks of 4
            (2, 0.3, 3, 4),  // chunks of 3, 3, 3 (the last one short)
            (3, 0.2, 20, 1), // one chunk; a single backpropagated step
        ] {
            let model = tbptt_model(
                cell,
                (6, layers),
                (dropout, DropoutMode::Standard),
                truncated(k1, k2),
                false,
            );
            let step = assert_fast_matches_burn(&model, (&x, &y, F), LossKind::Mse, true);
            // The steps before the last k2 get no gradient; the others do.
            for (l, norms) in step.time_norms.unwrap().iter().enumerate() {
                assert_eq!(norms.len(), LONG);
                let (before, after) = norms.split_at(LONG - k2);
                assert!(before.iter().all(|v| *v == 0.0), "{cell:?} layer {l}");
                assert!(after.iter().all(|v| *v > 0.0), "{cell:?} layer {l}");
            }
        }
    }
    // With variational dropout, residual connections, a peephole LSTM, and wide
    // enough for every kernel path.
    for cell in [CellKind::Lstm, CellKind::Gru] {
        let model = tbptt_model(
            cell,
            (40, 3),
            (0.2, DropoutMode::Variational),
            truncated(2, 6),
            true,
        );
        assert_fast_matches_burn(&model, (&x, &y, F), LossKind::Mae, false);
    }
    let config = ModelConfig {
        peephole: true,
        tbptt: truncated(5, 3),
        ..test_config(CellKind::Lstm, (6, 2), 0.0, false)
    };
    let mut peep = Forecaster::new(
        &config,
        one_target_shape(),
        &mut Rng::new(3),
        &cpu_device().autodiff(),
    );
    let mut rng = Rng::new(8);
    for layer in &mut peep.layers {
        // Non-zero peepholes, so their gradient through the carried cell state counts.
        let values = random(18, &mut rng, 0.5);
        layer.peep = Some(Param::from_data(
            TensorData::new(values, [18]),
            &cpu_device().autodiff(),
        ));
    }
    assert_fast_matches_burn(&peep, (&x, &y, F), LossKind::Mse, false);
}

/// Every gradient of one fast step of `model` on `x`, `y`.
fn gradients(model: &Forecaster, x: &[f32], y: &[f32]) -> Vec<Vec<f32>> {
    let batch = FastBatch {
        lookback: x.len() / (B * F),
        ..plain_batch(x, y)
    };
    let step = forward_backward(model, &batch, LossKind::Mse, None, false).unwrap();
    collect(model, &step.grads)
}

#[test]
fn k2_at_the_lookback_is_full_bptt_and_k1_changes_nothing_but_memory() {
    let (x, y) = data(LONG, 5);
    let with = |tbptt| {
        let model = tbptt_model(
            CellKind::Lstm,
            (6, 2),
            (0.0, DropoutMode::Standard),
            tbptt,
            false,
        );
        gradients(&model, &x, &y)
    };
    let full = with(None);
    // K1 = K2 = lookback: the same gradients as full BPTT, to the bit.
    assert_eq!(with(truncated(LONG, LONG)), full);
    assert_eq!(with(truncated(1, LONG + 10)), full);
    // A shorter K2 changes them; K1 does not (the forward pass is the same sum).
    let short = with(truncated(4, 6));
    let gap: f64 = short.iter().zip(&full).map(|(a, b)| rel_err(a, b)).sum();
    assert!(gap > 1e-3, "truncation changed nothing: {gap}");
    for k1 in [1, 2, 7, 100] {
        let other = with(truncated(k1, 6));
        for (a, b) in other.iter().zip(&short) {
            assert!(rel_err(a, b) < 1e-6, "k1 = {k1}");
        }
    }
}

#[test]
fn memory_kept_for_the_backward_pass_is_flat_in_the_lookback() {
    // What a step keeps for its backward pass (tapes, layer inputs, masks, the carried
    // state), for one thread's 16 windows of a 2×32 LSTM.
    let kept = |lookback: usize, tbptt: Option<Tbptt>| {
        let config = ModelConfig {
            tbptt,
            ..test_config(CellKind::Lstm, (32, 2), 0.0, false)
        };
        let shape = ModelShape {
            lookback,
            ..one_target_shape()
        };
        let model = Forecaster::new(&config, shape, &mut Rng::new(1), &cpu_device());
        let weights = super::super::read_weights(&model).unwrap();
        let x = random(16 * lookback * F, &mut Rng::new(2), 1.0);
        let encoded = super::super::encoder::encode(
            &weights,
            &super::super::part::Masks::default(),
            &x,
            &(0..16),
            (lookback, F),
        )
        .unwrap();
        let bytes = encoded.kept_bytes();
        encoded.recycle();
        bytes
    };
    let (short, long) = (kept(1_000, None), kept(4_000, None));
    assert!(
        long >= 4 * short - 4096,
        "full BPTT: {short} → {long} bytes"
    );
    let window = truncated(100, 200);
    let (short_t, long_t) = (kept(1_000, window), kept(4_000, window));
    assert_eq!(short_t, long_t, "truncated: {short_t} → {long_t} bytes");
    // 200 of 1,000 steps kept: a fifth of the tape.
    assert!(short_t * 4 < short, "{short_t} of {short} bytes");
    println!(
        "kept for the backward pass, lookback 1,000 → 4,000: full BPTT {short} → {long} bytes; tbptt 100,200: {short_t} → {long_t} bytes"
    );
}

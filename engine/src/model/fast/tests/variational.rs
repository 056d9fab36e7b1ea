//! Variational dropout (Gal & Ghahramani): one mask per window for each stacked layer's
//! input above the first and for each layer's recurrent state. The fast path against
//! burn's autodiff with the same random stream, and the masks' shape.

use super::*;
use crate::config::DropoutMode;

fn variational_model(
    cell: CellKind,
    (hidden, layers): (usize, usize),
    (recurrent, residual): (usize, bool),
    seed: u64,
) -> Forecaster {
    let config = ModelConfig {
        dropout_mode: DropoutMode::Variational,
        recurrent_steps: recurrent,
        residual,
        ..test_config(cell, (hidden, layers), 0.3, true)
    };
    with_random_skip(&config, one_target_shape(), seed)
}

#[test]
fn variational_dropout_matches_burn() {
    let mut rng = Rng::new(31);
    let x = random(B * T * F, &mut rng, 1.0);
    let y = random(B * HORIZON, &mut rng, 1.0);
    for cell in [CellKind::Lstm, CellKind::Gru, CellKind::Rnn] {
        for layers in [1, 2, 3] {
            let model = variational_model(cell, (6, layers), (0, false), 2 + layers as u64);
            assert_fast_matches_burn(&model, (&x, &y, F), LossKind::Mse, true);
        }
        // With residual connections, the window's tail, and widths that reach every
        // kernel path (40 = 2·16 + 8 units).
        let model = variational_model(cell, (40, 2), (3, true), 8);
        assert_fast_matches_burn(&model, (&x, &y, F), LossKind::Mae, false);
    }
}

#[test]
fn a_variational_mask_is_the_same_at_every_step_and_reaches_the_recurrence() {
    let (b, steps, hidden) = (3, 4, 5);
    let masks = super::super::masks::draw(
        &mut Rng::new(1),
        (0.5, true),
        (b, steps, hidden),
        (3, 1),
        Some(hidden),
    );
    assert_eq!(masks.recurrent.len(), 3);
    assert_eq!(masks.sequence.len(), 2);
    for m in &masks.sequence {
        assert_eq!(m.len(), b * steps * hidden);
        for w in 0..b {
            let first = &m[w * steps * hidden..w * steps * hidden + hidden];
            for t in 1..steps {
                let at = w * steps * hidden + t * hidden;
                assert_eq!(&m[at..at + hidden], first, "window {w} step {t}");
            }
        }
    }
    // Standard dropout draws a fresh value per step instead.
    let standard = super::super::masks::draw(
        &mut Rng::new(1),
        (0.5, false),
        (b, steps, hidden),
        (3, 1),
        Some(hidden),
    );
    assert!(standard.recurrent.is_empty());
    let m = &standard.sequence[0];
    assert!((1..steps).any(|t| m[t * hidden..(t + 1) * hidden] != m[..hidden]));

    // The recurrent mask changes a training step's loss even for one layer, where
    // standard dropout (between layers only, and the head) would draw the same.
    let mut rng = Rng::new(5);
    let x = random(B * T * F, &mut rng, 1.0);
    let y = random(B * HORIZON, &mut rng, 1.0);
    let variational = variational_model(CellKind::Gru, (6, 1), (0, false), 4);
    let mut standard = variational.clone();
    standard.variational = false;
    let loss = |m: &Forecaster| {
        let batch = plain_batch(&x, &y);
        forward_backward(m, &batch, LossKind::Mse, Some(&mut Rng::new(9)), false)
            .unwrap()
            .loss
    };
    assert_ne!(loss(&variational), loss(&standard));
}

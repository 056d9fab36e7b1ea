//! A layer started from a given state, the contract a seq2seq decoder relies on:
//! running T steps at once equals running the first T₁ from zero and the rest from the
//! state they end in, forward (the hidden states) and backward (every weight gradient
//! and the input gradient), when the second part's gradient to its initial state is
//! handed back to the first part's last step (h, and c for the LSTM).

use super::super::layer::{self, Backward, LayerGrads, LayerWeights, State};
use super::rel_err;
use crate::config::CellKind;
use crate::rng::Rng;

const ROWS: usize = 5;
const FIRST: usize = 3;
const SECOND: usize = 4;

fn random(rng: &mut Rng, n: usize, scale: f64) -> Vec<f32> {
    (0..n)
        .map(|_| rng.uniform_range(-scale, scale) as f32)
        .collect()
}

fn weights(rng: &mut Rng, cell: CellKind, d_in: usize, hidden: usize) -> LayerWeights {
    let gw = cell.gates() * hidden;
    LayerWeights::new(
        cell,
        (d_in, hidden),
        (random(rng, d_in * gw, 0.5), random(rng, hidden * gw, 0.5)),
        (random(rng, gw, 0.3), random(rng, gw, 0.3)),
    )
}

struct Pass {
    h: Vec<f32>,
    grads: LayerGrads,
    dx: Vec<f32>,
    d_init: State,
}

fn run(
    w: &LayerWeights,
    (x, dh_in): (&[f32], &[f32]),
    steps: usize,
    init: Option<&State>,
    dc_last: Option<&[f32]>,
) -> Pass {
    let tape = layer::forward_from(w, x, (ROWS, steps), init).unwrap();
    let mut grads = LayerGrads::zeros(w);
    let mut dx = Vec::new();
    let mut d_init = State::default();
    layer::backward(
        w,
        x,
        &tape,
        dh_in,
        (ROWS, steps),
        Backward {
            grads: &mut grads,
            dx: Some(&mut dx),
            norms: None,
            init: init.map(|s| (s, &mut d_init)),
            dc_last,
            rec_mask: None,
        },
    )
    .unwrap();
    Pass {
        h: tape.h[..steps * ROWS * w.hidden].to_vec(),
        grads,
        dx,
        d_init,
    }
}

fn added(a: &[f32], b: &[f32]) -> Vec<f32> {
    a.iter().zip(b).map(|(x, y)| x + y).collect()
}

fn check(cell: CellKind, d_in: usize, hidden: usize) {
    let mut rng = Rng::new(7);
    let w = weights(&mut rng, cell, d_in, hidden);
    let steps = FIRST + SECOND;
    let x = random(&mut rng, steps * ROWS * d_in, 1.0);
    let dh_in = random(&mut rng, steps * ROWS * hidden, 1.0);
    let (split_x, split_h) = (FIRST * ROWS * d_in, FIRST * ROWS * hidden);
    let full = run(&w, (&x, &dh_in), steps, None, None);

    // Forward: the second part from the first part's last state.
    let first_tape = layer::forward_from(&w, &x[..split_x], (ROWS, FIRST), None).unwrap();
    let mid = State::last(&first_tape, ROWS, FIRST, hidden);
    assert_eq!(mid.h.len(), ROWS * hidden);
    let lstm = cell == CellKind::Lstm;
    assert_eq!(mid.c.len(), if lstm { ROWS * hidden } else { 0 });
    let second = run(
        &w,
        (&x[split_x..], &dh_in[split_h..]),
        SECOND,
        Some(&mid),
        None,
    );
    let what = format!("{cell:?}, {d_in} inputs, {hidden} units");
    let e = rel_err(&second.h, &full.h[split_h..]);
    assert!(e < 1e-6, "{what}: hidden states differ by {e:e}");

    // Backward: the first part gets the second's gradient to its initial state.
    let mut dh_first = dh_in[..split_h].to_vec();
    let last = &mut dh_first[split_h - ROWS * hidden..];
    for (d, g) in last.iter_mut().zip(&second.d_init.h) {
        *d += g;
    }
    let dc = lstm.then_some(&second.d_init.c[..]);
    let first = run(&w, (&x[..split_x], &dh_first), FIRST, None, dc);
    let pairs = [
        (
            "w_ih",
            &full.grads.w_ih,
            &first.grads.w_ih,
            &second.grads.w_ih,
        ),
        (
            "w_hh",
            &full.grads.w_hh,
            &first.grads.w_hh,
            &second.grads.w_hh,
        ),
        (
            "b_ih",
            &full.grads.b_ih,
            &first.grads.b_ih,
            &second.grads.b_ih,
        ),
        (
            "b_hh",
            &full.grads.b_hh,
            &first.grads.b_hh,
            &second.grads.b_hh,
        ),
    ];
    for (name, whole, a, b) in pairs {
        let e = rel_err(&added(a, b), whole);
        assert!(e < 1e-5, "{what}: d{name} differs by {e:e}");
    }
    let dx: Vec<f32> = first.dx.iter().chain(&second.dx).copied().collect();
    let e = rel_err(&dx, &full.dx);
    assert!(e < 1e-5, "{what}: dx differs by {e:e}");
    // The state's gradient is real: it moves the first part's weights.
    assert!(second.d_init.h.iter().any(|v| v.abs() > 1e-4), "{what}");
}

#[test]
fn a_layer_run_in_two_parts_through_its_state_equals_one_run() {
    // 6 units: the gate width is a SIMD panel plus a tail; 20 inputs and units take
    // the packed kernel for the input gradient and several panels.
    for cell in [CellKind::Lstm, CellKind::Gru, CellKind::Rnn] {
        for (d_in, hidden) in [(3, 6), (20, 20)] {
            check(cell, d_in, hidden);
        }
    }
}

#[test]
fn a_zero_initial_state_is_the_plain_zero_start() {
    let mut rng = Rng::new(3);
    for cell in [CellKind::Lstm, CellKind::Gru, CellKind::Rnn] {
        let w = weights(&mut rng, cell, 4, 6);
        let x = random(&mut rng, SECOND * ROWS * 4, 1.0);
        let dh = random(&mut rng, SECOND * ROWS * 6, 1.0);
        let zero = State {
            h: vec![0.0; ROWS * 6],
            c: if cell == CellKind::Lstm {
                vec![0.0; ROWS * 6]
            } else {
                Vec::new()
            },
        };
        let plain = run(&w, (&x, &dh), SECOND, None, None);
        let from = run(&w, (&x, &dh), SECOND, Some(&zero), None);
        assert_eq!(plain.h, from.h, "{cell:?}");
        assert!(
            rel_err(&from.grads.w_hh, &plain.grads.w_hh) < 1e-6,
            "{cell:?}"
        );
        assert!(rel_err(&from.dx, &plain.dx) < 1e-6, "{cell:?}");
        // A state of the wrong size is an error, not a panic.
        let short = State {
            h: vec![0.0; 3],
            c: Vec::new(),
        };
        assert!(layer::forward_from(&w, &x, (ROWS, SECOND), Some(&short)).is_err());
    }
}

//! Dropout masks for one batch, drawn in `Forecaster::forward`'s order so both paths
//! consume the same random numbers.

use super::part::Masks;
use crate::rng::Rng;

/// Draws the masks in `Forecaster::forward`'s order: each stack's (the first, then a
/// bidirectional encoder's second), then the head's `[B, head]` (`None`: a seq2seq
/// model has no dropout before its head). Per stack, standard dropout draws a `[B, T,
/// H]` mask after each layer but the top; variational dropout draws per layer from the
/// bottom its input mask above the first layer (one per window, repeated over the
/// steps), then its recurrent mask.
pub(super) fn draw(
    rng: &mut Rng,
    (p, variational): (f64, bool),
    (b, steps, hidden): (usize, usize, usize),
    (layers, stacks): (usize, usize),
    head: Option<usize>,
) -> Masks {
    let mut draw = |n: usize| crate::model::dropout_mask(n, p, rng);
    let mut stack = || {
        if variational {
            let (mut sequence, mut recurrent) = (Vec::new(), Vec::new());
            for k in 0..layers {
                if k > 0 {
                    let per_window = draw(b * hidden);
                    sequence.push(repeat_over_steps(&per_window, steps, hidden));
                }
                recurrent.push(draw(b * hidden));
            }
            Masks {
                sequence,
                recurrent,
                ..Masks::default()
            }
        } else {
            Masks {
                sequence: (1..layers).map(|_| draw(b * steps * hidden)).collect(),
                ..Masks::default()
            }
        }
    };
    let mut masks = stack();
    if stacks > 1 {
        masks.reverse = Some(Box::new(stack()));
    }
    masks.head = head.map(|width| crate::model::dropout_mask(b * width, p, rng));
    masks
}

/// `[B, H]` values as `[B, steps, H]`, the same at every step.
fn repeat_over_steps(per_window: &[f32], steps: usize, hidden: usize) -> Vec<f32> {
    per_window
        .chunks_exact(hidden.max(1))
        .flat_map(|row| std::iter::repeat_n(row, steps).flatten().copied())
        .collect()
}

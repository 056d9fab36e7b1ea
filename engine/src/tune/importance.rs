//! What a search's trials say about each knob: its coordinates per trial (for the
//! parallel-coordinates and slice plots) and its importance, the share of the variance
//! of the trials' log validation loss that the knob explains on its own.
//!
//! The importance is a one-way analysis of variance per knob (the first-order effects
//! that fANOVA estimates, here measured on the trials themselves rather than on a fitted
//! surrogate): the trials are grouped by the knob's value (by equal-count bins of its
//! log-scaled value for the continuous lr and dropout) and the between-group share is
//! reported as ε² = (SS_between − (k − 1)·MS_within) / (SS_total + MS_within), which
//! corrects the optimism of a plain η² with few trials per group; negative estimates are
//! 0. Only finished trials count (a pruned trial's loss is that of a shorter training).

use super::{Knob, Trial};

/// Finished trials needed before importances mean anything.
pub const MIN_TRIALS: usize = 4;

/// One knob's value in each trial, as a number.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The knob's name (`lr`, `hidden`, …).
    pub name: &'static str,
    /// Its value per trial (in the order given; `None` where a trial did not set it).
    pub values: Vec<Option<f64>>,
    /// The axis is log-scaled (the lr).
    pub log: bool,
    /// For a categorical knob (the cell), the category of each integer value.
    pub categories: Vec<&'static str>,
}

/// A knob's importance.
#[derive(Clone, Debug, PartialEq)]
pub struct Importance {
    /// The knob's name.
    pub name: &'static str,
    /// Share of the variance of log validation loss it explains alone, in [0, 1].
    pub share: f64,
}

/// The knob's name and its value as a number (the cell: its index among the cells).
fn coordinate(knob: Knob) -> (&'static str, f64) {
    match knob {
        Knob::Lr(v) => ("lr", v),
        Knob::Hidden(v) => ("hidden", v as f64),
        Knob::Layers(v) => ("layers", v as f64),
        Knob::Lookback(v) => ("lookback", v as f64),
        Knob::Dropout(v) => ("dropout", v),
        Knob::Cell(c) => (
            "cell",
            CELLS.iter().position(|(k, _)| *k == c).unwrap_or(0) as f64,
        ),
        Knob::Batch(v) => ("batch", v as f64),
    }
}

/// The cells in axis order, with their names.
const CELLS: [(crate::config::CellKind, &str); 3] = [
    (crate::config::CellKind::Lstm, "lstm"),
    (crate::config::CellKind::Gru, "gru"),
    (crate::config::CellKind::Rnn, "rnn"),
];

/// The axes of the knobs the trials varied, in the order they first appear.
pub fn axes(trials: &[Trial]) -> Vec<Axis> {
    axes_of(&trials.iter().collect::<Vec<_>>())
}

fn axes_of(trials: &[&Trial]) -> Vec<Axis> {
    let mut names: Vec<&'static str> = Vec::new();
    for t in trials {
        for k in &t.knobs {
            let (name, _) = coordinate(*k);
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
        .into_iter()
        .map(|name| Axis {
            name,
            values: trials
                .iter()
                .map(|t| {
                    t.knobs
                        .iter()
                        .map(|k| coordinate(*k))
                        .find(|(n, _)| *n == name)
                        .map(|(_, v)| v)
                })
                .collect(),
            log: name == "lr",
            categories: if name == "cell" {
                CELLS.iter().map(|(_, n)| *n).collect()
            } else {
                Vec::new()
            },
        })
        .collect()
}

/// Each varied knob's importance, most important first; `None` with fewer than
/// [`MIN_TRIALS`] finished trials.
pub fn importance(trials: &[Trial]) -> Option<Vec<Importance>> {
    let finished: Vec<&Trial> = trials
        .iter()
        .filter(|t| !t.pruned && t.error.is_none())
        .filter(|t| t.best_val_loss.is_some_and(|v| v.is_finite() && v > 0.0))
        .collect();
    if finished.len() < MIN_TRIALS {
        return None;
    }
    let y: Vec<f64> = finished
        .iter()
        .filter_map(|t| t.best_val_loss.map(f64::ln))
        .collect();
    let mut out: Vec<Importance> = axes_of(&finished)
        .into_iter()
        .map(|axis| Importance {
            name: axis.name,
            share: explained(&groups(&axis), &y),
        })
        .collect();
    out.sort_by(|a, b| b.share.total_cmp(&a.share));
    Some(out)
}

/// The group of each trial for a knob: its value for a discrete knob, else its
/// equal-count bin (about √n trials per bin, 2 to 5 bins) of the log-scaled value.
fn groups(axis: &Axis) -> Vec<usize> {
    let n = axis.values.len();
    let continuous = matches!(axis.name, "lr" | "dropout");
    let key = |v: Option<f64>| match v {
        Some(v) if axis.log && v > 0.0 => v.ln(),
        Some(v) => v,
        None => f64::NEG_INFINITY,
    };
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| key(axis.values[a]).total_cmp(&key(axis.values[b])));
    let mut group = vec![0; n];
    if continuous {
        let bins = ((n as f64).sqrt().round() as usize).clamp(2, 5);
        for (rank, &i) in order.iter().enumerate() {
            group[i] = rank * bins / n.max(1);
        }
    } else {
        let mut g = 0;
        for (rank, &i) in order.iter().enumerate() {
            if rank > 0 && key(axis.values[i]) != key(axis.values[order[rank - 1]]) {
                g += 1;
            }
            group[i] = g;
        }
    }
    group
}

/// ε² of `y` grouped by `group`.
fn explained(group: &[usize], y: &[f64]) -> f64 {
    let n = y.len();
    let k = group.iter().max().map_or(0, |g| g + 1);
    if n < 2 || k < 2 || k >= n {
        return 0.0;
    }
    let mean = y.iter().sum::<f64>() / n as f64;
    let total: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
    if total <= 0.0 {
        return 0.0;
    }
    let mut sums = vec![(0.0, 0usize); k];
    for (g, v) in group.iter().zip(y) {
        sums[*g].0 += v;
        sums[*g].1 += 1;
    }
    let between: f64 = sums
        .iter()
        .filter(|(_, c)| *c > 0)
        .map(|(s, c)| *c as f64 * (s / *c as f64 - mean).powi(2))
        .sum();
    let within_ms = (total - between) / (n - k) as f64;
    ((between - (k - 1) as f64 * within_ms) / (total + within_ms)).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::CellKind;
    use crate::rng::Rng;

    fn trial(knobs: Vec<Knob>, loss: f64) -> Trial {
        Trial::finished(knobs, &[loss])
    }

    #[test]
    fn epsilon_squared_by_hand() {
        // Groups {1, 3} and {5, 7}: mean 4, SS_total 20, SS_between 16, MS_within 2:
        // ε² = (16 − 2) / (20 + 2) = 14 / 22.
        let e = explained(&[0, 0, 1, 1], &[1.0, 3.0, 5.0, 7.0]);
        assert!((e - 14.0 / 22.0).abs() < 1e-12, "{e}");
        assert_eq!(explained(&[0, 1, 0, 1], &[1.0, 1.0, 1.0, 1.0]), 0.0);
    }

    #[test]
    fn the_knob_that_drives_the_loss_comes_first_and_noise_knobs_near_zero() {
        let mut rng = Rng::new(3);
        let trials: Vec<Trial> = (0..40)
            .map(|_| {
                let lr = 10f64.powf(-4.0 + 2.0 * rng.uniform());
                let hidden = [32, 64, 128][rng.below(3)];
                let cell = [CellKind::Lstm, CellKind::Gru][rng.below(2)];
                // The loss depends on the lr only (best near 1e-3), with a little noise.
                let loss = 0.1 * (1.0 + (lr.log10() + 3.0).powi(2)) * (1.0 + 0.02 * rng.uniform());
                trial(
                    vec![Knob::Lr(lr), Knob::Hidden(hidden), Knob::Cell(cell)],
                    loss,
                )
            })
            .collect();
        let imp = importance(&trials).unwrap();
        assert_eq!(imp[0].name, "lr", "{imp:?}");
        assert!(imp[0].share > 0.5, "{imp:?}");
        for other in &imp[1..] {
            assert!(other.share < 0.1, "{imp:?}");
        }
        let axes = axes(&trials);
        assert_eq!(
            axes.iter().map(|a| a.name).collect::<Vec<_>>(),
            ["lr", "hidden", "cell"]
        );
        assert!(axes[0].log && axes[2].categories == ["lstm", "gru", "rnn"]);
        assert!(importance(&trials[..3]).is_none(), "too few trials");
    }
}

//! Live changes: settings changed while a run trains (the GUI's live knobs), recorded
//! in the run as `train.changes` and replayed at the same steps when the configuration
//! is reused, so a run with live changes stays reproducible.

use serde::{Deserialize, Serialize};

/// A setting that can change while a run trains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Knob {
    /// The learning rate: the schedule keeps its shape, scaled so that the next step
    /// uses this lr.
    Lr,
    /// The clipping threshold (0 = off; a run without clipping clips the global norm).
    Clip,
    /// Weight decay (the optimiser keeps its state).
    WeightDecay,
    /// Dropout between layers (and variational masks), in [0, 1).
    Dropout,
    /// A seq2seq run's teacher-forcing ratio, held from here on, in [0, 1].
    TeacherForcing,
    /// Early stopping's patience in epochs (0 = off).
    Patience,
}

impl Knob {
    /// Every knob, in the order the GUI shows them.
    pub const ALL: [Knob; 6] = [
        Knob::Lr,
        Knob::Clip,
        Knob::WeightDecay,
        Knob::Dropout,
        Knob::TeacherForcing,
        Knob::Patience,
    ];

    /// The name used in configurations, reports and messages.
    pub fn name(self) -> &'static str {
        match self {
            Knob::Lr => "lr",
            Knob::Clip => "clip",
            Knob::WeightDecay => "weight_decay",
            Knob::Dropout => "dropout",
            Knob::TeacherForcing => "teacher_forcing",
            Knob::Patience => "patience",
        }
    }

    /// What is wrong with `to` as this knob's value, for people; `None` when valid.
    pub fn problem(self, to: f64) -> Option<String> {
        let name = self.name();
        let ok = to.is_finite()
            && match self {
                Knob::Lr => to > 0.0,
                Knob::Clip | Knob::WeightDecay => to >= 0.0,
                Knob::Dropout => (0.0..1.0).contains(&to),
                Knob::TeacherForcing => (0.0..=1.0).contains(&to),
                Knob::Patience => to >= 0.0 && to.fract() == 0.0 && to <= 1e6,
            };
        (!ok).then(|| {
            let want = match self {
                Knob::Lr => "a positive number",
                Knob::Clip => "a threshold ≥ 0 (0 = off)",
                Knob::WeightDecay => "a number ≥ 0",
                Knob::Dropout => "in [0, 1)",
                Knob::TeacherForcing => "a ratio in [0, 1]",
                Knob::Patience => "a whole number of epochs ≥ 0 (0 = off)",
            };
            format!("{name} must be {want}, got {to}")
        })
    }
}

/// One change of a setting during a run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// The 1-based optimisation step it applies before (counted over the whole run).
    pub step: usize,
    /// The 1-based epoch that step is in.
    pub epoch: usize,
    /// What changed.
    pub field: Knob,
    /// The value before.
    pub from: f64,
    /// The value after.
    pub to: f64,
}

impl Change {
    /// The same change in a run with `to_batches` batches per epoch instead of
    /// `from_batches` (a refit or a backtest's retraining on more windows): at the same
    /// share of the same epoch.
    pub fn rescaled(self, from_batches: usize, to_batches: usize) -> Self {
        if from_batches == to_batches || from_batches == 0 {
            return self;
        }
        // Saturating: a hand-edited list may hold any step and epoch.
        let before = self.epoch.max(1) - 1;
        let batch = self
            .step
            .saturating_sub(before.saturating_mul(from_batches))
            .max(1);
        let moved = batch
            .saturating_mul(to_batches)
            .div_ceil(from_batches)
            .clamp(1, to_batches.max(1));
        Self {
            step: before.saturating_mul(to_batches).saturating_add(moved),
            ..self
        }
    }
}

/// Where a branched run left its parent: the parent's run id and the epoch after which
/// the branch's edits apply. A branch's configuration is its parent's with the parent's
/// recorded changes up to there and the edits as changes at the branch's first step, so
/// training it from scratch retraces the parent to that epoch, bit for bit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BranchPoint {
    /// The parent's run id.
    pub run: String,
    /// The parent's last shared epoch.
    pub epoch: usize,
}

/// Changes a run keeps at most (far more than anyone makes by hand; a bound for lists
/// read from files).
pub const MAX_CHANGES: usize = 10_000;

/// What is wrong with a change list, for people; `None` when it is valid: steps from 1,
/// in order, each value valid for its knob.
pub fn problem(changes: &[Change]) -> Option<String> {
    if changes.len() > MAX_CHANGES {
        return Some(format!(
            "train.changes holds {} changes; a run keeps at most {MAX_CHANGES}",
            changes.len()
        ));
    }
    let mut last = 0;
    for (i, c) in changes.iter().enumerate() {
        let at = format!("train.changes[{i}]");
        if c.step == 0 || c.epoch == 0 {
            return Some(format!("{at}: step and epoch count from 1"));
        }
        if c.step < last {
            return Some(format!(
                "{at}: the changes must be in step order (step {} after step {last})",
                c.step
            ));
        }
        last = c.step;
        if let Some(p) = c.field.problem(c.to) {
            return Some(format!("{at}: {p}"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(step: usize, epoch: usize) -> Change {
        Change {
            step,
            epoch,
            field: Knob::Lr,
            from: 1e-3,
            to: 1e-4,
        }
    }

    #[test]
    fn rescaling_keeps_the_share_of_the_epoch() {
        // Batch 3 of 4 in epoch 2 (step 7) → with 8 batches, batch 6 of epoch 2: step 14.
        assert_eq!(change(7, 2).rescaled(4, 8).step, 14);
        // Batch 1 of 4 in epoch 1 → batch 1 of 3 (ceil(3/4) = 1).
        assert_eq!(change(1, 1).rescaled(4, 3).step, 1);
        // The last batch stays the last.
        assert_eq!(change(8, 2).rescaled(4, 5).step, 10);
        assert_eq!(change(8, 2).rescaled(4, 4).step, 8);
        // A hostile step or epoch saturates instead of overflowing.
        let huge = Change {
            step: usize::MAX,
            epoch: usize::MAX,
            ..change(1, 1)
        };
        assert_eq!(huge.rescaled(4, 8).step, usize::MAX);
    }

    #[test]
    fn lists_are_checked() {
        assert_eq!(problem(&[change(3, 1), change(5, 2)]), None);
        let out_of_order = problem(&[change(5, 2), change(3, 1)]).unwrap_or_default();
        assert!(out_of_order.contains("step order"), "{out_of_order}");
        let bad = Change {
            to: -1.0,
            ..change(1, 1)
        };
        let msg = problem(&[bad]).unwrap_or_default();
        assert!(msg.contains("lr must be a positive number"), "{msg}");
        assert!(Knob::Patience.problem(2.5).is_some());
        assert!(Knob::Dropout.problem(1.0).is_some());
        assert_eq!(Knob::Clip.problem(0.0), None);
        let many = vec![change(1, 1); MAX_CHANGES + 1];
        assert!(problem(&many).unwrap_or_default().contains("at most"));
    }
}

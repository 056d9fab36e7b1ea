//! Branching a recorded run: train on from its epoch N with edited settings.
//!
//! A branch is its parent's configuration, the parent's recorded changes up to the end
//! of epoch N, and the edits as changes at the branch's first step. Trained from scratch
//! on the same data, it retraces the parent through epoch N bit for bit (same seed, same
//! changes) and goes its own way from there; the settings a branch can edit are those a
//! run can change while it trains ([`Knob`]) and the epoch budget.

use crate::config::{BranchPoint, Change, ClipKind, Knob, RunConfig, Strategy};
use crate::error::{EngineError, Result};
use crate::pipeline::RunSummary;
use crate::train::StopReason;

/// The configuration of a branch of the run `parent_id` (summary `parent`) after its
/// epoch `epoch`, with the settings of `edited` (the parent's configuration with the
/// user's edits).
pub fn plan(
    parent_id: &str,
    parent: &RunSummary,
    epoch: usize,
    edited: &RunConfig,
) -> Result<RunConfig> {
    let bad = |msg: String| EngineError::Config(format!("branch of run {parent_id}: {msg}"));
    let base = &parent.config;
    let ran = parent.training.history.len();
    if epoch == 0 || epoch > ran {
        return Err(bad(format!(
            "epoch {epoch} is not one it ran: it ran epochs 1 to {ran}"
        )));
    }
    match parent.training.stop {
        StopReason::EarlyStopped { epoch: last } if epoch >= last => {
            return Err(bad(format!(
                "it stopped early at epoch {last}, when its validation loss had not improved \
                 for {} epochs; branch from an earlier epoch",
                base.train.patience
            )));
        }
        StopReason::NonFinite { epoch: last, .. } if epoch >= last => {
            return Err(bad(format!(
                "its training went non-finite in epoch {last}; branch from an earlier epoch"
            )));
        }
        _ => {}
    }
    if epoch >= edited.train.epochs {
        return Err(bad(format!(
            "nothing is left to train after epoch {epoch} of {}: raise the epochs",
            edited.train.epochs
        )));
    }
    if edited.train.epochs != base.train.epochs && budget_shapes_the_past(base) {
        return Err(bad(
            "its schedule (cosine, one-cycle or a teacher forcing falling over the run) \
             depends on the epoch budget, so a new budget would change the epochs it shares \
             with its parent; keep the epochs"
                .into(),
        ));
    }
    if let Some(section) = other_difference(base, edited) {
        return Err(bad(format!(
            "a branch continues its parent's training, so it can change the lr, clipping \
             threshold, weight decay, dropout, patience, teacher forcing and epochs, not \
             the {section} settings (nor switch between norm and value clipping)"
        )));
    }
    let batches = parent.data.windows[0].div_ceil(base.train.batch.max(1));
    let last_shared = epoch * batches;
    let mut changes: Vec<Change> = (base.train.changes.iter())
        .filter(|c| c.step <= last_shared)
        .copied()
        .collect();
    let now = |knob: Knob, configured: f64| {
        changes
            .iter()
            .rev()
            .find(|c| c.field == knob)
            .map_or(configured, |c| c.to)
    };
    let lr_now = parent.training.history[epoch - 1].lr;
    let mut edits = Vec::new();
    let mut edit = |field: Knob, from: f64, to: f64| {
        if from.to_bits() != to.to_bits() {
            edits.push(Change {
                step: last_shared + 1,
                epoch: epoch + 1,
                field,
                from,
                to,
            });
        }
    };
    let (b, e) = (&base.train, &edited.train);
    if e.lr != b.lr {
        edit(Knob::Lr, lr_now, e.lr);
    }
    let (clip_b, clip_e) = (clip_max(b.clip), clip_max(e.clip));
    if clip_e != clip_b {
        edit(Knob::Clip, now(Knob::Clip, clip_b), clip_e);
    }
    if e.weight_decay != b.weight_decay {
        edit(
            Knob::WeightDecay,
            now(Knob::WeightDecay, b.weight_decay),
            e.weight_decay,
        );
    }
    if edited.model.dropout != base.model.dropout {
        edit(
            Knob::Dropout,
            now(Knob::Dropout, base.model.dropout),
            edited.model.dropout,
        );
    }
    if e.patience != b.patience {
        edit(
            Knob::Patience,
            now(Knob::Patience, b.patience as f64),
            e.patience as f64,
        );
    }
    if e.teacher_forcing.start != b.teacher_forcing.start {
        if base.model.strategy != Strategy::Seq2seq {
            return Err(bad("teacher forcing applies to a seq2seq model only".into()));
        }
        edit(
            Knob::TeacherForcing,
            now(Knob::TeacherForcing, b.teacher_forcing.start),
            e.teacher_forcing.start,
        );
    }
    changes.extend(edits);
    let mut config = base.clone();
    config.train.epochs = edited.train.epochs;
    config.train.checkpoints = edited.train.checkpoints;
    config.train.checkpoint_every = edited.train.checkpoint_every;
    config.train.changes = changes;
    config.train.branch = Some(BranchPoint {
        run: parent_id.to_string(),
        epoch,
    });
    config.validate()?;
    Ok(config)
}

fn budget_shapes_the_past(config: &RunConfig) -> bool {
    crate::config::epochs_shape_the_past(config.model.strategy, &config.train)
}

/// The section (`data`, `model`, …) where `edited` differs from `base` outside the
/// settings a branch may edit.
fn other_difference(base: &RunConfig, edited: &RunConfig) -> Option<&'static str> {
    let mut e = edited.clone();
    e.train.lr = base.train.lr;
    e.train.clip = match (base.train.clip, e.train.clip) {
        (ClipKind::None, _) | (_, ClipKind::None) => base.train.clip,
        (_, edited) if clip_kind(edited) == clip_kind(base.train.clip) => base.train.clip,
        (_, edited) => edited,
    };
    e.train.weight_decay = base.train.weight_decay;
    e.model.dropout = base.model.dropout;
    e.train.patience = base.train.patience;
    e.train.teacher_forcing.start = base.train.teacher_forcing.start;
    e.train.epochs = base.train.epochs;
    e.train.changes.clone_from(&base.train.changes);
    e.train.branch.clone_from(&base.train.branch);
    e.train.checkpoints = base.train.checkpoints;
    e.train.checkpoint_every = base.train.checkpoint_every;
    if e.data != base.data {
        Some("data")
    } else if e.window != base.window {
        Some("window")
    } else if e.model != base.model {
        Some("model")
    } else if e.train != base.train {
        Some("training (optimiser, schedule, loss, batch, seed …)")
    } else if e.eval != base.eval {
        Some("evaluation")
    } else {
        None
    }
}

fn clip_max(clip: ClipKind) -> f64 {
    match clip {
        ClipKind::None => 0.0,
        ClipKind::Norm { max } | ClipKind::Value { max } => max,
    }
}

fn clip_kind(clip: ClipKind) -> u8 {
    match clip {
        ClipKind::None => 0,
        ClipKind::Norm { .. } => 1,
        ClipKind::Value { .. } => 2,
    }
}

//! Live changes: before each step the loop applies the run's scripted changes that are
//! due (`train.changes`, a replay) and then the changes the user asked for since the
//! last step ([`Control::request`]). Each applied change is recorded with its step and
//! reported; the recorded list replayed on the same seed gives the same weights.

use burn::optim::ModuleOptimizer;

use super::schedule::LrSchedule;
use super::{Control, Progress};
use crate::config::{Change, ClipKind, Knob, SamplingSchedule, TeacherForcing, TrainConfig};
use crate::model::Forecaster;

/// The settings a live change can reach that the trainer otherwise reads from its
/// configuration.
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct Live {
    pub(super) clip: ClipKind,
    pub(super) patience: usize,
    pub(super) weight_decay: f64,
}

impl Live {
    pub(super) fn of(config: &TrainConfig) -> Self {
        Self {
            clip: config.clip,
            patience: config.patience,
            weight_decay: config.weight_decay,
        }
    }
}

/// Where the next step is: its 1-based epoch and 0-based batch within the epoch.
#[derive(Clone, Copy, Debug)]
pub(super) struct Next {
    pub(super) epoch: usize,
    pub(super) batch: usize,
}

/// What a change can reach in a run.
pub(super) struct Targets<'t> {
    pub(super) config: &'t TrainConfig,
    pub(super) schedule: &'t mut LrSchedule,
    pub(super) optimizer: &'t mut ModuleOptimizer,
    pub(super) model: &'t mut Forecaster,
    pub(super) teacher: Option<&'t mut TeacherForcing>,
    pub(super) batches: usize,
}

/// A run's live settings, its script and what it applied.
#[derive(Clone, Debug)]
pub(super) struct Knobs {
    pub(super) live: Live,
    /// The next of `config.changes` to apply.
    next_scripted: usize,
    /// The changes applied so far.
    pub(super) changes: Vec<Change>,
}

impl Knobs {
    pub(super) fn new(config: &TrainConfig) -> Self {
        Self {
            live: Live::of(config),
            next_scripted: 0,
            changes: Vec::new(),
        }
    }

    /// Continues from a checkpoint: its live settings and the changes it had applied
    /// (checked to be the first ones of the run's script).
    pub(super) fn resumed(live: Live, changes: Vec<Change>) -> Self {
        Self {
            live,
            next_scripted: changes.len(),
            changes,
        }
    }

    /// Applies the scripted changes due before the 1-based `step`, then the requested
    /// ones; true when anything changed.
    pub(super) fn apply(
        &mut self,
        (step, next): (usize, Next),
        mut t: Targets<'_>,
        control: &Control,
        report: &mut dyn FnMut(Progress),
    ) -> bool {
        let mut due = Vec::new();
        while let Some(c) = t.config.changes.get(self.next_scripted) {
            if c.step > step {
                break;
            }
            due.push((c.field, c.to));
            self.next_scripted += 1;
        }
        due.extend(control.take_requests());
        let any = !due.is_empty();
        for (field, to) in due {
            match self.set(field, to, next, &mut t) {
                Ok(from) => {
                    let change = Change {
                        step,
                        epoch: next.epoch,
                        field,
                        from,
                        to,
                    };
                    self.changes.push(change);
                    report(Progress::Changed(change));
                }
                Err(why) => report(Progress::ChangeRefused { field, to, why }),
            }
        }
        any
    }

    /// Sets `field` to `to`; the value before, or why not.
    fn set(
        &mut self,
        field: Knob,
        to: f64,
        next: Next,
        t: &mut Targets<'_>,
    ) -> Result<f64, String> {
        if let Some(problem) = field.problem(to) {
            return Err(problem);
        }
        if self.changes.len() >= crate::config::changes::MAX_CHANGES {
            return Err(format!(
                "a run keeps at most {} changes",
                crate::config::changes::MAX_CHANGES
            ));
        }
        Ok(match field {
            Knob::Lr => {
                let from = t.schedule.lr_at(next.epoch - 1, next.batch, t.batches);
                if !(from.is_finite() && from > 0.0) {
                    return Err(format!(
                        "the schedule's lr is {from} at this step, so it cannot be scaled to {to}"
                    ));
                }
                t.schedule.rescale(to / from);
                from
            }
            Knob::Clip => {
                let from = match self.live.clip {
                    ClipKind::None => 0.0,
                    ClipKind::Norm { max } | ClipKind::Value { max } => max,
                };
                self.live.clip = match self.live.clip {
                    _ if to == 0.0 => ClipKind::None,
                    ClipKind::Value { .. } => ClipKind::Value { max: to },
                    _ => ClipKind::Norm { max: to },
                };
                from
            }
            Knob::WeightDecay => {
                let from = self.live.weight_decay;
                let settings = TrainConfig {
                    weight_decay: to,
                    changes: Vec::new(),
                    ..t.config.clone()
                };
                // The same optimiser with the new decay, carrying its state (moments,
                // step counts) over.
                let state = t.optimizer.to_record();
                *t.optimizer = super::optim::build(&settings).load_record(state);
                self.live.weight_decay = to;
                from
            }
            Knob::Dropout => {
                let from = t.model.dropout;
                t.model.dropout = to;
                from
            }
            Knob::TeacherForcing => {
                let Some(tf) = t.teacher.as_deref_mut() else {
                    return Err("teacher forcing applies to a seq2seq model only".into());
                };
                let from = tf.ratio(next.epoch - 1, t.config.epochs);
                *tf = TeacherForcing {
                    start: to,
                    schedule: SamplingSchedule::Constant,
                };
                from
            }
            Knob::Patience => {
                let from = self.live.patience as f64;
                // A whole number in [0, 1e6] (checked above).
                self.live.patience = to as usize;
                from
            }
        })
    }
}

//! The training loop: shuffled mini-batches, global-norm clipping, schedule, early
//! stopping with best-weight restore, NaN guard, cancel/pause between batches.

use std::time::Instant;

use burn::module::Module;
use burn::tensor::{Device, Tensor};

use super::epoch_stats::EpochStats;
use super::trainer::{StepPlace, Trainer};
use super::{Control, Progress, StopReason, TrainData, TrainOutcome};
use crate::config::{ModelConfig, TrainConfig};
use crate::error::{EngineError, Result};

/// Trains a fresh model on `data`. `report` receives progress; returning the outcome
/// even when cancelled or stopped by a NaN (with the best weights seen so far).
///
/// The loop itself: epochs of shuffled mini-batches, pausing and cancelling between
/// batches; what one batch does (the NaN guard, clipping, the update, gradient
/// snapshots) and what ends an epoch (validation, the record, early stopping) are
/// [`Trainer::step`] and [`Trainer::end_epoch`].
pub fn train(
    model_config: &ModelConfig,
    config: &TrainConfig,
    data: &TrainData<'_>,
    control: &Control,
    report: &mut dyn FnMut(Progress),
) -> Result<TrainOutcome> {
    train_from(model_config, config, data, None, control, report)
}

/// [`train`], continuing from the checkpoint `resume` when given: the run then starts
/// after the checkpoint's epoch, with its state, and goes on exactly as the run it was
/// taken from would have with the same settings and changes. A checkpoint that does not
/// belong to this run (other data or settings, changes that differ before its step) is
/// not used: the run trains from the start and its outcome says why.
pub fn train_from(
    model_config: &ModelConfig,
    config: &TrainConfig,
    data: &TrainData<'_>,
    resume: Option<super::TrainState>,
    control: &Control,
    report: &mut dyn FnMut(Progress),
) -> Result<TrainOutcome> {
    if data.train.is_empty() {
        return Err(EngineError::TooShort(
            "there are no training windows: the training part is shorter than lookback + horizon"
                .into(),
        ));
    }
    // Every size the settings multiply together, before any of it is allocated.
    crate::budget::training(model_config, config, &data.dims(0)).check(
        "this training run",
        crate::budget::Limits::for_this_machine(),
    )?;
    let device = crate::model::cpu_device().autodiff();
    sweep_autodiff_graphs(&device);
    let mut t = Trainer::new(model_config, config, data, &device);
    report(Progress::Started {
        epochs: config.epochs,
        batches: t.batches,
        train_windows: data.train.len(),
        val_windows: data.val.len(),
        parameters: t.model.num_params(),
        path: crate::model::path::Path::of(&t.model),
    });
    let mut order: Vec<usize> = data.train.to_vec();
    let mut first = 1;
    if let Some(state) = resume {
        let epoch = state.epoch();
        match t.resume(state, model_config, &mut order) {
            Ok(done) => {
                first = done + 1;
                report(Progress::Resumed {
                    epoch: done,
                    step: t.step,
                });
                // The live view shows the epochs and changes the branch shares.
                let (history, changes) = t.restored();
                for record in history {
                    report(Progress::Epoch(record.clone()));
                }
                for change in changes {
                    report(Progress::Changed(*change));
                }
            }
            Err(why) => t.note(format!(
                "the checkpoint at epoch {epoch} was not used ({why}); trained from the start"
            )),
        }
    }
    if first == 1 {
        t.judge_start()?;
    }
    let mut last_epoch = first - 1;
    'epochs: for epoch in first..=config.epochs {
        last_epoch = epoch;
        let epoch_start = Instant::now();
        t.shuffle_rng.shuffle(&mut order);
        let mut stats = EpochStats::default();
        let mut lr_sum = 0.0;
        let mut changed = false;
        for (b, chunk) in order.chunks(config.batch).enumerate() {
            if !control.wait_while_paused() {
                t.stop = StopReason::Cancelled;
                break 'epochs;
            }
            let next = super::knobs::Next { epoch, batch: b };
            changed |= t.apply_changes(next, control, report);
            let lr = t.schedule.lr_at(epoch - 1, b, t.batches);
            lr_sum += lr;
            let place = StepPlace {
                epoch,
                batch: b + 1,
                step: t.step + 1,
                last: t.last_finite,
            };
            if let Some(stop) = t.step(place, chunk, lr, &mut stats, report)? {
                t.stop = stop;
                break 'epochs;
            }
            if t.step.is_multiple_of(SWEEP_EVERY_STEPS) {
                sweep_autodiff_graphs(&device);
            }
        }
        // The epoch's lr: a per-step schedule's mean over the epoch's batches.
        // (Also the mean when a change moved the lr within the epoch.)
        let lr = if config.schedule.per_step() || changed {
            lr_sum / t.batches.max(1) as f64
        } else {
            t.schedule.lr(epoch - 1)
        };
        // Every step of the epoch reaches the live plots before its record does.
        t.flush_steps(epoch, report);
        if let Some(stop) = t.end_epoch(epoch, lr, stats, epoch_start, report)? {
            t.stop = stop;
            break;
        }
        t.checkpoint(epoch, &order);
    }
    // A run stopped within an epoch (a non-finite loss) still shows its last steps; a
    // cancelled one reports nothing more.
    if t.stop != StopReason::Cancelled {
        t.flush_steps(last_epoch, report);
    }
    if matches!(
        t.stop,
        StopReason::Completed | StopReason::EarlyStopped { .. }
    ) {
        t.settle_start()?;
    }
    Ok(t.finish())
}

/// Optimisation steps between two sweeps of the autodiff graphs within a run.
const SWEEP_EVERY_STEPS: usize = 256;

/// Frees the autodiff graphs of dropped tensors. burn records the graph of every
/// tracked tensor (the model's parameters, each optimiser update) in a process-wide
/// registry and sweeps orphaned graphs only during a `backward()`; the fast path
/// computes gradients by hand and never calls it, so each run left its graphs behind
/// (about 300 KB a run, without bound: 120 MB after 400 runs), and within a run each
/// step's update left about 8 KB (1.2 GB over M4 Hourly's 84,000 steps). One tiny
/// backward sweeps them, at the start of a run and every [`SWEEP_EVERY_STEPS`] steps.
fn sweep_autodiff_graphs(device: &Device) {
    let x = Tensor::<1>::zeros([1], device).require_grad();
    let _ = x.sum().backward();
}

//! Training: the loop, its optimiser, schedule, clipping, loss, cancel/pause control and
//! the progress it reports.

mod average;
mod blocks;
mod checkpoint;
mod checkpoint_file;
pub mod control;
mod data;
mod epoch_stats;
pub mod grads;
mod knobs;
pub mod optim;
mod predict;
mod resume;
mod rollout;
pub mod schedule;
pub mod skip_fit;
pub mod skip_init;
pub mod stats;
mod step;
mod trainer;
mod training_loop;
mod val_check;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::config::WindowNorm;

pub use blocks::sorted_blocks;
pub use checkpoint_file::{Checkpoint, TrainState, max_bytes as max_checkpoint_bytes};
pub use control::Control;
pub use predict::{WindowForecasts, attention_maps, predict_windows, predict_windows_all};
pub use stats::DiagSnapshot;
pub use step::{StepResult, forward_backward};
pub use training_loop::{train, train_from};
pub use val_check::ValCheck;

/// Windows to train on, in model space (scaled, transformed).
#[derive(Clone, Copy, Debug)]
pub struct TrainData<'a> {
    /// Row-major `[rows × features]`; the first `targets` features are forecast.
    pub matrix: &'a [f32],
    /// Features per row.
    pub features: usize,
    /// Forecast columns (the leading features).
    pub targets: usize,
    /// Input length.
    pub lookback: usize,
    /// Output length.
    pub horizon: usize,
    /// Origins of the training windows.
    pub train: &'a [usize],
    /// Origins of the validation windows (may be empty: then training loss selects).
    pub val: &'a [usize],
    /// Per-window normalisation of the forecast columns ([`TrainData::gather`]).
    pub window_norm: WindowNorm,
    /// Seasonal period of the data (1: none), for the skip's seasonal start.
    pub season: usize,
    /// The covariates known in advance (none by default).
    pub known: KnownAhead<'a>,
    /// The recursive strategy: the model forecasts `horizon` (one) step and training
    /// learns that step; validation and prediction roll it forward this many steps,
    /// each forecast fed back as the next input ([`rollout`]). 0 for the direct
    /// strategy.
    pub rollout: usize,
}

/// Covariates whose future values are known, as the windows read them.
#[derive(Clone, Copy, Debug, Default)]
pub struct KnownAhead<'a> {
    /// Their features (indices into a matrix row).
    pub columns: &'a [usize],
    /// Their values on the rows after the matrix's last one, row-major `[rows ×
    /// columns]` (the forecast past the end reads them).
    pub beyond: &'a [f32],
}

impl TrainData<'_> {
    /// Steps each forecast covers: the rolled-forward length of a recursive model, else
    /// the model's horizon.
    pub fn forecast_steps(&self) -> usize {
        if self.rollout > 0 {
            self.rollout
        } else {
            self.horizon
        }
    }

    /// The sizes memory estimates are made from (`budget`), with `test_windows` more
    /// windows to be scored after training.
    pub fn dims(&self, test_windows: usize) -> crate::budget::Dims {
        crate::budget::Dims {
            features: self.features,
            targets: self.targets,
            lookback: self.lookback,
            horizon: self.horizon,
            train_windows: self.train.len(),
            val_windows: self.val.len(),
            test_windows,
        }
    }
}

/// One finished epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches (scaled units).
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub train_loss: f64,
    /// Validation loss (scaled units); `None` without validation windows.
    pub val_loss: Option<f64>,
    /// Learning rate used (a per-step schedule's mean over the epoch's steps).
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub lr: f64,
    /// Mean global gradient norm before clipping.
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub grad_norm: f64,
    /// Largest global gradient norm before clipping.
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub grad_norm_max: f64,
    /// Mean global gradient norm after clipping.
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub grad_norm_clipped: f64,
    /// Share of steps on which clipping fired.
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub clip_rate: f64,
    /// Mean gradient norm per layer group (`layer 1`, …, `head`).
    #[serde(deserialize_with = "crate::num::named_nan_if_null")]
    pub layer_grad_norms: Vec<(String, f64)>,
    /// Wall time of the epoch, seconds.
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub duration_secs: f64,
    /// Per-time-step gradient of the bottom layer at the epoch's last snapshot (none
    /// when no snapshot fell in this epoch).
    #[serde(default)]
    pub time_grad: Option<TimeGrad>,
    /// Signals of the validation forecast (filled in by the pipeline).
    #[serde(default)]
    pub check: Option<ValCheck>,
    /// A seq2seq run: the teacher-forcing ratio of the epoch (the share of decoder
    /// steps that read the true previous value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teacher_forcing: Option<f64>,
}

/// How far back in the window the gradient reaches, from one snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimeGrad {
    /// Mean ‖dLoss/dh_t‖ over the oldest tenth of the window, bottom layer.
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub early: f64,
    /// The same over the newest tenth.
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub late: f64,
    /// How many of the newest steps receive at least 1e-5.
    pub reach: usize,
    /// Steps the recurrent layers read (the lookback, or `model.recurrent_steps`).
    pub lookback: usize,
}

/// Why training ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum StopReason {
    /// All epochs ran.
    Completed,
    /// Validation loss stopped improving for `patience` epochs.
    EarlyStopped {
        /// Epoch at which training stopped.
        epoch: usize,
    },
    /// The user cancelled.
    Cancelled,
    /// A hyperparameter search stopped the trial for doing worse than the others.
    Pruned {
        /// The last epoch that ran.
        epoch: usize,
    },
    /// Loss, gradients or weights became NaN/∞; the best (or last finite) weights were
    /// kept.
    NonFinite {
        /// 1-based epoch.
        epoch: usize,
        /// 1-based batch within the epoch.
        batch: usize,
        /// 1-based optimisation step over the whole run.
        #[serde(default)]
        step: usize,
        /// What went non-finite, e.g. "training loss" or "gradient of layers.0.w_hh".
        what: String,
        /// The parameter concerned, when it was a gradient or a weight.
        #[serde(default)]
        param: Option<String>,
        /// The last finite training loss before it happened.
        #[serde(default)]
        last_loss: Option<f64>,
        /// The last finite global gradient norm (before clipping).
        #[serde(default)]
        last_grad_norm: Option<f64>,
    },
}

impl StopReason {
    /// One line for people.
    pub fn describe(&self) -> String {
        match self {
            Self::Completed => "completed all epochs".into(),
            Self::EarlyStopped { epoch } => format!("early-stopped at epoch {epoch}"),
            Self::Cancelled => "cancelled".into(),
            Self::Pruned { epoch } => {
                format!("pruned after epoch {epoch}: worse than the earlier trials at that epoch")
            }
            Self::NonFinite {
                epoch,
                batch,
                step,
                what,
                last_loss,
                last_grad_norm,
                ..
            } => {
                let last = match (last_loss, last_grad_norm) {
                    (Some(l), Some(g)) => {
                        format!(" (last finite loss {l:.4e}, gradient norm {g:.4e})")
                    }
                    _ => String::new(),
                };
                format!(
                    "stopped: the {what} became NaN or infinite at step {step} \
                     (epoch {epoch}, batch {batch}){last}; kept the best finite weights. \
                     Lower the learning rate and keep gradient clipping on"
                )
            }
        }
    }
}

/// Gradient statistics of one optimisation step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepStats {
    /// 1-based step counted over the whole run.
    pub step: usize,
    /// The batch's loss.
    pub loss: f64,
    /// Global gradient L2 norm before clipping.
    pub grad_norm: f64,
    /// Global gradient L2 norm after clipping.
    pub grad_norm_clipped: f64,
    /// Gradient L2 norm per layer group (`layer 1`, …, `head`).
    pub layers: Vec<(String, f64)>,
    /// The learning rate of the step (NaN in records written before it was kept).
    #[serde(
        default = "crate::num::nan",
        deserialize_with = "crate::num::nan_if_null"
    )]
    pub lr: f64,
}

/// Progress reported while training.
#[derive(Clone, Debug, PartialEq)]
pub enum Progress {
    /// Training is about to start.
    Started {
        /// Maximum epochs.
        epochs: usize,
        /// Batches per epoch.
        batches: usize,
        /// Training windows.
        train_windows: usize,
        /// Validation windows.
        val_windows: usize,
        /// Trainable parameters.
        parameters: usize,
        /// The implementation that runs the model (`model::path`).
        path: crate::model::path::Path,
    },
    /// A batch finished (at most ~10 per second).
    Batch {
        /// 1-based epoch.
        epoch: usize,
        /// 1-based batch.
        batch: usize,
        /// Batches per epoch.
        batches: usize,
        /// This batch's loss.
        loss: f64,
        /// Training throughput so far.
        windows_per_sec: f64,
        /// Training time so far, excluding pauses.
        elapsed_secs: f64,
        /// Every step since the previous batch report.
        steps: Vec<StepStats>,
    },
    /// Detailed gradient statistics of one step (every `diag_every` steps).
    Snapshot(Box<DiagSnapshot>),
    /// An epoch finished.
    Epoch(EpochRecord),
    /// A setting changed before the step it names (a live change or a replayed one).
    Changed(crate::config::Change),
    /// The run continues from a checkpoint: the epochs up to `epoch` (reported as
    /// [`Progress::Epoch`] right after this) were trained by the run it was taken from.
    Resumed {
        /// The last epoch the checkpoint holds.
        epoch: usize,
        /// The steps taken by then.
        step: usize,
    },
    /// A requested live change was not applied.
    ChangeRefused {
        /// The setting.
        field: crate::config::Knob,
        /// The value asked for.
        to: f64,
        /// Why not, for people.
        why: String,
    },
    /// Model-space validation outputs after an epoch, `[windows × horizon × targets]`
    /// (the pipeline turns these into a [`Progress::ValidationForecast`]).
    ValidationOutputs {
        /// 1-based epoch.
        epoch: usize,
        /// The raw outputs.
        outputs: Arc<Vec<f32>>,
    },
    /// The validation forecast after an epoch, one step ahead, first target, in the
    /// user's units.
    ValidationForecast {
        /// 1-based epoch.
        epoch: usize,
        /// Series row of each forecast value.
        rows: Arc<Vec<usize>>,
        /// The forecasts.
        predicted: Arc<Vec<f64>>,
        /// Per nominal interval level (`eval.intervals`), the conformal radius of these
        /// one-step forecasts from this epoch's validation errors: the step-one radius the
        /// run would report if this epoch's model were kept (`None`: too few windows).
        radii: Vec<(f64, Option<f64>)>,
    },
}

/// Share of the maximum training done after `batch` of `batches` in 1-based `epoch`
/// of `epochs` (early stopping may end the run sooner).
pub fn fraction_done(epoch: usize, batch: usize, batches: usize, epochs: usize) -> f64 {
    if epochs == 0 || batches == 0 {
        return 0.0;
    }
    let done = epoch.saturating_sub(1) as f64 + batch as f64 / batches as f64;
    (done / epochs as f64).clamp(0.0, 1.0)
}

/// Seconds left if the rest runs at the pace so far; `None` before any progress.
pub fn eta_secs(elapsed_secs: f64, fraction: f64) -> Option<f64> {
    (fraction > 0.0).then(|| elapsed_secs / fraction - elapsed_secs)
}

/// The kept epoch for display: its number, "0 (the start)" when the start was kept,
/// "-" without one.
pub fn best_epoch_label(best: Option<usize>) -> String {
    match best {
        None => "-".into(),
        Some(0) => "0 (the start)".into(),
        Some(e) => e.to_string(),
    }
}

/// What training produced.
#[derive(Debug)]
pub struct TrainOutcome {
    /// The best weights (lowest validation loss), on the plain (non-autodiff) device.
    pub model: crate::model::Forecaster,
    /// Every finished epoch.
    pub history: Vec<EpochRecord>,
    /// 1-based epoch whose weights were kept; 0 when the start was kept (a start that
    /// already forecasts, which no trained epoch beat on validation).
    pub best_epoch: Option<usize>,
    /// Why it ended.
    pub stop: StopReason,
    /// Training time, seconds, excluding pauses.
    pub elapsed_secs: f64,
    /// Training windows per second.
    pub windows_per_sec: f64,
    /// What the detailed gradient statistics cost.
    pub diag_cost: DiagCost,
    /// The settings changed while it trained (scripted and live), in step order.
    pub changes: Vec<crate::config::Change>,
    /// The checkpoints it kept (`train.checkpoints`), in epoch order.
    pub checkpoints: Vec<Checkpoint>,
    /// The epoch of the checkpoint it resumed from, if it did.
    pub resumed_from: Option<usize>,
    /// What happened to checkpoints: a checkpoint refused (then it trained from the
    /// start), or checkpoints that could not be kept.
    pub notes: Vec<String>,
}

/// Step times with and without the detailed statistics, to state what they cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DiagCost {
    /// Steps without a snapshot.
    pub plain_steps: usize,
    /// Their total time, seconds.
    pub plain_secs: f64,
    /// Steps with a snapshot.
    pub snapshot_steps: usize,
    /// Their total time, seconds.
    pub snapshot_secs: f64,
}

impl DiagCost {
    /// Records one step's wall time.
    pub fn add(&mut self, snapshot: bool, took: std::time::Duration) {
        if snapshot {
            self.snapshot_steps += 1;
            self.snapshot_secs += took.as_secs_f64();
        } else {
            self.plain_steps += 1;
            self.plain_secs += took.as_secs_f64();
        }
    }

    /// Mean step time without statistics, seconds.
    pub fn plain_step_secs(&self) -> Option<f64> {
        (self.plain_steps > 0).then(|| self.plain_secs / self.plain_steps as f64)
    }

    /// Mean step time with statistics, seconds.
    pub fn snapshot_step_secs(&self) -> Option<f64> {
        (self.snapshot_steps > 0).then(|| self.snapshot_secs / self.snapshot_steps as f64)
    }

    /// Share of the training time spent on the snapshots' extra work.
    pub fn overhead(&self) -> Option<f64> {
        let plain = self.plain_step_secs()?;
        let extra = (self.snapshot_step_secs()? - plain).max(0.0) * self.snapshot_steps as f64;
        let total = self.plain_secs + self.snapshot_secs;
        (total > 0.0).then(|| extra / total)
    }
}

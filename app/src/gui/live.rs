//! Accumulates one training run's progress for the live plots.

use std::sync::Arc;

use seqcast_engine::diag::Diagnosis;
use seqcast_engine::train::{self, DiagSnapshot, EpochRecord, Progress, StepStats};

/// Steps kept for the gradient plot; older ones are thinned to every other step.
const MAX_STEPS: usize = 20_000;
/// Gradient snapshots kept for the diagnostics view, thinned the same way.
const MAX_SNAPSHOTS: usize = 2_000;

/// Latest batch progress.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BatchStatus {
    /// 1-based epoch.
    pub epoch: usize,
    /// 1-based batch.
    pub batch: usize,
    /// Batches per epoch.
    pub batches: usize,
    /// Last batch loss.
    pub loss: f64,
    /// Throughput.
    pub windows_per_sec: f64,
    /// Training time so far.
    pub elapsed_secs: f64,
}

/// The validation forecast one step ahead, first target, in the data's units.
#[derive(Clone, Debug, PartialEq)]
pub struct ValForecast {
    /// Series row of each value.
    pub rows: Arc<Vec<usize>>,
    /// The forecasts.
    pub predicted: Arc<Vec<f64>>,
    /// Per interval level, this epoch's conformal radius of the one-step forecasts.
    pub radii: Vec<(f64, Option<f64>)>,
}

/// A training run as seen from the GUI.
#[derive(Clone, Debug, Default)]
pub struct LiveRun {
    /// Maximum epochs.
    pub epochs: usize,
    /// Batches per epoch.
    pub batches: usize,
    /// Windows per part.
    pub train_windows: usize,
    /// Validation windows.
    pub val_windows: usize,
    /// Trainable parameters.
    pub parameters: usize,
    /// The implementation the engine runs the model on (`None` before a run starts).
    pub path: Option<seqcast_engine::model::path::Path>,
    /// Finished epochs.
    pub history: Vec<EpochRecord>,
    /// Per-step gradient statistics.
    pub steps: Vec<StepStats>,
    /// Detailed gradient statistics every `diag_every` steps.
    pub snapshots: Vec<DiagSnapshot>,
    /// Latest batch.
    pub batch: BatchStatus,
    /// One-step-ahead validation forecast after the latest epoch.
    pub val_forecast: Option<ValForecast>,
    /// The doctor's alerts so far with their fixes (the engine's list, one per kind).
    pub alerts: Vec<Diagnosis>,
    /// Whether the engine is still training.
    pub running: bool,
    /// Settings changed while it trained (live or replayed), in step order.
    pub changes: Vec<seqcast_engine::config::Change>,
    /// Live changes the run refused since the app last looked, with the reason.
    pub refused: Vec<String>,
    /// A branch that continued from a checkpoint: the epoch it holds (the epochs up to
    /// it are the parent's).
    pub resumed_from: Option<usize>,
}

impl LiveRun {
    /// Folds one progress event in.
    pub fn update(&mut self, progress: Progress) {
        match progress {
            Progress::Started {
                epochs,
                batches,
                train_windows,
                val_windows,
                parameters,
                path,
            } => {
                *self = Self {
                    epochs,
                    batches,
                    train_windows,
                    val_windows,
                    parameters,
                    path: Some(path),
                    running: true,
                    ..Self::default()
                };
            }
            Progress::Batch {
                epoch,
                batch,
                batches,
                loss,
                windows_per_sec,
                elapsed_secs,
                steps,
            } => {
                self.batch = BatchStatus {
                    epoch,
                    batch,
                    batches,
                    loss,
                    windows_per_sec,
                    elapsed_secs,
                };
                self.steps.extend(steps);
                if self.steps.len() > MAX_STEPS {
                    // Thin the older half so memory stays bounded on long runs.
                    let keep_from = self.steps.len() / 2;
                    let (old, new) = self.steps.split_at(keep_from);
                    let mut thinned: Vec<StepStats> = old.iter().step_by(2).cloned().collect();
                    thinned.extend_from_slice(new);
                    self.steps = thinned;
                }
            }
            Progress::Epoch(record) => self.history.push(record),
            Progress::ValidationForecast {
                rows,
                predicted,
                radii,
                ..
            } => {
                self.val_forecast = Some(ValForecast {
                    rows,
                    predicted,
                    radii,
                });
            }
            Progress::Snapshot(snapshot) => {
                self.snapshots.push(*snapshot);
                if self.snapshots.len() > MAX_SNAPSHOTS {
                    // Keep every other one of the older half (snapshots hold per-step
                    // norms of every layer: bounded memory on long runs).
                    let keep_from = self.snapshots.len() / 2;
                    let newer = self.snapshots.split_off(keep_from);
                    let older = std::mem::take(&mut self.snapshots);
                    self.snapshots = older.into_iter().step_by(2).chain(newer).collect();
                }
            }
            Progress::Changed(change) => self.changes.push(change),
            Progress::Resumed { epoch, .. } => {
                self.resumed_from = Some(epoch);
                self.batch.epoch = epoch;
            }
            Progress::ChangeRefused { field, to, why } => self
                .refused
                .push(format!("Cannot set {} to {to}: {why}", field.name())),
            Progress::ValidationOutputs { .. } => {}
        }
    }

    /// Fraction of the maximum training done.
    pub fn fraction(&self) -> f64 {
        train::fraction_done(
            self.batch.epoch,
            self.batch.batch,
            self.batch.batches,
            self.epochs,
        )
    }

    /// Estimated seconds left if every epoch runs (early stopping may end sooner).
    pub fn eta_secs(&self) -> Option<f64> {
        train::eta_secs(self.batch.elapsed_secs, self.fraction())
    }
}

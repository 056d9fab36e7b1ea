//! The state of one training run and the two things the loop does with it: one
//! mini-batch ([`Trainer::step`]: forward and backward, the NaN guard, clipping, the
//! update, weight averaging, gradient snapshots and batch progress) and the end of an
//! epoch ([`Trainer::end_epoch`]: validation, the epoch record, the schedule, best
//! weights and early stopping). The loop is `run::train`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use burn::module::Module;
use burn::tensor::Device;

use super::checkpoint::{self, Keeper};
use super::epoch_stats::EpochStats;
use super::grads::{self, GradNorms};
use super::knobs::{Knobs, Next, Targets};
use super::predict::{point_mae, validate};
use super::schedule::LrSchedule;
use super::stats::{self, DiagSnapshot};
use super::step::{StepResult, forward_backward};
use super::{DiagCost, EpochRecord, Progress, StepStats, StopReason, TrainData, TrainOutcome};
use crate::config::{ClipKind, ModelConfig, Strategy, TrainConfig};
use crate::error::Result;
use crate::model::{Forecaster, ModelShape};
use crate::rng::Rng;

/// Per layer, per step gradient norms (`FastStep::time_norms`).
type StepNorms = Vec<Vec<f64>>;

/// Batch progress is reported at most this often.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

/// The weights validation judges and early stopping keeps: the average when on, else
/// the current weights (as a plain-device model).
fn judged_weights(
    average: Option<&super::average::WeightAverage>,
    model: &Forecaster,
) -> Forecaster {
    match average {
        Some(avg) => avg.model(&model.valid()),
        None => model.valid(),
    }
}

/// One run's model, optimiser and bookkeeping.
pub(super) struct Trainer<'a> {
    pub(super) config: &'a TrainConfig,
    pub(super) data: &'a TrainData<'a>,
    pub(super) model: Forecaster,
    pub(super) optimizer: burn::optim::ModuleOptimizer,
    pub(super) schedule: LrSchedule,
    pub(super) shuffle_rng: Rng,
    pub(super) dropout_rng: Rng,
    /// A seq2seq run's teacher forcing and the stream its masks are drawn from.
    pub(super) teacher: Option<(crate::config::TeacherForcing, Rng)>,
    pub(super) batches: usize,
    pub(super) history: Vec<EpochRecord>,
    pub(super) best: Option<(f64, usize, Forecaster)>,
    /// Whether the skip started from a forecast (fitted or a baseline's map) rather
    /// than at zero: only then is the start a forecaster worth judging.
    pub(super) start_forecasts: bool,
    /// The starting weights' validation error and the weights, when the start already
    /// forecasts ([`Trainer::judge_start`]).
    pub(super) start: Option<(f64, Forecaster)>,
    pub(super) since_best: usize,
    pub(super) train_time: Duration,
    pub(super) windows_done: usize,
    pub(super) last_progress: Instant,
    pub(super) stop: StopReason,
    /// Weights that last produced a finite loss and gradient (tensor clones are cheap:
    /// the optimiser writes new tensors, so this snapshot stays valid).
    pub(super) last_good: Forecaster,
    /// Steps taken.
    pub(super) step: usize,
    pub(super) pending_steps: Vec<StepStats>,
    pub(super) last_finite: LastFinite,
    pub(super) cost: DiagCost,
    pub(super) average: Option<super::average::WeightAverage>,
    /// Live changes: the settings they reach, the script, what was applied.
    pub(super) knobs: Knobs,
    /// The checkpoints kept (none when the run keeps none).
    pub(super) keeper: Option<Keeper>,
    /// What happened to checkpoints: a resume, a refused one, a failure to keep them.
    pub(super) notes: Vec<String>,
    pub(super) resumed_from: Option<usize>,
}

impl<'a> Trainer<'a> {
    /// A fresh model (with the skip's start) and optimiser, seeded by `config.seed`.
    pub(super) fn new(
        model_config: &ModelConfig,
        config: &'a TrainConfig,
        data: &'a TrainData<'a>,
        device: &Device,
    ) -> Self {
        let mut rng = Rng::new(config.seed);
        let shuffle_rng = rng.fork();
        let dropout_rng = rng.fork();
        // Only a seq2seq run draws teacher masks (forked only then: the other
        // strategies' random streams stay as they were).
        let teacher = (model_config.strategy == Strategy::Seq2seq)
            .then(|| (config.teacher_forcing, rng.fork()));
        let shape = ModelShape {
            features: data.features,
            lookback: data.lookback,
            horizon: data.horizon,
            targets: data.targets,
            quantiles: config.loss.quantiles().copied(),
            known: data.known.columns.len(),
        };
        let mut model = Forecaster::new(model_config, shape, &mut rng, device);
        let mut start_forecasts = false;
        if model.skip_w.is_some()
            && let Some((_, w)) = super::skip_init::initial_skip(model_config.skip_init, data)
        {
            super::skip_init::start_from(&mut model, w, device);
            start_forecasts = true;
        }
        Self {
            config,
            data,
            last_good: model.clone(),
            model,
            optimizer: super::optim::build(config),
            schedule: LrSchedule::new(config.schedule, config.lr, config.epochs),
            shuffle_rng,
            dropout_rng,
            teacher,
            batches: data.train.len().div_ceil(config.batch),
            history: Vec::new(),
            best: None,
            since_best: 0,
            train_time: Duration::ZERO,
            windows_done: 0,
            last_progress: Instant::now(),
            stop: StopReason::Completed,
            step: 0,
            pending_steps: Vec::new(),
            last_finite: LastFinite::default(),
            cost: DiagCost::default(),
            average: (config.weight_average > 0.0)
                .then(|| super::average::WeightAverage::new(config.weight_average)),
            knobs: Knobs::new(config),
            keeper: Keeper::new(config, || checkpoint::key(model_config, config, data)),
            notes: Vec::new(),
            resumed_from: None,
            start_forecasts,
            start: None,
        }
    }

    /// Trains on the windows at `chunk` with learning rate `lr`; `Some` stops the run
    /// (a non-finite loss, gradient or weight: the weights of the last good step stay).
    pub(super) fn step(
        &mut self,
        at: StepPlace,
        chunk: &[usize],
        lr: f64,
        stats: &mut EpochStats,
        report: &mut dyn FnMut(Progress),
    ) -> Result<Option<StopReason>> {
        let config = self.config;
        let step_start = Instant::now();
        let snapshot_step =
            config.diag_every > 0 && (self.step + 1).is_multiple_of(config.diag_every);
        let teacher = self.teacher_mask(at.epoch, chunk.len());
        let (pass, windows) = if config.unroll && self.data.rollout > 0 {
            super::step::forward_backward_unrolled(
                &self.model,
                (self.data, chunk),
                config.loss,
                Some(&mut self.dropout_rng),
                snapshot_step,
            )?
        } else {
            let pass = forward_backward(
                &self.model,
                (self.data, chunk),
                &teacher,
                config.loss,
                Some(&mut self.dropout_rng),
                snapshot_step,
            )?;
            (pass, chunk.len())
        };
        let StepResult {
            loss: loss_value,
            mut grads,
            time_norms,
            decoder_norms,
            ..
        } = pass;
        if !loss_value.is_finite() {
            return Ok(Some(at.non_finite("training loss".into(), None)));
        }
        let norms = GradNorms::measure(&self.model, &grads);
        if let Some(name) = norms.first_non_finite() {
            let what = format!("gradient of {name}");
            return Ok(Some(at.non_finite(what, Some(name.to_string()))));
        }
        let raw_grads = snapshot_step.then(|| stats::grad_values(&self.model, &grads));
        let clip = self.knobs.live.clip;
        let clipped = grads::clip(&self.model, &mut grads, &norms, clip);
        let clipped_norm = match clip {
            ClipKind::Norm { max } if clipped => max,
            // Value clipping changes the norm by an amount only a new measure tells.
            ClipKind::Value { .. } if clipped => GradNorms::measure(&self.model, &grads).global(),
            _ => norms.global(),
        };
        self.step += 1;
        let step_stats = StepStats {
            step: self.step,
            loss: loss_value,
            grad_norm: norms.global(),
            grad_norm_clipped: clipped_norm,
            layers: norms.per_layer(),
            lr,
        };
        stats.add_step(&step_stats, clipped, windows);
        self.pending_steps.push(step_stats);
        self.last_good = self.model.clone();
        self.model = self.optimizer.step(lr, self.model.clone(), grads);
        if let Some(name) = stats::first_non_finite_weight(&self.model) {
            let what = format!("weights of {name} after the update");
            return Ok(Some(at.non_finite(what, Some(name))));
        }
        if let Some(avg) = self.average.as_mut() {
            avg.update(&self.model);
        }
        self.last_finite = LastFinite {
            loss: Some(loss_value),
            grad_norm: Some(norms.global()),
        };
        if let Some(raw) = raw_grads {
            let norms = (norms.global(), clipped_norm);
            let time = (time_norms, decoder_norms);
            self.snapshot(at.epoch, &raw, norms, time, stats, report);
        }
        self.cost.add(snapshot_step, step_start.elapsed());
        self.train_time += step_start.elapsed();
        self.windows_done += windows;
        if self.last_progress.elapsed() >= PROGRESS_INTERVAL {
            self.last_progress = Instant::now();
            report(Progress::Batch {
                epoch: at.epoch,
                batch: at.batch,
                batches: self.batches,
                loss: loss_value,
                windows_per_sec: self.windows_per_sec(),
                elapsed_secs: self.train_time.as_secs_f64(),
                steps: std::mem::take(&mut self.pending_steps),
            });
        }
        Ok(None)
    }

    /// Reports the steps taken since the last batch progress (rate-limited, so the last
    /// ones of a run would otherwise never reach the live plots), as of `epoch`.
    pub(super) fn flush_steps(&mut self, epoch: usize, report: &mut dyn FnMut(Progress)) {
        if self.pending_steps.is_empty() {
            return;
        }
        self.last_progress = Instant::now();
        report(Progress::Batch {
            epoch,
            batch: self.batches,
            batches: self.batches,
            loss: self.last_finite.loss.unwrap_or(f64::NAN),
            windows_per_sec: self.windows_per_sec(),
            elapsed_secs: self.train_time.as_secs_f64(),
            steps: std::mem::take(&mut self.pending_steps),
        });
    }

    /// The detailed gradient statistics of the step just taken (every `diag_every`
    /// steps): per parameter, per gate and per time step, and how far back in the
    /// window the gradient still reaches.
    fn snapshot(
        &self,
        epoch: usize,
        raw: &[(String, Vec<f32>)],
        (grad_norm, grad_norm_clipped): (f64, f64),
        (time_norms, decoder_norms): (Option<StepNorms>, Option<StepNorms>),
        stats: &mut EpochStats,
        report: &mut dyn FnMut(Progress),
    ) {
        let snapshot = DiagSnapshot {
            epoch,
            step: self.step,
            grad_norm,
            grad_norm_clipped,
            params: stats::param_stats(
                raw,
                &stats::param_values(&self.last_good),
                &stats::param_values(&self.model),
            ),
            gates: stats::gate_stats(&self.model, raw),
            time_norms: time_norms.unwrap_or_default(),
            decoder_time_norms: decoder_norms.unwrap_or_default(),
        };
        if let (Some((early, late)), Some(reach)) =
            (snapshot.early_late(), snapshot.reach(grads::VANISHING_NORM))
        {
            stats.time_grad = Some(super::TimeGrad {
                early,
                late,
                reach,
                lookback: self.model.recurrent_len(self.data.lookback),
            });
        }
        report(Progress::Snapshot(Box::new(snapshot)));
    }

    /// Validates the starting weights of a run whose start already forecasts (a
    /// linear skip fitted or set to a baseline): its point forecasts' mean absolute
    /// error (NaN without validation windows). Training and early stopping go on as
    /// without it; [`settle_start`](Self::settle_start) compares it with the best
    /// trained epoch.
    pub(super) fn judge_start(&mut self) -> Result<()> {
        if !self.start_forecasts {
            return Ok(());
        }
        let mut start = judged_weights(None, &self.model);
        // A quantile model's levels all start at the skip's forecast: judged with the
        // spread of its errors instead, as a forecaster of those levels would be.
        if let Some(levels) = self.config.loss.quantiles()
            && let Some(bias) =
                super::skip_init::error_quantiles(&start, self.data, levels.as_slice())
        {
            super::skip_init::set_head_bias(&mut start, bias, &crate::model::cpu_device());
        }
        let error = if self.data.val.is_empty() {
            f64::NAN
        } else {
            point_mae(&start, self.data, self.data.val)?
        };
        self.start = Some((error, start));
        Ok(())
    }

    /// Keeps the start instead of the best trained epoch when the start's point
    /// forecasts are at least as good on validation (mean absolute error: what the
    /// product forecast is judged by); the best epoch is then 0. Epochs are chosen
    /// among themselves by the training loss, which for a quantile model also scores
    /// the bands, so the start is compared by its forecasts alone. A run of zero epochs
    /// (the refit of a run that kept its start) ends with the start.
    pub(super) fn settle_start(&mut self) -> Result<()> {
        let keep = match (&self.start, &self.best) {
            // No epoch ran (a fixed fit of zero epochs: the refit of a run that kept its
            // start): the start is the outcome.
            (Some(_), None) => self.history.is_empty(),
            (Some((error, _)), Some((_, _, trained))) => {
                error.is_finite() && *error <= point_mae(trained, self.data, self.data.val)?
            }
            _ => false,
        };
        if keep && let Some((error, start)) = self.start.take() {
            self.best = Some((error, 0, start));
        }
        Ok(())
    }

    /// Validates the judged weights, records the epoch, keeps the best weights and
    /// applies early stopping; `Some` stops the run.
    pub(super) fn end_epoch(
        &mut self,
        epoch: usize,
        lr: f64,
        stats: EpochStats,
        started: Instant,
        report: &mut dyn FnMut(Progress),
    ) -> Result<Option<StopReason>> {
        let data = self.data;
        let judged = judged_weights(self.average.as_ref(), &self.model);
        let val_loss = if data.val.is_empty() {
            None
        } else {
            let (loss, outputs) = validate(&judged, data, data.val, self.config.loss)?;
            report(Progress::ValidationOutputs {
                epoch,
                outputs: Arc::new(outputs),
            });
            Some(loss)
        };
        let mut record = stats.finish(epoch, lr, val_loss, started.elapsed());
        record.teacher_forcing = self.teacher_ratio(epoch);
        let selection = val_loss.unwrap_or(record.train_loss);
        if !selection.is_finite() {
            self.history.push(record);
            return Ok(Some(StopReason::NonFinite {
                epoch,
                batch: self.batches,
                step: self.step,
                what: "validation loss".into(),
                param: None,
                last_loss: self.last_finite.loss,
                last_grad_norm: self.last_finite.grad_norm,
            }));
        }
        self.schedule.observe(selection);
        report(Progress::Epoch(record.clone()));
        self.history.push(record);
        if self
            .best
            .as_ref()
            .is_none_or(|(loss, _, _)| selection < *loss)
        {
            self.best = Some((selection, epoch, judged));
            self.since_best = 0;
        } else {
            self.since_best += 1;
            if self.knobs.live.patience > 0 && self.since_best >= self.knobs.live.patience {
                return Ok(Some(StopReason::EarlyStopped { epoch }));
            }
        }
        Ok(None)
    }

    /// Applies the changes due before the next step (scripted, then requested through
    /// `control`); true when anything changed.
    pub(super) fn apply_changes(
        &mut self,
        next: Next,
        control: &super::Control,
        report: &mut dyn FnMut(Progress),
    ) -> bool {
        let targets = Targets {
            config: self.config,
            schedule: &mut self.schedule,
            optimizer: &mut self.optimizer,
            model: &mut self.model,
            teacher: self.teacher.as_mut().map(|(tf, _)| tf),
            batches: self.batches,
        };
        self.knobs
            .apply((self.step + 1, next), targets, control, report)
    }

    /// A seq2seq run's teacher-forcing ratio at the 1-based `epoch`.
    fn teacher_ratio(&self, epoch: usize) -> Option<f64> {
        let (tf, _) = self.teacher.as_ref()?;
        Some(tf.ratio(epoch.saturating_sub(1), self.config.epochs))
    }

    /// A seq2seq run's teacher mask for a batch of `rows` windows at the 1-based
    /// `epoch` (empty for the other strategies).
    fn teacher_mask(&mut self, epoch: usize, rows: usize) -> Vec<u8> {
        let Some(ratio) = self.teacher_ratio(epoch) else {
            return Vec::new();
        };
        let horizon = self.data.horizon;
        match self.teacher.as_mut() {
            Some((_, rng)) => crate::model::seq2seq::draw_mask(rng, rows, horizon, ratio),
            None => Vec::new(),
        }
    }

    fn windows_per_sec(&self) -> f64 {
        self.windows_done as f64 / self.train_time.as_secs_f64().max(1e-9)
    }

    /// The outcome: the best weights, or when no epoch finished, the last good ones
    /// after a NaN and the current ones after a cancel.
    pub(super) fn finish(self) -> TrainOutcome {
        let (best_epoch, model) = match self.best {
            Some((_, epoch, m)) => (Some(epoch), m),
            None if matches!(self.stop, StopReason::NonFinite { .. }) => {
                (None, self.last_good.valid())
            }
            None => (None, judged_weights(self.average.as_ref(), &self.model)),
        };
        let windows_per_sec = self.windows_done as f64 / self.train_time.as_secs_f64().max(1e-9);
        let mut notes = self.notes;
        let checkpoints = match self.keeper {
            Some(keeper) => keeper
                .encode(&self.history, &self.knobs.changes, self.config.epochs)
                .unwrap_or_else(|e| {
                    notes.push(format!("no checkpoints were kept: {e}"));
                    Vec::new()
                }),
            None => Vec::new(),
        };
        TrainOutcome {
            checkpoints,
            notes,
            resumed_from: self.resumed_from,
            model,
            history: self.history,
            best_epoch,
            stop: self.stop,
            elapsed_secs: self.train_time.as_secs_f64(),
            windows_per_sec,
            diag_cost: self.cost,
            changes: self.knobs.changes,
        }
    }
}

/// The last loss and gradient norm that were finite, reported with a NaN stop.
#[derive(Clone, Copy, Default)]
pub(super) struct LastFinite {
    pub(super) loss: Option<f64>,
    pub(super) grad_norm: Option<f64>,
}

/// Where a step is, to report a NaN stop there.
#[derive(Clone, Copy)]
pub(super) struct StepPlace {
    pub(super) epoch: usize,
    pub(super) batch: usize,
    pub(super) step: usize,
    pub(super) last: LastFinite,
}

impl StepPlace {
    fn non_finite(self, what: String, param: Option<String>) -> StopReason {
        StopReason::NonFinite {
            epoch: self.epoch,
            batch: self.batch,
            step: self.step,
            what,
            param,
            last_loss: self.last.loss,
            last_grad_norm: self.last.grad_norm,
        }
    }
}

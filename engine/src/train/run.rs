//! The training loop: shuffled mini-batches, global-norm clipping, schedule, early
//! stopping with best-weight restore, NaN guard, cancel/pause between batches.

use std::sync::Arc;
use std::time::{Duration, Instant};

use burn::module::Module;
use burn::tensor::{Device, Tensor};

use super::grads::{self, GradNorms};
use super::schedule::LrSchedule;
use super::stats::{self, DiagSnapshot};
use super::step::{StepResult, forward_backward};
use super::{
    Control, DiagCost, EpochRecord, Progress, StepStats, StopReason, TrainData, TrainOutcome,
};
use crate::config::{ClipKind, LossKind, ModelConfig, TrainConfig};
use crate::error::{EngineError, Result};
use crate::model::{Forecaster, ModelShape, fast};
use crate::rng::Rng;

/// Batch progress is reported at most this often.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);
/// Windows per forward pass when predicting (no gradients, so larger batches are cheap).
const PREDICT_BATCH: usize = 512;

/// Trains a fresh model on `data`. `report` receives progress; returning the outcome
/// even when cancelled or stopped by a NaN (with the best weights seen so far).
pub fn train(
    model_config: &ModelConfig,
    config: &TrainConfig,
    data: &TrainData<'_>,
    control: &Control,
    report: &mut dyn FnMut(Progress),
) -> Result<TrainOutcome> {
    if data.train.is_empty() {
        return Err(EngineError::TooShort(
            "there are no training windows: the training part is shorter than lookback + horizon"
                .into(),
        ));
    }
    let device = crate::model::cpu_device().autodiff();
    sweep_autodiff_graphs(&device);
    let mut rng = Rng::new(config.seed);
    let mut shuffle_rng = rng.fork();
    let mut dropout_rng = rng.fork();
    let shape = ModelShape {
        features: data.features,
        lookback: data.lookback,
        horizon: data.horizon,
        targets: data.targets,
    };
    let mut model = Forecaster::new(model_config, shape, &mut rng, &device);
    if model.skip_w.is_some()
        && let Some((_, w)) = super::skip_init::initial_skip(model_config.skip_init, data)
    {
        super::skip_init::start_from(&mut model, w, &device);
    }
    let mut optimizer = super::optim::build(config);
    let mut schedule = LrSchedule::new(config.schedule, config.lr, config.epochs);
    let batches = data.train.len().div_ceil(config.batch);
    report(Progress::Started {
        epochs: config.epochs,
        batches,
        train_windows: data.train.len(),
        val_windows: data.val.len(),
        parameters: model.num_params(),
        path: crate::model::path::Path::of(&model),
    });

    let mut order: Vec<usize> = data.train.to_vec();
    let mut history = Vec::new();
    let mut best: Option<(f64, usize, Forecaster)> = None;
    let mut since_best = 0usize;
    let mut train_time = Duration::ZERO;
    let mut windows_done = 0usize;
    let mut last_progress = Instant::now();
    let mut stop = StopReason::Completed;
    // Weights that last produced a finite loss and gradient (tensor clones are cheap:
    // the optimiser writes new tensors, so this snapshot stays valid).
    let mut last_good = model.clone();
    let mut step = 0usize;
    let mut pending_steps: Vec<StepStats> = Vec::new();
    let mut last_finite = LastFinite::default();
    let mut cost = DiagCost::default();
    let mut average = (config.weight_average > 0.0)
        .then(|| super::average::WeightAverage::new(config.weight_average));

    'epochs: for epoch in 1..=config.epochs {
        let epoch_start = Instant::now();
        let lr = schedule.lr(epoch - 1);
        shuffle_rng.shuffle(&mut order);
        let mut stats = EpochStats::default();
        for (b, chunk) in order.chunks(config.batch).enumerate() {
            if !control.wait_while_paused() {
                stop = StopReason::Cancelled;
                break 'epochs;
            }
            let step_start = Instant::now();
            let snapshot_step =
                config.diag_every > 0 && (step + 1).is_multiple_of(config.diag_every);
            let StepResult {
                loss: loss_value,
                mut grads,
                time_norms,
                ..
            } = forward_backward(
                &model,
                data,
                chunk,
                config.loss,
                Some(&mut dropout_rng),
                snapshot_step,
            )?;
            let at = StepPlace {
                epoch,
                batch: b + 1,
                step: step + 1,
                last: last_finite,
            };
            if !loss_value.is_finite() {
                stop = at.non_finite("training loss".into(), None);
                break 'epochs;
            }
            let norms = GradNorms::measure(&model, &grads);
            if let Some(name) = norms.first_non_finite() {
                stop = at.non_finite(format!("gradient of {name}"), Some(name.to_string()));
                break 'epochs;
            }
            let raw_grads = snapshot_step.then(|| stats::grad_values(&model, &grads));
            let clipped = grads::clip(&model, &mut grads, &norms, config.clip);
            let clipped_norm = match config.clip {
                ClipKind::Norm { max } if clipped => max,
                // Value clipping changes the norm by an amount only a new measure tells.
                ClipKind::Value { .. } if clipped => GradNorms::measure(&model, &grads).global(),
                _ => norms.global(),
            };
            step += 1;
            let step_stats = StepStats {
                step,
                loss: loss_value,
                grad_norm: norms.global(),
                grad_norm_clipped: clipped_norm,
                layers: norms.per_layer(),
            };
            stats.add_step(&step_stats, clipped, chunk.len());
            pending_steps.push(step_stats);
            last_good = model.clone();
            model = optimizer.step(lr, model, grads);
            if let Some(name) = stats::first_non_finite_weight(&model) {
                stop = at.non_finite(format!("weights of {name} after the update"), Some(name));
                break 'epochs;
            }
            if let Some(avg) = average.as_mut() {
                avg.update(&model);
            }
            last_finite = LastFinite {
                loss: Some(loss_value),
                grad_norm: Some(norms.global()),
            };
            if let Some(raw) = raw_grads {
                let snapshot = DiagSnapshot {
                    epoch,
                    step,
                    grad_norm: norms.global(),
                    grad_norm_clipped: clipped_norm,
                    params: stats::param_stats(
                        &raw,
                        &stats::param_values(&last_good),
                        &stats::param_values(&model),
                    ),
                    gates: stats::gate_stats(&model, &raw),
                    time_norms: time_norms.unwrap_or_default(),
                };
                if let (Some((early, late)), Some(reach)) = (
                    snapshot.early_late(),
                    snapshot.reach(super::grads::VANISHING_NORM),
                ) {
                    stats.time_grad = Some(super::TimeGrad {
                        early,
                        late,
                        reach,
                        lookback: model.recurrent_len(data.lookback),
                    });
                }
                report(Progress::Snapshot(Box::new(snapshot)));
            }
            cost.add(snapshot_step, step_start.elapsed());
            train_time += step_start.elapsed();
            windows_done += chunk.len();
            if last_progress.elapsed() >= PROGRESS_INTERVAL {
                last_progress = Instant::now();
                report(Progress::Batch {
                    epoch,
                    batch: b + 1,
                    batches,
                    loss: loss_value,
                    windows_per_sec: windows_done as f64 / train_time.as_secs_f64().max(1e-9),
                    elapsed_secs: train_time.as_secs_f64(),
                    steps: std::mem::take(&mut pending_steps),
                });
            }
        }

        let judged = judged_weights(average.as_ref(), &model);
        let val_loss = if data.val.is_empty() {
            None
        } else {
            let (loss, outputs) = validate(&judged, data, data.val, config.loss)?;
            report(Progress::ValidationOutputs {
                epoch,
                outputs: Arc::new(outputs),
            });
            Some(loss)
        };
        let record = stats.finish(epoch, lr, val_loss, epoch_start.elapsed());
        let selection = val_loss.unwrap_or(record.train_loss);
        if !selection.is_finite() {
            history.push(record);
            stop = StopReason::NonFinite {
                epoch,
                batch: batches,
                step,
                what: "validation loss".into(),
                param: None,
                last_loss: last_finite.loss,
                last_grad_norm: last_finite.grad_norm,
            };
            break;
        }
        schedule.observe(selection);
        report(Progress::Epoch(record.clone()));
        history.push(record);
        if best.as_ref().is_none_or(|(loss, _, _)| selection < *loss) {
            best = Some((selection, epoch, judged));
            since_best = 0;
        } else {
            since_best += 1;
            if config.patience > 0 && since_best >= config.patience {
                stop = StopReason::EarlyStopped { epoch };
                break;
            }
        }
    }

    let (best_epoch, model) = match best {
        Some((_, epoch, m)) => (Some(epoch), m),
        // No epoch finished: after a NaN keep the last weights with a finite loss;
        // after a cancel the current weights are fine.
        None if matches!(stop, StopReason::NonFinite { .. }) => (None, last_good.valid()),
        None => (None, judged_weights(average.as_ref(), &model)),
    };
    let secs = train_time.as_secs_f64();
    Ok(TrainOutcome {
        model,
        history,
        best_epoch,
        stop,
        elapsed_secs: secs,
        windows_per_sec: windows_done as f64 / secs.max(1e-9),
        diag_cost: cost,
    })
}

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

/// The last loss and gradient norm that were finite, reported with a NaN stop.
#[derive(Clone, Copy, Default)]
struct LastFinite {
    loss: Option<f64>,
    grad_norm: Option<f64>,
}

/// Where a step is, to report a NaN stop there.
#[derive(Clone, Copy)]
struct StepPlace {
    epoch: usize,
    batch: usize,
    step: usize,
    last: LastFinite,
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

/// Accumulates one epoch's step statistics.
#[derive(Default)]
struct EpochStats {
    loss_sum: f64,
    windows: usize,
    steps: usize,
    clipped: usize,
    norm_sum: f64,
    norm_max: f64,
    clipped_norm_sum: f64,
    layers: Vec<(String, f64)>,
    time_grad: Option<super::TimeGrad>,
}

impl EpochStats {
    fn add_step(&mut self, step: &StepStats, clipped: bool, n: usize) {
        self.loss_sum += step.loss * n as f64;
        self.windows += n;
        self.steps += 1;
        self.norm_sum += step.grad_norm;
        self.norm_max = self.norm_max.max(step.grad_norm);
        self.clipped += usize::from(clipped);
        self.clipped_norm_sum += step.grad_norm_clipped;
        for (name, value) in &step.layers {
            match self.layers.iter_mut().find(|(n, _)| n == name) {
                Some((_, sum)) => *sum += value,
                None => self.layers.push((name.clone(), *value)),
            }
        }
    }

    fn finish(self, epoch: usize, lr: f64, val_loss: Option<f64>, took: Duration) -> EpochRecord {
        let steps = self.steps.max(1) as f64;
        EpochRecord {
            epoch,
            train_loss: self.loss_sum / self.windows.max(1) as f64,
            val_loss,
            lr,
            grad_norm: self.norm_sum / steps,
            grad_norm_max: self.norm_max,
            grad_norm_clipped: self.clipped_norm_sum / steps,
            clip_rate: self.clipped as f64 / steps,
            layer_grad_norms: self
                .layers
                .into_iter()
                .map(|(n, s)| (n, s / steps))
                .collect(),
            duration_secs: took.as_secs_f64(),
            time_grad: self.time_grad,
            check: None,
        }
    }
}

/// Frees the autodiff graphs of earlier runs. burn records the graph of every tracked
/// tensor (the model's parameters, each optimiser update) in a process-wide registry
/// and sweeps orphaned graphs only during a `backward()`; the fast path computes
/// gradients by hand and never calls it, so each run left its graphs behind (about
/// 300 KB a run, without bound: 120 MB after 400 runs). One tiny backward sweeps them:
/// the earlier runs' tensors are all dropped by now.
fn sweep_autodiff_graphs(device: &Device) {
    let x = Tensor::<1>::zeros([1], device).require_grad();
    let _ = x.sum().backward();
}

/// Mean loss of a plain-device model over `origins`, and its outputs.
fn validate(
    model: &Forecaster,
    data: &TrainData<'_>,
    origins: &[usize],
    kind: LossKind,
) -> Result<(f64, Vec<f32>)> {
    let mut sum = 0.0;
    let mut outputs = Vec::with_capacity(origins.len() * data.horizon * data.targets);
    for chunk in origins.chunks(PREDICT_BATCH) {
        let (x, y, levels) = data.gather_with_levels(chunk);
        let mut out = forward_windows(model, data, x, chunk.len())?;
        // Relative to the window's level on both sides: the same loss as in the
        // user's (scaled) units.
        sum += fast::mean_loss(kind, &out, &y) * chunk.len() as f64;
        data.restore(&mut out, levels.as_deref());
        outputs.extend(out);
    }
    Ok((sum / origins.len().max(1) as f64, outputs))
}

/// Model-space predictions for the windows at `origins`: row-major
/// `[windows × horizon × targets]`.
pub fn predict_windows(
    model: &Forecaster,
    data: &TrainData<'_>,
    origins: &[usize],
) -> Result<Vec<f32>> {
    let mut out = Vec::with_capacity(origins.len() * data.horizon * data.targets);
    for chunk in origins.chunks(PREDICT_BATCH) {
        let (x, levels) = data.inputs(chunk);
        let mut values = forward_windows(model, data, x, chunk.len())?;
        data.restore(&mut values, levels.as_deref());
        out.extend(values);
    }
    Ok(out)
}

/// The model's outputs (before the window level is added back) for the gathered
/// inputs `x: [n, lookback, features]`, on the path the model runs on.
fn forward_windows(
    model: &Forecaster,
    data: &TrainData<'_>,
    x: Vec<f32>,
    n: usize,
) -> Result<Vec<f32>> {
    crate::model::path::predict(model, x, n, data.lookback, data.features)
}

//! Tools from the playbook's "loss does not fall" checklist: overfit one small batch
//! (a model that cannot is wrong, or its lr is), and the learning-rate range test
//! (raise the lr exponentially over a short run and read the loss against it).

use serde::{Deserialize, Serialize};

use crate::config::{ClipKind, LossKind, ModelConfig, TrainConfig};
use crate::error::{EngineError, Result};
use crate::model::{Forecaster, ModelShape};
use crate::rng::Rng;
use crate::train::grads::{self, GradNorms};
use crate::train::{Control, TrainData, forward_backward, optim};

/// Windows in the batch the overfit test learns by heart.
pub const OVERFIT_BATCH: usize = 16;
/// Optimisation steps the overfit test may take.
pub const OVERFIT_STEPS: usize = 2000;
/// Typical error (scaled units) below which the batch counts as learned by heart: the
/// loss must fall below the training loss's value at this error ([`overfit_target`]),
/// 1e-3 for MSE (√1e-3).
pub const OVERFIT_ERROR: f64 = 0.031_622_776_601_683_79;

/// The loss below which the overfit test counts a batch as learned by heart: `loss` at
/// an error of [`OVERFIT_ERROR`] in every forecast (1e-3 for MSE, 0.0316 for MAE, 0.0158
/// for the pinball loss).
pub fn overfit_target(loss: &LossKind) -> f64 {
    loss.at_error(OVERFIT_ERROR)
}
/// Learning rate of the overfit test (Adam; high enough to memorise quickly).
pub const OVERFIT_LR: f64 = 1e-2;

/// Result of overfitting one batch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OverfitReport {
    /// Windows in the batch.
    pub windows: usize,
    /// Loss after every step.
    pub losses: Vec<f64>,
    /// The loss to reach ([`overfit_target`] of the run's loss).
    pub target: f64,
    /// Whether the loss reached `target`.
    pub reached: bool,
    /// Whether the user cancelled.
    pub cancelled: bool,
}

impl OverfitReport {
    /// The last loss.
    pub fn final_loss(&self) -> f64 {
        self.losses.last().copied().unwrap_or(f64::NAN)
    }

    /// One line for people.
    pub fn describe(&self) -> String {
        let first = self.losses.first().copied().unwrap_or(f64::NAN);
        if self.reached {
            format!(
                "overfit one batch: loss {first:.3e} -> {:.3e} in {} steps on {} windows: \
                 the model and the data pipeline can learn",
                self.final_loss(),
                self.losses.len(),
                self.windows
            )
        } else {
            format!(
                "overfit one batch: loss {first:.3e} -> {:.3e} after {} steps on {} windows, \
                 not below {:.1e}: the model is too small or constrained, or the \
                 inputs do not determine the targets (check the target column and scaling)",
                self.final_loss(),
                self.losses.len(),
                self.windows,
                self.target
            )
        }
    }
}

/// Trains a fresh model of `model_config` on the first [`OVERFIT_BATCH`] training
/// windows only, without dropout or weight decay, with Adam at [`OVERFIT_LR`] and
/// clipping at norm 1, until the loss falls below [`overfit_target`] or
/// [`OVERFIT_STEPS`] steps ran.
pub fn overfit_batch(
    model_config: &ModelConfig,
    config: &TrainConfig,
    data: &TrainData<'_>,
    control: &Control,
) -> Result<OverfitReport> {
    let batch: Vec<usize> = data.train.iter().copied().take(OVERFIT_BATCH).collect();
    if batch.is_empty() {
        return Err(no_windows());
    }
    let model_config = ModelConfig {
        dropout: 0.0,
        ..model_config.clone()
    };
    let train = TrainConfig {
        optimizer: crate::config::OptimizerKind::Adam,
        weight_decay: 0.0,
        ..config.clone()
    };
    let mut rng = Rng::new(config.seed);
    let mut model = fresh(&model_config, &train, data, &mut rng)?;
    let mut optimizer = optim::build(&train);
    let target = overfit_target(&config.loss);
    let mut losses = Vec::new();
    let mut cancelled = false;
    for _ in 0..OVERFIT_STEPS {
        if control.is_cancelled() {
            cancelled = true;
            break;
        }
        let pass = forward_backward(&model, (data, &batch), &[], config.loss, None, false)?;
        losses.push(pass.loss);
        if !pass.loss.is_finite() || pass.loss < target {
            break;
        }
        let mut g = pass.grads;
        let norms = GradNorms::measure(&model, &g);
        grads::clip(&model, &mut g, &norms, ClipKind::Norm { max: 1.0 });
        model = optimizer.step(OVERFIT_LR, model, g);
    }
    let reached = losses.last().is_some_and(|l| *l < target);
    Ok(OverfitReport {
        windows: batch.len(),
        losses,
        target,
        reached,
        cancelled,
    })
}

/// Lowest learning rate of the range test.
pub const LR_MIN: f64 = 1e-6;
/// Highest learning rate of the range test.
pub const LR_MAX: f64 = 1.0;
/// Steps of the range test.
pub const LR_STEPS: usize = 100;

/// Result of the learning-rate range test.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LrRangeReport {
    /// Learning rate of every step.
    pub lrs: Vec<f64>,
    /// Loss of every step.
    pub losses: Vec<f64>,
    /// Exponentially smoothed (bias-corrected) loss of every step.
    pub smoothed: Vec<f64>,
    /// Learning rate at the lowest smoothed loss.
    pub min_loss_lr: Option<f64>,
    /// Suggested learning rate: a tenth of the lr at the lowest smoothed loss, where the
    /// loss still falls steadily.
    pub suggested: Option<f64>,
    /// Whether the run stopped early because the loss diverged.
    pub diverged: bool,
    /// Whether the user cancelled.
    pub cancelled: bool,
}

impl LrRangeReport {
    /// One line for people.
    pub fn describe(&self) -> String {
        match (self.suggested, self.min_loss_lr) {
            (Some(s), Some(m)) => format!(
                "learning-rate range test: lowest loss at lr {m:.1e}; suggested lr {s:.1e} \
                 ({} steps{})",
                self.lrs.len(),
                if self.diverged {
                    ", stopped once the loss diverged"
                } else {
                    ""
                }
            ),
            _ => "learning-rate range test: the loss never fell; check the data and try \
                  overfitting one batch"
                .into(),
        }
    }
}

/// Trains a fresh model with the user's optimiser and clipping while the learning rate
/// rises exponentially from [`LR_MIN`] to [`LR_MAX`] over [`LR_STEPS`] batches, and
/// stops once the smoothed loss exceeds four times its minimum.
pub fn lr_range_test(
    model_config: &ModelConfig,
    config: &TrainConfig,
    data: &TrainData<'_>,
    control: &Control,
) -> Result<LrRangeReport> {
    if data.train.is_empty() {
        return Err(no_windows());
    }
    let mut rng = Rng::new(config.seed);
    let mut model = fresh(model_config, config, data, &mut rng)?;
    let mut shuffle = rng.fork();
    let mut dropout = rng.fork();
    let mut optimizer = optim::build(config);
    let mut order = data.train.to_vec();
    shuffle.shuffle(&mut order);
    let batch = config.batch.clamp(1, order.len());
    let mut batches = order.chunks(batch).cycle();
    let mut report = LrRangeReport {
        lrs: Vec::new(),
        losses: Vec::new(),
        smoothed: Vec::new(),
        min_loss_lr: None,
        suggested: None,
        diverged: false,
        cancelled: false,
    };
    let (mut avg, mut best) = (0.0, f64::INFINITY);
    const BETA: f64 = 0.9;
    for i in 0..LR_STEPS {
        if control.is_cancelled() {
            report.cancelled = true;
            break;
        }
        let Some(chunk) = batches.next() else { break };
        let lr = LR_MIN * (LR_MAX / LR_MIN).powf(i as f64 / (LR_STEPS - 1) as f64);
        let pass = forward_backward(
            &model,
            (data, chunk),
            &[],
            config.loss,
            Some(&mut dropout),
            false,
        )?;
        if !pass.loss.is_finite() {
            report.diverged = true;
            break;
        }
        avg = BETA * avg + (1.0 - BETA) * pass.loss;
        let smooth = avg / (1.0 - BETA.powi(i as i32 + 1));
        report.lrs.push(lr);
        report.losses.push(pass.loss);
        report.smoothed.push(smooth);
        if smooth < best {
            best = smooth;
            report.min_loss_lr = Some(lr);
        }
        if i > 5 && smooth > 4.0 * best {
            report.diverged = true;
            break;
        }
        let mut g = pass.grads;
        let norms = GradNorms::measure(&model, &g);
        if norms.first_non_finite().is_some() {
            report.diverged = true;
            break;
        }
        grads::clip(&model, &mut g, &norms, config.clip);
        model = optimizer.step(lr, model, g);
    }
    // The lowest loss must be a real improvement on the start, not noise.
    let start = report.smoothed.first().copied().unwrap_or(f64::NAN);
    if best < 0.9 * start {
        report.suggested = report.min_loss_lr.map(|lr| lr / 10.0);
    } else {
        report.min_loss_lr = None;
    }
    Ok(report)
}

/// A new model for a diagnostic run, once its memory estimate fits (`budget`).
fn fresh(
    model_config: &ModelConfig,
    config: &TrainConfig,
    data: &TrainData<'_>,
    rng: &mut Rng,
) -> Result<Forecaster> {
    crate::budget::training(model_config, config, &data.dims(0)).check(
        "this diagnostic run",
        crate::budget::Limits::for_this_machine(),
    )?;
    let shape = ModelShape {
        features: data.features,
        lookback: data.lookback,
        horizon: data.horizon,
        targets: data.targets,
        quantiles: config.loss.quantiles().copied(),
        known: data.known.columns.len(),
    };
    Ok(Forecaster::new(
        model_config,
        shape,
        rng,
        &crate::model::cpu_device().autodiff(),
    ))
}

fn no_windows() -> EngineError {
    EngineError::TooShort(
        "there are no training windows: the training part is shorter than lookback + horizon"
            .into(),
    )
}

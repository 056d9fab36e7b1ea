//! One epoch's step statistics, accumulated step by step into its [`EpochRecord`].

use std::time::Duration;

use super::{EpochRecord, StepStats};

/// Accumulates one epoch's step statistics.
#[derive(Default)]
pub(super) struct EpochStats {
    loss_sum: f64,
    windows: usize,
    steps: usize,
    clipped: usize,
    norm_sum: f64,
    norm_max: f64,
    clipped_norm_sum: f64,
    layers: Vec<(String, f64)>,
    pub(super) time_grad: Option<super::TimeGrad>,
}

impl EpochStats {
    pub(super) fn add_step(&mut self, step: &StepStats, clipped: bool, n: usize) {
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

    pub(super) fn finish(
        self,
        epoch: usize,
        lr: f64,
        val_loss: Option<f64>,
        took: Duration,
    ) -> EpochRecord {
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
            teacher_forcing: None,
        }
    }
}

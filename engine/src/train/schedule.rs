//! Learning-rate schedules, evaluated once per epoch.

use crate::config::ScheduleKind;

/// A schedule's running state (only reduce-on-plateau has any).
#[derive(Clone, Debug)]
pub struct LrSchedule {
    kind: ScheduleKind,
    base_lr: f64,
    epochs: usize,
    plateau_lr: f64,
    plateau_best: f64,
    plateau_wait: usize,
}

impl LrSchedule {
    /// A schedule for a run of `epochs` epochs starting at `base_lr`.
    pub fn new(kind: ScheduleKind, base_lr: f64, epochs: usize) -> Self {
        Self {
            kind,
            base_lr,
            epochs,
            plateau_lr: base_lr,
            plateau_best: f64::INFINITY,
            plateau_wait: 0,
        }
    }

    /// The lr to use during `epoch` (0-based).
    pub fn lr(&self, epoch: usize) -> f64 {
        let base = self.base_lr;
        match self.kind {
            ScheduleKind::Constant => base,
            ScheduleKind::Warmup { epochs } => {
                base * ((epoch + 1).min(epochs) as f64 / epochs as f64)
            }
            ScheduleKind::Step { every, gamma } => base * gamma.powi((epoch / every.max(1)) as i32),
            ScheduleKind::Cosine { min_lr } => {
                let span = self.epochs.saturating_sub(1).max(1) as f64;
                let progress = (epoch as f64 / span).min(1.0);
                min_lr + (base - min_lr) * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
            }
            ScheduleKind::Plateau { .. } => self.plateau_lr,
        }
    }

    /// Tells the schedule an epoch ended with this validation loss.
    pub fn observe(&mut self, val_loss: f64) {
        if let ScheduleKind::Plateau {
            factor,
            patience,
            min_lr,
        } = self.kind
        {
            // PyTorch's default threshold: an improvement must be relative 1e-4.
            if val_loss < self.plateau_best * (1.0 - 1e-4) {
                self.plateau_best = val_loss;
                self.plateau_wait = 0;
            } else {
                self.plateau_wait += 1;
                if self.plateau_wait > patience {
                    self.plateau_lr = (self.plateau_lr * factor).max(min_lr);
                    self.plateau_wait = 0;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn progress_fraction_and_eta() {
        use crate::train::{eta_secs, fraction_done};
        // epoch 2 of 4, batch 5 of 10: 1.5 epochs done of 4
        assert_eq!(fraction_done(2, 5, 10, 4), 0.375);
        assert_eq!(fraction_done(1, 0, 0, 4), 0.0);
        assert_eq!(eta_secs(30.0, 0.375), Some(50.0));
        assert_eq!(eta_secs(30.0, 0.0), None);
    }

    use super::*;

    fn lrs(kind: ScheduleKind, epochs: usize) -> Vec<f64> {
        let s = LrSchedule::new(kind, 1.0, epochs);
        (0..epochs).map(|e| s.lr(e)).collect()
    }

    #[test]
    fn closed_form_schedules() {
        assert_eq!(
            lrs(ScheduleKind::Warmup { epochs: 4 }, 6),
            [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
        );
        assert_eq!(
            lrs(
                ScheduleKind::Step {
                    every: 2,
                    gamma: 0.5
                },
                5
            ),
            [1.0, 1.0, 0.5, 0.5, 0.25]
        );
        // cosine over 5 epochs: progress 0, .25, .5, .75, 1 → 1, (1+√½)/2, .5, (1−√½)/2, 0
        let c = lrs(ScheduleKind::Cosine { min_lr: 0.0 }, 5);
        let h = 0.5f64.sqrt();
        for (got, want) in c
            .iter()
            .zip([1.0, (1.0 + h) / 2.0, 0.5, (1.0 - h) / 2.0, 0.0])
        {
            assert!((got - want).abs() < 1e-12);
        }
    }

    #[test]
    fn plateau_halves_after_patience_epochs_without_improvement() {
        let kind = ScheduleKind::Plateau {
            factor: 0.5,
            patience: 2,
            min_lr: 0.2,
        };
        let mut s = LrSchedule::new(kind, 1.0, 100);
        let mut seen = vec![];
        for loss in [
            1.0, 0.9, 0.9, 0.9, 0.9, 0.95, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96,
        ] {
            s.observe(loss);
            seen.push(s.lr(0));
        }
        // improvements at losses 1 and 2; waits 1,2,3 → decay on the 3rd flat epoch (index 4),
        // then 3 more (index 7) → 0.25, then 3 more → floor 0.2
        assert_eq!(
            seen,
            [
                1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2
            ]
        );
    }
}

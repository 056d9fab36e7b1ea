//! Learning-rate schedules: most are evaluated once per epoch; the cyclical and
//! one-cycle schedules at every batch.

use std::f64::consts::PI;

use crate::config::{CyclicMode, ScheduleKind};

/// One-cycle's start: `max_lr / DIV` (PyTorch's `div_factor`).
const ONE_CYCLE_DIV: f64 = 25.0;
/// One-cycle's end: the start divided by this (PyTorch's `final_div_factor`).
const ONE_CYCLE_FINAL_DIV: f64 = 1e4;
/// One-cycle's share of the steps spent rising (PyTorch's `pct_start`).
const ONE_CYCLE_RISE: f64 = 0.3;

/// A schedule's running state (only reduce-on-plateau has any).
#[derive(Clone, Debug)]
pub struct LrSchedule {
    kind: ScheduleKind,
    base_lr: f64,
    epochs: usize,
    plateau_lr: f64,
    plateau_best: f64,
    plateau_wait: usize,
    /// The factor live lr changes put on the whole schedule (1: none).
    scale: f64,
}

/// The part of a schedule that training changes ([`LrSchedule::state`]).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct ScheduleState {
    plateau_lr: f64,
    /// None until the plateau schedule has seen a loss.
    plateau_best: Option<f64>,
    plateau_wait: usize,
    scale: f64,
}

impl ScheduleState {
    /// Whether the numbers can be a schedule's: finite, the lr and factor positive.
    pub(super) fn is_sane(&self) -> bool {
        let positive = |x: f64| x.is_finite() && x > 0.0;
        positive(self.plateau_lr)
            && positive(self.scale)
            && self.plateau_best.is_none_or(f64::is_finite)
    }
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
            scale: 1.0,
        }
    }

    /// What the schedule has learned while the run trained (the plateau's lr, best loss
    /// and wait, and the live changes' factor), for a checkpoint.
    pub(super) fn state(&self) -> ScheduleState {
        ScheduleState {
            plateau_lr: self.plateau_lr,
            plateau_best: self.plateau_best.is_finite().then_some(self.plateau_best),
            plateau_wait: self.plateau_wait,
            scale: self.scale,
        }
    }

    /// Continues from a checkpoint's [`Self::state`] (checked by
    /// [`ScheduleState::is_sane`]).
    pub(super) fn restore(&mut self, state: ScheduleState) {
        self.plateau_lr = state.plateau_lr;
        self.plateau_best = state.plateau_best.unwrap_or(f64::INFINITY);
        self.plateau_wait = state.plateau_wait;
        self.scale = state.scale;
    }

    /// Scales every lr from now on by `factor` (a live lr change: the schedule keeps
    /// its shape).
    pub fn rescale(&mut self, factor: f64) {
        self.scale *= factor;
    }

    /// The lr of batch `batch` (0-based) of `batches` in `epoch` (0-based): the epoch's
    /// lr for the per-epoch schedules, a point on the cycle for the per-step ones.
    pub fn lr_at(&self, epoch: usize, batch: usize, batches: usize) -> f64 {
        self.shape_at(epoch, batch, batches) * self.scale
    }

    /// The lr to use during `epoch` (0-based); for the per-step schedules, the lr at its
    /// first batch with one batch per epoch.
    pub fn lr(&self, epoch: usize) -> f64 {
        self.shape(epoch) * self.scale
    }

    /// [`Self::lr_at`] before any live change.
    fn shape_at(&self, epoch: usize, batch: usize, batches: usize) -> f64 {
        let batches = batches.max(1);
        match self.kind {
            ScheduleKind::Cyclic {
                low,
                high,
                step,
                mode,
            } => {
                // Position in epochs, counted at the batch's start.
                let t = epoch as f64 + batch as f64 / batches as f64;
                let cycle = (1.0 + t / (2.0 * step)).floor();
                let x = (t / step - 2.0 * cycle + 1.0).abs();
                let scale = match mode {
                    CyclicMode::Triangular => 1.0,
                    CyclicMode::Triangular2 => 0.5f64.powf(cycle - 1.0),
                    CyclicMode::ExpRange { gamma } => gamma.powf(t),
                };
                low + (high - low) * (1.0 - x).max(0.0) * scale
            }
            ScheduleKind::OneCycle { max_lr } => {
                let total = (self.epochs * batches).max(2);
                let p = ((epoch * batches + batch) as f64 / (total - 1) as f64).min(1.0);
                let start = max_lr / ONE_CYCLE_DIV;
                let end = start / ONE_CYCLE_FINAL_DIV;
                // A cosine from `a` to `b` as `f` goes from 0 to 1.
                let anneal = |a: f64, b: f64, f: f64| b + (a - b) * 0.5 * (1.0 + (PI * f).cos());
                if p < ONE_CYCLE_RISE {
                    anneal(start, max_lr, p / ONE_CYCLE_RISE)
                } else {
                    anneal(max_lr, end, (p - ONE_CYCLE_RISE) / (1.0 - ONE_CYCLE_RISE))
                }
            }
            _ => self.shape(epoch),
        }
    }

    /// [`Self::lr`] before any live change.
    fn shape(&self, epoch: usize) -> f64 {
        let base = self.base_lr;
        match self.kind {
            ScheduleKind::Cyclic { .. } | ScheduleKind::OneCycle { .. } => {
                self.shape_at(epoch, 0, 1)
            }
            ScheduleKind::Constant => base,
            ScheduleKind::Warmup { epochs } => {
                base * ((epoch + 1).min(epochs) as f64 / epochs as f64)
            }
            ScheduleKind::Step { every, gamma } => base * gamma.powi((epoch / every.max(1)) as i32),
            ScheduleKind::Cosine { min_lr } => {
                let span = self.epochs.saturating_sub(1).max(1) as f64;
                let progress = (epoch as f64 / span).min(1.0);
                min_lr + (base - min_lr) * 0.5 * (1.0 + (PI * progress).cos())
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

    /// The lr of every batch of a run of `epochs` epochs of `batches` batches.
    fn steps(kind: ScheduleKind, epochs: usize, batches: usize) -> Vec<f64> {
        let s = LrSchedule::new(kind, 1.0, epochs);
        (0..epochs)
            .flat_map(|e| (0..batches).map(move |b| (e, b)))
            .map(|(e, b)| s.lr_at(e, b, batches))
            .collect()
    }

    fn close(got: &[f64], want: &[f64]) {
        assert_eq!(got.len(), want.len(), "{got:?}");
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{got:?} vs {want:?}");
        }
    }

    #[test]
    fn cyclic_schedules_by_hand() {
        let cyclic = |mode| ScheduleKind::Cyclic {
            low: 0.1,
            high: 0.5,
            step: 1.0,
            mode,
        };
        // Half a cycle per epoch, two batches per epoch: up 0.1 → 0.3 → 0.5, down, up …
        close(
            &steps(cyclic(CyclicMode::Triangular), 3, 2),
            &[0.1, 0.3, 0.5, 0.3, 0.1, 0.3],
        );
        // triangular2: the second cycle (epochs 2–3) has half the amplitude.
        close(
            &steps(cyclic(CyclicMode::Triangular2), 4, 2),
            &[0.1, 0.3, 0.5, 0.3, 0.1, 0.2, 0.3, 0.2],
        );
        // exp_range: the amplitude times gamma^t, t in epochs: 0.4·0.5^0.5 at t = 0.5.
        let g = steps(cyclic(CyclicMode::ExpRange { gamma: 0.5 }), 2, 2);
        close(
            &g,
            &[
                0.1,
                0.1 + 0.2 * 0.5f64.sqrt(),
                0.1 + 0.4 * 0.5,
                0.1 + 0.2 * 0.5f64.powf(1.5),
            ],
        );
    }

    #[test]
    fn one_cycle_rises_for_thirty_percent_then_anneals_to_its_floor() {
        // 11 steps: p = 0, 0.1, …, 1. The rise ends at p = 0.3 (step 3) at the peak.
        let lrs = steps(ScheduleKind::OneCycle { max_lr: 1.0 }, 11, 1);
        let start = 1.0 / 25.0;
        let end = start / 1e4;
        assert!((lrs[0] - start).abs() < 1e-12);
        assert!((lrs[3] - 1.0).abs() < 1e-12);
        assert!((lrs[10] - end).abs() < 1e-15);
        // Step 1 (p = 0.1) is a third of the way up the rise's cosine.
        let third = 1.0 + (start - 1.0) * 0.5 * (1.0 + (PI / 3.0).cos());
        assert!((lrs[1] - third).abs() < 1e-12, "{lrs:?}");
        // Rising, then falling.
        assert!(lrs[..4].windows(2).all(|w| w[1] > w[0]), "{lrs:?}");
        assert!(lrs[3..].windows(2).all(|w| w[1] < w[0]), "{lrs:?}");
        // The per-epoch schedules ignore the batch.
        let warm = LrSchedule::new(ScheduleKind::Warmup { epochs: 2 }, 1.0, 4);
        assert_eq!(warm.lr_at(0, 5, 10), 0.5);
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

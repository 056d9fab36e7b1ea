//! The learning-rate schedule group: the schedule and its parameters. The per-epoch
//! schedules decay from the base lr; the cyclical and one-cycle ones set their own range
//! and change the lr at every batch.

use egui::Ui;
use seqcast_engine::RunConfig;
use seqcast_engine::config::{CyclicMode, ScheduleKind, TrainConfig};

use super::MAX_STEPS;
use super::texts as t;
use super::widgets::{combo, drag, log_slider, reset_row, row};

// Playbook starting values for a variant's parameters, used when switching to that variant.
const WARMUP_EPOCHS: usize = 5;
const STEP_EVERY: usize = 20;
const STEP_GAMMA: f64 = 0.5;
const PLATEAU_FACTOR: f64 = 0.5;
const PLATEAU_PATIENCE: usize = 5;
pub(super) const MIN_LR: f64 = 1e-6;
/// Cyclical lr: a decade below and above the default lr, half a cycle in 4 epochs
/// (Smith: 2–10 epochs).
const CYCLIC_LOW_FACTOR: f64 = 0.1;
const CYCLIC_HIGH_FACTOR: f64 = 10.0;
const CYCLIC_STEP: f64 = 4.0;
const EXP_RANGE_GAMMA: f64 = 0.99;
/// One-cycle's peak: ten times the base lr.
const ONE_CYCLE_FACTOR: f64 = 10.0;

/// The rows of the schedule group.
pub(super) fn schedule_ui(ui: &mut Ui, train: &mut TrainConfig) {
    let lr = train.lr;
    let warmup = ScheduleKind::Warmup {
        epochs: WARMUP_EPOCHS,
    };
    let step = ScheduleKind::Step {
        every: STEP_EVERY,
        gamma: STEP_GAMMA,
    };
    let plateau = ScheduleKind::Plateau {
        factor: PLATEAU_FACTOR,
        patience: PLATEAU_PATIENCE,
        min_lr: MIN_LR,
    };
    let cyclic = ScheduleKind::Cyclic {
        low: lr * CYCLIC_LOW_FACTOR,
        high: lr * CYCLIC_HIGH_FACTOR,
        step: CYCLIC_STEP,
        mode: CyclicMode::Triangular,
    };
    let one_cycle = ScheduleKind::OneCycle {
        max_lr: lr * ONE_CYCLE_FACTOR,
    };
    let choices = [
        (ScheduleKind::Constant, t::SCHED_CONSTANT),
        (warmup, t::SCHED_WARMUP),
        (step, t::SCHED_STEP),
        (ScheduleKind::Cosine { min_lr: MIN_LR }, t::SCHED_COSINE),
        (plateau, t::SCHED_PLATEAU),
        (cyclic, t::SCHED_CYCLIC),
        (one_cycle, t::SCHED_ONE_CYCLE),
    ];
    combo(ui, t::SCHEDULE, &mut train.schedule, &choices);
    match &mut train.schedule {
        ScheduleKind::Constant => {}
        ScheduleKind::Warmup { epochs } => {
            row(ui, t::WARMUP_EPOCHS, drag(epochs, 1..=MAX_STEPS));
        }
        ScheduleKind::Step { every, gamma } => {
            row(ui, t::STEP_EVERY, drag(every, 1..=MAX_STEPS));
            row(ui, t::STEP_GAMMA, drag(gamma, 0.01..=1.0).speed(0.01));
        }
        // The floor of a decaying lr lies below the base lr.
        ScheduleKind::Cosine { min_lr } => {
            row(ui, t::MIN_LR, log_slider(min_lr, 0.0..=lr));
        }
        ScheduleKind::Plateau {
            factor,
            patience,
            min_lr,
        } => {
            row(ui, t::PLATEAU_FACTOR, drag(factor, 0.01..=0.99).speed(0.01));
            row(ui, t::PLATEAU_PATIENCE, drag(patience, 0..=MAX_STEPS));
            row(ui, t::MIN_LR, log_slider(min_lr, 0.0..=lr));
        }
        ScheduleKind::Cyclic {
            low,
            high,
            step,
            mode,
        } => {
            row(ui, t::CYCLIC_LOW, log_slider(low, 1e-6..=1.0));
            row(ui, t::CYCLIC_HIGH, log_slider(high, 1e-6..=1.0));
            // The band is never inverted.
            *high = high.max(*low);
            row(ui, t::CYCLIC_STEP, drag(step, 0.1..=1000.0).speed(0.1));
            let modes = [
                (CyclicMode::Triangular, t::CYCLIC_TRIANGULAR),
                (CyclicMode::Triangular2, t::CYCLIC_TRIANGULAR2),
                (
                    CyclicMode::ExpRange {
                        gamma: EXP_RANGE_GAMMA,
                    },
                    t::CYCLIC_EXP_RANGE,
                ),
            ];
            combo(ui, t::CYCLIC_MODE, mode, &modes);
            if let CyclicMode::ExpRange { gamma } = mode {
                row(ui, t::CYCLIC_GAMMA, drag(gamma, 0.5..=1.0).speed(0.001));
            }
        }
        ScheduleKind::OneCycle { max_lr } => {
            row(ui, t::ONE_CYCLE_MAX, log_slider(max_lr, 1e-6..=1.0));
        }
    }

    let default = RunConfig::default().train.schedule;
    if reset_row(ui, t::GROUP_SCHEDULE, train.schedule != default) {
        train.schedule = default;
    }
}

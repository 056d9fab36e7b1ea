//! Stopping and the run's bookkeeping: epochs, patience, weight averaging, checkpoints,
//! refit, batch, seed, gradient statistics.

use egui::{Checkbox, Ui};
use seqcast_engine::RunConfig;
use seqcast_engine::config::{MAX_CHECKPOINTS, TrainConfig};

use super::widgets::{drag, reset_row, row};
use super::{MAX_STEPS, off_when_zero, t};

pub(super) fn stopping_ui(ui: &mut Ui, train: &mut TrainConfig) {
    row(ui, t::EPOCHS, drag(&mut train.epochs, 1..=MAX_STEPS));
    let patience = drag(&mut train.patience, 0..=MAX_STEPS);
    row(ui, t::PATIENCE, patience.custom_formatter(off_when_zero));
    let average = drag(&mut train.weight_average, 0.0..=0.999).speed(0.001);
    row(
        ui,
        t::WEIGHT_AVERAGE,
        average.custom_formatter(off_when_zero),
    );
    let kept = drag(&mut train.checkpoints, 0..=MAX_CHECKPOINTS);
    row(ui, t::CHECKPOINTS, kept.custom_formatter(off_when_zero));
    row(ui, t::REFIT, Checkbox::without_text(&mut train.refit));
    row(ui, t::BATCH, drag(&mut train.batch, 1..=65_536).speed(0.5));
    row(ui, t::SEED, drag(&mut train.seed, 0..=u64::MAX));
    let every = drag(&mut train.diag_every, 0..=MAX_STEPS);
    row(ui, t::DIAG_EVERY, every.custom_formatter(off_when_zero));

    let fields = |t: &TrainConfig| {
        (
            t.epochs,
            t.patience,
            t.batch,
            t.seed,
            t.diag_every,
            t.refit,
            t.weight_average,
            t.checkpoints,
        )
    };
    let defaults = fields(&RunConfig::default().train);
    if reset_row(ui, t::GROUP_STOPPING, fields(train) != defaults) {
        (
            train.epochs,
            train.patience,
            train.batch,
            train.seed,
            train.diag_every,
            train.refit,
            train.weight_average,
            train.checkpoints,
        ) = defaults;
    }
}

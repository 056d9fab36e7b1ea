//! Retraining after the validated run: the refit on the training and validation rows
//! (`train.refit`) and the fixed-length fits the backtest retrains.

use super::Refit;
use super::prepare::Prepared;
use crate::config::{RunConfig, TrainConfig};
use crate::error::Result;
use crate::model::Forecaster;
use crate::train::{self, Control, StopReason, TrainData, TrainOutcome};

/// With `train.refit` (and a validation part, and a run that was not cancelled), trains
/// a fresh model on every window inside the training and validation rows for the best
/// epoch count, and puts it in `outcome.model`.
pub(super) fn refit(
    config: &RunConfig,
    prepared: &Prepared,
    outcome: &mut train::TrainOutcome,
    control: &Control,
) -> Result<Option<Refit>> {
    if !config.train.refit
        || prepared.val.is_empty()
        || matches!(
            outcome.stop,
            StopReason::Cancelled | StopReason::NonFinite { .. }
        )
    {
        return Ok(None);
    }
    let epochs = validated_epochs(outcome);
    let rows = prepared.split.train.start..prepared.split.val.end;
    let origins = prepared.model_spec().inside(rows);
    let started = std::time::Instant::now();
    let Some(model) = train_fixed(config, prepared, &origins, epochs, control)? else {
        // Cancelled or non-finite: keep the validated model.
        return Ok(None);
    };
    outcome.model = model;
    Ok(Some(Refit {
        epochs,
        windows: origins.len(),
        secs: started.elapsed().as_secs_f64(),
    }))
}

/// The epochs a retraining runs: the validated run's best epoch (all it ran without one).
pub(super) fn validated_epochs(outcome: &TrainOutcome) -> usize {
    match outcome.best_epoch {
        Some(epoch) => epoch,
        None => outcome.history.len().max(1),
    }
}

/// Trains a fresh model on the windows at `origins` for `epochs` epochs, without
/// validation; `None` when it was cancelled or went non-finite.
pub(super) fn train_fixed(
    config: &RunConfig,
    prepared: &Prepared,
    origins: &[usize],
    epochs: usize,
    control: &Control,
) -> Result<Option<Forecaster>> {
    let data = TrainData {
        train: origins,
        val: &[],
        ..prepared.train_data()
    };
    // The recorded changes, at the same share of each epoch of this training.
    let batches = |windows: usize| windows.div_ceil(config.train.batch.max(1));
    let (from, to) = (batches(prepared.train.len()), batches(origins.len()));
    let settings = TrainConfig {
        epochs,
        patience: 0,
        changes: (config.train.changes.iter())
            .map(|c| c.rescaled(from, to))
            .collect(),
        // Nothing branches from this fit: it keeps no checkpoints.
        checkpoints: 0,
        ..config.train.clone()
    };
    let control = control.without_knobs();
    let fitted = train::train(&config.model, &settings, &data, &control, &mut |_| {})?;
    Ok((fitted.stop == StopReason::Completed).then_some(fitted.model))
}

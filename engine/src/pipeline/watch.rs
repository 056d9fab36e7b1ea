//! Training with the live view: each epoch's validation outputs become the one-step
//! forecast the GUI draws (with this epoch's conformal radii) and the training doctor's
//! per-epoch check against naive.

use std::sync::Arc;

use super::prepare::Prepared;
use crate::config::RunConfig;
use crate::error::Result;
use crate::train::{self, Control, Progress, TrainOutcome};

/// A checkpoint to continue from, with the records of the run it was taken from (their
/// validation checks, which the training doctor reads, are the pipeline's, not the
/// trainer's, so the checkpoint does not hold them).
#[derive(Clone, Debug)]
pub struct Resume {
    /// The epoch the checkpoint ends.
    pub epoch: usize,
    /// The decoded checkpoint, or why it could not be read (then the run trains from
    /// the start and says so).
    pub state: std::result::Result<train::TrainState, String>,
    /// The parent run's epoch records.
    pub history: Vec<crate::train::EpochRecord>,
}

/// Trains on `prepared`, turning each epoch's validation outputs into the live
/// one-step forecast (in the user's units) and the doctor's per-epoch check.
pub(super) fn train_watched(
    prepared: &Prepared,
    config: &RunConfig,
    resume: Option<Resume>,
    control: &Control,
    report: &mut dyn FnMut(Progress),
) -> Result<TrainOutcome> {
    let horizon = prepared.spec.horizon;
    // Validation signals per epoch (first target, user units), for the training doctor.
    let val_actual = prepared.actuals(0, &prepared.val);
    let val_naive = prepared
        .series
        .columns
        .first()
        .map(|c| crate::eval::baselines::naive(&c.values, &prepared.val, horizon))
        .unwrap_or_default();
    let mut unread = None;
    let (state, mut checks) = match resume {
        Some(Resume {
            epoch,
            state: Ok(state),
            history,
        }) => {
            let checks: Vec<(usize, crate::diag::ValCheck)> = (history.iter())
                .filter(|h| h.epoch <= epoch)
                .filter_map(|h| h.check.map(|c| (h.epoch, c)))
                .collect();
            (Some(state), checks)
        }
        Some(Resume {
            epoch,
            state: Err(why),
            ..
        }) => {
            unread = Some(format!(
                "the checkpoint at epoch {epoch} was not used ({why}); trained from the start"
            ));
            (None, Vec::new())
        }
        None => (None, Vec::new()),
    };
    let mut forward = |progress: Progress| match progress {
        Progress::ValidationOutputs { epoch, outputs } => {
            // One step ahead for the first target, in the user's units, for live plots.
            let predicted = prepared.invert(&prepared.val, &outputs);
            if let Some(check) = predicted
                .first()
                .and_then(|p| crate::diag::ValCheck::measure(&val_actual, p, &val_naive))
            {
                checks.push((epoch, check));
            }
            let step_one: Vec<f64> = predicted
                .first()
                .map(|p| p.iter().step_by(horizon).copied().collect())
                .unwrap_or_default();
            let radii = predicted.first().map_or_else(Vec::new, |p| {
                config
                    .eval
                    .intervals
                    .iter()
                    .map(|&level| {
                        let r = crate::eval::intervals::radii(&val_actual, p, horizon, level);
                        (level, r.first().copied().flatten())
                    })
                    .collect()
            });
            report(Progress::ValidationForecast {
                epoch,
                rows: Arc::new(prepared.val.iter().map(|t| t + 1).collect()),
                predicted: Arc::new(step_one),
                radii,
            });
        }
        Progress::Epoch(mut record) => {
            record.check = check_of(&checks, record.epoch);
            report(Progress::Epoch(record));
        }
        other => report(other),
    };
    let mut outcome = train::train_from(
        &config.model,
        &config.train,
        &prepared.train_data(),
        state,
        control,
        &mut forward,
    )?;
    for record in &mut outcome.history {
        record.check = check_of(&checks, record.epoch);
    }
    outcome.notes.extend(unread);
    Ok(outcome)
}

fn check_of(
    checks: &[(usize, crate::diag::ValCheck)],
    epoch: usize,
) -> Option<crate::diag::ValCheck> {
    checks.iter().find(|(e, _)| *e == epoch).map(|(_, c)| *c)
}

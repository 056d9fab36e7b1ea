//! Hyperparameter search: grid or random trials over a [`SearchSpace`], run one after
//! another through the normal pipeline, each recorded as a run, with poor trials pruned
//! early by the median stopping rule (a trial whose best validation loss after epoch `e`
//! is worse than the median of the earlier trials' at the same epoch stops there).

pub mod importance;
pub mod prune;
mod space;
pub mod tpe;

use serde::{Deserialize, Serialize};

pub use space::{GRID_POINTS, Knob, SearchSpace};

use crate::config::RunConfig;
use std::sync::Arc;

use crate::data::table::CsvTable;
use crate::error::{EngineError, Result};
use crate::panel::Panel;
use crate::panel::layout::Layout;
use crate::pipeline;
use crate::rng::Rng;
use crate::runs::{RunOrigin, RunStore};
use crate::train::{Control, Progress, StopReason};

/// How trials are chosen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Independent random draws.
    #[default]
    Random,
    /// The grid of choices (continuous ranges at a few points), in a seeded order.
    Grid,
    /// The tree-structured Parzen estimator ([`tpe`]): random for the first trials,
    /// then each trial where the best quarter of the finished ones points.
    Tpe,
    /// Random draws with successive halving ([`Pruning::Asha`]; its default rungs unless
    /// the settings' pruning is already ASHA): many trials, most stopped after a few
    /// epochs, the promising ones trained on.
    Asha,
}

/// When to stop a poor trial early.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Pruning {
    /// Every trial runs its full budget (or until early stopping).
    None,
    /// Median stopping rule from epoch `warmup` on, once two earlier trials reached it.
    Median {
        /// Epochs every trial runs before it can be pruned.
        warmup: usize,
    },
    /// Asynchronous successive halving (ASHA, Li et al. 2020, as Optuna's
    /// `SuccessiveHalvingPruner`): at the rungs `min_epochs`, `min_epochs·eta`,
    /// `min_epochs·eta²`, … a trial goes on only when its best loss is among the best
    /// `1/eta` of the trials that reached that rung (itself included; at least the
    /// best one), so most epochs go to the promising trials.
    Asha {
        /// The first rung, in epochs.
        min_epochs: usize,
        /// The reduction factor between rungs (≥ 2).
        eta: usize,
    },
}

impl Pruning {
    /// ASHA's usual settings: rungs at 3, 9, 27, … epochs, a third going on.
    pub const ASHA: Pruning = Pruning::Asha {
        min_epochs: 3,
        eta: 3,
    };
}

/// What to search and how.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TuneSettings {
    /// Random, grid or TPE.
    pub method: Method,
    /// Trial budget.
    pub trials: usize,
    /// Seed of the trial draws (each trial trains with the base config's seed).
    pub seed: u64,
    /// Epochs per trial at most (`None`: the base config's).
    pub max_epochs: Option<usize>,
    /// Early stopping of poor trials.
    pub pruning: Pruning,
}

impl Default for TuneSettings {
    fn default() -> Self {
        Self {
            method: Method::Random,
            trials: 8,
            seed: 42,
            max_epochs: Some(30),
            pruning: Pruning::Median { warmup: 3 },
        }
    }
}

/// One trial of a search.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// 1-based trial number.
    pub index: usize,
    /// The knob values it tried.
    pub knobs: Vec<Knob>,
    /// Its full configuration.
    pub config: RunConfig,
    /// Its run folder, when recorded.
    pub run_id: Option<String>,
    /// Best-so-far validation loss after each epoch.
    pub best_by_epoch: Vec<f64>,
    /// Its lowest validation loss.
    pub best_val_loss: Option<f64>,
    /// Test MAE in the data's units.
    pub test_mae: Option<f64>,
    /// Its test MASE (over many series: the mean over the series, where MAE has no
    /// meaning).
    #[serde(default)]
    pub test_mase: Option<f64>,
    /// Epochs that ran.
    pub epochs_run: usize,
    /// Stopped early by the pruning rule.
    pub pruned: bool,
    /// How it ended, for people.
    pub stop: String,
    /// Why it failed or could not be recorded.
    pub error: Option<String>,
}

impl Trial {
    /// A finished trial of the default configuration that tried `knobs` and reached
    /// these best-so-far losses, one per epoch (for analyses of hand-made trials, and
    /// tests).
    pub fn finished(knobs: Vec<Knob>, best_by_epoch: &[f64]) -> Self {
        Self {
            index: 1,
            knobs,
            config: RunConfig::default(),
            run_id: None,
            best_by_epoch: best_by_epoch.to_vec(),
            best_val_loss: best_by_epoch.last().copied(),
            test_mae: None,
            test_mase: None,
            epochs_run: best_by_epoch.len(),
            pruned: false,
            stop: String::new(),
            error: None,
        }
    }

    /// `lr=3.2e-3 hidden=64 …`
    pub fn describe(&self) -> String {
        self.knobs
            .iter()
            .map(|k| k.describe())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// What a search reports as it goes.
#[derive(Clone, Debug, PartialEq)]
pub enum TuneProgress {
    /// The search starts.
    Started {
        /// Search id (shared by its run folders).
        search: String,
        /// Trials it will run.
        trials: usize,
        /// Knobs it varies.
        knobs: Vec<&'static str>,
    },
    /// A trial starts.
    TrialStarted {
        /// 1-based trial number.
        index: usize,
        /// What it tries.
        knobs: Vec<Knob>,
    },
    /// Training progress of the current trial.
    Training(Progress),
    /// A trial ended (completed, early-stopped, pruned or failed).
    TrialDone(Box<Trial>),
}

/// A finished (or cancelled) search.
#[derive(Clone, Debug, PartialEq)]
pub struct TuneOutcome {
    /// Search id.
    pub search: String,
    /// Every trial that ran, in order.
    pub trials: Vec<Trial>,
    /// Index into `trials` of the one with the lowest validation loss.
    pub best: Option<usize>,
    /// The user stopped the search.
    pub cancelled: bool,
}

/// What a search trains on.
#[derive(Clone, Copy, Debug)]
pub enum TuneData<'a> {
    /// One table's target column(s), through [`pipeline::run`].
    Table(&'a CsvTable),
    /// Many series, one model, through [`crate::panel::run::run`], read from the
    /// table in this layout (saved with each trial's model).
    Panel(&'a Arc<Panel>, &'a Layout),
}

/// Runs the search on `data`: each trial is `base` with the trial's knobs, trained and
/// recorded in `store` when given.
pub fn run(
    table: TuneData<'_>,
    base: &RunConfig,
    space: &SearchSpace,
    settings: &TuneSettings,
    control: &Control,
    store: Option<&RunStore>,
    report: &mut dyn FnMut(TuneProgress),
) -> Result<TuneOutcome> {
    space.validate()?;
    if settings.trials == 0 {
        return Err(EngineError::Search(
            "the trial budget must be at least 1".into(),
        ));
    }
    base.validate()?;
    if let Some(problem) = prune::problem(prune::rule(settings)) {
        return Err(EngineError::Search(problem));
    }
    let mut rng = Rng::new(settings.seed);
    // Points are drawn one per trial: neither the budget nor the grid's size allocates.
    let mut grid = match settings.method {
        Method::Random | Method::Tpe | Method::Asha => None,
        Method::Grid => Some(space.grid(&mut rng)?),
    };
    let total = grid.as_ref().map_or(settings.trials, |g| {
        usize::try_from(g.len()).map_or(settings.trials, |n| n.min(settings.trials))
    });
    let search = format!(
        "search-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    );
    report(TuneProgress::Started {
        search: search.clone(),
        trials: total,
        knobs: space.knobs(),
    });
    let mut trials: Vec<Trial> = Vec::new();
    let mut cancelled = false;
    for i in 0..total {
        if control.is_cancelled() {
            cancelled = true;
            break;
        }
        let knobs = match &mut grid {
            Some(points) => match points.next() {
                Some(knobs) => knobs,
                None => break,
            },
            None if settings.method == Method::Tpe => {
                // Every finished trial's knobs and best validation loss.
                let history: Vec<(Vec<Knob>, f64)> = trials
                    .iter()
                    .filter_map(|t| t.best_val_loss.map(|v| (t.knobs.clone(), v)))
                    .collect();
                tpe::propose(space, &history, &mut rng)
            }
            None => space.sample(&mut rng),
        };
        let mut config = base.clone();
        for k in &knobs {
            k.apply(&mut config);
        }
        if let Some(epochs) = settings.max_epochs {
            config.train.epochs = epochs.max(1);
        }
        report(TuneProgress::TrialStarted {
            index: i + 1,
            knobs: knobs.clone(),
        });
        let trial = run_trial(
            table,
            config,
            knobs,
            i + 1,
            &trials,
            settings,
            control,
            store,
            &search,
            report,
        );
        report(TuneProgress::TrialDone(Box::new(trial.clone())));
        trials.push(trial);
        if control.is_cancelled() {
            cancelled = true;
            break;
        }
    }
    let best = trials
        .iter()
        .enumerate()
        .filter_map(|(i, t)| t.best_val_loss.map(|v| (i, v)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i);
    Ok(TuneOutcome {
        search,
        trials,
        best,
        cancelled,
    })
}

#[allow(clippy::too_many_arguments)] // the search's state, passed down once per trial
fn run_trial(
    table: TuneData<'_>,
    config: RunConfig,
    knobs: Vec<Knob>,
    index: usize,
    earlier: &[Trial],
    settings: &TuneSettings,
    control: &Control,
    store: Option<&RunStore>,
    search: &str,
    report: &mut dyn FnMut(TuneProgress),
) -> Trial {
    let mut trial = Trial {
        index,
        knobs,
        config: config.clone(),
        run_id: None,
        best_by_epoch: Vec::new(),
        best_val_loss: None,
        test_mae: None,
        test_mase: None,
        epochs_run: 0,
        pruned: false,
        stop: String::new(),
        error: None,
    };
    let trial_control = Control::new();
    let pruning = prune::rule(settings);
    let mut pruned_at: Option<usize> = None;
    let mut best_by_epoch: Vec<f64> = Vec::new();
    let mut on_progress = |progress: Progress| {
        if control.is_cancelled() {
            trial_control.cancel();
        }
        if let Progress::Epoch(record) = &progress {
            let loss = record.val_loss.unwrap_or(record.train_loss);
            let best = best_by_epoch.last().map_or(loss, |b: &f64| b.min(loss));
            best_by_epoch.push(best);
            if pruned_at.is_none() && prune::should_prune(pruning, &best_by_epoch, earlier) {
                pruned_at = Some(record.epoch);
                trial_control.cancel();
            }
        }
        report(TuneProgress::Training(progress));
    };
    let result = match table {
        TuneData::Table(table) => pipeline::run(table, &config, &trial_control, &mut on_progress)
            .map(|o| Trained::Series(Box::new(o))),
        TuneData::Panel(panel, layout) => {
            crate::panel::run::run(panel.clone(), &config, &trial_control, &mut on_progress)
                .map(|o| Trained::Panel(Box::new(o), layout.clone()))
        }
    };
    let origin = RunOrigin::Search {
        search: search.to_string(),
        trial: index,
    };
    let pruned = |stop: &mut StopReason| match pruned_at {
        Some(epoch) if *stop == StopReason::Cancelled => {
            *stop = StopReason::Pruned { epoch };
            true
        }
        _ => false,
    };
    let recorded = result.map(|trained| match trained {
        Trained::Series(mut output) => {
            trial.pruned = pruned(&mut output.summary.training.stop);
            trial.stop = output.summary.training.stop.describe();
            let row = crate::runs::RunRow::of(&output.summary);
            // A pruned trial was stopped for being poor: its checkpoints are not kept
            // (a search's disk use stays near its finished trials').
            let checkpoints = if trial.pruned {
                &[][..]
            } else {
                &output.checkpoints[..]
            };
            let saved =
                store.map(|s| s.save(&output.summary, (&output.model, checkpoints), origin));
            (row, saved)
        }
        Trained::Panel(mut output, layout) => {
            trial.pruned = pruned(&mut output.summary.training.stop);
            trial.stop = output.summary.training.stop.describe();
            let row = crate::runs::RunRow::of_panel(&output.summary);
            let model = crate::artifact::PanelModel {
                forecaster: output.model,
                config: output.summary.config.clone(),
                spec: crate::panel::predict::PanelSpec {
                    layout: Some(layout),
                    ..output.spec
                },
            };
            let saved = store.map(|s| s.save_panel(&output.summary, Some(&model), origin));
            (row, saved)
        }
    });
    trial.best_by_epoch = best_by_epoch;
    match recorded {
        Ok((row, saved)) => {
            trial.best_val_loss = row.best_val_loss;
            trial.test_mae = row.test_mae;
            trial.test_mase = row.test_mase;
            trial.epochs_run = row.epochs_run;
            match saved {
                Some(Ok(meta)) => trial.run_id = Some(meta.id),
                Some(Err(e)) => trial.error = Some(format!("not recorded: {e}")),
                None => {}
            }
        }
        Err(e) => {
            trial.stop = "failed".into();
            trial.error = Some(e.to_string());
        }
    }
    trial
}

/// A trial's trained model, of either kind.
enum Trained {
    Series(Box<pipeline::RunOutput>),
    Panel(Box<crate::panel::run::PanelRunOutput>, Layout),
}

//! The whole run, as the CLI and the GUI see it: table → series → prepared windows →
//! training → forecasts and scores for validation and test → forecast past the end.

pub mod backtest;
pub mod bench;
pub mod choose;
pub mod defaults;
pub mod evaluate;
mod future;
pub mod intervals;
pub mod predict;
pub mod prepare;
pub mod quantiles;
mod retrain;
pub mod short_split;
mod watch;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::config::RunConfig;
use crate::data::series::{LoadReport, Series, build_series};
use crate::data::table::CsvTable;
use crate::error::Result;
use crate::model::Forecaster;
use crate::train::{self, Control, EpochRecord, Progress, StopReason};
use burn::module::Module;
pub use evaluate::{BaselineSet, PartForecast, PartScores, ScoreTable};
pub use future::{AttentionMap, FutureForecast, forecast_future};
pub use prepare::{Prepared, Scaling};
pub use watch::Resume;

/// Where the data came from and what loading did to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataSummary {
    /// File name.
    pub file: String,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
    /// Rows used after cleaning.
    pub rows: usize,
    /// Forecast columns.
    pub targets: Vec<String>,
    /// Input-only columns.
    pub covariates: Vec<String>,
    /// The covariates whose values over the horizon the model also reads: the user's
    /// known-in-advance columns, then the generated calendar columns (which features
    /// those are: `config.data.calendar`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub known_ahead: Vec<String>,
    /// Rows in each part.
    pub split_rows: [usize; 3],
    /// Windows in each part.
    pub windows: [usize; 3],
    /// Seasonal period used by seasonal naive and MASE.
    pub season: usize,
    /// The loader's report.
    pub load: LoadReport,
}

/// How training went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainingSummary {
    /// Every finished epoch.
    pub history: Vec<EpochRecord>,
    /// Epoch whose weights were kept (0: the start, see `TrainOutcome::best_epoch`).
    pub best_epoch: Option<usize>,
    /// Why training ended.
    pub stop: StopReason,
    /// Seconds of training, excluding pauses.
    pub elapsed_secs: f64,
    /// Training windows per second.
    pub windows_per_sec: f64,
    /// Trainable parameters.
    pub parameters: usize,
    /// What the training doctor concluded (stop reason, history, validation against
    /// the naive forecast).
    #[serde(default)]
    pub alerts: Vec<crate::diag::Alert>,
    /// Step times with and without the detailed gradient statistics.
    #[serde(default)]
    pub diag_cost: train::DiagCost,
    /// Interval of the detailed gradient statistics, in steps (0 = off).
    #[serde(default)]
    pub diag_every: usize,
    /// With `train.refit`: the epochs and windows of the final model, trained on the
    /// training and validation rows together.
    #[serde(default)]
    pub refit: Option<Refit>,
    /// The epoch of the checkpoint this run continued from (a branch): the epochs up to
    /// it were trained by the run it branched from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumed_from: Option<usize>,
}

/// The final fit on the training and validation rows (`train.refit`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Refit {
    /// Epochs trained (the best epoch of the validated run; 0 when the run kept its
    /// start, which the refit fits again on its windows).
    pub epochs: usize,
    /// Windows trained on.
    pub windows: usize,
    /// Seconds it took.
    pub secs: f64,
}

/// Everything a finished run produced, except the weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// The configuration, with defaults filled in (targets resolved).
    pub config: RunConfig,
    /// The data.
    pub data: DataSummary,
    /// Training.
    pub training: TrainingSummary,
    /// Validation forecasts (absent without validation windows), of the validated
    /// model: with `train.refit` they are made before the refit, so they stay out of
    /// sample.
    pub val: Option<PartForecast>,
    /// Validation scores.
    pub val_scores: Option<PartScores>,
    /// Test forecasts (absent without test windows).
    pub test: Option<PartForecast>,
    /// Test scores.
    pub test_scores: Option<PartScores>,
    /// Baselines that could not be computed, with the reason.
    pub unavailable_baselines: Vec<(crate::eval::baselines::BaselineKind, String)>,
    /// Forecast past the end of the data.
    pub future: FutureForecast,
    /// What the forecasts use and why (absent in runs recorded before the choice).
    #[serde(default)]
    pub forecast: Option<crate::eval::choice::ForecastChoice>,
    /// Conformal prediction intervals fitted on the validation windows, and their test
    /// scores (absent without validation windows or with `eval.intervals` empty).
    #[serde(default)]
    pub intervals: Option<intervals::Intervals>,
    /// The rolling-origin backtest over the test part (`eval.backtest`; absent when not
    /// asked for or without test windows).
    #[serde(default)]
    pub backtest: Option<backtest::Backtest>,
    /// A quantile model's scores (`train.loss = quantile`).
    #[serde(default)]
    pub quantiles: Option<quantiles::QuantileReport>,
    /// A seq2seq model with attention: the attention of some test forecasts (see
    /// `future::test_attention`); that of the forecast past the end is in `future`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub test_attention: Vec<AttentionMap>,
}

/// Trained weights plus what is needed to use them on new data.
#[derive(Debug)]
pub struct TrainedModel {
    /// The network (plain device).
    pub forecaster: Forecaster,
    /// The run's configuration.
    pub config: RunConfig,
    /// Scalers and transforms.
    pub scaling: Scaling,
    /// Model columns, targets first.
    pub columns: Vec<String>,
    /// How many leading columns are targets.
    pub n_targets: usize,
    /// The product forecast the run chose, so the saved model forecasts the same way
    /// (`None`: the network alone, as models saved before the choice existed).
    pub product: Option<ProductSpec>,
}

/// The product forecast of a trained model: the chosen source and, when it uses the
/// linear autoregression, its coefficients per target (fitted on the training windows).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProductSpec {
    /// Where the forecast comes from.
    pub source: crate::eval::choice::Source,
    /// Per target, the fitted linear AR (empty unless `source` uses it).
    #[serde(default)]
    pub linear: Vec<Option<crate::eval::baselines::LinearAr>>,
    /// The forecast's conformal intervals as the run fitted them (absent in models saved
    /// before them, or without validation windows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intervals: Option<SavedIntervals>,
}

/// A product forecast's interval radii, kept with a saved model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedIntervals {
    /// Nominal levels (0–1).
    pub levels: Vec<f64>,
    /// Per target, per level, per horizon step (`None`: no finite radius); the CQR
    /// margin for a level with a quantile pair.
    pub radii: Vec<Vec<Vec<Option<f64>>>>,
    /// Per level, the model's quantile pair the margin widens (empty or `None`: the
    /// band is drawn around the point forecast).
    #[serde(default)]
    pub pairs: Vec<crate::eval::intervals::QuantilePair>,
}

/// A finished run: the summary, the weights and the series they were scored on.
#[derive(Debug)]
pub struct RunOutput {
    /// Metrics, forecasts, history.
    pub summary: RunSummary,
    /// Weights and scalers.
    pub model: TrainedModel,
    /// The cleaned series (for time labels in exports).
    pub series: Arc<Series>,
    /// The checkpoints the training kept (`train.checkpoints`), for the run store.
    pub checkpoints: Vec<train::Checkpoint>,
}

/// Resolves the columns of `table` per `config` (filling in the default target).
pub fn load_series(
    table: &CsvTable,
    config: &RunConfig,
) -> Result<(Series, LoadReport, RunConfig)> {
    let (mut series, report) = build_series(table, &config.data)?;
    if let Some(path) = &config.data.future_file {
        let future = crate::data::table::read_csv(path)?;
        series.attach_future(&future, &config.data)?;
    }
    let mut resolved = config.clone();
    resolved.data.targets = series.targets().iter().map(|c| c.name.clone()).collect();
    // `auto` is recorded as what it picked, so a saved model regenerates the same columns.
    resolved.data.calendar = if series.calendar.is_empty() {
        crate::config::CalendarSpec::None
    } else {
        crate::config::CalendarSpec::List(series.calendar.clone())
    };
    if resolved.data.time_column.is_none() {
        resolved.data.time_column = report.time_column.clone();
    }
    Ok((series, report, resolved))
}

/// The load → validate → prepare chain every job on a table starts with: the cleaned
/// series in model space, what loading did, and the configuration with the detected
/// columns filled in.
pub fn load_and_prepare(
    table: &CsvTable,
    config: &RunConfig,
) -> Result<(Prepared, LoadReport, RunConfig)> {
    config.validate()?;
    let (series, load, config) = load_series(table, config)?;
    let prepared = Prepared::fit(Arc::new(series), &config)?;
    Ok((prepared, load, config))
}

/// What preparing found worth telling: constant columns, a season read from the data.
fn prepare_notes(prepared: &Prepared) -> Vec<String> {
    let mut notes = constant_columns(prepared);
    if let Some(r) = prepared.season_detected {
        notes.push(format!(
            "no timestamps: seasonal period {} read from the training values (the changes \
             correlate {r:.2} one period apart); --season sets another",
            prepared.season
        ));
    }
    notes
}

impl DataSummary {
    /// The summary of `table` as prepared for a run.
    fn of(table: &CsvTable, prepared: &Prepared, config: &RunConfig, load: LoadReport) -> Self {
        Self {
            file: table.source.clone(),
            sha256: table.sha256.clone(),
            rows: prepared.series.len(),
            targets: config.data.targets.clone(),
            covariates: config.data.covariates.clone(),
            known_ahead: prepared.series.known_ahead(),
            split_rows: [
                prepared.split.train.len(),
                prepared.split.val.len(),
                prepared.split.test.len(),
            ],
            windows: [
                prepared.train.len(),
                prepared.val.len(),
                prepared.test.len(),
            ],
            season: prepared.season,
            load,
        }
    }
}

/// Runs everything: clean, prepare, train, score, forecast. `report` receives training
/// progress. A cancelled run still returns its best weights and scores.
pub fn run(
    table: &CsvTable,
    config: &RunConfig,
    control: &Control,
    report: &mut dyn FnMut(Progress),
) -> Result<RunOutput> {
    run_from(table, config, None, control, report)
}

/// [`run`], training on from the checkpoint `resume` when given ([`train::train_from`]).
pub fn run_from(
    table: &CsvTable,
    config: &RunConfig,
    resume: Option<Resume>,
    control: &Control,
    report: &mut dyn FnMut(Progress),
) -> Result<RunOutput> {
    let (prepared, mut load, mut config) = load_and_prepare(table, config)?;
    // Before training, not after it: the forecast past the end needs the values known
    // in advance over the horizon.
    prepared.check_future()?;
    load.notes.extend(prepare_notes(&prepared));
    if let Some(settings) = config.eval.backtest {
        backtest::check(&prepared.test, settings)?;
    }
    // Training and scoring together, before either starts (`budget`).
    let dims = prepared.train_data().dims(prepared.test.len());
    let mut need = crate::budget::training(&config.model, &config.train, &dims);
    need.extend(crate::budget::evaluation(&dims));
    need.check("this run", crate::budget::Limits::for_this_machine())?;
    let mut outcome = watch::train_watched(&prepared, &config, resume, control, report)?;
    load.notes.append(&mut outcome.notes);
    if let Some(epoch) = outcome.resumed_from {
        load.notes.push(format!(
            "continued from the checkpoint after epoch {epoch}: epochs 1 to {epoch} are the \
             parent run's, not retrained"
        ));
    }
    let checkpoints = std::mem::take(&mut outcome.checkpoints);
    // The run records what it applied (scripted or live), so that reusing its
    // configuration replays it; the refit and backtest replay it too.
    config.train.changes = std::mem::take(&mut outcome.changes);
    let parameters = outcome.model.num_params();
    let baselines = BaselineSet::fit(&prepared);
    let part = |origins: &[usize], model: &Forecaster| {
        (!origins.is_empty())
            .then(|| evaluate::forecast_part(&prepared, model, &baselines, origins))
            .transpose()
    };
    // Validation is forecast by the validated model, before any refit trains on it.
    let mut val = part(&prepared.val, &outcome.model)?;
    let refit = retrain::refit(&config, &prepared, &mut outcome, control)?;
    let mut test = part(&prepared.test, &outcome.model)?;
    let quantile_report = match (
        config.train.loss.quantiles(),
        val.as_ref()
            .and_then(|v| v.quantiles.as_ref().map(|q| (v, q))),
    ) {
        (Some(levels), Some((v, vq))) => Some(quantiles::QuantileReport::fit(
            levels,
            &config.eval.intervals,
            config.window.horizon,
            (&v.actual, vq),
            test.as_ref()
                .and_then(|t| t.quantiles.as_ref().map(|q| (t.actual.as_slice(), q))),
        )),
        _ => None,
    };
    let choice = choose::choose(&prepared, &config, val.as_ref());
    for p in val.iter_mut().chain(test.iter_mut()) {
        choose::apply(choice.chosen, p);
    }
    let intervals = val
        .as_ref()
        .filter(|_| !config.eval.intervals.is_empty())
        .map(|v| {
            intervals::Intervals::fit(
                &config.eval.intervals,
                v,
                test.as_ref(),
                config.window.horizon,
                intervals::QuantileSource {
                    levels: config.train.loss.quantiles(),
                    product_is_model: choice.chosen == crate::eval::choice::Source::Model,
                },
            )
        });
    let backtest = match (config.eval.backtest, test.as_ref()) {
        (Some(settings), Some(test)) => {
            let parts = backtest::RunParts {
                prepared: &prepared,
                config: &config,
                test,
                val: val.as_ref(),
                source: choice.chosen,
                epochs: retrain::validated_epochs(&outcome),
            };
            let mut retrain = |origins: &[usize], epochs: usize| {
                retrain::train_fixed(&config, &prepared, origins, epochs, control)
            };
            Some(backtest::run(&parts, settings, control, &mut retrain)?)
        }
        _ => None,
    };
    let val_scores = val.as_ref().map(|p| evaluate::score_part(&prepared, p));
    let test_scores = test.as_ref().map(|p| evaluate::score_part(&prepared, p));
    let test_origins = test.as_ref().map_or(&[][..], |t| t.origins.as_slice());
    let test_attention = future::test_attention(&prepared, &outcome.model, test_origins)?;
    let mut future = forecast_future(&prepared, &outcome.model)?;
    choose::apply_future(choice.chosen, &prepared, &baselines, &mut future);
    let mut product = choose::product_spec(&choice, &baselines);
    product.intervals = intervals.as_ref().and_then(|i| {
        i.product().map(|radii| SavedIntervals {
            levels: i.levels.clone(),
            radii: radii.clone(),
            pairs: i.product_pairs().to_vec(),
        })
    });
    let series = &prepared.series;
    let check = val_scores
        .as_ref()
        .map(|s| choose::baseline_check(&prepared, &config, &s.original, &choice));
    let alerts = crate::diag::final_alerts(
        &outcome.history,
        &outcome.stop,
        outcome.best_epoch,
        check.as_ref(),
    );
    let summary = RunSummary {
        data: DataSummary::of(table, &prepared, &config, load),
        training: TrainingSummary {
            history: outcome.history,
            best_epoch: outcome.best_epoch,
            stop: outcome.stop,
            elapsed_secs: outcome.elapsed_secs,
            windows_per_sec: outcome.windows_per_sec,
            parameters,
            alerts,
            diag_cost: outcome.diag_cost,
            diag_every: config.train.diag_every,
            refit,
            resumed_from: outcome.resumed_from,
        },
        val,
        val_scores,
        test,
        test_scores,
        unavailable_baselines: baselines.unavailable,
        future,
        forecast: Some(choice),
        intervals,
        backtest,
        quantiles: quantile_report,
        test_attention,
        config: config.clone(),
    };
    let model = TrainedModel {
        forecaster: outcome.model,
        columns: series.columns.iter().map(|c| c.name.clone()).collect(),
        n_targets: series.n_targets,
        scaling: prepared.scaling.clone(),
        config,
        product: Some(product),
    };
    Ok(RunOutput {
        summary,
        model,
        series: prepared.series.clone(),
        checkpoints,
    })
}

/// A note for each column whose training rows do not vary (after log / differencing):
/// its scaler cannot divide by a zero spread and uses 1 instead; and for each robust
/// scaler whose interquartile range was 0 (intermittent values), what it divides by.
fn constant_columns(prepared: &Prepared) -> Vec<String> {
    let rows = prepared.split.train.len();
    prepared
        .scaling
        .columns
        .iter()
        .zip(&prepared.series.columns)
        .filter(|(scaler, _)| scaler.degenerate)
        .map(|(scaler, column)| {
            format!(
                "column '{}' does not vary over the {rows} training rows (always {}): it \
                 cannot be scaled by its spread, so it is only shifted (scale 1), and a \
                 model can learn nothing from it",
                column.name, scaler.center
            )
        })
        .chain(
            prepared
                .scaling
                .columns
                .iter()
                .zip(&prepared.series.columns)
                .filter(|(scaler, _)| scaler.iqr_zero)
                .map(|(scaler, column)| {
                    format!(
                        "column '{}': half or more of its {rows} training values are {}, so \
                         its interquartile range is 0; the robust scaler divides by the mean \
                         absolute deviation from the median instead ({:.4})",
                        column.name, scaler.center, scaler.scale
                    )
                }),
        )
        .collect()
}

/// Overfits one small batch of `table`'s training windows with `config`'s model (see
/// [`crate::diag::tools::overfit_batch`]).
pub fn overfit_batch(
    table: &CsvTable,
    config: &RunConfig,
    control: &Control,
) -> Result<crate::diag::tools::OverfitReport> {
    let (prepared, _, config) = load_and_prepare(table, config)?;
    crate::diag::tools::overfit_batch(
        &config.model,
        &config.train,
        &prepared.train_data(),
        control,
    )
}

/// Runs the learning-rate range test on `table`'s training windows with `config`'s
/// model and optimiser (see [`crate::diag::tools::lr_range_test`]).
pub fn lr_range_test(
    table: &CsvTable,
    config: &RunConfig,
    control: &Control,
) -> Result<crate::diag::tools::LrRangeReport> {
    let (prepared, _, config) = load_and_prepare(table, config)?;
    crate::diag::tools::lr_range_test(
        &config.model,
        &config.train,
        &prepared.train_data(),
        control,
    )
}

//! Series → model space: split, target transforms (log, difference), per-column scalers
//! fitted on training rows only, and the window origins of each part.

use std::ops::Range;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::config::{RunConfig, Strategy, WindowNorm};
use crate::data::scale::Scaler;
use crate::data::series::Series;
use crate::data::split::{SplitRanges, split_rows};
use crate::data::window::WindowSpec;
use crate::error::{EngineError, Result};
use crate::train::TrainData;

/// Largest magnitude fed to the model: beyond it, squares and products in 32-bit
/// training overflow to infinity within a step or two (`f32::MAX` is about 3.4e38).
const MAX_MODEL_VALUE: f32 = 1e15;

/// Everything needed to map model outputs back to the user's units; saved with a model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scaling {
    /// One scaler per model column (targets first), fitted in transformed space.
    pub columns: Vec<Scaler>,
    /// One scaler per target on its raw values: defines the "normalised" metric scale.
    pub levels: Vec<Scaler>,
    /// Natural log of the targets first.
    pub log: bool,
    /// First differences of the targets.
    pub diff: bool,
}

/// A series ready for training and evaluation.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The cleaned series.
    pub series: Arc<Series>,
    /// Row ranges of the parts.
    pub split: SplitRanges,
    /// Window geometry.
    pub spec: WindowSpec,
    /// Model-space values, row-major `[rows × features]`.
    pub matrix: Vec<f32>,
    /// Per target: the transformed level (log'd or raw) that differences are added to.
    pub levels: Vec<Vec<f64>>,
    /// Scalers and transforms.
    pub scaling: Scaling,
    /// Training window origins.
    pub train: Vec<usize>,
    /// The origins the model trains on: `train`, or for a recursive model every window
    /// whose next row is a training row (it learns one-step targets).
    pub model_train: Vec<usize>,
    /// Validation window origins.
    pub val: Vec<usize>,
    /// Test window origins.
    pub test: Vec<usize>,
    /// Seasonal period for seasonal naive and MASE: `eval.season`, else the
    /// frequency's, else (a series without timestamps) one detected in the first
    /// target's training rows, else 1.
    pub season: usize,
    /// When the season was detected from the values: the autocorrelation of the
    /// changes at that lag.
    pub season_detected: Option<f64>,
    /// Per-window normalisation the model was (is to be) trained with.
    pub window_norm: WindowNorm,
    /// Model columns of the covariates known in advance (`Series::known_ahead`, in its
    /// order).
    pub known_ahead: Vec<usize>,
    /// Their scaled values over the `horizon` steps after the last row, row-major
    /// `[horizon × known]`, or why they are unknown (the forecast past the end needs
    /// them; windows inside the data do not).
    pub beyond: std::result::Result<Vec<f32>, String>,
    /// How the horizon is forecast (`model.strategy`).
    pub strategy: Strategy,
}

impl Prepared {
    /// Each target's MASE scale: the mean absolute seasonal difference over the
    /// training rows (`None` when it cannot be computed).
    pub fn mase_scales(&self) -> Vec<Option<f64>> {
        self.series
            .targets()
            .iter()
            .map(|c| {
                let train = c.values.get(self.split.train.clone()).unwrap_or(&[]);
                crate::eval::metrics::mase_scale(train, self.season)
            })
            .collect()
    }

    /// Prepares `series`, fitting scalers on its training rows.
    pub fn fit(series: Arc<Series>, config: &RunConfig) -> Result<Self> {
        Self::build(series, config, None)
    }

    /// Prepares `series` with scalers from a saved model (nothing is refitted).
    pub fn with_scaling(series: Arc<Series>, config: &RunConfig, scaling: Scaling) -> Result<Self> {
        Self::build(series, config, Some(scaling))
    }

    fn build(series: Arc<Series>, config: &RunConfig, saved: Option<Scaling>) -> Result<Self> {
        config.validate()?;
        let n = series.len();
        let spec = WindowSpec {
            lookback: config.window.lookback,
            horizon: config.window.horizon,
            stride: config.window.stride,
        };
        // One source of truth for the transforms: a saved model's scalers were fitted
        // on (and its outputs are inverted through) the transforms they record.
        let (log, diff) = match &saved {
            Some(s) => (s.log, s.diff),
            None => (config.data.log, config.data.diff),
        };
        let earliest = usize::from(diff);
        check_length(n, &spec, earliest)?;
        let split = match &saved {
            // A saved model predicts over the whole file.
            Some(_) => SplitRanges {
                train: 0..0,
                val: 0..0,
                test: 0..n,
            },
            None => split_rows(n, &config.data.split)?,
        };
        if saved.is_none() {
            spec.check_train(split.train.len().saturating_sub(earliest))?;
        }
        let (levels, model_columns) = transform_columns(&series, log, diff)?;
        let scaling = match saved {
            Some(s) => check_saved(s, model_columns.len(), series.n_targets)?,
            None => {
                let fit_rows = split.train.start + earliest..split.train.end;
                fit_scaling(&series, &model_columns, config, fit_rows, &split.train)?
            }
        };
        let matrix = scaled_matrix(&series, &model_columns, &scaling)?;
        // A recursive model learns one-step targets: every window whose next row is a
        // training row teaches it.
        let train_spec = model_spec(spec, config.model.strategy);
        let train = spec.inside(split.train.start + earliest..split.train.end);
        let model_train = train_spec.inside(split.train.start + earliest..split.train.end);
        let val = spec.targets_inside(split.val.clone(), earliest);
        let test = spec.targets_inside(split.test.clone(), earliest);
        let (season, season_detected) = season_of(&series, config, &split);
        let known_ahead = series.known_ahead_indices();
        check_strategy(&series, config.model.strategy)?;
        let beyond = scaled_beyond(&series, &known_ahead, &scaling, spec.horizon);
        Ok(Self {
            series,
            split,
            spec,
            matrix,
            levels,
            scaling,
            train,
            model_train,
            val,
            test,
            season,
            season_detected,
            window_norm: config.model.window_norm,
            known_ahead,
            beyond,
            strategy: config.model.strategy,
        })
    }

    /// The forecast past the end can be made: the values known in advance reach over
    /// the horizon (an error naming what is missing otherwise).
    pub fn check_future(&self) -> Result<()> {
        match &self.beyond {
            Ok(_) => Ok(()),
            Err(why) => Err(EngineError::Config(why.clone())),
        }
    }

    /// The windows the model learns from: the run's, or one-step ones for a recursive
    /// model.
    pub fn model_spec(&self) -> WindowSpec {
        model_spec(self.spec, self.strategy)
    }

    /// Columns fed to the model.
    pub fn features(&self) -> usize {
        self.series.columns.len()
    }

    /// Columns forecast.
    pub fn targets(&self) -> usize {
        self.series.n_targets
    }

    /// The view the training loop needs.
    pub fn train_data(&self) -> TrainData<'_> {
        TrainData {
            matrix: &self.matrix,
            features: self.features(),
            targets: self.targets(),
            lookback: self.spec.lookback,
            horizon: self.strategy.model_horizon(self.spec.horizon),
            train: &self.model_train,
            val: &self.val,
            window_norm: self.window_norm,
            season: self.season,
            known: crate::train::KnownAhead {
                columns: &self.known_ahead,
                beyond: self.beyond.as_deref().unwrap_or(&[]),
            },
            rollout: match self.strategy {
                Strategy::Direct | Strategy::Seq2seq => 0,
                Strategy::Recursive => self.spec.horizon,
            },
        }
    }

    /// Maps model outputs `[windows × horizon × targets]` for `origins` back to the
    /// user's units: per target, row-major `[windows × horizon]`.
    pub fn invert(&self, origins: &[usize], outputs: &[f32]) -> Vec<Vec<f64>> {
        let (h, t) = (self.spec.horizon, self.targets());
        let mut per_target = vec![Vec::with_capacity(origins.len() * h); t];
        for (w, &origin) in origins.iter().enumerate() {
            for (j, out) in per_target.iter_mut().enumerate() {
                let scaler = self.scaling.columns.get(j);
                let base = self
                    .levels
                    .get(j)
                    .and_then(|l| l.get(origin))
                    .copied()
                    .unwrap_or(0.0);
                let mut level = base;
                for k in 0..h {
                    let z = outputs
                        .get((w * h + k) * t + j)
                        .copied()
                        .unwrap_or(f32::NAN);
                    let v = scaler.map_or(f64::NAN, |s| s.inverse(f64::from(z)));
                    level = if self.scaling.diff { level + v } else { v };
                    out.push(if self.scaling.log { level.exp() } else { level });
                }
            }
        }
        per_target
    }

    /// Actual values of target `j` for `origins`, row-major `[windows × horizon]`.
    pub fn actuals(&self, j: usize, origins: &[usize]) -> Vec<f64> {
        let values = self.series.columns.get(j).map_or(&[][..], |c| &c.values);
        let h = self.spec.horizon;
        origins
            .iter()
            .flat_map(|&t| (t + 1..=t + h).map(|r| values.get(r).copied().unwrap_or(f64::NAN)))
            .collect()
    }
}

/// Refuses a series shorter than one window (plus the row differencing uses).
fn check_length(n: usize, spec: &WindowSpec, earliest: usize) -> Result<()> {
    if n >= spec.min_rows() + earliest {
        return Ok(());
    }
    Err(EngineError::TooShort(format!(
        "the series has {n} rows, but one window needs lookback {} + horizon {} = {} rows{}",
        spec.lookback,
        spec.horizon,
        spec.min_rows() + earliest,
        if earliest > 0 {
            " (+1 for differencing)"
        } else {
            ""
        }
    )))
}

/// Columns of values, one `Vec` per column.
type Columns = Vec<Vec<f64>>;

/// Each target's level before differencing (to undo it), and the model-space columns
/// (targets logged and differenced as asked, covariates as they are).
fn transform_columns(series: &Series, log: bool, diff: bool) -> Result<(Columns, Columns)> {
    let n_targets = series.n_targets;
    let mut levels = Vec::with_capacity(n_targets);
    let mut model_columns = Vec::with_capacity(series.columns.len());
    for (j, column) in series.columns.iter().enumerate() {
        let is_target = j < n_targets;
        let mut values = column.values.clone();
        if is_target && log {
            if let Some((row, v)) = values.iter().enumerate().find(|(_, v)| **v <= 0.0) {
                return Err(EngineError::Transform(format!(
                    "cannot take the log of '{}': row {} is {v}; log needs every value > 0 \
                     (turn the log transform off or shift the series)",
                    column.name,
                    row + 1
                )));
            }
            values.iter_mut().for_each(|v| *v = v.ln());
        }
        if is_target {
            levels.push(values.clone());
            if diff {
                let mut prev = values.first().copied().unwrap_or(0.0);
                for v in values.iter_mut() {
                    let cur = *v;
                    *v = cur - prev;
                    prev = cur;
                }
            }
        }
        model_columns.push(values);
    }
    Ok((levels, model_columns))
}

/// A saved model's scaling, if it fits the data's columns.
fn check_saved(saved: Scaling, columns: usize, n_targets: usize) -> Result<Scaling> {
    if saved.columns.len() != columns || saved.levels.len() != n_targets {
        return Err(EngineError::Artifact(format!(
            "the model was trained on {} columns ({} targets) but the data has {} ({})",
            saved.columns.len(),
            saved.levels.len(),
            columns,
            n_targets
        )));
    }
    Ok(saved)
}

/// Scalers fitted on the training rows only: one per model column (on `fit_rows`, the
/// training rows the differencing leaves) and one per target level.
fn fit_scaling(
    series: &Series,
    model_columns: &[Vec<f64>],
    config: &RunConfig,
    fit_rows: Range<usize>,
    train_rows: &Range<usize>,
) -> Result<Scaling> {
    let mut columns = Vec::with_capacity(model_columns.len());
    for (values, column) in model_columns.iter().zip(&series.columns) {
        let kind = config.data.scale_for(&column.name);
        columns.push(Scaler::fit(
            kind,
            values.get(fit_rows.clone()).unwrap_or(&[]),
            &column.name,
        )?);
    }
    let mut levels = Vec::with_capacity(series.n_targets);
    for column in series.targets() {
        let kind = config.data.scale_for(&column.name);
        let train = column.values.get(train_rows.clone()).unwrap_or(&[]);
        levels.push(Scaler::fit(kind, train, &column.name)?);
    }
    Ok(Scaling {
        columns,
        levels,
        log: config.data.log,
        diff: config.data.diff,
    })
}

/// The scaled row-major `[rows × features]` matrix the model reads; a value that
/// overflows 32-bit training is an error naming its column and row.
fn scaled_matrix(
    series: &Series,
    model_columns: &[Vec<f64>],
    scaling: &Scaling,
) -> Result<Vec<f32>> {
    let n = series.len();
    let features = model_columns.len();
    let mut matrix = vec![0.0f32; n * features];
    for (j, (values, scaler)) in model_columns.iter().zip(&scaling.columns).enumerate() {
        let name = series.columns.get(j).map_or("?", |c| c.name.as_str());
        for (i, v) in values.iter().enumerate() {
            let z = scaler.transform(*v) as f32;
            if z.is_finite() && z.abs() > MAX_MODEL_VALUE {
                return Err(EngineError::Transform(format!(
                    "column '{name}', row {}: value {v:e} is {z:e} after scaling ('{}'); \
                     training in 32-bit floats overflows beyond about {MAX_MODEL_VALUE:e}, \
                     so choose a scaling (zscore, minmax or robust) or the log transform",
                    i + 1,
                    format!("{:?}", scaler.kind).to_lowercase()
                )));
            }
            if !z.is_finite() {
                return Err(EngineError::Transform(format!(
                    "column '{name}', row {}: value {v} overflows after scaling; \
                     rescale the data or use another scaler",
                    i + 1
                )));
            }
            if let Some(slot) = matrix.get_mut(i * features + j) {
                *slot = z;
            }
        }
    }
    Ok(matrix)
}

/// `spec` with the horizon the network itself forecasts under `strategy`.
fn model_spec(spec: WindowSpec, strategy: Strategy) -> WindowSpec {
    WindowSpec {
        horizon: strategy.model_horizon(spec.horizon),
        ..spec
    }
}

/// Refuses a recursive run on a series with a covariate whose future is unknown: the
/// rolled-forward window would need its value.
fn check_strategy(series: &Series, strategy: Strategy) -> Result<()> {
    if strategy == Strategy::Direct {
        return Ok(());
    }
    let known = series.known_ahead();
    let unknown: Vec<&str> = series
        .covariates()
        .iter()
        .map(|c| c.name.as_str())
        .filter(|name| !known.iter().any(|k| k == name))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(EngineError::Config(format!(
        "the recursive strategy feeds each forecast back as the next input, so every \
         covariate must be known in advance; {} {} not (mark {} with \
         --future-covariates, or use --strategy direct)",
        unknown.join(", "),
        if unknown.len() == 1 { "is" } else { "are" },
        if unknown.len() == 1 { "it" } else { "them" },
    )))
}

/// The known-in-advance columns' values over the `horizon` steps after the last row,
/// scaled like their columns, row-major `[horizon × known]`.
fn scaled_beyond(
    series: &Series,
    known: &[usize],
    scaling: &Scaling,
    horizon: usize,
) -> std::result::Result<Vec<f32>, String> {
    if known.is_empty() {
        return Ok(Vec::new());
    }
    let columns = series.ahead_values(horizon).map_err(|e| match e {
        EngineError::Config(why) => why,
        other => other.to_string(),
    })?;
    let mut out = vec![0.0f32; horizon * known.len()];
    for (j, (values, &c)) in columns.iter().zip(known).enumerate() {
        let scaler = scaling
            .columns
            .get(c)
            .ok_or("a known column has no scaler")?;
        for (k, v) in values.iter().enumerate() {
            if let Some(slot) = out.get_mut(k * known.len() + j) {
                *slot = scaler.transform(*v) as f32;
            }
        }
    }
    Ok(out)
}

/// The seasonal period: the user's, the time axis's, or (without timestamps) read from
/// the training values with the correlation that found it.
pub(super) fn season_of(
    series: &Series,
    config: &RunConfig,
    split: &SplitRanges,
) -> (usize, Option<f64>) {
    match config.eval.season.or_else(|| series.season()) {
        Some(season) => (season, None),
        None if series.frequency().is_none() => series
            .targets()
            .first()
            .and_then(|c| c.values.get(split.train.clone()))
            .and_then(crate::data::season::detect)
            .map_or((1, None), |(period, r)| (period, Some(r))),
        None => (1, None),
    }
}

//! The run configuration: plain serde data with documented defaults, shared by the
//! command line, the GUI and saved runs. One source of truth for every hyperparameter.
//!
//! A config file is TOML; every field may be left out and takes the default shown here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};

pub use calendar::{CALENDAR_HARMONICS, CALENDAR_PREFIX, CalendarFeature, CalendarSpec};
pub use changes::{BranchPoint, Change, Knob};
pub use eval::{
    BacktestConfig, DEFAULT_INTERVALS, EvalConfig, ForecastMode, MAX_BACKTEST_REFITS, MetricsScale,
};
pub use loss::{LossKind, MAX_QUANTILES, QuantileLevels};
pub use model::{
    Attention, CellKind, DropoutMode, InitKind, ModelConfig, SkipInit, Strategy, Tbptt, WindowNorm,
    max_layers, recurrent_len,
};
pub use teacher::{SamplingSchedule, TeacherForcing};
pub use train::{
    ClipKind, CyclicMode, DEFAULT_CHECKPOINTS, MAX_CHECKPOINTS, OptimizerKind, ScheduleKind,
    TrainConfig, epochs_shape_the_past,
};

mod calendar;
pub mod changes;
mod eval;
mod loss;
mod model;
mod teacher;
mod train;
mod validate;

/// Everything that defines a training run, apart from the CSV file itself.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunConfig {
    /// Which columns to use and how to clean, split and scale them.
    pub data: DataConfig,
    /// Lookback, horizon and stride of the sliding windows.
    pub window: WindowConfig,
    /// The recurrent network.
    pub model: ModelConfig,
    /// Optimiser, schedule, clipping, stopping, seed.
    pub train: TrainConfig,
    /// How metrics are reported.
    pub eval: EvalConfig,
}

/// What to do with empty / `NA` / `NaN` cells in the chosen columns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingPolicy {
    /// Stop with an error naming the first missing cells.
    Refuse,
    /// Drop every row where a chosen column is missing.
    Drop,
    /// Repeat the last seen value (leading gaps take the first valid value).
    ForwardFill,
    /// Straight line between the neighbouring valid values (edges take the nearest one).
    #[default]
    Interpolate,
}

/// What to do with rows that share a timestamp.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicatePolicy {
    /// Keep the first row of each timestamp.
    #[default]
    First,
    /// Keep the last row of each timestamp.
    Last,
    /// Average the rows of each timestamp.
    Mean,
    /// Stop with an error naming the first duplicates.
    Refuse,
}

/// How a column is normalised. Statistics come from the training rows only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScaleKind {
    /// Leave values as they are.
    None,
    /// (x − mean) / std (population std).
    #[default]
    Zscore,
    /// (x − min) / (max − min), mapping the training range to [0, 1].
    Minmax,
    /// (x − median) / IQR, insensitive to outliers.
    Robust,
}

/// Chronological train / validation / test split.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "by")]
pub enum Split {
    /// Fractions of the rows, in time order; they must sum to at most 1.
    Fractions {
        /// Training share.
        train: f64,
        /// Validation share.
        val: f64,
        /// Test share.
        test: f64,
    },
    /// Explicit row counts, in time order (e.g. ETT: 8640 / 2880 / 2880).
    Rows {
        /// Training rows.
        train: usize,
        /// Validation rows.
        val: usize,
        /// Test rows.
        test: usize,
    },
    /// The last `test` rows of each series are its test part and the `val` rows before
    /// them its validation part; training takes the rest (the M4 protocol with
    /// `val = test = horizon`; `--split per-series-last=H`).
    Last {
        /// Validation rows before the test part.
        val: usize,
        /// Test rows at the end of each series.
        test: usize,
    },
}

impl Default for Split {
    fn default() -> Self {
        Self::Fractions {
            train: 0.7,
            val: 0.15,
            test: 0.15,
        }
    }
}

/// Column roles, cleaning, split, scaling and transforms.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DataConfig {
    /// Time column; `None` detects one (or uses the row index when there is none).
    pub time_column: Option<String>,
    /// How the time column writes its dates, when detection should not decide
    /// (`--date-format DD/MM/YYYY`; the patterns are `data::time::DATE_FORMAT_PATTERNS`).
    /// `None` detects it from the whole column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_format: Option<String>,
    /// Column(s) to forecast. Empty means the first numeric column that is not time.
    pub targets: Vec<String>,
    /// Many series, one model: the column naming each row's series in a long table
    /// (`series,time,value`); the target is each series' value column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series_column: Option<String>,
    /// Extra input columns (their past values are fed to the model, never forecast).
    pub covariates: Vec<String>,
    /// Many series: columns constant within each series of the long table, fed to the
    /// model as static attributes (a number z-scored over the series, a category
    /// one-hot).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub static_columns: Vec<String>,
    /// Many series: a CSV of static attributes, one row per series keyed by its id
    /// (the column named like the series column, else the first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub static_file: Option<std::path::PathBuf>,
    /// Missing-value policy.
    pub missing: MissingPolicy,
    /// Duplicate-timestamp policy.
    pub duplicates: DuplicatePolicy,
    /// Chronological split.
    pub split: Split,
    /// Scaling for every column without an override.
    pub scale: ScaleKind,
    /// Per-column scaling overrides, by column name.
    pub scale_overrides: BTreeMap<String, ScaleKind>,
    /// Take the natural log of the targets first (all values must be > 0).
    pub log: bool,
    /// Model first differences of the targets (after the log, when both are on).
    pub diff: bool,
    /// Covariates whose future values are known (a promotion plan, a holiday flag):
    /// besides their past values, the model reads their values over the forecast
    /// horizon. Each must also be listed in `covariates`; forecasting past the end of
    /// the data needs their next `horizon` values (`future_file`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub future_covariates: Vec<String>,
    /// A CSV of the known-in-advance covariates' values after the last row: the time
    /// column and the `future_covariates`, one row per future step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub future_file: Option<std::path::PathBuf>,
    /// Calendar features generated from the time column, known for every future step
    /// (`auto` is resolved to the list it picks when a run starts).
    #[serde(skip_serializing_if = "CalendarSpec::is_none")]
    pub calendar: CalendarSpec,
}

impl DataConfig {
    /// How many model columns are known in advance: the user's future covariates and
    /// the generated calendar columns (0 calendar columns while `calendar` is still
    /// `auto`: a run resolves it to its list).
    pub fn known_ahead_count(&self) -> usize {
        let calendar = match &self.calendar {
            CalendarSpec::List(list) => list.len() * 2 * CALENDAR_HARMONICS,
            CalendarSpec::None | CalendarSpec::Auto => 0,
        };
        self.future_covariates.len() + calendar
    }

    /// The scaler kind for a column, honouring overrides.
    pub fn scale_for(&self, column: &str) -> ScaleKind {
        self.scale_overrides
            .get(column)
            .copied()
            .unwrap_or(self.scale)
    }
}

/// Sliding windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WindowConfig {
    /// Input length in time steps.
    pub lookback: usize,
    /// Steps forecast at once (direct multi-output).
    pub horizon: usize,
    /// Distance between consecutive window origins.
    pub stride: usize,
}

impl Default for WindowConfig {
    fn default() -> Self {
        Self {
            lookback: 24,
            horizon: 12,
            stride: 1,
        }
    }
}

/// Largest settings file read (a run configuration or search space: a few KiB).
pub const MAX_SETTINGS_BYTES: u64 = 1 << 20;

/// A settings file's text (a TOML run configuration or search space), read with a cap of
/// [`MAX_SETTINGS_BYTES`] whatever the file claims, and required to be UTF-8.
pub fn read_settings_file(path: &std::path::Path) -> Result<String> {
    let bytes = crate::bounded::read_bounded(path, MAX_SETTINGS_BYTES, &|| {
        EngineError::Config(format!(
            "{} is larger than the 1 MiB a seqcast settings file can be: it is not a \
             configuration or search space",
            path.display()
        ))
    })?;
    String::from_utf8(bytes).map_err(|_| {
        EngineError::Config(format!(
            "{} is not UTF-8 text: it is not a configuration or search space",
            path.display()
        ))
    })
}

impl RunConfig {
    /// Parses a TOML config; unknown fields are errors so typos are not silently ignored.
    pub fn from_toml(text: &str) -> Result<Self> {
        let config: Self = toml::from_str(text).map_err(|e| EngineError::Config(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Reads and parses a TOML config file ([`read_settings_file`]).
    pub fn from_file(path: &std::path::Path) -> Result<Self> {
        Self::from_toml(&read_settings_file(path)?)
    }

    /// Serialises to TOML.
    pub fn to_toml(&self) -> Result<String> {
        toml::to_string_pretty(self).map_err(|e| EngineError::Config(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recurrent_window_is_the_tail_only_with_the_skip() {
        assert_eq!(recurrent_len(336, 48, true), 48);
        assert_eq!(
            recurrent_len(24, 48, true),
            24,
            "a short window is read whole"
        );
        assert_eq!(recurrent_len(336, 0, true), 336, "0 = all");
        assert_eq!(recurrent_len(336, 48, false), 336, "no skip: every step");
        let mut m = ModelConfig::default();
        assert_eq!(m.recurrent_len(365), 48);
        m.linear_skip = false;
        assert_eq!(m.recurrent_len(365), 365);
    }

    #[test]
    fn default_round_trips_through_toml() {
        let config = RunConfig::default();
        let text = config.to_toml().unwrap();
        assert_eq!(RunConfig::from_toml(&text).unwrap(), config);
    }

    #[test]
    fn partial_toml_takes_defaults() {
        let config = RunConfig::from_toml(
            "[model]\ncell = \"gru\"\n[data.split]\nby = \"rows\"\ntrain = 8640\nval = 2880\ntest = 2880\n",
        )
        .unwrap();
        assert_eq!(config.model.cell, CellKind::Gru);
        assert_eq!(config.model.hidden, 64);
        assert_eq!(
            config.data.split,
            Split::Rows {
                train: 8640,
                val: 2880,
                test: 2880
            }
        );
    }

    #[test]
    fn a_schedule_floor_that_is_not_a_finite_non_negative_lr_is_refused() {
        for (schedule, value) in [
            ("kind = \"cosine\"\nmin_lr = -1e-4", "-0.0001"),
            ("kind = \"cosine\"\nmin_lr = nan", "NaN"),
            (
                "kind = \"plateau\"\nfactor = 0.5\npatience = 3\nmin_lr = -inf",
                "-inf",
            ),
        ] {
            let err = RunConfig::from_toml(&format!("[train.schedule]\n{schedule}\n"))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(&format!(
                    "train.schedule min_lr must be a finite number ≥ 0, got {value}"
                )),
                "{err}"
            );
        }
        let ok = RunConfig::from_toml("[train.schedule]\nkind = \"cosine\"\nmin_lr = 0.0\n");
        assert!(ok.is_ok(), "{ok:?}");
    }

    #[test]
    fn tbptt_reads_from_toml_and_is_checked() {
        let c = RunConfig::from_toml("[model]\ntbptt = { k1 = 50, k2 = 200 }\n").unwrap();
        assert_eq!(c.model.tbptt, Some(Tbptt { k1: 50, k2: 200 }));
        assert!(c.to_toml().unwrap().contains("k2 = 200"));
        // Off by default, and then not written.
        assert!(!RunConfig::default().to_toml().unwrap().contains("tbptt"));
        let err = RunConfig::from_toml("[model]\ntbptt = { k1 = 0, k2 = 200 }\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("model.tbptt needs k1 and k2 in 1..="), "{err}");
        let err =
            RunConfig::from_toml("[model]\nstrategy = \"seq2seq\"\ntbptt = { k1 = 5, k2 = 5 }\n")
                .unwrap_err()
                .to_string();
        assert!(err.contains("not available for the seq2seq"), "{err}");
        // The split: 300 steps under (k1, 100) → 200 forward only, 100 backpropagated.
        let t = Some(Tbptt { k1: 7, k2: 100 });
        assert_eq!(Tbptt::split(t, 300), (200, 100));
        assert_eq!(Tbptt::split(t, 100), (0, 100));
        assert_eq!(Tbptt::split(None, 300), (0, 300));
    }

    #[test]
    fn sizes_that_would_overflow_index_arithmetic_are_refused() {
        // In release builds these wrapped: a split summing past usize::MAX passed, and a
        // lookback of usize::MAX without the skip panicked while windowing.
        let mut c = RunConfig::default();
        c.window.lookback = usize::MAX;
        let err = c.validate().unwrap_err().to_string();
        assert!(
            err.contains("window.lookback must be at most 10000000, got 18446744073709551615"),
            "{err}"
        );
        let mut c = RunConfig::default();
        c.window.horizon = validate::MAX_WINDOW_STEPS + 1;
        assert!(
            c.validate()
                .unwrap_err()
                .to_string()
                .contains("window.horizon")
        );
        let mut c = RunConfig::default();
        c.data.split = Split::Rows {
            train: usize::MAX - 1,
            val: 2,
            test: 0,
        };
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("are more rows than can be counted"), "{err}");
    }

    #[test]
    fn unknown_and_out_of_range_fields_are_named() {
        let err = RunConfig::from_toml("[model]\nhiden = 3\n").unwrap_err();
        assert!(err.to_string().contains("hiden"), "{err}");
        let err = RunConfig::from_toml("[model]\nlayers = 7\n").unwrap_err();
        assert!(err.to_string().contains("model.layers"), "{err}");
        let err = RunConfig::from_toml("[train]\nweight_average = 1.0\n").unwrap_err();
        assert!(err.to_string().contains("train.weight_average"), "{err}");
        let ok = RunConfig::from_toml("[train]\nweight_average = 0.99\n").unwrap();
        assert_eq!(ok.train.weight_average, 0.99);
    }
}

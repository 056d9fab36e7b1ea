//! Evaluation settings: the units of the reported metrics, the seasonal period, and
//! what the product forecast uses.

use serde::{Deserialize, Serialize};

/// Units in which metrics are reported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricsScale {
    /// The user's units (scaling and transforms inverted).
    #[default]
    Original,
    /// After the target's scaler (fitted on training rows), as the literature reports ETT.
    Normalised,
}

/// What the user asked to forecast with (`eval.forecast`, `--forecast`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForecastMode {
    /// Whatever scores best on validation: the model, a baseline or the combination.
    #[default]
    Auto,
    /// Always the trained model.
    Model,
    /// Always repeat the last value.
    Naive,
    /// Always repeat the value one season back.
    SeasonalNaive,
    /// Always extend the line through the window's first and last values.
    Drift,
    /// Always the linear autoregression.
    Linear,
    /// The model combined with the best baseline, weights fitted on validation.
    Ensemble,
}

impl ForecastMode {
    /// Every mode, in the order menus list them.
    pub const ALL: [ForecastMode; 7] = [
        Self::Auto,
        Self::Model,
        Self::Ensemble,
        Self::Naive,
        Self::SeasonalNaive,
        Self::Drift,
        Self::Linear,
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Model => "model",
            Self::Naive => "naive",
            Self::SeasonalNaive => "seasonal_naive",
            Self::Drift => "drift",
            Self::Linear => "linear",
            Self::Ensemble => "ensemble",
        }
    }

    /// Parses a command-line name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == text)
    }
}

/// Nominal levels of the prediction intervals unless configured: 80 % and 95 %.
pub const DEFAULT_INTERVALS: [f64; 2] = [0.8, 0.95];

/// At most this many interval levels (each adds two columns per target to the exports).
pub const MAX_INTERVALS: usize = 4;

/// A rolling-origin backtest over the test part (`eval.backtest`, `--backtest`): a
/// forecast from every `every`-th test origin, by the trained model or, with `refit`, by
/// a model retrained on everything before the origin every `refit` origins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BacktestConfig {
    /// Forecast from every K-th origin of the test part (1 = every origin).
    pub every: usize,
    /// Retrain every N backtest origins on the rows before the origin (0 = never: the
    /// trained model forecasts every origin).
    #[serde(default)]
    pub refit: usize,
}

/// At most this many retrainings in one backtest (each costs a training run).
pub const MAX_BACKTEST_REFITS: usize = 200;

/// Evaluation settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EvalConfig {
    /// Units of the reported metrics.
    pub metrics_scale: MetricsScale,
    /// Seasonal period for seasonal naive and MASE; `None` derives it from the frequency.
    pub season: Option<usize>,
    /// What the forecasts (exports, the forecast past the end) use: chosen on the
    /// validation windows by default (`auto`), or forced.
    pub forecast: ForecastMode,
    /// Nominal levels of the conformal prediction intervals (0–1, e.g. 0.8 and 0.95);
    /// empty: none.
    pub intervals: Vec<f64>,
    /// A rolling-origin backtest over the test part (`None`: none).
    pub backtest: Option<BacktestConfig>,
}

impl Default for EvalConfig {
    fn default() -> Self {
        Self {
            metrics_scale: MetricsScale::default(),
            season: None,
            forecast: ForecastMode::default(),
            intervals: DEFAULT_INTERVALS.to_vec(),
            backtest: None,
        }
    }
}

//! Labels and tooltips of the run-configuration panel. Each control's visible label (which
//! also names it for screen readers and tests) sits with its tooltip, written from the
//! training playbook (`shared/design/PLAYBOOK.md`): concrete guidance with numbers.
//! Only text lives here; the widgets are in the parent module.

/// A control's (or an option's) visible label and its tooltip.
#[derive(Clone, Copy, Debug)]
pub(super) struct Field {
    /// Visible label, also the accessible name; unique within the panel.
    pub name: &'static str,
    /// Hover text.
    pub tip: &'static str,
}

const fn field(name: &'static str, tip: &'static str) -> Field {
    Field { name, tip }
}

mod data_model;
mod training;

pub(super) use data_model::*;
pub(super) use training::*;

/// Every field, for the tests (no missing glyphs, unique names).
#[cfg(test)]
#[rustfmt::skip]
pub(super) const ALL: &[Field] = &[
    GROUP_DATA, SPLIT, SPLIT_FRACTIONS, SPLIT_LAST, SPLIT_ROWS, TRAIN, VAL, TEST, SUM, LOOKBACK, HORIZON,
    STRIDE, MISSING, MISSING_INTERP, MISSING_FFILL, MISSING_DROP, MISSING_REFUSE, DUPLICATES,
    DUP_FIRST, DUP_LAST, DUP_MEAN, DUP_REFUSE, GROUP_SCALING, SCALE, SCALE_ZSCORE, SCALE_MINMAX,
    SCALE_ROBUST, SCALE_NONE, LOG, DIFF, GROUP_MODEL, CELL, CELL_LSTM, CELL_GRU, CELL_RNN, HIDDEN,
    LAYERS, ORTHOGONAL, FORGET_BIAS, WINDOW_NORM, WINDOW_NORM_NONE, WINDOW_NORM_LAST,
    WINDOW_NORM_MEAN, LINEAR_SKIP, RECURRENT_STEPS, SKIP_INIT, SKIP_INIT_FITTED, SKIP_INIT_BEST,
    SKIP_INIT_SEASONAL, SKIP_INIT_NAIVE, SKIP_INIT_ZERO, STRATEGY, STRATEGY_DIRECT,
    STRATEGY_RECURSIVE, STRATEGY_SEQ2SEQ, TEACHER_FORCING, SAMPLING, SAMPLING_CONSTANT,
    SAMPLING_LINEAR, SAMPLING_EXP, SAMPLING_SIGMOID, SAMPLING_EPOCHS, SAMPLING_K, GROUP_OPTIMISER, OPTIMIZER, OPT_ADAM,
    OPT_ADAMW, OPT_RMSPROP,
    OPT_SGD, LR, MOMENTUM, NESTEROV, LOSS, LOSS_MSE, LOSS_MAE, LOSS_HUBER, LOSS_QUANTILE, QUANTILE_LEVELS, HUBER_DELTA,
    GROUP_SCHEDULE, SCHEDULE, SCHED_CONSTANT, SCHED_WARMUP, SCHED_STEP, SCHED_COSINE,
    SCHED_PLATEAU, WARMUP_EPOCHS, STEP_EVERY, STEP_GAMMA, MIN_LR, PLATEAU_FACTOR,
    PLATEAU_PATIENCE, GROUP_REGULARISATION, DROPOUT, WEIGHT_DECAY, CLIP, CLIP_NORM, CLIP_VALUE,
    CLIP_NONE, CLIP_MAX_NORM, CLIP_MAX_VALUE, GROUP_STOPPING, EPOCHS, PATIENCE, WEIGHT_AVERAGE,
    REFIT, BATCH, SEED, DIAG_EVERY,
    GROUP_EVALUATION, METRICS_SCALE, METRICS_ORIGINAL, METRICS_NORMALISED, SEASON_AUTO, SEASON,
    FORECAST, FORECAST_AUTO, FORECAST_MODEL, FORECAST_ENSEMBLE, FORECAST_SEASONAL,
    FORECAST_NAIVE, FORECAST_DRIFT, FORECAST_LINEAR, INTERVALS, BACKTEST, BACKTEST_EVERY,
    BACKTEST_REFIT,
];

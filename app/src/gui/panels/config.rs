//! The run-configuration panel: an editor for every engine option of a [`RunConfig`],
//! grouped in collapsing sections (data & windows, scaling, model, optimiser, schedule,
//! regularisation, stopping, evaluation), each with a "Reset to defaults" button.
//!
//! Column roles (time, targets, covariates) and per-column scaling overrides are edited
//! elsewhere and left untouched here. Defaults come only from [`RunConfig::default`]; the
//! constants below are the playbook's starting values for a variant's parameters when the
//! user switches to it (e.g. reduce-on-plateau: factor 0.5, patience 5). Labels and
//! tooltips live in [`texts`], the generic rows and widgets in [`widgets`].

use egui::{Checkbox, Ui};
use seqcast_engine::RunConfig;
use seqcast_engine::config::{
    Attention, BacktestConfig, CellKind, ClipKind, DEFAULT_INTERVALS, DataConfig, DropoutMode,
    DuplicatePolicy, EvalConfig, ForecastMode, InitKind, LossKind, MetricsScale, MissingPolicy,
    ModelConfig, OptimizerKind, ScaleKind, SkipInit, Split, Strategy, TeacherForcing, TrainConfig,
    WindowConfig, WindowNorm,
};

mod encoder;
mod quantiles;
mod schedule;
mod stopping;
mod teacher;
mod texts;
mod widgets;

use texts as t;
use widgets::{combo, drag, group, log_slider, reset_row, row, row_if};

// Playbook starting values for a variant's parameters, used when switching to that variant.
const HUBER_DELTA: f64 = 1.0;
const CLIP_MAX: f64 = 1.0;
const SEASON: usize = 24;
/// Row counts offered when switching the split to rows (the ETT benchmark's split).
const SPLIT_ROWS: Split = Split::Rows {
    train: 8640,
    val: 2880,
    test: 2880,
};
/// Rows held out when switching the split to the last rows (one horizon each).
const SPLIT_LAST: Split = Split::Last { val: 12, test: 12 };
/// Upper bound for step counts (lookback, horizon, stride, epochs…): generous, never binding.
const MAX_STEPS: usize = 1_000_000;
/// Smallest training fraction the editor allows (validation requires train > 0).
const MIN_TRAIN_FRACTION: f64 = 0.01;

/// Edits every engine option, grouped; returns true when anything changed this frame.
pub fn config_ui(ui: &mut Ui, config: &mut RunConfig) -> bool {
    let before = config.clone();
    let RunConfig {
        data,
        window,
        model,
        train,
        eval,
    } = config;
    group(ui, t::GROUP_DATA, true, |ui| data_ui(ui, data, window));
    group(ui, t::GROUP_SCALING, false, |ui| scaling_ui(ui, data));
    group(ui, t::GROUP_MODEL, true, |ui| {
        model_ui(ui, model, train, window.lookback);
    });
    group(ui, t::GROUP_OPTIMISER, false, |ui| optimiser_ui(ui, train));
    group(ui, t::GROUP_SCHEDULE, false, |ui| {
        schedule::schedule_ui(ui, train)
    });
    group(ui, t::GROUP_REGULARISATION, false, |ui| {
        regularisation_ui(ui, model, train);
    });
    group(ui, t::GROUP_STOPPING, false, |ui| {
        stopping::stopping_ui(ui, train);
    });
    group(ui, t::GROUP_EVALUATION, false, |ui| evaluation_ui(ui, eval));
    *config != before
}

fn data_ui(ui: &mut Ui, data: &mut DataConfig, window: &mut WindowConfig) {
    let split_choices = [
        (fractions_preset(), t::SPLIT_FRACTIONS),
        (SPLIT_ROWS, t::SPLIT_ROWS),
        (SPLIT_LAST, t::SPLIT_LAST),
    ];
    combo(ui, t::SPLIT, &mut data.split, &split_choices);
    match &mut data.split {
        Split::Fractions { train, val, test } => fractions_ui(ui, [train, val, test]),
        Split::Rows { train, val, test } => {
            row(ui, t::TRAIN, drag(train, 1..=usize::MAX));
            row(ui, t::VAL, drag(val, 0..=usize::MAX));
            row(ui, t::TEST, drag(test, 0..=usize::MAX));
        }
        Split::Last { val, test } => {
            row(ui, t::VAL, drag(val, 0..=usize::MAX));
            row(ui, t::TEST, drag(test, 1..=usize::MAX));
        }
    }
    row(ui, t::LOOKBACK, drag(&mut window.lookback, 1..=MAX_STEPS));
    row(ui, t::HORIZON, drag(&mut window.horizon, 1..=MAX_STEPS));
    row(ui, t::STRIDE, drag(&mut window.stride, 1..=MAX_STEPS));
    let missing_choices = [
        (MissingPolicy::Interpolate, t::MISSING_INTERP),
        (MissingPolicy::ForwardFill, t::MISSING_FFILL),
        (MissingPolicy::Drop, t::MISSING_DROP),
        (MissingPolicy::Refuse, t::MISSING_REFUSE),
    ];
    combo(ui, t::MISSING, &mut data.missing, &missing_choices);
    let duplicate_choices = [
        (DuplicatePolicy::First, t::DUP_FIRST),
        (DuplicatePolicy::Last, t::DUP_LAST),
        (DuplicatePolicy::Mean, t::DUP_MEAN),
        (DuplicatePolicy::Refuse, t::DUP_REFUSE),
    ];
    combo(ui, t::DUPLICATES, &mut data.duplicates, &duplicate_choices);

    let d = RunConfig::default();
    let ours = (data.split, data.missing, data.duplicates, *window);
    let defaults = (d.data.split, d.data.missing, d.data.duplicates, d.window);
    if reset_row(ui, t::GROUP_DATA, ours != defaults) {
        (data.split, data.missing, data.duplicates, *window) = defaults;
    }
}

/// Train / validation / test fractions. An edit that pushes the sum above 1 takes the excess
/// from the other parts, later parts first, so the split stays valid (train ≥ 0.01, sum ≤ 1).
fn fractions_ui(ui: &mut Ui, [train, val, test]: [&mut f64; 3]) {
    let rows = [
        (t::TRAIN, MIN_TRAIN_FRACTION..=1.0),
        (t::VAL, 0.0..=1.0 - MIN_TRAIN_FRACTION),
        (t::TEST, 0.0..=1.0 - MIN_TRAIN_FRACTION),
    ];
    let mut parts = [*train, *val, *test];
    let mut edited = None;
    for (i, ((field, range), part)) in rows.into_iter().zip(&mut parts).enumerate() {
        let widget = drag(part, range).speed(0.005).max_decimals(3);
        if row(ui, field, widget).changed() {
            edited = Some(i);
        }
    }
    if let Some(edited) = edited {
        let mut excess = parts.iter().sum::<f64>() - 1.0;
        for (i, part) in parts.iter_mut().enumerate().rev() {
            if excess > 0.0 && i != edited {
                let floor = if i == 0 { MIN_TRAIN_FRACTION } else { 0.0 };
                let taken = excess.min((*part - floor).max(0.0));
                *part -= taken;
                excess -= taken;
            }
        }
        [*train, *val, *test] = parts;
    }
    let sum = parts.iter().sum::<f64>();
    ui.label(t::SUM.name).on_hover_text(t::SUM.tip);
    let unused = (1.0 - sum).max(0.0);
    ui.label(format!("{sum:.3} ({unused:.3} unused)"))
        .on_hover_text(t::SUM.tip);
    ui.end_row();
}

fn scaling_ui(ui: &mut Ui, data: &mut DataConfig) {
    let choices = [
        (ScaleKind::Zscore, t::SCALE_ZSCORE),
        (ScaleKind::Minmax, t::SCALE_MINMAX),
        (ScaleKind::Robust, t::SCALE_ROBUST),
        (ScaleKind::None, t::SCALE_NONE),
    ];
    combo(ui, t::SCALE, &mut data.scale, &choices);
    row(ui, t::LOG, Checkbox::without_text(&mut data.log));
    row(ui, t::DIFF, Checkbox::without_text(&mut data.diff));

    let d = RunConfig::default().data;
    let defaults = (d.scale, d.log, d.diff);
    if reset_row(
        ui,
        t::GROUP_SCALING,
        (data.scale, data.log, data.diff) != defaults,
    ) {
        (data.scale, data.log, data.diff) = defaults;
    }
}

fn model_ui(ui: &mut Ui, model: &mut ModelConfig, train: &mut TrainConfig, lookback: usize) {
    let choices = [
        (CellKind::Lstm, t::CELL_LSTM),
        (CellKind::Gru, t::CELL_GRU),
        (CellKind::Rnn, t::CELL_RNN),
    ];
    combo(ui, t::CELL, &mut model.cell, &choices);
    if model.cell == CellKind::Lstm && model.strategy != Strategy::Seq2seq {
        row(ui, t::PEEPHOLE, Checkbox::without_text(&mut model.peephole));
    } else {
        // Peepholes read an LSTM's cell state; not for seq2seq (config validation).
        model.peephole = false;
    }
    row(ui, t::HIDDEN, drag(&mut model.hidden, 1..=4096).speed(1.0));
    let max_layers = seqcast_engine::config::max_layers(model.residual);
    row(
        ui,
        t::LAYERS,
        drag(&mut model.layers, 1..=max_layers).speed(0.05),
    );
    if model.strategy != Strategy::Seq2seq {
        row(ui, t::RESIDUAL, Checkbox::without_text(&mut model.residual));
        let size = (model.layers, model.hidden);
        encoder::bidirectional_rows(ui, &mut model.bidirectional, size);
        row(
            ui,
            t::LAYER_NORM,
            Checkbox::without_text(&mut model.layer_norm),
        );
    } else {
        // Residual stacks and bidirectional encoders are not available for seq2seq
        // (config validation).
        model.residual = false;
        model.bidirectional = false;
        model.layer_norm = false;
    }
    // Turning residual connections off brings a deep stack back within the limit.
    model.layers = model
        .layers
        .min(seqcast_engine::config::max_layers(model.residual));
    let inits = [
        (InitKind::Orthogonal, t::INIT_ORTHOGONAL),
        (InitKind::Xavier, t::INIT_XAVIER),
        (InitKind::He, t::INIT_HE),
        (InitKind::Pytorch, t::INIT_PYTORCH),
    ];
    combo(ui, t::INIT, &mut model.init, &inits);
    let lstm = model.cell == CellKind::Lstm;
    let bias = drag(&mut model.forget_bias, -5.0..=5.0).speed(0.05);
    row_if(ui, lstm, t::FORGET_BIAS, bias);
    let norms = [
        (WindowNorm::None, t::WINDOW_NORM_NONE),
        (WindowNorm::Last, t::WINDOW_NORM_LAST),
        (WindowNorm::Mean, t::WINDOW_NORM_MEAN),
    ];
    combo(ui, t::WINDOW_NORM, &mut model.window_norm, &norms);
    row(
        ui,
        t::LINEAR_SKIP,
        Checkbox::without_text(&mut model.linear_skip),
    );
    let steps = drag(&mut model.recurrent_steps, 0..=MAX_STEPS).speed(1.0);
    let skip = model.linear_skip;
    row_if(
        ui,
        skip,
        t::RECURRENT_STEPS,
        steps.custom_formatter(all_when_zero),
    );
    if model.strategy != Strategy::Seq2seq {
        let recurrent = model.recurrent_len(lookback);
        encoder::tbptt_rows(ui, &mut model.tbptt, recurrent);
    } else {
        // Not for seq2seq (config validation).
        model.tbptt = None;
    }
    let starts = [
        (SkipInit::Fitted, t::SKIP_INIT_FITTED),
        (SkipInit::Best, t::SKIP_INIT_BEST),
        (SkipInit::SeasonalNaive, t::SKIP_INIT_SEASONAL),
        (SkipInit::Naive, t::SKIP_INIT_NAIVE),
        (SkipInit::Zero, t::SKIP_INIT_ZERO),
    ];
    combo(ui, t::SKIP_INIT, &mut model.skip_init, &starts);
    let strategies = [
        (Strategy::Direct, t::STRATEGY_DIRECT),
        (Strategy::Recursive, t::STRATEGY_RECURSIVE),
        (Strategy::Seq2seq, t::STRATEGY_SEQ2SEQ),
    ];
    combo(ui, t::STRATEGY, &mut model.strategy, &strategies);
    if model.strategy == Strategy::Seq2seq {
        let scores = [
            (Attention::None, t::ATTENTION_NONE),
            (Attention::Dot, t::ATTENTION_DOT),
            (Attention::General, t::ATTENTION_GENERAL),
            (Attention::Additive, t::ATTENTION_ADDITIVE),
        ];
        combo(ui, t::ATTENTION, &mut model.attention, &scores);
        teacher::teacher_rows(ui, &mut train.teacher_forcing);
    } else {
        // Attention belongs to a seq2seq decoder.
        model.attention = Attention::None;
    }
    if model.strategy == Strategy::Recursive {
        row(ui, t::UNROLL, Checkbox::without_text(&mut train.unroll));
    }

    // Dropout and its mode are shown (and reset) with the regularisation group.
    let defaults = ModelConfig {
        dropout: model.dropout,
        dropout_mode: model.dropout_mode,
        ..RunConfig::default().model
    };
    let plain_teacher = TeacherForcing::default();
    if reset_row(
        ui,
        t::GROUP_MODEL,
        *model != defaults || train.teacher_forcing != plain_teacher || train.unroll,
    ) {
        *model = defaults;
        train.teacher_forcing = plain_teacher;
        train.unroll = false;
    }
}

fn optimiser_ui(ui: &mut Ui, train: &mut TrainConfig) {
    let choices = [
        (OptimizerKind::Adam, t::OPT_ADAM),
        (OptimizerKind::Adamw, t::OPT_ADAMW),
        (OptimizerKind::Rmsprop, t::OPT_RMSPROP),
        (OptimizerKind::Sgd, t::OPT_SGD),
    ];
    combo(ui, t::OPTIMIZER, &mut train.optimizer, &choices);
    row(ui, t::LR, log_slider(&mut train.lr, 1e-5..=1.0));
    let sgd = train.optimizer == OptimizerKind::Sgd;
    let has_momentum = sgd || train.optimizer == OptimizerKind::Rmsprop;
    let momentum = drag(&mut train.momentum, 0.0..=0.99).speed(0.01);
    row_if(ui, has_momentum, t::MOMENTUM, momentum);
    row_if(
        ui,
        sgd,
        t::NESTEROV,
        Checkbox::without_text(&mut train.nesterov),
    );
    let choices = [
        (
            LossKind::Quantile {
                levels: Default::default(),
            },
            t::LOSS_QUANTILE,
        ),
        (LossKind::Mse, t::LOSS_MSE),
        (LossKind::Mae, t::LOSS_MAE),
        (LossKind::Huber { delta: HUBER_DELTA }, t::LOSS_HUBER),
    ];
    combo(ui, t::LOSS, &mut train.loss, &choices);
    match &mut train.loss {
        LossKind::Huber { delta } => {
            row(ui, t::HUBER_DELTA, drag(delta, 0.001..=100.0).speed(0.01));
        }
        LossKind::Quantile { levels } => quantiles::levels_row(ui, t::QUANTILE_LEVELS, levels),
        _ => {}
    }

    let d = RunConfig::default().train;
    let ours = (train.optimizer, train.lr, train.momentum, train.nesterov);
    let defaults = (d.optimizer, d.lr, d.momentum, d.nesterov);
    if reset_row(
        ui,
        t::GROUP_OPTIMISER,
        ours != defaults || train.loss != d.loss,
    ) {
        (train.optimizer, train.lr, train.momentum, train.nesterov) = defaults;
        train.loss = d.loss;
    }
}

fn regularisation_ui(ui: &mut Ui, model: &mut ModelConfig, train: &mut TrainConfig) {
    let dropout = drag(&mut model.dropout, 0.0..=0.9).speed(0.01);
    row(ui, t::DROPOUT, dropout.max_decimals(3));
    if model.strategy != Strategy::Seq2seq {
        let modes = [
            (DropoutMode::Standard, t::DROPOUT_STANDARD),
            (DropoutMode::Variational, t::DROPOUT_VARIATIONAL),
        ];
        combo(ui, t::DROPOUT_MODE, &mut model.dropout_mode, &modes);
    } else {
        // Variational dropout is not available for seq2seq (config validation).
        model.dropout_mode = DropoutMode::Standard;
    }
    let weight_decay = log_slider(&mut train.weight_decay, 0.0..=1e-2);
    row(ui, t::WEIGHT_DECAY, weight_decay);
    let choices = [
        (clip_norm_preset(), t::CLIP_NORM),
        (ClipKind::Value { max: CLIP_MAX }, t::CLIP_VALUE),
        (ClipKind::None, t::CLIP_NONE),
    ];
    combo(ui, t::CLIP, &mut train.clip, &choices);
    match &mut train.clip {
        ClipKind::None => {}
        ClipKind::Norm { max } => {
            row(ui, t::CLIP_MAX_NORM, drag(max, 0.01..=100.0).speed(0.05));
        }
        ClipKind::Value { max } => {
            row(ui, t::CLIP_MAX_VALUE, drag(max, 0.001..=100.0).speed(0.01));
        }
    }

    let d = RunConfig::default();
    let ours = (
        model.dropout,
        model.dropout_mode,
        train.weight_decay,
        train.clip,
    );
    let defaults = (
        d.model.dropout,
        d.model.dropout_mode,
        d.train.weight_decay,
        d.train.clip,
    );
    if reset_row(ui, t::GROUP_REGULARISATION, ours != defaults) {
        (
            model.dropout,
            model.dropout_mode,
            train.weight_decay,
            train.clip,
        ) = defaults;
    }
}

fn evaluation_ui(ui: &mut Ui, eval: &mut EvalConfig) {
    let choices = [
        (MetricsScale::Original, t::METRICS_ORIGINAL),
        (MetricsScale::Normalised, t::METRICS_NORMALISED),
    ];
    combo(ui, t::METRICS_SCALE, &mut eval.metrics_scale, &choices);
    let mut auto = eval.season.is_none();
    if row(ui, t::SEASON_AUTO, Checkbox::without_text(&mut auto)).changed() {
        eval.season = (!auto).then_some(SEASON);
    }
    if let Some(season) = &mut eval.season {
        row(ui, t::SEASON, drag(season, 1..=MAX_STEPS));
    }
    let choices = [
        (ForecastMode::Auto, t::FORECAST_AUTO),
        (ForecastMode::Model, t::FORECAST_MODEL),
        (ForecastMode::Ensemble, t::FORECAST_ENSEMBLE),
        (ForecastMode::SeasonalNaive, t::FORECAST_SEASONAL),
        (ForecastMode::Naive, t::FORECAST_NAIVE),
        (ForecastMode::Drift, t::FORECAST_DRIFT),
        (ForecastMode::Linear, t::FORECAST_LINEAR),
    ];
    combo(ui, t::FORECAST, &mut eval.forecast, &choices);
    let mut intervals = !eval.intervals.is_empty();
    if row(ui, t::INTERVALS, Checkbox::without_text(&mut intervals)).changed() {
        eval.intervals = if intervals {
            DEFAULT_INTERVALS.to_vec()
        } else {
            Vec::new()
        };
    }
    let mut backtest = eval.backtest.is_some();
    if row(ui, t::BACKTEST, Checkbox::without_text(&mut backtest)).changed() {
        eval.backtest = backtest.then_some(BacktestConfig { every: 1, refit: 0 });
    }
    if let Some(b) = &mut eval.backtest {
        row(ui, t::BACKTEST_EVERY, drag(&mut b.every, 1..=MAX_STEPS));
        let refit = drag(&mut b.refit, 0..=MAX_STEPS);
        row(
            ui,
            t::BACKTEST_REFIT,
            refit.custom_formatter(never_when_zero),
        );
    }

    let default = RunConfig::default().eval;
    if reset_row(ui, t::GROUP_EVALUATION, *eval != default) {
        *eval = default;
    }
}

/// Shows early-stopping patience 0 as "off".
fn off_when_zero(n: f64, _decimals: std::ops::RangeInclusive<usize>) -> String {
    if n == 0.0 {
        "off".to_owned()
    } else {
        format!("{n}")
    }
}

fn never_when_zero(n: f64, _decimals: std::ops::RangeInclusive<usize>) -> String {
    if n == 0.0 {
        "never".to_owned()
    } else {
        format!("{n}")
    }
}

fn all_when_zero(n: f64, _decimals: std::ops::RangeInclusive<usize>) -> String {
    if n == 0.0 {
        "all".to_owned()
    } else {
        format!("{n}")
    }
}

/// The default split when it is by fractions, else the playbook's 0.7 / 0.15 / 0.15.
fn fractions_preset() -> Split {
    match Split::default() {
        split @ Split::Fractions { .. } => split,
        Split::Rows { .. } | Split::Last { .. } => Split::Fractions {
            train: 0.7,
            val: 0.15,
            test: 0.15,
        },
    }
}

/// The default clipping when it is by norm, else the playbook's max norm 1.
fn clip_norm_preset() -> ClipKind {
    match ClipKind::default() {
        clip @ ClipKind::Norm { .. } => clip,
        ClipKind::None | ClipKind::Value { .. } => ClipKind::Norm { max: CLIP_MAX },
    }
}

#[cfg(test)]
mod tests;

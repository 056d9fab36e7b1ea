//! The run-configuration panel: an editor for every engine option of a [`RunConfig`],
//! grouped in collapsing sections (data & windows, scaling, model, optimiser, schedule,
//! regularisation, stopping, evaluation).
//!
//! Column roles (time, targets, covariates) and per-column scaling overrides are edited
//! elsewhere and left untouched here. Defaults come only from [`RunConfig::default`]; the
//! constants below are the playbook's starting values for a variant's parameters when the
//! user switches to it (e.g. reduce-on-plateau: factor 0.5, patience 5). Tooltip texts live
//! in [`tooltips`].

use std::mem::discriminant;
use std::ops::RangeInclusive;

use egui::{
    Button, Checkbox, CollapsingHeader, ComboBox, DragValue, Grid, Id, Response, Slider,
    SliderClamping, Ui, Widget, emath::Numeric,
};
use seqcast_engine::RunConfig;
use seqcast_engine::config::{
    CellKind, ClipKind, DuplicatePolicy, LossKind, MetricsScale, MissingPolicy, OptimizerKind,
    ScaleKind, ScheduleKind, Split,
};

mod tooltips;
use tooltips as tips;

// Playbook starting values for a variant's parameters, used when switching to that variant.
const WARMUP_EPOCHS: usize = 5;
const STEP_EVERY: usize = 20;
const STEP_GAMMA: f64 = 0.5;
const PLATEAU_FACTOR: f64 = 0.5;
const PLATEAU_PATIENCE: usize = 5;
const MIN_LR: f64 = 1e-6;
const HUBER_DELTA: f64 = 1.0;
const CLIP_MAX: f64 = 1.0;
const SEASON: usize = 24;
/// Row counts offered when switching the split to rows (the ETT benchmark's split).
const SPLIT_ROWS: Split = Split::Rows {
    train: 8640,
    val: 2880,
    test: 2880,
};
/// Upper bound for step counts (lookback, horizon, stride, epochs…): generous, never binding.
const MAX_STEPS: usize = 1_000_000;
/// Smallest training fraction the editor allows (validation requires train > 0).
const MIN_TRAIN_FRACTION: f64 = 0.01;

/// Edits every engine option, grouped; returns true when anything changed this frame.
pub fn config_ui(ui: &mut Ui, config: &mut RunConfig) -> bool {
    let before = config.clone();
    group(ui, "Data & windows", "data", tips::GROUP_DATA, true, |ui| {
        data_ui(ui, config);
    });
    group(
        ui,
        "Scaling & transforms",
        "scaling",
        tips::GROUP_SCALING,
        false,
        |ui| {
            scaling_ui(ui, config);
        },
    );
    group(ui, "Model", "model", tips::GROUP_MODEL, true, |ui| {
        model_ui(ui, config);
    });
    group(
        ui,
        "Optimiser",
        "optimiser",
        tips::GROUP_OPTIMISER,
        false,
        |ui| {
            optimiser_ui(ui, config);
        },
    );
    group(
        ui,
        "Schedule",
        "schedule",
        tips::GROUP_SCHEDULE,
        false,
        |ui| {
            schedule_ui(ui, config);
        },
    );
    group(
        ui,
        "Regularisation",
        "regularisation",
        tips::GROUP_REGULARISATION,
        false,
        |ui| {
            regularisation_ui(ui, config);
        },
    );
    group(
        ui,
        "Stopping",
        "stopping",
        tips::GROUP_STOPPING,
        false,
        |ui| {
            stopping_ui(ui, config);
        },
    );
    group(
        ui,
        "Evaluation",
        "evaluation",
        tips::GROUP_EVALUATION,
        false,
        |ui| {
            evaluation_ui(ui, config);
        },
    );
    *config != before
}

fn data_ui(ui: &mut Ui, config: &mut RunConfig) {
    let data = &mut config.data;
    let window = &mut config.window;
    grid(ui, "data", |ui| {
        let split_choices = [
            (fractions_preset(), "Fractions", tips::SPLIT_FRACTIONS),
            (SPLIT_ROWS, "Rows", tips::SPLIT_ROWS),
        ];
        combo_row(
            ui,
            "Split by",
            tips::SPLIT_BY,
            "split",
            &mut data.split,
            &split_choices,
        );
        match &mut data.split {
            Split::Fractions { train, val, test } => fractions_ui(ui, [train, val, test]),
            Split::Rows { train, val, test } => {
                widget_row(
                    ui,
                    "Train",
                    tips::SPLIT_TRAIN,
                    true,
                    drag(train, 1..=usize::MAX),
                );
                widget_row(
                    ui,
                    "Validation",
                    tips::SPLIT_VAL,
                    true,
                    drag(val, 0..=usize::MAX),
                );
                widget_row(
                    ui,
                    "Test",
                    tips::SPLIT_TEST,
                    true,
                    drag(test, 0..=usize::MAX),
                );
            }
        }
        let lookback = drag(&mut window.lookback, 1..=MAX_STEPS);
        widget_row(ui, "Lookback", tips::LOOKBACK, true, lookback);
        let horizon = drag(&mut window.horizon, 1..=MAX_STEPS);
        widget_row(ui, "Horizon", tips::HORIZON, true, horizon);
        let stride = drag(&mut window.stride, 1..=MAX_STEPS);
        widget_row(ui, "Stride", tips::STRIDE, true, stride);
        let missing_choices = [
            (
                MissingPolicy::Interpolate,
                "Interpolate",
                tips::MISSING_INTERP,
            ),
            (
                MissingPolicy::ForwardFill,
                "Forward fill",
                tips::MISSING_FFILL,
            ),
            (MissingPolicy::Drop, "Drop rows", tips::MISSING_DROP),
            (MissingPolicy::Refuse, "Refuse", tips::MISSING_REFUSE),
        ];
        let missing = &mut data.missing;
        combo_row(
            ui,
            "Missing values",
            tips::MISSING,
            "missing",
            missing,
            &missing_choices,
        );
        let duplicate_choices = [
            (DuplicatePolicy::First, "Keep first", tips::DUP_FIRST),
            (DuplicatePolicy::Last, "Keep last", tips::DUP_LAST),
            (DuplicatePolicy::Mean, "Average", tips::DUP_MEAN),
            (DuplicatePolicy::Refuse, "Refuse", tips::DUP_REFUSE),
        ];
        let duplicates = &mut data.duplicates;
        let name = "Duplicate timestamps";
        combo_row(
            ui,
            name,
            tips::DUPLICATES,
            "duplicates",
            duplicates,
            &duplicate_choices,
        );
    });
    let defaults = RunConfig::default();
    let differs = (data.split, data.missing, data.duplicates, *window)
        != (
            defaults.data.split,
            defaults.data.missing,
            defaults.data.duplicates,
            defaults.window,
        );
    if reset_button(ui, "Data & windows", differs) {
        data.split = defaults.data.split;
        data.missing = defaults.data.missing;
        data.duplicates = defaults.data.duplicates;
        *window = defaults.window;
    }
}

/// Train / validation / test fractions. An edit that pushes the sum above 1 takes the excess
/// from the other parts, later parts first, so the split stays valid (train ≥ 0.01, sum ≤ 1).
fn fractions_ui(ui: &mut Ui, [train, val, test]: [&mut f64; 3]) {
    let rows = [
        ("Train", tips::SPLIT_TRAIN, MIN_TRAIN_FRACTION..=1.0),
        (
            "Validation",
            tips::SPLIT_VAL,
            0.0..=1.0 - MIN_TRAIN_FRACTION,
        ),
        ("Test", tips::SPLIT_TEST, 0.0..=1.0 - MIN_TRAIN_FRACTION),
    ];
    let mut parts = [*train, *val, *test];
    let mut edited = None;
    for (i, ((name, tip, range), part)) in rows.into_iter().zip(parts.iter_mut()).enumerate() {
        let widget = drag(part, range).speed(0.005).max_decimals(3);
        if widget_row(ui, name, tip, true, widget).changed() {
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
    }
    [*train, *val, *test] = parts;
    let sum = parts.iter().sum::<f64>();
    ui.label("Sum").on_hover_text(tips::SPLIT_SUM);
    ui.label(format!("{sum:.3} ({:.3} unused)", (1.0 - sum).max(0.0)))
        .on_hover_text(tips::SPLIT_SUM);
    ui.end_row();
}

fn scaling_ui(ui: &mut Ui, config: &mut RunConfig) {
    let data = &mut config.data;
    grid(ui, "scaling", |ui| {
        let choices = [
            (ScaleKind::Zscore, "Z-score", tips::SCALE_ZSCORE),
            (ScaleKind::Minmax, "Min-max", tips::SCALE_MINMAX),
            (ScaleKind::Robust, "Robust", tips::SCALE_ROBUST),
            (ScaleKind::None, "None", tips::SCALE_NONE),
        ];
        combo_row(
            ui,
            "Scaling",
            tips::SCALE,
            "scale",
            &mut data.scale,
            &choices,
        );
        widget_row(
            ui,
            "Log transform",
            tips::LOG,
            true,
            Checkbox::without_text(&mut data.log),
        );
        widget_row(
            ui,
            "Differencing",
            tips::DIFF,
            true,
            Checkbox::without_text(&mut data.diff),
        );
    });
    let d = RunConfig::default().data;
    let differs = (data.scale, data.log, data.diff) != (d.scale, d.log, d.diff);
    if reset_button(ui, "Scaling & transforms", differs) {
        (data.scale, data.log, data.diff) = (d.scale, d.log, d.diff);
    }
}

fn model_ui(ui: &mut Ui, config: &mut RunConfig) {
    let model = &mut config.model;
    grid(ui, "model", |ui| {
        let choices = [
            (CellKind::Lstm, "LSTM", tips::CELL_LSTM),
            (CellKind::Gru, "GRU", tips::CELL_GRU),
            (CellKind::Rnn, "Vanilla RNN", tips::CELL_RNN),
        ];
        combo_row(ui, "Cell", tips::CELL, "cell", &mut model.cell, &choices);
        let hidden = drag(&mut model.hidden, 1..=4096).speed(1.0);
        widget_row(ui, "Hidden units", tips::HIDDEN, true, hidden);
        widget_row(
            ui,
            "Layers",
            tips::LAYERS,
            true,
            drag(&mut model.layers, 1..=4).speed(0.05),
        );
        let orthogonal = Checkbox::without_text(&mut model.orthogonal_init);
        widget_row(ui, "Orthogonal init", tips::ORTHOGONAL, true, orthogonal);
        let lstm = model.cell == CellKind::Lstm;
        let tip = if lstm {
            tips::FORGET_BIAS
        } else {
            tips::FORGET_BIAS_OFF
        };
        let bias = drag(&mut model.forget_bias, -5.0..=5.0).speed(0.05);
        widget_row(ui, "Forget-gate bias", tip, lstm, bias);
    });
    let d = RunConfig::default().model;
    let differs = (model.cell, model.hidden, model.layers) != (d.cell, d.hidden, d.layers)
        || (model.orthogonal_init, model.forget_bias) != (d.orthogonal_init, d.forget_bias);
    if reset_button(ui, "Model", differs) {
        // Dropout belongs to the regularisation group and keeps its value.
        let dropout = model.dropout;
        *model = d;
        model.dropout = dropout;
    }
}

fn optimiser_ui(ui: &mut Ui, config: &mut RunConfig) {
    let train = &mut config.train;
    grid(ui, "optimiser", |ui| {
        let choices = [
            (OptimizerKind::Adam, "Adam", tips::OPT_ADAM),
            (OptimizerKind::Adamw, "AdamW", tips::OPT_ADAMW),
            (OptimizerKind::Rmsprop, "RMSprop", tips::OPT_RMSPROP),
            (OptimizerKind::Sgd, "SGD", tips::OPT_SGD),
        ];
        let optimizer = &mut train.optimizer;
        combo_row(
            ui,
            "Optimizer",
            tips::OPTIMIZER,
            "optimizer",
            optimizer,
            &choices,
        );
        widget_row(
            ui,
            "Learning rate",
            tips::LR,
            true,
            log_slider(&mut train.lr, 1e-5..=1.0),
        );
        let sgd = train.optimizer == OptimizerKind::Sgd;
        let has_momentum = sgd || train.optimizer == OptimizerKind::Rmsprop;
        let tip = if has_momentum {
            tips::MOMENTUM
        } else {
            tips::MOMENTUM_OFF
        };
        let momentum = drag(&mut train.momentum, 0.0..=0.99).speed(0.01);
        widget_row(ui, "Momentum", tip, has_momentum, momentum);
        let tip = if sgd {
            tips::NESTEROV
        } else {
            tips::NESTEROV_OFF
        };
        widget_row(
            ui,
            "Nesterov",
            tip,
            sgd,
            Checkbox::without_text(&mut train.nesterov),
        );
        let choices = [
            (LossKind::Mse, "MSE", tips::LOSS_MSE),
            (LossKind::Mae, "MAE", tips::LOSS_MAE),
            (
                LossKind::Huber { delta: HUBER_DELTA },
                "Huber",
                tips::LOSS_HUBER,
            ),
        ];
        combo_row(ui, "Loss", tips::LOSS, "loss", &mut train.loss, &choices);
        if let LossKind::Huber { delta } = &mut train.loss {
            let delta = drag(delta, 0.001..=100.0).speed(0.01);
            widget_row(ui, "Huber delta", tips::HUBER_DELTA, true, delta);
        }
    });
    let d = RunConfig::default().train;
    let differs = (
        train.optimizer,
        train.lr,
        train.momentum,
        train.nesterov,
        train.loss,
    ) != (d.optimizer, d.lr, d.momentum, d.nesterov, d.loss);
    if reset_button(ui, "Optimiser", differs) {
        (train.optimizer, train.lr, train.momentum) = (d.optimizer, d.lr, d.momentum);
        (train.nesterov, train.loss) = (d.nesterov, d.loss);
    }
}

fn schedule_ui(ui: &mut Ui, config: &mut RunConfig) {
    let train = &mut config.train;
    grid(ui, "schedule", |ui| {
        let choices = [
            (ScheduleKind::Constant, "Constant", tips::SCHED_CONSTANT),
            (
                ScheduleKind::Warmup {
                    epochs: WARMUP_EPOCHS,
                },
                "Warm-up",
                tips::SCHED_WARMUP,
            ),
            (
                ScheduleKind::Step {
                    every: STEP_EVERY,
                    gamma: STEP_GAMMA,
                },
                "Step decay",
                tips::SCHED_STEP,
            ),
            (
                ScheduleKind::Cosine { min_lr: MIN_LR },
                "Cosine annealing",
                tips::SCHED_COSINE,
            ),
            (
                ScheduleKind::Plateau {
                    factor: PLATEAU_FACTOR,
                    patience: PLATEAU_PATIENCE,
                    min_lr: MIN_LR,
                },
                "Reduce on plateau",
                tips::SCHED_PLATEAU,
            ),
        ];
        combo_row(
            ui,
            "LR schedule",
            tips::SCHEDULE,
            "schedule",
            &mut train.schedule,
            &choices,
        );
        let lr = train.lr;
        match &mut train.schedule {
            ScheduleKind::Constant => {}
            ScheduleKind::Warmup { epochs } => {
                let epochs = drag(epochs, 1..=MAX_STEPS);
                widget_row(ui, "Warm-up epochs", tips::WARMUP_EPOCHS, true, epochs);
            }
            ScheduleKind::Step { every, gamma } => {
                widget_row(
                    ui,
                    "Step every",
                    tips::STEP_EVERY,
                    true,
                    drag(every, 1..=MAX_STEPS),
                );
                let gamma = drag(gamma, 0.01..=1.0).speed(0.01);
                widget_row(ui, "Step gamma", tips::STEP_GAMMA, true, gamma);
            }
            ScheduleKind::Cosine { min_lr } => {
                widget_row(
                    ui,
                    "Min lr",
                    tips::MIN_LR,
                    true,
                    log_slider(min_lr, 0.0..=lr),
                );
            }
            ScheduleKind::Plateau {
                factor,
                patience,
                min_lr,
            } => {
                let factor = drag(factor, 0.01..=0.99).speed(0.01);
                widget_row(ui, "Plateau factor", tips::PLATEAU_FACTOR, true, factor);
                let patience = drag(patience, 0..=MAX_STEPS);
                widget_row(
                    ui,
                    "Plateau patience",
                    tips::PLATEAU_PATIENCE,
                    true,
                    patience,
                );
                widget_row(
                    ui,
                    "Min lr",
                    tips::MIN_LR,
                    true,
                    log_slider(min_lr, 0.0..=lr),
                );
            }
        }
    });
    let default = RunConfig::default().train.schedule;
    if reset_button(ui, "Schedule", train.schedule != default) {
        train.schedule = default;
    }
}

fn regularisation_ui(ui: &mut Ui, config: &mut RunConfig) {
    let (model, train) = (&mut config.model, &mut config.train);
    grid(ui, "regularisation", |ui| {
        let dropout = drag(&mut model.dropout, 0.0..=0.9)
            .speed(0.01)
            .max_decimals(3);
        widget_row(ui, "Dropout", tips::DROPOUT, true, dropout);
        let weight_decay = log_slider(&mut train.weight_decay, 0.0..=1e-2);
        widget_row(ui, "Weight decay", tips::WEIGHT_DECAY, true, weight_decay);
        let choices = [
            (clip_norm_preset(), "Global norm", tips::CLIP_NORM),
            (
                ClipKind::Value { max: CLIP_MAX },
                "By value",
                tips::CLIP_VALUE,
            ),
            (ClipKind::None, "None", tips::CLIP_NONE),
        ];
        combo_row(
            ui,
            "Clipping",
            tips::CLIP,
            "clip",
            &mut train.clip,
            &choices,
        );
        match &mut train.clip {
            ClipKind::None => {}
            ClipKind::Norm { max } => {
                let max = drag(max, 0.01..=100.0).speed(0.05);
                widget_row(ui, "Max norm", tips::CLIP_MAX, true, max);
            }
            ClipKind::Value { max } => {
                let max = drag(max, 0.001..=100.0).speed(0.01);
                widget_row(ui, "Max value", tips::CLIP_MAX, true, max);
            }
        }
    });
    let d = RunConfig::default();
    let differs = (model.dropout, train.weight_decay, train.clip)
        != (d.model.dropout, d.train.weight_decay, d.train.clip);
    if reset_button(ui, "Regularisation", differs) {
        model.dropout = d.model.dropout;
        (train.weight_decay, train.clip) = (d.train.weight_decay, d.train.clip);
    }
}

fn stopping_ui(ui: &mut Ui, config: &mut RunConfig) {
    let train = &mut config.train;
    grid(ui, "stopping", |ui| {
        widget_row(
            ui,
            "Epochs",
            tips::EPOCHS,
            true,
            drag(&mut train.epochs, 1..=MAX_STEPS),
        );
        let patience = drag(&mut train.patience, 0..=MAX_STEPS).custom_formatter(|n, _| {
            if n == 0.0 {
                "off".to_owned()
            } else {
                format!("{n}")
            }
        });
        widget_row(ui, "Early stop patience", tips::PATIENCE, true, patience);
        let batch = drag(&mut train.batch, 1..=65_536).speed(0.5);
        widget_row(ui, "Batch size", tips::BATCH, true, batch);
        widget_row(
            ui,
            "Seed",
            tips::SEED,
            true,
            drag(&mut train.seed, 0..=u64::MAX),
        );
    });
    let d = RunConfig::default().train;
    let differs = (train.epochs, train.patience, train.batch, train.seed)
        != (d.epochs, d.patience, d.batch, d.seed);
    if reset_button(ui, "Stopping", differs) {
        (train.epochs, train.patience) = (d.epochs, d.patience);
        (train.batch, train.seed) = (d.batch, d.seed);
    }
}

fn evaluation_ui(ui: &mut Ui, config: &mut RunConfig) {
    let eval = &mut config.eval;
    grid(ui, "evaluation", |ui| {
        let choices = [
            (
                MetricsScale::Original,
                "Original units",
                tips::METRICS_ORIGINAL,
            ),
            (
                MetricsScale::Normalised,
                "Normalised",
                tips::METRICS_NORMALISED,
            ),
        ];
        let scale = &mut eval.metrics_scale;
        combo_row(
            ui,
            "Metrics in",
            tips::METRICS_SCALE,
            "metrics_scale",
            scale,
            &choices,
        );
        let mut auto = eval.season.is_none();
        let checkbox = Checkbox::without_text(&mut auto);
        if widget_row(ui, "Auto season", tips::SEASON_AUTO, true, checkbox).changed() {
            eval.season = (!auto).then_some(SEASON);
        }
        if let Some(season) = &mut eval.season {
            widget_row(
                ui,
                "Season",
                tips::SEASON,
                true,
                drag(season, 1..=MAX_STEPS),
            );
        }
    });
    let default = RunConfig::default().eval;
    if reset_button(ui, "Evaluation", *eval != default) {
        *eval = default;
    }
}

/// The default split when it is by fractions, else the playbook's 0.7 / 0.15 / 0.15.
fn fractions_preset() -> Split {
    match Split::default() {
        split @ Split::Fractions { .. } => split,
        Split::Rows { .. } => Split::Fractions {
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

/// A collapsing group with a stable id, open or closed at first.
fn group(
    ui: &mut Ui,
    title: &str,
    id_salt: &str,
    tip: &str,
    open: bool,
    body: impl FnOnce(&mut Ui),
) {
    CollapsingHeader::new(title)
        .id_salt(format!("seqcast.config.{id_salt}"))
        .default_open(open)
        .show(ui, body)
        .header_response
        .on_hover_text(tip);
}

/// A two-column grid: labels on the left, controls on the right.
fn grid(ui: &mut Ui, id_salt: &str, rows: impl FnOnce(&mut Ui)) {
    Grid::new(format!("seqcast.config.{id_salt}.grid"))
        .num_columns(2)
        .show(ui, rows);
}

/// One grid row: a visible label that names the control (for screen readers and tests), the
/// control, and the same tooltip on both.
fn widget_row(ui: &mut Ui, name: &str, tip: &str, enabled: bool, widget: impl Widget) -> Response {
    let label = ui.label(name).on_hover_text(tip);
    let response = ui
        .add_enabled(enabled, widget)
        .labelled_by(label.id)
        .on_hover_text(tip)
        .on_disabled_hover_text(tip);
    ui.end_row();
    response
}

/// A grid row with a combo box over an enum's variants. `choices` pairs the value taken when
/// switching to a variant (with playbook values for its parameters) with its name and tooltip;
/// the current variant is matched by discriminant, so its parameters are kept.
fn combo_row<T: Clone>(
    ui: &mut Ui,
    name: &str,
    tip: &str,
    id_salt: &str,
    value: &mut T,
    choices: &[(T, &str, &str)],
) -> Response {
    let label = ui.label(name).on_hover_text(tip);
    let current = discriminant(&*value);
    let selected_text = choices
        .iter()
        .find(|(choice, ..)| discriminant(choice) == current)
        .map_or("", |(_, name, _)| *name);
    let mut picked = None;
    let mut response = ComboBox::from_id_salt(format!("seqcast.config.{id_salt}"))
        .selected_text(selected_text)
        .show_ui(ui, |ui| {
            for (choice, name, tip) in choices {
                let selected = discriminant(choice) == current;
                if ui
                    .selectable_label(selected, *name)
                    .on_hover_text(*tip)
                    .clicked()
                    && !selected
                {
                    picked = Some(choice.clone());
                }
            }
        })
        .response;
    if let Some(choice) = picked {
        *value = choice;
        response.mark_changed();
    }
    ui.end_row();
    response.labelled_by(label.id).on_hover_text(tip)
}

/// The "Reset to defaults" button at the foot of a group, enabled when the group differs
/// from the defaults. Its accessible name carries the group, as several may be on screen.
fn reset_button(ui: &mut Ui, group: &str, differs: bool) -> bool {
    ui.add_enabled(differs, Button::new("Reset to defaults"))
        .accessible_name(format!("Reset to defaults ({group})"))
        .on_hover_text(tips::RESET)
        .clicked()
}

/// A drag value that clamps what the user enters but never rewrites a loaded value.
fn drag<N: Numeric>(value: &mut N, range: RangeInclusive<N>) -> DragValue<'_> {
    DragValue::new(value)
        .range(range)
        .clamp_existing_to_range(false)
}

/// A logarithmic slider for rates (learning rate, weight decay), shown as e.g. `1e-3`.
fn log_slider(value: &mut f64, range: RangeInclusive<f64>) -> Slider<'_> {
    Slider::new(value, range)
        .logarithmic(true)
        .smallest_positive(1e-8)
        .clamping(SliderClamping::Edits)
        .custom_formatter(|v, _| scientific(v))
}

/// `0.001` → `1e-3`, `0.00025` → `2.5e-4`, `1.0` → `1`: five significant digits at most.
fn scientific(v: f64) -> String {
    if v == 0.0 {
        return "0".to_owned();
    }
    let text = format!("{v:.4e}");
    match text.split_once('e') {
        Some((mantissa, exponent)) => {
            let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
            if exponent == "0" {
                mantissa.to_owned()
            } else {
                format!("{mantissa}e{exponent}")
            }
        }
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use egui::accesskit::Role;
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable as _;

    use super::*;

    /// The groups, and whether each starts open.
    const GROUPS: [(&str, bool); 8] = [
        ("Data & windows", true),
        ("Scaling & transforms", false),
        ("Model", true),
        ("Optimiser", false),
        ("Schedule", false),
        ("Regularisation", false),
        ("Stopping", false),
        ("Evaluation", false),
    ];

    /// The panel over `config`; the state's flag records whether `config_ui` ever said "changed".
    fn harness(config: RunConfig) -> Harness<'static, (RunConfig, bool)> {
        Harness::builder()
            .with_size([700.0, 3000.0])
            .build_ui_state(
                |ui, (config, changed): &mut (RunConfig, bool)| {
                    *changed |= config_ui(ui, config);
                },
                (config, false),
            )
    }

    fn open_all_groups(harness: &mut Harness<'_, (RunConfig, bool)>) {
        for (title, open) in GROUPS {
            if !open {
                harness.get_by_label(title).click();
                harness.run();
            }
        }
    }

    /// Clicks a drag value (entering text mode), types `text` and presses Enter.
    fn type_into(harness: &mut Harness<'_, (RunConfig, bool)>, label: &str, text: &str) {
        harness.get_by_label(label).click();
        harness.run();
        harness.get_by_label(label).type_text(text);
        harness.run();
        harness.key_press(egui::Key::Enter);
        harness.run();
    }

    #[test]
    fn untouched_panel_leaves_the_default_config_alone() {
        let mut harness = harness(RunConfig::default());
        harness.run();
        open_all_groups(&mut harness);
        let (config, changed) = harness.state();
        assert_eq!(config, &RunConfig::default());
        assert!(!changed, "config_ui reported a change nobody made");
    }

    #[test]
    fn choosing_gru_sets_the_cell_and_disables_forget_bias() {
        let mut harness = harness(RunConfig::default());
        harness.run();
        assert!(
            !harness
                .get_by_label("Forget-gate bias")
                .accesskit_node()
                .is_disabled()
        );
        harness
            .get_by_role_and_label(Role::ComboBox, "Cell")
            .click();
        harness.run();
        harness.get_by_label("GRU").click();
        harness.run();
        let (config, changed) = harness.state();
        assert_eq!(config.model.cell, CellKind::Gru);
        assert!(changed);
        assert!(
            harness
                .get_by_label("Forget-gate bias")
                .accesskit_node()
                .is_disabled()
        );
    }

    #[test]
    fn typing_a_lookback_sets_it() {
        let mut harness = harness(RunConfig::default());
        harness.run();
        type_into(&mut harness, "Lookback", "96");
        let (config, changed) = harness.state();
        assert_eq!(config.window.lookback, 96);
        assert!(changed);
    }

    #[test]
    fn typed_values_are_clamped_to_what_validation_accepts() {
        let mut harness = harness(RunConfig::default());
        harness.run();
        type_into(&mut harness, "Layers", "9");
        type_into(&mut harness, "Lookback", "0");
        let config = &harness.state().0;
        assert_eq!((config.model.layers, config.window.lookback), (4, 1));
        assert!(config.validate().is_ok());
    }

    #[test]
    fn reset_restores_a_changed_group_only() {
        let mut config = RunConfig::default();
        config.window.lookback = 96;
        config.data.missing = MissingPolicy::Drop;
        config.model.hidden = 128;
        config.model.dropout = 0.3;
        let mut harness = harness(config);
        harness.run();
        harness
            .get_by_label("Reset to defaults (Data & windows)")
            .click();
        harness.run();
        let config = &harness.state().0;
        assert_eq!(config.window, RunConfig::default().window);
        assert_eq!(config.data.missing, RunConfig::default().data.missing);
        assert_eq!(config.model.hidden, 128, "another group was reset");

        harness.get_by_label("Reset to defaults (Model)").click();
        harness.run();
        let config = &harness.state().0;
        assert_eq!(config.model.hidden, RunConfig::default().model.hidden);
        assert_eq!(
            config.model.dropout, 0.3,
            "dropout belongs to Regularisation"
        );
    }

    #[test]
    fn switching_schedule_fills_playbook_parameters() {
        let mut harness = harness(RunConfig::default());
        harness.run();
        harness.get_by_label("Schedule").click();
        harness.run();
        harness
            .get_by_role_and_label(Role::ComboBox, "LR schedule")
            .click();
        harness.run();
        harness.get_by_label("Reduce on plateau").click();
        harness.run();
        let config = &harness.state().0;
        assert_eq!(
            config.train.schedule,
            ScheduleKind::Plateau {
                factor: 0.5,
                patience: 5,
                min_lr: MIN_LR
            }
        );
        assert!(config.validate().is_ok());
        harness.get_by_label("Plateau patience");
    }

    #[test]
    fn raising_a_fraction_takes_the_excess_from_the_later_parts() {
        let mut harness = harness(RunConfig::default());
        harness.run();
        type_into(&mut harness, "Train", "0.8");
        let config = &harness.state().0;
        let Split::Fractions { train, val, test } = config.data.split else {
            panic!("split changed kind: {:?}", config.data.split);
        };
        assert!(
            (train - 0.8).abs() < 1e-12 && (val - 0.15).abs() < 1e-12,
            "{train} {val}"
        );
        assert!((test - 0.05).abs() < 1e-9, "{test}");
        assert!(config.validate().is_ok());
    }

    /// Every variant's parameter rows are shown and named (the harness checks names on `run`).
    #[test]
    fn every_variant_row_is_named_and_values_stay_put() {
        let mut config = RunConfig::default();
        config.data.split = SPLIT_ROWS;
        config.train.optimizer = OptimizerKind::Sgd;
        config.train.loss = LossKind::Huber { delta: 0.5 };
        config.train.schedule = ScheduleKind::Step {
            every: 7,
            gamma: 0.3,
        };
        config.train.clip = ClipKind::Value { max: 0.25 };
        config.eval.season = Some(168);
        let mut harness = harness(config.clone());
        harness.run();
        open_all_groups(&mut harness);
        for label in [
            "Huber delta",
            "Step every",
            "Step gamma",
            "Max value",
            "Season",
        ] {
            harness.get_by_label(label);
        }
        assert_eq!(harness.state(), &(config, false));
    }

    #[test]
    fn scientific_notation_is_short() {
        assert_eq!(scientific(1e-3), "1e-3");
        assert_eq!(scientific(2.5e-4), "2.5e-4");
        assert_eq!(scientific(1.0), "1");
        assert_eq!(scientific(0.0), "0");
    }

    /// Tooltips use only glyphs the default fonts have (the harness panics on a missing one).
    #[test]
    fn tooltips_render_with_the_default_fonts() {
        let mut harness = Harness::new_ui(|ui| {
            for tip in tips::ALL {
                ui.label(*tip);
            }
        });
        harness.run();
    }
}

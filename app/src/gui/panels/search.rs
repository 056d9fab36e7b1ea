//! The Search view: which knobs to vary and their ranges, grid or random with a budget
//! and a seed, median-rule pruning; the trials fill a table as they finish, the best is
//! marked and "Apply best" copies its configuration into the editor.

use egui::{RichText, Ui};
use egui_plot::{Legend, Line, Plot, PlotPoints};
use seqcast_engine::config::CellKind;
use seqcast_engine::tune::{Method, Pruning, SearchSpace, TuneSettings, tpe};

use super::PanelView;
use crate::gui::intent::Intent;
use crate::gui::plots::colors;
use crate::gui::runs_search::{RunsAction, runs_intent};
use crate::gui::state::{Busy, SearchState};

/// Draws the Search view.
pub fn search_ui(ui: &mut Ui, view: &mut PanelView<'_>, intents: &mut Vec<Intent>) {
    let searching = view.session.busy == Some(Busy::Searching);
    let blocker = view.train_blocker();
    egui::ScrollArea::vertical()
        .id_salt("search")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.heading("Hyperparameter search");
            ui.label(format!(
                "Each trial is the configuration in the editor with the knobs below changed; \
                 every trial is recorded as a run in {}.",
                view.facts.runs_dir.display()
            ));
            ui.add_enabled_ui(!searching, |ui| {
                ui.columns(2, |cols| {
                    space_ui(&mut cols[0], &mut view.persisted.search_space);
                    settings_ui(&mut cols[1], &mut view.persisted.search_settings);
                });
            });
            ui.horizontal(|ui| {
                let problem = view
                    .persisted
                    .search_space
                    .validate()
                    .err()
                    .map(|e| e.to_string());
                let why = blocker.clone().or(problem);
                if searching {
                    ui.spinner();
                    if ui.button("Cancel search").clicked() {
                        intents.push(runs_intent(RunsAction::CancelSearch));
                    }
                } else {
                    let start = ui.add_enabled(
                        why.is_none(),
                        egui::Button::new(RichText::new("Start search").strong()),
                    );
                    if let Some(why) = &why {
                        ui.colored_label(colors::WARN, why);
                    }
                    if start.clicked() {
                        intents.push(runs_intent(RunsAction::StartSearch));
                    }
                }
                let has_best = view
                    .session
                    .search
                    .as_ref()
                    .is_some_and(|s| s.best.is_some());
                if ui
                    .add_enabled(has_best, egui::Button::new("Apply best"))
                    .on_hover_text("Copy the best trial's configuration into the editor")
                    .clicked()
                {
                    intents.push(runs_intent(RunsAction::ApplyBest));
                }
            });
            if let Some(search) = &view.session.search {
                ui.separator();
                progress_ui(ui, search);
                let kept = super::search_pictures::kept(ui, &search.trials);
                trials_ui(ui, search, &kept);
                curves_ui(ui, search);
                pictures_ui(ui, search);
            }
        });
}

fn space_ui(ui: &mut Ui, space: &mut SearchSpace) {
    ui.strong("Knobs to vary");
    egui::Grid::new("space_grid").num_columns(2).show(ui, |ui| {
        range_row(
            ui,
            "learning rate (log)",
            &mut space.lr,
            [1e-4, 1e-2],
            1e-6..=1.0,
            true,
        );
        choices_row(ui, "hidden units", &mut space.hidden, &[32, 64, 128]);
        choices_row(ui, "layers", &mut space.layers, &[1, 2]);
        choices_row(ui, "lookback", &mut space.lookback, &[24, 48, 96]);
        range_row(
            ui,
            "dropout",
            &mut space.dropout,
            [0.0, 0.3],
            0.0..=0.9,
            false,
        );
        cell_row(ui, &mut space.cell);
        choices_row(ui, "batch size", &mut space.batch, &[32, 64, 128]);
    });
}

fn range_row(
    ui: &mut Ui,
    label: &str,
    value: &mut Option<[f64; 2]>,
    default: [f64; 2],
    limits: std::ops::RangeInclusive<f64>,
    log: bool,
) {
    let mut on = value.is_some();
    if ui.checkbox(&mut on, label).changed() {
        *value = on.then_some(default);
    }
    ui.horizontal(|ui| {
        if let Some(range) = value {
            for v in range.iter_mut() {
                let drag = egui::DragValue::new(v).range(limits.clone());
                let drag = if log {
                    drag.speed(0.0).custom_formatter(|n, _| format!("{n:.1e}"))
                } else {
                    drag.speed(0.01).max_decimals(2)
                };
                ui.add(drag);
            }
            if log {
                // Log ranges move by factors: plain dragging would be useless.
                if ui.small_button("/10").clicked() {
                    range[0] /= 10.0;
                }
                if ui.small_button("x10").clicked() {
                    range[1] *= 10.0;
                }
            }
        } else {
            ui.weak("fixed (from the editor)");
        }
    });
    ui.end_row();
}

fn choices_row(ui: &mut Ui, label: &str, value: &mut Option<Vec<usize>>, default: &[usize]) {
    let mut on = value.is_some();
    if ui.checkbox(&mut on, label).changed() {
        *value = on.then(|| default.to_vec());
    }
    match value {
        Some(list) => {
            let id = ui.scope_id().with(("choices", label));
            let mut text = ui
                .data_mut(|d| d.get_temp::<String>(id))
                .unwrap_or_else(|| join(list));
            let response = ui.add(
                egui::TextEdit::singleline(&mut text)
                    .desired_width(140.0)
                    .hint_text("e.g. 32, 64, 128"),
            );
            if response.changed() {
                let parsed: Option<Vec<usize>> = text
                    .split([',', ' '])
                    .filter(|s| !s.is_empty())
                    .map(|s| s.parse().ok())
                    .collect();
                if let Some(p) = parsed.filter(|p| !p.is_empty() && !p.contains(&0)) {
                    *list = p;
                }
            }
            if response.lost_focus() || !response.has_focus() {
                text = join(list);
            }
            ui.data_mut(|d| d.insert_temp(id, text));
        }
        None => {
            ui.weak("fixed (from the editor)");
        }
    }
    ui.end_row();
}

fn cell_row(ui: &mut Ui, value: &mut Option<Vec<CellKind>>) {
    let mut on = value.is_some();
    if ui.checkbox(&mut on, "cell").changed() {
        *value = on.then(|| vec![CellKind::Lstm, CellKind::Gru]);
    }
    ui.horizontal(|ui| match value {
        Some(cells) => {
            for kind in [CellKind::Lstm, CellKind::Gru, CellKind::Rnn] {
                let mut has = cells.contains(&kind);
                if ui.checkbox(&mut has, kind.name().to_uppercase()).changed() {
                    if has {
                        cells.push(kind);
                    } else if cells.len() > 1 {
                        cells.retain(|c| *c != kind);
                    }
                }
            }
        }
        None => {
            ui.weak("fixed (from the editor)");
        }
    });
    ui.end_row();
}

fn join(list: &[usize]) -> String {
    list.iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn settings_ui(ui: &mut Ui, s: &mut TuneSettings) {
    ui.strong("How");
    egui::Grid::new("search_settings")
        .num_columns(2)
        .show(ui, |ui| {
            ui.label("method");
            ui.horizontal(|ui| {
                ui.radio_value(&mut s.method, Method::Random, "random");
                ui.radio_value(&mut s.method, Method::Grid, "grid");
                ui.radio_value(&mut s.method, Method::Tpe, "TPE")
                    .on_hover_text(
                        "Tree-structured Parzen estimator (Optuna's default): random for the \
                         first 5 trials, then each trial where the best quarter of the finished \
                         ones points and the rest do not.",
                    );
                ui.radio_value(&mut s.method, Method::Asha, "ASHA")
                    .on_hover_text(
                        "Random draws with successive halving: at 3, 9, 27 … epochs only the \
                         best third of the trials that got there go on, so many trials run a \
                         few epochs and the promising ones many.",
                    );
            });
            ui.end_row();
            ui.label("trials");
            ui.add(egui::DragValue::new(&mut s.trials).range(1..=500));
            ui.end_row();
            ui.label("seed");
            ui.add(egui::DragValue::new(&mut s.seed));
            ui.end_row();
            let mut limit = s.max_epochs.is_some();
            if ui.checkbox(&mut limit, "epochs per trial").changed() {
                s.max_epochs = limit.then_some(30);
            }
            match &mut s.max_epochs {
                Some(e) => ui.add(egui::DragValue::new(e).range(1..=10_000)),
                None => ui.weak("as in the editor"),
            };
            ui.end_row();
            ui.label("prune poor trials").on_hover_text(
                "Median: after the warm-up, a trial whose best validation loss is worse than \
                 the median of earlier trials at the same epoch stops. Successive halving \
                 (ASHA): at the rungs MIN, MIN·ETA, MIN·ETA² … epochs only the best 1/ETA of \
                 the trials that got there go on.",
            );
            ui.horizontal(|ui| {
                let name = match s.pruning {
                    Pruning::None => "off",
                    Pruning::Median { .. } => "median",
                    Pruning::Asha { .. } => "successive halving",
                };
                egui::ComboBox::from_id_salt("search_pruning")
                    .selected_text(name)
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut s.pruning, Pruning::None, "off");
                        if ui
                            .selectable_label(matches!(s.pruning, Pruning::Median { .. }), "median")
                            .clicked()
                        {
                            s.pruning = Pruning::Median { warmup: 3 };
                        }
                        if ui
                            .selectable_label(
                                matches!(s.pruning, Pruning::Asha { .. }),
                                "successive halving",
                            )
                            .clicked()
                        {
                            s.pruning = Pruning::ASHA;
                        }
                    });
                match &mut s.pruning {
                    Pruning::Median { warmup } => {
                        ui.label("after epoch");
                        ui.add(egui::DragValue::new(warmup).range(1..=1000));
                    }
                    Pruning::Asha { min_epochs, eta } => {
                        ui.label("first rung");
                        ui.add(egui::DragValue::new(min_epochs).range(1..=1000));
                        ui.label("keep 1 in");
                        ui.add(egui::DragValue::new(eta).range(2..=10));
                    }
                    Pruning::None => {}
                }
                if s.method == Method::Asha && !matches!(s.pruning, Pruning::Asha { .. }) {
                    ui.weak("(ASHA halves at 3, 9, 27 … epochs)");
                }
            });
            ui.end_row();
        });
    if let Some(note) = tpe::budget_note(s) {
        ui.weak(note);
    }
}

fn progress_ui(ui: &mut Ui, search: &SearchState) {
    let done = search.trials.len();
    let status = match (&search.current, search.done) {
        (_, true) if search.cancelled => format!("cancelled after {done} trials"),
        (_, true) => format!("finished: {done} trials"),
        (Some((i, knobs)), false) => {
            let epoch = search.current_epoch.map_or(String::new(), |(e, v)| {
                format!(
                    " · epoch {e}{}",
                    v.map_or(String::new(), |v| format!(", validation loss {v:.5}"))
                )
            });
            format!(
                "trial {i} of {}: {}{epoch}",
                search.total,
                knobs
                    .iter()
                    .map(|k| k.describe())
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        }
        (None, false) => "starting…".into(),
    };
    let fraction = if search.total > 0 {
        done as f32 / search.total as f32
    } else {
        0.0
    };
    ui.add(egui::ProgressBar::new(fraction).text(status));
    if !search.knobs.is_empty() {
        ui.weak(format!("varying {}", search.knobs.join(", ")));
    }
}

/// The parallel coordinates, the knobs' importance and the slice plots.
fn pictures_ui(ui: &mut Ui, search: &SearchState) {
    if search.trials.len() < 2 {
        return;
    }
    ui.label(
        "Trials in parallel coordinates, coloured by validation loss (green: low): drag \
         along an axis to keep a range (the table follows), click the axis to clear",
    );
    super::search_pictures::parallel_ui(ui, &search.trials);
    ui.columns(2, |cols| {
        let finished = (search.trials.iter())
            .filter(|t| !t.pruned && t.error.is_none())
            .count();
        cols[0].label(format!("Knob importance ({finished} finished trials)"));
        super::search_pictures::importance_ui(&mut cols[0], &search.trials, 170.0);
        cols[1].label("Validation loss against each knob (grey: pruned)");
        super::search_pictures::slices_ui(&mut cols[1], &search.trials, 150.0);
    });
}

fn trials_ui(ui: &mut Ui, search: &SearchState, kept: &[bool]) {
    let shown = kept.iter().filter(|k| **k).count();
    if shown < search.trials.len() {
        ui.label(format!(
            "{shown} of {} trials in the brushed ranges",
            search.trials.len()
        ));
    }
    // Its own horizontal scroller, so a wide table does not widen the plot below.
    egui::ScrollArea::horizontal()
        .id_salt("trials_scroll")
        .show(ui, |ui| trials_grid(ui, search, kept));
}

fn trials_grid(ui: &mut Ui, search: &SearchState, kept: &[bool]) {
    egui::Grid::new("trials_grid").striped(true).show(ui, |ui| {
        for title in [
            "trial",
            "tried",
            "best val loss",
            "test MAE",
            "epochs",
            "ended",
            "run",
        ] {
            ui.strong(title);
        }
        ui.end_row();
        for (i, t) in search.trials.iter().enumerate() {
            if !kept.get(i).copied().unwrap_or(true) {
                continue;
            }
            let best = search.best == Some(i);
            let index = format!("{}{}", if best { "* " } else { "" }, t.index);
            ui.label(if best {
                RichText::new(index).strong()
            } else {
                RichText::new(index)
            });
            ui.monospace(t.describe());
            ui.label(t.best_val_loss.map_or("-".into(), |v| format!("{v:.5}")));
            // Over many series MAE has no meaning; the mean MASE over the series stands in.
            ui.label(match (t.test_mae, t.test_mase) {
                (Some(mae), _) => format!("{mae:.4}"),
                (None, Some(mase)) => format!("MASE {mase:.3}"),
                (None, None) => "-".into(),
            });
            ui.label(t.epochs_run.to_string());
            match &t.error {
                Some(e) => ui.colored_label(colors::WARN, e),
                None if t.pruned => ui.label("pruned"),
                None => ui.label(&t.stop),
            };
            ui.label(t.run_id.as_deref().unwrap_or("-"));
            ui.end_row();
        }
    });
}

fn curves_ui(ui: &mut Ui, search: &SearchState) {
    if search.trials.is_empty() {
        return;
    }
    ui.label("Best validation loss so far, per trial (pruned trials end early)");
    let mut plot = Plot::new("search_curves").height(200.0);
    // A legend of many trials would be taller than the plot and cover what is below.
    if search.trials.len() <= 10 {
        plot = plot.legend(Legend::default().position(egui_plot::Corner::RightTop));
    }
    plot.x_axis_label("epoch").show(ui, |p| {
        for t in &search.trials {
            let points: Vec<[f64; 2]> = t
                .best_by_epoch
                .iter()
                .enumerate()
                .map(|(e, v)| [(e + 1) as f64, *v])
                .collect();
            p.line(Line::new(format!("trial {}", t.index), PlotPoints::new(points)).width(1.5));
        }
    });
}

//! Runs side by side: validation-loss curves and test forecasts overlaid, the settings
//! that differ, and the metrics next to each other with the best marked.

use std::sync::Arc;

use egui::{RichText, Ui};
use egui_plot::{Legend, Line, LineStyle, Plot, PlotPoints};
use seqcast_engine::panel::score::{BASELINES, PanelScores};
use seqcast_engine::runs::diff::config_diff;
use seqcast_engine::runs::{RunMeta, StoredRun};

use crate::gui::plots::colors;

/// Draws the comparison of `runs` (two or more).
pub fn compare_ui(ui: &mut Ui, runs: &[(RunMeta, Arc<StoredRun>)]) {
    ui.strong(format!("Comparing {} runs", runs.len()));
    let names = labels(runs);
    let width = ui.available_width() / 2.0 - 8.0;
    let height = 190.0;
    ui.horizontal(|ui| {
        ui.vertical(|ui| {
            ui.set_width(width);
            ui.label("Validation loss per epoch (training loss dashed)");
            loss_plot(ui, runs, &names, height);
        });
        ui.vertical(|ui| {
            ui.set_width(width);
            if runs
                .iter()
                .all(|(_, s)| matches!(s.as_ref(), StoredRun::Panel(_)))
            {
                ui.label("Over all series (test): mean MASE of the model and each baseline");
                wide(ui, "panel_scores_ui", |ui| {
                    panel_scores_ui(ui, runs, &names)
                });
            } else {
                ui.label(
                    "Test forecast one step ahead, first target, against the actual values \
                     (runs on one series)",
                );
                forecast_plot(ui, runs, &names, height);
            }
        });
    });
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            ui.set_width(width);
            ui.strong("Settings that differ");
            wide(ui, "diff_ui", |ui| diff_ui(ui, runs, &names));
        });
        ui.vertical(|ui| {
            ui.set_width(width);
            ui.strong("Metrics (test, data units; * = best)");
            wide(ui, "metrics_ui", |ui| metrics_ui(ui, runs, &names));
        });
    });
}

/// A table that may be wider than its half of the view, in a horizontal scroll area with
/// a solid bar (a floating one would cover the table's last row).
fn wide(ui: &mut Ui, id: &str, table: impl FnOnce(&mut Ui)) {
    ui.scope(|ui| {
        ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
        egui::ScrollArea::horizontal().id_salt(id).show(ui, table);
    });
}

/// Names for legends and columns, made unique with the run id when they clash.
fn labels(runs: &[(RunMeta, Arc<StoredRun>)]) -> Vec<String> {
    runs.iter()
        .map(|(m, _)| {
            let clash = runs.iter().filter(|(o, _)| o.name == m.name).count() > 1;
            if clash {
                format!("{} [{}]", m.name, m.id)
            } else {
                m.name.clone()
            }
        })
        .collect()
}

fn loss_plot(ui: &mut Ui, runs: &[(RunMeta, Arc<StoredRun>)], names: &[String], height: f32) {
    Plot::new("compare_loss")
        .height(height)
        .legend(Legend::default())
        .x_axis_label("epoch")
        .show(ui, |p| {
            for (i, ((meta, summary), name)) in runs.iter().zip(names).enumerate() {
                // A branch shares its parent's epochs up to the branch point: it is drawn
                // from there on, over the parent's curve, with a marker where it leaves.
                let from = meta.config.train.branch.as_ref().map_or(0, |b| b.epoch);
                let history = (summary.training().history.iter()).filter(|e| e.epoch >= from);
                let val: Vec<[f64; 2]> = history
                    .clone()
                    .filter_map(|e| e.val_loss.map(|v| [e.epoch as f64, v]))
                    .collect();
                let train: Vec<[f64; 2]> =
                    history.map(|e| [e.epoch as f64, e.train_loss]).collect();
                let color = palette(i);
                if from > 0 {
                    p.vline(
                        egui_plot::VLine::new(format!("{name} branches"), from as f64)
                            .color(color)
                            .style(LineStyle::dotted_loose())
                            .width(1.0),
                    );
                }
                p.line(
                    Line::new(name.clone(), PlotPoints::new(val))
                        .color(color)
                        .width(2.0),
                );
                p.line(
                    Line::new(name.clone(), PlotPoints::new(train))
                        .color(color)
                        .style(LineStyle::dashed_loose())
                        .width(1.0),
                );
            }
        });
}

/// Distinct colours for up to eight runs, then repeating.
fn palette(i: usize) -> egui::Color32 {
    const COLORS: [egui::Color32; 8] = [
        egui::Color32::from_rgb(70, 130, 220),
        egui::Color32::from_rgb(240, 160, 40),
        egui::Color32::from_rgb(90, 180, 100),
        egui::Color32::from_rgb(220, 80, 80),
        egui::Color32::from_rgb(170, 110, 220),
        egui::Color32::from_rgb(80, 190, 200),
        egui::Color32::from_rgb(200, 200, 90),
        egui::Color32::from_rgb(220, 120, 180),
    ];
    COLORS[i % COLORS.len()]
}

fn forecast_plot(ui: &mut Ui, runs: &[(RunMeta, Arc<StoredRun>)], names: &[String], height: f32) {
    Plot::new("compare_forecast")
        .height(height)
        .legend(Legend::default())
        .x_axis_label("row")
        .show(ui, |p| {
            let mut actual_drawn = false;
            for (i, ((_, summary), name)) in runs.iter().zip(names).enumerate() {
                // A run over many series has no one forecast to overlay.
                let StoredRun::Series(summary) = summary.as_ref() else {
                    continue;
                };
                let Some(test) = &summary.test else { continue };
                let h = summary.config.window.horizon.max(1);
                let step_one = |values: &[f64]| -> Vec<[f64; 2]> {
                    test.origins
                        .iter()
                        .zip(values.iter().step_by(h))
                        .map(|(o, v)| [(*o + 1) as f64, *v])
                        .collect()
                };
                if !actual_drawn && let Some(actual) = test.actual.first() {
                    p.line(
                        Line::new("actual", PlotPoints::new(step_one(actual)))
                            .color(colors::ACTUAL)
                            .width(1.5),
                    );
                    actual_drawn = true;
                }
                if let Some(model) = test.model.first() {
                    p.line(
                        Line::new(name.clone(), PlotPoints::new(step_one(model)))
                            .color(palette(i))
                            .width(1.5),
                    );
                }
            }
        });
}

/// Runs over many series side by side: the model's and each baseline's mean test MASE
/// over the series, the lowest marked, and on how many series the model beats each
/// series' best baseline.
fn panel_scores_ui(ui: &mut Ui, runs: &[(RunMeta, Arc<StoredRun>)], names: &[String]) {
    let scores: Vec<Option<&PanelScores>> = runs
        .iter()
        .map(|(_, s)| match s.as_ref() {
            StoredRun::Panel(p) => p.test.as_ref(),
            StoredRun::Series(_) => None,
        })
        .collect();
    egui::Grid::new("compare_panel")
        .striped(true)
        .show(ui, |ui| {
            ui.strong("forecaster");
            for name in names {
                ui.strong(name);
            }
            ui.end_row();
            for forecaster in std::iter::once("model").chain(BASELINES) {
                ui.label(forecaster.replace('_', " "));
                for s in &scores {
                    let row_best = s
                        .map(|s| {
                            s.aggregate
                                .values()
                                .map(|a| a.mase)
                                .filter(|m| m.is_finite())
                                .fold(f64::INFINITY, f64::min)
                        })
                        .unwrap_or(f64::NAN);
                    let mase = s.and_then(|s| s.aggregate.get(forecaster)).map(|a| a.mase);
                    match mase {
                        Some(m) if m == row_best => {
                            ui.label(RichText::new(format!("{m:.3} *")).strong());
                        }
                        Some(m) => {
                            ui.label(format!("{m:.3}"));
                        }
                        None => {
                            ui.label("-");
                        }
                    }
                }
                ui.end_row();
            }
            ui.label("model beats the best baseline on");
            for s in &scores {
                ui.label(s.map_or("-".into(), |s| {
                    let wins = s
                        .per_series
                        .iter()
                        .filter(|x| {
                            x.best_baseline()
                                .is_some_and(|(_, b)| x.model.mase < b.mase)
                        })
                        .count();
                    format!("{wins} of {} series", s.per_series.len())
                }));
            }
            ui.end_row();
        });
}

fn diff_ui(ui: &mut Ui, runs: &[(RunMeta, Arc<StoredRun>)], names: &[String]) {
    let configs: Vec<&seqcast_engine::RunConfig> = runs.iter().map(|(_, s)| s.config()).collect();
    let rows = config_diff(&configs);
    let same_data = runs
        .windows(2)
        .all(|w| w[0].1.data_sha256() == w[1].1.data_sha256());
    if !same_data {
        ui.colored_label(
            colors::WARN,
            "These runs were trained on different data files.",
        );
    }
    if rows.is_empty() {
        ui.label("The configurations are identical.");
        return;
    }
    egui::Grid::new("compare_diff")
        .striped(true)
        .show(ui, |ui| {
            ui.strong("setting");
            for name in names {
                ui.strong(name);
            }
            ui.end_row();
            for row in &rows {
                ui.monospace(&row.field);
                for v in &row.values {
                    ui.monospace(v);
                }
                ui.end_row();
            }
        });
}

/// Reads one metric of a run.
type Metric = fn(&RunMeta) -> Option<f64>;

fn metrics_ui(ui: &mut Ui, runs: &[(RunMeta, Arc<StoredRun>)], names: &[String]) {
    let many = runs.iter().any(|(m, _)| m.row.series.is_some());
    let mut rows: Vec<(&str, Metric)> = vec![
        ("best validation loss", |m| m.row.best_val_loss),
        ("test MAE", |m| m.row.test_mae),
        ("test RMSE", |m| m.row.test_rmse),
        ("test MASE", |m| m.row.test_mase),
        ("naive test MAE", |m| m.row.naive_test_mae),
    ];
    if many {
        // Over many series: means over the series, and M4's OWA against Naive2.
        rows.push(("test sMAPE (mean over series)", |m| m.row.test_smape));
        rows.push(("test OWA", |m| m.row.test_owa));
    }
    rows.push(("training time, s", |m| Some(m.row.elapsed_secs)));
    egui::Grid::new("compare_metrics")
        .striped(true)
        .show(ui, |ui| {
            ui.strong("metric");
            for name in names {
                ui.strong(name);
            }
            ui.end_row();
            for (title, get) in rows {
                ui.label(title);
                let values: Vec<Option<f64>> = runs.iter().map(|(m, _)| get(m)).collect();
                let best = values
                    .iter()
                    .flatten()
                    .copied()
                    .fold(f64::INFINITY, f64::min);
                let marks_best = title != "naive test MAE";
                for v in values {
                    let text = v.map_or("-".into(), |v| format!("{v:.4}"));
                    if marks_best && v == Some(best) {
                        ui.label(RichText::new(format!("{text} *")).strong());
                    } else {
                        ui.label(text);
                    }
                }
                ui.end_row();
            }
            ui.label("epochs / stop");
            for (m, _) in runs {
                ui.label(format!("{} / {}", m.row.epochs_run, m.row.stop));
            }
            ui.end_row();
        });
}

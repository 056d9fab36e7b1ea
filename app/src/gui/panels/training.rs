//! The Training view: progress, loss and learning-rate curves, the validation forecast
//! after each epoch, gradient norms with the vanishing / exploding thresholds, and the
//! alerts with what to do about them.

use egui_plot::{HLine, Legend, Line, LineStyle, Plot, PlotPoints};
use seqcast_engine::diag::{EXPLODING_NORM, VANISHING_NORM};
use seqcast_engine::model::path::Path;

use super::PanelView;
use crate::cli::clock;
use crate::gui::intent::Intent;
use crate::gui::live::{LiveRun, ValForecast};
use crate::gui::plots::{change_markers, colors, decimate, interval_band, log_axis, scaled, shade};

/// Draws the Training view.
pub fn training_ui(ui: &mut egui::Ui, view: &mut PanelView<'_>, intents: &mut Vec<Intent>) {
    let paused = view.is_paused();
    let Some(live) = view.session.live.as_ref() else {
        ui.centered_and_justified(|ui| {
            ui.heading(
                "Press Train to start; curves and diagnostics appear here as the model learns.",
            );
        });
        return;
    };
    progress_ui(ui, live, paused);
    if live.running {
        super::knobs::knobs_ui(ui, live, &view.persisted.config, paused, intents);
    }
    ui.checkbox(&mut view.persisted.log_loss, "Log scale for losses");
    let log = view.persisted.log_loss;
    let alerts_height = if live.alerts.is_empty() {
        0.0
    } else {
        30.0 + 44.0 * live.alerts.len().min(4) as f32
    };
    let plot_height = ((ui.available_height() - alerts_height) / 2.0 - 28.0).max(140.0);
    let width = ui.available_width() / 2.0 - 8.0;
    ui.horizontal(|ui| {
        ui.vertical(|ui| {
            ui.set_width(width);
            ui.strong("Loss (train per epoch, validation per epoch, batches faint)");
            loss_plot(ui, live, log, plot_height);
        });
        ui.vertical(|ui| {
            ui.set_width(width);
            ui.strong("Gradient L2 norm per step (log₁₀) · thresholds 1e-5 and 10");
            grad_plot(ui, live, plot_height);
        });
    });
    ui.horizontal(|ui| {
        ui.vertical(|ui| {
            ui.set_width(width);
            ui.strong("Validation: one step ahead vs actual (after the last epoch)");
            val_plot(ui, view, live, plot_height * 0.75);
        });
        ui.vertical(|ui| {
            ui.set_width(width);
            let teacher = live.history.iter().any(|e| e.teacher_forcing.is_some());
            let share = if teacher { 0.5 } else { 1.0 };
            ui.strong("Learning rate (log₁₀)");
            lr_plot(ui, live, plot_height * 0.75 * share);
            if teacher {
                ui.strong("Teacher forcing: share of decoder steps fed the true value");
                teacher_plot(ui, live, plot_height * 0.75 * share);
            }
        });
    });
    if !live.alerts.is_empty() {
        ui.strong(format!(
            "{} · details in Diagnostics",
            super::alerts::heading(live)
        ));
        egui::ScrollArea::vertical()
            .id_salt("alerts")
            .max_height(200.0)
            .show(ui, |ui| {
                super::alerts::alerts_ui(ui, live, &view.persisted.config, intents);
            });
    }
}

fn progress_ui(ui: &mut egui::Ui, live: &LiveRun, paused: bool) {
    let b = &live.batch;
    let state = if live.running {
        if paused { "paused" } else { "training" }
    } else {
        "finished"
    };
    // A branch that continued from a checkpoint says so first (the line is long).
    let state = match live.resumed_from {
        Some(epoch) => format!("{state} · continued from the checkpoint after epoch {epoch}"),
        None => state.to_string(),
    };
    let text = format!(
        "{state} · epoch {}/{} · batch {}/{} · elapsed {} · ETA ≤ {} · {:.0} windows/s · {} training / {} validation windows · {} parameters",
        b.epoch.max(live.history.len()),
        live.epochs,
        b.batch,
        b.batches,
        clock(b.elapsed_secs),
        live.eta_secs().map_or("-".into(), clock),
        b.windows_per_sec,
        live.train_windows,
        live.val_windows,
        live.parameters
    );
    // Only the unusual path is named: every configuration seqcast builds runs fast.
    let text = match live.path {
        Some(path @ Path::Burn) => format!("{text} · on {}", path.describe()),
        _ => text,
    };

    let fraction = if live.running { live.fraction() } else { 1.0 };
    ui.add(egui::ProgressBar::new(fraction as f32).text(text));
}

fn loss_plot(ui: &mut egui::Ui, live: &LiveRun, log: bool, height: f32) {
    let epochs_per_step = 1.0 / live.batches.max(1) as f64;
    let mut plot = Plot::new("loss")
        .height(height)
        .legend(Legend::default())
        .x_axis_label("epoch");
    if log {
        plot = plot.y_axis_formatter(log_axis);
    }
    plot.show(ui, |p| {
        let batch: Vec<[f64; 2]> = live
            .steps
            .iter()
            .filter_map(|s| scaled(s.loss, log).map(|y| [s.step as f64 * epochs_per_step, y]))
            .collect();
        let batch_values: Vec<f64> = batch.iter().map(|p| p[1]).collect();
        let thinned: Vec<[f64; 2]> =
            decimate::min_max(&batch_values, 0.0, batch_values.len() as f64, 600)
                .into_iter()
                .filter_map(|[i, _]| batch.get(i as usize).copied())
                .collect();
        p.line(
            Line::new("batch", PlotPoints::new(thinned))
                .color(colors::BATCH)
                .width(1.0),
        );
        let train: Vec<[f64; 2]> = live
            .history
            .iter()
            .filter_map(|e| scaled(e.train_loss, log).map(|y| [e.epoch as f64, y]))
            .collect();
        let val: Vec<[f64; 2]> = live
            .history
            .iter()
            .filter_map(|e| {
                e.val_loss
                    .and_then(|v| scaled(v, log))
                    .map(|y| [e.epoch as f64, y])
            })
            .collect();
        p.line(
            Line::new("train", PlotPoints::new(train))
                .color(colors::TRAIN)
                .width(2.0),
        );
        p.line(
            Line::new("validation", PlotPoints::new(val))
                .color(colors::VAL)
                .width(2.0),
        );
        // Batch `s` is drawn at s / batches: a change before step s sits just before it.
        change_markers(p, &live.changes, |s| (s - 1) as f64 * epochs_per_step);
    });
}

fn grad_plot(ui: &mut egui::Ui, live: &LiveRun, height: f32) {
    Plot::new("grads")
        .height(height)
        .legend(Legend::default().position(egui_plot::Corner::LeftBottom))
        .y_axis_formatter(log_axis)
        .x_axis_label("step")
        .show(ui, |p| {
            let series =
                |get: &dyn Fn(&seqcast_engine::train::StepStats) -> Option<f64>| -> Vec<[f64; 2]> {
                    let every = (live.steps.len() / 1500).max(1);
                    live.steps
                        .iter()
                        .step_by(every)
                        .filter_map(|s| {
                            get(s)
                                .and_then(|v| scaled(v, true))
                                .map(|y| [s.step as f64, y])
                        })
                        .collect()
                };
            p.line(
                Line::new(
                    "global, before clipping",
                    PlotPoints::new(series(&|s| Some(s.grad_norm))),
                )
                .width(2.0),
            );
            p.line(
                Line::new(
                    "global, after clipping",
                    PlotPoints::new(series(&|s| Some(s.grad_norm_clipped))),
                )
                .style(LineStyle::dashed_loose())
                .width(1.5),
            );
            let names: Vec<String> = live
                .steps
                .last()
                .map(|s| s.layers.iter().map(|(n, _)| n.clone()).collect())
                .unwrap_or_default();
            for name in names {
                let points =
                    series(&|s| s.layers.iter().find(|(n, _)| *n == name).map(|(_, v)| *v));
                p.line(Line::new(name, PlotPoints::new(points)).width(1.0));
            }
            p.hline(
                HLine::new("exploding (10)", EXPLODING_NORM.log10())
                    .color(colors::WARN)
                    .style(LineStyle::dashed_dense()),
            );
            p.hline(
                HLine::new("vanishing (1e-5)", VANISHING_NORM.log10())
                    .color(colors::WARN)
                    .style(LineStyle::dashed_dense()),
            );
            change_markers(p, &live.changes, |s| s as f64 - 0.5);
        });
}

fn val_plot(ui: &mut egui::Ui, view: &PanelView<'_>, live: &LiveRun, height: f32) {
    if view.persisted.config.data.series_column.is_some() {
        ui.weak(
            "Many series: the validation loss above is over every series' windows; each \
             series' forecasts are in Results after training.",
        );
        return;
    }
    let Some(ValForecast {
        rows,
        predicted,
        radii,
    }) = &live.val_forecast
    else {
        ui.weak("appears after the first epoch");
        return;
    };
    let Some(series) = view.session.inspection.as_ref().map(|i| i.series.clone()) else {
        return;
    };
    let Some(target) = series.targets().first() else {
        return;
    };
    let labels = series.clone();
    Plot::new("val_forecast")
        .height(height)
        .legend(Legend::default())
        .x_axis_formatter(move |mark, _| labels.time_label(mark.value.max(0.0).round() as usize))
        .x_grid_spacer(crate::gui::plots::time_grid())
        .show(ui, |p| {
            let first = rows.first().copied().unwrap_or(0);
            let last = rows.last().copied().unwrap_or(0);
            let actual: Vec<[f64; 2]> = (first..=last)
                .filter_map(|r| target.values.get(r).map(|v| [r as f64, *v]))
                .collect();
            let forecast: Vec<[f64; 2]> = rows
                .iter()
                .zip(predicted.iter())
                .map(|(r, v)| [*r as f64, *v])
                .collect();
            // This epoch's conformal intervals, widest first (behind), narrower darker.
            let mut levels: Vec<(f64, f64)> = radii
                .iter()
                .filter_map(|(level, r)| r.map(|r| (*level, r)))
                .collect();
            levels.sort_by(|a, b| b.0.total_cmp(&a.0));
            let n = levels.len().max(1) as f32;
            for (i, (level, r)) in levels.iter().enumerate() {
                let points: Vec<[f64; 3]> =
                    forecast.iter().map(|[x, y]| [*x, y - r, y + r]).collect();
                let alpha = (30.0 + 40.0 * i as f32 / n) as u8;
                let name = format!(
                    "{}% interval (this epoch)",
                    seqcast_engine::eval::intervals::label(*level)
                );
                interval_band(p, &name, &points, shade(colors::MODEL, alpha));
            }
            p.line(Line::new("actual", PlotPoints::new(actual)).color(colors::ACTUAL));
            p.line(Line::new("model", PlotPoints::new(forecast)).color(colors::MODEL));
        });
}

fn lr_plot(ui: &mut egui::Ui, live: &LiveRun, height: f32) {
    let points = lr_points(live);
    // Half a decade around the rates: a constant rate would otherwise get a degenerate
    // y range that the plot blows up to ±100 decades.
    let (low, high) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), [_, y]| {
            (l.min(*y), h.max(*y))
        });
    let mut plot = Plot::new("lr")
        .height(height)
        .x_axis_label("epoch")
        .y_axis_formatter(log_axis);
    if low.is_finite() && high.is_finite() {
        plot = plot.include_y(low - 0.5).include_y(high + 0.5);
    }
    plot.show(ui, |p| {
        p.line(
            Line::new("lr", PlotPoints::new(points))
                .color(colors::TRAIN)
                .width(2.0),
        );
        change_markers(p, &live.changes, |s| lr_x(live, s));
    });
}

/// The learning rate on the epoch axis (log10): per step while the live run has them
/// (a cyclical or one-cycle schedule changes it at every batch; step `s` of an epoch of
/// `b` batches sits at `epoch + (s − 1) / b`), else one point per finished epoch.
fn lr_points(live: &LiveRun) -> Vec<[f64; 2]> {
    let per_step: Vec<[f64; 2]> = live
        .steps
        .iter()
        .filter_map(|s| scaled(s.lr, true).map(|y| [lr_x(live, s.step), y]))
        .collect();
    if !per_step.is_empty() {
        return per_step;
    }
    live.history
        .iter()
        .filter_map(|e| scaled(e.lr, true).map(|y| [e.epoch as f64, y]))
        .collect()
}

/// Where step `step` sits on the lr plot's epoch axis: `epoch + (s − 1) / b`.
fn lr_x(live: &LiveRun, step: usize) -> f64 {
    1.0 + step.saturating_sub(1) as f64 / live.batches.max(1) as f64
}

/// A seq2seq run's teacher-forcing ratio per epoch, on [0, 1].
fn teacher_plot(ui: &mut egui::Ui, live: &LiveRun, height: f32) {
    let points: Vec<[f64; 2]> = live
        .history
        .iter()
        .filter_map(|e| e.teacher_forcing.map(|r| [e.epoch as f64, r]))
        .collect();
    Plot::new("teacher")
        .height(height)
        .x_axis_label("epoch")
        .include_y(0.0)
        .include_y(1.0)
        .show(ui, |p| {
            p.line(
                Line::new("teacher forcing", PlotPoints::new(points))
                    .color(colors::VAL)
                    .width(2.0),
            );
            change_markers(p, &live.changes, |s| lr_x(live, s));
        });
}

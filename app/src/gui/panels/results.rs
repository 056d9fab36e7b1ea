//! The Results view: metrics of the model against the baselines, test forecasts against
//! the actuals at a chosen horizon step, the error per horizon step, the forecast past
//! the end, and the exports.

use std::sync::Arc;

use egui_plot::{Legend, Line, LineStyle, Plot, PlotPoints};
use seqcast_engine::config::MetricsScale;
use seqcast_engine::data::series::Series;
use seqcast_engine::eval::baselines::BaselineKind;
use seqcast_engine::eval::choice::ForecastChoice;
use seqcast_engine::eval::metrics::Metrics;
use seqcast_engine::pipeline::{PartForecast, RunSummary, ScoreTable};

use super::PanelView;
use crate::gui::files::Purpose;
use crate::gui::intent::Intent;
use crate::gui::plots::{colors, interval_band, shade};
use crate::gui::state::Tab;

/// Draws the Results view.
pub fn results_ui(ui: &mut egui::Ui, view: &mut PanelView<'_>, intents: &mut Vec<Intent>) {
    if let Some(result) = view.session.panel.clone() {
        super::panel_results::panel_results_ui(ui, view, &result, intents);
        return;
    }
    let Some(summary) = view.session.summary.clone() else {
        ui.centered_and_justified(|ui| {
            ui.heading("Train a model to see how it compares with the baselines.");
        });
        return;
    };
    let Some(series) = view.session.summary_series.clone() else {
        return;
    };
    let horizon = summary.config.window.horizon.max(1);
    let mut step = view.persisted.result_step.clamp(1, horizon);
    let mut normalised = view.persisted.normalised_metrics;

    header_ui(ui, &summary, intents);
    ui.separator();
    if let Some(choice) = &summary.forecast {
        skill_banner(ui, view, choice);
    }
    ui.horizontal(|ui| {
        ui.checkbox(&mut normalised, "Normalised scale");
        ui.label("Horizon step");
        ui.add(egui::Slider::new(&mut step, 1..=horizon));
    });
    let scale = if normalised {
        MetricsScale::Normalised
    } else {
        MetricsScale::Original
    };
    // The product forecast's row, when it is not the model itself.
    let product = summary
        .forecast
        .as_ref()
        .filter(|c| c.replaces_model())
        .map(|c| format!("forecast: {}", c.chosen.name()));
    ui.horizontal_top(|ui| {
        tables_ui(ui, &summary, scale, product.as_deref());
        ui.separator();
        plots_ui(ui, &summary, &series, scale, step);
    });
    view.persisted.result_step = step;
    view.persisted.normalised_metrics = normalised;
}

/// The skill banner: does the model beat the best baseline on validation, and what do
/// the forecasts use. Green when the model wins, amber when a baseline or a
/// combination does (with a way to the Diagnostics that say why).
fn skill_banner(ui: &mut egui::Ui, view: &mut PanelView<'_>, choice: &ForecastChoice) {
    let model_wins = choice.skill().is_some_and(|s| s > 0.0);
    let color = if model_wins {
        colors::GOOD
    } else {
        colors::CAUTION
    };
    egui::Frame::new()
        .fill(color.gamma_multiply(0.18))
        .stroke(egui::Stroke::new(1.0, color))
        .corner_radius(4.0)
        .inner_margin(8.0)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal_wrapped(|ui| {
                ui.label(egui::RichText::new(&choice.why).strong());
                if choice.replaces_model() && ui.link("Open Diagnostics").clicked() {
                    view.persisted.tab = Tab::Diagnostics;
                }
            });
        });
    ui.add_space(4.0);
}

fn metrics_table(
    ui: &mut egui::Ui,
    id: &str,
    table: &ScoreTable,
    model_name: &str,
    product: Option<&str>,
) {
    let mut rows: Vec<(String, &Metrics)> =
        vec![(format!("{model_name} (model)"), &table.model.overall)];
    if let (Some(name), Some(m)) = (product, &table.product) {
        rows.insert(0, (name.to_string(), &m.overall));
    }
    rows.extend(
        table
            .baselines
            .iter()
            .map(|(k, m)| (k.name().to_string(), &m.overall)),
    );
    type Getter = fn(&Metrics) -> Option<f64>;
    let columns: [(&str, Getter); 5] = [
        ("MAE", |m| Some(m.mae)),
        ("RMSE", |m| Some(m.rmse)),
        ("MAPE %", |m| m.mape),
        ("sMAPE %", |m| m.smape),
        ("MASE", |m| m.mase),
    ];
    egui::Grid::new(id)
        .striped(true)
        .num_columns(6)
        .show(ui, |ui| {
            ui.label("");
            for (name, _) in &columns {
                ui.strong(*name);
            }
            ui.end_row();
            for (name, m) in &rows {
                ui.label(name);
                for (_, get) in &columns {
                    let best = rows
                        .iter()
                        .filter_map(|(_, r)| get(r))
                        .fold(f64::INFINITY, f64::min);
                    match get(m) {
                        Some(v) if v == best => ui.strong(format!("{v:.4}")),
                        Some(v) => ui.label(format!("{v:.4}")),
                        None => ui.weak("—"),
                    };
                }
                ui.end_row();
            }
        });
    if let Some(note) = table.model.overall.mape_note() {
        ui.weak(note);
    }
}

/// `replaces_model`: the product forecast is not the model's (it gets a line of its own).
fn step_plot(
    ui: &mut egui::Ui,
    series: &Arc<Series>,
    part: &PartForecast,
    replaces_model: bool,
    (step, horizon): (usize, usize),
    height: f32,
    bands: &[Band],
) {
    let k = step - 1;
    let pick = |values: &[f64]| -> Vec<[f64; 2]> {
        part.origins
            .iter()
            .enumerate()
            .filter_map(|(w, origin)| {
                values
                    .get(w * horizon + k)
                    .map(|v| [(origin + step) as f64, *v])
            })
            .collect()
    };
    let labels = series.clone();
    Plot::new("test_step")
        .height(height)
        .legend(Legend::default())
        .x_axis_formatter(move |mark, _| labels.time_label(mark.value.max(0.0).round() as usize))
        .show(ui, |p| {
            // The forecast's intervals at this step, widest first (behind).
            let forecast = part.product.first().or(part.model.first());
            for band in bands.iter().rev() {
                let Some(r) = band.radii.get(k).copied().flatten() else {
                    continue;
                };
                let points: Vec<[f64; 3]> = forecast
                    .map(|f| {
                        pick(f)
                            .into_iter()
                            .map(|[x, y]| [x, y - r, y + r])
                            .collect()
                    })
                    .unwrap_or_default();
                interval_band(p, &band.name, &points, band.color);
            }
            if let Some(actual) = part.actual.first() {
                p.line(
                    Line::new("actual", PlotPoints::new(pick(actual)))
                        .color(colors::ACTUAL)
                        .width(2.0),
                );
            }
            if let Some(model) = part.model.first() {
                p.line(
                    Line::new("model", PlotPoints::new(pick(model)))
                        .color(colors::MODEL)
                        .width(2.0),
                );
            }
            // The product forecast, when it is something other than the model.
            if let Some(product) = part.product.first().filter(|_| replaces_model) {
                p.line(
                    Line::new("forecast (chosen)", PlotPoints::new(pick(product)))
                        .color(colors::PRODUCT)
                        .width(2.0),
                );
            }
            if let Some(naive) = part
                .baselines
                .get(&BaselineKind::SeasonalNaive)
                .and_then(|b| b.first())
            {
                p.line(
                    Line::new("seasonal naive", PlotPoints::new(pick(naive)))
                        .style(LineStyle::dashed_loose()),
                );
            }
        });
}

fn per_step_plot(ui: &mut egui::Ui, table: &ScoreTable, height: f32) {
    Plot::new("per_step")
        .height(height)
        .legend(Legend::default())
        .x_axis_label("step")
        .show(ui, |p| {
            let line = |m: &[Metrics]| -> Vec<[f64; 2]> {
                m.iter()
                    .enumerate()
                    .map(|(k, m)| [(k + 1) as f64, m.mae])
                    .collect()
            };
            p.line(
                Line::new("model", PlotPoints::new(line(&table.model.per_step)))
                    .color(colors::MODEL)
                    .width(2.0),
            );
            for (kind, m) in &table.baselines {
                p.line(
                    Line::new(kind.name(), PlotPoints::new(line(&m.per_step)))
                        .style(LineStyle::dashed_loose()),
                );
            }
        });
}

/// `replaces_model`: the product forecast is not the model's (the model's is dashed).
fn future_plot(
    ui: &mut egui::Ui,
    series: &Arc<Series>,
    future: &seqcast_engine::pipeline::FutureForecast,
    replaces_model: bool,
    horizon: usize,
    height: f32,
    bands: &[Band],
) {
    let Some(target) = series.targets().first() else {
        return;
    };
    let n = target.values.len();
    let history_start = n.saturating_sub(4 * horizon);
    let labels = series.clone();
    Plot::new("future")
        .height(height)
        .legend(Legend::default())
        .x_axis_formatter(move |mark, _| labels.time_label(mark.value.max(0.0).round() as usize))
        .show(ui, |p| {
            let history: Vec<[f64; 2]> = (history_start..n)
                .filter_map(|i| target.values.get(i).map(|v| [i as f64, *v]))
                .collect();
            p.line(
                Line::new("history", PlotPoints::new(history))
                    .color(colors::ACTUAL)
                    .width(2.0),
            );
            let last = [(n - 1) as f64, target.values.last().copied().unwrap_or(0.0)];
            let points = |values: &[f64]| {
                let mut points = vec![last];
                points.extend(values.iter().enumerate().map(|(k, v)| [(n + k) as f64, *v]));
                PlotPoints::new(points)
            };
            let model = future.model.first().filter(|_| replaces_model);
            if let Some(values) = future.values.first() {
                for band in bands.iter().rev() {
                    let points: Vec<[f64; 3]> = values
                        .iter()
                        .enumerate()
                        .filter_map(|(k, v)| {
                            let r = band.radii.get(k).copied().flatten()?;
                            Some([(n + k) as f64, v - r, v + r])
                        })
                        .collect();
                    interval_band(p, &band.name, &points, band.color);
                }
                let color = if model.is_some() {
                    colors::PRODUCT
                } else {
                    colors::MODEL
                };
                p.line(
                    Line::new("forecast", points(values))
                        .color(color)
                        .width(2.0),
                );
            }
            if let Some(model) = model {
                p.line(
                    Line::new("model", points(model))
                        .color(colors::MODEL)
                        .style(LineStyle::dashed_loose()),
                );
            }
        });
}

/// Export buttons and the run's one-line description.
fn header_ui(ui: &mut egui::Ui, summary: &RunSummary, intents: &mut Vec<Intent>) {
    ui.horizontal(|ui| {
        if ui.button("Export predictions…").clicked() {
            intents.push(Intent::Dialog(Purpose::ExportCsv));
        }
        if ui.button("Save run report…").clicked() {
            intents.push(Intent::Dialog(Purpose::SaveReport));
        }
        if ui.button("Save model…").clicked() {
            intents.push(Intent::Dialog(Purpose::SaveModel));
        }
        ui.separator();
        let refit = summary.training.refit.map_or(String::new(), |r| {
            format!(" · refit on train+val, {} epochs", r.epochs)
        });
        ui.label(format!(
            "{} {}×{} · {} · best epoch {}{refit}",
            summary.config.model.cell.name().to_uppercase(),
            summary.config.model.layers,
            summary.config.model.hidden,
            summary.training.stop.describe(),
            summary
                .training
                .best_epoch
                .map_or("-".into(), |e| e.to_string())
        ));
    });
}

/// Test and validation metrics of the model, the product forecast and the baselines.
fn tables_ui(ui: &mut egui::Ui, summary: &RunSummary, scale: MetricsScale, product: Option<&str>) {
    ui.vertical(|ui| {
        let parts = [
            (
                "Test",
                "test_metrics",
                &summary.test_scores,
                summary.data.windows[2],
            ),
            (
                "Validation",
                "val_metrics",
                &summary.val_scores,
                summary.data.windows[1],
            ),
        ];
        for (title, id, scores, windows) in parts {
            if let Some(scores) = scores {
                ui.strong(format!("{title} · {windows} windows"));
                let model = summary.config.model.cell.name();
                metrics_table(ui, id, scores.in_scale(scale), model, product);
            }
        }
        for (kind, why) in &summary.unavailable_baselines {
            ui.weak(format!("{} unavailable: {why}", kind.name()));
        }
    });
}

/// The forecast at one horizon step against the truth, the error per step, and the
/// forecast past the end.
fn plots_ui(
    ui: &mut egui::Ui,
    summary: &RunSummary,
    series: &Arc<Series>,
    scale: MetricsScale,
    step: usize,
) {
    let horizon = summary.config.window.horizon.max(1);
    let replaces_model = summary
        .forecast
        .as_ref()
        .is_some_and(|c| c.replaces_model());
    let bands = bands_of(summary, replaces_model);
    ui.vertical(|ui| {
        let height = (ui.available_height() / 2.0 - 30.0).max(160.0);
        let Some(test) = summary.test.as_ref().or(summary.val.as_ref()) else {
            // A series too short for validation or test windows still has its
            // forecast past the end.
            ui.label("No test or validation windows: the parts are shorter than the horizon.");
            ui.strong(format!("Forecast after {}", summary.future.origin));
            future_plot(
                ui,
                series,
                &summary.future,
                replaces_model,
                horizon,
                height,
                &bands,
            );
            return;
        };
        ui.strong(format!("Forecast {step} step(s) ahead vs actual"));
        step_plot(
            ui,
            series,
            test,
            replaces_model,
            (step, horizon),
            height,
            &bands,
        );
        ui.horizontal(|ui| {
            let width = ui.available_width() / 2.0 - 6.0;
            ui.vertical(|ui| {
                ui.set_width(width);
                ui.strong("MAE per horizon step");
                if let Some(scores) = &summary.test_scores {
                    per_step_plot(ui, scores.in_scale(scale), height * 0.8);
                }
            });
            ui.vertical(|ui| {
                ui.set_width(width);
                ui.strong(format!("Forecast after {}", summary.future.origin));
                future_plot(
                    ui,
                    series,
                    &summary.future,
                    replaces_model,
                    horizon,
                    height * 0.8,
                    &bands,
                );
            });
        });
    });
}

/// One interval of the forecast to shade: its legend name, colour and radius per step.
struct Band {
    name: String,
    color: egui::Color32,
    radii: Vec<Option<f64>>,
}

/// The forecast's conformal intervals for the first target, narrowest first, in the
/// forecast line's colour.
fn bands_of(summary: &RunSummary, replaces_model: bool) -> Vec<Band> {
    let base = if replaces_model {
        colors::PRODUCT
    } else {
        colors::MODEL
    };
    let Some(intervals) = &summary.intervals else {
        return Vec::new();
    };
    let Some(per_level) = intervals.product().and_then(|t| t.first()) else {
        return Vec::new();
    };
    let mut bands: Vec<(f64, Band)> = intervals
        .levels
        .iter()
        .zip(per_level)
        .map(|(level, radii)| {
            (
                *level,
                Band {
                    name: format!(
                        "{}% interval",
                        seqcast_engine::eval::intervals::label(*level)
                    ),
                    color: base,
                    radii: radii.clone(),
                },
            )
        })
        .collect();
    bands.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = bands.len().max(1) as f32;
    // Narrower intervals darker: they are drawn over the wider ones.
    bands
        .into_iter()
        .enumerate()
        .map(|(i, (_, mut band))| {
            let alpha = (70.0 - 40.0 * i as f32 / n) as u8;
            band.color = shade(band.color, alpha);
            band
        })
        .collect()
}

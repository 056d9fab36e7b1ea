//! The Results view's plots: the forecast at one horizon step against the truth (with
//! the forecast's interval bands), the error or the intervals' coverage per step, and the
//! forecast past the end.

use std::sync::Arc;

use egui::RichText;
use egui_plot::{Legend, Line, LineStyle, Plot, PlotPoints};
use seqcast_engine::config::MetricsScale;
use seqcast_engine::data::series::Series;
use seqcast_engine::eval::baselines::BaselineKind;
use seqcast_engine::eval::intervals::{QuantilePair, band_at};
use seqcast_engine::eval::metrics::Metrics;
use seqcast_engine::pipeline::intervals::quantile_at;
use seqcast_engine::pipeline::{PartForecast, RunSummary, ScoreTable};

use crate::gui::plots::{colors, interval_band, shade};

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
    // The cells drawn and where: each window's forecast at `step`, or the whole path of
    // a part's only window (one point per window would be a single dot).
    let cells: Vec<(usize, f64)> = match part.origins.as_slice() {
        [origin] => (0..horizon).map(|i| (i, (origin + i + 1) as f64)).collect(),
        origins => origins
            .iter()
            .enumerate()
            .map(|(w, origin)| (w * horizon + step - 1, (origin + step) as f64))
            .collect(),
    };
    let pick = |values: &[f64]| -> Vec<[f64; 2]> {
        cells
            .iter()
            .filter_map(|&(cell, x)| values.get(cell).map(|v| [x, *v]))
            .collect()
    };
    let labels = series.clone();
    Plot::new("test_step")
        .height(height)
        .legend(Legend::default())
        .x_axis_formatter(move |mark, _| labels.time_label(mark.value.max(0.0).round() as usize))
        .x_grid_spacer(crate::gui::plots::time_grid())
        .show(ui, |p| {
            // The forecast's intervals at this step, widest first (behind).
            let forecast = part.product.first().or(part.model.first());
            for band in bands.iter().rev() {
                let points: Vec<[f64; 3]> = forecast
                    .map(|f| {
                        cells
                            .iter()
                            .filter_map(|&(cell, x)| {
                                let margin = band.radii.get(cell % horizon).copied().flatten();
                                let (lo, hi) = band_at(margin, band.pair, *f.get(cell)?, |i| {
                                    quantile_at(part.quantiles.as_ref(), i, 0, cell)
                                })?;
                                Some([x, lo, hi])
                            })
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

/// The step plot's title: the step shown, or the whole path of a part's only window
/// (`test`: the part is the test part, else validation).
fn step_title(part: &PartForecast, test: bool, step: usize, horizon: usize) -> String {
    let name = if test { "test" } else { "validation" };
    if part.origins.len() == 1 {
        format!("The only {name} window: steps 1–{horizon} vs actual")
    } else {
        format!("Forecast {step} step(s) ahead vs actual ({name})")
    }
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

/// The forecast's test coverage per horizon step at each level, with the nominal level
/// dashed: calibrated intervals stay near their line at every step.
fn coverage_plot(
    ui: &mut egui::Ui,
    intervals: &seqcast_engine::pipeline::intervals::Intervals,
    height: f32,
) {
    Plot::new("coverage_per_step")
        .height(height)
        .legend(Legend::default().position(egui_plot::Corner::RightBottom))
        .x_axis_label("step")
        .include_y(0.0)
        .include_y(100.0)
        .show(ui, |p| {
            for (i, level) in intervals.levels.iter().enumerate() {
                let name = seqcast_engine::eval::intervals::label(*level);
                let Some(steps) = intervals.coverage_per_step.get(&name) else {
                    continue;
                };
                let points: Vec<[f64; 2]> = steps
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.is_finite())
                    .map(|(k, c)| [(k + 1) as f64, 100.0 * c])
                    .collect();
                let color = if i == 0 { colors::MODEL } else { colors::VAL };
                p.line(
                    Line::new(format!("{name}% coverage"), PlotPoints::new(points))
                        .color(color)
                        .width(2.0),
                );
                p.hline(
                    egui_plot::HLine::new(format!("{name}% nominal"), 100.0 * level)
                        .color(color)
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
        .x_grid_spacer(crate::gui::plots::time_grid())
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
                            let margin = band.radii.get(k).copied().flatten();
                            let (lo, hi) = band_at(margin, band.pair, *v, |i| {
                                quantile_at(future.quantiles.as_ref(), i, 0, k)
                            })?;
                            Some([(n + k) as f64, lo, hi])
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

/// The forecast at one horizon step against the truth, the error per step, and the
/// forecast past the end.
pub(super) fn plots_ui(
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
    let future = |ui: &mut egui::Ui, height: f32| {
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
    };
    ui.vertical(|ui| {
        let height = (ui.available_height() / 2.0 - 30.0).max(160.0);
        let Some(test) = summary.test.as_ref().or(summary.val.as_ref()) else {
            // A series too short for validation or test windows still has its
            // forecast past the end.
            ui.label("No test or validation windows: the parts are shorter than the horizon.");
            future(ui, height);
            return;
        };
        // Which main view: the test forecasts at one step, or the backtest.
        let backtest = summary.backtest.as_ref();
        let id = ui.make_persistent_id("results_backtest_view");
        let mut show_backtest =
            backtest.is_some() && ui.data(|d| d.get_temp::<bool>(id)).unwrap_or(false);
        ui.horizontal(|ui| {
            ui.selectable_value(
                &mut show_backtest,
                false,
                RichText::new(step_title(test, summary.test.is_some(), step, horizon)).strong(),
            );
            if let Some(bt) = backtest {
                ui.selectable_value(
                    &mut show_backtest,
                    true,
                    RichText::new(format!("Backtest ({} origins)", bt.per_origin.len())).strong(),
                );
            }
        });
        ui.data_mut(|d| d.insert_temp(id, show_backtest));
        let backtest = backtest.filter(|_| show_backtest);
        if let Some(bt) = backtest {
            ui.label(super::results_backtest::title(bt));
            super::results_backtest::paths_plot(ui, series, bt, replaces_model, height - 20.0);
        } else {
            step_plot(
                ui,
                series,
                test,
                replaces_model,
                (step, horizon),
                height,
                &bands,
            );
        }
        ui.horizontal(|ui| {
            let width = ui.available_width() / 2.0 - 6.0;
            ui.vertical(|ui| {
                ui.set_width(width);
                if let Some(bt) = backtest {
                    ui.strong("Error over time (MASE per origin)");
                    let h = height * 0.8;
                    super::results_backtest::error_plot(ui, series, bt, replaces_model, h);
                    return;
                }
                // Which per-step view: the error, or the intervals' coverage.
                let id = ui.make_persistent_id("per_step_view");
                let mut coverage = ui.data(|d| d.get_temp::<bool>(id)).unwrap_or(false);
                let has_coverage = summary
                    .intervals
                    .as_ref()
                    .is_some_and(|i| !i.coverage_per_step.is_empty());
                ui.horizontal(|ui| {
                    // Without a test part (a series that only holds a validation window),
                    // the validation errors.
                    let title = match summary.test_scores {
                        Some(_) => "MAE per step",
                        None => "MAE per step (validation)",
                    };
                    ui.selectable_value(&mut coverage, false, RichText::new(title).strong());
                    if has_coverage {
                        ui.selectable_value(
                            &mut coverage,
                            true,
                            RichText::new("Interval coverage").strong(),
                        );
                    }
                });
                ui.data_mut(|d| d.insert_temp(id, coverage));
                let scores = summary.test_scores.as_ref().or(summary.val_scores.as_ref());
                match (&summary.intervals, scores) {
                    (Some(i), _) if coverage && has_coverage => coverage_plot(ui, i, height * 0.8),
                    (_, Some(scores)) => per_step_plot(ui, scores.in_scale(scale), height * 0.8),
                    _ => {}
                }
            });
            ui.vertical(|ui| {
                ui.set_width(width);
                let Some(map) = &summary.future.attention else {
                    future(ui, height * 0.8);
                    return;
                };
                // A seq2seq model with attention: its forecast, or where it looked.
                let id = ui.make_persistent_id("future_attention_view");
                let mut show = ui.data(|d| d.get_temp::<bool>(id)).unwrap_or(false);
                ui.horizontal(|ui| {
                    ui.selectable_value(&mut show, false, RichText::new("Forecast").strong());
                    ui.selectable_value(&mut show, true, RichText::new("Attention map").strong());
                });
                ui.data_mut(|d| d.insert_temp(id, show));
                if show {
                    let (origin, map) = super::results_attention::chosen(ui, summary, map);
                    ui.label(super::results_attention::title(origin));
                    super::results_attention::heat_map(ui, map, height * 0.8 - 46.0);
                } else {
                    future(ui, height * 0.8);
                }
            });
        });
    });
}

/// One interval of the forecast to shade: its legend name, colour and radius per step
/// (a CQR margin around `pair` for a quantile model's own bands).
struct Band {
    name: String,
    color: egui::Color32,
    radii: Vec<Option<f64>>,
    pair: QuantilePair,
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
        .enumerate()
        .map(|(l, (level, radii))| {
            let pair = intervals.product_pairs().get(l).copied().flatten();
            let kind = if pair.is_some() { " (CQR)" } else { "" };
            (
                *level,
                Band {
                    name: format!(
                        "{}% interval{kind}",
                        seqcast_engine::eval::intervals::label(*level)
                    ),
                    color: base,
                    radii: radii.clone(),
                    pair,
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

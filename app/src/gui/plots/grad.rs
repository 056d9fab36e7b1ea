//! The training doctor's plots: gradient norms per layer and per gate on a log axis
//! with the vanishing (1e-5) and exploding (10) bands, the clipping rate per epoch, the
//! learning-rate range test and the overfit-one-batch loss.

use egui::Color32;
use egui_plot::{
    Bar, BarChart, HLine, Legend, Line, LineStyle, Plot, PlotPoints, PlotUi, Polygon, VLine,
};
use seqcast_engine::diag::tools::{LrRangeReport, OverfitReport};
use seqcast_engine::diag::{CLIP_RATE_LIMIT, EXPLODING_NORM, VANISHING_NORM};
use seqcast_engine::train::{DiagSnapshot, EpochRecord, StepStats};

use seqcast_engine::config::Change;

use super::{change_markers, colors, log_axis, scaled, shade};

/// Points drawn per line at most (longer series are thinned evenly).
const MAX_POINTS: usize = 1500;

/// Shades the exploding (> 10) and vanishing (< 1e-5) regions (log10 units) across
/// `x` = 0..`x_max`, within a y range that always shows both thresholds and every
/// value in `ys`. Unnamed, so the legend lists only the data.
fn bands(p: &mut PlotUi<'_>, x_max: f64, ys: impl Iterator<Item = f64>) {
    let (lo, hi) = ys.fold(
        (VANISHING_NORM.log10(), EXPLODING_NORM.log10()),
        |(lo, hi), y| (lo.min(y), hi.max(y)),
    );
    let (lo, hi) = (lo - 0.5, hi + 0.5);
    let x_max = x_max.max(1.0);
    let band = |from: f64, to: f64| {
        Polygon::new(
            "",
            PlotPoints::new(vec![[0.0, from], [x_max, from], [x_max, to], [0.0, to]]),
        )
        .fill_color(shade(colors::WARN, 28))
        .stroke(egui::Stroke::NONE)
        .allow_hover(false)
    };
    p.polygon(band(EXPLODING_NORM.log10(), hi));
    p.polygon(band(lo, VANISHING_NORM.log10()));
    for y in [EXPLODING_NORM.log10(), VANISHING_NORM.log10()] {
        p.hline(
            HLine::new("", y)
                .color(colors::WARN)
                .style(LineStyle::dashed_dense())
                .width(1.0),
        );
    }
}

fn thin<T>(items: &[T]) -> impl Iterator<Item = &T> {
    items.iter().step_by((items.len() / MAX_POINTS).max(1))
}

/// Global and per-layer gradient norm of every step.
pub fn layer_plot(ui: &mut egui::Ui, steps: &[StepStats], changes: &[Change], height: f32) {
    Plot::new("diag_layers")
        .height(height)
        .legend(Legend::default().position(egui_plot::Corner::LeftBottom))
        .y_axis_formatter(log_axis)
        .x_axis_label("step")
        .show(ui, |p| {
            let series = |get: &dyn Fn(&StepStats) -> Option<f64>| -> Vec<[f64; 2]> {
                thin(steps)
                    .filter_map(|s| {
                        get(s)
                            .and_then(|v| scaled(v, true))
                            .map(|y| [s.step as f64, y])
                    })
                    .collect()
            };
            let mut lines = vec![
                ("global".to_string(), series(&|s| Some(s.grad_norm))),
                (
                    "global, clipped".to_string(),
                    series(&|s| Some(s.grad_norm_clipped)),
                ),
            ];
            let names: Vec<String> = steps
                .last()
                .map(|s| s.layers.iter().map(|(n, _)| n.clone()).collect())
                .unwrap_or_default();
            for name in names {
                let points =
                    series(&|s| s.layers.iter().find(|(n, _)| *n == name).map(|(_, v)| *v));
                lines.push((name, points));
            }
            let ys = lines.iter().flat_map(|(_, pts)| pts.iter().map(|p| p[1]));
            bands(p, steps.last().map_or(1.0, |s| s.step as f64), ys);
            for (i, (name, points)) in lines.into_iter().enumerate() {
                let line = Line::new(name, PlotPoints::new(points));
                p.line(match i {
                    0 => line.width(2.0),
                    1 => line.style(LineStyle::dashed_loose()).width(1.5),
                    _ => line.width(1.0),
                });
            }
            change_markers(p, changes, |s| s as f64 - 0.5);
        });
}

/// Gradient norm of every gate of every layer at each snapshot.
pub fn gate_plot(ui: &mut egui::Ui, snapshots: &[DiagSnapshot], changes: &[Change], height: f32) {
    Plot::new("diag_gates")
        .height(height)
        .legend(Legend::default().position(egui_plot::Corner::LeftBottom))
        .y_axis_formatter(log_axis)
        .x_axis_label("step")
        .show(ui, |p| {
            let ys = snapshots
                .iter()
                .flat_map(|s| s.gates.iter().filter_map(|g| scaled(g.grad_norm, true)));
            bands(p, snapshots.last().map_or(1.0, |s| s.step as f64), ys);
            change_markers(p, changes, |s| s as f64 - 0.5);
            let Some(last) = snapshots.last() else {
                return;
            };
            for (i, gate) in last.gates.iter().enumerate() {
                let points: Vec<[f64; 2]> = thin(snapshots)
                    .filter_map(|s| {
                        s.gates
                            .get(i)
                            .and_then(|g| scaled(g.grad_norm, true))
                            .map(|y| [s.step as f64, y])
                    })
                    .collect();
                let stack = if gate.decoder { "D" } else { "L" };
                let name = format!("{stack}{} {}", gate.layer, gate.gate);
                // One dash style per layer, so layers stay apart when gates share colours.
                let style = if gate.layer % 2 == 0 {
                    LineStyle::dashed_loose()
                } else {
                    LineStyle::Solid
                };
                p.line(
                    Line::new(name, PlotPoints::new(points))
                        .style(style)
                        .width(1.5),
                );
            }
        });
}

/// Share of steps clipped in every epoch, with the "most steps" limit; live changes
/// at their place in the epoch of `batches` steps (epoch `e`'s bar is centred on `e`).
pub fn clip_plot(
    ui: &mut egui::Ui,
    (history, changes): (&[EpochRecord], &[Change]),
    batches: usize,
    height: f32,
) {
    Plot::new("diag_clip")
        .height(height)
        .include_y(0.0)
        .include_y(100.0)
        .x_axis_label("epoch")
        .y_axis_formatter(|m, _| format!("{:.0}%", m.value))
        .show(ui, |p| {
            let bars: Vec<Bar> = history
                .iter()
                .map(|e| {
                    let pct = 100.0 * e.clip_rate;
                    let color = if e.clip_rate > CLIP_RATE_LIMIT {
                        colors::WARN
                    } else {
                        colors::TRAIN
                    };
                    Bar::new(e.epoch as f64, pct).width(0.8).fill(color)
                })
                .collect();
            p.bar_chart(BarChart::new("clipped steps", bars));
            p.hline(
                HLine::new("most steps (50%)", 100.0 * CLIP_RATE_LIMIT)
                    .color(colors::WARN)
                    .style(LineStyle::dashed_dense()),
            );
            let batches = batches.max(1) as f64;
            change_markers(p, changes, |s| 0.5 + (s - 1) as f64 / batches);
        });
}

/// Loss against lr (log axis) with the suggested lr marked.
pub fn lr_range_plot(ui: &mut egui::Ui, report: &LrRangeReport, height: f32) {
    Plot::new("diag_lr_range")
        .height(height)
        .legend(Legend::default().position(egui_plot::Corner::LeftTop))
        .x_axis_formatter(log_axis)
        .x_axis_label("learning rate")
        .show(ui, |p| {
            let points = |values: &[f64]| -> Vec<[f64; 2]> {
                report
                    .lrs
                    .iter()
                    .zip(values)
                    .filter(|(_, v)| v.is_finite())
                    .map(|(lr, v)| [lr.log10(), *v])
                    .collect()
            };
            p.line(
                Line::new("loss", PlotPoints::new(points(&report.losses)))
                    .color(colors::BATCH)
                    .width(1.0),
            );
            p.line(
                Line::new("smoothed loss", PlotPoints::new(points(&report.smoothed)))
                    .color(colors::TRAIN)
                    .width(2.0),
            );
            if let Some(lr) = report.min_loss_lr {
                p.vline(
                    VLine::new(format!("lowest loss ({lr:.1e})"), lr.log10())
                        .color(Color32::GRAY)
                        .style(LineStyle::dashed_dense()),
                );
            }
            if let Some(lr) = report.suggested {
                p.vline(
                    VLine::new(format!("suggested ({lr:.1e})"), lr.log10())
                        .color(colors::MODEL)
                        .width(2.0),
                );
            }
        });
}

/// The overfit test's loss per step (log axis) with the target.
pub fn overfit_plot(ui: &mut egui::Ui, report: &OverfitReport, height: f32) {
    Plot::new("diag_overfit")
        .height(height)
        .y_axis_formatter(log_axis)
        .x_axis_label("step")
        .show(ui, |p| {
            let points: Vec<[f64; 2]> = report
                .losses
                .iter()
                .enumerate()
                .step_by((report.losses.len() / MAX_POINTS).max(1))
                .filter_map(|(i, l)| scaled(*l, true).map(|y| [(i + 1) as f64, y]))
                .collect();
            p.line(
                Line::new("loss", PlotPoints::new(points))
                    .color(colors::TRAIN)
                    .width(2.0),
            );
            p.hline(
                HLine::new(
                    format!("target {:.1e}", report.target),
                    report.target.log10(),
                )
                .color(colors::WARN)
                .style(LineStyle::dashed_dense()),
            );
        });
}

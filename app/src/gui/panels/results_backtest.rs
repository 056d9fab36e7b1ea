//! The Results view's backtest (`eval.backtest`): the forecasts from many origins drawn
//! over the actuals, each path starting at its origin's value, and each origin's error
//! over time against the best baseline's.

use std::sync::Arc;

use egui_plot::{Legend, Line, LineStyle, Plot, PlotPoints};
use seqcast_engine::data::series::Series;
use seqcast_engine::pipeline::backtest::Backtest;

use crate::gui::plots::{colors, shade};

/// At most this many forecast paths are drawn (evenly spread over the origins), so a
/// backtest over thousands of origins stays readable and cheap to draw.
pub const MAX_PATHS: usize = 60;

/// The origins whose paths are drawn: all of them up to [`MAX_PATHS`], else evenly spread
/// from the first to the last.
pub fn drawn(origins: usize) -> Vec<usize> {
    if origins <= MAX_PATHS {
        return (0..origins).collect();
    }
    let last = origins - 1;
    let mut picked: Vec<usize> = (0..MAX_PATHS)
        .map(|i| (i * last + (MAX_PATHS - 1) / 2) / (MAX_PATHS - 1))
        .collect();
    picked.dedup();
    picked
}

/// The forecasts from the backtest origins over the actuals (first target).
pub(super) fn paths_plot(
    ui: &mut egui::Ui,
    series: &Arc<Series>,
    bt: &Backtest,
    replaces_model: bool,
    height: f32,
) {
    let part = &bt.forecast;
    let horizon = part
        .actual
        .first()
        .map_or(0, |v| v.len() / part.origins.len().max(1));
    let (Some(target), Some(&first), Some(&last)) = (
        series.targets().first(),
        part.origins.first(),
        part.origins.last(),
    ) else {
        ui.label("The backtest has no origins.");
        return;
    };
    let forecast = if part.product.is_empty() {
        part.model.first()
    } else {
        part.product.first()
    };
    let color = if replaces_model {
        colors::PRODUCT
    } else {
        colors::MODEL
    };
    let start = first.saturating_sub(horizon);
    let end = (last + horizon + 1).min(target.values.len());
    let labels = series.clone();
    Plot::new("backtest_paths")
        .height(height)
        .legend(Legend::default())
        .x_axis_formatter(move |mark, _| labels.time_label(mark.value.max(0.0).round() as usize))
        .x_grid_spacer(crate::gui::plots::time_grid())
        .show(ui, |p| {
            let actual: Vec<[f64; 2]> = (start..end)
                .filter_map(|i| target.values.get(i).map(|v| [i as f64, *v]))
                .collect();
            p.line(
                Line::new("actual", PlotPoints::new(actual))
                    .color(colors::ACTUAL)
                    .width(2.0),
            );
            let Some(forecast) = forecast else { return };
            for w in drawn(part.origins.len()) {
                let Some(&origin) = part.origins.get(w) else {
                    continue;
                };
                let mut points = Vec::with_capacity(horizon + 1);
                if let Some(v) = target.values.get(origin) {
                    points.push([origin as f64, *v]);
                }
                points.extend(
                    forecast
                        .get(w * horizon..(w + 1) * horizon)
                        .unwrap_or(&[])
                        .iter()
                        .enumerate()
                        .map(|(k, v)| [(origin + 1 + k) as f64, *v]),
                );
                p.line(
                    Line::new("forecast from each origin", PlotPoints::new(points))
                        .color(shade(color, 170))
                        .width(1.2),
                );
            }
        });
}

/// Each origin's MASE for the forecast (and the model's own when it is not the
/// forecast) against the best baseline's over the backtest.
pub(super) fn error_plot(
    ui: &mut egui::Ui,
    series: &Arc<Series>,
    bt: &Backtest,
    replaces_model: bool,
    height: f32,
) {
    let best = bt.best_baseline();
    let labels = series.clone();
    Plot::new("backtest_error")
        .height(height)
        .legend(Legend::default())
        .y_axis_label("MASE")
        .x_axis_formatter(move |mark, _| labels.time_label(mark.value.max(0.0).round() as usize))
        .x_grid_spacer(crate::gui::plots::time_grid())
        .include_y(0.0)
        .show(ui, |p| {
            let line = |get: &dyn Fn(&seqcast_engine::pipeline::backtest::OriginScore) -> f64| {
                let points: Vec<[f64; 2]> = bt
                    .per_origin
                    .iter()
                    .map(|o| [o.origin as f64, get(o)])
                    .filter(|[_, y]| y.is_finite())
                    .collect();
                PlotPoints::new(points)
            };
            let color = if replaces_model {
                colors::PRODUCT
            } else {
                colors::MODEL
            };
            p.line(
                Line::new("forecast", line(&|o| o.forecast.mase))
                    .color(color)
                    .width(2.0),
            );
            if replaces_model {
                p.line(
                    Line::new("model", line(&|o| o.model.mase))
                        .color(colors::MODEL)
                        .style(LineStyle::dashed_loose()),
                );
            }
            if let Some(kind) = best {
                p.line(
                    Line::new(
                        kind.name(),
                        line(&|o| o.baselines.get(&kind).map_or(f64::NAN, |e| e.mase)),
                    )
                    .color(colors::ACTUAL)
                    .style(LineStyle::dashed_loose()),
                );
            }
        });
}

/// The title line: how many origins, how often, retrained or not.
pub(super) fn title(bt: &Backtest) -> String {
    let retrain = if bt.refit == 0 {
        "the trained model".to_string()
    } else {
        format!(
            "retrained every {} origins ({} times)",
            bt.refit,
            bt.refits.len()
        )
    };
    let drawn = if bt.per_origin.len() > MAX_PATHS {
        format!("; {MAX_PATHS} of them drawn")
    } else {
        String::new()
    };
    format!(
        "Backtest: forecasts from {} origins, every {}, {retrain}{drawn}",
        bt.per_origin.len(),
        bt.every
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_spread_from_the_first_origin_to_the_last() {
        assert_eq!(drawn(3), [0, 1, 2]);
        let many = drawn(1000);
        assert_eq!(many.len(), MAX_PATHS);
        assert_eq!(many.first(), Some(&0));
        assert_eq!(many.last(), Some(&999));
        assert!(
            many.windows(2)
                .all(|w| w[1] - w[0] >= 16 && w[1] - w[0] <= 17)
        );
        assert_eq!(drawn(0), Vec::<usize>::new());
    }
}

//! Pictures of a search: the trials in parallel coordinates (one axis per knob and one
//! for the validation loss, each trial a line coloured by its loss; dragging along an
//! axis keeps the trials in that range, in the picture and in the table), the knobs'
//! importance (computed by the engine, `tune::importance`) and a slice plot per knob
//! (validation loss against the knob's value).

use std::collections::BTreeMap;

use egui::{Color32, Pos2, Rect, Sense, Stroke, Ui};
use egui_plot::{Bar, BarChart, Plot, Points};
use seqcast_engine::tune::Trial;
use seqcast_engine::tune::importance::{self, Axis};

use crate::gui::plots::{colors, shade};

/// A brush per axis name: the kept range, in the axis' normalised [0, 1] coordinates.
type Brushes = BTreeMap<String, (f32, f32)>;

/// One axis of the picture: its name, each trial's position on it (0 bottom … 1 top)
/// and the labels of its ends.
struct Column {
    name: String,
    at: Vec<Option<f32>>,
    ends: (String, String),
}

/// The columns: the knobs', then the validation loss (log scale).
fn columns(trials: &[Trial]) -> Vec<Column> {
    let mut out: Vec<Column> = importance::axes(trials).iter().map(knob_column).collect();
    let loss: Vec<Option<f64>> = trials
        .iter()
        .map(|t| t.best_val_loss.filter(|v| *v > 0.0 && v.is_finite()))
        .collect();
    let log: Vec<Option<f64>> = loss.iter().map(|v| v.map(f64::log10)).collect();
    let (at, (lo, hi)) = normalise(&log);
    out.push(Column {
        name: "val loss".into(),
        at,
        ends: (
            format!("{:.3}", 10f64.powf(lo)),
            format!("{:.3}", 10f64.powf(hi)),
        ),
    });
    out
}

fn knob_column(axis: &Axis) -> Column {
    let values: Vec<Option<f64>> = axis
        .values
        .iter()
        .map(|v| v.map(|v| if axis.log { v.log10() } else { v }))
        .collect();
    let (at, (lo, hi)) = normalise(&values);
    let label = |v: f64| {
        if let Some(name) = axis.categories.get(v.round().max(0.0) as usize)
            && !axis.categories.is_empty()
        {
            (*name).to_string()
        } else if axis.log {
            format!("{:.0e}", 10f64.powf(v))
        } else if v.fract() == 0.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.2}")
        }
    };
    Column {
        name: axis.name.to_string(),
        at,
        ends: (label(lo), label(hi)),
    }
}

/// Positions in [0, 1] between the smallest and largest value (0.5 when all are equal),
/// and that range.
fn normalise(values: &[Option<f64>]) -> (Vec<Option<f32>>, (f64, f64)) {
    let (lo, hi) = values
        .iter()
        .flatten()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(*v), h.max(*v))
        });
    let span = hi - lo;
    let at = values
        .iter()
        .map(|v| {
            v.map(|v| {
                if span > 0.0 {
                    ((v - lo) / span) as f32
                } else {
                    0.5
                }
            })
        })
        .collect();
    (at, (lo, hi))
}

/// Which trials every brush keeps (all without brushes).
pub fn kept(ui: &Ui, trials: &[Trial]) -> Vec<bool> {
    let brushes: Brushes = ui.data(|d| d.get_temp(brush_id())).unwrap_or_default();
    kept_by(&columns(trials), &brushes, trials.len())
}

/// Which of `n` trials on `columns` every brush keeps.
fn kept_by(columns: &[Column], brushes: &Brushes, n: usize) -> Vec<bool> {
    (0..n)
        .map(|i| {
            columns.iter().all(|c| match brushes.get(&c.name) {
                Some((lo, hi)) => c.at[i].is_some_and(|v| v >= *lo && v <= *hi),
                None => true,
            })
        })
        .collect()
}

fn brush_id() -> egui::Id {
    egui::Id::unique("search_brushes")
}

/// Colour of a trial by its place on the loss axis: green (low) to red (high).
fn loss_color(at: f32) -> Color32 {
    let lerp = |a: u8, b: u8, t: f32| (f32::from(a) + (f32::from(b) - f32::from(a)) * t) as u8;
    let (good, bad) = (colors::GOOD, colors::WARN);
    Color32::from_rgb(
        lerp(good.r(), bad.r(), at),
        lerp(good.g(), bad.g(), at),
        lerp(good.b(), bad.b(), at),
    )
}

/// The parallel-coordinates picture.
pub fn parallel_ui(ui: &mut Ui, trials: &[Trial]) {
    let columns = columns(trials);
    if columns.len() < 2 {
        return;
    }
    let mut brushes: Brushes = ui.data(|d| d.get_temp(brush_id())).unwrap_or_default();
    let width = ui.available_width();
    let (rect, _) = ui.allocate_exact_size(egui::vec2(width, 230.0), Sense::hover());
    let plot = Rect::from_min_max(
        rect.min + egui::vec2(40.0, 22.0),
        rect.max - egui::vec2(40.0, 20.0),
    );
    let x = |c: usize| plot.left() + plot.width() * c as f32 / (columns.len() - 1) as f32;
    let y = |at: f32| plot.bottom() - plot.height() * at;
    let keep = kept_by(&columns, &brushes, trials.len());
    let loss = columns.last().map(|c| c.at.clone()).unwrap_or_default();
    let painter = ui.painter_at(rect);
    // Kept trials over the others; each a polyline across the axes.
    for pass in [false, true] {
        for (i, kept) in keep.iter().enumerate() {
            if *kept != pass {
                continue;
            }
            let points: Option<Vec<Pos2>> = columns
                .iter()
                .enumerate()
                .map(|(c, col)| col.at[i].map(|v| Pos2::new(x(c), y(v))))
                .collect();
            let Some(points) = points else { continue };
            let color = match (pass, loss.get(i).copied().flatten()) {
                (true, Some(at)) => loss_color(at),
                _ => shade(colors::ACTUAL, 50),
            };
            painter.add(egui::Shape::line(points, Stroke::new(1.5, color)));
        }
    }
    let text = ui.visuals().text_color();
    let font = egui::FontId::proportional(12.0);
    for (c, col) in columns.iter().enumerate() {
        let ax = x(c);
        painter.line_segment(
            [Pos2::new(ax, plot.top()), Pos2::new(ax, plot.bottom())],
            Stroke::new(1.0, text),
        );
        // The name above the axis, its lowest and highest values at its ends.
        for (at, align, label) in [
            (
                Pos2::new(ax, rect.top() + 2.0),
                egui::Align2::CENTER_TOP,
                &col.name,
            ),
            (
                Pos2::new(ax + 4.0, plot.bottom()),
                egui::Align2::LEFT_BOTTOM,
                &col.ends.0,
            ),
            (
                Pos2::new(ax + 4.0, plot.top()),
                egui::Align2::LEFT_TOP,
                &col.ends.1,
            ),
        ] {
            painter.text(at, align, label, font.clone(), text);
        }
        // Drag along the axis to brush it; a click clears its brush.
        let hit = Rect::from_center_size(
            Pos2::new(ax, plot.center().y),
            egui::vec2(18.0, plot.height() + 8.0),
        );
        let response = ui
            .interact(
                hit,
                ui.scope_id().with(("axis", c)),
                Sense::click_and_drag(),
            )
            .on_hover_text(format!(
                "{}: drag along the axis to keep the trials in a range; click to clear",
                col.name
            ));
        let at = |p: Pos2| ((plot.bottom() - p.y) / plot.height()).clamp(0.0, 1.0);
        if response.dragged()
            && let (Some(origin), Some(now)) = (
                ui.input(|i| i.pointer.press_origin()),
                response.interact_pointer_pos(),
            )
        {
            let (a, b) = (at(origin), at(now));
            brushes.insert(col.name.clone(), (a.min(b), a.max(b)));
        } else if response.clicked() {
            brushes.remove(&col.name);
        }
        if let Some((lo, hi)) = brushes.get(&col.name) {
            painter.rect_filled(
                Rect::from_min_max(Pos2::new(ax - 6.0, y(*hi)), Pos2::new(ax + 6.0, y(*lo))),
                2.0,
                shade(colors::TRAIN, 110),
            );
        }
    }
    ui.data_mut(|d| d.insert_temp(brush_id(), brushes));
}

/// The knobs' importance as horizontal bars (most important on top).
pub fn importance_ui(ui: &mut Ui, trials: &[Trial], height: f32) {
    let Some(list) = importance::importance(trials) else {
        ui.weak(format!(
            "Knob importance appears after {} finished (not pruned) trials",
            importance::MIN_TRIALS
        ));
        return;
    };
    let names: Vec<&'static str> = list.iter().rev().map(|i| i.name).collect();
    let bars: Vec<Bar> = list
        .iter()
        .rev()
        .enumerate()
        .map(|(i, imp)| {
            Bar::new(i as f64, 100.0 * imp.share)
                .name(imp.name)
                .fill(colors::TRAIN)
                .width(0.6)
        })
        .collect();
    Plot::new("search_importance")
        .height(height)
        .include_x(0.0)
        .include_x(100.0)
        .x_axis_label("% of the variance of log validation loss it explains alone")
        .y_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                names
                    .get(i as usize)
                    .map_or(String::new(), |n| (*n).to_string())
            } else {
                String::new()
            }
        })
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .show(ui, |p| {
            p.bar_chart(BarChart::new("importance", bars).horizontal())
        });
}

/// Validation loss against each knob's value, one small plot per knob.
pub fn slices_ui(ui: &mut Ui, trials: &[Trial], height: f32) {
    let axes = importance::axes(trials);
    if axes.is_empty() {
        return;
    }
    for row in axes.chunks(3) {
        ui.columns(3, |cols| {
            for (axis, ui) in row.iter().zip(cols.iter_mut()) {
                slice_ui(ui, axis, trials, height);
            }
        });
    }
}

/// Validation loss against one knob's value.
fn slice_ui(ui: &mut Ui, axis: &Axis, trials: &[Trial], height: f32) {
    ui.label(if axis.log {
        format!("{} (log₁₀)", axis.name)
    } else {
        axis.name.to_string()
    });
    let point = |i: usize| -> Option<[f64; 2]> {
        let v = axis.values[i]?;
        let x = if axis.log { v.log10() } else { v };
        let loss = trials[i].best_val_loss.filter(|l| l.is_finite())?;
        Some([x, loss])
    };
    let (done, pruned): (Vec<usize>, Vec<usize>) =
        (0..trials.len()).partition(|i| !trials[*i].pruned);
    let categories = axis.categories.clone();
    Plot::new(("search_slice", axis.name))
        .height(height)
        .x_axis_formatter(move |mark, _| match categories.get(mark.value as usize) {
            Some(name) if mark.value.fract() == 0.0 => (*name).to_string(),
            _ if !categories.is_empty() => String::new(),
            _ => format!("{}", mark.value),
        })
        .show(ui, |p| {
            let finished: Vec<[f64; 2]> = done.iter().filter_map(|i| point(*i)).collect();
            let stopped: Vec<[f64; 2]> = pruned.iter().filter_map(|i| point(*i)).collect();
            p.points(
                Points::new("finished", finished)
                    .radius(3.0)
                    .color(colors::TRAIN),
            );
            p.points(
                Points::new("pruned", stopped)
                    .radius(2.5)
                    .color(shade(colors::ACTUAL, 140)),
            );
        });
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use egui_kittest::Harness;
    use seqcast_engine::tune::{Knob, Trial};

    use super::*;

    fn trial(lr: f64, hidden: usize, loss: f64) -> Trial {
        Trial::finished(vec![Knob::Lr(lr), Knob::Hidden(hidden)], &[loss])
    }

    #[test]
    fn brushes_keep_the_trials_inside_every_brushed_range() {
        // Losses 0.01 … 1 on a log axis: 0, 0.5 and 1 of the way up.
        let trials = vec![
            trial(1e-4, 32, 0.01),
            trial(1e-3, 64, 0.1),
            trial(1e-2, 128, 1.0),
        ];
        let kept_with = |brushes: Vec<(&str, (f32, f32))>| {
            let trials = trials.clone();
            let result = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
            let out = result.clone();
            let mut harness = Harness::new_ui(move |ui| {
                let set: Brushes = brushes
                    .iter()
                    .map(|(name, range)| ((*name).to_string(), *range))
                    .collect();
                ui.data_mut(|d| d.insert_temp(brush_id(), set));
                *out.lock().unwrap() = kept(ui, &trials);
            });
            harness.run();
            result.lock().unwrap().clone()
        };
        assert_eq!(kept_with(vec![]), [true, true, true]);
        assert_eq!(
            kept_with(vec![("val loss", (0.0, 0.6))]),
            [true, true, false]
        );
        // Two brushes: both must hold (hidden 64 and 128 are the upper 0.29 … 1).
        assert_eq!(
            kept_with(vec![("val loss", (0.0, 0.6)), ("hidden", (0.2, 1.0))]),
            [false, true, false]
        );
    }
}

//! Plot helpers shared by the panels.

pub mod decimate;
pub mod grad;
pub mod heatmap;

use egui::Color32;

/// Colours used consistently across plots.
pub mod colors {
    use super::Color32;
    /// Training part / training loss.
    pub const TRAIN: Color32 = Color32::from_rgb(70, 130, 220);
    /// Validation part / validation loss.
    pub const VAL: Color32 = Color32::from_rgb(240, 160, 40);
    /// Test part.
    pub const TEST: Color32 = Color32::from_rgb(200, 80, 180);
    /// Model forecasts.
    pub const MODEL: Color32 = Color32::from_rgb(230, 70, 60);
    /// Actual values.
    pub const ACTUAL: Color32 = Color32::from_rgb(150, 150, 150);
    /// Per-batch losses, drawn faint behind the epoch curves.
    pub const BATCH: Color32 = Color32::from_rgba_premultiplied(35, 65, 110, 110);
    /// Warnings and thresholds.
    pub const WARN: Color32 = Color32::from_rgb(220, 60, 60);
    /// The product forecast when it is not the model (a baseline or a combination).
    pub const PRODUCT: Color32 = Color32::from_rgb(80, 190, 120);
    /// A verdict in the model's favour.
    pub const GOOD: Color32 = Color32::from_rgb(70, 170, 90);
    /// A verdict against the model.
    pub const CAUTION: Color32 = Color32::from_rgb(225, 160, 40);
    /// Settings changed while training ([`seqcast_engine::config::Change`]).
    pub const CHANGE: Color32 = Color32::from_rgb(150, 90, 210);
}

/// A vertical marker at each live change, at `x(step)` for the step it applied before,
/// named in the legend by what changed ("step 40: lr 1.0e-3 -> 1.0e-4").
pub fn change_markers(
    p: &mut egui_plot::PlotUi<'_>,
    changes: &[seqcast_engine::config::Change],
    x: impl Fn(usize) -> f64,
) {
    for c in changes {
        p.vline(
            egui_plot::VLine::new(change_label(c), x(c.step))
                .color(colors::CHANGE)
                .style(egui_plot::LineStyle::dashed_loose())
                .width(1.5),
        );
    }
}

/// "step 40: lr 1.0e-3 -> 1.0e-4" (the font has no arrow).
pub fn change_label(c: &seqcast_engine::config::Change) -> String {
    format!(
        "step {}: {} {} -> {}",
        c.step,
        c.field.name(),
        knob_value(c.field, c.from),
        knob_value(c.field, c.to)
    )
}

/// A knob's value as the labels write it: rates in scientific notation, patience whole.
pub fn knob_value(field: seqcast_engine::config::Knob, v: f64) -> String {
    use seqcast_engine::config::Knob;
    match field {
        Knob::Lr | Knob::WeightDecay => format!("{v:.1e}"),
        Knob::Patience => format!("{v:.0}"),
        _ => format!("{v}"),
    }
}

/// `color` with `alpha` (0–255) for shaded regions.
pub fn shade(color: Color32, alpha: u8) -> Color32 {
    Color32::from_rgba_unmultiplied(color.r(), color.g(), color.b(), alpha)
}

/// `log10(y)` when `log`, else `y`; non-positive values are dropped on a log axis.
pub fn scaled(y: f64, log: bool) -> Option<f64> {
    if log {
        (y > 0.0).then(|| y.log10())
    } else {
        Some(y)
    }
}

/// Axis labels for a log10 axis: the value itself (`1e-5`).
pub fn log_axis(mark: egui_plot::GridMark, _: &std::ops::RangeInclusive<f64>) -> String {
    format!("{:.0e}", 10f64.powf(mark.value))
}

/// A shaded interval `(x, lower, upper)` along a line, drawn as one trapezoid per pair of
/// neighbouring points (each convex, as plot polygons must be), all under `name` so the
/// legend lists it once.
pub fn interval_band(
    p: &mut egui_plot::PlotUi<'_>,
    name: &str,
    points: &[[f64; 3]],
    color: Color32,
) {
    for pair in points.windows(2) {
        let ([x0, lo0, hi0], [x1, lo1, hi1]) = (pair[0], pair[1]);
        p.polygon(
            egui_plot::Polygon::new(
                name,
                egui_plot::PlotPoints::new(vec![[x0, lo0], [x1, lo1], [x1, hi1], [x0, hi0]]),
            )
            .fill_color(color)
            .stroke(egui::Stroke::NONE)
            .allow_hover(false),
        );
    }
}

/// Grid for an x axis of row indices labelled with dates: the labelled (thickest) lines
/// at least ~100 points apart so a date fits between them even in a narrow plot, at
/// whole rows, on 1-2-5 steps.
pub fn time_grid() -> impl Fn(egui_plot::GridInput) -> Vec<egui_plot::GridMark> {
    egui_plot::uniform_grid_spacer(|input| {
        // `base_step_size` is the span of the plot's minimum grid spacing (8 points).
        let large = nice_step(input.base_step_size * 12.5).max(1.0);
        [(large / 10.0).max(1.0), (large / 2.0).max(1.0), large]
    })
}

/// The smallest of 1, 2 and 5 times a power of ten that is at least `x`.
fn nice_step(x: f64) -> f64 {
    if !(x.is_finite() && x > 0.0) {
        return 1.0;
    }
    let power = 10f64.powf(x.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|&s| s >= x * (1.0 - 1e-9))
        .unwrap_or(10.0 * power)
}

#[cfg(test)]
mod grid_tests {
    use super::nice_step;

    #[test]
    fn nice_steps_round_up_to_one_two_or_five() {
        assert_eq!(nice_step(0.3), 0.5);
        assert_eq!(nice_step(1.0), 1.0);
        assert_eq!(nice_step(1.2), 2.0);
        assert_eq!(nice_step(37.0), 50.0);
        assert_eq!(nice_step(51.0), 100.0);
        assert_eq!(nice_step(f64::NAN), 1.0);
    }
}

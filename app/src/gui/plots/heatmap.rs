//! A layer × time heat map of the gradient reaching each time step (log10 colour
//! scale), drawn with the painter: where in the window the model still learns, and for
//! a seq2seq decoder, which horizon steps it learns from.

use egui::{Align2, Color32, FontId, Rect, Sense, Stroke, pos2, vec2};
use seqcast_engine::diag::{EXPLODING_NORM, VANISHING_NORM};

/// Lowest and highest log10 value of the colour scale.
const LOG_MIN: f64 = -12.0;
const LOG_MAX: f64 = 1.0;
/// Colour stops from vanishing (dark) to strong (bright); above 10 is red.
const STOPS: [Color32; 4] = [
    Color32::from_rgb(25, 20, 60),
    Color32::from_rgb(40, 90, 160),
    Color32::from_rgb(60, 170, 140),
    Color32::from_rgb(240, 220, 80),
];

/// The colour of a gradient norm.
pub fn color_of(norm: f64) -> Color32 {
    if !norm.is_finite() || norm > EXPLODING_NORM {
        return Color32::from_rgb(220, 60, 60);
    }
    let v = if norm > 0.0 { norm.log10() } else { LOG_MIN };
    let x = ((v - LOG_MIN) / (LOG_MAX - LOG_MIN)).clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let f = (x - i as f64) as f32;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |p: u8, q: u8| (f32::from(p) + (f32::from(q) - f32::from(p)) * f).round() as u8;
    Color32::from_rgb(mix(a.r(), b.r()), mix(a.g(), b.g()), mix(a.b(), b.b()))
}

/// What the columns of a heat map are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Steps {
    /// The encoder's (or the only stack's) lookback steps, oldest first.
    Window,
    /// A seq2seq decoder's horizon steps, the first forecast step first.
    Horizon,
}

impl Steps {
    fn row(self, l: usize) -> String {
        match self {
            Self::Window => format!("layer {}", l + 1),
            Self::Horizon => format!("decoder {}", l + 1),
        }
    }

    /// Labels of the first and last columns.
    fn ends(self, steps: usize) -> (String, String) {
        match self {
            Self::Window => (format!("t-{steps} (oldest)"), "t-1 (newest)".into()),
            Self::Horizon => ("h+1 (first forecast)".into(), format!("h+{steps}")),
        }
    }

    fn column(self, t: usize, steps: usize) -> String {
        match self {
            Self::Window => format!("step t-{}", steps - t),
            Self::Horizon => format!("horizon step h+{}", t + 1),
        }
    }
}

/// Draws `norms[layer][t]` (bottom layer first, first column first) with the top layer
/// at the top, a step axis and a colour legend; hovering shows the value.
pub fn heatmap_ui(ui: &mut egui::Ui, norms: &[Vec<f64>], height: f32, kind: Steps) {
    let layers = norms.len();
    let steps = norms.first().map_or(0, Vec::len);
    if layers == 0 || steps == 0 {
        ui.weak("appears at the first gradient snapshot");
        return;
    }
    let label_w = 56.0;
    let legend_h = 34.0;
    let (response, painter) =
        ui.allocate_painter(vec2(ui.available_width(), height), Sense::hover());
    let full = response.rect;
    let grid = Rect::from_min_max(
        pos2(full.left() + label_w, full.top()),
        pos2(full.right() - 4.0, full.bottom() - legend_h),
    );
    let row_h = grid.height() / layers as f32;
    let col_w = grid.width() / steps as f32;
    let text = ui.visuals().text_color();
    let font = FontId::proportional(11.0);
    for (l, row) in norms.iter().enumerate() {
        // Top layer drawn at the top.
        let y0 = grid.top() + (layers - 1 - l) as f32 * row_h;
        for (t, v) in row.iter().enumerate() {
            let x0 = grid.left() + t as f32 * col_w;
            let cell = Rect::from_min_size(pos2(x0, y0), vec2(col_w.max(1.0), row_h - 1.0));
            painter.rect_filled(cell, 0.0, color_of(*v));
        }
        painter.text(
            pos2(full.left() + 2.0, y0 + row_h / 2.0),
            Align2::LEFT_CENTER,
            kind.row(l),
            font.clone(),
            text,
        );
    }
    let axis_y = grid.bottom() + 2.0;
    let (first, last) = kind.ends(steps);
    painter.text(
        pos2(grid.left(), axis_y),
        Align2::LEFT_TOP,
        first,
        font.clone(),
        text,
    );
    painter.text(
        pos2(grid.right(), axis_y),
        Align2::RIGHT_TOP,
        last,
        font.clone(),
        text,
    );
    legend(&painter, grid, full, &font, text);
    if let Some(pos) = response.hover_pos()
        && grid.contains(pos)
    {
        let t = (((pos.x - grid.left()) / col_w) as usize).min(steps - 1);
        let row = (((pos.y - grid.top()) / row_h) as usize).min(layers - 1);
        let l = layers - 1 - row;
        if let Some(v) = norms.get(l).and_then(|r| r.get(t)) {
            response.on_hover_text(format!(
                "{}, {}: |dL/dh| = {v:.2e}{}",
                kind.row(l),
                kind.column(t, steps),
                if *v < VANISHING_NORM {
                    " (below 1e-5: vanishing)"
                } else {
                    ""
                }
            ));
        }
    }
}

/// The colour scale under the grid, with the 1e-5 threshold marked.
fn legend(painter: &egui::Painter, grid: Rect, full: Rect, font: &FontId, text: Color32) {
    let bar = Rect::from_min_max(
        pos2(grid.center().x - 120.0, full.bottom() - 14.0),
        pos2(grid.center().x + 120.0, full.bottom() - 4.0),
    );
    let n = 60;
    let w = bar.width() / n as f32;
    for i in 0..n {
        let v = LOG_MIN + (LOG_MAX - LOG_MIN) * (i as f64 + 0.5) / n as f64;
        let cell = Rect::from_min_size(
            pos2(bar.left() + i as f32 * w, bar.top()),
            vec2(w + 0.5, bar.height()),
        );
        painter.rect_filled(cell, 0.0, color_of(10f64.powf(v)));
    }
    let x_of = |log: f64| bar.left() + bar.width() * ((log - LOG_MIN) / (LOG_MAX - LOG_MIN)) as f32;
    let mark = x_of(VANISHING_NORM.log10());
    painter.line_segment(
        [pos2(mark, bar.top() - 3.0), pos2(mark, bar.bottom() + 1.0)],
        Stroke::new(1.5, Color32::WHITE),
    );
    painter.text(
        pos2(bar.left() - 4.0, bar.center().y),
        Align2::RIGHT_CENTER,
        "1e-12",
        font.clone(),
        text,
    );
    painter.text(
        pos2(bar.right() + 4.0, bar.center().y),
        Align2::LEFT_CENTER,
        "10",
        font.clone(),
        text,
    );
    painter.text(
        pos2(mark, bar.top() - 3.0),
        Align2::CENTER_BOTTOM,
        "1e-5",
        font.clone(),
        text,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_run_from_dark_to_bright_with_red_above_10() {
        let dark = color_of(1e-14);
        let bright = color_of(5.0);
        assert_eq!(dark, STOPS[0]);
        assert!(
            u16::from(bright.r()) + u16::from(bright.g())
                > u16::from(dark.r()) + u16::from(dark.g()) + 200
        );
        assert_eq!(color_of(50.0), Color32::from_rgb(220, 60, 60));
        assert_eq!(color_of(f64::NAN), Color32::from_rgb(220, 60, 60));
        assert_eq!(color_of(0.0), STOPS[0]);
    }
}

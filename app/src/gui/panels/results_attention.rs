//! A seq2seq forecast's attention as a heat map: one row per forecast step, one column
//! per lookback step the decoder could read (oldest left, the origin right); the brighter,
//! the more weight that step's forecast gave it.

use egui::{Align2, Color32, ComboBox, FontId, Rect, Sense, Ui, pos2, vec2};
use seqcast_engine::pipeline::RunSummary;

/// Room for the row labels and the column labels.
const LEFT: f32 = 40.0;
const BOTTOM: f32 = 18.0;

/// Which forecast's attention to draw: the forecast past the end (`future`), or one of
/// the test forecasts the run kept; returns its origin and map.
pub fn chosen<'a>(
    ui: &mut Ui,
    summary: &'a RunSummary,
    future: &'a [Vec<f64>],
) -> (&'a str, &'a [Vec<f64>]) {
    let id = ui.make_persistent_id("attention_window");
    let tests = &summary.test_attention;
    // 0: the forecast past the end; k: the k-th kept test forecast.
    let mut pick = ui
        .data(|d| d.get_temp::<usize>(id))
        .unwrap_or(0)
        .min(tests.len());
    let label = |k: usize| match k {
        0 => format!("after {} (past the end)", summary.future.origin),
        k => tests
            .get(k - 1)
            .map_or_else(String::new, |m| format!("test, after {}", m.origin)),
    };
    ui.horizontal(|ui| {
        let name = ui.label("Map of");
        ComboBox::from_id_salt("attention_window")
            .selected_text(label(pick))
            .show_ui(ui, |ui| {
                for k in 0..=tests.len() {
                    ui.selectable_value(&mut pick, k, label(k));
                }
            })
            .response
            .labelled_by(name.id);
    });
    ui.data_mut(|d| d.insert_temp(id, pick));
    match pick.checked_sub(1).and_then(|k| tests.get(k)) {
        Some(m) => (m.origin.as_str(), m.weights.as_slice()),
        None => (summary.future.origin.as_str(), future),
    }
}

/// The panel's heading for a forecast from `origin`.
pub fn title(origin: &str) -> String {
    format!("Attention of the forecast after {origin}: which past steps each step read")
}

/// Draws `map` (`horizon` rows of weights over the lookback, oldest first), each row
/// shaded relative to its own largest weight.
pub fn heat_map(ui: &mut Ui, map: &[Vec<f64>], height: f32) {
    let rows = map.len();
    let cols = map.first().map_or(0, Vec::len);
    if rows == 0 || cols == 0 {
        ui.label("No attention weights.");
        return;
    }
    let (response, painter) =
        ui.allocate_painter(vec2(ui.available_width(), height), Sense::hover());
    let area = response.rect;
    let grid = Rect::from_min_max(
        pos2(area.left() + LEFT, area.top()),
        pos2(area.right() - 4.0, area.bottom() - BOTTOM),
    );
    let (cw, ch) = (grid.width() / cols as f32, grid.height() / rows as f32);
    for (k, row) in map.iter().enumerate() {
        let max = row.iter().copied().fold(0.0, f64::max).max(1e-12);
        for (t, w) in row.iter().enumerate() {
            let min = pos2(grid.left() + t as f32 * cw, grid.top() + k as f32 * ch);
            let cell = Rect::from_min_size(min, vec2(cw.max(1.0), ch.max(1.0)));
            painter.rect_filled(cell, 0.0, shade(w / max));
        }
    }
    let text = ui.visuals().text_color();
    let font = FontId::proportional(11.0);
    // Row labels: forecast steps, at most ~12 of them.
    let every_row = rows.div_ceil(12).max(1);
    for k in (0..rows).step_by(every_row) {
        let y = grid.top() + (k as f32 + 0.5) * ch;
        painter.text(
            pos2(area.left() + LEFT - 6.0, y),
            Align2::RIGHT_CENTER,
            format!("+{}", k + 1),
            font.clone(),
            text,
        );
    }
    // Column labels: steps before the origin (−1 is the last observed row), spaced
    // for about 40 px each.
    let every_col = cols
        .div_ceil(((grid.width() / 40.0) as usize).max(1))
        .max(1);
    for t in (0..cols).rev().step_by(every_col) {
        let x = grid.left() + (t as f32 + 0.5) * cw;
        painter.text(
            pos2(x, grid.bottom() + 2.0),
            Align2::CENTER_TOP,
            format!("−{}", cols - t),
            font.clone(),
            text,
        );
    }
    if let Some(p) = response.hover_pos()
        && grid.contains(p)
    {
        let t = (((p.x - grid.left()) / cw) as usize).min(cols - 1);
        let k = (((p.y - grid.top()) / ch) as usize).min(rows - 1);
        if let Some(w) = map.get(k).and_then(|r| r.get(t)) {
            response.on_hover_text(format!(
                "forecast step +{} gave weight {w:.3} to the step {} before the origin",
                k + 1,
                cols - t
            ));
        }
    }
}

/// Dark blue (no weight) to yellow (the row's largest weight).
fn shade(v: f64) -> Color32 {
    let v = v.clamp(0.0, 1.0) as f32;
    let mix = |a: f32, b: f32| (a + (b - a) * v).round() as u8;
    Color32::from_rgb(mix(20.0, 250.0), mix(30.0, 220.0), mix(80.0, 40.0))
}

//! The status bar: the latest message, engine activity and frame time.

use crate::gui::app::SeqcastApp;
use crate::gui::state::{Busy, Tool};

/// Draws the status bar.
pub fn status_ui(ui: &mut egui::Ui, app: &mut SeqcastApp) {
    ui.horizontal(|ui| {
        match app.session.busy {
            Some(Busy::Loading) => {
                ui.spinner();
                ui.label("Loading…");
            }
            Some(Busy::Training) => {
                ui.spinner();
                ui.label(if app.is_paused() {
                    "Paused"
                } else {
                    "Training…"
                });
            }
            Some(Busy::Saving) => {
                ui.spinner();
                ui.label("Saving…");
            }
            Some(Busy::Searching) => {
                ui.spinner();
                let text = match &app.session.search {
                    Some(s) => match &s.current {
                        Some((i, _)) => format!("Searching: trial {i} of {}…", s.total),
                        None => "Searching…".into(),
                    },
                    None => "Searching…".into(),
                };
                ui.label(text);
            }
            Some(Busy::Diagnosing(tool)) => {
                ui.spinner();
                ui.label(match tool {
                    Tool::Overfit => "Overfitting one batch…",
                    Tool::LrRange => "Learning-rate range test…",
                });
            }
            None => {}
        }
        let last_error = app.session.messages.iter().rposition(|m| m.is_error);
        match (last_error, app.session.messages.last()) {
            (Some(i), _) => {
                let text = app
                    .session
                    .messages
                    .get(i)
                    .map(|m| m.text.clone())
                    .unwrap_or_default();
                ui.colored_label(
                    egui::Color32::from_rgb(220, 60, 60),
                    format!("Error: {text}"),
                );
                if ui.small_button("x").on_hover_text("Dismiss").clicked() {
                    app.session.messages.remove(i);
                }
            }
            (None, Some(m)) => {
                ui.label(&m.text);
            }
            (None, None) => {}
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if let Some((median, p99)) = app.frame_stats.summary() {
                ui.weak(format!("frame {median:.1} ms · p99 {p99:.1} ms"));
            }
        });
    });
}

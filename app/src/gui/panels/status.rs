//! The status bar: the latest message, engine activity and frame time.

use super::PanelView;
use crate::gui::intent::Intent;
use crate::gui::state::{Busy, Tool};

/// Draws the status bar.
pub fn status_ui(ui: &mut egui::Ui, view: &PanelView<'_>, intents: &mut Vec<Intent>) {
    ui.horizontal(|ui| {
        match view.session.busy {
            Some(Busy::Loading) => {
                ui.spinner();
                ui.label("Loading…");
            }
            Some(Busy::Training) => {
                ui.spinner();
                ui.label(if view.is_paused() {
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
                let text = match &view.session.search {
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
        let last_error = view.session.messages.iter().rposition(|m| m.is_error);
        match (last_error, view.session.messages.last()) {
            (Some(i), _) => {
                let text = view
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
                    intents.push(Intent::DismissMessage(i));
                }
            }
            (None, Some(m)) => {
                ui.label(&m.text);
            }
            (None, None) => {}
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if let Some((median, p99)) = view.facts.frame {
                ui.weak(format!("frame {median:.1} ms · p99 {p99:.1} ms"));
            }
        });
    });
}

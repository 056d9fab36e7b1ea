//! The menu bar: File (open, recent, configs, exports), and the view tabs.

use super::PanelView;
use crate::gui::files::Purpose;
use crate::gui::intent::Intent;
use crate::gui::state::Tab;

/// Draws the menu bar.
pub fn menu_ui(ui: &mut egui::Ui, view: &PanelView<'_>, intents: &mut Vec<Intent>) {
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            if ui.button("Open CSV…").clicked() {
                intents.push(Intent::Dialog(Purpose::OpenCsv));
            }
            ui.menu_button("Open recent", |ui| {
                if view.persisted.recent.is_empty() {
                    ui.label("No recent files");
                }
                for path in &view.persisted.recent {
                    if ui.button(path.display().to_string()).clicked() {
                        intents.push(Intent::Open(path.clone()));
                    }
                }
            });
            ui.separator();
            if ui.button("Load config…").clicked() {
                intents.push(Intent::Dialog(Purpose::LoadConfig));
            }
            if ui.button("Save config…").clicked() {
                intents.push(Intent::Dialog(Purpose::SaveConfig));
            }
            ui.separator();
            let trained = view.session.summary.is_some();
            if ui
                .add_enabled(trained, egui::Button::new("Export predictions…"))
                .clicked()
            {
                intents.push(Intent::Dialog(Purpose::ExportCsv));
            }
            if ui
                .add_enabled(trained, egui::Button::new("Save run report…"))
                .clicked()
            {
                intents.push(Intent::Dialog(Purpose::SaveReport));
            }
            if ui
                .add_enabled(trained, egui::Button::new("Save model…"))
                .clicked()
            {
                intents.push(Intent::Dialog(Purpose::SaveModel));
            }
            if ui
                .add_enabled(view.session.table.is_some(), egui::Button::new("Load model…"))
                .on_hover_text("Forecast the open data with a saved model (its own scalers; nothing is refitted)")
                .clicked()
            {
                intents.push(Intent::Dialog(Purpose::LoadModel));
            }
            ui.separator();
            if ui.button("Quit").clicked() {
                ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
            }
        });
        ui.separator();
        for (tab, label) in [
            (Tab::Data, "Data"),
            (Tab::Training, "Training"),
            (Tab::Diagnostics, "Diagnostics"),
            (Tab::Results, "Results"),
            (Tab::Runs, "Runs"),
            (Tab::Search, "Search"),
        ] {
            if ui
                .selectable_label(view.persisted.tab == tab, label)
                .clicked()
            {
                intents.push(Intent::Show(tab));
            }
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if let Some(source) = &view.session.source {
                ui.weak(source);
            }
        });
    });
}

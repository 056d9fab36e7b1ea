//! The left panel: Train / Pause / Stop with the reason Train is disabled, then every
//! engine option (see [`super::config`]).

use super::PanelView;
use crate::gui::intent::Intent;
use crate::gui::state::Busy;

/// Draws the controls and the configuration editor.
pub fn controls_ui(ui: &mut egui::Ui, view: &mut PanelView<'_>, intents: &mut Vec<Intent>) {
    ui.add_space(4.0);
    let training = view.session.busy == Some(Busy::Training);
    ui.horizontal(|ui| {
        let blocker = view.train_blocker();
        let train = ui.add_enabled(
            blocker.is_none() && !training,
            egui::Button::new(egui::RichText::new("Train").strong())
                .min_size(egui::vec2(80.0, 24.0)),
        );
        let train = match &blocker {
            Some(why) if !training => train.on_disabled_hover_text(format!("Cannot train: {why}")),
            _ => train.on_hover_text("Train a model with these settings"),
        };
        if train.clicked() {
            intents.push(Intent::Train);
        }
        let paused = view.is_paused();
        if ui
            .add_enabled(
                training,
                egui::Button::new(if paused { "Resume" } else { "Pause" }),
            )
            .clicked()
        {
            intents.push(Intent::Pause(!paused));
        }
        if ui
            .add_enabled(training, egui::Button::new("Stop"))
            .on_hover_text("Stop after this batch; the best weights so far are kept and scored")
            .clicked()
        {
            intents.push(Intent::Stop);
        }
    });
    if let Some(why) = view
        .train_blocker()
        .filter(|_| !training && view.session.table.is_some())
    {
        ui.colored_label(egui::Color32::from_rgb(220, 60, 60), why);
    }
    if !training {
        super::knobs::replay_ui(ui, &mut view.persisted.config);
    }
    if let Some(live) = &view.session.live
        && live.running
    {
        ui.add(egui::ProgressBar::new(live.fraction() as f32).show_percentage());
    }
    ui.separator();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.add_enabled_ui(!training, |ui| {
                super::config::config_ui(ui, &mut view.persisted.config);
            });
        });
}

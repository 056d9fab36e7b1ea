//! The training doctor's alerts as a readable list: what was measured, what to do, and
//! a button that applies the change to the configuration where one applies.

use seqcast_engine::RunConfig;
use seqcast_engine::diag::Diagnosis;

use crate::gui::intent::Intent;
use crate::gui::live::LiveRun;
use crate::gui::plots::colors;

/// Lists `live`'s alerts that hold at the latest check, then, muted, those of earlier
/// epochs that no longer do; nothing when there are none.
/// The Apply button sets the fix's settings on `config`, the settings as they are now.
pub fn alerts_ui(ui: &mut egui::Ui, live: &LiveRun, config: &RunConfig, intents: &mut Vec<Intent>) {
    for Diagnosis { alert, fix, .. } in live.alerts.iter().filter(|d| d.current) {
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(
                colors::WARN,
                egui::RichText::new(alert.kind.title()).strong(),
            );
            ui.label(format!("(epoch {}): {}", alert.epoch, alert.message));
        });
        ui.horizontal_wrapped(|ui| {
            ui.label(format!("What to do: {}", alert.remedy));
            if let Some(fix) = fix
                && ui
                    .button(format!("Apply: {}", fix.label))
                    .on_hover_text("Changes the configuration; train again to see the effect")
                    .clicked()
            {
                intents.push(Intent::SetConfig(Box::new(fix.onto(config))));
            }
        });
        ui.add_space(4.0);
    }
    let earlier: Vec<&Diagnosis> = live.alerts.iter().filter(|d| !d.current).collect();
    if earlier.is_empty() {
        return;
    }
    ui.weak(if live.running {
        "Earlier in training, not seen in the latest epoch:"
    } else {
        "Earlier in training, no longer true at the end:"
    });
    for Diagnosis { alert, .. } in earlier {
        ui.horizontal_wrapped(|ui| {
            ui.weak(egui::RichText::new(alert.kind.title()).strong());
            ui.weak(format!("(epoch {}): {}", alert.epoch, alert.message));
        });
    }
}

/// "Alerts (2)", or "Alerts (1 now, 2 earlier in training)" when some no longer hold.
pub fn heading(live: &LiveRun) -> String {
    let now = live.alerts.iter().filter(|d| d.current).count();
    match live.alerts.len() - now {
        0 => format!("Alerts ({now})"),
        earlier => format!("Alerts ({now} now, {earlier} earlier in training)"),
    }
}

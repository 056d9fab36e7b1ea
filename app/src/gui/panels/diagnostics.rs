//! The Diagnostics view (the training doctor): gradient norms per layer and per gate
//! with the vanishing and exploding bands, a layer × time heat map of the gradient
//! reaching each step, the clipping rate, the alerts with their fixes, and the "loss
//! does not fall" tools (overfit one batch, learning-rate range test).

use seqcast_engine::diag::tools::{OVERFIT_BATCH, OVERFIT_ERROR, overfit_target};

use super::PanelView;
use crate::gui::intent::Intent;
use crate::gui::live::LiveRun;
use crate::gui::plots::{grad, heatmap};
use crate::gui::state::{Busy, Tool};

/// Draws the Diagnostics view.
pub fn diagnostics_ui(ui: &mut egui::Ui, view: &mut PanelView<'_>, intents: &mut Vec<Intent>) {
    egui::ScrollArea::vertical()
        .id_salt("diagnostics")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            match view.session.live.as_ref() {
                Some(live) => run_ui(ui, view, live, intents),
                None => {
                    ui.heading("No training run yet");
                    ui.label(
                        "Train a model to see its gradients per layer, gate and time step. \
                         The checks below work before training.",
                    );
                }
            }
            ui.separator();
            tools_ui(ui, view, intents);
        });
}

fn run_ui(ui: &mut egui::Ui, view: &PanelView<'_>, live: &LiveRun, intents: &mut Vec<Intent>) {
    ui.label(summary_line(live, view.persisted.config.train.diag_every));
    let width = ui.available_width() / 2.0 - 8.0;
    let height = 200.0;
    ui.horizontal(|ui| {
        ui.vertical(|ui| {
            ui.set_width(width);
            ui.strong("Gradient L2 norm per layer, every step (shaded: < 1e-5, > 10)");
            grad::layer_plot(ui, &live.steps, &live.changes, height);
        });
        ui.vertical(|ui| {
            ui.set_width(width);
            ui.strong("Gradient L2 norm per gate, at each snapshot");
            grad::gate_plot(ui, &live.snapshots, &live.changes, height);
        });
    });
    ui.horizontal(|ui| {
        ui.vertical(|ui| {
            ui.set_width(width);
            let latest = live
                .snapshots
                .iter()
                .rev()
                .find(|s| !s.time_norms.is_empty());
            ui.strong(match latest {
                Some(s) => format!(
                    "Gradient reaching each time step, |dL/dh_t| (step {})",
                    s.step
                ),
                None => "Gradient reaching each time step, |dL/dh_t|".into(),
            });
            heatmap::heatmap_ui(
                ui,
                latest.map_or(&[][..], |s| &s.time_norms[..]),
                height * 0.75,
                heatmap::Steps::Window,
            );
            // A seq2seq decoder's, per horizon step.
            if let Some(s) = latest.filter(|s| !s.decoder_time_norms.is_empty()) {
                ui.strong("Gradient reaching each decoder step, |dL/dh_k|");
                heatmap::heatmap_ui(
                    ui,
                    &s.decoder_time_norms,
                    height * 0.6,
                    heatmap::Steps::Horizon,
                );
            }
        });
        ui.vertical(|ui| {
            ui.set_width(width);
            ui.strong("Steps clipped per epoch");
            grad::clip_plot(
                ui,
                (&live.history, &live.changes),
                live.batches,
                height * 0.75,
            );
        });
    });
    if let Some(snapshot) = live.snapshots.last() {
        egui::CollapsingHeader::new(format!(
            "Per-parameter statistics at step {}",
            snapshot.step
        ))
        .id_salt("param_stats")
        .show(ui, |ui| param_table(ui, snapshot));
    }
    ui.add_space(4.0);
    if live.alerts.is_empty() {
        ui.label(if live.history.is_empty() {
            "Alerts appear here as epochs finish."
        } else {
            "No alerts: gradients stay between 1e-5 and 10, the loss falls, and the \
             validation forecast moves with the data."
        });
    } else {
        ui.strong(super::alerts::heading(live));
        super::alerts::alerts_ui(ui, live, &view.persisted.config, intents);
    }
}

/// Gradient norm, weight norm and update/weight ratio of every parameter.
fn param_table(ui: &mut egui::Ui, snapshot: &seqcast_engine::train::DiagSnapshot) {
    egui::Grid::new("param_stats_grid")
        .striped(true)
        .num_columns(4)
        .show(ui, |ui| {
            for title in [
                "parameter",
                "gradient norm",
                "weight norm",
                "update / weight",
            ] {
                ui.strong(title);
            }
            ui.end_row();
            for p in &snapshot.params {
                ui.monospace(&p.name);
                let grad = egui::RichText::new(format!("{:.2e}", p.grad_norm)).monospace();
                let outside = p.grad_norm > seqcast_engine::diag::EXPLODING_NORM
                    || p.grad_norm < seqcast_engine::diag::VANISHING_NORM;
                ui.label(if outside {
                    grad.color(crate::gui::plots::colors::WARN)
                } else {
                    grad
                });
                ui.monospace(format!("{:.2e}", p.weight_norm));
                ui.monospace(format!("{:.1e}", p.update_ratio));
                ui.end_row();
            }
        });
}

/// One line of the latest numbers: norms before/after clipping, update ratio, clipping.
fn summary_line(live: &LiveRun, diag_every: usize) -> String {
    let mut parts = Vec::new();
    if let Some(s) = live.snapshots.last() {
        parts.push(format!(
            "step {}: gradient norm {:.2e} (after clipping {:.2e}), update/weight {:.1e} (healthy ~1e-3)",
            s.step,
            s.grad_norm,
            s.grad_norm_clipped,
            s.global_update_ratio()
        ));
    } else if diag_every == 0 {
        parts.push("detailed statistics are off (Training > diagnostics every 0 steps)".into());
    } else {
        parts.push(format!("detailed statistics every {diag_every} steps"));
    }
    let steps: usize = live.history.len();
    if let Some(last) = live.history.last() {
        let mean = live.history.iter().map(|e| e.clip_rate).sum::<f64>() / steps as f64;
        parts.push(format!(
            "clipping fired on {:.0}% of steps in epoch {} ({:.0}% over the run)",
            100.0 * last.clip_rate,
            last.epoch,
            100.0 * mean
        ));
    }
    parts.join(" · ")
}

fn tools_ui(ui: &mut egui::Ui, view: &PanelView<'_>, intents: &mut Vec<Intent>) {
    ui.strong("When the loss does not fall");
    let running = match view.session.busy {
        Some(Busy::Diagnosing(tool)) => Some(tool),
        _ => None,
    };
    let blocker = view.train_blocker();
    let target = overfit_target(&view.persisted.config.train.loss);
    let width = ui.available_width() / 2.0 - 8.0;
    ui.horizontal(|ui| {
        ui.vertical(|ui| {
            ui.set_width(width);
            tool_button(
                ui,
                "Overfit one batch",
                &format!(
                    "Train a fresh model on {OVERFIT_BATCH} windows until the loss is below \
                     {target:.1e} (forecasts within about {OVERFIT_ERROR:.2} scaled units). If \
                     it cannot, the model or the data is wrong."
                ),
                Tool::Overfit,
                running,
                blocker.as_deref(),
                intents,
            );
            if let Some(report) = &view.session.overfit {
                let color = if report.reached {
                    egui::Color32::from_rgb(60, 160, 90)
                } else {
                    crate::gui::plots::colors::WARN
                };
                ui.colored_label(color, report.describe());
                grad::overfit_plot(ui, report, 160.0);
            }
        });
        ui.vertical(|ui| {
            ui.set_width(width);
            tool_button(
                ui,
                "Learning-rate range test",
                "Raise the learning rate from 1e-6 to 1 over 100 batches and watch the loss; \
                 the suggestion is a tenth of the lr with the lowest loss.",
                Tool::LrRange,
                running,
                blocker.as_deref(),
                intents,
            );
            if let Some(report) = &view.session.lr_range {
                ui.label(report.describe());
                if let Some(lr) = report.suggested {
                    let current = view.persisted.config.train.lr;
                    if ui
                        .add_enabled(
                            (lr - current).abs() > 1e-12 * lr.abs(),
                            egui::Button::new(format!("Use lr {lr:.1e}")),
                        )
                        .on_hover_text(format!("Sets the learning rate (now {current:.1e})"))
                        .clicked()
                    {
                        let mut config = view.persisted.config.clone();
                        config.train.lr = lr;
                        intents.push(Intent::SetConfig(Box::new(config)));
                    }
                }
                grad::lr_range_plot(ui, report, 160.0);
            }
        });
    });
}

fn tool_button(
    ui: &mut egui::Ui,
    label: &str,
    help: &str,
    tool: Tool,
    running: Option<Tool>,
    blocker: Option<&str>,
    intents: &mut Vec<Intent>,
) {
    ui.horizontal(|ui| {
        if running == Some(tool) {
            ui.spinner();
            if ui.button("Cancel").clicked() {
                intents.push(Intent::CancelTool);
            }
        } else {
            let button = ui.add_enabled(blocker.is_none(), egui::Button::new(label));
            let button = match blocker {
                Some(why) => button.on_disabled_hover_text(format!("Cannot run: {why}")),
                None => button.on_hover_text(help),
            };
            if button.clicked() {
                intents.push(Intent::RunTool(tool));
            }
        }
    });
    ui.weak(help);
}

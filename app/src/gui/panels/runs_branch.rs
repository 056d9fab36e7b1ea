//! "Branch…" on a recorded run: pick the epoch to leave it after and edit the settings
//! a run can change while training (lr, clipping threshold, weight decay, dropout,
//! patience, epochs); Train branch retraces the run to that epoch and goes on with the
//! edits (`seqcast_engine::runs::branch`).

use egui::Ui;
use seqcast_engine::RunConfig;
use seqcast_engine::config::ClipKind;
use seqcast_engine::runs::RunMeta;

use crate::gui::intent::Intent;
use crate::gui::plots::knob_value;
use crate::gui::runs_search::RunsAction;
use crate::gui::state::RunsView;

/// The branch being set up.
#[derive(Clone, Debug)]
pub struct BranchForm {
    /// The parent's id and name.
    pub parent: (String, String),
    /// Epochs the parent ran.
    pub ran: usize,
    /// The parent's last shared epoch.
    pub epoch: usize,
    /// The parent's configuration, being edited.
    pub edited: RunConfig,
}

impl BranchForm {
    /// A branch of `run` after its middle epoch, with its settings.
    pub fn of(run: &RunMeta) -> Self {
        let ran = run.row.epochs_run;
        Self {
            parent: (run.id.clone(), run.name.clone()),
            ran,
            epoch: (ran / 2).max(1),
            edited: run.config.clone(),
        }
    }
}

/// Whether `run` can be branched: one series, and at least two epochs to leave between.
pub fn can_branch(run: &RunMeta) -> bool {
    run.row.series.is_none() && run.row.epochs_run >= 2
}

/// "branch of NAME @ epoch N" for a branched run (the parent by name when listed).
pub fn lineage(run: &RunMeta, list: &[RunMeta]) -> Option<String> {
    let b = run.config.train.branch.as_ref()?;
    let parent = list
        .iter()
        .find(|r| r.id == b.run)
        .map_or(b.run.as_str(), |r| r.name.as_str());
    let edits: Vec<String> = (run.config.train.changes.iter())
        .filter(|c| c.epoch > b.epoch)
        .take(3)
        .map(|c| format!("{} {}", c.field.name(), knob_value(c.field, c.to)))
        .collect();
    let edits = if edits.is_empty() {
        String::new()
    } else {
        format!(": {}", edits.join(", "))
    };
    Some(format!("branch of {parent} @ epoch {}{edits}", b.epoch))
}

/// The branch window, while a branch is being set up.
pub fn branch_window(ui: &mut Ui, view: &mut RunsView, intents: &mut Vec<Intent>) {
    let Some(form) = &mut view.branching else {
        return;
    };
    let mut close = false;
    egui::Window::new("Branch a run")
        .collapsible(false)
        .show(ui.ctx(), |ui| {
            ui.label(format!(
                "'{}' ran {} epochs. The branch retraces it exactly up to the epoch below \
                 (same seed, same changes), then trains on with these settings.",
                form.parent.1, form.ran
            ));
            egui::Grid::new("branch_form")
                .num_columns(2)
                .show(ui, |ui| {
                    let label = ui.label("after epoch");
                    ui.add(egui::DragValue::new(&mut form.epoch).range(1..=form.ran.max(1)))
                        .labelled_by(label.id);
                    ui.end_row();
                    let t = &mut form.edited.train;
                    let label = ui.label("lr");
                    let speed = t.lr * 0.01;
                    ui.add(
                        egui::DragValue::new(&mut t.lr)
                            .speed(speed)
                            .range(1e-7..=10.0)
                            .custom_formatter(|v, _| format!("{v:.2e}")),
                    )
                    .labelled_by(label.id);
                    ui.end_row();
                    if let ClipKind::Norm { max } | ClipKind::Value { max } = &mut t.clip {
                        ui.label("clip threshold");
                        ui.add(egui::DragValue::new(max).speed(0.01).range(1e-6..=1e6));
                        ui.end_row();
                    }
                    ui.label("weight decay");
                    ui.add(
                        egui::DragValue::new(&mut t.weight_decay)
                            .speed(1e-5)
                            .range(0.0..=1.0),
                    );
                    ui.end_row();
                    ui.label("patience");
                    ui.add(egui::DragValue::new(&mut t.patience).range(0..=10_000));
                    ui.end_row();
                    ui.label("epochs");
                    ui.add(egui::DragValue::new(&mut t.epochs).range(1..=100_000));
                    ui.end_row();
                    ui.label("dropout");
                    ui.add(
                        egui::DragValue::new(&mut form.edited.model.dropout)
                            .speed(0.005)
                            .range(0.0..=0.95),
                    );
                    ui.end_row();
                });
            ui.horizontal(|ui| {
                if ui.button("Train branch").clicked() {
                    intents.push(Intent::Runs(RunsAction::Branch {
                        id: form.parent.0.clone(),
                        epoch: form.epoch,
                        edited: Box::new(form.edited.clone()),
                    }));
                    close = true;
                }
                if ui.button("Cancel").clicked() {
                    close = true;
                }
            });
        });
    if close {
        view.branching = None;
    }
}

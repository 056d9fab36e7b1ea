//! "Branch…" on a recorded run: pick the epoch to leave it after and edit the settings
//! a run can change while training (lr, clipping threshold, weight decay, dropout,
//! patience, epochs); Train branch continues the run from its latest checkpoint at or
//! before that epoch (retracing the epochs between exactly) and goes on with the edits
//! (`seqcast_engine::runs::branch`).

use std::collections::HashMap;

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
    /// The epochs the parent keeps checkpoints after.
    pub checkpoints: Vec<usize>,
    /// The parent's best epoch.
    pub best: Option<usize>,
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
            checkpoints: run.checkpoints.clone(),
            best: run.row.best_epoch,
        }
    }
}

/// Whether `run` can be branched: one series, and at least two epochs to leave between.
pub fn can_branch(run: &RunMeta) -> bool {
    run.row.series.is_none() && run.row.epochs_run >= 2
}

/// "branch of run ID @ epoch N: lr 3.0e-4" for a branched run (the id: names repeat).
pub fn lineage(run: &RunMeta) -> Option<String> {
    let b = run.config.train.branch.as_ref()?;
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
    Some(format!(
        "branch of run {} @ epoch {}{edits}",
        b.run, b.epoch
    ))
}

/// The runs as a tree: each run followed by its branches (in the order given, nested),
/// with its depth; a branch whose parent is not among them stands as a root.
pub fn as_tree(rows: Vec<RunMeta>) -> Vec<(RunMeta, usize)> {
    tree(
        rows,
        |r| r.id.as_str(),
        |r| r.config.train.branch.as_ref().map(|b| b.run.as_str()),
    )
}

/// [`as_tree`] over any rows with an id and an optional parent id.
fn tree<T>(
    rows: Vec<T>,
    id: impl Fn(&T) -> &str,
    parent: impl Fn(&T) -> Option<&str>,
) -> Vec<(T, usize)> {
    let n = rows.len();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut roots = Vec::new();
    {
        let index: HashMap<&str, usize> =
            rows.iter().enumerate().map(|(i, r)| (id(r), i)).collect();
        // Each listed parent's children, in the order given.
        for (i, r) in rows.iter().enumerate() {
            match parent(r).and_then(|p| index.get(p)) {
                Some(&p) if p != i => children[p].push(i),
                _ => roots.push(i),
            }
        }
    }
    let mut order: Vec<(usize, usize)> = Vec::with_capacity(n);
    let mut placed = vec![false; n];
    // Depth-first from each root, by an explicit stack (children pushed in reverse so
    // they come out in order).
    for root in roots {
        let mut stack = vec![(root, 0)];
        while let Some((i, depth)) = stack.pop() {
            if std::mem::replace(&mut placed[i], true) {
                continue;
            }
            order.push((i, depth));
            stack.extend(children[i].iter().rev().map(|&c| (c, depth + 1)));
        }
    }
    // Anything left (a cycle of hand-edited parents) keeps its place at the end.
    order.extend((0..n).filter(|&i| !placed[i]).map(|i| (i, 0)));
    let mut slots: Vec<Option<T>> = rows.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|(i, depth)| slots[i].take().map(|r| (r, depth)))
        .collect()
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
                "'{}' ran {} epochs. The branch continues it exactly up to the epoch below \
                 (same seed, same changes), then trains on with these settings.",
                form.parent.1, form.ran
            ));
            if !form.checkpoints.is_empty() {
                ui.horizontal(|ui| {
                    ui.label("checkpoints after epochs");
                    for &epoch in &form.checkpoints {
                        let text = if form.best == Some(epoch) {
                            format!("{epoch} (best)")
                        } else {
                            epoch.to_string()
                        };
                        if ui
                            .selectable_label(form.epoch == epoch, text)
                            .on_hover_text("branch from this checkpoint: nothing is retrained")
                            .clicked()
                        {
                            form.epoch = epoch;
                        }
                    }
                });
            }
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
            ui.label(start_line(&form.checkpoints, form.epoch));
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

/// Where a branch after `epoch` starts, given the parent's checkpoint epochs.
pub fn start_line(checkpoints: &[usize], epoch: usize) -> String {
    match checkpoints.iter().rev().find(|&&c| c <= epoch) {
        Some(&c) if c == epoch => {
            format!("Starts from the checkpoint after epoch {epoch}: nothing is retrained.")
        }
        Some(&c) if c + 1 == epoch => {
            format!("Starts from the checkpoint after epoch {c} and retrains epoch {epoch}.")
        }
        Some(&c) => format!(
            "Starts from the checkpoint after epoch {c} and retrains epochs {} to {epoch}.",
            c + 1
        ),
        None if epoch == 1 => {
            "No checkpoint at or before epoch 1: retrains epoch 1 from the start.".into()
        }
        None => format!(
            "No checkpoint at or before epoch {epoch}: retrains epochs 1 to {epoch} from the \
             start."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::{start_line, tree};

    #[test]
    fn the_form_says_which_checkpoint_a_branch_starts_from() {
        let kept = [4, 8, 10, 12];
        assert_eq!(
            start_line(&kept, 8),
            "Starts from the checkpoint after epoch 8: nothing is retrained."
        );
        assert_eq!(
            start_line(&kept, 9),
            "Starts from the checkpoint after epoch 8 and retrains epoch 9."
        );
        assert_eq!(
            start_line(&kept, 3),
            "No checkpoint at or before epoch 3: retrains epochs 1 to 3 from the start."
        );
        assert_eq!(
            start_line(&[], 1),
            "No checkpoint at or before epoch 1: retrains epoch 1 from the start."
        );
    }

    #[test]
    fn branches_follow_their_parents_nested_and_orphans_stand_alone() {
        // Newest first, as the table lists them: branches come before their parents.
        let rows = vec![
            ("d", Some("b")),
            ("c", Some("a")),
            ("b", Some("a")),
            ("e", Some("gone")),
            ("a", None),
            ("x", Some("y")),
            ("y", Some("x")),
        ];
        let out: Vec<(&str, usize)> = tree(rows, |r| r.0, |r| r.1)
            .into_iter()
            .map(|(r, depth)| (r.0, depth))
            .collect();
        assert_eq!(
            out,
            [
                ("e", 0),
                ("a", 0),
                ("c", 1),
                ("b", 1),
                ("d", 2),
                ("x", 0),
                ("y", 0)
            ]
        );
    }
}

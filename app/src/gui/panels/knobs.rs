//! Live knobs: while a run trains (or is paused), the learning rate, clipping
//! threshold, weight decay, dropout, patience and (seq2seq) teacher-forcing ratio can
//! change. Apply sends each edited value to the engine, which applies it before the next
//! step, records it in the run and reports it back; the plots mark it.

use std::collections::BTreeMap;

use seqcast_engine::RunConfig;
use seqcast_engine::config::{ClipKind, Knob, Strategy};

use crate::gui::intent::Intent;
use crate::gui::live::LiveRun;

/// The values being edited, not yet applied (kept in egui's memory for the frame
/// after).
#[derive(Clone, Debug, Default)]
struct Edits(BTreeMap<&'static str, f64>);

/// The value `knob` has in the run now: its last change, else what the run started
/// with (the lr: the last step's); `None` when the run has no such setting (teacher
/// forcing outside seq2seq).
pub fn current(live: &LiveRun, config: &RunConfig, knob: Knob) -> Option<f64> {
    if knob == Knob::TeacherForcing && config.model.strategy != Strategy::Seq2seq {
        return None;
    }
    let changed = live
        .changes
        .iter()
        .rev()
        .find(|c| c.field == knob)
        .map(|c| c.to);
    let t = &config.train;
    Some(match knob {
        Knob::Lr => live
            .steps
            .last()
            .map(|s| s.lr)
            .filter(|lr| lr.is_finite())
            .or(changed)
            .unwrap_or(t.lr),
        Knob::Clip => changed.unwrap_or(match t.clip {
            ClipKind::None => 0.0,
            ClipKind::Norm { max } | ClipKind::Value { max } => max,
        }),
        Knob::WeightDecay => changed.unwrap_or(t.weight_decay),
        Knob::Dropout => changed.unwrap_or(config.model.dropout),
        Knob::Patience => changed.unwrap_or(t.patience as f64),
        Knob::TeacherForcing => changed
            .or_else(|| live.history.last().and_then(|e| e.teacher_forcing))
            .unwrap_or(t.teacher_forcing.start),
    })
}

fn label(knob: Knob) -> &'static str {
    match knob {
        Knob::Lr => "lr",
        Knob::Clip => "clip",
        Knob::WeightDecay => "weight decay",
        Knob::Dropout => "dropout",
        Knob::TeacherForcing => "teacher forcing",
        Knob::Patience => "patience",
    }
}

fn hint(knob: Knob) -> &'static str {
    match knob {
        Knob::Lr => "The learning rate of the next step; a schedule keeps its shape, scaled",
        Knob::Clip => "Gradient clipping threshold (0 = off)",
        Knob::WeightDecay => "Weight decay; the optimiser keeps its moments",
        Knob::Dropout => "Dropout between layers, in [0, 1)",
        Knob::TeacherForcing => "Share of decoder steps fed the true value, held from now on",
        Knob::Patience => "Epochs without validation improvement before stopping (0 = off)",
    }
}

/// Draws the knobs row of a running training.
pub fn knobs_ui(
    ui: &mut egui::Ui,
    live: &LiveRun,
    config: &RunConfig,
    paused: bool,
    intents: &mut Vec<Intent>,
) {
    let id = egui::Id::unique("live_knobs");
    let mut edits: Edits = ui.data(|d| d.get_temp(id)).unwrap_or_default();
    ui.horizontal_wrapped(|ui| {
        ui.strong("Change while training:").on_hover_text(
            "Applied before the next step, recorded in the run (train.changes) and \
                 replayed when its configuration is reused: same seed and changes, same \
                 weights",
        );
        for knob in Knob::ALL {
            let Some(now) = current(live, config, knob) else {
                continue;
            };
            let mut value = edits.0.get(knob.name()).copied().unwrap_or(now);
            let name = ui.label(label(knob));
            let speed = value.abs().max(1e-6) * 0.01;
            let drag = egui::DragValue::new(&mut value);
            let drag = match knob {
                Knob::Lr | Knob::WeightDecay => drag
                    .speed(speed)
                    .range(0.0..=10.0)
                    .custom_formatter(|v, _| match v {
                        0.0 => "0".into(),
                        _ => format!("{v:.2e}"),
                    }),
                Knob::Clip => drag.speed(0.01).range(0.0..=1e6),
                Knob::Dropout => drag.speed(0.005).range(0.0..=0.95),
                Knob::TeacherForcing => drag.speed(0.01).range(0.0..=1.0),
                Knob::Patience => drag.speed(0.1).range(0.0..=10_000.0).fixed_decimals(0),
            };
            let response = ui.add(drag).labelled_by(name.id).on_hover_text(hint(knob));
            if response.changed() {
                edits.0.insert(knob.name(), value);
            }
        }
        let pending: Vec<(Knob, f64)> = Knob::ALL
            .into_iter()
            .filter_map(|k| {
                let to = *edits.0.get(k.name())?;
                (current(live, config, k) != Some(to)).then_some((k, to))
            })
            .collect();
        let apply = ui
            .add_enabled(!pending.is_empty(), egui::Button::new("Apply"))
            .on_hover_text(if paused {
                "Applies when training resumes"
            } else {
                "Applies before the next step"
            });
        if apply.clicked() {
            intents.extend(pending.into_iter().map(|(k, to)| Intent::Knob(k, to)));
            edits.0.clear();
        }
        if !edits.0.is_empty() && ui.button("Reset").clicked() {
            edits.0.clear();
        }
        if !live.changes.is_empty() {
            ui.weak(format!(
                "{} change{} so far (dashed purple lines)",
                live.changes.len(),
                if live.changes.len() == 1 { "" } else { "s" }
            ));
        }
    });
    ui.data_mut(|d| d.insert_temp(id, edits));
}

/// When the configuration carries changes recorded live (a run's settings reused),
/// says that Train replays them, lists them, and offers to drop them.
pub fn replay_ui(ui: &mut egui::Ui, config: &mut RunConfig) {
    let changes = &config.train.changes;
    if changes.is_empty() {
        return;
    }
    let mut forget = false;
    ui.horizontal_wrapped(|ui| {
        let n = changes.len();
        let list: Vec<String> = changes
            .iter()
            .map(crate::gui::plots::change_label)
            .collect();
        ui.label(format!(
            "Train replays {n} change{} made live",
            if n == 1 { "" } else { "s" }
        ))
        .on_hover_text(list.join("\n"));
        forget = ui
            .small_button("Forget")
            .on_hover_text("Train with the settings above throughout")
            .clicked();
    });
    if forget {
        config.train.changes.clear();
    }
}

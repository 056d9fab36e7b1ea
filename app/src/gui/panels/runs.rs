//! The Runs view: every recorded run as a sortable, filterable table with rename, note,
//! delete (confirmed) and "use config"; tick two or more to compare them below.

use egui::{RichText, Ui};
use seqcast_engine::data::time::{TimeFormat, format_time};
use seqcast_engine::runs::RunMeta;

use crate::gui::intent::Intent;
use crate::gui::plots::colors;
use crate::gui::runs_search::{RunsAction, runs_intent};
use crate::gui::state::{RunsView, SortBy};

/// Draws the Runs view.
/// `view` is the runs directory as the app sees it (its sort, filter and selection are
/// the panel's to change); `custom_dir` says the user chose the folder.
pub fn runs_ui(ui: &mut Ui, view: &mut RunsView, custom_dir: bool, intents: &mut Vec<Intent>) {
    header_ui(ui, view, custom_dir, intents);
    if view.list.is_empty() {
        ui.add_space(8.0);
        ui.label(
            "No runs recorded here yet. Every training run (Train, seqcast train, a search \
             trial) is recorded in this folder with its config, history, metrics, test \
             predictions and model.",
        );
        return;
    }
    ui.horizontal(|ui| {
        ui.label("Filter");
        ui.add(egui::TextEdit::singleline(&mut view.filter).hint_text("name, note, cell, file…"));
        let n = view.selected.len();
        let compare = ui
            .add_enabled(n >= 2, egui::Button::new(format!("Compare selected ({n})")))
            .on_disabled_hover_text("Tick two or more runs");
        if compare.clicked() {
            intents.push(runs_intent(RunsAction::Compare));
        }
        if ui
            .add_enabled(n > 0, egui::Button::new("Clear selection"))
            .clicked()
        {
            view.selected.clear();
            view.compared.clear();
        }
    });
    let height = if view.compared.is_empty() {
        ui.available_height() - 8.0
    } else {
        (ui.available_height() * 0.38).max(160.0)
    };
    ui.scope(|ui| {
        // Solid scroll bars: a floating one appears over the last row when the table is
        // wider than the window, and takes the click meant for that row's checkbox.
        ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
        egui::ScrollArea::both()
            .id_salt("runs_table")
            .max_height(height)
            .auto_shrink([false, true])
            .show(ui, |ui| table_ui(ui, view, intents));
    });
    edit_window(ui, view, intents);
    delete_window(ui, view, intents);
    super::runs_branch::branch_window(ui, view, intents);
    if !view.compared.is_empty() {
        ui.separator();
        super::compare::compare_ui(ui, &view.compared);
    }
}

fn header_ui(ui: &mut Ui, view: &RunsView, custom_dir: bool, intents: &mut Vec<Intent>) {
    ui.horizontal(|ui| {
        ui.heading("Runs");
        match &view.dir {
            Some(dir) => ui.label(format!(
                "in {} · {} runs · {}",
                dir.display(),
                view.list.len(),
                size(view.list.iter().map(|r| r.bytes).sum())
            )),
            None => ui.label("(no runs folder yet: open a file)"),
        };
        if ui.button("Change folder…").clicked() {
            intents.push(runs_intent(RunsAction::ChooseDir));
        }
        if custom_dir
            && ui
                .button("Beside the data")
                .on_hover_text("Use seqcast-runs next to the open file")
                .clicked()
        {
            intents.push(runs_intent(RunsAction::DefaultDir));
        }
        if ui.button("Refresh").clicked() {
            intents.push(runs_intent(RunsAction::Refresh));
        }
    });
    if !view.skipped.is_empty() {
        egui::CollapsingHeader::new(
            RichText::new(format!(
                "{} folder(s) skipped: damaged or unfinished",
                view.skipped.len()
            ))
            .color(colors::WARN),
        )
        .id_salt("skipped_runs")
        .show(ui, |ui| {
            for s in &view.skipped {
                ui.label(format!("{}: {}", s.path.display(), s.why));
            }
        });
    }
}

const COLUMNS: [(&str, Option<SortBy>); 18] = [
    ("", None),
    ("Name", Some(SortBy::Name)),
    ("Best val loss", Some(SortBy::ValLoss)),
    ("Test MAE", Some(SortBy::TestMae)),
    ("Naive MAE", None),
    ("MASE", Some(SortBy::TestMase)),
    ("Model", None),
    ("Lookback", None),
    ("lr", None),
    ("Batch", None),
    ("Dropout", None),
    ("Epochs", None),
    ("Stopped", None),
    ("Alerts", None),
    ("Time", Some(SortBy::Time)),
    ("Size", None),
    ("Created", Some(SortBy::Created)),
    ("", None),
];

fn table_ui(ui: &mut Ui, view: &mut RunsView, intents: &mut Vec<Intent>) {
    let rows = visible(view);
    let best = best_ids(&rows);
    egui::Grid::new("runs_grid")
        .striped(true)
        .num_columns(COLUMNS.len())
        .show(ui, |ui| {
            for (title, sort) in COLUMNS {
                match sort {
                    Some(by) => {
                        let arrow = match view.sort {
                            (s, true) if s == by => " ^",
                            (s, false) if s == by => " v",
                            _ => "",
                        };
                        if ui
                            .button(RichText::new(format!("{title}{arrow}")).strong())
                            .clicked()
                        {
                            view.sort = if view.sort.0 == by {
                                (by, !view.sort.1)
                            } else {
                                (by, by != SortBy::Created && by != SortBy::Time)
                            };
                        }
                    }
                    None => {
                        ui.strong(title);
                    }
                }
            }
            ui.end_row();
            for (run, depth) in super::runs_branch::as_tree(rows) {
                let best = best.contains(&run.id);
                row_ui(ui, view, (&run, depth), best, intents);
                ui.end_row();
            }
        });
}

/// One run's row; a branch (`depth` > 0) is indented under its parent.
fn row_ui(
    ui: &mut Ui,
    view: &mut RunsView,
    (run, depth): (&RunMeta, usize),
    best: bool,
    intents: &mut Vec<Intent>,
) {
    let r = &run.row;
    let mut ticked = view.selected.contains(&run.id);
    if ui
        .checkbox(&mut ticked, "")
        .on_hover_text("Select for comparison")
        .changed()
    {
        if ticked {
            view.selected.push(run.id.clone());
        } else {
            view.selected.retain(|id| id != &run.id);
        }
    }
    let indent = "    ".repeat(depth.min(8));
    let name = if best {
        RichText::new(format!("{indent}* {}", run.name)).strong()
    } else {
        RichText::new(format!("{indent}{}", run.name))
    };
    let mut hover = format!(
        "{} · {} · run {}",
        r.data_file,
        r.targets.join(", "),
        run.id
    );
    if best {
        hover.push_str("\n* lowest validation loss on this data");
    }
    if !run.note.is_empty() {
        hover.push_str(&format!("\nnote: {}", run.note));
    }
    if let Some(series) = r.series {
        hover.push_str(&format!(
            "\none model over {series} series · test sMAPE {} · OWA {} (means over the series)",
            num(r.test_smape),
            num(r.test_owa)
        ));
    }
    match super::runs_branch::lineage(run) {
        Some(lineage) => {
            ui.vertical(|ui| {
                ui.label(name).on_hover_text(hover);
                ui.weak(format!("{indent}{lineage}"));
            });
        }
        None => {
            ui.label(name).on_hover_text(hover);
        }
    }
    ui.label(num(r.best_val_loss));
    if r.series.is_some() {
        // MAE has no meaning across series in different units; MASE and OWA do.
        ui.label("-")
            .on_hover_text("over many series: see MASE (mean over the series)");
        ui.label("-");
        ui.label(num(r.test_mase))
            .on_hover_text(format!("test OWA {}", num(r.test_owa)));
    } else {
        mae_cells(ui, r);
    }
    ui.label(format!(
        "{} {}x{}",
        r.cell.name().to_uppercase(),
        r.hidden,
        r.layers
    ));
    ui.label(r.lookback.to_string());
    ui.label(format!("{:.1e}", r.lr));
    ui.label(r.batch.to_string());
    ui.label(format!("{:.2}", r.dropout));
    ui.label(r.epochs_run.to_string());
    ui.label(&r.stop);
    ui.label(r.alerts.to_string());
    ui.label(format!("{:.1}s", r.elapsed_secs));
    let kept = match run.checkpoints.as_slice() {
        [] => "no checkpoints".to_string(),
        epochs => format!(
            "checkpoints after epochs {} (a branch starts from the latest one at or before \
             its epoch)",
            epochs
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    ui.label(size(run.bytes)).on_hover_text(format!(
        "On disk: configuration, summary (history, test predictions), model and {kept}"
    ));
    ui.label(created(run.created));
    ui.horizontal(|ui| {
        if ui
            .small_button("Edit")
            .on_hover_text("Rename or annotate")
            .clicked()
        {
            view.editing = Some((run.id.clone(), run.name.clone(), run.note.clone()));
        }
        if ui
            .small_button("Use config")
            .on_hover_text("Copy this run's configuration into the editor to train again")
            .clicked()
        {
            intents.push(runs_intent(RunsAction::UseConfig(run.id.clone())));
        }
        if ui
            .add_enabled(
                super::runs_branch::can_branch(run),
                egui::Button::new("Branch…").small(),
            )
            .on_hover_text(
                "Train on from one of its epochs with another lr, clipping, weight decay, \
                 dropout, patience or epoch budget",
            )
            .clicked()
        {
            view.branching = Some(super::runs_branch::BranchForm::of(run));
        }
        if ui.small_button("Delete").clicked() {
            view.confirm_delete = Some(run.id.clone());
        }
    });
}

/// Test MAE (green when it beats naive's), naive's and MASE of a run on one series.
fn mae_cells(ui: &mut Ui, r: &seqcast_engine::runs::RunRow) {
    let beats = matches!((r.test_mae, r.naive_test_mae), (Some(m), Some(n)) if m < n);
    let mae = RichText::new(num(r.test_mae));
    ui.label(if beats {
        mae.color(egui::Color32::from_rgb(60, 160, 90))
    } else {
        mae
    })
    .on_hover_text(if beats {
        "beats the naive forecast"
    } else {
        "does not beat the naive forecast"
    });
    ui.label(num(r.naive_test_mae));
    ui.label(num(r.test_mase));
}

/// The rows that pass the filter, in the chosen order.
fn visible(view: &RunsView) -> Vec<RunMeta> {
    let needle = view.filter.trim().to_lowercase();
    let mut rows: Vec<RunMeta> = view
        .list
        .iter()
        .filter(|r| {
            needle.is_empty()
                || format!(
                    "{} {} {} {} {}",
                    r.name,
                    r.note,
                    r.row.label(),
                    r.row.data_file,
                    r.row.stop
                )
                .to_lowercase()
                .contains(&needle)
        })
        .cloned()
        .collect();
    let key = |r: &RunMeta| -> f64 {
        match view.sort.0 {
            SortBy::ValLoss => r.row.best_val_loss.unwrap_or(f64::INFINITY),
            SortBy::TestMae => r.row.test_mae.unwrap_or(f64::INFINITY),
            SortBy::TestMase => r.row.test_mase.unwrap_or(f64::INFINITY),
            SortBy::Time => r.row.elapsed_secs,
            SortBy::Created | SortBy::Name => r.created as f64,
        }
    };
    rows.sort_by(|a, b| {
        let order = match view.sort.0 {
            SortBy::Name => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
            _ => key(a).total_cmp(&key(b)),
        };
        if view.sort.1 { order } else { order.reverse() }
    });
    rows
}

/// Per data file and target, the run with the lowest validation loss.
fn best_ids(rows: &[RunMeta]) -> Vec<String> {
    let mut best: Vec<(String, Vec<String>, f64, String)> = Vec::new();
    for r in rows {
        let Some(v) = r.row.best_val_loss else {
            continue;
        };
        match best
            .iter_mut()
            .find(|(sha, t, _, _)| *sha == r.row.data_sha256 && *t == r.row.targets)
        {
            Some(entry) if v < entry.2 => {
                entry.2 = v;
                entry.3 = r.id.clone();
            }
            Some(_) => {}
            None => best.push((
                r.row.data_sha256.clone(),
                r.row.targets.clone(),
                v,
                r.id.clone(),
            )),
        }
    }
    best.into_iter().map(|(_, _, _, id)| id).collect()
}

fn edit_window(ui: &mut Ui, view: &mut RunsView, intents: &mut Vec<Intent>) {
    let Some((id, name, note)) = &mut view.editing else {
        return;
    };
    let mut close = false;
    egui::Window::new("Edit run")
        .collapsible(false)
        .show(ui.ctx(), |ui| {
            ui.label(format!("run {id}"));
            ui.horizontal(|ui| {
                ui.label("Name");
                ui.text_edit_singleline(name);
            });
            ui.label("Note");
            ui.text_edit_multiline(note);
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(!name.trim().is_empty(), egui::Button::new("Save"))
                    .clicked()
                {
                    intents.push(runs_intent(RunsAction::Rename {
                        id: id.clone(),
                        name: name.clone(),
                    }));
                    intents.push(runs_intent(RunsAction::Note {
                        id: id.clone(),
                        note: note.clone(),
                    }));
                    close = true;
                }
                if ui.button("Cancel").clicked() {
                    close = true;
                }
            });
        });
    if close {
        view.editing = None;
    }
}

fn delete_window(ui: &mut Ui, view: &mut RunsView, intents: &mut Vec<Intent>) {
    let Some(id) = view.confirm_delete.clone() else {
        return;
    };
    let name = view
        .list
        .iter()
        .find(|r| r.id == id)
        .map_or(id.clone(), |r| r.name.clone());
    let mut close = false;
    egui::Window::new("Delete run?")
        .collapsible(false)
        .show(ui.ctx(), |ui| {
            ui.label(format!(
                "Delete '{name}' (run {id}) with its model and predictions? This cannot be undone."
            ));
            ui.horizontal(|ui| {
                if ui.button("Delete").clicked() {
                    intents.push(runs_intent(RunsAction::Delete(id.clone())));
                    close = true;
                }
                if ui.button("Keep").clicked() {
                    close = true;
                }
            });
        });
    if close {
        view.confirm_delete = None;
    }
}

fn created(ts: i64) -> String {
    format_time(
        ts,
        &TimeFormat::IsoDateTime {
            t_separator: false,
            seconds: false,
            zone: false,
        },
    )
}

fn num(v: Option<f64>) -> String {
    match v {
        Some(v) if v.abs() >= 1e4 || (v != 0.0 && v.abs() < 1e-3) => format!("{v:.3e}"),
        Some(v) => format!("{v:.4}"),
        None => "-".into(),
    }
}

/// `812 KB`, `3.4 MB`.
fn size(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.0} KB", (b / 1e3).ceil())
    }
}

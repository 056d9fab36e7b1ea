//! The Results view: metrics of the model against the baselines, test forecasts against
//! the actuals at a chosen horizon step, the error per horizon step, the forecast past
//! the end, and the exports.

use seqcast_engine::config::MetricsScale;
use seqcast_engine::eval::choice::ForecastChoice;
use seqcast_engine::eval::metrics::Metrics;
use seqcast_engine::pipeline::{RunSummary, ScoreTable};

use super::PanelView;
use crate::gui::files::Purpose;
use crate::gui::intent::Intent;
use crate::gui::plots::colors;
use crate::gui::state::Tab;

/// Draws the Results view.
pub fn results_ui(ui: &mut egui::Ui, view: &mut PanelView<'_>, intents: &mut Vec<Intent>) {
    if let Some(result) = view.session.panel.clone() {
        super::panel_results::panel_results_ui(ui, view, &result, intents);
        return;
    }
    let Some(summary) = view.session.summary.clone() else {
        ui.centered_and_justified(|ui| {
            ui.heading("Train a model to see how it compares with the baselines.");
        });
        return;
    };
    let Some(series) = view.session.summary_series.clone() else {
        return;
    };
    let horizon = summary.config.window.horizon.max(1);
    let mut step = view.persisted.result_step.clamp(1, horizon);
    let mut normalised = view.persisted.normalised_metrics;

    header_ui(ui, &summary, intents);
    ui.separator();
    if let Some(choice) = &summary.forecast {
        skill_banner(ui, view, choice);
    }
    ui.horizontal(|ui| {
        ui.checkbox(&mut normalised, "Normalised scale");
        ui.label("Horizon step");
        ui.add(egui::Slider::new(&mut step, 1..=horizon));
    });
    let scale = if normalised {
        MetricsScale::Normalised
    } else {
        MetricsScale::Original
    };
    // The product forecast's row, when it is not the model itself.
    let product = summary
        .forecast
        .as_ref()
        .filter(|c| c.replaces_model())
        .map(|c| format!("forecast: {}", c.chosen.name()));
    ui.horizontal_top(|ui| {
        tables_ui(ui, &summary, scale, product.as_deref());
        ui.separator();
        super::results_plots::plots_ui(ui, &summary, &series, scale, step);
    });
    view.persisted.result_step = step;
    view.persisted.normalised_metrics = normalised;
}

/// The skill banner: does the model beat the best baseline on validation, and what do
/// the forecasts use. Green when the model wins, amber when a baseline or a
/// combination does (with a way to the Diagnostics that say why).
fn skill_banner(ui: &mut egui::Ui, view: &mut PanelView<'_>, choice: &ForecastChoice) {
    let model_wins = choice.skill().is_some_and(|s| s > 0.0);
    let color = if model_wins {
        colors::GOOD
    } else {
        colors::CAUTION
    };
    egui::Frame::new()
        .fill(color.gamma_multiply(0.18))
        .stroke(egui::Stroke::new(1.0, color))
        .corner_radius(4.0)
        .inner_margin(8.0)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal_wrapped(|ui| {
                ui.label(egui::RichText::new(&choice.why).strong());
                if choice.replaces_model() && ui.link("Open Diagnostics").clicked() {
                    view.persisted.tab = Tab::Diagnostics;
                }
            });
        });
    ui.add_space(4.0);
}

fn metrics_table(
    ui: &mut egui::Ui,
    id: &str,
    table: &ScoreTable,
    model_name: &str,
    product: Option<&str>,
) {
    let mut rows: Vec<(String, &Metrics)> =
        vec![(format!("{model_name} (model)"), &table.model.overall)];
    if let (Some(name), Some(m)) = (product, &table.product) {
        rows.insert(0, (name.to_string(), &m.overall));
    }
    rows.extend(
        table
            .baselines
            .iter()
            .map(|(k, m)| (k.name().to_string(), &m.overall)),
    );
    type Getter = fn(&Metrics) -> Option<f64>;
    let columns: [(&str, Getter); 5] = [
        ("MAE", |m| Some(m.mae)),
        ("RMSE", |m| Some(m.rmse)),
        ("MAPE %", |m| m.mape),
        ("sMAPE %", |m| m.smape),
        ("MASE", |m| m.mase),
    ];
    egui::Grid::new(id)
        .striped(true)
        .num_columns(6)
        .show(ui, |ui| {
            ui.label("");
            for (name, _) in &columns {
                ui.strong(*name);
            }
            ui.end_row();
            for (name, m) in &rows {
                ui.label(name);
                for (_, get) in &columns {
                    let best = rows
                        .iter()
                        .filter_map(|(_, r)| get(r))
                        .fold(f64::INFINITY, f64::min);
                    match get(m) {
                        Some(v) if v == best => ui.strong(format!("{v:.4}")),
                        Some(v) => ui.label(format!("{v:.4}")),
                        None => ui.weak("—"),
                    };
                }
                ui.end_row();
            }
        });
    if let Some(note) = table.model.overall.mape_note() {
        ui.weak(note);
    }
}

/// Export buttons and the run's one-line description.
fn header_ui(ui: &mut egui::Ui, summary: &RunSummary, intents: &mut Vec<Intent>) {
    ui.horizontal(|ui| {
        if ui.button("Export predictions…").clicked() {
            intents.push(Intent::Dialog(Purpose::ExportCsv));
        }
        if ui.button("Save run report…").clicked() {
            intents.push(Intent::Dialog(Purpose::SaveReport));
        }
        if ui.button("Save model…").clicked() {
            intents.push(Intent::Dialog(Purpose::SaveModel));
        }
        ui.separator();
        let refit = summary
            .training
            .refit
            .map_or(String::new(), |r| match r.epochs {
                0 => " · refit on train+val: the start fitted again".to_string(),
                n => format!(" · refit on train+val, {n} epochs"),
            });
        let strategy = match summary.config.model.strategy {
            seqcast_engine::config::Strategy::Direct => String::new(),
            other => format!(", {}", other.name()),
        };
        let attention = match summary.config.model.attention {
            seqcast_engine::config::Attention::None => String::new(),
            a => format!(" + {} attention", a.name()),
        };
        let text = format!(
            "{}{strategy}{attention} · {} · best epoch {}{refit}",
            summary.config.model.title(),
            summary.training.stop.describe(),
            seqcast_engine::train::best_epoch_label(summary.training.best_epoch)
        );
        // Cut to the window (the whole line on hover): a long line would widen the
        // view and push the plots past the right edge.
        ui.add(egui::Label::new(text.clone()).truncate())
            .on_hover_text(text);
    });
}

/// Test and validation metrics of the model, the product forecast and the baselines.
fn tables_ui(ui: &mut egui::Ui, summary: &RunSummary, scale: MetricsScale, product: Option<&str>) {
    ui.vertical(|ui| {
        let parts = [
            (
                "Test",
                "test_metrics",
                &summary.test_scores,
                summary.data.windows[2],
            ),
            (
                "Validation",
                "val_metrics",
                &summary.val_scores,
                summary.data.windows[1],
            ),
        ];
        for (title, id, scores, windows) in parts {
            if let Some(scores) = scores {
                ui.strong(format!(
                    "{title} · {}",
                    seqcast_engine::text::count(windows, "window")
                ));
                let model = summary.config.model.cell.name();
                metrics_table(ui, id, scores.in_scale(scale), model, product);
            }
        }
        // Wrapped to the tables' width: a long reason would widen the column and push
        // the plots past the right edge.
        let width = ui.min_rect().width().max(240.0);
        for (kind, why) in &summary.unavailable_baselines {
            ui.scope(|ui| {
                ui.set_max_width(width);
                let text = egui::RichText::new(format!("{} unavailable: {why}", kind.name()));
                ui.add(egui::Label::new(text.weak()).wrap());
            });
        }
    });
}

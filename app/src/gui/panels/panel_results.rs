//! The Results view of a model trained on many series: the model against every
//! baseline over all series (sMAPE, MASE, OWA), a searchable, sortable list of the
//! series (worst first by default), a grid of small plots of the listed series and one
//! series in detail (its last rows, test forecasts against the actuals, the best
//! baseline's, and the forecast past its end).

use egui_plot::{Legend, Line, LineStyle, Plot, PlotPoints};
use seqcast_engine::panel::run::PanelSummary;
use seqcast_engine::panel::score::{BASELINES, SeriesForecast, SeriesScores};
use serde::{Deserialize, Serialize};

use super::PanelView;
use crate::gui::files::Purpose;
use crate::gui::intent::Intent;
use crate::gui::plots::colors;
use crate::gui::state::PanelResult;

/// How the series list is ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SeriesSort {
    /// Highest model MASE relative to the series' best baseline first.
    #[default]
    WorstFirst,
    /// Lowest ratio first.
    BestFirst,
    /// By id.
    Id,
    /// Highest model sMAPE first.
    Smape,
}

impl SeriesSort {
    fn label(self) -> &'static str {
        match self {
            Self::WorstFirst => "worst first (model / best baseline)",
            Self::BestFirst => "best first (model / best baseline)",
            Self::Id => "id",
            Self::Smape => "highest sMAPE first",
        }
    }
}

/// What the view remembers: the filter, the order, the selected series, the grid page.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SeriesListState {
    /// Only series whose id contains this (case-insensitive).
    pub filter: String,
    /// The order.
    pub sort: SeriesSort,
    /// The series shown in detail.
    pub selected: Option<String>,
    /// First listed series of the grid.
    pub page_start: usize,
}

/// Width of the column with the scores and the series list.
const LIST_WIDTH: f32 = 360.0;
/// Small plots in the grid.
const GRID_COLUMNS: usize = 3;
const GRID_ROWS: usize = 2;

/// One listed series: its scores and its model MASE over its best baseline's.
struct Listed<'a> {
    scores: &'a SeriesScores,
    best: Option<&'a str>,
    ratio: f64,
}

/// Draws the view for `result`.
pub fn panel_results_ui(
    ui: &mut egui::Ui,
    view: &mut PanelView<'_>,
    result: &PanelResult,
    intents: &mut Vec<Intent>,
) {
    let summary = &result.summary;
    header_ui(ui, summary, intents);
    for alert in &summary.training.alerts {
        ui.colored_label(
            colors::CAUTION,
            format!("{}: {}", alert.kind.title(), alert.message),
        )
        .on_hover_text(format!("What to change: {}", alert.remedy));
    }
    ui.separator();
    let Some(test) = &summary.test else {
        ui.label("No test windows: the split leaves no series a test part to score.");
        return;
    };
    let state = &mut view.persisted.series_list;
    let listed = listed(&test.per_series, state);
    let beats = test
        .per_series
        .iter()
        .filter(|s| ratio(s).is_some_and(|r| r < 1.0))
        .count();
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            ui.set_width(LIST_WIDTH);
            aggregate_ui(ui, summary);
            ui.label(format!(
                "The model beats each series' best baseline on {beats} of {} series.",
                test.per_series.len()
            ));
            ui.separator();
            list_ui(ui, state, &listed);
        });
        ui.separator();
        ui.vertical(|ui| {
            grid_ui(ui, state, &listed, result);
            ui.separator();
            detail_ui(ui, state, &listed, result);
        });
    });
}

fn header_ui(ui: &mut egui::Ui, summary: &PanelSummary, intents: &mut Vec<Intent>) {
    ui.horizontal(|ui| {
        if ui.button("Export predictions…").clicked() {
            intents.push(Intent::Dialog(Purpose::ExportCsv));
        }
        if ui.button("Save run report…").clicked() {
            intents.push(Intent::Dialog(Purpose::SaveReport));
        }
        if ui
            .button("Save model…")
            .on_hover_text(
                "The weights with every series' scalers: `seqcast predict --model DIR --csv \
                 FILE` forecasts the series of a file with it",
            )
            .clicked()
        {
            intents.push(Intent::Dialog(Purpose::SaveModel));
        }
    });
    let c = &summary.config;
    // Wrapped: one long line would widen the whole view past the window.
    ui.add(
        egui::Label::new(format!(
            "One {} {}×{} over {} series ({} left out) · lookback {} · horizon {} · season {} · \
             {} · best epoch {} · {:.0} s",
            c.model.cell.name().to_uppercase(),
            c.model.layers,
            c.model.hidden,
            summary.data.series,
            summary.data.excluded.len(),
            c.window.lookback,
            c.window.horizon,
            summary.data.season,
            summary.training.stop.describe(),
            seqcast_engine::train::best_epoch_label(summary.training.best_epoch),
            summary.elapsed_secs
        ))
        .wrap(),
    );
    if let Some(line) = summary.data.inputs_line() {
        ui.add(egui::Label::new(line).wrap());
    }
}

/// The model and each baseline over all series.
fn aggregate_ui(ui: &mut egui::Ui, summary: &PanelSummary) {
    let Some(test) = &summary.test else {
        return;
    };
    ui.strong(format!("Test, mean over {} series", test.per_series.len()));
    egui::Grid::new("panel_aggregate")
        .num_columns(4)
        .striped(true)
        .show(ui, |ui| {
            for h in ["", "sMAPE", "MASE", "OWA"] {
                ui.strong(h);
            }
            ui.end_row();
            let names = ["model", "forecast"].into_iter().chain(BASELINES);
            for name in names {
                let Some(a) = test.aggregate.get(name) else {
                    continue;
                };
                let label = match name {
                    "model" => summary.config.model.cell.name().to_uppercase(),
                    "forecast" => "forecast (chosen per series)".to_string(),
                    _ => name.replace('_', " "),
                };
                ui.label(label);
                for v in [a.smape, a.mase, a.owa] {
                    ui.monospace(format!("{v:.3}"));
                }
                ui.end_row();
            }
        });
}

/// The model's MASE over the series' best baseline's.
fn ratio(s: &SeriesScores) -> Option<f64> {
    let (_, best) = s.best_baseline()?;
    Some(s.model.mase / best.mase).filter(|r| r.is_finite())
}

/// The series passing the filter, in the chosen order.
fn listed<'a>(per_series: &'a [SeriesScores], state: &SeriesListState) -> Vec<Listed<'a>> {
    let needle = state.filter.to_lowercase();
    let mut out: Vec<Listed<'a>> = per_series
        .iter()
        .filter(|s| needle.is_empty() || s.id.to_lowercase().contains(&needle))
        .map(|s| Listed {
            scores: s,
            best: s.best_baseline().map(|(name, _)| name),
            ratio: ratio(s).unwrap_or(f64::NAN),
        })
        .collect();
    // NaN ratios (no MASE) go last in both directions.
    let key = |r: f64| if r.is_nan() { f64::NEG_INFINITY } else { r };
    match state.sort {
        SeriesSort::WorstFirst => out.sort_by(|a, b| key(b.ratio).total_cmp(&key(a.ratio))),
        SeriesSort::BestFirst => out.sort_by(|a, b| {
            let k = |r: f64| if r.is_nan() { f64::INFINITY } else { r };
            k(a.ratio).total_cmp(&k(b.ratio))
        }),
        SeriesSort::Id => out.sort_by(|a, b| a.scores.id.cmp(&b.scores.id)),
        SeriesSort::Smape => {
            out.sort_by(|a, b| b.scores.model.smape.total_cmp(&a.scores.model.smape));
        }
    }
    out
}

fn list_ui(ui: &mut egui::Ui, state: &mut SeriesListState, listed: &[Listed<'_>]) {
    ui.horizontal(|ui| {
        let label = ui.label("Find");
        let edit = ui
            .add(egui::TextEdit::singleline(&mut state.filter).desired_width(120.0))
            .labelled_by(label.id);
        if edit.changed() {
            state.page_start = 0;
        }
        let before = state.sort;
        egui::ComboBox::from_id_salt("series_sort")
            .selected_text(state.sort.label())
            .width(150.0)
            .show_ui(ui, |ui| {
                for s in [
                    SeriesSort::WorstFirst,
                    SeriesSort::BestFirst,
                    SeriesSort::Id,
                    SeriesSort::Smape,
                ] {
                    ui.selectable_value(&mut state.sort, s, s.label());
                }
            });
        if state.sort != before {
            state.page_start = 0;
        }
    });
    ui.weak(format!(
        "{} series · model MASE, best baseline, model / best",
        listed.len()
    ));
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
    egui::ScrollArea::vertical()
        .id_salt("series_list")
        .auto_shrink([false, false])
        .max_height(ui.available_height().max(120.0))
        .show_rows(ui, row_height, listed.len(), |ui, rows| {
            for l in listed.get(rows).unwrap_or(&[]) {
                let id = &l.scores.id;
                let selected = state.selected.as_deref() == Some(id.as_str());
                ui.horizontal(|ui| {
                    let text = format!(
                        "{id:<10} {:>7.3}  {:<14}",
                        l.scores.model.mase,
                        l.best.unwrap_or("—").replace('_', " ")
                    );
                    if ui
                        .selectable_label(selected, egui::RichText::new(text).monospace())
                        .clicked()
                    {
                        state.selected = Some(id.clone());
                    }
                    let color = if l.ratio < 1.0 {
                        colors::GOOD
                    } else if l.ratio.is_nan() {
                        ui.visuals().weak_text_color()
                    } else {
                        colors::WARN
                    };
                    ui.colored_label(color, format!("{:.2}×", l.ratio));
                });
            }
        });
}

/// Small plots of one page of the listed series; clicking one shows it in detail.
fn grid_ui(
    ui: &mut egui::Ui,
    state: &mut SeriesListState,
    listed: &[Listed<'_>],
    result: &PanelResult,
) {
    let per_page = GRID_COLUMNS * GRID_ROWS;
    let start = state.page_start.min(listed.len().saturating_sub(1)) / per_page * per_page;
    ui.horizontal(|ui| {
        if ui
            .add_enabled(start > 0, egui::Button::new("< Previous"))
            .clicked()
        {
            state.page_start = start.saturating_sub(per_page);
        }
        let end = (start + per_page).min(listed.len());
        ui.label(format!(
            "Series {}–{end} of {} in the list's order",
            (start + 1).min(end),
            listed.len()
        ));
        if ui
            .add_enabled(end < listed.len(), egui::Button::new("Next >"))
            .clicked()
        {
            state.page_start = start + per_page;
        }
    });
    let width =
        ((ui.available_width() - 8.0 * GRID_COLUMNS as f32) / GRID_COLUMNS as f32).max(100.0);
    let height = ((ui.available_height() * 0.45) / GRID_ROWS as f32 - 24.0).clamp(70.0, 180.0);
    egui::Grid::new("series_grid")
        .num_columns(GRID_COLUMNS)
        .spacing([8.0, 4.0])
        .show(ui, |ui| {
            for (i, l) in listed.iter().skip(start).take(per_page).enumerate() {
                let Some(f) = result.forecast(&l.scores.id) else {
                    continue;
                };
                ui.vertical(|ui| {
                    let title = format!(
                        "{} · {:.2}× {}",
                        f.id,
                        l.ratio,
                        l.best.unwrap_or("").replace('_', " ")
                    );
                    if ui.link(title).clicked() {
                        state.selected = Some(f.id.clone());
                    }
                    Plot::new(("mini", &f.id))
                        .width(width)
                        .height(height)
                        .show_axes([false, false])
                        .allow_drag(false)
                        .allow_zoom(false)
                        .allow_scroll(false)
                        .show(ui, |plot| {
                            for line in lines(f, false) {
                                plot.line(line);
                            }
                        });
                });
                if (i + 1) % GRID_COLUMNS == 0 {
                    ui.end_row();
                }
            }
        });
}

/// The selected series (the list's first when none is) in detail.
fn detail_ui(
    ui: &mut egui::Ui,
    state: &SeriesListState,
    listed: &[Listed<'_>],
    result: &PanelResult,
) {
    let id = state
        .selected
        .clone()
        .or_else(|| listed.first().map(|l| l.scores.id.clone()));
    let Some(f) = id.as_deref().and_then(|id| result.forecast(id)) else {
        return;
    };
    let scores = listed.iter().find(|l| l.scores.id == f.id);
    ui.strong(match scores {
        Some(l) => format!(
            "{} · model sMAPE {:.2}, MASE {:.3} · best baseline {} (MASE ×{:.2})",
            f.id,
            l.scores.model.smape,
            l.scores.model.mase,
            l.best.unwrap_or("—"),
            l.ratio
        ),
        None => f.id.clone(),
    });
    if let Some(l) = scores.filter(|l| !l.scores.attributes.is_empty()) {
        let listed: Vec<String> = l
            .scores
            .attributes
            .iter()
            .map(|(name, v)| format!("{name} {}", v.label()))
            .collect();
        ui.label(format!("Attributes: {}", listed.join(" · ")));
    }
    Plot::new("series_detail")
        .legend(Legend::default())
        .width(ui.available_width())
        .height(ui.available_height().max(160.0))
        .show(ui, |plot| {
            for line in lines(f, true) {
                plot.line(line);
            }
        });
}

/// The lines of one series: its last rows, then per test window the model's forecast
/// (and, in detail, the best baseline's), and the forecast past the end (dashed).
fn lines(f: &SeriesForecast, detail: bool) -> Vec<Line<'static>> {
    let at = |row: usize| row as f64;
    let mut out = Vec::new();
    let history: Vec<[f64; 2]> = f
        .history
        .iter()
        .enumerate()
        .map(|(i, v)| [at(f.history_start + i), *v])
        .collect();
    out.push(
        Line::new("actual", PlotPoints::new(history))
            .color(colors::ACTUAL)
            .width(1.2),
    );
    let h = f.model.len() / f.origins.len().max(1);
    let window = |values: &[f64], w: usize, origin: usize| -> Vec<[f64; 2]> {
        values
            .get(w * h..(w + 1) * h)
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .map(|(k, v)| [at(origin + k + 1), *v])
            .collect()
    };
    for (w, &origin) in f.origins.iter().enumerate() {
        out.push(
            Line::new("model (test)", PlotPoints::new(window(&f.model, w, origin)))
                .color(colors::MODEL)
                .width(1.6),
        );
        if detail && let Some((name, values)) = &f.best_baseline {
            out.push(
                Line::new(
                    format!("{} (best baseline)", name.replace('_', " ")),
                    PlotPoints::new(window(values, w, origin)),
                )
                .color(colors::PRODUCT)
                .width(1.2),
            );
        }
    }
    let end = f.history_start + f.history.len();
    let future: Vec<[f64; 2]> = f
        .history
        .last()
        .map(|v| [at(end.saturating_sub(1)), *v])
        .into_iter()
        .chain(f.future.iter().enumerate().map(|(k, v)| [at(end + k), *v]))
        .collect();
    out.push(
        Line::new("forecast past the end", PlotPoints::new(future))
            .color(colors::MODEL)
            .style(LineStyle::dashed_loose())
            .width(1.6),
    );
    out
}

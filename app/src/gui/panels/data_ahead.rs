//! The Data view's "Known ahead" section: calendar features generated from the time
//! column, and the file of future values for the covariates marked known ahead.

use super::PanelView;
use crate::gui::files::Purpose;
use crate::gui::intent::Intent;
use seqcast_engine::config::{CalendarFeature, CalendarSpec};

/// What each calendar feature is, for its checkbox.
fn describe(feature: CalendarFeature) -> &'static str {
    match feature {
        CalendarFeature::Minute => "minute of the hour",
        CalendarFeature::Hour => "hour of the day",
        CalendarFeature::Weekday => "day of the week",
        CalendarFeature::Yearday => "day of the year",
        CalendarFeature::Month => "month of the year",
    }
}

/// Calendar features and future values.
pub fn known_ahead_ui(ui: &mut egui::Ui, view: &mut PanelView<'_>, intents: &mut Vec<Intent>) {
    if view.persisted.config.data.series_column.is_some() {
        return;
    }
    ui.strong("Known ahead");
    calendar_ui(ui, view);
    future_file_ui(ui, view, intents);
}

fn calendar_ui(ui: &mut egui::Ui, view: &mut PanelView<'_>) {
    let picked = view
        .session
        .inspection
        .as_ref()
        .map(|i| i.series.calendar.clone());
    let data = &mut view.persisted.config.data;
    ui.horizontal(|ui| {
        let label = ui.label("Calendar");
        let shown = match &data.calendar {
            CalendarSpec::None => "none".to_string(),
            CalendarSpec::Auto => "auto".to_string(),
            CalendarSpec::List(_) => "chosen".to_string(),
        };
        let before = data.calendar.clone();
        egui::ComboBox::from_id_salt("calendar")
            .selected_text(shown)
            .width(90.0)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut data.calendar, CalendarSpec::None, "none");
                ui.selectable_value(&mut data.calendar, CalendarSpec::Auto, "auto");
                let list = match &before {
                    CalendarSpec::List(l) => l.clone(),
                    _ => picked.clone().unwrap_or_default(),
                };
                if ui
                    .selectable_label(matches!(before, CalendarSpec::List(_)), "chosen")
                    .clicked()
                {
                    data.calendar = CalendarSpec::List(list);
                }
            })
            .response
            .labelled_by(label.id)
            .on_hover_text(
                "Calendar features: where each step falls in the day, the week, the year, as \
                 sine/cosine pairs (two harmonics each), generated from the time column and \
                 known for every future step. The model reads them over the lookback and, for \
                 each forecast step, that step's values. Auto picks by the frequency: hourly → \
                 hour, weekday; daily → weekday, day of the year; monthly → month.",
            );
        if matches!(data.calendar, CalendarSpec::Auto)
            && let Some(features) = &picked
        {
            ui.weak(if features.is_empty() {
                "none for this time axis".to_string()
            } else {
                features
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            });
        }
    });
    if let CalendarSpec::List(list) = &mut data.calendar {
        ui.horizontal_wrapped(|ui| {
            for feature in CalendarFeature::ALL {
                let mut on = list.contains(&feature);
                if ui
                    .checkbox(&mut on, feature.name())
                    .on_hover_text(describe(feature))
                    .changed()
                {
                    if on {
                        list.push(feature);
                        list.sort();
                    } else {
                        list.retain(|f| *f != feature);
                    }
                }
            }
        });
    }
}

fn future_file_ui(ui: &mut egui::Ui, view: &mut PanelView<'_>, intents: &mut Vec<Intent>) {
    let horizon = view.persisted.config.window.horizon;
    let missing = view
        .session
        .inspection
        .as_ref()
        .and_then(|i| i.future_missing.clone());
    let data = &mut view.persisted.config.data;
    if data.future_covariates.is_empty() {
        ui.weak(
            "Covariates whose future is known (a promotion plan, a holiday flag): set their \
             role to Known ahead.",
        );
        return;
    }
    ui.label(format!(
        "Read over the horizon: {}. Forecasting past the end needs their next {horizon} values:",
        data.future_covariates.join(", ")
    ));
    let hover = "A CSV with the time column and each known-ahead covariate, one row per step \
                 after the last one (rows are matched by time).";
    if file_row(ui, "Future values", &mut data.future_file, hover) {
        intents.push(Intent::Dialog(Purpose::FutureFile));
    }
    if let Some(why) = missing {
        ui.colored_label(crate::gui::plots::colors::CAUTION, why);
    }
}

/// A file setting: its label, the chosen file's name (the whole path on hover) or
/// "none", Clear, and Choose… (true when clicked: the caller opens the dialog).
pub(super) fn file_row(
    ui: &mut egui::Ui,
    label: &str,
    path: &mut Option<std::path::PathBuf>,
    hover: &str,
) -> bool {
    ui.horizontal(|ui| {
        ui.label(label);
        match path.as_ref() {
            Some(p) => {
                let name = p
                    .file_name()
                    .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into());
                ui.monospace(name).on_hover_text(p.display().to_string());
                if ui.button("Clear").clicked() {
                    *path = None;
                }
            }
            None => {
                ui.weak("none");
            }
        }
        ui.button("Choose…").on_hover_text(hover).clicked()
    })
    .inner
}

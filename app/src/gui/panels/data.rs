//! The Data view: column roles, the load report, the series with its train / validation
//! / test parts shaded and one lookback + horizon window drawn on it, and a preview of
//! the file's first rows.

use egui_plot::{HoverPosition, Legend, Line, Plot, PlotPoints, Span};

use super::PanelView;
use crate::gui::files::Purpose;
use crate::gui::intent::Intent;
use crate::gui::plots::{colors, decimate, shade};
use seqcast_engine::config::Strategy;
use seqcast_engine::data::table::{ColumnKind, CsvTable};

/// Rows shown in the preview table.
const PREVIEW_ROWS: usize = 12;

/// A column's role in the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Ignore,
    Time,
    Target,
    Covariate,
    KnownAhead,
    SeriesId,
    Static,
}

impl Role {
    fn label(self) -> &'static str {
        match self {
            Self::Ignore => "—",
            Self::Time => "Time",
            Self::Target => "Target",
            Self::Covariate => "Covariate",
            Self::KnownAhead => "Known ahead",
            Self::SeriesId => "Series id",
            Self::Static => "Static attribute",
        }
    }
}

/// Draws the Data view.
pub fn data_ui(ui: &mut egui::Ui, view: &mut PanelView<'_>, intents: &mut Vec<Intent>) {
    let Some(table) = view.session.table.clone() else {
        ui.centered_and_justified(|ui| {
            ui.heading("Open a CSV file (File > Open CSV, or drop it on the window)");
        });
        return;
    };
    ui.horizontal(|ui| {
        ui.heading(&table.source);
        ui.label(format!(
            "{} rows · {} columns · {} · delimiter '{}'",
            table.n_rows,
            table.columns.len(),
            table.encoding,
            table.delimiter.escape_default()
        ));
    });
    if let Some(error) = &view.session.inspect_error {
        ui.colored_label(colors::WARN, format!("Cannot use these settings: {error}"));
    }
    many_series_ui(ui, view, intents);
    let plot_height = (ui.available_height() * 0.6).max(220.0);
    let top = egui::vec2(ui.available_width(), plot_height + 8.0);
    ui.allocate_ui_with_layout(top, egui::Layout::left_to_right(egui::Align::Min), |ui| {
        ui.vertical(|ui| {
            ui.set_width(310.0);
            egui::ScrollArea::vertical()
                .id_salt("roles")
                .max_height(plot_height)
                .show(ui, |ui| {
                    roles_ui(ui, view, &table);
                    ui.add_space(6.0);
                    super::data_ahead::known_ahead_ui(ui, view, intents);
                    ui.add_space(6.0);
                    report_ui(ui, view);
                });
        });
        ui.separator();
        ui.vertical(|ui| series_plot_ui(ui, view, plot_height));
    });
    ui.separator();
    preview_ui(ui, &table);
}

fn role_of(view: &PanelView<'_>, name: &str) -> Role {
    let data = &view.persisted.config.data;
    if data.series_column.as_deref() == Some(name) {
        Role::SeriesId
    } else if data.targets.iter().any(|t| t == name)
        || (data.targets.is_empty()
            && data.series_column.is_some()
            && default_value_column(view) == Some(name))
    {
        Role::Target
    } else if data.future_covariates.iter().any(|c| c == name) {
        Role::KnownAhead
    } else if data.covariates.iter().any(|c| c == name) {
        Role::Covariate
    } else if data.static_columns.iter().any(|c| c == name) {
        Role::Static
    } else if data.time_column.as_deref() == Some(name)
        || (data.time_column.is_none()
            && data.series_column.is_some()
            && first_time_column(view) == Some(name))
        || (data.time_column.is_none()
            && view
                .session
                .inspection
                .as_ref()
                .and_then(|i| i.report.time_column.as_deref())
                .is_some_and(|t| t.split('+').any(|part| part == name)))
    {
        Role::Time
    } else {
        Role::Ignore
    }
}

/// The table's first time column (the one a long table's series are ordered by when no
/// time column is chosen).
fn first_time_column<'a>(view: &'a PanelView<'_>) -> Option<&'a str> {
    view.session
        .table
        .as_ref()?
        .columns
        .iter()
        .find(|c| matches!(c.kind, ColumnKind::Time(_)))
        .map(|c| c.name.as_str())
}

/// The value column a long table's series use when no target is chosen: the first
/// numeric column other than the id (as the engine picks it).
fn default_value_column<'a>(view: &'a PanelView<'_>) -> Option<&'a str> {
    let id = view.persisted.config.data.series_column.as_deref();
    view.session
        .table
        .as_ref()?
        .columns
        .iter()
        .find(|c| c.kind == ColumnKind::Numeric && Some(c.name.as_str()) != id)
        .map(|c| c.name.as_str())
}

fn roles_ui(ui: &mut egui::Ui, view: &mut PanelView<'_>, table: &CsvTable) {
    ui.strong("Columns");
    egui::Grid::new("roles")
        .num_columns(3)
        .striped(true)
        .show(ui, |ui| {
            for column in &table.columns {
                let current = role_of(view, &column.name);
                let name_label = ui.label(&column.name);
                let kind = match &column.kind {
                    ColumnKind::Time(f) => format!("time ({})", f.pattern()),
                    other => other.name().to_string(),
                };
                ui.weak(kind)
                    .on_hover_text(format!("{} missing cells", column.missing));
                let mut role = current;
                let many = view.persisted.config.data.series_column.is_some();
                egui::ComboBox::from_id_salt(("role", &column.name))
                    .selected_text(role.label())
                    .width(90.0)
                    .show_ui(ui, |ui| {
                        for r in [
                            Role::Ignore,
                            Role::Time,
                            Role::Target,
                            Role::Covariate,
                            Role::KnownAhead,
                            Role::SeriesId,
                            Role::Static,
                        ] {
                            // Static attributes describe series: only with a series column.
                            if r != Role::Static || many {
                                ui.selectable_value(&mut role, r, r.label());
                            }
                        }
                    })
                    .response
                    .labelled_by(name_label.id);
                if role != current {
                    set_role(view, &column.name, role);
                }
                ui.end_row();
            }
        });
    date_format_ui(ui, view);
}

/// Date formats offered besides detection (`data.date_format`).
const DATE_FORMATS: [&str; 8] = [
    "DD/MM/YYYY",
    "MM/DD/YYYY",
    "DD.MM.YYYY",
    "DD-MM-YYYY",
    "YYYY-MM-DD",
    "YYYY/MM/DD",
    "YYYYMMDD",
    "unix",
];

/// How the time column's dates are read: detected from the whole column, or as chosen
/// (when its days are all 12 or less, detection can only guess the order).
fn date_format_ui(ui: &mut egui::Ui, view: &mut PanelView<'_>) {
    let data = &mut view.persisted.config.data;
    ui.horizontal(|ui| {
        let label = ui.label("Dates");
        let shown = data.date_format.as_deref().unwrap_or("detected");
        egui::ComboBox::from_id_salt("date_format")
            .selected_text(shown)
            .width(120.0)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut data.date_format, None, "detected");
                for f in DATE_FORMATS {
                    ui.selectable_value(&mut data.date_format, Some(f.to_owned()), f);
                }
            })
            .response
            .labelled_by(label.id)
            .on_hover_text(
                "How the time column writes its dates. Detected decides from the whole column \
                 (any day above 12 settles day first); choose a format when the load report \
                 says the order is a guess.",
            );
    });
}

fn set_role(view: &mut PanelView<'_>, name: &str, role: Role) {
    let data = &mut view.persisted.config.data;
    data.targets.retain(|t| t != name);
    data.covariates.retain(|c| c != name);
    data.future_covariates.retain(|c| c != name);
    data.static_columns.retain(|c| c != name);
    if data.time_column.as_deref() == Some(name) {
        data.time_column = None;
    }
    if data.series_column.as_deref() == Some(name) {
        data.series_column = None;
        // Static attributes are columns of the series: without series they mean nothing.
        data.static_columns.clear();
    }
    match role {
        Role::Ignore => {}
        Role::SeriesId => data.series_column = Some(name.to_string()),
        Role::Time => data.time_column = Some(name.to_string()),
        Role::Target => data.targets.push(name.to_string()),
        Role::Covariate => data.covariates.push(name.to_string()),
        Role::KnownAhead => data.future_covariates.push(name.to_string()),
        Role::Static => data.static_columns.push(name.to_string()),
    }
}

fn report_ui(ui: &mut egui::Ui, view: &PanelView<'_>) {
    let Some(inspection) = &view.session.inspection else {
        return;
    };
    ui.strong("Load report");
    for line in inspection.report.summary_lines() {
        ui.label(line);
    }
    let [train, val, test] = inspection.windows;
    let split = &inspection.split;
    ui.add_space(4.0);
    ui.strong("Split and windows");
    // A recursive model learns from one-step windows: more of them than the forecasts
    // of the whole horizon that validation and test score.
    let recursive = view.persisted.config.model.strategy == Strategy::Recursive;
    egui::Grid::new("split").num_columns(3).show(ui, |ui| {
        for (name, rows, windows) in [
            ("train", split.train.len(), train),
            ("validation", split.val.len(), val),
            ("test", split.test.len(), test),
        ] {
            ui.label(name);
            ui.label(seqcast_engine::text::count(rows, "row"));
            if recursive && name == "train" {
                ui.label(seqcast_engine::text::count(windows, "one-step window"));
            } else {
                ui.label(seqcast_engine::text::count(windows, "window"));
            }
            ui.end_row();
        }
    });
}

/// Many series, one model: what the series column does, or the offer of a column that
/// looks like one (never taken silently).
fn many_series_ui(ui: &mut egui::Ui, view: &mut PanelView<'_>, intents: &mut Vec<Intent>) {
    let data = &mut view.persisted.config.data;
    if let Some(id) = &data.series_column {
        let text = format!(
            "Many series, one model: each value of column '{id}' is a series; Train fits one \
             model over all of them (split, scaling and scores per series). Set the column's \
             role to — to train on the rows as one series. Covariates and static attributes \
             (columns constant within each series, or a file with one row per series) are \
             fed to the model too."
        );
        banner(ui, colors::GOOD, |ui| {
            ui.label(text);
        });
        let hover = "A CSV with one row per series: its id (in a column named like the series \
                     column, else the first column), then attributes such as region or size.";
        if super::data_ahead::file_row(ui, "Static attributes file:", &mut data.static_file, hover)
        {
            intents.push(Intent::Dialog(Purpose::StaticFile));
        }
        return;
    }
    let Some(guess) = &view.session.id_guess else {
        return;
    };
    banner(ui, colors::CAUTION, |ui| {
        ui.label(format!("{}.", guess.describe()));
        if ui.button("Train one model over these series").clicked() {
            data.series_column = Some(guess.column.clone());
        }
    });
}

fn banner(ui: &mut egui::Ui, color: egui::Color32, body: impl FnOnce(&mut egui::Ui)) {
    egui::Frame::new()
        .fill(color.gamma_multiply(0.18))
        .stroke(egui::Stroke::new(1.0, color))
        .corner_radius(4.0)
        .inner_margin(6.0)
        .show(ui, |ui| ui.horizontal_wrapped(body));
}

fn series_plot_ui(ui: &mut egui::Ui, view: &PanelView<'_>, height: f32) {
    if view.persisted.config.data.series_column.is_some() {
        ui.weak(
            "The one-series view does not apply to many series: after training, Results \
             lists every series with its scores, small plots and one series in detail.",
        );
        return;
    }
    let Some(inspection) = &view.session.inspection else {
        if view.session.inspect_error.is_none() {
            ui.spinner();
        }
        return;
    };
    let series = inspection.series.clone();
    let Some(target) = series.targets().first() else {
        return;
    };
    let split = inspection.split.clone();
    let window = view.persisted.config.window;
    // One example window: the first test window, else the first validation window, else
    // the last training one.
    let (origin, example) = if !split.test.is_empty() {
        (split.test.start.saturating_sub(1), "the first test window")
    } else if !split.val.is_empty() {
        (
            split.val.start.saturating_sub(1),
            "the first validation window",
        )
    } else {
        (
            split.train.end.saturating_sub(window.horizon + 1),
            "the last training window",
        )
    };
    let width_px = ui.available_width().max(100.0) as usize;
    let drawn_id = egui::Id::unique("series_points_drawn");
    let drawn: usize = ui.data(|d| d.get_temp(drawn_id)).unwrap_or(0);
    ui.weak(format!(
        "{} · {drawn} of {} points drawn (min/max per pixel column) · the shaded window is {example}: lookback {} + horizon {}",
        target.name,
        target.values.len(),
        window.lookback,
        window.horizon
    ));
    let labels = series.clone();
    Plot::new("series")
        .height(height)
        .include_x(0.0)
        .include_x(target.values.len() as f64)
        .legend(Legend::default())
        .x_axis_formatter(move |mark, _| labels.time_label(mark.value.max(0.0).round() as usize))
        .x_grid_spacer(crate::gui::plots::time_grid())
        .label_formatter({
            let series = series.clone();
            move |hover| {
                let (HoverPosition::NearDataPoint { position, .. }
                | HoverPosition::Elsewhere { position }) = hover;
                Some(format!(
                    "{}\n{:.4}",
                    series.time_label(position.x.max(0.0).round() as usize),
                    position.y
                ))
            }
        })
        .show(ui, |plot_ui| {
            for (name, range, color) in [
                ("train", &split.train, colors::TRAIN),
                ("validation", &split.val, colors::VAL),
                ("test", &split.test, colors::TEST),
            ] {
                if !range.is_empty() {
                    plot_ui.span(
                        Span::new(name, range.start as f64..=range.end as f64)
                            .fill(shade(color, 45)),
                    );
                }
            }
            let lookback = origin.saturating_sub(window.lookback) as f64 + 1.0;
            plot_ui.span(
                Span::new(
                    format!("lookback {}", window.lookback),
                    lookback..=origin as f64 + 0.5,
                )
                .fill(shade(colors::TRAIN, 70))
                // The window's labels at the bottom: the split's are at the top, and the
                // window lies inside the split's parts (their labels overlapped).
                .label_align(egui::Align2::CENTER_BOTTOM),
            );
            plot_ui.span(
                Span::new(
                    format!("horizon {}", window.horizon),
                    origin as f64 + 0.5..=(origin + window.horizon) as f64,
                )
                .fill(shade(colors::MODEL, 90))
                .label_align(egui::Align2::CENTER_BOTTOM),
            );
            // Before the plot has bounds of its own (first frame) draw everything, so the
            // automatic bounds cover the whole series; after that only the visible part.
            let bounds = plot_ui.plot_bounds();
            let n = target.values.len() as f64;
            let (lo, hi) = if bounds.is_valid() && bounds.width() > 1.0 {
                (bounds.min()[0], bounds.max()[0])
            } else {
                (0.0, n)
            };
            let points = decimate::min_max(&target.values, lo, hi, width_px);
            plot_ui
                .ctx()
                .data_mut(|d| d.insert_temp(drawn_id, points.len()));
            plot_ui.line(
                Line::new(target.name.clone(), PlotPoints::new(points)).color(colors::ACTUAL),
            );
        });
}

fn preview_ui(ui: &mut egui::Ui, table: &CsvTable) {
    ui.strong(format!("First {} rows", PREVIEW_ROWS.min(table.n_rows)));
    egui::ScrollArea::both()
        .id_salt("preview")
        .auto_shrink([false, true])
        .show(ui, |ui| {
            egui::Grid::new("preview_grid")
                .striped(true)
                .show(ui, |ui| {
                    for column in &table.columns {
                        ui.strong(&column.name);
                    }
                    ui.end_row();
                    for row in table.preview(PREVIEW_ROWS) {
                        for cell in row {
                            ui.label(cell);
                        }
                        ui.end_row();
                    }
                });
        });
}

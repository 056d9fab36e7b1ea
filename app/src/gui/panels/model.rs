//! The window showing a loaded model's forecasts over the open data.

use egui_plot::{Legend, Line, Plot, PlotPoints};
use seqcast_engine::eval::metrics::HorizonMetrics;

use crate::gui::intent::Intent;
use crate::gui::plots::colors;
use crate::gui::state::LoadedModel;

/// Draws the loaded model's window (closing it forgets the model).
pub fn loaded_model_ui(
    ctx: &egui::Context,
    loaded: &mut Option<LoadedModel>,
    intents: &mut Vec<Intent>,
) {
    let Some(model) = loaded.as_ref() else {
        return;
    };
    let mut open = true;
    let p = &model.prediction;
    let horizon = model.config.window.horizon.max(1);
    egui::Window::new("Loaded model")
        .open(&mut open)
        .default_size([620.0, 420.0])
        .show(ctx, |ui| {
            ui.label(format!("{}", model.dir.display()));
            let m = &model.config.model;
            ui.label(format!(
                "{} {}×{} · lookback {} · horizon {} · trained on the columns {}",
                m.cell.name().to_uppercase(),
                m.layers,
                m.hidden,
                model.config.window.lookback,
                horizon,
                model.config.data.targets.join(", ")
            ));
            let windows = p.windows.origins.len();
            for (j, name) in model.config.data.targets.iter().enumerate() {
                if let (Some(actual), Some(predicted)) = (p.windows.actual.get(j), p.windows.model.get(j)) {
                    let m = HorizonMetrics::compute(actual, predicted, horizon, None).overall;
                    ui.label(format!(
                        "{name}: MAE {:.4} · RMSE {:.4} over {windows} complete windows of this file",
                        m.mae, m.rmse
                    ));
                }
            }
            if let (Some(first), Some(last), Some(values)) =
                (p.future.labels.first(), p.future.labels.last(), p.future.values.first())
            {
                let shown: Vec<String> = values.iter().take(6).map(|v| format!("{v:.3}")).collect();
                ui.label(format!("Forecast {first} … {last}: {}{}", shown.join(", "), if values.len() > 6 { ", …" } else { "" }));
            }
            if ui
                .button("Use this model's settings")
                .on_hover_text("Copy its configuration into the panel on the left, to train it again")
                .clicked()
            {
                intents.push(Intent::SetConfig(Box::new(model.config.clone())));
            }
            let series = p.series.clone();
            let labels = series.clone();
            Plot::new("loaded_model_plot")
                .legend(Legend::default())
                .x_axis_formatter(move |mark, _| labels.time_label(mark.value.max(0.0).round() as usize))
                .x_grid_spacer(crate::gui::plots::time_grid())
                .show(ui, |plot| {
                    if let Some(target) = series.targets().first() {
                        let actual: Vec<[f64; 2]> =
                            target.values.iter().enumerate().map(|(i, v)| [i as f64, *v]).collect();
                        plot.line(Line::new("actual", PlotPoints::new(actual)).color(colors::ACTUAL));
                    }
                    if let Some(predicted) = p.windows.model.first() {
                        let one_step: Vec<[f64; 2]> = p
                            .windows
                            .origins
                            .iter()
                            .zip(predicted.iter().step_by(horizon))
                            .map(|(o, v)| [(o + 1) as f64, *v])
                            .collect();
                        plot.line(Line::new("model, one step ahead", PlotPoints::new(one_step)).color(colors::MODEL));
                    }
                });
        });
    if !open {
        *loaded = None;
    }
}

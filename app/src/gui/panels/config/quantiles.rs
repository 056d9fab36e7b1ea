//! The quantile levels of a quantile loss, typed as a list: the config changes only
//! when the text is a valid list, and otherwise the row says what is wrong.

use egui::{Color32, TextEdit, Ui};
use seqcast_engine::config::QuantileLevels;

use super::texts::Field;

/// A grid row editing `levels` as comma-separated text.
pub(super) fn levels_row(ui: &mut Ui, field: Field, levels: &mut QuantileLevels) {
    let label = ui.label(field.name).on_hover_text(field.tip);
    let id = ui.make_persistent_id("seqcast.config.quantile_levels");
    let current = text_of(levels);
    // The text being typed lives in memory until it parses; a config changed elsewhere
    // (a reset, a loaded run) replaces it.
    let (mut text, shown_for) = ui
        .data(|d| d.get_temp::<(String, String)>(id))
        .unwrap_or_else(|| (current.clone(), current.clone()));
    if shown_for != current {
        text = current.clone();
    }
    let error = ui
        .vertical(|ui| {
            let response = ui
                // Wide enough for the five default levels ("0.025, 0.1, 0.5, 0.9, 0.975").
                .add(
                    TextEdit::singleline(&mut text)
                        .desired_width(ui.available_width().clamp(140.0, 190.0)),
                )
                .labelled_by(label.id)
                .on_hover_text(field.tip);
            let parsed = parse(&text);
            if response.changed()
                && let Ok(new) = &parsed
            {
                *levels = *new;
            }
            let error = parsed.err();
            if let Some(e) = &error {
                ui.colored_label(Color32::from_rgb(230, 90, 80), e);
            }
            error
        })
        .inner;
    let shown_for = if error.is_none() {
        text_of(levels)
    } else {
        current
    };
    ui.data_mut(|d| d.insert_temp(id, (text, shown_for)));
    ui.end_row();
}

fn text_of(levels: &QuantileLevels) -> String {
    levels
        .as_slice()
        .iter()
        .map(f64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse(text: &str) -> Result<QuantileLevels, String> {
    let values = text
        .split(',')
        .map(|v| {
            v.trim()
                .parse::<f64>()
                .map_err(|_| format!("'{}' is not a number", v.trim()))
        })
        .collect::<Result<Vec<f64>, String>>()?;
    QuantileLevels::new(&values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_from_text_with_clear_errors() {
        assert_eq!(
            parse("0.1, 0.5,0.9").map(|l| l.as_slice().to_vec()),
            Ok(vec![0.1, 0.5, 0.9])
        );
        assert_eq!(parse("0.1, x").unwrap_err(), "'x' is not a number");
        assert!(parse("0.9, 0.1").unwrap_err().contains("increasing"));
        assert_eq!(
            text_of(&QuantileLevels::default()),
            "0.025, 0.1, 0.5, 0.9, 0.975"
        );
    }
}

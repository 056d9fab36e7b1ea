//! Generic building blocks of the run-configuration panel: collapsing groups, two-column
//! grids, labelled rows (each control named by its visible label, for screen readers and
//! egui_kittest), enum combo boxes, reset buttons, drag values and logarithmic sliders.

use std::mem::discriminant;
use std::ops::RangeInclusive;

use egui::{
    Button, CollapsingHeader, ComboBox, DragValue, Grid, Response, Slider, SliderClamping, Ui,
    Widget, emath::Numeric,
};

use super::texts::{Field, RESET_TIP};

/// A collapsing group, open or closed at first, holding a two-column grid of rows
/// (labels left, controls right).
pub(super) fn group(ui: &mut Ui, title: Field, open: bool, rows: impl FnOnce(&mut Ui)) {
    let id = stable_id(title);
    CollapsingHeader::new(title.name)
        .id_salt(&id)
        .default_open(open)
        .show(ui, |ui| {
            Grid::new(format!("{id}.grid"))
                .num_columns(2)
                .show(ui, rows);
        })
        .header_response
        .on_hover_text(title.tip);
}

/// One grid row: a visible label that names the control, the control (greyed out unless
/// `enabled`), and the same tooltip on both.
pub(super) fn row_if(ui: &mut Ui, enabled: bool, field: Field, widget: impl Widget) -> Response {
    let label = ui.label(field.name).on_hover_text(field.tip);
    let response = ui
        .add_enabled(enabled, widget)
        .labelled_by(label.id)
        .on_hover_text(field.tip)
        .on_disabled_hover_text(field.tip);
    ui.end_row();
    response
}

/// One grid row with an enabled control; see [`row_if`].
pub(super) fn row(ui: &mut Ui, field: Field, widget: impl Widget) -> Response {
    row_if(ui, true, field, widget)
}

/// A grid row with a combo box over an enum's variants. Each choice pairs the value taken
/// when switching to that variant (with playbook values for its parameters) with its label
/// and tooltip; the current variant is matched by discriminant, so its parameters are kept.
pub(super) fn combo<T: Clone>(
    ui: &mut Ui,
    field: Field,
    value: &mut T,
    choices: &[(T, Field)],
) -> Response {
    let label = ui.label(field.name).on_hover_text(field.tip);
    let current = discriminant(&*value);
    let selected_text = choices
        .iter()
        .find(|(choice, _)| discriminant(choice) == current)
        .map_or("", |(_, option)| option.name);
    let mut picked = None;
    let mut response = ComboBox::from_id_salt(stable_id(field))
        .selected_text(selected_text)
        .show_ui(ui, |ui| {
            for (choice, option) in choices {
                let selected = discriminant(choice) == current;
                let item = ui.selectable_label(selected, option.name);
                if item.on_hover_text(option.tip).clicked() && !selected {
                    picked = Some(choice.clone());
                }
            }
        })
        .response;
    if let Some(choice) = picked {
        *value = choice;
        response.mark_changed();
    }
    ui.end_row();
    response.labelled_by(label.id).on_hover_text(field.tip)
}

/// The last row of a group: a "Reset to defaults" button, enabled when the group differs
/// from the defaults. Its accessible name carries the group, as several may be on screen.
pub(super) fn reset_row(ui: &mut Ui, group: Field, differs: bool) -> bool {
    ui.label("");
    let clicked = ui
        .add_enabled(differs, Button::new("Reset to defaults"))
        .accessible_name(format!("Reset to defaults ({})", group.name))
        .on_hover_text(RESET_TIP)
        .clicked();
    ui.end_row();
    clicked
}

/// A drag value that clamps what the user enters but never rewrites a loaded value.
pub(super) fn drag<N: Numeric>(value: &mut N, range: RangeInclusive<N>) -> DragValue<'_> {
    DragValue::new(value)
        .range(range)
        .clamp_existing_to_range(false)
}

/// A logarithmic slider for rates (learning rate, weight decay), shown as e.g. `1e-3`.
pub(super) fn log_slider(value: &mut f64, range: RangeInclusive<f64>) -> Slider<'_> {
    Slider::new(value, range)
        .logarithmic(true)
        .smallest_positive(1e-8)
        .clamping(SliderClamping::Edits)
        .custom_formatter(|v, _| scientific(v))
}

/// The id salt of a group or combo box: derived from its label, unique within the panel.
fn stable_id(field: Field) -> String {
    format!("seqcast.config.{}", field.name)
}

/// `0.001` → `1e-3`, `0.00025` → `2.5e-4`, `1.0` → `1`: five significant digits at most.
fn scientific(v: f64) -> String {
    if v == 0.0 {
        return "0".to_owned();
    }
    let text = format!("{v:.4e}");
    match text.split_once('e') {
        Some((mantissa, exponent)) => {
            let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
            if exponent == "0" {
                mantissa.to_owned()
            } else {
                format!("{mantissa}e{exponent}")
            }
        }
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::scientific;

    #[test]
    fn scientific_notation_is_short() {
        assert_eq!(scientific(1e-3), "1e-3");
        assert_eq!(scientific(2.5e-4), "2.5e-4");
        assert_eq!(scientific(1.0), "1");
        assert_eq!(scientific(0.0), "0");
    }
}

//! The encoder's options for direct and recursive models: a bidirectional encoder
//! (`model.bidirectional`, with what it costs in parameters) and truncated
//! backpropagation through time (`model.tbptt`: a checkbox, the two step counts, and a
//! note when the setting changes nothing because the recurrent window is no longer than
//! the backpropagated steps).

use egui::{Checkbox, Ui};
use seqcast_engine::config::Tbptt;

use super::texts as t;
use super::widgets::{drag, row};

/// The bidirectional checkbox and, when on, what it costs.
pub(super) fn bidirectional_rows(
    ui: &mut Ui,
    bidirectional: &mut bool,
    (layers, hidden): (usize, usize),
) {
    row(ui, t::BIDIRECTIONAL, Checkbox::without_text(bidirectional));
    if *bidirectional {
        ui.label("");
        ui.weak(format!(
            "2 stacks of {layers}×{hidden}: recurrent weights ×2"
        ))
        .on_hover_text(format!(
            "The second stack has as many weights as the first, and the head reads \
                 {} values instead of {hidden}.",
            2 * hidden
        ));
        ui.end_row();
    }
}

/// Where K1 and K2 start when the user turns truncation on: a quarter of the recurrent
/// window backpropagated (at least one step), the rest run forward in chunks as long.
fn starting(recurrent: usize) -> Tbptt {
    let k = (recurrent / 4).max(1);
    Tbptt { k1: k, k2: k }
}

/// The rows editing `tbptt` for a model whose layers read `recurrent` steps.
pub(super) fn tbptt_rows(ui: &mut Ui, tbptt: &mut Option<Tbptt>, recurrent: usize) {
    let mut on = tbptt.is_some();
    if row(ui, t::TBPTT, Checkbox::without_text(&mut on)).changed() {
        *tbptt = on.then(|| starting(recurrent));
    }
    let Some(tb) = tbptt.as_mut() else {
        return;
    };
    row(ui, t::TBPTT_K1, drag(&mut tb.k1, 1..=100_000).speed(1.0));
    row(ui, t::TBPTT_K2, drag(&mut tb.k2, 1..=100_000).speed(1.0));
    ui.label("");
    if tb.k2 >= recurrent {
        ui.weak(format!(
            "K2 ≥ the {recurrent} steps the layers read: full BPTT"
        ));
    } else {
        ui.weak(format!(
            "gradient through the last {} of {recurrent} steps",
            tb.k2
        ));
    }
    ui.end_row();
}

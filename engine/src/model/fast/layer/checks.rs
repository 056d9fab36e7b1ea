//! The shape checks a layer's passes make before they index anything.

use super::{LayerWeights, State};
use crate::config::CellKind;
use crate::error::{EngineError, Result};

/// The time loops read a given state by shape: `[rows, H]`, and the cell state too for
/// the LSTM.
pub(super) fn check_state(w: &LayerWeights, state: &State, rows: usize) -> Result<()> {
    let n = rows * w.hidden;
    let c_ok = w.cell != CellKind::Lstm || state.c.len() == n;
    if state.h.len() == n && c_ok {
        Ok(())
    } else {
        Err(EngineError::FastPath(format!(
            "a state of {} / {} values for {rows} rows of {} {:?} units",
            state.h.len(),
            state.c.len(),
            w.hidden,
            w.cell
        )))
    }
}

/// A recurrent mask covers `[rows, H]`.
pub(super) fn check_mask(w: &LayerWeights, mask: Option<&[f32]>, rows: usize) -> Result<()> {
    match mask {
        Some(m) if m.len() != rows * w.hidden => Err(EngineError::FastPath(format!(
            "a recurrent dropout mask of {} values for {rows} rows of {} units",
            m.len(),
            w.hidden
        ))),
        _ => Ok(()),
    }
}

/// The time loops index the weights by shape: check the lengths once here.
pub(super) fn check_weights(w: &LayerWeights) -> Result<()> {
    let (h, gw) = (w.hidden, w.gate_width());
    let ok = w.w_ih.len() == w.d_in * gw
        && w.w_hh.len() == h * gw
        && w.inp.shape() == Some((w.d_in, gw))
        && w.inp_t.shape() == Some((gw, w.d_in))
        && w.rec.shape() == Some((h, gw))
        && w.rec_t.shape() == Some((gw, h))
        && w.b_ih.len() == gw
        && w.b_hh.len() == gw
        && (w.peep.is_empty() || (w.cell == CellKind::Lstm && w.peep.len() == 3 * h))
        && ((w.ln_ih.is_empty() && w.ln_hh.is_empty())
            || (w.ln_ih.len() == gw && w.ln_hh.len() == gw));
    if ok {
        Ok(())
    } else {
        Err(EngineError::FastPath(format!(
            "layer weights do not match {:?} with {} inputs and {h} units",
            w.cell, w.d_in
        )))
    }
}

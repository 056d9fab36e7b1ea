//! Checked access to a forecast window's inputs, shared by the baselines and the
//! linear AR.

use crate::error::{EngineError, Result};

/// Fails with a [`EngineError::Config`] when `value` is 0.
pub(crate) fn require_positive(value: usize, what: &str) -> Result<()> {
    if value == 0 {
        return Err(EngineError::Config(format!("{what} must be at least 1")));
    }
    Ok(())
}

/// `values[index]`, or an error when it is outside the series or not finite.
pub(crate) fn value_at(values: &[f64], index: usize) -> Result<f64> {
    match values.get(index) {
        Some(v) if v.is_finite() => Ok(*v),
        Some(v) => Err(EngineError::Missing(format!(
            "baseline input: value at index {index} is not finite ({v})"
        ))),
        None => Err(EngineError::TooShort(format!(
            "forecast origin {index} is outside the series ({} values)",
            values.len()
        ))),
    }
}

/// Index of the first input value of the window with origin `origin`, or an error when
/// the series does not hold `lookback` values up to the origin.
pub(crate) fn input_start(values: &[f64], origin: usize, lookback: usize) -> Result<usize> {
    if origin >= values.len() {
        return Err(EngineError::TooShort(format!(
            "forecast origin {origin} is outside the series ({} values)",
            values.len()
        )));
    }
    // origin < values.len() <= isize::MAX, so origin + 1 cannot overflow.
    (origin + 1).checked_sub(lookback).ok_or_else(|| {
        EngineError::TooShort(format!(
            "forecast origin {origin} has only {} values up to it, the lookback is {lookback}",
            origin + 1
        ))
    })
}

//! A long table's time axis: the step most series follow, and each series' rows placed
//! on that grid (a step without a row becomes a missing value), bounded before anything
//! is allocated.

use std::collections::BTreeMap;

use super::PanelTime;
use crate::data::time::{Frequency, format_time, infer_frequency};
use crate::error::{EngineError, Result};

/// One long-format series' rows: (time, row of the table).
pub type Points = Vec<(i64, usize)>;

/// The step of a panel's time axis: the step most series have (each inferred from its
/// own times, as for one series).
pub fn panel_frequency(series: &[(String, Points)], column: &str) -> Result<Frequency> {
    // Ordered, so that a tie goes the same way every time.
    let mut votes: BTreeMap<Frequency, usize> = BTreeMap::new();
    for (_, points) in series {
        // A few hundred steps of a series are plenty to infer its step from.
        let ts: Vec<i64> = points.iter().take(256).map(|p| p.0).collect();
        if let Some(f) = infer_frequency(&ts) {
            *votes.entry(f).or_default() += 1;
        }
    }
    votes
        .into_iter()
        .max_by_key(|&(_, n)| n)
        .map(|(f, _)| f)
        .ok_or_else(|| {
            EngineError::Time(format!(
                "column '{column}': no series has two different times, so the step between \
                 rows is unknown"
            ))
        })
}

/// The row of one series at every step of `frequency` from its first time to its last
/// (`None`: a step without a row, a missing value filled later like an empty cell), and
/// how many steps had no row. A time off the grid, or a grid more than
/// [`MAX_GRID_FACTOR`] times the rows, is an error naming the series, found before the
/// grid is allocated.
pub fn on_grid(
    key: &str,
    points: &[(i64, usize)],
    axis: &PanelTime,
) -> Result<(Vec<Option<usize>>, usize)> {
    let frequency = axis.frequency;
    let Some(&(first, _)) = points.first() else {
        return Ok((Vec::new(), 0));
    };
    let limit = MAX_GRID_FACTOR.saturating_mul(points.len());
    let mut grid: Vec<Option<usize>> = Vec::with_capacity(points.len());
    let mut inserted = 0;
    let mut prev = first;
    for (i, &(t, row)) in points.iter().enumerate() {
        if i > 0 {
            let gap = usize::try_from(frequency.missing_steps(prev, t)).unwrap_or(usize::MAX);
            if gap.saturating_add(grid.len()) >= limit {
                return Err(EngineError::Time(format!(
                    "series '{key}': its times up to {} span more than {limit} steps ({}) for \
                     {} rows; the series does not follow the panel's step",
                    format_time(t, &axis.format),
                    frequency.label(),
                    points.len()
                )));
            }
            let steps = i64::try_from(gap).unwrap_or(i64::MAX).saturating_add(1);
            if frequency.advance(prev, steps) != t {
                return Err(EngineError::Time(format!(
                    "series '{key}': {} is not a whole number of steps ({}) after {}",
                    format_time(t, &axis.format),
                    frequency.label(),
                    format_time(prev, &axis.format)
                )));
            }
            grid.extend(std::iter::repeat_n(None, gap));
            inserted += gap;
        }
        grid.push(Some(row));
        prev = t;
    }
    Ok((grid, inserted))
}

/// A series' grid may hold at most this many steps per row it has (the rest missing).
const MAX_GRID_FACTOR: usize = 5;

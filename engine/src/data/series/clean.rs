//! Cleaning the chosen rows: time order, duplicate timestamps, missing values, gaps.

use crate::config::{DuplicatePolicy, MissingPolicy};
use crate::data::time::{Frequency, TimeFormat, format_time};
use crate::error::{EngineError, Result};

use super::report::{DuplicateReport, GapReport, MissingReport};

/// Examples kept for duplicates and gaps.
const EXAMPLES: usize = 3;
/// Row numbers kept per column with missing values.
const FIRST_ROWS: usize = 5;

/// The chosen columns row by row, with each row's timestamp and original data row.
pub(super) struct Rows {
    /// 0-based data row in the file of each row (the first row of a merged group).
    pub(super) orig: Vec<usize>,
    /// Timestamps; empty for an index axis.
    pub(super) stamps: Vec<i64>,
    /// One vector per chosen column; NaN marks a missing value.
    pub(super) values: Vec<Vec<f64>>,
    /// Rows removed by the `drop` missing policy.
    pub(super) rows_dropped: usize,
    /// Rows left out for lack of a timestamp.
    pub(super) unstamped: usize,
    /// The first of those (0-based data row).
    pub(super) first_unstamped: Option<usize>,
}

/// Keeps the entries of `v` where `keep` is true.
fn retain_by<T: Copy>(v: &[T], keep: &[bool]) -> Vec<T> {
    v.iter()
        .zip(keep)
        .filter_map(|(x, k)| k.then_some(*x))
        .collect()
}

/// Reorders `v` by `perm`.
fn permute<T: Copy>(v: &[T], perm: &[usize]) -> Vec<T> {
    perm.iter().filter_map(|&i| v.get(i).copied()).collect()
}

impl Rows {
    /// All `n` rows; with timestamps, rows whose timestamp is missing are left out.
    pub(super) fn new(n: usize, values: Vec<Vec<f64>>, stamps: Option<&[Option<i64>]>) -> Self {
        let mut rows = Self {
            orig: (0..n).collect(),
            stamps: Vec::new(),
            values,
            rows_dropped: 0,
            unstamped: 0,
            first_unstamped: None,
        };
        if let Some(stamps) = stamps {
            let keep: Vec<bool> = stamps.iter().map(Option::is_some).collect();
            rows.first_unstamped = keep.iter().position(|k| !k);
            if rows.first_unstamped.is_some() {
                rows.retain(&keep);
            }
            rows.stamps = stamps.iter().flatten().copied().collect();
            rows.unstamped = n.saturating_sub(rows.stamps.len());
        }
        rows
    }

    /// Number of rows.
    pub(super) fn len(&self) -> usize {
        self.orig.len()
    }

    fn retain(&mut self, keep: &[bool]) {
        self.orig = retain_by(&self.orig, keep);
        if !self.stamps.is_empty() {
            self.stamps = retain_by(&self.stamps, keep);
        }
        for col in &mut self.values {
            *col = retain_by(col, keep);
        }
    }

    /// Sorts rows by timestamp (stable); true when they were out of order.
    pub(super) fn sort_by_time(&mut self) -> bool {
        if self.stamps.is_sorted() {
            return false;
        }
        let mut perm: Vec<usize> = (0..self.stamps.len()).collect();
        perm.sort_by_key(|&i| self.stamps.get(i).copied().unwrap_or(i64::MAX));
        self.stamps = permute(&self.stamps, &perm);
        self.orig = permute(&self.orig, &perm);
        for col in &mut self.values {
            *col = permute(col, &perm);
        }
        true
    }

    /// Merges rows sharing a timestamp (rows must be sorted) as the policy says.
    pub(super) fn merge_duplicates(
        &mut self,
        policy: DuplicatePolicy,
        format: Option<&TimeFormat>,
    ) -> Result<DuplicateReport> {
        let mut report = DuplicateReport {
            policy,
            ..DuplicateReport::default()
        };
        let Some(format) = format else {
            return Ok(report);
        };
        // Runs of equal timestamps as (start, end) index ranges.
        let mut groups: Vec<(usize, usize)> = Vec::new();
        let mut start = 0;
        for i in 1..=self.stamps.len() {
            if i == self.stamps.len() || self.stamps.get(i) != self.stamps.get(start) {
                groups.push((start, i));
                start = i;
            }
        }
        for &(a, b) in groups.iter().filter(|(a, b)| b - a > 1) {
            report.count += b - a - 1;
            if report.examples.len() < EXAMPLES
                && let Some(ts) = self.stamps.get(a)
            {
                report
                    .examples
                    .push(format!("{} ({} rows)", format_time(*ts, format), b - a));
            }
        }
        if report.count == 0 {
            return Ok(report);
        }
        if policy == DuplicatePolicy::Refuse {
            return Err(EngineError::Time(format!(
                "{} rows repeat an earlier timestamp (e.g. {}); choose a duplicate policy: \
                 first, last or mean",
                report.count,
                report.examples.join(", ")
            )));
        }
        let pick = |(a, b): (usize, usize)| match policy {
            DuplicatePolicy::Last => b - 1,
            _ => a,
        };
        let chosen: Vec<usize> = groups.iter().map(|&g| pick(g)).collect();
        let firsts: Vec<usize> = groups.iter().map(|&(a, _)| a).collect();
        self.orig = permute(&self.orig, &firsts);
        self.stamps = permute(&self.stamps, &firsts);
        for col in &mut self.values {
            *col = if policy == DuplicatePolicy::Mean {
                groups
                    .iter()
                    .map(|&(a, b)| mean_present(col.get(a..b).unwrap_or(&[])))
                    .collect()
            } else {
                permute(col, &chosen)
            };
        }
        Ok(report)
    }

    /// Counts missing values per column and applies the policy.
    pub(super) fn handle_missing(
        &mut self,
        names: &[String],
        policy: MissingPolicy,
    ) -> Result<Vec<MissingReport>> {
        let mut reports = Vec::new();
        for (name, col) in names.iter().zip(&self.values) {
            let count = col.iter().filter(|v| v.is_nan()).count();
            if count > 0 {
                let first_rows = col
                    .iter()
                    .zip(&self.orig)
                    .filter(|(v, _)| v.is_nan())
                    .take(FIRST_ROWS)
                    .map(|(_, r)| r + 1)
                    .collect();
                reports.push(MissingReport {
                    column: name.clone(),
                    count,
                    first_rows,
                    filled: 0,
                });
            }
        }
        if reports.is_empty() {
            return Ok(reports);
        }
        match policy {
            MissingPolicy::Refuse => {
                let what: Vec<String> = reports
                    .iter()
                    .map(|r| {
                        let rows: Vec<String> = r.first_rows.iter().map(usize::to_string).collect();
                        format!(
                            "'{}' has {} missing values (first at rows {})",
                            r.column,
                            r.count,
                            rows.join(", ")
                        )
                    })
                    .collect();
                return Err(EngineError::Missing(format!(
                    "{}; the missing-value policy is refuse: choose drop, forward_fill or \
                     interpolate",
                    what.join("; ")
                )));
            }
            MissingPolicy::Drop => {
                let keep: Vec<bool> = (0..self.len())
                    .map(|i| {
                        self.values
                            .iter()
                            .all(|c| c.get(i).is_some_and(|v| !v.is_nan()))
                    })
                    .collect();
                let before = self.len();
                self.retain(&keep);
                self.rows_dropped = before - self.len();
            }
            MissingPolicy::ForwardFill | MissingPolicy::Interpolate => {
                for (name, col) in names.iter().zip(&mut self.values) {
                    let filled = if policy == MissingPolicy::ForwardFill {
                        forward_fill(col)
                    } else {
                        interpolate(col)
                    };
                    if let Some(r) = reports.iter_mut().find(|r| &r.column == name) {
                        r.filled = filled;
                    }
                }
            }
        }
        Ok(reports)
    }
}

/// Mean of the non-missing values (NaN when there are none).
fn mean_present(values: &[f64]) -> f64 {
    let (sum, n) = values
        .iter()
        .filter(|v| !v.is_nan())
        .fold((0.0, 0_u32), |(s, n), v| (s + v, n + 1));
    if n == 0 { f64::NAN } else { sum / f64::from(n) }
}

/// Repeats the last valid value; a leading gap takes the first valid value. Returns the
/// number of cells filled.
pub(super) fn forward_fill(col: &mut [f64]) -> usize {
    let Some(first) = col.iter().copied().find(|v| !v.is_nan()) else {
        return 0;
    };
    let mut last = first;
    let mut filled = 0;
    for v in col.iter_mut() {
        if v.is_nan() {
            *v = last;
            filled += 1;
        } else {
            last = *v;
        }
    }
    filled
}

/// Straight line between neighbouring valid values (by row position); edges take the
/// nearest valid value. Returns the number of cells filled.
pub(super) fn interpolate(col: &mut [f64]) -> usize {
    let mut filled = 0;
    let mut prev: Option<(usize, f64)> = None;
    let mut i = 0;
    while i < col.len() {
        let v = col.get(i).copied().unwrap_or(f64::NAN);
        if !v.is_nan() {
            prev = Some((i, v));
            i += 1;
            continue;
        }
        // A run of missing values from i up to the next valid value (or the end).
        let end = (i..col.len())
            .find(|&j| col.get(j).is_some_and(|v| !v.is_nan()))
            .unwrap_or(col.len());
        let next = col.get(end).copied().map(|v| (end, v));
        for (j, cell) in col.iter_mut().enumerate().take(end).skip(i) {
            *cell = match (prev, next) {
                // Positions are small integers: the conversion is exact enough.
                (Some((a, va)), Some((b, vb))) => va + (vb - va) * (j - a) as f64 / (b - a) as f64,
                (Some((_, va)), None) => va,
                (None, Some((_, vb))) => vb,
                (None, None) => f64::NAN,
            };
            filled += 1;
        }
        i = end;
    }
    filled
}

/// Gaps larger than one step on a sorted axis, reported with examples; intervals that are
/// not a whole number of steps are counted in a note.
pub(super) fn gaps(
    stamps: &[i64],
    frequency: Option<Frequency>,
    format: &TimeFormat,
    notes: &mut Vec<String>,
) -> GapReport {
    let mut report = GapReport::default();
    let Some(freq) = frequency else {
        return report;
    };
    let mut irregular = 0;
    for pair in stamps.windows(2) {
        let [a, b] = pair else { continue };
        let missing = freq.missing_steps(*a, *b);
        let whole = i64::try_from(missing).map_or(i64::MAX, |m| m.saturating_add(1));
        if freq.advance(*a, whole) != *b {
            irregular += 1;
        }
        if missing == 0 {
            continue;
        }
        report.count += 1;
        report.missing_steps = report.missing_steps.saturating_add(missing);
        if report.examples.len() < EXAMPLES {
            report.examples.push(format!(
                "{} -> {} ({missing} step{} missing)",
                format_time(*a, format),
                format_time(*b, format),
                if missing == 1 { "" } else { "s" }
            ));
        }
    }
    if irregular > 0 {
        let (what, verb) = if irregular == 1 {
            ("1 interval".to_string(), "is")
        } else {
            (format!("{irregular} intervals"), "are")
        };
        notes.push(format!(
            "{what} {verb} not a whole number of {} steps (irregular spacing)",
            freq.label()
        ));
    }
    report
}

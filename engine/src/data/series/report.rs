//! What loading found and did, for the command line, the GUI and saved runs.

use serde::{Deserialize, Serialize};

use crate::config::{DuplicatePolicy, MissingPolicy};
use crate::data::time::TimeFormat;
use crate::text::count;

/// Rows that shared a timestamp.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateReport {
    /// Rows that repeat an earlier row's timestamp (rows removed by merging).
    pub count: usize,
    /// Up to three repeated timestamps, formatted, with how many rows share each.
    pub examples: Vec<String>,
    /// The policy applied.
    pub policy: DuplicatePolicy,
}

/// Steps missing from the time axis (reported, not filled).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GapReport {
    /// Intervals longer than one step.
    pub count: usize,
    /// Steps missing in all those intervals together.
    pub missing_steps: u64,
    /// Up to three gaps, like `2016-07-02 05:00:00 → 2016-07-02 09:00:00 (3 steps missing)`.
    pub examples: Vec<String>,
}

/// Missing values of one chosen column (only columns that had some are listed).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingReport {
    /// Column name.
    pub column: String,
    /// Missing cells (after sorting and merging duplicates).
    pub count: usize,
    /// Up to five 1-based data rows of the file where values were missing.
    pub first_rows: Vec<usize>,
    /// Cells filled by forward fill or interpolation (0 under `drop`).
    pub filled: usize,
}

/// Everything found and done while turning the table into a series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoadReport {
    /// File name.
    pub source: String,
    /// Data rows in the file.
    pub rows_read: usize,
    /// Rows in the series.
    pub rows_used: usize,
    /// Text encoding found.
    pub encoding: String,
    /// Field delimiter found.
    pub delimiter: char,
    /// Whether the first line was a header.
    pub has_header: bool,
    /// Time column (`year+month+day+hour` when composed); `None` for a row index.
    pub time_column: Option<String>,
    /// How the time column is written.
    pub time_format: Option<TimeFormat>,
    /// Frequency label ("hourly", "monthly", …); `None` when unknown or no time.
    pub frequency: Option<String>,
    /// Target columns.
    pub targets: Vec<String>,
    /// Covariate columns.
    pub covariates: Vec<String>,
    /// Rows were not in time order and have been sorted.
    pub reordered: bool,
    /// Duplicate timestamps.
    pub duplicates: DuplicateReport,
    /// Gaps in the time axis.
    pub gaps: GapReport,
    /// Missing values per chosen column.
    pub missing: Vec<MissingReport>,
    /// The missing-value policy applied.
    pub missing_policy: MissingPolicy,
    /// Rows removed by the `drop` policy.
    pub rows_dropped: usize,
    /// Cells filled by forward fill or interpolation.
    pub cells_filled: usize,
    /// Anything else worth knowing.
    pub notes: Vec<String>,
}

impl LoadReport {
    /// Human-readable lines, one fact each.
    pub fn summary_lines(&self) -> Vec<String> {
        let delimiter = match self.delimiter {
            '\t' => "tab".to_string(),
            c => format!("'{c}'"),
        };
        let header = if self.has_header {
            "header"
        } else {
            "no header"
        };
        let mut lines = vec![format!(
            "{}: {} read, {} used ({}, delimiter {delimiter}, {header})",
            self.source,
            count(self.rows_read, "row"),
            self.rows_used,
            self.encoding
        )];
        lines.push(match (&self.time_column, &self.time_format) {
            (Some(column), Some(format)) => format!(
                "time: '{column}' ({}), {}",
                format.pattern(),
                self.frequency.as_deref().unwrap_or("frequency unknown")
            ),
            _ => "time: none found, rows are numbered".to_string(),
        });
        let covariates = if self.covariates.is_empty() {
            "none".to_string()
        } else {
            self.covariates.join(", ")
        };
        lines.push(format!(
            "targets: {}; covariates: {covariates}",
            self.targets.join(", ")
        ));
        if self.reordered {
            lines.push("rows were not in time order: sorted by time".into());
        }
        let d = &self.duplicates;
        if d.count > 0 {
            let action = match d.policy {
                DuplicatePolicy::First => "kept the first row of each",
                DuplicatePolicy::Last => "kept the last row of each",
                DuplicatePolicy::Mean => "averaged the rows of each",
                DuplicatePolicy::Refuse => "refused",
            };
            lines.push(format!(
                "duplicates: {} repeat an earlier timestamp (e.g. {}); {action}",
                count(d.count, "row"),
                d.examples.join(", ")
            ));
        }
        let g = &self.gaps;
        if g.count > 0 {
            lines.push(format!(
                "gaps: {}, {} in all (e.g. {}); not filled",
                count(g.count, "gap"),
                count(g.missing_steps, "missing step"),
                g.examples.join("; ")
            ));
        }
        for m in &self.missing {
            let rows: Vec<String> = m.first_rows.iter().map(usize::to_string).collect();
            let action = match self.missing_policy {
                MissingPolicy::Drop => "rows dropped".to_string(),
                MissingPolicy::ForwardFill => format!("{} forward-filled", m.filled),
                MissingPolicy::Interpolate => format!("{} interpolated", m.filled),
                MissingPolicy::Refuse => "refused".to_string(),
            };
            lines.push(format!(
                "missing: '{}' {} (first at rows {}); {action}",
                m.column,
                count(m.count, "cell"),
                rows.join(", ")
            ));
        }
        if self.rows_dropped > 0 {
            lines.push(format!(
                "{} with missing values dropped",
                count(self.rows_dropped, "row")
            ));
        }
        lines.extend(self.notes.iter().map(|n| format!("note: {n}")));
        lines
    }
}

//! Chosen columns of a [`CsvTable`] → a clean numeric [`Series`] on a time axis, and a
//! [`LoadReport`] saying everything that was found and done on the way.
//!
//! Order of work in [`build_series`]: find the time axis, choose targets and covariates,
//! parse their cells (errors name row, file line and value), drop rows without a
//! timestamp, sort by time, merge duplicate timestamps, handle missing values, then infer
//! the frequency and report gaps (gaps are reported, never filled).

use serde::{Deserialize, Serialize};

use crate::config::{CalendarFeature, DataConfig};
use crate::error::{EngineError, Result};

use super::table::CsvTable;
use super::time::{Frequency, TimeFormat, format_time, infer_frequency};

mod clean;
mod columns;
mod future;
mod report;

pub use report::{DuplicateReport, GapReport, LoadReport, MissingReport};

/// One numeric column, every value finite.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeriesColumn {
    /// Column name from the file.
    pub name: String,
    /// Values in time order.
    pub values: Vec<f64>,
}

/// The time axis of a series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TimeAxis {
    /// No time column: rows are numbered 0, 1, 2, ….
    Index,
    /// Sorted, unique timestamps.
    Timestamps {
        /// The time column (`year+month+day+hour` when composed from parts).
        column: String,
        /// How the file writes them (labels are written the same way).
        format: TimeFormat,
        /// Seconds since 1970-01-01 (naive UTC), strictly increasing.
        values: Vec<i64>,
        /// The inferred step, `None` when it could not be inferred.
        frequency: Option<Frequency>,
    },
}

impl TimeAxis {
    /// The inferred step (`None` for an index axis or an irregular one).
    pub fn frequency(&self) -> Option<Frequency> {
        match self {
            Self::Timestamps { frequency, .. } => *frequency,
            Self::Index => None,
        }
    }
}

/// A clean series ready for splitting and windowing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// File name.
    pub source: String,
    /// Time axis.
    pub time: TimeAxis,
    /// Targets first (in config order), then covariates; all the same length.
    pub columns: Vec<SeriesColumn>,
    /// How many of `columns` are targets.
    pub n_targets: usize,
    /// The user's covariates whose future values are known (`data.future_covariates`);
    /// with the calendar columns, [`Series::known_ahead`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub future_covariates: Vec<String>,
    /// The calendar features generated (their columns come last).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calendar: Vec<CalendarFeature>,
    /// The user's known-in-advance covariates after the last row (`data.future_file`):
    /// per column of `future_covariates`, the values of the steps after the end, as
    /// many consecutive steps as the file gives.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ahead: Vec<Vec<f64>>,
}

impl Series {
    /// Number of time steps.
    pub fn len(&self) -> usize {
        match &self.time {
            TimeAxis::Timestamps { values, .. } => values.len(),
            TimeAxis::Index => self.columns.first().map_or(0, |c| c.values.len()),
        }
    }

    /// True when there are no time steps.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The target columns.
    pub fn targets(&self) -> &[SeriesColumn] {
        self.columns.get(..self.n_targets).unwrap_or(&self.columns)
    }

    /// The covariate columns.
    pub fn covariates(&self) -> &[SeriesColumn] {
        self.columns.get(self.n_targets..).unwrap_or(&[])
    }

    /// The column with this name.
    pub fn column(&self, name: &str) -> Option<&SeriesColumn> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The inferred frequency (`None` for an index axis or an irregular one).
    pub fn frequency(&self) -> Option<Frequency> {
        self.time.frequency()
    }

    /// The seasonal period implied by the frequency (hourly 24, monthly 12, …).
    pub fn season(&self) -> Option<usize> {
        self.frequency().and_then(Frequency::season)
    }

    /// Label of step `i`: its timestamp in the file's format, or `i` on an index axis.
    /// Steps past the end are extrapolated with the frequency when it is known.
    pub fn time_label(&self, i: usize) -> String {
        match &self.time {
            TimeAxis::Index => i.to_string(),
            TimeAxis::Timestamps {
                format,
                values,
                frequency,
                ..
            } => match (values.get(i), values.last(), frequency) {
                (Some(ts), _, _) => format_time(*ts, format),
                (None, Some(last), Some(freq)) => {
                    let ahead =
                        i64::try_from((i - values.len()).saturating_add(1)).unwrap_or(i64::MAX);
                    format_time(freq.advance(*last, ahead), format)
                }
                _ => format!("#{i}"),
            },
        }
    }

    /// Labels of the `k` steps after the last one (`n`, `n+1`, … on an index axis).
    /// An error when the axis has timestamps but no known frequency.
    pub fn future_labels(&self, k: usize) -> Result<Vec<String>> {
        match &self.time {
            TimeAxis::Index => Ok((self.len()..self.len().saturating_add(k))
                .map(|i| i.to_string())
                .collect()),
            TimeAxis::Timestamps {
                column,
                format,
                values,
                frequency,
            } => {
                let (Some(last), Some(freq)) = (values.last(), frequency) else {
                    return Err(EngineError::Time(format!(
                        "the frequency of '{column}' is unknown (irregular timestamps or fewer \
                         than two), so future timestamps cannot be labelled"
                    )));
                };
                Ok((1..=k)
                    .map(|s| {
                        let s = i64::try_from(s).unwrap_or(i64::MAX);
                        format_time(freq.advance(*last, s), format)
                    })
                    .collect())
            }
        }
    }
}

/// Builds the series chosen by `config` from a parsed table, cleaning it as configured.
pub fn build_series(table: &CsvTable, config: &DataConfig) -> Result<(Series, LoadReport)> {
    let mut notes = Vec::new();
    let time = columns::resolve_time(table, config, &mut notes)?;
    let chosen = columns::choose(table, config, &time, &mut notes)?;
    let mut values = Vec::with_capacity(chosen.names.len());
    for name in &chosen.names {
        let column = table.column(name)?;
        if let Some(style) = column.number_style {
            notes.push(format!("column '{name}' is written with {style}"));
        }
        values.push(columns::parse_values(table, column)?);
    }

    let mut rows = clean::Rows::new(table.n_rows, values, time.stamps());
    let no_stamp = rows.unstamped;
    if no_stamp > 0 {
        let first = rows.first_unstamped.map_or(0, |r| r + 1);
        notes.push(if no_stamp == 1 {
            format!("1 row without a timestamp was left out (row {first})")
        } else {
            format!("{no_stamp} rows without a timestamp were left out (first at row {first})")
        });
    }
    let reordered = rows.sort_by_time();
    let duplicates = rows.merge_duplicates(config.duplicates, time.format())?;
    let missing = rows.handle_missing(&chosen.names, config.missing)?;
    let rows_dropped = rows.rows_dropped;
    let cells_filled = missing.iter().map(|m| m.filled).sum();
    if rows.len() == 0 {
        return Err(EngineError::Missing(format!(
            "no rows of {} are left once rows with missing values are dropped",
            table.source
        )));
    }

    let (axis, gaps, frequency_label) = match &time {
        columns::TimeSource::Index => (TimeAxis::Index, GapReport::default(), None),
        columns::TimeSource::Stamps { column, format, .. } => {
            let frequency = infer_frequency(&rows.stamps);
            let gaps = clean::gaps(&rows.stamps, frequency, format, &mut notes);
            if frequency.is_none() {
                notes.push(format!(
                    "the frequency of '{column}' could not be inferred; future timestamps are unknown"
                ));
            }
            let axis = TimeAxis::Timestamps {
                column: column.clone(),
                format: format.clone(),
                values: std::mem::take(&mut rows.stamps),
                frequency,
            };
            (axis, gaps, frequency.map(Frequency::label))
        }
    };

    let rows_used = rows.len();
    let mut columns: Vec<SeriesColumn> = chosen
        .names
        .iter()
        .zip(rows.values)
        .map(|(name, values)| SeriesColumn {
            name: name.clone(),
            values,
        })
        .collect();
    let span = match &axis {
        TimeAxis::Timestamps { values, .. } => match (values.first(), values.last()) {
            (Some(first), Some(last)) => last.saturating_sub(*first),
            _ => 0,
        },
        TimeAxis::Index => 0,
    };
    let calendar = super::calendar::resolve(&config.calendar, axis.frequency(), span)?;
    for f in &calendar {
        if !super::calendar::repeats(*f, span) {
            notes.push(format!(
                "calendar feature '{}': the data covers less than two of its cycles, so it \
                 can tell the training rows apart rather than describe a season",
                f.name()
            ));
        }
    }
    if let TimeAxis::Timestamps { values, .. } = &axis {
        let names = super::calendar::column_names(&calendar);
        let generated = super::calendar::values(&calendar, values);
        columns.extend(
            names
                .into_iter()
                .zip(generated)
                .map(|(name, values)| SeriesColumn { name, values }),
        );
    }
    let auto = matches!(config.calendar, crate::config::CalendarSpec::Auto);
    if !calendar.is_empty() {
        notes.push(format!(
            "calendar features{}: {} (sine/cosine, {} harmonics each: {} columns known for \
             every future step)",
            if auto { " (auto)" } else { "" },
            calendar
                .iter()
                .map(|f| f.name())
                .collect::<Vec<_>>()
                .join(", "),
            crate::config::CALENDAR_HARMONICS,
            super::calendar::column_names(&calendar).len()
        ));
    } else if auto {
        notes.push("calendar features (auto): none for this time axis".to_string());
    }

    let report = LoadReport {
        source: table.source.clone(),
        rows_read: table.n_rows,
        rows_used,
        encoding: table.encoding.clone(),
        delimiter: table.delimiter,
        has_header: table.has_header,
        time_column: time.column().map(str::to_string),
        time_format: time.format().cloned(),
        frequency: frequency_label,
        targets: chosen.names.get(..chosen.n_targets).unwrap_or(&[]).to_vec(),
        covariates: chosen.names.get(chosen.n_targets..).unwrap_or(&[]).to_vec(),
        reordered,
        duplicates,
        gaps,
        missing,
        missing_policy: config.missing,
        rows_dropped,
        cells_filled,
        notes,
    };
    let series = Series {
        source: table.source.clone(),
        time: axis,
        columns,
        n_targets: chosen.n_targets,
        future_covariates: config.future_covariates.clone(),
        calendar,
        ahead: Vec::new(),
    };
    Ok((series, report))
}

#[cfg(test)]
mod tests;

//! Which columns make the time axis, the targets and the covariates, and parsing their
//! cells into numbers.

use crate::config::DataConfig;
use crate::data::table::{Cells, ColumnKind, CsvTable, RawColumn, is_missing};
use crate::data::time::{
    DATE_FORMAT_PATTERNS, TimeFormat, date_order_note, detect_format, first_bad_cell,
    format_from_pattern, looks_like_time, name_hints_time, parse_time, ts_from_parts,
};
use crate::error::{EngineError, Result};

/// Formats tried on a time column, for error messages.
const KNOWN_FORMATS: &str = "YYYY-MM-DD[ HH:MM[:SS]], YYYY-MM, M/D/YYYY[ H:MM[:SS]], \
     D/M/YYYY (or D.M.YYYY, D-M-YYYY), YYYY/MM/DD[ HH:MM[:SS]], or YYYYMMDD and Unix seconds \
     in a column whose name says time or date";

/// Where the timestamps come from.
pub(super) enum TimeSource {
    /// No time column.
    Index,
    /// One time column, or one composed from year / month / day (/ hour) parts.
    Stamps {
        /// Column name (parts joined with `+`).
        column: String,
        /// Output format.
        format: TimeFormat,
        /// The file columns used for time.
        parts: Vec<String>,
        /// One timestamp per data row; `None` where the cell(s) are missing.
        stamps: Vec<Option<i64>>,
    },
}

impl TimeSource {
    pub(super) fn stamps(&self) -> Option<&[Option<i64>]> {
        match self {
            Self::Index => None,
            Self::Stamps { stamps, .. } => Some(stamps),
        }
    }
    pub(super) fn format(&self) -> Option<&TimeFormat> {
        match self {
            Self::Index => None,
            Self::Stamps { format, .. } => Some(format),
        }
    }
    pub(super) fn column(&self) -> Option<&str> {
        match self {
            Self::Index => None,
            Self::Stamps { column, .. } => Some(column),
        }
    }
    fn parts(&self) -> &[String] {
        match self {
            Self::Index => &[],
            Self::Stamps { parts, .. } => parts,
        }
    }
}

/// Timestamps of a single column in a known format.
fn stamps_of(col: &RawColumn, format: TimeFormat) -> TimeSource {
    let stamps = col
        .cells
        .iter()
        .map(|c| {
            c.filter(|c| !is_missing(c))
                .and_then(|c| parse_time(c, &format))
        })
        .collect();
    TimeSource::Stamps {
        column: col.name.clone(),
        format,
        parts: vec![col.name.clone()],
        stamps,
    }
}

/// The configured time column, else the first time column, else year/month/day(/hour)
/// columns, else the row index. With `data.date_format` the time column is read in that
/// format (the configured column, else the first whose every value is written so).
pub(super) fn resolve_time(
    table: &CsvTable,
    config: &DataConfig,
    notes: &mut Vec<String>,
) -> Result<TimeSource> {
    let forced = config
        .date_format
        .as_deref()
        .map(forced_format)
        .transpose()?;
    if let Some(name) = &config.time_column {
        let col = table.column(name)?;
        if let Some(format) = forced {
            return forced_stamps(table, col, format);
        }
        let format = match &col.kind {
            ColumnKind::Time(format) => Some(format.clone()),
            _ => detect_format(name, &col.cells),
        };
        return match format {
            Some(format) => Ok(detected_stamps(col, format, notes)),
            None => Err(match first_bad_cell(name, &col.cells) {
                Some((row, value)) => EngineError::Time(format!(
                    "time column '{name}', row {} (line {} of the file): '{value}' is not a \
                     date or time in a known format ({KNOWN_FORMATS})",
                    row + 1,
                    table.file_line(row)
                )),
                None => EngineError::Time(format!("time column '{name}' has no values")),
            }),
        };
    }
    if let Some(format) = forced {
        let written_so = |c: &&RawColumn| {
            c.missing < c.cells.len()
                && present_cells(c).all(|(_, cell)| parse_time(cell, &format).is_some())
        };
        // Else the detected time column, so the message names its first odd cell.
        let detected = || {
            table
                .columns
                .iter()
                .find(|c| matches!(c.kind, ColumnKind::Time(_)))
        };
        return match table.columns.iter().find(written_so).or_else(detected) {
            Some(col) => forced_stamps(table, col, format),
            None => Err(EngineError::Time(format!(
                "no column has all its dates written as {} (data.date_format); name the time \
                 column to see the first value that is not",
                format.pattern()
            ))),
        };
    }
    if let Some(col) = table
        .columns
        .iter()
        .find(|c| matches!(c.kind, ColumnKind::Time(_)))
        && let ColumnKind::Time(format) = &col.kind
    {
        return Ok(detected_stamps(col, format.clone(), notes));
    }
    if let Some(source) = composite(table, notes)? {
        return Ok(source);
    }
    if let Some(why) = undetected_time_column(table) {
        notes.push(format!(
            "{why}; rows are numbered instead (name it as the time column to see every error)"
        ));
    }
    Ok(TimeSource::Index)
}

/// The format `data.date_format` names, or a configuration error listing the patterns.
fn forced_format(pattern: &str) -> Result<TimeFormat> {
    format_from_pattern(pattern).ok_or_else(|| {
        EngineError::Config(format!(
            "data.date_format '{pattern}' is not a date format seqcast reads; use one of \
             {DATE_FORMAT_PATTERNS}"
        ))
    })
}

/// Non-missing cells with their 0-based rows.
fn present_cells(col: &RawColumn) -> impl Iterator<Item = (usize, &str)> {
    col.cells
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.map(|c| (i, c.trim())))
        .filter(|(_, c)| !is_missing(c))
}

/// The stamps of a detected time column, noting when its dates read both day first and
/// month first (the reading taken and how to take the other).
fn detected_stamps(col: &RawColumn, format: TimeFormat, notes: &mut Vec<String>) -> TimeSource {
    notes.extend(date_order_note(&col.name, &col.cells, &format));
    stamps_of(col, format)
}

/// The stamps of `col` read in the format the user gave: every value must be written so.
fn forced_stamps(table: &CsvTable, col: &RawColumn, format: TimeFormat) -> Result<TimeSource> {
    if let Some((row, value)) = present_cells(col).find(|(_, c)| parse_time(c, &format).is_none()) {
        return Err(EngineError::Time(format!(
            "time column '{}', row {} (line {} of the file): '{value}' is not a date written \
             as {} (data.date_format)",
            col.name,
            row + 1,
            table.file_line(row),
            format.pattern()
        )));
    }
    Ok(stamps_of(col, format))
}

/// A text column that looks like the time axis but whose cells fit no single format
/// (dates written several ways, or in a format not supported): why, naming the first
/// odd cell, so that rows are never numbered silently instead.
///
/// "Looks like the time axis": at least a third of its values parse as dates, or its
/// name says time or date and two thirds of its values are shaped like dates.
fn undetected_time_column(table: &CsvTable) -> Option<String> {
    for col in table.columns.iter().filter(|c| c.kind == ColumnKind::Text) {
        let present: Vec<&str> = col
            .cells
            .iter()
            .flatten()
            .filter(|c| !is_missing(c))
            .collect();
        let timelike = present.iter().filter(|c| looks_like_time(c)).count();
        let shaped = present.iter().filter(|c| date_shaped(c)).count();
        let looks_like_axis = (timelike > 0 && timelike * 3 >= present.len())
            || (name_hints_time(&col.name) && shaped > 0 && shaped * 3 >= present.len() * 2);
        if !looks_like_axis {
            continue;
        }
        let (row, value) = first_bad_cell(&col.name, &col.cells)?;
        let first = col
            .cells
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.map(|c| (i, c)))
            .find(|(_, c)| !is_missing(c));
        let name = &col.name;
        let at = format!(
            "row {} (line {} of the file)",
            row + 1,
            table.file_line(row)
        );
        let message = match first {
            Some((first_row, first_value)) if first_row != row => {
                let pattern = detect_format(name, &Cells::from_iter([Some(first_value)]))
                    .map_or_else(String::new, |f| format!(" ({})", f.pattern()));
                format!(
                    "column '{name}' looks like the time axis, but its dates are not all \
                     written the same way: row {} is '{first_value}'{pattern}, but {at} is \
                     '{value}'",
                    first_row + 1
                )
            }
            _ => format!(
                "column '{name}' looks like the time axis, but {at}: '{value}' is not a date \
                 or time in a known format ({KNOWN_FORMATS})"
            ),
        };
        return Some(message);
    }
    None
}

/// Digits and date punctuation only, with at least four digits and one `-` `/` `.`
/// (`01.02.2024`, `28/01/2024`).
fn date_shaped(cell: &str) -> bool {
    let digits = cell.bytes().filter(u8::is_ascii_digit).count();
    digits >= 4
        && cell.bytes().any(|b| matches!(b, b'-' | b'/' | b'.'))
        && cell
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'/' | b'.' | b':' | b' ' | b'T'))
}

/// A whole number written as `12` or `12.0`.
fn parse_int(cell: &str) -> Option<i64> {
    cell.parse::<i64>().ok().or_else(|| {
        let v = cell.parse::<f64>().ok()?;
        // The range check makes the cast exact.
        (v.fract() == 0.0 && v.abs() < 1e15).then_some(v as i64)
    })
}

/// Timestamps composed from `year`, `month`, `day` and optional `hour` columns
/// (names compared case-insensitively), as in `pollution.csv`.
fn composite(table: &CsvTable, notes: &mut Vec<String>) -> Result<Option<TimeSource>> {
    let find = |n: &str| {
        table
            .columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(n))
    };
    let (Some(y), Some(m), Some(d)) = (find("year"), find("month"), find("day")) else {
        return Ok(None);
    };
    let parts: Vec<&RawColumn> = [y, m, d].into_iter().chain(find("hour")).collect();
    let names: Vec<String> = parts.iter().map(|c| c.name.clone()).collect();
    if parts.iter().any(|c| c.kind != ColumnKind::Numeric) {
        notes.push(format!(
            "columns {} are not all numbers, so they were not combined into a time axis",
            names.join(", ")
        ));
        return Ok(None);
    }
    let mut stamps = Vec::with_capacity(table.n_rows);
    for row in 0..table.n_rows {
        let mut ymdh = [0_i64; 4];
        let mut complete = true;
        for (slot, col) in ymdh.iter_mut().zip(&parts) {
            let cell = col.cells.text(row);
            match cell.filter(|c| !is_missing(c)) {
                None => complete = false,
                Some(c) => {
                    *slot = parse_int(c).ok_or_else(|| {
                        EngineError::Time(format!(
                            "time part '{}', row {} (line {} of the file): '{c}' is not a whole number",
                            col.name,
                            row + 1,
                            table.file_line(row)
                        ))
                    })?;
                }
            }
        }
        if !complete {
            stamps.push(None);
            continue;
        }
        let [yy, mm, dd, hh] = ymdh;
        let ts = ts_from_parts(yy, mm, dd, hh).ok_or_else(|| {
            EngineError::Time(format!(
                "row {} (line {} of the file): year {yy}, month {mm}, day {dd}, hour {hh} \
                 is not a valid date and hour",
                row + 1,
                table.file_line(row)
            ))
        })?;
        stamps.push(Some(ts));
    }
    let format = if parts.len() == 4 {
        TimeFormat::IsoDateTime {
            t_separator: false,
            seconds: true,
            zone: false,
        }
    } else {
        TimeFormat::IsoDate
    };
    Ok(Some(TimeSource::Stamps {
        column: names.join("+"),
        format,
        parts: names,
        stamps,
    }))
}

/// An integer column that goes up by exactly 1 on every row (like pollution's `No`).
pub(super) fn is_row_counter(col: &RawColumn) -> bool {
    if col.cells.len() < 2 {
        return false;
    }
    let mut prev: Option<i64> = None;
    for cell in col.cells.iter() {
        let Some(v) = cell.and_then(|c| c.parse::<i64>().ok()) else {
            return false;
        };
        if prev.is_some_and(|p| p.checked_add(1) != Some(v)) {
            return false;
        }
        prev = Some(v);
    }
    true
}

/// The chosen columns: targets first, then covariates.
pub(super) struct Chosen {
    pub(super) names: Vec<String>,
    pub(super) n_targets: usize,
}

/// Targets (configured, or the first usable numeric column) and covariates; each column
/// may play one role only.
pub(super) fn choose(
    table: &CsvTable,
    config: &DataConfig,
    time: &TimeSource,
    notes: &mut Vec<String>,
) -> Result<Chosen> {
    let targets = if config.targets.is_empty() {
        vec![default_target(table, time, notes)?]
    } else {
        config.targets.clone()
    };
    let mut roles: Vec<(String, &'static str)> =
        time.parts().iter().map(|p| (p.clone(), "time")).collect();
    // A covariate known in advance is a covariate too (its past values are inputs).
    let covariates: Vec<String> = config
        .covariates
        .iter()
        .chain(
            config
                .future_covariates
                .iter()
                .filter(|f| !config.covariates.contains(f)),
        )
        .cloned()
        .collect();
    for name in config.covariates.iter().chain(&config.future_covariates) {
        if crate::data::calendar::is_generated(name) {
            return Err(EngineError::Config(format!(
                "column '{name}': names starting with '{}' are kept for generated calendar \
                 features; rename the column",
                crate::config::CALENDAR_PREFIX
            )));
        }
    }
    let with_roles = targets
        .iter()
        .map(|t| (t, "target"))
        .chain(covariates.iter().map(|c| (c, "covariate")));
    for (name, role) in with_roles {
        table.column(name)?;
        if let Some((_, earlier)) = roles.iter().find(|(n, _)| n == name) {
            return Err(EngineError::Config(format!(
                "column '{name}' is used twice: as {earlier} and as {role}"
            )));
        }
        roles.push((name.clone(), role));
    }
    let n_targets = targets.len();
    let names = targets.into_iter().chain(covariates).collect();
    Ok(Chosen { names, n_targets })
}

/// True when the first non-missing cell is a number (a mostly numeric column with a bad
/// cell somewhere).
fn starts_numeric(col: &RawColumn) -> bool {
    col.cells
        .iter()
        .flatten()
        .find(|c| !is_missing(c))
        .is_some_and(|c| c.parse::<f64>().is_ok())
}

/// The default target: the first numeric column that is neither time nor a row counter;
/// else the first text column starting with a number (so that loading names its bad
/// cell); else a row counter (with a note); else an error describing every column.
fn default_target(table: &CsvTable, time: &TimeSource, notes: &mut Vec<String>) -> Result<String> {
    let is_time = |c: &RawColumn| time.parts().contains(&c.name);
    let candidates: Vec<&RawColumn> = table.columns.iter().filter(|c| !is_time(c)).collect();
    let numeric = |c: &&&RawColumn| c.kind == ColumnKind::Numeric;
    if let Some(col) = candidates
        .iter()
        .filter(numeric)
        .find(|c| !is_row_counter(c))
    {
        return Ok(col.name.clone());
    }
    if let Some(col) = candidates
        .iter()
        .find(|c| c.kind == ColumnKind::Text && starts_numeric(c))
    {
        return Ok(col.name.clone());
    }
    if let Some(col) = candidates.iter().find(numeric) {
        notes.push(format!(
            "'{}' goes up by exactly 1 on every row, like a row counter; it is the target \
             only because no other numeric column exists",
            col.name
        ));
        return Ok(col.name.clone());
    }
    let described: Vec<String> = table
        .columns
        .iter()
        .map(|c| {
            let what = if is_time(c) {
                "used as time"
            } else if c.missing == c.cells.len() {
                "no values"
            } else {
                c.kind.name()
            };
            format!("{} ({what})", c.name)
        })
        .collect();
    Err(EngineError::Csv(format!(
        "{} has no numeric column to forecast; its columns are: {}",
        table.source,
        described.join(", ")
    )))
}

/// The column's cells as numbers, NaN where missing. Text and infinite values are
/// errors naming the row, the file line and the cell; so is a column with no values.
pub(super) fn parse_values(table: &CsvTable, col: &RawColumn) -> Result<Vec<f64>> {
    let mut out = Vec::with_capacity(col.cells.len());
    for (row, cell) in col.cells.iter().enumerate() {
        let value = match cell {
            None => f64::NAN,
            Some(c) if is_missing(c) => f64::NAN,
            Some(c) => match c.parse::<f64>() {
                Ok(v) if v.is_finite() => v,
                Ok(_) => {
                    return Err(EngineError::Csv(format!(
                        "column '{}', row {} (line {} of the file): '{c}' is infinite or too \
                         large; only finite numbers can be used",
                        col.name,
                        row + 1,
                        table.file_line(row)
                    )));
                }
                Err(_) => {
                    return Err(EngineError::NotNumeric {
                        column: col.name.clone(),
                        row: row + 1,
                        line: table.file_line(row),
                        value: c.to_string(),
                    });
                }
            },
        };
        out.push(value);
    }
    if out.iter().all(|v| v.is_nan()) {
        return Err(EngineError::Missing(format!(
            "column '{}' has no values: all {} cells are missing",
            col.name,
            out.len()
        )));
    }
    Ok(out)
}

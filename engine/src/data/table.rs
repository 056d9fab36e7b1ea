//! CSV file → table of trimmed string cells, with each column's kind.
//!
//! The bytes are decoded first (UTF-8 with or without BOM, UTF-16 with BOM, otherwise
//! Latin-1), line endings are normalised, the delimiter (`,` `;` tab) and the header are
//! detected, and polars parses the text with **every column as a string**: quoting,
//! embedded delimiters and newlines are polars' job, deciding what is a number or a time
//! is ours ([`ColumnKind`]).

use std::borrow::Cow;
use std::io::Cursor;
use std::path::Path;

use polars::prelude::{CsvReadOptions, DataFrame, SerReader};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{EngineError, Result};

use super::time::{TimeFormat, detect_format, name_hints_time};

mod sniff;

/// Largest file accepted: 1 GiB.
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// What a column holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "format")]
pub enum ColumnKind {
    /// Every non-missing cell is a timestamp in this format.
    Time(TimeFormat),
    /// At least one value, and every non-missing cell is a finite number.
    Numeric,
    /// Anything else (categories, free text, columns with no values at all).
    Text,
}

impl ColumnKind {
    /// "time", "numeric" or "text".
    pub fn name(&self) -> &'static str {
        match self {
            Self::Time(_) => "time",
            Self::Numeric => "numeric",
            Self::Text => "text",
        }
    }
}

/// One column of the file, as trimmed strings.
#[derive(Clone, Debug, PartialEq)]
pub struct RawColumn {
    /// Header name (or `column_N` when the file has no header).
    pub name: String,
    /// Trimmed cells, one per data row; `None` is a null from the parser (empty field).
    pub cells: Vec<Option<String>>,
    /// What the column holds.
    pub kind: ColumnKind,
    /// Cells that are null or a missing marker (see [`is_missing`]).
    pub missing: usize,
}

/// A parsed CSV file.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvTable {
    /// File name (for messages).
    pub source: String,
    /// SHA-256 of the raw file bytes, lower-case hex.
    pub sha256: String,
    /// Encoding found: "UTF-8", "UTF-8 (BOM)", "UTF-16LE", "UTF-16BE" or "Latin-1".
    pub encoding: String,
    /// Field delimiter found.
    pub delimiter: char,
    /// Whether the first line was taken as a header.
    pub has_header: bool,
    /// Data rows (not counting the header).
    pub n_rows: usize,
    /// Columns, in file order.
    pub columns: Vec<RawColumn>,
    /// The 1-based file line on which each data row starts, when that is not simply
    /// row + 1 (+ 1 for the header): quoted fields spanning lines, or blank lines.
    /// `None` when every row is one line.
    pub row_lines: Option<Vec<usize>>,
}

/// True for the cells treated as missing: empty, `NA`, `N/A`, `n/a`, `NaN`, `nan`, `null`,
/// `NULL`, `None`, `-`, `?`, `#N/A`.
pub fn is_missing(cell: &str) -> bool {
    matches!(
        cell,
        "" | "NA" | "N/A" | "n/a" | "NaN" | "nan" | "null" | "NULL" | "None" | "-" | "?" | "#N/A"
    )
}

/// Reads and parses a CSV file (at most [`MAX_FILE_BYTES`]).
pub fn read_csv(path: &Path) -> Result<CsvTable> {
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let meta = std::fs::metadata(path).map_err(|e| EngineError::io("cannot read", path, e))?;
    check_size(meta.len(), &name)?;
    let bytes = std::fs::read(path).map_err(|e| EngineError::io("cannot read", path, e))?;
    read_csv_bytes(&bytes, &name)
}

fn check_size(len: u64, source: &str) -> Result<()> {
    if len > MAX_FILE_BYTES {
        // Display only; precision loss is irrelevant.
        let gib = len as f64 / (1u64 << 30) as f64;
        return Err(EngineError::Csv(format!(
            "{source} is {gib:.2} GiB; seqcast reads CSV files of at most 1 GiB"
        )));
    }
    Ok(())
}

/// Parses CSV bytes already in memory; `source` names them in messages.
pub fn read_csv_bytes(bytes: &[u8], source: &str) -> Result<CsvTable> {
    check_size(u64::try_from(bytes.len()).unwrap_or(u64::MAX), source)?;
    let sha256 = hex(&Sha256::digest(bytes));
    let (text, encoding) = sniff::decode(bytes);
    let text = sniff::normalize_newlines(text);
    if text.trim().is_empty() {
        return Err(EngineError::Csv(format!("{source} is empty")));
    }
    let (lines, has_blank) = sniff::record_lines(&text);
    let text = if has_blank {
        Cow::Owned(sniff::strip_blank_records(&text))
    } else {
        text
    };
    let sep = sniff::detect_delimiter(&text);
    let first = sniff::first_record_fields(&text, sep);
    let has_header = sniff::is_header(&first);
    let df = parse_strings(&text, sep, source)?;
    let skip = usize::from(has_header);
    let n_rows = df.height().saturating_sub(skip);
    if n_rows == 0 {
        return Err(EngineError::Csv(format!(
            "{source} has a header ({}) but no data rows",
            first.join(", ")
        )));
    }

    let mut columns = Vec::with_capacity(df.width());
    let mut names: Vec<String> = Vec::with_capacity(df.width());
    for (k, col) in df.columns().iter().enumerate() {
        let ca = col
            .str()
            .map_err(|e| EngineError::Csv(format!("cannot parse {source}: {e}")))?;
        let mut iter = ca.iter();
        let header = if has_header {
            iter.next().flatten()
        } else {
            None
        };
        let name = unique_name(header.map(str::trim), k, &names);
        let cells: Vec<Option<String>> = iter.map(|c| c.map(|s| s.trim().to_string())).collect();
        let (kind, missing) = classify(&name, &cells);
        names.push(name.clone());
        columns.push(RawColumn {
            name,
            cells,
            kind,
            missing,
        });
    }

    let row_lines = (lines.len() == df.height()
        && lines.iter().enumerate().any(|(i, &l)| l != i + 1))
    .then(|| lines.into_iter().skip(skip).collect());

    Ok(CsvTable {
        source: source.to_string(),
        sha256,
        encoding: encoding.to_string(),
        delimiter: char::from(sep),
        has_header,
        n_rows,
        columns,
        row_lines,
    })
}

/// Runs polars over the decoded text with every column read as a string.
///
/// A panic inside polars on malformed input is caught and reported as a CSV error.
fn parse_strings(text: &str, sep: u8, source: &str) -> Result<DataFrame> {
    let parse = || {
        CsvReadOptions::default()
            .with_has_header(false)
            .with_infer_schema_length(Some(0))
            .with_raise_if_empty(false)
            .map_parse_options(|o| o.with_separator(sep))
            .into_reader_with_file_handle(Cursor::new(text.as_bytes()))
            .finish()
    };
    match std::panic::catch_unwind(parse) {
        Ok(Ok(df)) => Ok(df),
        Ok(Err(e)) => Err(EngineError::Csv(format!("cannot parse {source}: {e}"))),
        Err(_) => Err(EngineError::Csv(format!(
            "cannot parse {source}: the CSV parser failed on this file"
        ))),
    }
}

/// A header name, or `column_N` when absent/blank, made unique with `_2`, `_3`, ….
fn unique_name(header: Option<&str>, index: usize, taken: &[String]) -> String {
    let base = match header {
        Some(h) if !h.is_empty() => h.to_string(),
        _ => format!("column_{}", index + 1),
    };
    if !taken.contains(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}_{n}"))
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or(base)
}

/// The column's kind and its number of missing cells.
fn classify(name: &str, cells: &[Option<String>]) -> (ColumnKind, usize) {
    let mut missing = 0;
    let mut numeric = true;
    for cell in cells {
        match cell.as_deref() {
            None => missing += 1,
            Some(c) if is_missing(c) => missing += 1,
            Some(c) => {
                if numeric && !c.parse::<f64>().is_ok_and(f64::is_finite) {
                    numeric = false;
                }
            }
        }
    }
    if missing == cells.len() {
        return (ColumnKind::Text, missing);
    }
    // A numeric column can only be a time column as Unix seconds, which needs a hint.
    if (!numeric || name_hints_time(name))
        && let Some(format) = detect_format(name, cells)
    {
        return (ColumnKind::Time(format), missing);
    }
    let kind = if numeric {
        ColumnKind::Numeric
    } else {
        ColumnKind::Text
    };
    (kind, missing)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        // Writing to a String cannot fail.
        let _ = write!(s, "{b:02x}");
        s
    })
}

impl CsvTable {
    /// The column with this exact name, or an error listing the available ones.
    pub fn column(&self, name: &str) -> Result<&RawColumn> {
        self.columns
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| EngineError::UnknownColumn {
                name: name.to_string(),
                available: self.column_names().join(", "),
            })
    }

    /// All column names, in file order.
    pub fn column_names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// Names of the numeric columns, in file order.
    pub fn numeric_columns(&self) -> Vec<&str> {
        self.columns
            .iter()
            .filter(|c| c.kind == ColumnKind::Numeric)
            .map(|c| c.name.as_str())
            .collect()
    }

    /// The first `n` rows as strings (null cells as ""), for a preview table.
    pub fn preview(&self, n: usize) -> Vec<Vec<String>> {
        (0..n.min(self.n_rows))
            .map(|r| {
                self.columns
                    .iter()
                    .map(|c| c.cells.get(r).cloned().flatten().unwrap_or_default())
                    .collect()
            })
            .collect()
    }

    /// The 1-based line of the file on which data row `row` (0-based) starts.
    pub fn file_line(&self, row: usize) -> usize {
        self.row_lines
            .as_ref()
            .and_then(|lines| lines.get(row).copied())
            .unwrap_or_else(|| row.saturating_add(1 + usize::from(self.has_header)))
    }
}

#[cfg(test)]
mod tests;

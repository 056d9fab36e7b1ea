//! CSV file → table of trimmed string cells, with each column's kind.
//!
//! The bytes are decoded first (UTF-8 with or without BOM, UTF-16 with BOM, otherwise
//! Latin-1), line endings are normalised, the delimiter (`,` `;` tab) and the header are
//! detected, and polars parses the text with **every column as a string**: quoting,
//! embedded delimiters and newlines are polars' job, deciding what is a number or a time
//! is ours ([`ColumnKind`]).

use std::borrow::Cow;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use crate::budget::human_bytes;
use crate::error::{EngineError, Result};

pub use super::cell::{Cells, is_missing};
use super::time::{TimeFormat, detect_format, name_hints_time};

mod numbers;
mod parse;
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
    pub cells: Cells,
    /// What the column holds.
    pub kind: ColumnKind,
    /// Cells that are null or a missing marker (see [`is_missing`]).
    pub missing: usize,
    /// How the file wrote this column's numbers when not plainly (decimal commas,
    /// thousands separators); `cells` then hold the plain numbers.
    pub number_style: Option<&'static str>,
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

pub use crate::budget::{MEMORY_PER_CELL, MEMORY_PER_FILE_BYTE};

/// How large a file [`read_csv_limited`] accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadLimits {
    /// Largest file size in bytes.
    pub max_bytes: u64,
    /// Memory available for reading, in bytes (`None`: unknown, not checked).
    pub available_memory: Option<u64>,
}

impl LoadLimits {
    /// [`MAX_FILE_BYTES`] and the memory this machine has available now
    /// (`MemAvailable` in `/proc/meminfo`; unknown elsewhere).
    pub fn for_this_machine() -> Self {
        Self {
            max_bytes: MAX_FILE_BYTES,
            available_memory: crate::budget::available_memory(),
        }
    }
}

/// Reads and parses a CSV file (at most [`MAX_FILE_BYTES`], and no larger than the
/// memory available allows): [`read_csv_limited`] with [`LoadLimits::for_this_machine`].
pub fn read_csv(path: &Path) -> Result<CsvTable> {
    read_csv_limited(path, LoadLimits::for_this_machine())
}

/// Reads and parses a CSV file, refusing it before reading when it is larger than
/// `limits` allow (a clear message instead of running out of memory). What is read is
/// bounded too, whatever size the file system reports: a file that grows, a pipe, a
/// device. Devices (`/dev/zero`) are refused at once.
pub fn read_csv_limited(path: &Path, limits: LoadLimits) -> Result<CsvTable> {
    read_csv_cancellable(path, limits, &|| false)
}

/// Asked between chunks of loading: `true` stops it with [`EngineError::Cancelled`].
pub type Cancel<'a> = &'a dyn Fn() -> bool;

/// Bytes read, and text parsed, between two looks at the cancel flag (a few tens of
/// milliseconds of work each).
pub(super) const LOAD_CHUNK_BYTES: usize = 8 << 20;

pub(super) fn check_cancel(cancel: Cancel<'_>) -> Result<()> {
    if cancel() {
        Err(EngineError::Cancelled)
    } else {
        Ok(())
    }
}

/// [`read_csv_limited`] that stops between chunks (of reading, of parsing, between
/// columns) as soon as `cancel` says so: closing the window during the load of a large
/// file returns at once instead of after the whole file.
pub fn read_csv_cancellable(
    path: &Path,
    limits: LoadLimits,
    cancel: Cancel<'_>,
) -> Result<CsvTable> {
    use std::io::Read;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let file = std::fs::File::open(path).map_err(|e| EngineError::io("cannot read", path, e))?;
    let meta = file
        .metadata()
        .map_err(|e| EngineError::io("cannot read", path, e))?;
    if is_device(&meta.file_type()) {
        return Err(EngineError::Csv(format!(
            "{} is a device, not a file: open a CSV file",
            path.display()
        )));
    }
    check_limits(meta.len(), &name, limits)?;
    let mut bytes = Vec::new();
    let mut reader = file.take(limits.max_bytes.saturating_add(1));
    loop {
        check_cancel(cancel)?;
        let read = (&mut reader)
            .take(LOAD_CHUNK_BYTES as u64)
            .read_to_end(&mut bytes)
            .map_err(|e| EngineError::io("cannot read", path, e))?;
        if read == 0 {
            break;
        }
    }
    let read = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if read > limits.max_bytes {
        return Err(EngineError::Csv(format!(
            "{name} gave more than {} while it was read (it is growing, or is not a plain \
             file); seqcast reads CSV files of at most {}",
            human_bytes(limits.max_bytes),
            human_bytes(limits.max_bytes)
        )));
    }
    check_cells(&bytes, &name, limits)?;
    read_csv_bytes_cancellable(&bytes, &name, cancel)
}

/// Character and block devices (`/dev/zero`, a disk): never CSV files, and endless.
#[cfg(unix)]
fn is_device(kind: &std::fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt;
    kind.is_char_device() || kind.is_block_device()
}

#[cfg(not(unix))]
fn is_device(_: &std::fs::FileType) -> bool {
    false
}

/// The memory check again, now that the cells can be counted: a file of tiny cells
/// needs far more than [`MEMORY_PER_FILE_BYTE`] per byte.
fn check_cells(bytes: &[u8], source: &str, limits: LoadLimits) -> Result<()> {
    let Some(available) = limits.available_memory else {
        return Ok(());
    };
    let mut counts = [0u64; 5];
    for b in bytes {
        match b {
            b'\n' => counts[0] += 1,
            b',' => counts[1] += 1,
            b';' => counts[2] += 1,
            b'\t' => counts[3] += 1,
            b'|' => counts[4] += 1,
            _ => {}
        }
    }
    let separators = counts[1..].iter().copied().max().unwrap_or(0);
    let cells = counts[0].saturating_add(separators).saturating_add(1);
    let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    let needed = crate::budget::csv_read(len, cells);
    if needed > available {
        return Err(EngineError::Csv(format!(
            "{source} holds about {cells} cells in {}; reading them needs about {} of memory \
             but only {} is available; close other programs or open a smaller extract of the \
             file",
            human_bytes(len),
            human_bytes(needed),
            human_bytes(available)
        )));
    }
    Ok(())
}

fn check_size(len: u64, source: &str) -> Result<()> {
    check_limits(
        len,
        source,
        LoadLimits {
            max_bytes: MAX_FILE_BYTES,
            available_memory: None,
        },
    )
}

fn check_limits(len: u64, source: &str, limits: LoadLimits) -> Result<()> {
    if len > limits.max_bytes {
        return Err(EngineError::Csv(format!(
            "{source} is {}; seqcast reads CSV files of at most {}",
            human_bytes(len),
            human_bytes(limits.max_bytes)
        )));
    }
    let needed = crate::budget::csv_read(len, 0);
    if let Some(available) = limits.available_memory
        && needed > available
    {
        return Err(EngineError::Csv(format!(
            "{source} is {}; reading it needs about {} of memory but only {} is available; \
             close other programs or open a smaller extract of the file",
            human_bytes(len),
            human_bytes(needed),
            human_bytes(available)
        )));
    }
    Ok(())
}

/// Parses CSV bytes already in memory; `source` names them in messages.
pub fn read_csv_bytes(bytes: &[u8], source: &str) -> Result<CsvTable> {
    read_csv_bytes_cancellable(bytes, source, &|| false)
}

/// [`read_csv_bytes`], stopping between chunks when `cancel` says so.
pub fn read_csv_bytes_cancellable(
    bytes: &[u8],
    source: &str,
    cancel: Cancel<'_>,
) -> Result<CsvTable> {
    check_size(u64::try_from(bytes.len()).unwrap_or(u64::MAX), source)?;
    let mut hasher = Sha256::new();
    for piece in bytes.chunks(LOAD_CHUNK_BYTES) {
        check_cancel(cancel)?;
        hasher.update(piece);
    }
    let sha256 = hex(&hasher.finalize());
    let (text, encoding) = sniff::decode(bytes);
    if let Some(at) = text.find('\0') {
        let at = text.get(..at).map_or(0, |t| t.chars().count()) + 1;
        return Err(EngineError::Csv(format!(
            "{source} is not a CSV text file: it holds NUL characters (the first is character \
             {at}){}; save it as CSV (UTF-8, UTF-16 or Latin-1 text) and open that",
            sniff::binary_kind(bytes).map_or(String::new(), |k| format!("; it looks like {k}"))
        )));
    }
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
    check_cancel(cancel)?;
    let parsed = parse::columns(&text, sep, has_header, source, cancel, LOAD_CHUNK_BYTES)?;
    let skip = usize::from(has_header);
    let n_rows = parsed.rows;
    if n_rows == 0 {
        return Err(EngineError::Csv(format!(
            "{source} has a header ({}) but no data rows",
            first.join(", ")
        )));
    }

    let mut columns = Vec::with_capacity(parsed.columns.len());
    let mut names = parse::UniqueNames::default();
    let mut headers = parsed.header.into_iter();
    for (k, cells) in parsed.columns.into_iter().enumerate() {
        check_cancel(cancel)?;
        let header = headers.next().flatten();
        let name = names.unique(header.as_deref(), k);
        let number_style = numbers::detect(&cells, sep);
        let cells = match number_style {
            Some(style) => numbers::rewrite(&cells, style),
            None => cells,
        };
        let (kind, missing) = classify(&name, &cells);
        columns.push(RawColumn {
            name,
            cells,
            kind,
            missing,
            number_style: number_style.map(numbers::NumberStyle::describe),
        });
    }

    let row_lines = (lines.len() == parsed.rows + skip
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

/// The column's kind and its number of missing cells.
fn classify(name: &str, cells: &Cells) -> (ColumnKind, usize) {
    let mut missing = 0;
    let mut numeric = true;
    for cell in cells.iter() {
        match cell {
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
                    .map(|c| c.cells.text(r).unwrap_or_default().to_string())
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

//! polars over the decoded text: records into string cells, column by column, and the
//! header's names made unique.

use std::collections::{HashMap, HashSet};
use std::io::Cursor;
use std::sync::Arc;

use polars::prelude::{CsvReadOptions, DataFrame, DataType, Field, Schema, SerReader};

#[cfg(doc)]
use super::LOAD_CHUNK_BYTES;
use super::{Cancel, Cells, check_cancel, sniff};
use crate::error::{EngineError, Result};

/// The file's records as trimmed string cells, column by column, and the header's.
pub(super) struct Parsed {
    /// The header's cells (empty without a header).
    pub(super) header: Vec<Option<String>>,
    /// Each column's data cells.
    pub(super) columns: Vec<Cells>,
    /// Data rows (the header not counted).
    pub(super) rows: usize,
}

/// Runs polars over the decoded text, piece by piece (whole records of about
/// `chunk_bytes`, [`LOAD_CHUNK_BYTES`] when loading, looking at `cancel` between them), every column read as a
/// string. The first piece decides the number of columns, as the whole text would.
pub(super) fn columns(
    text: &str,
    sep: u8,
    has_header: bool,
    source: &str,
    cancel: Cancel<'_>,
    chunk_bytes: usize,
) -> Result<Parsed> {
    let mut parsed = Parsed {
        header: Vec::new(),
        columns: Vec::new(),
        rows: 0,
    };
    for chunk in sniff::record_chunks(text, chunk_bytes) {
        check_cancel(cancel)?;
        let width = (!parsed.columns.is_empty()).then_some(parsed.columns.len());
        let df = parse_strings(chunk, sep, source, width)?;
        let first = parsed.columns.is_empty();
        if first {
            parsed.columns = vec![Cells::default(); df.width()];
        }
        for (col, cells) in df.columns().iter().zip(parsed.columns.iter_mut()) {
            let ca = col
                .str()
                .map_err(|e| EngineError::Csv(format!("cannot parse {source}: {e}")))?;
            let mut values = ca.iter().map(|c| c.map(str::trim));
            if has_header && first {
                parsed
                    .header
                    .push(values.next().flatten().map(str::to_string));
            }
            for value in values {
                cells.push(value);
            }
        }
        parsed.rows += df.height().saturating_sub(usize::from(has_header && first));
    }
    Ok(parsed)
}

/// Runs polars over a piece of the decoded text with every column read as a string;
/// `width`: the number of columns the first piece had (later pieces keep it).
///
/// A panic inside polars on malformed input is caught and reported as a CSV error.
fn parse_strings(text: &str, sep: u8, source: &str, width: Option<usize>) -> Result<DataFrame> {
    let schema = width.map(|w| {
        let fields = (1..=w).map(|k| Field::new(format!("column_{k}").into(), DataType::String));
        Arc::new(Schema::from_iter(fields))
    });
    let parse = || {
        CsvReadOptions::default()
            .with_has_header(false)
            .with_infer_schema_length(Some(0))
            .with_schema(schema.clone())
            .with_raise_if_empty(false)
            .map_parse_options(|o| o.with_separator(sep))
            .into_reader_with_file_handle(Cursor::new(text.as_bytes()))
            .finish()
    };
    // The reader only reads the schema and the text; nothing is left half-changed.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(parse)) {
        Ok(Ok(df)) => Ok(df),
        Ok(Err(e)) => Err(EngineError::Csv(format!("cannot parse {source}: {e}"))),
        Err(_) => Err(EngineError::Csv(format!(
            "cannot parse {source}: the CSV parser failed on this file"
        ))),
    }
}

/// The column names given so far, and per repeated name the next suffix to try: naming
/// a header of `n` columns takes time linear in `n`, however many names repeat.
#[derive(Default)]
pub(super) struct UniqueNames {
    taken: HashSet<String>,
    next_suffix: HashMap<String, usize>,
}

impl UniqueNames {
    /// A header name, or `column_N` when absent/blank, made unique with `_2`, `_3`, …
    /// (the first suffix not taken).
    pub(super) fn unique(&mut self, header: Option<&str>, index: usize) -> String {
        let base = match header {
            Some(h) if !h.is_empty() => h.to_string(),
            _ => format!("column_{}", index + 1),
        };
        let name = if self.taken.contains(&base) {
            let next = self.next_suffix.entry(base.clone()).or_insert(2);
            loop {
                let candidate = format!("{base}_{next}");
                *next += 1;
                if !self.taken.contains(&candidate) {
                    break candidate;
                }
            }
        } else {
            base
        };
        self.taken.insert(name.clone());
        name
    }
}

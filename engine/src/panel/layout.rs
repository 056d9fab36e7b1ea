//! The three ways a table holds many series, each turned into a [`Panel`]:
//!
//! - **rows** (M4's layout): one row per series, the first column its id, the other
//!   cells its values in time order, empty cells padding the shorter series;
//! - **long** (NeuralForecast's `unique_id, ds, y`): an id column, an optional time
//!   column, a value column; the rows of a series need not be adjacent;
//! - **wide**: several numeric columns, each a series (ETTh1's columns, meters).

use std::collections::HashMap;

use super::Panel;
use crate::data::cell::is_missing;
use crate::data::table::{ColumnKind, CsvTable, RawColumn};
use crate::data::time::parse_time;
use crate::error::{EngineError, Result};

/// How the table holds its series.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Layout {
    /// One row per series (M4): first column the id, then the values.
    Rows,
    /// One row per observation: the id column, optionally a time column, the value column.
    Long {
        /// The column naming each row's series.
        id: String,
        /// The column of values.
        value: String,
        /// The time column that orders each series' rows (file order without it).
        time: Option<String>,
    },
    /// Each of these numeric columns is a series (the column name is its id).
    Wide {
        /// The columns; empty = every numeric column.
        columns: Vec<String>,
    },
}

/// Reads the series of `table` laid out as `layout`.
pub fn panel_from_table(table: &CsvTable, layout: &Layout) -> Result<Panel> {
    let raw = match layout {
        Layout::Rows => rows(table)?,
        Layout::Long { id, value, time } => long(table, id, value, time.as_deref())?,
        Layout::Wide { columns } => wide(table, columns)?,
    };
    if raw.is_empty() {
        return Err(EngineError::Csv(format!(
            "{} holds no series",
            table.source
        )));
    }
    Ok(Panel::from_raw(&table.source, raw))
}

/// A number from a cell, `None` when missing, an error naming the place otherwise.
fn number(table: &CsvTable, column: &RawColumn, row: usize) -> Result<Option<f64>> {
    let Some(text) = column.cells.text(row) else {
        return Ok(None);
    };
    if is_missing(text) {
        return Ok(None);
    }
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(EngineError::NotNumeric {
            column: column.name.clone(),
            row: row + 1,
            line: table.file_line(row),
            value: text.chars().take(40).collect(),
        }),
    }
}

type Raw = Vec<(String, Vec<Option<f64>>)>;
/// One long-format series' rows: (time, value).
type Points = Vec<(i64, Option<f64>)>;

fn rows(table: &CsvTable) -> Result<Raw> {
    let Some((ids, values)) = table.columns.split_first() else {
        return Err(EngineError::Csv(format!("{} has no columns", table.source)));
    };
    if values.is_empty() {
        return Err(EngineError::Csv(format!(
            "{}: one row per series needs an id column and at least one value column",
            table.source
        )));
    }
    let mut seen = HashMap::new();
    let mut out = Vec::with_capacity(table.n_rows);
    for row in 0..table.n_rows {
        let id = ids.cells.text(row).unwrap_or_default().to_string();
        if id.is_empty() {
            return Err(EngineError::Csv(format!(
                "{}, line {}: the row has no series id in its first column '{}'",
                table.source,
                table.file_line(row),
                ids.name
            )));
        }
        if let Some(first) = seen.insert(id.clone(), row) {
            return Err(EngineError::Csv(format!(
                "{}: series id '{id}' appears on lines {} and {}; one row per series",
                table.source,
                table.file_line(first),
                table.file_line(row)
            )));
        }
        let cells = values
            .iter()
            .map(|c| number(table, c, row))
            .collect::<Result<Vec<_>>>()?;
        out.push((id, cells));
    }
    Ok(out)
}

fn long(table: &CsvTable, id: &str, value: &str, time: Option<&str>) -> Result<Raw> {
    let ids = table.column(id)?;
    let values = table.column(value)?;
    let times = time.map(|t| table.column(t)).transpose()?;
    let format = match times.map(|c| &c.kind) {
        Some(ColumnKind::Time(f)) => Some(f),
        Some(other) => {
            return Err(EngineError::Time(format!(
                "column '{}' is {}, not a time column",
                time.unwrap_or_default(),
                other.name()
            )));
        }
        None => None,
    };
    // Series in the order of their first row; each series' rows with their time.
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut series: Vec<(String, Points)> = Vec::new();
    for row in 0..table.n_rows {
        let Some(key) = ids.cells.text(row).filter(|k| !is_missing(k)) else {
            return Err(EngineError::Missing(format!(
                "column '{id}', row {} (line {}): the series id is missing",
                row + 1,
                table.file_line(row)
            )));
        };
        let at = match (times, format) {
            (Some(c), Some(f)) => {
                let cell = c.cells.text(row).unwrap_or_default();
                parse_time(cell, f).ok_or_else(|| {
                    EngineError::Time(format!(
                        "column '{}', row {} (line {}): '{cell}' is not a time like the column's others",
                        c.name,
                        row + 1,
                        table.file_line(row)
                    ))
                })?
            }
            _ => i64::try_from(row).unwrap_or(i64::MAX),
        };
        let v = number(table, values, row)?;
        let slot = *index.entry(key).or_insert_with(|| {
            series.push((key.to_string(), Vec::new()));
            series.len() - 1
        });
        if let Some((_, points)) = series.get_mut(slot) {
            points.push((at, v));
        }
    }
    let mut out = Vec::with_capacity(series.len());
    for (key, mut points) in series {
        // Stable: rows with equal times keep file order, and then the first is kept.
        points.sort_by_key(|p| p.0);
        points.dedup_by_key(|p| p.0);
        out.push((key, points.into_iter().map(|p| p.1).collect()));
    }
    Ok(out)
}

fn wide(table: &CsvTable, columns: &[String]) -> Result<Raw> {
    let names: Vec<&str> = if columns.is_empty() {
        table.numeric_columns()
    } else {
        columns.iter().map(String::as_str).collect()
    };
    if names.is_empty() {
        return Err(EngineError::Csv(format!(
            "{} has no numeric columns to use as series",
            table.source
        )));
    }
    names
        .into_iter()
        .map(|name| {
            let c = table.column(name)?;
            let cells = (0..table.n_rows)
                .map(|row| number(table, c, row))
                .collect::<Result<Vec<_>>>()?;
            Ok((name.to_string(), cells))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::table::read_csv_bytes;

    #[test]
    fn m4_rows_pad_short_series_with_empty_cells() {
        let csv =
            b"\"V1\",\"V2\",\"V3\",\"V4\"\n\"H1\",\"1\",\"2\",\"3\"\n\"H2\",\"10\",\"20\",\"\"\n";
        let t = read_csv_bytes(csv, "m4.csv").unwrap();
        let p = panel_from_table(&t, &Layout::Rows).unwrap();
        let ids: Vec<&str> = p.series.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["H1", "H2"]);
        assert_eq!(p.series[0].values, vec![1.0, 2.0, 3.0]);
        assert_eq!(p.series[1].values, vec![10.0, 20.0]);
        assert_eq!(p.report.filled, 0);
    }

    #[test]
    fn rows_refuse_a_repeated_id_naming_both_lines() {
        let t = read_csv_bytes(b"id,a,b\nx,1,2\ny,3,4\nx,5,6\n", "r.csv").unwrap();
        let e = panel_from_table(&t, &Layout::Rows).unwrap_err().to_string();
        assert!(e.contains("series id 'x' appears on lines 2 and 4"), "{e}");
    }

    #[test]
    fn long_rows_are_grouped_by_id_and_ordered_by_time() {
        let csv = b"series,time,value\n\
                    b,2024-01-02,20\na,2024-01-01,1\nb,2024-01-01,10\na,2024-01-03,3\na,2024-01-02,2\n";
        let t = read_csv_bytes(csv, "long.csv").unwrap();
        let layout = Layout::Long {
            id: "series".into(),
            value: "value".into(),
            time: Some("time".into()),
        };
        let p = panel_from_table(&t, &layout).unwrap();
        assert_eq!(p.series.len(), 2);
        assert_eq!(p.series[0].id, "b");
        assert_eq!(p.series[0].values, vec![10.0, 20.0]);
        assert_eq!(p.series[1].values, vec![1.0, 2.0, 3.0]);
    }

    #[test]
    fn a_bad_value_names_its_column_row_and_line() {
        let t = read_csv_bytes(b"series,value\na,1\na,x1\n", "bad.csv").unwrap();
        let layout = Layout::Long {
            id: "series".into(),
            value: "value".into(),
            time: None,
        };
        let e = panel_from_table(&t, &layout).unwrap_err().to_string();
        assert!(
            e.contains("column 'value', row 2 (line 3 of the file): 'x1'"),
            "{e}"
        );
    }

    #[test]
    fn wide_columns_are_series() {
        let t = read_csv_bytes(
            b"date,a,b\n2024-01-01,1,5\n2024-01-02,,6\n2024-01-03,3,7\n",
            "w.csv",
        )
        .unwrap();
        let p = panel_from_table(&t, &Layout::Wide { columns: vec![] }).unwrap();
        let ids: Vec<&str> = p.series.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(p.series[0].values, vec![1.0, 2.0, 3.0]);
        assert_eq!(p.report.filled, 1);
    }
}

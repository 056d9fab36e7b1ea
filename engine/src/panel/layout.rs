//! The three ways a table holds many series, each turned into a [`Panel`]:
//!
//! - **rows** (M4's layout): one row per series, the first column its id, the other
//!   cells its values in time order, empty cells padding the shorter series;
//! - **long** (NeuralForecast's `unique_id, ds, y`): an id column, an optional time
//!   column, a value column; the rows of a series need not be adjacent;
//! - **wide**: several numeric columns, each a series (ETTh1's columns, meters).

use std::collections::HashMap;

use super::grid::{Points, on_grid, panel_frequency};
use super::{Panel, PanelTime, RawSeries};
use crate::data::cell::is_missing;
use crate::data::table::{ColumnKind, CsvTable, RawColumn};
use crate::data::time::parse_time;
use crate::error::{EngineError, Result};

/// How the table holds its series.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
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
        /// Covariate columns: inputs that change with time, scaled on each series'
        /// training rows like its values.
        covariates: Vec<String>,
        /// Columns constant within each series: its static attributes.
        statics: Vec<String>,
    },
    /// Each of these numeric columns is a series (the column name is its id).
    Wide {
        /// The columns; empty = every numeric column.
        columns: Vec<String>,
    },
}

/// The long layout `config` asks for with `data.series_column`: the value column is the
/// target (else the first numeric column other than the id), the time column
/// `data.time_column` (else the first time column; file order without one). `None`
/// without a series column.
pub fn long_layout(table: &CsvTable, config: &crate::config::RunConfig) -> Result<Option<Layout>> {
    let Some(id) = config.data.series_column.clone() else {
        return Ok(None);
    };
    table.column(&id)?;
    let time = match &config.data.time_column {
        Some(t) => Some(t.clone()),
        None => table
            .columns
            .iter()
            .find(|c| matches!(c.kind, ColumnKind::Time(_)))
            .map(|c| c.name.clone()),
    };
    let value = match config.data.targets.as_slice() {
        [] => table
            .columns
            .iter()
            .find(|c| c.kind == ColumnKind::Numeric && c.name != id)
            .map(|c| c.name.clone())
            .ok_or_else(|| {
                EngineError::Csv(format!(
                    "{} has no numeric column to forecast",
                    table.source
                ))
            })?,
        [one] => one.clone(),
        more => {
            return Err(EngineError::Config(format!(
                "{} targets with a series column: each series has one value column",
                more.len()
            )));
        }
    };
    let covariates = config.data.covariates.clone();
    let statics = config.data.static_columns.clone();
    let mut roles: Vec<&str> = vec![&id, &value];
    roles.extend(time.as_deref());
    for name in covariates.iter().chain(&statics) {
        table.column(name)?;
        if roles.contains(&name.as_str()) {
            return Err(EngineError::Config(format!(
                "column '{name}' has two roles with the series column '{id}' (value '{value}'{}, \
                 covariates, static attributes): give each column one",
                time.as_ref()
                    .map(|t| format!(", time '{t}'"))
                    .unwrap_or_default()
            )));
        }
        roles.push(name);
    }
    Ok(Some(Layout::Long {
        id,
        value,
        time,
        covariates,
        statics,
    }))
}

/// Reads the series of `table` laid out as `layout`.
pub fn panel_from_table(table: &CsvTable, layout: &Layout) -> Result<Panel> {
    let untimed = |raw: Raw| {
        let raw = raw
            .into_iter()
            .map(|(id, c)| RawSeries::new(id, c, None))
            .collect();
        (raw, None, 0)
    };
    let (raw, time, absent): (Vec<RawSeries>, _, _) = match layout {
        Layout::Rows => untimed(rows(table)?),
        Layout::Long {
            id,
            value,
            time,
            covariates,
            statics,
        } => long(
            table,
            &LongColumns {
                id,
                value,
                time: time.as_deref(),
                covariates,
                statics,
            },
        )?,
        Layout::Wide { columns } => untimed(wide(table, columns)?),
    };
    let (covariates, statics) = match layout {
        Layout::Long {
            covariates,
            statics,
            ..
        } => (covariates.clone(), statics.clone()),
        _ => (Vec::new(), Vec::new()),
    };
    if raw.is_empty() {
        return Err(EngineError::Csv(format!(
            "{} holds no series",
            table.source
        )));
    }
    let mut panel = Panel::with_columns(&table.source, raw, time, covariates, statics);
    panel.report.absent_steps = absent;
    panel.sha256 = table.sha256.clone();
    Ok(panel)
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

/// The columns of a long table.
#[derive(Clone, Copy)]
struct LongColumns<'a> {
    id: &'a str,
    value: &'a str,
    time: Option<&'a str>,
    covariates: &'a [String],
    statics: &'a [String],
}

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

fn long(
    table: &CsvTable,
    columns: &LongColumns<'_>,
) -> Result<(Vec<RawSeries>, Option<PanelTime>, usize)> {
    let LongColumns {
        id,
        value,
        time,
        covariates,
        statics,
    } = *columns;
    let ids = table.column(id)?;
    let values = table.column(value)?;
    let covs: Vec<&RawColumn> = covariates
        .iter()
        .map(|c| table.column(c))
        .collect::<Result<_>>()?;
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
        let slot = *index.entry(key).or_insert_with(|| {
            series.push((key.to_string(), Vec::new()));
            series.len() - 1
        });
        if let Some((_, points)) = series.get_mut(slot) {
            points.push((at, row));
        }
    }
    for (_, points) in &mut series {
        // Stable: rows with equal times keep file order, and then the first is kept.
        points.sort_by_key(|p| p.0);
        points.dedup_by_key(|p| p.0);
    }
    let attributes = if statics.is_empty() {
        Vec::new()
    } else {
        let rows: Vec<(String, Vec<usize>)> = series
            .iter()
            .map(|(k, points)| (k.clone(), points.iter().map(|p| p.1).collect()))
            .collect();
        super::attributes::from_columns(table, statics, &rows)?
    };
    let axis = match (format, time) {
        (Some(format), Some(name)) => Some(PanelTime {
            format: format.clone(),
            frequency: panel_frequency(&series, name)?,
        }),
        _ => None,
    };
    let cells = |column: &RawColumn, grid: &[Option<usize>]| -> Result<Vec<Option<f64>>> {
        grid.iter()
            .map(|row| match row {
                Some(r) => number(table, column, *r),
                None => Ok(None),
            })
            .collect()
    };
    let mut out = Vec::with_capacity(series.len());
    let mut absent = 0;
    let mut attributes = attributes.into_iter();
    for (key, points) in series {
        let (grid, first) = match &axis {
            Some(axis) => {
                let (grid, inserted) = on_grid(&key, &points, axis)?;
                absent += inserted;
                (grid, points.first().map(|p| p.0))
            }
            None => (points.iter().map(|p| Some(p.1)).collect(), None),
        };
        let mut raw = RawSeries::new(key, cells(values, &grid)?, first);
        raw.covariates = covs
            .iter()
            .map(|c| cells(c, &grid))
            .collect::<Result<_>>()?;
        raw.attributes = attributes.next().unwrap_or_default();
        out.push(raw);
    }
    Ok((out, axis, absent))
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
    use crate::panel::AttrValue;

    /// The long layout of `series,time,value` tables.
    fn series_time_value() -> Layout {
        Layout::Long {
            id: "series".into(),
            value: "value".into(),
            time: Some("time".into()),
            covariates: Vec::new(),
            statics: Vec::new(),
        }
    }

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
        let layout = series_time_value();
        let p = panel_from_table(&t, &layout).unwrap();
        assert_eq!(p.series.len(), 2);
        assert_eq!(p.series[0].id, "b");
        assert_eq!(p.series[0].values, vec![10.0, 20.0]);
        assert_eq!(p.series[1].values, vec![1.0, 2.0, 3.0]);
    }

    #[test]
    fn a_time_step_without_a_row_is_filled_and_each_series_keeps_its_start() {
        // b has no row for 2024-01-03 and an empty value on 2024-01-05; a starts later.
        let csv = b"series,time,value\n\
                    b,2024-01-01,1\nb,2024-01-02,2\nb,2024-01-04,4\nb,2024-01-05,\nb,2024-01-06,6\n\
                    a,2024-01-03,10\na,2024-01-04,20\na,2024-01-05,30\n";
        let t = read_csv_bytes(csv, "long.csv").unwrap();
        let layout = series_time_value();
        let p = panel_from_table(&t, &layout).unwrap();
        assert_eq!(p.series[0].values, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!((p.report.filled, p.report.absent_steps), (2, 1));
        assert!(p.report.lines()[1].contains("(1 of them time steps without a row)"));
        assert_eq!(p.time_label(&p.series[1], 0).as_deref(), Some("2024-01-03"));
        assert_eq!(p.time_label(&p.series[0], 5).as_deref(), Some("2024-01-06"));
        assert_eq!(p.season(), Some(7), "daily: a weekly season");
        // A time off the daily grid is refused, naming the series and the times.
        let off = b"series,time,value\nx,2024-01-01 00:00,1\nx,2024-01-02 00:00,2\n\
                    x,2024-01-03 00:00,3\nx,2024-01-03 12:00,4\n";
        let t = read_csv_bytes(off, "off.csv").unwrap();
        let e = panel_from_table(&t, &layout).unwrap_err().to_string();
        assert!(e.contains("series 'x': 2024-01-03 12:00"), "{e}");
        // Two rows a century of hours apart: refused before the grid is allocated.
        let far = b"series,time,value\ny,1924-01-01 00:00,1\ny,2024-01-01 00:00,2\n\
                    y,2024-01-01 01:00,3\ny,2024-01-01 02:00,4\ny,2024-01-01 03:00,5\n\
                    y,2024-01-01 04:00,6\n";
        let t = read_csv_bytes(far, "far.csv").unwrap();
        let e = panel_from_table(&t, &layout).unwrap_err().to_string();
        assert!(
            e.contains(
                "series 'y': its times up to 2024-01-01 00:00 span more than 30 steps (hourly)"
            ),
            "{e}"
        );
    }

    #[test]
    fn a_series_column_gives_the_long_layout_with_covariates_and_attributes() {
        let csv = b"store,day,sales,price,region\n\
                    a,2024-01-01,1,9,north\na,2024-01-02,2,,north\na,2024-01-04,4,12,north\n\
                    a,2024-01-05,5,13,north\n\
                    b,2024-01-01,5,3,south\nb,2024-01-02,6,4,\nb,2024-01-03,7,5,south\n";
        let t = read_csv_bytes(csv, "s.csv").unwrap();
        let mut c = crate::config::RunConfig::default();
        assert_eq!(long_layout(&t, &c).unwrap(), None);
        c.data.series_column = Some("store".into());
        c.data.covariates = vec!["price".into()];
        c.data.static_columns = vec!["region".into()];
        let layout = long_layout(&t, &c).unwrap().unwrap();
        let want = Layout::Long {
            id: "store".into(),
            value: "sales".into(),
            time: Some("day".into()),
            covariates: vec!["price".into()],
            statics: vec!["region".into()],
        };
        assert_eq!(layout, want);
        let p = panel_from_table(&t, &layout).unwrap();
        assert_eq!(
            (p.covariates.clone(), p.attributes.clone()),
            (vec!["price".to_string()], vec!["region".to_string()])
        );
        // a: 2024-01-03 has no row (value and price interpolated), price empty on the 2nd.
        assert_eq!(p.series[0].values, vec![1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(
            p.series[0].covariates,
            vec![vec![9.0, 10.0, 11.0, 12.0, 13.0]]
        );
        assert_eq!(p.report.covariates_filled, 2);
        assert_eq!(p.series[0].attributes, [AttrValue::Text("north".into())]);
        assert_eq!(
            p.series[1].attributes,
            [AttrValue::Text("south".into())],
            "the empty cell is not a second value"
        );
        // A column in two roles is refused; so is an attribute that changes in a series.
        c.data.covariates = vec!["region".into()];
        let e = long_layout(&t, &c).unwrap_err().to_string();
        assert!(e.contains("column 'region' has two roles"), "{e}");
        c.data.covariates = Vec::new();
        c.data.static_columns = vec!["price".into()];
        let layout = long_layout(&t, &c).unwrap().unwrap();
        let e = panel_from_table(&t, &layout).unwrap_err().to_string();
        assert!(
            e.contains(
                "column 'price' is not constant within series 'a': '9' on line 2, '12' on line 4"
            ),
            "{e}"
        );
    }

    #[test]
    fn a_bad_value_names_its_column_row_and_line() {
        let t = read_csv_bytes(b"series,value\na,1\na,x1\n", "bad.csv").unwrap();
        let layout = Layout::Long {
            id: "series".into(),
            value: "value".into(),
            time: None,
            covariates: Vec::new(),
            statics: Vec::new(),
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

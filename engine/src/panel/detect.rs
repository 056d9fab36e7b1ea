//! Recognising a long table: a text column whose values come in blocks of rows, one
//! block per value, is probably the id of many series stacked one after another
//! (NeuralForecast's `unique_id`). The guess is offered and reported, never applied
//! silently.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::data::cell::is_missing;
use crate::data::table::{ColumnKind, CsvTable};

/// A column that looks like a series id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdGuess {
    /// The column.
    pub column: String,
    /// Distinct ids (= blocks of rows).
    pub series: usize,
    /// The shortest block, in rows.
    pub shortest: usize,
}

impl IdGuess {
    /// What was found, for the CLI and the GUI.
    pub fn describe(&self) -> String {
        format!(
            "column '{}' looks like a series id: {} ids, each in one block of rows (the \
             shortest {} rows)",
            self.column, self.series, self.shortest
        )
    }
}

/// Blocks shorter than this are not taken for series.
pub const MIN_BLOCK_ROWS: usize = 3;

/// The first text column whose non-missing values form at least two blocks of at least
/// [`MIN_BLOCK_ROWS`] rows, each value in exactly one block.
pub fn guess_id_column(table: &CsvTable) -> Option<IdGuess> {
    table
        .columns
        .iter()
        .filter(|c| c.kind == ColumnKind::Text)
        .find_map(|c| {
            let mut seen: HashSet<&str> = HashSet::new();
            let mut current: Option<&str> = None;
            let mut run = 0usize;
            let mut shortest = usize::MAX;
            for row in 0..table.n_rows {
                let cell = c.cells.text(row).filter(|t| !is_missing(t))?;
                if current == Some(cell) {
                    run += 1;
                    continue;
                }
                if current.is_some() {
                    shortest = shortest.min(run);
                }
                // A value seen before in another block: not one block per series.
                if !seen.insert(cell) {
                    return None;
                }
                current = Some(cell);
                run = 1;
            }
            shortest = shortest.min(run);
            (seen.len() >= 2 && shortest >= MIN_BLOCK_ROWS).then(|| IdGuess {
                column: c.name.clone(),
                series: seen.len(),
                shortest,
            })
        })
}

/// Columns of a long table other than `exclude` whose value is the same on every row of
/// each series (series by the `id` column) but not the same for all series: candidates
/// for static attributes, offered, never used silently. Missing cells are ignored.
pub fn constant_columns(table: &CsvTable, id: &str, exclude: &[&str]) -> Vec<String> {
    let Ok(ids) = table.column(id) else {
        return Vec::new();
    };
    table
        .columns
        .iter()
        .filter(|c| !exclude.contains(&c.name.as_str()) && c.name != id)
        .filter(|c| {
            let mut value: HashMap<&str, &str> = HashMap::new();
            for row in 0..table.n_rows {
                let (Some(key), Some(cell)) = (
                    ids.cells.text(row),
                    c.cells.text(row).filter(|t| !is_missing(t)),
                ) else {
                    continue;
                };
                if *value.entry(key).or_insert(cell) != cell {
                    return false;
                }
            }
            let distinct: HashSet<&&str> = value.values().collect();
            distinct.len() > 1
        })
        .map(|c| c.name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::table::read_csv_bytes;

    #[test]
    fn blocks_of_a_text_column_are_taken_for_series_ids() {
        let csv = b"series,time,value\na,1,1\na,2,2\na,3,3\nb,1,4\nb,2,5\nb,3,6\nb,4,7\n";
        let t = read_csv_bytes(csv, "long.csv").unwrap();
        let g = guess_id_column(&t).unwrap();
        assert_eq!((g.column.as_str(), g.series, g.shortest), ("series", 2, 3));
        assert!(g.describe().contains("2 ids"), "{}", g.describe());
    }

    #[test]
    fn columns_constant_within_each_series_are_offered_as_attributes() {
        let csv = b"series,time,value,region,size,price,all\n\
                    a,1,1,north,10,5,x\na,2,2,north,10,6,x\n\
                    b,1,4,south,,7,x\nb,2,5,south,20,8,x\n";
        let t = read_csv_bytes(csv, "long.csv").unwrap();
        let found = constant_columns(&t, "series", &["time", "value"]);
        // price changes within a series; `all` is the same for every series.
        assert_eq!(found, ["region", "size"]);
    }

    #[test]
    fn interleaved_values_short_blocks_and_one_block_are_not_ids() {
        let interleaved = b"kind,value\na,1\nb,2\na,3\nb,4\na,5\nb,6\n";
        let short = b"kind,value\na,1\na,2\nb,3\nb,4\n";
        let one = b"kind,value\na,1\na,2\na,3\na,4\n";
        let missing = b"kind,value\na,1\na,2\na,3\n,4\nb,5\nb,6\nb,7\n";
        for csv in [&interleaved[..], short, one, missing] {
            let t = read_csv_bytes(csv, "t.csv").unwrap();
            assert_eq!(
                guess_id_column(&t),
                None,
                "{}",
                String::from_utf8_lossy(csv)
            );
        }
    }
}

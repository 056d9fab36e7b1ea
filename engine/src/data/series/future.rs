//! Values known after the end of the data: the user's known-in-advance covariates read
//! from a second CSV file (`data.future_file`), and the calendar features, which follow
//! from the future steps' timestamps.

use std::collections::HashMap;

use super::{Series, TimeAxis, columns};
use crate::config::DataConfig;
use crate::data::calendar;
use crate::data::table::CsvTable;
use crate::error::{EngineError, Result};

impl Series {
    /// Reads the future values of `config.future_covariates` from `table`: the rows
    /// whose timestamps are the steps after the last one (matched by time; rows at or
    /// before the end are ignored), as many consecutive steps as the file holds. On a
    /// series without timestamps the file's rows are the next steps in order.
    pub fn attach_future(&mut self, table: &CsvTable, config: &DataConfig) -> Result<()> {
        let source = &table.source;
        if config.future_covariates.is_empty() {
            return Err(EngineError::Config(format!(
                "a file of future values ({source}) was given, but no covariate is known in \
                 advance: name them with --future-covariates"
            )));
        }
        let mut values = Vec::with_capacity(config.future_covariates.len());
        for name in &config.future_covariates {
            let column = table.column(name).map_err(|_| {
                EngineError::Config(format!(
                    "the file of future values {source} has no column '{name}' (it needs the \
                     time column and every covariate known in advance)"
                ))
            })?;
            values.push(columns::parse_values(table, column)?);
        }
        // The row of the file holding each future step, in step order.
        let rows: Vec<usize> = match &self.time {
            TimeAxis::Index => (0..table.n_rows).collect(),
            TimeAxis::Timestamps {
                column,
                values: stamps,
                frequency,
                ..
            } => {
                let mut time_config = config.clone();
                if !column.contains('+') {
                    time_config.time_column = Some(column.clone());
                }
                let mut notes = Vec::new();
                let time = columns::resolve_time(table, &time_config, &mut notes)?;
                let (Some(file_stamps), Some(&last), Some(freq)) =
                    (time.stamps(), stamps.last(), frequency)
                else {
                    return Err(EngineError::Config(format!(
                        "the file of future values {source} needs the time column '{column}', \
                         and the series a regular step, to match its rows to future steps"
                    )));
                };
                let by_time: HashMap<i64, usize> = file_stamps
                    .iter()
                    .enumerate()
                    .filter_map(|(row, ts)| ts.map(|t| (t, row)))
                    .collect();
                calendar::future_stamps(last, *freq, table.n_rows)
                    .into_iter()
                    .map_while(|ts| by_time.get(&ts).copied())
                    .collect()
            }
        };
        // Consecutive steps with every value present.
        let steps = rows
            .iter()
            .take_while(|&&row| {
                values
                    .iter()
                    .all(|v| v.get(row).is_some_and(|x| x.is_finite()))
            })
            .count();
        if steps == 0 {
            let next = self.future_labels(1).unwrap_or_default().join("");
            return Err(EngineError::Config(format!(
                "the file of future values {source} has no complete row for the step after \
                 the last one ({next}): every covariate known in advance needs a value there"
            )));
        }
        self.ahead = values
            .iter()
            .map(|v| {
                rows.iter()
                    .take(steps)
                    .map(|&row| v.get(row).copied().unwrap_or(f64::NAN))
                    .collect()
            })
            .collect();
        Ok(())
    }

    /// The covariates whose future values are known, by name: the user's, then the
    /// generated calendar columns.
    pub fn known_ahead(&self) -> Vec<String> {
        self.future_covariates
            .iter()
            .cloned()
            .chain(calendar::column_names(&self.calendar))
            .collect()
    }

    /// The values of the [`known_ahead`](Series::known_ahead) columns over the `k`
    /// steps after the last row, one `Vec` per column; an error naming the column and
    /// the steps when the user's future values do not reach that far.
    pub fn ahead_values(&self, k: usize) -> Result<Vec<Vec<f64>>> {
        let mut out = Vec::with_capacity(self.future_covariates.len());
        for (j, name) in self.future_covariates.iter().enumerate() {
            let given = self.ahead.get(j).map_or(0, Vec::len);
            if given < k {
                let labels = self.future_labels(k).unwrap_or_default();
                let first = labels.get(given).cloned().unwrap_or_default();
                let last = labels.last().cloned().unwrap_or_default();
                let what = if given == 0 {
                    format!("none are given ({first} … {last})")
                } else {
                    format!("{given} are given, {first} … {last} are missing")
                };
                return Err(EngineError::Config(format!(
                    "forecasting past the end needs the future values of '{name}' for the \
                     {k} steps after the last row; {what}: give them in a file of future \
                     values (--future FILE, or Data > Future values in the app)"
                )));
            }
            out.push(self.ahead.get(j).map_or(Vec::new(), |v| v[..k].to_vec()));
        }
        if !self.calendar.is_empty() {
            let TimeAxis::Timestamps {
                values, frequency, ..
            } = &self.time
            else {
                return Err(EngineError::Config(
                    "calendar features need a time column".into(),
                ));
            };
            let (Some(&last), Some(freq)) = (values.last(), frequency) else {
                return Err(EngineError::Config(
                    "calendar features need a time column with a regular step".into(),
                ));
            };
            let stamps = calendar::future_stamps(last, *freq, k);
            out.extend(calendar::values(&self.calendar, &stamps));
        }
        Ok(out)
    }

    /// Indices in `columns` of the known-in-advance columns, in `known_ahead` order.
    pub fn known_ahead_indices(&self) -> Vec<usize> {
        self.known_ahead()
            .iter()
            .filter_map(|name| self.columns.iter().position(|c| &c.name == name))
            .collect()
    }
}

//! Many series, one model: a panel of univariate series (meters, stores, the M4
//! competition's rows), trained as one global model on windows drawn from every series.
//!
//! Data flow: a table in one of the panel layouts ([`layout`]) → [`Panel`] (each series
//! cleaned on its own) → [`prepare::PanelPrepared`] (per-series split and scaling, the
//! series stacked in one matrix whose windows never cross a series boundary) → training
//! (the same loop and fast path as one series) → [`score`] (per-series metrics against
//! the baselines, aggregated as sMAPE, MASE and M4's OWA).

pub mod attributes;
pub mod choice;
pub mod defaults;
pub mod detect;
pub mod grid;
pub mod layout;
pub mod predict;
pub mod prepare;
pub mod run;
pub mod score;

use serde::{Deserialize, Serialize};

use crate::data::time::{Frequency, TimeFormat, format_time};
use crate::error::{EngineError, Result};
pub use attributes::AttrValue;

/// One series of a panel, in the user's units, cleaned (no missing values).
#[derive(Clone, Debug, PartialEq)]
pub struct PanelSeries {
    /// The series' id (the id column's value, the column name, or M4's `H1`…).
    pub id: String,
    /// Values in time order.
    pub values: Vec<f64>,
    /// The time of the first value, when the panel has a time axis ([`Panel::time`]).
    pub first: Option<i64>,
    /// Covariate values, one vector per [`Panel::covariates`] name, each as long as
    /// `values` (gaps filled).
    pub covariates: Vec<Vec<f64>>,
    /// Static attributes, one per [`Panel::attributes`] name.
    pub attributes: Vec<AttrValue>,
}

/// A panel's time axis: every series steps at the same frequency from its own start.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelTime {
    /// How the file writes times (exports write them the same way).
    pub format: TimeFormat,
    /// The step between rows of each series.
    pub frequency: Frequency,
}

/// One series as read from a file.
#[derive(Clone, Debug, PartialEq)]
pub struct RawSeries {
    /// Its id.
    pub id: String,
    /// Its values (`None` = missing).
    pub cells: Vec<Option<f64>>,
    /// On a time axis, the time of its first cell.
    pub first: Option<i64>,
    /// Its covariates' cells, each as long as `cells`.
    pub covariates: Vec<Vec<Option<f64>>>,
    /// Its static attributes.
    pub attributes: Vec<AttrValue>,
}

impl RawSeries {
    /// A series of values alone.
    pub fn new(id: String, cells: Vec<Option<f64>>, first: Option<i64>) -> Self {
        Self {
            id,
            cells,
            first,
            covariates: Vec::new(),
            attributes: Vec::new(),
        }
    }
}

/// A collection of series to train one model on.
#[derive(Clone, Debug, PartialEq)]
pub struct Panel {
    /// Where it came from (file names), for messages and reports.
    pub source: String,
    /// SHA-256 of the file it came from (empty when it came from several).
    pub sha256: String,
    /// The series, in the order of the file.
    pub series: Vec<PanelSeries>,
    /// The time axis (long tables with a time column); rows are steps otherwise.
    pub time: Option<PanelTime>,
    /// Names of the covariate columns (inputs that change with time).
    pub covariates: Vec<String>,
    /// Names of the static attributes (one value per series).
    pub attributes: Vec<String>,
    /// What loading did, summarised for hundreds of series.
    pub report: PanelLoadReport,
}

/// What loading a panel found and did: counts, and the worst series named.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PanelLoadReport {
    /// Series loaded.
    pub series: usize,
    /// Shortest and longest series, in rows.
    pub min_len: usize,
    /// Longest series, in rows.
    pub max_len: usize,
    /// Total rows over all series.
    pub rows: usize,
    /// Missing values inside series that the missing-value policy filled, in total
    /// (empty cells and, on a time axis, absent time steps).
    pub filled: usize,
    /// Of those, time steps that had no row at all (long tables with a time column).
    #[serde(default)]
    pub absent_steps: usize,
    /// The series with the most filled values (id, count), at most five, worst first.
    pub most_filled: Vec<(String, usize)>,
    /// Series left out while loading (no values at all), with the reason.
    pub dropped: Vec<(String, String)>,
    /// Missing covariate values filled (interpolated inside, nearest value at the ends).
    #[serde(default)]
    pub covariates_filled: usize,
    /// Rows of the static table whose id is not a series of the panel.
    #[serde(default)]
    pub static_unmatched: usize,
}

impl PanelLoadReport {
    /// One line per fact, for the CLI and the GUI.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "{} series, {} rows in all, {} to {} rows each",
            self.series, self.rows, self.min_len, self.max_len
        )];
        if self.filled > 0 {
            let worst: Vec<String> = self
                .most_filled
                .iter()
                .map(|(id, n)| format!("{id} ({n})"))
                .collect();
            let absent = if self.absent_steps > 0 {
                format!(" ({} of them time steps without a row)", self.absent_steps)
            } else {
                String::new()
            };
            lines.push(format!(
                "{} missing values inside series filled by linear interpolation{absent}; most in {}",
                self.filled,
                worst.join(", ")
            ));
        }
        if self.covariates_filled > 0 {
            lines.push(format!(
                "{} missing covariate values filled (interpolated inside a series, the nearest \
                 value at its ends)",
                self.covariates_filled
            ));
        }
        if self.static_unmatched > 0 {
            lines.push(format!(
                "{} rows of the static table name no series of the panel (ignored)",
                self.static_unmatched
            ));
        }
        if !self.dropped.is_empty() {
            let named: Vec<String> = self
                .dropped
                .iter()
                .take(5)
                .map(|(id, why)| format!("{id}: {why}"))
                .collect();
            lines.push(format!(
                "{} series left out: {}{}",
                self.dropped.len(),
                named.join("; "),
                if self.dropped.len() > 5 { "; …" } else { "" }
            ));
        }
        lines
    }
}

impl Panel {
    /// Builds a panel from raw series (`None` = a missing value), filling gaps inside a
    /// series by linear interpolation, trimming missing values at either end, and
    /// leaving out series with no values; the report says what was done.
    pub fn from_raw(source: &str, raw: Vec<(String, Vec<Option<f64>>)>) -> Self {
        let raw = raw
            .into_iter()
            .map(|(id, cells)| RawSeries::new(id, cells, None))
            .collect();
        Self::from_timed(source, raw, None)
    }

    /// [`Panel::from_raw`] on a time axis: each series' cells are consecutive steps of
    /// `time` from the time given with them. Covariates (named `covariates`, cells in
    /// each series) are cut to the rows the series keeps and their gaps filled; a series
    /// with a covariate that has no value in those rows is left out.
    pub fn from_timed(source: &str, raw: Vec<RawSeries>, time: Option<PanelTime>) -> Self {
        Self::with_columns(source, raw, time, Vec::new(), Vec::new())
    }

    /// [`Panel::from_timed`] with covariate and attribute names.
    pub fn with_columns(
        source: &str,
        raw: Vec<RawSeries>,
        time: Option<PanelTime>,
        covariates: Vec<String>,
        attributes: Vec<String>,
    ) -> Self {
        let mut report = PanelLoadReport::default();
        let mut series = Vec::with_capacity(raw.len());
        let mut filled = Vec::new();
        for r in raw {
            let RawSeries {
                id,
                cells,
                first,
                covariates: cov_cells,
                attributes: attrs,
            } = r;
            let (values, n_filled, skipped) = fill_gaps(&cells);
            if values.is_empty() {
                report.dropped.push((id, "no numeric values".to_string()));
                continue;
            }
            let kept = skipped..skipped + values.len();
            let mut covs = Vec::with_capacity(cov_cells.len());
            let mut missing_covariate = None;
            for (c, cells) in cov_cells.iter().enumerate() {
                let part = cells.get(kept.clone()).unwrap_or(&[]);
                match fill_covariate(part) {
                    Some((v, n)) => {
                        report.covariates_filled += n;
                        covs.push(v);
                    }
                    None => {
                        missing_covariate = Some(c);
                        break;
                    }
                }
            }
            if let Some(c) = missing_covariate {
                let name = covariates.get(c).map_or("?", String::as_str);
                report
                    .dropped
                    .push((id, format!("covariate '{name}' has no values")));
                continue;
            }
            if n_filled > 0 {
                filled.push((id.clone(), n_filled));
            }
            report.filled += n_filled;
            let first = match (first, &time) {
                (Some(t), Some(axis)) => Some(
                    axis.frequency
                        .advance(t, i64::try_from(skipped).unwrap_or(i64::MAX)),
                ),
                _ => None,
            };
            series.push(PanelSeries {
                id,
                values,
                first,
                covariates: covs,
                attributes: attrs,
            });
        }
        filled.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        filled.truncate(5);
        report.most_filled = filled;
        let mut panel = Self {
            source: source.to_string(),
            sha256: String::new(),
            series,
            time,
            covariates,
            attributes,
            report,
        };
        panel.measure();
        panel
    }

    /// The seasonal period its frequency implies (hourly 24, monthly 12, …).
    pub fn season(&self) -> Option<usize> {
        self.time.as_ref().and_then(|t| t.frequency.season())
    }

    /// The time of row `row` of `series`, written as the file writes times; `None`
    /// without a time axis.
    pub fn time_label(&self, series: &PanelSeries, row: usize) -> Option<String> {
        let axis = self.time.as_ref()?;
        let ts = axis
            .frequency
            .advance(series.first?, i64::try_from(row).unwrap_or(i64::MAX));
        Some(format_time(ts, &axis.format))
    }

    /// Recounts the report's series, rows and shortest / longest series.
    fn measure(&mut self) {
        let lengths = || self.series.iter().map(|s| s.values.len());
        self.report.series = self.series.len();
        self.report.rows = lengths().sum();
        self.report.min_len = lengths().min().unwrap_or(0);
        self.report.max_len = lengths().max().unwrap_or(0);
    }

    /// Appends each series of `later` (matched by id) to this panel's series of the same
    /// id: the M4 layout keeps the training and test parts in two files. Every series
    /// must appear in both.
    pub fn append(&mut self, later: Panel) -> Result<()> {
        if later.covariates != self.covariates {
            return Err(EngineError::Csv(format!(
                "{} has covariates [{}], {} has [{}]",
                self.source,
                self.covariates.join(", "),
                later.source,
                later.covariates.join(", ")
            )));
        }
        let mut by_id: std::collections::HashMap<String, (Vec<f64>, Vec<Vec<f64>>)> = later
            .series
            .into_iter()
            .map(|s| (s.id, (s.values, s.covariates)))
            .collect();
        // Every id is checked before any series grows: an error leaves the panel as it was.
        if let Some(s) = self.series.iter().find(|s| !by_id.contains_key(&s.id)) {
            return Err(EngineError::Csv(format!(
                "series '{}' of {} is not in {}",
                s.id, self.source, later.source
            )));
        }
        if self.series.len() != by_id.len() {
            let ours: std::collections::HashSet<&str> =
                self.series.iter().map(|s| s.id.as_str()).collect();
            let extra: Vec<&String> = by_id
                .keys()
                .filter(|k| !ours.contains(k.as_str()))
                .collect();
            if let Some(id) = extra.iter().min() {
                return Err(EngineError::Csv(format!(
                    "series '{id}' of {} is not in {} ({} such series)",
                    later.source,
                    self.source,
                    extra.len()
                )));
            }
        }
        for s in &mut self.series {
            if let Some((more, covs)) = by_id.remove(&s.id) {
                s.values.extend(more);
                for (mine, theirs) in s.covariates.iter_mut().zip(covs) {
                    mine.extend(theirs);
                }
            }
        }
        self.source = format!("{} + {}", self.source, later.source);
        self.sha256.clear();
        self.measure();
        self.report.filled += later.report.filled;
        self.report.absent_steps += later.report.absent_steps;
        Ok(())
    }
}

/// A covariate's cells over a series' kept rows with every gap filled (inside by linear
/// interpolation, at the ends by the nearest value), and how many were filled; `None`
/// when it has no value at all.
fn fill_covariate(cells: &[Option<f64>]) -> Option<(Vec<f64>, usize)> {
    let (inner, mut filled, lead) = fill_gaps(cells);
    let (&head, &tail) = (inner.first()?, inner.last()?);
    let trail = cells.len() - lead - inner.len();
    filled += lead + trail;
    let mut out = Vec::with_capacity(cells.len());
    out.extend(std::iter::repeat_n(head, lead));
    out.extend(inner);
    out.extend(std::iter::repeat_n(tail, trail));
    Some((out, filled))
}

/// The values with missing ends trimmed and inner gaps linearly interpolated, how many
/// were filled, and how many leading cells were trimmed.
fn fill_gaps(cells: &[Option<f64>]) -> (Vec<f64>, usize, usize) {
    let Some(first) = cells.iter().position(Option::is_some) else {
        return (Vec::new(), 0, cells.len());
    };
    let last = cells.iter().rposition(Option::is_some).unwrap_or(first);
    let part = cells.get(first..=last).unwrap_or(&[]);
    let mut out = Vec::with_capacity(part.len());
    let mut filled = 0;
    let mut prev: Option<(usize, f64)> = None;
    for (i, cell) in part.iter().enumerate() {
        if let Some(v) = cell {
            if let Some((j, pv)) = prev
                && i > j + 1
            {
                let gap = (i - j) as f64;
                for k in j + 1..i {
                    out.push(pv + (v - pv) * (k - j) as f64 / gap);
                    filled += 1;
                }
            }
            out.push(*v);
            prev = Some((i, *v));
        }
    }
    (out, filled, first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_inside_a_series_are_interpolated_and_its_ends_trimmed() {
        let raw = vec![
            (
                "a".to_string(),
                vec![None, Some(1.0), None, None, Some(4.0), None],
            ),
            ("b".to_string(), vec![None, None]),
            ("c".to_string(), vec![Some(5.0)]),
        ];
        let p = Panel::from_raw("t.csv", raw);
        assert_eq!(p.series.len(), 2);
        assert_eq!(p.series[0].values, vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(p.report.filled, 2);
        assert_eq!(p.report.most_filled, vec![("a".to_string(), 2)]);
        assert_eq!(p.report.dropped.len(), 1);
        assert_eq!(
            (p.report.min_len, p.report.max_len, p.report.rows),
            (1, 4, 5)
        );
        let lines = p.report.lines().join("\n");
        assert!(
            lines.contains("2 series, 5 rows in all, 1 to 4 rows each"),
            "{lines}"
        );
        assert!(
            lines.contains("1 series left out: b: no numeric values"),
            "{lines}"
        );
    }

    #[test]
    fn appending_matches_series_by_id() {
        let train = Panel::from_raw(
            "train",
            vec![
                ("x".into(), vec![Some(1.0), Some(2.0)]),
                ("y".into(), vec![Some(5.0)]),
            ],
        );
        let test = Panel::from_raw(
            "test",
            vec![("y".into(), vec![Some(6.0)]), ("x".into(), vec![Some(3.0)])],
        );
        let mut p = train.clone();
        p.append(test).unwrap();
        assert_eq!(p.series[0].values, vec![1.0, 2.0, 3.0]);
        assert_eq!(p.series[1].values, vec![5.0, 6.0]);
        let mut q = train;
        let e = q
            .append(Panel::from_raw("t2", vec![("x".into(), vec![Some(3.0)])]))
            .unwrap_err();
        assert!(
            e.to_string().contains("series 'y' of train is not in t2"),
            "{e}"
        );
        assert_eq!(
            q.series[0].values,
            vec![1.0, 2.0],
            "a failed append changes nothing"
        );
    }
}

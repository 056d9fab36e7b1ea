//! A panel ready for one global model: each series split and scaled on its own (scaler
//! fitted on its own training rows), the series stacked in one `[rows × features]`
//! matrix (the value, then each covariate scaled on the series' own training rows, then
//! the static attributes' encoding repeated on every row), and the window origins of each
//! part, which never cross from one series into the next.

use std::ops::Range;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::Panel;
use super::attributes::Encoding;
use crate::config::{RunConfig, WindowNorm};
use crate::data::scale::Scaler;
use crate::data::split::{SplitRanges, split_rows};
use crate::data::window::WindowSpec;
use crate::error::{EngineError, Result};
use crate::train::TrainData;

/// Largest magnitude fed to the model (as for one series: beyond it 32-bit training
/// overflows).
const MAX_MODEL_VALUE: f64 = 1e15;

/// One series' place in the stacked matrix.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    /// Index of the series in the panel.
    pub series: usize,
    /// First row of the series in the matrix.
    pub start: usize,
    /// Rows of the series (all in the matrix, used by a part or not).
    pub len: usize,
    /// The series' parts, in its own rows (0 = its first value).
    pub split: SplitRanges,
    /// Its scaler, fitted on its own training rows (after the log, when asked).
    pub scaler: Scaler,
    /// Its covariates' scalers, fitted on its own training rows.
    pub covariate_scalers: Vec<Scaler>,
}

impl Segment {
    /// Rows of the series in the matrix.
    pub fn rows(&self) -> Range<usize> {
        self.start..self.start + self.len
    }
}

/// A series left out of training, with the reason.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Excluded {
    /// The series' id.
    pub id: String,
    /// Why (too short for one window, values the log cannot take…).
    pub reason: String,
}

/// A panel in model space.
#[derive(Clone, Debug)]
pub struct PanelPrepared {
    /// The panel (user's units).
    pub panel: Arc<Panel>,
    /// The series trained on, in panel order, with their place in the matrix.
    pub segments: Vec<Segment>,
    /// The series left out, with the reason.
    pub excluded: Vec<Excluded>,
    /// Window geometry.
    pub spec: WindowSpec,
    /// Model-space values of every kept series, stacked: row-major `[rows × features]`.
    pub matrix: Vec<f32>,
    /// Columns of the matrix: the value, the covariates, the attributes' encoding.
    pub features: usize,
    /// How the static attributes are encoded (fitted over the panel's series).
    pub encoding: Encoding,
    /// Natural log before scaling.
    pub log: bool,
    /// Training window origins (matrix rows), over all series.
    pub train: Vec<usize>,
    /// Validation window origins.
    pub val: Vec<usize>,
    /// Test window origins.
    pub test: Vec<usize>,
    /// Seasonal period (seasonal naive, MASE, Naive2).
    pub season: usize,
    /// Per-window normalisation.
    pub window_norm: WindowNorm,
}

impl PanelPrepared {
    /// Splits, scales and stacks the series of `panel`; a series too short for one
    /// training window (or that the log cannot take) is left out and listed. An error
    /// only when no series is left.
    pub fn fit(panel: Arc<Panel>, config: &RunConfig) -> Result<Self> {
        config.validate()?;
        if !config.model.strategy.is_direct() {
            return Err(EngineError::Config(format!(
                "the {} strategy is available for one series at a time, not yet for a \
                 panel of series (use --strategy direct)",
                config.model.strategy.name()
            )));
        }
        if !config.data.calendar.is_none() || !config.data.future_covariates.is_empty() {
            return Err(EngineError::Config(
                "calendar features and covariates known in advance are available for one \
                 series at a time, not yet for a panel of series (use --calendar none and \
                 leave out --future-covariates)"
                    .into(),
            ));
        }
        if config.data.diff {
            return Err(EngineError::Config(
                "differencing is not available for a panel of series; per-window \
                 normalisation (model.window_norm = \"last\", the default) removes each \
                 window's level instead"
                    .into(),
            ));
        }
        if config.eval.backtest.is_some() {
            return Err(EngineError::Config(
                "a backtest (eval.backtest, --backtest) is for one series; a panel of \
                 series is scored on every series' test windows instead: leave the \
                 backtest out"
                    .into(),
            ));
        }
        let spec = WindowSpec {
            lookback: config.window.lookback,
            horizon: config.window.horizon,
            stride: config.window.stride,
        };
        let log = config.data.log;
        let encoding = Encoding::fit(&panel)?;
        let features = 1 + panel.covariates.len() + encoding.width();
        let mut prepared = Self {
            panel: panel.clone(),
            segments: Vec::with_capacity(panel.series.len()),
            excluded: Vec::new(),
            spec,
            matrix: Vec::with_capacity(panel.report.rows.saturating_mul(features)),
            features,
            encoding,
            log,
            train: Vec::new(),
            val: Vec::new(),
            test: Vec::new(),
            season: config.eval.season.or(panel.season()).unwrap_or(1),
            window_norm: config.model.window_norm,
        };
        for (index, series) in panel.series.iter().enumerate() {
            match prepared.add(index, series, config) {
                Ok(()) => {}
                Err(reason) => prepared.excluded.push(Excluded {
                    id: series.id.clone(),
                    reason,
                }),
            }
        }
        if prepared.segments.is_empty() {
            let why = prepared
                .excluded
                .first()
                .map(|e| format!(" ({}: {})", e.id, e.reason))
                .unwrap_or_default();
            return Err(EngineError::TooShort(format!(
                "none of the {} series can be trained on{why}",
                panel.series.len()
            )));
        }
        Ok(prepared)
    }

    /// Adds one series, or says why it cannot be.
    fn add(
        &mut self,
        index: usize,
        series: &super::PanelSeries,
        config: &RunConfig,
    ) -> Result<(), String> {
        let values = &series.values;
        let n = values.len();
        let split = split_rows(n, &config.data.split).map_err(|e| e.to_string())?;
        if split.train.len() < self.spec.min_rows() {
            return Err(format!(
                "{n} rows leave {} for training, but one window needs lookback {} + horizon {} = {}",
                split.train.len(),
                self.spec.lookback,
                self.spec.horizon,
                self.spec.min_rows()
            ));
        }
        let transformed: Vec<f64> = if self.log {
            if let Some((row, v)) = values.iter().enumerate().find(|(_, v)| **v <= 0.0) {
                return Err(format!(
                    "row {} is {v}; the log needs every value > 0",
                    row + 1
                ));
            }
            values.iter().map(|v| v.ln()).collect()
        } else {
            values.to_vec()
        };
        let train_rows = |v: &[f64]| v.get(split.train.clone()).unwrap_or(&[]).to_vec();
        let scaler = Scaler::fit(config.data.scale, &train_rows(&transformed), "value")
            .map_err(|e| e.to_string())?;
        let covariate_scalers = self
            .panel
            .covariates
            .iter()
            .zip(&series.covariates)
            .map(|(name, v)| Scaler::fit(config.data.scale_for(name), &train_rows(v), name))
            .collect::<crate::error::Result<Vec<_>>>()
            .map_err(|e| e.to_string())?;
        let attributes = self.encoding.encode(&series.attributes);
        let start_row = self.matrix.len() / self.features;
        let start = self.matrix.len();
        let cell = |row: usize, what: &str, v: f64, scaler: &Scaler| {
            let z = scaler.transform(v);
            if !z.is_finite() || z.abs() > MAX_MODEL_VALUE {
                return Err(format!(
                    "row {}: {what} {v:e} is {z:e} after scaling, too large for 32-bit training",
                    row + 1
                ));
            }
            // In range by the check above.
            Ok(z as f32)
        };
        for (row, v) in transformed.iter().enumerate() {
            let mut line = Vec::with_capacity(self.features);
            line.push(cell(row, "the value", *v, &scaler));
            for ((name, column), s) in self
                .panel
                .covariates
                .iter()
                .zip(&series.covariates)
                .zip(&covariate_scalers)
            {
                let c = column.get(row).copied().unwrap_or(f64::NAN);
                line.push(cell(row, &format!("covariate '{name}'"), c, s));
            }
            match line.into_iter().collect::<Result<Vec<f32>, String>>() {
                Ok(line) => self.matrix.extend(line),
                Err(e) => {
                    self.matrix.truncate(start);
                    return Err(e);
                }
            }
            self.matrix.extend_from_slice(&attributes);
        }
        let start = start_row;
        let at = |r: &Range<usize>| start + r.start..start + r.end;
        self.train.extend(self.spec.inside(at(&split.train)));
        self.val
            .extend(self.spec.targets_inside(at(&split.val), start));
        self.test
            .extend(self.spec.targets_inside(at(&split.test), start));
        self.segments.push(Segment {
            series: index,
            start,
            len: n,
            split,
            scaler,
            covariate_scalers,
        });
        Ok(())
    }

    /// The view the training loop needs: every series' windows over one matrix.
    pub fn train_data(&self) -> TrainData<'_> {
        TrainData {
            matrix: &self.matrix,
            features: self.features,
            targets: 1,
            lookback: self.spec.lookback,
            horizon: self.spec.horizon,
            train: &self.train,
            val: &self.val,
            window_norm: self.window_norm,
            season: self.season,
            known: crate::train::KnownAhead::default(),
            rollout: 0,
        }
    }

    /// The segment holding matrix row `row`.
    pub fn segment_of(&self, row: usize) -> Option<&Segment> {
        let i = self.segments.partition_point(|s| s.start <= row);
        self.segments.get(i.checked_sub(1)?)
    }

    /// The values (user's units) of a segment's series.
    pub fn values(&self, segment: &Segment) -> &[f64] {
        self.panel
            .series
            .get(segment.series)
            .map_or(&[][..], |s| &s.values)
    }

    /// A segment's static attributes, by name.
    pub fn attributes(
        &self,
        segment: &Segment,
    ) -> std::collections::BTreeMap<String, super::AttrValue> {
        let Some(series) = self.panel.series.get(segment.series) else {
            return std::collections::BTreeMap::new();
        };
        self.panel
            .attributes
            .iter()
            .cloned()
            .zip(series.attributes.iter().cloned())
            .collect()
    }

    /// The id of a segment's series.
    pub fn id(&self, segment: &Segment) -> &str {
        self.panel
            .series
            .get(segment.series)
            .map_or("?", |s| s.id.as_str())
    }

    /// Model outputs `[windows × horizon]` for the windows at `origins` (matrix rows) in
    /// the user's units, each through its own series' scaler.
    pub fn invert(&self, origins: &[usize], outputs: &[f32]) -> Vec<f64> {
        let h = self.spec.horizon;
        let mut out = Vec::with_capacity(origins.len() * h);
        for (w, &origin) in origins.iter().enumerate() {
            let scaler = self.segment_of(origin).map(|s| &s.scaler);
            for k in 0..h {
                let z = outputs.get(w * h + k).copied().unwrap_or(f32::NAN);
                let v = scaler.map_or(f64::NAN, |s| s.inverse(f64::from(z)));
                out.push(if self.log { v.exp() } else { v });
            }
        }
        out
    }

    /// Windows in each part, over all series.
    pub fn windows(&self) -> [usize; 3] {
        [self.train.len(), self.val.len(), self.test.len()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ScaleKind, Split};

    fn panel() -> Arc<Panel> {
        Arc::new(Panel::from_raw(
            "p",
            vec![
                ("a".into(), (0..10).map(|v| Some(f64::from(v))).collect()),
                ("short".into(), vec![Some(1.0); 5]),
                (
                    "b".into(),
                    (0..9).map(|v| Some(100.0 + 10.0 * f64::from(v))).collect(),
                ),
            ],
        ))
    }

    fn config() -> RunConfig {
        let mut c = RunConfig::default();
        c.window.lookback = 3;
        c.window.horizon = 2;
        c.data.split = Split::Last { val: 2, test: 2 };
        c.data.scale = ScaleKind::Zscore;
        c
    }

    #[test]
    fn series_are_stacked_windows_stay_inside_each_and_short_ones_are_listed() {
        let p = PanelPrepared::fit(panel(), &config()).unwrap();
        assert_eq!(p.segments.len(), 2);
        assert_eq!(p.excluded.len(), 1);
        assert_eq!(p.excluded[0].id, "short");
        assert!(
            p.excluded[0].reason.contains("5 rows leave 1 for training"),
            "{:?}",
            p.excluded
        );
        // a: rows 0..10, train 0..6 → origins 2, 3 (targets up to row 5); b: rows 10..19,
        // train 10..15 → origin 12.
        assert_eq!(p.segments[1].start, 10);
        assert_eq!(p.train, vec![2, 3, 12]);
        // validation targets a's rows 6, 7 (origin 5) and b's 15, 16 (origin 14)
        assert_eq!(p.val, vec![5, 14]);
        assert_eq!(p.test, vec![7, 16]);
        assert_eq!(p.windows(), [3, 2, 2]);
    }

    #[test]
    fn each_series_is_scaled_on_its_own_training_rows() {
        let p = PanelPrepared::fit(panel(), &config()).unwrap();
        // a's training rows 0..6: mean 2.5, population std sqrt(35/12).
        let a = &p.segments[0].scaler;
        assert!((a.center - 2.5).abs() < 1e-12);
        assert!(
            (a.scale - (35.0f64 / 12.0).sqrt()).abs() < 1e-9,
            "{}",
            a.scale
        );
        // b's training rows 100, 110, 120, 130, 140: mean 120.
        let b = &p.segments[1].scaler;
        assert!((b.center - 120.0).abs() < 1e-12);
        // Round trip through each series' own scaler.
        let origins = [7, 16];
        // the model's outputs for those windows, were it perfect: the scaled targets
        let outputs = [p.matrix[8], p.matrix[9], p.matrix[17], p.matrix[18]];
        let back = p.invert(&origins, &outputs);
        let want = [8.0, 9.0, 170.0, 180.0];
        for (b, w) in back.iter().zip(want) {
            assert!((b - w).abs() < 1e-3, "{back:?}");
        }
    }

    #[test]
    fn no_series_long_enough_is_an_error_naming_one() {
        let mut c = config();
        c.window.lookback = 50;
        let e = PanelPrepared::fit(panel(), &c).unwrap_err().to_string();
        assert!(
            e.contains("none of the 3 series can be trained on (a: 10 rows"),
            "{e}"
        );
    }
}

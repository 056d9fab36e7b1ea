//! Scores of a panel forecast: per series the model's and each baseline's sMAPE, MASE
//! and MAE on the same windows, and over all series the means and M4's OWA relative to
//! Naive2.
//!
//! MASE divides by the series' in-sample seasonal naive error over every row up to the
//! first scored origin (M4's convention for the test part: its training file), so each
//! series is scaled on its own.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::AttrValue;
use super::prepare::{PanelPrepared, Segment};
use crate::eval::baselines::{self, LinearAr};
use crate::eval::m4;

/// The baselines every panel model is compared with, by report name.
pub const BASELINES: [&str; 5] = ["naive", "seasonal_naive", "drift", "linear", "naive2"];

/// Scores of one forecaster on one series (or their mean over series).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Symmetric MAPE, percent (M4's definition, 0–200).
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub smape: f64,
    /// Mean absolute scaled error against the in-sample seasonal naive error.
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub mase: f64,
    /// Mean absolute error, in the series' units.
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub mae: f64,
}

impl Scores {
    fn of(actual: &[f64], forecast: &[f64], mase_scale: Option<f64>) -> Self {
        let n = actual.len().min(forecast.len());
        let mae = if n == 0 || forecast.len() != actual.len() {
            f64::NAN
        } else {
            actual
                .iter()
                .zip(forecast)
                .map(|(a, f)| (a - f).abs())
                .sum::<f64>()
                / n as f64
        };
        Self {
            smape: m4::smape(actual, forecast),
            mase: mase_scale.map_or(f64::NAN, |s| mae / s),
            mae,
        }
    }
}

/// One series' test scores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeriesScores {
    /// The series' id.
    pub id: String,
    /// Its rows.
    pub rows: usize,
    /// Test windows scored.
    pub windows: usize,
    /// The model.
    pub model: Scores,
    /// Each baseline, by name ([`BASELINES`]); a baseline that cannot forecast this
    /// series (e.g. linear on too few windows) is absent.
    pub baselines: BTreeMap<String, Scores>,
    /// Its static attributes, by name (none without attributes).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, AttrValue>,
    /// What its forecasts use (`model` or a baseline, chosen on validation) and their
    /// scores; absent on the validation part and in runs before the choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forecast: Option<(String, Scores)>,
}

impl SeriesScores {
    /// The baseline with the lowest MASE on this series, and its scores.
    pub fn best_baseline(&self) -> Option<(&str, &Scores)> {
        self.baselines
            .iter()
            .filter(|(_, s)| s.mase.is_finite())
            .min_by(|a, b| a.1.mase.total_cmp(&b.1.mase))
            .map(|(name, s)| (name.as_str(), s))
    }
}

/// Means over series and OWA.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Aggregate {
    /// Mean sMAPE over the series.
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub smape: f64,
    /// Mean MASE over the series with a MASE (a series whose in-sample seasonal
    /// differences are all 0 has none).
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub mase: f64,
    /// M4's overall weighted average: ½(sMAPE / Naive2's + MASE / Naive2's).
    #[serde(deserialize_with = "crate::num::nan_if_null")]
    pub owa: f64,
    /// Series averaged.
    pub series: usize,
}

/// The forecasts of one series' test windows, in its units.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeriesForecast {
    /// The series' id.
    pub id: String,
    /// Window origins, in the series' own rows (0 = its first value).
    pub origins: Vec<usize>,
    /// The model's forecasts, row-major `[windows × horizon]`.
    pub model: Vec<f64>,
    /// The actual values, the same shape.
    pub actual: Vec<f64>,
    /// The best baseline on this series (lowest test MASE) and its forecasts.
    pub best_baseline: Option<(String, Vec<f64>)>,
    /// The series' last rows (user's units), from row `history_start`, for plots.
    #[serde(default)]
    pub history: Vec<f64>,
    /// The row of `history`'s first value.
    #[serde(default)]
    pub history_start: usize,
    /// The model's forecast of the `horizon` steps after the series' last row.
    #[serde(default)]
    pub future: Vec<f64>,
    /// What the series is forecast with (`model` or a baseline, chosen on validation;
    /// empty: the model).
    #[serde(default)]
    pub source: String,
    /// The chosen source's test forecasts and forecast past the end (empty when it is
    /// the model: see `model` and `future`).
    #[serde(default)]
    pub chosen: Vec<f64>,
    /// The chosen source's forecast past the end (empty when it is the model).
    #[serde(default)]
    pub chosen_future: Vec<f64>,
}

impl SeriesForecast {
    /// A series with no test windows (only its history and future are filled later).
    pub fn empty(id: &str) -> Self {
        Self {
            id: id.to_string(),
            origins: Vec::new(),
            model: Vec::new(),
            actual: Vec::new(),
            best_baseline: None,
            history: Vec::new(),
            history_start: 0,
            future: Vec::new(),
            source: String::new(),
            chosen: Vec::new(),
            chosen_future: Vec::new(),
        }
    }

    /// The forecasts of the test windows the series' product forecast uses.
    pub fn product(&self) -> &[f64] {
        if self.chosen.is_empty() {
            &self.model
        } else {
            &self.chosen
        }
    }

    /// The product forecast past the end.
    pub fn product_future(&self) -> &[f64] {
        if self.chosen_future.is_empty() {
            &self.future
        } else {
            &self.chosen_future
        }
    }
}

/// Everything scored on a part.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PanelScores {
    /// One entry per series with windows in the part, in panel order.
    pub per_series: Vec<SeriesScores>,
    /// `model` and each baseline.
    pub aggregate: BTreeMap<String, Aggregate>,
}

/// Scores the model's outputs (user's units, `[windows × horizon]` for `origins`, the
/// matrix rows of the test windows) and the baselines on the same windows.
pub fn score(
    prepared: &PanelPrepared,
    origins: &[usize],
    model: &[f64],
) -> (PanelScores, Vec<SeriesForecast>) {
    let h = prepared.spec.horizon;
    let mut per_series = Vec::new();
    let mut forecasts = Vec::new();
    let mut at = 0;
    while at < origins.len() {
        let Some(segment) = origins.get(at).and_then(|&o| prepared.segment_of(o)) else {
            break;
        };
        let rows = segment.rows();
        let count = origins
            .get(at..)
            .map_or(0, |rest| {
                rest.iter().take_while(|o| rows.contains(o)).count()
            })
            .max(1);
        let local: Vec<usize> = origins
            .get(at..at + count)
            .unwrap_or(&[])
            .iter()
            .map(|o| o - segment.start)
            .collect();
        let fc = model.get(at * h..(at + count) * h).unwrap_or(&[]);
        let (scores, forecast) = score_series(prepared, segment, &local, fc);
        per_series.push(scores);
        forecasts.push(forecast);
        at += count;
    }
    let aggregate = aggregate(&per_series);
    (
        PanelScores {
            per_series,
            aggregate,
        },
        forecasts,
    )
}

fn score_series(
    prepared: &PanelPrepared,
    segment: &Segment,
    origins: &[usize],
    model: &[f64],
) -> (SeriesScores, SeriesForecast) {
    let values = prepared.values(segment);
    let (h, m) = (prepared.spec.horizon, prepared.season.max(1));
    let actual: Vec<f64> = origins
        .iter()
        .flat_map(|&t| (t + 1..=t + h).map(|r| values.get(r).copied().unwrap_or(f64::NAN)))
        .collect();
    // Every row up to the first forecast origin: the training file in M4's protocol for
    // the test part, the training rows for validation.
    let insample = origins
        .first()
        .and_then(|&o| values.get(..=o))
        .unwrap_or(values);
    let scale = m4::mase_scale(insample, m);
    let mut baselines = BTreeMap::new();
    let mut best: Option<(String, f64, Vec<f64>)> = None;
    for name in BASELINES {
        let forecast = baseline_forecast(prepared, segment, name, origins);
        if forecast.len() != actual.len() {
            continue;
        }
        let s = Scores::of(&actual, &forecast, scale);
        if s.mase.is_finite() && best.as_ref().is_none_or(|b| s.mase < b.1) {
            best = Some((name.to_string(), s.mase, forecast));
        }
        baselines.insert(name.to_string(), s);
    }
    let id = prepared.id(segment).to_string();
    (
        SeriesScores {
            id: id.clone(),
            rows: values.len(),
            windows: origins.len(),
            model: Scores::of(&actual, model, scale),
            baselines,
            attributes: prepared.attributes(segment),
            forecast: None,
        },
        SeriesForecast {
            id,
            origins: origins.to_vec(),
            model: model.to_vec(),
            actual,
            best_baseline: best.map(|(name, _, fc)| (name, fc)),
            history: Vec::new(),
            history_start: 0,
            future: Vec::new(),
            source: String::new(),
            chosen: Vec::new(),
            chosen_future: Vec::new(),
        },
    )
}

/// Baseline `name`'s forecasts ([`BASELINES`]) of a series from `origins` (its own rows),
/// row-major `[windows × horizon]`; empty when it cannot forecast this series (the linear
/// AR on too few training windows). The linear AR is fitted on the series' training
/// windows.
pub fn baseline_forecast(
    prepared: &PanelPrepared,
    segment: &Segment,
    name: &str,
    origins: &[usize],
) -> Vec<f64> {
    let values = prepared.values(segment);
    let (h, lookback, m) = (
        prepared.spec.horizon,
        prepared.spec.lookback,
        prepared.season.max(1),
    );
    match name {
        "naive" => baselines::naive(values, origins, h),
        "seasonal_naive" => baselines::seasonal_naive(values, origins, h, m),
        "drift" => baselines::drift(values, origins, h, lookback),
        "linear" => {
            let train_origins = prepared.spec.inside(segment.split.train.clone());
            LinearAr::fit(values, &train_origins, lookback, h)
                .map(|ar| ar.predict(values, origins))
                .unwrap_or_default()
        }
        _ => naive2(values, origins, h, m),
    }
}

/// Naive2 from each origin: the last value, seasonally adjusted by the multiplicative
/// indices of the values up to the first origin (no later value), when M4's 90%
/// autocorrelation test finds the season; the plain naive forecast otherwise. With one
/// origin at the end of the in-sample part this is exactly M4's Naive2.
pub fn naive2(values: &[f64], origins: &[usize], h: usize, m: usize) -> Vec<f64> {
    let Some(&first) = origins.first() else {
        return Vec::new();
    };
    let fitted = values.get(..=first).unwrap_or(&[]);
    let indices = (fitted.iter().all(|v| *v > 0.0) && m4::seasonality_test(fitted, m))
        .then(|| m4::seasonal_indices(fitted, m))
        .filter(|si| si.len() == m && si.iter().all(|s| s.is_finite() && *s > 0.0));
    let mut out = Vec::with_capacity(origins.len() * h);
    for &t in origins {
        let last = values.get(t).copied().unwrap_or(f64::NAN);
        for k in 1..=h {
            out.push(match &indices {
                Some(si) => last / si[t % m] * si[(t + k) % m],
                None => last,
            });
        }
    }
    out
}

/// Means over series of the model and each baseline, with OWA relative to Naive2.
pub fn aggregate(per_series: &[SeriesScores]) -> BTreeMap<String, Aggregate> {
    let mut sums: BTreeMap<String, (f64, usize, f64, usize)> = BTreeMap::new();
    for s in per_series {
        let all = std::iter::once(("model", &s.model))
            .chain(s.forecast.iter().map(|(_, f)| ("forecast", f)))
            .chain(s.baselines.iter().map(|(k, v)| (k.as_str(), v)));
        for (name, sc) in all {
            let e = sums.entry(name.to_string()).or_insert((0.0, 0, 0.0, 0));
            if sc.smape.is_finite() {
                e.0 += sc.smape;
                e.1 += 1;
            }
            if sc.mase.is_finite() {
                e.2 += sc.mase;
                e.3 += 1;
            }
        }
    }
    let mean = |sum: f64, n: usize| if n == 0 { f64::NAN } else { sum / n as f64 };
    let mut out: BTreeMap<String, Aggregate> = sums
        .into_iter()
        .map(|(name, (ss, sn, ms, mn))| {
            let a = Aggregate {
                smape: mean(ss, sn),
                mase: mean(ms, mn),
                owa: f64::NAN,
                series: sn.max(mn),
            };
            (name, a)
        })
        .collect();
    if let Some(n2) = out.get("naive2").copied() {
        for a in out.values_mut() {
            a.owa = m4::owa(a.smape, a.mase, n2.smape, n2.mase);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naive2_applies_the_indices_of_the_values_up_to_the_first_origin() {
        // level 100, indices 0.5, 1, 1.5, 1 (mean 1), six seasons
        let s = [0.5, 1.0, 1.5, 1.0];
        let values: Vec<f64> = (0..24).map(|t| 100.0 * s[t % 4]).collect();
        // origins 19 (phase 3) and 21 (phase 1): the last value deseasonalised is 100
        let fc = naive2(&values, &[19, 21], 3, 4);
        let want = [50.0, 100.0, 150.0, 150.0, 100.0, 50.0];
        for (f, w) in fc.iter().zip(want) {
            assert!((f - w).abs() < 1e-9, "{fc:?}");
        }
        // no season (m = 1): the naive forecast
        assert_eq!(naive2(&values, &[19], 2, 1), vec![100.0, 100.0]);
    }

    #[test]
    fn the_aggregate_is_the_mean_over_series_and_owa_is_relative_to_naive2() {
        let sc = |smape, mase| Scores {
            smape,
            mase,
            mae: 1.0,
        };
        let series = |model, n2| SeriesScores {
            id: "s".into(),
            rows: 10,
            windows: 1,
            model,
            baselines: BTreeMap::from([("naive2".to_string(), n2)]),
            attributes: BTreeMap::new(),
            forecast: None,
        };
        let per = [
            series(sc(10.0, 1.0), sc(20.0, 2.0)),
            series(sc(20.0, f64::NAN), sc(40.0, 4.0)),
        ];
        let a = aggregate(&per);
        let m = a["model"];
        assert_eq!((m.smape, m.mase), (15.0, 1.0));
        // ½(15 / 30 + 1 / 3)
        assert!((m.owa - (0.5 * (0.5 + 1.0 / 3.0))).abs() < 1e-12, "{m:?}");
        assert!((a["naive2"].owa - 1.0).abs() < 1e-12);
    }
}

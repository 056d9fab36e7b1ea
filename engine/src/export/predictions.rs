//! The predictions CSV: one row per window and horizon step of each part, then the
//! forecast past the end, with the product forecast, its interval bands, a quantile
//! model's quantiles and, when asked, every baseline.

use std::fmt::Write as _;

use crate::data::series::Series;
use crate::eval::baselines::BaselineKind;
use crate::eval::choice::Source;
use crate::pipeline::intervals::quantile_at;
use crate::pipeline::quantiles::QuantileForecasts;
use crate::pipeline::{FutureForecast, PartForecast, RunSummary};

/// What to put in the predictions CSV.
#[derive(Clone, Copy, Debug, Default)]
pub struct CsvOptions {
    /// Add one column per baseline and target.
    pub baselines: bool,
}

/// Builds the predictions CSV: one row per (window, horizon step) of the validation and
/// test parts and of the backtest (when one ran: `split` = `backtest`, forecasts of a
/// retrained model with `refit`), then the forecast past the end (`split` = `future`, no actual).
/// Columns: `origin,target_time,step,split`, then per target `<name>_actual`,
/// `<name>_predicted` (the product forecast), `<name>_model` (the network's own, when
/// the product forecast is something else), `<name>_lo80`/`<name>_hi80` per interval
/// level, `<name>_q10` per level of a quantile model (the network's quantiles) and, when
/// asked, `<name>_<baseline>`; last,
/// `forecast` names what `_predicted` holds (`lstm`, `seasonal_naive`,
/// `ensemble(0.60 lstm + 0.40 seasonal_naive)`).
pub fn predictions_csv(summary: &RunSummary, series: &Series, options: CsvOptions) -> String {
    let backtest = summary.backtest.as_ref().map(|b| &b.forecast);
    let parts: Vec<(&str, &PartForecast)> = [
        ("validation", summary.val.as_ref()),
        ("test", summary.test.as_ref()),
        ("backtest", backtest),
    ]
    .into_iter()
    .filter_map(|(name, part)| part.map(|p| (name, p)))
    .collect();
    let kinds: Vec<BaselineKind> = if options.baselines {
        BaselineKind::ALL
            .into_iter()
            .filter(|k| parts.iter().all(|(_, p)| p.baselines.contains_key(k)))
            .collect()
    } else {
        Vec::new()
    };
    let cell = summary.config.model.cell.name();
    let product = summary
        .forecast
        .as_ref()
        .map(|c| Product::of(c.chosen, cell));
    let bands = summary.intervals.as_ref().and_then(Bands::of);
    write_predictions(
        &summary.data.targets,
        series,
        &parts,
        &kinds,
        Some(&summary.future),
        &ForecastColumns {
            product: product.as_ref(),
            bands: bands.as_ref(),
            quantile_levels: summary
                .config
                .train
                .loss
                .quantiles()
                .map_or(&[], |q| q.as_slice()),
        },
    )
}

/// Prediction intervals around the product forecast: per target, per level, per step,
/// the radius (`None`: no interval at that level), or, for a quantile model's level with
/// a pair, the CQR margin around that pair of quantiles.
pub struct Bands<'a> {
    /// Nominal levels (0–1).
    pub levels: &'a [f64],
    /// Per target, per level, per horizon step.
    pub radii: &'a [Vec<Vec<Option<f64>>>],
    /// Per level, the quantile pair the margin widens (empty: around the point).
    pub pairs: &'a [crate::eval::intervals::QuantilePair],
}

impl<'a> Bands<'a> {
    /// The product forecast's bands of a run (`None` without intervals).
    pub fn of(intervals: &'a crate::pipeline::intervals::Intervals) -> Option<Self> {
        intervals.product().map(|radii| Self {
            levels: &intervals.levels,
            radii,
            pairs: intervals.product_pairs(),
        })
    }

    /// Level `l`'s band for target `j` at horizon step `step` around `point`;
    /// `quantile(i)` is level `i`'s forecast at the cell.
    pub fn band(
        &self,
        (j, l, step): (usize, usize, usize),
        point: f64,
        quantile: impl Fn(usize) -> Option<f64>,
    ) -> Option<(f64, f64)> {
        let margin = self.radii.get(j)?.get(l)?.get(step).copied().flatten();
        let pair = self.pairs.get(l).copied().flatten();
        crate::eval::intervals::band_at(margin, pair, point, quantile)
    }

    /// `,lo,hi` per level for target `j`, step `step`, around `point`.
    fn cells(
        &self,
        j: usize,
        step: usize,
        point: Option<f64>,
        quantile: impl Fn(usize) -> Option<f64>,
    ) -> String {
        let mut out = String::new();
        for l in 0..self.levels.len() {
            match point.and_then(|p| self.band((j, l, step), p, &quantile)) {
                Some((lo, hi)) => {
                    let _ = write!(out, ",{},{}", fmt_num(lo), fmt_num(hi));
                }
                None => out.push_str(",,"),
            }
        }
        out
    }
}

/// The product forecast's columns: what it is, and whether the model's own forecast
/// gets a column of its own.
pub struct Product {
    /// The `forecast` column's value.
    pub name: String,
    /// Add `<target>_model` beside `<target>_predicted`.
    pub model_column: bool,
}

impl Product {
    /// The columns for `source`, the model being a `cell` (`lstm`): `lstm`,
    /// `seasonal_naive`, `ensemble(0.60 lstm + 0.40 seasonal_naive)`.
    pub fn of(source: Source, cell: &str) -> Self {
        let name = match source {
            Source::Model => cell.to_string(),
            Source::Baseline { baseline } => baseline.name().to_string(),
            Source::Ensemble {
                baseline,
                model_weight,
            } => format!(
                "ensemble({model_weight:.2} {cell} + {:.2} {})",
                1.0 - model_weight,
                baseline.name()
            ),
            Source::Pair { simpler, fitted } => format!(
                "baselines(0.50 {} + 0.50 {})",
                simpler.name(),
                fitted.name()
            ),
        };
        Self {
            name,
            model_column: source != Source::Model,
        }
    }
}

/// The forecast's columns beside the actual and predicted values: what the product
/// forecast is, its interval bands, and a quantile model's levels (one column each).
#[derive(Default)]
pub struct ForecastColumns<'a> {
    /// The product forecast (`None`: the model's, no `forecast` column).
    pub product: Option<&'a Product>,
    /// The interval bands (`None`: no `_lo`/`_hi` columns).
    pub bands: Option<&'a Bands<'a>>,
    /// The quantile model's levels (empty: no `_q` columns).
    pub quantile_levels: &'a [f64],
}

impl ForecastColumns<'_> {
    /// The band and quantile cells of target `j` at horizon step `step` around `point`;
    /// `cell` indexes the cell in the quantile forecasts `q`.
    fn cells(
        &self,
        j: usize,
        step: usize,
        point: Option<f64>,
        q: Option<&QuantileForecasts>,
        cell: usize,
    ) -> String {
        let mut out = self.bands.map_or_else(String::new, |b| {
            b.cells(j, step, point, |l| quantile_at(q, l, j, cell))
        });
        for l in 0..self.quantile_levels.len() {
            let value = quantile_at(q, l, j, cell);
            let _ = write!(out, ",{}", value.map(fmt_num).unwrap_or_default());
        }
        out
    }
}

/// The same layout for arbitrary parts (used by `predict` on a saved model).
pub fn write_predictions(
    targets: &[String],
    series: &Series,
    parts: &[(&str, &PartForecast)],
    kinds: &[BaselineKind],
    future: Option<&FutureForecast>,
    columns: &ForecastColumns<'_>,
) -> String {
    let ForecastColumns {
        product,
        bands,
        quantile_levels,
    } = *columns;
    let model_column = product.is_some_and(|p| p.model_column);
    let mut out = String::from("origin,target_time,step,split");
    for t in targets {
        let _ = write!(
            out,
            ",{},{}",
            header_field(&format!("{t}_actual")),
            header_field(&format!("{t}_predicted"))
        );
        for level in bands.map_or(&[][..], |b| b.levels) {
            let l = crate::eval::intervals::label(*level);
            let _ = write!(
                out,
                ",{},{}",
                header_field(&format!("{t}_lo{l}")),
                header_field(&format!("{t}_hi{l}"))
            );
        }
        for level in quantile_levels {
            let l = crate::eval::intervals::label(*level);
            let _ = write!(out, ",{}", header_field(&format!("{t}_q{l}")));
        }
        if model_column {
            let _ = write!(out, ",{}", header_field(&format!("{t}_model")));
        }
        for k in kinds {
            let _ = write!(out, ",{}", header_field(&format!("{t}_{}", k.name())));
        }
    }
    let forecast_cell = product.map(|p| format!(",{}", csv_field(&p.name)));
    if forecast_cell.is_some() {
        out.push_str(",forecast");
    }
    out.push('\n');
    for (split, part) in parts {
        let horizon = part
            .model
            .first()
            .map_or(0, |v| v.len() / part.origins.len().max(1));
        for (w, &origin) in part.origins.iter().enumerate() {
            for step in 0..horizon {
                let i = w * horizon + step;
                let _ = write!(
                    out,
                    "{},{},{},{split}",
                    csv_field(&series.time_label(origin)),
                    csv_field(&series.time_label(origin + 1 + step)),
                    step + 1
                );
                for j in 0..targets.len() {
                    let cell = |v: Option<&Vec<f64>>| {
                        v.and_then(|v| v.get(i))
                            .map(|x| fmt_num(*x))
                            .unwrap_or_default()
                    };
                    // The product forecast; the model's where no choice was applied.
                    let predicted = part.product.get(j).or(part.model.get(j));
                    let _ = write!(out, ",{},{}", cell(part.actual.get(j)), cell(predicted));
                    let point = predicted.and_then(|v| v.get(i)).copied();
                    out.push_str(&columns.cells(j, step, point, part.quantiles.as_ref(), i));
                    if model_column {
                        let _ = write!(out, ",{}", cell(part.model.get(j)));
                    }
                    for k in kinds {
                        let _ = write!(
                            out,
                            ",{}",
                            cell(part.baselines.get(k).and_then(|b| b.get(j)))
                        );
                    }
                }
                out.push_str(forecast_cell.as_deref().unwrap_or(""));
                out.push('\n');
            }
        }
    }
    if let Some(f) = future {
        for (step, label) in f.labels.iter().enumerate() {
            let _ = write!(
                out,
                "{},{},{},future",
                csv_field(&f.origin),
                csv_field(label),
                step + 1
            );
            for j in 0..targets.len() {
                let at = |values: &[Vec<f64>]| {
                    values
                        .get(j)
                        .and_then(|v| v.get(step))
                        .map(|x| fmt_num(*x))
                        .unwrap_or_default()
                };
                let _ = write!(out, ",,{}", at(&f.values));
                let point = f.values.get(j).and_then(|v| v.get(step)).copied();
                out.push_str(&columns.cells(j, step, point, f.quantiles.as_ref(), step));
                if model_column {
                    let _ = write!(out, ",{}", at(&f.model));
                }
                out.extend(std::iter::repeat_n(',', kinds.len()));
            }
            out.push_str(forecast_cell.as_deref().unwrap_or(""));
            out.push('\n');
        }
    }
    out
}

/// A number cell: the value, or empty when it is not finite.
pub(super) fn fmt_num(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

/// A header cell made of a column name from the data (or any text cell taken from it,
/// such as a series id): a name starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return is prefixed with `'`, so that a spreadsheet
/// opening the export shows it as text instead of running it as a formula (CSV
/// injection); then quoted as any field.
pub(super) fn header_field(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        csv_field(&format!("'{s}"))
    } else {
        csv_field(s)
    }
}

/// Quotes a field when it holds a delimiter, a quote or a newline.
pub(super) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

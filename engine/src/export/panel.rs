//! A panel run's JSON report (`per_series` and `aggregate` at the top) and its
//! predictions CSV (one row per series, window and step, with a `series` column).

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::{csv_field, fmt_num, header_field};
use crate::error::{EngineError, Result};
use crate::panel::Panel;
use crate::panel::run::PanelSummary;
use crate::panel::score::{SeriesForecast, SeriesScores};

/// The report: what was run (`config`, `data`, `training`), then the test part's scores
/// per series (`per_series`: each with the model's and every baseline's sMAPE, MASE,
/// MAE, its best baseline and the model's MASE relative to it) and over all series
/// (`aggregate`: `smape`, `mase`, `owa` of the model and each baseline), and the same
/// for the validation part under `validation`. Without test windows both are empty and
/// `part` is null.
pub fn report_json(summary: &PanelSummary) -> Result<String> {
    let per_series: Vec<Value> = summary
        .test
        .as_ref()
        .map(|t| t.per_series.iter().map(series_entry).collect())
        .unwrap_or_default();
    let aggregate = summary
        .test
        .as_ref()
        .map(|t| to_value(&t.aggregate))
        .transpose()?
        .unwrap_or_else(|| json!({}));
    let validation = match &summary.validation {
        Some(v) => json!({
            "aggregate": to_value(&v.aggregate)?,
            "per_series": v.per_series.iter().map(series_entry).collect::<Vec<_>>(),
        }),
        None => Value::Null,
    };
    let report = json!({
        "kind": "panel",
        "part": summary.test.as_ref().map(|_| "test"),
        "aggregate": aggregate,
        "per_series": per_series,
        "validation": validation,
        "data": to_value(&summary.data)?,
        "training": to_value(&summary.training)?,
        "config": to_value(&summary.config)?,
        "elapsed_secs": summary.elapsed_secs,
    });
    serde_json::to_string_pretty(&report)
        .map_err(|e| EngineError::Export(format!("cannot write the report: {e}")))
}

fn to_value<T: serde::Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value)
        .map_err(|e| EngineError::Export(format!("cannot write the report: {e}")))
}

/// One series' entry: its scores, the best baseline and the model's MASE relative to it.
fn series_entry(s: &SeriesScores) -> Value {
    let best = s.best_baseline();
    let mut entry = json!({
        "id": s.id,
        "rows": s.rows,
        "windows": s.windows,
        "model": s.model,
        "baselines": s.baselines,
        "best_baseline": best.map(|(name, _)| name),
        "model_vs_best_baseline": best.map(|(_, b)| s.model.mase / b.mase).filter(|r| r.is_finite()),
    });
    if let (Some((source, scores)), Some(map)) = (&s.forecast, entry.as_object_mut()) {
        map.insert(
            "forecast".to_string(),
            json!({"source": source, "smape": scores.smape, "mase": scores.mase, "mae": scores.mae}),
        );
    }
    if !s.attributes.is_empty()
        && let (Some(map), Ok(attributes)) =
            (entry.as_object_mut(), serde_json::to_value(&s.attributes))
    {
        map.insert("attributes".to_string(), attributes);
    }
    entry
}

/// A saved model's forecasts of many series past their ends:
/// `series,target_time,step,forecast,source` (`source`: the model, or the baseline the
/// run chose for that series).
pub fn future_csv(prediction: &crate::panel::predict::PanelPrediction) -> String {
    let mut out = String::from("series,target_time,step,forecast,source\n");
    for f in &prediction.forecasts {
        let id = header_field(&f.id);
        for (k, (t, v)) in f.times.iter().zip(&f.values).enumerate() {
            let _ = writeln!(
                out,
                "{id},{},{},{},{}",
                csv_field(t),
                k + 1,
                fmt_num(*v),
                csv_field(&f.source)
            );
        }
    }
    out
}

/// The predictions CSV: `series,origin,target_time,step,split,actual,predicted,forecast,
/// best_baseline,best_baseline_predicted,model_predicted`. Test windows first (`split` =
/// `test`), then each series' forecast past its end (`future`, no actual). Times are
/// written as the file writes them, or as the row number within the series without a
/// time column. `forecast` names what `predicted` holds: the cell (`lstm`), or the
/// baseline chosen for that series on validation; `model_predicted` is the model's own.
pub fn predictions_csv(
    panel: &Panel,
    summary: &PanelSummary,
    forecasts: &[SeriesForecast],
) -> String {
    let cell = summary.config.model.cell.name();
    let h = summary.config.window.horizon;
    let mut out = String::from(
        "series,origin,target_time,step,split,actual,predicted,forecast,best_baseline,\
         best_baseline_predicted,model_predicted\n",
    );
    let by_id: std::collections::HashMap<&str, &crate::panel::PanelSeries> =
        panel.series.iter().map(|s| (s.id.as_str(), s)).collect();
    let time = |id: &str, row: usize| -> String {
        by_id
            .get(id)
            .and_then(|s| panel.time_label(s, row))
            .unwrap_or_else(|| row.to_string())
    };
    let number = |v: Option<f64>| v.map_or(String::new(), fmt_num);
    for f in forecasts {
        let id = header_field(&f.id);
        let (base_name, base) = match &f.best_baseline {
            Some((name, values)) => (name.as_str(), Some(values)),
            None => ("", None),
        };
        let source = if f.chosen.is_empty() {
            cell
        } else {
            f.source.as_str()
        };
        for (w, &origin) in f.origins.iter().enumerate() {
            for k in 0..h {
                let at = w * h + k;
                let _ = writeln!(
                    out,
                    "{id},{},{},{},test,{},{},{source},{base_name},{},{}",
                    csv_field(&time(&f.id, origin)),
                    csv_field(&time(&f.id, origin + k + 1)),
                    k + 1,
                    number(f.actual.get(at).copied()),
                    number(f.product().get(at).copied()),
                    number(base.and_then(|b| b.get(at).copied())),
                    number(f.model.get(at).copied()),
                );
            }
        }
    }
    for f in forecasts {
        let id = header_field(&f.id);
        let last = f.history_start + f.history.len();
        let Some(origin) = last.checked_sub(1) else {
            continue;
        };
        let source = if f.chosen_future.is_empty() {
            cell
        } else {
            f.source.as_str()
        };
        for (k, v) in f.product_future().iter().enumerate() {
            let _ = writeln!(
                out,
                "{id},{},{},{},future,,{},{source},,,{}",
                csv_field(&time(&f.id, origin)),
                csv_field(&time(&f.id, origin + k + 1)),
                k + 1,
                number(Some(*v)),
                number(f.future.get(k).copied()),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::panel::score::{PanelScores, Scores};

    fn scores(mase: f64) -> Scores {
        Scores {
            smape: 10.0 * mase,
            mase,
            mae: mase,
        }
    }

    #[test]
    fn the_report_puts_per_series_and_aggregate_at_the_top() {
        let per_series = vec![SeriesScores {
            id: "a".into(),
            rows: 50,
            windows: 1,
            model: scores(0.8),
            baselines: BTreeMap::from([
                ("naive".to_string(), scores(1.0)),
                ("seasonal_naive".to_string(), scores(0.5)),
                ("naive2".to_string(), scores(2.0)),
            ]),
            attributes: BTreeMap::new(),
            forecast: None,
        }];
        let aggregate = crate::panel::score::aggregate(&per_series);
        let summary = crate::panel::run::tests::summary_with(Some(PanelScores {
            per_series,
            aggregate,
        }));
        let v: Value = serde_json::from_str(&report_json(&summary).unwrap()).unwrap();
        assert_eq!(v["kind"], "panel");
        assert_eq!(v["per_series"][0]["id"], "a");
        assert_eq!(v["per_series"][0]["best_baseline"], "seasonal_naive");
        assert!(
            (v["per_series"][0]["model_vs_best_baseline"]
                .as_f64()
                .unwrap()
                - 1.6)
                .abs()
                < 1e-12
        );
        // OWA = ½(8 / 20 + 0.8 / 2) = 0.4
        assert!((v["aggregate"]["model"]["owa"].as_f64().unwrap() - 0.4).abs() < 1e-12);
        assert!((v["aggregate"]["naive2"]["mase"].as_f64().unwrap() - 2.0).abs() < 1e-12);
        assert!(v["config"]["window"].is_object());
    }

    #[test]
    fn the_csv_has_a_series_column_the_files_times_and_the_future() {
        use crate::data::time::{Frequency, TimeFormat};
        let time = crate::panel::PanelTime {
            format: TimeFormat::IsoDate,
            frequency: Frequency::Seconds(86_400),
        };
        // 2024-01-01 = day 19723
        let jan1 = 19_723 * 86_400;
        let panel = Panel::from_timed(
            "p",
            vec![crate::panel::RawSeries::new(
                "a,b".into(),
                vec![Some(1.0); 6],
                Some(jan1),
            )],
            Some(time),
        );
        let mut summary = crate::panel::run::tests::summary_with(None);
        summary.config.window.horizon = 2;
        let f = SeriesForecast {
            origins: vec![3],
            model: vec![4.5, 5.5],
            actual: vec![4.0, 5.0],
            best_baseline: Some(("naive".into(), vec![3.0, 3.0])),
            history: vec![1.0; 6],
            history_start: 0,
            future: vec![7.0, 8.0],
            ..SeriesForecast::empty("a,b")
        };
        let csv = predictions_csv(&panel, &summary, std::slice::from_ref(&f));
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines,
            [
                "series,origin,target_time,step,split,actual,predicted,forecast,best_baseline,best_baseline_predicted,model_predicted",
                "\"a,b\",2024-01-04,2024-01-05,1,test,4,4.5,lstm,naive,3,4.5",
                "\"a,b\",2024-01-04,2024-01-06,2,test,5,5.5,lstm,naive,3,5.5",
                "\"a,b\",2024-01-06,2024-01-07,1,future,,7,lstm,,,7",
                "\"a,b\",2024-01-06,2024-01-08,2,future,,8,lstm,,,8",
            ]
        );
        // A series forecast with a baseline chosen on validation: `predicted` is its
        // forecasts, `forecast` names it, `model_predicted` keeps the model's.
        let chosen = SeriesForecast {
            source: "seasonal_naive".into(),
            chosen: vec![4.0, 4.5],
            chosen_future: vec![6.0, 6.5],
            ..f.clone()
        };
        let csv = predictions_csv(&panel, &summary, std::slice::from_ref(&chosen));
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[1],
            "\"a,b\",2024-01-04,2024-01-05,1,test,4,4,seasonal_naive,naive,3,4.5"
        );
        assert_eq!(
            lines[3],
            "\"a,b\",2024-01-06,2024-01-07,1,future,,6,seasonal_naive,,,7"
        );
        // An id a spreadsheet would run as a formula is written as text.
        let hostile = SeriesForecast {
            id: "=HYPERLINK(\"x\")".into(),
            ..f
        };
        let csv = predictions_csv(&panel, &summary, &[hostile]);
        let row = csv.lines().nth(1).unwrap();
        assert!(row.starts_with("\"'=HYPERLINK(\"\"x\"\")\","), "{row}");
    }
}

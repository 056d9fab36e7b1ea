//! Predictions CSV and JSON run report, each written atomically (temp file + rename),
//! so a crash or a full disk never leaves a half-written file under the final name.

mod backtest;
pub mod panel;
mod predictions;

pub use predictions::{
    Bands, CsvOptions, ForecastColumns, Product, predictions_csv, write_predictions,
};
use predictions::{csv_field, fmt_num, header_field};

use std::io::Write as _;
use std::path::Path;

use serde_json::{Value, json};

use crate::error::{EngineError, Result};
use crate::pipeline::intervals::quantile_at;
use crate::pipeline::{FutureForecast, RunSummary};

/// Writes `bytes` to `path` atomically: a sibling temp file, fsync, then rename, then
/// an fsync of the folder so the rename itself survives a crash. The temp file is
/// created exclusively: a file or symlink already at its name is never written through
/// (another name is tried).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let mut last_error = None;
    for attempt in 0..8u32 {
        let tmp = dir.join(format!(".{name}.tmp-{}-{attempt}", std::process::id()));
        let mut file = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                last_error = Some(e);
                continue;
            }
            Err(e) => return Err(EngineError::io("cannot write", path, e)),
        };
        let result = file
            .write_all(bytes)
            .and_then(|()| file.sync_all())
            .and_then(|()| std::fs::rename(&tmp, path));
        return match result {
            Ok(()) => {
                sync_dir(dir);
                Ok(())
            }
            Err(e) => {
                // Best effort: the temp file is garbage now, and the target is untouched.
                let _ = std::fs::remove_file(&tmp);
                Err(EngineError::io("cannot write", path, e))
            }
        };
    }
    Err(EngineError::io(
        "cannot write",
        path,
        last_error.unwrap_or_else(|| std::io::Error::other("no free temporary name")),
    ))
}

/// Flushes a folder's entries (the rename just made) to disk; best effort, as some
/// platforms and file systems cannot open or sync a folder.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Refuses to write `output` over `input` (the data file a run or a prediction read):
/// `seqcast predict --csv d.csv --export d.csv` used to replace the data silently.
pub fn refuse_overwriting(output: &Path, input: &Path) -> Result<()> {
    let same = match (std::fs::canonicalize(output), std::fs::canonicalize(input)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Err(EngineError::Export(format!(
            "{} is the data file this forecast was made from; write the export to another \
             file",
            output.display()
        )));
    }
    Ok(())
}

/// The JSON run report. Stable shape (documented in the README):
/// `{"model": {mse, mae, rmse, mape, smape, mase}, "baselines": {"naive": {…}, …},
/// "metrics_scale", "history": [{epoch, train_loss, val_loss, lr, …}], …}` with test
/// metrics (validation metrics when there is no test part).
pub fn report_json(summary: &RunSummary) -> Value {
    let scale = summary.config.eval.metrics_scale;
    let metrics_of = |scores: Option<&crate::pipeline::PartScores>| {
        scores.map(|s| {
            let table = s.in_scale(scale);
            json!({
                "model": table.model.overall,
                "baselines": table.baselines.iter().map(|(k, m)| (k.name().to_string(), json!(m.overall))).collect::<serde_json::Map<_, _>>(),
                "per_horizon": {
                    "model": table.model.per_step,
                    "baselines": table.baselines.iter().map(|(k, m)| (k.name().to_string(), json!(m.per_step))).collect::<serde_json::Map<_, _>>(),
                },
                "per_target": table.per_target,
            })
        })
    };
    let test = metrics_of(summary.test_scores.as_ref());
    let val = metrics_of(summary.val_scores.as_ref());
    let headline = test.clone().or_else(|| val.clone()).unwrap_or(Value::Null);
    let product = |scores: Option<&crate::pipeline::PartScores>| {
        scores.and_then(|s| s.in_scale(scale).product.as_ref().map(|m| json!(m.overall)))
    };
    let forecast = summary.forecast.as_ref().map(|c| {
        json!({
            "mode": c.mode,
            "chosen": c.chosen,
            "why": c.why,
            "validation": product(summary.val_scores.as_ref()),
            "test": product(summary.test_scores.as_ref()),
            "skill": c.skill(),
            "best_baseline": c.best_baseline.map(|(k, _)| k.name()),
            "reference_baseline": c.reference.map(|(k, _)| k.name()),
            "candidates": c.candidates,
        })
    });
    let mut report = json!({
        "seqcast_version": env!("CARGO_PKG_VERSION"),
        "metrics_scale": scale,
        "metrics_part": if test.is_some() { "test" } else if val.is_some() { "validation" } else { "none" },
        "model": headline.get("model").cloned().unwrap_or(Value::Null),
        "baselines": headline.get("baselines").cloned().unwrap_or(Value::Null),
        "per_horizon": headline.get("per_horizon").cloned().unwrap_or(Value::Null),
        "per_target": headline.get("per_target").cloned().unwrap_or(Value::Null),
        "validation": val,
        "forecast": forecast,
        "unavailable_baselines": summary.unavailable_baselines.iter().map(|(k, why)| json!({"baseline": k.name(), "reason": why})).collect::<Vec<_>>(),
        "history": summary.training.history,
        "training": {
            "best_epoch": summary.training.best_epoch,
            "stop": summary.training.stop,
            "stop_reason": summary.training.stop.describe(),
            "elapsed_secs": summary.training.elapsed_secs,
            "windows_per_sec": summary.training.windows_per_sec,
            "parameters": summary.training.parameters,
            "alerts": summary.training.alerts,
            "diag_every": summary.training.diag_every,
            "diag_cost": summary.training.diag_cost,
            // A branch that continued from a checkpoint: the epoch it holds.
            "resumed_from": summary.training.resumed_from,
        },
        "data": summary.data,
        "seed": summary.config.train.seed,
        "config": summary.config,
        "future": summary.future,
    });
    if let Some(intervals) = &summary.intervals {
        add_intervals(&mut report, intervals);
        if let Some(future) = report.get_mut("future").and_then(Value::as_object_mut) {
            future.insert("bands".into(), future_bands(&summary.future, intervals));
        }
    }
    if let (Some(bt), Some(map)) = (&summary.backtest, report.as_object_mut()) {
        map.insert("backtest".into(), backtest::report(bt, scale));
    }
    if let Some(q) = &summary.quantiles {
        // A quantile model: its mean test pinball loss beside its point metrics, and
        // every level's and interval's scores in a block of their own.
        if let Some(model) = report.get_mut("model").and_then(Value::as_object_mut) {
            model.insert("pinball".into(), json!(q.pinball));
        }
        if let Some(map) = report.as_object_mut() {
            map.insert("quantiles".into(), json!(q));
        }
    }
    report
}

/// The intervals' test scores under `model.intervals`, `baselines.<name>.intervals` and
/// `forecast.intervals` (`{"80": {coverage, width, winkler}, …}`), and their levels,
/// calibration windows and the product forecast's radii under `intervals`.
fn add_intervals(report: &mut Value, intervals: &crate::pipeline::intervals::Intervals) {
    let scores = |name: &str| intervals.test.get(name).map(|s| json!(s));
    if let Some(s) = scores("model")
        && let Some(model) = report.get_mut("model").and_then(Value::as_object_mut)
    {
        model.insert("intervals".into(), s);
    }
    if let Some(baselines) = report.get_mut("baselines").and_then(Value::as_object_mut) {
        for (name, entry) in baselines.iter_mut() {
            if let (Some(s), Some(entry)) = (scores(name), entry.as_object_mut()) {
                entry.insert("intervals".into(), s);
            }
        }
    }
    if let Some(s) = scores(crate::pipeline::intervals::PRODUCT)
        && let Some(forecast) = report.get_mut("forecast").and_then(Value::as_object_mut)
    {
        forecast.insert("intervals".into(), s);
    }
    if let Some(map) = report.as_object_mut() {
        map.insert(
            "intervals".into(),
            json!({
                "method": "split conformal on the validation windows' absolute errors, per horizon step",
                // A quantile model's own bands: its trained pairs widened by CQR margins
                // (the radii of these forecasters are those margins).
                "cqr": intervals.pairs.keys().collect::<Vec<_>>(),
                "levels": intervals.levels,
                "calibration_windows": intervals.calibration_windows,
                "forecast_radii": intervals.product(),
                "forecast_coverage_per_step": intervals.coverage_per_step,
            }),
        );
    }
}

/// The forecast past the end's bands, as the CSV's `future` rows write them:
/// `{"80": {"lo": [per target: per step], "hi": […]}, …}` (null where a level has no
/// finite band).
fn future_bands(
    future: &FutureForecast,
    intervals: &crate::pipeline::intervals::Intervals,
) -> Value {
    let bands = Bands::of(intervals);
    let mut out = serde_json::Map::new();
    for (l, level) in intervals.levels.iter().enumerate() {
        let (mut lo, mut hi) = (Vec::new(), Vec::new());
        for (j, values) in future.values.iter().enumerate() {
            let (l_row, h_row): (Vec<Option<f64>>, Vec<Option<f64>>) = values
                .iter()
                .enumerate()
                .map(|(k, p)| {
                    let band = bands.as_ref().and_then(|b| {
                        b.band((j, l, k), *p, |i| {
                            quantile_at(future.quantiles.as_ref(), i, j, k)
                        })
                    });
                    (band.map(|b| b.0), band.map(|b| b.1))
                })
                .unzip();
            lo.push(l_row);
            hi.push(h_row);
        }
        out.insert(
            crate::eval::intervals::label(*level),
            json!({ "lo": lo, "hi": hi }),
        );
    }
    Value::Object(out)
}

/// Writes the report atomically as pretty JSON.
pub fn write_report(path: &Path, summary: &RunSummary) -> Result<()> {
    let text = serde_json::to_string_pretty(&report_json(summary))
        .map_err(|e| EngineError::Config(format!("cannot serialise the report: {e}")))?;
    write_atomic(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out file é.csv");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let missing_dir = dir.path().join("no/such/dir/x.csv");
        assert!(
            write_atomic(&missing_dir, b"x")
                .unwrap_err()
                .to_string()
                .contains("cannot write")
        );
    }

    #[test]
    fn the_temp_file_never_writes_through_a_file_or_link_at_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, b"keep me").unwrap();
        // Something already sits at the first temp name (a symlink on unix).
        let first = dir
            .path()
            .join(format!(".out.csv.tmp-{}-0", std::process::id()));
        #[cfg(unix)]
        std::os::unix::fs::symlink(&victim, &first).unwrap();
        #[cfg(not(unix))]
        std::fs::write(&first, b"stale").unwrap();
        write_atomic(&path, b"fresh").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"fresh");
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep me");
    }

    #[test]
    fn an_export_is_never_written_over_its_data_file() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("d.csv");
        std::fs::write(&data, b"value\n1\n").unwrap();
        let err = refuse_overwriting(&data, &data).unwrap_err().to_string();
        assert!(err.ends_with("d.csv is the data file this forecast was made from; write the export to another file"), "{err}");
        // The same file by another path, too.
        let other = dir.path().join(".").join("d.csv");
        assert!(refuse_overwriting(&other, &data).is_err());
        assert!(refuse_overwriting(&dir.path().join("out.csv"), &data).is_ok());
    }

    #[test]
    fn formula_leading_header_cells_are_neutralised() {
        assert_eq!(header_field("=SUM(A1)_actual"), "'=SUM(A1)_actual");
        assert_eq!(header_field("+x"), "'+x");
        assert_eq!(header_field("-x"), "'-x");
        assert_eq!(header_field("@x,y"), "\"'@x,y\"");
        assert_eq!(header_field("sales_actual"), "sales_actual");
    }

    #[test]
    fn fields_with_delimiters_are_quoted() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }
}

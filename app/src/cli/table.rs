//! The closing tables: the model against the baselines, and the run's facts.

use std::fmt::Write as _;

use seqcast_engine::config::MetricsScale;
use seqcast_engine::eval::metrics::Metrics;
use seqcast_engine::pipeline::{RunSummary, ScoreTable};

/// A table column: header and how to read it from a row's metrics.
type Column = (&'static str, fn(&Metrics) -> Option<f64>);

/// The metrics table for one part, best value of each column marked with `*`.
/// `product` names the product forecast's row when it is not the model itself.
pub fn metrics_table(
    title: &str,
    table: &ScoreTable,
    model_name: &str,
    product: Option<&str>,
) -> String {
    let mut rows: Vec<(String, &Metrics)> = vec![(model_name.to_string(), &table.model.overall)];
    if let (Some(name), Some(m)) = (product, &table.product) {
        rows.insert(0, (name.to_string(), &m.overall));
    }
    rows.extend(
        table
            .baselines
            .iter()
            .map(|(k, m)| (k.name().to_string(), &m.overall)),
    );
    let columns: [Column; 6] = [
        ("MAE", |m| Some(m.mae)),
        ("RMSE", |m| Some(m.rmse)),
        ("MSE", |m| Some(m.mse)),
        ("MAPE %", |m| m.mape),
        ("sMAPE %", |m| m.smape),
        ("MASE", |m| m.mase),
    ];
    let best: Vec<Option<f64>> = columns
        .iter()
        .map(|(_, get)| {
            rows.iter()
                .filter_map(|(_, m)| get(m))
                .fold(None, |b: Option<f64>, v| Some(b.map_or(v, |b| b.min(v))))
        })
        .collect();
    let mut out = format!("{title}\n");
    let _ = write!(out, "  {:<16}", "");
    for (name, _) in &columns {
        let _ = write!(out, "{name:>12}");
    }
    out.push('\n');
    for (name, m) in &rows {
        let _ = write!(out, "  {name:<16}");
        for ((_, get), best) in columns.iter().zip(&best) {
            let cell = match get(m) {
                Some(v) => format!("{}{}", num(v), if Some(v) == *best { "*" } else { " " }),
                None => "—  ".into(),
            };
            let _ = write!(out, "{cell:>12}");
        }
        out.push('\n');
    }
    if let Some(note) = table.model.overall.mape_note() {
        let _ = writeln!(out, "  {note}");
    }
    out
}

/// Four significant figures without switching to exponents for ordinary values.
pub(super) fn num(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e6).contains(&a) {
        format!("{v:.3e}")
    } else if a >= 100.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.3}")
    } else {
        format!("{v:.4}")
    }
}

/// Everything printed after training.
pub fn summary(summary: &RunSummary) -> String {
    let mut out = String::new();
    let c = &summary.config;
    let d = &summary.data;
    let t = &summary.training;
    let _ = writeln!(
        out,
        "\n{} · target {} · {} rows · split {}/{}/{} rows · windows {}/{}/{} · lookback {} horizon {}",
        d.file,
        d.targets.join(", "),
        d.rows,
        d.split_rows[0],
        d.split_rows[1],
        d.split_rows[2],
        d.windows[0],
        d.windows[1],
        d.windows[2],
        c.window.lookback,
        c.window.horizon
    );
    let _ = writeln!(
        out,
        "{}{} · {} parameters · {} · best epoch {} · {:.1}s, {:.0} windows/s",
        c.model.title(),
        if c.model.strategy.is_direct() {
            String::new()
        } else {
            format!(", {}", c.model.strategy.name())
        },
        t.parameters,
        t.stop.describe(),
        seqcast_engine::train::best_epoch_label(t.best_epoch),
        t.elapsed_secs,
        t.windows_per_sec
    );
    if let Some(r) = &t.refit {
        let what = match r.epochs {
            // The start was kept: the refit fits the start again, on more windows.
            0 => "the start fitted again".to_string(),
            n => format!("{n} epochs"),
        };
        let _ = writeln!(
            out,
            "refit on the training and validation rows: {what} over {} windows, {:.1}s",
            r.windows, r.secs
        );
    }
    let scale = c.eval.metrics_scale;
    let units = match scale {
        MetricsScale::Original => "in the data's units",
        MetricsScale::Normalised => "on the normalised scale",
    };
    let name = format!("{} (model)", c.model.cell.name());
    let choice = summary.forecast.as_ref();
    let product_row = choice
        .filter(|c| c.replaces_model())
        .map(|c| format!("forecast: {}", c.chosen.name()));
    let product = product_row.as_deref();
    if let Some(v) = &summary.val_scores {
        let title = format!("\nValidation ({} windows, {units}):", d.windows[1]);
        out.push_str(&metrics_table(&title, v.in_scale(scale), &name, product));
    }
    if let Some(s) = &summary.test_scores {
        let title = format!(
            "\nTest ({} windows × {} steps, {units}; * = best):",
            d.windows[2], c.window.horizon
        );
        out.push_str(&metrics_table(&title, s.in_scale(scale), &name, product));
    } else {
        out.push_str("\nNo test windows: the test part is shorter than the horizon.\n");
    }
    for (kind, why) in &summary.unavailable_baselines {
        let _ = writeln!(out, "  ({} baseline unavailable: {why})", kind.name());
    }
    if let Some(c) = choice {
        let _ = writeln!(out, "\n{}", c.why);
    }
    if let Some(i) = &summary.intervals {
        out.push_str(&intervals_table(i));
    }
    if let Some(q) = &summary.quantiles {
        out.push_str(&super::quantiles::section(q));
    }
    if let Some(bt) = &summary.backtest {
        out.push_str(&super::backtest::section(bt, scale, &name, product));
    }
    let f = &summary.future;
    if let (Some(first), Some(last)) = (f.labels.first(), f.labels.last()) {
        let values = f
            .values
            .first()
            .map(|v| {
                v.iter()
                    .take(6)
                    .map(|x| num(*x))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "\nForecast after {} ({}): {first} … {last}: {values}{}",
            f.origin,
            choice.map_or_else(
                || c.model.cell.name().to_string(),
                |c| c.chosen.describe(&c.model_name)
            ),
            if f.labels.len() > 6 { ", …" } else { "" }
        );
    }
    out
}

/// The conformal intervals on the test part: per level, the forecast's, the model's and
/// each baseline's coverage, mean width and interval score.
fn intervals_table(i: &seqcast_engine::pipeline::intervals::Intervals) -> String {
    let mut out = String::new();
    if i.test.is_empty() {
        return out;
    }
    let method = if i.pairs.is_empty() {
        "conformal"
    } else {
        "conformal; CQR for the quantile model"
    };
    let _ = writeln!(
        out,
        "\nPrediction intervals ({method}, from {} validation windows), on the test part:",
        i.calibration_windows
    );
    let _ = writeln!(
        out,
        "  {:<16} {:>6} {:>9} {:>12} {:>12}",
        "", "level", "coverage", "mean width", "int. score"
    );
    for (name, levels) in &i.test {
        for (level, s) in levels.iter().filter(|(_, s)| s.coverage.is_finite()) {
            let _ = writeln!(
                out,
                "  {:<16} {:>5}% {:>8.1}% {:>12} {:>12}",
                name,
                level,
                100.0 * s.coverage,
                num(s.width),
                num(s.winkler)
            );
        }
    }
    let missing: Vec<String> = i
        .product()
        .into_iter()
        .flat_map(|t| t.iter())
        .flat_map(|levels| levels.iter().zip(&i.levels))
        .filter(|(steps, _)| steps.iter().any(Option::is_none))
        .map(|(_, l)| format!("{}%", seqcast_engine::eval::intervals::label(*l)))
        .collect();
    let cqr: Vec<&String> = i.pairs.keys().collect();
    if !cqr.is_empty() {
        let names: Vec<&str> = cqr.iter().map(|s| s.as_str()).collect();
        let _ = writeln!(
            out,
            "  ({}: the quantile model's own bands, its trained quantiles widened or narrowed \
             by CQR margins from the validation windows)",
            names.join(", ")
        );
    }
    if !missing.is_empty() {
        let _ = writeln!(
            out,
            "  ({} validation windows are too few for a finite {} interval)",
            i.calibration_windows,
            missing.join(", ")
        );
    }
    out
}

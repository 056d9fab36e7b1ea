//! `seqcast train` on many series: one global model over a long table
//! (`--series-column`), a wide one (`--series`) or one row per series (`--layout
//! rows`), scored per series against the baselines and over all series (sMAPE, MASE,
//! OWA against Naive2), then exported as asked.

use std::fmt::Write as _;

use anyhow::{Result, bail};
use seqcast_engine::RunConfig;
use seqcast_engine::panel::detect::constant_columns;
use seqcast_engine::panel::layout::{Layout, long_layout};
use seqcast_engine::panel::run::PanelSummary;
use seqcast_engine::panel::score::{Aggregate, BASELINES};
use seqcast_engine::pipeline::defaults::{AutoDefaults, describe};
use seqcast_engine::worker::{Command, CommandKind, EngineHandle, Event, PanelSource};

use super::TrainArgs;
use super::progress::ProgressLine;
use super::train::{Loaded, export, record_runs, report_recorded, save_model};

/// The panel layout `args` asks for, or finds in `table` (reported); `None` trains
/// on the table as one series.
pub fn layout(args: &TrainArgs, loaded: &Loaded, config: &RunConfig) -> Result<Option<Layout>> {
    let table = loaded.table.as_ref();
    if let Some(layout) = &args.layout {
        return match layout.as_str() {
            "rows" => Ok(Some(Layout::Rows)),
            other => bail!("--layout {other}: the layout is `rows` (one row per series)"),
        };
    }
    if let Some(series) = &args.series {
        let columns = if series == "all" {
            Vec::new()
        } else {
            series
                .split(',')
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect()
        };
        return Ok(Some(Layout::Wide { columns }));
    }
    let id = match args.series_column.as_deref() {
        Some("none") => return Ok(None),
        Some(column) => column.to_string(),
        None => match (&config.data.series_column, loaded.id_guess.clone()) {
            (Some(column), _) => column.clone(),
            (None, Some(guess)) => {
                eprintln!(
                    "{}: training one model over them (--series-column none trains on the \
                     rows as one series)",
                    guess.describe()
                );
                guess.column
            }
            (None, None) => return Ok(None),
        },
    };
    let mut with_id = config.clone();
    with_id.data.series_column = Some(id);
    let layout = long_layout(table, &with_id)?;
    if let Some(Layout::Long {
        id,
        value,
        time,
        covariates,
        statics,
    }) = &layout
    {
        let mut line = format!(
            "many series: id '{id}', value '{value}', {}",
            time.as_ref()
                .map_or("no time column (rows in file order)".to_string(), |t| {
                    format!("time '{t}'")
                })
        );
        for (what, names) in [("covariates", covariates), ("static attributes", statics)] {
            if !names.is_empty() {
                let _ = write!(line, ", {what} {}", names.join(", "));
            }
        }
        eprintln!("{line}");
        if statics.is_empty() && args.static_columns.is_none() {
            let mut roles: Vec<&str> = vec![id, value];
            roles.extend(time.as_deref());
            roles.extend(covariates.iter().map(String::as_str));
            let found = constant_columns(table, id, &roles);
            if !found.is_empty() {
                eprintln!(
                    "columns constant within each series: {} (--static-columns {} feeds them to \
                     the model as static attributes)",
                    found.join(", "),
                    found.join(",")
                );
            }
        }
    }
    Ok(layout)
}

/// Trains one model over the series of the loaded table, prints the scores and writes
/// what `args` asks for.
pub fn run(
    args: &TrainArgs,
    config: RunConfig,
    engine: &EngineHandle,
    layout: Layout,
) -> Result<()> {
    let auto = match &args.config {
        Some(_) => AutoDefaults::NONE,
        None => AutoDefaults {
            // A panel's split is per series or the user's.
            split: false,
            lookback: args.lookback.is_none(),
            epochs: args.epochs.is_none(),
            refit: false,
            // The fitted start made M4 Hourly worse (BENCHMARKS, "The fitted start").
            skip_init: false,
            // Panels forecast directly (one head for every series).
            strategy: false,
        },
    };
    let recording = record_runs(engine, args)?;
    engine.send(Command::TrainPanel {
        source: PanelSource::Loaded(layout),
        config,
        auto,
    })?;
    let mut progress = ProgressLine::new(args.quiet);
    let (mut recorded, mut record_error) = (None, None);
    let summary = loop {
        match engine.recv()? {
            Event::Training(p) => progress.update(&p),
            Event::RunRecorded(meta) => recorded = Some(meta),
            Event::Failed {
                command: CommandKind::RecordRun | CommandKind::ListRuns,
                message,
            } => record_error = Some(message),
            Event::ConfigResolved(resolved) => {
                if let Some(line) = describe(&resolved.changes) {
                    eprintln!("defaults for these series: {line}");
                }
            }
            Event::PanelFinished(s, _) => break s,
            Event::Failed { message, .. } => {
                progress.finish();
                bail!(message);
            }
            _ => {}
        }
    };
    progress.finish();
    print!("{}", table(&summary));
    if recording {
        report_recorded(args, recorded.as_deref(), record_error.as_deref());
    }
    export(engine, args)?;
    save_model(engine, args)?;
    if let Some(path) = &args.save_config {
        seqcast_engine::export::write_atomic(path, summary.config.to_toml()?.as_bytes())?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// What the run did and how it scored: the load report, training, the model against
/// every baseline over all series, and the series where it does worst.
pub fn table(summary: &PanelSummary) -> String {
    let mut out = String::new();
    let d = &summary.data;
    let c = &summary.config;
    let t = &summary.training;
    let _ = writeln!(
        out,
        "{} series ({} rows), lookback {}, horizon {}, season {}; {} {}x{}, {} epochs (best {}), \
         {:.0} s",
        d.series,
        d.load.rows,
        c.window.lookback,
        c.window.horizon,
        d.season,
        c.model.cell.name().to_uppercase(),
        c.model.hidden,
        c.model.layers,
        t.history.len(),
        t.best_epoch.unwrap_or(0),
        summary.elapsed_secs
    );
    if let Some(line) = d.inputs_line() {
        let _ = writeln!(out, "{line}");
    }
    for line in d.load.lines().iter().skip(1) {
        let _ = writeln!(out, "  {line}");
    }
    if !d.excluded.is_empty() {
        let named: Vec<String> = d
            .excluded
            .iter()
            .take(5)
            .map(|e| format!("{}: {}", e.id, e.reason))
            .collect();
        let _ = writeln!(
            out,
            "  {} series left out: {}{}",
            d.excluded.len(),
            named.join("; "),
            if d.excluded.len() > 5 { "; …" } else { "" }
        );
    }
    if let Some(val) = &summary.validation
        && let Some(model) = val.aggregate.get("model")
    {
        let losing = val
            .per_series
            .iter()
            .filter(|s| {
                s.best_baseline()
                    .is_some_and(|(_, b)| s.model.mase > b.mase)
            })
            .count();
        let _ = writeln!(
            out,
            "validation: mean MASE {:.3}, sMAPE {:.3}; worse than each series' best baseline \
             on {losing} of {} series",
            model.mase,
            model.smape,
            val.per_series.len()
        );
    }
    if t.alerts.is_empty() {
        let _ = writeln!(
            out,
            "training doctor: no problems found{}",
            if summary.validation.is_some() {
                " (gradients, loss history; over all series the model beats every baseline \
                 on validation)"
            } else {
                " in training; no validation windows to compare with the baselines"
            }
        );
    }
    for alert in &t.alerts {
        let _ = writeln!(out, "  ! {}: {}", alert.kind.title(), alert.message);
        let _ = writeln!(out, "    → {}", alert.remedy);
    }
    let Some(test) = &summary.test else {
        let _ = writeln!(out, "no test windows: nothing scored");
        return out;
    };
    let _ = writeln!(
        out,
        "test, mean over {} series: {:<16}{:>9}{:>9}{:>9}",
        test.per_series.len(),
        "",
        "sMAPE",
        "MASE",
        "OWA"
    );
    let row = |out: &mut String, name: &str, a: &Aggregate| {
        let _ = writeln!(
            out,
            "  {name:<40}{:>9.3}{:>9.3}{:>9.3}",
            a.smape, a.mase, a.owa
        );
    };
    if let Some(a) = test.aggregate.get("model") {
        row(&mut out, &format!("{} (one model)", c.model.cell.name()), a);
    }
    if let Some(a) = test.aggregate.get("forecast") {
        row(&mut out, "forecast (per series, chosen on validation)", a);
    }
    for name in BASELINES {
        if let Some(a) = test.aggregate.get(name) {
            row(&mut out, name, a);
        }
    }
    let replaced = test
        .per_series
        .iter()
        .filter(|s| s.forecast.as_ref().is_some_and(|(name, _)| name != "model"))
        .count();
    if test.aggregate.contains_key("forecast") {
        let _ = writeln!(
            out,
            "forecasts use the model on {} of {} series and a baseline on {replaced} (one that \
             is more than 10% better on the series' validation windows)",
            test.per_series.len() - replaced,
            test.per_series.len()
        );
    }
    let mut ratios: Vec<(&str, f64, &str)> = test
        .per_series
        .iter()
        .filter_map(|s| {
            let (name, best) = s.best_baseline()?;
            Some((s.id.as_str(), s.model.mase / best.mase, name))
        })
        .filter(|(_, r, _)| r.is_finite())
        .collect();
    ratios.sort_by(|a, b| b.1.total_cmp(&a.1));
    let beats = ratios.iter().filter(|(_, r, _)| *r < 1.0).count();
    let worst: Vec<String> = ratios
        .iter()
        .take(5)
        .filter(|(_, r, _)| *r > 1.0)
        .map(|(id, r, name)| format!("{id} {r:.2}× {name}"))
        .collect();
    let _ = writeln!(
        out,
        "the model beats each series' best baseline on {beats} of {} series{}",
        ratios.len(),
        if worst.is_empty() {
            String::new()
        } else {
            format!("; worst: {}", worst.join(", "))
        }
    );
    out
}

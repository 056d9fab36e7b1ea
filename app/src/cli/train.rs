//! `seqcast train`: load, train with a progress line, print the model against the
//! baselines, then export / report / save as asked. Runs the same engine thread and
//! protocol as the GUI.

use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use seqcast_engine::RunConfig;
use seqcast_engine::data::table::CsvTable;
use seqcast_engine::export::write_atomic;
use seqcast_engine::panel::detect::IdGuess;
use seqcast_engine::pipeline::defaults::{AutoDefaults, describe};
use seqcast_engine::worker::{Command, CommandKind, EngineHandle, Event};

use super::progress::ProgressLine;
use super::{SAMPLE_CSV, SAMPLE_NAME, TrainArgs, table};

/// Runs `seqcast train`.
pub fn run(args: &TrainArgs) -> Result<()> {
    if args.from_run.is_some() {
        return super::branch::run(args);
    }
    let (config, engine, loaded) = load(args, RunConfig::clone)?;
    if let Some(layout) = super::train_panel::layout(args, &loaded, &config)? {
        return super::train_panel::run(args, config, &engine, layout);
    }
    let config = inspect(args, &engine, config)?;
    // The data-dependent defaults were resolved by the inspection.
    let train = Command::Train {
        config,
        auto: AutoDefaults::NONE,
    };
    train_with(args, train, &engine)
}

/// Sends `train` (a [`Command::Train`] or [`Command::Branch`]) for the loaded table,
/// shows its progress, then records, reports and exports what `args` asks for.
pub(super) fn train_with(args: &TrainArgs, train: Command, engine: &EngineHandle) -> Result<()> {
    let recording = record_runs(engine, args)?;
    engine.send(train)?;
    let mut progress = ProgressLine::new(args.quiet);
    // The engine records the run (RunRecorded, then the new listing) just before it
    // reports Finished; a failure to record is a warning, not a failed training.
    let mut recorded = None;
    let mut record_error = None;
    let summary = loop {
        match engine.recv()? {
            Event::Training(p) => progress.update(&p),
            Event::Finished(s, _) | Event::Cancelled(s, _) => break s,
            Event::RunRecorded(meta) => recorded = Some(meta),
            Event::Failed {
                command: CommandKind::RecordRun | CommandKind::ListRuns,
                message,
            } => record_error = Some(message),
            Event::Failed { message, .. } => {
                progress.finish();
                bail!(message);
            }
            _ => {}
        }
    };
    progress.finish();
    for line in summary.data.load.summary_lines() {
        eprintln!("  {line}");
    }
    print!("{}", table::summary(&summary));
    print!("{}", super::doctor::report(&summary));
    if recording {
        report_recorded(args, recorded.as_deref(), record_error.as_deref());
    }

    export(engine, args)?;
    save_model(engine, args)?;
    if let Some(path) = &args.save_config {
        write_atomic(path, summary.config.to_toml()?.as_bytes())?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// Resolves the configuration of `args`, starts the engine and loads the data (the
/// bundled sample without `--csv`).
pub(super) fn start(args: &TrainArgs) -> Result<(RunConfig, EngineHandle)> {
    start_with(args, RunConfig::clone)
}

/// [`start`] for a search: with `--series-column`, the series of a long table (their
/// split and scaling happen per series in each trial, so there is no one-series
/// inspection).
pub(super) fn start_search(args: &TrainArgs) -> Result<(RunConfig, EngineHandle)> {
    if args.from_run.is_some() {
        bail!("--from-run (branching a run) applies to `seqcast train` only");
    }
    if args.series.is_some() || args.layout.is_some() {
        bail!(
            "--series and --layout apply to `seqcast train` only; a search over many series \
             reads a long table (--series-column)"
        );
    }
    if args.series_column.as_deref().is_some_and(|c| c != "none") {
        let (config, engine, _) = load(args, RunConfig::clone)?;
        return Ok((config, engine));
    }
    start(args)
}

/// [`start`], with `adjust` applied to the configuration of `args` before the
/// data-dependent defaults (`seqcast eval` sets its protocol there).
pub(super) fn start_with(
    args: &TrainArgs,
    adjust: impl Fn(&RunConfig) -> RunConfig,
) -> Result<(RunConfig, EngineHandle)> {
    if args.many_series() {
        bail!(
            "--series-column, --series and --layout (many series, one model) apply to \
             `seqcast train` only"
        );
    }
    if args.from_run.is_some() {
        bail!("--from-run (branching a run) applies to `seqcast train` only");
    }
    let (config, engine, _) = load(args, adjust)?;
    let config = inspect(args, &engine, config)?;
    Ok((config, engine))
}

/// Writes the predictions and / or the report `args` asks for (of the last run).
pub(super) fn export(engine: &EngineHandle, args: &TrainArgs) -> Result<()> {
    if args.export.is_some() || args.report.is_some() {
        engine.send(Command::Export {
            predictions: args.export.clone(),
            report: args.report.clone(),
            baselines: args.export_baselines,
        })?;
        report_saved(wait(engine)?)?;
    }
    Ok(())
}

/// A loaded table and the id column the engine found in it, if any.
pub(super) struct Loaded {
    pub table: Arc<CsvTable>,
    pub id_guess: Option<IdGuess>,
}

/// The configuration of `args` (`adjust`ed), a started engine and the loaded table.
pub(super) fn load(
    args: &TrainArgs,
    adjust: impl Fn(&RunConfig) -> RunConfig,
) -> Result<(RunConfig, EngineHandle, Loaded)> {
    let config = match &args.config {
        Some(path) => {
            RunConfig::from_file(path).with_context(|| format!("in {}", path.display()))?
        }
        None => RunConfig::default(),
    };
    let mut config = config;
    args.apply(&mut config)?;
    let config = adjust(&config);
    config.validate()?;
    let engine = EngineHandle::spawn(None)?;
    let source = match &args.csv {
        Some(path) => {
            engine.send(Command::Load { path: path.clone() })?;
            path.display().to_string()
        }
        None => {
            engine.send(Command::LoadBytes {
                name: SAMPLE_NAME.into(),
                bytes: SAMPLE_CSV.into(),
            })?;
            format!("the bundled sample {SAMPLE_NAME}")
        }
    };
    let (table, id_guess) = match wait(&engine)? {
        Event::Loaded { table, id_guess } => (table, id_guess),
        other => bail!(unexpected(other)),
    };
    eprintln!(
        "loaded {source}: {} rows, {}",
        table.n_rows,
        column_list(&table.column_names())
    );
    Ok((config, engine, Loaded { table, id_guess }))
}

/// Resolves the data-dependent defaults of one series (those `args` leaves open).
fn inspect(args: &TrainArgs, engine: &EngineHandle, config: RunConfig) -> Result<RunConfig> {
    let mut config = config;
    // A config file sets every field; otherwise what the user left out may depend on
    // the data, and the engine chooses it (announced by ConfigResolved).
    let auto = match &args.config {
        Some(_) => AutoDefaults::NONE,
        None => AutoDefaults {
            split: args.split.is_none()
                && args.split_rows.is_none()
                && args.split_fractions.is_none(),
            lookback: args.lookback.is_none(),
            epochs: args.epochs.is_none(),
            refit: args.refit.is_none(),
            skip_init: args.skip_init.is_none(),
            strategy: args.strategy.is_none(),
        },
    };
    if auto.any() {
        engine.send(Command::Inspect {
            config: config.clone(),
            auto,
        })?;
        loop {
            match wait(engine)? {
                Event::ConfigResolved(resolved) => {
                    if let Some(line) = describe(&resolved.changes) {
                        eprintln!("defaults for this data: {line}");
                    }
                    config = resolved.config.clone();
                }
                Event::Inspected(_) => break,
                other => bail!(unexpected(other)),
            }
        }
    }
    Ok(config)
}

/// Tells the engine to record runs in the runs directory of `args` (unless
/// `--no-record`); returns whether it will.
pub(super) fn record_runs(engine: &EngineHandle, args: &TrainArgs) -> Result<bool> {
    if args.no_record {
        return Ok(false);
    }
    engine.send(Command::RecordRuns {
        dir: Some(args.runs_dir()),
        origin: seqcast_engine::runs::RunOrigin::Cli,
    })?;
    match wait(engine)? {
        Event::Runs { .. } => Ok(true),
        other => bail!(unexpected(other)),
    }
}

/// The next event that is not progress; a failure becomes an error.
pub(super) fn wait(engine: &EngineHandle) -> Result<Event> {
    loop {
        match engine.recv()? {
            Event::Training(_) | Event::Doctor(_) => {}
            Event::Failed { message, .. } => return Err(anyhow!(message)),
            other => return Ok(other),
        }
    }
}

/// Says where the run was recorded, or why it was not (a warning: the run stands).
pub(super) fn report_recorded(
    args: &TrainArgs,
    recorded: Option<&seqcast_engine::runs::RunMeta>,
    error: Option<&str>,
) {
    match (recorded, error) {
        (Some(meta), _) => println!(
            "recorded as run {} in {}",
            meta.id,
            args.runs_dir().display()
        ),
        (None, Some(e)) => eprintln!("warning: the run was not recorded: {e}"),
        (None, None) => eprintln!("warning: the run was not recorded"),
    }
}

/// Saves the last run's model where `--save-model` says.
pub(super) fn save_model(engine: &EngineHandle, args: &TrainArgs) -> Result<()> {
    if let Some(dir) = &args.save_model {
        engine.send(Command::SaveModel { dir: dir.clone() })?;
        report_saved(wait(engine)?)?;
    }
    Ok(())
}

fn report_saved(event: Event) -> Result<()> {
    match event {
        Event::Saved { paths } => {
            for p in paths {
                println!("wrote {}", p.display());
            }
            Ok(())
        }
        other => bail!(unexpected(other)),
    }
}

pub(super) fn unexpected(event: Event) -> String {
    let text = format!("{event:?}");
    format!(
        "unexpected engine event: {}",
        text.chars().take(200).collect::<String>()
    )
}

/// The columns for the load line: every name up to [`LISTED_COLUMNS`], then the first
/// ones and how many more (a header of 20,000 names is one readable line).
fn column_list(names: &[&str]) -> String {
    if names.len() <= LISTED_COLUMNS {
        return format!("columns: {}", names.join(", "));
    }
    let shown = names.get(..LISTED_COLUMNS - 1).unwrap_or(names);
    format!(
        "{} columns: {}, … and {} more",
        names.len(),
        shown.join(", "),
        names.len() - shown.len()
    )
}

/// At most this many column names are listed on the load line.
const LISTED_COLUMNS: usize = 30;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_load_line_lists_a_wide_header_in_one_readable_line() {
        assert_eq!(column_list(&["date", "value"]), "columns: date, value");
        let names: Vec<String> = (1..=20_000).map(|k| format!("a_{k}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let line = column_list(&refs);
        assert!(line.starts_with("20000 columns: a_1, a_2, "), "{line}");
        assert!(line.ends_with(", a_29, … and 19971 more"), "{line}");
        assert_eq!(column_list(&refs[..30]).matches(", ").count(), 29);
    }
}

//! `seqcast tune`: a hyperparameter search from the command line. Trials run one after
//! another on the engine thread, each recorded as a run; a line per trial as it ends,
//! then the ranking and the best configuration written as TOML.

use anyhow::{Context, Result, bail};
use seqcast_engine::export::write_atomic;
use seqcast_engine::tune::{Method, Pruning, SearchSpace, Trial, TuneProgress, TuneSettings};
use seqcast_engine::worker::{Command, Event, TuneJob};

use super::TuneArgs;
use super::train::{record_runs, start_search};

/// Runs `seqcast tune`.
pub fn run(args: &TuneArgs) -> Result<()> {
    let settings = settings(args)?;
    let (config, engine) = start_search(&args.train)?;
    let space = match &args.space {
        Some(path) => {
            let text = seqcast_engine::config::read_settings_file(path)?;
            SearchSpace::from_toml(&text).with_context(|| format!("in {}", path.display()))?
        }
        None => SearchSpace::default_for(&config),
    };
    let recording = record_runs(&engine, &args.train)?;
    engine.send(Command::Tune(Box::new(TuneJob {
        config,
        space,
        settings: settings.clone(),
    })))?;
    let outcome = loop {
        match engine.recv()? {
            Event::Tune(TuneProgress::Started { trials, knobs, .. }) => {
                eprintln!(
                    "search: {trials} trials ({}), varying {}, up to {} epochs each",
                    seqcast_engine::tune::prune::describe(&settings),
                    knobs.join(", "),
                    settings
                        .max_epochs
                        .map_or("the configured".into(), |e| e.to_string())
                );
                if let Some(note) = seqcast_engine::tune::tpe::budget_note(&settings) {
                    eprintln!("note: {note}");
                }
            }
            Event::Tune(TuneProgress::TrialStarted { index, knobs }) => eprintln!(
                "trial {index}: {}",
                knobs
                    .iter()
                    .map(|k| k.describe())
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            Event::Tune(TuneProgress::TrialDone(trial)) => println!("{}", trial_line(&trial)),
            Event::TuneFinished(outcome) => break outcome,
            Event::Failed { message, .. } => bail!(message),
            _ => {}
        }
    };
    let Some(best) = outcome.best.and_then(|i| outcome.trials.get(i)) else {
        bail!("no trial finished with a validation loss");
    };
    let epochs: usize = outcome.trials.iter().map(|t| t.epochs_run).sum();
    println!(
        "\n{} trials ran {epochs} epochs in all ({} pruned)",
        outcome.trials.len(),
        outcome.trials.iter().filter(|t| t.pruned).count()
    );
    println!(
        "best: trial {} ({}), validation loss {:.5}{}",
        best.index,
        best.describe(),
        best.best_val_loss.unwrap_or(f64::NAN),
        if outcome.cancelled {
            " (search cancelled)"
        } else {
            ""
        }
    );
    let dir = args.train.runs_dir();
    if recording {
        std::fs::create_dir_all(&dir).ok();
        let path = dir.join(format!("{}-best.toml", outcome.search));
        write_atomic(&path, best.config.to_toml()?.as_bytes())?;
        println!(
            "trials recorded in {}; best configuration: {} (seqcast train --config {})",
            dir.display(),
            path.display(),
            path.display()
        );
    }
    Ok(())
}

fn settings(args: &TuneArgs) -> Result<TuneSettings> {
    let method = match args.method.as_str() {
        "random" => Method::Random,
        "grid" => Method::Grid,
        "tpe" => Method::Tpe,
        "asha" => Method::Asha,
        other => bail!("--method '{other}': expected random, grid, tpe or asha"),
    };
    let pruning = match args.prune.split_once('=') {
        None if args.prune == "none" => Pruning::None,
        None if args.prune == "median" => Pruning::Median { warmup: 3 },
        Some(("median", w)) => Pruning::Median {
            warmup: w.parse().map_err(|_| {
                anyhow::anyhow!("--prune median={w}: the warm-up must be a whole number of epochs")
            })?,
        },
        None if args.prune == "asha" => Pruning::ASHA,
        Some(("asha", rungs)) => {
            let parsed = rungs
                .split_once(',')
                .and_then(|(m, e)| Some((m.trim().parse().ok()?, e.trim().parse().ok()?)));
            let Some((min_epochs, eta)) = parsed else {
                bail!(
                    "--prune asha={rungs}: expected MIN,ETA (the first rung in epochs and the \
                     reduction factor), e.g. asha=3,3"
                );
            };
            Pruning::Asha { min_epochs, eta }
        }
        _ => bail!(
            "--prune '{}': expected none, median[=WARMUP] or asha[=MIN,ETA]",
            args.prune
        ),
    };
    if args.trials == 0 {
        bail!("--trials must be at least 1");
    }
    Ok(TuneSettings {
        method,
        trials: args.trials,
        seed: args.train.seed.unwrap_or(42),
        max_epochs: args.train.epochs,
        pruning,
    })
}

fn trial_line(t: &Trial) -> String {
    let metric = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.5}"));
    // Over many series MAE has no meaning; the mean MASE over the series stands in.
    let (name, test) = match (t.test_mae, t.test_mase) {
        (None, Some(mase)) => ("MASE", Some(mase)),
        (mae, _) => ("MAE", mae),
    };
    let mut line = format!(
        "trial {:>3}  val loss {:>9}  test {name} {:>9}  {:>3} epochs  {}",
        t.index,
        metric(t.best_val_loss),
        metric(test),
        t.epochs_run,
        if t.pruned { "pruned" } else { "" }
    );
    if let Some(id) = &t.run_id {
        line.push_str(&format!("  run {id}"));
    }
    if let Some(e) = &t.error {
        line.push_str(&format!("  ({e})"));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Sub};
    use clap::FromArgMatches;

    #[test]
    fn tune_flags_become_settings() {
        let m = crate::cli::command().get_matches_from([
            "seqcast", "tune", "--trials", "5", "--seed", "9", "--epochs", "7", "--method", "grid",
            "--prune", "median=2",
        ]);
        let Some(Sub::Tune(args)) = Cli::from_arg_matches(&m).unwrap().command else {
            panic!("not tune")
        };
        let s = settings(&args).unwrap();
        assert_eq!(
            s,
            TuneSettings {
                method: Method::Grid,
                trials: 5,
                seed: 9,
                max_epochs: Some(7),
                pruning: Pruning::Median { warmup: 2 },
            }
        );
        let m = crate::cli::command().get_matches_from(["seqcast", "tune", "--method", "tpe"]);
        let Some(Sub::Tune(args)) = Cli::from_arg_matches(&m).unwrap().command else {
            panic!("not tune")
        };
        assert_eq!(settings(&args).unwrap().method, Method::Tpe);
        let m = crate::cli::command().get_matches_from(["seqcast", "tune", "--prune", "often"]);
        let Some(Sub::Tune(args)) = Cli::from_arg_matches(&m).unwrap().command else {
            panic!("not tune")
        };
        assert!(
            settings(&args)
                .unwrap_err()
                .to_string()
                .contains("--prune 'often'")
        );
    }
}

//! `seqcast train --from-run ID --from-epoch N [settings]`: branch a recorded run. The
//! branch is the run's configuration with its recorded changes up to epoch N and the
//! settings given here as changes after it (`seqcast_engine::runs::branch`); it trains
//! on the run's data from the run's latest checkpoint at or before epoch N (from
//! scratch without one), retracing the run through epoch N exactly.

use anyhow::{Context, Result, bail};
use seqcast_engine::RunConfig;
use seqcast_engine::runs::StoredRun;
use seqcast_engine::worker::{Command, Event};

use super::args::TrainArgs;
use super::train::{load, train_with, unexpected, wait};

/// Branches the run `--from-run` after `--from-epoch` and trains the branch.
pub fn run(args: &TrainArgs) -> Result<()> {
    let (Some(id), Some(epoch)) = (args.from_run.as_deref(), args.from_epoch) else {
        bail!("--from-run needs --from-epoch (the parent's last shared epoch)");
    };
    if args.many_series() {
        bail!("--from-run branches a run on one series; many series are not branched yet");
    }
    let (_, engine, _) = load(args, RunConfig::clone)?;
    let dir = args.runs_dir();
    engine.send(Command::RecordRuns {
        dir: Some(dir.clone()),
        origin: seqcast_engine::runs::RunOrigin::Cli,
    })?;
    match wait(&engine)? {
        Event::Runs { .. } => {}
        other => bail!(unexpected(other)),
    }
    engine.send(Command::LoadRuns {
        ids: vec![id.to_string()],
    })?;
    let (meta, stored) = match wait(&engine).with_context(|| format!("in {}", dir.display()))? {
        Event::RunSummaries(mut runs) if runs.len() == 1 => runs.remove(0),
        other => bail!(unexpected(other)),
    };
    let StoredRun::Series(parent) = &*stored else {
        bail!("run {id} was trained on many series; only runs on one series branch yet");
    };
    let mut edited = parent.config.clone();
    args.apply(&mut edited)?;
    let config = seqcast_engine::runs::branch::plan(id, parent, epoch, &edited)?;
    let shared = parent.config.train.changes.len();
    let edits: Vec<String> = (config.train.changes.iter())
        .filter(|c| c.epoch > epoch)
        .map(|c| format!("{} {} -> {}", c.field.name(), c.from, c.to))
        .collect();
    let start = match meta.checkpoints.iter().rev().find(|&&c| c <= epoch) {
        Some(&c) if c == epoch => format!("continues from its checkpoint after epoch {c}"),
        Some(&c) if c + 1 == epoch => {
            format!("continues from its checkpoint after epoch {c}, retraces epoch {epoch}")
        }
        Some(&c) => format!(
            "continues from its checkpoint after epoch {c}, retraces epochs {} to {epoch}",
            c + 1
        ),
        None => format!("retraces its first {epoch} epochs"),
    };
    eprintln!(
        "branch of run {id} after epoch {epoch}: {start}{}, then {}",
        match config.train.changes.len() - edits.len() {
            0 => String::new(),
            n => format!(" (with {n} of its {shared} changes)"),
        },
        if edits.is_empty() {
            "goes on unchanged".to_string()
        } else {
            edits.join(", ")
        }
    );
    if args.no_record {
        engine.send(Command::RecordRuns {
            dir: None,
            origin: seqcast_engine::runs::RunOrigin::Cli,
        })?;
        // Without a directory there is nothing to list: the engine answers that listing
        // failed, which here only confirms that recording is off.
        let _listing = wait(&engine);
    }
    // The engine plans the branch again from the stored run, and checks the file.
    let branch = Command::Branch {
        run: id.to_string(),
        epoch,
        edited: Box::new(edited),
    };
    train_with(args, branch, &engine)
}

//! The training doctor on the command line: the alerts after `seqcast train` with what
//! to change and what the statistics cost, and the "loss does not fall" tools
//! `seqcast overfit-batch` and `seqcast lr-find`.

use std::fmt::Write as _;

use anyhow::{Result, bail};
use seqcast_engine::diag::fixes;
use seqcast_engine::diag::tools::{LrRangeReport, OverfitReport};
use seqcast_engine::pipeline::RunSummary;
use seqcast_engine::worker::{Command, Event};

use super::TrainArgs;
use super::train::{start, unexpected, wait};

/// The doctor's part of the run summary.
pub fn report(summary: &RunSummary) -> String {
    let mut out = String::new();
    let t = &summary.training;
    if t.alerts.is_empty() && summary.val_scores.is_some() {
        out.push_str(
            "\nTraining doctor: no problems found (gradient norms within 1e-5 .. 10, \
             no NaN, the model beats every baseline on validation).\n",
        );
    } else if t.alerts.is_empty() {
        out.push_str(
            "\nTraining doctor: no problems found in training (gradient norms within 1e-5 \
             .. 10, no NaN); without validation windows nothing says whether the model \
             beats the baselines.\n",
        );
    } else {
        let _ = writeln!(out, "\nTraining doctor ({} alerts):", t.alerts.len());
        for alert in &t.alerts {
            let _ = writeln!(
                out,
                "  ! {} (epoch {}): {}",
                alert.kind.title(),
                alert.epoch,
                alert.message
            );
            let _ = writeln!(out, "    what to do: {}", alert.remedy);
            if let Some(fix) = fixes::fix(alert, &summary.config) {
                let _ = writeln!(out, "    suggested change: {}", fix.label);
            }
        }
    }
    let c = &t.diag_cost;
    match (c.plain_step_secs(), c.snapshot_step_secs(), c.overhead()) {
        (Some(plain), Some(with), Some(overhead)) => {
            let _ = writeln!(
                out,
                "Gradient statistics every {} steps ({} snapshots): {:.2} ms per step without, \
                 {:.2} ms with; {:.1}% of training time.",
                t.diag_every,
                c.snapshot_steps,
                1e3 * plain,
                1e3 * with,
                100.0 * overhead
            );
        }
        _ if t.diag_every == 0 => out.push_str("Gradient statistics: off (--diag-every 0).\n"),
        _ => {}
    }
    out
}

/// Runs `seqcast overfit-batch`.
pub fn overfit(args: &TrainArgs) -> Result<()> {
    let (config, engine) = start(args)?;
    engine.send(Command::OverfitBatch { config })?;
    let report: std::sync::Arc<OverfitReport> = match wait(&engine)? {
        Event::Overfit(r) => r,
        other => bail!(unexpected(other)),
    };
    let n = report.losses.len();
    println!("step      loss");
    for (i, loss) in report.losses.iter().enumerate() {
        if i % (n / 10).max(1) == 0 || i + 1 == n {
            println!("{:>4}  {loss:.3e}", i + 1);
        }
    }
    println!("{}", report.describe());
    if !report.reached {
        bail!("the model could not learn one batch by heart");
    }
    Ok(())
}

/// Runs `seqcast lr-find`.
pub fn lr_find(args: &TrainArgs) -> Result<()> {
    let (config, engine) = start(args)?;
    engine.send(Command::LrRangeTest { config })?;
    let report: std::sync::Arc<LrRangeReport> = match wait(&engine)? {
        Event::LrRange(r) => r,
        other => bail!(unexpected(other)),
    };
    print!("{}", lr_table(&report));
    println!("{}", report.describe());
    match report.suggested {
        Some(lr) => {
            println!("train with it: seqcast train --lr {lr:.1e} …");
            Ok(())
        }
        None => bail!("no learning rate lowered the loss"),
    }
}

/// Every tenth step of the range test: lr, loss, smoothed loss.
fn lr_table(report: &LrRangeReport) -> String {
    let mut out = String::from("      lr        loss    smoothed\n");
    let n = report.lrs.len();
    for i in (0..n).filter(|i| i % 10 == 0 || i + 1 == n) {
        let mark = if Some(report.lrs[i]) == report.min_loss_lr {
            "  <- lowest"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "{:>8.1e}  {:>10.4e}  {:>10.4e}{mark}",
            report.lrs[i], report.losses[i], report.smoothed[i]
        );
    }
    out
}

//! `seqcast eval m4-hourly`: the M4 competition's Hourly protocol. One global model is
//! trained on the 414 training series (the last 48 hours of each held out for
//! validation), forecasts the 48 hours after each, and is scored on the test file with
//! M4's sMAPE, MASE (m = 24) and OWA against Naive2, beside the baselines on the same
//! windows and the published rows.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Result, bail};
use seqcast_engine::RunConfig;
use seqcast_engine::config::Split;
use seqcast_engine::panel::run::PanelSummary;
use seqcast_engine::panel::score::{Aggregate, BASELINES};
use seqcast_engine::worker::{Command, EngineHandle, Event, PanelSource};

use super::eval::EvalArgs;
use super::progress::ProgressLine;

/// M4 Hourly's horizon and seasonal period.
const HORIZON: usize = 48;
const SEASON: usize = 24;
/// Input hours when `--lookback` is not given: a week.
pub const M4_LOOKBACK: usize = 168;
/// Epochs when `--epochs` is not given: 414 series give 245k windows an epoch, and
/// validation stops improving after about four (BENCHMARKS.md), so ten keep the whole
/// protocol under five minutes on two cores.
pub const M4_EPOCHS: usize = 10;

/// Published M4 Hourly results (sMAPE, MASE, OWA): Makridakis et al. (2020), Table 4 /
/// the M4-methods repository's summary.
const PUBLISHED: &[(&str, f64, f64, f64)] = &[
    ("ES-RNN (Smyl, M4 winner)", 9.328, 0.893, 0.440),
    ("FFORMA (Montero-Manso et al.)", 11.506, 0.819, 0.484),
    ("Naive2 (M4 benchmark)", 18.383, 2.395, 1.000),
];

/// The protocol's settings over the user's: M4's split, horizon and season.
pub fn protocol(config: &RunConfig, lookback: Option<usize>, epochs: Option<usize>) -> RunConfig {
    let mut c = config.clone();
    c.data.split = Split::Last {
        val: HORIZON,
        test: HORIZON,
    };
    c.window.horizon = HORIZON;
    c.window.lookback = lookback.unwrap_or(M4_LOOKBACK);
    c.eval.season = Some(SEASON);
    c.train.epochs = epochs.unwrap_or(M4_EPOCHS);
    c
}

/// Runs `seqcast eval m4-hourly`.
pub fn run(args: &EvalArgs) -> Result<()> {
    let train = args.m4.join("Hourly-train.csv");
    let test = args.m4.join("Hourly-test.csv");
    for f in [&train, &test] {
        if !f.is_file() {
            bail!(
                "{} not found: pass the folder holding M4's Hourly-train.csv and \
                 Hourly-test.csv with --m4 DIR (they ship in sample-data/m4/)",
                f.display()
            );
        }
    }
    let mut base = match &args.train.config {
        Some(path) => RunConfig::from_file(path)?,
        None => RunConfig::default(),
    };
    args.train.apply(&mut base)?;
    let config = protocol(&base, args.train.lookback, args.train.epochs);
    config.validate()?;
    let started = Instant::now();
    let mut runs = Vec::new();
    for &seed in &args.seeds {
        let mut c = config.clone();
        c.train.seed = seed;
        let summary = train_once(&train, &test, c)?;
        eprintln!(
            "  M4 Hourly, seed {seed}: {} epochs, best {}, training {:.0} s, all {:.0} s",
            summary.training.history.len(),
            summary.training.best_epoch.unwrap_or(0),
            summary.training.elapsed_secs,
            summary.elapsed_secs
        );
        runs.push(summary);
    }
    print!("{}", table(&runs, started.elapsed().as_secs_f64()));
    if let Some(path) = &args.train.report
        && let Some(last) = runs.last()
    {
        let json = seqcast_engine::export::panel::report_json(last)?;
        seqcast_engine::export::write_atomic(path, json.as_bytes())?;
        println!("report written to {}", path.display());
    }
    Ok(())
}

fn train_once(train: &Path, test: &Path, config: RunConfig) -> Result<Arc<PanelSummary>> {
    let engine = EngineHandle::spawn(None)?;
    engine.send(Command::TrainPanel {
        source: PanelSource::M4 {
            train: train.to_path_buf(),
            test: test.to_path_buf(),
        },
        config,
        auto: seqcast_engine::pipeline::defaults::AutoDefaults::NONE,
    })?;
    let mut progress = ProgressLine::new(false);
    let summary = loop {
        match engine.recv()? {
            Event::Training(p) => progress.update(&p),
            Event::PanelFinished(s, _) => break s,
            Event::Failed { message, .. } => {
                progress.finish();
                bail!("M4 Hourly: {message}");
            }
            _ => {}
        }
    };
    progress.finish();
    Ok(summary)
}

/// The results table: each seed's model, their mean, the baselines, the published rows,
/// and the series where the model does worst against Naive2.
fn table(runs: &[Arc<PanelSummary>], secs: f64) -> String {
    let mut out = String::new();
    let Some(first) = runs.first() else {
        return out;
    };
    let d = &first.data;
    let m = &first.config.model;
    let _ = writeln!(
        out,
        "M4 Hourly: {} series ({} rows), horizon {HORIZON}, season {SEASON}, lookback {}; \
         {} {}x{}; train file → 48-hour forecast → test file; {secs:.0} s",
        d.series,
        d.load.rows,
        first.config.window.lookback,
        m.cell.name().to_uppercase(),
        m.hidden,
        m.layers
    );
    for line in d.load.lines() {
        let _ = writeln!(out, "  {line}");
    }
    for e in d.excluded.iter().take(5) {
        let _ = writeln!(out, "  left out: {}: {}", e.id, e.reason);
    }
    let _ = writeln!(
        out,
        "{:<36}{:>9}{:>9}{:>9}",
        "method", "sMAPE", "MASE", "OWA"
    );
    let row = |out: &mut String, name: &str, a: &Aggregate| {
        let _ = writeln!(
            out,
            "{name:<36}{:>9.3}{:>9.3}{:>9.3}",
            a.smape, a.mase, a.owa
        );
    };
    let aggregates: Vec<&Aggregate> = runs
        .iter()
        .filter_map(|r| r.test.as_ref()?.aggregate.get("model"))
        .collect();
    for (r, a) in runs.iter().zip(&aggregates) {
        row(
            &mut out,
            &format!("seqcast, seed {}", r.config.train.seed),
            a,
        );
    }
    if aggregates.len() > 1 {
        let n = aggregates.len() as f64;
        let mean = Aggregate {
            smape: aggregates.iter().map(|a| a.smape).sum::<f64>() / n,
            mase: aggregates.iter().map(|a| a.mase).sum::<f64>() / n,
            owa: aggregates.iter().map(|a| a.owa).sum::<f64>() / n,
            series: aggregates.first().map_or(0, |a| a.series),
        };
        row(&mut out, "seqcast, mean over seeds", &mean);
    }
    for r in runs {
        if let Some(a) = r.test.as_ref().and_then(|t| t.aggregate.get("forecast")) {
            let label = format!("seqcast forecast, seed {}", r.config.train.seed);
            row(&mut out, &label, a);
        }
    }
    if let Some(test) = &first.test {
        for name in BASELINES {
            if let Some(a) = test.aggregate.get(name) {
                row(&mut out, &format!("{name} (same windows)"), a);
            }
        }
    }
    for (name, smape, mase, owa) in PUBLISHED {
        let _ = writeln!(
            out,
            "{name:<36}{smape:>9.3}{mase:>9.3}{owa:>9.3}   published"
        );
    }
    if let Some(test) = &first.test {
        let mut worst: Vec<(&str, f64)> = test
            .per_series
            .iter()
            .filter_map(|s| {
                let n2 = s.baselines.get("naive2")?.mase;
                Some((s.id.as_str(), s.model.mase / n2))
            })
            .filter(|(_, r)| r.is_finite())
            .collect();
        worst.sort_by(|a, b| b.1.total_cmp(&a.1));
        let losing = worst.iter().filter(|(_, r)| *r > 1.0).count();
        let named: Vec<String> = worst
            .iter()
            .take(5)
            .map(|(id, r)| format!("{id} {r:.2}"))
            .collect();
        let _ = writeln!(
            out,
            "model MASE / Naive2's per series (seed {}): worse than Naive2 on {losing} of {}; \
             worst {}",
            first.config.train.seed,
            worst.len(),
            named.join(", ")
        );
    }
    out
}

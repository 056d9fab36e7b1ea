//! `seqcast eval`: the two published accuracy protocols, run with seqcast's defaults
//! (or the training options given) and printed the way the literature prints them,
//! next to the baselines computed on the same windows and the published numbers.
//!
//! - ETTh1 (LTSF protocol): target OT, univariate; train rows [0, 8640), validation
//!   [8640, 11520), test [11520, 14400); z-score with the training rows' statistics;
//!   every test window, stride 1; MSE and MAE on the normalised scale.
//! - AirPassengers (Darts quickstart split): train 1949-01 … 1957-12, forecast the 36
//!   months 1958-01 … 1960-12 from one origin; MAPE on the raw values.
//! - AirPassengers (the Darts RNN example, `air-rnn`): 6-month forecasts from every
//!   origin of 1959–1960 without retraining, each forecast's last month scored (MAPE);
//!   in `eval_air`.
//!
//! Each protocol runs once per seed; with several seeds the forecasts are also averaged
//! (a seed ensemble) and scored.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Result, bail};
use clap::Args;
use seqcast_engine::config::MetricsScale;
use seqcast_engine::eval::baselines::BaselineKind;
use seqcast_engine::eval::metrics::Metrics;
use seqcast_engine::eval::protocol::{self, ETT_LOOKBACK};
use seqcast_engine::pipeline::RunSummary;
use seqcast_engine::pipeline::defaults::AutoDefaults;
use seqcast_engine::worker::{Command, Event};

use super::TrainArgs;
use super::train::start_with;

/// `seqcast eval`.
#[derive(Clone, Debug, Args)]
pub struct EvalArgs {
    /// Which protocol: ett, air (the Darts quickstart split), air-rnn (the Darts RNN
    /// example's backtest), all (these three), m4-hourly, or suite (then the folders or
    /// CSV files follow).
    #[arg(value_name = "PROTOCOL", default_value = "all")]
    pub protocol: String,
    /// With `suite`: folders (every CSV in them) and CSV files to train on.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// With `suite`: a TOML file naming the target of each CSV (`"file.csv" = "column"`);
    /// a `targets.toml` inside a folder applies to that folder's files. Without an
    /// entry the target is the file's last numeric column.
    #[arg(long, value_name = "FILE")]
    pub targets: Option<PathBuf>,
    /// The ETTh1 CSV (from the ETDataset repository).
    #[arg(long, value_name = "FILE", default_value = "sample-data/ETTh1.csv")]
    pub ett: PathBuf,
    /// ETTh1 horizons, comma-separated (the literature uses 24, 48, 168, 336, 720 and
    /// 96, 192, 336, 720).
    #[arg(
        long,
        value_name = "H,...",
        value_delimiter = ',',
        default_value = "24,96"
    )]
    pub horizons: Vec<usize>,
    /// With `m4-hourly`: the folder holding M4's Hourly-train.csv and Hourly-test.csv.
    #[arg(long, value_name = "DIR", default_value = "sample-data/m4")]
    pub m4: PathBuf,
    /// The AirPassengers CSV [default: the bundled sample].
    #[arg(long, value_name = "FILE")]
    pub air: Option<PathBuf>,
    /// Seeds, comma-separated: one run each; with several, their forecasts are also
    /// averaged into a seed ensemble.
    #[arg(
        long,
        value_name = "S,...",
        value_delimiter = ',',
        default_value = "42"
    )]
    pub seeds: Vec<u64>,
    /// Model and training options (as for train). The protocol sets the data, split,
    /// scaling, horizon and metrics; --lookback defaults to the protocol's (ETTh1 336,
    /// AirPassengers 24) and, on ETTh1, --loss to mse (the metric it is judged by).
    #[command(flatten)]
    pub train: TrainArgs,
}

/// Published (or issue-measured) test scores quoted next to seqcast's, with the source.
struct Published {
    name: &'static str,
    horizon: usize,
    mse: f64,
    mae: f64,
}

const fn published(name: &'static str, horizon: usize, mse: f64, mae: f64) -> Published {
    Published {
        name,
        horizon,
        mse,
        mae,
    }
}

const LSTMA: &str = "LSTMa (Informer paper)";
const DEEPAR: &str = "DeepAR (Informer paper)";
const INFORMER: &str = "Informer (Informer paper)";

/// ETTh1 OT, univariate: the Informer paper's Table 1 (2021 revision) at its horizons
/// 24, 48, 168, 336 and 720, and the LTSF-Linear paper (lookback 336) at horizon 96;
/// repeat-last-value is computed by seqcast itself.
const ETT_PUBLISHED: &[Published] = &[
    published(LSTMA, 24, 0.114, 0.272),
    published(DEEPAR, 24, 0.107, 0.280),
    published(INFORMER, 24, 0.098, 0.247),
    published(LSTMA, 48, 0.193, 0.358),
    published(DEEPAR, 48, 0.162, 0.327),
    published(INFORMER, 48, 0.158, 0.319),
    published(LSTMA, 168, 0.236, 0.392),
    published(DEEPAR, 168, 0.239, 0.422),
    published(INFORMER, 168, 0.183, 0.346),
    published(LSTMA, 336, 0.590, 0.698),
    published(DEEPAR, 336, 0.445, 0.552),
    published(INFORMER, 336, 0.222, 0.387),
    published(LSTMA, 720, 0.683, 0.768),
    published(DEEPAR, 720, 0.658, 0.707),
    published(INFORMER, 720, 0.269, 0.435),
    published("NLinear (LTSF-Linear, L=336)", 96, 0.053, 0.177),
    published("DLinear (LTSF-Linear, L=336)", 96, 0.056, 0.180),
];

/// AirPassengers on the Darts split: Darts quickstart numbers, and a Darts `RNNModel`
/// LSTM (hidden 25, input chunk 24, 300 epochs) measured on the same split.
pub(super) const AIR_PUBLISHED: &[(&str, f64)] = &[
    ("naive drift + seasonal naive (Darts)", 5.66),
    ("exponential smoothing (Darts)", 5.11),
    ("Theta, tuned (Darts)", 4.40),
    ("Darts RNNModel LSTM (measured)", 12.6),
];

/// Runs `seqcast eval`.
pub fn run(args: &EvalArgs) -> Result<()> {
    if args.seeds.is_empty() {
        bail!("--seeds needs at least one seed");
    }
    if args.protocol == "suite" {
        return super::eval_suite::run(args);
    }
    if args.protocol == "m4-hourly" {
        return super::eval_m4::run(args);
    }
    if !args.paths.is_empty() {
        bail!("only `seqcast eval suite` takes folders or files");
    }
    let (ett, air, air_rnn) = match args.protocol.as_str() {
        "all" => (true, true, true),
        "ett" => (true, false, false),
        "air" => (false, true, false),
        "air-rnn" => (false, false, true),
        other => {
            bail!("unknown protocol '{other}': use ett, air, air-rnn, all, m4-hourly or suite")
        }
    };
    if ett {
        if !args.ett.is_file() {
            bail!(
                "{} not found: pass the ETTh1 CSV with --ett FILE (it ships in sample-data/)",
                args.ett.display()
            );
        }
        print!("{}", ett_protocol(args)?);
    }
    if air {
        print!("{}", super::eval_air::darts_split(args)?);
    }
    if air_rnn {
        print!("{}", super::eval_air::rnn_example(args)?);
    }
    Ok(())
}

/// One protocol run: the summaries of every seed, and the wall time.
pub(super) struct Runs {
    pub(super) summaries: Vec<std::sync::Arc<RunSummary>>,
    pub(super) secs: f64,
}

impl Runs {
    /// Test metrics of the model (the seed ensemble with several seeds).
    pub(super) fn model(&self, scale: MetricsScale) -> Option<Metrics> {
        let first = self.summaries.first()?;
        let scores = first.test_scores.as_ref()?.in_scale(scale);
        if self.summaries.len() == 1 {
            return Some(scores.model.overall.clone());
        }
        let test = first.test.as_ref()?;
        let actual = test.actual.first()?;
        let mut mean = vec![0.0; actual.len()];
        for s in &self.summaries {
            let predicted = s.test.as_ref()?.model.first()?;
            for (m, p) in mean.iter_mut().zip(predicted) {
                *m += p / self.summaries.len() as f64;
            }
        }
        // Metrics in the user's units; the normalised scale is a z-score, so MSE
        // scales by 1/σ² and MAE by 1/σ, with σ read off the single-seed tables.
        let original = Metrics::compute(actual, &mean, None);
        match scale {
            MetricsScale::Original => Some(original),
            MetricsScale::Normalised => {
                let single = first.test_scores.as_ref()?;
                let ratio = single.normalised.model.overall.mae / single.original.model.overall.mae;
                if !ratio.is_finite() {
                    return None;
                }
                Some(Metrics {
                    mse: original.mse * ratio * ratio,
                    mae: original.mae * ratio,
                    rmse: original.rmse * ratio,
                    ..original
                })
            }
        }
    }

    /// Each seed's own test metrics.
    pub(super) fn per_seed(&self, scale: MetricsScale) -> Vec<Metrics> {
        self.summaries
            .iter()
            .filter_map(|s| {
                s.test_scores
                    .as_ref()
                    .map(|t| t.in_scale(scale).model.overall.clone())
            })
            .collect()
    }

    pub(super) fn baseline(&self, kind: BaselineKind, scale: MetricsScale) -> Option<Metrics> {
        let first = self.summaries.first()?;
        let table = first.test_scores.as_ref()?.in_scale(scale);
        table.baselines.get(&kind).map(|m| m.overall.clone())
    }
}

/// Trains once per seed with `args`' options under the protocol's settings, on one
/// engine that loads the data once.
pub(super) fn run_seeds(
    args: &EvalArgs,
    csv: Option<PathBuf>,
    protocol: impl Fn(&seqcast_engine::RunConfig) -> seqcast_engine::RunConfig,
    what: &str,
) -> Result<Runs> {
    let mut train_args = args.train.clone();
    train_args.csv = csv;
    train_seeds(&train_args, &args.seeds, protocol, what)
}

/// Trains once per seed in `seeds` with `train_args` (quiet), the protocol's settings
/// applied before the data-dependent defaults, on one engine that loads the data once.
pub(super) fn train_seeds(
    train_args: &super::TrainArgs,
    seeds: &[u64],
    protocol: impl Fn(&seqcast_engine::RunConfig) -> seqcast_engine::RunConfig,
    what: &str,
) -> Result<Runs> {
    let started = Instant::now();
    let mut train_args = train_args.clone();
    train_args.quiet = true;
    let (config, engine) = start_with(&train_args, protocol)?;
    let mut summaries = Vec::new();
    for &seed in seeds {
        let mut config = config.clone();
        config.train.seed = seed;
        engine.send(Command::Train {
            config,
            auto: AutoDefaults::NONE,
        })?;
        let summary = loop {
            match engine.recv()? {
                Event::Finished(s, _) => break s,
                Event::Cancelled(..) => bail!("{what}: training was cancelled"),
                Event::Failed { message, .. } => bail!("{what}: {message}"),
                _ => {}
            }
        };
        eprintln!(
            "  {what}, seed {seed}: {} epochs, best {}, {:.0} s",
            summary.training.history.len(),
            seqcast_engine::train::best_epoch_label(summary.training.best_epoch),
            summary.training.elapsed_secs
        );
        summaries.push(summary);
    }
    Ok(Runs {
        summaries,
        secs: started.elapsed().as_secs_f64(),
    })
}

pub(super) fn model_name(runs: &Runs) -> String {
    match runs.summaries.len() {
        0 | 1 => model_name_single(runs),
        n => format!("{}, {n}-seed ensemble", model_name_single(runs)),
    }
}

/// The model as the tables name it, without the seed count (`seqcast LSTM 2x64`).
pub(super) fn model_name_single(runs: &Runs) -> String {
    let Some(s) = runs.summaries.first() else {
        return "seqcast".into();
    };
    let m = &s.config.model;
    format!(
        "seqcast {} {}x{}",
        m.cell.name().to_uppercase(),
        m.layers,
        m.hidden
    )
}

/// The closing line of a protocol's table: `  (3 s for 3 runs)`.
pub(super) fn runs_line(runs: &Runs) -> String {
    format!(
        "  ({:.0} s for {} run{})\n",
        runs.secs,
        runs.summaries.len(),
        if runs.summaries.len() == 1 { "" } else { "s" }
    )
}

/// `args` for the ETTh1 protocol: it judges MSE, and the published models it compares
/// with train on it, so seqcast does too unless told otherwise (`--loss`, or a
/// configuration file).
fn ett_args(args: &EvalArgs) -> EvalArgs {
    let mut args = args.clone();
    if args.train.loss.is_none() && args.train.config.is_none() {
        args.train.loss = Some("mse".into());
    }
    args
}

fn ett_protocol(args: &EvalArgs) -> Result<String> {
    let lookback = args.train.lookback.unwrap_or(ETT_LOOKBACK);
    let args = &ett_args(args);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nETTh1 OT, univariate, LTSF protocol: train [0, 8640), validation [8640, 11520), \
         test [11520, 14400) rows; z-score from the training rows; every test window, \
         stride 1; MSE / MAE on the normalised scale. Lookback {lookback}."
    );
    let _ = writeln!(
        out,
        "{:>8}  {:<36}{:>9}{:>9}",
        "horizon", "model", "MSE", "MAE"
    );
    for &horizon in &args.horizons {
        let runs = run_seeds(
            args,
            Some(args.ett.clone()),
            |c| protocol::ett(c, horizon, lookback),
            &format!("ETTh1 horizon {horizon}"),
        )?;
        let scale = MetricsScale::Normalised;
        let mut rows: Vec<(String, Option<Metrics>)> = vec![(model_name(&runs), runs.model(scale))];
        if runs.summaries.len() > 1 {
            for (seed, m) in args.seeds.iter().zip(runs.per_seed(scale)) {
                rows.push((format!("  seed {seed}"), Some(m)));
            }
        }
        for (kind, name) in [
            (BaselineKind::Naive, "repeat last value"),
            (BaselineKind::SeasonalNaive, "seasonal naive (24 h)"),
            (BaselineKind::Drift, "drift"),
            (BaselineKind::Linear, "linear AR (same lookback)"),
        ] {
            rows.push((name.into(), runs.baseline(kind, scale)));
        }
        let mut first = true;
        for (name, m) in rows {
            let Some(m) = m else { continue };
            let h = if first {
                horizon.to_string()
            } else {
                String::new()
            };
            first = false;
            let _ = writeln!(out, "{h:>8}  {name:<36}{:>9.4}{:>9.4}", m.mse, m.mae);
        }
        for p in ETT_PUBLISHED.iter().filter(|p| p.horizon == horizon) {
            let _ = writeln!(out, "{:>8}  {:<36}{:>9.3}{:>9.3}", "", p.name, p.mse, p.mae);
        }
        let _ = writeln!(
            out,
            "{:>8}  ({} windows, {:.0} s for {} run{})",
            "",
            runs.summaries.first().map_or(0, |s| s.data.windows[2]),
            runs.secs,
            runs.summaries.len(),
            if runs.summaries.len() == 1 { "" } else { "s" }
        );
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use clap::{CommandFactory, FromArgMatches};

    use super::super::{Cli, Sub};
    use super::*;

    fn eval_args(argv: &[&str]) -> EvalArgs {
        let m = Cli::command().get_matches_from([&["seqcast", "eval"][..], argv].concat());
        let Some(Sub::Eval(args)) = Cli::from_arg_matches(&m).unwrap().command else {
            panic!("not eval")
        };
        *args
    }

    #[test]
    fn the_ett_protocol_trains_on_mse_unless_told_otherwise() {
        let loss = |argv: &[&str]| ett_args(&eval_args(argv)).train.loss;
        assert_eq!(loss(&["ett"]).as_deref(), Some("mse"));
        assert_eq!(
            loss(&["ett", "--loss", "quantile"]).as_deref(),
            Some("quantile")
        );
        // A configuration file's loss is left to the file.
        assert_eq!(loss(&["ett", "--config", "run.toml"]), None);
        // The other protocols keep the product's default (the quantile loss).
        assert_eq!(eval_args(&["air"]).train.loss, None);
    }
}

//! `seqcast bench`: training throughput with the protocol of the PyTorch reference
//! (`shared/bench/torch_rnn_bench.py`), run by the engine thread through the product's
//! real training loop ([`seqcast_engine::pipeline::bench`] has the protocol); windows/s
//! is the median over epochs 2..N.

use anyhow::{Result, bail};
use clap::Args;
use seqcast_engine::config::{CellKind, DropoutMode, Strategy};
use seqcast_engine::pipeline::bench::BenchSpec;
use seqcast_engine::train::Progress;
use seqcast_engine::worker::{Command, EngineHandle, Event};

/// `seqcast bench` (the reference script's flags; without `--cell`, configs a–d).
#[derive(Debug, Default, Args)]
pub struct BenchArgs {
    /// Cell: lstm | lstm-peephole | gru | rnn.
    #[arg(long)]
    pub cell: Option<String>,
    /// Hidden units per layer.
    #[arg(long, default_value_t = 64)]
    pub hidden: usize,
    /// Stacked layers.
    #[arg(long, default_value_t = 2)]
    pub layers: usize,
    /// Input length.
    #[arg(long, default_value_t = 96)]
    pub lookback: usize,
    /// Steps forecast.
    #[arg(long, default_value_t = 24)]
    pub horizon: usize,
    /// Windows per mini-batch.
    #[arg(long, default_value_t = 64)]
    pub batch: usize,
    /// Threads per training step.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Epochs (the first is not counted).
    #[arg(long, default_value_t = 3)]
    pub epochs: usize,
    /// Points of the synthetic series.
    #[arg(long, default_value_t = 20_000)]
    pub points: usize,
    /// Seed of the noise, the initialisation and the shuffling.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Time loading this CSV instead of training (median of `--repeats` loads).
    #[arg(long, value_name = "FILE")]
    pub load: Option<std::path::PathBuf>,
    /// Loads timed with `--load`.
    #[arg(long, default_value_t = 5)]
    pub repeats: usize,
    /// How the horizon is forecast: direct (the reference's) | seq2seq (an encoder and
    /// a decoder of the same size; the teacher-forcing ratio does not change the work).
    #[arg(long, default_value = "direct")]
    pub strategy: String,
    /// Residual connections between the stacked layers (the reference has none).
    #[arg(long)]
    pub residual: bool,
    /// Dropout (the reference has none).
    #[arg(long, default_value_t = 0.0)]
    pub dropout: f64,
    /// With --dropout: standard | variational.
    #[arg(long, default_value = "standard")]
    pub dropout_mode: String,
    /// A bidirectional encoder (the reference: one direction).
    #[arg(long)]
    pub bidirectional: bool,
    /// Layer normalisation inside the cells (the reference: none).
    #[arg(long)]
    pub layer_norm: bool,
    /// Truncated BPTT, K1,K2 (the reference: full BPTT).
    #[arg(long, value_name = "K1,K2")]
    pub tbptt: Option<String>,
}

/// One benchmark configuration (the series' points and seed come from the flags).
#[derive(Clone, Copy, Debug)]
struct Bench {
    cell: CellKind,
    hidden: usize,
    layers: usize,
    lookback: usize,
    horizon: usize,
    batch: usize,
    epochs: usize,
}

impl Bench {
    fn spec(self, args: &BenchArgs, strategy: Strategy) -> BenchSpec {
        BenchSpec {
            strategy,
            residual: args.residual,
            bidirectional: args.bidirectional,
            layer_norm: args.layer_norm,
            tbptt: args
                .tbptt
                .as_deref()
                .and_then(seqcast_engine::config::Tbptt::parse),
            peephole: args.cell.as_deref() == Some("lstm-peephole"),
            dropout: (
                args.dropout,
                if args.dropout_mode == "variational" {
                    DropoutMode::Variational
                } else {
                    DropoutMode::Standard
                },
            ),
            cell: self.cell,
            hidden: self.hidden,
            layers: self.layers,
            lookback: self.lookback,
            horizon: self.horizon,
            batch: self.batch,
            epochs: self.epochs,
            points: args.points,
            seed: args.seed,
        }
    }
}

/// Configurations a–d of issue 6 (d has short epochs, hence more of them).
const CONFIGS: [(char, Bench); 4] = [
    (
        'a',
        Bench {
            cell: CellKind::Lstm,
            hidden: 64,
            layers: 2,
            lookback: 96,
            horizon: 24,
            batch: 64,
            epochs: 3,
        },
    ),
    (
        'b',
        Bench {
            cell: CellKind::Gru,
            hidden: 64,
            layers: 2,
            lookback: 96,
            horizon: 24,
            batch: 64,
            epochs: 3,
        },
    ),
    (
        'c',
        Bench {
            cell: CellKind::Lstm,
            hidden: 128,
            layers: 1,
            lookback: 48,
            horizon: 1,
            batch: 32,
            epochs: 3,
        },
    ),
    (
        'd',
        Bench {
            cell: CellKind::Lstm,
            hidden: 32,
            layers: 1,
            lookback: 24,
            horizon: 12,
            batch: 128,
            epochs: 20,
        },
    ),
];

/// Runs `seqcast bench`.
pub fn run(args: &BenchArgs) -> Result<()> {
    if let Some(path) = &args.load {
        return super::bench_load::run(path, args.repeats);
    }
    let strategy = match args.strategy.as_str() {
        "direct" => Strategy::Direct,
        "seq2seq" => Strategy::Seq2seq,
        other => bail!("--strategy '{other}': expected direct or seq2seq"),
    };
    if !matches!(args.dropout_mode.as_str(), "" | "standard" | "variational") {
        bail!(
            "--dropout-mode '{}': expected standard or variational",
            args.dropout_mode
        );
    }
    if let Some(t) = &args.tbptt
        && seqcast_engine::config::Tbptt::parse(t).is_none()
    {
        bail!("--tbptt '{t}': expected K1,K2 (two step counts)");
    }
    let engine = EngineHandle::spawn(None)?;
    let Some(cell) = &args.cell else {
        for (name, bench) in CONFIGS {
            println!("config {name}");
            run_one(&engine, bench.spec(args, strategy), args.threads)?;
        }
        return Ok(());
    };
    let cell = match cell.as_str() {
        "lstm" | "lstm-peephole" => CellKind::Lstm,
        "gru" => CellKind::Gru,
        "rnn" => CellKind::Rnn,
        other => bail!("--cell '{other}': expected one of lstm, lstm-peephole, gru, rnn"),
    };
    let bench = Bench {
        cell,
        hidden: args.hidden,
        layers: args.layers,
        lookback: args.lookback,
        horizon: args.horizon,
        batch: args.batch,
        epochs: args.epochs,
    };
    run_one(&engine, bench.spec(args, strategy), args.threads)
}

/// Runs one benchmark on the engine thread, printing each epoch as it ends.
fn run_one(engine: &EngineHandle, spec: BenchSpec, threads: usize) -> Result<()> {
    let (train_windows, rest) = spec.windows();
    println!(
        "seqcast {} threads={threads} train_windows={train_windows} val_windows={rest}",
        env!("CARGO_PKG_VERSION"),
    );
    engine.send(Command::Bench { spec, threads })?;
    let outcome = loop {
        match engine.recv()? {
            Event::Training(Progress::Epoch(e)) => println!(
                "epoch {}: {:.3} s  {:.1} windows/s  train_mse={:.5}",
                e.epoch,
                e.duration_secs,
                train_windows as f64 / e.duration_secs.max(1e-9),
                e.train_loss
            ),
            Event::Benched(outcome) => break outcome,
            Event::Failed { message, .. } => bail!(message),
            _ => {}
        }
    };
    let median = outcome.median_rate();
    let flops = spec.flops_per_window();
    let gflops = median * flops / 1e9;
    println!(
        "work: {:.2} MFLOP per window, {gflops:.1} GFLOP/s ({:.0}% of a 180 GFLOP/s ceiling)",
        flops / 1e6,
        gflops / 180.0 * 100.0
    );
    println!(
        "RESULT cell={} hidden={} layers={} lookback={} horizon={} batch={} threads={threads} epochs={} train_windows={train_windows} windows_per_s={median:.1}",
        spec.cell.name(),
        spec.hidden,
        spec.layers,
        spec.lookback,
        spec.horizon,
        spec.batch,
        spec.epochs
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_a_is_the_reference_readme_s() {
        // Config a: ≈ 28.5 MFLOP per window.
        let mflop = CONFIGS[0]
            .1
            .spec(&BenchArgs::default(), Strategy::Direct)
            .flops_per_window()
            / 1e6;
        assert!((mflop - 28.5).abs() < 0.1, "{mflop}");
    }

    #[test]
    fn a_tiny_bench_runs_and_bad_cells_or_strategies_are_refused() {
        let args = BenchArgs {
            cell: Some("gru".into()),
            hidden: 4,
            layers: 1,
            lookback: 8,
            horizon: 2,
            batch: 16,
            threads: 1,
            epochs: 2,
            points: 300,
            seed: 1,
            load: None,
            repeats: 1,
            strategy: "seq2seq".into(),
            residual: false,
            dropout: 0.0,
            dropout_mode: "standard".into(),
            tbptt: None,
            bidirectional: false,
            layer_norm: false,
        };
        run(&args).unwrap();
        assert!(
            run(&BenchArgs {
                strategy: "recursive".into(),
                cell: args.cell.clone(),
                ..BenchArgs::default()
            })
            .is_err()
        );
        assert!(
            run(&BenchArgs {
                cell: Some("tcn".into()),
                ..args
            })
            .is_err()
        );
    }
}

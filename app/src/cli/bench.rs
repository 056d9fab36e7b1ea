//! `seqcast bench`: training throughput with the protocol of the PyTorch reference
//! (`shared/bench/torch_rnn_bench.py`), run through the product's real training loop
//! (`engine::train::train`: fast path, norms, global-norm clipping, Adam).
//!
//! Protocol: 20,000 points of sin(2πt/50) + 0.5·sin(2πt/365) + N(0, 0.1²) (our own
//! seeded noise), z-scored; stride-1 windows; the first 80 % for training, shuffled
//! mini-batches; Adam 1e-3, clip norm 1.0, MSE; windows/s is the median over epochs
//! 2..N of the training loop's time (no validation windows, so an epoch's duration is
//! its training loop).

use anyhow::{Result, bail};
use clap::Args;
use seqcast_engine::config::{
    CellKind, ClipKind, ModelConfig, ScheduleKind, TrainConfig, WindowNorm,
};
use seqcast_engine::model::fast;
use seqcast_engine::rng::Rng;
use seqcast_engine::train::{self, Control, Progress, TrainData};

/// `seqcast bench` (the reference script's flags; without `--cell`, configs a–d).
#[derive(Debug, Default, Args)]
pub struct BenchArgs {
    /// Cell: lstm | gru | rnn.
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
}

/// One benchmark configuration.
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
    fast::set_max_threads(args.threads);
    let Some(cell) = &args.cell else {
        for (name, bench) in CONFIGS {
            println!("config {name}");
            run_one(bench, args)?;
        }
        return Ok(());
    };
    let cell = match cell.as_str() {
        "lstm" => CellKind::Lstm,
        "gru" => CellKind::Gru,
        "rnn" => CellKind::Rnn,
        other => bail!("--cell '{other}': expected one of lstm, gru, rnn"),
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
    run_one(bench, args)
}

/// The synthetic series, z-scored.
fn series(points: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    let tau = std::f64::consts::TAU;
    let raw: Vec<f64> = (0..points)
        .map(|t| {
            let t = t as f64;
            (tau * t / 50.0).sin() + 0.5 * (tau * t / 365.0).sin() + 0.1 * rng.normal()
        })
        .collect();
    let n = raw.len().max(2) as f64;
    let mean = raw.iter().sum::<f64>() / n;
    let sd = (raw.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    raw.iter()
        .map(|v| ((v - mean) / sd.max(1e-12)) as f32)
        .collect()
}

/// FLOPs of one training window by the reference's formula (3 × forward).
fn flops_per_window(b: &Bench) -> f64 {
    let g = b.cell.gates() as f64;
    let h = b.hidden as f64;
    let layers: f64 = (0..b.layers)
        .map(|k| {
            let input = if k == 0 { 1.0 } else { h };
            2.0 * g * (input + h) * h * b.lookback as f64
        })
        .sum();
    3.0 * (layers + 2.0 * h * b.horizon as f64)
}

fn run_one(b: Bench, args: &BenchArgs) -> Result<()> {
    let matrix = series(args.points, args.seed);
    let windows = (args.points + 1).saturating_sub(b.lookback + b.horizon);
    let n_train = windows * 4 / 5;
    // A window's origin is its last input row.
    let train_origins: Vec<usize> = (0..n_train).map(|k| k + b.lookback - 1).collect();
    let data = TrainData {
        matrix: &matrix,
        features: 1,
        targets: 1,
        lookback: b.lookback,
        horizon: b.horizon,
        train: &train_origins,
        val: &[],
        window_norm: WindowNorm::None,
        season: 1,
    };
    let model = ModelConfig {
        cell: b.cell,
        hidden: b.hidden,
        layers: b.layers,
        dropout: 0.0,
        // The PyTorch reference is a plain LSTM: no skip.
        linear_skip: false,
        recurrent_steps: 0,
        ..ModelConfig::default()
    };
    let config = TrainConfig {
        epochs: b.epochs,
        batch: b.batch,
        lr: 1e-3,
        clip: ClipKind::Norm { max: 1.0 },
        schedule: ScheduleKind::Constant,
        patience: 0,
        // The reference steps its raw weights and keeps nothing else.
        weight_average: 0.0,
        seed: args.seed,
        ..TrainConfig::default()
    };
    let cell = b.cell.name();
    println!(
        "seqcast {} threads={} train_windows={n_train} val_windows={}",
        env!("CARGO_PKG_VERSION"),
        args.threads,
        windows - n_train
    );
    let mut rates = Vec::new();
    let mut report = |p: Progress| {
        if let Progress::Epoch(e) = p {
            let rate = n_train as f64 / e.duration_secs.max(1e-9);
            rates.push(rate);
            println!(
                "epoch {}: {:.3} s  {rate:.1} windows/s  train_mse={:.5}",
                e.epoch, e.duration_secs, e.train_loss
            );
        }
    };
    train::train(&model, &config, &data, &Control::new(), &mut report)?;
    let mut steady: Vec<f64> = rates.iter().skip(1).copied().collect();
    if steady.is_empty() {
        steady = rates;
    }
    steady.sort_by(f64::total_cmp);
    let median = match steady.len() {
        0 => 0.0,
        n if n % 2 == 1 => steady[n / 2],
        n => 0.5 * (steady[n / 2 - 1] + steady[n / 2]),
    };
    let gflops = median * flops_per_window(&b) / 1e9;
    println!(
        "work: {:.2} MFLOP per window, {gflops:.1} GFLOP/s ({:.0}% of a 180 GFLOP/s ceiling)",
        flops_per_window(&b) / 1e6,
        gflops / 180.0 * 100.0
    );
    println!(
        "RESULT cell={cell} hidden={} layers={} lookback={} horizon={} batch={} threads={} epochs={} train_windows={n_train} windows_per_s={median:.1}",
        b.hidden, b.layers, b.lookback, b.horizon, b.batch, args.threads, b.epochs
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flops_match_the_reference_readme() {
        // Config a: ≈ 28.5 MFLOP per window.
        let a = CONFIGS[0].1;
        let mflop = flops_per_window(&a) / 1e6;
        assert!((mflop - 28.5).abs() < 0.1, "{mflop}");
    }

    #[test]
    fn series_is_z_scored() {
        let s = series(2000, 1);
        let mean = s.iter().map(|&v| f64::from(v)).sum::<f64>() / 2000.0;
        let var = s
            .iter()
            .map(|&v| (f64::from(v) - mean).powi(2))
            .sum::<f64>()
            / 1999.0;
        assert!(
            mean.abs() < 1e-5 && (var - 1.0).abs() < 1e-4,
            "{mean} {var}"
        );
    }

    #[test]
    fn a_tiny_bench_runs_and_bad_cells_are_refused() {
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
        };
        run(&args).unwrap();
        assert!(
            run(&BenchArgs {
                cell: Some("tcn".into()),
                ..args
            })
            .is_err()
        );
    }
}

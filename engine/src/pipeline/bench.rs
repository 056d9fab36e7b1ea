//! The training-throughput protocol of the PyTorch reference
//! (`shared/bench/torch_rnn_bench.py`), run through the product's real training loop
//! (fast path, norms, global-norm clipping, Adam); the worker runs it for
//! `seqcast bench` ([`crate::worker::Command::Bench`]).
//!
//! Protocol: `points` values of sin(2πt/50) + 0.5·sin(2πt/365) + N(0, 0.1²) (our own
//! seeded noise), z-scored; stride-1 windows; the first 80 % for training, shuffled
//! mini-batches; Adam 1e-3, clip norm 1.0, MSE; no validation windows, so an epoch's
//! duration is its training loop.

use serde::{Deserialize, Serialize};

use crate::config::{
    CellKind, ClipKind, ModelConfig, ScheduleKind, Strategy, TrainConfig, WindowNorm,
};
use crate::error::{EngineError, Result};
use crate::rng::Rng;
use crate::train::{self, Control, Progress, TrainData};

/// One benchmark configuration.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenchSpec {
    /// The recurrent cell.
    pub cell: CellKind,
    /// Hidden units per layer.
    pub hidden: usize,
    /// Stacked layers.
    pub layers: usize,
    /// Input length.
    pub lookback: usize,
    /// Steps forecast.
    pub horizon: usize,
    /// Windows per mini-batch.
    pub batch: usize,
    /// Epochs (the first is not counted in the median).
    pub epochs: usize,
    /// Points of the synthetic series.
    pub points: usize,
    /// Seed of the noise, the initialisation and the shuffling.
    pub seed: u64,
    /// How the horizon is forecast (the reference: direct).
    pub strategy: Strategy,
    /// Residual connections between the stacked layers (the reference: none).
    pub residual: bool,
    /// Peephole LSTM (the reference: none).
    pub peephole: bool,
    /// Dropout and how its masks are drawn (the reference: none).
    pub dropout: (f64, crate::config::DropoutMode),
    /// Truncated BPTT (the reference: full BPTT).
    pub tbptt: Option<crate::config::Tbptt>,
    /// A bidirectional encoder (the reference: one direction).
    pub bidirectional: bool,
    /// Layer normalisation inside the cells (the reference: none).
    pub layer_norm: bool,
}

impl BenchSpec {
    /// FLOPs of one training window by the reference's formula (3 × forward: the
    /// backward pass costs two forwards). Under truncated BPTT only the backpropagated
    /// steps pay the backward's share.
    pub fn flops_per_window(&self) -> f64 {
        let g = self.cell.gates() as f64;
        let h = self.hidden as f64;
        let per_step: f64 = (0..self.layers)
            .map(|k| {
                let input = if k == 0 { 1.0 } else { h };
                2.0 * g * (input + h) * h
            })
            .sum();
        let (_, backward) = crate::config::Tbptt::split(self.tbptt, self.lookback);
        // A bidirectional encoder runs a second stack of the same size.
        let directions = if self.bidirectional { 2.0 } else { 1.0 };
        let recurrent = directions * per_step * (self.lookback + 2 * backward) as f64;
        recurrent + 3.0 * 2.0 * h * self.horizon as f64
    }

    /// Stride-1 windows of the series: (training, the rest).
    pub fn windows(&self) -> (usize, usize) {
        let windows = (self.points + 1).saturating_sub(self.lookback + self.horizon);
        let train = windows * 4 / 5;
        (train, windows - train)
    }
}

/// What a benchmark measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenchOutcome {
    /// What was run.
    pub spec: BenchSpec,
    /// Threads per training step.
    pub threads: usize,
    /// Training windows per epoch.
    pub train_windows: usize,
    /// Training windows per second, per epoch.
    pub rates: Vec<f64>,
}

impl BenchOutcome {
    /// The median rate over epochs 2..N (all epochs when there is only one).
    pub fn median_rate(&self) -> f64 {
        let mut steady: Vec<f64> = self.rates.iter().skip(1).copied().collect();
        if steady.is_empty() {
            steady = self.rates.clone();
        }
        steady.sort_by(f64::total_cmp);
        match steady.len() {
            0 => 0.0,
            n if n % 2 == 1 => steady[n / 2],
            n => 0.5 * (steady[n / 2 - 1] + steady[n / 2]),
        }
    }
}

/// The synthetic series, z-scored.
pub fn series(points: usize, seed: u64) -> Vec<f32> {
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

/// Trains `spec` (with `threads` per step, already set by the caller) and measures each
/// epoch; `report` sees the training progress as a normal run's.
pub fn run(
    spec: &BenchSpec,
    threads: usize,
    control: &Control,
    report: &mut dyn FnMut(Progress),
) -> Result<BenchOutcome> {
    let (n_train, _) = spec.windows();
    if n_train == 0 || spec.epochs == 0 || spec.batch == 0 {
        return Err(EngineError::Config(format!(
            "the benchmark needs training windows, epochs and a batch: {} points give {n_train} \
             windows of {} + {}, {} epochs, batch {}",
            spec.points, spec.lookback, spec.horizon, spec.epochs, spec.batch
        )));
    }
    let matrix = series(spec.points, spec.seed);
    // A window's origin is its last input row.
    let train_origins: Vec<usize> = (0..n_train).map(|k| k + spec.lookback - 1).collect();
    let data = TrainData {
        matrix: &matrix,
        features: 1,
        targets: 1,
        lookback: spec.lookback,
        horizon: spec.horizon,
        train: &train_origins,
        val: &[],
        window_norm: WindowNorm::None,
        season: 1,
        known: crate::train::KnownAhead::default(),
        rollout: 0,
    };
    let model = ModelConfig {
        cell: spec.cell,
        hidden: spec.hidden,
        layers: spec.layers,
        dropout: spec.dropout.0,
        dropout_mode: spec.dropout.1,
        // The PyTorch reference is a plain LSTM: no skip.
        linear_skip: false,
        recurrent_steps: 0,
        strategy: spec.strategy,
        residual: spec.residual,
        peephole: spec.peephole,
        tbptt: spec.tbptt,
        bidirectional: spec.bidirectional,
        layer_norm: spec.layer_norm,
        ..ModelConfig::default()
    };
    let config = TrainConfig {
        epochs: spec.epochs,
        batch: spec.batch,
        lr: 1e-3,
        clip: ClipKind::Norm { max: 1.0 },
        schedule: ScheduleKind::Constant,
        patience: 0,
        // The reference steps its raw weights and keeps nothing else.
        weight_average: 0.0,
        // The reference trains one output per step on MSE.
        loss: crate::config::LossKind::Mse,
        seed: spec.seed,
        ..TrainConfig::default()
    };
    let mut rates = Vec::new();
    let mut measure = |p: Progress| {
        if let Progress::Epoch(e) = &p {
            rates.push(n_train as f64 / e.duration_secs.max(1e-9));
        }
        report(p);
    };
    train::train(&model, &config, &data, control, &mut measure)?;
    Ok(BenchOutcome {
        spec: *spec,
        threads,
        train_windows: n_train,
        rates,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn spec(cell: CellKind) -> BenchSpec {
        BenchSpec {
            cell,
            hidden: 64,
            layers: 2,
            lookback: 96,
            horizon: 24,
            batch: 64,
            epochs: 3,
            points: 20_000,
            seed: 42,
            strategy: Strategy::Direct,
            residual: false,
            peephole: false,
            dropout: (0.0, crate::config::DropoutMode::Standard),
            tbptt: None,
            bidirectional: false,
            layer_norm: false,
        }
    }

    #[test]
    fn flops_match_the_reference_readme() {
        // Config a: ≈ 28.5 MFLOP per window.
        let mflop = spec(CellKind::Lstm).flops_per_window() / 1e6;
        assert!((mflop - 28.5).abs() < 0.1, "{mflop}");
        // Truncated to the last 24 of 96 steps: the recurrent layers' backward share
        // (two thirds of their 28.5 − 0.02 MFLOP) shrinks to a quarter.
        let truncated = BenchSpec {
            tbptt: Some(crate::config::Tbptt { k1: 24, k2: 24 }),
            ..spec(CellKind::Lstm)
        };
        let layers = 28.5 - 3.0 * 2.0 * 64.0 * 24.0 / 1e6;
        let want = layers / 3.0 * (1.0 + 2.0 * 0.25) + 3.0 * 2.0 * 64.0 * 24.0 / 1e6;
        let got = truncated.flops_per_window() / 1e6;
        assert!((got - want).abs() < 0.1, "{got} vs {want}");
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
    fn the_median_skips_the_first_epoch() {
        let outcome = |rates: Vec<f64>| BenchOutcome {
            spec: spec(CellKind::Gru),
            threads: 1,
            train_windows: 10,
            rates,
        };
        assert_eq!(outcome(vec![1.0, 5.0, 3.0, 4.0]).median_rate(), 4.0);
        assert_eq!(outcome(vec![1.0, 5.0, 3.0]).median_rate(), 4.0);
        assert_eq!(outcome(vec![2.0]).median_rate(), 2.0);
        assert_eq!(outcome(vec![]).median_rate(), 0.0);
    }

    #[test]
    fn a_tiny_bench_trains_every_epoch_and_an_empty_one_is_refused() {
        let tiny = BenchSpec {
            hidden: 4,
            layers: 1,
            lookback: 8,
            horizon: 2,
            batch: 16,
            epochs: 2,
            points: 300,
            seed: 1,
            ..spec(CellKind::Gru)
        };
        let mut epochs = 0;
        let out = run(&tiny, 1, &Control::new(), &mut |p| {
            epochs += usize::from(matches!(p, Progress::Epoch(_)));
        })
        .unwrap();
        assert_eq!((epochs, out.rates.len()), (2, 2));
        assert_eq!(out.train_windows, (300 + 1 - 10) * 4 / 5);
        assert!(out.rates.iter().all(|r| r.is_finite() && *r > 0.0));
        let empty = BenchSpec { points: 5, ..tiny };
        assert!(run(&empty, 1, &Control::new(), &mut |_| {}).is_err());
    }
}

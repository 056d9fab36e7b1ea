//! Memory, estimated before anything is allocated: the one place that says how many
//! bytes a run, a saved model or a CSV file will need, and refuses those that need more
//! than a documented ceiling or than the machine has available, with a message naming
//! the setting and the number. An out-of-memory kill cannot be caught; an estimate can.
//!
//! The estimates count what grows with the settings (parameters and their copies, a
//! batch's activations, gathered windows, forecasts, the linear baseline's design
//! matrix); fixed costs of a few megabytes are left out. They are upper bounds within a
//! small factor, measured against resident memory (docs/ROBUSTNESS.md).

use crate::config::{ModelConfig, SkipInit, TrainConfig};
use crate::error::{EngineError, Result};

/// The most a single run may need, whatever the machine has: 16 GiB.
pub const MAX_RUN_BYTES: u64 = 16 << 30;

/// Copies of every parameter kept while training: the weights, their gradient, Adam's
/// two moments, the last good weights (the NaN guard), the best weights (early
/// stopping) and the averaged weights.
pub const PARAM_COPIES: u64 = 7;

/// Bytes of a training value (`f32`).
const F32: u64 = 4;
/// Bytes of an evaluation value (`f64`).
const F64: u64 = 8;
/// Forecasts of each evaluated part held at once: the model, naive, seasonal naive,
/// drift, linear, the mix, the product forecast and the actuals.
const FORECASTS_HELD: u64 = 8;

/// Memory needed to read a CSV file, as a multiple of its size: the bytes read, the
/// cells' text (cells are stored in one buffer per column, `data::cell::Cells`), and
/// headroom. Measured peaks (`cargo run --release --example close_during_load`): a
/// 1.0 GB file of 9 numeric columns (108 M cells) 3.2 GB; 180 MB of two short numbers
/// per line (40 M cells) 0.86 GB; 200 MB of `,,,,` lines (200 M empty cells) 2.2 GB.
/// 2 per byte and 14 per cell fit all three within 10 %; these add a margin.
pub const MEMORY_PER_FILE_BYTE: u64 = 3;

/// Memory a parsed cell costs besides its bytes (its end offset and null flag, and the
/// parser's buffers; see [`MEMORY_PER_FILE_BYTE`] for the measurements).
pub const MEMORY_PER_CELL: u64 = 16;

/// Bytes reading a CSV file of `len` bytes and `cells` cells needs (0 cells: not
/// counted yet, the size alone). Its ceiling is the file size limit (`data::table`).
pub fn csv_read(len: u64, cells: u64) -> u64 {
    len.saturating_mul(MEMORY_PER_FILE_BYTE)
        .saturating_add(cells.saturating_mul(MEMORY_PER_CELL))
}

/// The ceiling and the memory available now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The most one estimate may reach ([`MAX_RUN_BYTES`] for runs).
    pub ceiling: u64,
    /// Memory available, in bytes (`None`: unknown, not checked).
    pub available: Option<u64>,
}

impl Limits {
    /// [`MAX_RUN_BYTES`] and what this machine has available now.
    pub fn for_this_machine() -> Self {
        Self {
            ceiling: MAX_RUN_BYTES,
            available: available_memory(),
        }
    }
}

/// `MemAvailable` from `/proc/meminfo`, in bytes (unknown elsewhere).
pub fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// One thing that takes memory: what it is (with the settings and numbers that size
/// it), how to make it smaller, and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Need {
    /// For people: `the linear skip (window.lookback 70000 × window.horizon 70000 …)`.
    pub what: String,
    /// The settings that shrink it: `lower window.lookback or window.horizon, …`.
    pub remedy: String,
    /// Estimated bytes.
    pub bytes: u64,
}

/// What something will need, part by part.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Estimate {
    /// The parts, in the order they were added.
    pub parts: Vec<Need>,
}

impl Estimate {
    /// Adds a part of `bytes` (saturating: an overflow is simply too much).
    pub fn add(&mut self, what: String, remedy: &str, bytes: u64) {
        self.parts.push(Need {
            what,
            remedy: remedy.to_owned(),
            bytes,
        });
    }

    /// Appends the parts of `other`.
    pub fn extend(&mut self, other: Self) {
        self.parts.extend(other.parts);
    }

    /// All parts together.
    pub fn total(&self) -> u64 {
        self.parts
            .iter()
            .fold(0u64, |sum, p| sum.saturating_add(p.bytes))
    }

    /// The largest part.
    pub fn largest(&self) -> Option<&Need> {
        self.parts.iter().max_by_key(|p| p.bytes)
    }

    /// Refuses an estimate above the ceiling or above the memory available, naming
    /// `subject` ("this run"), the total, and the largest part with its remedy.
    pub fn check(&self, subject: &str, limits: Limits) -> Result<()> {
        let total = self.total();
        let over_ceiling = total > limits.ceiling;
        let over_available = limits.available.is_some_and(|a| total > a);
        if !over_ceiling && !over_available {
            return Ok(());
        }
        let bound = match limits.available {
            Some(a) if a < limits.ceiling => format!("only {} is available", human_bytes(a)),
            _ => format!("seqcast allows at most {}", human_bytes(limits.ceiling)),
        };
        let largest = self.largest().map_or(String::new(), |p| {
            format!(
                "; most of it is {}: {}; {}",
                p.what,
                human_bytes(p.bytes),
                p.remedy
            )
        });
        Err(EngineError::Memory(format!(
            "{subject} needs about {} of memory, but {bound}{largest}",
            human_bytes(total)
        )))
    }
}

/// The sizes of the data a run works on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dims {
    /// Model columns per row (targets first).
    pub features: usize,
    /// Forecast columns.
    pub targets: usize,
    /// Input length.
    pub lookback: usize,
    /// Output length.
    pub horizon: usize,
    /// Training windows.
    pub train_windows: usize,
    /// Validation windows.
    pub val_windows: usize,
    /// Test windows.
    pub test_windows: usize,
}

/// `a × b × …` in bytes, saturating.
fn product(factors: &[u64]) -> u64 {
    factors.iter().fold(1u64, |p, f| p.saturating_mul(*f))
}

fn n(v: usize) -> u64 {
    u64::try_from(v).unwrap_or(u64::MAX)
}

/// What training `model` with `train` on windows of `d` needs: the parameters and
/// their copies, one batch's activations, the windows the skip's start reads, and the
/// validation forecasts of every epoch.
pub fn training(model: &ModelConfig, train: &TrainConfig, d: &Dims) -> Estimate {
    let mut e = Estimate::default();
    // Each checkpoint held until the run ends pins five more copies of every weight
    // (the weights, two optimiser moments, the average, the best).
    let (copies, kept) = match train.checkpoints {
        0 => (PARAM_COPIES, String::new()),
        k => (
            PARAM_COPIES.saturating_add(5 * n(k).saturating_add(1)),
            format!(
                " and {} more in train.checkpoints {k} and the best",
                5 * n(k).saturating_add(1)
            ),
        ),
    };
    let fewer = if train.checkpoints > 0 {
        ", or lower train.checkpoints"
    } else {
        ""
    };
    let (f, t, l, h) = (n(d.features), n(d.targets), n(d.lookback), n(d.horizon));
    let (hid, layers, gates) = (n(model.hidden), n(model.layers), n(model.cell.gates()));
    if model.linear_skip {
        e.add(
            format!(
                "the linear skip (window.lookback {l} × window.horizon {h} weights, kept \
                 {PARAM_COPIES} times while training{kept})"
            ),
            &format!(
                "lower window.lookback or window.horizon, or set model.linear_skip = false{fewer}"
            ),
            product(&[l, h, copies, F32]),
        );
    }
    // A quantile model's head has one output per level, horizon step and target.
    let q = n(train.loss.outputs_per_step());
    let levels = if q > 1 {
        format!(" × {q} quantile levels")
    } else {
        String::new()
    };
    e.add(
        format!(
            "the output head (model.hidden {hid} × window.horizon {h} × {t} targets{levels} \
             weights, kept {PARAM_COPIES} times while training{kept})"
        ),
        &format!("lower model.hidden or window.horizon, or train fewer quantile levels{fewer}"),
        product(&[
            hid,
            h,
            t,
            q,
            copies,
            F32,
            n(1 + usize::from(model.bidirectional)),
        ]),
    );
    // Per layer: input and recurrent weights, two biases; a bidirectional encoder has
    // two stacks (and a head reading both).
    let directions = n(1 + usize::from(model.bidirectional));
    let per_layer = product(&[hid.max(f), hid, gates, directions]).saturating_mul(2);
    // (Layer normalisation's gains, 2·G·H per layer, are small beside the G·H² weights
    // and left out, as the biases are.)
    e.add(
        format!(
            "the recurrent layers (model.layers {layers} × model.hidden {hid}, kept \
             {PARAM_COPIES} times while training{kept})"
        ),
        &format!("lower model.hidden or model.layers{fewer}"),
        product(&[per_layer, layers, copies, F32]),
    );
    // Truncated BPTT keeps the last k2 steps, and a chunk of k1 steps at a time before
    // them.
    let recurrent = model.recurrent_len(d.lookback);
    let steps = n(match model.tbptt {
        Some(tb) if tb.k2 < recurrent => tb.k2.saturating_add(tb.k1).min(recurrent),
        _ => recurrent,
    });
    let batch = n(train.batch);
    // Forward: each step's gates and two states per layer; backward: as much again.
    // Layer normalisation keeps both projections normalised: 2·G more per unit.
    let per_unit = gates.saturating_add(2).saturating_add(if model.layer_norm {
        gates.saturating_mul(2)
    } else {
        0
    });
    let activations = product(&[batch, steps, layers, hid, per_unit, 2, F32, directions]);
    let io = product(&[batch, l, f, F32]).saturating_add(product(&[batch, h, t, q, 3, F32]));
    e.add(
        format!(
            "one batch's activations (train.batch {batch} × {steps} recurrent steps × \
             model.layers {layers} × model.hidden {hid}, and window.lookback {l} × {f} \
             columns of inputs)"
        ),
        "lower train.batch, model.hidden or the recurrent steps, or truncate \
         backpropagation (model.tbptt)",
        activations.saturating_add(io),
    );
    if model.linear_skip && matches!(model.skip_init, SkipInit::Best | SkipInit::Fitted) {
        let w = n(d.train_windows);
        e.add(
            format!(
                "the skip's start ({w} training windows × window.lookback {l} × {f} columns, \
                 read at once by model.skip_init = {})",
                model.skip_init.name()
            ),
            "lower window.lookback, raise window.stride, or set model.skip_init = naive",
            product(&[
                w,
                l.saturating_mul(f).saturating_add(h.saturating_mul(t)),
                F32,
            ]),
        );
    }
    let v = n(d.val_windows);
    e.add(
        format!("the validation forecasts ({v} windows × window.horizon {h} × {t} targets)"),
        "lower window.horizon or raise window.stride",
        product(&[v, h, t, q, 3, F32]),
    );
    e
}

/// What scoring a run needs besides training: every evaluated part's forecasts (model,
/// baselines, actuals) and the linear baseline's design matrix.
pub fn evaluation(d: &Dims) -> Estimate {
    let mut e = Estimate::default();
    let (t, l, h) = (n(d.targets), n(d.lookback), n(d.horizon));
    let windows = n(d.val_windows).saturating_add(n(d.test_windows));
    e.add(
        format!(
            "the forecasts scored ({windows} validation and test windows × window.horizon {h} × \
             {t} targets, for the model, the baselines and the actuals)"
        ),
        "lower window.horizon or raise window.stride",
        product(&[windows, h, t, FORECASTS_HELD, F64]),
    );
    let w = n(d.train_windows);
    if w > l {
        // Column-major [windows × (1 + lookback + horizon)] in f64, fitted per target.
        e.add(
            format!(
                "the linear baseline's design matrix ({w} training windows × (window.lookback \
                 {l} + window.horizon {h} + 1) values)"
            ),
            "lower window.lookback or window.horizon, or raise window.stride",
            product(&[w, l.saturating_add(h).saturating_add(1), F64]),
        );
    }
    e
}

/// Bytes a saved model of `params` parameters needs to be loaded and run: the weights
/// read from disk, the model they become, and a copy while converting.
pub fn model_load(params: u64) -> Estimate {
    let mut e = Estimate::default();
    e.add(
        format!("its {params} parameters (read, built and converted: 3 copies)"),
        "this model is too large to load on this machine",
        product(&[params, 3, F32]),
    );
    e
}

pub use crate::bounded::read_bounded;

/// `1.50 GiB`, `1 GiB`, `512 MiB`, `3 bytes`.
pub fn human_bytes(n: u64) -> String {
    let units = [
        (1u64 << 50, "PiB"),
        (1u64 << 40, "TiB"),
        (1u64 << 30, "GiB"),
        (1 << 20, "MiB"),
        (1 << 10, "KiB"),
    ];
    for (size, unit) in units {
        if n >= size {
            if n.is_multiple_of(size) {
                return format!("{} {unit}", n / size);
            }
            // Display only; precision loss is irrelevant.
            return format!("{:.2} {unit}", n as f64 / size as f64);
        }
    }
    format!("{n} bytes")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::config::RunConfig;

    fn dims(lookback: usize, horizon: usize, train_windows: usize) -> Dims {
        Dims {
            features: 1,
            targets: 1,
            lookback,
            horizon,
            train_windows,
            val_windows: 100,
            test_windows: 100,
        }
    }

    const ROOMY: Limits = Limits {
        ceiling: MAX_RUN_BYTES,
        available: Some(20 << 30),
    };

    #[test]
    fn truncated_bptt_bounds_the_activations_by_k1_plus_k2() {
        let mut c = RunConfig::default();
        c.model.recurrent_steps = 0;
        let activations = |c: &RunConfig, lookback: usize| {
            let e = training(&c.model, &c.train, &dims(lookback, 24, 1000));
            e.parts
                .iter()
                .find(|n| n.what.starts_with("one batch's activations"))
                .map(|n| (n.bytes, n.what.clone()))
                .unwrap()
        };
        let (full, _) = activations(&c, 4000);
        c.model.tbptt = Some(crate::config::Tbptt { k1: 100, k2: 200 });
        let (short, what) = activations(&c, 1000);
        let (long, _) = activations(&c, 4000);
        assert!(what.contains("× 300 recurrent steps"), "{what}");
        // The recurrent part is the same; only the inputs grow with the lookback.
        assert!(long - short < full / 100, "{short} → {long} (full {full})");
        assert!(long * 10 < full);
    }

    #[test]
    fn checkpoints_count_five_copies_of_the_weights_each() {
        let mut c = RunConfig::default();
        c.model.linear_skip = false;
        c.model.hidden = 1000;
        c.model.layers = 2;
        let d = dims(96, 24, 10_000);
        let with = training(&c.model, &c.train, &d);
        let layers = (with.parts.iter())
            .find(|p| p.what.starts_with("the recurrent layers"))
            .unwrap();
        // LSTM: per layer 2 × (1000 × 1000 × 4) weights (input and recurrent, as the
        // estimate counts them), 7 copies while training and 5 × (3 + 1) in checkpoints.
        assert_eq!(layers.bytes, 2 * 2 * 1000 * 1000 * 4 * (7 + 20) * 4);
        assert!(
            layers.what.contains(
                "kept 7 times while training and 20 more in train.checkpoints 3 and the best"
            ),
            "{}",
            layers.what
        );
        assert!(
            layers.remedy.ends_with("or lower train.checkpoints"),
            "{}",
            layers.remedy
        );
        c.train.checkpoints = 0;
        let without = training(&c.model, &c.train, &d);
        let q = c.train.loss.outputs_per_step() as u64;
        let weights = 2 * 2 * 1000 * 1000 * 4 + 1000 * 24 * q;
        assert_eq!(with.total() - without.total(), weights * 20 * 4);
    }

    #[test]
    fn the_defaults_on_a_long_series_need_a_few_megabytes() {
        let c = RunConfig::default();
        let d = dims(c.window.lookback, c.window.horizon, 100_000);
        let mut e = training(&c.model, &c.train, &d);
        e.extend(evaluation(&d));
        assert!(e.total() < 200 << 20, "{}", human_bytes(e.total()));
        e.check("this run", ROOMY).unwrap();
    }

    #[test]
    fn a_skip_of_lookback_times_horizon_is_counted_as_a_product() {
        let mut c = RunConfig::default();
        c.model.linear_skip = true;
        // Without checkpoints (which would hold the skip 5 × 4 more times: below).
        c.train.checkpoints = 0;
        let d = dims(70_000, 70_000, 10_000);
        let e = training(&c.model, &c.train, &d);
        // 70000 × 70000 weights × 7 copies × 4 bytes
        let skip = e.parts.first().unwrap();
        assert_eq!(skip.bytes, 70_000 * 70_000 * 7 * 4);
        assert_eq!(e.largest().unwrap(), skip);
        let err = e.check("this run", ROOMY).unwrap_err().to_string();
        assert!(err.starts_with("this run needs about "), "{err}");
        assert!(err.contains("but seqcast allows at most 16 GiB"), "{err}");
        assert!(
            err.contains("window.lookback 70000 × window.horizon 70000"),
            "{err}"
        );
        assert!(err.contains("127.78 GiB"), "{err}");
        assert!(err.contains("set model.linear_skip = false"), "{err}");
    }

    #[test]
    fn the_linear_baselines_design_matrix_is_rows_times_lookback_plus_horizon() {
        let d = dims(1000, 24, 1_000_000);
        let e = evaluation(&d);
        let design = e.parts.iter().find(|p| p.what.contains("design")).unwrap();
        assert_eq!(design.bytes, 1_000_000 * (1000 + 24 + 1) * 8);
        // Too few windows to fit the baseline: it is never built.
        assert!(
            !evaluation(&dims(1000, 24, 900))
                .parts
                .iter()
                .any(|p| p.what.contains("design"))
        );
    }

    #[test]
    fn the_machines_memory_is_a_second_limit_below_the_ceiling() {
        let c = RunConfig::default();
        let d = dims(96, 24, 100_000);
        let e = training(&c.model, &c.train, &d);
        let tight = Limits {
            ceiling: MAX_RUN_BYTES,
            available: Some(1 << 20),
        };
        let err = e.check("this run", tight).unwrap_err().to_string();
        assert!(err.contains("but only 1 MiB is available"), "{err}");
        // Unknown memory: only the ceiling applies.
        let unknown = Limits {
            available: None,
            ..tight
        };
        e.check("this run", unknown).unwrap();
    }

    #[test]
    fn sizes_that_overflow_saturate_and_are_refused() {
        let mut c = RunConfig::default();
        c.model.hidden = usize::MAX;
        let e = training(
            &c.model,
            &c.train,
            &dims(usize::MAX, usize::MAX, usize::MAX),
        );
        assert_eq!(e.total(), u64::MAX);
        assert!(e.check("this run", ROOMY).is_err());
        assert_eq!(human_bytes(u64::MAX), "16384.00 PiB");
    }

    #[test]
    fn human_bytes_picks_the_unit() {
        assert_eq!(human_bytes(3), "3 bytes");
        assert_eq!(human_bytes(512 << 20), "512 MiB");
        assert_eq!(human_bytes(3 << 29), "1.50 GiB");
        assert_eq!(human_bytes(2 << 40), "2 TiB");
    }
}

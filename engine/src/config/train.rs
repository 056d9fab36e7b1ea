//! Training settings: the optimiser, clipping, the learning-rate schedule, the loss,
//! stopping, weight averaging and the seed.

use serde::{Deserialize, Serialize};

use super::{LossKind, TeacherForcing};

/// Optimiser family.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    /// Adam (lr 1e-3 is the usual start).
    #[default]
    Adam,
    /// Adam with decoupled weight decay.
    Adamw,
    /// RMSprop, long used for RNNs.
    Rmsprop,
    /// Stochastic gradient descent (with momentum / Nesterov when set).
    Sgd,
}

/// Gradient clipping.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ClipKind {
    /// No clipping.
    None,
    /// Rescale all gradients so their global L2 norm is at most `max` (PyTorch's clip_grad_norm_).
    Norm {
        /// Maximum global norm.
        max: f64,
    },
    /// Clamp every gradient element to [−max, max].
    Value {
        /// Maximum absolute element.
        max: f64,
    },
}

impl Default for ClipKind {
    fn default() -> Self {
        Self::Norm { max: 1.0 }
    }
}

/// Learning-rate schedule, applied per epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ScheduleKind {
    /// The same lr throughout.
    #[default]
    Constant,
    /// Linear ramp from lr/`epochs` to lr over the first `epochs` epochs, then constant.
    Warmup {
        /// Warm-up length in epochs.
        epochs: usize,
    },
    /// Multiply lr by `gamma` every `every` epochs.
    Step {
        /// Period in epochs.
        every: usize,
        /// Decay factor.
        gamma: f64,
    },
    /// Cosine annealing from lr to `min_lr` over the run's epochs.
    Cosine {
        /// Final lr.
        min_lr: f64,
    },
    /// Multiply lr by `factor` when validation loss has not improved for `patience` epochs.
    Plateau {
        /// Decay factor.
        factor: f64,
        /// Epochs without improvement before decaying.
        patience: usize,
        /// Lower bound on the lr.
        min_lr: f64,
    },
    /// Cyclical learning rate (Smith, 2017): the lr moves linearly between `low` and
    /// `high` and back, each half cycle `step` epochs long (fractions allowed), changing at
    /// every batch; `train.lr` is not used.
    Cyclic {
        /// The lowest lr.
        low: f64,
        /// The highest lr (of the first cycle).
        high: f64,
        /// Half a cycle, in epochs (Smith: 2–10 epochs).
        step: f64,
        /// How the cycles' amplitude changes.
        #[serde(default)]
        mode: CyclicMode,
    },
    /// One-cycle (Smith & Topin, 2018, as PyTorch's `OneCycleLR`): from `max_lr / 25` up to
    /// `max_lr` over the first 30 % of the run's steps, then down to `max_lr / 250,000`,
    /// both on a cosine, changing at every batch over `train.epochs`; `train.lr` is not
    /// used. Early stopping may end the run before the cycle does.
    OneCycle {
        /// The peak lr.
        max_lr: f64,
    },
}

/// How a cyclical schedule's amplitude changes from cycle to cycle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum CyclicMode {
    /// The same amplitude every cycle.
    #[default]
    Triangular,
    /// Half the amplitude each cycle.
    Triangular2,
    /// The amplitude times `gamma` per epoch.
    ExpRange {
        /// Decay per epoch, in (0, 1].
        gamma: f64,
    },
}

impl ScheduleKind {
    /// True when the lr changes from batch to batch within an epoch.
    pub fn per_step(&self) -> bool {
        matches!(self, Self::Cyclic { .. } | Self::OneCycle { .. })
    }
}

/// Default interval of the detailed gradient statistics, chosen so that they cost under
/// 5% of training time (measured: see BENCHMARKS.md).
pub const DEFAULT_DIAG_EVERY: usize = 25;

/// Optimisation and stopping.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Maximum epochs.
    pub epochs: usize,
    /// Windows per mini-batch.
    pub batch: usize,
    /// Base learning rate.
    pub lr: f64,
    /// Optimiser.
    pub optimizer: OptimizerKind,
    /// Momentum for SGD and RMSprop (0 = none).
    pub momentum: f64,
    /// Nesterov momentum for SGD.
    pub nesterov: bool,
    /// Weight decay (L2 penalty; decoupled for AdamW).
    pub weight_decay: f64,
    /// Loss function.
    pub loss: LossKind,
    /// Gradient clipping.
    pub clip: ClipKind,
    /// Learning-rate schedule.
    pub schedule: ScheduleKind,
    /// Early stopping: epochs without validation improvement before stopping (0 = off).
    /// The best weights are restored either way.
    pub patience: usize,
    /// Polyak averaging: validation, early stopping and the kept model use an
    /// exponential moving average of the weights with this decay per step (0.998, the
    /// default, averages about the last 500 steps; 0 = off, the raw weights). Chosen by
    /// evidence: BENCHMARKS.md, "Weight averaging" and "Recurrent steps". Without validation rows early
    /// stopping watches the raw weights' training loss; the kept model is still the average.
    pub weight_average: f64,
    /// After training, train a fresh model on the training and validation rows together
    /// for the epoch count that validation chose (same seed), and keep that one. Short
    /// series gain most: their validation rows are a large share of the history. The
    /// validation forecasts (scores, the doctor's verdict, the product-forecast choice)
    /// are made by the validated model before the refit, so they stay out of sample; the
    /// test rows stay untouched.
    pub refit: bool,
    /// Seed for initialisation, shuffling and dropout.
    pub seed: u64,
    /// Detailed gradient statistics (per gate, per time step, update ratios) every this
    /// many steps; 0 = off. Global and per-layer norms are measured on every step.
    pub diag_every: usize,
    /// Teacher forcing of a seq2seq decoder (`model.strategy = seq2seq`; unused
    /// otherwise).
    #[serde(skip_serializing_if = "TeacherForcing::is_default")]
    pub teacher_forcing: TeacherForcing,
    /// Train a recursive model unrolled over the horizon (`model.strategy = recursive`;
    /// unused otherwise): each training window is also rolled forward on the model's own
    /// forecasts, and every step of the roll is learned, so the model sees the inputs it
    /// will forecast from (the fix for exposure bias). Off: one-step targets only.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unroll: bool,
    /// Settings changed while the run trained ([`super::Change`], in step order): a
    /// finished run records the changes made live; a run started with a list applies
    /// each one before its step, so reusing a run's configuration replays them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<super::Change>,
    /// A branched run: which run it left and after which epoch (its `changes` retrace
    /// the parent there and hold the branch's edits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<super::BranchPoint>,
    /// Checkpoints kept besides the best epoch's (0 = none): the trainer's whole state
    /// at chosen epochs, which a branch starts from instead of retraining the epochs
    /// before it. When one more would exceed the count, their spacing doubles and every
    /// other one goes, so they stay spread over the run; the last epoch of a run that
    /// completes is kept too (the oldest other one makes room).
    pub checkpoints: usize,
    /// Epochs between checkpoints at the start (0: every epoch); the spacing doubles as
    /// the run outgrows `checkpoints`.
    #[serde(skip_serializing_if = "is_zero")]
    pub checkpoint_every: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Whether the lr or teacher-forcing schedule of a run depends on its epoch budget
/// (cosine, one-cycle, a teacher forcing falling linearly over the run): then a run
/// with another budget does not share its first epochs with this one.
pub fn epochs_shape_the_past(strategy: super::Strategy, train: &TrainConfig) -> bool {
    let schedule = matches!(
        train.schedule,
        ScheduleKind::Cosine { .. } | ScheduleKind::OneCycle { .. }
    );
    let teacher = strategy == super::Strategy::Seq2seq
        && matches!(
            train.teacher_forcing.schedule,
            super::SamplingSchedule::Linear { epochs: None }
        );
    schedule || teacher
}

/// Checkpoints a run keeps by default besides its best epoch's.
pub const DEFAULT_CHECKPOINTS: usize = 3;
/// The most checkpoints a run may keep (each is a copy of the model, the optimiser's
/// moments and the averaged and best weights).
pub const MAX_CHECKPOINTS: usize = 100;

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 100,
            batch: 32,
            lr: 1e-3,
            optimizer: OptimizerKind::Adam,
            momentum: 0.9,
            nesterov: false,
            weight_decay: 0.0,
            loss: LossKind::default(),
            clip: ClipKind::default(),
            schedule: ScheduleKind::Constant,
            patience: 10,
            weight_average: 0.998,
            refit: false,
            seed: 42,
            diag_every: DEFAULT_DIAG_EVERY,
            teacher_forcing: TeacherForcing::default(),
            unroll: false,
            changes: Vec::new(),
            branch: None,
            checkpoints: DEFAULT_CHECKPOINTS,
            checkpoint_every: 0,
        }
    }
}

//! Tooltip texts for the run-configuration panel, written from the training playbook
//! (`shared/design/PLAYBOOK.md`): concrete guidance with numbers, not restated labels.
//! Only text lives here; the widgets are in the parent module.

// ---- Data & windows
pub(super) const GROUP_DATA: &str =
    "How the series is split in time, cut into windows and cleaned.";
pub(super) const SPLIT_BY: &str = "Chronological train / validation / test split: the rows are never \
    shuffled across a boundary. Fractions of the rows (e.g. 0.7 / 0.15 / 0.15) or explicit row \
    counts (e.g. ETT: 8640 / 2880 / 2880).";
pub(super) const SPLIT_FRACTIONS: &str = "Shares of the rows, in time order: training first, then \
    validation, then test. They must sum to at most 1; rows left over at the end are unused.";
pub(super) const SPLIT_ROWS: &str = "Row counts, in time order: training first, then validation, then \
    test. Training needs at least one row; rows past the three counts are unused.";
pub(super) const SPLIT_TRAIN: &str = "Training part: the model learns from it, and the scalers are \
    fitted on it only.";
pub(super) const SPLIT_VAL: &str = "Validation part: drives early stopping, reduce-on-plateau and the \
    choice of the best weights. Needed for early stopping to work.";
pub(super) const SPLIT_TEST: &str = "Test part: held out until the end and only used for the reported \
    metrics (always compare against the naive and seasonal-naive baselines).";
pub(super) const SPLIT_SUM: &str = "Sum of the three fractions (at most 1).";
pub(super) const LOOKBACK: &str = "Input length in time steps: how much history each window feeds \
    the network. Cover at least one seasonal cycle (e.g. 24-168 for hourly data). Longer windows \
    are slower and make gradients vanish; a vanilla RNN only copes with <10 steps.";
pub(super) const HORIZON: &str = "Output length: steps forecast at once from the last hidden state \
    by one dense head (direct / multi-output). Windows need lookback + horizon rows, so too-short \
    series are refused.";
pub(super) const STRIDE: &str = "Distance between the starts of consecutive windows. 1 uses every \
    possible window (most training data); larger strides train faster on long series with fewer, \
    less overlapping windows.";
pub(super) const MISSING: &str = "What to do with empty / NA / NaN cells in the chosen columns.";
pub(super) const MISSING_REFUSE: &str = "Stop with an error naming the first missing cells.";
pub(super) const MISSING_DROP: &str = "Drop every row where a chosen column is missing (this leaves \
    gaps in time).";
pub(super) const MISSING_FFILL: &str = "Repeat the last seen value; leading gaps take the first \
    valid value.";
pub(super) const MISSING_INTERP: &str = "Straight line between the neighbouring valid values; edges \
    take the nearest one.";
pub(super) const DUPLICATES: &str = "What to do with rows that share a timestamp.";
pub(super) const DUP_FIRST: &str = "Keep the first row of each timestamp.";
pub(super) const DUP_LAST: &str = "Keep the last row of each timestamp.";
pub(super) const DUP_MEAN: &str = "Average the rows of each timestamp.";
pub(super) const DUP_REFUSE: &str = "Stop with an error naming the first duplicates.";

// ---- Scaling & transforms
pub(super) const GROUP_SCALING: &str = "Normalisation and transforms of the series. Statistics are \
    fitted on the training part only and inverted before metrics are reported in your units.";
pub(super) const SCALE: &str = "Scaling for every column without a per-column override. Fitted on \
    the training part only, so nothing leaks from validation or test.";
pub(super) const SCALE_NONE: &str =
    "Leave values as they are (only if they are already around -1..1).";
pub(super) const SCALE_ZSCORE: &str = "(x - mean) / std: the usual choice for RNNs.";
pub(super) const SCALE_MINMAX: &str = "(x - min) / (max - min): maps the training range to [0, 1]; \
    later values can leave that range.";
pub(super) const SCALE_ROBUST: &str = "(x - median) / IQR: insensitive to outliers and spikes.";
pub(super) const LOG: &str = "Take the natural log of the targets first (all values must be > 0). \
    For non-stationary series whose swings grow with their level (e.g. sales, traffic).";
pub(super) const DIFF: &str = "Model first differences of the targets (after the log when both are \
    on). For non-stationary series with a trend; forecasts are integrated back before reporting.";

// ---- Model
pub(super) const GROUP_MODEL: &str = "Stacked recurrent layers, then one linear head for all horizon \
    steps. Start small (1 layer x 64) and grow the hidden size before the depth.";
pub(super) const CELL: &str = "Recurrent cell type. GRU is a good first try; LSTM the classic; a \
    vanilla RNN is a fast baseline for very short windows.";
pub(super) const CELL_LSTM: &str = "LSTM: forget, input and output gates and a cell state. About 4x \
    the parameters of a vanilla RNN; keeps long memory.";
pub(super) const CELL_GRU: &str = "GRU: reset and update gates, no cell state. About 3x the \
    parameters of a vanilla RNN; a good first try, typically 15-30% faster than LSTM with similar \
    accuracy on series shorter than ~200 steps.";
pub(super) const CELL_RNN: &str = "Vanilla tanh RNN: fast, forgets; a teaching baseline and for very \
    short windows (<10 steps).";
pub(super) const HIDDEN: &str = "Hidden units per layer: 64-256 for series. Prefer more hidden units \
    over more layers; grow it if the model underfits (training loss stays high).";
pub(super) const LAYERS: &str = "Stacked layers (1-4); each layer's outputs feed the next. Two is the \
    usual sweet spot; beyond three rarely helps. Simplify to one layer when the loss does not fall.";
pub(super) const ORTHOGONAL: &str = "Orthogonal initialisation of the recurrent weights: keeps \
    gradients from vanishing or exploding early in training. Leave it on; re-initialising \
    orthogonally is on the \"loss does not fall\" checklist.";
pub(super) const FORGET_BIAS: &str = "Initial LSTM forget-gate bias. 1 is the usual default: it keeps \
    the memory open early in training. LSTM only.";
pub(super) const FORGET_BIAS_OFF: &str = "Forget-gate bias only applies to LSTM cells.";

// ---- Optimiser
pub(super) const GROUP_OPTIMISER: &str = "Optimiser, learning rate and loss.";
pub(super) const OPTIMIZER: &str = "Optimiser family. Adam / AdamW are the default (lr 1e-3); RMSprop \
    is long used for RNNs; SGD with momentum needs tuning.";
pub(super) const OPT_ADAM: &str = "Adam: the default; start at lr 1e-3.";
pub(super) const OPT_ADAMW: &str = "AdamW: Adam with decoupled weight decay (lr 1e-3, weight decay \
    1e-6-1e-4).";
pub(super) const OPT_RMSPROP: &str = "RMSprop: suited to RNNs; lr around 1e-3.";
pub(super) const OPT_SGD: &str = "SGD with momentum (and optionally Nesterov): needs lr tuning, \
    usually a larger lr (1e-2-1e-1) and a schedule.";
pub(super) const LR: &str = "Base learning rate (log scale). Adam/AdamW default 1e-3. Loss flat \
    from the start: lr too small. Oscillating or NaN: lr too large, lower it and clip. When stuck, \
    sweep 1e-2 ... 1e-5.";
pub(super) const MOMENTUM: &str = "Momentum for SGD and RMSprop, in [0, 1): 0.9 is typical, 0 turns \
    it off.";
pub(super) const MOMENTUM_OFF: &str = "Momentum only applies to SGD and RMSprop.";
pub(super) const NESTEROV: &str = "Nesterov momentum for SGD: looks ahead along the momentum; often \
    converges a little faster.";
pub(super) const NESTEROV_OFF: &str = "Nesterov only applies to SGD.";
pub(super) const LOSS: &str = "Training loss on the scaled targets.";
pub(super) const LOSS_MSE: &str =
    "Mean squared error: the usual choice; punishes large errors most.";
pub(super) const LOSS_MAE: &str = "Mean absolute error: robust to outliers; forecasts the median.";
pub(super) const LOSS_HUBER: &str = "Huber: quadratic below delta, linear above; MSE that is robust to \
    outliers.";
pub(super) const HUBER_DELTA: &str = "Huber transition point on the scaled target: errors below it \
    count as MSE, above as MAE. 1 is common for z-scored targets.";

// ---- Schedule
pub(super) const GROUP_SCHEDULE: &str = "Learning-rate schedule, applied per epoch.";
pub(super) const SCHEDULE: &str = "Learning-rate schedule. A plateau-then-stall loss curve calls for \
    one: reduce-on-plateau (factor 0.5, patience 5) or cosine annealing; warm-up helps unstable \
    starts.";
pub(super) const SCHED_CONSTANT: &str = "The same lr throughout.";
pub(super) const SCHED_WARMUP: &str = "Linear ramp from lr/epochs to lr over the first epochs, then \
    constant: steadies the first epochs (e.g. 5).";
pub(super) const SCHED_STEP: &str = "Multiply lr by gamma every N epochs (e.g. x0.5 every 20).";
pub(super) const SCHED_COSINE: &str =
    "Cosine annealing from lr down to min lr over the run's epochs.";
pub(super) const SCHED_PLATEAU: &str = "Reduce on plateau: multiply lr by the factor when the \
    validation loss has not improved for `patience` epochs (factor 0.5, patience 5).";
pub(super) const WARMUP_EPOCHS: &str = "Warm-up length in epochs (at least 1), e.g. 5.";
pub(super) const STEP_EVERY: &str = "Decay period in epochs (at least 1).";
pub(super) const STEP_GAMMA: &str = "Decay factor in (0, 1], e.g. 0.5 halves the lr each period.";
pub(super) const MIN_LR: &str = "Lower bound on the learning rate (log scale), e.g. 1e-6.";
pub(super) const PLATEAU_FACTOR: &str = "Decay factor in (0, 1): 0.5 halves the lr.";
pub(super) const PLATEAU_PATIENCE: &str = "Epochs without validation improvement before decaying: 5 \
    is typical. Keep it below the early-stopping patience.";

// ---- Regularisation
pub(super) const GROUP_REGULARISATION: &str = "Against overfitting (validation loss rising while \
    training loss falls) and exploding gradients.";
pub(super) const DROPOUT: &str = "Dropout between stacked layers and before the head: 0.2-0.5 when \
    overfitting, 0 to debug a loss that does not fall.";
pub(super) const WEIGHT_DECAY: &str = "L2 penalty on the weights (decoupled for AdamW), log scale: \
    1e-6-1e-4; 0 turns it off.";
pub(super) const CLIP: &str = "Gradient clipping. Clipping by global norm is mandatory for RNNs: max \
    norm 1-5 (GRU tolerates 5-10). Gradient norms above 10 mean exploding gradients: clip and \
    lower the lr. Clipping by value is the cruder alternative.";
pub(super) const CLIP_NONE: &str = "No clipping: not recommended for RNNs (gradients can explode).";
pub(super) const CLIP_NORM: &str = "Rescale all gradients so their global L2 norm is at most max \
    (PyTorch's clip_grad_norm_): max 1-5, GRU tolerates 5-10.";
pub(super) const CLIP_VALUE: &str = "Clamp every gradient element to [-max, max]: cruder than \
    clipping the norm, as it changes the gradient's direction.";
pub(super) const CLIP_MAX: &str = "Clipping threshold (> 0): max norm 1-5 for LSTM, 5-10 for GRU. \
    Loosen it if the loss does not fall.";

// ---- Stopping
pub(super) const GROUP_STOPPING: &str = "How long to train, batch size and reproducibility.";
pub(super) const EPOCHS: &str = "Maximum epochs (passes over the training windows); early stopping \
    usually ends the run sooner.";
pub(super) const PATIENCE: &str = "Early stopping: epochs without validation improvement before \
    stopping (0 = off, e.g. 10). The best weights are restored either way.";
pub(super) const BATCH: &str = "Windows per mini-batch: 32-128. Smaller batches are noisier and \
    slower per epoch; larger ones may need a larger lr.";
pub(super) const SEED: &str = "Seed for initialisation, shuffling and dropout: the same seed, data \
    and config give the same curves.";

// ---- Evaluation
pub(super) const GROUP_EVALUATION: &str = "How the test metrics are reported.";
pub(super) const METRICS_SCALE: &str = "Units of the reported metrics.";
pub(super) const METRICS_ORIGINAL: &str = "Your units: scaling and transforms are inverted before \
    the metrics are computed.";
pub(super) const METRICS_NORMALISED: &str = "After the target's scaler (fitted on the training rows), \
    as the literature reports ETT results.";
pub(super) const SEASON_AUTO: &str = "Derive the seasonal period for the seasonal-naive baseline and \
    MASE from the time column's frequency (e.g. 24 for hourly data).";
pub(super) const SEASON: &str = "Seasonal period in steps for the seasonal-naive baseline and MASE: \
    24 for hourly data with a daily cycle, 7 for daily data with a weekly one, 12 for monthly data.";

// ---- Shared
pub(super) const RESET: &str = "Restore this group's settings to the defaults.";

/// Every text above, for the test that lays them all out (no missing glyphs).
#[cfg(test)]
pub(super) const ALL: &[&str] = &[
    GROUP_DATA,
    SPLIT_BY,
    SPLIT_FRACTIONS,
    SPLIT_ROWS,
    SPLIT_TRAIN,
    SPLIT_VAL,
    SPLIT_TEST,
    SPLIT_SUM,
    LOOKBACK,
    HORIZON,
    STRIDE,
    MISSING,
    MISSING_REFUSE,
    MISSING_DROP,
    MISSING_FFILL,
    MISSING_INTERP,
    DUPLICATES,
    DUP_FIRST,
    DUP_LAST,
    DUP_MEAN,
    DUP_REFUSE,
    GROUP_SCALING,
    SCALE,
    SCALE_NONE,
    SCALE_ZSCORE,
    SCALE_MINMAX,
    SCALE_ROBUST,
    LOG,
    DIFF,
    GROUP_MODEL,
    CELL,
    CELL_LSTM,
    CELL_GRU,
    CELL_RNN,
    HIDDEN,
    LAYERS,
    ORTHOGONAL,
    FORGET_BIAS,
    FORGET_BIAS_OFF,
    GROUP_OPTIMISER,
    OPTIMIZER,
    OPT_ADAM,
    OPT_ADAMW,
    OPT_RMSPROP,
    OPT_SGD,
    LR,
    MOMENTUM,
    MOMENTUM_OFF,
    NESTEROV,
    NESTEROV_OFF,
    LOSS,
    LOSS_MSE,
    LOSS_MAE,
    LOSS_HUBER,
    HUBER_DELTA,
    GROUP_SCHEDULE,
    SCHEDULE,
    SCHED_CONSTANT,
    SCHED_WARMUP,
    SCHED_STEP,
    SCHED_COSINE,
    SCHED_PLATEAU,
    WARMUP_EPOCHS,
    STEP_EVERY,
    STEP_GAMMA,
    MIN_LR,
    PLATEAU_FACTOR,
    PLATEAU_PATIENCE,
    GROUP_REGULARISATION,
    DROPOUT,
    WEIGHT_DECAY,
    CLIP,
    CLIP_NONE,
    CLIP_NORM,
    CLIP_VALUE,
    CLIP_MAX,
    GROUP_STOPPING,
    EPOCHS,
    PATIENCE,
    BATCH,
    SEED,
    GROUP_EVALUATION,
    METRICS_SCALE,
    METRICS_ORIGINAL,
    METRICS_NORMALISED,
    SEASON_AUTO,
    SEASON,
    RESET,
];

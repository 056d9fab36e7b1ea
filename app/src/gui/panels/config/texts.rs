//! Labels and tooltips of the run-configuration panel. Each control's visible label (which
//! also names it for screen readers and tests) sits with its tooltip, written from the
//! training playbook (`shared/design/PLAYBOOK.md`): concrete guidance with numbers.
//! Only text lives here; the widgets are in the parent module.

/// A control's (or an option's) visible label and its tooltip.
#[derive(Clone, Copy, Debug)]
pub(super) struct Field {
    /// Visible label, also the accessible name; unique within the panel.
    pub name: &'static str,
    /// Hover text.
    pub tip: &'static str,
}

const fn field(name: &'static str, tip: &'static str) -> Field {
    Field { name, tip }
}

// ---- Data & windows
pub(super) const GROUP_DATA: Field = field(
    "Data & windows",
    "How the series is split in time, cut into windows and cleaned.",
);
pub(super) const SPLIT: Field = field(
    "Split by",
    "Chronological train / validation / test split: rows are never shuffled across a \
     boundary. Fractions of the rows (e.g. 0.7 / 0.15 / 0.15) or explicit row counts (e.g. \
     ETT: 8640 / 2880 / 2880).",
);
pub(super) const SPLIT_FRACTIONS: Field = field(
    "Fractions",
    "Shares of the rows, in time order: training, then validation, then test. They sum to \
     at most 1; raising one takes the excess from the later parts. Rows left over at the end \
     are unused.",
);
pub(super) const SPLIT_ROWS: Field = field(
    "Rows",
    "Row counts, in time order: training, then validation, then test. Training needs at \
     least one row; rows past the three counts are unused.",
);
pub(super) const TRAIN: Field = field(
    "Train",
    "Training part: the model learns from it, and the scalers are fitted on it only.",
);
pub(super) const VAL: Field = field(
    "Validation",
    "Validation part: drives early stopping, reduce-on-plateau and the choice of the best \
     weights. Keep it non-empty for early stopping to work.",
);
pub(super) const TEST: Field = field(
    "Test",
    "Test part: held out until the end and only used for the reported metrics, always next \
     to the naive, seasonal-naive and linear baselines.",
);
pub(super) const SUM: Field = field("Sum", "Sum of the three fractions (at most 1).");
pub(super) const LOOKBACK: Field = field(
    "Lookback",
    "Input length in time steps: how much history each window feeds the network. Cover at \
     least one seasonal cycle (e.g. 24-168 for hourly data). Longer windows are slower and \
     let gradients vanish: shorten it when gradient norms fall below 1e-5. A vanilla RNN only \
     copes with <10 steps.",
);
pub(super) const HORIZON: Field = field(
    "Horizon",
    "Output length: steps forecast at once from the last hidden state by one dense head \
     (direct / multi-output). Each window needs lookback + horizon rows, so too-short series \
     are refused.",
);
pub(super) const STRIDE: Field = field(
    "Stride",
    "Distance between the starts of consecutive windows. 1 uses every possible window (most \
     training data); larger strides train faster on long series with fewer, less \
     overlapping windows.",
);
pub(super) const MISSING: Field = field(
    "Missing values",
    "What to do with empty / NA / NaN cells in the chosen columns.",
);
pub(super) const MISSING_INTERP: Field = field(
    "Interpolate",
    "Straight line between the neighbouring valid values; edges take the nearest one.",
);
pub(super) const MISSING_FFILL: Field = field(
    "Forward fill",
    "Repeat the last seen value; leading gaps take the first valid value.",
);
pub(super) const MISSING_DROP: Field = field(
    "Drop rows",
    "Drop every row where a chosen column is missing (this leaves gaps in time).",
);
pub(super) const MISSING_REFUSE: Field = field(
    "Refuse missing",
    "Stop with an error naming the first missing cells.",
);
pub(super) const DUPLICATES: Field = field(
    "Duplicate timestamps",
    "What to do with rows that share a timestamp.",
);
pub(super) const DUP_FIRST: Field = field("Keep first", "Keep the first row of each timestamp.");
pub(super) const DUP_LAST: Field = field("Keep last", "Keep the last row of each timestamp.");
pub(super) const DUP_MEAN: Field = field("Average", "Average the rows of each timestamp.");
pub(super) const DUP_REFUSE: Field = field(
    "Refuse duplicates",
    "Stop with an error naming the first duplicates.",
);

// ---- Scaling & transforms
pub(super) const GROUP_SCALING: Field = field(
    "Scaling & transforms",
    "Normalisation and transforms of the series. Statistics are fitted on the training part \
     only and inverted before metrics are reported in your units. Per-column overrides are \
     set with the columns.",
);
pub(super) const SCALE: Field = field(
    "Scaling",
    "Scaling for every column without a per-column override, fitted on the training part \
     only so nothing leaks from validation or test.",
);
pub(super) const SCALE_ZSCORE: Field = field("Z-score", "(x - mean) / std: the usual choice.");
pub(super) const SCALE_MINMAX: Field = field(
    "Min-max",
    "(x - min) / (max - min): maps the training range to [0, 1]; later values can leave it.",
);
pub(super) const SCALE_ROBUST: Field = field(
    "Robust",
    "(x - median) / IQR: insensitive to outliers and spikes.",
);
pub(super) const SCALE_NONE: Field = field(
    "No scaling",
    "Leave values as they are: only when they are already around -1..1.",
);
pub(super) const LOG: Field = field(
    "Log transform",
    "Take the natural log of the targets first (all values must be > 0). For non-stationary \
     series whose swings grow with their level (sales, traffic).",
);
pub(super) const DIFF: Field = field(
    "Differencing",
    "Model first differences of the targets (after the log when both are on). For \
     non-stationary series with a trend; forecasts are turned back into levels before the \
     metrics.",
);

// ---- Model
pub(super) const GROUP_MODEL: Field = field(
    "Model",
    "Stacked recurrent layers, then one linear head for all horizon steps. Start small (1 \
     layer x 64) and grow the hidden size before the depth.",
);
pub(super) const CELL: Field = field(
    "Cell",
    "Recurrent cell type. GRU is a good first try, LSTM the classic; a vanilla RNN is a fast \
     baseline for very short windows. With vanishing gradients (norms below 1e-5) use LSTM or \
     GRU.",
);
pub(super) const CELL_LSTM: Field = field(
    "LSTM",
    "Forget, input and output gates and a cell state: about 4x the parameters of a vanilla \
     RNN; keeps long memory.",
);
pub(super) const CELL_GRU: Field = field(
    "GRU",
    "Reset and update gates, no cell state: about 3x the parameters of a vanilla RNN. A good \
     first try, typically 15-30% faster than LSTM with similar accuracy on series shorter \
     than ~200 steps.",
);
pub(super) const CELL_RNN: Field = field(
    "Vanilla RNN",
    "tanh RNN: fast, forgets. A teaching baseline, and for very short windows (<10 steps).",
);
pub(super) const HIDDEN: Field = field(
    "Hidden units",
    "Units per layer: 64-256 for series. Prefer more hidden units over more layers; grow it \
     when the model underfits (training loss stays high).",
);
pub(super) const LAYERS: Field = field(
    "Layers",
    "Stacked layers (1-4), each feeding the next. Two is the usual sweet spot; beyond three \
     rarely helps. Drop to one when the loss does not fall, then grow.",
);
pub(super) const ORTHOGONAL: Field = field(
    "Orthogonal init",
    "Orthogonal initialisation of the recurrent weights: keeps gradients from vanishing or \
     exploding early on. Leave it on; re-initialising orthogonally is on the \"loss does not \
     fall\" checklist.",
);
pub(super) const FORGET_BIAS: Field = field(
    "Forget-gate bias",
    "Initial LSTM forget-gate bias: 1 is the usual default, keeping memory open early in \
     training. Used by LSTM cells only.",
);
pub(super) const WINDOW_NORM: Field = field(
    "Window norm",
    "Per-window normalisation of the forecast columns: the model sees each window relative \
     to a level from its own inputs and the level is added back to the forecast. Tames trends \
     and level shifts the scaler cannot (NLinear / RevIN).",
);
pub(super) const WINDOW_NORM_NONE: Field = field("None", "The scaled values as they are.");
pub(super) const WINDOW_NORM_LAST: Field = field(
    "Last value",
    "Subtract each window's last input value (NLinear): an untrained model starts as the \
     repeat-last-value forecast and learns the change.",
);
pub(super) const WINDOW_NORM_MEAN: Field = field(
    "Window mean",
    "Subtract the mean of each window's inputs (RevIN without the scale).",
);
pub(super) const LINEAR_SKIP: Field = field(
    "Linear skip",
    "Add a linear map from each target's lookback to its forecast (NLinear) to the network's \
     output: the network then learns only what the linear forecast misses. Where it starts \
     is 'Skip starts as'.",
);
pub(super) const SKIP_INIT: Field = field(
    "Skip starts as",
    "The linear skip's first weights reproduce a baseline exactly and the head starts at \
     zero, so the untrained model forecasts as that baseline and training learns a \
     correction from there (early stopping keeps the baseline when nothing better is learnt).",
);
pub(super) const SKIP_INIT_FITTED: Field = field(
    "Fitted to the training windows",
    "A ridge regression of the horizon on the window, shrunk toward the best-fitting \
     baseline; how far it may move from that baseline is chosen on the last quarter of the \
     training windows.",
);
pub(super) const SKIP_INIT_BEST: Field = field(
    "Best-fitting baseline",
    "Naive, seasonal naive or drift: whichever fits the training windows best.",
);
pub(super) const SKIP_INIT_SEASONAL: Field = field(
    "Seasonal-naive start",
    "The value one season back (naive when the lookback is shorter than a season).",
);
pub(super) const SKIP_INIT_NAIVE: Field = field("Naive start", "The last value.");
pub(super) const SKIP_INIT_ZERO: Field = field(
    "Zero start",
    "All weights zero, a random head: with 'last value' window normalisation, naive plus noise.",
);
pub(super) const RECURRENT_STEPS: Field = field(
    "Recurrent steps",
    "With the linear skip, the recurrent layers read only the last N steps of each window \
     while the skip reads the whole lookback: a long lookback then costs little more than N \
     steps and gives the network fewer old steps to overfit. 'all' (0), or any N at or \
     above the lookback, reads the whole window; without the skip the layers always do.",
);

// ---- Optimiser
pub(super) const GROUP_OPTIMISER: Field = field("Optimiser", "Optimiser, learning rate and loss.");
pub(super) const OPTIMIZER: Field = field(
    "Optimizer",
    "Adam / AdamW are the default (lr 1e-3); RMSprop is suited to RNNs; SGD with momentum and \
     Nesterov needs tuning.",
);
pub(super) const OPT_ADAM: Field = field("Adam", "The default: start at lr 1e-3.");
pub(super) const OPT_ADAMW: Field = field(
    "AdamW",
    "Adam with decoupled weight decay (lr 1e-3, weight decay 1e-6-1e-4).",
);
pub(super) const OPT_RMSPROP: Field = field("RMSprop", "Suited to RNNs; lr around 1e-3.");
pub(super) const OPT_SGD: Field = field(
    "SGD",
    "With momentum (0.9) and optionally Nesterov: needs tuning, usually a larger lr \
     (1e-2-1e-1) and a schedule.",
);
pub(super) const LR: Field = field(
    "Learning rate",
    "Base learning rate, log scale. Adam/AdamW default 1e-3. Flat loss from the start: too \
     small. Oscillating loss: too large or no schedule. NaN or gradient norms above 10: lower \
     it and clip. When stuck, sweep 1e-2 ... 1e-5.",
);
pub(super) const MOMENTUM: Field = field(
    "Momentum",
    "Momentum in [0, 1): 0.9 is typical, 0 turns it off. Used by SGD and RMSprop only.",
);
pub(super) const NESTEROV: Field = field(
    "Nesterov",
    "Nesterov momentum: looks ahead along the momentum, often converging a little faster. \
     Used by SGD only.",
);
pub(super) const LOSS: Field = field("Loss", "Training loss on the scaled targets.");
pub(super) const LOSS_MSE: Field = field("MSE", "Mean squared error: the usual choice.");
pub(super) const LOSS_MAE: Field = field(
    "MAE",
    "Mean absolute error: robust to outliers; forecasts the median.",
);
pub(super) const LOSS_HUBER: Field = field(
    "Huber",
    "Quadratic below delta, linear above: MSE that is robust to outliers.",
);
pub(super) const HUBER_DELTA: Field = field(
    "Huber delta",
    "Transition point on the scaled target: smaller errors count as MSE, larger as MAE. 1 \
     suits z-scored targets.",
);

// ---- Schedule
pub(super) const GROUP_SCHEDULE: Field = field("Schedule", "Learning-rate schedule, per epoch.");
pub(super) const SCHEDULE: Field = field(
    "LR schedule",
    "A loss that drops then stalls calls for a schedule: reduce-on-plateau (factor 0.5, \
     patience 5) or cosine annealing; warm-up steadies unstable first epochs.",
);
pub(super) const SCHED_CONSTANT: Field = field("Constant", "The same lr throughout.");
pub(super) const SCHED_WARMUP: Field = field(
    "Warm-up",
    "Linear ramp from lr/epochs to lr over the first epochs (e.g. 5), then constant.",
);
pub(super) const SCHED_STEP: Field = field(
    "Step decay",
    "Multiply the lr by gamma every N epochs (e.g. x0.5 every 20).",
);
pub(super) const SCHED_COSINE: Field = field(
    "Cosine annealing",
    "From lr down to min lr along a cosine over the run's epochs.",
);
pub(super) const SCHED_PLATEAU: Field = field(
    "Reduce on plateau",
    "Multiply the lr by the factor when the validation loss has not improved for `patience` \
     epochs: factor 0.5, patience 5.",
);
pub(super) const WARMUP_EPOCHS: Field =
    field("Warm-up epochs", "Warm-up length: at least 1, e.g. 5.");
pub(super) const STEP_EVERY: Field = field("Step every", "Decay period in epochs (at least 1).");
pub(super) const STEP_GAMMA: Field = field(
    "Step gamma",
    "Decay factor in (0, 1]: 0.5 halves the lr each period.",
);
pub(super) const MIN_LR: Field = field(
    "Min lr",
    "Lower bound on the learning rate, log scale, e.g. 1e-6.",
);
pub(super) const PLATEAU_FACTOR: Field = field(
    "Plateau factor",
    "Decay factor in (0, 1): 0.5 halves the lr.",
);
pub(super) const PLATEAU_PATIENCE: Field = field(
    "Plateau patience",
    "Epochs without validation improvement before decaying: 5 is typical. Keep it below the \
     early-stopping patience.",
);

// ---- Regularisation
pub(super) const GROUP_REGULARISATION: Field = field(
    "Regularisation",
    "Against overfitting (validation loss rising while training loss falls) and exploding \
     gradients.",
);
pub(super) const DROPOUT: Field = field(
    "Dropout",
    "Between stacked layers and before the head: 0.2-0.5 when overfitting; 0 while debugging \
     a loss that does not fall.",
);
pub(super) const WEIGHT_DECAY: Field = field(
    "Weight decay",
    "L2 penalty on the weights (decoupled for AdamW), log scale: 1e-6-1e-4; 0 turns it off.",
);
pub(super) const CLIP: Field = field(
    "Clipping",
    "Clipping by global norm is mandatory for RNNs: max norm 1-5 (GRU tolerates 5-10). \
     Gradient norms above 10 mean exploding gradients: clip and lower the lr. Clipping by \
     value is the cruder alternative.",
);
pub(super) const CLIP_NORM: Field = field(
    "Global norm",
    "Rescale all gradients so their global L2 norm is at most max (PyTorch's \
     clip_grad_norm_): 1-5, GRU tolerates 5-10.",
);
pub(super) const CLIP_VALUE: Field = field(
    "By value",
    "Clamp every gradient element to [-max, max]: cruder, it bends the gradient's direction.",
);
pub(super) const CLIP_NONE: Field = field(
    "No clipping",
    "Not recommended for RNNs: gradients can explode.",
);
pub(super) const CLIP_MAX_NORM: Field = field(
    "Max norm",
    "Largest global gradient norm: 1-5 for LSTM, 5-10 for GRU. Loosen it if the loss does \
     not fall.",
);
pub(super) const CLIP_MAX_VALUE: Field =
    field("Max value", "Largest absolute gradient element (> 0).");

// ---- Stopping
pub(super) const GROUP_STOPPING: Field = field(
    "Stopping",
    "How long to train, batch size and reproducibility.",
);
pub(super) const EPOCHS: Field = field(
    "Epochs",
    "Maximum passes over the training windows; early stopping usually ends the run sooner.",
);
pub(super) const PATIENCE: Field = field(
    "Early stop patience",
    "Epochs without validation improvement before stopping (0 = off, e.g. 10). The best \
     weights are restored either way.",
);
pub(super) const WEIGHT_AVERAGE: Field = field(
    "Weight average",
    "Polyak averaging: validation, early stopping and the kept model use a moving average of \
     the weights, decaying by this much per step (default 0.998 = about the last 500 steps; off = \
     the raw weights). Smooths the noise of the last updates; helps most when the best epoch \
     comes early.",
);
pub(super) const REFIT: Field = field(
    "Refit on train + val",
    "After training, train a fresh model on the training and validation rows together for \
     the best epoch count, and keep it. Helps short series; validation scores are then \
     in-sample, test rows stay unseen.",
);
pub(super) const BATCH: Field = field(
    "Batch size",
    "Windows per mini-batch: 32-128. Smaller batches are noisier and slower per epoch; larger \
     ones may want a larger lr.",
);
pub(super) const SEED: Field = field(
    "Seed",
    "Seeds initialisation, shuffling and dropout: the same seed, data and config give the \
     same curves.",
);
pub(super) const DIAG_EVERY: Field = field(
    "Diagnostics every",
    "Steps between detailed gradient statistics (per parameter, gate and time step) for the \
     Diagnostics view; 0 = off. Each costs about one extra step's worth of work.",
);

// ---- Evaluation
pub(super) const GROUP_EVALUATION: Field = field(
    "Evaluation",
    "How test metrics are reported, and what the forecasts use.",
);
pub(super) const METRICS_SCALE: Field = field("Metrics in", "Units of the reported metrics.");
pub(super) const METRICS_ORIGINAL: Field = field(
    "Original units",
    "Your units: scaling and transforms are inverted before the metrics are computed.",
);
pub(super) const METRICS_NORMALISED: Field = field(
    "Normalised",
    "After the target's scaler (fitted on the training rows), as the literature reports ETT.",
);
pub(super) const SEASON_AUTO: Field = field(
    "Auto season",
    "Derive the seasonal period for the seasonal-naive baseline and MASE from the time \
     column's frequency (e.g. 24 for hourly data).",
);
pub(super) const SEASON: Field = field(
    "Season",
    "Seasonal period in steps for the seasonal-naive baseline and MASE: 24 for hourly data \
     with a daily cycle, 7 for daily data with a weekly one, 12 for monthly data.",
);

pub(super) const FORECAST: Field = field(
    "Forecast with",
    "What the exported forecasts and the forecast past the end use. Chosen on the \
     validation windows only; the test part is scored after the choice.",
);
pub(super) const FORECAST_AUTO: Field = field(
    "Auto (best on validation)",
    "The model, a baseline, or the model combined with the best baseline: whichever has \
     the lowest validation MASE. Never worse than the best baseline on validation.",
);
pub(super) const FORECAST_MODEL: Field = field("Model only", "Always the trained network.");
pub(super) const FORECAST_ENSEMBLE: Field = field(
    "Model + best baseline",
    "The network's forecast mixed with the best baseline's, the weight fitted on validation.",
);
pub(super) const FORECAST_SEASONAL: Field =
    field("Seasonal naive only", "Always the value one season back.");
pub(super) const FORECAST_NAIVE: Field = field("Naive only", "Always the last value.");
pub(super) const FORECAST_DRIFT: Field = field(
    "Drift only",
    "Always the straight line through the window's first and last values.",
);
pub(super) const FORECAST_LINEAR: Field = field(
    "Linear AR only",
    "Always the linear autoregression on the window, fitted on the training windows.",
);

/// Hover text of every group's "Reset to defaults" button.
pub(super) const RESET_TIP: &str = "Restore this group's settings to the defaults.";

/// Every field, for the tests (no missing glyphs, unique names).
#[cfg(test)]
#[rustfmt::skip]
pub(super) const ALL: &[Field] = &[
    GROUP_DATA, SPLIT, SPLIT_FRACTIONS, SPLIT_ROWS, TRAIN, VAL, TEST, SUM, LOOKBACK, HORIZON,
    STRIDE, MISSING, MISSING_INTERP, MISSING_FFILL, MISSING_DROP, MISSING_REFUSE, DUPLICATES,
    DUP_FIRST, DUP_LAST, DUP_MEAN, DUP_REFUSE, GROUP_SCALING, SCALE, SCALE_ZSCORE, SCALE_MINMAX,
    SCALE_ROBUST, SCALE_NONE, LOG, DIFF, GROUP_MODEL, CELL, CELL_LSTM, CELL_GRU, CELL_RNN, HIDDEN,
    LAYERS, ORTHOGONAL, FORGET_BIAS, WINDOW_NORM, WINDOW_NORM_NONE, WINDOW_NORM_LAST,
    WINDOW_NORM_MEAN, LINEAR_SKIP, RECURRENT_STEPS, SKIP_INIT, SKIP_INIT_FITTED, SKIP_INIT_BEST,
    SKIP_INIT_SEASONAL, SKIP_INIT_NAIVE, SKIP_INIT_ZERO, GROUP_OPTIMISER, OPTIMIZER, OPT_ADAM,
    OPT_ADAMW, OPT_RMSPROP,
    OPT_SGD, LR, MOMENTUM, NESTEROV, LOSS, LOSS_MSE, LOSS_MAE, LOSS_HUBER, HUBER_DELTA,
    GROUP_SCHEDULE, SCHEDULE, SCHED_CONSTANT, SCHED_WARMUP, SCHED_STEP, SCHED_COSINE,
    SCHED_PLATEAU, WARMUP_EPOCHS, STEP_EVERY, STEP_GAMMA, MIN_LR, PLATEAU_FACTOR,
    PLATEAU_PATIENCE, GROUP_REGULARISATION, DROPOUT, WEIGHT_DECAY, CLIP, CLIP_NORM, CLIP_VALUE,
    CLIP_NONE, CLIP_MAX_NORM, CLIP_MAX_VALUE, GROUP_STOPPING, EPOCHS, PATIENCE, WEIGHT_AVERAGE,
    REFIT, BATCH, SEED, DIAG_EVERY,
    GROUP_EVALUATION, METRICS_SCALE, METRICS_ORIGINAL, METRICS_NORMALISED, SEASON_AUTO, SEASON,
    FORECAST, FORECAST_AUTO, FORECAST_MODEL, FORECAST_ENSEMBLE, FORECAST_SEASONAL,
    FORECAST_NAIVE, FORECAST_DRIFT, FORECAST_LINEAR,
];

//! Labels and tooltips of the optimiser, schedule, regularisation, stopping and
//! evaluation settings.

use super::{Field, field};

// ---- Optimiser
pub(in super::super) const GROUP_OPTIMISER: Field =
    field("Optimiser", "Optimiser, learning rate and loss.");
pub(in super::super) const OPTIMIZER: Field = field(
    "Optimizer",
    "Adam / AdamW are the default (lr 1e-3); RMSprop is suited to RNNs; SGD with momentum and \
     Nesterov needs tuning.",
);
pub(in super::super) const OPT_ADAM: Field = field("Adam", "The default: start at lr 1e-3.");
pub(in super::super) const OPT_ADAMW: Field = field(
    "AdamW",
    "Adam with decoupled weight decay (lr 1e-3, weight decay 1e-6-1e-4).",
);
pub(in super::super) const OPT_RMSPROP: Field = field("RMSprop", "Suited to RNNs; lr around 1e-3.");
pub(in super::super) const OPT_SGD: Field = field(
    "SGD",
    "With momentum (0.9) and optionally Nesterov: needs tuning, usually a larger lr \
     (1e-2-1e-1) and a schedule.",
);
pub(in super::super) const LR: Field = field(
    "Learning rate",
    "Base learning rate, log scale. Adam/AdamW default 1e-3. Flat loss from the start: too \
     small. Oscillating loss: too large or no schedule. NaN or gradient norms above 10: lower \
     it and clip. When stuck, sweep 1e-2 ... 1e-5.",
);
pub(in super::super) const MOMENTUM: Field = field(
    "Momentum",
    "Momentum in [0, 1): 0.9 is typical, 0 turns it off. Used by SGD and RMSprop only.",
);
pub(in super::super) const NESTEROV: Field = field(
    "Nesterov",
    "Nesterov momentum: looks ahead along the momentum, often converging a little faster. \
     Used by SGD only.",
);
pub(in super::super) const LOSS: Field = field("Loss", "Training loss on the scaled targets.");
pub(in super::super) const LOSS_MSE: Field = field(
    "MSE",
    "Mean squared error: one point forecast per step (the mean); its intervals are \
     conformal around it. Best when you are judged by MSE.",
);
pub(in super::super) const LOSS_MAE: Field = field(
    "MAE",
    "Mean absolute error: robust to outliers; forecasts the median.",
);
pub(in super::super) const LOSS_HUBER: Field = field(
    "Huber",
    "Quadratic below delta, linear above: MSE that is robust to outliers.",
);
pub(in super::super) const LOSS_QUANTILE: Field = field(
    "Quantile",
    "Pinball loss (the default): the model forecasts each chosen quantile of the target (one \
     output per level and step), so it learns its own ranges; the point forecast is the \
     median. Pairs such as 0.1 and 0.9 give an 80 % interval, calibrated on validation \
     (CQR). Beat MSE across the benchmark suite, on accuracy and on calibration.",
);
pub(in super::super) const QUANTILE_LEVELS: Field = field(
    "Quantile levels",
    "The quantiles to forecast, comma-separated, increasing, each between 0 and 1 (at \
     most 9), e.g. 0.1, 0.5, 0.9. Include 0.5 for a median point forecast.",
);
pub(in super::super) const HUBER_DELTA: Field = field(
    "Huber delta",
    "Transition point on the scaled target: smaller errors count as MSE, larger as MAE. 1 \
     suits z-scored targets.",
);

// ---- Schedule
pub(in super::super) const GROUP_SCHEDULE: Field =
    field("Schedule", "Learning-rate schedule, per epoch.");
pub(in super::super) const SCHEDULE: Field = field(
    "LR schedule",
    "A loss that drops then stalls calls for a schedule: reduce-on-plateau (factor 0.5, \
     patience 5) or cosine annealing; warm-up steadies unstable first epochs.",
);
pub(in super::super) const SCHED_CONSTANT: Field = field("Constant", "The same lr throughout.");
pub(in super::super) const SCHED_WARMUP: Field = field(
    "Warm-up",
    "Linear ramp from lr/epochs to lr over the first epochs (e.g. 5), then constant.",
);
pub(in super::super) const SCHED_STEP: Field = field(
    "Step decay",
    "Multiply the lr by gamma every N epochs (e.g. x0.5 every 20).",
);
pub(in super::super) const SCHED_COSINE: Field = field(
    "Cosine annealing",
    "From lr down to min lr along a cosine over the run's epochs.",
);
pub(in super::super) const SCHED_PLATEAU: Field = field(
    "Reduce on plateau",
    "Multiply the lr by the factor when the validation loss has not improved for `patience` \
     epochs: factor 0.5, patience 5.",
);
pub(in super::super) const SCHED_CYCLIC: Field = field(
    "Cyclical",
    "Cyclical learning rate (Smith, 2017): the lr moves linearly from the low to the high \
     rate and back, half a cycle every `step` epochs, changing at every batch; the base lr \
     is not used. Find the range with a short run whose lr rises: low where the loss starts \
     to fall, high just before it turns up (often a decade apart). Escapes flat regions and \
     saddle points; pair with early stopping on validation.",
);
pub(in super::super) const SCHED_ONE_CYCLE: Field = field(
    "One-cycle",
    "One-cycle (Smith & Topin, 2018; PyTorch's OneCycleLR): from max/25 up to the max over \
     the first 30 % of the run's batches, then down to max/250,000, both on a cosine, over \
     the epoch budget; the base lr is not used. Often trains in fewer epochs with a max 10× \
     the usual lr. Early stopping can end the run before the cycle ends.",
);
pub(in super::super) const CYCLIC_LOW: Field = field(
    "Cycle low lr",
    "The lowest learning rate of the cycle, log scale, e.g. 1e-4.",
);
pub(in super::super) const CYCLIC_HIGH: Field = field(
    "Cycle high lr",
    "The highest learning rate (of the first cycle), log scale, e.g. 1e-2: kept at or above \
     the low one.",
);
pub(in super::super) const CYCLIC_STEP: Field = field(
    "Half cycle (epochs)",
    "Epochs from the low to the high rate (a full cycle is twice this): Smith suggests 2 to \
     10 epochs; fractions are allowed.",
);
pub(in super::super) const CYCLIC_MODE: Field = field(
    "Cycle mode",
    "How the cycles' height changes: the same every cycle, halved each cycle, or shrunk by \
     gamma per epoch.",
);
pub(in super::super) const CYCLIC_TRIANGULAR: Field =
    field("Triangular", "The same height every cycle.");
pub(in super::super) const CYCLIC_TRIANGULAR2: Field =
    field("Triangular2", "Half the height of the cycle before.");
pub(in super::super) const CYCLIC_EXP_RANGE: Field = field(
    "Exp range",
    "The height times gamma per epoch (gamma^epochs).",
);
pub(in super::super) const CYCLIC_GAMMA: Field = field(
    "Cycle gamma",
    "Height decay per epoch in (0, 1]: 0.99 loses about a third over 40 epochs.",
);
pub(in super::super) const ONE_CYCLE_MAX: Field = field(
    "Peak lr",
    "One-cycle's highest lr, reached after 30 % of the batches, log scale: often 10× the lr \
     that trains well with a constant schedule, e.g. 1e-2.",
);
pub(in super::super) const WARMUP_EPOCHS: Field =
    field("Warm-up epochs", "Warm-up length: at least 1, e.g. 5.");
pub(in super::super) const STEP_EVERY: Field =
    field("Step every", "Decay period in epochs (at least 1).");
pub(in super::super) const STEP_GAMMA: Field = field(
    "Step gamma",
    "Decay factor in (0, 1]: 0.5 halves the lr each period.",
);
pub(in super::super) const MIN_LR: Field = field(
    "Min lr",
    "Lower bound on the learning rate, log scale, e.g. 1e-6.",
);
pub(in super::super) const PLATEAU_FACTOR: Field = field(
    "Plateau factor",
    "Decay factor in (0, 1): 0.5 halves the lr.",
);
pub(in super::super) const PLATEAU_PATIENCE: Field = field(
    "Plateau patience",
    "Epochs without validation improvement before decaying: 5 is typical. Keep it below the \
     early-stopping patience.",
);

// ---- Regularisation
pub(in super::super) const GROUP_REGULARISATION: Field = field(
    "Regularisation",
    "Against overfitting (validation loss rising while training loss falls) and exploding \
     gradients.",
);
pub(in super::super) const DROPOUT: Field = field(
    "Dropout",
    "Between stacked layers and before the head: 0.2-0.5 when overfitting; 0 while debugging \
     a loss that does not fall.",
);
pub(in super::super) const DROPOUT_MODE: Field = field(
    "Dropout mode",
    "How the dropout masks are drawn. Standard: a fresh mask for every value at every step, \
     between the stacked layers and before the head. Variational (Gal & Ghahramani): one \
     mask per window, the same at every step, for each stacked layer's input and for each \
     layer's recurrent state, so the recurrence itself is regularised; the series' own \
     values are never dropped. Not for seq2seq yet.",
);
pub(in super::super) const DROPOUT_STANDARD: Field = field(
    "Standard",
    "A fresh mask per value and step, between layers and before the head.",
);
pub(in super::super) const DROPOUT_VARIATIONAL: Field = field(
    "Variational",
    "One mask per window for the layers' inputs and recurrent states (Gal & Ghahramani, 2016).",
);
pub(in super::super) const WEIGHT_DECAY: Field = field(
    "Weight decay",
    "L2 penalty on the weights (decoupled for AdamW), log scale: 1e-6-1e-4; 0 turns it off.",
);
pub(in super::super) const CLIP: Field = field(
    "Clipping",
    "Clipping by global norm is mandatory for RNNs: max norm 1-5 (GRU tolerates 5-10). \
     Gradient norms above 10 mean exploding gradients: clip and lower the lr. Clipping by \
     value is the cruder alternative.",
);
pub(in super::super) const CLIP_NORM: Field = field(
    "Global norm",
    "Rescale all gradients so their global L2 norm is at most max (PyTorch's \
     clip_grad_norm_): 1-5, GRU tolerates 5-10.",
);
pub(in super::super) const CLIP_VALUE: Field = field(
    "By value",
    "Clamp every gradient element to [-max, max]: cruder, it bends the gradient's direction.",
);
pub(in super::super) const CLIP_NONE: Field = field(
    "No clipping",
    "Not recommended for RNNs: gradients can explode.",
);
pub(in super::super) const CLIP_MAX_NORM: Field = field(
    "Max norm",
    "Largest global gradient norm: 1-5 for LSTM, 5-10 for GRU. Loosen it if the loss does \
     not fall.",
);
pub(in super::super) const CLIP_MAX_VALUE: Field =
    field("Max value", "Largest absolute gradient element (> 0).");

// ---- Stopping
pub(in super::super) const GROUP_STOPPING: Field = field(
    "Stopping",
    "How long to train, batch size and reproducibility.",
);
pub(in super::super) const EPOCHS: Field = field(
    "Epochs",
    "Maximum passes over the training windows; early stopping usually ends the run sooner.",
);
pub(in super::super) const PATIENCE: Field = field(
    "Early stop patience",
    "Epochs without validation improvement before stopping (0 = off, e.g. 10). The best \
     weights are restored either way.",
);
pub(in super::super) const WEIGHT_AVERAGE: Field = field(
    "Weight average",
    "Polyak averaging: validation, early stopping and the kept model use a moving average of \
     the weights, decaying by this much per step (default 0.998 = about the last 500 steps; off = \
     the raw weights). Smooths the noise of the last updates; helps most when the best epoch \
     comes early.",
);
pub(in super::super) const CHECKPOINTS: Field = field(
    "Checkpoints kept",
    "Besides the best epoch's, this many checkpoints of the whole training state (weights, \
     optimiser moments, random streams, schedule), spread over the run: the spacing doubles \
     as the run grows. Branch… in Runs starts from the latest one at or before its epoch \
     instead of retraining from epoch 1. Off = none (branches retrain from the start).",
);
pub(in super::super) const REFIT: Field = field(
    "Refit on train + val",
    "After training, train a fresh model on the training and validation rows together for \
     the best epoch count, and keep it. Helps short series; validation scores are then \
     in-sample, test rows stay unseen.",
);
pub(in super::super) const BATCH: Field = field(
    "Batch size",
    "Windows per mini-batch: 32-128. Smaller batches are noisier and slower per epoch; larger \
     ones may want a larger lr.",
);
pub(in super::super) const SEED: Field = field(
    "Seed",
    "Seeds initialisation, shuffling and dropout: the same seed, data and config give the \
     same curves.",
);
pub(in super::super) const DIAG_EVERY: Field = field(
    "Diagnostics every",
    "Steps between detailed gradient statistics (per parameter, gate and time step) for the \
     Diagnostics view; 0 = off. Each costs about one extra step's worth of work.",
);

// ---- Evaluation
pub(in super::super) const GROUP_EVALUATION: Field = field(
    "Evaluation",
    "How test metrics are reported, and what the forecasts use.",
);
pub(in super::super) const METRICS_SCALE: Field =
    field("Metrics in", "Units of the reported metrics.");
pub(in super::super) const METRICS_ORIGINAL: Field = field(
    "Original units",
    "Your units: scaling and transforms are inverted before the metrics are computed.",
);
pub(in super::super) const METRICS_NORMALISED: Field = field(
    "Normalised",
    "After the target's scaler (fitted on the training rows), as the literature reports ETT.",
);
pub(in super::super) const SEASON_AUTO: Field = field(
    "Auto season",
    "Derive the seasonal period for the seasonal-naive baseline and MASE from the time \
     column's frequency (e.g. 24 for hourly data).",
);
pub(in super::super) const SEASON: Field = field(
    "Season",
    "Seasonal period in steps for the seasonal-naive baseline and MASE: 24 for hourly data \
     with a daily cycle, 7 for daily data with a weekly one, 12 for monthly data.",
);

pub(in super::super) const FORECAST: Field = field(
    "Forecast with",
    "What the exported forecasts and the forecast past the end use. Chosen on the \
     validation windows only; the test part is scored after the choice.",
);
pub(in super::super) const FORECAST_AUTO: Field = field(
    "Auto (best on validation)",
    "The model, a baseline, or the model combined with the best baseline: whichever has \
     the lowest validation MASE. Never worse than the best baseline on validation.",
);
pub(in super::super) const FORECAST_MODEL: Field =
    field("Model only", "Always the trained network.");
pub(in super::super) const FORECAST_ENSEMBLE: Field = field(
    "Model + best baseline",
    "The network's forecast mixed with the best baseline's, the weight fitted on validation.",
);
pub(in super::super) const FORECAST_SEASONAL: Field =
    field("Seasonal naive only", "Always the value one season back.");
pub(in super::super) const FORECAST_NAIVE: Field = field("Naive only", "Always the last value.");
pub(in super::super) const FORECAST_DRIFT: Field = field(
    "Drift only",
    "Always the straight line through the window's first and last values.",
);
pub(in super::super) const FORECAST_LINEAR: Field = field(
    "Linear AR only",
    "Always the linear autoregression on the window, fitted on the training windows.",
);

pub(in super::super) const INTERVALS: Field = field(
    "Prediction intervals",
    "80 % and 95 % ranges around every forecast, from the validation windows' errors per \
     horizon step (split conformal): an 80 % interval should hold the truth 80 % of the time \
     on data the model never saw. Shown as bands in Results, exported as _lo80/_hi80 columns.",
);
pub(in super::super) const BACKTEST: Field = field(
    "Backtest",
    "Forecast from many origins across the test part and score each one, to see how the \
     forecasts would have done over time (Results > Backtest). Without retraining it costs \
     nothing: it reuses the test forecasts.",
);
pub(in super::super) const BACKTEST_EVERY: Field = field(
    "Every K-th origin",
    "Forecast from every K-th test origin: 1 for all of them, 24 for one per day of hourly \
     data.",
);
pub(in super::super) const BACKTEST_REFIT: Field = field(
    "Retrain every N origins",
    "Retrain the model on every row before the origin every N backtest origins (an \
     expanding window, as the model would be used in production); each retraining runs the \
     validated number of epochs. Never (0) forecasts every origin with the trained model.",
);

/// Hover text of every group's "Reset to defaults" button.
pub(in super::super) const RESET_TIP: &str = "Restore this group's settings to the defaults.";
pub(in super::super) const UNROLL: Field = field(
    "Unroll",
    "Recursive: also train on each window rolled forward over the horizon on the model's \
     own forecasts, every step of the roll a target, so the model learns from the inputs it \
     will forecast from (the fix for exposure bias, as in Venkatraman et al.'s \
     data-as-demonstrator). The fed-back forecasts are not differentiated. Costs about a \
     horizon's worth of extra windows per epoch. Off by default: on the suite it helped \
     AirPassengers and hurt three other series (BENCHMARKS.md, Unrolled recursive training).",
);
pub(in super::super) const TEACHER_FORCING: Field = field(
    "Teacher forcing",
    "Seq2seq: the share of decoder steps that read the true previous value while training, \
     at the first epoch (1 = all). Fed only true values, the decoder never learns to \
     recover from its own errors (exposure bias); a schedule lowers the share so that late \
     epochs train it the way it forecasts. Forecasts always read its own values. Default 0: \
     on the suite, starting at 1 and falling slowly made the model worse (BENCHMARKS.md, \
     Seq2seq).",
);
pub(in super::super) const SAMPLING: Field = field(
    "Sampling schedule",
    "How the teacher-forcing ratio falls over the epochs (scheduled sampling, Bengio et al. \
     2015); the Training view draws it per epoch beside the loss.",
);
pub(in super::super) const SAMPLING_CONSTANT: Field =
    field("No decay", "The starting ratio throughout.");
pub(in super::super) const SAMPLING_LINEAR: Field = field(
    "Linear decay",
    "Down to 0 in a straight line over the epochs below (0 = the whole epoch budget).",
);
pub(in super::super) const SAMPLING_EXP: Field = field(
    "Exponential decay",
    "Times k per epoch (0 < k < 1): 0.5 (the default) halves it every epoch, 0.9 in \
     about 7 epochs.",
);
pub(in super::super) const SAMPLING_SIGMOID: Field = field(
    "Inverse sigmoid",
    "k / (k + e^(epoch/k)), k >= 1: flat at first, then falling; k = 10 is at one half \
     near epoch 23.",
);
pub(in super::super) const SAMPLING_EPOCHS: Field = field(
    "Epochs to 0",
    "The linear schedule reaches 0 after this many epochs; 0 uses the epoch budget.",
);
pub(in super::super) const SAMPLING_K: Field =
    field("k", "The schedule's rate (see the schedule's own tip).");

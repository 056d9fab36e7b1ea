//! Labels and tooltips of the data, window, scaling and model settings.

use super::{Field, field};

// ---- Data & windows
pub(in super::super) const GROUP_DATA: Field = field(
    "Data & windows",
    "How the series is split in time, cut into windows and cleaned.",
);
pub(in super::super) const SPLIT: Field = field(
    "Split by",
    "Chronological train / validation / test split: rows are never shuffled across a \
     boundary. Fractions of the rows (e.g. 0.7 / 0.15 / 0.15) or explicit row counts (e.g. \
     ETT: 8640 / 2880 / 2880), or the last rows of each series (the M4 protocol). A single \
     series too short for 0.7 / 0.15 / 0.15 to leave one horizon in validation and in test \
     opens with the last rows instead (one horizon each), so the model is judged against the \
     baselines before its forecast is used; the status line says so.",
);
pub(in super::super) const SPLIT_FRACTIONS: Field = field(
    "Fractions",
    "Shares of the rows, in time order: training, then validation, then test. They sum to \
     at most 1; raising one takes the excess from the later parts. Rows left over at the end \
     are unused.",
);
pub(in super::super) const SPLIT_ROWS: Field = field(
    "Rows",
    "Row counts, in time order: training, then validation, then test. Training needs at \
     least one row; rows past the three counts are unused.",
);
pub(in super::super) const SPLIT_LAST: Field = field(
    "Last rows",
    "The last test rows of the series are its test part and the validation rows just before \
     them its validation part; training takes everything earlier. With many series, each \
     series is split this way on its own (the M4 protocol holds out one horizon for test).",
);
pub(in super::super) const TRAIN: Field = field(
    "Train",
    "Training part: the model learns from it, and the scalers are fitted on it only.",
);
pub(in super::super) const VAL: Field = field(
    "Validation",
    "Validation part: drives early stopping, reduce-on-plateau and the choice of the best \
     weights. Keep it non-empty for early stopping to work.",
);
pub(in super::super) const TEST: Field = field(
    "Test",
    "Test part: held out until the end and only used for the reported metrics, always next \
     to the naive, seasonal-naive and linear baselines.",
);
pub(in super::super) const SUM: Field = field("Sum", "Sum of the three fractions (at most 1).");
pub(in super::super) const LOOKBACK: Field = field(
    "Lookback",
    "Input length in time steps: how much history each window feeds the network. Cover at \
     least one seasonal cycle (e.g. 24-168 for hourly data). Longer windows are slower and \
     let gradients vanish: shorten it when gradient norms fall below 1e-5. A vanilla RNN only \
     copes with <10 steps.",
);
pub(in super::super) const HORIZON: Field = field(
    "Horizon",
    "Output length: steps forecast at once from the last hidden state by one dense head \
     (direct / multi-output). Each window needs lookback + horizon rows, so too-short series \
     are refused.",
);
pub(in super::super) const STRIDE: Field = field(
    "Stride",
    "Distance between the starts of consecutive windows. 1 uses every possible window (most \
     training data); larger strides train faster on long series with fewer, less \
     overlapping windows.",
);
pub(in super::super) const MISSING: Field = field(
    "Missing values",
    "What to do with empty / NA / NaN cells in the chosen columns.",
);
pub(in super::super) const MISSING_INTERP: Field = field(
    "Interpolate",
    "Straight line between the neighbouring valid values; edges take the nearest one.",
);
pub(in super::super) const MISSING_FFILL: Field = field(
    "Forward fill",
    "Repeat the last seen value; leading gaps take the first valid value.",
);
pub(in super::super) const MISSING_DROP: Field = field(
    "Drop rows",
    "Drop every row where a chosen column is missing (this leaves gaps in time).",
);
pub(in super::super) const MISSING_REFUSE: Field = field(
    "Refuse missing",
    "Stop with an error naming the first missing cells.",
);
pub(in super::super) const DUPLICATES: Field = field(
    "Duplicate timestamps",
    "What to do with rows that share a timestamp.",
);
pub(in super::super) const DUP_FIRST: Field =
    field("Keep first", "Keep the first row of each timestamp.");
pub(in super::super) const DUP_LAST: Field =
    field("Keep last", "Keep the last row of each timestamp.");
pub(in super::super) const DUP_MEAN: Field =
    field("Average", "Average the rows of each timestamp.");
pub(in super::super) const DUP_REFUSE: Field = field(
    "Refuse duplicates",
    "Stop with an error naming the first duplicates.",
);

// ---- Scaling & transforms
pub(in super::super) const GROUP_SCALING: Field = field(
    "Scaling & transforms",
    "Normalisation and transforms of the series. Statistics are fitted on the training part \
     only and inverted before metrics are reported in your units. Per-column overrides are \
     set with the columns.",
);
pub(in super::super) const SCALE: Field = field(
    "Scaling",
    "Scaling for every column without a per-column override, fitted on the training part \
     only so nothing leaks from validation or test.",
);
pub(in super::super) const SCALE_ZSCORE: Field =
    field("Z-score", "(x - mean) / std: the usual choice.");
pub(in super::super) const SCALE_MINMAX: Field = field(
    "Min-max",
    "(x - min) / (max - min): maps the training range to [0, 1]; later values can leave it.",
);
pub(in super::super) const SCALE_ROBUST: Field = field(
    "Robust",
    "(x - median) / IQR: insensitive to outliers and spikes.",
);
pub(in super::super) const SCALE_NONE: Field = field(
    "No scaling",
    "Leave values as they are: only when they are already around -1..1.",
);
pub(in super::super) const LOG: Field = field(
    "Log transform",
    "Take the natural log of the targets first (all values must be > 0). For non-stationary \
     series whose swings grow with their level (sales, traffic).",
);
pub(in super::super) const DIFF: Field = field(
    "Differencing",
    "Model first differences of the targets (after the log when both are on). For \
     non-stationary series with a trend; forecasts are turned back into levels before the \
     metrics.",
);

// ---- Model
pub(in super::super) const GROUP_MODEL: Field = field(
    "Model",
    "Stacked recurrent layers, then one linear head for all horizon steps. Start small (1 \
     layer x 64) and grow the hidden size before the depth.",
);
pub(in super::super) const CELL: Field = field(
    "Cell",
    "Recurrent cell type. GRU is a good first try, LSTM the classic; a vanilla RNN is a fast \
     baseline for very short windows. With vanishing gradients (norms below 1e-5) use LSTM or \
     GRU.",
);
pub(in super::super) const CELL_LSTM: Field = field(
    "LSTM",
    "Forget, input and output gates and a cell state: about 4x the parameters of a vanilla \
     RNN; keeps long memory.",
);
pub(in super::super) const CELL_GRU: Field = field(
    "GRU",
    "Reset and update gates, no cell state: about 3x the parameters of a vanilla RNN. A good \
     first try, typically 15-30% faster than LSTM with similar accuracy on series shorter \
     than ~200 steps.",
);
pub(in super::super) const CELL_RNN: Field = field(
    "Vanilla RNN",
    "tanh RNN: fast, forgets. A teaching baseline, and for very short windows (<10 steps).",
);
pub(in super::super) const HIDDEN: Field = field(
    "Hidden units",
    "Units per layer: 64-256 for series. Prefer more hidden units over more layers; grow it \
     when the model underfits (training loss stays high).",
);
pub(in super::super) const LAYERS: Field = field(
    "Layers",
    "Stacked layers (1-4, up to 8 with residual connections), each feeding the next. Two is the usual sweet spot; beyond three \
     rarely helps. Drop to one when the loss does not fall, then grow.",
);
pub(in super::super) const PEEPHOLE: Field = field(
    "Peepholes",
    "Peephole connections (Gers & Schmidhuber, 2000): the input and forget gates also read \
     the previous cell state and the output gate the new one, through one weight per unit \
     that starts at zero (a plain LSTM at the start). Helps where precise timing matters \
     (counting steps, spikes at fixed intervals); 3·H more parameters per layer. Not for \
     seq2seq yet.",
);
pub(in super::super) const RESIDUAL: Field = field(
    "Residual",
    "Residual connections between stacked layers (Wu et al., 2016): from the second layer \
     up, each layer's output is its hidden state plus its input, so a deep stack starts \
     close to a shallow one and the gradient reaches the bottom layers through the sums. \
     Allows up to 8 layers (4 without). Try it when a stack of 3 or more layers trains \
     worse than 2, or the first layer's gradient vanishes. Not for seq2seq yet.",
);
pub(in super::super) const BIDIRECTIONAL: Field = field(
    "Bidirectional",
    "A bidirectional encoder: a second stack of the same layers reads each window from its \
     newest step back to its oldest, and the head reads both stacks' last states side by \
     side. Valid for forecasting, since the whole window is in the past: the second stack \
     ends on the oldest steps, so it can carry what the first one forgot. Doubles the \
     recurrent parameters and about doubles the time per epoch (BENCHMARKS.md, \
     Bidirectional encoder). Not for seq2seq yet.",
);
pub(in super::super) const LAYER_NORM: Field = field(
    "Layer norm",
    "Layer normalisation inside the cells (Ba et al., 2016): at every step, each gate's \
     input projection and recurrent projection are normalised over the layer's units to \
     zero mean and unit variance, times a learned gain per unit (starting at 1), before \
     the biases. Keeps the gates in their working range whatever the scale of the inputs \
     and the state, which steadies deep stacks and long windows; try it when a stack of 3 \
     or more layers trains worse than 2 or the first layer's gradient vanishes. Costs \
     time per step (BENCHMARKS.md, Layer normalisation). Not for seq2seq yet.",
);
pub(in super::super) const TBPTT: Field = field(
    "Truncated BPTT",
    "Truncated backpropagation through time (Williams & Peng, 1990), for windows of \
     thousands of steps: the gradient reaches back only the last K2 steps of each window \
     (the state entering them is treated as a constant), and the steps before them run \
     forward K1 at a time keeping nothing, so a training step's memory grows with K1 + K2 \
     instead of the lookback. The forecast's loss sits at the window's end, so K1 changes \
     memory, never the gradient. It costs what the network could learn from dependencies \
     longer than K2 steps (BENCHMARKS.md, Truncated BPTT). Off: full BPTT. Not for \
     seq2seq yet.",
);
pub(in super::super) const TBPTT_K1: Field = field(
    "K1 (forward chunk)",
    "Steps run forward at a time before the backpropagated ones: the memory of the \
     forward-only part. Any value gives the same gradient.",
);
pub(in super::super) const TBPTT_K2: Field = field(
    "K2 (backpropagated)",
    "Steps the gradient reaches back from the window's end. At or above the steps the \
     layers read (the lookback, or Recurrent steps with the linear skip) it is full BPTT.",
);
pub(in super::super) const INIT: Field = field(
    "Initialisation",
    "How the recurrent weights start. Orthogonal (the default) keeps gradients from \
     vanishing or exploding early on; re-initialising orthogonally is on the \"loss does not \
     fall\" checklist. The forget-gate bias below applies to every choice.",
);
pub(in super::super) const INIT_ORTHOGONAL: Field = field(
    "Orthogonal",
    "Xavier-uniform input weights and an orthogonal recurrent matrix per gate, zero biases \
     (Saxe et al.): the recurrent map keeps the state's norm at the start.",
);
pub(in super::super) const INIT_XAVIER: Field = field(
    "Xavier",
    "Xavier/Glorot uniform for input and recurrent weights per gate, bound \
     √(6 / (fan in + fan out)), zero biases: suited to tanh and sigmoid.",
);
pub(in super::super) const INIT_HE: Field = field(
    "He",
    "He/Kaiming uniform per gate, bound √(6 / fan in), zero biases: made for ReLU layers, \
     about 1.4× Xavier's scale here; larger recurrent weights can saturate the gates.",
);
pub(in super::super) const INIT_PYTORCH: Field = field(
    "PyTorch default",
    "What nn.LSTM and nn.GRU do: every weight and bias uniform in ±1/√hidden. Use it to \
     compare with a PyTorch script.",
);
pub(in super::super) const FORGET_BIAS: Field = field(
    "Forget-gate bias",
    "Initial LSTM forget-gate bias: 1 is the usual default, keeping memory open early in \
     training. Used by LSTM cells only.",
);
pub(in super::super) const WINDOW_NORM: Field = field(
    "Window norm",
    "Per-window normalisation of the forecast columns: the model sees each window relative \
     to a level from its own inputs and the level is added back to the forecast. Tames trends \
     and level shifts the scaler cannot (NLinear / RevIN).",
);
pub(in super::super) const WINDOW_NORM_NONE: Field =
    field("None", "The scaled values as they are.");
pub(in super::super) const WINDOW_NORM_LAST: Field = field(
    "Last value",
    "Subtract each window's last input value (NLinear): an untrained model starts as the \
     repeat-last-value forecast and learns the change.",
);
pub(in super::super) const WINDOW_NORM_MEAN: Field = field(
    "Window mean",
    "Subtract the mean of each window's inputs (RevIN without the scale).",
);
pub(in super::super) const LINEAR_SKIP: Field = field(
    "Linear skip",
    "Add a linear map from each target's lookback to its forecast (NLinear) to the network's \
     output: the network then learns only what the linear forecast misses. Where it starts \
     is 'Skip starts as'.",
);
pub(in super::super) const SKIP_INIT: Field = field(
    "Skip starts as",
    "The linear skip's first weights reproduce a baseline exactly and the head starts at \
     zero, so the untrained model forecasts as that baseline and training learns a \
     correction from there (early stopping keeps the baseline when nothing better is learnt). \
     Zero by default; a short series (under 200 training windows) with two or more \
     validation windows starts fitted.",
);
pub(in super::super) const SKIP_INIT_FITTED: Field = field(
    "Fitted to the training windows",
    "A ridge regression of the horizon on the window, shrunk toward the best-fitting \
     baseline; how far it may move from that baseline is chosen on the last quarter of the \
     training windows.",
);
pub(in super::super) const SKIP_INIT_BEST: Field = field(
    "Best-fitting baseline",
    "Naive, seasonal naive or drift: whichever fits the training windows best.",
);
pub(in super::super) const SKIP_INIT_SEASONAL: Field = field(
    "Seasonal-naive start",
    "The value one season back (naive when the lookback is shorter than a season).",
);
pub(in super::super) const SKIP_INIT_NAIVE: Field = field("Naive start", "The last value.");
pub(in super::super) const SKIP_INIT_ZERO: Field = field(
    "Zero start",
    "All weights zero, a random head: with 'last value' window normalisation, naive plus noise.",
);
pub(in super::super) const RECURRENT_STEPS: Field = field(
    "Recurrent steps",
    "With the linear skip, the recurrent layers read only the last N steps of each window \
     while the skip reads the whole lookback: a long lookback then costs little more than N \
     steps and gives the network fewer old steps to overfit. 'all' (0), or any N at or \
     above the lookback, reads the whole window; without the skip the layers always do.",
);
pub(in super::super) const STRATEGY: Field = field(
    "Strategy",
    "How the horizon is forecast. Direct: one head emits every step at once (the default). \
     Recursive: a one-step model, trained on one-step targets, rolled forward over the \
     horizon with each forecast fed back as the next input (Darts' RNNModel); errors can \
     compound along the horizon, and every covariate must be known ahead. A short series \
     (under 200 training windows, at least two validation windows) is forecast \
     recursively by default: on the suite that let the model beat the best baseline on 10 \
     of 14 series instead of 8. Seq2seq: an encoder and a decoder trained with teacher \
     forcing. Compare them on your data: BENCHMARKS.md has the tables.",
);
pub(in super::super) const STRATEGY_DIRECT: Field = field(
    "Direct",
    "Every horizon step at once from the last hidden state (and the linear skip).",
);
pub(in super::super) const STRATEGY_RECURSIVE: Field = field(
    "Recursive",
    "One step at a time, each forecast fed back as the next input.",
);
pub(in super::super) const STRATEGY_SEQ2SEQ: Field = field(
    "Seq2seq",
    "An encoder reads the lookback; a decoder of the same size, started from the encoder's \
     last state, runs over the horizon, each step reading the previous step's value (the \
     true one while teacher forcing, else its own forecast) and the covariates known ahead. \
     Twice the recurrent weights. Teacher forcing and its schedule are set below.",
);
pub(in super::super) const ATTENTION: Field = field(
    "Attention",
    "Seq2seq: at each forecast step the decoder scores every step the encoder read, turns \
     the scores into weights (softmax) and hands the head their weighted sum beside its own \
     state, so a step can look straight back at last season. Results draws the weights of \
     the forecast past the end as a heat map.",
);
pub(in super::super) const ATTENTION_NONE: Field =
    field("No attention", "The head reads the decoder's state alone.");
pub(in super::super) const ATTENTION_DOT: Field = field(
    "Dot (Luong)",
    "Score = decoder state · encoder state. No extra weights.",
);
pub(in super::super) const ATTENTION_GENERAL: Field = field(
    "General (Luong)",
    "Score = decoder state · W · encoder state: one H×H matrix learns what to match.",
);
pub(in super::super) const ATTENTION_ADDITIVE: Field = field(
    "Additive (Bahdanau)",
    "Score = v · tanh(W₁·encoder state + W₂·decoder state): two H×H matrices and a vector.",
);

//! Command-line arguments. Every training option overrides the config file (or the
//! defaults); the defaults printed by `--help` are read from `RunConfig::default()`, the
//! same values the GUI starts from.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// seqcast — time-series forecasting with recurrent networks (LSTM, GRU, RNN).
#[derive(Debug, Parser)]
#[command(name = "seqcast", version, about, long_about = None)]
pub struct Cli {
    /// What to do; without one, opens the desktop app.
    #[command(subcommand)]
    pub command: Option<Sub>,
    /// A CSV file to open in the desktop app (default: the bundled AirPassengers series).
    pub file: Option<PathBuf>,
    /// A TOML run configuration for the desktop app (as written by `train --save-config`).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Sub {
    /// Train a forecaster on a CSV file and compare it with the baselines.
    Train(Box<TrainArgs>),
    /// Forecast with a saved model on a CSV file.
    Predict(PredictArgs),
    /// Train a fresh model on one small batch until the loss reaches ~0: if it cannot,
    /// the model or the data is wrong (takes the same options as train).
    OverfitBatch(Box<TrainArgs>),
    /// Learning-rate range test: raise the lr exponentially over a short run, print the
    /// loss against it and suggest an lr (takes the same options as train).
    LrFind(Box<TrainArgs>),
    /// Hyperparameter search: trains trials one after another, records each as a run,
    /// prunes poor ones early and reports the best (takes the same options as train;
    /// --epochs is the budget per trial, --seed seeds the trial draws).
    Tune(Box<TuneArgs>),
    /// Measure training throughput with the PyTorch reference's protocol.
    Bench(super::bench::BenchArgs),
    /// Accuracy on the published protocols (ETTh1 LTSF, AirPassengers Darts split),
    /// printed next to the baselines and the published numbers (takes the model and
    /// training options of train).
    Eval(Box<super::eval::EvalArgs>),
}

/// `seqcast predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// Model folder written by `train --save-model`.
    #[arg(long, value_name = "DIR")]
    pub model: PathBuf,
    /// CSV file with the same columns the model was trained on.
    #[arg(long, value_name = "FILE")]
    pub csv: PathBuf,
    /// Where to write the predictions CSV.
    #[arg(long, value_name = "FILE")]
    pub export: PathBuf,
    /// CSV of the known-in-advance covariates after the last row of --csv (for a
    /// model trained with --future-covariates).
    #[arg(long, value_name = "FILE")]
    pub future: Option<PathBuf>,
}

/// `seqcast tune`.
#[derive(Debug, Args)]
pub struct TuneArgs {
    /// The base run (data, model, training options) the trials vary.
    #[command(flatten)]
    pub train: TrainArgs,
    /// TOML search space (knobs lr, hidden, layers, lookback, dropout, cell, batch)
    /// [default: lr 1e-4..1e-2, hidden 32|64|128, layers 1|2, lookback x0.5|x1|x2,
    /// dropout 0..0.3, cell lstm|gru].
    #[arg(long, value_name = "FILE", help_heading = "Search")]
    pub space: Option<PathBuf>,
    /// Trial budget.
    #[arg(long, value_name = "N", default_value_t = 8, help_heading = "Search")]
    pub trials: usize,
    /// random | grid | tpe (tree-structured Parzen estimator: random for the first 5 trials,
    /// then where the best quarter of the finished trials points) | asha (random draws with
    /// successive halving: at 3, 9, 27 … epochs only the best third of the trials there go
    /// on; --prune asha=MIN,ETA sets the rungs).
    #[arg(
        long,
        value_name = "METHOD",
        default_value = "random",
        help_heading = "Search"
    )]
    pub method: String,
    /// none | median[=WARMUP]: stop trials worse than the median trial after WARMUP epochs |
    /// asha[=MIN,ETA]: successive halving, rungs at MIN·ETA^k epochs, the best 1/ETA go on.
    #[arg(
        long,
        value_name = "RULE",
        default_value = "median=3",
        help_heading = "Search"
    )]
    pub prune: String,
}

/// `seqcast train`.
#[derive(Clone, Debug, Default, Args)]
pub struct TrainArgs {
    /// CSV file to train on (default: the bundled AirPassengers series).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// TOML config file; command-line options override it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Write the full resolved config as TOML (to reuse with --config or in the GUI).
    #[arg(long, value_name = "FILE")]
    pub save_config: Option<PathBuf>,
    /// Write predictions (validation, test and future) as CSV.
    #[arg(long, value_name = "FILE")]
    pub export: Option<PathBuf>,
    /// Add baseline forecasts as extra columns of the exported CSV.
    #[arg(long)]
    pub export_baselines: bool,
    /// Write the JSON run report (metrics, baselines, history, config).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Save the trained model (weights, config, scalers) into this folder.
    #[arg(long, value_name = "DIR")]
    pub save_model: Option<PathBuf>,
    /// Print one line per epoch only (no progress bar).
    #[arg(long)]
    pub quiet: bool,
    /// Record the run in this runs directory [default: seqcast-runs beside the data].
    #[arg(long, value_name = "DIR")]
    pub runs_dir: Option<PathBuf>,
    /// Do not record the run in a runs directory.
    #[arg(long, conflicts_with = "runs_dir")]
    pub no_record: bool,
    /// Branch the recorded run ID (in the runs directory) after --from-epoch: train on
    /// from there with the settings given here (lr, clip, weight decay, dropout,
    /// patience, teacher forcing, epochs); the rest is the run's. Needs the run's CSV.
    #[arg(
        long,
        value_name = "ID",
        requires = "from_epoch",
        conflicts_with = "config"
    )]
    pub from_run: Option<String>,
    /// The parent's last shared epoch (see --from-run).
    #[arg(long, value_name = "N", requires = "from_run")]
    pub from_epoch: Option<usize>,

    /// Column(s) to forecast, comma-separated (default: the first numeric column).
    #[arg(
        long,
        value_name = "COL[,COL]",
        value_delimiter = ',',
        help_heading = "Data"
    )]
    pub target: Option<Vec<String>>,
    /// Many series, one model (long format `series,time,value`): the column naming each
    /// row's series; the value column is --target. Without it, a text column whose
    /// values come in blocks is taken as the id and reported; `none` trains on the rows
    /// as one series.
    #[arg(long, value_name = "COL", help_heading = "Many series")]
    pub series_column: Option<String>,
    /// Many series, one model (wide format): these numeric columns are each a series,
    /// comma-separated, or `all`.
    #[arg(
        long,
        value_name = "COL,...|all",
        conflicts_with = "series_column",
        help_heading = "Many series"
    )]
    pub series: Option<String>,
    /// Many series, one model: `rows` = one row per series, the first column its id,
    /// then its values (M4's layout).
    #[arg(
        long,
        value_name = "LAYOUT",
        conflicts_with_all = ["series_column", "series"],
        help_heading = "Many series"
    )]
    pub layout: Option<String>,
    /// Many series: a CSV of static attributes (region, product type, size), one row per
    /// series keyed by its id (the column named like the series column, else the first);
    /// every other column is an attribute fed to the model.
    #[arg(long = "static", value_name = "FILE", help_heading = "Many series")]
    pub static_file: Option<PathBuf>,
    /// Many series (long format): columns constant within each series to feed the model
    /// as static attributes, comma-separated (`none`: no such columns).
    #[arg(long, value_name = "COL,...|none", help_heading = "Many series")]
    pub static_columns: Option<String>,
    /// Extra input columns, comma-separated.
    #[arg(
        long,
        value_name = "COL,...",
        value_delimiter = ',',
        help_heading = "Data"
    )]
    pub covariates: Option<Vec<String>>,
    /// Covariates whose future values are known (a promotion plan, a holiday flag),
    /// comma-separated: the model also reads their values over the forecast horizon;
    /// forecasting past the end needs them in --future.
    #[arg(
        long,
        value_name = "COL,...",
        value_delimiter = ',',
        help_heading = "Data"
    )]
    pub future_covariates: Option<Vec<String>>,
    /// CSV of the known-in-advance covariates after the last row: the time column and
    /// each --future-covariates column, one row per future step.
    #[arg(long, value_name = "FILE", help_heading = "Data")]
    pub future: Option<PathBuf>,
    /// Calendar features from the time column, known for every future step: auto |
    /// none | a list of minute, hour, weekday, yearday, month (sine/cosine pairs; auto
    /// picks by the frequency) [default: none].
    #[arg(long, value_name = "auto|none|LIST", help_heading = "Data")]
    pub calendar: Option<String>,
    /// Time column (default: detected; the row index when there is none).
    #[arg(long, value_name = "COL", help_heading = "Data")]
    pub time_column: Option<String>,
    /// How the time column writes its dates, when detection should not decide:
    /// DD/MM/YYYY, DD.MM.YYYY, DD-MM-YYYY, MM/DD/YYYY, YYYY-MM-DD, YYYY-MM, YYYY/MM/DD,
    /// YYYYMMDD, "Mon YYYY" (Jan 1974), "YYYY Mon" or unix (default: decided from the
    /// whole column).
    #[arg(long, value_name = "PATTERN", help_heading = "Data")]
    pub date_format: Option<String>,
    /// Missing values: refuse | drop | forward_fill | interpolate.
    #[arg(long, value_name = "POLICY", help_heading = "Data")]
    pub missing: Option<String>,
    /// Duplicate timestamps: first | last | mean | refuse.
    #[arg(long, value_name = "POLICY", help_heading = "Data")]
    pub duplicates: Option<String>,
    /// Chronological split by row counts, e.g. 8640,2880,2880.
    #[arg(
        long,
        value_name = "TRAIN,VAL,TEST",
        conflicts_with = "split_fractions",
        help_heading = "Data"
    )]
    pub split_rows: Option<String>,
    /// Chronological split by fractions, e.g. 0.7,0.15,0.15. With no split option, one
    /// series whose default fractions leave the validation or test part shorter than
    /// the horizon holds out the last horizon for test and the one before for
    /// validation (`last=H,H`) when the rows left still hold a training window with a
    /// season of input, else only the last horizon for validation (`--split-rows
    /// N-H,H,0`).
    #[arg(long, value_name = "TRAIN,VAL,TEST", help_heading = "Data")]
    pub split_fractions: Option<String>,
    /// The last rows of each series: `per-series-last=H` holds out the last H rows for
    /// test and the H before them for validation (the M4 protocol); `last=VAL,TEST`
    /// sets the two counts.
    #[arg(
        long,
        value_name = "SPEC",
        conflicts_with_all = ["split_fractions", "split_rows"],
        help_heading = "Data"
    )]
    pub split: Option<String>,
    /// Scaling, fitted on training rows only: none | zscore | minmax | robust.
    #[arg(long, value_name = "KIND", help_heading = "Data")]
    pub scale: Option<String>,
    /// Take the log of the targets first (values must be > 0).
    #[arg(long, help_heading = "Data")]
    pub log: bool,
    /// Model first differences of the targets.
    #[arg(long, help_heading = "Data")]
    pub diff: bool,

    /// Input length in time steps.
    #[arg(long, value_name = "N", help_heading = "Windows")]
    pub lookback: Option<usize>,
    /// Steps forecast at once.
    #[arg(long, value_name = "N", help_heading = "Windows")]
    pub horizon: Option<usize>,
    /// Distance between window origins.
    #[arg(long, value_name = "N", help_heading = "Windows")]
    pub stride: Option<usize>,

    /// Cell: lstm | lstm-peephole (the input and forget gates also read the previous cell
    /// state, the output gate the new one; Gers & Schmidhuber) | gru | rnn.
    #[arg(long, value_name = "CELL", help_heading = "Model")]
    pub cell: Option<String>,
    /// Hidden units per layer.
    #[arg(long, value_name = "N", help_heading = "Model")]
    pub hidden: Option<usize>,
    /// Stacked layers (1-4; up to 8 with --residual true).
    #[arg(long, value_name = "N", help_heading = "Model")]
    pub layers: Option<usize>,
    /// Dropout between layers and before the head (0 ≤ p < 1).
    #[arg(long, value_name = "P", help_heading = "Model")]
    pub dropout: Option<f64>,
    /// How the recurrent weights start: orthogonal (Xavier input weights, an orthogonal
    /// recurrent matrix per gate) | xavier | he | pytorch (uniform ±1/√hidden, biases too).
    #[arg(long, value_name = "INIT", help_heading = "Model")]
    pub init: Option<String>,
    /// The older spelling of --init: true is orthogonal, false pytorch.
    #[arg(
        long,
        value_name = "BOOL",
        help_heading = "Model",
        conflicts_with = "init"
    )]
    pub orthogonal_init: Option<bool>,
    /// How dropout masks are drawn: standard (fresh per element and step, between
    /// layers and before the head) | variational (one mask per window for each stacked
    /// layer's input and each layer's recurrent state, Gal & Ghahramani).
    #[arg(long, value_name = "MODE", help_heading = "Model")]
    pub dropout_mode: Option<String>,
    /// Residual connections between stacked layers: from the second layer up, a layer's
    /// output is its hidden state plus its input; allows up to 8 layers (true | false).
    #[arg(long, value_name = "BOOL", help_heading = "Model")]
    pub residual: Option<bool>,
    /// Truncated backpropagation through time for long windows: K1,K2 backpropagates the
    /// last K2 steps of each window (the state entering them is a constant) and runs the
    /// steps before them forward K1 at a time, so a step's memory grows with K1 + K2, not
    /// the lookback; K1 changes memory only (the loss is at the window's end). `off`:
    /// full BPTT.
    #[arg(long, value_name = "K1,K2", help_heading = "Model")]
    pub tbptt: Option<String>,
    /// A bidirectional encoder: a second stack of the same layers reads each window
    /// newest step first, and the head reads both stacks' last states (doubles the
    /// recurrent parameters; not for seq2seq) (true | false).
    #[arg(long, value_name = "BOOL", help_heading = "Model")]
    pub bidirectional: Option<bool>,
    /// Layer normalisation inside the cells (Ba et al.): each gate block of the input and
    /// of the recurrent projection normalised over its units at every step, times a
    /// learned gain; not for seq2seq (true | false).
    #[arg(long, value_name = "BOOL", help_heading = "Model")]
    pub layer_norm: Option<bool>,
    /// LSTM forget-gate bias at initialisation.
    #[arg(long, value_name = "B", help_heading = "Model")]
    pub forget_bias: Option<f64>,
    /// Per-window normalisation of the forecast columns: none | last (subtract the
    /// window's last value, as NLinear) | mean (its mean, as RevIN).
    #[arg(long, value_name = "KIND", help_heading = "Model")]
    pub window_norm: Option<String>,
    /// Add a linear map from each target's lookback to its forecast (NLinear) to the
    /// network's output, so the network learns the residual (true | false).
    #[arg(long, value_name = "BOOL", help_heading = "Model")]
    pub linear_skip: Option<bool>,
    /// The recurrent layers read only the last N steps of each window; the linear skip
    /// still reads the whole lookback (0 = all steps).
    #[arg(long, value_name = "N", help_heading = "Model")]
    pub recurrent_steps: Option<usize>,
    /// Where the linear skip starts: zero | naive | seasonal_naive | best (of naive,
    /// seasonal naive and drift on the training windows) | fitted (a ridge fit shrunk
    /// toward the best one).
    #[arg(long, value_name = "START", help_heading = "Model")]
    pub skip_init: Option<String>,
    /// How the horizon is forecast: direct (every step at once) | recursive (a one-step
    /// model rolled forward, each forecast fed back as the next input; every covariate
    /// must be known in advance) | seq2seq (an encoder over the lookback, a recurrent
    /// decoder over the horizon started from its state) [default: direct; recursive for
    /// short series].
    #[arg(long, value_name = "STRATEGY", help_heading = "Model")]
    pub strategy: Option<String>,
    /// seq2seq: the decoder's attention over the encoder's states: none | dot | general
    /// (Luong) | additive (Bahdanau) [default: none].
    #[arg(long, value_name = "SCORE", help_heading = "Model")]
    pub attention: Option<String>,

    /// Maximum epochs.
    #[arg(long, value_name = "N", help_heading = "Training")]
    pub epochs: Option<usize>,
    /// Windows per mini-batch.
    #[arg(long, value_name = "N", help_heading = "Training")]
    pub batch: Option<usize>,
    /// Learning rate.
    #[arg(long, value_name = "LR", help_heading = "Training")]
    pub lr: Option<f64>,
    /// Optimiser: adam | adamw | rmsprop | sgd.
    #[arg(long, value_name = "NAME", help_heading = "Training")]
    pub optimizer: Option<String>,
    /// Momentum for SGD and RMSprop.
    #[arg(long, value_name = "M", help_heading = "Training")]
    pub momentum: Option<f64>,
    /// Nesterov momentum for SGD.
    #[arg(long, help_heading = "Training")]
    pub nesterov: bool,
    /// Weight decay (decoupled for AdamW).
    #[arg(long, value_name = "W", help_heading = "Training")]
    pub weight_decay: Option<f64>,
    /// Loss: mse | mae | huber[=DELTA] | quantile[=L1,L2,…] (pinball loss, one forecast per
    /// level; bare `quantile` = 0.025,0.1,0.5,0.9,0.975; the point forecast is the median).
    #[arg(long, value_name = "LOSS", help_heading = "Training")]
    pub loss: Option<String>,
    /// Gradient clipping: none | norm=X (global L2 norm) | value=X.
    #[arg(long, value_name = "CLIP", help_heading = "Training")]
    pub clip: Option<String>,
    /// LR schedule: constant | warmup=EPOCHS | step=EVERY,GAMMA | cosine[=MIN_LR] |
    /// plateau[=FACTOR,PATIENCE] | cyclic=LOW,HIGH,STEP[,triangular|triangular2|exp_range=GAMMA]
    /// (Smith's cyclical lr: between LOW and HIGH, half a cycle every STEP epochs, per batch)
    /// | onecycle=MAX_LR (up from MAX_LR/25 over 30 % of the steps, then down to
    /// MAX_LR/250000; per batch).
    #[arg(long, value_name = "SCHEDULE", help_heading = "Training")]
    pub schedule: Option<String>,
    /// seq2seq: the teacher-forcing ratio at the first epoch, in [0, 1] (the share of
    /// decoder steps that read the true previous value while training) [default: 0, by
    /// evidence: BENCHMARKS "Seq2seq"].
    #[arg(long, value_name = "RATIO", help_heading = "Training")]
    pub teacher_forcing: Option<f64>,
    /// seq2seq: how the teacher-forcing ratio falls over the epochs (scheduled
    /// sampling): constant | linear[=EPOCHS] (to 0 over EPOCHS, default the epoch budget)
    /// | exp=K (times K per epoch, 0<K<1) | sigmoid=K (inverse sigmoid K/(K+e^(epoch/K)),
    /// K>=1) [default: exp=0.5].
    #[arg(long, value_name = "SCHEDULE", help_heading = "Training")]
    pub sampling_schedule: Option<String>,
    /// recursive: also train on each window rolled forward over the horizon on the
    /// model's own forecasts, every step of the roll a target (the fix for exposure bias;
    /// true | false) [default: false].
    #[arg(long, value_name = "BOOL", help_heading = "Training")]
    pub unroll: Option<bool>,
    /// Early stopping patience in epochs (0 = off); the best weights are restored.
    #[arg(long, value_name = "N", help_heading = "Training")]
    pub patience: Option<usize>,
    /// Average the weights over the last steps (exponential decay per step, e.g. 0.99);
    /// validation and the kept model use the average (0 = off).
    #[arg(long, value_name = "DECAY", help_heading = "Training")]
    pub weight_average: Option<f64>,
    /// Checkpoints kept besides the best epoch's, spread over the run (0 = none); a
    /// branch (`--from-run`) continues from the latest one at or before its epoch.
    #[arg(long, value_name = "N", help_heading = "Training")]
    pub checkpoints: Option<usize>,
    /// Epochs between checkpoints at first (0: every epoch); the spacing doubles as the
    /// run outgrows --checkpoints.
    #[arg(long, value_name = "N", help_heading = "Training")]
    pub checkpoint_every: Option<usize>,
    /// Then train a fresh model on the training and validation rows for the best epoch
    /// count and keep it (true | false).
    #[arg(long, value_name = "BOOL", help_heading = "Training")]
    pub refit: Option<bool>,
    /// Seed: the same seed, data and config give the same loss history.
    #[arg(long, value_name = "N", help_heading = "Training")]
    pub seed: Option<u64>,
    /// Detailed gradient statistics (per parameter, gate and time step) every N steps;
    /// 0 turns them off.
    #[arg(long, value_name = "N", help_heading = "Training")]
    pub diag_every: Option<usize>,

    /// Report metrics in: original | normalised.
    #[arg(long, value_name = "SCALE", help_heading = "Evaluation")]
    pub metrics_scale: Option<String>,
    /// Seasonal period for seasonal naive and MASE (default: from the frequency).
    #[arg(long, value_name = "N", help_heading = "Evaluation")]
    pub season: Option<usize>,
    /// What the forecasts use: auto (the best on validation: the model, a baseline or
    /// their combination) | model | ensemble | naive | seasonal_naive | drift | linear.
    #[arg(long, value_name = "WHAT", help_heading = "Evaluation")]
    pub forecast: Option<String>,
    /// Prediction intervals around the forecasts, conformal on the validation windows:
    /// nominal levels in percent, comma-separated (default 80,95), or none.
    #[arg(long, value_name = "LEVELS|none", help_heading = "Evaluation")]
    pub intervals: Option<String>,
    /// Backtest over the test part: forecast from every K-th origin and, with refit=N,
    /// retrain every N origins on the rows before them (e.g. every=24,refit=10); none.
    #[arg(
        long,
        value_name = "every=K[,refit=N]|none",
        help_heading = "Evaluation"
    )]
    pub backtest: Option<String>,
}

impl TrainArgs {
    /// Whether a many-series option is given (`--series-column none` is not one).
    pub fn many_series(&self) -> bool {
        self.series.is_some()
            || self.layout.is_some()
            || self.series_column.as_deref().is_some_and(|c| c != "none")
    }

    /// `--runs-dir`, else `seqcast-runs` beside the data (the user's data folder for the
    /// bundled sample).
    pub fn runs_dir(&self) -> PathBuf {
        self.runs_dir
            .clone()
            .unwrap_or_else(|| seqcast_engine::runs::default_dir(self.csv.as_deref()))
    }
}

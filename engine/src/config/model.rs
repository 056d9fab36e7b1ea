//! The network's settings: the cell, depth and width, dropout, initialisation, the
//! per-window normalisation and the linear skip with where it starts.

use serde::{Deserialize, Serialize};

/// Recurrent cell type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellKind {
    /// Long short-term memory (forget, input, output gates and a cell state).
    #[default]
    Lstm,
    /// Gated recurrent unit (reset and update gates).
    Gru,
    /// Vanilla tanh RNN: fast, forgets; a baseline for short windows.
    Rnn,
}

impl CellKind {
    /// Gate blocks in the fused weight matrices.
    pub fn gates(self) -> usize {
        match self {
            Self::Lstm => 4,
            Self::Gru => 3,
            Self::Rnn => 1,
        }
    }

    /// Gate names in weight-block order (PyTorch's layout).
    pub fn gate_names(self) -> &'static [&'static str] {
        match self {
            Self::Lstm => &["input", "forget", "cell", "output"],
            Self::Gru => &["reset", "update", "new"],
            Self::Rnn => &["hidden"],
        }
    }

    /// Lower-case name as used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Lstm => "lstm",
            Self::Gru => "gru",
            Self::Rnn => "rnn",
        }
    }
}

/// Per-window normalisation of the forecast columns (as NLinear / RevIN do): the model
/// sees each window relative to a level taken from its own inputs and forecasts
/// relative to it; the level is added back to its outputs. Tames trends and level
/// shifts that a scaler fitted on the training rows cannot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowNorm {
    /// Raw (scaled) values in, raw values out.
    None,
    /// Subtract the window's last input value of each forecast column (the default:
    /// see BENCHMARKS.md, "Per-window normalisation").
    #[default]
    Last,
    /// Subtract the mean of the window's inputs of each forecast column.
    Mean,
}

impl WindowNorm {
    /// Lower-case name as used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Last => "last",
            Self::Mean => "mean",
        }
    }
}

/// How dropout masks are drawn (`model.dropout_mode`, `--dropout-mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropoutMode {
    /// A fresh mask for every element of every step, between the stacked layers and
    /// before the head; the recurrent states are not dropped.
    #[default]
    Standard,
    /// Gal & Ghahramani (2016): one mask per window, the same at every time step, for
    /// the input of each stacked layer above the first and for each layer's recurrent
    /// state (the `h` its recurrent weights read); the head's mask as in standard. The
    /// first layer's inputs (the series itself) are never dropped.
    Variational,
}

impl DropoutMode {
    /// True for the default, standard dropout.
    pub fn is_standard(&self) -> bool {
        *self == Self::Standard
    }

    /// Lower-case name as used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Variational => "variational",
        }
    }
}

/// How the recurrent layers' weights start (`model.init`, `--init`). Every choice keeps
/// the LSTM forget-gate bias of `model.forget_bias`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InitKind {
    /// Xavier-uniform input weights and an orthogonal recurrent matrix per gate, zero
    /// biases (Saxe et al.): the recurrent map neither shrinks nor blows up the state at
    /// the start, which keeps gradients alive over long windows.
    #[default]
    Orthogonal,
    /// Xavier/Glorot uniform, bound √(6/(fan_in + fan_out)), for the input and the
    /// recurrent weights of each gate; zero biases.
    Xavier,
    /// He/Kaiming uniform, bound √(6/fan_in), for the input and the recurrent weights of
    /// each gate; zero biases. Made for ReLU layers: larger than Xavier.
    He,
    /// PyTorch's `nn.LSTM` default: every weight and bias uniform in ±1/√hidden.
    Pytorch,
}

impl InitKind {
    /// Lower-case name as used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Orthogonal => "orthogonal",
            Self::Xavier => "xavier",
            Self::He => "he",
            Self::Pytorch => "pytorch",
        }
    }
}

/// Reads `model.init`, or the older `orthogonal_init` flag (true: orthogonal, false:
/// PyTorch's uniform, which is what it meant).
fn init_or_legacy_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<InitKind, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Legacy(bool),
        Name(String),
    }
    let expected = "expected orthogonal, xavier, he or pytorch (or the older \
                    orthogonal_init = true | false)";
    match Either::deserialize(d)
        .map_err(|_| serde::de::Error::custom(format!("model.init: {expected}")))?
    {
        Either::Legacy(true) => Ok(InitKind::Orthogonal),
        Either::Legacy(false) => Ok(InitKind::Pytorch),
        Either::Name(name) => [
            InitKind::Orthogonal,
            InitKind::Xavier,
            InitKind::He,
            InitKind::Pytorch,
        ]
        .into_iter()
        .find(|k| k.name() == name)
        .ok_or_else(|| serde::de::Error::custom(format!("model.init '{name}': {expected}"))),
    }
}

/// The network: stacked recurrent layers, then a linear head for all horizon steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelConfig {
    /// Cell type.
    pub cell: CellKind,
    /// Hidden units per layer.
    pub hidden: usize,
    /// Stacked layers (1–4; up to 8 with `residual`).
    pub layers: usize,
    /// Dropout between stacked layers and before the head (0 ≤ p < 1).
    pub dropout: f64,
    /// How the recurrent layers' weights start. Files written before this setting had
    /// `orthogonal_init = true | false`, read as `orthogonal` and `pytorch`.
    #[serde(alias = "orthogonal_init", deserialize_with = "init_or_legacy_bool")]
    pub init: InitKind,
    /// Initial LSTM forget-gate bias (1 keeps memory open early in training).
    pub forget_bias: f64,
    /// Per-window normalisation of the forecast columns.
    pub window_norm: WindowNorm,
    /// Residual learning on a linear model: a linear map from each forecast column's
    /// lookback values to its horizon (one weight matrix shared by the columns, as
    /// NLinear) is added to the network's output, so the recurrent layers learn what
    /// the linear forecast misses. Starts at zero: the untrained model forecasts the
    /// window's level.
    pub linear_skip: bool,
    /// With the linear skip, the recurrent layers read only the last `recurrent_steps`
    /// steps of each window (0 or more than the lookback: all of them) while the skip
    /// reads the whole lookback: a long linear memory with a short recurrent one, so a
    /// long lookback costs what the short window costs and gives the network fewer old
    /// steps to overfit. Without the skip the layers read every step. Default 48,
    /// chosen by evidence (BENCHMARKS.md, "Accuracy: recurrent steps"); windows of 48
    /// steps or fewer are read whole.
    pub recurrent_steps: usize,
    /// Where the linear skip starts: the forecast of a baseline, so the untrained model
    /// already forecasts as well as that baseline and training learns a correction.
    pub skip_init: SkipInit,
    /// How the horizon is forecast: all steps at once (direct), one step at a time
    /// with each forecast fed back as the next input (recursive), or by a decoder
    /// started from the encoder's state (seq2seq).
    #[serde(skip_serializing_if = "Strategy::is_direct")]
    pub strategy: Strategy,
    /// A seq2seq decoder's attention over the encoder's states (`none` otherwise).
    #[serde(skip_serializing_if = "Attention::is_none")]
    pub attention: Attention,
    /// Peephole connections (Gers & Schmidhuber, 2000; LSTM only): the input and forget
    /// gates also read the previous cell state and the output gate the new one, each
    /// through a per-unit weight that starts at zero (a plain LSTM at the start).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub peephole: bool,
    /// How dropout masks are drawn (`model.dropout` > 0).
    #[serde(skip_serializing_if = "DropoutMode::is_standard")]
    pub dropout_mode: DropoutMode,
    /// Residual connections between stacked layers (Wu et al., 2016): from the second
    /// layer up, each layer's output is its hidden state plus its input, so a deep stack
    /// starts close to a shallow one and gradients reach the bottom layers through the
    /// sums. Allows up to [`max_layers`] layers. Not for seq2seq (yet).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub residual: bool,
    /// Truncated backpropagation through time (Williams & Peng, 1990) for long
    /// recurrent windows; `None`: full BPTT.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tbptt: Option<Tbptt>,
    /// A bidirectional encoder: a second stack of the same layers reads the recurrent
    /// window from its newest step to its oldest, and the head reads both stacks' last
    /// states side by side (valid for forecasting: the whole window is in the past).
    /// Doubles the recurrent parameters and the head's input. Not for seq2seq (yet).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub bidirectional: bool,
    /// Layer normalisation inside the LSTM and GRU cells (Ba et al., 2016): at every
    /// step, each gate block of the input projection and of the recurrent projection is
    /// normalised to zero mean and unit variance over its units, times a learned gain
    /// per unit (starting at one), before the biases. Not for seq2seq (yet).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub layer_norm: bool,
}

/// Truncated backpropagation through time (`model.tbptt`, `--tbptt K1,K2`).
///
/// A window's loss sits at its end (the forecast), so of the classic TBPTT(k1, k2)
/// schedule ("every k1 steps, backpropagate k2 steps") only the last backward pass has
/// a loss to carry: the gradient reaches back `k2` steps from the window's end, and the
/// state entering those steps is treated as a constant. The steps before them run
/// forward `k1` at a time, keeping nothing for the backward pass; so the memory a
/// training step needs grows with `k1 + k2`, not with the lookback. `k1` changes
/// memory, never the gradient; `k2` ≥ the recurrent window is full BPTT.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tbptt {
    /// Steps run forward at a time before the backpropagated ones (memory).
    pub k1: usize,
    /// Steps the gradient reaches back from the window's end.
    pub k2: usize,
}

impl Tbptt {
    /// Of a recurrent window of `steps` steps: how many run forward only (the state
    /// they leave is a constant for the gradient) and how many are backpropagated.
    pub fn split(tbptt: Option<Self>, steps: usize) -> (usize, usize) {
        match tbptt {
            Some(t) if t.k2 < steps => (steps - t.k2, t.k2),
            _ => (0, steps),
        }
    }

    /// `K1,K2` as on the command line.
    pub fn parse(text: &str) -> Option<Self> {
        let (a, b) = text.split_once(',')?;
        Some(Self {
            k1: a.trim().parse().ok()?,
            k2: b.trim().parse().ok()?,
        })
    }
}

/// How a seq2seq decoder attends over the encoder's top-layer states (`--attention`):
/// at each step, a score per encoder step from the decoder's state, softmax weights,
/// and their weighted sum (the context) read by the head beside the decoder's state
/// (Luong et al. 2015's placement).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attention {
    /// No attention: the head reads the decoder's state alone.
    #[default]
    None,
    /// Luong's dot score: `h_dec · h_enc`.
    Dot,
    /// Luong's general score: `h_dec · W h_enc`.
    General,
    /// Bahdanau's additive score: `v · tanh(W₁ h_enc + W₂ h_dec)`.
    Additive,
}

impl Attention {
    /// Lower-case name as used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Dot => "dot",
            Self::General => "general",
            Self::Additive => "additive",
        }
    }

    /// True without attention.
    pub fn is_none(&self) -> bool {
        *self == Self::None
    }
}

/// How a multi-step forecast is made (`model.strategy`, `--strategy`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// One head emits every horizon step at once (multi-output).
    #[default]
    Direct,
    /// A one-step model, trained on one-step targets, rolled forward over the horizon:
    /// each forecast becomes the next step's input (Darts' `RNNModel`). Every covariate
    /// must be known in advance, since the rolled-forward window reads it.
    Recursive,
    /// An encoder over the lookback and a recurrent decoder over the horizon, started
    /// from the encoder's last state: each decoder step reads the previous step's value
    /// (the true one while teacher forcing, else its own forecast) and the covariates
    /// known in advance, and one head reads each step's state.
    Seq2seq,
}

impl Strategy {
    /// Lower-case name as used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Recursive => "recursive",
            Self::Seq2seq => "seq2seq",
        }
    }

    /// True for the default, direct strategy.
    pub fn is_direct(&self) -> bool {
        *self == Self::Direct
    }

    /// Steps the network itself forecasts for a `horizon`-step forecast.
    pub fn model_horizon(self, horizon: usize) -> usize {
        match self {
            Self::Direct | Self::Seq2seq => horizon,
            Self::Recursive => horizon.min(1),
        }
    }
}

/// The linear skip's starting weights (`model.skip_init`): each is a linear map of the
/// window that reproduces a baseline exactly, whatever the window normalisation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipInit {
    /// All zeros: with `window_norm = last` the untrained skip forecasts the last value.
    #[default]
    Zero,
    /// Repeat the last value (naive).
    Naive,
    /// Repeat the value one season back (seasonal naive); needs a lookback of at least
    /// one season, else naive.
    SeasonalNaive,
    /// Of naive, seasonal naive and drift, the one with the lowest error on the
    /// training windows.
    Best,
    /// A ridge fit of the horizon on the window, shrunk toward the `best` start, the
    /// shrinkage chosen on the last quarter of the training windows (`train::skip_fit`).
    Fitted,
}

impl SkipInit {
    /// Lower-case name as used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Zero => "zero",
            Self::Naive => "naive",
            Self::SeasonalNaive => "seasonal_naive",
            Self::Best => "best",
            Self::Fitted => "fitted",
        }
    }
}

/// The most stacked layers allowed: 8 with residual connections, else 4.
pub fn max_layers(residual: bool) -> usize {
    if residual { 8 } else { 4 }
}

impl ModelConfig {
    /// The network in a few words: `LSTM 2×64`, `bidirectional peephole LSTM 3×64,
    /// residual`.
    pub fn title(&self) -> String {
        let mut title = String::new();
        if self.bidirectional {
            title.push_str("bidirectional ");
        }
        if self.peephole {
            title.push_str("peephole ");
        }
        title.push_str(&format!(
            "{} {}×{}",
            self.cell.name().to_uppercase(),
            self.layers,
            self.hidden
        ));
        if self.residual {
            title.push_str(", residual");
        }
        if self.layer_norm {
            title.push_str(", layer norm");
        }
        title
    }

    /// How many of a `lookback`-step window's last steps the recurrent layers read.
    pub fn recurrent_len(&self, lookback: usize) -> usize {
        recurrent_len(lookback, self.recurrent_steps, self.linear_skip)
    }
}

/// The recurrent window: the last `recurrent_steps` of `lookback` steps; all of them when
/// `recurrent_steps` is 0 or larger, or when there is no linear skip to read the others.
pub fn recurrent_len(lookback: usize, recurrent_steps: usize, linear_skip: bool) -> usize {
    if recurrent_steps == 0 || !linear_skip {
        lookback
    } else {
        recurrent_steps.min(lookback)
    }
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            cell: CellKind::Lstm,
            hidden: 64,
            layers: 2,
            dropout: 0.0,
            init: InitKind::Orthogonal,
            forget_bias: 1.0,
            window_norm: WindowNorm::Last,
            linear_skip: true,
            recurrent_steps: 48,
            skip_init: SkipInit::Zero,
            strategy: Strategy::Direct,
            attention: Attention::None,
            residual: false,
            dropout_mode: DropoutMode::Standard,
            peephole: false,
            tbptt: None,
            bidirectional: false,
            layer_norm: false,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn init_reads_its_name_and_the_older_orthogonal_flag() {
        let read = |toml_text: &str| toml::from_str::<ModelConfig>(toml_text).map(|m| m.init);
        assert_eq!(read("init = \"he\"").unwrap(), InitKind::He);
        assert_eq!(read("init = \"xavier\"").unwrap(), InitKind::Xavier);
        assert_eq!(
            read("orthogonal_init = true").unwrap(),
            InitKind::Orthogonal
        );
        assert_eq!(read("orthogonal_init = false").unwrap(), InitKind::Pytorch);
        assert_eq!(read("").unwrap(), InitKind::Orthogonal);
        let err = read("init = \"glorot\"").unwrap_err().to_string();
        assert!(
            err.contains("model.init 'glorot': expected orthogonal"),
            "{err}"
        );
        assert!(read("init = 5").is_err());
        // Written back under its new name.
        let m = ModelConfig {
            init: InitKind::He,
            ..ModelConfig::default()
        };
        let text = toml::to_string(&m).unwrap();
        assert!(text.contains("init = \"he\""), "{text}");
        assert!(!text.contains("orthogonal_init"), "{text}");
    }

    #[test]
    fn the_title_names_the_cell_the_size_and_the_options() {
        assert_eq!(ModelConfig::default().title(), "LSTM 2×64");
        let m = ModelConfig {
            bidirectional: true,
            peephole: true,
            residual: true,
            layer_norm: true,
            layers: 3,
            ..ModelConfig::default()
        };
        assert_eq!(
            m.title(),
            "bidirectional peephole LSTM 3×64, residual, layer norm"
        );
    }
}

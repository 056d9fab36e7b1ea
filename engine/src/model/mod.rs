//! The forecaster: stacked recurrent layers, dropout between them, and a linear head
//! that emits every horizon step of every target at once (direct multi-output).

pub mod attention;
pub mod cell;
pub mod contract;
mod dropout;
pub mod fast;
pub mod init;
pub mod loss;
pub mod path;
pub mod seq2seq;
mod stack;

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor, TensorData};

use crate::config::{ModelConfig, QuantileLevels, Strategy};
use crate::rng::Rng;
pub use cell::{LayerInit, LayerRun, RecurrentLayer};
pub(crate) use dropout::{apply_dropout, dropout_mask};
pub use seq2seq::Teacher;

/// The CPU device seqcast trains on: burn's ndarray backend.
///
/// burn 0.22 marks ndarray as deprecated in favour of its `flex` backend; the product
/// is specified to run on burn-ndarray, so the deprecation is acknowledged here, once.
#[allow(deprecated)]
pub fn cpu_device() -> Device {
    Device::ndarray()
}

/// A tensor's values as a `Vec`, for reading parameters and gradients. `into_data` of a
/// tensor whose buffer is shared (as every `Param`'s is) walks it element by element
/// through ndarray's dynamic-rank iterator, ~10 % of a plain training step; a scalar op
/// first (`· 1.0`, exact) gives a fresh, unshared buffer that `into_data` hands over
/// without copying, and the op itself is one SIMD pass.
pub fn tensor_values<const D: usize>(tensor: Tensor<D>) -> crate::error::Result<Vec<f32>> {
    tensor
        .mul_scalar(1.0)
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|e| crate::error::EngineError::FastPath(format!("reading a tensor: {e:?}")))
}

/// Shapes the network needs besides its config.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ModelShape {
    /// Input features per time step (targets first, then covariates).
    pub features: usize,
    /// Time steps per input window.
    pub lookback: usize,
    /// Forecast steps.
    pub horizon: usize,
    /// Forecast columns.
    pub targets: usize,
    /// The quantile levels of a quantile loss (`LossKind::quantiles`): one forecast
    /// per level, horizon step and target; `None` for a point forecast.
    pub quantiles: Option<QuantileLevels>,
    /// Covariates known in advance (the last of the features), which the head also
    /// reads over the horizon; 0 without them.
    pub known: usize,
}

impl ModelShape {
    /// The shape of every parameter a [`Forecaster`] of `config` has, in the order its
    /// fields are visited (per layer `w_ih`, `w_hh`, `b_ih`, `b_hh`, the encoder's then a
    /// seq2seq decoder's; then `head_w`, `head_b`, `skip_w` with the linear skip,
    /// `known_w` with covariates known in advance and a head that reads them), computed
    /// without building it.
    /// `None` when there would be more than `max_params` of them or a size overflows:
    /// a saved model's manifest is checked against this before anything is allocated.
    pub fn param_shapes(&self, config: &ModelConfig, max_params: usize) -> Option<Vec<Vec<usize>>> {
        let seq2seq = config.strategy == Strategy::Seq2seq;
        let stacks = 1 + usize::from(seq2seq);
        let known_w = self.known > 0 && !seq2seq;
        let attn = if seq2seq {
            attention::param_shapes(config.attention, config.hidden).len()
        } else {
            0
        };
        // A peephole LSTM's layers (encoder only: not for seq2seq) hold a fifth tensor.
        let peep = config.peephole && config.cell == crate::config::CellKind::Lstm;
        // Layer normalisation adds two gain vectors per layer.
        let ln = config.layer_norm && !seq2seq;
        let per_layer = 4 + usize::from(peep) + 2 * usize::from(ln);
        // A bidirectional encoder has a second stack of the same layers.
        let directions = 1 + usize::from(config.bidirectional && !seq2seq);
        let count = config
            .layers
            .checked_mul(per_layer)?
            .checked_mul(directions)?
            .checked_add(config.layers.checked_mul(4 * (stacks - 1))?)?
            .checked_add(2 + usize::from(config.linear_skip) + usize::from(known_w) + attn)?;
        if count > max_params {
            return None;
        }
        let (h, gh) = (
            config.hidden,
            config.cell.gates().checked_mul(config.hidden)?,
        );
        let mut shapes = Vec::with_capacity(count);
        for _ in 0..directions {
            for k in 0..config.layers {
                let d_in = if k == 0 { self.features } else { h };
                shapes.extend([vec![d_in, gh], vec![h, gh], vec![gh], vec![gh]]);
                if peep {
                    shapes.push(vec![3 * h]);
                }
                if ln {
                    shapes.extend([vec![gh], vec![gh]]);
                }
            }
        }
        if seq2seq {
            for k in 0..config.layers {
                let d_in = if k == 0 {
                    self.targets.checked_add(self.known)?
                } else {
                    h
                };
                shapes.extend([vec![d_in, gh], vec![h, gh], vec![gh], vec![gh]]);
            }
        }
        let per_step = self
            .targets
            .checked_mul(self.quantiles.map_or(1, |q| q.len().max(1)))?;
        // The seq2seq head reads one decoder step at a time (and its context).
        let out = if seq2seq {
            per_step
        } else {
            self.horizon.checked_mul(per_step)?
        };
        let attends = seq2seq && !config.attention.is_none();
        let head_in = if attends || directions == 2 {
            h.checked_mul(2)?
        } else {
            h
        };
        shapes.extend([vec![head_in, out], vec![out]]);
        if config.linear_skip {
            shapes.push(vec![self.lookback, self.horizon]);
        }
        if known_w {
            shapes.push(vec![self.known, per_step]);
        }
        if attends {
            shapes.extend(attention::param_shapes(config.attention, h));
        }
        Some(shapes)
    }
}

/// LSTM / GRU / RNN forecaster.
#[derive(Module, Debug)]
pub struct Forecaster {
    /// Recurrent layers, bottom first (a seq2seq model's encoder).
    pub layers: Vec<RecurrentLayer>,
    /// A seq2seq model's decoder layers, bottom first, each started from the encoder
    /// layer's last state; the bottom one reads the previous step's targets and the
    /// covariates known in advance. Empty for the other strategies.
    pub decoder: Vec<RecurrentLayer>,
    /// A bidirectional encoder's second stack (`model.bidirectional`), the same layers
    /// as `layers`, reading the recurrent window from its newest step to its oldest;
    /// empty otherwise.
    pub backward: Vec<RecurrentLayer>,
    /// Head weights `[H, quantiles·horizon·targets]` (seq2seq: `[H, quantiles·targets]`,
    /// read at every decoder step).
    pub head_w: Param<Tensor<2>>,
    /// Head bias `[quantiles·horizon·targets]`.
    pub head_b: Param<Tensor<1>>,
    /// Linear skip `[lookback, horizon]` from each target's inputs to its forecast,
    /// shared by the targets (`model.linear_skip`).
    pub skip_w: Option<Param<Tensor<2>>>,
    /// The covariates known in advance, read by the head: each horizon step's forecast
    /// adds that step's values times `[known, quantiles·targets]` (one matrix shared by
    /// the steps; zeros at the start, so the model starts as one without them).
    pub known_w: Option<Param<Tensor<2>>>,
    /// A seq2seq decoder's attention over the encoder's states (its head then reads
    /// `[h; context]`, `head_w: [2H, quantiles·targets]`).
    pub attn: Option<attention::Attn>,
    /// Dropout probability between layers and before the head.
    #[module(skip)]
    pub dropout: f64,
    /// The recurrent layers read the last this many steps of a window (0: all of
    /// them; `model.recurrent_steps`).
    #[module(skip)]
    pub recurrent_steps: usize,
    /// Residual connections between stacked layers (`model.residual`): from the second
    /// layer up, a layer's output is its hidden state plus its input.
    #[module(skip)]
    pub residual: bool,
    /// Variational dropout (`model.dropout_mode`): one mask per window for each
    /// stacked layer's input above the first and each layer's recurrent state.
    #[module(skip)]
    pub variational: bool,
    /// Truncated backpropagation through time (`model.tbptt`): the gradient reaches
    /// back `k2` steps from the window's end.
    #[module(skip)]
    pub tbptt: Option<crate::config::Tbptt>,
    /// Output layout.
    #[module(skip)]
    pub horizon: usize,
    /// Output layout.
    #[module(skip)]
    pub targets: usize,
    /// Output layout: blocks of `horizon·targets` outputs, one per quantile level (1
    /// for a point forecast). The linear skip adds to every block.
    #[module(skip)]
    pub quantiles: usize,
    /// The quantile levels of the blocks (`None`: one block, a point forecast).
    #[module(skip)]
    pub levels: Option<QuantileLevels>,
}

impl Forecaster {
    /// Builds a freshly initialised network; every weight comes from `rng`.
    pub fn new(config: &ModelConfig, shape: ModelShape, rng: &mut Rng, device: &Device) -> Self {
        let mut stack = |first_in: usize| -> Vec<RecurrentLayer> {
            (0..config.layers)
                .map(|k| {
                    LayerInit {
                        cell: config.cell,
                        d_in: if k == 0 { first_in } else { config.hidden },
                        hidden: config.hidden,
                        init: config.init,
                        forget_bias: config.forget_bias,
                        peephole: config.peephole,
                        // Refused for seq2seq by config validation.
                        layer_norm: config.layer_norm,
                    }
                    .init(rng, device)
                })
                .collect()
        };
        let seq2seq = config.strategy == Strategy::Seq2seq;
        let layers = stack(shape.features);
        let backward = if config.bidirectional && !seq2seq {
            stack(shape.features)
        } else {
            Vec::new()
        };
        let decoder = if seq2seq {
            stack(shape.targets + shape.known)
        } else {
            Vec::new()
        };
        let quantiles = shape.quantiles.map_or(1, |q| q.len().max(1));
        let per_step = shape.targets * quantiles;
        let out = if seq2seq {
            per_step
        } else {
            shape.horizon * per_step
        };
        let attn = if seq2seq {
            attention::Attn::new(config.attention, config.hidden, rng, device)
        } else {
            None
        };
        let head_in = config.hidden
            * if attn.is_some() || !backward.is_empty() {
                2
            } else {
                1
            };
        let bound = 1.0 / (head_in as f64).sqrt();
        let w = init::uniform(rng, head_in, out, bound);
        let b = init::uniform(rng, 1, out, bound);
        Self {
            layers,
            decoder,
            backward,
            head_w: Param::from_data(TensorData::new(w, [head_in, out]), device),
            head_b: Param::from_data(TensorData::new(b, [out]), device),
            skip_w: config.linear_skip.then(|| {
                let zeros = vec![0.0f32; shape.lookback * shape.horizon];
                Param::from_data(
                    TensorData::new(zeros, [shape.lookback, shape.horizon]),
                    device,
                )
            }),
            known_w: (shape.known > 0 && !seq2seq).then(|| {
                let zeros = vec![0.0f32; shape.known * per_step];
                Param::from_data(TensorData::new(zeros, [shape.known, per_step]), device)
            }),
            attn,
            dropout: config.dropout,
            recurrent_steps: config.recurrent_steps,
            residual: config.residual,
            variational: config.dropout_mode == crate::config::DropoutMode::Variational,
            tbptt: config.tbptt,
            horizon: shape.horizon,
            targets: shape.targets,
            quantiles,
            levels: shape.quantiles,
        }
    }

    /// How many of a window's `lookback` steps the recurrent layers read (its last
    /// ones): `model.recurrent_steps`; all of them when that is 0 or larger, or when
    /// there is no linear skip to read the others.
    pub fn recurrent_len(&self, lookback: usize) -> usize {
        crate::config::recurrent_len(lookback, self.recurrent_steps, self.skip_w.is_some())
    }

    /// `x: [B, lookback, features]` (and, for a model with covariates known in advance,
    /// their values over the horizon `[B, horizon, known]`) → `[B,
    /// quantiles·horizon·targets]` (one block per quantile level; within it step-major:
    /// step 0's targets first). Pass `dropout_rng` only while training: it draws the
    /// masks.
    pub fn forward(
        &self,
        x: Tensor<3>,
        future: Option<Tensor<3>>,
        dropout_rng: Option<&mut Rng>,
    ) -> Tensor<2> {
        self.forward_probed(x, future, dropout_rng, &[])
    }

    /// Whether this is a seq2seq model (it has a decoder).
    pub fn is_seq2seq(&self) -> bool {
        !self.decoder.is_empty()
    }

    /// [`forward`](Self::forward) with one gradient probe per layer (`[B, T, H]` zeros that
    /// require a gradient, see [`RecurrentLayer::forward`], `T` the
    /// [`recurrent_len`](Self::recurrent_len)); `probes` may be empty.
    pub fn forward_probed(
        &self,
        x: Tensor<3>,
        future: Option<Tensor<3>>,
        dropout_rng: Option<&mut Rng>,
        probes: &[Tensor<3>],
    ) -> Tensor<2> {
        self.forward_taught(x, future, None, dropout_rng, probes)
    }

    /// [`forward_probed`](Self::forward_probed) with the true values a seq2seq decoder
    /// reads where `teacher` says (`None`: its own forecasts everywhere, as when
    /// forecasting; other strategies ignore it).
    pub fn forward_taught(
        &self,
        x: Tensor<3>,
        future: Option<Tensor<3>>,
        teacher: Option<Teacher<'_>>,
        mut dropout_rng: Option<&mut Rng>,
        probes: &[Tensor<3>],
    ) -> Tensor<2> {
        if self.is_seq2seq() {
            return self.seq2seq_forward(x, future, teacher, dropout_rng, probes);
        }
        let skip = self.skip_w.as_ref().map(|w| self.skip(&x, w.val()));
        let known = match (&self.known_w, future) {
            (Some(w), Some(f)) => Some(self.known_ahead(f, w.val())),
            _ => None,
        };
        let [b, lookback, features] = x.dims();
        let first = lookback - self.recurrent_len(lookback);
        let input = if first > 0 {
            x.slice([0..b, first..lookback, 0..features])
        } else {
            x
        };
        let last = self.run_stack(
            &self.layers,
            input.clone(),
            dropout_rng.as_deref_mut(),
            probes,
        );
        // A bidirectional encoder: the second stack reads the window newest step first,
        // and the head reads both stacks' last states side by side.
        let last = match last {
            Some(h) if !self.backward.is_empty() => {
                let reversed = input.clone().flip([1]);
                self.run_stack(&self.backward, reversed, dropout_rng.as_deref_mut(), &[])
                    .map(|h_back| Tensor::cat(vec![h, h_back], 1))
            }
            other => other,
        };
        // A Forecaster always has at least one layer (config validation: 1..=4).
        let Some(mut h) = last else {
            return Tensor::zeros(
                [
                    input.dims()[0],
                    self.horizon * self.targets * self.quantiles,
                ],
                &input.device(),
            );
        };
        if let Some(rng) = dropout_rng {
            h = apply_dropout(h, self.dropout, rng);
        }
        let out = h.matmul(self.head_w.val()) + self.head_b.val().unsqueeze_dim::<2>(0);
        let out = match skip {
            Some(s) if self.quantiles > 1 => out + Tensor::cat(vec![s; self.quantiles], 1),
            Some(s) => out + s,
            None => out,
        };
        match known {
            Some(k) => out + k,
            None => out,
        }
    }

    /// The head's read-out of the covariates known in advance: `f: [B, horizon, known]`
    /// times `w: [known, quantiles·targets]` per step, laid out like the head's output.
    fn known_ahead(&self, f: Tensor<3>, w: Tensor<2>) -> Tensor<2> {
        let [b, horizon, known] = f.dims();
        let (q, t) = (self.quantiles, self.targets);
        f.reshape([b * horizon, known])
            .matmul(w) // [B·horizon, Q·T]
            .reshape([b, horizon, q, t])
            .swap_dims(1, 2) // [B, Q, horizon, T]
            .reshape([b, q * horizon * t])
    }

    /// The linear skip: `x[:, :, t] · w` for every target `t`, laid out step-major
    /// `[B, horizon·targets]` like the head's output.
    pub(crate) fn skip(&self, x: &Tensor<3>, w: Tensor<2>) -> Tensor<2> {
        let [b, lookback, _] = x.dims();
        let t = self.targets;
        let targets = x.clone().slice([0..b, 0..lookback, 0..t]); // [B, L, T]
        let rows = targets.swap_dims(1, 2).reshape([b * t, lookback]); // [B·T, L]
        rows.matmul(w) // [B·T, horizon]
            .reshape([b, t, self.horizon])
            .swap_dims(1, 2) // [B, horizon, T]
            .reshape([b, self.horizon * t])
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod shape_tests {
    use burn::module::ModuleVisitor;

    use super::*;
    use crate::config::CellKind;

    #[derive(Default)]
    struct Dims(Vec<Vec<usize>>);

    impl ModuleVisitor for Dims {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.push(param.val().dims().to_vec());
        }
    }

    #[test]
    fn param_shapes_are_those_of_a_built_model() {
        let shape = ModelShape {
            features: 3,
            lookback: 7,
            horizon: 4,
            targets: 2,
            quantiles: Some(crate::config::QuantileLevels::new(&[0.1, 0.5, 0.9]).unwrap()),
            known: 0,
        };
        for (cell, known) in [(CellKind::Lstm, 0), (CellKind::Gru, 2), (CellKind::Rnn, 1)] {
            let shape = ModelShape { known, ..shape };
            for layers in 1..=3 {
                for (linear_skip, bidirectional) in [(false, false), (true, false), (true, true)] {
                    let config = ModelConfig {
                        cell,
                        layers,
                        hidden: 5,
                        linear_skip,
                        bidirectional,
                        peephole: bidirectional && cell == CellKind::Lstm,
                        layer_norm: bidirectional,
                        ..ModelConfig::default()
                    };
                    let model = Forecaster::new(&config, shape, &mut Rng::new(1), &cpu_device());
                    let mut dims = Dims::default();
                    model.visit(&mut dims);
                    assert_eq!(shape.param_shapes(&config, 100).unwrap(), dims.0);
                    // Past the cap (or on overflow) nothing is built.
                    assert!(shape.param_shapes(&config, dims.0.len() - 1).is_none());
                }
            }
        }
        // seq2seq: a decoder stack, a per-step head, and the attention's weights.
        for attention in [
            crate::config::Attention::None,
            crate::config::Attention::Dot,
            crate::config::Attention::General,
            crate::config::Attention::Additive,
        ] {
            let config = ModelConfig {
                hidden: 5,
                strategy: Strategy::Seq2seq,
                attention,
                ..ModelConfig::default()
            };
            let shape = ModelShape { known: 2, ..shape };
            let model = Forecaster::new(&config, shape, &mut Rng::new(1), &cpu_device());
            let mut dims = Dims::default();
            model.visit(&mut dims);
            assert_eq!(shape.param_shapes(&config, 100).unwrap(), dims.0);
        }
        let huge = ModelShape {
            horizon: usize::MAX,
            ..shape
        };
        assert!(huge.param_shapes(&ModelConfig::default(), 100).is_none());
    }
}

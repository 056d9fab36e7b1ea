//! Detailed gradient statistics, taken every N optimisation steps: gradient and weight
//! norms per parameter, gradient norms per gate, update-to-weight ratios and the gradient
//! reaching every time step of every layer (dLoss/dh_t, measured with probes).

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use crate::model::Forecaster;

/// One parameter's statistics at a snapshot step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParamStat {
    /// Parameter path, e.g. `layers.0.w_hh` or `head_w`.
    pub name: String,
    /// L2 norm of its gradient before clipping.
    pub grad_norm: f64,
    /// L2 norm of the weights before the update.
    pub weight_norm: f64,
    /// ‖update‖ / ‖weights‖ of this step (healthy training: around 1e-3).
    pub update_ratio: f64,
}

/// One gate's gradient norm (its columns of `w_ih`, `w_hh`, `b_ih` and `b_hh`, and its
/// peephole weights in a peephole LSTM).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GateStat {
    /// 1-based layer.
    pub layer: usize,
    /// Gate name: LSTM input / forget / cell / output, GRU reset / update / new,
    /// RNN hidden.
    pub gate: String,
    /// L2 norm of the gate's gradient before clipping.
    pub grad_norm: f64,
    /// A seq2seq decoder's layer (`layer` counts the decoder's layers).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub decoder: bool,
}

/// Everything measured at one snapshot step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiagSnapshot {
    /// 1-based epoch.
    pub epoch: usize,
    /// 1-based step counted over the whole run.
    pub step: usize,
    /// Global gradient norm before clipping.
    pub grad_norm: f64,
    /// Global gradient norm after clipping.
    pub grad_norm_clipped: f64,
    /// Per parameter, in module order.
    pub params: Vec<ParamStat>,
    /// Per layer and gate, bottom layer first.
    pub gates: Vec<GateStat>,
    /// `time_norms[l][t]`: L2 norm over the batch of dLoss/dh_t of layer `l` (0-based) at
    /// time step `t` (0 = the oldest input). Empty when not measured.
    pub time_norms: Vec<Vec<f64>>,
    /// A seq2seq model: `decoder_time_norms[l][k]`, the same for decoder layer `l` at
    /// horizon step `k` (0 = the first forecast step). Empty otherwise or when not
    /// measured.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decoder_time_norms: Vec<Vec<f64>>,
}

impl DiagSnapshot {
    /// ‖update‖ / ‖weights‖ over all parameters together.
    pub fn global_update_ratio(&self) -> f64 {
        let (mut update, mut weight) = (0.0, 0.0);
        for p in &self.params {
            update += (p.update_ratio * p.weight_norm).powi(2);
            weight += p.weight_norm.powi(2);
        }
        if weight > 0.0 {
            (update / weight).sqrt()
        } else {
            0.0
        }
    }

    /// Gradient reaching the oldest tenth of the window relative to the newest tenth,
    /// in the bottom layer: `(oldest, newest)` mean norms. `None` without time norms.
    pub fn early_late(&self) -> Option<(f64, f64)> {
        let first = self.time_norms.first()?;
        let n = first.len();
        if n == 0 {
            return None;
        }
        let k = (n / 10).max(1);
        let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len().max(1) as f64;
        Some((mean(&first[..k]), mean(&first[n - k..])))
    }
}

impl DiagSnapshot {
    /// How many of the most recent time steps of the bottom layer still receive a
    /// gradient of at least `threshold` (the whole window when all do). `None` without
    /// time norms.
    pub fn reach(&self, threshold: f64) -> Option<usize> {
        let first = self.time_norms.first()?;
        Some(first.iter().rev().take_while(|v| **v >= threshold).count())
    }

    /// Gradient norm of each layer group (`layer 1`, …, `head`): the L2 norm of its
    /// parameters' gradients together.
    pub fn layer_norms(&self) -> Vec<(String, f64)> {
        let mut out: Vec<(String, f64)> = Vec::new();
        for p in &self.params {
            let group = super::grads::layer_group(&p.name);
            match out.iter_mut().find(|(g, _)| *g == group) {
                Some((_, sq)) => *sq += p.grad_norm * p.grad_norm,
                None => out.push((group, p.grad_norm * p.grad_norm)),
            }
        }
        out.into_iter().map(|(g, sq)| (g, sq.sqrt())).collect()
    }
}

/// Every parameter's current values, by path, in module order.
pub fn param_values(model: &Forecaster) -> Vec<(String, Vec<f32>)> {
    let mut visitor = Collect {
        grads: None,
        path: Vec::new(),
        out: Vec::new(),
    };
    model.visit(&mut visitor);
    visitor.out
}

/// Every parameter's gradient, by path, in module order (parameters without one are
/// left out).
pub fn grad_values(model: &Forecaster, grads: &GradientsParams) -> Vec<(String, Vec<f32>)> {
    let mut visitor = Collect {
        grads: Some(grads),
        path: Vec::new(),
        out: Vec::new(),
    };
    model.visit(&mut visitor);
    visitor.out
}

/// The first parameter holding a NaN or infinite weight.
pub fn first_non_finite_weight(model: &Forecaster) -> Option<String> {
    let mut visitor = FiniteCheck {
        path: Vec::new(),
        found: None,
    };
    model.visit(&mut visitor);
    visitor.found
}

fn l2(values: &[f32]) -> f64 {
    values
        .iter()
        .map(|v| f64::from(*v) * f64::from(*v))
        .sum::<f64>()
        .sqrt()
}

/// Per-parameter statistics from gradients and the weights before and after the update.
pub fn param_stats(
    grads: &[(String, Vec<f32>)],
    before: &[(String, Vec<f32>)],
    after: &[(String, Vec<f32>)],
) -> Vec<ParamStat> {
    before
        .iter()
        .map(|(name, w0)| {
            let grad_norm = grads
                .iter()
                .find(|(n, _)| n == name)
                .map_or(0.0, |(_, g)| l2(g));
            let weight_norm = l2(w0);
            let update = after
                .iter()
                .find(|(n, _)| n == name)
                .map_or(0.0, |(_, w1)| {
                    w0.iter()
                        .zip(w1)
                        .map(|(a, b)| (f64::from(*b) - f64::from(*a)).powi(2))
                        .sum::<f64>()
                        .sqrt()
                });
            ParamStat {
                name: name.clone(),
                grad_norm,
                weight_norm,
                update_ratio: if weight_norm > 0.0 {
                    update / weight_norm
                } else {
                    0.0
                },
            }
        })
        .collect()
}

/// Gradient norm of every gate of every layer. The gate blocks are column blocks of
/// width H in `w_ih [d_in, G·H]`, `w_hh [H, G·H]` and the biases `[G·H]`.
pub fn gate_stats(model: &Forecaster, grads: &[(String, Vec<f32>)]) -> Vec<GateStat> {
    let mut out = Vec::new();
    let stacks = [("layers", &model.layers), ("decoder", &model.decoder)];
    for (stack, l, layer) in stacks
        .into_iter()
        .flat_map(|(stack, layers)| layers.iter().enumerate().map(move |(l, x)| (stack, l, x)))
    {
        let (h, names) = (layer.hidden, layer.cell.gate_names());
        let width = h * names.len();
        let mut sq = vec![0.0f64; names.len()];
        // Layer normalisation's gains `[G·H]` are laid out like the biases.
        for suffix in ["w_ih", "w_hh", "b_ih", "b_hh", "ln_ih", "ln_hh"] {
            let path = format!("{stack}.{l}.{suffix}");
            let Some((_, g)) = grads.iter().find(|(n, _)| *n == path) else {
                continue;
            };
            for (i, v) in g.iter().enumerate() {
                let gate = (i % width) / h.max(1);
                if let Some(s) = sq.get_mut(gate) {
                    *s += f64::from(*v) * f64::from(*v);
                }
            }
        }
        // Peephole weights `[3·H]`: the input, forget and output gates' (i, f, o).
        let path = format!("{stack}.{l}.peep");
        if let Some((_, g)) = grads.iter().find(|(n, _)| *n == path) {
            for (i, v) in g.iter().enumerate() {
                let gate = [0, 1, 3].get(i / h.max(1)).copied();
                if let Some(s) = gate.and_then(|k| sq.get_mut(k)) {
                    *s += f64::from(*v) * f64::from(*v);
                }
            }
        }
        out.extend(names.iter().zip(sq).map(|(name, s)| GateStat {
            layer: l + 1,
            gate: (*name).to_string(),
            grad_norm: s.sqrt(),
            decoder: stack == "decoder",
        }));
    }
    out
}

struct Collect<'a> {
    grads: Option<&'a GradientsParams>,
    path: Vec<String>,
    out: Vec<(String, Vec<f32>)>,
}

impl ModuleVisitor for Collect<'_> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let tensor = match self.grads {
            Some(grads) => grads.get::<D>(param.id),
            None => Some(param.val().inner()),
        };
        // The values as the fast path reads its weights; a tensor that cannot be read
        // (not f32, which this backend never gives) is left out of the statistics.
        if let Some(Ok(values)) = tensor.map(crate::model::tensor_values) {
            self.out.push((self.path.join("."), values));
        }
    }
}

struct FiniteCheck {
    path: Vec<String>,
    found: Option<String>,
}

impl ModuleVisitor for FiniteCheck {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if self.found.is_some() {
            return;
        }
        // A sum is NaN or infinite when any element is (or when finite values overflow,
        // which is just as unusable).
        let sum: f32 = param.val().inner().sum().into_scalar();
        if !sum.is_finite() {
            self.found = Some(self.path.join("."));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn param_stats_measure_update_against_weights() {
        let before = vec![("w".to_string(), vec![3.0, 4.0])];
        let after = vec![("w".to_string(), vec![3.0, 4.05])];
        let grads = vec![("w".to_string(), vec![0.0, 2.0])];
        let s = param_stats(&grads, &before, &after);
        assert!((s[0].grad_norm - 2.0).abs() < 1e-12);
        assert!((s[0].weight_norm - 5.0).abs() < 1e-12);
        assert!(
            (s[0].update_ratio - 0.01).abs() < 1e-6,
            "{}",
            s[0].update_ratio
        );
    }

    /// A model of `config` over one input column, lookback 4, horizon 1.
    fn one_input_model(config: &crate::config::ModelConfig) -> Forecaster {
        let shape = crate::model::ModelShape {
            features: 1,
            lookback: 4,
            horizon: 1,
            targets: 1,
            quantiles: None,
            known: 0,
        };
        Forecaster::new(
            config,
            shape,
            &mut crate::rng::Rng::new(1),
            &crate::model::cpu_device(),
        )
    }

    #[test]
    fn peephole_gradients_count_toward_the_input_forget_and_output_gates() {
        let config = crate::config::ModelConfig {
            hidden: 2,
            layers: 1,
            peephole: true,
            ..crate::config::ModelConfig::default()
        };
        let model = one_input_model(&config);
        // Only the peepholes have a gradient: p_i = (3, 4), p_f = (0, 0), p_o = (1, 0).
        let grads = vec![(
            "layers.0.peep".to_string(),
            vec![3.0, 4.0, 0.0, 0.0, 1.0, 0.0],
        )];
        let stats = gate_stats(&model, &grads);
        let norm = |gate: &str| {
            stats
                .iter()
                .find(|g| g.gate == gate)
                .map(|g| g.grad_norm)
                .unwrap_or(f64::NAN)
        };
        assert_eq!(
            [norm("input"), norm("forget"), norm("cell"), norm("output")],
            [5.0, 0.0, 0.0, 1.0]
        );
    }

    #[test]
    fn layer_norm_gains_count_toward_their_gates() {
        let config = crate::config::ModelConfig {
            hidden: 2,
            layers: 1,
            layer_norm: true,
            cell: crate::config::CellKind::Gru,
            ..crate::config::ModelConfig::default()
        };
        let model = one_input_model(&config);
        // GRU gains [r r z z n n]: the input gains' r = (3, 0), the recurrent gains' r =
        // (0, 4) and n = (0, 2).
        let grads = vec![
            (
                "layers.0.ln_ih".to_string(),
                vec![3.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            ),
            (
                "layers.0.ln_hh".to_string(),
                vec![0.0, 4.0, 0.0, 0.0, 0.0, 2.0],
            ),
        ];
        let stats = gate_stats(&model, &grads);
        let norm = |gate: &str| stats.iter().find(|g| g.gate == gate).map(|g| g.grad_norm);
        assert_eq!(
            [norm("reset"), norm("update"), norm("new")],
            [Some(5.0), Some(0.0), Some(2.0)]
        );
    }
}

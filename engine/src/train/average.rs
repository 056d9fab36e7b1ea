//! An exponential moving average of the weights (Polyak averaging, `train.weight_average`).
//!
//! Each optimiser step moves the weights by a noisy amount; the average over the last
//! few hundred steps sits nearer the middle of the region they wander in. Validation,
//! early stopping and the kept model then use the averaged weights, the training steps
//! the raw ones.

use burn::module::{Module, ModuleMapper, Param};
use burn::tensor::{Tensor, TensorData};

use super::stats;
use crate::model::Forecaster;

/// The running average of a model's parameters, in module order.
#[derive(Clone)]
pub struct WeightAverage {
    decay: f64,
    values: Vec<Vec<f32>>,
    updates: usize,
}

impl WeightAverage {
    /// An empty average that forgets at `decay` per step (0.99: about the last 100 steps).
    /// `decay` is in [0, 1) (config validation).
    pub fn new(decay: f64) -> Self {
        Self {
            decay,
            values: Vec::new(),
            updates: 0,
        }
    }

    /// The updates folded in and the running (uncorrected) sums, for a checkpoint.
    pub(super) fn state(&self) -> (usize, &[Vec<f32>]) {
        (self.updates, &self.values)
    }

    /// An average at `decay` continuing from a checkpoint's [`Self::state`].
    pub(super) fn restored(decay: f64, updates: usize, values: Vec<Vec<f32>>) -> Self {
        Self {
            decay,
            values,
            updates,
        }
    }

    /// Folds the model's current weights into the average.
    pub fn update(&mut self, model: &Forecaster) {
        let current = stats::param_values(model);
        if self.values.len() != current.len() {
            self.values = current.iter().map(|(_, v)| vec![0.0; v.len()]).collect();
            self.updates = 0;
        }
        let d = self.decay as f32;
        for (avg, (_, now)) in self.values.iter_mut().zip(current) {
            for (a, x) in avg.iter_mut().zip(now) {
                *a = d * *a + (1.0 - d) * x;
            }
        }
        self.updates += 1;
    }

    /// The average so far, bias-corrected as Adam corrects its moments: the sum starts
    /// at zero, so after `n` updates its weights add up to `1 − decayⁿ`; dividing by
    /// that makes an average of the steps seen, however few.
    fn corrected(&self) -> Vec<Vec<f32>> {
        let total = 1.0
            - self
                .decay
                .powi(i32::try_from(self.updates).unwrap_or(i32::MAX));
        let scale = (1.0 / total.max(f64::MIN_POSITIVE)) as f32;
        self.values
            .iter()
            .map(|v| v.iter().map(|a| a * scale).collect())
            .collect()
    }

    /// `like` (same architecture) with the averaged weights; `like` itself when nothing
    /// has been averaged yet.
    pub fn model(&self, like: &Forecaster) -> Forecaster {
        if self.updates == 0 {
            return like.clone();
        }
        with_values(like, &self.corrected())
    }
}

/// `like` with the weights `values` (per parameter, in module order; a parameter whose
/// size differs keeps its own).
pub(super) fn with_values(like: &Forecaster, values: &[Vec<f32>]) -> Forecaster {
    like.clone().map(&mut Replace {
        values: values.iter(),
    })
}

/// Replaces each float parameter, in module order, by the next averaged vector.
struct Replace<'a> {
    values: std::slice::Iter<'a, Vec<f32>>,
}

impl ModuleMapper for Replace<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let Some(values) = self.values.next() else {
            return param;
        };
        param.map(|tensor| {
            let shape = tensor.shape();
            if shape.num_elements() != values.len() {
                return tensor;
            }
            Tensor::from_data(TensorData::new(values.clone(), shape), &tensor.device())
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::config::ModelConfig;
    use crate::model::ModelShape;
    use crate::rng::Rng;

    fn net(seed: u64) -> Forecaster {
        let shape = ModelShape {
            features: 1,
            lookback: 4,
            horizon: 2,
            targets: 1,
            quantiles: None,
            known: 0,
        };
        let config = ModelConfig {
            hidden: 3,
            layers: 1,
            ..ModelConfig::default()
        };
        Forecaster::new(
            &config,
            shape,
            &mut Rng::new(seed),
            &crate::model::cpu_device(),
        )
    }

    fn values(m: &Forecaster) -> Vec<Vec<f32>> {
        stats::param_values(m).into_iter().map(|(_, v)| v).collect()
    }

    #[test]
    fn the_bias_corrected_average_weighs_recent_steps_by_the_decay() {
        let (a, b) = (net(1), net(2));
        let mut avg = WeightAverage::new(0.9);
        // Before any update the model passes through unchanged.
        assert_eq!(values(&avg.model(&b)), values(&b));
        avg.update(&a);
        // The first update is a itself (up to rounding: 0.1·a / 0.1).
        for (m, x) in values(&avg.model(&b))
            .iter()
            .flatten()
            .zip(values(&a).iter().flatten())
        {
            assert!((m - x).abs() <= 1e-6 * x.abs().max(1e-3), "{m} vs {x}");
        }
        // Second update: (0.9·0.1·a + 0.1·b) / (1 − 0.81) = (0.9·a + b) / 1.9.
        avg.update(&b);
        let mixed = values(&avg.model(&b));
        let (va, vb) = (values(&a), values(&b));
        for ((m, x), y) in mixed
            .iter()
            .flatten()
            .zip(va.iter().flatten())
            .zip(vb.iter().flatten())
        {
            let want = (0.9 * x + y) / 1.9;
            assert!((m - want).abs() < 1e-6, "{m} vs {want}");
        }
        // Many updates later the correction is ~1: one more step of b moves 10 % of the way.
        for _ in 0..200 {
            avg.update(&a);
        }
        avg.update(&b);
        for ((m, x), y) in values(&avg.model(&b))
            .iter()
            .flatten()
            .zip(va.iter().flatten())
            .zip(vb.iter().flatten())
        {
            let want = 0.9 * x + 0.1 * y;
            assert!((m - want).abs() < 1e-5, "{m} vs {want}");
        }
    }
}

//! Builds burn's optimiser from the run config. Clipping is *not* delegated to burn:
//! burn clips each parameter separately, while the playbook (and PyTorch's
//! `clip_grad_norm_`) clip the global norm; see [`super::grads`].

use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, AdamWConfig, ModuleOptimizer, RmsPropConfig, SgdConfig};

use crate::config::{OptimizerKind, TrainConfig};

/// A fresh optimiser for `config`.
pub fn build(config: &TrainConfig) -> ModuleOptimizer {
    let decay =
        (config.weight_decay > 0.0).then(|| WeightDecayConfig::new(config.weight_decay as f32));
    match config.optimizer {
        // PyTorch's Adam epsilon (1e-8) rather than burn's 1e-5, so results compare.
        OptimizerKind::Adam => AdamConfig::new()
            .with_epsilon(1e-8)
            .with_weight_decay(decay)
            .init(),
        OptimizerKind::Adamw => AdamWConfig::new()
            .with_epsilon(1e-8)
            .with_weight_decay(config.weight_decay as f32)
            .init(),
        OptimizerKind::Rmsprop => RmsPropConfig::new()
            .with_momentum(config.momentum as f32)
            .with_epsilon(1e-8)
            .with_weight_decay(decay)
            .init(),
        OptimizerKind::Sgd => {
            let momentum = (config.momentum > 0.0).then(|| {
                MomentumConfig::new()
                    .with_momentum(config.momentum)
                    .with_dampening(0.0)
                    .with_nesterov(config.nesterov)
            });
            SgdConfig::new()
                .with_weight_decay(decay)
                .with_momentum(momentum)
                .init()
        }
    }
}

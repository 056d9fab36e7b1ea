//! Evaluation: forecast metrics and the baselines every model is compared with.

pub mod baselines;
pub mod metrics;

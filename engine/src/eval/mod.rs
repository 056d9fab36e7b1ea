//! Evaluation: forecast metrics and the baselines every model is compared with.

pub mod baselines;
mod linear_ar;
pub mod metrics;
pub mod protocol;

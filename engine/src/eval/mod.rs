//! Evaluation: forecast metrics and the baselines every model is compared with.

pub mod baselines;
pub mod choice;
mod inputs;
pub mod intervals;
mod linear_ar;
pub mod m4;
pub mod metrics;
pub mod protocol;
pub mod quantiles;

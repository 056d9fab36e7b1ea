//! # seqcast-engine
//!
//! Everything in seqcast that is not GUI: CSV loading, time handling, chronological
//! splits, scalers, windows, LSTM/GRU/RNN forecasters, training with events and a
//! cancel token, metrics against baselines, export, model artifacts, and the worker
//! thread that runs it all behind an [`worker::EngineHandle`].
//!
//! Data flow: `data::load` → `data::series` → `data::split` → `data::scale` →
//! `data::window` → `model` → `train` → `eval` → `export` / `artifact`.

pub mod config;
pub mod data;
pub mod error;
pub mod eval;
pub mod rng;

pub use config::RunConfig;
pub use error::{EngineError, Result};

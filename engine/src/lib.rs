//! # seqcast-engine
//!
//! Everything in seqcast that is not GUI: CSV loading, time handling, chronological
//! splits, scalers, windows, LSTM/GRU/RNN forecasters, training with events and a
//! cancel token, metrics against baselines, export, model artifacts, and the worker
//! thread that runs it all behind a [`worker::EngineHandle`].
//!
//! Data flow: `data::table` (CSV → strings, polars) → `data::series` (time, numbers,
//! cleaning) → `pipeline::prepare` (`data::split`, `data::scale`, `data::window`) →
//! `model` → `train` → `pipeline::evaluate` (`eval`) → `export` / `artifact`.

pub mod artifact;
pub mod bounded;
pub mod budget;
pub mod config;
pub mod data;
pub mod diag;
pub mod error;
pub mod eval;
pub mod export;
pub mod model;
pub mod num;
pub mod panel;
pub mod pipeline;
pub mod rng;
pub mod runs;
pub mod text;
pub mod train;
pub mod tune;
pub mod worker;

pub use config::RunConfig;
pub use error::{EngineError, Result};

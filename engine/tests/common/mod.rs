//! Shared helpers for the engine's integration tests.

#![allow(dead_code)]

use std::path::PathBuf;

use seqcast_engine::RunConfig;
use seqcast_engine::config::{CellKind, Split};

/// A bundled sample file.
pub fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../sample-data")
        .join(name)
}

/// A tiny, fast configuration for the daily temperatures series.
pub fn tiny(cell: CellKind, epochs: usize) -> RunConfig {
    let mut c = RunConfig::default();
    c.data.split = Split::Fractions {
        train: 0.6,
        val: 0.2,
        test: 0.2,
    };
    c.window.lookback = 14;
    c.window.horizon = 3;
    c.window.stride = 2;
    c.model.cell = cell;
    c.model.hidden = 8;
    c.model.layers = 1;
    c.train.epochs = epochs;
    c.train.batch = 64;
    c.train.lr = 5e-3;
    c.train.patience = 0;
    c
}

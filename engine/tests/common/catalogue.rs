//! Helpers for the bad-input catalogue (`bad_input.rs`, `bad_input_time.rs`): files
//! built in memory, a configuration that trains in a blink.

use std::fmt::Write as _;

use seqcast_engine::config::Split;
use seqcast_engine::data::series::{LoadReport, Series};
use seqcast_engine::data::table::{CsvTable, read_csv_bytes};
use seqcast_engine::pipeline;
use seqcast_engine::train::Control;
use seqcast_engine::{EngineError, RunConfig};

pub fn table(bytes: &[u8]) -> CsvTable {
    read_csv_bytes(bytes, "t.csv").unwrap()
}

pub fn load_err(bytes: &[u8], name: &str) -> String {
    read_csv_bytes(bytes, name).unwrap_err().to_string()
}

/// A configuration small enough to train in a blink on ~60 rows.
pub fn small() -> RunConfig {
    let mut c = RunConfig::default();
    c.data.split = Split::Fractions {
        train: 0.7,
        val: 0.15,
        test: 0.15,
    };
    c.window.lookback = 6;
    c.window.horizon = 2;
    c.model.hidden = 8;
    c.model.layers = 1;
    c.train.epochs = 2;
    c.train.batch = 16;
    c.train.patience = 0;
    c
}

pub fn series(bytes: &[u8], config: &RunConfig) -> Result<(Series, LoadReport), EngineError> {
    let (s, r, _) = pipeline::load_series(&table(bytes), config)?;
    Ok((s, r))
}

pub fn values(s: &Series) -> Vec<f64> {
    s.columns[0].values.clone()
}

/// `date,value` rows on consecutive days from 2024-01-01, values as given.
pub fn daily(values: &[&str]) -> String {
    let mut out = String::from("date,value\n");
    for (i, v) in values.iter().enumerate() {
        let (m, d) = (1 + i / 28, 1 + i % 28);
        writeln!(out, "2024-{m:02}-{d:02},{v}").unwrap();
    }
    out
}

/// 60 values of a wave around `level` with amplitude `amp`.
pub fn wave(level: f64, amp: f64) -> Vec<String> {
    (0..60)
        .map(|i| format!("{:e}", level + amp * (f64::from(i) / 3.0).sin()))
        .collect()
}

pub fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

pub fn train(bytes: &[u8], config: &RunConfig) -> Result<pipeline::RunOutput, EngineError> {
    pipeline::run(&table(bytes), config, &Control::default(), &mut |_| {})
}

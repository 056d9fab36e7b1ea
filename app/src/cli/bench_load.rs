//! `seqcast bench --load FILE`: how long the engine takes to load a CSV (the same
//! `read_csv` the app's File > Open and `seqcast train --csv` use: encoding and delimiter
//! detection, parsing, column typing, the file's SHA-256). Median of `--repeats` loads.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use seqcast_engine::data::table::read_csv;

/// Loads `path` `repeats` times and prints each time and a `RESULT` line with the median.
pub fn run(path: &Path, repeats: usize) -> Result<()> {
    let repeats = repeats.max(1);
    let bytes = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    let mut times = Vec::new();
    let mut shape = (0, 0);
    for i in 0..repeats {
        let start = Instant::now();
        let table = read_csv(path)?;
        let ms = start.elapsed().as_secs_f64() * 1e3;
        shape = (table.n_rows, table.columns.len());
        println!("load {}: {ms:.1} ms", i + 1);
        times.push(ms);
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "RESULT load file={} bytes={bytes} rows={} columns={} repeats={repeats} median_ms={median:.1}",
        path.display(),
        shape.0,
        shape.1
    );
    Ok(())
}

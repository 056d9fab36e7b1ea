//! A mutation fuzzer on stable Rust for the two parsers that take whatever people give
//! them: the CSV loader and the TOML run configuration.
//!
//! ```sh
//! cargo run --release -p seqcast-engine --example fuzz -- csv --seconds 300
//! cargo run --release -p seqcast-engine --example fuzz -- config --seconds 300
//! ```
//! Options: `--seed N` (default 1), `--crashes DIR` (default `target/fuzz-crashes`).
//!
//! Each input starts from a seed (the bundled samples' first 4 KiB, the bad-input
//! catalogue's shapes, a full config) and is mutated: bytes flipped, inserted, deleted,
//! duplicated, spliced with another input, or tokens that matter to the parsers inserted
//! (delimiters, quotes, BOMs, NUL, missing markers, huge numbers, dates). An input whose
//! outcome (the error's kind and text with digits removed) was not seen before joins the
//! corpus. A panic is a crash: the input is written to the crashes folder and counted.
//! The closing line gives executions, executions per second, crashes and the slowest
//! input. `cargo fuzz` needs nightly and rebuilds polars and burn with coverage
//! instrumentation (a cold hour on 2 cores); this needs neither.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a tool: a broken set-up may panic

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use seqcast_engine::RunConfig;
use seqcast_engine::data::table::read_csv_bytes;
use seqcast_engine::pipeline::{self, Prepared};
use seqcast_engine::tune::SearchSpace;

/// Tokens the parsers care about, inserted whole.
const CSV_TOKENS: &[&[u8]] = &[
    b",",
    b";",
    b"\t",
    b"\"",
    b"\n",
    b"\r\n",
    b"\r",
    b"\xEF\xBB\xBF",
    b"\xFF\xFE",
    b"\0",
    b"NA",
    b"null",
    b"NaN",
    b"inf",
    b"-",
    b"1e308",
    b"-1e309",
    b"1,234.5",
    b"1.234,5",
    b"2024-01-01",
    b"2024-13-45",
    b"01/02/2024",
    b"2024/01/02 03:04",
    b"2024-03-31T02:30:00+02:00",
    b"1700000000",
    b"date",
    b"time",
    b"year",
    b"month",
    b"day",
    b"hour",
    b"\xE9",
    b"\xC3",
    b"99999999999999999999",
    b"0",
    b"-0",
    b"1e-320",
];
const CONFIG_TOKENS: &[&[u8]] = &[
    b"\n",
    b"=",
    b"[",
    b"]",
    b"\"",
    b"0",
    b"-1",
    b"1e308",
    b"nan",
    b"inf",
    b"18446744073709551615",
    b"true",
    b"[data]",
    b"[window]",
    b"[model]",
    b"[train]",
    b"[eval]",
    b"lookback = ",
    b"horizon = ",
    b"stride = ",
    b"hidden = ",
    b"layers = ",
    b"batch = ",
    b"epochs = ",
    b"lr = ",
    b"dropout = ",
    b"by = \"rows\"",
    b"by = \"fractions\"",
    b"train = ",
    b"{",
    b"}",
];

/// Inputs kept for mutation at most (newer interesting ones replace random old ones).
const MAX_CORPUS: usize = 4096;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // SplitMix64.
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn mutate(rng: &mut Rng, input: &[u8], corpus: &[Vec<u8>], tokens: &[&[u8]]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = out.len();
        let at = rng.below(len + 1);
        match rng.below(7) {
            0 if len > 0 => {
                let i = rng.below(len);
                out[i] ^= 1 << rng.below(8);
            }
            1 => out.insert(at, rng.next() as u8),
            2 if len > 0 => {
                let end = (at + 1 + rng.below(16)).min(len);
                out.drain(at.min(end)..end);
            }
            3 if len > 0 => {
                let start = rng.below(len);
                let end = (start + 1 + rng.below(64)).min(len);
                let chunk = out[start..end].to_vec();
                out.splice(at..at, chunk);
            }
            4 => {
                let other = &corpus[rng.below(corpus.len())];
                let start = rng.below(other.len());
                let end = (start + rng.below(128)).min(other.len());
                out.splice(at..at, other[start..end].iter().copied());
            }
            5 => out.truncate(at),
            _ => {
                let token = tokens[rng.below(tokens.len())];
                out.splice(at..at, token.iter().copied());
            }
        }
    }
    out.truncate(1 << 16);
    out
}

/// Loads, then builds the series with automatic roles and each numeric column as the
/// target, then prepares windows: everything the GUI does on opening a file.
fn run_csv(bytes: &[u8]) -> String {
    let table = match read_csv_bytes(bytes, "fuzz.csv") {
        Ok(t) => t,
        Err(e) => return outcome("load", &e.to_string()),
    };
    let kinds: String = table
        .columns
        .iter()
        .take(8)
        .map(|c| c.kind.name().chars().next().unwrap_or('?'))
        .collect();
    let mut last = format!("loaded {} {:?} {kinds}", table.encoding, table.delimiter);
    let numeric: Vec<String> = table
        .numeric_columns()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut configs = vec![RunConfig::default()];
    for name in numeric.iter().take(3) {
        let mut c = RunConfig::default();
        c.data.targets = vec![name.clone()];
        c.window.lookback = 3;
        c.window.horizon = 1;
        configs.push(c);
    }
    for config in configs {
        match pipeline::load_series(&table, &config)
            .and_then(|(s, _, c)| Prepared::fit(Arc::new(s), &c))
        {
            Ok(p) => last = format!("prepared {} {kinds}", p.train.len().min(1)),
            Err(e) => last = outcome("prepare", &e.to_string()),
        }
    }
    last
}

/// Parses and validates a run configuration (and a search space), then prepares a
/// fixed 200-row series with it: splits and windows from the parsed numbers.
fn run_config(bytes: &[u8], table: &seqcast_engine::data::table::CsvTable) -> String {
    let text = String::from_utf8_lossy(bytes);
    let _ = SearchSpace::from_toml(&text);
    let config = match RunConfig::from_toml(&text) {
        Ok(c) => c,
        Err(e) => return outcome("config", &e.to_string()),
    };
    let _ = config.to_toml();
    match pipeline::load_series(table, &config).and_then(|(s, _, c)| Prepared::fit(Arc::new(s), &c))
    {
        Ok(_) => "prepared".into(),
        Err(e) => outcome("prepare", &e.to_string()),
    }
}

/// The kind of outcome: the first words of the message made only of letters, so that
/// "row 3" and "row 4", or "'abc'" and "'abd'", count once.
fn outcome(stage: &str, message: &str) -> String {
    let words: Vec<&str> = message
        .split_whitespace()
        .filter(|w| w.chars().all(|c| c.is_ascii_alphabetic()))
        .take(8)
        .collect();
    format!("{stage}: {}", words.join(" "))
}

fn csv_seeds() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sample-data");
    let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .map(|d| d.flatten().map(|e| e.path()).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .filter_map(|p| std::fs::read(p).ok())
        .map(|mut b| {
            b.truncate(4096);
            b
        })
        .collect();
    for text in [
        "date,value\n2024-01-01,1\n2024-01-02,NA\n2024-01-02,3\n2024-01-05,4\n2024-01-04,5\n",
        "date;value\n2024-01-01;1.234,5\n2024-01-02;2,5\n2024-01-03;3\n",
        "t,note,v\n2024-03-31 01:00,\"a, b\nc\",1\n2024-03-31 03:00,\"x\"\"y\",2\n",
        "\u{feff}year,month,day,hour,v\n2020,1,1,0,1\n2020,1,1,1,2\n2020,1,1,2,3\n",
        "x\ty\n1\t2\n3\t4\n5\t6\n7\t8\n9\t10\n",
        "value\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n",
        "timestamp,v\n1700000000,1\n1700003600,2\n1700007200,3\n",
    ] {
        seeds.push(text.as_bytes().to_vec());
    }
    seeds
}

fn config_seeds() -> Vec<Vec<u8>> {
    let full = RunConfig::default().to_toml().unwrap_or_default();
    vec![
        full.into_bytes(),
        b"[model]\ncell = \"gru\"\n[data.split]\nby = \"rows\"\ntrain = 100\nval = 50\ntest = 50\n"
            .to_vec(),
        b"[window]\nlookback = 12\nhorizon = 3\nstride = 2\n[train]\nlr = 0.01\nclip = { norm = 1.0 }\n"
            .to_vec(),
        b"lr = [1e-4, 1e-2]\nhidden = [32, 64]\ncell = [\"lstm\", \"gru\"]\n".to_vec(),
    ]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let target = args.first().cloned().unwrap_or_default();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let seconds: u64 = flag("--seconds").and_then(|s| s.parse().ok()).unwrap_or(60);
    let seed: u64 = flag("--seed").and_then(|s| s.parse().ok()).unwrap_or(1);
    let crashes = PathBuf::from(flag("--crashes").unwrap_or_else(|| "target/fuzz-crashes".into()));
    let (mut corpus, tokens) = match target.as_str() {
        "csv" => (csv_seeds(), CSV_TOKENS),
        "config" => (config_seeds(), CONFIG_TOKENS),
        _ => {
            eprintln!("usage: fuzz csv|config [--seconds N] [--seed N] [--crashes DIR]");
            std::process::exit(2);
        }
    };
    let series_text: String = std::iter::once("date,value\n".to_string())
        .chain((0..200).map(|i| format!("{},{}\n", 1_700_000_000 + i * 3600, (i % 24) as f64)))
        .collect::<String>()
        .replacen("date", "timestamp", 1);
    let fixed =
        read_csv_bytes(series_text.as_bytes(), "fixed.csv").expect("the fixed series loads");

    // Panics are caught and counted; keep their messages off the terminal.
    let last_panic = Arc::new(std::sync::Mutex::new(String::new()));
    let slot = last_panic.clone();
    std::panic::set_hook(Box::new(move |info| {
        if let Ok(mut s) = slot.lock() {
            *s = format!("{info}");
        }
    }));

    let mut rng = Rng(seed);
    let mut seen: HashSet<String> = HashSet::new();
    let (mut executions, mut crash_count) = (0u64, 0u64);
    let mut crash_messages: HashSet<String> = HashSet::new();
    let mut slowest = (Duration::ZERO, Vec::new());
    let started = Instant::now();
    let deadline = Duration::from_secs(seconds);
    while started.elapsed() < deadline {
        let parent = corpus[rng.below(corpus.len())].clone();
        let input = mutate(&mut rng, &parent, &corpus, tokens);
        let t0 = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| match target.as_str() {
            "csv" => run_csv(&input),
            _ => run_config(&input, &fixed),
        }));
        let took = t0.elapsed();
        executions += 1;
        if took > slowest.0 {
            slowest = (took, input.clone());
        }
        match result {
            Ok(signature) => {
                if seen.insert(signature) {
                    if corpus.len() < MAX_CORPUS {
                        corpus.push(input);
                    } else {
                        let i = rng.below(corpus.len());
                        corpus[i] = input;
                    }
                }
            }
            Err(_) => {
                crash_count += 1;
                let message = last_panic.lock().map(|s| s.clone()).unwrap_or_default();
                if crash_messages.insert(message.clone()) {
                    std::fs::create_dir_all(&crashes).ok();
                    let path = crashes.join(format!("{target}-{crash_count}.bin"));
                    std::fs::write(&path, &input).ok();
                    println!("CRASH {}: {message}", path.display());
                }
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    std::fs::create_dir_all(&crashes).ok();
    std::fs::write(crashes.join(format!("{target}-slowest.bin")), &slowest.1).ok();
    println!(
        "RESULT fuzz target={target} seconds={secs:.0} executions={executions} \
         exec_per_sec={:.0} crashes={crash_count} unique_crashes={} corpus={} outcomes={} \
         slowest_ms={:.1}",
        executions as f64 / secs,
        crash_messages.len(),
        corpus.len(),
        seen.len(),
        slowest.0.as_secs_f64() * 1e3
    );
}

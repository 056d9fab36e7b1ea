//! A mutation fuzzer on stable Rust for everything seqcast reads that people give it:
//! CSV files, TOML run configurations and search spaces, saved model folders and run
//! folders.
//!
//! ```sh
//! cargo run --release --example fuzz -- csv --executions 1000000
//! cargo run --release --example fuzz -- config --executions 1000000
//! cargo run --release --example fuzz -- model --executions 1000000
//! cargo run --release --example fuzz -- runs --executions 1000000
//! cargo run --release --example fuzz -- future --executions 1000000
//! cargo run --release --example fuzz -- checkpoint --executions 100000
//! ```
//! Options: `--seconds N` (a time budget instead, default 60), `--seed N` (default 1),
//! `--crashes DIR` (default `target/fuzz-crashes`).
//!
//! `model` and `runs` start from real files: a tiny model is trained on a fixed series
//! and saved (`model.json`, the mutated input, beside its real `weights.bin`; loaded,
//! then used to forecast), and recorded in a run store (`run.json` and `summary.json`,
//! the mutated input, in a real run folder; listed, then its summary, row and model
//! read). `future` mutates a file of future values for a fixed hourly series with a
//! covariate known in advance and calendar features: read, matched to the steps after
//! the end, scaled and checked to cover the horizon. An input slower than 2 s is a
//! hang, counted and kept like a crash.
//!
//! Each input starts from a seed (the bundled samples' first 4 KiB, the bad-input
//! catalogue's shapes, a full config, a search space, the saved files) and is mutated
//! (`mutate.rs`): bytes flipped, inserted, deleted, duplicated, spliced with another
//! input, or tokens that matter to the parsers inserted (delimiters, quotes, BOMs, NUL,
//! missing markers, huge numbers, dates); for TOML and JSON, half the inputs are mutated
//! by structure instead (one value replaced by an interesting one of any type, a key
//! removed or added, written back), so that they get past the syntax. An input whose
//! outcome (the error's kind and text with digits removed) was not seen before joins the
//! corpus. A panic is a crash: the input is written to the crashes folder and counted.
//! The closing line gives executions, executions per second, crashes, hangs, the
//! slowest input and how far inputs got (executions per outcome stage). `cargo fuzz` needs nightly and rebuilds polars and burn with coverage
//! instrumentation (a cold hour on 2 cores); this needs neither.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a tool: a broken set-up may panic

mod checkpoint;
mod mutate;

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use seqcast_engine::RunConfig;
use seqcast_engine::artifact;
use seqcast_engine::data::table::{CsvTable, read_csv_bytes};
use seqcast_engine::pipeline::{self, Prepared};
use seqcast_engine::runs::{RunOrigin, RunStore};
use seqcast_engine::train::Control;
use seqcast_engine::tune::SearchSpace;

use mutate::{CONFIG_TOKENS, CSV_TOKENS, JSON_TOKENS, Rng, json_mutation, mutate, toml_mutation};

/// Between `run.json` and `summary.json` in a `runs` input.
const SPLIT: &[u8] = b"\n\0--summary--\0\n";

/// Slower than this, an input is a hang.
const HANG: Duration = Duration::from_secs(2);

/// Inputs kept for mutation at most (newer interesting ones replace random old ones).
const MAX_CORPUS: usize = 4096;

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

/// A file of future values (the mutated input) for `fixed` (hourly, with the covariate
/// `promo` known in advance and calendar features): read, attached to the series,
/// prepared and checked to cover the horizon, as a run does before training.
fn run_future(bytes: &[u8], fixed: &CsvTable) -> String {
    let future = match read_csv_bytes(bytes, "future.csv") {
        Ok(t) => t,
        Err(e) => return outcome("load", &e.to_string()),
    };
    let mut config = RunConfig::default();
    config.data.targets = vec!["value".into()];
    config.data.future_covariates = vec!["promo".into()];
    config.data.calendar = seqcast_engine::config::CalendarSpec::Auto;
    config.window.lookback = 24;
    config.window.horizon = 6;
    let (mut series, _, config) = match pipeline::load_series(fixed, &config) {
        Ok(s) => s,
        Err(e) => return outcome("series", &e.to_string()),
    };
    if let Err(e) = series.attach_future(&future, &config.data) {
        return outcome("attach", &e.to_string());
    }
    match Prepared::fit(Arc::new(series), &config).and_then(|p| p.check_future().map(|()| p)) {
        Ok(p) => format!("covered {}", p.known_ahead.len()),
        Err(e) => outcome("prepare", &e.to_string()),
    }
}

/// The fixed series the `future` target attaches files to: 200 hours with a promotion
/// flag.
fn promo_series() -> CsvTable {
    let text: String = std::iter::once("timestamp,value,promo\n".to_string())
        .chain((0..200).map(|i| {
            let promo = u8::from(i % 7 == 3);
            format!("{},{},{promo}\n", 1_700_000_000 + i * 3600, (i % 24) as f64)
        }))
        .collect();
    read_csv_bytes(text.as_bytes(), "promo.csv").expect("the promotion series loads")
}

/// Files of future values: the next six hours, as the series writes them and otherwise.
fn future_seeds() -> Vec<Vec<u8>> {
    let next = |k: i64| 1_700_000_000 + (199 + k) * 3600;
    let rows = |n: i64| -> String {
        (1..=n)
            .map(|k| format!("{},{}\n", next(k), k % 2))
            .collect()
    };
    vec![
        format!("timestamp,promo\n{}", rows(6)).into_bytes(),
        format!("timestamp,promo\n{}", rows(3)).into_bytes(),
        format!("promo,timestamp\n1,{}\n0,{}\n", next(1), next(2)).into_bytes(),
        format!("timestamp,promo,extra\n{}", rows(8).replace('\n', ",x\n")).into_bytes(),
        b"timestamp,promo\n1700000000,1\n".to_vec(),
    ]
}

/// Parses and validates a run configuration (and a search space), then prepares a
/// fixed 200-row series with it: splits and windows from the parsed numbers.
fn run_config(bytes: &[u8], table: &seqcast_engine::data::table::CsvTable) -> String {
    let text = String::from_utf8_lossy(bytes);
    let space = search_space(&text);
    let parsed = RunConfig::from_toml(&text);
    let mut config = match (parsed, &space) {
        (Ok(c), _) => c,
        // A search space is not a run configuration: its point goes on the defaults.
        (Err(_), Some(_)) => RunConfig::default(),
        (Err(e), None) => return outcome("config", &e.to_string()),
    };
    let _ = config.to_toml();
    if let Some(point) = space {
        for knob in point {
            knob.apply(&mut config);
        }
        if let Err(e) = config.validate() {
            return outcome("trial", &e.to_string());
        }
    }
    match pipeline::load_series(table, &config).and_then(|(s, _, c)| Prepared::fit(Arc::new(s), &c))
    {
        Ok(_) => "prepared".into(),
        Err(e) => outcome("prepare", &e.to_string()),
    }
}

/// Parses and validates a search space, draws random points and walks its grid under
/// a budget of three trials, as `seqcast tune` does; the last grid point, if any.
fn search_space(text: &str) -> Option<Vec<seqcast_engine::tune::Knob>> {
    let space = SearchSpace::from_toml(text).ok()?;
    space.validate().ok()?;
    let mut rng = seqcast_engine::rng::Rng::new(1);
    for _ in 0..3 {
        let _ = space.sample(&mut rng);
    }
    space
        .grid(&mut rng)
        .ok()?
        .take(3)
        .last()
        .filter(|point| !point.is_empty())
}

/// A structure-aware mutation of `input` for `target` (TOML for `config`, JSON for
/// `model`, JSON in one of the two files of `runs`); `None` when it does not parse.
fn structured(target: &str, rng: &mut Rng, input: &[u8]) -> Option<Vec<u8>> {
    match target {
        "config" => std::str::from_utf8(input)
            .ok()
            .and_then(|t| toml_mutation(rng, t))
            .map(String::into_bytes),
        "model" => json_mutation(rng, input),
        "runs" => {
            let at = input.windows(SPLIT.len()).position(|w| w == SPLIT);
            let (run, summary) = match at {
                Some(at) => (&input[..at], &input[at + SPLIT.len()..]),
                None => (input, &[][..]),
            };
            if rng.below(2) == 0 {
                json_mutation(rng, run).map(|r| [&r[..], SPLIT, summary].concat())
            } else {
                json_mutation(rng, summary).map(|m| [run, SPLIT, &m[..]].concat())
            }
        }
        "checkpoint" => checkpoint::mutate_header(rng, input),
        _ => None,
    }
}

/// Saved files the `model` and `runs` targets write their inputs beside.
struct Saved {
    /// A model folder whose `model.json` each input replaces.
    model: PathBuf,
    /// A run store with one run whose `run.json` and `summary.json` each input replaces.
    store: RunStore,
    /// That run's folder.
    run: PathBuf,
    /// The series the model forecasts.
    table: CsvTable,
}

impl Saved {
    /// Trains a tiny model on `table`, saves it and records it, in `dir`.
    fn make(dir: &Path, table: CsvTable) -> Self {
        let mut config = RunConfig::default();
        config.window.lookback = 12;
        config.window.horizon = 3;
        config.model.hidden = 4;
        config.model.layers = 1;
        config.train.epochs = 1;
        let out = pipeline::run(&table, &config, &Control::default(), &mut |_| {})
            .expect("the fixed series trains");
        let model = dir.join("model");
        artifact::save(&model, &out.model, Some("fixed.csv")).expect("the model saves");
        let store = RunStore::open(dir.join("runs")).expect("the run store opens");
        let meta = store
            .save(&out.summary, (&out.model, &out.checkpoints), RunOrigin::Cli)
            .expect("the run is recorded");
        let run = store.dir().join(&meta.id);
        Self {
            model,
            store,
            run,
            table,
        }
    }

    fn model_seed(&self) -> Vec<u8> {
        std::fs::read(self.model.join("model.json")).expect("model.json")
    }

    fn runs_seed(&self) -> Vec<u8> {
        let mut seed = std::fs::read(self.run.join("run.json")).expect("run.json");
        seed.extend_from_slice(SPLIT);
        seed.extend(std::fs::read(self.run.join("summary.json")).expect("summary.json"));
        seed
    }
}

/// Loads a model folder whose `model.json` is `bytes` (its `weights.bin` the real one),
/// then forecasts the fixed series with it.
fn run_model(bytes: &[u8], saved: &Saved) -> String {
    std::fs::write(saved.model.join("model.json"), bytes).expect("write model.json");
    let model = match artifact::load(&saved.model) {
        Ok(m) => m,
        Err(e) => return outcome("load", &e.to_string()),
    };
    match pipeline::predict::predict(&model, &saved.table) {
        Ok(p) => format!("predicted {}", p.future.values.len()),
        Err(e) => outcome("predict", &e.to_string()),
    }
}

/// A run folder whose `run.json` and `summary.json` are `bytes` (split at [`SPLIT`]; no
/// split: all of it is `run.json`, the summary is empty): lists the store, then reads
/// each listed run's summary, its table row and its configuration differences.
fn run_runs(bytes: &[u8], saved: &Saved) -> String {
    let (meta, summary) = match bytes.windows(SPLIT.len()).position(|w| w == SPLIT) {
        Some(at) => (&bytes[..at], &bytes[at + SPLIT.len()..]),
        None => (bytes, &[][..]),
    };
    std::fs::write(saved.run.join("run.json"), meta).expect("write run.json");
    std::fs::write(saved.run.join("summary.json"), summary).expect("write summary.json");
    let (runs, skipped) = match saved.store.list() {
        Ok(listed) => listed,
        Err(e) => return outcome("list", &e.to_string()),
    };
    if let Some(s) = skipped.first() {
        return outcome("skipped", &s.why);
    }
    let mut last = format!("listed {}", runs.len());
    for meta in &runs {
        let _ = meta.row.label();
        let _ = seqcast_engine::runs::diff::config_diff(&[&meta.config, &RunConfig::default()]);
        match saved.store.summary(&meta.id) {
            Ok(summary) => {
                let row = seqcast_engine::runs::RunRow::of(&summary);
                last = format!("summary {}", row.label().len().min(1));
            }
            Err(e) => last = outcome("summary", &e.to_string()),
        }
    }
    last
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
    let max_executions: Option<u64> = flag("--executions").and_then(|s| s.parse().ok());
    let seed: u64 = flag("--seed").and_then(|s| s.parse().ok()).unwrap_or(1);
    let crashes = PathBuf::from(flag("--crashes").unwrap_or_else(|| "target/fuzz-crashes".into()));
    let series_text: String = std::iter::once("date,value\n".to_string())
        .chain((0..200).map(|i| format!("{},{}\n", 1_700_000_000 + i * 3600, (i % 24) as f64)))
        .collect::<String>()
        .replacen("date", "timestamp", 1);
    let fixed =
        read_csv_bytes(series_text.as_bytes(), "fixed.csv").expect("the fixed series loads");
    let work = std::env::temp_dir().join(format!("seqcast-fuzz-{}", std::process::id()));
    let saved =
        matches!(target.as_str(), "model" | "runs").then(|| Saved::make(&work, fixed.clone()));
    let promo = (target == "future").then(promo_series);
    let run: Option<checkpoint::Parent> =
        (target == "checkpoint").then(|| checkpoint::Parent::make(&fixed));
    let (mut corpus, tokens): (Vec<Vec<u8>>, _) = match (target.as_str(), &saved) {
        ("csv", _) => (csv_seeds(), CSV_TOKENS),
        ("future", _) => (future_seeds(), CSV_TOKENS),
        ("config", _) => (config_seeds(), CONFIG_TOKENS),
        ("model", Some(saved)) => (vec![saved.model_seed()], JSON_TOKENS),
        ("runs", Some(saved)) => (vec![saved.runs_seed()], JSON_TOKENS),
        ("checkpoint", _) => (run.iter().map(|p| p.seed.clone()).collect(), JSON_TOKENS),
        _ => {
            eprintln!(
                "usage: fuzz csv|config|model|runs|future|checkpoint [--executions N | --seconds N] [--seed N] \
                 [--crashes DIR]"
            );
            std::process::exit(2);
        }
    };

    let seeds = corpus.clone();

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
    // How far inputs got: executions per outcome stage (the signature's first word).
    let mut stages: std::collections::BTreeMap<String, u64> = Default::default();
    let (mut executions, mut crash_count) = (0u64, 0u64);
    let mut crash_messages: HashSet<String> = HashSet::new();
    let mut slowest = (Duration::ZERO, Vec::new());
    let started = Instant::now();
    let deadline = Duration::from_secs(seconds);
    let (mut hangs, mut hang_kept) = (0u64, false);
    let more = |executions: u64| match max_executions {
        Some(n) => executions < n,
        None => started.elapsed() < deadline,
    };
    while more(executions) {
        let parent = corpus[rng.below(corpus.len())].clone();
        // Half the time, structure-aware: on the parent where it parses (TOML or JSON),
        // else on a seed, so that the corpus's broken inputs do not starve it.
        let structured = (target != "csv" && target != "future" && rng.below(2) == 0)
            .then(|| {
                structured(&target, &mut rng, &parent).or_else(|| {
                    let seed = &seeds[rng.below(seeds.len())];
                    structured(&target, &mut rng, seed)
                })
            })
            .flatten();
        let input = structured.unwrap_or_else(|| mutate(&mut rng, &parent, &corpus, tokens));
        let t0 = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| match (target.as_str(), &saved) {
            ("csv", _) => run_csv(&input),
            ("model", Some(saved)) => run_model(&input, saved),
            ("runs", Some(saved)) => run_runs(&input, saved),
            _ if target == "future" => promo
                .as_ref()
                .map_or_else(String::new, |p| run_future(&input, p)),
            _ if target == "checkpoint" => run.as_ref().map_or_else(String::new, |p| {
                checkpoint::run_checkpoint(&input, p, &fixed)
            }),
            _ => run_config(&input, &fixed),
        }));
        let took = t0.elapsed();
        executions += 1;
        if took > HANG {
            hangs += 1;
            if !hang_kept {
                hang_kept = true;
                std::fs::create_dir_all(&crashes).ok();
                let path = crashes.join(format!("{target}-hang.bin"));
                std::fs::write(&path, &input).ok();
                println!("HANG {} ({:.1} s)", path.display(), took.as_secs_f64());
            }
        }
        if took > slowest.0 {
            slowest = (took, input.clone());
        }
        match result {
            Ok(signature) => {
                let stage = signature
                    .split([':', ' '])
                    .next()
                    .unwrap_or_default()
                    .to_string();
                *stages.entry(stage).or_default() += 1;
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
    std::fs::remove_dir_all(&work).ok();
    std::fs::create_dir_all(&crashes).ok();
    std::fs::write(crashes.join(format!("{target}-slowest.bin")), &slowest.1).ok();
    println!(
        "RESULT fuzz target={target} seconds={secs:.0} executions={executions} \
         exec_per_sec={:.0} crashes={crash_count} unique_crashes={} hangs={hangs} corpus={} \
         outcomes={} slowest_ms={:.1} stages={}",
        executions as f64 / secs,
        crash_messages.len(),
        corpus.len(),
        seen.len(),
        slowest.0.as_secs_f64() * 1e3,
        stages
            .iter()
            .map(|(k, v)| format!("{k}:{v}"))
            .collect::<Vec<_>>()
            .join(",")
    );
}

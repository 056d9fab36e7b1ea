//! `seqcast eval suite DIR|FILE …`: trains the defaults on every CSV given (each
//! folder's CSV files, in name order) once per seed and prints, per series, the test
//! MASE of the recurrent model, of the product forecast (what `--forecast`, `auto` by
//! default, chose on validation) and of the best baseline on the test part, with their
//! ratios; then a summary line. The question it answers: would a user who opens this
//! file and presses Train get forecasts at least as good as the obvious baseline?

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use seqcast_engine::data::table::{ColumnKind, read_csv};
use seqcast_engine::eval::baselines::BaselineKind;
use seqcast_engine::pipeline::RunSummary;

use super::eval::{EvalArgs, train_seeds};

/// The product forecast may be this much worse than the best baseline and still pass.
const TOLERANCE: f64 = 1.05;

/// Runs `seqcast eval suite`.
pub fn run(args: &EvalArgs) -> Result<()> {
    if args.paths.is_empty() {
        bail!("seqcast eval suite needs folders or CSV files: seqcast eval suite DIR [DIR|FILE …]");
    }
    if args.seeds.is_empty() {
        bail!("--seeds needs at least one seed");
    }
    let mut named = match &args.targets {
        Some(path) => read_targets(path)?,
        None => BTreeMap::new(),
    };
    let files = collect(&args.paths, &mut named)?;
    let started = Instant::now();
    println!(
        "Suite: {} series, seeds {}, default settings (and the data-dependent defaults, as \
         `seqcast train`). Test MASE; ratio = MASE / the best baseline's on the test part.",
        files.len(),
        args.seeds
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    );
    println!(
        "{:<34}{:>16}{:>8}  {:>8}{:>7}  {:>8}{:>7}  {:>6}{:>6}  chosen",
        "series", "best baseline", "MASE", "model", "ratio", "forecast", "ratio", "cov80", "cov95"
    );
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    for file in &files {
        let name = display_name(file);
        match series_row(args, file, named.get(&key(file)).map(String::as_str)) {
            Ok(Ok(row)) => {
                print!("{}", row.lines(&name));
                rows.push((name, row));
            }
            Ok(Err(why)) => println!("{name:<34}  skipped: {why}"),
            Err(e) => {
                println!("{name:<34}  failed: {e:#}");
                failed.push(name);
            }
        }
    }
    println!("{}", summary(&rows, started.elapsed().as_secs_f64()));
    if !failed.is_empty() {
        bail!("{} series failed: {}", failed.len(), failed.join(", "));
    }
    Ok(())
}

/// One series over every seed.
struct Row {
    best: BaselineKind,
    best_error: f64,
    /// Per seed: the model's error, the product forecast's error, what it used.
    seeds: Vec<(u64, f64, f64, String)>,
    /// Per seed: the forecast's 80 % and 95 % interval coverage on the test part, in
    /// percent (NaN without that interval).
    coverage: Vec<[f64; 2]>,
}

impl Row {
    fn mean(&self, pick: fn(&(u64, f64, f64, String)) -> f64) -> f64 {
        self.seeds.iter().map(pick).sum::<f64>() / self.seeds.len().max(1) as f64
    }

    fn model(&self) -> f64 {
        self.mean(|s| s.1)
    }

    fn product(&self) -> f64 {
        self.mean(|s| s.2)
    }

    /// The forecast's mean test coverage over seeds at 80 % (`0`) or 95 % (`1`), percent.
    fn coverage(&self, level: usize) -> f64 {
        let n = self.coverage.len().max(1) as f64;
        self.coverage.iter().map(|c| c[level]).sum::<f64>() / n
    }

    /// The table's lines for this series: the means, then one line per seed.
    fn lines(&self, name: &str) -> String {
        let chosen: Vec<&str> = self.seeds.iter().map(|s| s.3.as_str()).collect();
        let mut out = format!(
            "{name:<34}{:>16}{:>8.3}  {:>8.3}{:>7.2}  {:>8.3}{:>7.2}  {:>6}{:>6}  {}\n",
            self.best.name(),
            self.best_error,
            self.model(),
            self.model() / self.best_error,
            self.product(),
            self.product() / self.best_error,
            percent(self.coverage(0)),
            percent(self.coverage(1)),
            chosen.join(", ")
        );
        if self.seeds.len() > 1 {
            for (seed, model, product, _) in &self.seeds {
                let _ = writeln!(
                    out,
                    "{:<34}{:>16}{:>8}  {model:>8.3}{:>7.2}  {product:>8.3}{:>7.2}",
                    format!("  seed {seed}"),
                    "",
                    "",
                    model / self.best_error,
                    product / self.best_error
                );
            }
        }
        out
    }
}

/// `Ok(Err(why))`: the series trained but cannot be scored (no test windows).
fn series_row(
    args: &EvalArgs,
    file: &Path,
    target: Option<&str>,
) -> Result<std::result::Result<Row, String>> {
    let target = match target {
        Some(t) => t.to_string(),
        None => last_numeric_column(file)?,
    };
    let mut train_args = args.train.clone();
    train_args.csv = Some(file.to_path_buf());
    train_args.target = Some(vec![target]);
    train_args.no_record = true;
    let runs = train_seeds(
        &train_args,
        &args.seeds,
        seqcast_engine::RunConfig::clone,
        &display_name(file),
    )?;
    let first = runs.summaries.first().context("no run finished")?;
    if first.test_scores.is_none() {
        let d = &first.data;
        return Ok(Err(format!(
            "no test windows ({} rows; the test part has {} rows, the horizon is {})",
            d.rows, d.split_rows[2], first.config.window.horizon
        )));
    }
    let (best, best_error) = best_baseline(first)?;
    let mut seeds = Vec::new();
    let mut coverage = Vec::new();
    for (seed, s) in args.seeds.iter().zip(&runs.summaries) {
        let at = |level: &str| {
            s.intervals
                .as_ref()
                .and_then(|i| i.test.get("forecast"))
                .and_then(|l| l.get(level))
                .map_or(f64::NAN, |c| 100.0 * c.coverage)
        };
        coverage.push([at("80"), at("95")]);
        let table = &s.test_scores.as_ref().context("no test windows")?.original;
        let model = table.model.overall.mase_or_mae();
        let product = table
            .product
            .as_ref()
            .map_or(model, |p| p.overall.mase_or_mae());
        let chosen = s
            .forecast
            .as_ref()
            .map_or("model", |c| c.chosen.name())
            .to_string();
        seeds.push((*seed, model, product, chosen));
    }
    Ok(Ok(Row {
        best,
        best_error,
        seeds,
        coverage,
    }))
}

/// The baseline with the lowest test error (the same for every seed: baselines do not
/// depend on it).
fn best_baseline(summary: &RunSummary) -> Result<(BaselineKind, f64)> {
    let table = &summary
        .test_scores
        .as_ref()
        .context("no test windows")?
        .original;
    table
        .baselines
        .iter()
        .filter(|(_, m)| m.overall.count > 0)
        .map(|(k, m)| (*k, m.overall.mase_or_mae()))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .filter(|(_, e)| *e > 0.0)
        .context("no baseline could be scored on the test part")
}

fn summary(rows: &[(String, Row)], secs: f64) -> String {
    let n = rows.len();
    let within = rows
        .iter()
        .filter(|(_, r)| r.product() <= TOLERANCE * r.best_error)
        .count();
    let beats = rows
        .iter()
        .filter(|(_, r)| r.model() < r.best_error)
        .count();
    let worst = rows
        .iter()
        .map(|(name, r)| (name, r.product() / r.best_error))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let geo = |pick: fn(&Row) -> f64| {
        let logs: f64 = rows
            .iter()
            .map(|(_, r)| (pick(r) / r.best_error).ln())
            .sum();
        (logs / n.max(1) as f64).exp()
    };
    let mut out = format!(
        "\nsummary: forecast within {TOLERANCE}× the best baseline on {within}/{n} series; \
         the model beats the best baseline on {beats}/{n}; geometric mean ratio model {:.3}, \
         forecast {:.3}",
        geo(Row::model),
        geo(Row::product)
    );
    if let Some((name, ratio)) = worst {
        let _ = write!(out, "; worst forecast ratio {ratio:.2} ({name})");
    }
    for (i, level) in [80.0, 95.0].into_iter().enumerate() {
        let covered: Vec<f64> = rows
            .iter()
            .map(|(_, r)| r.coverage(i))
            .filter(|c| c.is_finite())
            .collect();
        let near = covered.iter().filter(|c| (*c - level).abs() <= 3.0).count();
        let _ = write!(
            out,
            "; {level:.0} % intervals within ±3 points on {near} of the {} series that have one",
            covered.len()
        );
    }
    let _ = write!(out, "; {secs:.0} s");
    out
}

/// The name of the last numeric column of `file` (the suite's default target).
fn last_numeric_column(file: &Path) -> Result<String> {
    let table = read_csv(file)?;
    table
        .columns
        .iter()
        .rev()
        .find(|c| matches!(c.kind, ColumnKind::Numeric))
        .map(|c| c.name.clone())
        .with_context(|| format!("{} has no numeric column", file.display()))
}

/// The CSV files of `paths` (folders give their `*.csv` files in name order), with each
/// folder's `targets.toml` merged into `named` (entries given with --targets win).
fn collect(paths: &[PathBuf], named: &mut BTreeMap<String, String>) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let listing = std::fs::read_dir(path)
                .with_context(|| format!("cannot list {}", path.display()))?;
            let mut csvs: Vec<PathBuf> = listing
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"))
                })
                .collect();
            csvs.sort();
            let targets = path.join("targets.toml");
            if targets.is_file() {
                for (file, column) in read_targets(&targets)? {
                    named.entry(file).or_insert(column);
                }
            }
            files.extend(csvs);
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            bail!("{} is neither a folder nor a file", path.display());
        }
    }
    if files.is_empty() {
        bail!("no CSV files in {}", join(paths));
    }
    Ok(files)
}

/// `"file.csv" = "column"` lines.
fn read_targets(path: &Path) -> Result<BTreeMap<String, String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    toml::from_str(&text).with_context(|| {
        format!(
            "{}: expected lines like \"file.csv\" = \"target column\"",
            path.display()
        )
    })
}

fn key(file: &Path) -> String {
    file.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `folder/file` without the extension: enough to tell the series apart.
fn display_name(file: &Path) -> String {
    let stem = file
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match file.parent().and_then(Path::file_name) {
        Some(dir) => format!("{}/{stem}", dir.to_string_lossy()),
        None => stem,
    }
}

fn join(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A coverage in percent to one decimal, or a dash when the forecast has no such interval
/// (too few validation windows to calibrate it).
fn percent(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.1}")
    } else {
        "—".into()
    }
}

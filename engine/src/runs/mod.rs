//! The run store: every training run recorded in a folder of its own under a project's
//! runs directory, so that runs survive restarts and can be compared, renamed, annotated,
//! deleted and trained again.
//!
//! A run folder `<runs>/<id>/` holds `run.json` (id, name, note, origin and the table row),
//! `summary.json` (config, data hash, seed, loss history, diagnostics, metrics against the
//! baselines, test predictions) and `model/` (the weights, see [`crate::artifact`]). A run
//! over many series (`kind: panel`) keeps its panel summary (per-series and aggregate
//! scores, loss history, diagnostics) in `summary.json` and its `model/` holds the
//! series' scalers beside the weights. A run on one series also keeps its checkpoints
//! in `checkpoints/epoch-N.ckpt` (the best epoch's and at most `train.checkpoints` more;
//! see [`crate::train::Checkpoint`]), which a branch continues from. A run
//! is written into a hidden `.<id>.partial` folder first and renamed into place when
//! complete, so a crash never leaves a half-written run that looks whole; damaged or
//! partial folders are reported by [`RunStore::list`] and skipped.

pub mod branch;
mod checkpoints;
pub mod diff;
mod files;
mod row;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use row::RunRow;

use files::{folder_bytes, read_meta, read_run_file, write_json};

use crate::artifact;
use crate::config::RunConfig;
use crate::error::{EngineError, Result};
use crate::panel::run::PanelSummary;
use crate::pipeline::{RunSummary, TrainedModel, TrainingSummary};

const FORMAT: &str = "seqcast-run";
const VERSION: u32 = 1;
const META: &str = "run.json";
const SUMMARY: &str = "summary.json";
const MODEL: &str = "model";
const PARTIAL: &str = ".partial";
/// Largest `run.json` read (the runs table's row and configuration: a few KiB).
const MAX_META_BYTES: u64 = 16 << 20;
/// Largest `summary.json` read (history and the test forecasts of a long series).
const MAX_SUMMARY_BYTES: u64 = 2 << 30;
/// Runs one folder can record within one second (id suffixes `-2`, `-3`, …).
const MAX_SAME_SECOND: usize = 10_000;

/// Where a run came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum RunOrigin {
    /// Trained from the desktop app.
    Gui,
    /// Trained with `seqcast train`.
    Cli,
    /// A trial of a hyperparameter search.
    Search {
        /// The search's id (shared by its trials).
        search: String,
        /// 1-based trial number.
        trial: usize,
    },
}

/// What `run.json` holds: everything the runs table needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunMeta {
    /// Always "seqcast-run".
    pub format: String,
    /// Layout version.
    pub version: u32,
    /// Folder name, unique in the store.
    pub id: String,
    /// Name shown in the table (editable).
    pub name: String,
    /// The user's note (editable).
    #[serde(default)]
    pub note: String,
    /// Seconds since 1970-01-01 UTC when the run was saved.
    pub created: i64,
    /// GUI, CLI or a search trial.
    pub origin: RunOrigin,
    /// Key settings and metrics.
    pub row: RunRow,
    /// The full configuration (to train again, or to compare).
    pub config: RunConfig,
    /// One series, or many series with one model.
    #[serde(default, skip_serializing_if = "RunKind::is_series")]
    pub kind: RunKind,
    /// Bytes its folder holds on disk (measured when listed; not stored).
    #[serde(skip)]
    pub bytes: u64,
    /// The epochs it keeps checkpoints after (listed with the folder; not stored).
    #[serde(skip)]
    pub checkpoints: Vec<usize>,
}

/// What a run was trained on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    /// One table's target column(s).
    #[default]
    Series,
    /// Many series, one model.
    Panel,
}

impl RunKind {
    fn is_series(&self) -> bool {
        *self == Self::Series
    }
}

/// A run's full summary, of either kind.
#[derive(Clone, Debug)]
pub enum StoredRun {
    /// One series.
    Series(Box<RunSummary>),
    /// Many series, one model.
    Panel(Box<PanelSummary>),
}

impl StoredRun {
    /// Training: history, stop, alerts.
    pub fn training(&self) -> &TrainingSummary {
        match self {
            Self::Series(s) => &s.training,
            Self::Panel(p) => &p.training,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &RunConfig {
        match self {
            Self::Series(s) => &s.config,
            Self::Panel(p) => &p.config,
        }
    }

    /// SHA-256 of the data file (empty when unknown).
    pub fn data_sha256(&self) -> &str {
        match self {
            Self::Series(s) => &s.data.sha256,
            Self::Panel(p) => &p.data.sha256,
        }
    }
}

/// A run folder that could not be read, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct SkippedRun {
    /// The folder.
    pub path: PathBuf,
    /// What is wrong with it.
    pub why: String,
}

/// A runs directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunStore {
    dir: PathBuf,
}

impl RunStore {
    /// Opens (creating if needed) the runs directory `dir`.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|e| EngineError::io("cannot create", &dir, e))?;
        Ok(Self { dir })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Records a finished run; returns its metadata. The folder appears complete or not
    /// at all.
    pub fn save(
        &self,
        summary: &RunSummary,
        (model, checkpoints): (&TrainedModel, &[crate::train::Checkpoint]),
        origin: RunOrigin,
    ) -> Result<RunMeta> {
        let fields = (RunRow::of(summary), summary.config.clone(), RunKind::Series);
        self.record(fields, origin, |partial| {
            artifact::save(&partial.join(MODEL), model, Some(&summary.data.file))?;
            checkpoints::write(partial, checkpoints)?;
            write_json(&partial.join(SUMMARY), &stored_summary(summary))
        })
    }

    /// Records a finished run over many series: its summary and, when given, its model.
    pub fn save_panel(
        &self,
        summary: &PanelSummary,
        model: Option<&artifact::PanelModel>,
        origin: RunOrigin,
    ) -> Result<RunMeta> {
        let fields = (
            RunRow::of_panel(summary),
            summary.config.clone(),
            RunKind::Panel,
        );
        self.record(fields, origin, |partial| {
            if let Some(model) = model {
                artifact::save_panel(&partial.join(MODEL), model, Some(&summary.data.source))?;
            }
            write_json(&partial.join(SUMMARY), summary)
        })
    }

    /// Writes a run into a fresh partial folder (`write` adds the model and summary, then
    /// `run.json` follows) and renames it into place.
    fn record(
        &self,
        (row, config, kind): (RunRow, RunConfig, RunKind),
        origin: RunOrigin,
        write: impl FnOnce(&Path) -> Result<()>,
    ) -> Result<RunMeta> {
        let created = now();
        let (id, partial) = self.reserve_id(created)?;
        let name = match &origin {
            RunOrigin::Search { trial, .. } => format!("trial {trial}: {}", row.label()),
            _ => row.label(),
        };
        let meta = RunMeta {
            format: FORMAT.into(),
            version: VERSION,
            id: id.clone(),
            name,
            note: String::new(),
            created,
            origin,
            row,
            config,
            kind,
            bytes: 0,
            checkpoints: Vec::new(),
        };
        let result = (|| {
            write(&partial)?;
            write_json(&partial.join(META), &meta)?;
            let target = self.dir.join(&id);
            std::fs::rename(&partial, &target)
                .map_err(|e| EngineError::io("cannot finish", &target, e))
        })();
        if result.is_err() {
            // Best effort: a partial folder is skipped by `list` anyway.
            let _ = std::fs::remove_dir_all(&partial);
        }
        let dir = self.dir.join(&meta.id);
        result.map(|()| RunMeta {
            bytes: folder_bytes(&dir, 4),
            checkpoints: checkpoints::epochs(&dir),
            ..meta
        })
    }

    /// The full summary of run `id`, of whichever kind it is.
    pub fn stored(&self, id: &str) -> Result<StoredRun> {
        let dir = self.run_dir(id)?;
        let meta = read_meta(&dir)?;
        let path = dir.join(SUMMARY);
        let bytes = read_run_file(&path, MAX_SUMMARY_BYTES)?;
        let damaged = |e: serde_json::Error| {
            EngineError::RunStore(format!("{} is damaged: {e}", path.display()))
        };
        Ok(match meta.kind {
            RunKind::Series => StoredRun::Series(serde_json::from_slice(&bytes).map_err(damaged)?),
            RunKind::Panel => StoredRun::Panel(serde_json::from_slice(&bytes).map_err(damaged)?),
        })
    }

    /// Every readable run, newest first, and the folders that were skipped with why.
    pub fn list(&self) -> Result<(Vec<RunMeta>, Vec<SkippedRun>)> {
        let entries = std::fs::read_dir(&self.dir)
            .map_err(|e| EngineError::io("cannot read", &self.dir, e))?;
        let (mut runs, mut skipped) = (Vec::new(), Vec::new());
        for entry in entries.flatten() {
            let path = entry.path();
            if !path.is_dir() {
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(PARTIAL) {
                skipped.push(SkippedRun {
                    path,
                    why: "an unfinished run (the program stopped while saving it)".into(),
                });
                continue;
            }
            match read_meta(&path) {
                Ok(meta) if meta.id == name => runs.push(RunMeta {
                    bytes: folder_bytes(&path, 4),
                    checkpoints: checkpoints::epochs(&path),
                    ..meta
                }),
                Ok(meta) => skipped.push(SkippedRun {
                    path,
                    why: format!("run.json names another run ('{}')", meta.id),
                }),
                Err(e) => skipped.push(SkippedRun {
                    path,
                    why: e.to_string(),
                }),
            }
        }
        runs.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| b.id.cmp(&a.id)));
        Ok((runs, skipped))
    }

    /// The full summary of run `id` (history, metrics, test predictions), a run on one
    /// series.
    pub fn summary(&self, id: &str) -> Result<RunSummary> {
        match self.stored(id)? {
            StoredRun::Series(s) => Ok(*s),
            StoredRun::Panel(_) => Err(EngineError::RunStore(format!(
                "run '{id}' was trained on many series; its summary is a panel's"
            ))),
        }
    }

    /// The trained model of run `id`, of either kind.
    pub fn saved_model(&self, id: &str) -> Result<artifact::SavedModel> {
        artifact::load_any(&self.run_dir(id)?.join(MODEL))
    }

    /// The trained model of run `id` (on one series).
    pub fn model(&self, id: &str) -> Result<TrainedModel> {
        artifact::load(&self.run_dir(id)?.join(MODEL))
    }

    /// Renames run `id`.
    pub fn rename(&self, id: &str, name: &str) -> Result<RunMeta> {
        let name = name.trim();
        if name.is_empty() {
            return Err(EngineError::RunStore("a run needs a name".into()));
        }
        self.update(id, |m| m.name = name.to_string())
    }

    /// Replaces the note of run `id`.
    pub fn set_note(&self, id: &str, note: &str) -> Result<RunMeta> {
        self.update(id, |m| m.note = note.to_string())
    }

    /// Deletes run `id` and its folder.
    pub fn delete(&self, id: &str) -> Result<()> {
        let dir = self.run_dir(id)?;
        // Rename first, so that a failure half-way leaves a folder `list` skips, not a
        // run with missing files.
        let doomed = self.dir.join(format!(".{id}.deleting"));
        std::fs::rename(&dir, &doomed).map_err(|e| EngineError::io("cannot delete", &dir, e))?;
        std::fs::remove_dir_all(&doomed).map_err(|e| EngineError::io("cannot delete", &doomed, e))
    }

    fn update(&self, id: &str, change: impl FnOnce(&mut RunMeta)) -> Result<RunMeta> {
        let dir = self.run_dir(id)?;
        let mut meta = read_meta(&dir)?;
        change(&mut meta);
        write_json(&dir.join(META), &meta)?;
        Ok(meta)
    }

    /// The folder of run `id`, refusing ids that are not plain folder names.
    fn run_dir(&self, id: &str) -> Result<PathBuf> {
        let plain = !id.is_empty()
            && !id.starts_with('.')
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        let dir = self.dir.join(id);
        if !plain || !dir.is_dir() {
            return Err(EngineError::RunStore(format!(
                "no run '{id}' in {}",
                self.dir.display()
            )));
        }
        Ok(dir)
    }

    /// `YYYYMMDD-HHMMSS` of `created`, with `-2`, `-3`, … when taken.
    /// A fresh id and its `.ID.partial` folder, created exclusively: two recorders
    /// writing into one folder in the same second never share an id (checking first and
    /// creating later let both take the same one, and one run was lost).
    fn reserve_id(&self, created: i64) -> Result<(String, PathBuf)> {
        let stamp = crate::data::time::format_time(
            created,
            &crate::data::time::TimeFormat::IsoDateTime {
                t_separator: false,
                seconds: true,
                zone: false,
            },
        );
        let base: String = stamp.chars().filter(char::is_ascii_digit).collect();
        let base = if base.len() >= 14 {
            format!("{}-{}", &base[..8], &base[8..14])
        } else {
            format!("run-{created}")
        };
        for n in 1..=MAX_SAME_SECOND {
            let id = if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            };
            let partial = self.dir.join(format!(".{id}{PARTIAL}"));
            match std::fs::create_dir(&partial) {
                // Finished under this id already (its partial folder renamed away).
                Ok(()) if self.dir.join(&id).exists() => {
                    let _ = std::fs::remove_dir(&partial);
                }
                Ok(()) => return Ok((id, partial)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(EngineError::io("cannot create", &partial, e)),
            }
        }
        Err(EngineError::RunStore(format!(
            "{}: more than {MAX_SAME_SECOND} runs were recorded in the second {base}; \
             record again in a moment",
            self.dir.display()
        )))
    }
}

/// What is kept of a summary: the validation forecasts, the baselines' test and
/// backtest forecasts (their metrics stay) and the test windows' attention (that of the
/// forecast past the end stays) are dropped, so a run folder stays small.
fn stored_summary(summary: &RunSummary) -> RunSummary {
    let mut kept = summary.clone();
    kept.val = None;
    kept.test_attention.clear();
    if let Some(test) = &mut kept.test {
        test.baselines.clear();
    }
    if let Some(backtest) = &mut kept.backtest {
        backtest.forecast.baselines.clear();
    }
    kept
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The default runs directory for data at `data_path`: `seqcast-runs` beside it; for data
/// without a path (the bundled sample), the user's data folder.
pub fn default_dir(data_path: Option<&Path>) -> PathBuf {
    if let Some(parent) = data_path.and_then(Path::parent) {
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        return parent.join("seqcast-runs");
    }
    let data_home = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(std::env::temp_dir);
    data_home.join("seqcast").join("runs")
}

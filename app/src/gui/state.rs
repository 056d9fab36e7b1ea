//! What the app remembers between launches ([`Persisted`], serde) and what it only holds
//! while running ([`Session`]).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use seqcast_engine::RunConfig;
use seqcast_engine::data::series::Series;
use seqcast_engine::data::table::CsvTable;
use seqcast_engine::diag::tools::{LrRangeReport, OverfitReport};
use seqcast_engine::panel::detect::IdGuess;
use seqcast_engine::panel::run::PanelSummary;
use seqcast_engine::panel::score::SeriesForecast;
use seqcast_engine::pipeline::RunSummary;
use seqcast_engine::pipeline::predict::Prediction;
use seqcast_engine::runs::{RunMeta, SkippedRun, StoredRun};
use seqcast_engine::tune::{Knob, SearchSpace, Trial, TuneSettings};
use seqcast_engine::worker::Inspection;
use serde::{Deserialize, Serialize};

use super::live::LiveRun;

/// Most recent files kept in File → Open recent.
const RECENT_FILES: usize = 8;

/// The main views.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tab {
    /// Preview, column roles, load report, series and windows.
    #[default]
    Data,
    /// Live training curves.
    Training,
    /// The training doctor: gradients per layer, gate and time step, alerts, tools.
    Diagnostics,
    /// Metrics, forecasts, export.
    Results,
    /// Every recorded run: table, compare.
    Runs,
    /// Hyperparameter search.
    Search,
}

/// Saved by eframe between launches.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Persisted {
    /// The run configuration (the same type the CLI and config files use).
    pub config: RunConfig,
    /// Recently opened files, newest first.
    pub recent: Vec<PathBuf>,
    /// The open view.
    pub tab: Tab,
    /// Loss curves on a log axis.
    pub log_loss: bool,
    /// Last folder used in a file dialog.
    pub last_dir: Option<PathBuf>,
    /// Horizon step shown in the Results view (1-based).
    pub result_step: usize,
    /// Results metrics on the normalised scale.
    pub normalised_metrics: bool,
    /// The runs directory chosen by the user (`None`: `seqcast-runs` beside the data).
    pub runs_dir: Option<PathBuf>,
    /// The search form: what to vary.
    pub search_space: SearchSpace,
    /// The search form: how.
    pub search_settings: TuneSettings,
    /// The values the data-dependent defaults gave the last file.
    pub data_defaults: super::auto_set::AutoSet,
    /// The many-series results' list: filter, order, selection.
    pub series_list: super::panels::panel_results::SeriesListState,
}

impl Default for Persisted {
    fn default() -> Self {
        let config = RunConfig::default();
        Self {
            search_space: SearchSpace::default_for(&config),
            config,
            recent: Vec::new(),
            tab: Tab::default(),
            log_loss: false,
            last_dir: None,
            result_step: 0,
            normalised_metrics: false,
            runs_dir: None,
            search_settings: TuneSettings::default(),
            data_defaults: super::auto_set::AutoSet::default(),
            series_list: Default::default(),
        }
    }
}

impl Persisted {
    /// Puts `path` first in the recent list.
    pub fn remember(&mut self, path: PathBuf) {
        self.recent.retain(|p| p != &path);
        self.recent.insert(0, path.clone());
        self.recent.truncate(RECENT_FILES);
        self.last_dir = path.parent().map(PathBuf::from);
    }
}

/// A line in the status bar / message list.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    /// Errors are shown in red and stay until dismissed.
    pub is_error: bool,
    /// The text.
    pub text: String,
}

/// What the engine is doing for us right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Busy {
    /// Reading a file.
    Loading,
    /// Training.
    Training,
    /// Writing files.
    Saving,
    /// Running a hyperparameter search.
    Searching,
    /// Running a diagnostic tool.
    Diagnosing(Tool),
}

/// The "loss does not fall" tools.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    /// Overfit one small batch.
    Overfit,
    /// Learning-rate range test.
    LrRange,
}

/// A saved model's forecasts over the open data.
#[derive(Clone, Debug)]
pub struct LoadedModel {
    /// The model folder.
    pub dir: PathBuf,
    /// Its configuration.
    pub config: RunConfig,
    /// Its forecasts.
    pub prediction: Arc<Prediction>,
}

/// Runtime state, rebuilt at every launch.
#[derive(Default)]
pub struct Session {
    /// The loaded table.
    pub table: Option<Arc<CsvTable>>,
    /// Where it came from (path or sample name).
    pub source: Option<String>,
    /// The cleaned series for the current column roles and windows.
    pub inspection: Option<Arc<Inspection>>,
    /// Why the current settings cannot be used (from the engine).
    pub inspect_error: Option<String>,
    /// The data/window settings last sent for inspection.
    pub inspected_for: Option<String>,
    /// A file was loaded: the settings its data-dependent defaults may choose, sent
    /// with the next inspection (the engine answers with what it chose).
    pub auto_pending: Option<seqcast_engine::pipeline::defaults::AutoDefaults>,
    /// An inspection is on its way: the next waits for it, so dragging a field sends
    /// one inspection per answer, not one per frame.
    pub inspecting: bool,
    /// The run being trained (or the last one).
    pub live: Option<LiveRun>,
    /// The last finished run.
    pub summary: Option<Arc<RunSummary>>,
    /// The series that run was trained and scored on.
    pub summary_series: Option<Arc<Series>>,
    /// The last finished run over many series (one model, a panel of series).
    pub panel: Option<Arc<PanelResult>>,
    /// A column of the open table that looks like a series id, offered in the Data view.
    pub id_guess: Option<IdGuess>,
    /// A saved model applied to the open data, shown in its own window.
    pub loaded_model: Option<LoadedModel>,
    /// The last overfit-one-batch result.
    pub overfit: Option<Arc<OverfitReport>>,
    /// The last learning-rate range test.
    pub lr_range: Option<Arc<LrRangeReport>>,
    /// The data file's path (`None` for the bundled sample).
    pub data_path: Option<PathBuf>,
    /// The run store as last listed.
    pub runs: RunsView,
    /// The search in progress or last finished.
    pub search: Option<SearchState>,
    /// Engine work in progress.
    pub busy: Option<Busy>,
    /// Messages, newest last.
    pub messages: Vec<Message>,
}

/// A finished run over many series: its summary and each series' forecasts.
#[derive(Debug)]
pub struct PanelResult {
    /// Scores, configuration, training.
    pub summary: Arc<PanelSummary>,
    /// Per series: the last rows, the test and future forecasts.
    pub forecasts: Arc<[SeriesForecast]>,
    index: HashMap<String, usize>,
}

impl PanelResult {
    /// Indexes `forecasts` by series id.
    pub fn new(summary: Arc<PanelSummary>, forecasts: Arc<[SeriesForecast]>) -> Self {
        let index = forecasts
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id.clone(), i))
            .collect();
        Self {
            summary,
            forecasts,
            index,
        }
    }

    /// The forecasts of series `id`.
    pub fn forecast(&self, id: &str) -> Option<&SeriesForecast> {
        self.forecasts.get(*self.index.get(id)?)
    }
}

impl Session {
    /// Adds an informational message.
    pub fn info(&mut self, text: impl Into<String>) {
        self.push(false, text.into());
    }

    /// Adds an error message.
    pub fn error(&mut self, text: impl Into<String>) {
        self.push(true, text.into());
    }

    fn push(&mut self, is_error: bool, text: String) {
        self.messages.push(Message { is_error, text });
        // Keep the list short: old information is noise.
        if self.messages.len() > 50 {
            self.messages.remove(0);
        }
    }
}

/// Runs-table columns that can be sorted on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortBy {
    /// Newest first by default.
    #[default]
    Created,
    /// Name.
    Name,
    /// Lowest validation loss.
    ValLoss,
    /// Test MAE.
    TestMae,
    /// Test MASE.
    TestMase,
    /// Training time.
    Time,
}

/// The runs directory as the app sees it.
#[derive(Clone, Debug, Default)]
pub struct RunsView {
    /// The directory the engine records into.
    pub dir: Option<PathBuf>,
    /// Its runs, newest first.
    pub list: Vec<RunMeta>,
    /// Folders that could not be read.
    pub skipped: Vec<SkippedRun>,
    /// Runs ticked for comparison.
    pub selected: Vec<String>,
    /// Sort column and direction.
    pub sort: (SortBy, bool),
    /// Only rows whose name, note or settings contain this.
    pub filter: String,
    /// Loaded summaries of the compared runs.
    pub compared: Vec<(RunMeta, Arc<StoredRun>)>,
    /// The run being renamed / annotated: id, name, note.
    pub editing: Option<(String, String, String)>,
    /// The run awaiting delete confirmation.
    pub confirm_delete: Option<String>,
    /// The branch being set up.
    pub branching: Option<super::panels::runs_branch::BranchForm>,
}

/// A search as it runs.
#[derive(Clone, Debug, Default)]
pub struct SearchState {
    /// Trials planned.
    pub total: usize,
    /// Knobs varied.
    pub knobs: Vec<&'static str>,
    /// The trial running now and what it tries.
    pub current: Option<(usize, Vec<Knob>)>,
    /// Latest epoch of the current trial: epoch, validation loss.
    pub current_epoch: Option<(usize, Option<f64>)>,
    /// Finished trials.
    pub trials: Vec<Trial>,
    /// Index into `trials` of the best one so far.
    pub best: Option<usize>,
    /// The search ended.
    pub done: bool,
    /// It was cancelled.
    pub cancelled: bool,
}

impl SearchState {
    /// Recomputes the best trial (lowest validation loss).
    pub fn update_best(&mut self) {
        self.best = self
            .trials
            .iter()
            .enumerate()
            .filter_map(|(i, t)| t.best_val_loss.map(|v| (i, v)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i);
    }
}

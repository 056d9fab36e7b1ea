//! The messages between the engine thread and its driver (GUI or CLI).

use std::path::PathBuf;
use std::sync::Arc;

use crate::config::RunConfig;
use crate::data::series::{LoadReport, Series};
use crate::data::split::SplitRanges;
use crate::data::table::CsvTable;
use crate::diag::Diagnosis;
use crate::diag::tools::{LrRangeReport, OverfitReport};
use crate::panel::run::PanelSummary;
use crate::panel::score::SeriesForecast;
use crate::pipeline::RunSummary;
use crate::pipeline::bench::{BenchOutcome, BenchSpec};
use crate::pipeline::defaults::{AutoDefaults, Resolved};
use crate::pipeline::predict::Prediction;
use crate::runs::{RunMeta, RunOrigin, SkippedRun, StoredRun};
use crate::train::Progress;
use crate::tune::{SearchSpace, TuneOutcome, TuneProgress, TuneSettings};

/// Called by the engine after queuing an event (the GUI passes `request_repaint`).
pub type Waker = Box<dyn Fn() + Send>;

/// What the driver asks the engine to do. Each command answers with events.
#[derive(Clone, Debug)]
pub enum Command {
    /// Read a CSV file and detect its columns → [`Event::Loaded`].
    Load {
        /// The file.
        path: PathBuf,
    },
    /// Parse CSV bytes already in memory (e.g. a bundled sample) → [`Event::Loaded`].
    LoadBytes {
        /// Name used in messages and reports.
        name: String,
        /// The file's bytes.
        bytes: Arc<[u8]>,
    },
    /// Clean the loaded table with these column roles and windows, without training
    /// → [`Event::ConfigResolved`] when the data-dependent defaults changed something,
    /// then [`Event::Inspected`] (series, report, split and window counts) of the
    /// resolved configuration.
    Inspect {
        /// Column roles, cleaning, split, windows.
        config: RunConfig,
        /// The settings the user left to the data (`pipeline::defaults`).
        auto: AutoDefaults,
    },
    /// Train on the loaded table → [`Event::ConfigResolved`] when the data-dependent
    /// defaults changed something, [`Event::Training`] progress and [`Event::Doctor`] alerts, then
    /// [`Event::Finished`] or [`Event::Cancelled`].
    Train {
        /// The full configuration.
        config: RunConfig,
        /// The settings the user left to the data (`pipeline::defaults`).
        auto: AutoDefaults,
    },
    /// Branch the recorded run `run` (in the runs directory) after its epoch `epoch`
    /// with the settings of `edited` (its configuration with the user's edits; see
    /// [`crate::runs::branch::plan`]) and train the branch on the loaded table, which
    /// must be the run's data → like [`Command::Train`].
    Branch {
        /// The parent's run id.
        run: String,
        /// The parent's last shared epoch.
        epoch: usize,
        /// The parent's configuration with the edits.
        edited: Box<RunConfig>,
    },
    /// Train one global model on a panel of series → [`Event::ConfigResolved`] when
    /// the panel's data-dependent defaults changed something, [`Event::Training`]
    /// progress, then [`Event::PanelFinished`] (also when cancelled: its stop reason
    /// says so).
    TrainPanel {
        /// Where the series are.
        source: PanelSource,
        /// The full configuration (the split applies to each series on its own).
        config: RunConfig,
        /// The settings the user left to the data (`panel::defaults`).
        auto: AutoDefaults,
    },
    /// Train a fresh model on one small batch until the loss reaches ~0 (the "loss does
    /// not fall" check) → [`Event::Overfit`]. Cancel stops it.
    OverfitBatch {
        /// The configuration whose model and data to use.
        config: RunConfig,
    },
    /// Run the learning-rate range test → [`Event::LrRange`]. Cancel stops it.
    LrRangeTest {
        /// The configuration whose model, optimiser and data to use.
        config: RunConfig,
    },
    /// Measure training throughput on the synthetic series of the PyTorch reference
    /// ([`crate::pipeline::bench`]) → [`Event::Training`] epochs, then
    /// [`Event::Benched`]. Cancel stops it.
    Bench {
        /// What to train.
        spec: BenchSpec,
        /// Threads per training step (0 = one per core); stays set for later runs.
        threads: usize,
    },
    /// Save the last trained model into a folder → [`Event::Saved`].
    SaveModel {
        /// Target folder (created if needed).
        dir: PathBuf,
    },
    /// Write the last run's predictions CSV and/or JSON report → [`Event::Saved`].
    Export {
        /// Predictions CSV path.
        predictions: Option<PathBuf>,
        /// JSON report path.
        report: Option<PathBuf>,
        /// Add baseline columns to the CSV.
        baselines: bool,
    },
    /// Load a saved model and forecast the loaded data with it (its own scalers, nothing
    /// refitted) → [`Event::ModelLoaded`].
    LoadModel {
        /// Folder written by `SaveModel` or `seqcast train --save-model`.
        dir: PathBuf,
    },
    /// Record every finished training run in this runs directory from now on (`None`:
    /// stop recording) → [`Event::Runs`] listing it.
    RecordRuns {
        /// The runs directory (created if needed).
        dir: Option<PathBuf>,
        /// How recorded runs are labelled.
        origin: RunOrigin,
    },
    /// List the runs directory again → [`Event::Runs`].
    ListRuns,
    /// Load the full summaries of these runs (for comparing) → [`Event::RunSummaries`].
    LoadRuns {
        /// Run ids.
        ids: Vec<String>,
    },
    /// Rename a run → [`Event::Runs`].
    RenameRun {
        /// Run id.
        id: String,
        /// New name.
        name: String,
    },
    /// Replace a run's note → [`Event::Runs`].
    NoteRun {
        /// Run id.
        id: String,
        /// The note.
        note: String,
    },
    /// Delete a run folder → [`Event::Runs`].
    DeleteRun {
        /// Run id.
        id: String,
    },
    /// Hyperparameter search on the loaded table → [`Event::Tune`] progress, then
    /// [`Event::TuneFinished`]. Every trial is recorded when a runs directory is set.
    Tune(Box<TuneJob>),
    /// Stop the thread (also sent when the handle is dropped).
    Shutdown,
    /// **Fault injection, for tests only; nothing in seqcast sends it.** Trains like
    /// [`Command::Train`], then panics on the engine thread inside the training loop once
    /// `after_epochs` epochs have finished, as a bug in the engine would. It exists to
    /// prove that such a panic reaches the driver as [`Event::Failed`] for "train", that
    /// no run is recorded, and that the thread keeps serving commands.
    #[doc(hidden)]
    FaultTrainThenPanic {
        /// The configuration to train with.
        config: RunConfig,
        /// Epochs finished before the panic.
        after_epochs: usize,
    },
}

/// Which command a failure answers, for routing it (and, by [`CommandKind::name`], for
/// messages: "Train failed: …").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandKind {
    /// [`Command::Load`] or [`Command::LoadBytes`].
    Load,
    /// [`Command::Inspect`].
    Inspect,
    /// [`Command::Train`] (and the fault-injection twin).
    Train,
    /// [`Command::OverfitBatch`].
    OverfitBatch,
    /// [`Command::LrRangeTest`].
    LrRangeTest,
    /// [`Command::Bench`].
    Bench,
    /// [`Command::SaveModel`].
    SaveModel,
    /// [`Command::LoadModel`].
    LoadModel,
    /// [`Command::Export`].
    Export,
    /// [`Command::RecordRuns`], [`Command::ListRuns`], or listing after a change.
    ListRuns,
    /// Recording a finished run in the runs directory (after a train or a trial).
    RecordRun,
    /// [`Command::LoadRuns`].
    LoadRuns,
    /// [`Command::RenameRun`].
    RenameRun,
    /// [`Command::NoteRun`].
    NoteRun,
    /// [`Command::DeleteRun`].
    DeleteRun,
    /// [`Command::Tune`].
    Search,
    /// [`Command::TrainPanel`].
    TrainPanel,
    /// [`Command::Shutdown`].
    Shutdown,
}

impl CommandKind {
    /// Lower-case, for people.
    pub fn name(self) -> &'static str {
        match self {
            Self::Load => "load",
            Self::Inspect => "inspect",
            Self::Train => "train",
            Self::TrainPanel => "train on the panel",
            Self::OverfitBatch => "overfit one batch",
            Self::LrRangeTest => "learning-rate range test",
            Self::Bench => "benchmark",
            Self::SaveModel => "save model",
            Self::LoadModel => "load model",
            Self::Export => "export",
            Self::ListRuns => "list runs",
            Self::RecordRun => "record run",
            Self::LoadRuns => "load runs",
            Self::RenameRun => "rename run",
            Self::NoteRun => "note run",
            Self::DeleteRun => "delete run",
            Self::Search => "search",
            Self::Shutdown => "shutdown",
        }
    }
}

impl std::fmt::Display for CommandKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Command {
    /// What kind of command this is.
    pub fn kind(&self) -> CommandKind {
        match self {
            Self::Load { .. } | Self::LoadBytes { .. } => CommandKind::Load,
            Self::Inspect { .. } => CommandKind::Inspect,
            Self::Train { .. } | Self::Branch { .. } | Self::FaultTrainThenPanic { .. } => {
                CommandKind::Train
            }
            Self::TrainPanel { .. } => CommandKind::TrainPanel,
            Self::OverfitBatch { .. } => CommandKind::OverfitBatch,
            Self::LrRangeTest { .. } => CommandKind::LrRangeTest,
            Self::Bench { .. } => CommandKind::Bench,
            Self::SaveModel { .. } => CommandKind::SaveModel,
            Self::LoadModel { .. } => CommandKind::LoadModel,
            Self::Export { .. } => CommandKind::Export,
            Self::RecordRuns { .. } | Self::ListRuns => CommandKind::ListRuns,
            Self::LoadRuns { .. } => CommandKind::LoadRuns,
            Self::RenameRun { .. } => CommandKind::RenameRun,
            Self::NoteRun { .. } => CommandKind::NoteRun,
            Self::DeleteRun { .. } => CommandKind::DeleteRun,
            Self::Tune(_) => CommandKind::Search,
            Self::Shutdown => CommandKind::Shutdown,
        }
    }
}

/// Where a panel's series come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PanelSource {
    /// The loaded table, in this layout.
    Loaded(crate::panel::layout::Layout),
    /// M4's two files in its row-per-series layout: the training file, and the test
    /// file whose values continue each series (matched by id).
    M4 {
        /// The training file (e.g. `Hourly-train.csv`).
        train: PathBuf,
        /// The test file (e.g. `Hourly-test.csv`).
        test: PathBuf,
    },
}

/// A hyperparameter search to run.
#[derive(Clone, Debug)]
pub struct TuneJob {
    /// The base configuration the trials vary.
    pub config: RunConfig,
    /// What to vary.
    pub space: SearchSpace,
    /// How.
    pub settings: TuneSettings,
}

/// A cleaned series and what training on it would look like.
#[derive(Clone, Debug)]
pub struct Inspection {
    /// The series the model would see.
    pub series: Arc<Series>,
    /// What loading and cleaning did.
    pub report: LoadReport,
    /// Row ranges of the parts.
    pub split: SplitRanges,
    /// Windows in train (those the model learns from: one-step windows for a recursive
    /// model) / validation / test.
    pub windows: [usize; 3],
    /// Why the forecast past the end cannot be made yet (future values known in
    /// advance are missing); `None` when it can.
    pub future_missing: Option<String>,
}

/// What the engine reports.
#[derive(Clone, Debug)]
pub enum Event {
    /// The data-dependent defaults changed the configuration of an Inspect or Train:
    /// the configuration the engine uses, and each change with its reason.
    ConfigResolved(Arc<Resolved>),
    /// A file was read.
    Loaded {
        /// The string table with detected column kinds.
        table: Arc<CsvTable>,
        /// A column that looks like the id of many stacked series (long format), found
        /// on the engine thread so the GUI can offer it without scanning the rows.
        id_guess: Option<crate::panel::detect::IdGuess>,
    },
    /// The loaded table was cleaned for a config.
    Inspected(Arc<Inspection>),
    /// Training progress (started, batch at most ~10 Hz, epoch).
    Training(Progress),
    /// The training doctor's alerts for the run so far, each with its fix: the whole
    /// list, sent whenever it changes (after an epoch, and once more with the final
    /// verdict before [`Event::Finished`] / [`Event::Cancelled`]).
    Doctor(Arc<[Diagnosis]>),
    /// Training ended (completed, early-stopped, or stopped by a NaN) and was scored;
    /// with the series it was trained on.
    Finished(Arc<RunSummary>, Arc<Series>),
    /// Training was cancelled; the best weights so far were scored.
    Cancelled(Arc<RunSummary>, Arc<Series>),
    /// A panel run finished (or was cancelled: see its stop reason), with the test
    /// forecasts of each series.
    PanelFinished(Arc<PanelSummary>, Arc<[SeriesForecast]>),
    /// The overfit-one-batch check finished.
    Overfit(Arc<OverfitReport>),
    /// The learning-rate range test finished.
    LrRange(Arc<LrRangeReport>),
    /// A throughput benchmark finished.
    Benched(Arc<BenchOutcome>),
    /// The runs directory's contents (after any change to it).
    Runs {
        /// The directory.
        dir: PathBuf,
        /// Readable runs, newest first.
        runs: Vec<RunMeta>,
        /// Folders skipped, with why.
        skipped: Vec<SkippedRun>,
    },
    /// A finished training run was recorded.
    RunRecorded(Box<RunMeta>),
    /// Full summaries of runs, in the order asked (failures become [`Event::Failed`]).
    RunSummaries(Vec<(RunMeta, Arc<StoredRun>)>),
    /// Progress of a hyperparameter search.
    Tune(TuneProgress),
    /// The search ended (or was cancelled).
    TuneFinished(Arc<TuneOutcome>),
    /// A saved model was loaded and applied to the loaded data.
    ModelLoaded {
        /// Where it came from.
        dir: PathBuf,
        /// Its configuration.
        config: Box<RunConfig>,
        /// Its forecasts over every complete window and past the end.
        prediction: Arc<Prediction>,
    },
    /// Files were written.
    Saved {
        /// What was written.
        paths: Vec<PathBuf>,
    },
    /// A command failed; the message is meant for people.
    Failed {
        /// The command that failed.
        command: CommandKind,
        /// What went wrong and what to do.
        message: String,
    },
}

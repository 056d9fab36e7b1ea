//! `SeqcastApp`: owns the engine handle, drains its events once per frame, turns user
//! intents into engine commands, and lays out the panels.

use std::path::PathBuf;

use seqcast_engine::export::write_atomic;
use seqcast_engine::pipeline::defaults::AutoDefaults;
use seqcast_engine::worker::{Command, CommandKind, EngineHandle, Event};
use seqcast_engine::{EngineError, RunConfig};

use super::files::{Dialogs, Purpose};
use super::frame_stats::FrameStats;
use super::live::LiveRun;
use super::panels;
use super::state::{Busy, Persisted, Session, Tab, Tool};
use super::store::RunsAction;

/// What a panel asks the app to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Intent {
    /// Open a file dialog.
    Dialog(Purpose),
    /// Open this CSV file.
    Open(PathBuf),
    /// Train with the current config.
    Train,
    /// Pause or resume training.
    Pause(bool),
    /// Stop training (the best weights so far are kept and scored).
    Stop,
    /// Switch view.
    Show(Tab),
    /// Replace the config (e.g. a remedy from an alert).
    SetConfig(Box<RunConfig>),
    /// Run a diagnostic tool with the current config.
    RunTool(Tool),
    /// Stop a running diagnostic tool.
    CancelTool,
    /// Something about recorded runs or the search.
    Runs(RunsAction),
}

/// Where the app's first data comes from.
#[derive(Clone, Debug)]
pub enum Startup {
    /// The bundled sample (name, bytes).
    Sample(&'static str, &'static [u8]),
    /// A file named on the command line.
    File(PathBuf),
}

/// The seqcast desktop app.
pub struct SeqcastApp {
    engine: Option<EngineHandle>,
    /// Remembered between launches.
    pub persisted: Persisted,
    /// Runtime state.
    pub session: Session,
    dialogs: Dialogs,
    /// Frame-time statistics.
    pub frame_stats: FrameStats,
    /// Where the settings are saved (atomically); `None` when eframe persistence is
    /// off (tests), so nothing of the user's is read or written.
    pub settings_file: Option<PathBuf>,
}

impl SeqcastApp {
    /// Creates the app, starts the engine thread and loads the first data.
    pub fn new(cc: &eframe::CreationContext<'_>, startup: Startup) -> Self {
        let mut session = Session::default();
        let (persisted, settings_file) = super::settings::initial(cc.storage, &mut session);
        let ctx = cc.egui_ctx.clone();
        let engine = match EngineHandle::spawn(Some(Box::new(move || ctx.request_repaint()))) {
            Ok(engine) => Some(engine),
            Err(e) => {
                session.error(format!("The engine could not start: {e}"));
                None
            }
        };
        let mut app = Self {
            engine,
            persisted,
            session,
            dialogs: Dialogs::default(),
            frame_stats: FrameStats::from_env(),
            settings_file,
        };
        match startup {
            Startup::Sample(name, bytes) => app.send(
                Command::LoadBytes {
                    name: name.to_string(),
                    bytes: bytes.into(),
                },
                Some(Busy::Loading),
            ),
            Startup::File(path) => app.open(path),
        }
        app
    }

    /// Sends a command, reporting a dead engine as an error.
    pub(super) fn send(&mut self, command: Command, busy: Option<Busy>) {
        self.try_send(command, busy);
    }

    /// [`send`](Self::send), returning whether the command was sent.
    fn try_send(&mut self, command: Command, busy: Option<Busy>) -> bool {
        let result = match &self.engine {
            Some(engine) => engine.send(command),
            None => Err(EngineError::Worker("the engine is not running".into())),
        };
        match result {
            Ok(()) => {
                if busy.is_some() {
                    self.session.busy = busy;
                }
                true
            }
            Err(e) => {
                self.session.error(e.to_string());
                false
            }
        }
    }

    /// Opens a CSV file on the engine thread.
    pub fn open(&mut self, path: PathBuf) {
        self.session.source = Some(path.display().to_string());
        self.session.data_path = Some(path.clone());
        self.persisted.remember(path.clone());
        self.send(Command::Load { path }, Some(Busy::Loading));
    }

    /// Handles every queued engine event; returns how many there were.
    pub fn drain_events(&mut self) -> usize {
        let mut count = 0;
        loop {
            let next = match &self.engine {
                Some(engine) => engine.try_recv(),
                None => return count,
            };
            match next {
                Ok(Some(event)) => {
                    self.handle(event);
                    count += 1;
                }
                Ok(None) => return count,
                Err(e) => {
                    self.session
                        .error(format!("{e}. Restart seqcast to continue."));
                    self.engine = None;
                    return count;
                }
            }
        }
    }

    #[cfg(test)]
    /// Blocks up to `timeout` for one engine event and handles it (for tests and
    /// tools that wait on the engine without sleeping). Returns whether one arrived.
    pub fn wait_for_event(&mut self, timeout: std::time::Duration) -> bool {
        let event = match &self.engine {
            Some(engine) => engine.recv_timeout(timeout).ok().flatten(),
            None => None,
        };
        match event {
            Some(event) => {
                self.handle(event);
                true
            }
            None => false,
        }
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Loaded { table } => {
                self.session.busy = None;
                let data = &mut self.persisted.config.data;
                // Column roles from another file do not apply: fall back to detection.
                let known = |c: &String| table.columns.iter().any(|col| &col.name == c);
                if !data.targets.iter().all(known)
                    || !data.covariates.iter().all(known)
                    || !data.time_column.iter().all(known)
                {
                    data.targets.clear();
                    data.covariates.clear();
                    data.time_column = None;
                }
                let persisted = &mut self.persisted;
                // The engine applies this file's data-dependent defaults with the first
                // inspection, to the settings still at their plain defaults.
                let free = persisted.data_defaults.undo(&mut persisted.config);
                self.session.auto_pending = Some(free);
                self.session.info(format!(
                    "Loaded {}: {} rows × {} columns",
                    table.source,
                    table.n_rows,
                    table.columns.len()
                ));
                self.session
                    .source
                    .get_or_insert_with(|| table.source.clone());
                self.session.table = Some(table);
                self.session.inspection = None;
                self.session.inspected_for = None;
                self.session.summary = None;
                self.persisted.tab = Tab::Data;
                self.record_runs();
            }
            Event::ConfigResolved(resolved) => {
                let persisted = &mut self.persisted;
                if let Some(note) = persisted
                    .data_defaults
                    .adopt(&mut persisted.config, &resolved)
                {
                    self.session.info(note);
                }
                // The inspection on its way is of this configuration already.
                self.session.inspected_for = Some(inspect_key(&self.persisted.config));
            }
            Event::Inspected(inspection) => {
                self.session.inspecting = false;
                self.session.auto_pending = None;
                self.session.inspect_error = None;
                // Fill in detected roles so the panel shows what the engine chose.
                let data = &mut self.persisted.config.data;
                if data.targets.is_empty() {
                    data.targets = inspection.report.targets.clone();
                    self.session.inspected_for = Some(inspect_key(&self.persisted.config));
                }
                self.session.inspection = Some(inspection);
            }
            Event::Training(progress) => {
                self.session
                    .live
                    .get_or_insert_with(LiveRun::default)
                    .update(progress);
            }
            Event::Finished(summary, series) | Event::Cancelled(summary, series) => {
                let cancelled = matches!(
                    summary.training.stop,
                    seqcast_engine::train::StopReason::Cancelled
                );
                self.session.busy = None;
                if let Some(live) = &mut self.session.live {
                    live.running = false;
                    for alert in &summary.training.alerts {
                        live.raise(alert.clone());
                    }
                    live.settle_final(&summary.training.alerts);
                }
                self.session.info(format!(
                    "Training {} · best epoch {} · {:.1}s",
                    summary.training.stop.describe(),
                    summary
                        .training
                        .best_epoch
                        .map_or("-".into(), |e| e.to_string()),
                    summary.training.elapsed_secs
                ));
                self.session.summary = Some(summary);
                self.session.summary_series = Some(series);
                if !cancelled {
                    self.persisted.tab = Tab::Results;
                }
            }
            Event::Overfit(report) => {
                self.session.busy = None;
                self.session.info(report.describe());
                self.session.overfit = Some(report);
            }
            Event::LrRange(report) => {
                self.session.busy = None;
                self.session.info(report.describe());
                self.session.lr_range = Some(report);
            }
            event @ (Event::Runs { .. }
            | Event::RunRecorded(_)
            | Event::RunSummaries(_)
            | Event::Tune(_)
            | Event::TuneFinished(_)) => self.handle_store_event(event),
            Event::ModelLoaded {
                dir,
                config,
                prediction,
            } => {
                self.session.busy = None;
                self.session
                    .info(format!("Loaded the model in {}", dir.display()));
                self.session.loaded_model = Some(super::state::LoadedModel {
                    dir,
                    config: *config,
                    prediction,
                });
            }
            Event::Saved { paths } => {
                self.session.busy = None;
                for p in paths {
                    self.session.info(format!("Wrote {}", p.display()));
                }
            }
            Event::Failed { command, message } => {
                if command == CommandKind::Inspect {
                    self.session.inspecting = false;
                    self.session.inspect_error = Some(message);
                    return;
                }
                if command == CommandKind::Train
                    && let Some(live) = &mut self.session.live
                {
                    live.running = false;
                }
                if command == CommandKind::Search
                    && let Some(search) = &mut self.session.search
                {
                    search.done = true;
                }
                self.session
                    .error(format!("{} failed: {message}", capitalise(command.name())));
                self.session.busy = None;
            }
        }
    }

    /// Asks the engine to clean the data for the current roles and windows when they
    /// changed (never while it is busy training).
    fn maybe_inspect(&mut self) {
        if self.session.table.is_none()
            || self.session.busy == Some(Busy::Training)
            || self.session.inspecting
        {
            return;
        }
        let key = inspect_key(&self.persisted.config);
        if self.session.inspected_for.as_ref() == Some(&key) {
            return;
        }
        self.session.inspected_for = Some(key);
        if let Err(e) = self.persisted.config.validate() {
            self.session.inspect_error = Some(e.to_string());
            return;
        }
        let config = self.persisted.config.clone();
        // Kept until an inspection succeeds (a failed one may be retried with other
        // roles), and only for the settings the user has not set since.
        let auto = self.session.auto_pending.map_or(AutoDefaults::NONE, |a| {
            super::auto_set::still_free(a, &config)
        });
        self.session.inspecting = self.try_send(Command::Inspect { config, auto }, None);
    }

    /// Why Train is disabled, if it is.
    pub fn train_blocker(&self) -> Option<String> {
        if self.engine.is_none() {
            return Some("the engine is not running".into());
        }
        if self.session.table.is_none() {
            return Some("open a CSV file first".into());
        }
        if self.session.busy.is_some() {
            return Some("the engine is busy".into());
        }
        if let Err(e) = self.persisted.config.validate() {
            return Some(e.to_string());
        }
        self.session.inspect_error.clone()
    }

    /// Carries out a panel's intent.
    pub fn apply(&mut self, intent: Intent, ctx: &egui::Context) {
        match intent {
            Intent::Dialog(purpose) => {
                self.dialogs
                    .open(purpose, self.persisted.last_dir.clone(), ctx)
            }
            Intent::Open(path) => self.open(path),
            Intent::Train => {
                if let Some(why) = self.train_blocker() {
                    self.session.error(format!("Cannot train: {why}"));
                    return;
                }
                self.session.live = Some(LiveRun {
                    running: true,
                    ..LiveRun::default()
                });
                self.session.summary = None;
                let config = self.persisted.config.clone();
                // The data-dependent defaults came with the inspection; the settings
                // are used as the panel shows them.
                let auto = AutoDefaults::NONE;
                self.send(Command::Train { config, auto }, Some(Busy::Training));
                self.persisted.tab = Tab::Training;
            }
            Intent::Pause(paused) => {
                if let Some(engine) = &self.engine {
                    engine.set_paused(paused);
                }
            }
            Intent::Stop => {
                if let Some(engine) = &self.engine {
                    engine.cancel();
                }
            }
            Intent::Show(tab) => self.persisted.tab = tab,
            Intent::RunTool(tool) => {
                if let Some(why) = self.train_blocker() {
                    self.session.error(format!("Cannot run the check: {why}"));
                    return;
                }
                let config = self.persisted.config.clone();
                let command = match tool {
                    Tool::Overfit => Command::OverfitBatch { config },
                    Tool::LrRange => Command::LrRangeTest { config },
                };
                self.send(command, Some(Busy::Diagnosing(tool)));
            }
            Intent::Runs(action) => self.apply_runs(action, ctx),
            Intent::CancelTool => self.cancel_engine_job(),
            Intent::SetConfig(config) => self.persisted.config = *config,
        }
    }

    #[cfg(test)]
    /// Uses the typed-path fallback instead of native dialogs.
    pub fn use_path_field(&mut self, why: &str) {
        self.dialogs.unavailable = Some(why.to_string());
    }

    /// Opens a file dialog (or the path field where none exists).
    pub(super) fn open_dialog(
        &mut self,
        purpose: Purpose,
        start: Option<PathBuf>,
        ctx: &egui::Context,
    ) {
        self.dialogs.open(purpose, start, ctx);
    }

    /// Asks the engine to stop its current job (training, a tool or a search).
    pub(super) fn cancel_engine_job(&mut self) {
        if let Some(engine) = &self.engine {
            engine.cancel();
        }
    }

    /// Whether training is paused.
    pub fn is_paused(&self) -> bool {
        self.engine.as_ref().is_some_and(EngineHandle::is_paused)
    }

    fn on_path_chosen(&mut self, purpose: Purpose, path: PathBuf) {
        self.persisted.last_dir = path.parent().map(PathBuf::from);
        match purpose {
            Purpose::OpenCsv => self.open(path),
            Purpose::LoadConfig => match std::fs::read_to_string(&path)
                .map_err(|e| e.to_string())
                .and_then(|t| RunConfig::from_toml(&t).map_err(|e| e.to_string()))
            {
                Ok(config) => {
                    self.persisted.config = config;
                    self.session
                        .info(format!("Loaded the configuration {}", path.display()));
                }
                Err(e) => self
                    .session
                    .error(format!("Cannot load {}: {e}", path.display())),
            },
            Purpose::SaveConfig => {
                let written = self
                    .persisted
                    .config
                    .to_toml()
                    .and_then(|text| write_atomic(&path, text.as_bytes()));
                match written {
                    Ok(()) => self.session.info(format!("Wrote {}", path.display())),
                    Err(e) => self.session.error(e.to_string()),
                }
            }
            Purpose::ExportCsv => self.send(
                Command::Export {
                    predictions: Some(path),
                    report: None,
                    baselines: true,
                },
                Some(Busy::Saving),
            ),
            Purpose::SaveReport => self.send(
                Command::Export {
                    predictions: None,
                    report: Some(path),
                    baselines: false,
                },
                Some(Busy::Saving),
            ),
            Purpose::SaveModel => self.send(Command::SaveModel { dir: path }, Some(Busy::Saving)),
            Purpose::LoadModel => self.send(Command::LoadModel { dir: path }, Some(Busy::Loading)),
            Purpose::RunsDir => {
                self.persisted.runs_dir = Some(path);
                self.record_runs();
            }
        }
    }

    fn files_ui(&mut self, ctx: &egui::Context) {
        if let Some((purpose, picked)) = self.dialogs.poll()
            && let Some(path) = picked
        {
            self.on_path_chosen(purpose, path);
        }
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        });
        if let Some(path) = dropped.into_iter().next() {
            self.open(path);
        }
    }
}

/// The settings that decide what Inspect computes.
fn inspect_key(config: &RunConfig) -> String {
    format!(
        "{:?}{:?}{:?}",
        config.data, config.window, config.eval.season
    )
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

impl eframe::App for SeqcastApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.drain_events();
        self.maybe_inspect();
        self.files_ui(ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        let started = std::time::Instant::now();
        let ctx = ui.ctx().clone();
        let mut intents = Vec::new();
        egui::Panel::top("menu").show(ui, |ui| panels::menu::menu_ui(ui, self, &mut intents));
        egui::Panel::bottom("status").show(ui, |ui| panels::status::status_ui(ui, self));
        egui::Panel::left("config")
            .resizable(true)
            .default_size(310.0)
            .show(ui, |ui| {
                panels::controls::controls_ui(ui, self, &mut intents)
            });
        egui::CentralPanel::default().show(ui, |ui| match self.persisted.tab {
            Tab::Data => panels::data::data_ui(ui, self, &mut intents),
            Tab::Training => panels::training::training_ui(ui, self, &mut intents),
            Tab::Diagnostics => panels::diagnostics::diagnostics_ui(ui, self, &mut intents),
            Tab::Runs => panels::runs::runs_ui(ui, self, &mut intents),
            Tab::Search => panels::search::search_ui(ui, self, &mut intents),
            Tab::Results => panels::results::results_ui(ui, self, &mut intents),
        });
        panels::model::loaded_model_ui(&ctx, &mut self.session.loaded_model, &mut intents);
        if let Some((purpose, path)) = self.dialogs.path_prompt_ui(&ctx) {
            self.on_path_chosen(purpose, path);
        }
        for intent in std::mem::take(&mut intents) {
            self.apply(intent, &ctx);
        }
        self.frame_stats
            .record(started.elapsed(), frame.info().cpu_usage);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        let path = self.settings_file.clone();
        super::settings::save_from_app(storage, path.as_deref(), self);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.frame_stats.write_report();
        // Dropping the handle cancels training and joins the engine thread.
        self.engine = None;
    }
}

//! `SeqcastApp`: owns the engine handle, drains its events once per frame, turns user
//! intents into engine commands, and lays out the panels.

use std::path::PathBuf;

use seqcast_engine::export::write_atomic;
use seqcast_engine::pipeline::defaults::AutoDefaults;
use seqcast_engine::worker::{Command, EngineHandle};
use seqcast_engine::{EngineError, RunConfig};

use super::files::{Dialogs, Purpose};
use super::frame_stats::FrameStats;
use super::panels::{self, Facts, PanelView};
use super::state::{Busy, Persisted, Session, Tab};

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
    pub(super) engine: Option<EngineHandle>,
    /// Remembered between launches.
    pub persisted: Persisted,
    /// Runtime state.
    pub session: Session,
    pub(super) dialogs: Dialogs,
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

    /// Asks the engine to clean the data for the current roles and windows when they
    /// changed (never while it is busy training).
    fn maybe_inspect(&mut self) {
        if self.session.table.is_none()
            || self.session.busy == Some(Busy::Training)
            || self.session.inspecting
        {
            return;
        }
        let persisted = &mut self.persisted;
        if let Some(note) = persisted.data_defaults.keep_valid(&mut persisted.config) {
            self.session.info(note);
        }
        // Many series: the one-series inspection does not apply (training reads them).
        if self.persisted.config.data.series_column.is_some() {
            self.session.inspect_error = None;
            self.session.inspection = None;
            self.session.inspected_for = None;
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

    /// What the panels show that the app derives, for this frame.
    fn facts(&self) -> Facts {
        Facts {
            paused: self.is_paused(),
            train_blocker: self.train_blocker(),
            runs_dir: self.runs_dir(),
            frame: self.frame_stats.summary(),
        }
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
            Purpose::LoadConfig => match RunConfig::from_file(&path) {
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
            Purpose::StaticFile => {
                self.session.info(format!(
                    "Static attributes from {} (read when training starts)",
                    path.display()
                ));
                self.persisted.config.data.static_file = Some(path);
            }
            Purpose::FutureFile => {
                self.session.info(format!(
                    "Future values from {} (read when training starts)",
                    path.display()
                ));
                self.persisted.config.data.future_file = Some(path);
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
pub(super) fn inspect_key(config: &RunConfig) -> String {
    format!(
        "{:?}{:?}{:?}",
        config.data, config.window, config.eval.season
    )
}

pub(super) fn capitalise(s: &str) -> String {
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
        let facts = self.facts();
        let (session, persisted) = (&mut self.session, &mut self.persisted);
        egui::Panel::top("menu").show(ui, |ui| {
            let view = PanelView {
                session,
                persisted,
                facts: &facts,
            };
            panels::menu::menu_ui(ui, &view, &mut intents)
        });
        egui::Panel::bottom("status").show(ui, |ui| {
            let view = PanelView {
                session,
                persisted,
                facts: &facts,
            };
            panels::status::status_ui(ui, &view, &mut intents)
        });
        egui::Panel::left("config")
            .resizable(true)
            .default_size(310.0)
            .show(ui, |ui| {
                let mut view = PanelView {
                    session,
                    persisted,
                    facts: &facts,
                };
                panels::controls::controls_ui(ui, &mut view, &mut intents)
            });
        egui::CentralPanel::default().show(ui, |ui| {
            if persisted.tab == Tab::Runs {
                let custom_dir = persisted.runs_dir.is_some();
                panels::runs::runs_ui(ui, &mut session.runs, custom_dir, &mut intents);
                return;
            }
            let mut view = PanelView {
                session,
                persisted,
                facts: &facts,
            };
            match view.persisted.tab {
                Tab::Data => panels::data::data_ui(ui, &mut view, &mut intents),
                Tab::Training => panels::training::training_ui(ui, &mut view, &mut intents),
                Tab::Diagnostics => {
                    panels::diagnostics::diagnostics_ui(ui, &mut view, &mut intents)
                }
                Tab::Search => panels::search::search_ui(ui, &mut view, &mut intents),
                Tab::Results => panels::results::results_ui(ui, &mut view, &mut intents),
                Tab::Runs => {}
            }
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

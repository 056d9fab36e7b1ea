//! What panels ask for, and the one place it is carried out. Panels draw from a
//! [`PanelView`](super::panels::PanelView) (the runtime state to read, the remembered
//! settings to edit) and push [`Intent`]s; the app applies them after the frame's
//! panels, so no panel reaches into the app or the engine.

use std::path::PathBuf;

use seqcast_engine::RunConfig;
use seqcast_engine::pipeline::defaults::AutoDefaults;
use seqcast_engine::worker::Command;

use super::app::SeqcastApp;
use super::files::Purpose;
use super::live::LiveRun;
use super::runs_search::RunsAction;
use super::state::{Busy, Tab, Tool};

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
    /// Change a setting of the running training before its next step.
    Knob(seqcast_engine::config::Knob, f64),
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
    /// Dismiss the status bar's message at this index.
    DismissMessage(usize),
}

impl SeqcastApp {
    /// A fresh live run in place of the last run's results, as training starts.
    pub(super) fn begin_live_run(&mut self) {
        self.session.live = Some(LiveRun {
            running: true,
            ..LiveRun::default()
        });
        self.session.summary = None;
        self.session.panel = None;
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
                self.begin_live_run();
                // The data's recursive default may no longer fit the roles (many series,
                // a covariate of unknown future) when Train comes before the next
                // inspection has had its turn to put it back.
                let persisted = &mut self.persisted;
                if let Some(note) = persisted.data_defaults.keep_valid(&mut persisted.config) {
                    self.session.info(note);
                }
                let config = self.persisted.config.clone();
                // The data-dependent defaults came with the inspection; the settings
                // are used as the panel shows them. Many series have no inspection: the
                // epochs, when still at their default, follow the windows of all series.
                let auto = match config.data.series_column {
                    Some(_) => AutoDefaults {
                        epochs: config.train.epochs == RunConfig::default().train.epochs,
                        ..AutoDefaults::NONE
                    },
                    None => AutoDefaults::NONE,
                };
                self.send(Command::Train { config, auto }, Some(Busy::Training));
                self.persisted.tab = Tab::Training;
            }
            Intent::Pause(paused) => {
                if let Some(engine) = &self.engine {
                    engine.set_paused(paused);
                }
            }
            Intent::Knob(knob, to) => {
                if let Some(engine) = &self.engine {
                    engine.set_knob(knob, to);
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
            Intent::DismissMessage(i) => {
                if i < self.session.messages.len() {
                    self.session.messages.remove(i);
                }
            }
        }
    }
}

//! The app's side of the run store and the search: which runs directory the engine
//! records into, the events that list, load and report runs and trials, and the user's
//! actions on them.

use std::path::PathBuf;

use seqcast_engine::runs::default_dir;
use seqcast_engine::train::Progress;
use seqcast_engine::tune::TuneProgress;
use seqcast_engine::worker::{Command, Event, TuneJob};

use super::app::SeqcastApp;
use super::files::Purpose;
use super::intent::Intent;
use super::state::{Busy, SearchState, Tab};

/// What the Runs and Search views ask for.
#[derive(Clone, Debug, PartialEq)]
pub enum RunsAction {
    /// List the runs directory again.
    Refresh,
    /// Pick another runs directory.
    ChooseDir,
    /// Go back to `seqcast-runs` beside the data.
    DefaultDir,
    /// Load the selected runs and show them side by side.
    Compare,
    /// Rename a run.
    Rename {
        /// Run id.
        id: String,
        /// New name.
        name: String,
    },
    /// Replace a run's note.
    Note {
        /// Run id.
        id: String,
        /// The note.
        note: String,
    },
    /// Delete a run (after the user confirmed).
    Delete(String),
    /// Copy a run's configuration into the editor, to train again.
    UseConfig(String),
    /// Train a branch of a run after its epoch `epoch`, with `edited` settings.
    Branch {
        /// The parent's id.
        id: String,
        /// The parent's last shared epoch.
        epoch: usize,
        /// The parent's configuration with the edits.
        edited: Box<seqcast_engine::RunConfig>,
    },
    /// Start a search with the form's space and settings.
    StartSearch,
    /// Stop the search after the current batch.
    CancelSearch,
    /// Copy the best trial's configuration into the editor.
    ApplyBest,
}

impl SeqcastApp {
    /// The runs directory in effect: the user's choice, else beside the data.
    pub fn runs_dir(&self) -> PathBuf {
        self.persisted
            .runs_dir
            .clone()
            .unwrap_or_else(|| default_dir(self.session.data_path.as_deref()))
    }

    /// Tells the engine where to record runs (and to list them).
    pub(super) fn record_runs(&mut self) {
        let dir = self.runs_dir();
        self.send(
            Command::RecordRuns {
                dir: Some(dir),
                origin: seqcast_engine::runs::RunOrigin::Gui,
            },
            None,
        );
    }

    pub(super) fn handle_store_event(&mut self, event: Event) {
        match event {
            Event::Runs { dir, runs, skipped } => {
                let view = &mut self.session.runs;
                if view.dir.as_ref() != Some(&dir) {
                    view.selected.clear();
                    view.compared.clear();
                }
                view.selected.retain(|id| runs.iter().any(|r| &r.id == id));
                view.compared
                    .retain(|(m, _)| runs.iter().any(|r| r.id == m.id));
                // Names and notes may have changed.
                for (meta, _) in &mut view.compared {
                    if let Some(fresh) = runs.iter().find(|r| r.id == meta.id) {
                        *meta = fresh.clone();
                    }
                }
                view.dir = Some(dir);
                view.list = runs;
                view.skipped = skipped;
            }
            Event::RunRecorded(meta) => {
                self.session
                    .info(format!("Recorded the run as {}", meta.id));
            }
            Event::RunSummaries(runs) => {
                self.session.busy = None;
                self.session.runs.compared = runs;
            }
            Event::Tune(progress) => self.on_tune(progress),
            Event::TuneFinished(outcome) => {
                self.session.busy = None;
                let search = self.session.search.get_or_insert_with(SearchState::default);
                search.trials = outcome.trials.clone();
                search.best = outcome.best;
                search.done = true;
                search.cancelled = outcome.cancelled;
                search.current = None;
                let best = outcome
                    .best
                    .and_then(|i| outcome.trials.get(i))
                    .map_or("no trial finished".into(), |t| {
                        format!("best: trial {} ({})", t.index, t.describe())
                    });
                self.session.info(format!(
                    "Search {} after {} trials; {best}",
                    if outcome.cancelled {
                        "cancelled"
                    } else {
                        "finished"
                    },
                    outcome.trials.len()
                ));
            }
            _ => {}
        }
    }

    fn on_tune(&mut self, progress: TuneProgress) {
        let search = self.session.search.get_or_insert_with(SearchState::default);
        match progress {
            TuneProgress::Started { trials, knobs, .. } => {
                *search = SearchState {
                    total: trials,
                    knobs,
                    ..SearchState::default()
                };
            }
            TuneProgress::TrialStarted { index, knobs } => {
                search.current = Some((index, knobs));
                search.current_epoch = None;
            }
            TuneProgress::Training(Progress::Epoch(record)) => {
                search.current_epoch = Some((record.epoch, record.val_loss));
            }
            TuneProgress::Training(_) => {}
            TuneProgress::TrialDone(trial) => {
                search.trials.push(*trial);
                search.update_best();
            }
        }
    }

    pub(super) fn apply_runs(&mut self, action: RunsAction, ctx: &egui::Context) {
        match action {
            RunsAction::Refresh => self.send(Command::ListRuns, None),
            RunsAction::ChooseDir => {
                let start = self
                    .session
                    .runs
                    .dir
                    .as_ref()
                    .and_then(|d| d.parent().map(PathBuf::from));
                self.open_dialog(Purpose::RunsDir, start, ctx);
            }
            RunsAction::DefaultDir => {
                self.persisted.runs_dir = None;
                self.record_runs();
            }
            RunsAction::Compare => {
                let ids = self.session.runs.selected.clone();
                self.send(Command::LoadRuns { ids }, None);
            }
            RunsAction::Rename { id, name } => self.send(Command::RenameRun { id, name }, None),
            RunsAction::Note { id, note } => self.send(Command::NoteRun { id, note }, None),
            RunsAction::Delete(id) => self.send(Command::DeleteRun { id }, None),
            RunsAction::UseConfig(id) => {
                if let Some(run) = self.session.runs.list.iter().find(|r| r.id == id) {
                    self.persisted.config = run.config.clone();
                    self.session.info(format!(
                        "Configuration of '{}' loaded: press Train",
                        run.name
                    ));
                }
            }
            RunsAction::Branch { id, epoch, edited } => {
                if let Some(why) = self.train_blocker() {
                    self.session
                        .error(format!("Cannot train the branch: {why}"));
                    return;
                }
                self.begin_live_run();
                // The editor shows the branch's settings (its changes are the engine's).
                let mut config = (*edited).clone();
                config.train.changes.clear();
                config.train.branch = None;
                self.persisted.config = config;
                self.send(
                    Command::Branch {
                        run: id,
                        epoch,
                        edited,
                    },
                    Some(Busy::Training),
                );
                self.persisted.tab = Tab::Training;
            }
            RunsAction::StartSearch => {
                if let Some(why) = self.train_blocker() {
                    self.session.error(format!("Cannot search: {why}"));
                    return;
                }
                if let Err(e) = self.persisted.search_space.validate() {
                    self.session.error(e.to_string());
                    return;
                }
                self.session.search = Some(SearchState::default());
                let job = TuneJob {
                    config: self.persisted.config.clone(),
                    space: self.persisted.search_space.clone(),
                    settings: self.persisted.search_settings.clone(),
                };
                self.send(Command::Tune(Box::new(job)), Some(Busy::Searching));
                self.persisted.tab = Tab::Search;
            }
            RunsAction::CancelSearch => self.cancel_engine_job(),
            RunsAction::ApplyBest => {
                let best = self
                    .session
                    .search
                    .as_ref()
                    .and_then(|s| s.best.and_then(|i| s.trials.get(i)));
                if let Some(best) = best {
                    let (config, what) = (best.config.clone(), best.describe());
                    self.persisted.config = config;
                    self.session
                        .info(format!("Best trial's configuration applied ({what})"));
                }
            }
        }
    }
}

/// Shorthand for panels.
pub fn runs_intent(action: RunsAction) -> Intent {
    Intent::Runs(action)
}

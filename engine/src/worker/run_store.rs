//! The engine thread's run-store and search commands: recording finished runs, listing,
//! loading, renaming, annotating and deleting them, and running a hyperparameter search.

use std::sync::Arc;

use super::protocol::{CommandKind, Event};
use super::runner::{Runner, deliver};
use crate::config::RunConfig;
use crate::error::{EngineError, Result};
use crate::pipeline::RunOutput;
use crate::runs::RunStore;
use crate::train::Progress;
use crate::tune::{self, SearchSpace, TuneData, TuneProgress, TuneSettings};

impl Runner {
    /// The runs directory, or why there is none.
    pub(super) fn store(&self) -> Result<&RunStore> {
        self.record
            .as_ref()
            .map(|(store, _)| store)
            .ok_or_else(|| EngineError::NotReady("no runs directory is set".into()))
    }

    /// Emits the runs directory's listing.
    pub(super) fn list_runs(&mut self) -> Result<()> {
        let store = self.store()?.clone();
        let (runs, skipped) = store.list()?;
        self.emit(Event::Runs {
            dir: store.dir().to_path_buf(),
            runs,
            skipped,
        });
        Ok(())
    }

    /// Trains a branch of the recorded run `run` after its epoch `epoch` with the
    /// settings of `edited`, on the loaded table (which must be the run's data).
    pub(super) fn branch(&mut self, run: &str, epoch: usize, edited: &RunConfig) -> Result<()> {
        let table = self.table()?;
        let parent = self.store()?.summary(run)?;
        if table.sha256 != parent.data.sha256 {
            return Err(EngineError::Config(format!(
                "branch of run {run}: the open file is not the data it trained on ({}); \
                 open that file to branch it",
                parent.data.file
            )));
        }
        let config = crate::runs::branch::plan(run, &parent, epoch, edited)?;
        // The latest checkpoint at or before the branch point saves retraining the
        // epochs before it; without one the branch retraces them from the start.
        let cap = crate::train::max_checkpoint_bytes(
            parent.training.parameters,
            parent.data.windows.first().copied().unwrap_or(0),
        );
        let resume = self
            .store()?
            .checkpoint_before(run, epoch, cap)?
            .map(|(at, state)| crate::pipeline::Resume {
                epoch: at,
                state,
                history: parent.training.history.clone(),
            });
        self.train(&config, resume, None)
    }

    /// Emits the full summaries of `ids`.
    pub(super) fn load_runs(&mut self, ids: &[String]) -> Result<()> {
        let store = self.store()?.clone();
        let (runs, _) = store.list()?;
        let mut out = Vec::new();
        for id in ids {
            let meta = runs
                .iter()
                .find(|r| &r.id == id)
                .cloned()
                .ok_or_else(|| EngineError::RunStore(format!("no run '{id}'")))?;
            out.push((meta, Arc::new(store.stored(id)?)));
        }
        self.emit(Event::RunSummaries(out));
        Ok(())
    }

    /// Records a finished run when a runs directory is set; a failure to record is
    /// reported but does not undo the run.
    pub(super) fn record_run(&mut self, output: &RunOutput) {
        let Some((store, origin)) = self.record.clone() else {
            return;
        };
        match store.save(
            &output.summary,
            (&output.model, &output.checkpoints),
            origin,
        ) {
            Ok(meta) => {
                self.emit(Event::RunRecorded(Box::new(meta)));
                if let Err(e) = self.list_runs() {
                    self.fail(CommandKind::ListRuns, e.to_string());
                }
            }
            Err(e) => self.fail(CommandKind::RecordRun, e.to_string()),
        }
    }

    /// Records a finished run over many series, as [`Runner::record_run`] does for one.
    pub(super) fn record_panel_run(
        &mut self,
        summary: &crate::panel::run::PanelSummary,
        model: &crate::artifact::PanelModel,
    ) {
        let Some((store, origin)) = self.record.clone() else {
            return;
        };
        match store.save_panel(summary, Some(model), origin) {
            Ok(meta) => {
                self.emit(Event::RunRecorded(Box::new(meta)));
                if let Err(e) = self.list_runs() {
                    self.fail(CommandKind::ListRuns, e.to_string());
                }
            }
            Err(e) => self.fail(CommandKind::RecordRun, e.to_string()),
        }
    }

    /// Runs a search, forwarding its progress (training batches may be dropped when the
    /// driver lags; everything else is delivered).
    pub(super) fn tune(
        &mut self,
        table: TuneData<'_>,
        config: &RunConfig,
        space: &SearchSpace,
        settings: &TuneSettings,
    ) -> Result<()> {
        let events = self.events.clone();
        let waker = self.waker.as_ref();
        let control = self.control.clone();
        let store = self.record.as_ref().map(|(s, _)| s.clone());
        let mut report = |progress: TuneProgress| {
            // Training batches may be dropped when the driver lags; trial results may not.
            let droppable = matches!(
                progress,
                TuneProgress::Training(
                    Progress::Batch { .. }
                        | Progress::Snapshot(_)
                        | Progress::ValidationOutputs { .. }
                        | Progress::ValidationForecast { .. }
                )
            );
            deliver(&events, waker, &control, Event::Tune(progress), droppable);
        };
        let outcome = tune::run(
            table,
            config,
            space,
            settings,
            &self.control,
            store.as_ref(),
            &mut report,
        )?;
        self.emit(Event::TuneFinished(Arc::new(outcome)));
        if store.is_some() {
            self.list_runs()?;
        }
        Ok(())
    }

    fn fail(&mut self, command: CommandKind, message: String) {
        self.emit(Event::Failed { command, message });
    }
}

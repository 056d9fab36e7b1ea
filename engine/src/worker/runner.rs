//! The engine thread's loop: executes commands one after another, keeps the loaded
//! table and the last trained run, turns every failure (and any panic) into an event.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};

use super::protocol::{Command, Event, Inspection, PanelSource, Waker};
use crate::artifact;
use crate::config::RunConfig;
use crate::data::table::{CsvTable, LoadLimits, read_csv_bytes_cancellable, read_csv_cancellable};
use crate::diag::Doctor;
use crate::error::{EngineError, Result};
use crate::export::{self, CsvOptions};
use crate::panel::Panel;
use crate::panel::layout::{Layout, panel_from_table};
use crate::panel::score::SeriesForecast;
use crate::pipeline::bench::BenchSpec;
use crate::pipeline::defaults::AutoDefaults;
use crate::pipeline::{self, RunOutput};
use crate::runs::{RunOrigin, RunStore};
use crate::train::{Control, Progress, StopReason};
use crate::tune::TuneData;

pub(super) struct Runner {
    commands: Receiver<Command>,
    pub(super) events: SyncSender<Event>,
    pub(super) waker: Option<Waker>,
    pub(super) control: Control,
    table: Option<Arc<CsvTable>>,
    /// The file the table was read from (none for bytes), which exports may not replace.
    table_path: Option<PathBuf>,
    last_run: Option<RunOutput>,
    /// The last panel run (exports write it when it is newer than `last_run`).
    last_panel: Option<LastPanel>,
    /// Where finished runs are recorded, and as what.
    pub(super) record: Option<(RunStore, RunOrigin)>,
    /// Set when the driver has gone away: stop at the next opportunity.
    disconnected: bool,
}

impl Runner {
    pub(super) fn new(
        commands: Receiver<Command>,
        events: SyncSender<Event>,
        waker: Option<Waker>,
        control: Control,
    ) -> Self {
        Self {
            commands,
            events,
            waker,
            control,
            table: None,
            table_path: None,
            last_run: None,
            last_panel: None,
            record: None,
            disconnected: false,
        }
    }

    pub(super) fn run(mut self) {
        while let Ok(command) = self.commands.recv() {
            if matches!(command, Command::Shutdown) || self.disconnected {
                break;
            }
            let name = command.kind();
            let outcome = catch_unwind(AssertUnwindSafe(|| self.execute(command)));
            let failure = match outcome {
                Ok(Ok(())) => None,
                Ok(Err(e)) => Some(e.to_string()),
                Err(panic) => Some(format!(
                    "internal error (please report it): {}",
                    panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "unknown panic".into())
                )),
            };
            if let Some(message) = failure {
                self.emit(Event::Failed {
                    command: name,
                    message,
                });
            }
            if self.disconnected {
                break;
            }
        }
    }

    fn execute(&mut self, command: Command) -> Result<()> {
        match command {
            Command::Load { path } => {
                let cancel = || self.control.is_cancelled();
                let table = Arc::new(read_csv_cancellable(
                    &path,
                    LoadLimits::for_this_machine(),
                    &cancel,
                )?);
                self.table = Some(table.clone());
                self.table_path = Some(path);
                let id_guess = crate::panel::detect::guess_id_column(&table);
                self.emit(Event::Loaded { table, id_guess });
            }
            Command::LoadBytes { name, bytes } => {
                let cancel = || self.control.is_cancelled();
                let table = Arc::new(read_csv_bytes_cancellable(&bytes, &name, &cancel)?);
                self.table = Some(table.clone());
                self.table_path = None;
                let id_guess = crate::panel::detect::guess_id_column(&table);
                self.emit(Event::Loaded { table, id_guess });
            }
            Command::Inspect { config, auto } => {
                let table = self.table()?;
                let config = self.resolve(&table, &config, auto)?;
                let (prepared, report, _) = pipeline::load_and_prepare(&table, &config)?;
                self.emit(Event::Inspected(Arc::new(Inspection {
                    // The windows the model learns from (one-step ones for a recursive
                    // model), as training then counts them.
                    windows: [
                        prepared.model_train.len(),
                        prepared.val.len(),
                        prepared.test.len(),
                    ],
                    split: prepared.split.clone(),
                    series: prepared.series.clone(),
                    future_missing: prepared.beyond.as_ref().err().cloned(),
                    report,
                })));
            }
            Command::Train { config, auto } => {
                let table = self.table()?;
                // A series column makes the table a panel: one model over its series.
                if let Some(layout) = crate::panel::layout::long_layout(&table, &config)? {
                    return self.train_panel(PanelSource::Loaded(layout), &config, auto);
                }
                if let Some(path) = &config.data.static_file {
                    return Err(EngineError::Config(format!(
                        "{}: static attributes describe many series; name the series column \
                         (or train on several columns as series) to use them",
                        path.display()
                    )));
                }
                let config = self.resolve(&table, &config, auto)?;
                self.train(&config, None, None)?;
            }
            Command::Branch { run, epoch, edited } => self.branch(&run, epoch, &edited)?,
            Command::TrainPanel {
                source,
                config,
                auto,
            } => self.train_panel(source, &config, auto)?,
            Command::FaultTrainThenPanic {
                config,
                after_epochs,
            } => self.train(&config, None, Some(after_epochs))?,
            Command::OverfitBatch { config } => {
                let table = self.table()?;
                let report = pipeline::overfit_batch(&table, &config, &self.control)?;
                self.emit(Event::Overfit(Arc::new(report)));
            }
            Command::Bench { spec, threads } => self.bench(&spec, threads)?,
            Command::LrRangeTest { config } => {
                let table = self.table()?;
                let report = pipeline::lr_range_test(&table, &config, &self.control)?;
                self.emit(Event::LrRange(Arc::new(report)));
            }
            Command::SaveModel { dir } => {
                if let Some(last) = &self.last_panel {
                    artifact::save_panel(&dir, &last.model, Some(&last.summary.data.source))?;
                } else {
                    let run = self.last_run()?;
                    artifact::save(&dir, &run.model, Some(&run.summary.data.file))?;
                }
                self.emit(Event::Saved { paths: vec![dir] });
            }
            Command::Export {
                predictions,
                report,
                baselines,
            } => self.export(predictions, report, baselines)?,
            Command::LoadModel { dir } => self.load_model(dir)?,
            Command::RecordRuns { dir, origin } => {
                self.record = match dir {
                    Some(dir) => Some((RunStore::open(dir)?, origin)),
                    None => None,
                };
                self.list_runs()?;
            }
            Command::ListRuns => self.list_runs()?,
            Command::LoadRuns { ids } => self.load_runs(&ids)?,
            Command::RenameRun { id, name } => {
                self.store()?.rename(&id, &name)?;
                self.list_runs()?;
            }
            Command::NoteRun { id, note } => {
                self.store()?.set_note(&id, &note)?;
                self.list_runs()?;
            }
            Command::DeleteRun { id } => {
                self.store()?.delete(&id)?;
                self.list_runs()?;
            }
            Command::Tune(job) => {
                let table = self.table()?;
                // A series column makes the search one over models of many series.
                match crate::panel::layout::long_layout(&table, &job.config)? {
                    Some(layout) => {
                        let source = PanelSource::Loaded(layout.clone());
                        let panel = Arc::new(self.load_panel(source, &job.config)?);
                        let data = TuneData::Panel(&panel, &layout);
                        self.tune(data, &job.config, &job.space, &job.settings)?;
                    }
                    None => {
                        let data = TuneData::Table(&table);
                        self.tune(data, &job.config, &job.space, &job.settings)?;
                    }
                }
            }
            Command::Shutdown => {}
        }
        Ok(())
    }

    /// Trains on the loaded table (on from the checkpoint `resume`, a branch);
    /// `panic_after` is fault injection (see [`Command::FaultTrainThenPanic`]).
    pub(super) fn train(
        &mut self,
        config: &RunConfig,
        resume: Option<pipeline::Resume>,
        panic_after: Option<usize>,
    ) -> Result<()> {
        let table = self.table()?;
        let events = self.events.clone();
        let waker = self.waker.as_ref();
        let control = self.control.clone();
        let mut epochs = 0;
        let mut doctor = Doctor::new(config);
        let mut report = |progress: Progress| {
            let record = match &progress {
                Progress::Epoch(record) => Some(record.clone()),
                _ => None,
            };
            if record.is_some() {
                epochs += 1;
            }
            if panic_after.is_some_and(|n| epochs >= n) {
                panic!("injected fault: panic in the training loop after {epochs} epochs");
            }
            deliver_progress(&events, waker, &control, progress);
            if let Some(record) = record
                && doctor.epoch(record)
            {
                let list = Event::Doctor(doctor.diagnoses().into());
                deliver(&events, waker, &control, list, false);
            }
        };
        let output = pipeline::run_from(&table, config, resume, &self.control, &mut report)?;
        let summary = Arc::new(output.summary.clone());
        let series = output.series.clone();
        if doctor.finish(&summary.training.alerts) {
            self.emit(Event::Doctor(doctor.diagnoses().into()));
        }
        self.record_run(&output);
        self.last_run = Some(output);
        self.last_panel = None;
        self.emit(match summary.training.stop {
            StopReason::Cancelled => Event::Cancelled(summary, series),
            _ => Event::Finished(summary, series),
        });
        Ok(())
    }

    /// The series of `source`, with the static attributes `config` names.
    pub(super) fn load_panel(&self, source: PanelSource, config: &RunConfig) -> Result<Panel> {
        let cancel = || self.control.is_cancelled();
        let read =
            |path: &PathBuf| read_csv_cancellable(path, LoadLimits::for_this_machine(), &cancel);
        let mut panel = match source {
            PanelSource::Loaded(layout) => panel_from_table(self.table()?.as_ref(), &layout)?,
            PanelSource::M4 { train, test } => {
                let mut panel = panel_from_table(&read(&train)?, &Layout::Rows)?;
                panel.append(panel_from_table(&read(&test)?, &Layout::Rows)?)?;
                panel
            }
        };
        if let Some(path) = &config.data.static_file {
            let key = config.data.series_column.as_deref();
            crate::panel::attributes::attach_file(&mut panel, &read(path)?, key)?;
        }
        Ok(panel)
    }

    /// Trains one model on a panel of series and reports its scores.
    fn train_panel(
        &mut self,
        source: PanelSource,
        config: &RunConfig,
        auto: AutoDefaults,
    ) -> Result<()> {
        let layout = match &source {
            PanelSource::Loaded(layout) => layout.clone(),
            PanelSource::M4 { .. } => Layout::Rows,
        };
        let panel = self.load_panel(source, config)?;
        let resolved = crate::panel::defaults::resolve(&panel, config, auto);
        let config = resolved.config.clone();
        if !resolved.changes.is_empty() {
            self.emit(Event::ConfigResolved(Arc::new(resolved)));
        }
        let events = self.events.clone();
        let waker = self.waker.as_ref();
        let control = self.control.clone();
        let mut report = |progress: Progress| deliver_progress(&events, waker, &control, progress);
        let panel = Arc::new(panel);
        let output = crate::panel::run::run(panel.clone(), &config, &self.control, &mut report)?;
        let mut spec = output.spec;
        spec.layout = Some(layout);
        let model = artifact::PanelModel {
            forecaster: output.model,
            config: output.summary.config.clone(),
            spec,
        };
        self.record_panel_run(&output.summary, &model);
        let summary = Arc::new(output.summary);
        let forecasts: Arc<[SeriesForecast]> = output.forecasts.into();
        self.last_panel = Some(LastPanel {
            panel,
            summary: summary.clone(),
            forecasts: forecasts.clone(),
            model,
        });
        self.last_run = None;
        self.emit(Event::PanelFinished(summary, forecasts));
        Ok(())
    }

    /// Runs a throughput benchmark with `threads` per step (kept for later runs).
    fn bench(&mut self, spec: &BenchSpec, threads: usize) -> Result<()> {
        crate::model::fast::set_max_threads(threads);
        let events = self.events.clone();
        let waker = self.waker.as_ref();
        let control = self.control.clone();
        let mut report = |progress: Progress| deliver_progress(&events, waker, &control, progress);
        let outcome = pipeline::bench::run(spec, threads, &self.control, &mut report)?;
        self.emit(Event::Benched(Arc::new(outcome)));
        Ok(())
    }

    /// Writes the last run's predictions and / or report.
    fn export(
        &mut self,
        predictions: Option<PathBuf>,
        report: Option<PathBuf>,
        baselines: bool,
    ) -> Result<()> {
        if let Some(data) = &self.table_path {
            for path in predictions.iter().chain(&report) {
                export::refuse_overwriting(path, data)?;
            }
        }
        if let Some(last) = &self.last_panel {
            let mut paths: Vec<PathBuf> = Vec::new();
            if let Some(path) = predictions {
                let csv = crate::export::panel::predictions_csv(
                    &last.panel,
                    &last.summary,
                    &last.forecasts,
                );
                export::write_atomic(&path, csv.as_bytes())?;
                paths.push(path);
            }
            if let Some(path) = report {
                let json = crate::export::panel::report_json(&last.summary)?;
                export::write_atomic(&path, json.as_bytes())?;
                paths.push(path);
            }
            self.emit(Event::Saved { paths });
            return Ok(());
        }
        let run = self.last_run()?;
        let mut paths: Vec<PathBuf> = Vec::new();
        if let Some(path) = predictions {
            let csv = export::predictions_csv(&run.summary, &run.series, CsvOptions { baselines });
            export::write_atomic(&path, csv.as_bytes())?;
            paths.push(path);
        }
        if let Some(path) = report {
            export::write_report(&path, &run.summary)?;
            paths.push(path);
        }
        self.emit(Event::Saved { paths });
        Ok(())
    }

    /// Loads a saved model and forecasts the loaded table with it.
    fn load_model(&mut self, dir: PathBuf) -> Result<()> {
        let table = self.table()?;
        let model = artifact::load(&dir)?;
        let prediction = Arc::new(pipeline::predict::predict(&model, &table)?);
        self.emit(Event::ModelLoaded {
            dir,
            config: Box::new(model.config),
            prediction,
        });
        Ok(())
    }

    /// `config` with the data-dependent defaults `auto` allows, announced by
    /// [`Event::ConfigResolved`] when they change anything.
    fn resolve(
        &mut self,
        table: &CsvTable,
        config: &RunConfig,
        auto: AutoDefaults,
    ) -> Result<RunConfig> {
        if !auto.any() {
            return Ok(config.clone());
        }
        let resolved = pipeline::defaults::resolve(table, config, auto)?;
        let config = resolved.config.clone();
        if !resolved.changes.is_empty() {
            self.emit(Event::ConfigResolved(Arc::new(resolved)));
        }
        Ok(config)
    }

    pub(super) fn table(&self) -> Result<Arc<CsvTable>> {
        self.table
            .clone()
            .ok_or_else(|| EngineError::NotReady("no data loaded: open a CSV file first".into()))
    }

    fn last_run(&self) -> Result<&RunOutput> {
        if self.last_panel.is_some() {
            return Err(EngineError::NotReady(
                "the last model was trained on many series: saving it is not available yet \
                 (its report and predictions can be exported)"
                    .into(),
            ));
        }
        self.last_run
            .as_ref()
            .ok_or_else(|| EngineError::NotReady("no trained model yet: train one first".into()))
    }

    /// Queues an event (blocking while the queue is full) and wakes the driver.
    pub(super) fn emit(&mut self, event: Event) {
        if self.events.send(event).is_err() {
            self.disconnected = true;
            self.control.cancel();
            return;
        }
        if let Some(wake) = &self.waker {
            wake();
        }
    }
}

/// A finished panel run, kept for exports.
struct LastPanel {
    panel: Arc<crate::panel::Panel>,
    summary: Arc<crate::panel::run::PanelSummary>,
    forecasts: Arc<[SeriesForecast]>,
    model: artifact::PanelModel,
}

/// Sends training progress: batch progress and gradient snapshots may be dropped when
/// the driver lags; epochs (which carry the doctor's evidence and the benchmark's
/// measurement) and the rest may not.
fn deliver_progress(
    events: &SyncSender<Event>,
    waker: Option<&Waker>,
    control: &Control,
    progress: Progress,
) {
    let droppable = matches!(progress, Progress::Batch { .. } | Progress::Snapshot(_));
    deliver(events, waker, control, Event::Training(progress), droppable);
}

/// Sends `event` to the driver, dropping it rather than waiting when it is `droppable`
/// and the driver lags, then wakes the driver. When nobody listens any more, the job
/// stops at the next batch.
pub(super) fn deliver(
    events: &SyncSender<Event>,
    waker: Option<&Waker>,
    control: &Control,
    event: Event,
    droppable: bool,
) {
    let sent = if droppable {
        match events.try_send(event) {
            Ok(()) | Err(TrySendError::Full(_)) => true,
            Err(TrySendError::Disconnected(_)) => false,
        }
    } else {
        events.send(event).is_ok()
    };
    match (sent, waker) {
        (true, Some(wake)) => wake(),
        (true, None) => {}
        (false, _) => control.cancel(),
    }
}

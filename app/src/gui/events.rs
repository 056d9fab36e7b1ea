//! What the app does with each engine event: one method per kind, so `handle` reads
//! as the table of what the engine can say.

use std::path::PathBuf;
use std::sync::Arc;

use seqcast_engine::data::series::Series;
use seqcast_engine::data::table::CsvTable;
use seqcast_engine::pipeline::RunSummary;
use seqcast_engine::pipeline::defaults::Resolved;
use seqcast_engine::worker::{CommandKind, Event, Inspection};

use super::app::{SeqcastApp, capitalise, inspect_key};
use super::live::LiveRun;
use super::state::{PanelResult, Tab};
use seqcast_engine::panel::run::PanelSummary;
use seqcast_engine::panel::score::SeriesForecast;

impl SeqcastApp {
    /// Folds one engine event into the app.
    pub(super) fn handle(&mut self, event: Event) {
        match event {
            Event::Loaded { table, id_guess } => self.on_loaded(table, id_guess),
            Event::ConfigResolved(resolved) => self.on_resolved(&resolved),
            Event::Inspected(inspection) => self.on_inspected(inspection),
            Event::Training(progress) => {
                let live = self.session.live.get_or_insert_with(LiveRun::default);
                live.update(progress);
                for message in std::mem::take(&mut live.refused) {
                    self.session.error(message);
                }
            }
            Event::Doctor(list) => {
                if let Some(live) = &mut self.session.live {
                    live.alerts = list.to_vec();
                }
            }
            Event::Finished(summary, series) | Event::Cancelled(summary, series) => {
                self.on_trained(summary, series)
            }
            Event::Overfit(report) => {
                self.session.busy = None;
                self.session.info(report.describe());
                self.session.overfit = Some(report);
            }
            // The GUI does not benchmark; a finished job frees the controls all the same.
            Event::Benched(_) => self.session.busy = None,
            Event::PanelFinished(summary, forecasts) => self.on_panel_trained(summary, forecasts),
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
            Event::Saved { paths } => self.on_saved(paths),
            Event::Failed { command, message } => self.on_failed(command, message),
        }
    }

    fn on_loaded(
        &mut self,
        table: Arc<CsvTable>,
        id_guess: Option<seqcast_engine::panel::detect::IdGuess>,
    ) {
        self.session.busy = None;
        let data = &mut self.persisted.config.data;
        // Column roles (and a date format) from another file do not apply: fall back to
        // detection.
        let known = |c: &String| table.columns.iter().any(|col| &col.name == c);
        if !data.targets.iter().all(known)
            || !data.covariates.iter().all(known)
            || !data.time_column.iter().all(known)
        {
            data.targets.clear();
            data.covariates.clear();
            data.time_column = None;
            data.date_format = None;
        }
        if !data.series_column.iter().all(known) {
            data.series_column = None;
        }
        // Static attributes describe the series of one panel.
        if data.series_column.is_none() || !data.static_columns.iter().all(known) {
            data.static_columns.clear();
        }
        if data.series_column.is_none() {
            data.static_file = None;
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
        self.session.id_guess = id_guess;
        self.session.table = Some(table);
        self.session.panel = None;
        self.session.inspection = None;
        self.session.inspected_for = None;
        self.session.summary = None;
        self.persisted.tab = Tab::Data;
        self.record_runs();
    }

    fn on_resolved(&mut self, resolved: &Resolved) {
        let persisted = &mut self.persisted;
        if let Some(note) = persisted
            .data_defaults
            .adopt(&mut persisted.config, resolved)
        {
            self.session.info(note);
        }
        // The inspection on its way is of the resolved configuration: when the current
        // one matches it, no second inspection is needed (when the user changed a
        // setting meanwhile, the next frame inspects theirs).
        let current = inspect_key(&self.persisted.config);
        if current == inspect_key(&resolved.config) {
            self.session.inspected_for = Some(current);
        }
    }

    fn on_inspected(&mut self, inspection: Arc<Inspection>) {
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

    fn on_trained(&mut self, summary: Arc<RunSummary>, series: Arc<Series>) {
        let cancelled = matches!(
            summary.training.stop,
            seqcast_engine::train::StopReason::Cancelled
        );
        self.session.busy = None;
        if let Some(live) = &mut self.session.live {
            live.running = false;
        }
        self.session.info(format!(
            "Training {} · best epoch {} · {:.1}s",
            summary.training.stop.describe(),
            seqcast_engine::train::best_epoch_label(summary.training.best_epoch),
            summary.training.elapsed_secs
        ));
        self.session.summary = Some(summary);
        self.session.summary_series = Some(series);
        self.session.panel = None;
        if !cancelled {
            self.persisted.tab = Tab::Results;
        }
    }

    fn on_panel_trained(&mut self, summary: Arc<PanelSummary>, forecasts: Arc<[SeriesForecast]>) {
        self.session.busy = None;
        if let Some(live) = &mut self.session.live {
            live.running = false;
        }
        self.session.info(format!(
            "Trained one model over {} series · {} · best epoch {} · {:.1}s",
            summary.data.series,
            summary.training.stop.describe(),
            seqcast_engine::train::best_epoch_label(summary.training.best_epoch),
            summary.elapsed_secs
        ));
        let cancelled = matches!(
            summary.training.stop,
            seqcast_engine::train::StopReason::Cancelled
        );
        self.session.summary = None;
        self.session.panel = Some(Arc::new(PanelResult::new(summary, forecasts)));
        self.persisted.series_list.selected = None;
        self.persisted.series_list.page_start = 0;
        if !cancelled {
            self.persisted.tab = Tab::Results;
        }
    }

    fn on_saved(&mut self, paths: Vec<PathBuf>) {
        self.session.busy = None;
        for p in paths {
            self.session.info(format!("Wrote {}", p.display()));
        }
    }

    fn on_failed(&mut self, command: CommandKind, message: String) {
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

//! The one-line view of a run that the runs table shows and sorts on, computed once when
//! the run is saved so that listing a store reads only small files.

use serde::{Deserialize, Serialize};

use crate::config::CellKind;
use crate::eval::baselines::BaselineKind;
use crate::panel::run::PanelSummary;
use crate::pipeline::RunSummary;
use crate::train::StopReason;

/// Key settings and metrics of one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRow {
    /// Data file name.
    pub data_file: String,
    /// SHA-256 of the data file.
    pub data_sha256: String,
    /// Forecast columns.
    pub targets: Vec<String>,
    /// Cell type.
    pub cell: CellKind,
    /// Hidden units per layer.
    pub hidden: usize,
    /// Stacked layers.
    pub layers: usize,
    /// Input window.
    pub lookback: usize,
    /// Forecast steps.
    pub horizon: usize,
    /// Base learning rate.
    pub lr: f64,
    /// Mini-batch size.
    pub batch: usize,
    /// Dropout between layers.
    pub dropout: f64,
    /// Seed.
    pub seed: u64,
    /// Epochs that ran.
    pub epochs_run: usize,
    /// Epoch whose weights were kept.
    pub best_epoch: Option<usize>,
    /// How training ended, for people.
    pub stop: String,
    /// Whether a search stopped it early for doing worse than the others.
    #[serde(default)]
    pub pruned: bool,
    /// Lowest validation loss (scaled units), the value a search ranks by.
    pub best_val_loss: Option<f64>,
    /// Validation MAE in the data's units.
    pub val_mae: Option<f64>,
    /// Test MAE in the data's units.
    pub test_mae: Option<f64>,
    /// Test RMSE in the data's units.
    pub test_rmse: Option<f64>,
    /// Test MASE.
    pub test_mase: Option<f64>,
    /// The naive forecast's test MAE on the same windows.
    pub naive_test_mae: Option<f64>,
    /// Alerts the training doctor raised.
    pub alerts: usize,
    /// Training time, seconds.
    pub elapsed_secs: f64,
    /// Trainable parameters.
    pub parameters: usize,
    /// Many series, one model: the series trained on (`None` for one series).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<usize>,
    /// Many series: the model's mean test sMAPE over the series.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_smape: Option<f64>,
    /// Many series: the model's test OWA (M4's, relative to Naive2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_owa: Option<f64>,
}

impl RunRow {
    /// The row of `summary`.
    pub fn of(summary: &RunSummary) -> Self {
        let test = summary.test_scores.as_ref().map(|s| &s.original);
        let val = summary.val_scores.as_ref().map(|s| &s.original);
        let d = &summary.data;
        Self {
            val_mae: val.map(|s| s.model.overall.mae),
            test_mae: test.map(|s| s.model.overall.mae),
            test_rmse: test.map(|s| s.model.overall.rmse),
            test_mase: test.and_then(|s| s.model.overall.mase),
            naive_test_mae: test
                .and_then(|s| s.baselines.get(&BaselineKind::Naive))
                .map(|m| m.overall.mae),
            ..Self::settings(
                &summary.config,
                &summary.training,
                &d.file,
                &d.sha256,
                &d.targets,
            )
        }
    }

    /// The row of a run over many series: its test metrics are the means over the
    /// series (MASE, sMAPE) and OWA; MAE has no meaning across series of different units.
    pub fn of_panel(summary: &PanelSummary) -> Self {
        let model = summary.test.as_ref().and_then(|s| s.aggregate.get("model"));
        let finite = |v: f64| v.is_finite().then_some(v);
        let d = &summary.data;
        let c = &summary.config;
        Self {
            test_mase: model.and_then(|a| finite(a.mase)),
            series: Some(d.series),
            test_smape: model.and_then(|a| finite(a.smape)),
            test_owa: model.and_then(|a| finite(a.owa)),
            ..Self::settings(c, &summary.training, &d.source, &d.sha256, &c.data.targets)
        }
    }

    /// The settings and training of a run, its metrics unset.
    fn settings(
        c: &crate::config::RunConfig,
        t: &crate::pipeline::TrainingSummary,
        data_file: &str,
        data_sha256: &str,
        targets: &[String],
    ) -> Self {
        Self {
            data_file: data_file.to_string(),
            data_sha256: data_sha256.to_string(),
            targets: targets.to_vec(),
            cell: c.model.cell,
            hidden: c.model.hidden,
            layers: c.model.layers,
            lookback: c.window.lookback,
            horizon: c.window.horizon,
            lr: c.train.lr,
            batch: c.train.batch,
            dropout: c.model.dropout,
            seed: c.train.seed,
            epochs_run: t.history.len(),
            best_epoch: t.best_epoch,
            stop: short_stop(&t.stop),
            pruned: matches!(t.stop, StopReason::Pruned { .. }),
            best_val_loss: t
                .history
                .iter()
                .filter_map(|e| e.val_loss)
                .filter(|v| v.is_finite())
                .reduce(f64::min),
            val_mae: None,
            test_mae: None,
            test_rmse: None,
            test_mase: None,
            naive_test_mae: None,
            alerts: t.alerts.len(),
            elapsed_secs: t.elapsed_secs,
            parameters: t.parameters,
            series: None,
            test_smape: None,
            test_owa: None,
        }
    }

    /// "GRU 64x2, lookback 24, lr 1.0e-3" (and ", 414 series" over many series): the
    /// default name of a run.
    pub fn label(&self) -> String {
        let series = self
            .series
            .map(|n| format!(", {n} series"))
            .unwrap_or_default();
        format!(
            "{} {}x{}, lookback {}, lr {:.1e}{series}",
            self.cell.name().to_uppercase(),
            self.hidden,
            self.layers,
            self.lookback,
            self.lr
        )
    }
}

fn short_stop(stop: &StopReason) -> String {
    match stop {
        StopReason::Completed => "completed".into(),
        StopReason::EarlyStopped { epoch } => format!("early stop @{epoch}"),
        StopReason::Cancelled => "cancelled".into(),
        StopReason::Pruned { epoch } => format!("pruned @{epoch}"),
        StopReason::NonFinite { step, .. } => format!("NaN @step {step}"),
    }
}

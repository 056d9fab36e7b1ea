//! One global model over a panel: prepare, train on windows of every series (mixed in
//! each batch by the same shuffled loop and fast path as one series), forecast each
//! series' test windows and score them against the baselines.

use std::sync::Arc;
use std::time::Instant;

use burn::module::Module;
use serde::{Deserialize, Serialize};

use super::prepare::{Excluded, PanelPrepared};
use super::score::{self, PanelScores, SeriesForecast};
use super::{Panel, PanelLoadReport};
use crate::config::RunConfig;
use crate::error::Result;
use crate::model::Forecaster;
use crate::pipeline::TrainingSummary;
use crate::train::{self, Control, Progress};

/// The data of a panel run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PanelData {
    /// Where it came from.
    pub source: String,
    /// What loading found and did.
    pub load: PanelLoadReport,
    /// Series trained on.
    pub series: usize,
    /// Series left out, with the reason.
    pub excluded: Vec<Excluded>,
    /// Windows in each part, over all series.
    pub windows: [usize; 3],
    /// Seasonal period used by seasonal naive, MASE and Naive2.
    pub season: usize,
}

/// Everything a finished panel run produced, except the weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PanelSummary {
    /// The configuration.
    pub config: RunConfig,
    /// The data.
    pub data: PanelData,
    /// Training.
    pub training: TrainingSummary,
    /// Test scores per series and aggregated (absent without test windows).
    pub test: Option<PanelScores>,
    /// Seconds for everything after loading: preparing, training, forecasting, scoring.
    pub elapsed_secs: f64,
}

/// A panel run: the summary, the forecasts per series and the weights.
#[derive(Debug)]
pub struct PanelRunOutput {
    /// What the run produced.
    pub summary: PanelSummary,
    /// Test forecasts per series (for plots and the export).
    pub forecasts: Vec<SeriesForecast>,
    /// The trained network.
    pub model: Forecaster,
}

/// Prepares `panel`, trains one model on all its series and scores the test windows.
/// `report` receives training progress; a cancelled run still returns its best weights
/// and scores.
pub fn run(
    panel: Arc<Panel>,
    config: &RunConfig,
    control: &Control,
    report: &mut dyn FnMut(Progress),
) -> Result<PanelRunOutput> {
    let start = Instant::now();
    let prepared = PanelPrepared::fit(panel.clone(), config)?;
    let data = prepared.train_data();
    let dims = data.dims(prepared.test.len());
    let mut need = crate::budget::training(&config.model, &config.train, &dims);
    need.extend(crate::budget::evaluation(&dims));
    need.check("this panel run", crate::budget::Limits::for_this_machine())?;
    // Validation outputs are for one series' live plot; a panel's are not shown.
    let mut forward = |progress: Progress| {
        if !matches!(progress, Progress::ValidationOutputs { .. }) {
            report(progress);
        }
    };
    let outcome = train::train(&config.model, &config.train, &data, control, &mut forward)?;
    let (test, forecasts) = if prepared.test.is_empty() {
        (None, Vec::new())
    } else {
        let outputs = train::predict_windows(&outcome.model, &data, &prepared.test)?;
        let model = prepared.invert(&prepared.test, &outputs);
        let (scores, forecasts) = score::score(&prepared, &prepared.test, &model);
        (Some(scores), forecasts)
    };
    let alerts = crate::diag::final_alerts(&outcome.history, &outcome.stop, None);
    let summary = PanelSummary {
        config: config.clone(),
        data: PanelData {
            source: panel.source.clone(),
            load: panel.report.clone(),
            series: prepared.segments.len(),
            excluded: prepared.excluded.clone(),
            windows: prepared.windows(),
            season: prepared.season,
        },
        training: TrainingSummary {
            parameters: outcome.model.num_params(),
            history: outcome.history,
            best_epoch: outcome.best_epoch,
            stop: outcome.stop,
            elapsed_secs: outcome.elapsed_secs,
            windows_per_sec: outcome.windows_per_sec,
            alerts,
            diag_cost: outcome.diag_cost,
            diag_every: config.train.diag_every,
            refit: None,
        },
        test,
        elapsed_secs: start.elapsed().as_secs_f64(),
    };
    Ok(PanelRunOutput {
        summary,
        forecasts,
        model: outcome.model,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ScaleKind, Split};

    /// Twelve seasonal series of different levels and phases: one small model learns
    /// them all and beats the naive forecast on their test windows.
    #[test]
    fn one_model_learns_many_seasonal_series_and_beats_naive() {
        let raw: Vec<(String, Vec<Option<f64>>)> = (0..12)
            .map(|i| {
                let level = 10.0 * f64::from(i + 1);
                let values = (0..120)
                    .map(|t| {
                        let phase = f64::from(t + i) * std::f64::consts::TAU / 8.0;
                        Some(level + 0.3 * level * phase.sin())
                    })
                    .collect();
                (format!("s{i}"), values)
            })
            .collect();
        let panel = Arc::new(Panel::from_raw("synthetic", raw));
        let mut c = RunConfig::default();
        c.window.lookback = 16;
        c.window.horizon = 8;
        c.data.split = Split::Last { val: 8, test: 8 };
        c.data.scale = ScaleKind::Zscore;
        c.model.hidden = 8;
        c.model.layers = 1;
        c.train.epochs = 8;
        c.train.seed = 3;
        c.eval.season = Some(8);
        let out = run(panel, &c, &Control::default(), &mut |_| {}).unwrap();
        let s = &out.summary;
        assert_eq!(s.data.series, 12);
        assert_eq!(s.data.windows[2], 12, "one test window per series");
        let test = s.test.as_ref().unwrap();
        assert_eq!(test.per_series.len(), 12);
        assert_eq!(out.forecasts.len(), 12);
        let first = s.training.history.first().unwrap().train_loss;
        let last = s.training.history.last().unwrap().train_loss;
        assert!(last < first * 0.5, "loss {first} → {last}");
        let model = test.aggregate["model"];
        let naive = test.aggregate["naive"];
        assert!(model.mase < naive.mase, "model {model:?} naive {naive:?}");
        assert!(model.owa.is_finite());
    }
}

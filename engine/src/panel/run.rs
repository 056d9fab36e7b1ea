//! One global model over a panel: prepare, train on windows of every series (mixed in
//! each batch by the same shuffled loop and fast path as one series), forecast each
//! series' test windows and score them against the baselines.

use std::sync::Arc;
use std::time::Instant;

use burn::module::Module;
use serde::{Deserialize, Serialize};

use super::attributes::Attribute;
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
    /// SHA-256 of the data file (empty when the series came from several files).
    #[serde(default)]
    pub sha256: String,
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
    /// Covariate columns fed to the model beside each series' values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covariates: Vec<String>,
    /// Static attributes fed to the model, with their encoding.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
}

impl PanelData {
    /// What the model reads besides each series' values, for the CLI and the GUI;
    /// `None` when nothing.
    pub fn inputs_line(&self) -> Option<String> {
        let mut parts = Vec::new();
        if !self.covariates.is_empty() {
            parts.push(format!("covariates {}", self.covariates.join(", ")));
        }
        if !self.attributes.is_empty() {
            let described: Vec<String> = self.attributes.iter().map(Attribute::describe).collect();
            parts.push(format!("static attributes {}", described.join(", ")));
        }
        (!parts.is_empty()).then(|| format!("inputs besides the values: {}", parts.join("; ")))
    }
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
    /// Validation scores per series and aggregated, by the kept weights (absent without
    /// validation windows).
    #[serde(default)]
    pub validation: Option<PanelScores>,
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
    /// What forecasting again needs besides the weights (the series' scalers…).
    pub spec: super::predict::PanelSpec,
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
    // The run store keeps a panel run's model and summary, not checkpoints: a branch
    // continues a run over one series.
    let settings = crate::config::TrainConfig {
        checkpoints: 0,
        ..config.train.clone()
    };
    let mut need = crate::budget::training(&config.model, &settings, &dims);
    need.extend(crate::budget::evaluation(&dims));
    need.check("this panel run", crate::budget::Limits::for_this_machine())?;
    // Validation outputs are for one series' live plot; a panel's are not shown.
    let mut forward = |progress: Progress| {
        if !matches!(progress, Progress::ValidationOutputs { .. }) {
            report(progress);
        }
    };
    let outcome = train::train(&config.model, &settings, &data, control, &mut forward)?;
    let (mut test, scored) = if prepared.test.is_empty() {
        (None, Vec::new())
    } else {
        let outputs = train::predict_windows(&outcome.model, &data, &prepared.test)?;
        let model = prepared.invert(&prepared.test, &outputs);
        let (scores, forecasts) = score::score(&prepared, &prepared.test, &model);
        (Some(scores), forecasts)
    };
    let mut forecasts = with_history_and_future(&prepared, &outcome.model, scored)?;
    let validation = if prepared.val.is_empty() {
        None
    } else {
        let outputs = train::predict_windows(&outcome.model, &data, &prepared.val)?;
        let model = prepared.invert(&prepared.val, &outputs);
        Some(score::score(&prepared, &prepared.val, &model).0)
    };
    // Per series, the model or a clearly better baseline, chosen on validation alone.
    let choices = validation
        .as_ref()
        .map(super::choice::choose)
        .unwrap_or_default();
    apply_choice(&prepared, &choices, test.as_mut(), &mut forecasts);
    let mut alerts =
        crate::diag::final_alerts(&outcome.history, &outcome.stop, outcome.best_epoch, None);
    let last_epoch = outcome.history.last().map_or(0, |e| e.epoch);
    if let Some(alert) = validation
        .as_ref()
        .and_then(|v| worse_than_a_baseline(v, last_epoch))
    {
        alerts.push(alert);
    }
    let mut spec = super::predict::PanelSpec::of(&prepared);
    let sources: Vec<(String, String)> = forecasts
        .iter()
        .map(|f| (f.id.clone(), f.source.clone()))
        .collect();
    spec.set_choices(&prepared, &sources);
    // The run records the changes it applied (scripted or live), so that reusing its
    // configuration replays them.
    let mut recorded = config.clone();
    recorded.train.changes = outcome.changes;
    let summary = PanelSummary {
        config: recorded,
        data: PanelData {
            source: panel.source.clone(),
            sha256: panel.sha256.clone(),
            load: panel.report.clone(),
            series: prepared.segments.len(),
            excluded: prepared.excluded.clone(),
            windows: prepared.windows(),
            season: prepared.season,
            covariates: panel.covariates.clone(),
            attributes: prepared.encoding.attributes.clone(),
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
            resumed_from: None,
        },
        test,
        validation,
        elapsed_secs: start.elapsed().as_secs_f64(),
    };
    Ok(PanelRunOutput {
        summary,
        forecasts,
        model: outcome.model,
        spec,
    })
}

/// The doctor's verdict against the baselines on validation, over all series: an alert
/// when a baseline's mean MASE beats the model's, naming it, how many series each
/// series' best baseline wins, and the worst of them.
pub fn worse_than_a_baseline(val: &PanelScores, epoch: usize) -> Option<crate::diag::Alert> {
    let model = val.aggregate.get("model")?.mase;
    let (name, best) = val
        .aggregate
        .iter()
        .filter(|(name, a)| name.as_str() != "model" && a.mase.is_finite())
        .min_by(|a, b| a.1.mase.total_cmp(&b.1.mase))?;
    if !(model.is_finite() && model > best.mase) {
        return None;
    }
    let mut losing: Vec<(&str, f64)> = val
        .per_series
        .iter()
        .filter_map(|s| {
            let (_, b) = s.best_baseline()?;
            Some((s.id.as_str(), s.model.mase / b.mase))
        })
        .filter(|(_, r)| r.is_finite() && *r > 1.0)
        .collect();
    losing.sort_by(|a, b| b.1.total_cmp(&a.1));
    let worst: Vec<String> = losing
        .iter()
        .take(3)
        .map(|(id, r)| format!("{id} {r:.2}×"))
        .collect();
    Some(crate::diag::Alert {
        kind: crate::diag::AlertKind::WorseThanBaseline,
        epoch,
        message: format!(
            "on validation the model's mean MASE is {model:.3}, {name}'s {:.3} ({:.0}% \
             better); the model is worse than each series' best baseline on {} of {} series \
             (worst: {})",
            best.mase,
            (1.0 - best.mase / model) * 100.0,
            losing.len(),
            val.per_series.len(),
            worst.join(", ")
        ),
        remedy: format!(
            "a lookback covering at least two seasons plus the horizon, more epochs (the \
             epochs default follows the windows of all series), or {name} for the series \
             where it wins"
        ),
    })
}

/// Applies the per-series `choices` (by id; absent: the model) to the test scores (each
/// series' `forecast`, and the `forecast` aggregate) and to the forecasts (the chosen
/// baseline's test forecasts and forecast past the end).
fn apply_choice(
    prepared: &PanelPrepared,
    choices: &std::collections::BTreeMap<String, String>,
    test: Option<&mut PanelScores>,
    forecasts: &mut [SeriesForecast],
) {
    let source = |id: &str| choices.get(id).map_or("model", String::as_str);
    let segments: std::collections::HashMap<&str, &super::prepare::Segment> = prepared
        .segments
        .iter()
        .map(|s| (prepared.id(s), s))
        .collect();
    for f in forecasts.iter_mut() {
        let name = source(&f.id);
        f.source = "model".into();
        if name == "model" {
            continue;
        }
        let Some(segment) = segments.get(f.id.as_str()) else {
            continue;
        };
        let h = prepared.spec.horizon;
        let chosen = score::baseline_forecast(prepared, segment, name, &f.origins);
        let future = score::baseline_forecast(prepared, segment, name, &[segment.len - 1]);
        if chosen.len() == f.origins.len() * h && future.len() == h {
            f.source = name.to_string();
            f.chosen = chosen;
            f.chosen_future = future;
        }
    }
    let Some(test) = test else {
        return;
    };
    let used: std::collections::HashMap<&str, &str> = forecasts
        .iter()
        .map(|f| (f.id.as_str(), f.source.as_str()))
        .collect();
    for s in &mut test.per_series {
        let name = used.get(s.id.as_str()).copied().unwrap_or("model");
        let scores = match s.baselines.get(name) {
            Some(b) if name != "model" => *b,
            _ => s.model,
        };
        s.forecast = Some((name.to_string(), scores));
    }
    test.aggregate = score::aggregate(&test.per_series);
}

/// Rows of history kept with each series' forecasts for plots: at least this many, and
/// at least the lookback plus three horizons.
const HISTORY_ROWS: usize = 96;

/// One forecast per trained series (in panel order): its test forecasts when it has
/// test windows, its last rows, and the model's forecast past its end.
fn with_history_and_future(
    prepared: &PanelPrepared,
    model: &Forecaster,
    scored: Vec<SeriesForecast>,
) -> Result<Vec<SeriesForecast>> {
    let data = prepared.train_data();
    let h = prepared.spec.horizon;
    let lookback = prepared.spec.lookback;
    let ends: Vec<usize> = prepared
        .segments
        .iter()
        .map(|s| s.start + s.len - 1)
        .collect();
    let outputs = train::predict_windows(model, &data, &ends)?;
    let future = prepared.invert(&ends, &outputs);
    let mut scored: std::collections::HashMap<String, SeriesForecast> =
        scored.into_iter().map(|f| (f.id.clone(), f)).collect();
    let keep = HISTORY_ROWS.max(lookback + 3 * h);
    let mut out = Vec::with_capacity(prepared.segments.len());
    for (i, segment) in prepared.segments.iter().enumerate() {
        let id = prepared.id(segment);
        let mut f = scored
            .remove(id)
            .unwrap_or_else(|| SeriesForecast::empty(id));
        let values = prepared.values(segment);
        f.history_start = values.len().saturating_sub(keep);
        f.history = values.get(f.history_start..).unwrap_or(&[]).to_vec();
        f.future = future.get(i * h..(i + 1) * h).unwrap_or(&[]).to_vec();
        out.push(f);
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::{ScaleKind, Split};

    /// A summary around `test` (the rest default), for the report's and export's tests.
    pub(crate) fn summary_with(test: Option<PanelScores>) -> PanelSummary {
        PanelSummary {
            config: RunConfig::default(),
            data: PanelData {
                source: "p.csv".into(),
                sha256: String::new(),
                load: PanelLoadReport::default(),
                series: 1,
                excluded: Vec::new(),
                windows: [0, 0, 1],
                season: 1,
                covariates: Vec::new(),
                attributes: Vec::new(),
            },
            training: TrainingSummary {
                history: Vec::new(),
                best_epoch: None,
                stop: crate::train::StopReason::Completed,
                elapsed_secs: 0.0,
                windows_per_sec: 0.0,
                parameters: 0,
                alerts: Vec::new(),
                diag_cost: Default::default(),
                diag_every: 0,
                refit: None,
                resumed_from: None,
            },
            test,
            validation: None,
            elapsed_secs: 0.0,
        }
    }

    #[test]
    fn the_doctor_names_a_baseline_that_beats_the_model_over_all_series() {
        use crate::panel::score::{Scores, SeriesScores, aggregate};
        use std::collections::BTreeMap;
        let sc = |mase: f64| Scores {
            smape: 10.0 * mase,
            mase,
            mae: mase,
        };
        let series = |id: &str, model: f64, snaive: f64| SeriesScores {
            id: id.into(),
            rows: 100,
            windows: 1,
            model: sc(model),
            baselines: BTreeMap::from([
                ("seasonal_naive".to_string(), sc(snaive)),
                ("naive2".to_string(), sc(2.0)),
            ]),
            attributes: BTreeMap::new(),
            forecast: None,
        };
        // Model 1.2 on average against seasonal naive's 0.8: seasonal naive wins two of three.
        let per_series = vec![
            series("a", 1.5, 0.6),
            series("b", 1.5, 0.8),
            series("c", 0.6, 1.0),
        ];
        let val = PanelScores {
            aggregate: aggregate(&per_series),
            per_series,
        };
        let alert = worse_than_a_baseline(&val, 7).unwrap();
        assert_eq!(alert.kind, crate::diag::AlertKind::WorseThanBaseline);
        assert!(
            alert
                .message
                .contains("mean MASE is 1.200, seasonal_naive's 0.800 (33% better)"),
            "{}",
            alert.message
        );
        assert!(
            alert
                .message
                .contains("on 2 of 3 series (worst: a 2.50×, b 1.88×)")
        );
        assert!(
            alert
                .remedy
                .contains("seasonal_naive for the series where it wins")
        );
        // The model ahead over all series: no alert, although it loses on some.
        let per_series = vec![series("a", 0.5, 0.6), series("b", 0.9, 0.8)];
        let val = PanelScores {
            aggregate: aggregate(&per_series),
            per_series,
        };
        assert_eq!(worse_than_a_baseline(&val, 7), None);
    }

    /// Twelve noisy seasonal series of different levels and phases: one small model learns
    /// them all and beats the naive forecast on their test windows.
    #[test]
    fn one_model_learns_many_seasonal_series_and_beats_naive() {
        let raw: Vec<(String, Vec<Option<f64>>)> = (0..12)
            .map(|i| {
                let level = 10.0 * f64::from(i + 1);
                let values = (0..120)
                    .map(|t| {
                        let phase = f64::from(t + i) * std::f64::consts::TAU / 8.0;
                        // A little noise: an exactly periodic series has no MASE scale.
                        let noise = f64::from((t * 7919 + i * 104_729) % 101) / 101.0 - 0.5;
                        Some(level + 0.3 * level * phase.sin() + 0.02 * level * noise)
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
        let val = s.validation.as_ref().unwrap();
        assert_eq!(val.per_series.len(), 12, "one validation window per series");
        assert!(val.aggregate["model"].mase < val.aggregate["naive"].mase);
        assert_eq!(out.forecasts.len(), 12);
        let f = &out.forecasts[3];
        assert_eq!(f.future.len(), 8);
        assert_eq!(
            (f.history_start, f.history.len()),
            (24, 96),
            "the last 96 of 120 rows"
        );
        // The forecast past the end continues the sine of series 3 (level 40, ±12).
        let want: Vec<f64> = (120..128)
            .map(|t| 40.0 + 12.0 * (f64::from(t + 3) * std::f64::consts::TAU / 8.0).sin())
            .collect();
        let err: f64 = f
            .future
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .sum::<f64>()
            / 8.0;
        assert!(err < 4.0, "future {:?} want {want:?}", f.future);
        let first = s.training.history.first().unwrap().train_loss;
        let last = s.training.history.last().unwrap().train_loss;
        assert!(last < first * 0.5, "loss {first} → {last}");
        let model = test.aggregate["model"];
        let naive = test.aggregate["naive"];
        assert!(model.mase < naive.mase, "model {model:?} naive {naive:?}");
        assert!(model.owa.is_finite());
    }
}

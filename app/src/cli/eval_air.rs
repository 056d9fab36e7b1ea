//! `seqcast eval air` and `seqcast eval air-rnn`: AirPassengers on Darts' two published
//! protocols, next to the baselines on the same windows and Darts' numbers.

use std::fmt::Write as _;

use anyhow::{Context, Result};
use seqcast_engine::config::MetricsScale;
use seqcast_engine::eval::baselines::BaselineKind;
use seqcast_engine::eval::metrics::HorizonMetrics;
use seqcast_engine::eval::protocol::{self, AIR_LOOKBACK, AIR_RNN_HORIZON};
use seqcast_engine::pipeline::PartForecast;

use super::eval::{AIR_PUBLISHED, EvalArgs, model_name, model_name_single, run_seeds, runs_line};

/// The Darts RNN example's published MAPE (its `RNNModel` LSTM with month covariates).
const AIR_RNN_PUBLISHED: f64 = 2.71;

/// The Darts quickstart split (`seqcast eval air`).
pub(super) fn darts_split(args: &EvalArgs) -> Result<String> {
    let lookback = args.train.lookback.unwrap_or(AIR_LOOKBACK);
    let runs = run_seeds(
        args,
        args.air.clone(),
        |c| protocol::air_darts(c, lookback),
        "AirPassengers",
    )
    .context("AirPassengers protocol")?;
    let scale = MetricsScale::Original;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nAirPassengers, Darts quickstart split: train 1949-01 … 1957-12, forecast the 36 \
         months 1958-01 … 1960-12 from one origin; MAPE on the raw values. Lookback {lookback}."
    );
    let _ = writeln!(out, "  {:<40}{:>8}", "model", "MAPE %");
    let mut rows: Vec<(String, Option<f64>)> =
        vec![(model_name(&runs), runs.model(scale).and_then(|m| m.mape))];
    if runs.summaries.len() > 1 {
        for (seed, m) in args.seeds.iter().zip(runs.per_seed(scale)) {
            rows.push((format!("  seed {seed}"), m.mape));
        }
    }
    for (kind, name) in [
        (BaselineKind::Naive, "naive"),
        (BaselineKind::SeasonalNaive, "seasonal naive (12 months)"),
        (BaselineKind::Drift, "drift"),
        (BaselineKind::Linear, "linear AR"),
    ] {
        rows.push((name.into(), runs.baseline(kind, scale).and_then(|m| m.mape)));
    }
    rows.extend(
        AIR_PUBLISHED
            .iter()
            .map(|(name, v)| ((*name).to_string(), Some(*v))),
    );
    write_rows(&mut out, rows.into_iter().filter(|(_, v)| v.is_some()));
    out.push_str(&runs_line(&runs));
    Ok(out)
}

/// The Darts RNN example's backtest (`seqcast eval air-rnn`): each seed's MAPE of the
/// forecasts' last months, their mean, the seed ensemble's and the baselines'.
pub(super) fn rnn_example(args: &EvalArgs) -> Result<String> {
    let mut args = args.clone();
    // "No retraining": unless asked, the model validated on 1958 is the one backtested
    // (the short-series default would refit it on 1958 as well).
    if args.train.refit.is_none() && args.train.config.is_none() {
        args.train.refit = Some(false);
    }
    let runs = run_seeds(&args, args.air.clone(), protocol::air_rnn, "AirPassengers")
        .context("AirPassengers, the Darts RNN example's protocol")?;
    let first = runs.summaries.first().context("no run")?;
    let lookback = first.config.window.lookback;
    let refit = if first.config.train.refit {
        "refit on 1949–1958 for the validated epoch count"
    } else {
        "not refit"
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nAirPassengers, the Darts RNN example's protocol: trained on 1949-01 … 1957-12, \
         1958 for validation ({refit}); {AIR_RNN_HORIZON}-month forecasts from every origin \
         in 1958-12 … 1960-06 without retraining, each scored on its last month \
         (1959-06 … 1960-12); MAPE on the raw values. Lookback {lookback}."
    );
    let _ = writeln!(
        out,
        "  {:<40}{:>8}",
        "last month of each forecast", "MAPE %"
    );
    let tests: Vec<&PartForecast> = runs
        .summaries
        .iter()
        .filter_map(|s| s.test.as_ref())
        .collect();
    let per_seed: Vec<Option<f64>> = tests.iter().map(|t| last_step_mape(t, &t.model)).collect();
    let mut rows: Vec<(String, Option<f64>)> = Vec::new();
    if per_seed.len() > 1 {
        let known: Vec<f64> = per_seed.iter().flatten().copied().collect();
        let mean =
            (known.len() == per_seed.len()).then(|| known.iter().sum::<f64>() / known.len() as f64);
        rows.push((
            format!("{}: mean of the seeds", model_name_single(&runs)),
            mean,
        ));
        for (seed, m) in args.seeds.iter().zip(&per_seed) {
            rows.push((format!("  seed {seed}"), *m));
        }
        rows.push((model_name(&runs), ensemble_mape(&tests)));
    } else {
        rows.push((model_name(&runs), per_seed.first().copied().flatten()));
    }
    if let Some(t) = tests.first() {
        for (kind, name) in [
            (BaselineKind::Naive, "naive"),
            (BaselineKind::SeasonalNaive, "seasonal naive (12 months)"),
            (BaselineKind::Drift, "drift"),
            (BaselineKind::Linear, "linear AR"),
        ] {
            let mape = t.baselines.get(&kind).and_then(|b| last_step_mape(t, b));
            rows.push((name.into(), mape));
        }
    }
    rows.push(("Darts RNNModel (published)".into(), Some(AIR_RNN_PUBLISHED)));
    write_rows(&mut out, rows);
    out.push_str(&runs_line(&runs));
    Ok(out)
}

/// One line per row: the name, then the MAPE (a dash where there is none).
fn write_rows(out: &mut String, rows: impl IntoIterator<Item = (String, Option<f64>)>) {
    for (name, mape) in rows {
        let _ = match mape {
            Some(v) => writeln!(out, "  {name:<40}{v:>8.2}"),
            None => writeln!(out, "  {name:<40}{:>8}", "–"),
        };
    }
}

/// MAPE of each window's last step of `forecast` (the first target's, row-major
/// `[windows × AIR_RNN_HORIZON]`) against `part`'s actual values.
fn last_step_mape(part: &PartForecast, forecast: &[Vec<f64>]) -> Option<f64> {
    let actual = part.actual.first()?;
    let metrics = HorizonMetrics::compute(actual, forecast.first()?, AIR_RNN_HORIZON, None);
    metrics.per_step.get(AIR_RNN_HORIZON - 1)?.mape
}

/// The last-step MAPE of the seeds' mean forecast (every seed forecasts the same windows).
fn ensemble_mape(tests: &[&PartForecast]) -> Option<f64> {
    let first = tests.first()?;
    let len = first.model.first()?.len();
    let mut mean = vec![0.0; len];
    for t in tests {
        let model = t.model.first()?;
        if model.len() != len {
            return None;
        }
        for (m, v) in mean.iter_mut().zip(model) {
            *m += v / tests.len() as f64;
        }
    }
    last_step_mape(first, &[mean])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_last_step_of_each_window_is_scored() {
        // Two windows of 6 steps; only steps 6 and 12 count: actual 100 and 200,
        // forecasts 110 (10 % off) and 150 (25 % off): MAPE 17.5 %.
        let actual: Vec<f64> = (1..=12)
            .map(|i| {
                if i == 6 {
                    100.0
                } else if i == 12 {
                    200.0
                } else {
                    1.0
                }
            })
            .collect();
        let forecast: Vec<f64> = (1..=12)
            .map(|i| {
                if i == 6 {
                    110.0
                } else if i == 12 {
                    150.0
                } else {
                    1000.0
                }
            })
            .collect();
        let part = PartForecast {
            origins: vec![0, 1],
            actual: vec![actual],
            model: vec![forecast.clone()],
            baselines: std::collections::BTreeMap::new(),
            product: Vec::new(),
            quantiles: None,
        };
        let mape = last_step_mape(&part, &[forecast]).unwrap();
        assert!((mape - 17.5).abs() < 1e-9, "{mape}");
        // The seeds' mean: 110 and 150 averaged with 90 and 250 gives 100 and 200.
        let other: Vec<f64> = (1..=12)
            .map(|i| {
                if i == 6 {
                    90.0
                } else if i == 12 {
                    250.0
                } else {
                    0.0
                }
            })
            .collect();
        let second = PartForecast {
            model: vec![other],
            ..part.clone()
        };
        assert!(ensemble_mape(&[&part, &second]).unwrap().abs() < 1e-9);
    }
}

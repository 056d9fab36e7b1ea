//! The recursive strategy through the pipeline: with a horizon of one it is the direct
//! model, longer horizons are rolled forward and scored like any forecast, and a
//! covariate whose future is unknown is refused by name.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic: a panic is a test failure

mod common;

use common::{sample, tiny};
use seqcast_engine::config::{CellKind, Strategy};
use seqcast_engine::data::table::read_csv;
use seqcast_engine::pipeline;
use seqcast_engine::train::Control;

fn run(config: &seqcast_engine::RunConfig) -> seqcast_engine::Result<pipeline::RunOutput> {
    let table = read_csv(&sample("daily-min-temperatures.csv")).unwrap();
    pipeline::run(&table, config, &Control::new(), &mut |_| {})
}

#[test]
fn with_a_horizon_of_one_recursive_is_the_direct_model() {
    let mut direct = tiny(CellKind::Gru, 3);
    direct.window.horizon = 1;
    direct.window.stride = 1;
    let recursive = {
        let mut c = direct.clone();
        c.model.strategy = Strategy::Recursive;
        c
    };
    let (a, b) = (run(&direct).unwrap(), run(&recursive).unwrap());
    let losses = |o: &pipeline::RunOutput| -> Vec<(f64, Option<f64>)> {
        o.summary
            .training
            .history
            .iter()
            .map(|e| (e.train_loss, e.val_loss))
            .collect()
    };
    // The same training; validation scores the same forecasts, its loss taken on the
    // restored values rather than relative to the level (rounding apart, equal).
    for ((ta, va), (tb, vb)) in losses(&a).into_iter().zip(losses(&b)) {
        assert_eq!(ta, tb);
        let (va, vb) = (va.unwrap(), vb.unwrap());
        assert!((va - vb).abs() <= 1e-6 * va, "{va} vs {vb}");
    }
    let (ta, tb) = (a.summary.test.unwrap(), b.summary.test.unwrap());
    assert_eq!(ta.model, tb.model);
    assert_eq!(b.summary.config.model.strategy, Strategy::Recursive);
}

#[test]
fn a_recursive_model_is_rolled_over_the_horizon_and_learns() {
    let mut config = tiny(CellKind::Gru, 6);
    config.window.horizon = 5;
    config.model.strategy = Strategy::Recursive;
    let out = run(&config).unwrap();
    let s = &out.summary;
    // One output per step, from a one-step network.
    assert_eq!(out.model.forecaster.horizon, 1);
    assert_eq!(s.future.values[0].len(), 5);
    let test = s.test.as_ref().unwrap();
    assert_eq!(test.model[0].len(), test.origins.len() * 5);
    // It learns: the validation loss (of the rolled-forward forecasts) falls, and the
    // test error beats repeating the last value.
    common::assert_learned_and_beat_naive(s);
    // Later steps are harder than the first: errors grow along the rolled horizon.
    let per_step = &s.test_scores.as_ref().unwrap().original.model.per_step;
    assert!(per_step[4].mae > per_step[0].mae, "{per_step:?}");
}

#[test]
fn a_covariate_of_unknown_future_is_refused_by_name() {
    let table = read_csv(&sample("pollution.csv")).unwrap();
    let mut config = seqcast_engine::RunConfig::default();
    config.data.targets = vec!["pm2.5".into()];
    config.data.covariates = vec!["TEMP".into()];
    config.model.strategy = Strategy::Recursive;
    let err = pipeline::load_and_prepare(&table, &config)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("TEMP is not") && err.contains("--future-covariates"),
        "{err}"
    );
}

#[test]
fn an_unrolled_recursive_model_trains_on_its_own_rolled_inputs() {
    let mut config = tiny(CellKind::Gru, 4);
    config.window.horizon = 5;
    config.model.strategy = Strategy::Recursive;
    let plain = run(&config).unwrap();
    config.train.unroll = true;
    let unrolled = run(&config).unwrap();
    let (p, u) = (&plain.summary, &unrolled.summary);
    // The first step starts from the same weights on the same first batch, yet the
    // losses differ: the unrolled batch also holds the windows rolled on forecasts.
    let first = |s: &seqcast_engine::pipeline::RunSummary| s.training.history[0].train_loss;
    assert_ne!(first(p), first(u));
    // The forecasts are made the same way (rolled forward), scored on the same windows.
    let (tp, tu) = (p.test.as_ref().unwrap(), u.test.as_ref().unwrap());
    assert_eq!(tp.origins, tu.origins);
    assert_ne!(tp.model, tu.model);
    assert!(u.config.train.unroll);
    common::assert_learned_and_beat_naive(u);
}
